/**
 * The Matérn 5/2 kernel with one length-scale per dimension (ARD):
 *
 *   k(x, x') = sf2 · (1 + √5 r + 5/3 r²) · exp(-√5 r),   r² = Σ_d w_d (x_d - x'_d)²,  w_d = 1/ℓ_d²
 *
 * Matérn 5/2 rather than the squared exponential: twice differentiable, like most training
 * curves' response to hyperparameters, without the SE's implausible smoothness.
 *
 * Length-scales belong to parameters, not to cube dimensions (`LengthScaleMap`): a choice's
 * one-hot block shares one length-scale, and its squared distance is halved, so two settings that
 * differ in the choice are at r² = 1/ℓ² whichever two values they hold and all settings that agree
 * are at 0: a Hamming-type kernel over categories (as Optuna's GP and HEBO use) inside the same
 * Matérn. With one length-scale per one-hot dimension, the distance between two values depended
 * on which two they were, and a value seen once could not share what the others had taught.
 *
 * Glossary: X = n×D row-major inputs in the unit cube; G = length-scales (parameters);
 * w = inverse squared length-scales per dimension (D); sf2 = signal variance; sn2 = noise
 * variance; K = n×n row-major covariance (noise on the diagonal).
 */

export const SQRT5 = Math.sqrt(5);

/** Which length-scale each cube dimension uses, and the factor on its squared distance. */
export interface LengthScaleMap {
  /** Number of length-scales. */
  G: number;
  /** group[d] = the length-scale of dimension d (0..G-1). */
  group: Int32Array;
  /** factor[d] multiplies dimension d's squared difference (1/2 on one-hot blocks). */
  factor: Float64Array;
}

/** One length-scale per dimension, the plain ARD kernel. */
export function ardMap(D: number): LengthScaleMap {
  return {
    G: D,
    group: Int32Array.from({ length: D }, (_, d) => d),
    factor: new Float64Array(D).fill(1),
  };
}

/** w_d = factor_d / ℓ²_{group(d)} from θ's leading log length-scales. */
export function inverseSquaredLengths(theta: ArrayLike<number>, map: LengthScaleMap): Float64Array {
  const D = map.group.length;
  const w = new Float64Array(D);
  for (let d = 0; d < D; d++) w[d] = map.factor[d]! * Math.exp(-2 * theta[map.group[d]!]!);
  return w;
}

/** Correlation at scaled distance r. */
export function matern52(r: number): number {
  const s = SQRT5 * r;
  return (1 + s + (s * s) / 3) * Math.exp(-s);
}

/**
 * K = sf2·M(X, X) + sn2·I, filled once: the upper triangle is computed and mirrored exactly.
 * When `G` is given it receives, above the diagonal, g_ij = sf2 · 5/3 · (1 + √5 r) · exp(-√5 r),
 * so that ∂K_ij/∂log ℓ_d = g_ij · w_d · (x_id - x_jd)² (used by the likelihood gradient).
 */
export function kernelMatrix(
  X: Float64Array,
  n: number,
  D: number,
  w: Float64Array,
  sf2: number,
  sn2: number,
  G?: Float64Array,
): Float64Array {
  const K = new Float64Array(n * n);
  const diag = sf2 + sn2;
  for (let i = 0; i < n; i++) {
    const xi = i * D;
    K[i * n + i] = diag;
    for (let j = i + 1; j < n; j++) {
      const xj = j * D;
      let r2 = 0;
      for (let d = 0; d < D; d++) {
        const t = X[xi + d]! - X[xj + d]!;
        r2 += w[d]! * t * t;
      }
      const s = SQRT5 * Math.sqrt(r2);
      const e = Math.exp(-s);
      const k = sf2 * (1 + s + (s * s) / 3) * e;
      K[i * n + j] = k;
      K[j * n + i] = k;
      if (G) G[i * n + j] = sf2 * (5 / 3) * (1 + s) * e;
    }
  }
  return K;
}

/** k(x, X_i) for i < n into out (no noise term). */
export function kernelVector(
  x: ArrayLike<number>,
  X: Float64Array,
  n: number,
  D: number,
  w: Float64Array,
  sf2: number,
  out: Float64Array,
): Float64Array {
  for (let i = 0; i < n; i++) {
    const xi = i * D;
    let r2 = 0;
    for (let d = 0; d < D; d++) {
      const t = x[d]! - X[xi + d]!;
      r2 += w[d]! * t * t;
    }
    const s = SQRT5 * Math.sqrt(r2);
    out[i] = sf2 * (1 + s + (s * s) / 3) * Math.exp(-s);
  }
  return out;
}
