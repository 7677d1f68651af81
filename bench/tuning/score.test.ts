import { describe, expect, it } from "vitest";
import { bestKnown, bestSoFar, normalizedLoss, problemScore, randomClip } from "./score";

describe("bench/tuning scoring", () => {
  it("tracks the best so far per round, skipping failures", () => {
    expect(bestSoFar([[3, null], [null], [1, 2], [5]])).toEqual([3, 3, 1, 1]);
    expect(bestSoFar([[null, Number.NaN]])).toEqual([Number.POSITIVE_INFINITY]);
  });

  it("clips at the median of the best of a batch of random draws, from the pooled draws", () => {
    // 1..800 uniformly: the best of 8 draws has median near 1 - 0.5^(1/8) = 8.3% of the range.
    const runs = Array.from({ length: 10 }, (_, r) => [
      Array.from({ length: 80 }, (_, i) => 1 + r + 10 * i),
    ]);
    const clip = randomClip(runs, 8);
    expect(clip).toBeGreaterThan(0.07 * 800);
    expect(clip).toBeLessThan(0.1 * 800);
    // Failed draws count as the worst values, not as missing ones.
    const withFailures = randomClip([[[1, 2, null, null, null, null, null, null]]], 1);
    expect(withFailures).toBe(Number.POSITIVE_INFINITY);
  });

  it("scores 100 at the best known value, 0 at the clip or worse, linearly between", () => {
    expect(normalizedLoss(2, 2, 10)).toBe(0);
    expect(normalizedLoss(6, 2, 10)).toBe(0.5);
    expect(normalizedLoss(50, 2, 10)).toBe(1);
    const runs = [[[2]], [[6]], [[50]], [[null]]];
    expect(bestKnown(runs)).toBe(2);
    expect(problemScore(runs, 2, 10)).toBeCloseTo(100 * (1 - (0 + 0.5 + 1 + 1) / 4), 12);
    // A problem where every run ties: everyone scores 100 at opt.
    expect(problemScore([[[3]], [[3]]], 3, 3)).toBe(100);
  });
});
