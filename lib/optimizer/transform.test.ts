import { describe, expect, it } from "vitest";
import {
  fitYeoJohnson,
  standardize,
  warpInverse,
  warpOutputs,
  yeoJohnson,
  yeoJohnsonInverse,
} from "./transform";

const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
const sd = (a: ArrayLike<number>) => {
  const m = mean(a);
  return Math.sqrt(Array.from(a).reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
};

describe("output warping", () => {
  it("Yeo-Johnson is the identity at λ = 1 and log-like at λ = 0", () => {
    for (const y of [-3, -0.2, 0, 0.7, 12]) expect(yeoJohnson(y, 1)).toBeCloseTo(y, 12);
    expect(yeoJohnson(9, 0)).toBeCloseTo(Math.log(10), 12);
    expect(yeoJohnson(-9, 2)).toBeCloseTo(-Math.log(10), 12);
  });

  it("picks λ < 1 for a heavy upper tail and λ ≈ 1 for Gaussian-looking values", () => {
    const heavy = standardize(Array.from({ length: 40 }, (_, i) => Math.exp(i / 4)));
    expect(fitYeoJohnson(heavy)).toBeLessThan(0.5);
    // Normal quantiles: already Gaussian.
    const normalish = standardize(
      Array.from({ length: 41 }, (_, i) => Math.sign(i - 20) * Math.sqrt(Math.abs(i - 20)) * 0.5),
    );
    expect(Math.abs(fitYeoJohnson(normalish) - 1)).toBeLessThan(0.6);
  });

  it("keeps the order of values and standardizes the result", () => {
    const y = [3, 1e6, 2, 50, 7, 1e3, 4.5];
    for (const kind of ["standardize", "yeo-johnson", "rank"] as const) {
      const z = warpOutputs(y, kind);
      expect(mean(z)).toBeCloseTo(0, 10);
      expect(sd(z)).toBeCloseTo(1, 10);
      for (let i = 0; i < y.length; i++) {
        for (let j = 0; j < y.length; j++) {
          if (y[i]! < y[j]!) expect(z[i]!).toBeLessThan(z[j]!);
        }
      }
    }
    // The warp pulls the outlier in: the gap between the two best values grows.
    const plain = warpOutputs(y, "standardize");
    const warped = warpOutputs(y, "yeo-johnson");
    expect(warped[0]! - warped[2]!).toBeGreaterThan(3 * (plain[0]! - plain[2]!));
  });

  it("leaves constant and tiny inputs finite", () => {
    for (const y of [[], [5], [2, 2, 2, 2]]) {
      for (const z of warpOutputs(y, "yeo-johnson")) expect(Number.isFinite(z)).toBe(true);
    }
    expect(Array.from(warpOutputs([2, 2, 2], "yeo-johnson"))).toEqual([0, 0, 0]);
  });
});

describe("warpInverse", () => {
  it("undoes warpOutputs for every warp, on skewed and plain values", () => {
    const skewed = [0.1, 0.2, 0.25, 0.4, 0.5, 1, 2, 3, 170];
    const plain = [1, 2, 3, 4, 5, 6];
    for (const y of [skewed, plain]) {
      for (const kind of ["standardize", "yeo-johnson", "rank"] as const) {
        const z = warpOutputs(y, kind);
        const back = warpInverse(y, kind);
        y.forEach((v, i) => {
          expect(back(z[i]!)).toBeCloseTo(v, 6);
        });
      }
    }
  });

  it("inverts yeoJohnson on both sides of 0 and for the log-like λ", () => {
    for (const lambda of [-1, 0, 0.5, 1, 2, 2.5])
      for (const y of [-3, -0.5, 0, 0.7, 4])
        expect(yeoJohnsonInverse(yeoJohnson(y, lambda), lambda)).toBeCloseTo(y, 9);
  });
});
