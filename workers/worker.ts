/**
 * The worker process: it claims queued searches (and takes over those whose worker died) and
 * runs one loop per search (`search-run.ts`), several searches at once, sharing its executors
 * (`executors.ts`) between them. A process runs at most one loop per search.
 */
import { hostname } from "node:os";
import { defaultHome, type Store } from "../db";
import type { Search } from "../lib/search/types";
import { Executors } from "./executors";
import { leaseTtlMs } from "./lease";
import { runSearch, type WorkerContext, type WorkerEvent } from "./search-run";
import { OUTAGE_NOTICE, patientStore, storeFault } from "./store-faults";

export { Executors, runSearch, type WorkerContext, type WorkerEvent };

export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
}

/** The lease owner of `search` is a process on this host that no longer exists. */
export function leaseOwnerIsDead(owner: string): boolean {
  const [host, pid] = owner.split(":");
  if (host !== hostname() || pid === undefined || !/^\d+$/.test(pid)) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * Takes the lease of a search for `owner`: free, expired, or held by a dead process on this
 * host (a worker that was SIGKILLed), in which case it is released first. False when a live
 * worker holds it.
 */
export async function takeLease(
  store: Store,
  search: Search,
  owner: string,
  ttlMs = leaseTtlMs(),
): Promise<boolean> {
  if (await store.acquireLease(search.id, owner, ttlMs)) return true;
  const holder = search.lease?.owner;
  if (holder && leaseOwnerIsDead(holder)) {
    await store.releaseLease(search.id, holder);
    return store.acquireLease(search.id, owner, ttlMs);
  }
  return false;
}

export interface RunWorkerOptions {
  store: Store;
  signal: AbortSignal;
  owner?: string;
  home?: string;
  onEvent?: (e: WorkerEvent) => void;
  /** Searches run at once by this worker (default 8). */
  maxSearches?: number;
  /** How often to look for queued searches (default 500 ms). */
  pollMs?: number;
  /** Default `leaseTtlMs()`. */
  leaseTtlMs?: number;
}

/**
 * Runs queued searches (and takes over those whose worker died) until `signal` aborts. On abort
 * it returns promptly; running trials keep running, and the next worker adopts them. One loop
 * per search: a search whose lease lapsed while this process stalled is still this process's
 * (its loop renews it or finds it lost), so it is never claimed again here. A full disk ends
 * every loop, leaving their searches as they are, and is thrown once they have all left.
 */
export async function runWorker(options: RunWorkerOptions): Promise<void> {
  const ttlMs = options.leaseTtlMs ?? leaseTtlMs();
  const ctx: WorkerContext = {
    store: options.store,
    owner: options.owner ?? newOwnerId(),
    home: options.home ?? defaultHome(),
    executors: new Executors(),
    leaseTtlMs: ttlMs,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  };
  const diskFull = new AbortController();
  const signal = AbortSignal.any([options.signal, diskFull.signal]);
  let fatal: unknown;
  const leaveForFullDisk = (e: unknown) => {
    fatal ??= e;
    diskFull.abort();
  };
  // Its lines tell an idle worker's user why nothing happens; a search's loop says the same of it.
  const claimer = patientStore(ctx.store, {
    signal,
    onOutage: (e) => ctx.onEvent?.({ type: "worker-notice", message: OUTAGE_NOTICE.down(e) }),
    onRecovered: () => ctx.onEvent?.({ type: "worker-notice", message: OUTAGE_NOTICE.up }),
  });
  /** Search id -> its loop. */
  const running = new Map<number, Promise<void>>();
  const max = options.maxSearches ?? 8;
  try {
    while (!signal.aborted) {
      if (running.size < max) {
        let search: Search | undefined;
        try {
          search = await claimer.claimNextQueuedSearch(ctx.owner, ttlMs, {
            skip: [...running.keys()],
          });
        } catch (e) {
          if (signal.aborted && storeFault(e) === "unreachable") break;
          if (storeFault(e) !== "full") throw e;
          leaveForFullDisk(e);
          break;
        }
        if (search) {
          const id = search.id;
          const job = runSearch(ctx, id, signal)
            .then(
              () => {},
              (e: unknown) =>
                storeFault(e) === "full" ? leaveForFullDisk(e) : failSearch(ctx, id, e),
            )
            .finally(() => running.delete(id));
          running.set(id, job);
          continue;
        }
      }
      await pause(options.pollMs ?? 500, signal);
    }
    await Promise.allSettled(running.values());
  } finally {
    await ctx.executors.close();
  }
  if (fatal !== undefined) throw fatal;
}

/** A loop that threw what it cannot go on with (not a full disk): its search ends failed. */
async function failSearch(ctx: WorkerContext, id: number, e: unknown): Promise<void> {
  const message = e instanceof Error ? e.message : String(e);
  await ctx.store
    .updateSearch(
      id,
      { status: "failed", endedAt: new Date(), failureReason: message },
      { leaseOwner: ctx.owner },
    )
    .catch(() => {});
  await ctx.store.releaseLease(id, ctx.owner).catch(() => {});
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
