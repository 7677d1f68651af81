/**
 * Thinning a series for a chart: at most `max` points, keeping the first and last points and,
 * in each bucket between them, the lowest and highest value, so spikes and the final value stay
 * visible while the browser draws a few hundred points instead of thousands.
 *
 * Glossary: steps[i], values[i] is point i (steps ascending); `max` >= 4.
 */
import type { Goal } from "../metrics/schema";
import { compareByGoal, hasObservedValue, isBetter, mayBeBest } from "../search/status";
import type { TrialRow } from "./views";

export function thinSeries(
  steps: readonly number[],
  values: readonly (number | null)[],
  max: number,
): { steps: number[]; values: (number | null)[] } {
  const n = steps.length;
  if (n <= max) return { steps: [...steps], values: [...values] };
  const keep: number[] = [0];
  // Two points per bucket (its min and max), between the fixed first and last points.
  const buckets = Math.max(1, Math.floor((max - 2) / 2));
  const width = (n - 2) / buckets;
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor(b * width);
    const to = Math.min(n - 1, 1 + Math.floor((b + 1) * width));
    let lo = -1;
    let hi = -1;
    for (let i = from; i < to; i++) {
      const v = values[i];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      if (lo < 0 || v < (values[lo] as number)) lo = i;
      if (hi < 0 || v > (values[hi] as number)) hi = i;
    }
    if (lo < 0) {
      if (from < to) keep.push(from);
      continue;
    }
    if (lo === hi) keep.push(lo);
    else keep.push(Math.min(lo, hi), Math.max(lo, hi));
  }
  keep.push(n - 1);
  return {
    steps: keep.map((i) => steps[i] as number),
    values: keep.map((i) => values[i] ?? null),
  };
}

/**
 * The running best of `values` in trial order (a step function): one point per improvement plus
 * the last trial, so 10,000 trials draw as a few dozen points. Nulls never improve the best, and
 * an equal value keeps the earlier trial (the lower number, as `bestTrial` does). Give it the
 * trials that may be best (`bestSoFarLine` does), or its line is not the search's best.
 */
export function bestSoFar(
  trials: readonly { n: number; value: number | null }[],
  goal: Goal,
): { n: number; best: number }[] {
  // The page holds its trials by number already; sort only what is not.
  let inOrder = true;
  for (let i = 1; i < trials.length && inOrder; i++)
    inOrder = (trials[i - 1] as { n: number }).n <= (trials[i] as { n: number }).n;
  const sorted = inOrder ? trials : [...trials].sort((a, b) => a.n - b.n);
  const out: { n: number; best: number }[] = [];
  let best: number | undefined;
  for (const t of sorted) {
    if (t.value === null || !isBetter(goal, t.value, best)) continue;
    best = t.value;
    out.push({ n: t.n, best });
  }
  const last = sorted[sorted.length - 1];
  if (best !== undefined && last && out[out.length - 1]?.n !== last.n)
    out.push({ n: last.n, best });
  return out;
}

/**
 * The convergence chart's line: the best so far over the trials whose value may be best (the
 * status table's rule, so a trial that crashed or was stopped after printing a better value
 * never lowers it), carried on to the last trial of all. `trial` holds the final best: the
 * search's best trial.
 */
export function bestSoFarLine(
  trials: readonly TrialRow[],
  goal: Goal,
): { points: { n: number; best: number }[]; trial: number | undefined } {
  const candidates = trials.filter(mayBeBest);
  const points = bestSoFar(candidates, goal);
  const end = points.at(-1);
  if (end === undefined) return { points, trial: undefined };
  // Each point improves on the one before, so the first with the final value is its trial.
  const trial = points.find((p) => p.best === end.best)?.n;
  const lastN = trials.reduce((m, t) => Math.max(m, t.n), 0);
  if (lastN > end.n) points.push({ n: lastN, best: end.best });
  return { points, trial };
}

/** The best trials and an even sample of the rest, at most `max` in all, in input order. */
export function sampleTrials<T extends { n: number; value: number }>(
  trials: readonly T[],
  goal: Goal,
  max: number,
): T[] {
  if (trials.length <= max) return [...trials];
  return sampleRanked(trials, rankedPositions(trials, goal), max);
}

/**
 * The trials of a search the charts draw (those with an observed value: `hasObservedValue`), and
 * their positions best first, worked out once per trials array and goal however many charts ask
 * (the facet charts, the convergence chart and the model map each sample them; at 100,000 trials
 * each sort is tens of milliseconds). The page's trials array is replaced, never changed in
 * place, when a poll brings changes, so the array is the key.
 */
export function observedTrials(
  trials: readonly TrialRow[],
  goal: Goal,
): { finished: (TrialRow & { value: number })[]; ranked: Uint32Array } {
  let byGoal = observedCache.get(trials);
  if (!byGoal) {
    byGoal = new Map();
    observedCache.set(trials, byGoal);
  }
  let hit = byGoal.get(goal);
  if (!hit) {
    const finished = trials.filter(hasObservedValue);
    hit = { finished, ranked: rankedPositions(finished, goal) };
    byGoal.set(goal, hit);
  }
  return hit;
}

const observedCache = new WeakMap<
  readonly TrialRow[],
  Map<Goal, { finished: (TrialRow & { value: number })[]; ranked: Uint32Array }>
>();

/** `sampleTrials` of the observed trials, on their shared ranking (see observedTrials). */
export function sampleObserved(
  trials: readonly TrialRow[],
  goal: Goal,
  max: number,
): (TrialRow & { value: number })[] {
  const { finished, ranked } = observedTrials(trials, goal);
  return finished.length <= max ? [...finished] : sampleRanked(finished, ranked, max);
}

/** Positions of `trials` ranked by compareByGoal (stable: ties in input order). */
function rankedPositions(trials: readonly { value: number }[], goal: Goal): Uint32Array {
  const key = goalKeys(trials, goal);
  return positions(trials.length).sort((a, b) => key[a]! - key[b]! || a - b);
}

/** The best fifth of `max` by rank, then an even sample of the rest by rank, in input order. */
function sampleRanked<T extends { n: number }>(
  trials: readonly T[],
  ranked: Uint32Array,
  max: number,
): T[] {
  const keep = new Uint8Array(trials.length);
  const top = Math.floor(max / 5);
  for (let i = 0; i < top; i++) keep[ranked[i]!] = 1;
  const rest = ranked.subarray(top);
  const step = rest.length / (max - top);
  for (let i = 0; i < max - top; i++) keep[rest[Math.floor(i * step)]!] = 1;
  return trials.filter((_, i) => keep[i] === 1);
}

/** 0, 1, ..., count - 1. */
function positions(count: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  return order;
}

/** Keys whose ascending order is compareByGoal's: better first, values that are not finite last. */
function goalKeys(trials: readonly { value: number }[], goal: Goal): Float64Array {
  const sign = compareByGoal(goal)(0, 1) < 0 ? 1 : -1;
  return Float64Array.from(trials, (t) =>
    Number.isFinite(t.value) ? sign * t.value : Number.POSITIVE_INFINITY,
  );
}
