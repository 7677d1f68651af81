import { describe, expect, it } from "vitest";
import { CURVES_BEST, curveKey, curveTrials } from "./curve-trials";
import type { TrialRow } from "./views";

const row = (n: number, status: TrialRow["status"], value: number | null): TrialRow => ({
  n,
  status,
  params: {},
  value,
  startedAt: 0,
  endedAt: null,
  exitCode: null,
  reason: null,
  jobId: null,
  firstStep: null,
  lastStep: null,
});

describe("curveTrials", () => {
  it("draws the best trials by the rule of best (first the search's best), and the running ones", () => {
    const trials = [
      row(1, "complete", 4),
      row(2, "failed", 0.1), // crashed after printing a better value: not among the best
      row(3, "stopped", 0.2),
      row(4, "complete", 2),
      row(5, "complete", 2), // a tie: the lower number first
      row(6, "running", 0.01),
      row(7, "killed", null),
    ];
    expect(curveTrials(trials, "minimize")).toEqual({ best: [4, 5, 1], running: [6], pruned: [] });
    expect(curveTrials(trials, "maximize").best).toEqual([1, 4, 5]);
    const many = Array.from({ length: 20 }, (_, i) => row(i + 1, "complete", i));
    expect(curveTrials(many, "maximize").best).toHaveLength(CURVES_BEST);
    expect(curveTrials(many, "maximize").best[0]).toBe(20);
  });

  it("draws the latest pruned trials too, never as best, and keys them after the others", () => {
    const trials = [
      row(1, "complete", 4),
      ...Array.from({ length: 6 }, (_, i) => row(i + 2, "pruned", 0.01)),
      row(8, "running", 1),
    ];
    const picked = curveTrials(trials, "minimize");
    expect(picked).toEqual({ best: [1], running: [8], pruned: [4, 5, 6, 7] });
    expect(curveKey(picked)).toBe("1,8,4,5,6,7");
  });
});
