import { describe, expect, it } from "vitest";
import { bestSoFar, thinSeries } from "./downsample";

describe("thinSeries", () => {
  it("keeps short series whole", () => {
    expect(thinSeries([1, 2, 3], [3, 2, 1], 10)).toEqual({ steps: [1, 2, 3], values: [3, 2, 1] });
  });

  it("keeps the ends and every bucket's extremes within the budget", () => {
    const n = 10_000;
    const steps = Array.from({ length: n }, (_, i) => i);
    const values = steps.map((i) => Math.sin(i / 50));
    values[4321] = 50; // a spike must survive
    values[777] = -50;
    const thin = thinSeries(steps, values, 200);
    expect(thin.steps.length).toBeLessThanOrEqual(200);
    expect(thin.steps[0]).toBe(0);
    expect(thin.steps.at(-1)).toBe(n - 1);
    expect(thin.values).toContain(50);
    expect(thin.values).toContain(-50);
    for (let i = 1; i < thin.steps.length; i++)
      expect(thin.steps[i]).toBeGreaterThan(thin.steps[i - 1] as number);
  });
});

describe("bestSoFar", () => {
  it("records each improvement and the last trial", () => {
    const trials = [
      { n: 3, value: 5 },
      { n: 1, value: 10 },
      { n: 2, value: null },
      { n: 4, value: 7 },
      { n: 5, value: 1 },
      { n: 6, value: 2 },
    ];
    expect(bestSoFar(trials, "minimize")).toEqual([
      { n: 1, best: 10 },
      { n: 3, best: 5 },
      { n: 5, best: 1 },
      { n: 6, best: 1 },
    ]);
    expect(bestSoFar(trials, "maximize")).toEqual([
      { n: 1, best: 10 },
      { n: 6, best: 10 },
    ]);
    expect(bestSoFar([{ n: 1, value: null }], "maximize")).toEqual([]);
  });
});
