/**
 * The bench's Optuna pruners (curves.py) get our grace period: no pruning before --min-steps, on
 * the bench's 1-based steps. MedianPruner prunes at steps >= n_warmup_steps; until session 9 the
 * bench passed min steps − 1, so at min steps 2 Optuna's median judged a step earlier than ours.
 * Needs Debian's python3-optuna (skipped without it; CI installs it).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PythonWorker } from "../tuning/python";

const PYTHON = process.env.HB_BENCH_PYTHON ?? "/usr/bin/python3";
const hasOptuna = spawnSync(PYTHON, ["-c", "import optuna"], { stdio: "ignore" }).status === 0;
const worker = hasOptuna ? new PythonWorker(PYTHON, join(import.meta.dirname, "curves.py")) : null;
afterAll(() => worker?.close());

const space = [{ kind: "range", name: "x", min: 0, max: 1, scale: "linear", type: "float" }];

/** Three trials at 0.1 for steps 1-4, told complete; a fourth reports 9 at steps 1, 2, 3:
 *  whether it is pruned at each. */
async function laggard(pruner: "median" | "sha", minSteps: number): Promise<boolean[]> {
  const id = `test-${pruner}-${minSteps}`;
  const w = worker!;
  await w.request({
    op: "study",
    id,
    pruner,
    sampler: "given",
    seed: 0,
    space,
    minSteps,
    eta: 3,
    startup: 3,
  });
  for (let k = 0; k < 3; k++) {
    const { trial } = await w.request<{ trial: number }>({ op: "ask", id, params: { x: k / 10 } });
    for (let step = 1; step <= 4; step++)
      await w.request({ op: "report", id, trial, step, value: 0.1 });
    await w.request({ op: "tell", id, trial, value: 0.1, pruned: false });
  }
  const { trial } = await w.request<{ trial: number }>({ op: "ask", id, params: { x: 0.9 } });
  const out: boolean[] = [];
  for (let step = 1; step <= 3; step++)
    out.push(
      (await w.request<{ prune: boolean }>({ op: "report", id, trial, step, value: 9 })).prune,
    );
  await w.request({ op: "close", id });
  return out;
}

describe.skipIf(!hasOptuna)("bench/early-stop: Optuna's pruners with our min steps", () => {
  // The first step each prunes the laggard at is min steps: never before (the grace period),
  // and at once there (the median rule judges every step from it, ASHA's first rung is it).
  it.each([
    ["median", 1],
    ["median", 2],
    ["median", 3],
    ["sha", 1],
    ["sha", 2],
    ["sha", 3],
  ] as const)(
    "%s at min steps %i first prunes a laggard at that step",
    async (pruner, minSteps) => {
      const pruned = await laggard(pruner, minSteps);
      expect(pruned.indexOf(true) + 1).toBe(minSteps);
    },
  );
});
