/**
 * The one table of statuses, and the one rule of "better". Every question asked of a trial's or a
 * search's status is answered here, so the progress lines, `describe`, the console, the charts,
 * the export, the store's best trial and the worker's failure count can never disagree:
 *
 *   final      the status never changes again
 *   best       the trial may be the search's best: its value is a finished result
 *   observed   the optimizer learns from its value (a stopped trial's partial result teaches
 *              where the search has been, but is not a result to report as best)
 *   failure    counts toward --max-failures: the trial's own fault (a crash, no metric, a
 *              timeout); a stop or a kill is the user's doing and never counts
 *   tone       how the console colours it
 *
 * "Better" is `compareByGoal`: a comparator on values that puts the better first, with ties
 * broken by the lower trial number where trials are compared (`rankTrials`, `bestTrial`).
 *
 * A new status (as `pruned` was) is one entry in `trialStatusSchema` and one row of `TRIAL_STATUS`
 * (the compiler asks for it); every reader, its tone and the counts follow. The stores' status
 * enums (db/) list the names too.
 */
import { z } from "zod";
import type { Goal } from "../metrics/schema";

export const trialStatusSchema = z.enum([
  "queued",
  "running",
  "complete",
  "failed",
  "timeout",
  "stopped",
  "killed",
  "pruned",
]);
export type TrialStatus = z.infer<typeof trialStatusSchema>;

export const searchStatusSchema = z.enum([
  "queued",
  "running",
  "stopping",
  "complete",
  "failed",
  "stopped",
  "killed",
]);
export type SearchStatus = z.infer<typeof searchStatusSchema>;

/** `pruned`: ended on purpose, like a stop, but the search's own choice: shown apart from both. */
export type Tone = "wait" | "live" | "good" | "bad" | "muted" | "pruned";

export interface TrialStatusInfo {
  final: boolean;
  best: boolean;
  observed: boolean;
  failure: boolean;
  tone: Tone;
  /** One line for a legend or a tooltip. */
  meaning: string;
}

export const TRIAL_STATUS: Readonly<Record<TrialStatus, TrialStatusInfo>> = {
  queued: {
    final: false,
    best: false,
    observed: false,
    failure: false,
    tone: "wait",
    meaning: "created, not started yet",
  },
  running: {
    final: false,
    best: false,
    observed: false,
    failure: false,
    tone: "live",
    meaning: "running now",
  },
  complete: {
    final: true,
    best: true,
    observed: true,
    failure: false,
    tone: "good",
    meaning: "ended normally with a value for the metric",
  },
  failed: {
    final: true,
    best: false,
    observed: false,
    failure: true,
    tone: "bad",
    meaning: "crashed, or ended without a finite value for the metric",
  },
  timeout: {
    final: true,
    best: false,
    observed: false,
    failure: true,
    tone: "bad",
    meaning: "ran past its timeout and was ended",
  },
  stopped: {
    final: true,
    best: false,
    observed: true,
    failure: false,
    tone: "muted",
    meaning: "stopped by request, or as its search ended (SIGTERM); keeps what it reported",
  },
  killed: {
    final: true,
    best: false,
    observed: false,
    failure: false,
    tone: "muted",
    meaning: "killed by request (SIGKILL)",
  },
  pruned: {
    // Ended early by --early-stop because it was losing: its value is a partial result (not a
    // result to report as best) that the optimizer learns from; the search chose to end it, so
    // it is no failure of the trial's own.
    final: true,
    best: false,
    observed: true,
    failure: false,
    tone: "pruned",
    meaning: "ended early by --early-stop (SIGTERM): losing at a rung or to the median",
  },
};

export interface SearchStatusInfo {
  final: boolean;
  tone: Tone;
  meaning: string;
}

export const SEARCH_STATUS: Readonly<Record<SearchStatus, SearchStatusInfo>> = {
  queued: { final: false, tone: "wait", meaning: "waiting for a worker" },
  running: { final: false, tone: "live", meaning: "a worker is running its trials" },
  stopping: { final: false, tone: "live", meaning: "ending: no new trials start" },
  complete: { final: true, tone: "good", meaning: "every trial has ended" },
  failed: { final: true, tone: "bad", meaning: "ended by failures or an error" },
  stopped: { final: true, tone: "muted", meaning: "stopped by request" },
  killed: { final: true, tone: "muted", meaning: "killed by request" },
};

export const isFinalTrial = (s: TrialStatus): boolean => TRIAL_STATUS[s].final;
export const isFinalSearch = (s: SearchStatus): boolean => SEARCH_STATUS[s].final;
export const countsAsFailure = (s: TrialStatus): boolean => TRIAL_STATUS[s].failure;

/** Statuses with a property, in the table's order (for filters, SQL `IN` lists, legends). */
export function trialStatusesWhere(p: (info: TrialStatusInfo) => boolean): TrialStatus[] {
  return trialStatusSchema.options.filter((s) => p(TRIAL_STATUS[s]));
}

/**
 * Trials (or counts of them) in the statuses with a property: `countWhere(counts, (s) => s.final)`
 * is how many have ended, `(s) => s.failure` how many failed.
 */
export function countWhere(
  counts: Readonly<Record<TrialStatus, number>>,
  p: (info: TrialStatusInfo) => boolean,
): number {
  let n = 0;
  for (const s of trialStatusSchema.options) if (p(TRIAL_STATUS[s])) n += counts[s] ?? 0;
  return n;
}

/** Sorts values better-first for `goal`. Non-finite values (and null) go last. */
export function compareByGoal(goal: Goal): (a: number | null, b: number | null) => number {
  const sign = goal === "minimize" ? 1 : -1;
  return (a, b) => {
    const fa = a !== null && Number.isFinite(a);
    const fb = b !== null && Number.isFinite(b);
    if (!fa || !fb) return fa === fb ? 0 : fa ? -1 : 1;
    return sign * ((a as number) - (b as number));
  };
}

/** True when `a` is strictly better than `b` for `goal` (anything finite beats nothing). */
export function isBetter(goal: Goal, a: number | null, b: number | null | undefined): boolean {
  return compareByGoal(goal)(a, b ?? null) < 0;
}

/** True when higher values are better: a best-first sort of values is descending. */
export const higherIsBetter = (goal: Goal): boolean => goal === "maximize";

/** What the rules below read of a trial. */
interface Valued {
  status: TrialStatus;
  value: number | null;
}

/** The trial's value is a result: its status may be best and the value is finite. */
export function mayBeBest<T extends Valued>(t: T): t is T & { value: number } {
  return TRIAL_STATUS[t.status].best && t.value !== null && Number.isFinite(t.value);
}

/**
 * The trial's value is one the optimizer learns from (its status is `observed`, the value
 * finite): what charts of the search's values draw. A failed trial's partial value is not one.
 */
export function hasObservedValue<T extends Valued>(t: T): t is T & { value: number } {
  return TRIAL_STATUS[t.status].observed && t.value !== null && Number.isFinite(t.value);
}

/**
 * Trials that may be best, best first (ties: the lower number): `bestTrial` is the first. With
 * `limit`, only the first `limit` of that order, found in one pass instead of a sort (the
 * console's curves want the best 6 of 100,000).
 */
export function rankTrials<T extends Valued & { number: number }>(
  trials: Iterable<T>,
  goal: Goal,
  limit = Number.POSITIVE_INFINITY,
): (T & { value: number })[] {
  // compareByGoal's order on keys in typed arrays: the console ranks 100,000 trials with it.
  const ranked = [...trials].filter(mayBeBest);
  const sign = goal === "minimize" ? 1 : -1;
  const key = Float64Array.from(ranked, (t) => sign * t.value);
  const number = Float64Array.from(ranked, (t) => t.number);
  const before = (a: number, b: number) => key[a]! - key[b]! || number[a]! - number[b]! || a - b;
  if (limit < ranked.length / 8) {
    // The best `limit` so far, in order; a trial enters only when it beats the last of them.
    const top: number[] = [];
    for (let i = 0; i < ranked.length; i++) {
      if (top.length === limit && before(i, top[top.length - 1]!) >= 0) continue;
      let at = top.length;
      while (at > 0 && before(i, top[at - 1]!) < 0) at--;
      top.splice(at, 0, i);
      if (top.length > limit) top.pop();
    }
    return top.map((i) => ranked[i]!);
  }
  const order = new Uint32Array(ranked.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort(before);
  return Array.from(order.subarray(0, Math.min(order.length, limit)), (i) => ranked[i]!);
}

/**
 * The search's best trial: among trials whose status may be best, the one with the better value
 * (ties: the lower number). Undefined when there is none.
 */
export function bestTrial<T extends Valued & { number: number }>(
  trials: Iterable<T>,
  goal: Goal,
): (T & { value: number }) | undefined {
  const better = compareByGoal(goal);
  let best: (T & { value: number }) | undefined;
  for (const t of trials) {
    if (!mayBeBest(t)) continue;
    if (best === undefined) best = t;
    else {
      const c = better(t.value, best.value);
      if (c < 0 || (c === 0 && t.number < best.number)) best = t;
    }
  }
  return best;
}
