/**
 * Box-constrained minimization by projected L-BFGS: the two-loop recursion gives a quasi-Newton
 * direction, components that would push a variable through the bound it sits on are dropped, and
 * a backtracking Armijo search runs along the projected path. Simpler than full L-BFGS-B (no
 * Cauchy point / subspace step) and, for the smooth low-dimensional problems here (GP
 * hyperparameters, acquisition functions in the unit cube), just as good.
 *
 * Glossary: x = current point (length N); g = gradient; lo/hi = bounds; s_k, y_k = the last m
 * steps and gradient changes; rho_k = 1/(y_k·s_k).
 */

/** Writes ∇f(x) into grad and returns f(x). May return Infinity/NaN for "not here". */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface BoxOptions {
  lower: ArrayLike<number>;
  upper: ArrayLike<number>;
  maxIter?: number;
  /** Stop when no projected-gradient component exceeds this. */
  pgtol?: number;
  /** Stop when an iteration improves f by less than ftol·max(1, |f|). */
  ftol?: number;
  memory?: number;
}

export interface BoxResult {
  x: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
}

export function minimizeBox(fg: Objective, x0: ArrayLike<number>, opts: BoxOptions): BoxResult {
  const N = x0.length;
  const { lower, upper } = opts;
  const maxIter = opts.maxIter ?? 100;
  const pgtol = opts.pgtol ?? 1e-6;
  const ftol = opts.ftol ?? 1e-10;
  const m = opts.memory ?? 7;

  const clampInto = (src: ArrayLike<number>, out: Float64Array): Float64Array => {
    for (let i = 0; i < N; i++) {
      const v = src[i]!;
      out[i] =
        v < lower[i]! ? lower[i]! : v > upper[i]! ? upper[i]! : Number.isNaN(v) ? lower[i]! : v;
    }
    return out;
  };

  let x: Float64Array = clampInto(x0, new Float64Array(N));
  let g: Float64Array = new Float64Array(N);
  let f = fg(x, g);
  let evaluations = 1;
  if (!Number.isFinite(f)) return { x, f, iterations: 0, evaluations };

  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  const d = new Float64Array(N);
  let xn: Float64Array = new Float64Array(N);
  let gn: Float64Array = new Float64Array(N);
  let iterations = 0;

  for (; iterations < maxIter; iterations++) {
    // A variable on a bound whose gradient pushes outward is held fixed this iteration.
    let pgMax = 0;
    for (let i = 0; i < N; i++) {
      const gi = g[i]!;
      const fixed = (x[i]! <= lower[i]! && gi > 0) || (x[i]! >= upper[i]! && gi < 0);
      if (!fixed && Math.abs(gi) > pgMax) pgMax = Math.abs(gi);
    }
    if (pgMax < pgtol) break;

    // Two-loop recursion: d = -H g.
    for (let i = 0; i < N; i++) d[i] = -g[i]!;
    const k = S.length;
    for (let j = k - 1; j >= 0; j--) {
      const a = rho[j]! * dot(S[j]!, d);
      alpha[j] = a;
      axpy(-a, Y[j]!, d);
    }
    if (k > 0) {
      const yy = dot(Y[k - 1]!, Y[k - 1]!);
      const gamma = 1 / (rho[k - 1]! * yy);
      for (let i = 0; i < N; i++) d[i] = d[i]! * gamma;
    }
    for (let j = 0; j < k; j++) {
      const b = rho[j]! * dot(Y[j]!, d);
      axpy(alpha[j]! - b, S[j]!, d);
    }
    let dg = 0;
    for (let i = 0; i < N; i++) {
      const gi = g[i]!;
      if ((x[i]! <= lower[i]! && d[i]! < 0) || (x[i]! >= upper[i]! && d[i]! > 0)) d[i] = 0;
      dg += d[i]! * gi;
    }
    if (!(dg < 0)) {
      // Not a descent direction (curvature memory gone stale): restart from steepest descent.
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      dg = 0;
      for (let i = 0; i < N; i++) {
        const gi = g[i]!;
        const fixed = (x[i]! <= lower[i]! && gi > 0) || (x[i]! >= upper[i]! && gi < 0);
        d[i] = fixed ? 0 : -gi;
        dg += d[i]! * gi;
      }
      if (!(dg < 0)) break;
    }

    // First step of a fresh memory: scale so the move is at most ~1 unit in the largest coord.
    let t = 1;
    if (S.length === 0) {
      let dmax = 0;
      for (let i = 0; i < N; i++) dmax = Math.max(dmax, Math.abs(d[i]!));
      t = dmax > 0 ? Math.min(1, 1 / dmax) : 1;
    }
    let fn = Number.NaN;
    let accepted = false;
    for (let ls = 0; ls < 30; ls++) {
      for (let i = 0; i < N; i++) xn[i] = x[i]! + t * d[i]!;
      clampInto(xn, xn);
      let decrease = 0;
      for (let i = 0; i < N; i++) decrease += g[i]! * (xn[i]! - x[i]!);
      fn = fg(xn, gn);
      evaluations++;
      if (Number.isFinite(fn) && fn <= f + 1e-4 * decrease) {
        accepted = true;
        break;
      }
      // Backtrack to the minimum of the quadratic through f(x), its slope and f(x + t d),
      // kept within [0.1 t, 0.5 t]; plain halving when f(x + t d) is not finite.
      let next = 0.5 * t;
      if (Number.isFinite(fn) && decrease < 0) {
        const q = (-decrease * t) / (2 * (fn - f - decrease));
        if (q > 0.1 * t && q < 0.5 * t) next = q;
        else if (q <= 0.1 * t) next = 0.1 * t;
      }
      t = next;
    }
    if (!accepted) break;

    const s = new Float64Array(N);
    const y = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      s[i] = xn[i]! - x[i]!;
      y[i] = gn[i]! - g[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    const fPrev = f;
    [x, xn] = [xn, x];
    [g, gn] = [gn, g];
    f = fn;
    if (fPrev - f < ftol * Math.max(1, Math.abs(f))) {
      iterations++;
      break;
    }
  }
  return { x, f, iterations, evaluations };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] = y[i]! + a * x[i]!;
}
