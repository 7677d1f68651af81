import { describe, expect, it } from "vitest";
import { logTicks, metricAxis, placeOnAxis } from "./metric-axis";

// A Branin search: most values near the optimum (0.398), one far out.
const branin = [0.41, 0.45, 0.5, 0.62, 0.8, 1.1, 1.4, 2.2, 3.1, 4.0, 5.5, 170];

describe("metricAxis", () => {
  it("clips the bad side at Tukey's fence, never the good side, and counts what it clipped", () => {
    const min = metricAxis(branin, "minimize", { log: false, clip: true });
    expect(min.lo).toBe(0.41);
    expect(min.hi).toBeLessThan(12);
    expect(min.hi).toBeGreaterThanOrEqual(5.5);
    expect(min.clipped).toBe(1);
    expect(min.clippedAt).toBe("hi");
    expect(placeOnAxis(min, 170)).toEqual({ y: min.hi, clipped: true });
    expect(placeOnAxis(min, 0.41)).toEqual({ y: 0.41, clipped: false });
    // Maximizing, the same outlier is the best value: kept, nothing clipped on that side.
    const max = metricAxis(branin, "maximize", { log: false, clip: true });
    expect(max.hi).toBe(170);
    const accuracies = [0.91, 0.92, 0.925, 0.93, 0.935, 0.94, 0.1];
    const acc = metricAxis(accuracies, "maximize", { log: false, clip: true });
    expect(acc.clippedAt).toBe("lo");
    expect(acc.lo).toBeGreaterThan(0.8);
    expect(acc.hi).toBe(0.94);
  });

  it("leaves well-behaved values alone and unclipped", () => {
    const plain = [1, 2, 3, 4, 5, 6, 7, 8];
    const a = metricAxis(plain, "minimize", { log: false, clip: true });
    expect([a.lo, a.hi, a.clipped, a.clippedAt]).toEqual([1, 8, 0, null]);
  });

  it("takes a log scale for positive values and refuses it, saying why, otherwise", () => {
    const log = metricAxis(branin, "minimize", { log: true, clip: false });
    expect(log.log).toBe(true);
    expect(log.logRefused).toBeNull();
    expect([log.lo, log.hi]).toEqual([0.41, 170]);
    const refused = metricAxis([-1, 0, 2, 3], "minimize", { log: true, clip: false });
    expect(refused.log).toBe(false);
    expect(refused.logRefused).toBe("log scale needs positive values: 2 are ≤ 0");
    expect(refused.lo).toBe(-1);
  });

  it("clips on the log scale in log space", () => {
    const wide = [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 1e6];
    const a = metricAxis(wide, "minimize", { log: true, clip: true });
    expect(a.log).toBe(true);
    expect(a.clipped).toBe(1);
    expect(a.hi).toBeLessThan(10);
    expect(a.hi).toBeGreaterThan(1e-2);
  });

  it("gives a non-empty domain for one value or none", () => {
    for (const values of [[], [3], [3, 3]]) {
      const a = metricAxis(values, "minimize", { log: false, clip: true });
      expect(a.hi).toBeGreaterThan(a.lo);
    }
    const one = metricAxis([0.5], "minimize", { log: true, clip: false });
    expect(one.hi).toBeGreaterThan(one.lo);
    expect(one.lo).toBeGreaterThan(0);
  });
});

describe("logTicks", () => {
  it("uses 1-2-5 within two decades and powers of ten beyond", () => {
    expect(logTicks(0.41, 5.5)).toEqual([0.5, 1, 2, 5]);
    expect(logTicks(1e-4, 170)).toEqual([0.0001, 0.001, 0.01, 0.1, 1, 10, 100]);
  });
});
