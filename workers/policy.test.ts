/**
 * The worker loop's decisions (policy.ts), as tables: each row a situation the loop can be in
 * and what it must do. The statuses' own properties come from the status table, so a row here
 * checks the policy's use of it, and `for every status` rows check it against the table itself.
 */
import { describe, expect, it } from "vitest";
import { TRIAL_STATUS, trialStatusSchema } from "../lib/search/status";
import {
  failureCount,
  freeSlots,
  observationsOf,
  optimizerInput,
  pointsToAsk,
  type SearchProgress,
  searchEnd,
  signalToSend,
  stoppedStatus,
  windDown,
} from "./policy";

const base: SearchProgress = {
  numRuns: 4,
  maxFailures: 2,
  stopRequested: "none",
  ended: [],
  running: 0,
  waiting: 0,
  exhausted: false,
  optimizerGaveNothing: false,
};
const at = (over: Partial<SearchProgress>): SearchProgress => ({ ...base, ...over });

describe("searchEnd", () => {
  const rows: [string, Partial<SearchProgress>, ReturnType<typeof searchEnd>][] = [
    ["a fresh search goes on", {}, undefined],
    [
      "numRuns ended trials complete it",
      { ended: ["complete", "complete", "stopped", "failed"] },
      { status: "complete" },
    ],
    [
      "more ended than numRuns (a lowered limit) completes it",
      { numRuns: 1, ended: ["complete", "complete"] },
      { status: "complete" },
    ],
    [
      "fewer ended than numRuns goes on",
      { ended: ["complete", "complete", "complete"] },
      undefined,
    ],
    [
      "a space used up completes it early",
      { ended: ["complete"], exhausted: true },
      { status: "complete" },
    ],
    [
      "nothing ends while a trial runs",
      { ended: ["complete", "complete", "complete", "complete"], running: 1 },
      undefined,
    ],
    [
      "nothing ends while a trial waits to start",
      { ended: ["failed", "failed"], waiting: 1 },
      undefined,
    ],
    [
      "a stop request with nothing in flight stops it",
      { stopRequested: "stop", ended: ["complete"] },
      { status: "stopped" },
    ],
    ["a kill request kills it", { stopRequested: "kill" }, { status: "killed" }],
    ["a stop request waits for running trials", { stopRequested: "stop", running: 2 }, undefined],
    [
      "--max-failures failures fail it",
      { ended: ["failed", "timeout"] },
      { status: "failed", reason: "2 trials failed (--max-failures 2)" },
    ],
    [
      "one failure of --max-failures 1 is one trial",
      { maxFailures: 1, ended: ["failed"] },
      { status: "failed", reason: "1 trial failed (--max-failures 1)" },
    ],
    [
      "failures win over a stop request",
      { stopRequested: "kill", ended: ["failed", "failed"] },
      { status: "failed", reason: "2 trials failed (--max-failures 2)" },
    ],
    [
      "failures win over numRuns reached",
      { ended: ["failed", "complete", "failed", "complete"] },
      { status: "failed", reason: "2 trials failed (--max-failures 2)" },
    ],
    [
      "stopped and killed trials are no failures",
      { ended: ["stopped", "killed", "killed"] },
      undefined,
    ],
    ["one failure short goes on", { ended: ["failed", "complete"] }, undefined],
    [
      "an optimizer that gave nothing, nothing in flight, fails it",
      { ended: ["complete", "complete"], optimizerGaveNothing: true },
      {
        status: "failed",
        reason:
          "the optimizer proposed no new point after 2 trials, without the space being used up (a range too narrow to tell its values apart?)",
      },
    ],
    [
      "an optimizer that gave nothing waits for a running trial",
      { running: 1, optimizerGaveNothing: true },
      undefined,
    ],
    [
      "a stop request wins over an optimizer that gave nothing",
      { stopRequested: "stop", optimizerGaveNothing: true },
      { status: "stopped" },
    ],
  ];
  it.each(rows)("%s", (_, over, expected) => {
    expect(searchEnd(at(over))).toEqual(expected);
  });

  it("fails a search after exactly --max-failures failures, for every failing status of the table", () => {
    for (const status of trialStatusSchema.options) {
      const ended = [status, status, status];
      const end = searchEnd(at({ numRuns: 10, maxFailures: 3, ended }));
      expect(end?.status, status).toBe(TRIAL_STATUS[status].failure ? "failed" : undefined);
    }
  });
});

describe("windDown", () => {
  const rows: [string, Partial<SearchProgress>, ReturnType<typeof windDown>][] = [
    ["a running search takes new trials", { ended: ["failed"] }, undefined],
    [
      "a stop request stops the running trials and the unstarted ones",
      { stopRequested: "stop" },
      {
        mode: "stop",
        running: "stopped by request",
        unstarted: { status: "stopped", reason: "the search was stopped before it started" },
      },
    ],
    [
      "a kill request kills them",
      { stopRequested: "kill", ended: ["failed", "failed"] },
      {
        mode: "kill",
        running: "killed by request",
        unstarted: { status: "killed", reason: "the search was stopped before it started" },
      },
    ],
    [
      "--max-failures reached stops them, keeping what they reported",
      { ended: ["timeout", "complete", "failed"] },
      {
        mode: "stop",
        running: "stopped as the search ended: 2 trials failed (--max-failures 2)",
        unstarted: {
          status: "stopped",
          reason: "the search ended before it started: 2 trials failed (--max-failures 2)",
        },
      },
    ],
  ];
  it.each(rows)("%s", (_, over, expected) => {
    expect(windDown(at(over))).toEqual(expected);
  });

  it("whenever it winds down, the search ends once nothing is in flight", () => {
    // The loop ends the unstarted trials and stops the running ones; nothing may keep it spinning.
    const requests = ["none", "stop", "kill"] as const;
    const statuses = trialStatusSchema.options.filter((s) => TRIAL_STATUS[s].final);
    for (let i = 0; i < 500; i++) {
      const ended = Array.from(
        { length: i % 7 },
        (_, k) => statuses[(i * 7 + k * 3) % statuses.length]!,
      );
      const p = at({
        numRuns: 1 + (i % 11),
        maxFailures: i % 4,
        stopRequested: requests[i % 3]!,
        ended,
        exhausted: i % 5 === 0,
      });
      if (windDown(p)) expect(searchEnd(p), JSON.stringify(p)).toBeDefined();
    }
  });
});

describe("signalToSend", () => {
  const rows: [
    string,
    "stop" | "kill" | undefined,
    "stop" | "kill",
    "stop" | "kill" | undefined,
  ][] = [
    ["a trial not signalled is stopped", undefined, "stop", "stop"],
    ["a trial not signalled is killed", undefined, "kill", "kill"],
    ["a stopped trial is not stopped twice", "stop", "stop", undefined],
    ["a kill upgrades a stop", "stop", "kill", "kill"],
    ["a killed trial is not killed twice", "kill", "kill", undefined],
    ["a killed trial is never stopped after", "kill", "stop", undefined],
  ];
  it.each(rows)("%s", (_, sent, mode, expected) => {
    expect(signalToSend(sent, mode)).toBe(expected);
  });

  it("stops and kills end with the matching status", () => {
    expect(stoppedStatus("stop")).toBe("stopped");
    expect(stoppedStatus("kill")).toBe("killed");
  });
});

describe("what the optimizer learns", () => {
  it("every ended trial in trial-number order, whatever order they ended in", () => {
    const ended = [
      { number: 3, params: { x: 3 }, status: "complete" as const, value: 0.3 },
      { number: 1, params: { x: 1 }, status: "failed" as const, value: 0.1 },
      { number: 2, params: { x: 2 }, status: "stopped" as const, value: 0.2 },
    ];
    expect(observationsOf(ended)).toEqual([
      { params: { x: 1 }, value: null },
      { params: { x: 2 }, value: 0.2 },
      { params: { x: 3 }, value: 0.3 },
    ]);
    expect(ended.map((t) => t.number)).toEqual([3, 1, 2]);
  });

  it("tells a pruned trial as pruned, with the step of its value where known", () => {
    const ended = [
      { number: 1, params: { x: 1 }, status: "pruned" as const, value: 0.7 },
      { number: 2, params: { x: 2 }, status: "pruned" as const, value: null },
      { number: 3, params: { x: 3 }, status: "complete" as const, value: 0.3 },
      { number: 4, params: { x: 4 }, status: "pruned" as const, value: 0.9 },
    ];
    expect(observationsOf(ended, (n) => (n === 1 ? 3 : undefined))).toEqual([
      { params: { x: 1 }, value: 0.7, pruned: true, step: 3 },
      { params: { x: 2 }, value: null },
      { params: { x: 3 }, value: 0.3 },
      { params: { x: 4 }, value: 0.9, pruned: true },
    ]);
  });

  it("gives the running trials as pending, or with early stopping every trial at the model step", () => {
    const ended = [
      { number: 2, params: { x: 2 }, status: "pruned" as const, value: 0.9 },
      { number: 1, params: { x: 1 }, status: "pruned" as const, value: 0.7 },
    ];
    const running = [
      { number: 4, params: { x: 4 } },
      { number: 3, params: { x: 3 } },
    ];
    expect(optimizerInput(ended, running)).toEqual({
      observations: observationsOf(ended),
      pending: [{ x: 3 }, { x: 4 }],
    });
    const series: Record<number, { step: number; value: number }[]> = {
      1: [{ step: 1, value: 0.7 }],
      2: [{ step: 1, value: 0.9 }],
      3: [
        { step: 1, value: 0.5 },
        { step: 2, value: 0.4 },
      ],
      4: [],
    };
    const pruning = {
      series: (n: number) => series[n]!,
      latestStep: (n: number) => series[n]!.at(-1)?.step,
    };
    expect(optimizerInput(ended, running, pruning)).toEqual({
      step: 1,
      observations: [
        { params: { x: 1 }, value: 0.7, step: 1 },
        { params: { x: 2 }, value: 0.9, step: 1 },
        { params: { x: 3 }, value: 0.5, step: 1 },
      ],
      pending: [{ x: 4 }],
    });
  });

  it("failures are counted by the status table", () => {
    const all = trialStatusSchema.options;
    expect(failureCount(all)).toBe(all.filter((s) => TRIAL_STATUS[s].failure).length);
    expect(failureCount(["failed", "timeout", "stopped", "killed", "complete"])).toBe(2);
  });
});

describe("refilling", () => {
  const slots: [string, Parameters<typeof freeSlots>[0], number][] = [
    [
      "an idle search fills its parallel runs",
      { parallelRuns: 3, running: 0, capacity: Number.POSITIVE_INFINITY },
      3,
    ],
    [
      "a running trial takes a slot",
      { parallelRuns: 3, running: 2, capacity: Number.POSITIVE_INFINITY },
      1,
    ],
    ["busy GPUs limit it", { parallelRuns: 3, running: 0, capacity: 1 }, 1],
    ["no room at all", { parallelRuns: 3, running: 1, capacity: 0 }, 0],
    [
      "more running than parallel runs (a lowered limit) is no negative room",
      { parallelRuns: 1, running: 3, capacity: 4 },
      0,
    ],
  ];
  it.each(slots)("freeSlots: %s", (_, p, expected) => {
    expect(freeSlots(p)).toBe(expected);
  });

  const asks: [string, Parameters<typeof pointsToAsk>[0], number][] = [
    ["a slot for each point", { room: 3, numRuns: 10, created: 2, exhausted: false }, 3],
    [
      "never more than the trials still lacking",
      { room: 3, numRuns: 10, created: 9, exhausted: false },
      1,
    ],
    [
      "none once every trial is created",
      { room: 3, numRuns: 10, created: 10, exhausted: false },
      0,
    ],
    [
      "none past numRuns (a lowered limit)",
      { room: 3, numRuns: 2, created: 5, exhausted: false },
      0,
    ],
    ["none without room", { room: 0, numRuns: 10, created: 0, exhausted: false }, 0],
    ["none from a space used up", { room: 3, numRuns: 10, created: 2, exhausted: true }, 0],
  ];
  it.each(asks)("pointsToAsk: %s", (_, p, expected) => {
    expect(pointsToAsk(p)).toBe(expected);
  });

  it("never creates more than numRuns trials, nor runs more than parallelRuns, whatever the room", () => {
    for (let i = 0; i < 1000; i++) {
      const numRuns = 1 + (i % 13);
      const parallelRuns = 1 + (i % 5);
      const running = i % 4;
      const created = running + ((i * 7) % 15);
      const room = freeSlots({ parallelRuns, running, capacity: i % 3 === 0 ? 1 : 8 });
      const n = pointsToAsk({ room, numRuns, created, exhausted: false });
      expect(n).toBeGreaterThanOrEqual(0);
      if (n > 0) {
        expect(created + n).toBeLessThanOrEqual(numRuns);
        expect(running + n).toBeLessThanOrEqual(parallelRuns);
      }
    }
  });
});
