/**
 * The points of one facet chart: for one parameter, x is the trial's value of it and y the
 * trial's final metric. Choices become category positions 0, 1, 2... with a small fixed jitter
 * per trial so equal values do not hide each other. Trials that failed without a value sit on a
 * line just below the others. Beyond `MAX_POINTS` finished trials, the best ones and an even
 * sample of the rest are drawn (and the chart says so).
 *
 * Glossary: FacetPoint {x, y, n} with n the trial number; `band` = y of the failed-trials line.
 */
import type { TrialRow } from "../../lib/console/views";
import type { Goal } from "../../lib/metrics/schema";
import type { ParamSpec, ParamValue } from "../../lib/space/schema";

export const MAX_POINTS = 1500;

export interface FacetPoint {
  x: number;
  y: number;
  n: number;
}

export interface Facet {
  spec: ParamSpec;
  complete: FacetPoint[];
  failed: FacetPoint[];
  best: FacetPoint | undefined;
  /** Category labels by position, for choice parameters. */
  categories: string[] | undefined;
  xDomain: [number, number];
  yDomain: [number, number];
  /** Finished trials with a value, before sampling. */
  totalComplete: number;
  log: boolean;
}

/** Finished with a value (complete, or stopped early with a known value). */
export function hasValue(t: TrialRow): t is TrialRow & { value: number } {
  return (
    t.value !== null && Number.isFinite(t.value) && t.status !== "running" && t.status !== "queued"
  );
}

const FAILED = new Set(["failed", "timeout", "killed"]);

/** The best trials and an even sample of the rest, at most `max` in all, in input order. */
export function sampleTrials<T extends { n: number; value: number }>(
  trials: readonly T[],
  goal: Goal,
  max: number,
): T[] {
  if (trials.length <= max) return [...trials];
  const ranked = [...trials].sort((a, b) =>
    goal === "maximize" ? b.value - a.value : a.value - b.value,
  );
  const keep = new Set<number>();
  const top = Math.floor(max / 5);
  for (let i = 0; i < top; i++) keep.add((ranked[i] as T).n);
  const rest = ranked.slice(top);
  const step = rest.length / (max - top);
  for (let i = 0; i < max - top; i++) keep.add((rest[Math.floor(i * step)] as T).n);
  return trials.filter((t) => keep.has(t.n));
}

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
): Facet[] {
  const finished = trials.filter(hasValue);
  const drawn = sampleTrials(finished, goal, max);
  const failedTrials = trials.filter((t) => FAILED.has(t.status) && !hasValue(t));

  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const t of finished) {
    if (t.value < lo) lo = t.value;
    if (t.value > hi) hi = t.value;
  }
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 1;
  }
  const span = hi - lo || Math.abs(hi) || 1;
  const band = lo - span * 0.1;
  const yDomain: [number, number] = [
    failedTrials.length > 0 ? band - span * 0.04 : lo - span * 0.04,
    hi + span * 0.04,
  ];

  return space.map((spec) => {
    const complete: FacetPoint[] = [];
    let best: FacetPoint | undefined;
    for (const t of drawn) {
      const x = xOf(spec, t.params[spec.name], t.n);
      if (x === undefined) continue;
      const p = { x, y: t.value, n: t.n };
      if (t.n === bestTrial) best = p;
      else complete.push(p);
    }
    const failed: FacetPoint[] = [];
    for (const t of failedTrials.slice(0, max)) {
      const x = xOf(spec, t.params[spec.name], t.n);
      if (x !== undefined) failed.push({ x, y: band, n: t.n });
    }
    const xDomain: [number, number] =
      spec.kind === "choice" ? [-0.5, spec.values.length - 0.5] : [spec.min, spec.max];
    return {
      spec,
      complete,
      failed,
      best,
      categories: spec.kind === "choice" ? spec.values.map(String) : undefined,
      xDomain,
      yDomain,
      totalComplete: finished.length,
      log: spec.kind === "range" && spec.scale === "log",
    };
  });
}
