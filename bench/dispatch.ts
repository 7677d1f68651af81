/**
 * Dispatch overhead: 200 trivial trials (`echo loss=X`) with 8 in flight, through the real
 * worker, local executor and SQLite store. Prints the median and p90 time from one trial's end
 * to the next trial's start (the optimizer's time is reported apart: random search, so ~0), and
 * the average number of busy slots over the run. Targets: under 30 ms, at least 7.5 of 8.
 *
 *   node bin/run-ts.mjs bench/dispatch.ts [--trials 200] [--parallel 8]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openSqliteStore } from "../db";
import { Executors, newOwnerId, runSearch, type WorkerContext } from "../workers/worker";

const { values } = parseArgs({
  options: { trials: { type: "string" }, parallel: { type: "string" } },
});
const numRuns = Number(values.trials ?? 200);
const parallelRuns = Number(values.parallel ?? 8);

const home = mkdtempSync(join(tmpdir(), "hb-bench-dispatch-"));
const store = await openSqliteStore(join(home, "hyperbayes.db"));
const timing = { suggestMs: 0 };
const ctx: WorkerContext = { store, owner: newOwnerId(), home, executors: new Executors(), timing };
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
    maxFailures: numRuns,
  },
  { status: "running", lease: { owner: ctx.owner, ttlMs: 15_000 } },
);
const began = performance.now();
await runSearch(ctx, search.id);
const wallMs = performance.now() - began;
const trials = await store.listTrials(search.id);
await ctx.executors.close();
await store.close();
rmSync(home, { recursive: true, force: true });

const starts = trials.map((t) => t.startedAt!.getTime()).sort((a, b) => a - b);
const ends = trials.map((t) => t.endedAt!.getTime()).sort((a, b) => a - b);
// For each end (but the last few, after which nothing more starts), the first start after it.
const gaps: number[] = [];
for (const end of ends) {
  const next = starts.find((s) => s >= end);
  if (next !== undefined) gaps.push(next - end);
}
gaps.sort((a, b) => a - b);
const q = (p: number) => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))] ?? Number.NaN;
const busyMs = trials.reduce((sum, t) => sum + (t.endedAt!.getTime() - t.startedAt!.getTime()), 0);
const span = Math.max(...ends) - Math.min(...starts);
const complete = trials.filter((t) => t.status === "complete").length;

console.log(
  `dispatch: ${numRuns} trials (echo), ${parallelRuns} in flight, ${complete} complete, wall ${(wallMs / 1000).toFixed(1)} s`,
);
console.log("| measure | value | target |");
console.log("|---|---|---|");
console.log(`| end -> next start, median | ${q(0.5).toFixed(1)} ms | < 30 ms |`);
console.log(`| end -> next start, p90 | ${q(0.9).toFixed(1)} ms | |`);
console.log(`| busy slots, average | ${(busyMs / span).toFixed(2)} of ${parallelRuns} | >= 7.5 |`);
console.log(
  `| trial duration, median | ${[...trials.map((t) => t.endedAt!.getTime() - t.startedAt!.getTime())].sort((a, b) => a - b)[Math.floor(trials.length / 2)]} ms | |`,
);
console.log(`| optimizer time (excluded), total | ${timing.suggestMs.toFixed(0)} ms | |`);
