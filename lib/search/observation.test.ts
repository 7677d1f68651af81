import { describe, expect, it } from "vitest";
import { observationOf, observedValue } from "./observation";
import { TRIAL_STATUS, trialStatusSchema } from "./status";

describe("what the optimizer learns from an ended trial", () => {
  it("a trial's value exactly where the status table marks its status observed", () => {
    for (const status of trialStatusSchema.options) {
      const expected = TRIAL_STATUS[status].observed ? 0.25 : null;
      expect(observedValue({ status, value: 0.25 }), status).toBe(expected);
    }
  });

  const adopted: [string, Parameters<typeof observedValue>[0], number | null][] = [
    ["a complete trial: its value", { status: "complete", value: 0.8 }, 0.8],
    ["a stopped trial: its partial value", { status: "stopped", value: 0.6 }, 0.6],
    ["a stopped trial that reported nothing: nothing", { status: "stopped", value: null }, null],
    ["a crashed trial that printed a value: nothing", { status: "failed", value: 0.9 }, null],
    ["a timed-out trial: nothing", { status: "timeout", value: 0.7 }, null],
    ["a killed trial: nothing", { status: "killed", value: null }, null],
  ];
  it.each(adopted)("from a trial an earlier worker left ended, %s", (_, trial, expected) => {
    expect(observedValue(trial)).toBe(expected);
  });

  it("flags a pruned trial's value, with its step where known; a pruned trial with none is failed", () => {
    expect(observationOf({ params: { x: 1 }, status: "pruned", value: 0.7 }, 3)).toEqual({
      params: { x: 1 },
      value: 0.7,
      pruned: true,
      step: 3,
    });
    expect(observationOf({ params: { x: 1 }, status: "pruned", value: 0.7 })).toEqual({
      params: { x: 1 },
      value: 0.7,
      pruned: true,
    });
    expect(observationOf({ params: { x: 1 }, status: "pruned", value: Number.NaN }, 3)).toEqual({
      params: { x: 1 },
      value: null,
    });
    // The step says where a pruned value was taken; other statuses are told as they are.
    expect(observationOf({ params: { x: 2 }, status: "complete", value: 0.3 }, 9)).toEqual({
      params: { x: 2 },
      value: 0.3,
    });
  });
});
