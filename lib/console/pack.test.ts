import { describe, expect, it } from "vitest";
import { packTrials, unpackTrials } from "./pack";
import type { TrialRow } from "./views";

describe("packTrials", () => {
  it("round-trips rows, including missing values and extra parameters", () => {
    const rows: TrialRow[] = [
      {
        n: 1,
        status: "complete",
        params: { lr: 0.1, opt: "adam" },
        value: 0.5,
        startedAt: 10,
        endedAt: 20,
        exitCode: 0,
        reason: null,
        jobId: "42",
        firstStep: 1,
        lastStep: 10,
      },
      {
        n: 2,
        status: "failed",
        params: { lr: 1e-7 },
        value: null,
        startedAt: 11,
        endedAt: null,
        exitCode: 1,
        reason: "exit code 1",
        jobId: null,
        firstStep: null,
        lastStep: null,
      },
      {
        n: 3,
        status: "queued",
        params: { lr: 0, opt: "sgd" },
        value: null,
        startedAt: null,
        endedAt: null,
        exitCode: null,
        reason: null,
        jobId: null,
        firstStep: null,
        lastStep: null,
      },
    ];
    const packed = packTrials(rows, ["lr", "opt"]);
    expect(packed.params).toEqual([
      [0.1, 1e-7, 0],
      ["adam", null, "sgd"],
    ]);
    expect(unpackTrials(JSON.parse(JSON.stringify(packed)))).toEqual(rows);
    // A value for a parameter not in the list does not travel.
    expect(unpackTrials(packTrials(rows, ["lr"]))[0]?.params).toEqual({ lr: 0.1 });
  });
});
