/**
 * Dense linear algebra for the GP on plain Float64Arrays: a Cholesky factor that retries with
 * growing jitter, grows by one row at a time (for hallucinated observations), and solves.
 * Plain indexed loops over row-major arrays: for the sizes a search reaches (up to a few thousand
 * observations) this beats ml-matrix's object-per-row layout by a wide margin.
 *
 * Glossary: n = order of the matrix; s = row stride (capacity, >= n); L[i*s + j] = L_ij, lower
 * triangular, zeros above the diagonal; K = L Lᵀ.
 */

/** Relative jitter steps tried in turn (times the mean diagonal) when a pivot is not positive. */
const JITTERS = [0, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2];

export class Cholesky {
  /** Current order. */
  n: number;
  readonly stride: number;
  readonly data: Float64Array;
  /** Absolute jitter that was added to the diagonal to make the factorization succeed. */
  readonly jitter: number;
  /** Lᵀ, row-major with the same stride, once `keepTranspose` was called (kept in step by append). */
  private upper: Float64Array | undefined;

  private constructor(n: number, stride: number, data: Float64Array, jitter: number) {
    this.n = n;
    this.stride = stride;
    this.data = data;
    this.jitter = jitter;
  }

  /**
   * Factors the n×n symmetric matrix `a` (row-major, stride n; only the lower triangle is read),
   * leaving room for `extra` appended rows. Returns null only when even 1% jitter fails (a NaN
   * in the matrix, say).
   */
  static factor(a: Float64Array, n: number, extra = 0): Cholesky | null {
    const stride = n + extra;
    const L = new Float64Array(stride * stride);
    let meanDiag = 0;
    for (let i = 0; i < n; i++) meanDiag += a[i * n + i]!;
    meanDiag = n > 0 ? meanDiag / n : 1;
    if (!(meanDiag > 0) || !Number.isFinite(meanDiag)) meanDiag = 1;
    for (const rel of JITTERS) {
      const jitter = rel * meanDiag;
      if (factorInto(a, n, L, stride, jitter)) return new Cholesky(n, stride, L, jitter);
    }
    return null;
  }

  /** log det K = 2 Σ log L_ii. */
  logDet(): number {
    let s = 0;
    for (let i = 0; i < this.n; i++) s += Math.log(this.data[i * this.stride + i]!);
    return 2 * s;
  }

  /** Solves L v = b (b has length >= n); writes v into `out` and returns it. */
  solveLower(b: ArrayLike<number>, out: Float64Array = new Float64Array(this.n)): Float64Array {
    const { n, stride, data: L } = this;
    for (let i = 0; i < n; i++) {
      const row = i * stride;
      let s = b[i]!;
      for (let k = 0; k < i; k++) s -= L[row + k]! * out[k]!;
      out[i] = s / L[row + i]!;
    }
    return out;
  }

  /**
   * Keeps a transposed copy so `solveUpperInPlace` runs as dot products along rows of Lᵀ, about
   * twice as fast as the column sweep; worth its O(n²) copy when many solves follow.
   */
  keepTranspose(): void {
    const { n, stride, data: L } = this;
    const U = new Float64Array(stride * stride);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) U[j * stride + i] = L[i * stride + j]!;
    this.upper = U;
  }

  /** Solves Lᵀ w = v in place. */
  solveUpperInPlace(v: Float64Array): Float64Array {
    const { n, stride, data: L, upper: U } = this;
    if (U) {
      for (let i = n - 1; i >= 0; i--) {
        const row = i * stride;
        let s = v[i]!;
        for (let k = i + 1; k < n; k++) s -= U[row + k]! * v[k]!;
        v[i] = s / U[row + i]!;
      }
      return v;
    }
    // Without the transpose: a column sweep, so the inner loop still walks a row of L.
    for (let i = n - 1; i >= 0; i--) {
      const row = i * stride;
      const wi = v[i]! / L[row + i]!;
      v[i] = wi;
      for (let k = 0; k < i; k++) v[k] = v[k]! - L[row + k]! * wi;
    }
    return v;
  }

  /** K⁻¹ b. */
  solve(b: ArrayLike<number>): Float64Array {
    return this.solveUpperInPlace(this.solveLower(b));
  }

  /**
   * Solves L V = B for C right-hand sides at once. B and V are n×C row-major (row i holds the
   * i-th entry of every right-hand side), so the inner loop runs over C contiguous numbers.
   */
  solveLowerMany(B: Float64Array, C: number, out: Float64Array = new Float64Array(B.length)) {
    const { n, stride, data: L } = this;
    for (let i = 0; i < n; i++) {
      const row = i * stride;
      const oi = i * C;
      for (let c = 0; c < C; c++) out[oi + c] = B[oi + c]!;
      for (let k = 0; k < i; k++) {
        const l = L[row + k]!;
        if (l === 0) continue;
        const ok = k * C;
        for (let c = 0; c < C; c++) out[oi + c] = out[oi + c]! - l * out[ok + c]!;
      }
      const inv = 1 / L[row + i]!;
      for (let c = 0; c < C; c++) out[oi + c] = out[oi + c]! * inv;
    }
    return out;
  }

  /**
   * Grows K by one row/column: k = K(new, old) (length n), kss = K(new, new) (+ noise). Returns
   * false, leaving the factor unchanged, when there is no room or the new pivot is not positive
   * (the new point duplicates old ones); the caller then simply does without it.
   */
  append(k: ArrayLike<number>, kss: number): boolean {
    const { n, stride, data: L } = this;
    if (n >= stride) return false;
    const row = n * stride;
    let s = kss + this.jitter;
    for (let i = 0; i < n; i++) {
      const ri = i * stride;
      let t = k[i]!;
      for (let j = 0; j < i; j++) t -= L[ri + j]! * L[row + j]!;
      const v = t / L[ri + i]!;
      L[row + i] = v;
      s -= v * v;
    }
    if (!(s > 1e-12 * Math.abs(kss)) || !Number.isFinite(s)) {
      for (let i = 0; i < n; i++) L[row + i] = 0;
      return false;
    }
    L[row + n] = Math.sqrt(s);
    const U = this.upper;
    if (U) for (let i = 0; i <= n; i++) U[i * stride + n] = L[row + i]!;
    this.n = n + 1;
    return true;
  }

  /** K⁻¹ as a full n×n row-major matrix (both triangles), via L⁻¹. O(n³/2). */
  inverse(): Float64Array {
    const { n, stride, data: L } = this;
    const Li = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      const row = i * stride;
      const ri = i * n;
      for (let k = 0; k < i; k++) {
        const l = L[row + k]!;
        if (l === 0) continue;
        const rk = k * n;
        for (let j = 0; j <= k; j++) Li[ri + j] = Li[ri + j]! + l * Li[rk + j]!;
      }
      const inv = 1 / L[row + i]!;
      for (let j = 0; j < i; j++) Li[ri + j] = -Li[ri + j]! * inv;
      Li[ri + i] = inv;
    }
    // K⁻¹ = L⁻ᵀ L⁻¹: accumulate row k's outer product into the lower triangle.
    const out = new Float64Array(n * n);
    for (let k = 0; k < n; k++) {
      const rk = k * n;
      for (let i = 0; i <= k; i++) {
        const a = Li[rk + i]!;
        if (a === 0) continue;
        const ri = i * n;
        for (let j = 0; j <= i; j++) out[ri + j] = out[ri + j]! + a * Li[rk + j]!;
      }
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) out[j * n + i] = out[i * n + j]!;
    return out;
  }
}

/**
 * Row-oriented Cholesky-Crout, two rows by two columns at a time: each pass of the inner loop
 * loads four numbers for four multiply-adds instead of two for one, which roughly halves the
 * time in V8. Returns false when a pivot is not positive.
 */
function factorInto(
  a: Float64Array,
  n: number,
  L: Float64Array,
  stride: number,
  jitter: number,
): boolean {
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const r0 = i * stride;
    const r1 = r0 + stride;
    const a0 = i * n;
    const a1 = a0 + n;
    let j = 0;
    for (; j + 1 < i; j += 2) {
      const c0 = j * stride;
      const c1 = c0 + stride;
      let s00 = a[a0 + j]!;
      let s01 = a[a0 + j + 1]!;
      let s10 = a[a1 + j]!;
      let s11 = a[a1 + j + 1]!;
      for (let k = 0; k < j; k++) {
        const x0 = L[r0 + k]!;
        const x1 = L[r1 + k]!;
        const y0 = L[c0 + k]!;
        const y1 = L[c1 + k]!;
        s00 -= x0 * y0;
        s01 -= x0 * y1;
        s10 -= x1 * y0;
        s11 -= x1 * y1;
      }
      const d0 = L[c0 + j]!;
      const l00 = s00 / d0;
      const l10 = s10 / d0;
      L[r0 + j] = l00;
      L[r1 + j] = l10;
      const b = L[c1 + j]!;
      const d1 = L[c1 + j + 1]!;
      L[r0 + j + 1] = (s01 - l00 * b) / d1;
      L[r1 + j + 1] = (s11 - l10 * b) / d1;
    }
    // The last columns (at most 3 per row pair, including the diagonal) one at a time.
    for (; j <= i + 1; j++) {
      if (!entry(a, n, L, stride, jitter, i, j, r0, a0)) return false;
      if (!entry(a, n, L, stride, jitter, i + 1, j, r1, a1)) return false;
    }
  }
  for (; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      if (!entry(a, n, L, stride, jitter, i, j, i * stride, i * n)) return false;
    }
  }
  return true;
}

/** One entry L_ij (j <= i; a no-op for j > i) by a plain dot product. */
function entry(
  a: Float64Array,
  _n: number,
  L: Float64Array,
  stride: number,
  jitter: number,
  i: number,
  j: number,
  ri: number,
  ai: number,
): boolean {
  if (j > i) return true;
  const rj = j * stride;
  let s = a[ai + j]!;
  for (let k = 0; k < j; k++) s -= L[ri + k]! * L[rj + k]!;
  if (i === j) {
    s += jitter;
    if (!(s > 0) || !Number.isFinite(s)) return false;
    L[ri + i] = Math.sqrt(s);
  } else {
    L[ri + j] = s / L[rj + j]!;
  }
  return true;
}
