/**
 * Output warping: the objective values the GP sees. A GP assumes roughly Gaussian outputs; raw
 * objectives are often far from it (a loss that explodes in part of the space, an accuracy stuck
 * near 1). One huge value then dominates the standardized scale and flattens everything else,
 * including the good region that matters. So values (oriented so that lower is better) are
 * standardized, passed through a Yeo-Johnson power transform whose λ maximizes the Gaussian
 * likelihood of the result (as HEBO does), and standardized again. λ = 1 is the identity, so
 * well-behaved objectives are left nearly alone; heavy upper tails get λ < 1 (log-like).
 *
 * Glossary: y = oriented values (length n); z = warped, standardized values; λ = YJ exponent.
 */
import { normQuantile } from "./stats";

export type OutputWarp = "standardize" | "yeo-johnson" | "rank";

export function standardize(y: ArrayLike<number>): Float64Array {
  const n = y.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]!;
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (y[i]! - mean) ** 2;
  const sd = Math.sqrt(v / n);
  // A constant objective (or a single value) has no scale; leave it centred at 0.
  const scale = sd > 1e-12 * Math.max(1, Math.abs(mean)) ? sd : 1;
  for (let i = 0; i < n; i++) out[i] = (y[i]! - mean) / scale;
  return out;
}

export function yeoJohnson(y: number, lambda: number): number {
  if (y >= 0) {
    return Math.abs(lambda) < 1e-8 ? Math.log1p(y) : ((1 + y) ** lambda - 1) / lambda;
  }
  const l2 = 2 - lambda;
  return Math.abs(l2) < 1e-8 ? -Math.log1p(-y) : -((1 - y) ** l2 - 1) / l2;
}

/** Profile log-likelihood of λ for standardized y (Yeo & Johnson 2000). */
function yjLogLikelihood(y: Float64Array, lambda: number): number {
  const n = y.length;
  let mean = 0;
  const t = new Float64Array(n);
  let jac = 0;
  for (let i = 0; i < n; i++) {
    const yi = y[i]!;
    t[i] = yeoJohnson(yi, lambda);
    mean += t[i]!;
    jac += Math.sign(yi) * Math.log1p(Math.abs(yi));
  }
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (t[i]! - mean) ** 2;
  v /= n;
  if (!(v > 0) || !Number.isFinite(v)) return Number.NEGATIVE_INFINITY;
  return -0.5 * n * Math.log(v) + (lambda - 1) * jac;
}

/** The maximum-likelihood λ on [-2, 3] by golden-section search. */
export function fitYeoJohnson(y: Float64Array): number {
  const g = (Math.sqrt(5) - 1) / 2;
  let a = -2;
  let b = 3;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = yjLogLikelihood(y, c);
  let fd = yjLogLikelihood(y, d);
  for (let i = 0; i < 40; i++) {
    if (fc > fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = yjLogLikelihood(y, c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = yjLogLikelihood(y, d);
    }
  }
  return (a + b) / 2;
}

/** Warped, standardized outputs (lower is better in and out). */
export function warpOutputs(y: ArrayLike<number>, kind: OutputWarp): Float64Array {
  const z = standardize(y);
  const n = z.length;
  if (kind === "standardize" || n < 3) return z;
  if (kind === "rank") {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => z[a]! - z[b]!);
    const out = new Float64Array(n);
    for (let r = 0; r < n; ) {
      let e = r;
      while (e + 1 < n && z[order[e + 1]!] === z[order[r]!]) e++;
      const q = normQuantile(((r + e) / 2 + 0.5) / n);
      for (let k = r; k <= e; k++) out[order[k]!] = q;
      r = e + 1;
    }
    return standardize(out);
  }
  let spread = 0;
  for (let i = 0; i < n; i++) spread = Math.max(spread, Math.abs(z[i]!));
  if (spread === 0) return z;
  const lambda = fitYeoJohnson(z);
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = yeoJohnson(z[i]!, lambda);
  return standardize(t);
}

/** y = yeoJohnson⁻¹(t, λ); t outside the transform's range (λ < 0 or λ > 2 bound it) → ±∞. */
export function yeoJohnsonInverse(t: number, lambda: number): number {
  if (t >= 0) {
    if (Math.abs(lambda) < 1e-8) return Math.expm1(t);
    const base = t * lambda + 1;
    return base > 0 ? base ** (1 / lambda) - 1 : Number.POSITIVE_INFINITY;
  }
  const l2 = 2 - lambda;
  if (Math.abs(l2) < 1e-8) return -Math.expm1(-t);
  const base = 1 - l2 * t;
  return base > 0 ? 1 - base ** (1 / l2) : Number.NEGATIVE_INFINITY;
}

/**
 * The inverse of `warpOutputs(y, kind)` as a function of one warped value: z → the oriented value
 * y it stands for (exact for "standardize" and "yeo-johnson"; for "rank", linear between the
 * observed values and clamped at their ends). Monotone, so a quantile of z maps to the same
 * quantile of y: the console draws the model's band in the metric's units through it.
 */
export function warpInverse(y: ArrayLike<number>, kind: OutputWarp): (z: number) => number {
  const n = y.length;
  const { mean, scale } = moments(y);
  const unstandardize = (z1: number) => z1 * scale + mean;
  if (kind === "standardize" || n < 3) return unstandardize;
  const z1 = standardize(y);
  if (kind === "rank") {
    const warped = warpOutputs(y, "rank");
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => warped[a]! - warped[b]!);
    return (z) => {
      let lo = 0;
      let hi = n - 1;
      if (z <= warped[order[lo]!]!) return y[order[lo]!]!;
      if (z >= warped[order[hi]!]!) return y[order[hi]!]!;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (warped[order[mid]!]! <= z) lo = mid;
        else hi = mid;
      }
      const a = warped[order[lo]!]!;
      const b = warped[order[hi]!]!;
      const f = b > a ? (z - a) / (b - a) : 0;
      return y[order[lo]!]! + f * (y[order[hi]!]! - y[order[lo]!]!);
    };
  }
  let spread = 0;
  for (let i = 0; i < n; i++) spread = Math.max(spread, Math.abs(z1[i]!));
  if (spread === 0) return unstandardize;
  const lambda = fitYeoJohnson(z1);
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = yeoJohnson(z1[i]!, lambda);
  const second = moments(t);
  return (z) => unstandardize(yeoJohnsonInverse(z * second.scale + second.mean, lambda));
}

/** The mean and the scale `standardize` divides by (1 for a constant). */
function moments(y: ArrayLike<number>): { mean: number; scale: number } {
  const n = y.length;
  if (n === 0) return { mean: 0, scale: 1 };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]!;
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (y[i]! - mean) ** 2;
  const sd = Math.sqrt(v / n);
  return { mean, scale: sd > 1e-12 * Math.max(1, Math.abs(mean)) ? sd : 1 };
}
