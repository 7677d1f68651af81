/**
 * A loop's lease against a real SQLite store with injected clocks: when it renews, how it finds
 * out it was taken over while stalled, and that a worker never starts a second loop for a search
 * whose lease lapsed under its own loop. The real stall (SIGSTOP of a worker process) is in
 * stall.test.ts.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteStore, type Store } from "../db";
import { makeSpec } from "../db/testing/fixtures";
import { UsageError } from "../lib/errors";
import type { SearchSpec } from "../lib/search/spec";
import { recordBadInput, recordFault, recordTrials } from "../lib/testing/ledger";
import { HeldLease, LeaseLost, leaseTtlMs } from "./lease";
import { countRuns, makeHome, ROOT, readStarts, TRIAL } from "./testing/cli";
import { runWorker } from "./worker";

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** A store whose clock the test moves: `clock.ms` is added to the real time. */
async function skewedStore() {
  const clock = { ms: 0 };
  const store = await openSqliteStore(join(makeHome(), "hyperbayes.db"), {
    now: () => Date.now() + clock.ms,
  });
  cleanup.push(() => store.close());
  return { store, clock };
}

describe("HeldLease", () => {
  // A long TTL keeps the real-time heartbeat (TTL / 5) out of these tests; time moves only by hand.
  const TTL = 60_000;

  async function held(store: Store, owner = "A") {
    const search = await store.createSearch(makeSpec(), {
      status: "running",
      lease: { owner, ttlMs: TTL },
    });
    const mono = { t: 0 };
    let lost = 0;
    const lease = new HeldLease({
      store,
      searchId: search.id,
      owner,
      ttlMs: TTL,
      clock: () => mono.t,
      onLost: () => lost++,
    });
    cleanup.push(() => lease.close());
    const heartbeat = async () => (await store.getSearch(search.id))?.lease?.heartbeatAt.getTime();
    return { search, lease, mono, lost: () => lost, heartbeat };
  }

  it("renews before acting only when less than a third of the TTL is surely left", async () => {
    const { store, clock } = await skewedStore();
    const { lease, mono, heartbeat } = await held(store);
    // Unknown at first: the lease may have been taken long ago.
    clock.ms = 1000;
    await lease.ensure();
    const first = await heartbeat();
    mono.t = TTL / 2;
    clock.ms = 2000;
    await lease.ensure();
    expect(await heartbeat()).toBe(first);
    mono.t = TTL * 0.7;
    clock.ms = 3000;
    await lease.ensure();
    expect(await heartbeat()).toBeGreaterThan(first!);
    expect(lease.held).toBe(true);
  });

  it("a loop stalled past its lease and taken over stops before it acts", async () => {
    recordFault("loop stalled past its lease, taken over (injected clock)");
    const { store, clock } = await skewedStore();
    const { search, lease, mono, lost } = await held(store);
    await lease.ensure();
    // The stall: both clocks move past the expiry, and another worker claims the search.
    mono.t += 3 * TTL;
    clock.ms += 3 * TTL;
    expect((await store.claimNextQueuedSearch("B", TTL))?.id).toBe(search.id);
    await expect(lease.ensure()).rejects.toBeInstanceOf(LeaseLost);
    await expect(lease.ensure()).rejects.toBeInstanceOf(LeaseLost);
    expect(lost()).toBe(1);
    expect(lease.held).toBe(false);
    expect((await store.getSearch(search.id))?.lease?.owner).toBe("B");
  });

  it("a loop stalled past its lease that nobody took renews it and goes on; then no one can claim it", async () => {
    recordFault("loop stalled past its lease, not taken over (injected clock)");
    const { store, clock } = await skewedStore();
    const { search, lease, mono } = await held(store);
    await lease.ensure();
    mono.t += 3 * TTL;
    clock.ms += 3 * TTL;
    await lease.ensure();
    expect(lease.held).toBe(true);
    expect(await store.claimNextQueuedSearch("B", TTL)).toBeUndefined();
    expect((await store.getSearch(search.id))?.lease?.owner).toBe("A");
  });
});

describe("leaseTtlMs", () => {
  it("reads HYPERBAYES_LEASE_TTL_MS, 15 s by default, and refuses what is not a duration", () => {
    expect(leaseTtlMs({})).toBe(15_000);
    expect(leaseTtlMs({ HYPERBAYES_LEASE_TTL_MS: "1500" })).toBe(1500);
    for (const bad of ["abc", "1.5", "-2000", "100", "1e4", "99999999999999999999"]) {
      recordBadInput("HYPERBAYES_LEASE_TTL_MS");
      expect(() => leaseTtlMs({ HYPERBAYES_LEASE_TTL_MS: bad })).toThrow(UsageError);
      expect(() => leaseTtlMs({ HYPERBAYES_LEASE_TTL_MS: bad })).toThrow(/HYPERBAYES_LEASE_TTL_MS/);
    }
  });
});

describe("claimNextQueuedSearch skip", () => {
  it("passes over the searches named, even with their leases expired", async () => {
    const { store, clock } = await skewedStore();
    const mine = await store.createSearch(makeSpec(), {
      status: "running",
      lease: { owner: "A", ttlMs: 1000 },
    });
    const queued = await store.createSearch(makeSpec());
    clock.ms += 5000;
    expect((await store.claimNextQueuedSearch("A", 1000, { skip: [mine.id] }))?.id).toBe(queued.id);
    expect(await store.claimNextQueuedSearch("A", 1000, { skip: [mine.id] })).toBeUndefined();
    expect((await store.claimNextQueuedSearch("B", 1000))?.id).toBe(mine.id);
  });
});

describe("runWorker", () => {
  it("never starts a second loop for a search whose lease lapsed under its own loop", async () => {
    const { store, clock } = await skewedStore();
    const home = makeHome();
    const record = join(home, "starts.jsonl");
    const spec: SearchSpec = {
      ...makeSpec(),
      kind: "random",
      params: [{ kind: "range", name: "x", min: 1, max: 2, scale: "linear", type: "float" }],
      command: [
        "node",
        TRIAL,
        "--value",
        ":x:",
        "--mode",
        "steps",
        "--steps",
        "12",
        "--step-ms",
        "50",
        "--record",
        record,
      ],
      cwd: ROOT,
      numRuns: 4,
      parallelRuns: 2,
      metric: "loss",
      goal: "minimize",
      machineType: "cpu",
      env: {},
      stopConditions: [],
      maxFailures: 4,
    };
    const searches = [await store.createSearch(spec), await store.createSearch(spec)];
    const loops = new Map<number, number>();
    const controller = new AbortController();
    const worker = runWorker({
      store,
      signal: controller.signal,
      home,
      pollMs: 10,
      leaseTtlMs: 1000,
      onEvent: (e) => {
        if (e.type === "search-started") loops.set(e.search.id, (loops.get(e.search.id) ?? 0) + 1);
      },
    });
    cleanup.push(async () => {
      controller.abort();
      await worker;
    });
    const allEnded = async () => {
      for (const s of searches) {
        const now = await store.getSearch(s.id);
        if (now?.status !== "complete" && now?.status !== "failed") return false;
      }
      return true;
    };
    // Stalls as the store sees them: every lease looks long expired, again and again, while the
    // loops go on (their own clock did not jump); polls every 10 ms would claim them at once.
    let stalls = 0;
    const deadline = Date.now() + 60_000;
    while (!(await allEnded())) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 150));
      clock.ms += 10_000;
      stalls++;
    }
    recordFault("worker's store clock jumped past its leases", stalls);
    const trials = (await Promise.all(searches.map((s) => store.listTrials(s.id)))).flat();
    const counts = countRuns(trials, readStarts(record));
    recordTrials("one loop per search after lapsed leases", counts);
    expect(stalls).toBeGreaterThan(3);
    expect(counts).toEqual({ checked: 8, lost: 0, twice: 0 });
    for (const s of searches) {
      expect(loops.get(s.id)).toBe(1);
      expect((await store.getSearch(s.id))?.status).toBe("complete");
    }
  }, 90_000);
});
