/**
 * What early stopping saved: trial-steps trained against running every trial to the end. Pure;
 * the CLI's describe and summary and the console's search header read the same figures.
 *
 *   a trial's steps   lastStep - origin + 1, from the first and last step of the search metric
 *                     it reported with a finite value (stored on its row when it ends); origin
 *                     is the smallest first step of the search's trials (0 for counted steps, 1
 *                     for Keras epochs), so both count 10 for ten epochs
 *   full length L     the largest last step any trial reached, as steps: what "to the end"
 *                     means when the trials' own length (their --epochs) is not known to
 *                     Hyperbayes. A search whose longest trial was itself cut short
 *                     understates L, so the saving is a lower bound.
 *   trained           the sum of the ended trials' steps
 *   saved             the sum over pruned trials of L - their steps
 *   share saved       saved / (trained + saved): "62% of trial-steps saved"
 *
 * Only ended trials count (a running trial's steps are not stored until it ends); trials that
 * failed, timed out or were stopped by the user count as trained, never as saved: early stopping
 * did not end them.
 */
import { sameMetric } from "../metrics/names";
import type { TrialStatus } from "../search/status";

export interface StepRange {
  firstStep: number;
  lastStep: number;
}

/** The first and last step of `metric` (and its aliases) with a finite value, if any. */
export function stepRange(
  points: readonly { name: string; step: number; value: number }[],
  metric: string,
): StepRange | undefined {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    if (!Number.isFinite(p.value) || !sameMetric(p.name, metric)) continue;
    if (p.step < first) first = p.step;
    if (p.step > last) last = p.step;
  }
  return Number.isFinite(first) ? { firstStep: first, lastStep: last } : undefined;
}

export interface StepsSaved {
  /** Trial-steps the ended trials trained. */
  trained: number;
  /** Trial-steps pruning saved against running each pruned trial to the full length. */
  saved: number;
  /** The full length L, in steps. */
  fullLength: number;
  pruned: number;
  /** saved / (trained + saved), 0 when nothing ran. */
  share: number;
}

/** The figures over the search's trials; undefined when no ended trial has steps. */
export function stepsSaved(
  trials: readonly {
    status: TrialStatus;
    firstStep: number | null;
    lastStep: number | null;
  }[],
): StepsSaved | undefined {
  let origin = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const t of trials) {
    if (t.firstStep === null || t.lastStep === null) continue;
    origin = Math.min(origin, t.firstStep);
    end = Math.max(end, t.lastStep);
  }
  if (!Number.isFinite(origin)) return undefined;
  const fullLength = end - origin + 1;
  let trained = 0;
  let saved = 0;
  let pruned = 0;
  for (const t of trials) {
    if (t.lastStep === null) continue;
    const steps = t.lastStep - origin + 1;
    trained += steps;
    if (t.status === "pruned") {
      pruned++;
      saved += fullLength - steps;
    }
  }
  const all = trained + saved;
  return { trained, saved, fullLength, pruned, share: all > 0 ? saved / all : 0 };
}

/** "38 trial-steps trained, 62 saved by pruning 7 trials (62% of trial-steps saved)". */
export function stepsSavedText(s: StepsSaved): string {
  return (
    `${s.trained} trial-steps trained, ${s.saved} saved by pruning ${s.pruned} ` +
    `trial${s.pruned === 1 ? "" : "s"} (${Math.round(s.share * 100)}% of trial-steps saved)`
  );
}

type EarlyStopSpec = {
  earlyStop: string;
  earlyStopMinSteps: number;
  reductionFactor: number;
  metric: string;
};

/**
 * Why early stopping cannot act on this search, once a trial has run to its end: its trials
 * report the metric at one step only (a script that prints it once, at the end), or none
 * reached --early-stop-min-steps. Both rules judge a trial at steps >= min steps only, so
 * either way nothing is ever pruned, silently (the trap of W&B's `early_terminate`, wandb
 * #1975). Undefined while it can act, with --early-stop none, and before a trial completed.
 */
export function earlyStopIdle(
  spec: Omit<EarlyStopSpec, "reductionFactor">,
  trials: readonly { status: TrialStatus; firstStep: number | null; lastStep: number | null }[],
): string | undefined {
  if (spec.earlyStop === "none") return undefined;
  const complete = trials.filter((t) => t.status === "complete" && t.lastStep !== null);
  if (complete.length === 0) return undefined;
  // One step each (at any step: a single `step=10 acc=0.9` too) is the trial's end, where the
  // rules decide nothing (rules.ts, the end step).
  if (trials.every((t) => t.lastStep === null || t.firstStep === t.lastStep))
    return (
      `each trial reports ${spec.metric} at one step only, so early stopping has nothing to ` +
      "judge: print it at every epoch (one line each, or epoch=N / step=N)"
    );
  let last = Number.NEGATIVE_INFINITY;
  for (const t of trials) if (t.lastStep !== null) last = Math.max(last, t.lastStep);
  const min = spec.earlyStopMinSteps;
  if (last >= min) return undefined;
  return (
    `no trial reached step ${min} (--early-stop-min-steps ${min}; the last step reported ` +
    `was ${last}), so early stopping has nothing to judge`
  );
}

/**
 * The early-stop line of `describe` and the foreground summary: the rule with its settings and,
 * once trials have ended, the steps saved, or why it cannot act (`earlyStopIdle`). Undefined
 * with --early-stop none.
 */
export function earlyStopSummary(
  spec: EarlyStopSpec,
  trials: Parameters<typeof stepsSaved>[0],
): string | undefined {
  if (spec.earlyStop === "none") return undefined;
  const rule =
    spec.earlyStop === "asha"
      ? `asha (min steps ${spec.earlyStopMinSteps}, η ${spec.reductionFactor})`
      : `median (min steps ${spec.earlyStopMinSteps})`;
  const s = stepsSaved(trials);
  const idle = earlyStopIdle(spec, trials);
  return (s ? `${rule}: ${stepsSavedText(s)}` : rule) + (idle ? `; ${idle}` : "");
}
