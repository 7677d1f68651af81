/**
 * bench/tuning's scoring, bayesmark's "normalized mean score" as the issue states it: per
 * problem, the best-so-far loss of a run is normalized between opt (the best value any run of
 * any method found) and clip (the median of random search's best after one round), clipped to
 * [0, 1]; a method's score on a problem is 100 × (1 - the mean normalized loss over seeds), and
 * its overall score the mean over problems. 100 = always found the best known value; 0 = no
 * better than one round of random search.
 *
 * clip uses bayesmark's pooled estimator: random search's evaluations are i.i.d., so the median
 * of the best of `batch` draws is the (1 - 0.5^(1/batch)) quantile of all of them pooled.
 *
 * Glossary: a run's `values` are its losses, one row per round (null = a failed evaluation).
 */

export type Losses = (number | null)[][];

/** The best loss after each round (Infinity until a value is found). */
export function bestSoFar(values: Losses): number[] {
  const out: number[] = [];
  let best = Number.POSITIVE_INFINITY;
  for (const round of values) {
    for (const v of round) if (v !== null && Number.isFinite(v) && v < best) best = v;
    out.push(best);
  }
  return out;
}

export function finalBest(values: Losses): number {
  return bestSoFar(values).at(-1) ?? Number.POSITIVE_INFINITY;
}

/** The q-quantile of sorted values by linear interpolation between order statistics. */
function quantileSorted(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a === b || !Number.isFinite(b) ? a : a + (b - a) * (pos - lo);
}

/** The median of the best of `batch` i.i.d. random evaluations, from all of them pooled. */
export function randomClip(randomRuns: Losses[], batch: number): number {
  const pooled = randomRuns
    .flatMap((run) => run.flat())
    .map((v) => (v === null || !Number.isFinite(v) ? Number.POSITIVE_INFINITY : v))
    .sort((a, b) => a - b);
  return quantileSorted(pooled, 1 - 0.5 ** (1 / batch));
}

/** The best value any run found. */
export function bestKnown(runs: Losses[]): number {
  let best = Number.POSITIVE_INFINITY;
  for (const run of runs) best = Math.min(best, finalBest(run));
  return best;
}

/** A run's normalized loss in [0, 1]: 0 at opt, 1 at clip or worse. */
export function normalizedLoss(best: number, opt: number, clip: number): number {
  if (!(clip > opt)) return best <= opt ? 0 : 1;
  return Math.min(1, Math.max(0, (Math.min(best, clip) - opt) / (clip - opt)));
}

/** 100 × (1 - mean normalized loss) over a method's runs on one problem. */
export function problemScore(runs: Losses[], opt: number, clip: number): number {
  if (runs.length === 0) return Number.NaN;
  let sum = 0;
  for (const run of runs) sum += normalizedLoss(finalBest(run), opt, clip);
  return 100 * (1 - sum / runs.length);
}
