/**
 * Thinning a series for a chart: at most `max` points, keeping the first and last points and,
 * in each bucket between them, the lowest and highest value, so spikes and the final value stay
 * visible while the browser draws a few hundred points instead of thousands.
 *
 * Glossary: steps[i], values[i] is point i (steps ascending); `max` >= 4.
 */

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
 * the last trial, so 10,000 trials draw as a few dozen points. Nulls never improve the best.
 */
export function bestSoFar(
  trials: readonly { n: number; value: number | null }[],
  goal: "maximize" | "minimize",
): { n: number; best: number }[] {
  const sorted = [...trials].sort((a, b) => a.n - b.n);
  const out: { n: number; best: number }[] = [];
  let best: number | undefined;
  for (const t of sorted) {
    const v = t.value;
    if (v === null || !Number.isFinite(v)) continue;
    if (best === undefined || (goal === "maximize" ? v > best : v < best)) {
      best = v;
      out.push({ n: t.n, best });
    }
  }
  const last = sorted[sorted.length - 1];
  if (best !== undefined && last && out[out.length - 1]?.n !== last.n)
    out.push({ n: last.n, best });
  return out;
}
