import { describe, expect, it } from "vitest";
import type { Goal } from "../metrics/schema";
import { Rng } from "../optimizer/rng";
import {
  decidePruning,
  type EarlyStop,
  MEDIAN_MIN_TRIALS,
  median,
  normalizeSeries,
  type PruneDecision,
  reasonWhere,
  rungSteps,
  type SeriesInput,
  type SeriesPoint,
  type TrialSeries,
} from "./rules";

/** A series from values at steps 0, 1, 2, ... (or [step, value] pairs). */
const t = (
  trial: number,
  values: readonly (number | readonly [number, number])[],
): TrialSeries & { points: SeriesPoint[] } => ({
  trial,
  points: values.map((v, i) =>
    typeof v === "number" ? { step: i, value: v } : { step: v[0], value: v[1] },
  ),
});

const asha = (goal: Goal = "minimize", minSteps = 1, reductionFactor = 3): EarlyStop => ({
  rule: "asha",
  minSteps,
  reductionFactor,
  goal,
});
const med = (goal: Goal = "minimize", minSteps = 1): EarlyStop => ({
  rule: "median",
  minSteps,
  reductionFactor: 3,
  goal,
});

const pruned = (d: PruneDecision): string => (d.prune ? `${d.rule}@${d.step}` : "go on");

describe("rungSteps", () => {
  it.each([
    [1, 3, 30, [1, 3, 9, 27]],
    [2, 2, 16, [2, 4, 8, 16]],
    [5, 3, 4, []],
    [1, 4, 1, [1]],
  ])("minSteps %i, η %i, up to %i", (minSteps, eta, upTo, expected) => {
    expect(rungSteps(minSteps, eta, upTo)).toEqual(expected);
  });
});

describe("normalizeSeries", () => {
  it("keeps finite points, the latest arrival at a step, in step order", () => {
    expect(
      normalizeSeries([
        { step: 2, value: 5 },
        { step: 0, value: 1 },
        { step: 1, value: Number.NaN },
        { step: 2, value: 4 },
        { step: 3, value: Number.POSITIVE_INFINITY },
        { step: 1, value: 7 },
      ]),
    ).toEqual([
      { step: 0, value: 1 },
      { step: 1, value: 7 },
      { step: 2, value: 4 },
    ]);
  });
});

describe("median", () => {
  it.each([
    [[3], 3],
    [[1, 9], 5],
    [[4, 1, 9], 4],
    [[4, 1, 9, 2], 3],
  ])("%j -> %d", (values, expected) => expect(median(values)).toBe(expected));
});

describe("ASHA: rung promotion under asynchronous arrival (minimize, η 3, min steps 1)", () => {
  // Trials arrive at rung 0 (step 1) one by one; each is judged against those there already.
  // Values at step 1, in arrival order, and what becomes of each arrival.
  it.each([
    // the first at a rung always goes on: it never waits for the rung to fill
    [[0.5], ["go on"]],
    // the second, worse: ceil(2/3) = 1 may go on, one is ahead: pruned
    [
      [0.5, 0.6],
      ["go on", "asha@1"],
    ],
    // the second, better: goes on
    [
      [0.5, 0.4],
      ["go on", "go on"],
    ],
    // the fourth: ceil(4/3) = 2 may go on; second best of four goes on
    [
      [0.5, 0.6, 0.7, 0.55],
      ["go on", "asha@1", "asha@1", "go on"],
    ],
    // worst first: each newcomer is the best so far and goes on (asynchrony favours arrival)
    [
      [0.9, 0.8, 0.7, 0.6],
      ["go on", "go on", "go on", "go on"],
    ],
    // best first: the i-th arrival has i-1 ahead of it and may go on only as one of ceil(i/3)
    [
      [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7],
      ["go on", "asha@1", "asha@1", "asha@1", "asha@1", "asha@1", "asha@1"],
    ],
  ])("arrivals %j", (values, expected) => {
    const arrived: TrialSeries[] = [];
    const got = values.map((v, i) => {
      const trial = t(i + 1, [0.99, v]);
      const d = decidePruning(asha(), trial, arrived, 0);
      arrived.push(trial);
      return pruned(d);
    });
    expect(got).toEqual(expected);
  });

  it("names the rung, the step, the value and the count in its reason", () => {
    const others = [0.1, 0.2, 0.3, 0.35, 0.38, 0.39].map((v, i) => t(i + 1, [1, 1, 1, v]));
    const d = decidePruning(asha(), t(7, [1, 0.5, 0.5, 0.41]), others, 2);
    expect(d).toMatchObject({ prune: true, rule: "asha", rung: 1, step: 3, trials: 7, keep: 3 });
    expect(d.prune && d.reason).toBe(
      "ASHA rung 1 at step 3: 0.41 not in the top 1/3 (the top 3 of 7 trials at step 3 go on; 6 are better)",
    );
    expect(reasonWhere(d.prune ? d.reason : "")).toBe("ASHA rung 1 at step 3");
    // One to go on and one ahead read as English too.
    const two = decidePruning(asha(), t(2, [0.9, 0.5]), [t(1, [0.9, 0.4])], 0);
    expect(two.prune && two.reason).toBe(
      "ASHA rung 0 at step 1: 0.5 not in the top 1/3 (the best of 2 trials at step 1 goes on; 1 is better)",
    );
  });

  it("judges a rung once: a rung passed before sinceStep is not judged again", () => {
    const late = [0.1, 0.2, 0.3].map((v, i) => t(i + 2, [1, v]));
    const trial = t(1, [1, 0.5, 0.5]);
    expect(pruned(decidePruning(asha(), trial, late, 1))).toBe("go on");
    expect(pruned(decidePruning(asha(), trial, late))).toBe("asha@1"); // judged afresh
  });

  it("judges only from the min steps on: rungs at minSteps·η^k", () => {
    const others = [0.1, 0.2, 0.3].map((v, i) => t(i + 2, [v, v, v, v, v]));
    const cfg = asha("minimize", 2, 2); // rungs 2, 4, 8
    expect(pruned(decidePruning(cfg, t(1, [0.9]), others))).toBe("go on"); // step 0
    expect(pruned(decidePruning(cfg, t(1, [0.9, 0.9]), others))).toBe("go on"); // step 1
    expect(pruned(decidePruning(cfg, t(1, [0.9, 0.9, 0.9]), others))).toBe("asha@2");
  });

  it("later rungs: past rung 0, judged at rung 1 (step 3) among those that reached it", () => {
    const others = [t(2, [1, 0.2, 0.2, 0.2]), t(3, [1, 0.3, 0.3, 0.3]), t(4, [1, 0.9])];
    // At step 1 the trial is 2nd of 4 (keep 2); at step 3 it is 3rd of 3 (keep 1).
    const trial = t(1, [1, 0.25, 0.25, 0.35]);
    expect(
      pruned(decidePruning(asha(), { ...trial, points: trial.points.slice(0, 2) }, others, 0)),
    ).toBe("go on");
    const d = decidePruning(asha(), trial, others, 2);
    expect(d).toMatchObject({ prune: true, rung: 1, step: 3, trials: 3, keep: 1, value: 0.35 });
  });
});

describe("ASHA: steps that skip rungs", () => {
  it("a trial that jumps past a rung is judged by the value it passed it with", () => {
    const others = [t(2, [1, 0.2, 0.2, 0.2]), t(3, [1, 0.3, 0.3, 0.3])];
    // steps 0, 2, 5: crosses rung 0 (step 1) at step 2 with 0.15, rung 1 (step 3) at 5 with 0.1
    const trial = t(1, [
      [0, 1],
      [2, 0.15],
      [5, 0.1],
    ]);
    expect(pruned(decidePruning(asha(), trial, others))).toBe("go on");
    const worse = t(1, [
      [0, 1],
      [2, 0.15],
      [5, 0.4],
    ]);
    expect(decidePruning(asha(), worse, others)).toMatchObject({ prune: true, rung: 1, step: 3 });
  });

  it("crossing two rungs at once judges both, and names the first it fails", () => {
    const others = [t(2, [1, 0.2, 0.2, 0.2]), t(3, [1, 0.3, 0.3, 0.3])];
    const trial = t(1, [
      [0, 1],
      [4, 0.5],
    ]);
    expect(decidePruning(asha(), trial, others, 0)).toMatchObject({ rung: 0, step: 1 });
  });

  it("another trial that skipped the rung counts with the value it passed it with", () => {
    const skipper = t(2, [
      [0, 1],
      [2, 0.1],
    ]);
    expect(pruned(decidePruning(asha(), t(1, [1, 0.3]), [skipper], 0))).toBe("asha@1");
    // a trial that has not yet reached the rung does not count
    const behind = t(3, [0.01]);
    expect(pruned(decidePruning(asha(), t(1, [1, 0.3]), [behind], 0))).toBe("go on");
  });
});

describe("ASHA: ties, goals, non-finite values", () => {
  it("ties at the cut all go on (only strictly better trials count against one)", () => {
    const others = [t(2, [1, 0.3]), t(3, [1, 0.3])];
    expect(pruned(decidePruning(asha(), t(1, [1, 0.3]), others, 0))).toBe("go on");
    expect(pruned(decidePruning(asha(), t(1, [1, 0.30001]), others, 0))).toBe("asha@1");
  });

  it.each<[Goal, number, string]>([
    ["minimize", 0.1, "go on"],
    ["minimize", 0.9, "asha@1"],
    ["maximize", 0.9, "go on"],
    ["maximize", 0.1, "asha@1"],
  ])("%s: %d among 0.4, 0.5, 0.6", (goal, v, expected) => {
    const others = [0.4, 0.5, 0.6].map((x, i) => t(i + 2, [0, x]));
    expect(pruned(decidePruning(asha(goal), t(1, [0, v]), others, 0))).toBe(expected);
  });

  it("NaN and infinities are passed over: they neither judge nor are judged", () => {
    const nan = t(2, [1, Number.NaN]);
    const inf = t(3, [1, Number.NEGATIVE_INFINITY]);
    expect(pruned(decidePruning(asha(), t(1, [1, 0.5]), [nan, inf], 0))).toBe("go on");
    // a trial whose values are all NaN reaches no rung: it fails by the metric rule instead
    const others = [t(2, [1, 0.1]), t(3, [1, 0.2])];
    expect(pruned(decidePruning(asha(), t(1, [Number.NaN, Number.NaN]), others))).toBe("go on");
    // a NaN at the rung's step: judged by the first finite value past it
    const late = t(1, [1, Number.NaN, 0.05]);
    expect(pruned(decidePruning(asha(), late, others, 0))).toBe("go on");
  });

  it("the trial's own number among the others is ignored", () => {
    const me = t(1, [1, 0.5]);
    expect(pruned(decidePruning(asha(), me, [me, t(2, [1, 0.4])], 0))).toBe("asha@1");
  });
});

describe("median rule", () => {
  const fourAt = (values: readonly number[]) => values.map((v, i) => t(i + 2, [1, v, v]));

  it(`waits for ${MEDIAN_MIN_TRIALS} other trials at the step (few trials: go on)`, () => {
    for (let n = 0; n < MEDIAN_MIN_TRIALS; n++) {
      const others = fourAt([0.1, 0.1, 0.1]).slice(0, n);
      expect(pruned(decidePruning(med(), t(1, [1, 0.9]), others)), `${n} others`).toBe("go on");
    }
    expect(pruned(decidePruning(med(), t(1, [1, 0.9]), fourAt([0.1, 0.1, 0.1])))).toBe("median@1");
  });

  it("counts only the trials that reached the step", () => {
    const others = [...fourAt([0.1, 0.1]), t(9, [0.1])]; // trial 9 is at step 0 only
    expect(pruned(decidePruning(med(), t(1, [1, 0.9]), others))).toBe("go on");
  });

  it("a tie with the median goes on; strictly worse is pruned", () => {
    const others = fourAt([0.2, 0.3, 0.4]);
    expect(pruned(decidePruning(med(), t(1, [1, 0.3]), others))).toBe("go on");
    expect(pruned(decidePruning(med(), t(1, [1, 0.31]), others))).toBe("median@1");
  });

  it("an even count: the mean of the middle two", () => {
    const others = fourAt([0.2, 0.3, 0.5, 0.6]);
    expect(pruned(decidePruning(med(), t(1, [1, 0.4]), others))).toBe("go on");
    const d = decidePruning(med(), t(1, [1, 0.41]), others);
    expect(d).toMatchObject({ prune: true, rule: "median", step: 1, median: 0.4, trials: 4 });
    expect(d.prune && d.reason).toBe(
      "median rule at step 1: best so far 0.41 is worse than the median 0.4 of 4 other trials at step 1",
    );
    expect(reasonWhere(d.prune ? d.reason : "")).toBe("median rule at step 1");
  });

  it("judges the best value so far, not the latest", () => {
    const others = [0.2, 0.3, 0.4].map((v, i) => t(i + 2, [1, v, v, v]));
    expect(pruned(decidePruning(med(), t(1, [1, 0.1, 0.9, 0.9]), others))).toBe("go on");
  });

  it("not before the min steps", () => {
    const others = [0.1, 0.1, 0.1].map((v, i) => t(i + 2, [v, v, v, v]));
    expect(pruned(decidePruning(med("minimize", 3), t(1, [0.9, 0.9, 0.9]), others))).toBe("go on");
    expect(pruned(decidePruning(med("minimize", 3), t(1, [0.9, 0.9, 0.9, 0.9]), others))).toBe(
      "median@3",
    );
  });

  it.each<[Goal, number, string]>([
    ["minimize", 0.2, "go on"],
    ["minimize", 0.6, "median@1"],
    ["maximize", 0.6, "go on"],
    ["maximize", 0.2, "median@1"],
  ])("%s: %d against 0.3, 0.4, 0.5", (goal, v, expected) => {
    expect(pruned(decidePruning(med(goal), t(1, [v, v]), fourAt([0.3, 0.4, 0.5])))).toBe(expected);
  });

  it("NaN: others' NaN do not count; the trial's own NaN are passed over", () => {
    const others = [...fourAt([0.1, 0.1]), t(5, [1, Number.NaN])];
    expect(pruned(decidePruning(med(), t(1, [1, 0.9]), others))).toBe("go on");
    const three = fourAt([0.1, 0.1, 0.1]);
    expect(pruned(decidePruning(med(), t(1, [Number.NaN, Number.NaN]), three))).toBe("go on");
    // NaN at its latest step: judged at its latest finite step
    expect(decidePruning(med(), t(1, [1, 0.9, Number.NaN]), three)).toMatchObject({ step: 1 });
  });

  it("another trial that skipped the step counts with the value it passed it with", () => {
    const skip = (n: number, v: number) =>
      t(n, [
        [0, 1],
        [3, v],
      ]);
    const others = [skip(2, 0.1), skip(3, 0.1), skip(4, 0.1)];
    expect(pruned(decidePruning(med(), t(1, [1, 0.5, 0.5]), others))).toBe("median@2");
  });
});

// ---- randomized invariants ----------------------------------------------------------------

/** Crossing curves: a start, a floor and a speed per trial, with noise. */
function curves(rng: Rng, trials: number, steps: number): number[][] {
  return Array.from({ length: trials }, () => {
    const start = 1 + rng.uniform();
    const floor = rng.uniform() * 0.8;
    const speed = 0.05 + rng.uniform() * 0.6;
    return Array.from({ length: steps }, (_, s) => {
      const v = floor + (start - floor) * Math.exp(-speed * s) + 0.02 * rng.normal();
      const roll = rng.uniform();
      if (roll < 0.02) return Number.NaN;
      if (roll < 0.04) return Math.round(v * 10) / 10; // ties
      return v;
    });
  });
}

interface Event {
  trial: number;
  decision: PruneDecision;
  snapshot: TrialSeries[];
  me: TrialSeries;
  /** The end step the decision was given: the complete trials' last step so far. */
  endStep: number | undefined;
}

/** Trials run `parallel` at a time; each step of each running trial arrives in random order. */
function simulate(rng: Rng, config: EarlyStop, values: number[][], parallel: number) {
  const series: { trial: number; points: SeriesPoint[] }[] = [];
  const judged = new Map<number, number>();
  const events: Event[] = [];
  let endStep: number | undefined;
  const running: number[] = [];
  let next = 0;
  const start = () => {
    while (running.length < parallel && next < values.length) {
      series.push({ trial: next, points: [] });
      running.push(next++);
    }
  };
  start();
  while (running.length > 0) {
    const i = rng.int(running.length);
    const trial = running[i]!;
    const s = series[trial]!;
    const step = s.points.length;
    if (step >= values[trial]!.length) {
      // It ran to its end: complete, and its last step may move the end step.
      const last = s.points[s.points.length - 1]!.step;
      endStep = Math.max(endStep ?? last, last);
      running.splice(i, 1);
      start();
      continue;
    }
    // sometimes skip a step, as a trial that logs every other epoch does
    if (rng.uniform() < 0.1 && step + 1 < values[trial]!.length)
      s.points.push({ step: step + 1, value: values[trial]![step + 1]! });
    else s.points.push({ step, value: values[trial]![step]! });
    const latest = s.points[s.points.length - 1]!.step;
    const snapshot = series.map((x) => ({ trial: x.trial, points: [...x.points] }));
    const decision = decidePruning(config, s, series, judged.get(trial), endStep);
    judged.set(trial, latest);
    events.push({ trial, decision, snapshot, me: snapshot[trial]!, endStep });
    if (decision.prune) {
      running.splice(i, 1);
      start();
    }
  }
  return events;
}

describe("the end step: nothing is decided where the complete trials ended", () => {
  // Three complete trials of 4 steps (0-3), better than the judged one at every step.
  const done = [0.1, 0.2, 0.3].map((v, i) => t(i + 1, [v, v, v, v]));
  it.each([
    ["median, at the end step: it goes on", med(), [0.9, 0.9, 0.9, 0.9], 3, false],
    ["median, before it: pruned", med(), [0.9, 0.9, 0.9], 3, true],
    [
      "median, no trial complete yet: pruned at its last step",
      med(),
      [0.9, 0.9, 0.9, 0.9],
      undefined,
      true,
    ],
    // A longer trial (epochs a parameter): past the end step it is judged again.
    ["median, past it: pruned", med(), [0.9, 0.9, 0.9, 0.9, 0.9], 3, true],
    [
      "asha, a rung at the end step (rungs 1, 3): it goes on",
      asha(),
      [0.9, 0.1, 0.9, 0.9],
      3,
      false,
    ],
    ["asha, the same rung before the end step: pruned", asha(), [0.9, 0.1, 0.9, 0.9], 4, true],
    // A trial that skips steps crosses rung 3 at the end step, 4: at its end, it goes on.
    ["asha, a rung crossed at the end step", asha(), [0.9, 0.1, [4, 0.9]], 4, false],
  ] as const)("%s", (_, config, values, endStep, prunes) => {
    const longer = [4, 5, 6].map((n) => t(n, [0.1, 0.1, 0.1, 0.1, 0.1]));
    const others = values.length > 4 ? [...done, ...longer] : done;
    // ASHA is judged at its last rung only (rung 1 at step 3; rung 0 passed at step 1).
    const since = config.rule === "asha" ? 1 : undefined;
    const d = decidePruning(config, t(9, values), others, since, endStep);
    expect(d.prune).toBe(prunes);
  });
});

/** The judged trial's latest step when the decision was taken. */
const latestStep = (e: Event): number | undefined => normalizeSeries(e.me.points).at(-1)?.step;

const firstAtOrAfter = (points: SeriesInput, r: number): number | undefined =>
  normalizeSeries(points).find((p) => p.step >= r)?.value;

describe("randomized invariants", () => {
  it("ASHA never prunes the best trial at a rung, nor at the end step, and keeps ceil(n/η) when it judges a full rung", () => {
    let atEnd = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const rng = new Rng(seed);
      const goal: Goal = seed % 2 === 0 ? "minimize" : "maximize";
      const eta = 2 + (seed % 3);
      const config = asha(goal, 1 + (seed % 2), eta);
      const values = curves(rng, 12 + (seed % 10), 30).map((c) =>
        goal === "maximize" ? c.map((v) => -v) : c,
      );
      const events = simulate(rng, config, values, 1 + (seed % 5));
      atEnd += events.filter((e) => latestStep(e) === e.endStep).length;
      for (const e of events) {
        if (!e.decision.prune) continue;
        const d = e.decision;
        if (d.rule !== "asha") throw new Error("a median decision from ASHA");
        // nothing is decided at the end step: a trial there is at its end
        expect(latestStep(e)).not.toBe(e.endStep);
        // the rung is one of minSteps·η^k, and the trial reached it
        expect(rungSteps(config.minSteps, eta, d.step)).toContain(d.step);
        const mine = firstAtOrAfter(e.me.points, d.step)!;
        expect(mine).toBe(d.value);
        // some trial there was strictly better: the best at a rung is never pruned
        const there = e.snapshot
          .filter((s) => s.trial !== e.trial)
          .map((s) => firstAtOrAfter(s.points, d.step))
          .filter((v): v is number => v !== undefined);
        const ahead = there.filter((v) => (goal === "minimize" ? v < mine : v > mine)).length;
        expect(ahead, `seed ${seed}`).toBeGreaterThanOrEqual(Math.ceil((there.length + 1) / eta));
        expect(d.trials).toBe(there.length + 1);
      }
      // synchronous successive halving falls out: judge everyone against the full rung
      const full = values.map((v, trial) =>
        t(
          trial,
          v.slice(0, 2).map((x) => x + trial * 1e-9),
        ),
      );
      const atRung = full.filter((s) => firstAtOrAfter(s.points, 1) !== undefined);
      const kept = atRung.filter((s) => !decidePruning(asha(goal, 1, eta), s, full, 0).prune);
      expect(kept.length, `seed ${seed}`).toBe(Math.ceil(atRung.length / eta));
    }
    // Trials were judged at the end step, so the invariant above was put to the test.
    expect(atEnd).toBeGreaterThan(60);
  });

  it("median: a pruned trial's best so far is worse than the median of at least N others, never at the end step", () => {
    let atEnd = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const rng = new Rng(1000 + seed);
      const goal: Goal = seed % 2 === 0 ? "minimize" : "maximize";
      const config = med(goal, 1 + (seed % 4));
      const values = curves(rng, 16, 25);
      const events = simulate(rng, config, values, 4);
      atEnd += events.filter((e) => latestStep(e) === e.endStep).length;
      for (const e of events) {
        if (!e.decision.prune) continue;
        const d = e.decision;
        if (d.rule !== "median") throw new Error("an ASHA decision from the median rule");
        expect(d.step).toBeGreaterThanOrEqual(config.minSteps);
        expect(latestStep(e)).not.toBe(e.endStep);
        const own = normalizeSeries(e.me.points).filter((p) => p.step <= d.step);
        const best =
          goal === "minimize"
            ? Math.min(...own.map((p) => p.value))
            : Math.max(...own.map((p) => p.value));
        expect(d.value).toBe(best);
        const atS = e.snapshot
          .filter((s) => s.trial !== e.trial)
          .map((s) => firstAtOrAfter(s.points, d.step))
          .filter((v): v is number => v !== undefined);
        expect(atS.length).toBeGreaterThanOrEqual(MEDIAN_MIN_TRIALS);
        expect(d.median).toBe(median(atS));
        expect(goal === "minimize" ? best > d.median : best < d.median, `seed ${seed}`).toBe(true);
      }
    }
    expect(atEnd).toBeGreaterThan(60);
  });

  it("mirrors: negated values with the other goal, and shuffled others, decide the same", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rng = new Rng(5000 + seed);
      const values = curves(rng, 8, 1 + rng.int(12));
      const trials = values.map((v, i) => t(i, v));
      const negated = values.map((v, i) =>
        t(
          i,
          v.map((x) => -x),
        ),
      );
      const shuffled = [...trials].sort(() => rng.uniform() - 0.5);
      for (const rule of ["median", "asha"] as const) {
        const cfg: EarlyStop = {
          rule,
          minSteps: 1 + rng.int(3),
          reductionFactor: 2 + rng.int(3),
          goal: "minimize",
        };
        for (let i = 0; i < trials.length; i++) {
          const since = rng.int(4) - 1;
          const a = decidePruning(cfg, trials[i]!, trials, since);
          const b = decidePruning({ ...cfg, goal: "maximize" }, negated[i]!, negated, since);
          const c = decidePruning(cfg, trials[i]!, shuffled, since);
          expect(pruned(b), `seed ${seed} ${rule}`).toBe(pruned(a));
          expect(c).toEqual(a);
        }
      }
    }
  });
});
