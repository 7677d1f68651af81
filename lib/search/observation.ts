/**
 * What the optimizer is told of an ended trial: one rule for the worker, which tells it
 * (workers/policy.ts `observationsOf`), and the console's model view, which fits the same model
 * to the same observations (lib/console/insight.ts). Every status question goes to the status
 * table (status.ts).
 */
import type { Observation } from "../optimizer";
import type { Params } from "../space/schema";
import { hasObservedValue, type TrialStatus } from "./status";

/**
 * A trial's value when the status table marks its status `observed` and the value is finite,
 * else null: the trial produced no value to learn from, and the optimizer treats it as the worst.
 */
export function observedValue(trial: { status: TrialStatus; value: number | null }): number | null {
  return hasObservedValue(trial) ? trial.value : null;
}

/**
 * The observation of an ended trial. A pruned trial's value is one at an early step, not a final
 * one: it is flagged, with that step where known, and the optimizer decides how it enters the
 * model (BayesOptions.pruned). A pruned trial with no value is told as failed.
 */
export function observationOf(
  trial: { params: Params; status: TrialStatus; value: number | null },
  step?: number,
): Observation {
  const value = observedValue(trial);
  if (trial.status !== "pruned" || value === null) return { params: trial.params, value };
  return { params: trial.params, value, pruned: true, ...(step !== undefined ? { step } : {}) };
}
