/**
 * Dispatch overhead: 200 trivial trials (`echo loss=X`) with 8 in flight, through the real
 * worker, local executor and SQLite store, repeated `--runs` times (this figure moves between
 * identical runs on a busy machine). Targets: under 30 ms from a trial's end to the next start,
 * at least 7.5 of 8 slots busy on average.
 *
 * Times are the store's: a trial starts when the worker dispatches it (startedAt) and ends when
 * its command exits (endedAt, from the launcher). Measures, per run:
 *   - slot refill: the i-th trial end to the (i+8)-th trial start, i.e. how long each freed slot
 *     stayed empty. (The first start after each end would count one start for several ends
 *     that come together.) The optimizer is not in it: random search, its time printed apart.
 *   - busy slots: the sum of trial durations over the span from the first start to the last end;
 *     the span includes the ramp-up and the final drain, when fewer than 8 trials are left.
 *   - command start: dispatch to the trial's command running (the launcher is a Node process
 *     started per trial; on a machine whose cores are all taken it waits for CPU). Part of the
 *     busy time above: the slot is the trial's from its dispatch.
 *   - worker CPU per trial: the worker process's user + system time over the run.
 *
 *   node bin/run-ts.mjs bench/dispatch.ts [--trials 200] [--parallel 8] [--runs 3]
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openSqliteStore } from "../db";
import { trialDir } from "../lib/home";
import { Executors, newOwnerId, runSearch, type WorkerContext } from "../workers/worker";

const { values } = parseArgs({
  options: {
    trials: { type: "string", default: "200" },
    parallel: { type: "string", default: "8" },
    runs: { type: "string", default: "3" },
  },
});
const numRuns = Number(values.trials);
const parallelRuns = Number(values.parallel);
const repeats = Number(values.runs);

interface RunResult {
  complete: number;
  wallS: number;
  refillMedian: number;
  refillP90: number;
  refillMean: number;
  busy: number;
  durationMedian: number;
  commandStartMedian: number;
  cpuPerTrial: number;
  suggestMs: number;
}

const quantile = (xs: readonly number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
};
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function runOnce(): Promise<RunResult> {
  const home = mkdtempSync(join(tmpdir(), "hb-bench-dispatch-"));
  const store = await openSqliteStore(join(home, "hyperbayes.db"));
  const timing = { suggestMs: 0 };
  const ctx: WorkerContext = {
    store,
    owner: newOwnerId(),
    home,
    executors: new Executors(),
    timing,
  };
  try {
    const search = await store.createSearch(
      {
        kind: "random",
        params: [{ kind: "range", name: "x", min: 0, max: 1, scale: "linear", type: "float" }],
        command: ["echo", "loss=:x:"],
        cwd: home,
        numRuns,
        parallelRuns,
        metric: "loss",
        metricAgg: "last",
        goal: "minimize",
        machineType: "cpu",
        env: {},
        stopConditions: [],
        labels: [],
        seed: 0,
        acquisition: "ucb",
        earlyStop: "none",
        earlyStopMinSteps: 1,
        reductionFactor: 3,
        stopGraceSeconds: 10,
        maxFailures: numRuns,
      },
      { status: "running", lease: { owner: ctx.owner, ttlMs: 15_000 } },
    );
    const began = performance.now();
    const cpuBefore = process.cpuUsage();
    await runSearch(ctx, search.id);
    const cpu = process.cpuUsage(cpuBefore);
    const wallMs = performance.now() - began;
    const trials = await store.listTrials(search.id);

    const startOf = (t: (typeof trials)[number]) => t.startedAt!.getTime();
    const endOf = (t: (typeof trials)[number]) => t.endedAt!.getTime();
    const starts = trials.map(startOf).sort((a, b) => a - b);
    const ends = trials.map(endOf).sort((a, b) => a - b);
    const refills = ends.slice(0, -parallelRuns).map((end, i) => starts[i + parallelRuns]! - end);
    const busyMs = trials.reduce((sum, t) => sum + endOf(t) - startOf(t), 0);
    const commandStarts = trials.map((t) => {
      const launcher = JSON.parse(
        readFileSync(join(trialDir(home, search.id, t.number), "launcher.json"), "utf8"),
      );
      return Date.parse(launcher.startedAt) - startOf(t);
    });
    return {
      complete: trials.filter((t) => t.status === "complete").length,
      wallS: wallMs / 1000,
      refillMedian: quantile(refills, 0.5),
      refillP90: quantile(refills, 0.9),
      refillMean: mean(refills),
      busy: busyMs / (ends.at(-1)! - starts[0]!),
      durationMedian: quantile(
        trials.map((t) => endOf(t) - startOf(t)),
        0.5,
      ),
      commandStartMedian: quantile(commandStarts, 0.5),
      cpuPerTrial: (cpu.user + cpu.system) / 1000 / numRuns,
      suggestMs: timing.suggestMs,
    };
  } finally {
    await ctx.executors.close();
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
}

const results: RunResult[] = [];
for (let r = 0; r < repeats; r++) {
  results.push(await runOnce());
  process.stderr.write(`dispatch: run ${r + 1} of ${repeats} done\n`);
}

const rows: [string, (r: RunResult) => string, string][] = [
  ["trials complete", (r) => `${r.complete} of ${numRuns}`, ""],
  ["wall time", (r) => `${r.wallS.toFixed(1)} s`, ""],
  ["slot refill (end -> next start), median", (r) => `${r.refillMedian} ms`, "< 30 ms"],
  ["slot refill, p90", (r) => `${r.refillP90} ms`, ""],
  ["slot refill, mean", (r) => `${r.refillMean.toFixed(1)} ms`, ""],
  ["busy slots, average", (r) => `${r.busy.toFixed(2)} of ${parallelRuns}`, ">= 7.5"],
  ["trial duration (dispatch -> exit), median", (r) => `${r.durationMedian} ms`, ""],
  ["of which dispatch -> command start, median", (r) => `${r.commandStartMedian} ms`, ""],
  ["worker CPU per trial (user + system)", (r) => `${r.cpuPerTrial.toFixed(1)} ms`, ""],
  ["optimizer time (excluded), total", (r) => `${r.suggestMs.toFixed(0)} ms`, ""],
];
console.log(
  `dispatch: ${numRuns} trials (echo), ${parallelRuns} in flight, ${repeats} runs, random search`,
);
console.log(`| measure | ${results.map((_, i) => `run ${i + 1}`).join(" | ")} | target |`);
console.log(`|---|${results.map(() => "---|").join("")}---|`);
for (const [name, cell, target] of rows) {
  console.log(`| ${name} | ${results.map(cell).join(" | ")} | ${target} |`);
}
