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
