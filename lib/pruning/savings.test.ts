import { describe, expect, it } from "vitest";
import type { TrialStatus } from "../search/status";
import { stepRange, stepsSaved, stepsSavedText } from "./savings";

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
