/**
 * Which trials the search page draws curves for: the best ones (ranked by the status table's
 * rule, so the first is the search's best trial, and a crashed or stopped trial is never among
 * them), the running ones, and the latest pruned ones (early stopping: a curve that ends at its
 * rung shows what was saved). Shared by the server (which sends their curves with the page) and
 * the browser (which asks for new ones as trials finish), so both pick the same trials.
 */
import type { Goal } from "../metrics/schema";
import { rankTrials, TRIAL_STATUS } from "../search/status";
import type { TrialRow } from "./views";

export const CURVES_BEST = 6;
export const CURVES_RUNNING = 6;
export const CURVES_PRUNED = 4;

export interface PickedCurves {
  best: number[];
  running: number[];
  /** Trials in a status of the pruned tone (ended by early stopping), the latest ones. */
  pruned: number[];
}

export function curveTrials(trials: readonly TrialRow[], goal: Goal): PickedCurves {
  const best = rankTrials(
    trials.map((t) => ({ number: t.n, status: t.status, value: t.value })),
    goal,
    CURVES_BEST,
  ).map((t) => t.number);
  const running = trials
    .filter((t) => t.status === "running")
    .map((t) => t.n)
    .slice(-CURVES_RUNNING);
  const pruned = trials
    .filter((t) => TRIAL_STATUS[t.status].tone === "pruned")
    .map((t) => t.n)
    .slice(-CURVES_PRUNED);
  return { best, running, pruned };
}

/** The trials of a set of curves, best first. */
export const curveNumbers = (picked: PickedCurves): number[] => [
  ...picked.best,
  ...picked.running,
  ...picked.pruned,
];

/** The request key for a set of curves: trial numbers, best first. */
export function curveKey(picked: PickedCurves): string {
  return curveNumbers(picked).join(",");
}

/** Most trials the compare panel takes: twelve curves still read apart, and fit one request. */
export const COMPARE_LIMIT = 12;
