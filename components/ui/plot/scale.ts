/**
 * The scales of the console's own SVG charts (components/ui/plot): a value to a pixel along
 * one axis, linear or log, and back. Pure functions of the domain and the pixel range, so a
 * chart's points, band and hover all place a value alike. A value a log axis cannot show (0 or
 * below) maps to NaN, which the drawing code passes over.
 */

export interface Scale {
  (v: number): number;
  /** The value at pixel `px` (hover: which trial or step is under the pointer). */
  invert(px: number): number;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  readonly log: boolean;
}

/** [lo, hi] of the domain to [from, to] pixels; `to` may be below `from` (a y axis). */
export function scaleOf(
  domain: readonly [number, number],
  range: readonly [number, number],
  log = false,
): Scale {
  const t = log ? Math.log10 : (v: number) => v;
  const t0 = t(domain[0]);
  const t1 = t(domain[1]);
  // A domain of one value puts everything in the middle of the range.
  const span = t1 - t0 || 1;
  const [r0, r1] = range;
  const k = (r1 - r0) / span;
  const mid = t1 === t0 ? (r1 - r0) / 2 : 0;
  const scale = ((v: number) => {
    const tv = t(v);
    return Number.isFinite(tv) ? r0 + mid + (tv - t0) * k : Number.NaN;
  }) as Scale;
  const back = (px: number) => t0 + (px - r0 - mid) / k;
  return Object.assign(scale, {
    invert: (px: number) => (log ? 10 ** back(px) : back(px)),
    domain,
    range,
    log,
  });
}
