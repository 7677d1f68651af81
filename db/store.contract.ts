/**
 * The store contract: one suite every implementation must pass (`sqlite.test.ts`, `pg.test.ts`).
 * It pins down what the worker and the console rely on, including the races: several processes
 * creating the same trial number, claiming the same searches, acquiring the same lease.
 *
 * A fixture gives a fresh, empty database, a way to open a second connection to it (another
 * "process" in this one), and the environment under which `openStore()` in a real child process
 * opens the same database. Its stores read the contract's clock, which stands still until a test
 * moves it: a lease expires because the test says time has passed, never because a loaded
 * machine was slow between two calls (child processes keep the real clock; the contract's starts
 * at the real time, and their leases are long).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../lib/errors";
import type { Goal } from "../lib/metrics/schema";
import { Rng } from "../lib/optimizer/rng";
import { NOTES_MAX_CHARS } from "../lib/search/notes";
import type { SearchSpec } from "../lib/search/spec";
import { bestTrial, searchStatusSchema, trialStatusSchema } from "../lib/search/status";
import type { Search, Trial } from "../lib/search/types";
import { recordFault } from "../lib/testing/ledger";
import { changedAfter, pickClaim, type SearchState } from "./rules";
import type { StoreClock } from "./shared-store";
import {
  type MetricPointInput,
  SearchNotFoundError,
  StateConflictError,
  type Store,
  TrialNotFoundError,
  TrialNumberTakenError,
  UnreadableRowError,
} from "./store";
import { raceChildren } from "./testing/children";
import { makeSpec } from "./testing/fixtures";

export interface StoreFixture {
  store: Store;
  /** Another independent connection to the same database. */
  openAnother(): Promise<Store>;
  /** Environment under which `openStore()` opens this database. */
  childEnv: Record<string, string>;
  /**
   * Runs raw SQL on the same database, past the store: how a newer version or a damaged file
   * leaves rows. The statements used are portable: a JSON literal reads as text in SQLite and as
   * jsonb in PostgreSQL.
   */
  sql(statement: string): Promise<Record<string, unknown>[]>;
  cleanup(): Promise<void>;
}

/** A SQL string literal. */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * The ways a searches row can be one this version cannot read, each as the SET clause that makes
 * it so, with the problem it must be given and the words that must say what is wrong.
 */
const BAD_SEARCH_ROWS: {
  name: string;
  set: (spec: SearchSpec) => string;
  problem: "newer" | "damaged";
  says: RegExp;
}[] = [
  {
    name: "a search kind this version does not know",
    set: (spec) => `spec = ${literal(JSON.stringify({ ...spec, kind: "tpe" }))}`,
    problem: "newer",
    says: /spec kind is "tpe", which this version does not know/,
  },
  {
    name: "a parameter kind this version does not know",
    set: (spec) =>
      `spec = ${literal(JSON.stringify({ ...spec, params: [{ kind: "sobol", name: "lr" }, ...spec.params.slice(1)] }))}`,
    problem: "newer",
    says: /spec params\[0\]\.kind is "sobol"/,
  },
  {
    name: "a spec field this version does not know",
    set: (spec) => `spec = ${literal(JSON.stringify({ ...spec, priority: 5 }))}`,
    problem: "newer",
    says: /fields this version does not know: "priority"/,
  },
  {
    name: "a parameter field this version does not know",
    set: (spec) =>
      `spec = ${literal(JSON.stringify({ ...spec, params: spec.params.map((p, i) => (i === 1 ? { ...p, warp: "kumaraswamy" } : p)) }))}`,
    problem: "newer",
    says: /fields this version does not know: "params\[1\]\.warp"/,
  },
  {
    name: "a search status this version does not know",
    set: () => "status = 'paused'",
    problem: "newer",
    says: /status is "paused"/,
  },
  {
    name: "a spec that breaks a rule",
    set: (spec) => `spec = ${literal(JSON.stringify({ ...spec, numRuns: -3 }))}`,
    problem: "damaged",
    says: /spec numRuns: /,
  },
  {
    name: "a spec that is not an object",
    set: () => `spec = '"not a spec"'`,
    problem: "damaged",
    says: /spec: /,
  },
];

/** The search as `getSearch` returns it, from a summary (which adds its trial counts). */
function withoutCounts(s: Search & { trialCounts?: unknown }): Search {
  const { trialCounts: _, ...search } = s;
  return search;
}

const point = (name: string, step: number, value: number): MetricPointInput => ({
  name,
  step,
  value,
  time: new Date(1_700_000_000_000 + step),
});

export function runStoreContract(
  name: string,
  makeStore: (clock: Required<StoreClock>) => Promise<StoreFixture>,
): void {
  describe(`store contract: ${name}`, () => {
    let fx: StoreFixture;
    let store: Store;
    const extra: Store[] = [];
    /** The stores' time, in ms; `advance` is the only way it moves. */
    let now = 0;
    const advance = (ms: number) => {
      now += ms;
    };

    beforeEach(async () => {
      now = Date.now();
      fx = await makeStore({ now: () => now });
      store = fx.store;
    });
    afterEach(async () => {
      for (const s of extra.splice(0)) await s.close();
      await store.close();
      await fx.cleanup();
    });

    async function another(): Promise<Store> {
      const s = await fx.openAnother();
      extra.push(s);
      return s;
    }

    /** A search with trials finished with the given values (null: failed without one). */
    async function searchWithResults(
      spec: SearchSpec,
      values: readonly (number | null)[],
    ): Promise<number> {
      const s = await store.createSearch(spec, { status: "running" });
      for (const [i, value] of values.entries()) {
        await store.createTrial(s.id, { number: i + 1, params: { lr: 0.1 * (i + 1) } });
        await store.updateTrial(s.id, i + 1, {
          status: value === null ? "failed" : "complete",
          value,
        });
      }
      return s.id;
    }

    describe("searches", () => {
      it("stores a spec and returns it unchanged, with a small integer id", async () => {
        const spec = makeSpec();
        advance(1234);
        const s = await store.createSearch(spec);
        expect(Number.isSafeInteger(s.id) && s.id > 0).toBe(true);
        expect(s.status).toBe("queued");
        expect(s.kind).toBe("bayesian");
        expect(s.goal).toBe("maximize");
        expect(s.createdAt).toBeInstanceOf(Date);
        // The store's time is its clock's.
        expect(s.createdAt.getTime()).toBe(now);
        expect(s.startedAt).toBeNull();
        expect(s.lease).toBeNull();
        expect(s.best).toBeNull();
        expect(s.stopRequested).toBe("none");
        const got = await store.getSearch(s.id);
        expect(got).toEqual(s);
        expect(got?.spec).toEqual(spec);
      });

      it("leases a search to its creator in the same write, so no worker can claim it", async () => {
        const s = await store.createSearch(makeSpec(), {
          status: "running",
          lease: { owner: "cli", ttlMs: 60_000 },
        });
        expect(s.status).toBe("running");
        expect(s.lease?.owner).toBe("cli");
        expect(await store.claimNextQueuedSearch("worker", 60_000)).toBeUndefined();
        expect(await store.acquireLease(s.id, "worker", 60_000)).toBe(false);
        expect(await store.renewLease(s.id, "cli", 60_000)).toBe(true);
      });

      it("rejects an invalid spec with a UsageError naming the problem", async () => {
        const bad = makeSpec({ numRuns: 0 });
        await expect(store.createSearch(bad)).rejects.toThrow(UsageError);
        await expect(store.createSearch(bad)).rejects.toThrow(/numRuns/);
        expect(await store.countSearches()).toBe(0);
      });

      it("takes the description from the spec or the options, and a running status", async () => {
        const a = await store.createSearch(makeSpec({ description: "from spec" }));
        const b = await store.createSearch(makeSpec({ description: "from spec" }), {
          description: "override",
          status: "running",
        });
        expect(a.description).toBe("from spec");
        expect(b.description).toBe("override");
        expect(b.status).toBe("running");
        expect(b.startedAt).toBeInstanceOf(Date);
      });

      it("returns undefined for a search that does not exist", async () => {
        expect(await store.getSearch(424242)).toBeUndefined();
      });

      it("lists newest first with paging, status filter and trial counts", async () => {
        const ids: number[] = [];
        for (let i = 0; i < 5; i++) ids.push((await store.createSearch(makeSpec())).id);
        const [first, , third] = ids as [number, number, number];
        await store.createTrial(first, { number: 1, params: {} });
        await store.createTrial(first, { number: 2, params: {}, status: "running" });
        await store.createTrial(first, { number: 3, params: {} });
        await store.updateTrial(first, 3, { status: "complete", value: 0.5 });
        await store.updateSearch(third, { status: "running" });

        const all = await store.listSearches();
        expect(all.map((s) => s.id)).toEqual([...ids].reverse());
        const page = await store.listSearches({ limit: 2, offset: 1 });
        expect(page.map((s) => s.id)).toEqual([ids[3], ids[2]]);
        const running = await store.listSearches({ status: ["running"] });
        expect(running.map((s) => s.id)).toEqual([third]);
        expect(await store.countSearches()).toBe(5);
        expect(await store.countSearches({ status: ["queued"] })).toBe(4);

        const counts = all.find((s) => s.id === first)?.trialCounts;
        expect(counts).toMatchObject({ queued: 1, running: 1, complete: 1, failed: 0, total: 3 });
        expect(all.find((s) => s.id === ids[1])?.trialCounts.total).toBe(0);
        expect(await store.countTrials(first)).toEqual(counts);
      });

      it("lists and counts by label, exactly, with a status filter beside it", async () => {
        const a = await store.createSearch(makeSpec({ labels: ["cifar", "team-a"] }));
        const b = await store.createSearch(makeSpec({ labels: ["cifar"] }));
        const c = await store.createSearch(makeSpec({ labels: ["Cifar", "cifar10", "a'b\"c"] }));
        await store.createSearch(makeSpec({ labels: [] }));
        await store.updateSearch(b.id, { status: "running" });
        const ids = async (o: { label?: string; status?: ("queued" | "running")[] }) =>
          (await store.listSearches(o)).map((s) => s.id);
        expect(await ids({ label: "cifar" })).toEqual([b.id, a.id]);
        expect(await ids({ label: "team-a" })).toEqual([a.id]);
        // No prefix, case or substring matches; quotes are data.
        expect(await ids({ label: "cifa" })).toEqual([]);
        expect(await ids({ label: "Cifar" })).toEqual([c.id]);
        expect(await ids({ label: "a'b\"c" })).toEqual([c.id]);
        expect(await ids({ label: "cifar", status: ["queued"] })).toEqual([a.id]);
        expect(await store.countSearches({ label: "cifar" })).toBe(2);
        expect(await store.countSearches({ label: "cifar", status: ["running"] })).toBe(1);
        expect(await store.countSearches({ label: "nothing" })).toBe(0);
      });

      it("deletes an ended search with its trials, points and events; refuses one that may run", async () => {
        const id = await searchWithResults(makeSpec(), [0.3, 0.9]);
        await store.addMetricPoints({ searchId: id, number: 1 }, [point("loss", 0, 1)]);
        await store.addEvent(id, { kind: "note", message: "x" });
        const kept = await searchWithResults(makeSpec(), [0.5]);
        await store.addMetricPoints({ searchId: kept, number: 1 }, [point("loss", 0, 2)]);
        // Running (its creator holds it), stopping: refused, nothing deleted.
        await expect(store.deleteSearch(id)).rejects.toThrow(
          /search \d+ is running: stop it first/,
        );
        await store.requestStop(id, "stop");
        await expect(store.deleteSearch(id)).rejects.toThrow(/is stopping: .*once its running/);
        expect((await store.listTrials(id)).length).toBe(2);
        await store.updateSearch(id, { status: "stopped", endedAt: new Date(now) });
        await store.deleteSearch(id);
        expect(await store.getSearch(id)).toBeUndefined();
        expect(await store.listTrials(id)).toEqual([]);
        expect(await store.listMetricPoints(id)).toEqual([]);
        expect(await store.listEvents(id)).toEqual([]);
        expect(await store.getTrial(id, 1)).toBeUndefined();
        await expect(store.deleteSearch(id)).rejects.toThrow(SearchNotFoundError);
        await expect(store.deleteSearch(0)).rejects.toThrow(SearchNotFoundError);
        // The other search is untouched; an id is never handed out again.
        expect((await store.listMetricPoints(kept)).length).toBe(1);
        expect((await store.getSearch(kept))?.best?.value).toBe(0.5);
        const next = await store.createSearch(makeSpec());
        expect(next.id).toBeGreaterThan(kept);
      });

      it("deletes a queued search nobody holds; refuses one its creator holds until the lease lapses", async () => {
        const free = await store.createSearch(makeSpec());
        await store.deleteSearch(free.id);
        expect(await store.getSearch(free.id)).toBeUndefined();
        const held = await store.createSearch(makeSpec(), {
          lease: { owner: "cli", ttlMs: 1_000 },
        });
        await expect(store.deleteSearch(held.id)).rejects.toThrow(StateConflictError);
        advance(1_000);
        await store.deleteSearch(held.id);
        expect(await store.claimNextQueuedSearch("w1", 60_000)).toBeUndefined();
      });

      it("a delete and a claim of one queued search: exactly one of them happens", async () => {
        for (let round = 0; round < 6; round++) {
          const s = await store.createSearch(makeSpec());
          const other = await another();
          const [claimed, deleted] = await Promise.allSettled([
            other.claimNextQueuedSearch("w1", 60_000),
            store.deleteSearch(s.id),
          ]);
          const claimedIt = claimed.status === "fulfilled" && claimed.value?.id === s.id;
          const deletedIt = deleted.status === "fulfilled";
          expect(claimedIt !== deletedIt, `round ${round}`).toBe(true);
          expect((await store.getSearch(s.id)) === undefined).toBe(deletedIt);
          if (claimedIt) {
            await store.requestStop(s.id, "kill");
            await store.updateSearch(s.id, { status: "killed" });
          }
        }
      });

      it("keeps the best trial for a maximize goal (ties: lowest number)", async () => {
        const id = await searchWithResults(makeSpec({ goal: "maximize" }), [
          0.3,
          0.9,
          null,
          0.9,
          0.1,
        ]);
        const s = await store.getSearch(id);
        expect(s?.best).toEqual({ trialNumber: 2, value: 0.9 });
        const [summary] = await store.listSearches({ limit: 1 });
        expect(summary?.best).toEqual({ trialNumber: 2, value: 0.9 });
      });

      it("keeps the best trial for a minimize goal, ignoring failed and unfinished trials", async () => {
        const id = await searchWithResults(makeSpec({ goal: "minimize", metric: "loss" }), [
          0.3,
          -2,
          null,
          5,
        ]);
        await store.createTrial(id, { number: 9, params: {}, status: "running" });
        await store.updateTrial(id, 9, { value: -100 }); // running: not a result yet
        expect((await store.getSearch(id))?.best).toEqual({ trialNumber: 2, value: -2 });
        await store.updateTrial(id, 9, { status: "complete" });
        expect((await store.getSearch(id))?.best).toEqual({ trialNumber: 9, value: -100 });
        // A complete trial whose aggregate turned out NaN is stored without a value.
        await store.createTrial(id, { number: 10, params: {} });
        const t = await store.updateTrial(id, 10, { status: "complete", value: Number.NaN });
        expect(t.value).toBeNull();
        expect((await store.getSearch(id))?.best?.trialNumber).toBe(9);
        // The best trial leaving `complete` hands the best on.
        await store.updateTrial(id, 9, { status: "failed" });
        expect((await store.getSearch(id))?.best).toEqual({ trialNumber: 2, value: -2 });
      });

      it("recomputes the best trial when the goal of the spec changes", async () => {
        const id = await searchWithResults(makeSpec({ goal: "maximize" }), [0.3, 0.9, 0.1]);
        const s = await store.updateSearch(id, { spec: makeSpec({ goal: "minimize" }) });
        expect(s.goal).toBe("minimize");
        expect(s.best).toEqual({ trialNumber: 3, value: 0.1 });
      });

      it("updates fields, and refuses writes whose condition does not hold", async () => {
        const s = await store.createSearch(makeSpec());
        const ended = new Date(1_800_000_000_123);
        const u = await store.updateSearch(
          s.id,
          { status: "failed", endedAt: ended, failureReason: "3 trials failed" },
          { ifStatus: ["queued", "running"] },
        );
        expect(u.status).toBe("failed");
        expect(u.endedAt?.getTime()).toBe(ended.getTime());
        expect(u.failureReason).toBe("3 trials failed");
        await expect(
          store.updateSearch(s.id, { status: "complete" }, { ifStatus: ["running"] }),
        ).rejects.toThrow(StateConflictError);
        await expect(
          store.updateSearch(s.id, { status: "complete" }, { leaseOwner: "w1" }),
        ).rejects.toThrow(/leased by nobody/);
        expect((await store.getSearch(s.id))?.status).toBe("failed");
        await expect(store.updateSearch(987654, { status: "complete" })).rejects.toThrow(
          SearchNotFoundError,
        );
      });
    });

    describe("trials", () => {
      it("round-trips every field, the executor handle included", async () => {
        const s = await store.createSearch(makeSpec(), { status: "running" });
        const params = { lr: 0.0012, units: 128, opt: "adam" };
        const created = await store.createTrial(s.id, { number: 1, params });
        expect(created).toMatchObject({ searchId: s.id, number: 1, status: "queued", value: null });
        expect(created.startedAt).toBeNull();
        expect(created.handle).toBeNull();
        const handle = { kind: "local", pid: 123, pgid: 123, gpus: [0, 2], dir: "/x/y z" };
        const started = new Date(1_800_000_000_000);
        const ended = new Date(1_800_000_060_000);
        await store.updateTrial(s.id, 1, { status: "running", startedAt: started, handle });
        const done = await store.updateTrial(
          s.id,
          1,
          { status: "failed", endedAt: ended, exitCode: null, signal: "SIGKILL", reason: "OOM" },
          { ifStatus: ["running"] },
        );
        expect(done).toMatchObject({
          status: "failed",
          params,
          handle,
          exitCode: null,
          signal: "SIGKILL",
          reason: "OOM",
        });
        expect(done.startedAt?.getTime()).toBe(started.getTime());
        expect(done.endedAt?.getTime()).toBe(ended.getTime());
        expect(await store.getTrial(s.id, 1)).toEqual(done);
        expect(await store.getTrial(s.id, 2)).toBeUndefined();
      });

      it("refuses a second trial with the same number, with a typed conflict", async () => {
        const s = await store.createSearch(makeSpec());
        await store.createTrial(s.id, { number: 1, params: { lr: 0.1 } });
        const again = store.createTrial(s.id, { number: 1, params: { lr: 0.2 } });
        await expect(again).rejects.toThrow(TrialNumberTakenError);
        await expect(again).rejects.toMatchObject({ code: "conflict", searchId: s.id, number: 1 });
        expect((await store.getTrial(s.id, 1))?.params).toEqual({ lr: 0.1 });
        // The same number in another search is another trial.
        const other = await store.createSearch(makeSpec());
        await store.createTrial(other.id, { number: 1, params: {} });
      });

      it("lets exactly one of two connections create a trial number", async () => {
        const s = await store.createSearch(makeSpec());
        const second = await another();
        const results = await Promise.allSettled([
          store.createTrial(s.id, { number: 7, params: { lr: 1 } }),
          second.createTrial(s.id, { number: 7, params: { lr: 2 } }),
        ]);
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        const rejected = results.find((r) => r.status === "rejected");
        expect((rejected as PromiseRejectedResult).reason).toBeInstanceOf(TrialNumberTakenError);
      });

      it("lets exactly one of several processes create each trial number", async () => {
        const s = await store.createSearch(makeSpec());
        const numbers = Array.from({ length: 30 }, (_, i) => i + 1);
        const won = (await raceChildren({ env: fx.childEnv }, [
          { op: "create-trials", searchId: s.id, numbers },
          { op: "create-trials", searchId: s.id, numbers },
          { op: "create-trials", searchId: s.id, numbers: [...numbers].reverse() },
        ])) as number[][];
        const all = won.flat().sort((a, b) => a - b);
        expect(all).toEqual(numbers);
        expect((await store.countTrials(s.id)).total).toBe(30);
      }, 60_000);

      it("refuses trials for unknown searches and writes for unknown trials", async () => {
        await expect(store.createTrial(31337, { number: 1, params: {} })).rejects.toThrow(
          SearchNotFoundError,
        );
        const s = await store.createSearch(makeSpec());
        await expect(store.updateTrial(s.id, 5, { status: "complete" })).rejects.toThrow(
          TrialNotFoundError,
        );
        await expect(store.createTrial(s.id, { number: 0, params: {} })).rejects.toThrow(
          /positive integer/,
        );
      });

      it("checks the lease owner and status conditions of trial writes", async () => {
        const s = await store.createSearch(makeSpec());
        expect(await store.acquireLease(s.id, "w1", 60_000)).toBe(true);
        await expect(
          store.createTrial(s.id, { number: 1, params: {} }, { leaseOwner: "w2" }),
        ).rejects.toThrow(StateConflictError);
        expect(await store.getTrial(s.id, 1)).toBeUndefined();
        await store.createTrial(
          s.id,
          { number: 1, params: {}, status: "running" },
          { leaseOwner: "w1" },
        );
        await store.updateTrial(s.id, 1, { status: "killed" }, { leaseOwner: "w1" });
        // A late "complete" from a poller must not overwrite the kill.
        await expect(
          store.updateTrial(s.id, 1, { status: "complete", value: 1 }, { ifStatus: ["running"] }),
        ).rejects.toThrow(StateConflictError);
        await expect(
          store.updateTrial(s.id, 1, { reason: "x" }, { leaseOwner: "w2" }),
        ).rejects.toThrow(/leased by w1, not w2/);
        expect(await store.getTrial(s.id, 1)).toMatchObject({ status: "killed", value: null });
      });

      it("lists trials in number order, optionally by status", async () => {
        const s = await store.createSearch(makeSpec());
        for (const n of [3, 1, 2]) await store.createTrial(s.id, { number: n, params: { n } });
        await store.updateTrial(s.id, 2, { status: "complete", value: 1 });
        expect((await store.listTrials(s.id)).map((t) => t.number)).toEqual([1, 2, 3]);
        expect((await store.listTrials(s.id, { status: ["queued"] })).map((t) => t.number)).toEqual(
          [1, 3],
        );
      });
    });

    describe("trial changes (the console's poll)", () => {
      it("answers a cursor with exactly the trials written since, over random writes", async () => {
        const rng = new Rng(13);
        const rand = () => rng.uniform();
        const s = await store.createSearch(makeSpec(), { status: "running" });
        const other = await store.createSearch(makeSpec(), { status: "running" });
        const first = await store.listTrialChanges(s.id, 0);
        expect(first).toEqual({ trials: [], cursor: 0 });
        let cursor = first.cursor;
        /** What the reader holds, by number, merged from every answer. */
        const held = new Map<number, Trial>();
        let written = new Set<number>();
        let created = 0;
        for (let step = 0; step < 120; step++) {
          const r = rand();
          if (r < 0.3 || created === 0) {
            created += 1;
            await store.createTrial(s.id, { number: created, params: { lr: rand() } });
            written.add(created);
          } else if (r < 0.75) {
            const n = 1 + Math.floor(rand() * created);
            await store.updateTrial(s.id, n, {
              status: rand() < 0.5 ? "running" : "complete",
              value: rand(),
              ...(rand() < 0.2 && { notes: `note ${step}` }),
            });
            written.add(n);
          } else if (r < 0.85) {
            // Another search's writes are not this search's changes.
            await store.createTrial(other.id, { number: step + 1, params: {} });
          } else {
            const answer = await store.listTrialChanges(s.id, cursor);
            expect(answer.trials.map((t) => t.number)).toEqual([...written].sort((a, b) => a - b));
            // The SQL form picks what the plain rule picks from the stored rows.
            const stored = await fx.sql(`SELECT number, seq FROM trials WHERE search_id = ${s.id}`);
            expect(
              stored
                .filter((row) => changedAfter({ seq: Number(row.seq) }, cursor))
                .map((row) => Number(row.number))
                .sort((a, b) => a - b),
            ).toEqual(answer.trials.map((t) => t.number));
            expect(answer.cursor).toBeGreaterThanOrEqual(cursor);
            for (const t of answer.trials) held.set(t.number, t);
            cursor = answer.cursor;
            written = new Set();
          }
        }
        for (const t of (await store.listTrialChanges(s.id, cursor)).trials) held.set(t.number, t);
        // Merged, the answers are the search as it is: nothing missed, nothing stale.
        expect([...held.values()].sort((a, b) => a.number - b.number)).toEqual(
          await store.listTrials(s.id),
        );
        // Nothing changed since: an empty answer, the same cursor.
        const last = await store.listTrialChanges(s.id, cursor);
        const again = await store.listTrialChanges(s.id, last.cursor);
        expect(again).toEqual({ trials: [], cursor: last.cursor });
        // A cursor that is not one (negative, fractional, huge) reads as 0 or finds nothing.
        expect((await store.listTrialChanges(s.id, -5)).trials).toHaveLength(created);
        expect((await store.listTrialChanges(s.id, Number.NaN)).trials).toHaveLength(created);
        expect((await store.listTrialChanges(s.id, 2 ** 31)).trials).toEqual([]);
        expect(await store.listTrialChanges(31337, 0)).toEqual({ trials: [], cursor: 0 });
      });

      it("never lets a reader pass over a change two connections write at once", async () => {
        const s = await store.createSearch(makeSpec(), { status: "running" });
        const second = await another();
        const held = new Map<number, Trial>();
        let cursor = 0;
        const read = async () => {
          const answer = await store.listTrialChanges(s.id, cursor);
          for (const t of answer.trials) held.set(t.number, t);
          cursor = answer.cursor;
        };
        const writer = async (w: Store, numbers: number[]) => {
          for (const n of numbers) {
            await w.createTrial(s.id, { number: n, params: { n } });
            await w.updateTrial(s.id, n, { status: "complete", value: n });
          }
        };
        const reading = (async () => {
          for (let i = 0; i < 25; i++) await read();
        })();
        await Promise.all([
          writer(store, [1, 3, 5, 7, 9, 11, 13, 15]),
          writer(second, [2, 4, 6, 8, 10, 12, 14, 16]),
          reading,
        ]);
        await read();
        expect([...held.values()].sort((a, b) => a.number - b.number)).toEqual(
          await store.listTrials(s.id),
        );
        expect(held.size).toBe(16);
      });
    });

    describe("notes", () => {
      it("keeps notes on a search and a trial, clears them, and refuses notes over the limit", async () => {
        const s = await store.createSearch(makeSpec(), { status: "running" });
        expect(s.notes).toBe("");
        await store.createTrial(s.id, { number: 1, params: { lr: 0.1 } });
        await store.updateTrial(s.id, 1, { status: "complete", value: 0.5 });
        const text = "# Findings\n\n**dropout** hurt; <script>alert(1)</script> stays text.\n";
        expect((await store.updateSearch(s.id, { notes: text })).notes).toBe(text);
        expect((await store.getSearch(s.id))?.notes).toBe(text);
        const trial = await store.updateTrial(s.id, 1, { notes: "try `lr` lower" });
        // Notes change nothing else of the trial, nor the best.
        expect(trial).toMatchObject({ status: "complete", value: 0.5, notes: "try `lr` lower" });
        expect((await store.getSearch(s.id))?.best).toEqual({ trialNumber: 1, value: 0.5 });
        expect((await store.listTrials(s.id))[0]?.notes).toBe("try `lr` lower");
        expect((await store.updateSearch(s.id, { notes: "  \n" })).notes).toBe("");
        await expect(
          store.updateTrial(s.id, 1, { notes: "x".repeat(NOTES_MAX_CHARS + 1) }),
        ).rejects.toThrow(UsageError);
        await expect(
          store.updateSearch(s.id, { notes: "x".repeat(NOTES_MAX_CHARS + 1) }),
        ).rejects.toThrow(/longer than/);
        expect((await store.getTrial(s.id, 1))?.notes).toBe("try `lr` lower");
        // Unicode and a full page survive as written.
        const page = `ünïcödé ✓ ${"y".repeat(NOTES_MAX_CHARS - 12)}`;
        expect((await store.updateTrial(s.id, 1, { notes: page })).notes).toBe(page);
      });
    });

    describe("leases", () => {
      it("gives a lease to one of two racing owners only", async () => {
        const s = await store.createSearch(makeSpec());
        const second = await another();
        const won = await Promise.all([
          store.acquireLease(s.id, "w1", 60_000),
          second.acquireLease(s.id, "w2", 60_000),
        ]);
        expect(won.filter(Boolean)).toHaveLength(1);
        const owner = won[0] ? "w1" : "w2";
        const loser = won[0] ? "w2" : "w1";
        expect((await store.getSearch(s.id))?.lease?.owner).toBe(owner);
        // The owner may re-acquire; the loser still cannot.
        expect(await store.acquireLease(s.id, owner, 60_000)).toBe(true);
        expect(await second.acquireLease(s.id, loser, 60_000)).toBe(false);
      });

      it("gives a lease to one of several racing processes only", async () => {
        const s = await store.createSearch(makeSpec());
        const results = await raceChildren(
          { env: fx.childEnv },
          ["p1", "p2", "p3"].map((owner) => ({
            op: "acquire" as const,
            searchId: s.id,
            owner,
            ttlMs: 60_000,
          })),
        );
        expect(results.filter((r) => r === true)).toHaveLength(1);
      }, 60_000);

      it("renews and releases only for the owner", async () => {
        const s = await store.createSearch(makeSpec());
        expect(await store.acquireLease(s.id, "w1", 1_000)).toBe(true);
        const first = (await store.getSearch(s.id))?.lease;
        expect(await store.renewLease(s.id, "w2", 60_000)).toBe(false);
        expect(await store.releaseLease(s.id, "w2")).toBe(false);
        advance(5);
        expect(await store.renewLease(s.id, "w1", 60_000)).toBe(true);
        const renewed = (await store.getSearch(s.id))?.lease;
        expect(renewed?.expiresAt.getTime()).toBeGreaterThan(
          (first?.expiresAt.getTime() ?? 0) + 50_000,
        );
        expect(renewed?.heartbeatAt.getTime()).toBeGreaterThan(first?.heartbeatAt.getTime() ?? 0);
        expect(await store.releaseLease(s.id, "w1")).toBe(true);
        expect((await store.getSearch(s.id))?.lease).toBeNull();
        expect(await store.renewLease(s.id, "w1", 60_000)).toBe(false);
        expect(await store.acquireLease(s.id, "w2", 60_000)).toBe(true);
      });

      it("hands an expired lease over, after which the old owner cannot renew", async () => {
        const s = await store.createSearch(makeSpec());
        expect(await store.acquireLease(s.id, "w1", 60)).toBe(true);
        expect(await store.acquireLease(s.id, "w2", 60_000)).toBe(false);
        advance(120);
        expect(await store.acquireLease(s.id, "w2", 60_000)).toBe(true);
        expect(await store.renewLease(s.id, "w1", 60_000)).toBe(false);
        expect((await store.getSearch(s.id))?.lease?.owner).toBe("w2");
        const lease = (await store.listEvents(s.id)).filter((e) => e.kind === "lease");
        expect(lease.map((e) => e.message)).toEqual([
          "leased by w1",
          "lease taken over by w2 from w1 (expired)",
        ]);
      });

      it("holds a lease until the millisecond it expires, then hands it to whoever asks", async () => {
        // Both ways a lease changes hands: acquiring one search, claiming the other.
        const s = await store.createSearch(makeSpec());
        const r = await store.createSearch(makeSpec());
        expect(await store.acquireLease(s.id, "w1", 1_000)).toBe(true);
        expect(await store.acquireLease(r.id, "w1", 1_000)).toBe(true);
        advance(999);
        expect(await store.acquireLease(s.id, "w2", 60_000)).toBe(false);
        expect(await store.claimNextQueuedSearch("w2", 60_000)).toBeUndefined();
        advance(1);
        expect(await store.acquireLease(s.id, "w2", 60_000)).toBe(true);
        const claimed = await store.claimNextQueuedSearch("w2", 60_000, { skip: [s.id] });
        expect(claimed?.id).toBe(r.id);
        expect(claimed?.lease).toEqual({
          owner: "w2",
          expiresAt: new Date(now + 60_000),
          heartbeatAt: new Date(now),
        });
        expect(claimed?.startedAt?.getTime()).toBe(now);
        expect(await store.acquireLease(r.id, "w1", 1_000)).toBe(false);
        for (const id of [s.id, r.id]) {
          const lease = (await store.listEvents(id)).filter((e) => e.kind === "lease");
          expect(lease.map((e) => [e.message, e.time.getTime()])).toEqual([
            ["leased by w1", now - 1_000],
            ["lease taken over by w2 from w1 (expired)", now],
          ]);
        }
      });

      it("does not lease a search that does not exist", async () => {
        expect(await store.acquireLease(99999, "w1", 1000)).toBe(false);
        expect(await store.renewLease(99999, "w1", 1000)).toBe(false);
      });
    });

    describe("claimNextQueuedSearch", () => {
      it("claims the oldest queued search and marks it running", async () => {
        const a = await store.createSearch(makeSpec());
        const b = await store.createSearch(makeSpec());
        const claimed = await store.claimNextQueuedSearch("w1", 60_000);
        expect(claimed?.id).toBe(a.id);
        expect(claimed?.status).toBe("running");
        expect(claimed?.startedAt).toBeInstanceOf(Date);
        expect(claimed?.lease?.owner).toBe("w1");
        expect((await store.claimNextQueuedSearch("w2", 60_000))?.id).toBe(b.id);
        expect(await store.claimNextQueuedSearch("w3", 60_000)).toBeUndefined();
      });

      it("resumes a running search whose lease expired before any queued one", async () => {
        const old = await store.createSearch(makeSpec());
        const queued = await store.createSearch(makeSpec());
        await store.updateSearch(old.id, { status: "running" });
        expect(await store.acquireLease(old.id, "dead", 50)).toBe(true);
        // Still leased: the queued search is next.
        expect((await store.claimNextQueuedSearch("w1", 60_000))?.id).toBe(queued.id);
        advance(100);
        const resumed = await store.claimNextQueuedSearch("w2", 60_000);
        expect(resumed?.id).toBe(old.id);
        expect(resumed?.status).toBe("running");
        expect(resumed?.lease?.owner).toBe("w2");
        expect(await store.claimNextQueuedSearch("w3", 60_000)).toBeUndefined();
      });

      it("never claims a finished search, even without a lease", async () => {
        const s = await store.createSearch(makeSpec());
        await store.updateSearch(s.id, { status: "complete" });
        expect(await store.claimNextQueuedSearch("w1", 60_000)).toBeUndefined();
      });

      it("hands each search to exactly one of several processes", async () => {
        const ids: number[] = [];
        for (let i = 0; i < 12; i++) ids.push((await store.createSearch(makeSpec())).id);
        const claimed = (await raceChildren(
          { env: fx.childEnv },
          ["p1", "p2", "p3"].map((owner) => ({ op: "claim-all" as const, owner, ttlMs: 60_000 })),
        )) as number[][];
        expect(claimed.flat().sort((a, b) => a - b)).toEqual(ids);
        for (const own of claimed) expect(own).toEqual([...own].sort((a, b) => a - b));
        const searches = await store.listSearches();
        expect(searches.every((s) => s.status === "running" && s.lease !== null)).toBe(true);
      }, 60_000);
    });

    describe("metric points", () => {
      it("round-trips points in (trial, name, step) order, NaN and Infinity included", async () => {
        const s = await store.createSearch(makeSpec());
        await store.createTrial(s.id, { number: 1, params: {} });
        await store.createTrial(s.id, { number: 2, params: {} });
        await store.addMetricPoints({ searchId: s.id, number: 2 }, [point("loss", 1, 0.5)]);
        const n = await store.addMetricPoints({ searchId: s.id, number: 1 }, [
          point("loss", 1, 0.4),
          point("keras/val_acc", 0, Number.NaN),
          point("loss", 0, Number.POSITIVE_INFINITY),
          point("keras/val_acc", 1, -0.25),
          point('odd"{,}\\name', 3, 1e-300),
        ]);
        expect(n).toBe(5);
        const all = await store.listMetricPoints(s.id);
        expect(all.map((p) => [p.trialNumber, p.name, p.step, p.value])).toEqual([
          [1, "keras/val_acc", 0, Number.NaN],
          [1, "keras/val_acc", 1, -0.25],
          [1, "loss", 0, Number.POSITIVE_INFINITY],
          [1, "loss", 1, 0.4],
          [1, 'odd"{,}\\name', 3, 1e-300],
          [2, "loss", 1, 0.5],
        ]);
        expect(all[0]?.time.getTime()).toBe(1_700_000_000_000);
        expect((await store.listMetricPoints(s.id, { trial: 1, name: "loss" })).length).toBe(2);
        expect((await store.listMetricPoints(s.id, { name: "loss" })).length).toBe(3);
        expect(await store.listMetricNames(s.id)).toEqual([
          "keras/val_acc",
          "loss",
          'odd"{,}\\name',
        ]);
        const other = await store.createSearch(makeSpec());
        expect(await store.listMetricPoints(other.id)).toEqual([]);
      });

      it("replaces a point written again for the same metric and step", async () => {
        const s = await store.createSearch(makeSpec());
        await store.createTrial(s.id, { number: 1, params: {} });
        const ref = { searchId: s.id, number: 1 };
        await store.addMetricPoints(ref, [point("loss", 0, 1), point("loss", 1, 2)]);
        // A restarted worker re-reads the log, and a batch may repeat a step.
        const n = await store.addMetricPoints(ref, [
          point("loss", 1, 3),
          point("loss", 1, 4),
          point("loss", 2, 5),
        ]);
        expect(n).toBe(2);
        const values = (await store.listMetricPoints(s.id)).map((p) => [p.step, p.value]);
        expect(values).toEqual([
          [0, 1],
          [1, 4],
          [2, 5],
        ]);
      });

      it("writes nothing from a batch with an invalid point, or for an unknown trial", async () => {
        const s = await store.createSearch(makeSpec());
        await store.createTrial(s.id, { number: 1, params: {} });
        const ref = { searchId: s.id, number: 1 };
        await expect(
          store.addMetricPoints(ref, [point("loss", 0, 1), point("loss", 1.5, 1)]),
        ).rejects.toThrow(/step/);
        expect(await store.listMetricPoints(s.id)).toEqual([]);
        await expect(
          store.addMetricPoints({ searchId: s.id, number: 2 }, [point("a", 0, 1)]),
        ).rejects.toThrow(TrialNotFoundError);
      });

      it("stores 10k points in one call quickly and exports them in bounded batches", async () => {
        const s = await store.createSearch(makeSpec());
        const names = ["loss", "val_loss", "acc", "val_acc"];
        const points: MetricPointInput[] = [];
        for (let step = 0; step < 2_500; step++) {
          for (const name of names) points.push(point(name, step, Math.sin(step) + name.length));
        }
        await store.createTrial(s.id, { number: 1, params: {} });
        await store.createTrial(s.id, { number: 2, params: {} });
        const started = performance.now();
        expect(await store.addMetricPoints({ searchId: s.id, number: 1 }, points)).toBe(10_000);
        const ms = performance.now() - started;
        // Generous for a loaded CI machine; a per-row transaction would take far longer.
        expect(ms).toBeLessThan(5_000);
        await store.addMetricPoints({ searchId: s.id, number: 2 }, points.slice(0, 777));

        const listed = await store.listMetricPoints(s.id);
        expect(listed).toHaveLength(10_777);
        const batches: number[] = [];
        const exported = [];
        for await (const batch of store.exportMetricPoints(s.id, { batchSize: 3_000 })) {
          batches.push(batch.length);
          exported.push(...batch);
        }
        expect(Math.max(...batches)).toBeLessThanOrEqual(3_000);
        expect(batches.slice(0, -1).every((n) => n === 3_000)).toBe(true);
        expect(exported).toEqual(listed);
      });
    });

    describe("stop requests", () => {
      it("ends a queued search at once", async () => {
        const s = await store.createSearch(makeSpec());
        const stopped = await store.requestStop(s.id, "stop");
        expect(stopped.status).toBe("stopped");
        expect(stopped.stopRequested).toBe("stop");
        expect(stopped.endedAt).toBeInstanceOf(Date);
        expect(await store.claimNextQueuedSearch("w1", 60_000)).toBeUndefined();
        await expect(store.requestStop(s.id, "kill")).rejects.toThrow(/already ended \(stopped\)/);
        const k = await store.createSearch(makeSpec());
        expect((await store.requestStop(k.id, "kill")).status).toBe("killed");
      });

      it("ends a queued search at once only while no one holds its lease", async () => {
        const lease = { owner: "cli", ttlMs: 1_000 };
        const held = await store.createSearch(makeSpec(), { lease });
        const lapsing = await store.createSearch(makeSpec(), { lease });
        // Its creator is about to run it: it is asked, like a running search's worker.
        expect((await store.requestStop(held.id, "stop")).status).toBe("stopping");
        advance(1_000);
        const killed = await store.requestStop(lapsing.id, "kill");
        expect(killed.status).toBe("killed");
        expect(killed.endedAt?.getTime()).toBe(now);
      });

      it("asks the worker of a running search, and kill upgrades stop", async () => {
        const s = await store.createSearch(makeSpec());
        await store.claimNextQueuedSearch("w1", 60_000);
        const stopping = await store.requestStop(s.id, "stop");
        expect(stopping.status).toBe("stopping");
        expect(stopping.stopRequested).toBe("stop");
        expect(stopping.endedAt).toBeNull();
        expect((await store.requestStop(s.id, "kill")).stopRequested).toBe("kill");
        expect((await store.requestStop(s.id, "stop")).stopRequested).toBe("kill");
        const stops = (await store.listEvents(s.id)).filter((e) => e.kind === "stop");
        expect(stops.map((e) => e.message)).toEqual(["stop requested", "kill requested"]);
        await expect(store.requestStop(777777, "stop")).rejects.toThrow(SearchNotFoundError);
      });
    });

    describe("events", () => {
      it("appends and lists events oldest first, with tailing", async () => {
        const s = await store.createSearch(makeSpec());
        const e1 = await store.addEvent(s.id, { kind: "status", message: "search started" });
        const e2 = await store.addEvent(s.id, {
          kind: "trial",
          message: "trial 1 <b>failed</b>: exit 1",
          trialNumber: 1,
          time: new Date(1_800_000_000_000),
        });
        const e3 = await store.addEvent(s.id, { kind: "status", message: "done" });
        expect(e2).toMatchObject({ searchId: s.id, trialNumber: 1, kind: "trial" });
        expect(e2.time.getTime()).toBe(1_800_000_000_000);
        expect(e1.trialNumber).toBeNull();
        expect(e1.time).toBeInstanceOf(Date);
        expect(await store.listEvents(s.id)).toEqual([e1, e2, e3]);
        expect(await store.listEvents(s.id, { afterId: e1.id })).toEqual([e2, e3]);
        expect(await store.listEvents(s.id, { limit: 1 })).toEqual([e1]);
        const other = await store.createSearch(makeSpec());
        expect(await store.listEvents(other.id)).toEqual([]);
        await expect(store.addEvent(55555, { kind: "x", message: "y" })).rejects.toThrow(
          SearchNotFoundError,
        );
      });
    });

    describe("rows this version cannot read", () => {
      it("flags exactly those rows, lists the rest as they were, and never claims or rewrites them", async () => {
        const seed = Date.now();
        const rng = new Rng(seed);
        const ids: number[] = [];
        for (let i = 0; i < 12; i++) {
          ids.push((await store.createSearch(makeSpec({ description: `s${i}` }))).id);
        }
        const before = new Map<number, Search>();
        for (const id of ids) before.set(id, (await store.getSearch(id))!);
        // Every way of being unreadable, each on a row drawn at random; the rest stay good.
        const order = [...ids];
        for (let i = order.length - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        const bad = new Map<number, (typeof BAD_SEARCH_ROWS)[number]>();
        for (const [i, how] of BAD_SEARCH_ROWS.entries()) {
          const id = order[i]!;
          bad.set(id, how);
          await fx.sql(`UPDATE searches SET ${how.set(before.get(id)!.spec)} WHERE id = ${id}`);
          recordFault(`unreadable searches row: ${how.name}`);
        }
        const context = `seed ${seed}, bad rows ${[...bad].map(([id, b]) => `${id}: ${b.name}`).join("; ")}`;

        const listed = await store.listSearches({ withUnreadable: true, limit: 100 });
        expect(
          listed.map((e) => e.id),
          context,
        ).toEqual([...ids].reverse());
        for (const entry of listed) {
          const how = bad.get(entry.id);
          if (how === undefined) {
            expect("unreadable" in entry, context).toBe(false);
            expect(withoutCounts(entry as Search), context).toEqual(before.get(entry.id));
            continue;
          }
          expect("unreadable" in entry && entry.unreadable, context).toMatch(how.says);
          expect(entry.createdAt, context).toEqual(before.get(entry.id)!.createdAt);
          const read = await store.getSearch(entry.id).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(read, context).toBeInstanceOf(UnreadableRowError);
          const error = read as UnreadableRowError;
          expect(error.problem, context).toBe(how.problem);
          expect(error.message, context).toMatch(new RegExp(`^search ${entry.id} `));
          expect(error.message, context).not.toContain("\n");
        }
        const good = ids.filter((id) => !bad.has(id));
        expect(
          (await store.listSearches({ limit: 100 })).map((s) => s.id),
          context,
        ).toEqual([...good].reverse());
        expect(await store.countSearches(), context).toBe(ids.length);

        const claimed: number[] = [];
        for (let s = await store.claimNextQueuedSearch("w1", 60_000); s; ) {
          claimed.push(s.id);
          s = await store.claimNextQueuedSearch("w1", 60_000);
        }
        expect(claimed, context).toEqual(good);
        const leased = await fx.sql(
          "SELECT id FROM searches WHERE lease_owner IS NOT NULL ORDER BY id",
        );
        expect(
          leased.map((r) => Number(r.id)),
          context,
        ).toEqual(good);
      });

      it("names a trial row it cannot read; the search still lists and counts", async () => {
        const s = await store.createSearch(makeSpec());
        for (const number of [1, 2, 3]) {
          await store.createTrial(s.id, { number, params: { lr: 0.1 * number } });
        }
        const trialRow = (number: number) => `WHERE search_id = ${s.id} AND number = ${number}`;
        const cases: [string, string, "newer" | "damaged", RegExp][] = [
          [
            "status = 'paused'",
            "a trial status this version does not know",
            "newer",
            /status is "paused"/,
          ],
          [
            "params = '5'",
            "params that are not an object",
            "damaged",
            /params is 5, not an object/,
          ],
          [
            `params = '{"lr": [1]}'`,
            "a parameter value that is a list",
            "damaged",
            /params\.lr is \[1\]/,
          ],
        ];
        for (const [set, name, problem, says] of cases) {
          await fx.sql(`UPDATE trials SET ${set} ${trialRow(2)}`);
          recordFault(`unreadable trials row: ${name}`);
          const error = await store.listTrials(s.id).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error, name).toBeInstanceOf(UnreadableRowError);
          expect((error as UnreadableRowError).problem, name).toBe(problem);
          expect((error as UnreadableRowError).message, name).toMatch(
            new RegExp(`^trial 2 of search ${s.id} `),
          );
          expect((error as UnreadableRowError).message, name).toMatch(says);
          await expect(store.getTrial(s.id, 2), name).rejects.toThrow(UnreadableRowError);
          expect((await store.getTrial(s.id, 3))?.params, name).toEqual({
            lr: 0.30000000000000004,
          });
          expect((await store.countTrials(s.id)).total, name).toBe(3);
          expect(
            (await store.listSearches()).map((x) => x.id),
            name,
          ).toEqual([s.id]);
          await fx.sql(
            `UPDATE trials SET status = 'queued', params = '{"lr": 0.2}' ${trialRow(2)}`,
          );
        }
        expect((await store.listTrials(s.id)).map((t) => t.params.lr)).toHaveLength(3);
      });
    });

    describe("the rules' SQL forms, held against their plain forms", () => {
      /** The searches rows as stored, for `pickClaim` (times come back as numbers or Dates). */
      async function storedStates(): Promise<SearchState[]> {
        const rows = await fx.sql(
          "SELECT id, status, goal, stop_requested, lease_owner, lease_expires_at, started_at FROM searches",
        );
        const time = (v: unknown) => (v === null ? null : new Date(v as number | Date));
        return rows.map((r) => ({
          id: Number(r.id),
          status: String(r.status),
          goal: String(r.goal),
          stopRequested: String(r.stop_requested),
          leaseOwner: r.lease_owner === null ? null : String(r.lease_owner),
          leaseExpiresAt: time(r.lease_expires_at),
          startedAt: time(r.started_at),
        }));
      }

      it("claims the search pickClaim picks, over random statuses, leases, skips and unreadable rows", async () => {
        const seed = Date.now();
        const rng = new Rng(seed);
        const statuses = searchStatusSchema.options;
        const unreadable = new Set<number>();
        for (let i = 0; i < 16; i++) {
          const s = await store.createSearch(makeSpec());
          // The first two are surely claimable, one to start and one to resume.
          const status =
            i < 2 ? (["queued", "running"] as const)[i]! : statuses[rng.int(statuses.length)]!;
          if (status !== "queued") await store.updateSearch(s.id, { status });
          if (rng.uniform() < 0.5)
            await store.acquireLease(s.id, `w${rng.int(3)}`, 1 + rng.int(2_000));
          if (rng.uniform() < 0.5) await store.releaseLease(s.id, "w0");
          if (i >= 2 && rng.uniform() < 0.15) {
            await fx.sql(
              `UPDATE searches SET ${BAD_SEARCH_ROWS[0]!.set(s.spec)} WHERE id = ${s.id}`,
            );
            unreadable.add(s.id);
          }
          advance(rng.int(300));
        }
        recordFault("random claims past unreadable searches rows");
        let claims = 0;
        for (let round = 0; round < 24; round++) {
          advance(rng.int(700));
          const all = await storedStates();
          const skip = all.filter(() => rng.uniform() < 0.2).map((r) => r.id);
          const expected = pickClaim(all, now, skip, (r) => !unreadable.has(r.id));
          const claimed = await store.claimNextQueuedSearch(`c${round}`, 1 + rng.int(1_500), {
            skip,
          });
          const context = `seed ${seed}, round ${round}, skip [${skip.join(", ")}]`;
          expect(claimed?.id, context).toBe(expected?.id);
          if (claimed) claims++;
        }
        expect(claims, `seed ${seed}`).toBeGreaterThanOrEqual(2);
      });

      it("keeps as best the trial bestTrial names, over random writes and goals", async () => {
        const seed = Date.now();
        const rng = new Rng(seed);
        const s = await store.createSearch(makeSpec(), { status: "running" });
        const statuses = trialStatusSchema.options;
        // Two values, so ties are common; null and NaN are "no value".
        const values = [1, 2, null, Number.NaN];
        let goal: Goal = "maximize";
        let created = 0;
        for (let step = 0; step < 80; step++) {
          if (created < 12 && (created === 0 || rng.uniform() < 0.2)) {
            created++;
            await store.createTrial(s.id, { number: created, params: { lr: 0.1 } });
          }
          if (rng.uniform() < 0.08) {
            goal = goal === "maximize" ? "minimize" : "maximize";
            await store.updateSearch(s.id, { spec: makeSpec({ goal }) });
          } else {
            await store.updateTrial(s.id, 1 + rng.int(created), {
              // Half the writes complete a trial, the rest draw any status.
              status: rng.uniform() < 0.5 ? "complete" : statuses[rng.int(statuses.length)]!,
              ...(rng.uniform() < 0.7 && { value: values[rng.int(values.length)]! }),
            });
          }
          const best = bestTrial(await store.listTrials(s.id), goal);
          expect((await store.getSearch(s.id))?.best, `seed ${seed}, step ${step}`).toEqual(
            best === undefined ? null : { trialNumber: best.number, value: best.value },
          );
        }
      });
    });

    describe("sharing one database", () => {
      it("shows each connection the other's writes", async () => {
        const second = await another();
        const s = await store.createSearch(makeSpec());
        expect((await second.getSearch(s.id))?.spec).toEqual(s.spec);
        await second.createTrial(s.id, { number: 1, params: { lr: 0.3 } });
        await second.addMetricPoints({ searchId: s.id, number: 1 }, [point("loss", 0, 0.7)]);
        await second.updateTrial(s.id, 1, { status: "complete", value: 0.7 });
        expect((await store.getSearch(s.id))?.best).toEqual({ trialNumber: 1, value: 0.7 });
        expect(await store.listMetricPoints(s.id)).toHaveLength(1);
        await store.requestStop(s.id, "stop");
        expect((await second.getSearch(s.id))?.status).toBe("stopped");
      });

      it("shows a real second process's writes", async () => {
        const [id] = (await raceChildren({ env: fx.childEnv }, [
          { op: "create-search-and-trial" },
        ])) as [number];
        const s = await store.getSearch(id);
        expect(s?.description).toBe("from a child");
        expect((await store.getTrial(id, 1))?.status).toBe("running");
        expect((await store.listMetricPoints(id)).map((p) => p.value)).toEqual([0.25]);
      }, 60_000);
    });
  });
}
