import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../../lib/testing/random";
import { scaleOf } from "./scale";

describe("scaleOf", () => {
  it("maps a linear domain onto pixels, a y axis upside down", () => {
    const x = scaleOf([0, 10], [50, 150]);
    expect([x(0), x(5), x(10), x(-1)]).toEqual([50, 100, 150, 40]);
    const y = scaleOf([0, 1], [200, 8]);
    expect([y(0), y(1), y(0.5)]).toEqual([200, 8, 104]);
  });

  it("maps a log domain by decades, and what it cannot show to NaN", () => {
    const x = scaleOf([1e-5, 1e-1], [0, 400], true);
    expect(x(1e-5)).toBeCloseTo(0, 9);
    expect(x(1e-3)).toBeCloseTo(200, 9);
    expect(x(1e-1)).toBeCloseTo(400, 9);
    expect(x(0)).toBeNaN();
    expect(x(-1)).toBeNaN();
  });

  it("puts a domain of one value in the middle, and inverts it back", () => {
    const x = scaleOf([3, 3], [0, 100]);
    expect(x(3)).toBe(50);
    expect(x.invert(50)).toBe(3);
  });

  it("inverts what it maps, linear and log, over random domains", () => {
    const random = mulberry32(13);
    for (let round = 0; round < 500; round++) {
      const log = random() < 0.5;
      const a = log ? 10 ** (random() * 8 - 6) : random() * 200 - 100;
      const b = a + (log ? a * (1 + random() * 1000) : 0.001 + random() * 100);
      const r0 = random() * 300;
      const r1 = random() < 0.5 ? r0 + 10 + random() * 500 : r0 - 10 - random() * 200;
      const s = scaleOf([a, b], [r0, r1], log);
      const v = log ? a * (b / a) ** random() : a + (b - a) * random();
      const px = s(v);
      expect(Math.min(r0, r1) - 1e-6 <= px && px <= Math.max(r0, r1) + 1e-6).toBe(true);
      expect(s.invert(px)).toBeCloseTo(v, log ? 6 : 9);
      expect(s(a)).toBeCloseTo(r0, 6);
      expect(s(b)).toBeCloseTo(r1, 6);
    }
  });
});
