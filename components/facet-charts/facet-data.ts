/**
 * The points of one facet chart: for one parameter, x is the trial's value of it and y the
 * trial's final metric. Choices become category positions 0, 1, 2... with a small fixed jitter
 * per trial so equal values do not hide each other. Which trials are points and which failed is
 * the status table's word (lib/search/status.ts): a point is a value the optimizer learns from
 * (complete, or stopped with what it reported); a failure (a crash, a timeout, whatever it
 * printed first) sits on a line just below the others; a killed trial is neither. Beyond
 * `MAX_POINTS` drawn trials, the best ones and an even sample of the rest are drawn (and the
 * chart says so).
 *
 * Glossary: FacetPoint {x, y, n} with n the trial number; `band` = y of the failed-trials line.
 */

import { observedTrials, sampleObserved, sampleTrials } from "../../lib/console/downsample";
import {
  LINEAR_AXIS,
  logTicks,
  type MetricAxis,
  type MetricAxisChoice,
  metricAxis,
  placeOnAxis,
} from "../../lib/console/metric-axis";
import type { TrialRow } from "../../lib/console/views";
import type { Goal } from "../../lib/metrics/schema";
import { countsAsFailure, hasObservedValue, TRIAL_STATUS } from "../../lib/search/status";
import type { ParamSpec, ParamValue } from "../../lib/space/schema";

export { sampleTrials };

export const MAX_POINTS = 1500;

export interface FacetPoint {
  x: number;
  y: number;
  n: number;
}

export interface Facet {
  spec: ParamSpec;
  complete: FacetPoint[];
  /** Drawn trials in a status of the pruned tone (early stopping): a value at an early step. */
  pruned: FacetPoint[];
  /** Points past the clipped metric axis, drawn on its edge (see lib/console/metric-axis). */
  clipped: FacetPoint[];
  failed: FacetPoint[];
  best: FacetPoint | undefined;
  /** Category labels by position, for choice parameters. */
  categories: string[] | undefined;
  xDomain: [number, number];
  /** Round x values inside the domain (category positions for choices). */
  xTicks: number[];
  yDomain: [number, number];
  /** Round values for the y axis; the first is `band` when some trials failed. */
  yTicks: number[];
  /** The y of the failed-trials line, or undefined when none failed. */
  band: number | undefined;
  /** The metric axis: log or linear, clipped or not, and why log was refused. */
  axis: MetricAxis;
  /** Trials drawn as points (see hasValue), before sampling. */
  totalComplete: number;
  log: boolean;
}

/** A facet's points as a selection (the parallel coordinates' brushes) draws them. */
export interface HighlightedPoints {
  complete: FacetPoint[];
  pruned: FacetPoint[];
  clipped: FacetPoint[];
  /** Drawn trials the selection leaves out, whatever their status: grey, behind the rest. */
  faded: FacetPoint[];
}

/**
 * The points a selection leaves standing out, each kind kept apart, and the rest faded; without
 * a selection (`null`) every point stands out. The best trial and the failed ones are drawn as
 * they are either way.
 */
export function highlightPoints(
  facet: Facet,
  highlight: ReadonlySet<number> | null,
): HighlightedPoints {
  const { complete, pruned, clipped } = facet;
  if (highlight === null) return { complete, pruned, clipped, faded: [] };
  const faded: FacetPoint[] = [];
  const keep = (points: readonly FacetPoint[]) =>
    points.filter((p) => {
      if (highlight.has(p.n)) return true;
      faded.push(p);
      return false;
    });
  return { complete: keep(complete), pruned: keep(pruned), clipped: keep(clipped), faded };
}

/** A value the charts draw: one the optimizer learns from (complete, or stopped with a value). */
export const hasValue = (t: TrialRow): t is TrialRow & { value: number } => hasObservedValue(t);

/** A stable offset in [-0.18, 0.18] for trial n, so categories spread into a narrow column. */
function jitter(n: number): number {
  const golden = (n * 0.6180339887) % 1;
  return (golden - 0.5) * 0.36;
}

function xOf(spec: ParamSpec, v: ParamValue | undefined, n: number): number | undefined {
  if (v === undefined) return undefined;
  if (spec.kind === "choice") {
    const i = spec.values.indexOf(v);
    return i < 0 ? undefined : i + jitter(n);
  }
  return typeof v === "number" ? v : undefined;
}

export function facetsOf(
  space: readonly ParamSpec[],
  trials: readonly TrialRow[],
  goal: Goal,
  bestTrial: number | null,
  max = MAX_POINTS,
  choice: MetricAxisChoice = LINEAR_AXIS,
): Facet[] {
  const { finished } = observedTrials(trials, goal);
  const drawn = sampleObserved(trials, goal, max);
  const failedTrials = trials.filter((t) => countsAsFailure(t.status));
  const axis = metricAxis(
    finished.map((t) => t.value),
    goal,
    choice,
  );
  const { yDomain, yTicks, band } = yAxisOf(axis, failedTrials.length > 0);

  return space.map((spec) => {
    const complete: FacetPoint[] = [];
    const pruned: FacetPoint[] = [];
    const clipped: FacetPoint[] = [];
    let best: FacetPoint | undefined;
    for (const t of drawn) {
      const x = xOf(spec, t.params[spec.name], t.n);
      if (x === undefined) continue;
      const placed = placeOnAxis(axis, t.value);
      const p = { x, y: placed.y, n: t.n };
      if (t.n === bestTrial) best = p;
      else if (placed.clipped) clipped.push(p);
      else if (TRIAL_STATUS[t.status].tone === "pruned") pruned.push(p);
      else complete.push(p);
    }
    const failed: FacetPoint[] = [];
    for (const t of failedTrials.slice(0, max)) {
      const x = xOf(spec, t.params[spec.name], t.n);
      if (x !== undefined && band !== undefined) failed.push({ x, y: band, n: t.n });
    }
    const xDomain: [number, number] =
      spec.kind === "choice" ? [-0.5, spec.values.length - 0.5] : [spec.min, spec.max];
    return {
      spec,
      xTicks: xTicksOf(spec),
      complete,
      pruned,
      clipped,
      failed,
      best,
      categories: spec.kind === "choice" ? spec.values.map(String) : undefined,
      xDomain,
      yDomain,
      yTicks,
      band,
      axis,
      totalComplete: finished.length,
      log: spec.kind === "range" && spec.scale === "log",
    };
  });
}

/**
 * The metric axis's domain and ticks, with room for the failed-trials line below the values
 * when some failed: three quarters of a tick step below the first tick (a linear axis), or a
 * fifth of the decades shown below the lowest value (a log axis).
 */
export function yAxisOf(
  axis: MetricAxis,
  withBand: boolean,
): { yDomain: [number, number]; yTicks: number[]; band: number | undefined } {
  if (axis.log) {
    const ticks = logTicks(axis.lo, axis.hi);
    const decades = Math.max(Math.log10(axis.hi / axis.lo), 0.3);
    const pad = 10 ** (decades * 0.04);
    const top = Math.max(axis.hi * pad, ticks[ticks.length - 1] as number);
    const bottom = Math.min(axis.lo / pad, ticks[0] as number);
    const band = withBand ? bottom / 10 ** (decades * 0.15) : undefined;
    return {
      yDomain: [band === undefined ? bottom : band / 10 ** (decades * 0.05), top],
      yTicks: band === undefined ? ticks : [band, ...ticks],
      band,
    };
  }
  const ticks = niceTicks(axis.lo, axis.hi);
  const step = ticks.length > 1 ? (ticks[1] as number) - (ticks[0] as number) : 1;
  const first = ticks[0] as number;
  const last = ticks[ticks.length - 1] as number;
  const band = withBand ? first - step * 0.75 : undefined;
  return {
    yDomain: [band === undefined ? first : band - step * 0.25, last],
    yTicks: band === undefined ? ticks : [band, ...ticks],
    band,
  };
}

/** About `count` round tick values covering [lo, hi] (steps of 1, 2, 2.5 or 5 times a power of 10). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  let a = lo;
  let b = hi;
  if (!(b > a)) {
    const pad = Math.abs(a) * 0.1 || 1;
    a -= pad;
    b += pad;
  }
  const raw = (b - a) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  const start = Math.floor(a / step) * step;
  const ticks: number[] = [];
  for (let v = start; v < b + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Ticks for a parameter's axis: powers of ten on a log axis, round steps on a linear one. */
export function xTicksOf(spec: ParamSpec): number[] {
  if (spec.kind === "choice") return spec.values.map((_, i) => i);
  const { min, max } = spec;
  if (spec.scale === "log") {
    const ticks: number[] = [];
    for (let e = Math.ceil(Math.log10(min)); e <= Math.floor(Math.log10(max)); e++)
      ticks.push(Number((10 ** e).toPrecision(12)));
    // A range inside one decade gets its ends instead.
    return ticks.length >= 2 ? ticks : [min, max];
  }
  if (spec.type === "int") {
    // Whole steps of 1, 2, 5, 10, 20... so every tick is a value the parameter can take.
    const raw = (max - min) / 6;
    const mag = 10 ** Math.max(0, Math.floor(Math.log10(Math.max(raw, 1))));
    const step = [1, 2, 5, 10].map((k) => k * mag).find((k) => k >= raw) ?? 10 * mag;
    const ticks: number[] = [];
    for (let t = Math.ceil(min / step) * step; t <= max; t += step) ticks.push(t);
    return ticks;
  }
  return niceTicks(min, max).filter((t) => t >= min && t <= max);
}
