/**
 * The metric axis of the console's charts (facets, parallel coordinates): linear or log, and
 * optionally clipped so that a few very bad values do not flatten the good ones (one Branin value
 * of 170 among values near 0.4 squeezes every good point onto the bottom line).
 *
 * - Log: only when every value is positive; otherwise the axis stays linear and `logRefused`
 *   says why, for the chart to show.
 * - Clip: on the bad side only (large values when minimizing, small when maximizing), at Tukey's
 *   fence, Q3 + 1.5·IQR (or Q1 - 1.5·IQR), measured on the axis's own scale (in log space on a
 *   log axis). The good side is never clipped: the best trials are what a user reads. A value
 *   past the fence is drawn on the axis's edge and marked as clipped, never dropped.
 *
 * Glossary: v = a metric value; the domain is [lo, hi] in metric units.
 */
import type { Goal } from "../metrics/schema";

export interface MetricAxisChoice {
  log: boolean;
  clip: boolean;
}

export const LINEAR_AXIS: MetricAxisChoice = { log: false, clip: false };

export interface MetricAxis {
  /** Log was asked for and is applied. */
  log: boolean;
  /** Why log was asked for and not applied (values that are not positive), else null. */
  logRefused: string | null;
  /** The values' range, clipped on the bad side when asked; lo < hi. */
  lo: number;
  hi: number;
  /** Values past the fence (drawn on the edge, marked). */
  clipped: number;
  /** Which edge clipped values sit on, when any are. */
  clippedAt: "lo" | "hi" | null;
}

/** The q-quantile (0..1) of sorted values, linear between order statistics. */
function quantile(sorted: ArrayLike<number>, q: number): number {
  const pos = (sorted.length - 1) * q;
  const i = Math.floor(pos);
  const a = sorted[i] as number;
  const b = sorted[Math.min(i + 1, sorted.length - 1)] as number;
  return a + (pos - i) * (b - a);
}

export function metricAxis(
  values: readonly number[],
  goal: Goal,
  choice: MetricAxisChoice,
): MetricAxis {
  const finite = values.filter(Number.isFinite);
  let positive = true;
  for (const v of finite) if (v <= 0) positive = false;
  const nonPositive = finite.filter((v) => v <= 0).length;
  const log = choice.log && positive && finite.length > 0;
  const logRefused =
    choice.log && !log
      ? finite.length === 0
        ? "no values to draw"
        : `log scale needs positive values: ${nonPositive} ${nonPositive === 1 ? "is" : "are"} ≤ 0`
      : null;
  const to = log ? Math.log10 : (v: number) => v;
  const from = log ? (v: number) => 10 ** v : (v: number) => v;
  let clipped = 0;
  let clippedAt: MetricAxis["clippedAt"] = null;
  let lo = 0;
  let hi = 1;
  if (choice.clip && finite.length >= 4) {
    // Only clipping needs them sorted (its quartiles): a typed array sorts natively, without a
    // comparator, but at 100,000 values that is still tens of milliseconds per chart.
    const sorted = Float64Array.from(finite, to).sort();
    lo = sorted[0] as number;
    hi = sorted[sorted.length - 1] as number;
    const q1 = quantile(sorted, 0.25);
    const q3 = quantile(sorted, 0.75);
    const fence = 1.5 * (q3 - q1);
    if (goal === "minimize" && q3 + fence < hi) {
      hi = q3 + fence;
      clipped = sorted.filter((v) => v > hi).length;
      clippedAt = "hi";
    } else if (goal === "maximize" && q1 - fence > lo) {
      lo = q1 - fence;
      clipped = sorted.filter((v) => v < lo).length;
      clippedAt = "lo";
    }
    if (clipped === 0) clippedAt = null;
  }
  // The ends exactly where nothing was clipped: 10 ** log10(170) is 170.00000000000006.
  let rawLo = Number.POSITIVE_INFINITY;
  let rawHi = Number.NEGATIVE_INFINITY;
  for (const v of finite) {
    if (v < rawLo) rawLo = v;
    if (v > rawHi) rawHi = v;
  }
  if (finite.length === 0) [rawLo, rawHi] = [0, 1];
  let a = clippedAt === "lo" ? from(lo) : rawLo;
  let b = clippedAt === "hi" ? from(hi) : rawHi;
  if (!(b > a)) {
    const pad = log ? a : Math.abs(a) * 0.1 || 1;
    a = log ? a / 2 : a - pad;
    b = log ? b * 2 : b + pad;
  }
  return { log, logRefused, lo: a, hi: b, clipped, clippedAt };
}

/** v on the axis: inside [lo, hi] as it is, past an edge on that edge and `clipped`. */
export function placeOnAxis(axis: MetricAxis, v: number): { y: number; clipped: boolean } {
  if (v > axis.hi) return { y: axis.hi, clipped: true };
  if (v < axis.lo) return { y: axis.lo, clipped: true };
  return { y: v, clipped: false };
}

/** Round ticks for a log axis over [lo, hi] (lo > 0): powers of ten, or 1-2-5 within few decades. */
export function logTicks(lo: number, hi: number): number[] {
  const e0 = Math.floor(Math.log10(lo));
  const e1 = Math.ceil(Math.log10(hi));
  const steps = e1 - e0 <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = e0; e <= e1; e++)
    for (const s of steps) {
      const t = Number((s * 10 ** e).toPrecision(12));
      if (t >= lo * 0.999999 && t <= hi * 1.000001) ticks.push(t);
    }
  if (ticks.length < 2) return [lo, hi];
  return ticks;
}
