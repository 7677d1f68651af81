import { describe, expect, it } from "vitest";
import { GpPosterior } from "../gp/posterior";
import { Rng } from "../rng";
import { normCdf, normPdf } from "../stats";
import {
  type AcquisitionSpec,
  acquisitionLoss,
  acquisitionLossGrad,
  type Penalizer,
  penalizedLoss,
} from "./functions";
import { optimizeAcquisition } from "./optimize";

function model(seed: number) {
  const rng = new Rng(seed);
  const n = 10;
  const D = 2;
  const X = new Float64Array(n * D);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    X[i * D] = rng.uniform();
    X[i * D + 1] = rng.uniform();
    y[i] = (X[i * D]! - 0.3) ** 2 + (X[i * D + 1]! - 0.7) ** 2;
  }
  return GpPosterior.create(X, y, n, D, [-1.5, -1.5, -2, -10], 0)!;
}

describe("acquisition losses", () => {
  it("UCB is μ - κσ and log-EI matches the closed form", () => {
    const ucb: AcquisitionSpec = { kind: "ucb", kappa: 2, best: 0 };
    expect(acquisitionLoss(ucb, 1.5, 0.25)).toBeCloseTo(1.5 - 2 * 0.5, 12);
    const ei: AcquisitionSpec = { kind: "ei", kappa: 0, best: 0.2 };
    for (const [mu, v] of [
      [0.5, 0.09],
      [-0.3, 1],
      [1, 0.04],
    ] as const) {
      const s = Math.sqrt(v);
      const u = (0.2 - mu) / s;
      const expected = s * (normPdf(u) + u * normCdf(u));
      expect(-acquisitionLoss(ei, mu, v)).toBeCloseTo(Math.log(expected), 6);
    }
  });

  it("log-EI stays accurate, finite and continuous far below the incumbent", () => {
    const ei: AcquisitionSpec = { kind: "ei", kappa: 0, best: 0 };
    const at = (u: number) => acquisitionLoss(ei, -u, 1);
    expect(at(-1.999999999)).toBeCloseTo(at(-2.000000001), 7);
    // h(u) = ∫_{-∞}^{u} Φ(t) dt, by the trapezoid rule on a fine grid (Φ is accurate enough here).
    for (const u of [-6, -9]) {
      let integral = 0;
      const step = 1e-4;
      for (let k = 0; k < 6 / step; k++) {
        const t = u - 6 + k * step;
        integral += 0.5 * step * (normCdf(t) + normCdf(t + step));
      }
      expect(-at(u)).toBeCloseTo(Math.log(integral), 3);
    }
    expect(Number.isFinite(at(-40))).toBe(true);
    expect(at(-40)).toBeGreaterThan(at(-20)); // further below is worse
  });

  it("has gradients that match finite differences (UCB and EI)", () => {
    const gp = model(1);
    const D = 2;
    for (const spec of [
      { kind: "ucb", kappa: 1.7, best: 0 },
      { kind: "ei", kappa: 0, best: -0.9 },
    ] as AcquisitionSpec[]) {
      const x = [0.41, 0.28];
      const dmu = new Float64Array(D);
      const dvar = new Float64Array(D);
      const grad = new Float64Array(D);
      const { mu, variance } = gp.predictWithGradient(x, dmu, dvar);
      acquisitionLossGrad(spec, mu, variance, dmu, dvar, grad);
      const loss = (z: number[]) => {
        const p = gp.predictWithGradient(z, new Float64Array(D), new Float64Array(D));
        return acquisitionLoss(spec, p.mu, p.variance);
      };
      const h = 1e-6;
      for (let d = 0; d < D; d++) {
        const xp = [...x];
        const xm = [...x];
        xp[d]! += h;
        xm[d]! -= h;
        expect(grad[d]).toBeCloseTo((loss(xp) - loss(xm)) / (2 * h), 4);
      }
    }
  });
});

describe("local penalization", () => {
  const gp = model(4);
  const D = 2;
  const pen: Penalizer = {
    centres: [Float64Array.of(0.3, 0.6), Float64Array.of(0.7, 0.2)],
    mu: [0.05, 0.4],
    sigma: [0.1, 0.3],
    lipschitz: 2,
    best: 0.01,
    w: gp.w,
  };
  const loss = (spec: AcquisitionSpec, x: number[]) => {
    const p = gp.predictWithGradient(x, new Float64Array(D), new Float64Array(D));
    return penalizedLoss(spec, pen, x, acquisitionLoss(spec, p.mu, p.variance));
  };

  it("has a gradient that matches finite differences (UCB and EI)", () => {
    for (const spec of [
      { kind: "ucb", kappa: 1.5, best: 0.01 },
      { kind: "ei", kappa: 0, best: 0.01 },
    ] as AcquisitionSpec[]) {
      const x = [0.42, 0.51];
      const dmu = new Float64Array(D);
      const dvar = new Float64Array(D);
      const g = new Float64Array(D);
      const { mu, variance } = gp.predictWithGradient(x, dmu, dvar);
      const base = acquisitionLossGrad(spec, mu, variance, dmu, dvar, g);
      const grad = new Float64Array(D);
      penalizedLoss(spec, pen, x, base, g, grad);
      const h = 1e-6;
      for (let d = 0; d < D; d++) {
        const xp = [...x];
        const xm = [...x];
        xp[d]! += h;
        xm[d]! -= h;
        expect(grad[d]).toBeCloseTo((loss(spec, xp) - loss(spec, xm)) / (2 * h), 4);
      }
    }
  });

  it("penalizes most at a point in flight and fades with distance", () => {
    const spec: AcquisitionSpec = { kind: "ucb", kappa: 1.5, best: 0.01 };
    const at = (x: number[]) => {
      const p = gp.predictWithGradient(x, new Float64Array(D), new Float64Array(D));
      return (
        loss(spec, x) -
        penalizedLoss(spec, { ...pen, centres: [] }, x, acquisitionLoss(spec, p.mu, p.variance))
      );
    };
    expect(at([0.3, 0.6])).toBeGreaterThan(at([0.35, 0.6]));
    expect(at([0.35, 0.6])).toBeGreaterThan(at([0.5, 0.95]));
    expect(at([0.5, 0.95])).toBeGreaterThanOrEqual(0);
  });
});

describe("optimizeAcquisition", () => {
  it("lands on the model's minimum when κ = 0, far more precisely than its sweep", () => {
    const gp = model(2);
    const choice = optimizeAcquisition({
      gp,
      spec: { kind: "ucb", kappa: 0, best: 0 },
      continuous: Uint8Array.of(1, 1),
      rng: new Rng(1),
      anchors: [],
      accept: () => true,
      sweep: 64,
      localAnchors: 0,
      localPoints: 0,
      starts: 3,
      maxIter: 100,
    })!;
    // The posterior mean's own minimum, found by brute force on a fine grid around it.
    let best = Number.POSITIVE_INFINITY;
    const mu = new Float64Array(1);
    const v = new Float64Array(1);
    for (let i = 0; i <= 200; i++) {
      for (let j = 0; j <= 200; j++) {
        gp.predictMany(Float64Array.of(i / 200, j / 200), 1, mu, v);
        best = Math.min(best, mu[0]!);
      }
    }
    expect(choice.loss).toBeLessThanOrEqual(best + 1e-9);
    expect(choice.x[0]).toBeCloseTo(0.3, 1);
    expect(choice.x[1]).toBeCloseTo(0.7, 1);
  });

  it("returns the best acceptable point, or null when nothing is acceptable", () => {
    const gp = model(3);
    const base = {
      gp,
      spec: { kind: "ucb" as const, kappa: 0, best: 0 },
      continuous: Uint8Array.of(1, 1),
      rng: new Rng(1),
      anchors: [],
      sweep: 128,
      localAnchors: 0,
      localPoints: 0,
      starts: 2,
      maxIter: 50,
    };
    const right = optimizeAcquisition({ ...base, accept: (u) => u[0]! > 0.8 })!;
    expect(right.x[0]).toBeGreaterThan(0.8);
    expect(optimizeAcquisition({ ...base, accept: () => false })).toBeNull();
  });
});

describe("normal distribution", () => {
  it("computes Φ to near double precision across the line", () => {
    // Reference values (R: sprintf("%.17g", pnorm(z))).
    const ref: [number, number][] = [
      [0, 0.5],
      [1, 0.84134474606854293],
      [-1, 0.15865525393145707],
      [-2.5, 0.0062096653257761323],
      [-3, 0.0013498980316300946],
      [-6, 9.8658764503769458e-10],
      [-10, 7.6198530241605269e-24],
    ];
    for (const [z, p] of ref) expect(Math.abs(normCdf(z) - p) / p).toBeLessThan(1e-12);
  });
});
