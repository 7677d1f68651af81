/**
 * The foreground progress lines and the summary say what the status table says: a killed trial
 * (or a stopped one) is named as such, never as failed, and a value it printed before the kill
 * never makes it the best ("← best", the bar's best) — only a complete trial's value does.
 */
import { describe, expect, it } from "vitest";
import { makeSpec } from "../db/testing/fixtures";
import type { TrialStatus } from "../lib/search/status";
import type { Search, Trial } from "../lib/search/types";
import { trialCountsText } from "./_foreground";
import { createProgress } from "./_progress";

const spec = makeSpec({ goal: "minimize", metric: "loss" });
const search: Search = {
  id: 3,
  kind: "bayesian",
  status: "running",
  goal: "minimize",
  spec,
  description: null,
  createdAt: new Date(0),
  startedAt: new Date(0),
  endedAt: null,
  failureReason: null,
  stopRequested: "none",
  lease: null,
  best: null,
  notes: "",
};

function trial(number: number, status: TrialStatus, value: number | null): Trial {
  return {
    searchId: 3,
    number,
    status,
    params: { lr: 0.01, units: 32, opt: "adam" },
    value,
    createdAt: new Date(0),
    startedAt: new Date(0),
    endedAt: new Date(1),
    exitCode: status === "complete" ? 0 : null,
    signal: status === "killed" ? "SIGKILL" : null,
    reason: status === "killed" ? "killed by request" : null,
    firstStep: null,
    lastStep: null,
    handle: null,
    notes: "",
  };
}

describe("progress lines", () => {
  /** What `createProgress` writes for these trials' ends, on a terminal or not. */
  function run(tty: boolean, ended: Trial[]): string {
    let text = "";
    const write = (s: string) => {
      text += s;
      return true;
    };
    const progress = createProgress({ isTTY: tty, write } as NodeJS.WriteStream);
    for (const t of ended) progress.onEvent({ type: "trial-ended", search, trial: t });
    return text;
  }

  it("name a killed trial killed, not failed, and never best", () => {
    const ended = [trial(1, "complete", 2), trial(2, "killed", 0.1), trial(3, "stopped", 0.2)];
    expect(run(false, ended)).toBe(
      [
        "  trial   1  complete  loss=2  ← best",
        "  trial   2  killed    loss=0.1  (killed by request)",
        "  trial   3  stopped   loss=0.2",
        "",
      ].join("\n"),
    );
    // The bar: 3 ended, the best is trial 1's 2 (not the killed trial's 0.1).
    const bar = run(true, ended);
    expect(bar).toMatch(/\] 3\/10 {2}best 2 \(trial 1\)$/);
    expect(bar).not.toMatch(/fail/);
    expect(trialCountsText(ended)).toBe("1 complete, 1 stopped, 1 killed");
  });
});
