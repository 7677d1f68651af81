/**
 * Maximizing the acquisition (minimizing its loss) over the unit cube: a quasi-random sweep of
 * the whole cube, plus clouds of points around the best observations at several scales (the
 * optimum of a well-fitted model is usually near them, and a cube-wide sweep is too coarse to
 * land within 1e-3 of it), then projected L-BFGS from the best few. Discrete dimensions (ints,
 * one-hot choices) are snapped before the model sees a point; the gradient refinement moves only
 * the `continuous` ones (floats, and ints with many values, snapped afterwards). Choices and small
 * ints move by discrete steps instead: from the best few points, one choice or int at a time
 * takes a neighbouring value while that lowers the loss, the continuous dimensions refined again
 * after each step. Without those steps a choice's other values were only ever seen at the sweep's
 * random settings of everything else, never at the good settings the search had found, so one
 * combination of booleans could take every evaluation of a search (docs/decisions/optimizer.md).
 *
 * The winner is the best point that `accept` allows (the caller rejects points already taken
 * and near-duplicates of points in flight); null when nothing is acceptable.
 *
 * Glossary: D = dims; C = number of sweep candidates; xs = C×D row-major candidates;
 * loss = acquisition loss (lower is better); anchors = observed points, best first.
 */
import type { GpPosterior } from "../gp/posterior";
import { minimizeBox } from "../lbfgs";
import { QuasiRandom, type Rng } from "../rng";
import {
  type AcquisitionSpec,
  acquisitionLoss,
  acquisitionLossGrad,
  type Penalizer,
  penalizedLoss,
} from "./functions";

export interface AcquisitionProblem {
  gp: GpPosterior;
  spec: AcquisitionSpec;
  /** Local penalization of points in flight (the batch alternative to hallucinating them). */
  penalizer?: Penalizer;
  /** 1 where a dimension is continuous (a float range), 0 for int and choice dimensions. */
  continuous: Uint8Array;
  /** Rounds a point to a valid encoding in place; absent when every dimension is continuous. */
  snap?: (u: Float64Array) => Float64Array;
  /** The snapped points one discrete step from u (SpaceCodec.neighbours); absent: no steps. */
  neighbours?: (u: Float64Array) => Float64Array[];
  rng: Rng;
  /** Observed points, best first: centres of the local clouds and extra refinement starts. */
  anchors: Float64Array[];
  accept: (u: Float64Array) => boolean;
  /** Cube-wide quasi-random candidates. */
  sweep: number;
  /** Anchors that get a local cloud, and points per cloud. */
  localAnchors: number;
  localPoints: number;
  /** Local refinements (from the best distinct candidates). */
  starts: number;
  maxIter: number;
}

export interface AcquisitionChoice {
  x: Float64Array;
  loss: number;
}

/** Cloud radii around an anchor, as fractions of the cube side. */
const LOCAL_SCALES = [0.2, 0.05, 0.01, 0.002];
/** Discrete steps taken from one start at most. */
const MAX_STEPS = 4;

export function optimizeAcquisition(p: AcquisitionProblem): AcquisitionChoice | null {
  const { gp, rng } = p;
  const D = gp.D;
  const anchors = p.anchors.slice(0, p.localAnchors);
  const nLocal = anchors.length * p.localPoints;
  const C = p.sweep + nLocal;
  const xs = new Float64Array(C * D);
  const qr = new QuasiRandom(D, rng);
  const u = new Float64Array(D);
  for (let c = 0; c < p.sweep; c++) {
    qr.point(c, u);
    xs.set(u, c * D);
  }
  let c = p.sweep;
  for (const a of anchors) {
    for (let k = 0; k < p.localPoints; k++, c++) {
      const scale = LOCAL_SCALES[k % LOCAL_SCALES.length]!;
      for (let d = 0; d < D; d++) {
        const v = a[d]! + (p.continuous[d] ? scale * rng.normal() : 0);
        xs[c * D + d] = Math.min(1, Math.max(0, v));
      }
      // Half the cloud also takes one discrete step: another value of a choice, a next int.
      if (p.neighbours && rng.uniform() < 0.5) {
        const steps = p.neighbours(xs.subarray(c * D, (c + 1) * D));
        if (steps.length > 0) xs.set(steps[rng.int(steps.length)]!, c * D);
      }
    }
  }
  if (p.snap) {
    for (let k = 0; k < C; k++) p.snap(xs.subarray(k * D, (k + 1) * D));
  }

  const mu = new Float64Array(C);
  const variance = new Float64Array(C);
  gp.predictMany(xs, C, mu, variance);
  const loss = new Float64Array(C);
  for (let k = 0; k < C; k++) {
    loss[k] = score(p, xs.subarray(k * D, (k + 1) * D), mu[k]!, variance[k]!);
  }
  const order = Array.from({ length: C }, (_, k) => k).sort((a, b) => loss[a]! - loss[b]!);

  const pool: AcquisitionChoice[] = [];
  const hasContinuous = p.continuous.some((v) => v === 1);
  if (hasContinuous && p.starts > 0) {
    const starts: Float64Array[] = [];
    for (const k of order) {
      if (starts.length >= p.starts) break;
      const x = xs.slice(k * D, (k + 1) * D);
      // Starts closer than 1e-3 would converge to the same point: skip them.
      if (starts.some((s) => maxAbsDiff(s, x) < 1e-3)) continue;
      starts.push(x);
    }
    for (const s of starts) pool.push(refine(p, s));
  }
  if (p.neighbours && p.starts > 0) {
    const seen = pool.slice();
    for (const k of order) {
      if (seen.length >= 2 * p.starts) break;
      seen.push({ x: xs.slice(k * D, (k + 1) * D), loss: loss[k]! });
    }
    seen.sort((a, b) => a.loss - b.loss);
    const starts: AcquisitionChoice[] = [];
    for (const s of seen) {
      if (starts.length >= p.starts) break;
      if (starts.some((t) => maxAbsDiff(t.x, s.x) < 1e-3)) continue;
      starts.push(s);
    }
    for (const s of starts) pool.push(...discreteSteps(p, s, hasContinuous));
  }
  for (const k of order) pool.push({ x: xs.slice(k * D, (k + 1) * D), loss: loss[k]! });
  pool.sort((a, b) => a.loss - b.loss);
  for (const choice of pool) if (p.accept(choice.x)) return choice;
  return null;
}

/**
 * A greedy walk over discrete steps from `start`: every neighbour is scored, the best one taken
 * while it lowers the loss (and its continuous dimensions refined). Returns every point scored,
 * so the caller can fall back on them when the best is not acceptable.
 */
function discreteSteps(
  p: AcquisitionProblem,
  start: AcquisitionChoice,
  hasContinuous: boolean,
): AcquisitionChoice[] {
  const D = p.gp.D;
  const out: AcquisitionChoice[] = [];
  let current = start;
  for (let step = 0; step < MAX_STEPS; step++) {
    const steps = p.neighbours!(current.x);
    if (steps.length === 0) break;
    const xs = new Float64Array(steps.length * D);
    steps.forEach((x, k) => {
      xs.set(x, k * D);
    });
    const mu = new Float64Array(steps.length);
    const variance = new Float64Array(steps.length);
    p.gp.predictMany(xs, steps.length, mu, variance);
    let best: AcquisitionChoice | undefined;
    steps.forEach((x, k) => {
      const choice = { x, loss: score(p, x, mu[k]!, variance[k]!) };
      out.push(choice);
      if (!best || choice.loss < best.loss) best = choice;
    });
    if (!best) break;
    if (hasContinuous) {
      best = refine(p, best.x);
      out.push(best);
    }
    if (!(best.loss < current.loss - 1e-12)) break;
    current = best;
  }
  return out;
}

/**
 * Projected L-BFGS over the continuous dimensions of `start`, the others held fixed; with a
 * `snap`, the result is snapped (relaxed ints) and scored again where it landed.
 */
function refine(p: AcquisitionProblem, start: Float64Array): AcquisitionChoice {
  const { gp, spec } = p;
  const D = gp.D;
  const free: number[] = [];
  for (let d = 0; d < D; d++) if (p.continuous[d]) free.push(d);
  const F = free.length;
  const x = start.slice();
  const dmu = new Float64Array(D);
  const dvar = new Float64Array(D);
  const g = new Float64Array(D);
  const objective = (z: Float64Array, grad: Float64Array) => {
    for (let i = 0; i < F; i++) x[free[i]!] = z[i]!;
    const { mu, variance } = gp.predictWithGradient(x, dmu, dvar);
    let v = acquisitionLossGrad(spec, mu, variance, dmu, dvar, g);
    if (p.penalizer) v = penalizedLoss(spec, p.penalizer, x, v, g.slice(), g);
    for (let i = 0; i < F; i++) grad[i] = g[free[i]!]!;
    return v;
  };
  const z0 = Float64Array.from(free, (d) => start[d]!);
  const r = minimizeBox(objective, z0, {
    lower: new Float64Array(F),
    upper: new Float64Array(F).fill(1),
    maxIter: p.maxIter,
    pgtol: 1e-9,
    ftol: 1e-12,
  });
  const out = start.slice();
  for (let i = 0; i < F; i++) out[free[i]!] = r.x[i]!;
  if (!p.snap) return { x: out, loss: r.f };
  p.snap(out);
  const mu = new Float64Array(1);
  const variance = new Float64Array(1);
  gp.predictMany(out, 1, mu, variance);
  return { x: out, loss: score(p, out, mu[0]!, variance[0]!) };
}

/** The loss at x, penalized when the problem has a penalizer. */
function score(p: AcquisitionProblem, x: ArrayLike<number>, mu: number, variance: number): number {
  const base = acquisitionLoss(p.spec, mu, variance);
  return p.penalizer ? penalizedLoss(p.spec, p.penalizer, x, base) : base;
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
