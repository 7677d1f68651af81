/**
 * One colour scale for "how good" in the insight views (parallel coordinates' lines, the model
 * map): pale yellow for the worst, through orange and purple, to deep blue for the best; it reads
 * in greyscale too (lightness falls steadily with goodness).
 */
const STOPS = [
  [246, 214, 104],
  [238, 146, 72],
  [184, 88, 138],
  [88, 76, 170],
  [22, 42, 120],
] as const;

/** t in [0, 1]: 0 the worst, 1 the best. */
export function goodColor(t: number): string {
  const [r, g, b] = goodRgb(t);
  return `rgb(${r},${g},${b})`;
}

export function goodRgb(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i] as readonly number[];
  const b = STOPS[i + 1] as readonly number[];
  return [0, 1, 2].map((k) =>
    Math.round((a[k] as number) + f * ((b[k] as number) - (a[k] as number))),
  ) as [number, number, number];
}
