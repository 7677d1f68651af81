/**
 * Fault 4: SIGTERM (what `timeout`, `docker stop` and systemd send) to a foreground search, at
 * random moments. It stops the search as Ctrl-C does: running trials get SIGTERM and keep what
 * they reported, and every metric point a trial printed is in the store once the command has
 * exited. A second SIGTERM kills the search; the points are kept then too.
 */
import { describe, expect, it } from "vitest";
import { processAlive } from "../lib/executors/proc";
import { sleep, waitFor } from "../lib/executors/testing";
import { localTrialHandleSchema } from "../lib/executors/types";
import { recordFault, recordTrials } from "../lib/testing/ledger";
import {
  captureOutput,
  countRuns,
  exited,
  makeHome,
  missingPoints,
  openTestStore,
  printedPoints,
  readStarts,
  runCli,
  startCli,
} from "../workers/testing/cli";
import { trialSearchTail } from "../workers/testing/trial-command";

const ROUNDS = 4;

describe("SIGTERM to a foreground search", () => {
  it("stops it gracefully at any moment, and every value the trials printed is stored", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const home = makeHome();
      const record = `${home}/starts.jsonl`;
      const twice = round % 2 === 1;
      const child = startCli(home, [
        "random",
        "--param",
        "x=1:2",
        "-n",
        "6",
        "-r",
        "2",
        ...trialSearchTail([
          "--mode",
          "steps",
          "--steps",
          "25",
          "--step-ms",
          "40",
          "--record",
          record,
        ]),
      ]);
      const out = captureOutput(child);
      const id = await waitFor(() => {
        const m = /^search (\d+):/m.exec(out.stdout());
        return m ? Number(m[1]) : undefined;
      }, 30_000);
      // Anywhere from before the first trial starts to after the last one ends.
      await sleep(Math.random() * 4000);
      child.kill("SIGTERM");
      recordFault("SIGTERM to a foreground search");
      if (twice) {
        await sleep(50 + Math.random() * 300);
        child.kill("SIGTERM");
        recordFault("second SIGTERM to a foreground search");
      }
      const exit = await exited(child);
      const store = await openTestStore(home);
      const search = await store.getSearch(id);
      const trials = await store.listTrials(id);
      const starts = readStarts(record);
      const runs = countRuns(trials, starts);
      let lost = runs.lost;
      for (const t of trials) {
        const stored = await store.listMetricPoints(id, { trial: t.number });
        if (missingPoints(printedPoints(home, id, t.number), stored).length > 0) lost++;
      }
      recordTrials("SIGTERM to a foreground search", { ...runs, lost });

      const context = `round ${round}: ${JSON.stringify(exit)} ${out.stderr()}`;
      expect(lost, context).toBe(0);
      expect(runs.twice, context).toBe(0);
      expect(out.stderr(), context).not.toMatch(/^\s+at /m);
      if (exit.signal === "SIGTERM" && trials.length === 0) {
        // Before the handler was installed (between storing the search and running it): nothing
        // ran, and the search is left to resume.
        expect(search?.status, context).toBe("running");
        const resumed = await runCli(home, ["resume", String(id)]);
        expect(resumed.code, context).toBe(0);
        continue;
      }
      // The first SIGTERM stops; only a second one, if it came before the end, kills.
      const killed = twice && out.stderr().includes("killing");
      // A signal that came as the search was ending finds it ended.
      if (search?.status !== "complete") {
        // (A kill that comes as the stopped trials are ending may find nothing left to kill.)
        expect(killed ? ["killed", "stopped"] : ["stopped"], context).toContain(search?.status);
        expect(out.stderr(), context).toMatch(/stopping \(SIGTERM\)/);
      }
      if (exit.signal === null)
        expect(exit.code, context).toBe(search?.status === "complete" ? 0 : 1);
      // A second SIGTERM after the handler was gone (the search had ended) ends the process.
      else expect(twice, context).toBe(true);
      for (const t of trials) {
        const ends = killed ? ["complete", "stopped", "killed"] : ["complete", "stopped"];
        expect(ends, context).toContain(t.status);
        if (t.status === "stopped") {
          const losses = printedPoints(home, id, t.number).filter((p) => p.name === "loss");
          expect(t.value, context).toBe(losses.at(-1)?.value ?? null);
        }
        // A launcher lives a few milliseconds past the exit it records (longer on a busy machine).
        if (t.handle) await gone(localTrialHandleSchema.parse(t.handle).pid, context);
      }
      for (const s of starts) await gone(s.pid, context);
    }
  }, 240_000);
});

/** Waits (bounded) until `pid` is gone; fails with `context` if it outlives the wait. */
async function gone(pid: number, context: string): Promise<void> {
  await waitFor(() => (processAlive(pid) ? undefined : true), 10_000).catch(() => {
    expect(processAlive(pid), `${context}: pid ${pid} still alive after 10 s`).toBe(false);
  });
}
