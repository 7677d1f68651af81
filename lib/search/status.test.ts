import { describe, expect, it } from "vitest";
import {
  bestTrial,
  compareByGoal,
  countWhere,
  hasObservedValue,
  higherIsBetter,
  isBetter,
  mayBeBest,
  rankTrials,
  SEARCH_STATUS,
  TRIAL_STATUS,
  type TrialStatus,
  trialStatusesWhere,
  trialStatusSchema,
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
      t(5, "pruned", 0.001),
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

describe("the rules the console and the CLI read", () => {
  it("gives a name that is both a trial's and a search's status one tone, and a kill no red", () => {
    for (const [status, info] of Object.entries(SEARCH_STATUS))
      if (status in TRIAL_STATUS)
        expect(TRIAL_STATUS[status as TrialStatus].tone, status).toBe(info.tone);
    for (const [status, info] of Object.entries(TRIAL_STATUS))
      expect(info.tone === "bad", status).toBe(info.failure);
  });

  it("a pruned trial: ended, learned from, never best, no failure, a tone of its own", () => {
    expect(TRIAL_STATUS.pruned).toMatchObject({
      final: true,
      best: false,
      observed: true,
      failure: false,
      tone: "pruned",
    });
    const tones = Object.entries(TRIAL_STATUS).filter(([, i]) => i.tone === "pruned");
    expect(tones.map(([s]) => s)).toEqual(["pruned"]);
  });

  it("counts by property: ended, failed (a kill is not a failure)", () => {
    const counts = {
      queued: 1,
      running: 2,
      complete: 3,
      failed: 4,
      timeout: 5,
      stopped: 6,
      killed: 7,
      pruned: 8,
      total: 36,
    };
    expect(countWhere(counts, (s) => s.final)).toBe(3 + 4 + 5 + 6 + 7 + 8);
    expect(countWhere(counts, (s) => s.failure)).toBe(4 + 5);
    expect(countWhere(counts, () => true)).toBe(counts.total);
  });

  it("orders values one way: higherIsBetter agrees with compareByGoal", () => {
    for (const goal of ["minimize", "maximize"] as const)
      expect(higherIsBetter(goal), goal).toBe(compareByGoal(goal)(2, 1) < 0);
  });

  it("ranks trials by the rule of best, and bestTrial is the first, for any trials", () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const statuses = trialStatusSchema.options;
    for (let round = 0; round < 300; round++) {
      const goal = next() < 0.5 ? "minimize" : "maximize";
      const trials = Array.from(
        { length: Math.floor(next() * (round % 3 === 0 ? 200 : 12)) },
        (_, i) => ({
          number: i + 1,
          status: statuses[Math.floor(next() * statuses.length)] as TrialStatus,
          // Few distinct values, so ties happen; some missing or not finite.
          value: [null, Number.NaN, 1, 2, 3, 4][Math.floor(next() * 6)] as number | null,
        }),
      );
      const shuffled = [...trials].sort(() => next() - 0.5);
      const ranked = rankTrials(shuffled, goal);
      // Exactly the trials that may be best, each once.
      expect(ranked.map((t) => t.number).sort((a, b) => a - b)).toEqual(
        trials.filter(mayBeBest).map((t) => t.number),
      );
      expect(bestTrial(shuffled, goal)).toBe(ranked[0]);
      // The first k, by a pass instead of a sort, are the same trials in the same order.
      const k = Math.floor(next() * 4);
      expect(rankTrials(shuffled, goal, k)).toEqual(ranked.slice(0, k));
      for (const t of ranked) {
        expect(TRIAL_STATUS[t.status].best).toBe(true);
        // What may be best is always something the optimizer learned from.
        expect(hasObservedValue(t)).toBe(true);
      }
      for (let i = 1; i < ranked.length; i++) {
        const [a, b] = [ranked[i - 1], ranked[i]] as [(typeof ranked)[0], (typeof ranked)[0]];
        // Never a better one after a worse one; equal values by number.
        expect(isBetter(goal, b.value, a.value)).toBe(false);
        if (a.value === b.value) expect(a.number).toBeLessThan(b.number);
      }
    }
  });

  it("reads a failed trial's printed value as neither a result nor an observation", () => {
    expect(mayBeBest({ status: "failed", value: 0.1 })).toBe(false);
    expect(hasObservedValue({ status: "failed", value: 0.1 })).toBe(false);
    expect(hasObservedValue({ status: "timeout", value: 0.1 })).toBe(false);
    expect(mayBeBest({ status: "stopped", value: 0.1 })).toBe(false);
    expect(hasObservedValue({ status: "stopped", value: 0.1 })).toBe(true);
    expect(hasObservedValue({ status: "killed", value: 0.1 })).toBe(false);
    expect(mayBeBest({ status: "complete", value: 0.1 })).toBe(true);
    expect(mayBeBest({ status: "complete", value: Number.POSITIVE_INFINITY })).toBe(false);
  });
});
