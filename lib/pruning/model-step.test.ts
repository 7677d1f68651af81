import { describe, expect, it } from "vitest";
import type { Observation } from "../optimizer/types";
import { atModelStep, MODEL_STEP_TRIALS, type TrialToTell } from "./model-step";
import type { SeriesPoint } from "./rules";

/** A series from values at steps 1, 2, ... */
const curve = (...values: number[]): SeriesPoint[] =>
  values.map((value, i) => ({ step: i + 1, value }));
const running = (x: number, series: SeriesPoint[]): TrialToTell => ({ params: { x }, series });
const ended = (
  x: number,
  series: SeriesPoint[],
  told: Omit<Observation, "params">,
): TrialToTell => ({
  params: { x },
  series,
  told: { params: { x }, ...told },
});
const complete = (x: number, series: SeriesPoint[], value = series.at(-1)!.value) =>
  ended(x, series, { value });
const pruned = (x: number, series: SeriesPoint[]) =>
  ended(x, series, { value: series.at(-1)!.value, pruned: true, step: series.at(-1)!.step });

describe("the model step", () => {
  it("is the highest step 3 trials reached; those past it are told their value there, running ones included", () => {
    const trials = [
      pruned(1, curve(0.9)), // pruned at step 1: below the step, told as it ended
      running(2, curve(0.8, 0.6, 0.5, 0.45)), // at step 4: told its value at 3
      running(3, curve(0.7, 0.5, 0.4)), // at step 3: told its value at 3
      pruned(4, curve(0.85, 0.7, 0.65)), // pruned at 3: told at 3, no longer as pruned
      running(5, curve(0.95)), // below the step: pending
      running(6, []), // nothing yet: pending
    ];
    expect(MODEL_STEP_TRIALS).toBe(3);
    expect(atModelStep(trials)).toEqual({
      step: 3,
      observations: [
        { params: { x: 1 }, value: 0.9, pruned: true, step: 1 },
        { params: { x: 2 }, value: 0.5, step: 3 },
        { params: { x: 3 }, value: 0.4, step: 3 },
        { params: { x: 4 }, value: 0.65, step: 3 },
      ],
      pending: [{ x: 5 }, { x: 6 }],
    });
  });

  it("a trial that skipped the step is told the value it passed it with; non-finite points are passed over", () => {
    const trials = [
      running(1, [
        { step: 1, value: 0.9 },
        { step: 5, value: 0.3 },
      ]),
      running(2, [...curve(0.8, 0.7), { step: 3, value: Number.NaN }, { step: 4, value: 0.6 }]),
      running(3, [...curve(0.9, 0.8), { step: 9, value: Number.POSITIVE_INFINITY }]),
    ];
    // last finite steps 5, 4, 2: the step is 2
    expect(atModelStep(trials)).toEqual({
      step: 2,
      observations: [
        { params: { x: 1 }, value: 0.3, step: 2 },
        { params: { x: 2 }, value: 0.7, step: 2 },
        { params: { x: 3 }, value: 0.8, step: 2 },
      ],
      pending: [],
    });
  });

  it("a complete trial that ended at the step keeps its own value (--metric-agg), one past it is told its value there", () => {
    const trials = [
      complete(1, curve(0.9, 0.5, 0.6), 0.5), // --metric-agg min: 0.5, not its last 0.6
      complete(2, curve(0.9, 0.8, 0.7, 0.2)), // a longer trial: at step 3, 0.7
      running(3, curve(0.8, 0.7, 0.65)),
    ];
    expect(atModelStep(trials).observations).toEqual([
      { params: { x: 1 }, value: 0.5 },
      { params: { x: 2 }, value: 0.7, step: 3 },
      { params: { x: 3 }, value: 0.65, step: 3 },
    ]);
  });

  it("a failed trial stays failed, and its points set no step", () => {
    const trials = [
      ended(1, curve(0.1, 0.1, 0.1, 0.1), { value: null }),
      running(2, curve(0.8, 0.7)),
      running(3, curve(0.9)),
      running(4, curve(0.9)),
    ];
    expect(atModelStep(trials)).toEqual({
      step: 1,
      observations: [
        { params: { x: 1 }, value: null },
        { params: { x: 2 }, value: 0.8, step: 1 },
        { params: { x: 3 }, value: 0.9, step: 1 },
        { params: { x: 4 }, value: 0.9, step: 1 },
      ],
      pending: [],
    });
  });

  it("trials are told as they ended once 3 completed, or while fewer than 3 have a value", () => {
    const three = [
      complete(1, curve(0.9, 0.5)),
      complete(2, curve(0.9, 0.6)),
      pruned(3, curve(0.95)),
      complete(4, curve(0.9, 0.7)),
      running(5, curve(0.8, 0.7)),
    ];
    expect(atModelStep(three)).toEqual({
      observations: three.flatMap((t) => (t.told ? [t.told] : [])),
      pending: [{ x: 5 }],
    });
    const few = [pruned(1, curve(0.9)), running(2, curve(0.8)), running(3, [])];
    expect(atModelStep(few)).toEqual({
      observations: [few[0]!.told],
      pending: [{ x: 2 }, { x: 3 }],
    });
    // With a count of 2, the same trials have a step.
    expect(atModelStep(few, 2).step).toBe(1);
  });

  it("tells every trial exactly once, in order, over random searches", () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let run = 0; run < 300; run++) {
      const trials: TrialToTell[] = [];
      const n = Math.floor(rand() * 12);
      for (let i = 0; i < n; i++) {
        const steps = Math.floor(rand() * 10);
        const series = curve(...Array.from({ length: steps }, () => rand()));
        const kind = rand();
        if (kind < 0.4) trials.push(running(i, series));
        else if (kind < 0.6 || steps === 0) trials.push(ended(i, series, { value: null }));
        else if (kind < 0.8) trials.push(pruned(i, series));
        else trials.push(complete(i, series));
      }
      const k = 1 + Math.floor(rand() * 4);
      const out = atModelStep(trials, k);
      const told = [...out.observations.map((o) => o.params.x), ...out.pending.map((p) => p.x)];
      expect(told.sort((a, b) => Number(a) - Number(b))).toEqual(trials.map((t) => t.params.x));
      // Ended trials are always observations; observations keep the trials' order.
      const xs = out.observations.map((o) => Number(o.params.x));
      expect(xs).toEqual([...xs].sort((a, b) => a - b));
      for (const t of trials) if (t.told) expect(xs).toContain(t.params.x);
      if (out.step !== undefined) {
        // No observation's value is from below the step, unless told as it ended.
        for (const o of out.observations)
          if (o.step !== undefined && !o.pruned) expect(o.step).toBe(out.step);
      }
    }
  });
});
