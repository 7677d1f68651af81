import { describe, expect, it } from "vitest";
import {
  bestTrial,
  compareByGoal,
  isBetter,
  TRIAL_STATUS,
  type TrialStatus,
  trialStatusesWhere,
} from "./status";

describe("the status table", () => {
  it("keeps best a subset of observed, and failures final", () => {
    for (const [status, info] of Object.entries(TRIAL_STATUS)) {
      if (info.best) expect(info.observed, status).toBe(true);
      if (info.failure || info.best || info.observed) expect(info.final, status).toBe(true);
    }
  });

  it("counts crashes and timeouts as failures, never a stop or a kill", () => {
    expect(trialStatusesWhere((s) => s.failure)).toEqual(["failed", "timeout"]);
  });
});

describe("compareByGoal", () => {
  it("puts the better value first for each goal, and non-finite values last", () => {
    const values = [3, null, 1, Number.NaN, 2, Number.POSITIVE_INFINITY];
    expect([...values].sort(compareByGoal("minimize"))).toEqual([
      1,
      2,
      3,
      null,
      Number.NaN,
      Infinity,
    ]);
    expect([...values].sort(compareByGoal("maximize"))).toEqual([
      3,
      2,
      1,
      null,
      Number.NaN,
      Infinity,
    ]);
    expect(isBetter("minimize", 1, 2)).toBe(true);
    expect(isBetter("maximize", 1, 2)).toBe(false);
    expect(isBetter("maximize", 1, undefined)).toBe(true);
    expect(isBetter("maximize", 1, 1)).toBe(false);
  });
});

describe("bestTrial", () => {
  const t = (number: number, status: TrialStatus, value: number | null) => ({
    number,
    status,
    value,
  });

  it("takes only complete trials, whatever a stopped or failed one printed", () => {
    const trials = [
      t(1, "complete", 5),
      t(2, "stopped", 0.1),
      t(3, "failed", 0.01),
      t(4, "complete", 4),
    ];
    expect(bestTrial(trials, "minimize")?.number).toBe(4);
    expect(bestTrial(trials, "maximize")?.number).toBe(1);
  });

  it("breaks ties by the lower number, in any order", () => {
    expect(
      bestTrial([t(7, "complete", 1), t(3, "complete", 1), t(5, "complete", 1)], "minimize")
        ?.number,
    ).toBe(3);
  });

  it("has none without a finite complete value", () => {
    expect(
      bestTrial([t(1, "complete", Number.NaN), t(2, "running", null)], "minimize"),
    ).toBeUndefined();
  });
});
