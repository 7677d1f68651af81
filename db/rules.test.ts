/**
 * The store's rules as plain decisions, with no database: every search status against each stop
 * request and lease, the claim's order as the status table gives it, when a trial write sends
 * the store looking for the best again, and the words of each refused condition. Their SQL forms
 * are held against these on both databases by the contract (`store.contract.ts`).
 */
import { describe, expect, it } from "vitest";
import {
  isFinalSearch,
  type SearchStatus,
  searchStatusSchema,
  trialStatusSchema,
} from "../lib/search/status";
import { recordFault } from "../lib/testing/ledger";
import {
  acquisition,
  BEST_STATUSES,
  CLAIM_ORDER,
  checkSearchCondition,
  checkTrialCondition,
  pickClaim,
  type SearchChanges,
  stopChange,
  trialChange,
} from "./rules";
import { StateConflictError, UnreadableRowError } from "./store";

const T = 1_800_000_000_000;

function search(overrides: Partial<SearchChanges> = {}): SearchChanges {
  return {
    trialSeq: 0,
    id: 7,
    status: "running",
    goal: "minimize",
    stopRequested: "none",
    leaseOwner: null,
    leaseExpiresAt: null,
    startedAt: null,
    ...overrides,
  };
}

const held = { leaseOwner: "w1", leaseExpiresAt: new Date(T + 1) };
const lapsed = { leaseOwner: "w1", leaseExpiresAt: new Date(T) };

describe("a stop request", () => {
  // What each status does, written out rather than derived: a change to the rule shows here.
  const EXPECTED: Record<SearchStatus, "ends if nobody holds it" | "asks" | "refuses"> = {
    queued: "ends if nobody holds it",
    running: "asks",
    stopping: "asks",
    complete: "refuses",
    failed: "refuses",
    stopped: "refuses",
    killed: "refuses",
  };

  for (const status of searchStatusSchema.options) {
    it(`of a ${status} search, with each mode, lease and earlier request`, () => {
      const expected = EXPECTED[status];
      for (const mode of ["stop", "kill"] as const) {
        for (const [leaseName, lease] of [
          ["no lease", {}],
          ["a held lease", held],
          ["a lapsed lease", lapsed],
        ] as const) {
          for (const before of ["none", "stop", "kill"] as const) {
            const ctx = `${mode}, ${leaseName}, ${before} requested before`;
            const row = search({ status, stopRequested: before, ...lease });
            if (expected === "refuses") {
              expect(() => stopChange(row, mode, T), ctx).toThrow(
                new StateConflictError(`search 7 has already ended (${status})`),
              );
              continue;
            }
            const change = stopChange(row, mode, T);
            if (expected === "ends if nobody holds it" && lease !== held) {
              expect(change.set, ctx).toEqual({
                status: mode === "stop" ? "stopped" : "killed",
                stopRequested: mode,
                endedAt: new Date(T),
              });
              expect(change.events, ctx).toEqual([
                {
                  kind: "stop",
                  message: `${mode} requested before the search started`,
                  time: new Date(T),
                },
              ]);
              continue;
            }
            const after = before === "kill" || mode === "kill" ? "kill" : "stop";
            expect(change.set, ctx).toEqual({ status: "stopping", stopRequested: after });
            expect(
              change.events.map((e) => e.message),
              ctx,
            ).toEqual(after === before ? [] : [`${after} requested`]);
          }
        }
      }
    });
  }

  it("refuses a search whose status this version does not know, as newer, writing nothing", () => {
    recordFault("stop requested of a search in a status of a newer version");
    const e = (() => {
      try {
        stopChange(search({ status: "paused" }), "stop", T);
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(UnreadableRowError);
    expect((e as UnreadableRowError).problem).toBe("newer");
    expect((e as UnreadableRowError).message).toMatch(/^search 7 .*status is "paused"/);
  });
});

describe("the lease", () => {
  it("is taken when free or lapsed, extended by its owner, refused while another holds it", () => {
    expect(acquisition(search(), "w2", 500, T)?.events.map((e) => e.message)).toEqual([
      "leased by w2",
    ]);
    expect(acquisition(search(lapsed), "w2", 500, T)?.events.map((e) => e.message)).toEqual([
      "lease taken over by w2 from w1 (expired)",
    ]);
    expect(acquisition(search(held), "w2", 500, T)).toBeUndefined();
    const own = acquisition(search(held), "w1", 500, T);
    expect(own).toEqual({
      set: { leaseOwner: "w1", leaseExpiresAt: new Date(T + 500), heartbeatAt: new Date(T) },
      events: [],
    });
  });
});

describe("the claim", () => {
  it("resumes what a worker was running before it starts what is queued, as the table says", () => {
    expect(CLAIM_ORDER).toEqual([["running", "stopping"], ["queued"]]);
    for (const tier of CLAIM_ORDER) for (const s of tier) expect(isFinalSearch(s)).toBe(false);
  });

  it("picks the oldest claimable, readable, unskipped search of the first tier that has one", () => {
    const rows = [
      search({ id: 1, status: "queued" }),
      search({ id: 2, status: "complete" }),
      search({ id: 3, status: "stopping", ...held }),
      search({ id: 4, status: "running", ...lapsed }),
      search({ id: 5, status: "stopping" }),
      search({ id: 6, status: "paused" }),
    ];
    const all = () => true;
    expect(pickClaim(rows, T, [], all)?.id).toBe(4);
    expect(pickClaim(rows, T, [4], all)?.id).toBe(5);
    expect(pickClaim(rows, T, [4], (r) => r.id !== 5)?.id).toBe(1);
    expect(pickClaim(rows, T - 1, [5, 1], all)).toBeUndefined();
  });
});

describe("the best trial", () => {
  it("is looked for again exactly when the trial was or becomes a candidate", () => {
    expect(BEST_STATUSES).toEqual(["complete"]);
    const s = search({ goal: "maximize" });
    for (const before of trialStatusSchema.options) {
      for (const after of [undefined, ...trialStatusSchema.options]) {
        const change = trialChange(
          s,
          { searchId: 7, number: 1, status: before },
          { status: after, value: 1 },
          {},
        );
        const candidate = before === "complete" || (after ?? before) === "complete";
        expect(change.bestBy, `${before} -> ${after}`).toBe(candidate ? "maximize" : undefined);
      }
    }
  });

  it("stores a value that is not finite as no value", () => {
    const trial = { searchId: 7, number: 1, status: "running" };
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(trialChange(search(), trial, { value }, {}).set.value).toBeNull();
    }
  });
});

describe("write conditions", () => {
  it("name what they found and what they expected", () => {
    const row = search({ status: "failed", ...held });
    expect(() => checkSearchCondition(row, { ifStatus: ["queued", "running"] })).toThrow(
      "search 7 is failed, expected queued or running",
    );
    expect(() => checkSearchCondition(row, { leaseOwner: "w2" })).toThrow(
      "search 7 is leased by w1, not w2",
    );
    expect(() => checkSearchCondition(search(), { leaseOwner: "w2" })).toThrow(
      "search 7 is leased by nobody, not w2",
    );
    // A lapsed lease nobody took over still counts as its owner's.
    expect(() => checkSearchCondition(search(lapsed), { leaseOwner: "w1" })).not.toThrow();
    const trial = { searchId: 7, number: 3, status: "killed" };
    expect(() => checkTrialCondition(row, trial, { ifStatus: ["running"] })).toThrow(
      "trial 3 of search 7 is killed, expected running",
    );
  });
});
