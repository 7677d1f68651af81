import { describe, expect, it } from "vitest";
import type { TrialStatus } from "../search/status";
import { earlyStopIdle, earlyStopSummary, stepRange, stepsSaved, stepsSavedText } from "./savings";

const t = (status: TrialStatus, firstStep: number | null, lastStep: number | null) => ({
  status,
  firstStep,
  lastStep,
});

describe("stepRange", () => {
  it("the first and last finite step of the metric and its aliases", () => {
    expect(
      stepRange(
        [
          { name: "keras/val_accuracy", step: 2, value: 0.5 },
          { name: "keras/val_acc", step: 1, value: 0.4 },
          { name: "keras/val_acc", step: 9, value: Number.NaN },
          { name: "keras/loss", step: 12, value: 1 },
        ],
        "keras/val_acc",
      ),
    ).toEqual({ firstStep: 1, lastStep: 2 });
    expect(stepRange([{ name: "loss", step: 0, value: Number.NaN }], "loss")).toBeUndefined();
  });
});

describe("stepsSaved", () => {
  it.each([
    // Keras epochs 1..10: 2 complete (10 each), 2 pruned at 1 and 3: 24 trained, 9 + 7 saved
    [
      [t("complete", 1, 10), t("complete", 1, 10), t("pruned", 1, 1), t("pruned", 1, 3)],
      { trained: 24, saved: 16, fullLength: 10, pruned: 2, share: 16 / 40 },
    ],
    // counted steps from 0: the same trials count the same
    [
      [t("complete", 0, 9), t("complete", 0, 9), t("pruned", 0, 0), t("pruned", 0, 2)],
      { trained: 24, saved: 16, fullLength: 10, pruned: 2, share: 16 / 40 },
    ],
    // a failure and a stop count as trained, never as saved; a trial with no steps not at all
    [
      [t("complete", 0, 4), t("failed", 0, 1), t("stopped", 0, 2), t("failed", null, null)],
      { trained: 10, saved: 0, fullLength: 5, pruned: 0, share: 0 },
    ],
  ])("%j", (trials, expected) => {
    expect(stepsSaved(trials)).toEqual(expected);
  });

  it("says nothing without steps", () => {
    expect(stepsSaved([])).toBeUndefined();
    expect(stepsSaved([t("running", null, null)])).toBeUndefined();
  });

  it("in words", () => {
    const s = stepsSaved([t("complete", 1, 10), t("pruned", 1, 2), t("pruned", 1, 1)])!;
    expect(stepsSavedText(s)).toBe(
      "13 trial-steps trained, 17 saved by pruning 2 trials (57% of trial-steps saved)",
    );
  });
});

describe("earlyStopIdle: early stopping that cannot act says why", () => {
  const spec = (earlyStop: string, earlyStopMinSteps = 1) => ({
    earlyStop,
    earlyStopMinSteps,
    reductionFactor: 3,
    metric: "cv_acc",
  });
  it.each([
    [
      "the metric once per trial (counted step 0)",
      spec("asha"),
      [t("complete", 0, 0)],
      /one step only/,
    ],
    [
      "the metric once per trial, at an explicit step past min steps",
      spec("asha"),
      [t("complete", 10, 10), t("pruned", 10, 10)],
      /one step only/,
    ],
    [
      "one trial with steps among single-step ones: it can act",
      spec("asha"),
      [t("complete", 10, 10), t("failed", 1, 4)],
      undefined,
    ],
    [
      "a min steps past the trials' end",
      spec("median", 20),
      [t("complete", 1, 10)],
      /no trial reached step 20 .*was 10/,
    ],
    ["a trial at min steps: it can act", spec("asha", 10), [t("complete", 1, 10)], undefined],
    [
      "a pruned trial past min steps: it did act",
      spec("asha", 3),
      [t("complete", 0, 0), t("pruned", 0, 3)],
      undefined,
    ],
    [
      "no trial complete yet: too early to say",
      spec("asha"),
      [t("failed", 0, 0), t("pruned", 0, 0)],
      undefined,
    ],
    ["--early-stop none", spec("none"), [t("complete", 0, 0)], undefined],
  ] as const)("%s", (_, s, trials, expected) => {
    const got = earlyStopIdle(s, trials);
    if (expected === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(expected);
  });

  it("the summary line carries it", () => {
    expect(earlyStopSummary(spec("asha"), [t("complete", 0, 0), t("complete", 0, 0)])).toBe(
      "asha (min steps 1, η 3): 2 trial-steps trained, 0 saved by pruning 0 trials (0% of trial-steps saved); " +
        "each trial reports cv_acc at one step only, so early stopping has nothing to judge: print it at every epoch (one line each, or epoch=N / step=N)",
    );
  });
});
