/**
 * Early stopping's judgement at scale: the wall time of one PruningJudge.judge (what the worker
 * runs for a running trial each time it prints) when every trial logs its loss at each batch,
 * with the global step. T trials of N points each (ascending steps, one trial printed in reverse
 * to exercise the out-of-order path), then a few judgements of a trial that prints one more
 * point each time; the heap after. Both rules.
 *
 *   node bin/run-ts.mjs bench/judge.ts [--trials 20,100] [--points 100000] [--repeats 5]
 */
import { parseArgs } from "node:util";
import { PruningJudge } from "../workers/pruning";

const { values: args } = parseArgs({
  options: {
    trials: { type: "string", default: "20,100" },
    points: { type: "string", default: "100000" },
    repeats: { type: "string", default: "5" },
  },
});
const list = (text: string) => text.split(",").map(Number);

console.log("rule    trials  points/trial  judge (ms, median)  heap (MB)");
for (const rule of ["asha", "median"] as const)
  for (const trials of list(args.trials))
    for (const points of list(args.points)) {
      const judge = new PruningJudge({
        metric: "loss",
        goal: "minimize",
        earlyStop: rule,
        earlyStopMinSteps: 1,
        reductionFactor: 3,
      });
      for (let t = 1; t <= trials; t++) {
        const batch = [];
        for (let i = 0; i < points; i++) {
          const step = t === 1 ? points - 1 - i : i;
          batch.push({ name: "loss", step, value: Math.exp(-step / points) + t / trials });
        }
        judge.add(t, batch);
      }
      const times: number[] = [];
      for (let k = 0; k < Number(args.repeats); k++) {
        judge.add(trials, [{ name: "loss", step: points + k, value: 0.5 }]);
        const t0 = performance.now();
        judge.judge(trials);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const ms = times[times.length >> 1]!;
      const heap = process.memoryUsage().heapUsed / 1e6;
      console.log(
        `${rule.padEnd(7)} ${String(trials).padStart(6)}  ${String(points).padStart(12)}  ${ms.toFixed(2).padStart(18)}  ${heap.toFixed(0).padStart(9)}`,
      );
    }
