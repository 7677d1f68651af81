/**
 * Issue 9, fault 1: a storm of SIGKILLs. The real CLI runs one search (`resume`), and is
 * SIGKILLed again and again: at random moments, and right after a trial's launch shows in its
 * directory (launch.json, handle.json, claim.json or launcher.json appearing, plus 0-3 ms), each
 * time followed by another `resume`. What counts is what the trial commands themselves record:
 * each appends a start and an end line (its trial number, its pid, the time) to a file outside
 * the data directory. Every trial must have started exactly once, and no more than -r at once.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, type FSWatcher, mkdirSync, readFileSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { trialDir } from "../lib/home";
import { isFinalSearch } from "../lib/search/status";
import { recordFault, recordTrials } from "../lib/testing/ledger";
import { mulberry32 as rng } from "../lib/testing/random";
import { makeHome, openTestStore, runCli, startCli } from "../workers/testing/cli";

const TRIALS = 40;
const PARALLEL = 3;
const KILLS = 22;
/** The files whose appearance can trigger a kill, in the order a trial's start writes them. */
const TRIGGERS = ["launch.json", "handle.json", "claim.json", "launcher.json"] as const;

interface Record {
  kind: "s" | "e";
  trial: number;
  pid: number;
  ns: bigint;
}

function readRecords(path: string): Record[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const [kind, trial, pid, ns] = l.split(" ");
      return { kind: kind as "s" | "e", trial: Number(trial), pid: Number(pid), ns: BigInt(ns!) };
    });
}

/** The most trial commands running at once, from their own start and end lines. */
function peakConcurrency(records: Record[]): number {
  const edges = records.map((r) => [r.ns, r.kind === "s" ? 1 : -1] as const);
  edges.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
  let now = 0;
  let peak = 0;
  for (const [, d] of edges) {
    now += d;
    peak = Math.max(peak, now);
  }
  return peak;
}

const exited = (child: ChildProcess) =>
  new Promise<void>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    else child.once("close", () => r());
  });

describe("a storm of SIGKILLs and resumes", () => {
  it("starts every trial's command exactly once, never more than -r at once", async () => {
    const seed = Number(process.env.HB_STORM_SEED ?? Date.now() % 1_000_000);
    const random = rng(seed);
    const home = makeHome();
    const log = `${home}-starts.log`;
    // Trial n may end only once the storm has made about n/TRIALS of its kills, so the search
    // cannot finish before the storm does, however fast the machine (the count is the test's).
    const killCount = `${home}-kills`;
    writeFileSync(killCount, "0");
    const script =
      `need=$(( HYPERBAYES_TRIAL * ${KILLS} / ${TRIALS} - 1 )); ` +
      `echo "s $HYPERBAYES_TRIAL $$ $(date +%s%N)" >> '${log}'; ` +
      `while [ "$(cat '${killCount}')" -lt "$need" ]; do sleep 0.02; done; sleep "$1"; ` +
      `echo "e $HYPERBAYES_TRIAL $$ $(date +%s%N)" >> '${log}'; echo "loss=$1"`;
    const created = await runCli(home, [
      "random",
      "--param",
      "x=0.05:0.5",
      "-n",
      String(TRIALS),
      "-r",
      String(PARALLEL),
      "--metric",
      "loss",
      "--detach",
      "--",
      "sh",
      "-c",
      script,
      "sh",
      ":x:",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const store = await openTestStore(home);
    const [entry] = await store.listSearches();
    const id = entry!.id;
    // The trial directories exist before their trials (the executor creates what is missing),
    // so each can be watched from the start.
    for (let n = 1; n <= TRIALS; n++)
      mkdirSync(trialDir(home, id, n), { recursive: true, mode: 0o700 });

    const kills: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      const child = startCli(home, ["resume", String(id)]);
      let output = "";
      child.stdout?.on("data", (d) => {
        output += d;
      });
      child.stderr?.on("data", (d) => {
        output += d;
      });
      const watchers: FSWatcher[] = [];
      let killed = false;
      const kill = (how: string) => {
        if (killed || child.exitCode !== null || child.signalCode !== null) return;
        killed = true;
        child.kill("SIGKILL");
        kills.push(how);
        writeFileSync(killCount, String(kills.length));
      };
      if (random() < 0.35) {
        const ms = Math.floor(random() * 2_500);
        setTimeout(() => kill(`at ${ms} ms`), ms);
      } else {
        const trigger = TRIGGERS[Math.floor(random() * TRIGGERS.length)]!;
        const delayMs = trigger === "launch.json" ? random() * 3 : 0;
        // Trials that have no handle yet: the next ones to start.
        const started = new Set(
          (await store.listTrials(id)).filter((t) => t.handle).map((t) => t.number),
        );
        for (let n = 1; n <= TRIALS; n++) {
          if (started.has(n)) continue;
          const w = watch(trialDir(home, id, n), (_event, name) => {
            if (name !== trigger) return;
            const how = `after trial ${n}'s ${trigger} + ${delayMs.toFixed(1)} ms`;
            if (delayMs === 0) kill(how);
            else setTimeout(() => kill(how), delayMs);
          });
          watchers.push(w);
        }
        // A trigger that does not come (the trials left are running) must not let the search
        // finish unharmed.
        const fallback = setTimeout(() => kill(`at 3000 ms (no ${trigger})`), 3_000);
        child.once("close", () => clearTimeout(fallback));
      }
      await exited(child);
      for (const w of watchers) w.close();
      if (child.signalCode === "SIGKILL")
        recordFault("SIGKILL of the CLI running a search (storm)");
      else expect(child.exitCode, output).toBe(0);
      const now = await store.getSearch(id);
      if (now && isFinalSearch(now.status)) break;
    }
    const last = await store.getSearch(id);
    if (last && !isFinalSearch(last.status)) {
      const r = await runCli(home, ["resume", String(id)]);
      expect(r.code, r.stderr).toBe(0);
    }

    const search = await store.getSearch(id);
    const trials = await store.listTrials(id);
    const records = readRecords(log);
    const startsOf = new Map<number, number>();
    for (const r of records)
      if (r.kind === "s") startsOf.set(r.trial, (startsOf.get(r.trial) ?? 0) + 1);
    const twice = [...startsOf.values()].filter((c) => c > 1).length;
    const lost = trials.filter(
      (t) => (startsOf.get(t.number) ?? 0) === 0 || t.status !== "complete",
    ).length;
    recordTrials("SIGKILL storm with resumes", { checked: trials.length, lost, twice });
    const context = `seed ${seed}; kills: ${kills.join("; ")}`;
    const byTrigger = TRIGGERS.map(
      (t) => `${t} ${kills.filter((k) => k.includes(`'s ${t}`)).length}`,
    );
    console.info(
      `kill storm (seed ${seed}): ${kills.length} SIGKILLs (at random times ${kills.filter((k) => k.startsWith("at ")).length}, after ${byTrigger.join(", ")}), ${records.filter((r) => r.kind === "s").length} command starts for ${trials.length} trials, peak ${peakConcurrency(records)} at once`,
    );
    expect(kills.length, context).toBeGreaterThanOrEqual(KILLS / 2);
    expect(search?.status, context).toBe("complete");
    expect(
      trials.map((t) => t.number),
      context,
    ).toEqual(Array.from({ length: TRIALS }, (_, i) => i + 1));
    expect({ twice, lost }, context).toEqual({ twice: 0, lost: 0 });
    expect(
      [...startsOf.keys()].sort((a, b) => a - b),
      context,
    ).toEqual(trials.map((t) => t.number));
    expect(peakConcurrency(records), context).toBeLessThanOrEqual(PARALLEL);
    // Each value is the one its only run printed.
    for (const t of trials) {
      const out = readFileSync(join(trialDir(home, id, t.number), "stdout.log"), "utf8");
      expect(out.trim().split("\n"), context).toEqual([`loss=${t.params.x}`]);
      expect(t.value).toBe(t.params.x);
    }
  }, 300_000);
});
