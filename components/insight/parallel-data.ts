/**
 * The numbers behind the parallel-coordinates plot: one vertical axis per parameter and one for
 * the metric, each trial a line through its values. Positions are fractions of the axis, 0 at
 * the bottom and 1 at the top: linear, log (log-scaled parameters) or evenly spaced categories
 * (choices); the metric axis follows the charts' metric axis (log or clipped, see
 * lib/console/metric-axis.ts). Brushes are ranges of those fractions, one per axis at most; a
 * trial is selected when its line passes inside every brush. Positions are computed once per
 * set of trials into one Float32Array, so a brush over 100,000 trials is one pass over it.
 *
 * Glossary: A = axes (parameters, then the metric); T = trials with a value; pos[t * A + a] is
 * trial t's position on axis a; a brush is [lo, hi] with 0 <= lo <= hi <= 1.
 */
import { type MetricAxis, placeOnAxis } from "../../lib/console/metric-axis";
import type { TrialRow } from "../../lib/console/views";
import type { ParamSpec } from "../../lib/space/schema";

export interface PcAxis {
  name: string;
  kind: "linear" | "log" | "category" | "metric";
  /** Position of a value on this axis (0..1), or NaN when it has none. */
  position: (v: unknown) => number;
  /** Tick positions with their labels. */
  ticks: { at: number; label: string }[];
  /** Turns a position back into a value (ranges and the metric), for brush labels. */
  valueAt: ((at: number) => number) | null;
}

export interface PcData {
  axes: PcAxis[];
  /** Trials with a value, in input order. */
  trials: TrialRow[];
  pos: Float32Array;
  /** Each trial's metric axis position, clipped values flagged. */
  clipped: Uint8Array;
}

export type Brushes = ReadonlyMap<string, readonly [number, number]>;

const fmt = (v: number) => {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0).replace("e+", "e");
  return Number(v.toPrecision(3)).toString();
};

function rangeAxis(spec: ParamSpec & { kind: "range" }): PcAxis {
  const { min, max } = spec;
  if (spec.scale === "log") {
    const l0 = Math.log(min);
    const l1 = Math.log(max);
    const ticks: PcAxis["ticks"] = [];
    for (let e = Math.ceil(Math.log10(min)); e <= Math.floor(Math.log10(max)); e++)
      ticks.push({ at: (e * Math.LN10 - l0) / (l1 - l0), label: fmt(10 ** e) });
    if (ticks.length < 2)
      ticks.splice(0, ticks.length, { at: 0, label: fmt(min) }, { at: 1, label: fmt(max) });
    return {
      name: spec.name,
      kind: "log",
      position: (v) =>
        typeof v === "number" && v > 0 ? (Math.log(v) - l0) / (l1 - l0) : Number.NaN,
      ticks,
      valueAt: (at) => Math.exp(l0 + at * (l1 - l0)),
    };
  }
  const at = (v: number) => (v - min) / (max - min);
  // An int's ticks are values it can take; a float's, round steps.
  const ticks =
    spec.type === "int"
      ? intTicks(min, max).map((v) => ({ at: at(v), label: String(v) }))
      : [0, 0.25, 0.5, 0.75, 1].map((f) => ({ at: f, label: fmt(min + f * (max - min)) }));
  return {
    name: spec.name,
    kind: "linear",
    position: (v) => (typeof v === "number" ? at(v) : Number.NaN),
    ticks,
    valueAt: (f) => min + f * (max - min),
  };
}

/** Whole steps of 1, 2, 5, 10... from min to max, about five of them, the ends included. */
function intTicks(min: number, max: number): number[] {
  const raw = (max - min) / 5;
  const mag = 10 ** Math.max(0, Math.floor(Math.log10(Math.max(raw, 1))));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((k) => k >= raw) ?? 10 * mag;
  const ticks = [min];
  for (let t = Math.ceil((min + 1) / step) * step; t < max; t += step)
    if (t - (ticks[ticks.length - 1] as number) >= step / 2 && max - t >= step / 2) ticks.push(t);
  ticks.push(max);
  return ticks;
}

/**
 * A stable offset for trial n's line on a discrete axis (a choice, an int with few values), a
 * fraction of the gap between two values, so lines through one value spread into a visible
 * bundle. Brushing reads the same positions, so a brush over the bundle selects its value.
 */
export function spread(n: number, gap: number): number {
  const golden = (n * 0.6180339887) % 1;
  return (golden - 0.5) * gap * 0.3;
}

function choiceAxis(spec: ParamSpec & { kind: "choice" }): PcAxis {
  const k = spec.values.length;
  const at = (i: number) => (k === 1 ? 0.5 : i / (k - 1));
  return {
    name: spec.name,
    kind: "category",
    position: (v) => {
      const i = spec.values.indexOf(v as never);
      return i < 0 ? Number.NaN : at(i);
    },
    ticks: spec.values.map((v, i) => ({ at: at(i), label: String(v) })),
    valueAt: null,
  };
}

export function metricPcAxis(name: string, axis: MetricAxis): PcAxis {
  const { lo, hi } = axis;
  const to = axis.log ? Math.log10 : (v: number) => v;
  const a = to(lo);
  const b = to(hi);
  const at = (v: number) => (to(v) - a) / (b - a);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = axis.log ? 10 ** (a + f * (b - a)) : a + f * (b - a);
    return { at: f, label: fmt(v) };
  });
  return {
    name,
    kind: "metric",
    position: (v) => (typeof v === "number" ? at(placeOnAxis(axis, v).y) : Number.NaN),
    ticks,
    valueAt: (f) => (axis.log ? 10 ** (a + f * (b - a)) : a + f * (b - a)),
  };
}

export function pcData(
  space: readonly ParamSpec[],
  metric: string,
  trials: readonly TrialRow[],
  axis: MetricAxis,
): PcData {
  const axes = [
    ...space.map((s) => (s.kind === "range" ? rangeAxis(s) : choiceAxis(s))),
    metricPcAxis(metric, axis),
  ];
  const valued = trials.filter((t) => t.value !== null && Number.isFinite(t.value));
  const A = axes.length;
  const pos = new Float32Array(valued.length * A);
  const clipped = new Uint8Array(valued.length);
  // The gap between neighbouring values on each discrete axis (0: a continuous axis).
  const gaps = space.map((s) =>
    s.kind === "choice"
      ? s.values.length > 1
        ? 1 / (s.values.length - 1)
        : 0
      : s.type === "int" && s.max - s.min <= 24 && s.scale === "linear"
        ? 1 / (s.max - s.min)
        : 0,
  );
  valued.forEach((t, i) => {
    space.forEach((s, a) => {
      const p = (axes[a] as PcAxis).position(t.params[s.name]);
      const gap = gaps[a] as number;
      pos[i * A + a] = gap > 0 ? Math.min(1, Math.max(0, p + spread(t.n, gap))) : p;
    });
    pos[i * A + A - 1] = (axes[A - 1] as PcAxis).position(t.value);
    clipped[i] = placeOnAxis(axis, t.value as number).clipped ? 1 : 0;
  });
  return { axes, trials: valued, pos, clipped };
}

/**
 * The trial numbers whose lines pass inside every brush; null when no axis is brushed (every
 * trial is in view). A trial with no value on a brushed axis is outside it.
 */
export function brushedTrials(data: PcData, brushes: Brushes): Set<number> | null {
  const active: [number, number, number][] = [];
  data.axes.forEach((a, i) => {
    const b = brushes.get(a.name);
    if (b) active.push([i, b[0], b[1]]);
  });
  if (active.length === 0) return null;
  const A = data.axes.length;
  const out = new Set<number>();
  const eps = 1e-6;
  for (let t = 0; t < data.trials.length; t++) {
    let inside = true;
    for (const [a, lo, hi] of active) {
      const p = data.pos[t * A + a] as number;
      if (!(p >= lo - eps && p <= hi + eps)) {
        inside = false;
        break;
      }
    }
    if (inside) out.add((data.trials[t] as TrialRow).n);
  }
  return out;
}
