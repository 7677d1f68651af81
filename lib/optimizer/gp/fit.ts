/**
 * GP hyperparameters by maximum a posteriori: the log marginal likelihood of the (standardized)
 * outputs plus weak log-normal priors, with its analytic gradient, maximized by projected L-BFGS
 * from a few starts (the previous fit's values first, when there is one). The constant prior
 * mean, when used, is profiled out in closed form (`meanAndWeights`).
 *
 *   -log p(y | θ) = ½ yᵀ K⁻¹ y + ½ log det K + n/2 log 2π
 *   ∂/∂θ_j        = -½ tr((α αᵀ - K⁻¹) ∂K/∂θ_j),   α = K⁻¹ y
 *
 * Glossary: θ (theta) = [log ℓ_1..log ℓ_G, log sf2, log sn2] (length G + 2), one length-scale
 * per group of cube dimensions (kernel.ts's LengthScaleMap; G = D without one); ℓ = length-scales
 * in unit-cube units; sf2 = signal variance; sn2 = noise variance (both in standardized-output
 * units); X = n×D inputs; y = n outputs; W = α αᵀ - K⁻¹.
 */
import { minimizeBox } from "../lbfgs";
import { ardMap, inverseSquaredLengths, kernelMatrix, type LengthScaleMap } from "./kernel";
import { Cholesky } from "./linalg";

export interface GpData {
  X: Float64Array;
  y: Float64Array;
  n: number;
  D: number;
  /** Fit a constant prior mean (generalized least squares) instead of assuming 0. */
  constantMean?: boolean;
  /** Length-scales shared by dimensions (choices); default one per dimension. */
  map?: LengthScaleMap;
}

/** The data's length-scale map (one per dimension when none is given). */
export function mapOf(data: GpData): LengthScaleMap {
  return data.map ?? ardMap(data.D);
}

/**
 * α = K⁻¹ (y - m) and the prior mean m: 0, or with `constantMean` its GLS estimate
 * m = 1ᵀK⁻¹y / 1ᵀK⁻¹1 (the value that maximizes the likelihood for the given kernel). The
 * sample mean of y is a poor stand-in: once the search exploits, most observations sit in the
 * good region, and a model that reverts to their average calls every unexplored corner good.
 * The GLS estimate down-weights clustered points, so unexplored regions revert to the level
 * of the space at large.
 */
export function meanAndWeights(
  chol: Cholesky,
  y: Float64Array,
  constantMean: boolean,
): { mean: number; alpha: Float64Array } {
  const alpha = chol.solve(y);
  if (!constantMean) return { mean: 0, alpha };
  const a = chol.solve(new Float64Array(y.length).fill(1));
  let num = 0;
  let den = 0;
  for (let i = 0; i < y.length; i++) {
    num += alpha[i]!;
    den += a[i]!;
  }
  if (!(den > 0) || !Number.isFinite(num / den)) return { mean: 0, alpha };
  const mean = num / den;
  for (let i = 0; i < y.length; i++) alpha[i] = alpha[i]! - mean * a[i]!;
  return { mean, alpha };
}

/** Gaussian priors on the log-hyperparameters, and the box they are searched in. */
export interface HyperPrior {
  lengthMean: number;
  lengthSd: number;
  signalMean: number;
  signalSd: number;
  noiseMean: number;
  noiseSd: number;
  lengthBounds: [number, number];
  signalBounds: [number, number];
  noiseBounds: [number, number];
}

/**
 * Defaults (log space, outputs warped and standardized, inputs in the unit cube):
 * - ℓ: log ℓ ~ N(log(0.25·√D), 1). Distances between points of the cube grow like √D, so the
 *   centre scales with it; 0.25·√D (0.35 in 2-D, 0.61 in 6-D) lets a 50-evaluation search
 *   believe in a few bumps per dimension. Centres of 0.15·√D..0.5·√D were measured: longer
 *   scales trapped more runs in local optima (Hartmann-6), shorter ones wasted evaluations on
 *   exploring (Levy-4). sd 1 keeps it weak; box [1e-3, 1e2] (ℓ = 100 switches a dimension off).
 * - sf2: log sf2 ~ N(0, 1): standardized outputs have variance ≈ 1.
 * - sn2: log sn2 ~ N(log 1e-3, 2): most objectives are smooth and nearly deterministic, but
 *   the sd of 2 lets a noisy metric (a validation accuracy across seeds) claim its noise;
 *   box [1e-6, 1] keeps K well conditioned.
 */
export function defaultPrior(D: number): HyperPrior {
  return {
    lengthMean: Math.log(0.25 * Math.sqrt(D)),
    lengthSd: 1,
    signalMean: 0,
    signalSd: 1,
    noiseMean: Math.log(1e-3),
    noiseSd: 2,
    lengthBounds: [Math.log(1e-3), Math.log(1e2)],
    signalBounds: [Math.log(1e-2), Math.log(1e2)],
    noiseBounds: [Math.log(1e-6), 0],
  };
}

/** The prior's mode for G length-scales: where a fit starts without a previous one. */
export function priorMode(G: number, prior: HyperPrior): Float64Array {
  const theta = new Float64Array(G + 2);
  for (let d = 0; d < G; d++) theta[d] = prior.lengthMean;
  theta[G] = prior.signalMean;
  theta[G + 1] = prior.noiseMean;
  return theta;
}

/** The box θ is searched in, for G length-scales. */
export function bounds(G: number, prior: HyperPrior): { lower: Float64Array; upper: Float64Array } {
  const lower = new Float64Array(G + 2);
  const upper = new Float64Array(G + 2);
  for (let g = 0; g < G; g++) {
    lower[g] = prior.lengthBounds[0];
    upper[g] = prior.lengthBounds[1];
  }
  lower[G] = prior.signalBounds[0];
  upper[G] = prior.signalBounds[1];
  lower[G + 1] = prior.noiseBounds[0];
  upper[G + 1] = prior.noiseBounds[1];
  return { lower, upper };
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Negative log marginal likelihood of y (no prior); fills `grad` (length G + 2) when given.
 * Returns Infinity when K cannot be factored even with jitter.
 */
export function negLogLikelihood(theta: Float64Array, data: GpData, grad?: Float64Array): number {
  const { X, y, n, D } = data;
  const map = mapOf(data);
  const G = map.G;
  const w = inverseSquaredLengths(theta, map);
  const sf2 = Math.exp(theta[G]!);
  const sn2 = Math.exp(theta[G + 1]!);
  // dK_ij = g_ij of kernel.ts: ∂K_ij/∂log ℓ_d = g_ij · w_d · (x_id - x_jd)².
  const dK = grad ? new Float64Array(n * n) : undefined;
  const K = kernelMatrix(X, n, D, w, sf2, sn2, dK);
  const chol = Cholesky.factor(K, n);
  if (!chol) {
    grad?.fill(0);
    return Number.POSITIVE_INFINITY;
  }
  // With a fitted constant mean the profile likelihood has the same gradient formula (the mean
  // is at its optimum for every θ), with y replaced by the residual y - m.
  const { mean, alpha } = meanAndWeights(chol, y, data.constantMean ?? false);
  let fit = 0;
  for (let i = 0; i < n; i++) fit += (y[i]! - mean) * alpha[i]!;
  const value = 0.5 * fit + 0.5 * chol.logDet() + n * HALF_LOG_2PI;
  if (!grad || !dK) return value;

  const Kinv = chol.inverse();
  grad.fill(0);
  // Per dimension first (∂/∂log ℓ_d), then summed into each dimension's length-scale.
  const gd = new Float64Array(D);
  let traceW = 0;
  let signal = 0; // Σ_ij W_ij (K_ij - δ_ij sn2) = tr(W ∂K/∂log sf2)
  for (let i = 0; i < n; i++) {
    const ai = alpha[i]!;
    const wii = ai * ai - Kinv[i * n + i]!;
    traceW += wii;
    signal += wii * sf2;
    const xi = i * D;
    for (let j = i + 1; j < n; j++) {
      const wij = ai * alpha[j]! - Kinv[i * n + j]!;
      signal += 2 * wij * K[i * n + j]!;
      const c = wij * dK[i * n + j]!;
      if (c === 0) continue;
      const xj = j * D;
      for (let d = 0; d < D; d++) {
        const t = X[xi + d]! - X[xj + d]!;
        gd[d] = gd[d]! - c * t * t; // pairs counted once: the two halves of ½·2
      }
    }
  }
  for (let d = 0; d < D; d++) grad[map.group[d]!] = grad[map.group[d]!]! + gd[d]! * w[d]!;
  grad[G] = -0.5 * signal;
  grad[G + 1] = -0.5 * sn2 * traceW;
  return value;
}

/** Negative log prior density of θ for G length-scales (up to a constant); adds its gradient. */
export function negLogPrior(
  theta: Float64Array,
  G: number,
  prior: HyperPrior,
  grad?: Float64Array,
): number {
  let v = 0;
  const term = (i: number, mean: number, sd: number) => {
    const z = (theta[i]! - mean) / sd;
    v += 0.5 * z * z;
    if (grad) grad[i] = grad[i]! + z / sd;
  };
  for (let g = 0; g < G; g++) term(g, prior.lengthMean, prior.lengthSd);
  term(G, prior.signalMean, prior.signalSd);
  term(G + 1, prior.noiseMean, prior.noiseSd);
  return v;
}

export interface FitOptions {
  prior: HyperPrior;
  /** Starting points; the best result wins. */
  starts: Float64Array[];
  maxIter: number;
}

export interface FitResult {
  theta: Float64Array;
  /** Negative log posterior at theta. */
  value: number;
  evaluations: number;
}

export function fitHyperparameters(data: GpData, opts: FitOptions): FitResult {
  const G = mapOf(data).G;
  const { lower, upper } = bounds(G, opts.prior);
  const objective = (theta: Float64Array, grad: Float64Array) => {
    const v = negLogLikelihood(theta, data, grad);
    if (!Number.isFinite(v)) return v;
    return v + negLogPrior(theta, G, opts.prior, grad);
  };
  let best: FitResult | undefined;
  let evaluations = 0;
  for (const start of opts.starts) {
    const r = minimizeBox(objective, start, {
      lower,
      upper,
      maxIter: opts.maxIter,
      pgtol: 1e-5,
      ftol: 1e-7,
    });
    evaluations += r.evaluations;
    if (Number.isFinite(r.f) && (!best || r.f < best.value)) {
      best = { theta: r.x, value: r.f, evaluations: 0 };
    }
  }
  if (!best)
    return { theta: priorMode(G, opts.prior), value: Number.POSITIVE_INFINITY, evaluations };
  return { theta: best.theta, value: best.value, evaluations };
}
