import { describe, expect, it } from "vitest";
import { minimizeBox } from "./lbfgs";

const rosenbrock = (x: Float64Array, g: Float64Array) => {
  const a = x[0]!;
  const b = x[1]!;
  g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
  g[1] = 200 * (b - a * a);
  return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
};

describe("minimizeBox", () => {
  it("finds the Rosenbrock minimum inside a loose box", () => {
    const r = minimizeBox(rosenbrock, [-1.2, 1], {
      lower: [-5, -5],
      upper: [5, 5],
      maxIter: 500,
      pgtol: 1e-10,
      ftol: 0,
    });
    expect(r.x[0]).toBeCloseTo(1, 4);
    expect(r.x[1]).toBeCloseTo(1, 4);
  });

  it("stops on the bound when the minimum lies outside the box", () => {
    // min (x - 3)² + (y + 1)² over [0, 2] × [0, 2] is at (2, 0).
    const r = minimizeBox(
      (x, g) => {
        g[0] = 2 * (x[0]! - 3);
        g[1] = 2 * (x[1]! + 1);
        return (x[0]! - 3) ** 2 + (x[1]! + 1) ** 2;
      },
      [0.5, 1.5],
      { lower: [0, 0], upper: [2, 2] },
    );
    expect(r.x[0]).toBeCloseTo(2, 8);
    expect(r.x[1]).toBeCloseTo(0, 8);
    expect(r.f).toBeCloseTo(2, 8);
  });

  it("clamps a start outside the box and survives an objective that is infinite in places", () => {
    const r = minimizeBox(
      (x, g) => {
        if (x[0]! > 1.5) return Number.POSITIVE_INFINITY;
        g[0] = 2 * (x[0]! - 1);
        return (x[0]! - 1) ** 2;
      },
      [7],
      { lower: [-1], upper: [1.4] },
    );
    expect(r.x[0]).toBeCloseTo(1, 6);
  });
});
