/**
 * Which trials the search page draws curves for: the best ones (ranked by the status table's
 * rule, so the first is the search's best trial, and a crashed or stopped trial is never among
 * them) and the running ones. Shared by the server (which sends their curves with the page) and
 * the browser (which asks for new ones as trials finish), so both pick the same trials.
 */
import type { Goal } from "../metrics/schema";
import { rankTrials } from "../search/status";
import type { TrialRow } from "./views";

export const CURVES_BEST = 6;
export const CURVES_RUNNING = 6;

export function curveTrials(
  trials: readonly TrialRow[],
  goal: Goal,
): { best: number[]; running: number[] } {
  const best = rankTrials(
    trials.map((t) => ({ number: t.n, status: t.status, value: t.value })),
    goal,
  )
    .slice(0, CURVES_BEST)
    .map((t) => t.number);
  const running = trials
    .filter((t) => t.status === "running")
    .map((t) => t.n)
    .slice(-CURVES_RUNNING);
  return { best, running };
}

/** The request key for a set of curves: trial numbers, best first. */
export function curveKey(picked: { best: number[]; running: number[] }): string {
  return [...picked.best, ...picked.running].join(",");
}
