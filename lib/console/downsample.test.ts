import { describe, expect, it } from "vitest";
import { bestTrial, hasObservedValue, type TrialStatus, trialStatusSchema } from "../search/status";
import { mulberry32 } from "../testing/random";
import {
  bestSoFar,
  bestSoFarLine,
  observedTrials,
  sampleObserved,
  sampleTrials,
  thinSeries,
} from "./downsample";
import type { TrialRow } from "./views";

const row = (n: number, status: TrialStatus, value: number | null): TrialRow => ({
  n,
  status,
  params: {},
  value,
  startedAt: 0,
  endedAt: 1,
  exitCode: null,
  reason: null,
  jobId: null,
  firstStep: null,
  lastStep: null,
});

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

describe("bestSoFarLine", () => {
  it("never ends on a value a crashed, stopped or killed trial printed", () => {
    const trials = [
      row(1, "complete", 5),
      row(2, "complete", 3),
      row(3, "failed", 0.5), // crashed after printing a metric
      row(4, "stopped", 0.2),
      row(5, "timeout", 0.1),
      row(6, "killed", 0.05), // killed after printing one
      row(7, "running", null),
    ];
    expect(bestSoFarLine(trials, "minimize")).toEqual({
      points: [
        { n: 1, best: 5 },
        { n: 2, best: 3 },
        { n: 7, best: 3 },
      ],
      trial: 2,
    });
    expect(bestSoFarLine([row(1, "stopped", 1)], "minimize")).toEqual({
      points: [],
      trial: undefined,
    });
  });

  it("ends on the search's best trial and its value, for any trials", () => {
    let seed = 5;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const statuses = trialStatusSchema.options;
    for (let round = 0; round < 300; round++) {
      const goal = next() < 0.5 ? "minimize" : "maximize";
      const trials = Array.from({ length: 1 + Math.floor(next() * 15) }, (_, i) =>
        row(
          i + 1,
          statuses[Math.floor(next() * statuses.length)] as TrialStatus,
          [null, 1, 2, 3, 4, Number.NaN][Math.floor(next() * 6)] as number | null,
        ),
      ).sort(() => next() - 0.5);
      const line = bestSoFarLine(trials, goal);
      const best = bestTrial(
        trials.map((t) => ({ number: t.n, status: t.status, value: t.value })),
        goal,
      );
      expect(line.trial).toBe(best?.number);
      expect(line.points.at(-1)?.best).toBe(best?.value);
      if (best) expect(line.points.at(-1)?.n).toBe(Math.max(...trials.map((t) => t.n)));
      // Trials already in order (as the page holds them) skip the sort, for the same line.
      const inOrder = [...trials].sort((a, b) => a.n - b.n);
      expect(bestSoFarLine(inOrder, goal)).toEqual(line);
    }
  });
});

describe("observedTrials and sampleObserved", () => {
  const random = mulberry32(17);
  const statuses = trialStatusSchema.options;
  const randomTrials = (count: number) =>
    Array.from({ length: count }, (_, i) =>
      row(
        i + 1,
        statuses[Math.floor(random() * statuses.length)] as TrialStatus,
        random() < 0.1 ? null : Math.round(random() * 50) / 10,
      ),
    );

  it("sample what sampleTrials samples of the observed trials, from one ranking", () => {
    for (let round = 0; round < 200; round++) {
      const trials = randomTrials(Math.floor(random() * 400));
      const goal = random() < 0.5 ? "minimize" : "maximize";
      const max = 5 + Math.floor(random() * 200);
      const observed = trials.filter(hasObservedValue);
      expect(observedTrials(trials, goal).finished).toEqual(observed);
      expect(sampleObserved(trials, goal, max)).toEqual(sampleTrials(observed, goal, max));
    }
  });

  it("rank a trials array once per goal, and a new array anew", () => {
    const trials = randomTrials(300);
    const first = observedTrials(trials, "minimize");
    expect(observedTrials(trials, "minimize")).toBe(first);
    expect(observedTrials(trials, "maximize")).not.toBe(first);
    // A poll replaces the array: its ranking is its own, not the stale one.
    const polled = trials.map((t) =>
      t.n === 1 ? { ...t, status: "complete" as const, value: -1 } : t,
    );
    expect(observedTrials(polled, "minimize")).not.toBe(first);
    expect(sampleObserved(polled, "minimize", 10)[0]?.n).toBe(1);
  });
});
