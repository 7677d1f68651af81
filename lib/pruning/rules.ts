/**
 * Early stopping rules: the median rule and ASHA, as pure functions of the trials' series of the
 * search metric. No I/O, no clock: the worker (workers/search-run.ts) and the benchmark
 * (bench/early-stop) call the same functions. docs/decisions/early-stopping.md has the why.
 *
 * Glossary
 *   series     one trial's points of the search metric, (step, value), in arrival order
 *   step       the metric's step as recorded (lib/metrics: a Keras epoch is 1-based as printed,
 *              an automatic step starts at 0)
 *   s          the step a decision is taken at: the judged trial's latest step
 *   minSteps   --early-stop-min-steps: no rule applies before this step (the grace period)
 *   eta (η)    --reduction-factor: ASHA keeps the top 1/η at each rung
 *   rung k     ASHA's k-th checkpoint, at step minSteps·η^k (k = 0, 1, 2, ...)
 *   reached s  a trial reached s when it has a finite value at a step >= s
 *   value at s the value a trial reached s with: its first finite value at a step >= s (a trial
 *              that skips step s is judged by the value it passed s with)
 *   end step   the last step of the complete trials (the longest's), once one completed: with
 *              trials of one length, every trial's own last step
 *
 * Rules
 *   median  Stop the trial at its latest step s >= minSteps when its best value so far (steps
 *           <= s) is strictly worse than the median of the other trials' values at s. It
 *           applies only once at least MEDIAN_MIN_TRIALS other trials reached s (running,
 *           ended or pruned alike: a value at s is a value at s). A tie with the median goes on.
 *   asha    At each rung r the trial crossed since it was last judged (sinceStep < r <= s), it
 *           goes on only when fewer than ceil(n/η) of the n trials that reached r (itself
 *           included) reached it with a strictly better value. It never waits for the rung to
 *           fill: the n are those that reached r by now, so the first trial at a rung always
 *           goes on (asynchronous successive halving, Li et al. 2020, as a stopping rule like
 *           Ray Tune's ASHA and Optuna's SuccessiveHalvingPruner). Ties at the cut all go on.
 *
 * Neither rule decides while the trial's latest step is the end step: it has trained its last
 * step (whichever rungs it crosses there), so pruning it would save nothing, only cut its end
 * short (a final checkpoint or evaluation) and record a finished trial as pruned. Ray Tune's ASHA has no rung at max_t for the same reason; Hyperbayes
 * does not know a script's epochs, so the end step is what the complete trials did. A longer
 * trial (epochs a parameter) is judged again at its next step or rung.
 *
 * Non-finite values (NaN, ±Infinity) are passed over as if never reported: they neither judge
 * nor are judged. A trial whose metric is NaN is not pruned for it; it ends `failed` by the
 * metric rule (a missing or non-finite value), which names the real fault.
 */
import { z } from "zod";
import type { Goal } from "../metrics/schema";
import { type SeriesInput, type SeriesPoint, StepSeries } from "./series";

export type { SeriesInput, SeriesPoint };

export const earlyStopRuleSchema = z.enum(["none", "median", "asha"]);
export type EarlyStopRule = z.infer<typeof earlyStopRuleSchema>;

/**
 * Other trials that must have reached step s before the median rule judges a trial there. Ray
 * Tune's MedianStoppingRule and Katib's median stop wait for 3; Optuna's MedianPruner waits for
 * 5 completed trials (n_startup_trials), which with 4 trials in flight would leave the first
 * eight trials unjudged. 3 is the fewest whose median one odd trial cannot set alone.
 */
export const MEDIAN_MIN_TRIALS = 3;

/**
 * Why `rule` can never prune a trial of a search of `numRuns` trials, if it cannot: the median
 * rule judges a trial once MEDIAN_MIN_TRIALS others reached its step, and the first trial at an
 * ASHA rung always goes on. Said where the search is defined (a warning), not found out later.
 */
export function neverPrunes(rule: EarlyStopRule, numRuns: number): string | undefined {
  const runs = `${numRuns} run${numRuns === 1 ? "" : "s"}`;
  if (rule === "median" && numRuns <= MEDIAN_MIN_TRIALS)
    return `median never prunes with ${runs}: it judges a trial once ${MEDIAN_MIN_TRIALS} other trials reached its step`;
  if (rule === "asha" && numRuns <= 1)
    return `asha never prunes with ${runs}: the first trial at a rung always goes on`;
  return undefined;
}

export interface EarlyStop {
  rule: Exclude<EarlyStopRule, "none">;
  /** The grace period: no decision before this step (>= 1). */
  minSteps: number;
  /** ASHA's η (>= 2); unused by the median rule. */
  reductionFactor: number;
  goal: Goal;
}

export interface TrialSeries {
  /** The trial's number, for reasons and tie-free tests; never compared. */
  trial: number;
  /** The search metric's points in arrival order, or the series built from them. */
  points: SeriesInput;
}

export type PruneDecision =
  | { prune: false }
  | {
      prune: true;
      rule: "median";
      /** The step judged at. */
      step: number;
      /** The trial's best value so far. */
      value: number;
      median: number;
      /** Other trials that reached the step. */
      trials: number;
      reason: string;
    }
  | {
      prune: true;
      rule: "asha";
      /** k: the rung's index; its step is minSteps·η^k. */
      rung: number;
      /** The rung's step. */
      step: number;
      /** The value the trial reached the rung with. */
      value: number;
      /** Trials that reached the rung, this one included. */
      trials: number;
      /** How many may go on: ceil(trials/η). */
      keep: number;
      reason: string;
    };

const GO_ON: PruneDecision = { prune: false };

/** Finite points by step, the latest arrival at a step winning; ascending steps. */
export function normalizeSeries(points: SeriesInput): SeriesPoint[] {
  return StepSeries.of(points).points();
}

const better = (goal: Goal, a: number, b: number): boolean => (goal === "minimize" ? a < b : a > b);

/** The median of finite values (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** Rung steps minSteps·η^k up to and including `upTo` (at most 64 rungs). */
export function rungSteps(minSteps: number, eta: number, upTo: number): number[] {
  const steps: number[] = [];
  for (let r = minSteps; r <= upTo && steps.length < 64; r *= eta) steps.push(r);
  return steps;
}

const short = (v: number): string => String(Number(v.toPrecision(4)));

function medianRule(
  config: EarlyStop,
  own: StepSeries,
  others: readonly StepSeries[],
  endStep: number | undefined,
): PruneDecision {
  const s = own.lastStep();
  const best = own.best(config.goal);
  if (s === undefined || best === undefined || s < config.minSteps || s === endStep) return GO_ON;
  const atS: number[] = [];
  for (const o of others) {
    const v = o.valueAt(s);
    if (v !== undefined) atS.push(v);
  }
  if (atS.length < MEDIAN_MIN_TRIALS) return GO_ON;
  const m = median(atS);
  if (!better(config.goal, m, best)) return GO_ON;
  return {
    prune: true,
    rule: "median",
    step: s,
    value: best,
    median: m,
    trials: atS.length,
    reason:
      `median rule at step ${s}: best so far ${short(best)} is worse than the median ` +
      `${short(m)} of ${atS.length} other trials at step ${s}`,
  };
}

function ashaRule(
  config: EarlyStop,
  own: StepSeries,
  others: readonly StepSeries[],
  sinceStep: number,
  endStep: number | undefined,
): PruneDecision {
  const last = own.lastStep();
  // At the end step the trial is at its end, whichever rungs it crosses there (one that skips
  // steps crosses rung 9 at step 10).
  if (last === undefined || last === endStep) return GO_ON;
  const eta = config.reductionFactor;
  const rungs = rungSteps(config.minSteps, eta, last);
  for (let k = 0; k < rungs.length; k++) {
    const r = rungs[k]!;
    if (r <= sinceStep) continue;
    const value = own.valueAt(r)!;
    let n = 1;
    let ahead = 0;
    for (const o of others) {
      const v = o.valueAt(r);
      if (v === undefined) continue;
      n++;
      if (better(config.goal, v, value)) ahead++;
    }
    const keep = Math.ceil(n / eta);
    if (ahead < keep) continue;
    return {
      prune: true,
      rule: "asha",
      rung: k,
      step: r,
      value,
      trials: n,
      keep,
      reason:
        `ASHA rung ${k} at step ${r}: ${short(value)} not in the top 1/${eta} ` +
        `(${keep === 1 ? "the best" : `the top ${keep}`} of ${n} trials at step ${r} ` +
        `${keep === 1 ? "goes" : "go"} on; ${ahead === 1 ? "1 is" : `${ahead} are`} better)`,
    };
  }
  return GO_ON;
}

/**
 * Where a pruning's reason says it was decided, the part before its first ": " (every reason
 * is "WHERE: WHY"): "ASHA rung 1 at step 3", "median rule at step 4". The progress line that a
 * stop is under way names only this; the trial's own line, once it ended, has the whole reason.
 */
export function reasonWhere(reason: string): string {
  const i = reason.indexOf(": ");
  return i < 0 ? reason : reason.slice(0, i);
}

/**
 * Whether `trial` should be pruned now, given the other trials' series (any status: running,
 * ended, pruned). `sinceStep` is the judged trial's latest step when it was last judged: ASHA
 * judges each rung once, when the trial crosses it (rungs at or below sinceStep were passed
 * already). The median rule is judged afresh at the latest step. `endStep`: the end step (see
 * the glossary), undefined until a trial completed; nothing is decided there. Never throws.
 */
export function decidePruning(
  config: EarlyStop,
  trial: TrialSeries,
  others: readonly TrialSeries[],
  sinceStep = Number.NEGATIVE_INFINITY,
  endStep?: number,
): PruneDecision {
  const own = StepSeries.of(trial.points);
  const rest = others.filter((o) => o.trial !== trial.trial).map((o) => StepSeries.of(o.points));
  switch (config.rule) {
    case "median":
      return medianRule(config, own, rest, endStep);
    case "asha":
      return ashaRule(config, own, rest, sinceStep, endStep);
  }
}
