/**
 * The model's view of a search, for the console's insight panels: which parameters matter
 * (parameter importance), what the model expects along each parameter (a mean and a band for
 * each facet chart) and over the two that matter most (a map). All of it is read off the
 * optimizer's own model, `fitSurrogate` (lib/optimizer): the same encoding, warp and GP fit the
 * search's asks use, not a second model. docs/decisions/insight.md says why each choice is so.
 *
 * - Importance: a functional ANOVA of the GP's posterior mean (first-order Sobol indices): for
 *   each parameter, the variance over its values of the mean averaged over all the others, as a
 *   share of the sum over parameters. Integrals over the space are quasi-random (Sobol) averages
 *   in the unit cube, so a log parameter is weighed per decade and a choice per value, as the
 *   optimizer sees them. In the model's warped units: one outlier cannot dominate it.
 * - Correlation beside it (as W&B shows): Spearman's ρ of a range's values with the metric, or
 *   for a choice the correlation ratio η of the metric's ranks (0..1, no sign), over every trial.
 * - Slices: the mean and a 95% band along one parameter, the others held at the best trial's
 *   values; in the metric's units through the warp's inverse (a monotone map, so the band's ends
 *   are the model's 2.5% and 97.5% quantiles and the line its median).
 * - Above `FIT_LIMIT` trials the model is fitted to a subsample: the best quarter of the limit
 *   and an even sample by rank of the rest, with failures in their share (the GP's cost is cubic
 *   in the trials it sees).
 *
 * Glossary: G = parameters; D = cube dims; M = base points of the quasi-random average; K = grid
 * values per parameter; u = a point of the unit cube.
 */
import type { Goal } from "../metrics/schema";
import { fitSurrogate, type Observation, type Surrogate } from "../optimizer";
import { QuasiRandom, Rng } from "../optimizer/rng";
import { observationOf } from "../search/observation";
import { compareByGoal, hasObservedValue, isFinalTrial } from "../search/status";
import type { ParamSpec, Space } from "../space/schema";
import type { TrialRow } from "./views";

/** Most trials the model is fitted to; above, a subsample (see the module comment). */
export const FIT_LIMIT = 400;
/** Base points of the quasi-random averages (importance). */
const BASE_POINTS = 128;
/** Points of the cube the model's total variance is averaged over. */
const TOTAL_POINTS = 1024;
/** Values of a range the importance averages over. */
const IMPORTANCE_GRID = 16;
/** Points along a range in a facet's slice and on each side of the map. */
const SLICE_POINTS = 41;
const MAP_POINTS = 32;
/** z of a two-sided 95% band. */
const Z95 = 1.959964;

export const IMPORTANCE_METHOD = "fANOVA of the GP posterior mean";

export interface ImportanceRow {
  name: string;
  /** Share of the model's main-effect variance, in [0, 1]; the rows sum to 1 (or all are 0). */
  importance: number;
  /** ρ for a range (-1..1), η for a choice (0..1); null with fewer than 3 trials. */
  correlation: number | null;
  correlationKind: "spearman" | "eta";
}

/** The model along one parameter, the others at the best trial's values (metric units). */
export interface ModelSlice {
  name: string;
  /** The parameter's values (a choice: its value's position, 0, 1, ...). */
  x: number[];
  mean: number[];
  lo: number[];
  hi: number[];
}

export interface MapAxis {
  name: string;
  /** Values along the axis (a choice: positions 0, 1, ...). */
  values: number[];
  log: boolean;
  categories: string[] | null;
}

/** The model's mean over two parameters, the others at the best trial's values. */
export interface ModelMap {
  x: MapAxis;
  y: MapAxis;
  /** z[j * x.values.length + i] is the mean at (x.values[i], y.values[j]), in metric units. */
  z: number[];
}

export interface InsightView {
  method: typeof IMPORTANCE_METHOD;
  /** Trials the model was fitted to, and the finished trials there are. */
  fitted: number;
  finished: number;
  /** The trial whose values the slices and the map hold the other parameters at. */
  heldAt: number | null;
  /** Share of the model's variance no single parameter explains (interactions), in [0, 1]. */
  interactions: number;
  /** Best first. */
  importance: ImportanceRow[];
  /** In space order. */
  slices: ModelSlice[];
  map: ModelMap | null;
}

/**
 * What the optimizer is told of a trial: ended ones only (the worker's rule, observation.ts), a
 * pruned one with the last step it reported, as the worker tells it.
 */
function observationOfRow(t: TrialRow): Observation | undefined {
  if (!isFinalTrial(t.status)) return undefined;
  return observationOf(t, t.status === "pruned" ? (t.lastStep ?? undefined) : undefined);
}

/**
 * At most `limit` trials for the fit, in trial order: all of them when they fit; else the best
 * quarter of the limit, an even sample by rank of the other observed ones, and failures in
 * their share.
 */
export function fitSample(trials: readonly TrialRow[], goal: Goal, limit = FIT_LIMIT): TrialRow[] {
  const ended = trials.filter((t) => observationOfRow(t) !== undefined);
  if (ended.length <= limit) return [...ended].sort((a, b) => a.n - b.n);
  const valued = ended.filter(hasObservedValue);
  const failed = ended.filter((t) => !hasObservedValue(t));
  const failedKeep = Math.min(failed.length, Math.floor((limit * failed.length) / ended.length));
  const valuedKeep = limit - failedKeep;
  const better = compareByGoal(goal);
  const ranked = [...valued].sort((a, b) => better(a.value, b.value) || a.n - b.n);
  const keep = new Set<number>();
  const top = Math.floor(valuedKeep / 4);
  for (let i = 0; i < top && i < ranked.length; i++) keep.add(ranked[i]!.n);
  const rest = ranked.slice(top);
  const restKeep = valuedKeep - top;
  for (let i = 0; i < restKeep && rest.length > 0; i++)
    keep.add(rest[Math.floor((i * rest.length) / restKeep)]!.n);
  for (let i = 0; i < failedKeep; i++)
    keep.add(failed[Math.floor((i * failed.length) / failedKeep)]!.n);
  return ended.filter((t) => keep.has(t.n)).sort((a, b) => a.n - b.n);
}

/**
 * The model's view of a search, or null while the optimizer would have no model (fewer than two
 * finished trials with a value). `bestTrial` is the search's best (bestTrial's rule), held fixed
 * in the slices and the map. Never throws for trials of the search's own space.
 */
export function insightOf(
  space: Space,
  goal: Goal,
  trials: readonly TrialRow[],
  bestTrial: number | null,
  limit = FIT_LIMIT,
): InsightView | null {
  const sample = fitSample(trials, goal, limit);
  const observations = sample.flatMap((t) => observationOfRow(t) ?? []);
  const model = fitSurrogate({ space, goal, observations, seed: 0 });
  if (!model) return null;
  const finished = trials.filter(hasObservedValue);
  const held =
    finished.find((t) => t.n === bestTrial) ??
    [...finished].sort((a, b) => compareByGoal(goal)(a.value, b.value))[0];
  const anchor = held
    ? model.codec.snap(model.codec.encode(held.params))
    : new Float64Array(model.codec.dims).fill(0.5);
  const effects = mainEffects(model);
  const importance = space
    .map((spec, g) => ({
      name: spec.name,
      importance: effects.shares[g] ?? 0,
      ...correlationOf(spec, finished),
    }))
    .sort((a, b) => b.importance - a.importance);
  const clamp = metricClamp(finished);
  const slices = space.map((_, g) => sliceOf(model, g, anchor, clamp));
  const top = importance.slice(0, 2).map((r) => space.findIndex((s) => s.name === r.name));
  const map =
    top.length === 2 ? mapOf(model, top[0] as number, top[1] as number, anchor, clamp) : null;
  return {
    method: IMPORTANCE_METHOD,
    fitted: sample.length,
    finished: finished.length,
    heldAt: held?.n ?? null,
    interactions: effects.interactions,
    importance,
    slices,
    map,
  };
}

/**
 * First-order Sobol indices of the posterior mean: V_g = Var_v E[m(u) | u_g = v] by
 * quasi-random averages, shared out as V_g / Σ V; and the share of Var m no V_g explains.
 */
export function mainEffects(model: Surrogate): { shares: number[]; interactions: number } {
  const { codec, gp } = model;
  const D = codec.dims;
  const qr = new QuasiRandom(D, new Rng(0x1a5a));
  const cube = (count: number, from: number) => {
    const xs = new Float64Array(count * D);
    const u = new Float64Array(D);
    for (let i = 0; i < count; i++) {
      qr.point(from + i, u);
      xs.set(codec.snap(u), i * D);
    }
    return xs;
  };
  const all = cube(TOTAL_POINTS, 0);
  const totalMean = new Float64Array(TOTAL_POINTS);
  gp.predictMean(all, TOTAL_POINTS, totalMean);
  const total = variance(totalMean);
  const base = all.subarray(0, BASE_POINTS * D);
  const xs = new Float64Array(BASE_POINTS * D);
  const mu = new Float64Array(BASE_POINTS);
  const effects = codec.layout.map(({ spec, offset, width }) => {
    const averages = blockValues(spec, width).map((block) => {
      xs.set(base);
      for (let i = 0; i < BASE_POINTS; i++) {
        xs.set(block, i * D + offset);
        codec.snap(xs.subarray(i * D, (i + 1) * D));
      }
      gp.predictMean(xs, BASE_POINTS, mu);
      let s = 0;
      for (let i = 0; i < BASE_POINTS; i++) s += mu[i]!;
      return s / BASE_POINTS;
    });
    return variance(averages);
  });
  const sum = effects.reduce((a, b) => a + b, 0);
  return {
    shares: effects.map((v) => (sum > 0 ? v / sum : 0)),
    interactions: total > 0 ? Math.min(1, Math.max(0, 1 - sum / total)) : 0,
  };
}

/** The values one parameter's block takes in the importance's average: uniform in the cube. */
function blockValues(spec: ParamSpec, width: number): Float64Array[] {
  if (spec.kind === "choice")
    return Array.from({ length: width }, (_, k) => {
      const v = new Float64Array(width);
      v[k] = 1;
      return v;
    });
  return Array.from({ length: IMPORTANCE_GRID }, (_, k) =>
    Float64Array.of((k + 0.5) / IMPORTANCE_GRID),
  );
}

function variance(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]!;
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (values[i]! - mean) ** 2;
  return v / n;
}

/** Average ranks (1-based, ties share their mean rank). */
function ranks(values: readonly number[]): Float64Array {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const out = new Float64Array(values.length);
  for (let r = 0; r < order.length; ) {
    let e = r;
    while (e + 1 < order.length && values[order[e + 1]!] === values[order[r]!]) e++;
    for (let k = r; k <= e; k++) out[order[k]!] = (r + e) / 2 + 1;
    r = e + 1;
  }
  return out;
}

function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number | null {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/** Spearman's ρ (a range) or the correlation ratio η of the metric's ranks (a choice). */
export function correlationOf(
  spec: ParamSpec,
  trials: readonly (TrialRow & { value: number })[],
): Pick<ImportanceRow, "correlation" | "correlationKind"> {
  const kind = spec.kind === "choice" ? "eta" : "spearman";
  const rows = trials.filter((t) => t.params[spec.name] !== undefined);
  if (rows.length < 3) return { correlation: null, correlationKind: kind };
  const metric = ranks(rows.map((t) => t.value));
  if (spec.kind === "range") {
    const x = ranks(rows.map((t) => Number(t.params[spec.name])));
    return { correlation: pearson(x, metric), correlationKind: kind };
  }
  // η² = between-groups sum of squares / total sum of squares.
  const mean = (rows.length + 1) / 2;
  const groups = new Map<string, { sum: number; count: number }>();
  let total = 0;
  rows.forEach((t, i) => {
    const key = String(t.params[spec.name]);
    const g = groups.get(key) ?? { sum: 0, count: 0 };
    g.sum += metric[i]!;
    g.count += 1;
    groups.set(key, g);
    total += (metric[i]! - mean) ** 2;
  });
  let between = 0;
  for (const g of groups.values()) between += g.count * (g.sum / g.count - mean) ** 2;
  return { correlation: total > 0 ? Math.sqrt(between / total) : 0, correlationKind: kind };
}

/**
 * Model values in metric units stay within the observed values widened by their span on each
 * side: the warp's inverse runs to infinity where the model's band leaves the data far behind.
 */
function metricClamp(finished: readonly { value: number }[]): (v: number) => number {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const t of finished) {
    lo = Math.min(lo, t.value);
    hi = Math.max(hi, t.value);
  }
  const span = hi > lo ? hi - lo : Math.abs(hi) || 1;
  return (v) => (Number.isNaN(v) ? lo : Math.min(hi + span, Math.max(lo - span, v)));
}

/** Cube coordinates along one parameter's block, with the value each stands for. */
function axisOf(
  model: Surrogate,
  g: number,
  points: number,
): { blocks: Float64Array[]; x: number[] } {
  const { spec, width } = model.codec.layout[g]!;
  if (spec.kind === "choice") {
    const blocks = Array.from({ length: width }, (_, k) => {
      const v = new Float64Array(width);
      v[k] = 1;
      return v;
    });
    return { blocks, x: blocks.map((_, k) => k) };
  }
  const blocks: Float64Array[] = [];
  const x: number[] = [];
  const probe = new Float64Array(model.codec.dims).fill(0.5);
  const offset = model.codec.layout[g]!.offset;
  for (let k = 0; k < points; k++) {
    probe[offset] = k / (points - 1);
    const value = Number(model.codec.decode(probe)[spec.name]);
    if (x.length > 0 && x[x.length - 1] === value) continue; // an int's repeated value
    x.push(value);
    // Encode the value back, so an int sits on its bin centre as the model saw it.
    const u = model.codec.encode({ ...model.codec.decode(probe), [spec.name]: value });
    blocks.push(Float64Array.of(u[offset]!));
  }
  return { blocks, x };
}

function sliceOf(
  model: Surrogate,
  g: number,
  anchor: Float64Array,
  clamp: (v: number) => number,
): ModelSlice {
  const { codec } = model;
  const D = codec.dims;
  const { offset } = codec.layout[g]!;
  const { blocks, x } = axisOf(model, g, SLICE_POINTS);
  const xs = new Float64Array(blocks.length * D);
  blocks.forEach((block, i) => {
    xs.set(anchor, i * D);
    xs.set(block, i * D + offset);
  });
  const { mean, sd } = model.predictEncoded(xs, blocks.length);
  const at = (z: number) => clamp(model.toMetric(z));
  const slice: ModelSlice = { name: codec.layout[g]!.spec.name, x, mean: [], lo: [], hi: [] };
  for (let i = 0; i < blocks.length; i++) {
    const a = at(mean[i]! - Z95 * sd[i]!);
    const b = at(mean[i]! + Z95 * sd[i]!);
    slice.mean.push(at(mean[i]!));
    slice.lo.push(Math.min(a, b));
    slice.hi.push(Math.max(a, b));
  }
  return slice;
}

function mapAxis(model: Surrogate, g: number, x: number[]): MapAxis {
  const spec = model.codec.layout[g]!.spec;
  return {
    name: spec.name,
    values: x,
    log: spec.kind === "range" && spec.scale === "log",
    categories: spec.kind === "choice" ? spec.values.map(String) : null,
  };
}

function mapOf(
  model: Surrogate,
  gx: number,
  gy: number,
  anchor: Float64Array,
  clamp: (v: number) => number,
): ModelMap {
  const { codec, gp } = model;
  const D = codec.dims;
  const ax = axisOf(model, gx, MAP_POINTS);
  const ay = axisOf(model, gy, MAP_POINTS);
  const ox = codec.layout[gx]!.offset;
  const oy = codec.layout[gy]!.offset;
  const C = ax.blocks.length * ay.blocks.length;
  const xs = new Float64Array(C * D);
  let c = 0;
  for (const by of ay.blocks)
    for (const bx of ax.blocks) {
      xs.set(anchor, c * D);
      xs.set(bx, c * D + ox);
      xs.set(by, c * D + oy);
      c++;
    }
  const mu = new Float64Array(C);
  gp.predictMean(xs, C, mu);
  return {
    x: mapAxis(model, gx, ax.x),
    y: mapAxis(model, gy, ay.x),
    z: Array.from(mu, (z) => clamp(model.toMetric(z))),
  };
}
