import { describe, expect, it } from "vitest";
import { Rng } from "../rng";
import { defaultPrior, fitHyperparameters, negLogLikelihood, negLogPrior } from "./fit";
import { kernelMatrix } from "./kernel";
import { Cholesky } from "./linalg";
import { GpPosterior } from "./posterior";

/** Matérn 5/2 written out independently of kernel.ts. */
function k52(a: number, b: number, ell: number, sf2: number): number {
  const r = Math.abs(a - b) / ell;
  return sf2 * (1 + Math.sqrt(5) * r + (5 / 3) * r * r) * Math.exp(-Math.sqrt(5) * r);
}

function randomData(n: number, D: number, seed: number) {
  const rng = new Rng(seed);
  const X = new Float64Array(n * D);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < D; d++) {
      X[i * D + d] = rng.uniform();
      s += Math.sin(3 * X[i * D + d]! * (d + 1));
    }
    y[i] = s + 0.1 * rng.normal();
  }
  return { X, y, n, D };
}

describe("GP posterior", () => {
  it("matches the closed form for two points in 1-D", () => {
    const ell = 0.3;
    const sf2 = 1.7;
    const sn2 = 0.01;
    const x1 = 0.2;
    const x2 = 0.6;
    const y1 = 1.0;
    const y2 = -0.5;
    const gp = GpPosterior.create(
      Float64Array.of(x1, x2),
      Float64Array.of(y1, y2),
      2,
      1,
      [Math.log(ell), Math.log(sf2), Math.log(sn2)],
      0,
    )!;
    // K⁻¹ of [[a, b], [b, a]] is [[a, -b], [-b, a]] / (a² - b²).
    const a = sf2 + sn2;
    const b = k52(x1, x2, ell, sf2);
    const det = a * a - b * b;
    for (const xs of [0.1, 0.35, 0.6, 0.95]) {
      const k1 = k52(xs, x1, ell, sf2);
      const k2 = k52(xs, x2, ell, sf2);
      const w1 = (a * k1 - b * k2) / det;
      const w2 = (-b * k1 + a * k2) / det;
      const mean = w1 * y1 + w2 * y2;
      const variance = sf2 - (w1 * k1 + w2 * k2);
      const mu = new Float64Array(1);
      const v = new Float64Array(1);
      gp.predictMany(Float64Array.of(xs), 1, mu, v);
      expect(mu[0]).toBeCloseTo(mean, 12);
      expect(v[0]).toBeCloseTo(variance, 12);
      const g = gp.predictWithGradient([xs], new Float64Array(1), new Float64Array(1));
      expect(g.mu).toBeCloseTo(mean, 12);
      expect(g.variance).toBeCloseTo(variance, 12);
    }
  });

  it("gives mean and variance gradients that match finite differences", () => {
    const { X, y, n, D } = randomData(12, 3, 4);
    const gp = GpPosterior.create(X, y, n, D, [-1, -0.5, 0.2, 0.3, -5], 2)!;
    gp.hallucinate([0.4, 0.4, 0.4]);
    const x = [0.31, 0.72, 0.18];
    const dmu = new Float64Array(D);
    const dvar = new Float64Array(D);
    gp.predictWithGradient(x, dmu, dvar);
    const h = 1e-6;
    for (let d = 0; d < D; d++) {
      const xp = [...x];
      const xm = [...x];
      xp[d]! += h;
      xm[d]! -= h;
      const p = gp.predictWithGradient(xp, new Float64Array(D), new Float64Array(D));
      const m = gp.predictWithGradient(xm, new Float64Array(D), new Float64Array(D));
      expect(dmu[d]).toBeCloseTo((p.mu - m.mu) / (2 * h), 5);
      expect(dvar[d]).toBeCloseTo((p.variance - m.variance) / (2 * h), 5);
    }
  });

  it("shrinks the variance around a hallucinated point and leaves the mean alone", () => {
    const { X, y, n, D } = randomData(10, 2, 1);
    const gp = GpPosterior.create(X, y, n, D, [-1, -1, 0, -14], 1)!;
    const at = Float64Array.of(0.5, 0.5, 0.52, 0.5, 0.95, 0.05);
    const mu0 = new Float64Array(3);
    const v0 = new Float64Array(3);
    gp.predictMany(at, 3, mu0, v0);
    expect(gp.hallucinate([0.5, 0.5])).toBe(true);
    const mu1 = new Float64Array(3);
    const v1 = new Float64Array(3);
    gp.predictMany(at, 3, mu1, v1);
    for (let i = 0; i < 3; i++) expect(mu1[i]).toBeCloseTo(mu0[i]!, 12);
    expect(v1[0]!).toBeLessThan(1e-3 * v0[0]!);
    expect(v1[1]!).toBeLessThan(0.5 * v0[1]!);
    expect(v1[2]!).toBeGreaterThan(0.9 * v0[2]!);
  });
});

describe("log marginal likelihood", () => {
  it.each([false, true])(
    "has an analytic gradient that matches finite differences in every hyperparameter (constant mean: %s)",
    (constantMean) => {
      const data = { ...randomData(15, 3, 7), constantMean };
      for (let i = 0; i < data.n; i++) data.y[i]! += 2; // an offset the constant mean absorbs
      const theta = Float64Array.of(-1.2, -0.4, 0.5, 0.3, -3);
      const grad = new Float64Array(5);
      negLogLikelihood(theta, data, grad);
      const h = 1e-5;
      for (let j = 0; j < theta.length; j++) {
        const tp = theta.slice();
        const tm = theta.slice();
        tp[j]! += h;
        tm[j]! -= h;
        const fd = (negLogLikelihood(tp, data) - negLogLikelihood(tm, data)) / (2 * h);
        expect(grad[j]).toBeCloseTo(fd, 4);
      }
    },
  );

  it("has the same gradient check with length-scales shared by dimensions (a choice's block)", () => {
    // Dimension 0 a range, dimensions 1-3 the one-hot block of a 3-valued choice.
    const rng = new Rng(11);
    const n = 14;
    const D = 4;
    const X = new Float64Array(n * D);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      X[i * D] = rng.uniform();
      const v = rng.int(3);
      X[i * D + 1 + v] = 1;
      y[i] = Math.sin(4 * X[i * D]!) + v;
    }
    const map = {
      G: 2,
      group: Int32Array.of(0, 1, 1, 1),
      factor: Float64Array.of(1, 0.5, 0.5, 0.5),
    };
    const data = { X, y, n, D, constantMean: true, map };
    const theta = Float64Array.of(-1, 0.2, 0.4, -4);
    const grad = new Float64Array(4);
    negLogLikelihood(theta, data, grad);
    const h = 1e-5;
    for (let j = 0; j < theta.length; j++) {
      const tp = theta.slice();
      const tm = theta.slice();
      tp[j]! += h;
      tm[j]! -= h;
      const fd = (negLogLikelihood(tp, data) - negLogLikelihood(tm, data)) / (2 * h);
      expect(grad[j]).toBeCloseTo(fd, 4);
    }
    // Hamming-type: any two different values of the choice are equally correlated, at the
    // correlation of the two ends of a range with the same length-scale.
    const gp = GpPosterior.create(X, y, n, D, theta, 0, true, map)!;
    const at = (v: number) =>
      Float64Array.from([0.5, 0, 0, 0].map((x, d) => (d === v + 1 ? 1 : x)));
    const c01 = gp.correlation(at(0), at(1));
    expect(gp.correlation(at(0), at(2))).toBeCloseTo(c01, 12);
    expect(gp.correlation(at(1), at(2))).toBeCloseTo(c01, 12);
    const ends = GpPosterior.create(X, y, n, D, [0.2, 0.2, 0.2, 0.2, 0, -4], 0, true)!;
    expect(c01).toBeCloseTo(
      ends.correlation(Float64Array.of(0, 0, 0, 0), Float64Array.of(1, 0, 0, 0)),
      12,
    );
  });

  it("estimates a constant mean that beats 0 for offset data and predicts it far away", () => {
    const data = randomData(15, 2, 3);
    for (let i = 0; i < data.n; i++) data.y[i]! += 5;
    const theta = Float64Array.of(-1.5, -1.5, 0, -4);
    const zero = negLogLikelihood(theta, data);
    const fitted = negLogLikelihood(theta, { ...data, constantMean: true });
    expect(fitted).toBeLessThan(zero);
    const gp = GpPosterior.create(data.X, data.y, data.n, 2, theta, 0, true)!;
    expect(gp.mean).toBeGreaterThan(3);
    const mu = new Float64Array(1);
    const v = new Float64Array(1);
    gp.predictMany(Float64Array.of(40, 40), 1, mu, v); // far outside the data
    expect(mu[0]).toBeCloseTo(gp.mean, 6);
  });

  it("adds a prior whose gradient matches finite differences", () => {
    const prior = defaultPrior(2);
    const theta = Float64Array.of(0.3, -2, 1, -9);
    const grad = new Float64Array(4);
    negLogPrior(theta, 2, prior, grad);
    const h = 1e-6;
    for (let j = 0; j < 4; j++) {
      const tp = theta.slice();
      const tm = theta.slice();
      tp[j]! += h;
      tm[j]! -= h;
      const fd = (negLogPrior(tp, 2, prior) - negLogPrior(tm, 2, prior)) / (2 * h);
      expect(grad[j]).toBeCloseTo(fd, 6);
    }
  });

  it("finds a short length-scale for a relevant dimension and a long one for an irrelevant one", () => {
    const rng = new Rng(3);
    const n = 40;
    const X = new Float64Array(n * 2);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      X[2 * i] = rng.uniform();
      X[2 * i + 1] = rng.uniform();
      y[i] = Math.sin(8 * X[2 * i]!);
    }
    const prior = defaultPrior(2);
    const r = fitHyperparameters(
      { X, y, n, D: 2 },
      { prior, starts: [Float64Array.of(0, 0, 0, -3)], maxIter: 200 },
    );
    expect(Math.exp(r.theta[0]!)).toBeLessThan(1);
    expect(Math.exp(r.theta[1]!)).toBeGreaterThan(5 * Math.exp(r.theta[0]!));
    expect(Math.exp(r.theta[3]!)).toBeLessThan(1e-2); // noiseless data: little noise
  });
});

describe("Cholesky", () => {
  it("factors and solves a well-conditioned matrix without jitter", () => {
    const { X, n, D } = randomData(20, 2, 2);
    const w = Float64Array.of(10, 10);
    const K = kernelMatrix(X, n, D, w, 1, 0.1);
    const chol = Cholesky.factor(K, n)!;
    expect(chol.jitter).toBe(0);
    const b = Float64Array.from({ length: n }, (_, i) => Math.cos(i));
    const x = chol.solve(b);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += K[i * n + j]! * x[j]!;
      expect(s).toBeCloseTo(b[i]!, 10);
    }
    const inv = chol.inverse();
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += inv[i * n + k]! * K[k * n + j]!;
        expect(s).toBeCloseTo(i === j ? 1 : 0, 8);
      }
    }
  });

  it("adds growing jitter to a singular matrix and still factors it", () => {
    // Two identical points and no noise: K is exactly singular.
    const X = Float64Array.of(0.3, 0.3, 0.7);
    const K = kernelMatrix(X, 3, 1, Float64Array.of(4), 1, 0);
    const chol = Cholesky.factor(K, 3)!;
    expect(chol).not.toBeNull();
    expect(chol.jitter).toBeGreaterThan(0);
    expect(chol.jitter).toBeLessThan(1e-4);
    const L = chol.data;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = 0; k <= j; k++) s += L[i * 3 + k]! * L[j * 3 + k]!;
        expect(s).toBeCloseTo(K[i * 3 + j]! + (i === j ? chol.jitter : 0), 12);
      }
    }
  });

  it("returns null for a matrix with NaN", () => {
    expect(Cholesky.factor(Float64Array.of(1, Number.NaN, Number.NaN, 1), 2)).toBeNull();
  });

  it("grows by a row exactly as a fresh factorization would, and refuses a duplicate", () => {
    const { X, n, D } = randomData(9, 2, 5);
    const w = Float64Array.of(5, 5);
    const full = kernelMatrix(X, n, D, w, 1, 0);
    const fresh = Cholesky.factor(full, n)!;
    const m = n - 1;
    const small = kernelMatrix(X.subarray(0, m * D), m, D, w, 1, 0);
    const grown = Cholesky.factor(small, m, 2)!;
    const k = Float64Array.from({ length: m }, (_, i) => full[m * n + i]!);
    expect(grown.append(k, full[m * n + m]!)).toBe(true);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        expect(grown.data[i * grown.stride + j]).toBeCloseTo(fresh.data[i * n + j]!, 12);
      }
    }
    // A point identical to row 0 (no noise) has a zero pivot.
    const dup = Float64Array.from({ length: n }, (_, i) => full[i]!);
    expect(grown.append(dup, 1)).toBe(false);
    expect(grown.n).toBe(n);
  });
});

describe("Cholesky transpose", () => {
  it("solves Lᵀ w = v the same with and without the transposed copy, also after append", () => {
    const { X, n, D } = randomData(12, 2, 8);
    const K = kernelMatrix(X, n, D, Float64Array.of(6, 6), 1, 1e-2);
    const m = n - 1;
    const a = Cholesky.factor(kernelMatrix(X, m, D, Float64Array.of(6, 6), 1, 1e-2), m, 1)!;
    const b = Cholesky.factor(kernelMatrix(X, m, D, Float64Array.of(6, 6), 1, 1e-2), m, 1)!;
    b.keepTranspose();
    const k = Float64Array.from({ length: m }, (_, i) => K[m * n + i]!);
    a.append(k, K[m * n + m]!);
    b.append(k, K[m * n + m]!);
    const v = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
    const wa = a.solveUpperInPlace(v.slice());
    const wb = b.solveUpperInPlace(v.slice());
    for (let i = 0; i < n; i++) expect(wb[i]).toBeCloseTo(wa[i]!, 12);
    // And K⁻¹ v through both solves agrees with the full matrix.
    const x = b.solve(v);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += K[i * n + j]! * x[j]!;
      expect(s).toBeCloseTo(v[i]!, 9);
    }
  });
});

describe("GpPosterior.predictMean", () => {
  it("gives predictMany's mean", () => {
    const D = 2;
    const n = 12;
    const X = new Float64Array(n * D).map((_, i) => ((i * 7919) % 97) / 97);
    const y = new Float64Array(n).map((_, i) => Math.sin(3 * X[2 * i]!) + X[2 * i + 1]!);
    const gp = GpPosterior.create(X, y, n, D, [Math.log(0.4), Math.log(0.6), 0, -6], 0, true)!;
    const xs = new Float64Array(10 * D).map((_, i) => ((i * 31) % 17) / 17);
    const a = new Float64Array(10);
    const v = new Float64Array(10);
    const b = new Float64Array(10);
    gp.predictMany(xs, 10, a, v);
    gp.predictMean(xs, 10, b);
    for (let i = 0; i < 10; i++) expect(b[i]!).toBeCloseTo(a[i]!, 10);
  });
});
