/**
 * The search header's counts come from the status table: every ended trial is done, and only a
 * crash or a timeout is a failure (a kill or a stop is the user's doing).
 */
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { SearchView } from "../../lib/console/views";
import { SearchHeader } from "./SearchHeader";

const search: SearchView = {
  id: 4,
  kind: "bayesian",
  status: "killed",
  description: null,
  space: [{ kind: "range", name: "x", min: 0, max: 1, scale: "linear", type: "float" }],
  command: ["node", "t.mjs", ":x:"],
  metric: "loss",
  metricAgg: "last",
  goal: "minimize",
  numRuns: 20,
  parallelRuns: 2,
  machineType: "cpu",
  stopConditions: [],
  earlyStop: null,
  createdAt: 0,
  startedAt: 0,
  endedAt: 1000,
  failureReason: null,
  notes: "",
  stopRequested: "kill",
  best: { trialNumber: 1, value: 0.5 },
  labels: [],
  counts: {
    queued: 0,
    running: 1,
    complete: 2,
    failed: 3,
    timeout: 1,
    stopped: 4,
    killed: 5,
    pruned: 0,
    total: 16,
  },
};

describe("SearchHeader", () => {
  it("counts every ended trial as done and only crashes and timeouts as failed", () => {
    const html = renderToStaticMarkup(
      createElement(SearchHeader, {
        search,
        best: undefined,
        stopAction: async () => ({ ok: true as const }),
        now: 1000,
        stale: false,
      }),
    );
    expect(html).toContain(">15/20<");
    // running · failed: 3 failed + 1 timeout; the 5 killed are not failures.
    expect(html).toMatch(/data-testid="running-count">1 · 4</);
    expect(html).toContain("badge-muted");
  });
});
