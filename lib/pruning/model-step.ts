/**
 * What the optimizer models while early stopping has left few trials complete: every trial at one
 * step. Pure; the worker (workers/policy.ts `optimizerInput`) and bench/early-stop call it.
 * docs/decisions/early-stopping.md ("A model at one step") has the figures.
 *
 * With early stopping most trials end at an early rung, so for much of a search (13 of 24 trials
 * with ASHA's defaults) no trial has reached the last step. Told as they are, the pruned trials'
 * early values are the only values the GP has, while the trials that are winning (the ones
 * promoted past their rungs, still running) are only pending points. Instead, until
 * MODEL_STEP_TRIALS trials have completed, the GP models every trial at the **model step**: the
 * highest step at least MODEL_STEP_TRIALS trials reached, running ones included, each at its
 * value at that step (lib/pruning's definition: the value it passed the step with). The values
 * it compares are then values at one step, as BOHB fits its model on the largest budget with
 * enough observations. Trials that did not reach the step are told as before (a pruned trial
 * at its last value; a running one pending).
 *
 * Once MODEL_STEP_TRIALS trials completed, the trials are told as they ended: the model step
 * would be the last step anyway when every trial runs as many steps, and a search whose trials
 * differ in length (the number of epochs a parameter) keeps what the longer ones learnt.
 */
import type { Observation } from "../optimizer/types";
import type { Params } from "../space/schema";
import { type SeriesInput, StepSeries } from "./series";

/** Completed trials after which trials are told as they ended; also the trials a model step needs. */
export const MODEL_STEP_TRIALS = 3;

export interface TrialToTell {
  params: Params;
  /** Its points of the search metric so far (any order; non-finite ones are passed over). */
  series: SeriesInput;
  /** What the optimizer is told of it once ended (lib/search/observation.ts); none if running. */
  told?: Observation;
}

export interface OptimizerInput {
  observations: Observation[];
  /** The running trials the model does not hold as observations. */
  pending: Params[];
  /** The model step, when the trials were modelled at one. */
  step?: number;
}

const completed = (o: Observation | undefined): boolean =>
  o !== undefined && o.value !== null && o.pruned !== true;

/** The observations and pending points for the optimizer, in the trials' order. */
export function atModelStep(
  trials: readonly TrialToTell[],
  minTrials: number = MODEL_STEP_TRIALS,
): OptimizerInput {
  const asTold = (): OptimizerInput => ({
    observations: trials.flatMap((t) => (t.told ? [t.told] : [])),
    pending: trials.flatMap((t) => (t.told ? [] : [t.params])),
  });
  if (trials.filter((t) => completed(t.told)).length >= minTrials) return asTold();
  // A failed trial (told null) is told so whatever it printed: its values judge nothing here.
  const series = trials.map((t) =>
    t.told?.value === null ? new StepSeries() : StepSeries.of(t.series),
  );
  const lastSteps = series.flatMap((s) => s.lastStep() ?? []);
  const step = lastSteps.sort((a, b) => b - a)[minTrials - 1];
  if (step === undefined) return asTold();
  const observations: Observation[] = [];
  const pending: Params[] = [];
  trials.forEach((t, i) => {
    const s = series[i]!;
    const last = s.lastStep();
    const reached = last !== undefined && last >= step;
    // A complete trial that ended at the step keeps its own value (--metric-agg's aggregate).
    if (reached && !(completed(t.told) && last === step)) {
      observations.push({ params: t.params, value: s.valueAt(step)!, step });
    } else if (t.told) {
      observations.push(t.told);
    } else {
      pending.push(t.params);
    }
  });
  return { observations, pending, step };
}
