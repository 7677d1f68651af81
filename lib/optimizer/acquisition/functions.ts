/**
 * Acquisition functions, written as losses to minimize over the unit cube (outputs are oriented
 * so that lower is better):
 *
 * - UCB (the default), as a lower confidence bound: a(x) = μ(x) - κ σ(x).
 * - EI, as -log EI(x): EI = σ h(u), u = (best - μ)/σ, h(u) = φ(u) + u Φ(u). The logarithm (Ament
 *   et al. 2023, "LogEI") keeps gradients alive where EI underflows, far from the incumbent; deep
 *   in the lower tail, where φ and uΦ cancel, h comes from Mills' ratio instead.
 *
 * Glossary: μ, σ² = posterior mean and latent variance; κ (kappa) = UCB exploration weight;
 * best = the best (lowest) warped observed value; dmu, dvar = gradients of μ and σ² in x.
 */
import { logNormPdf, normCdf, normPdf } from "../stats";

export type AcquisitionKind = "ucb" | "ei";

export interface AcquisitionSpec {
  kind: AcquisitionKind;
  kappa: number;
  best: number;
}

/** Variances below this (relative to nothing: outputs are standardized) count as zero. */
const MIN_VARIANCE = 1e-14;

/** log h(u) and the ratios Φ(u)/h(u), φ(u)/h(u) needed by the gradient. */
function logH(u: number): { logh: number; cdfRatio: number; pdfRatio: number } {
  if (u > -2) {
    const pdf = normPdf(u);
    const cdf = normCdf(u);
    const h = pdf + u * cdf;
    return { logh: Math.log(h), cdfRatio: cdf / h, pdfRatio: pdf / h };
  }
  // Deep in the tail φ and uΦ cancel; write Φ(u) = φ(u)·R(x) with x = -u and Mills' ratio R
  // from its continued fraction R(x) = 1/(x + 1/(x + 2/(x + 3/(x + ...)))), so h = φ(u)(1 - xR).
  const x = -u;
  let t = x;
  for (let k = 60; k >= 1; k--) t = x + k / t;
  const R = 1 / t;
  const rest = Math.max(1 - x * R, 1e-300);
  return { logh: logNormPdf(u) + Math.log(rest), cdfRatio: R / rest, pdfRatio: 1 / rest };
}

/** The loss at one point. */
export function acquisitionLoss(spec: AcquisitionSpec, mu: number, variance: number): number {
  const sigma = Math.sqrt(Math.max(variance, MIN_VARIANCE));
  if (spec.kind === "ucb") return mu - spec.kappa * sigma;
  return -(Math.log(sigma) + logH((spec.best - mu) / sigma).logh);
}

/** The loss and its gradient in x (written into grad, length D). */
export function acquisitionLossGrad(
  spec: AcquisitionSpec,
  mu: number,
  variance: number,
  dmu: Float64Array,
  dvar: Float64Array,
  grad: Float64Array,
): number {
  const floored = !(variance > MIN_VARIANCE);
  const sigma = Math.sqrt(floored ? MIN_VARIANCE : variance);
  // dσ/dx = dσ²/dx / (2σ); zero where the variance sits on its floor.
  const dsScale = floored ? 0 : 1 / (2 * sigma);
  const D = grad.length;
  if (spec.kind === "ucb") {
    for (let d = 0; d < D; d++) grad[d] = dmu[d]! - spec.kappa * dvar[d]! * dsScale;
    return mu - spec.kappa * sigma;
  }
  const u = (spec.best - mu) / sigma;
  const { logh, cdfRatio, pdfRatio } = logH(u);
  // ∂logEI/∂μ = -Φ/(σh), ∂logEI/∂σ = φ/(σh); the loss is -logEI.
  const gMu = cdfRatio / sigma;
  const gSigma = -pdfRatio / sigma;
  for (let d = 0; d < D; d++) grad[d] = gMu * dmu[d]! + gSigma * dvar[d]! * dsScale;
  return -(Math.log(sigma) + logh);
}

/**
 * Local penalization (González et al. 2016), the alternative to GP-BUCB for a batch: instead of
 * shrinking the variance around points in flight, the acquisition is multiplied by φ_j(x) =
 * Φ((L·‖x - c_j‖ + best - μ_j) / σ_j) for each point c_j in flight: the probability that x lies
 * outside the ball around c_j that, with Lipschitz constant L, cannot hold the minimum. Distances
 * are in the kernel's own metric (‖z‖² = Σ w_d z_d²), so a choice's values and the length-scales
 * count as the model counts them. As a loss: -log g(a) - Σ_j log φ_j, with g = softplus(-loss)
 * for UCB (LP needs a positive acquisition) and the log-EI loss as it is.
 */
export interface Penalizer {
  /** Points in flight (cube coordinates), with the posterior mean and sd there. */
  centres: Float64Array[];
  mu: number[];
  sigma: number[];
  /** Lipschitz constant of μ in the kernel metric. */
  lipschitz: number;
  /** The best (lowest) warped value observed. */
  best: number;
  /** Inverse squared length-scales per dimension (the metric). */
  w: Float64Array;
}

/** The penalized loss at x from its plain loss `base`; adds d/dx into grad when given (with dbase). */
export function penalizedLoss(
  spec: AcquisitionSpec,
  pen: Penalizer,
  x: ArrayLike<number>,
  base: number,
  dbase?: Float64Array,
  grad?: Float64Array,
): number {
  let value: number;
  let scale = 1;
  if (spec.kind === "ucb") {
    // -log softplus(-b), written to stay finite for large |b|.
    const t = -base;
    const sp = t > 30 ? t : Math.log1p(Math.exp(t));
    value = -Math.log(Math.max(sp, 1e-300));
    scale = 1 / (1 + Math.exp(-t)) / Math.max(sp, 1e-300); // logistic(t) / softplus(t)
  } else value = base;
  const D = pen.w.length;
  if (grad && dbase) for (let d = 0; d < D; d++) grad[d] = scale * dbase[d]!;
  pen.centres.forEach((c, j) => {
    let r2 = 0;
    for (let d = 0; d < D; d++) {
      const t = x[d]! - c[d]!;
      r2 += pen.w[d]! * t * t;
    }
    const r = Math.sqrt(r2);
    const sigma = Math.max(pen.sigma[j]!, 1e-9);
    const z = Math.max((pen.lipschitz * r + pen.best - pen.mu[j]!) / sigma, -30);
    const cdf = normCdf(z);
    value -= Math.log(cdf);
    if (grad && r > 0 && z > -30) {
      // d(-log Φ(z))/dx_d = -φ(z)/Φ(z) · L/σ · w_d (x_d - c_d) / r
      const f = (-normPdf(z) / cdf) * (pen.lipschitz / sigma / r);
      for (let d = 0; d < D; d++) grad[d] = grad[d]! + f * pen.w[d]! * (x[d]! - c[d]!);
    }
  });
  return value;
}
