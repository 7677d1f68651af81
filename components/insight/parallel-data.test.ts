import { describe, expect, it } from "vitest";
import { metricAxis } from "../../lib/console/metric-axis";
import type { TrialRow } from "../../lib/console/views";
import { parseSpace } from "../../lib/space/parse";
import { brushedTrials, pcData } from "./parallel-data";

const space = parseSpace(["lr=0.0001:1:log", "x=0:10", "opt=adam,sgd", "k=1:4:int"]);

function row(n: number, lr: number, x: number, opt: string, value: number | null): TrialRow {
  return {
    n,
    status: value === null ? "failed" : "complete",
    params: { lr, x, opt, k: 1 + (n % 4) },
    value,
    startedAt: 0,
    endedAt: 1,
    exitCode: 0,
    reason: null,
    jobId: null,
    firstStep: null,
    lastStep: null,
  };
}

const trials = [
  row(1, 0.0001, 0, "adam", 5),
  row(2, 0.01, 5, "sgd", 3),
  row(3, 1, 10, "adam", 1),
  row(4, 0.001, 2.5, "sgd", null),
];
const values = trials.flatMap((t) => (t.value === null ? [] : [t.value]));

describe("pcData", () => {
  const data = pcData(
    space,
    "loss",
    trials,
    metricAxis(values, "minimize", { log: false, clip: false }),
  );
  const A = data.axes.length;

  it("places values per decade on a log axis, linearly on a range, the metric on its own", () => {
    expect(data.trials.map((t) => t.n)).toEqual([1, 2, 3]); // a failure has no metric to draw
    expect(data.axes.map((a) => a.kind)).toEqual(["log", "linear", "category", "linear", "metric"]);
    expect(data.pos[0 * A]).toBeCloseTo(0, 6);
    expect(data.pos[1 * A]).toBeCloseTo(0.5, 6);
    expect(data.pos[2 * A]).toBeCloseTo(1, 6);
    expect(data.pos[1 * A + 1]).toBeCloseTo(0.5, 6);
    expect(data.pos[0 * A + 4]).toBeCloseTo(1, 6);
    expect(data.pos[2 * A + 4]).toBeCloseTo(0, 6);
    // A choice's lines spread a little around its value's place, never past the axis.
    expect(Math.abs((data.pos[0 * A + 2] as number) - 0)).toBeLessThan(0.16);
    expect(Math.abs((data.pos[1 * A + 2] as number) - 1)).toBeLessThan(0.16);
    expect(data.axes[3]?.ticks.map((t) => t.label)).toEqual(["1", "2", "3", "4"]);
  });

  it("selects the trials inside every brush, and none is everything", () => {
    expect(brushedTrials(data, new Map())).toBeNull();
    expect([...(brushedTrials(data, new Map([["lr", [0.4, 1]]])) ?? [])].sort()).toEqual([2, 3]);
    const both = brushedTrials(
      data,
      new Map([
        ["lr", [0.4, 1]],
        ["loss", [0.4, 0.6]],
      ]),
    );
    expect([...(both ?? [])]).toEqual([2]);
    // A brush over a choice's bundle selects that choice.
    expect([...(brushedTrials(data, new Map([["opt", [0, 0.2]]])) ?? [])].sort()).toEqual([1, 3]);
    expect(brushedTrials(data, new Map([["x", [0.9, 0.95]]]))?.size).toBe(0);
  });
});
