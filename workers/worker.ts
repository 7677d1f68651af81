/**
 * The worker: the one place where the store, the optimizer and the executors meet. It leases a
 * search, then loops ask -> dispatch -> collect -> tell until `numRuns` trials have ended,
 * keeping `parallelRuns` in flight, writing every state change to the store as it happens.
 *
 * Crash safety: a trial row is created (queued) before its process starts, and the executor
 * leaves a handle in the trial directory before `start` returns. A worker that takes over a
 * search adopts running trials by their stored handle, or by the handle found in the directory
 * of a trial that was queued when the previous worker died; only a trial with neither is started
 * (again) — it never ran. Trial numbers are unique per search in the store, so none runs twice.
 * Every write is conditioned on holding the lease: a worker that lost it cannot clobber the
 * worker that took over; and before it starts, stops or kills a trial, a loop makes sure its
 * lease is still its own (`lease.ts`), so a loop that stalled past its lease stops before it
 * acts. A process runs at most one loop per search. The store is called through a wrapper that
 * waits out an unreachable database (`store-faults.ts`); a full disk ends the loop, leaving
 * the search as it is for `hyperbayes resume`.
 */
import { hostname } from "node:os";
import { join } from "node:path";
import { defaultHome, StateConflictError, type Store } from "../db";
import { substituteCommand } from "../lib/command";
import { type Env, HyperbayesError } from "../lib/errors";
import { createLocalExecutor } from "../lib/executors/local";
import { SlurmExecutor } from "../lib/executors/slurm";
import {
  NoCapacityError,
  parseTrialHandle,
  type TrialExecutor,
  type TrialExit,
  type TrialHandle,
} from "../lib/executors/types";
import { type MachineType, resolveMachineType } from "../lib/machines/types";
import { createStopWatcher, formatStopCondition, type StopWatcher } from "../lib/metrics/stop";
import type { MetricPoint } from "../lib/metrics/stream";
import { type ModelState, type Observation, suggest } from "../lib/optimizer";
import type { Search, Trial } from "../lib/search/types";
import type { Params } from "../lib/space/schema";
import { HeldLease, LeaseLost, leaseTtlMs } from "./lease";
import { type TrialOutcome, trialOutcome } from "./outcome";
import { patientStore, storeFault } from "./store-faults";
import { TrialOutput } from "./tail";

/** How often running trials' output is read and their state polled, besides exit events. */
const TICK_MS = 250;

export type WorkerEvent =
  | { type: "search-started"; search: Search; resumed: boolean }
  | { type: "trial-started"; search: Search; trial: Trial }
  | { type: "trial-ended"; search: Search; trial: Trial }
  | { type: "search-ended"; search: Search }
  | { type: "notice"; search: Search; message: string };

export interface WorkerContext {
  store: Store;
  /** Lease owner id: `host:pid:nonce`, so a dead owner on this host can be recognised. */
  owner: string;
  /** Data directory; trial directories live under it. */
  home: string;
  executors: Executors;
  /** Default `leaseTtlMs()` (HYPERBAYES_LEASE_TTL_MS, else 15 s). */
  leaseTtlMs?: number;
  /** Monotonic milliseconds for the lease's own timing; default `performance.now`. */
  clock?: () => number;
  onEvent?: (e: WorkerEvent) => void;
  /** Adds its time spent in `suggest` (for benchmarks that exclude it). */
  timing?: { suggestMs: number };
  /** The optimizer; default `suggest`. (Tests give one that fails the way no real space can.) */
  suggest?: typeof suggest;
}

export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * The executors a worker process shares between its searches: one local executor (GPU slots are
 * per machine), and one Slurm executor per machine type (its sbatch settings; each polls squeue
 * once per interval for all of its jobs).
 */
export class Executors {
  private local?: Promise<TrialExecutor>;
  /** By machine type name and settings; "" for the one forKind("slurm") hands out. */
  private readonly slurm = new Map<string, SlurmExecutor>();
  constructor(private readonly env: Env = process.env) {}

  /** The executor that starts a machine type's trials (and adopts the ones it started). */
  forMachine(machine: MachineType): Promise<TrialExecutor> {
    if (machine.executor === "local") return this.forKind("local");
    // By name and settings: a config file edited while the worker runs applies to new searches.
    const key = JSON.stringify([machine.name, machine.slurm]);
    let executor = this.slurm.get(key);
    if (!executor) {
      executor = new SlurmExecutor({
        machineType: machine.name,
        settings: machine.slurm,
        env: this.env,
      });
      this.slurm.set(key, executor);
    }
    return Promise.resolve(executor);
  }

  /** An executor that can poll, stop, kill and adopt any handle of this kind (a Slurm job needs
   * no machine type settings once submitted). */
  forKind(kind: TrialHandle["kind"]): Promise<TrialExecutor> {
    if (kind === "local") {
      this.local ??= createLocalExecutor({ env: this.env });
      return this.local;
    }
    if (kind === "slurm") {
      let executor = this.slurm.get("");
      if (!executor) {
        executor = new SlurmExecutor({ env: this.env });
        this.slurm.set("", executor);
      }
      return Promise.resolve(executor);
    }
    throw new HyperbayesError("internal", `no ${kind satisfies never} executor in this worker`);
  }

  async close(): Promise<void> {
    if (this.local) await (await this.local).close();
    for (const executor of this.slurm.values()) await executor.close();
  }
}

export function trialDir(home: string, searchId: number, number: number): string {
  return join(home, "searches", String(searchId), "trials", String(number));
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

interface LiveTrial {
  trial: Trial;
  handle: TrialHandle;
  output: TrialOutput;
  points: MetricPoint[];
  watcher: StopWatcher;
  /** Set once the trial's metrics met a stop condition and it was asked to stop. */
  earlyStop?: string;
  /** stop() or kill() already sent for a stop/kill request of the search. */
  signalled?: "stop" | "kill";
}

/**
 * Runs a search this worker holds the lease of, until it ends (or the lease is lost, or `signal`
 * aborts: then what running trials printed so far is stored, and they are left running for the
 * next worker to adopt). Throws what the loop cannot go on with: a full disk (`storeFault`
 * "full"; the search is left as it is, resumable) or a failure of the search itself.
 */
export async function runSearch(
  ctx: WorkerContext,
  searchId: number,
  signal?: AbortSignal,
): Promise<Search> {
  const { owner } = ctx;
  const emit = (e: WorkerEvent) => ctx.onEvent?.(e);
  const waiting = signal ? { signal } : {};
  // The first read waits silently: a notice names its search.
  let search = await mustGet(patientStore(ctx.store, waiting), searchId);
  const store = patientStore(ctx.store, {
    ...waiting,
    onOutage: (e) =>
      emit({
        type: "notice",
        search,
        message: `the database does not answer (${e instanceof Error ? e.message : String(e)}); retrying`,
      }),
    onRecovered: () => emit({ type: "notice", search, message: "the database answers again" }),
  });
  const spec = search.spec;
  const machine = await resolveMachineType(spec.machineType);
  const executor = await ctx.executors.forMachine(machine);
  const guard = { leaseOwner: owner };

  // A change that arrives while the loop is busy must not be lost: it marks the loop dirty, and
  // the next nap returns at once.
  let dirty = false;
  let wakeNap: (() => void) | undefined;
  const wake = () => {
    dirty = true;
    wakeNap?.();
  };
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      if (dirty) {
        dirty = false;
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeNap = undefined;
        dirty = false;
        resolve();
      }
      wakeNap = done;
    });
  const unsubscribe = executor.onChange(() => wake());
  const onAbort = () => wake();
  signal?.addEventListener("abort", onAbort);

  const lease = new HeldLease({
    store: ctx.store,
    patientStore: store,
    searchId,
    owner,
    ttlMs: ctx.leaseTtlMs ?? leaseTtlMs(),
    ...(ctx.clock ? { clock: ctx.clock } : {}),
    onLost: wake,
  });

  const live = new Map<number, LiveTrial>();
  const ended: Trial[] = [];
  let warm: ModelState | undefined;
  let exhausted = false;

  const startLive = (trial: Trial, handle: TrialHandle): LiveTrial => {
    const entry: LiveTrial = {
      trial,
      handle,
      output: new TrialOutput(handle.dir),
      points: [],
      watcher: createStopWatcher(spec.stopConditions),
    };
    live.set(trial.number, entry);
    return entry;
  };

  async function collect(entry: LiveTrial, final: boolean): Promise<void> {
    const points = final ? entry.output.finish() : entry.output.read();
    if (points.length === 0) return;
    for (const p of points) entry.points.push(p);
    const time = new Date();
    await store.addMetricPoints(
      { searchId, number: entry.trial.number },
      points.map((p) => ({ ...p, time })),
    );
    if (
      !final &&
      !entry.earlyStop &&
      spec.stopConditions.length > 0 &&
      entry.watcher.observe(points)
    ) {
      entry.earlyStop =
        entry.watcher.reason ?? spec.stopConditions.map(formatStopCondition).join(" && ");
      await lease.ensure();
      await executor.stop(entry.handle);
      emit({
        type: "notice",
        search,
        message: `trial ${entry.trial.number}: ${entry.earlyStop}, stopping it`,
      });
    }
  }

  async function finish(entry: LiveTrial, exit: TrialExit): Promise<void> {
    await collect(entry, true);
    const outcome: TrialOutcome = trialOutcome(exit, entry.points, spec, entry.earlyStop);
    let reason = outcome.reason;
    if (outcome.status === "failed" && exit.exitCode !== 0 && !exit.message) {
      const last = entry.output.lastStderrLine();
      if (last) reason = `${reason}: ${last}`;
    }
    const trial = await store.updateTrial(
      searchId,
      entry.trial.number,
      {
        status: outcome.status,
        value: outcome.value,
        endedAt: exit.endedAt,
        exitCode: exit.exitCode,
        signal: exit.signal,
        reason,
      },
      guard,
    );
    live.delete(entry.trial.number);
    ended.push(trial);
    observed.set(trial.number, outcome.observed);
    emit({ type: "trial-ended", search, trial });
  }

  /** What the optimizer learns from each ended trial (null: failed to produce a value). */
  const observed = new Map<number, number | null>();

  async function launch(number: number, params: Params, existing?: Trial): Promise<void> {
    const dir = trialDir(ctx.home, searchId, number);
    let trial =
      existing ?? (await store.createTrial(searchId, { number, params, status: "queued" }, guard));
    await lease.ensure();
    const startedAt = new Date();
    const handle = await executor.start({
      searchId: String(searchId),
      trialNumber: number,
      argv: substituteCommand(spec.command, params, spec.params),
      cwd: spec.cwd,
      env: spec.env,
      dir,
      gpus: machine.gpus,
      ...(spec.timeoutMinutes !== undefined ? { timeoutMs: spec.timeoutMinutes * 60_000 } : {}),
    });
    trial = await store.updateTrial(
      searchId,
      number,
      { status: "running", startedAt, handle },
      guard,
    );
    startLive(trial, handle);
    emit({ type: "trial-started", search, trial });
  }

  try {
    await lease.ensure();
    // Take stock: what a previous worker left behind.
    const resumed = (await store.listTrials(searchId)).length > 0;
    emit({ type: "search-started", search, resumed });
    const queuedLeftovers: Trial[] = [];
    for (const trial of await store.listTrials(searchId)) {
      if (trial.status === "queued" || trial.status === "running") {
        const dir = trialDir(ctx.home, searchId, trial.number);
        const handle = trial.handle ? parseTrialHandle(trial.handle) : await executor.recover(dir);
        if (!handle) {
          queuedLeftovers.push(trial); // created but never started: start it below
          continue;
        }
        let current = trial;
        if (trial.status === "queued" || !trial.handle) {
          current = await store.updateTrial(
            searchId,
            trial.number,
            { status: "running", startedAt: new Date(handle.startedAt), handle },
            guard,
          );
        }
        const entry = startLive(current, handle);
        // Its series so far is in the store; the output reader goes on from where the last
        // worker got to (tail.ts) and leaves out what the store already has.
        const earlier = await store.listMetricPoints(searchId, { trial: trial.number });
        for (const p of earlier) entry.points.push(p);
        entry.output.alreadyStored(earlier);
        const state = await executor.adopt(handle);
        emit({
          type: "notice",
          search,
          message: `trial ${trial.number}: adopted (${state.state})`,
        });
        if (state.state === "exited") await finish(entry, state);
      } else {
        ended.push(trial);
        observed.set(trial.number, observedValue(trial));
      }
    }
    let nextNumber = Math.max(0, ...(await store.listTrials(searchId)).map((t) => t.number)) + 1;

    // Exit events can wake the loop every few milliseconds; the search row (stop requests) and
    // the running trials' output are read once per tick, so a wake costs only what refills a slot.
    let lastTick = Number.NEGATIVE_INFINITY;
    for (;;) {
      await lease.ensure();
      if (signal?.aborted) return await detach();
      const tick = performance.now() - lastTick >= TICK_MS;
      if (tick) {
        lastTick = performance.now();
        search = await mustGet(store, searchId);
      }

      // Stop and kill requests, from this process (Ctrl-C) or any other (CLI, console).
      if (search.stopRequested !== "none") {
        const mode = search.stopRequested;
        for (const entry of live.values()) {
          if (entry.signalled === mode || entry.signalled === "kill") continue;
          await lease.ensure();
          entry.signalled = mode;
          if (mode === "kill") await executor.kill(entry.handle);
          else await executor.stop(entry.handle);
        }
        for (const trial of queuedLeftovers.splice(0)) {
          const t = await store.updateTrial(
            searchId,
            trial.number,
            {
              status: mode === "kill" ? "killed" : "stopped",
              reason: "the search was stopped before it started",
              endedAt: new Date(),
            },
            guard,
          );
          ended.push(t);
        }
      }

      // Exits first, so a free slot is refilled before the slower read of everyone's output.
      const stillRunning: LiveTrial[] = [];
      for (const entry of [...live.values()]) {
        const state = await executor.poll(entry.handle);
        if (state.state === "exited") await finish(entry, state);
        else stillRunning.push(entry);
      }

      const failures = ended.filter((t) => t.status === "failed" || t.status === "timeout").length;
      const tooManyFailures = failures >= spec.maxFailures;
      const stopping = search.stopRequested !== "none" || tooManyFailures;
      if (tooManyFailures && live.size > 0) {
        for (const entry of live.values()) {
          if (!entry.signalled) {
            await lease.ensure();
            entry.signalled = "stop";
            await executor.stop(entry.handle);
          }
        }
      }
      const created = ended.length + live.size + queuedLeftovers.length;

      // Dispatch: queued leftovers first, then new points from the optimizer.
      if (!stopping) {
        let room = Math.min(spec.parallelRuns - live.size, executor.capacity(machine.gpus));
        while (room > 0 && queuedLeftovers.length > 0) {
          const trial = queuedLeftovers[0]!;
          if (!(await tryLaunch(() => launch(trial.number, trial.params, trial)))) break;
          queuedLeftovers.shift();
          room--;
        }
        const want = Math.min(room, spec.numRuns - created);
        if (want > 0 && !exhausted) {
          const began = performance.now();
          const result = (ctx.suggest ?? suggest)({
            algorithm: spec.kind,
            space: spec.params,
            goal: spec.goal,
            observations: ended
              .slice()
              .sort((a, b) => a.number - b.number)
              .map(
                (t): Observation => ({ params: t.params, value: observed.get(t.number) ?? null }),
              ),
            pending: [...live.values()].map((e) => e.trial.params),
            n: want,
            seed: spec.seed,
            acquisition: spec.acquisition,
            ...(spec.kappa !== undefined ? { kappa: spec.kappa } : {}),
            ...(warm ? { warm } : {}),
          });
          if (ctx.timing) ctx.timing.suggestMs += performance.now() - began;
          warm = result.state ?? warm;
          if (result.exhausted) {
            exhausted = true;
            emit({ type: "notice", search, message: "every point of the space has been tried" });
          } else if (
            result.points.length === 0 &&
            live.size === 0 &&
            queuedLeftovers.length === 0
          ) {
            // Nothing in flight could change its answer: asking again would spin forever.
            return await end(
              "failed",
              `the optimizer proposed no new point after ${ended.length} trials, without the space being used up (a range too narrow to tell its values apart?)`,
            );
          }
          for (const params of result.points) {
            const number = nextNumber;
            if (!(await tryLaunch(() => launch(number, params)))) break;
            nextNumber++;
          }
        }
      }

      // New metric points of the trials still running (stop conditions act on them).
      if (tick) {
        for (const entry of stillRunning)
          if (live.has(entry.trial.number)) await collect(entry, false);
      }

      // The end: every trial ended, and no more to start.
      if (live.size === 0 && queuedLeftovers.length === 0) {
        const done = ended.length >= spec.numRuns || exhausted;
        if (done || stopping) {
          if (tooManyFailures) {
            return await end(
              "failed",
              `${failures} trials failed (--max-failures ${spec.maxFailures})`,
            );
          }
          return await end(
            search.stopRequested === "kill"
              ? "killed"
              : search.stopRequested === "stop"
                ? "stopped"
                : "complete",
          );
        }
      }
      await nap(Math.max(1, TICK_MS - (performance.now() - lastTick)));
    }
  } catch (e) {
    // A write refused for its lease condition means the same as a failed renewal.
    if (e instanceof LeaseLost || (e instanceof StateConflictError && !(await holdsLease()))) {
      emit({
        type: "notice",
        search,
        message: "lost the lease: another worker took the search over",
      });
      return search;
    }
    // Told to leave while waiting for the database: the next worker carries on.
    if (signal?.aborted && storeFault(e) === "unreachable") return search;
    throw e;
  } finally {
    lease.close();
    unsubscribe();
    signal?.removeEventListener("abort", onAbort);
    if (lease.held) await ctx.store.releaseLease(searchId, owner).catch(() => {});
  }

  async function end(
    status: "complete" | "stopped" | "killed" | "failed",
    failureReason?: string,
  ): Promise<Search> {
    search = await store.updateSearch(
      searchId,
      { status, endedAt: new Date(), ...(failureReason ? { failureReason } : {}) },
      guard,
    );
    await store.addEvent(searchId, { kind: "status", message: `search ${status}` });
    emit({ type: "search-ended", search });
    return search;
  }

  /**
   * Leaves the search to the next worker. What the running trials printed so far is stored
   * first, so none of it waits in the logs for whoever adopts them; a store that cannot take it
   * (a full disk) leaves it there, and the adopter reads it.
   */
  async function detach(): Promise<Search> {
    for (const entry of live.values()) {
      try {
        await collect(entry, false);
      } catch {
        // Still in the trial's log: the adopter reads it from there.
      }
    }
    return search;
  }

  async function holdsLease(): Promise<boolean> {
    const now = await ctx.store.getSearch(searchId).catch(() => undefined);
    return now?.lease?.owner === owner;
  }
}

/** Starts a trial unless the executor has no room now (then it is retried on a later tick). */
async function tryLaunch(start: () => Promise<void>): Promise<boolean> {
  try {
    await start();
    return true;
  } catch (e) {
    if (e instanceof NoCapacityError) return false;
    throw e;
  }
}

/** What the optimizer learns from a trial ended before this worker took over. */
function observedValue(trial: Trial): number | null {
  if (trial.status === "complete" || trial.status === "stopped") return trial.value;
  return null;
}

async function mustGet(store: Store, id: number): Promise<Search> {
  const search = await store.getSearch(id);
  if (!search) throw new HyperbayesError("not_found", `search ${id} does not exist`);
  return search;
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
  const claimer = patientStore(ctx.store, { signal });
  /** Search id -> its loop. */
  const running = new Map<number, Promise<void>>();
  let fatal: unknown;
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
          fatal = e;
          diskFull.abort();
          break;
        }
        if (search) {
          const id = search.id;
          const job = runSearch(ctx, id, signal)
            .then(
              () => {},
              async (e: unknown) => {
                if (storeFault(e) === "full") {
                  fatal ??= e;
                  diskFull.abort();
                  return;
                }
                const message = e instanceof Error ? e.message : String(e);
                await ctx.store
                  .updateSearch(
                    id,
                    { status: "failed", endedAt: new Date(), failureReason: message },
                    { leaseOwner: ctx.owner },
                  )
                  .catch(() => {});
                await ctx.store.releaseLease(id, ctx.owner).catch(() => {});
              },
            )
            .finally(() => running.delete(id));
          running.set(id, job);
          continue;
        }
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          resolve();
        };
        const timer = setTimeout(done, options.pollMs ?? 500);
        signal.addEventListener("abort", done);
      });
    }
    await Promise.allSettled(running.values());
  } finally {
    await ctx.executors.close();
  }
  if (fatal !== undefined) throw fatal;
}
