import { describe, expect, it } from "vitest";
import { Rng } from "../optimizer/rng";
import { type SeriesPoint, StepSeries } from "./series";

/** The rule the series keeps, written plainly: finite points, the latest at a step, by step. */
function reference(points: readonly SeriesPoint[]): SeriesPoint[] {
  const byStep = new Map<number, number>();
  for (const p of points)
    if (Number.isFinite(p.step) && Number.isFinite(p.value)) byStep.set(p.step, p.value);
  return [...byStep].sort((a, b) => a[0] - b[0]).map(([step, value]) => ({ step, value }));
}

const firstAtOrAfter = (points: readonly SeriesPoint[], s: number) =>
  points.find((p) => p.step >= s)?.value;

describe("StepSeries", () => {
  it("keeps the latest finite value at each step, in ascending steps", () => {
    const s = StepSeries.of([
      { step: 0, value: 1 },
      { step: 2, value: 0.5 },
      { step: 2, value: 0.6 }, // the same step again: the later wins
      { step: 1, value: 0.8 }, // back to an earlier step
      { step: 3, value: Number.NaN }, // passed over
      { step: Number.POSITIVE_INFINITY, value: 0.1 }, // passed over
      { step: 0, value: 0.9 }, // an earlier step printed again, after the others
    ]);
    expect(s.points()).toEqual([
      { step: 0, value: 0.9 },
      { step: 1, value: 0.8 },
      { step: 2, value: 0.6 },
    ]);
    expect(s.lastStep()).toBe(2);
    expect(s.valueAt(1.5)).toBe(0.6);
    expect(s.valueAt(3)).toBeUndefined();
    expect(s.best("minimize")).toBe(0.6);
    expect(s.best("maximize")).toBe(0.9);
    expect(new StepSeries().lastStep()).toBeUndefined();
    expect(new StepSeries().best("minimize")).toBeUndefined();
  });

  it("reads as the plain rule does, whatever the order points come in and whenever it is read", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rng = new Rng(seed);
      const n = rng.int(81);
      const order = seed % 4; // rising, falling, shuffled, rising with returns
      const points: SeriesPoint[] = [];
      for (let i = 0; i < n; i++) {
        const step =
          order === 0
            ? i
            : order === 1
              ? n - i
              : order === 2
                ? rng.int(21)
                : rng.uniform() < 0.15
                  ? rng.int(i + 1)
                  : i;
        const r = rng.uniform();
        const value = r < 0.05 ? Number.NaN : r < 0.08 ? Number.NEGATIVE_INFINITY : rng.int(10);
        points.push({ step, value });
      }
      const series = new StepSeries();
      points.forEach((p, i) => {
        series.add(p);
        // Read at random moments: a read merges what came late, and must not change the rule.
        if (rng.uniform() < 0.2) {
          const want = reference(points.slice(0, i + 1));
          expect(series.points(), `seed ${seed}, after point ${i}`).toEqual(want);
        }
      });
      const want = reference(points);
      expect(series.points(), `seed ${seed}`).toEqual(want);
      expect(series.length).toBe(want.length);
      expect(series.lastStep()).toBe(want[want.length - 1]?.step);
      for (let s = -1; s <= n + 1; s += 0.5)
        expect(series.valueAt(s), `seed ${seed}, step ${s}`).toBe(firstAtOrAfter(want, s));
      const values = want.map((p) => p.value);
      expect(series.best("minimize")).toBe(values.length ? Math.min(...values) : undefined);
      expect(series.best("maximize")).toBe(values.length ? Math.max(...values) : undefined);
    }
  });

  it("a series given to of() is used as it is, not copied", () => {
    const s = StepSeries.of([{ step: 1, value: 2 }]);
    expect(StepSeries.of(s)).toBe(s);
  });
});
