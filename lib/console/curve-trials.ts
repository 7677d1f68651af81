/**
 * Which trials the search page draws curves for: the best finished ones and the running ones.
 * Shared by the server (which sends their curves with the page) and the browser (which asks for
 * new ones as trials finish), so both pick the same trials.
 */
import type { Goal } from "../metrics/schema";
import type { TrialRow } from "./views";

export const CURVES_BEST = 6;
export const CURVES_RUNNING = 6;

export function curveTrials(
  trials: readonly TrialRow[],
  goal: Goal,
): { best: number[]; running: number[] } {
  const best = trials
    .filter(
      (t): t is TrialRow & { value: number } =>
        t.value !== null &&
        Number.isFinite(t.value) &&
        t.status !== "running" &&
        t.status !== "queued",
    )
    .sort((a, b) => (goal === "maximize" ? b.value - a.value : a.value - b.value) || a.n - b.n)
    .slice(0, CURVES_BEST)
    .map((t) => t.n);
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
