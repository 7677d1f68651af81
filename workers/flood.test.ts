/**
 * Issue 9, fault 2: an output flood. One real `hyperbayes worker` runs two searches: one trial
 * prints 150 MB of short lines as fast as awk can, while the other search runs short trials two
 * at a time. The short trials must keep starting as soon as a slot frees (small end-to-start
 * gaps), the worker's heartbeats must keep coming (a lease TTL of 3 s: a stall that long would
 * lose it), its memory must stay bounded, and the flood's log must stay under its cap on disk.
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_LOG_CAP_BYTES } from "../lib/executors/log-cap.mjs";
import { trialDir } from "../lib/home";
import { recordFault } from "../lib/testing/ledger";
import { makeHome, openTestStore, runCli, startCli } from "./testing/cli";

const FLOOD_LINES = 4_000_000; // 37-38 bytes each: 150 MB
const SHORT_TRIALS = 60;
const TTL_MS = 3_000;

function rssKb(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

describe("an output flood beside another search", () => {
  it("the other search's trials keep starting on time; heartbeats and memory hold", async () => {
    const home = makeHome();
    const env = { HYPERBAYES_LEASE_TTL_MS: String(TTL_MS) };
    const flood =
      `BEGIN { for (i = 0; i < ${FLOOD_LINES}; i++) { ` +
      `if (i % 100000 == 0) print "loss=" (1 - i / ${FLOOD_LINES}); ` +
      `else print "step " (1000000 + i) " of the flood, nothing to read" } }`;
    const queued = [
      await runCli(
        home,
        [
          "random",
          "--param",
          "x=0:1",
          "-n",
          "1",
          "--metric",
          "loss",
          "--detach",
          "--",
          "sh",
          "-c",
          `awk '${flood}'; sleep 2; echo loss=0.5`,
          ":x:",
        ],
        env,
      ),
      await runCli(
        home,
        [
          "random",
          "--param",
          "x=0:1",
          "-n",
          String(SHORT_TRIALS),
          "-r",
          "2",
          "--metric",
          "loss",
          "--detach",
          "--",
          "sh",
          "-c",
          'sleep 0.2; echo "loss=$1"',
          "sh",
          ":x:",
        ],
        env,
      ),
    ];
    for (const q of queued) expect(q.code, q.stderr).toBe(0);
    const store = await openTestStore(home);
    const [short, flooding] = await store.listSearches(); // newest first

    const worker = startCli(home, ["worker"], env);
    let output = "";
    worker.stdout?.on("data", (d) => {
      output += d;
    });
    worker.stderr?.on("data", (d) => {
      output += d;
    });
    recordFault("a trial printing 150 MB of short lines beside another search");
    const rss: number[] = [];
    let baseline: number | undefined; // once the worker is up, before any trial ran
    const beats = new Map<number, number[]>([
      [short!.id, []],
      [flooding!.id, []],
    ]);
    const deadline = Date.now() + 240_000;
    for (;;) {
      const kb = rssKb(worker.pid!);
      if (kb !== undefined) rss.push(kb);
      if (baseline === undefined && /waiting for searches/.test(output)) baseline = kb;
      let done = 0;
      for (const [id, seen] of beats) {
        const s = await store.getSearch(id);
        const at = s?.lease?.heartbeatAt?.getTime();
        if (at !== undefined && at !== seen.at(-1)) seen.push(at);
        if (s?.status === "complete") done++;
      }
      if (done === beats.size || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    worker.kill("SIGTERM");
    await new Promise((r) => worker.once("close", r));

    const floodTrial = (await store.listTrials(flooding!.id))[0]!;
    const shortTrials = await store.listTrials(short!.id);
    expect((await store.getSearch(flooding!.id))?.status, output).toBe("complete");
    expect((await store.getSearch(short!.id))?.status, output).toBe("complete");
    expect(floodTrial).toMatchObject({ status: "complete", value: 0.5 });
    expect(output).not.toMatch(/lost the lease/);

    // Slot refill while the flood ran: the i-th end to the (i+2)-th start.
    const floodFrom = floodTrial.startedAt!.getTime();
    const floodTo = floodTrial.endedAt!.getTime();
    const starts = shortTrials.map((t) => t.startedAt!.getTime()).sort((a, b) => a - b);
    const ends = shortTrials.map((t) => t.endedAt!.getTime()).sort((a, b) => a - b);
    const gaps: number[] = [];
    for (let i = 0; i + 2 < starts.length; i++) {
      if (ends[i]! >= floodFrom && ends[i]! <= floodTo) gaps.push(starts[i + 2]! - ends[i]!);
    }
    const beatGaps = [...beats.values()].flatMap((seen) =>
      seen.slice(1).map((t, i) => t - seen[i]!),
    );
    const floodLog = statSync(join(trialDir(home, flooding!.id, 1), "stdout.log")).size;
    const points = (await store.listMetricPoints(flooding!.id)).length;
    console.info(
      `flood: ${gaps.length} short-trial refills during the flood (median ${quantile(gaps, 0.5)} ms, ` +
        `p90 ${quantile(gaps, 0.9)} ms, max ${Math.max(...gaps)} ms); heartbeat gaps max ` +
        `${Math.max(...beatGaps)} ms (TTL ${TTL_MS} ms); worker RSS ${Math.round(baseline! / 1024)} -> ` +
        `max ${Math.round(Math.max(...rss) / 1024)} MB; flood log ${Math.round(floodLog / 2 ** 20)} MB on disk, ` +
        `${points} metric points stored; the flood trial ran ${floodTo - floodFrom} ms`,
    );
    expect(gaps.length).toBeGreaterThanOrEqual(5);
    expect(quantile(gaps, 0.9)).toBeLessThan(500);
    expect(Math.max(...gaps)).toBeLessThan(1_500);
    expect(Math.max(...beatGaps)).toBeLessThan(TTL_MS / 2);
    expect(Math.max(...rss) - baseline!).toBeLessThan(150 * 1024);
    expect(floodLog).toBeLessThan(DEFAULT_LOG_CAP_BYTES + 32 * 2 ** 20);
  }, 300_000);
});
