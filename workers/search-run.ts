/**
 * One search's loop, the one place where the store, the optimizer and the executors meet: it
 * runs ask -> dispatch -> collect -> tell until `numRuns` trials have ended, keeping
 * `parallelRuns` in flight, writing every state change to the store as it happens. Its steps
 * are the methods of `SearchRun`; its decisions are pure functions in policy.ts.
 *
 * Crash safety: a trial row is created (queued) before its process starts, and the executor
 * leaves a handle in the trial directory before `start` returns. A worker that takes over a
 * search adopts running trials by their stored handle, or by the handle found in the directory
 * of a trial that was queued when the previous worker died; only a trial with neither is started
 * (again) — it never ran. Trial numbers are unique per search in the store, so none runs twice.
 * Every write is conditioned on holding the lease: a worker that lost it cannot clobber the
 * worker that took over; and before it starts, stops or kills a trial, a loop makes sure its
 * lease is still its own (`lease.ts`), so a loop that stalled past its lease stops before it
 * acts. The store is called through a wrapper that waits out an unreachable database
 * (`store-faults.ts`); a full disk ends the loop, leaving the search as it is for
 * `hyperbayes resume`.
 */
import { StateConflictError, type Store } from "../db";
import { substituteCommand } from "../lib/command";
import { HyperbayesError } from "../lib/errors";
import {
  NoCapacityError,
  parseTrialHandle,
  type TrialExecutor,
  type TrialExit,
  type TrialHandle,
} from "../lib/executors/types";
import { trialDir } from "../lib/home";
import { type MachineType, resolveMachineType } from "../lib/machines/types";
import { sameMetric } from "../lib/metrics/names";
import { createStopWatcher, formatStopCondition, type StopWatcher } from "../lib/metrics/stop";
import type { MetricPoint } from "../lib/metrics/stream";
import { type ModelState, suggest } from "../lib/optimizer";
import { reasonWhere } from "../lib/pruning/rules";
import { earlyStopIdle, stepRange } from "../lib/pruning/savings";
import type { SearchSpec } from "../lib/search/spec";
import { isFinalTrial } from "../lib/search/status";
import type { Search, Trial } from "../lib/search/types";
import type { Params } from "../lib/space/schema";
import type { Executors } from "./executors";
import { HeldLease, LeaseLost, leaseTtlMs } from "./lease";
import { reasonWithStderr, trialOutcome, type WorkerStop } from "./outcome";
import {
  freeSlots,
  optimizerInput,
  pointsToAsk,
  type SearchEnd,
  type SearchProgress,
  type StopMode,
  searchEnd,
  signalToSend,
  windDown,
} from "./policy";
import { PruningJudge } from "./pruning";
import { OUTAGE_NOTICE, patientStore, storeFault } from "./store-faults";
import { TrialOutput } from "./tail";

/** How often running trials' output is read and their state polled, besides exit events. */
const TICK_MS = 250;

export type WorkerEvent =
  | { type: "search-started"; search: Search; resumed: boolean }
  | { type: "trial-started"; search: Search; trial: Trial }
  | { type: "trial-ended"; search: Search; trial: Trial }
  | { type: "search-ended"; search: Search }
  | { type: "notice"; search: Search; message: string }
  /** The worker's own news, about no one search (its database going away while it is idle). */
  | { type: "worker-notice"; message: string };

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

/** A trial this loop started or adopted, until it ends. */
interface LiveTrial {
  trial: Trial;
  handle: TrialHandle;
  output: TrialOutput;
  points: MetricPoint[];
  watcher: StopWatcher;
  /**
   * Set once the worker asked the trial to stop: its metrics met a stop condition, or
   * --early-stop pruned it. A pruning's reason is also written to the running trial's row (the
   * only reason a running trial has), so a worker that adopts it knows it was pruned.
   */
  workerStop?: WorkerStop;
  /** stop() or kill() already sent as the search winds down. */
  signalled?: StopMode;
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
  return (await SearchRun.open(ctx, searchId, signal)).run();
}

/**
 * Wakes a napping loop early. A wake that comes while the loop is busy is kept, so the next nap
 * returns at once: a change is never slept through.
 */
class Wakeup {
  private dirty = false;
  private wakeNap: (() => void) | undefined;

  readonly wake = (): void => {
    this.dirty = true;
    this.wakeNap?.();
  };

  nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.dirty) {
        this.dirty = false;
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        this.wakeNap = undefined;
        this.dirty = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeNap = done;
    });
  }
}

/**
 * One search's loop, as named steps over its state (the fields below). `recover` takes stock of
 * what an earlier worker left; then each `turn` winds the search down when it stops taking
 * trials (`windDown`), reads exits (`collectExits`, each ended trial through `finish`), fills
 * free slots (`dispatch`), reads the running trials' output (`collectOutput`), and `end`s the
 * search when the policy says it is over. Every decision is a pure function in policy.ts.
 */
class SearchRun {
  private readonly id: number;
  private readonly spec: SearchSpec;
  /** `ctx.store`, waiting out an unreachable database (store-faults.ts). */
  private readonly store: Store;
  private readonly guard: { leaseOwner: string };
  private readonly lease: HeldLease;
  private readonly wakeup = new Wakeup();
  private readonly unsubscribe: () => void;
  /** --early-stop: every trial's series of the search metric, and the rules' judgement. */
  private readonly pruning: PruningJudge;

  /** As last read (stop requests come through it). */
  private search: Search;
  /** Trials running now, by number. */
  private readonly live = new Map<number, LiveTrial>();
  /** Every ended trial as stored: this worker's, and those an earlier worker left ended. */
  private readonly ended: Trial[] = [];
  /** Created by an earlier worker, never started: they start before any new point. */
  private readonly waiting: Trial[] = [];
  private nextNumber = 1;
  /** The optimizer's last state, to warm-start its next fit. */
  private warm: ModelState | undefined;
  /** The optimizer said every point of the space has been tried. */
  private exhausted = false;
  /**
   * Whether early stopping has nothing to judge was asked (lib/pruning/savings `earlyStopIdle`),
   * once, at the first complete trial's end: its answer cannot change after that.
   */
  private idleAsked = false;
  /** When the search row and the running trials' output were last read (performance.now). */
  private lastTick = Number.NEGATIVE_INFINITY;

  static async open(
    ctx: WorkerContext,
    searchId: number,
    signal: AbortSignal | undefined,
  ): Promise<SearchRun> {
    // The first read waits silently: a notice names its search.
    const search = await mustGet(patientStore(ctx.store, signal ? { signal } : {}), searchId);
    const machine = await resolveMachineType(search.spec.machineType);
    const executor = await ctx.executors.forMachine(machine);
    return new SearchRun(ctx, search, machine, executor, signal);
  }

  private constructor(
    private readonly ctx: WorkerContext,
    search: Search,
    private readonly machine: MachineType,
    private readonly executor: TrialExecutor,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.search = search;
    this.id = search.id;
    this.spec = search.spec;
    this.pruning = new PruningJudge(search.spec);
    this.guard = { leaseOwner: ctx.owner };
    this.store = patientStore(ctx.store, {
      ...(signal ? { signal } : {}),
      onOutage: (e) => this.notice(OUTAGE_NOTICE.down(e)),
      onRecovered: () => this.notice(OUTAGE_NOTICE.up),
    });
    this.unsubscribe = executor.onChange(this.wakeup.wake);
    signal?.addEventListener("abort", this.wakeup.wake);
    this.lease = new HeldLease({
      store: ctx.store,
      patientStore: this.store,
      searchId: this.id,
      owner: ctx.owner,
      ttlMs: ctx.leaseTtlMs ?? leaseTtlMs(),
      ...(ctx.clock ? { clock: ctx.clock } : {}),
      onLost: this.wakeup.wake,
    });
  }

  async run(): Promise<Search> {
    try {
      await this.lease.ensure();
      await this.recover();
      for (;;) {
        const over = await this.turn();
        if (over) return over;
        await this.wakeup.nap(Math.max(1, TICK_MS - (performance.now() - this.lastTick)));
      }
    } catch (e) {
      return await this.leave(e);
    } finally {
      await this.close();
    }
  }

  /**
   * Takes stock of what a previous worker left: ended trials are kept for the optimizer; a
   * running or queued one is adopted by its stored handle, or by the handle the executor finds
   * in its directory (a worker that died before storing it); one with neither never ran, and
   * waits to be started.
   */
  private async recover(): Promise<void> {
    const found = await this.store.listTrials(this.id);
    this.emit({ type: "search-started", search: this.search, resumed: found.length > 0 });
    await this.recoverSeries(found);
    // The ended ones first: an adopted trial that was stopped as --max-failures was reached
    // ends with that reason, whatever its number.
    this.ended.push(...found.filter((t) => isFinalTrial(t.status)));
    for (const trial of found) {
      if (isFinalTrial(trial.status)) continue;
      const handle = trial.handle
        ? parseTrialHandle(trial.handle)
        : await this.executor.recover(trialDir(this.ctx.home, this.id, trial.number));
      if (handle) await this.adopt(trial, handle);
      else this.waiting.push(trial);
    }
    this.nextNumber = Math.max(0, ...found.map((t) => t.number)) + 1;
  }

  /** The ended trials' series of the search metric, which --early-stop judges the others by. */
  private async recoverSeries(found: readonly Trial[]): Promise<void> {
    if (!this.pruning.enabled || found.length === 0) return;
    const names = (await this.store.listMetricNames(this.id)).filter((n) =>
      sameMetric(n, this.spec.metric),
    );
    const ended = new Set(found.filter((t) => isFinalTrial(t.status)).map((t) => t.number));
    for (const name of names)
      for (const p of await this.store.listMetricPoints(this.id, { name }))
        if (ended.has(p.trialNumber)) this.pruning.add(p.trialNumber, [p]);
    for (const t of found) if (ended.has(t.number)) this.pruning.ended(t.number, t.status);
  }

  private async adopt(trial: Trial, handle: TrialHandle): Promise<void> {
    let current = trial;
    if (trial.status === "queued" || !trial.handle) {
      current = await this.store.updateTrial(
        this.id,
        trial.number,
        { status: "running", startedAt: new Date(handle.startedAt), handle },
        this.guard,
      );
    }
    const entry = this.track(current, handle);
    // Its series so far is in the store; the output reader goes on from where the last worker
    // got to (tail.ts) and leaves out what the store already has.
    const earlier = await this.store.listMetricPoints(this.id, { trial: trial.number });
    for (const p of earlier) entry.points.push(p);
    entry.output.alreadyStored(earlier);
    this.pruning.add(trial.number, earlier);
    this.pruning.judgedSoFar(trial.number);
    if (current.reason) entry.workerStop = { by: "pruning", reason: current.reason };
    // A stop condition that holds on the stored series: the last worker stopped the trial for it
    // (a condition's stop, unlike a pruning, is not written to the row) or died before it could.
    // Either way the trial ends as a condition's stop (complete, "stopped early"), not as a stop
    // by request.
    const condition = entry.workerStop ? undefined : this.replayStopConditions(entry, earlier);
    const state = await this.executor.adopt(handle);
    this.notice(`trial ${trial.number}: adopted (${state.state})`);
    if (state.state === "exited") {
      if (condition !== undefined) entry.workerStop = { by: "condition", text: condition };
      await this.finish(entry, state);
    } else if (condition !== undefined)
      await this.stopByWorker(entry, { by: "condition", text: condition }, condition);
    else if (entry.workerStop?.by === "pruning") {
      // Judged losing by the last worker, which may have died before its stop went out (the
      // reason is written first): stop it again. A stop already under way is not restarted
      // (the executor keeps the first reason and grace).
      await this.executor.stop(handle);
      this.notice(
        `trial ${trial.number}: pruned (${reasonWhere(entry.workerStop.reason)}), stopping it`,
      );
    }
  }

  /** Feeds points to the trial's stop watcher; the condition's words once one holds. */
  private observeStopConditions(
    entry: LiveTrial,
    points: readonly MetricPoint[],
  ): string | undefined {
    const conditions = this.spec.stopConditions;
    if (conditions.length === 0 || !entry.watcher.observe(points)) return undefined;
    return entry.watcher.reason ?? conditions.map(formatStopCondition).join(" && ");
  }

  /** The stored points, a point at a time (the last worker judged after each read). */
  private replayStopConditions(
    entry: LiveTrial,
    points: readonly MetricPoint[],
  ): string | undefined {
    for (const p of points) {
      const text = this.observeStopConditions(entry, [p]);
      if (text !== undefined) return text;
    }
    return undefined;
  }

  /** One turn of the loop; the search once the loop is over (ended, or left to the next worker). */
  private async turn(): Promise<Search | undefined> {
    await this.lease.ensure();
    if (this.signal?.aborted) return this.detach();
    // Exit events can wake the loop every few milliseconds; the search row (stop requests) and
    // the running trials' output are read once per tick, so a wake costs only what refills a slot.
    const tick = performance.now() - this.lastTick >= TICK_MS;
    if (tick) {
      this.lastTick = performance.now();
      this.search = await mustGet(this.store, this.id);
    }
    // A stop or kill request (this process's Ctrl-C, the CLI, the console) reaches the running
    // trials before their exits are read.
    await this.windDown();
    // Exits first, so a free slot is refilled before the slower read of everyone's output.
    const stillRunning = await this.collectExits();
    // Failures just counted may wind the search down too; else free slots are refilled.
    const optimizerGaveNothing = (await this.windDown()) ? false : await this.dispatch();
    if (tick) await this.collectOutput(stillRunning);
    const end = searchEnd(this.progress(optimizerGaveNothing));
    return end ? this.end(end) : undefined;
  }

  private progress(optimizerGaveNothing: boolean): SearchProgress {
    return {
      numRuns: this.spec.numRuns,
      maxFailures: this.spec.maxFailures,
      stopRequested: this.search.stopRequested,
      ended: this.ended.map((t) => t.status),
      running: this.live.size,
      waiting: this.waiting.length,
      exhausted: this.exhausted,
      optimizerGaveNothing,
    };
  }

  /**
   * When the search stops taking trials (policy.ts `windDown`), sends each running trial its
   * stop or kill, once, and ends the trials that wait to start. False while the search goes on.
   */
  private async windDown(): Promise<boolean> {
    const how = windDown(this.progress(false));
    if (!how) return false;
    for (const entry of this.live.values()) {
      const mode = signalToSend(entry.signalled, how.mode);
      if (!mode) continue;
      await this.lease.ensure();
      entry.signalled = mode;
      if (mode === "kill") await this.executor.kill(entry.handle);
      else await this.executor.stop(entry.handle);
    }
    for (const trial of this.waiting.splice(0)) {
      const t = await this.store.updateTrial(
        this.id,
        trial.number,
        { status: how.unstarted.status, reason: how.unstarted.reason, endedAt: new Date() },
        this.guard,
      );
      this.ended.push(t);
    }
    return true;
  }

  /** Finishes the trials that exited; returns the others. */
  private async collectExits(): Promise<LiveTrial[]> {
    const stillRunning: LiveTrial[] = [];
    for (const entry of [...this.live.values()]) {
      const state = await this.executor.poll(entry.handle);
      if (state.state === "exited") await this.finish(entry, state);
      else stillRunning.push(entry);
    }
    return stillRunning;
  }

  /**
   * Fills free slots: the trials waiting to start first, then new points from the optimizer.
   * True when the optimizer was asked and gave no point, without the space being used up.
   */
  private async dispatch(): Promise<boolean> {
    const created = this.ended.length + this.live.size + this.waiting.length;
    let room = freeSlots({
      parallelRuns: this.spec.parallelRuns,
      running: this.live.size,
      capacity: this.executor.capacity(this.machine.gpus),
    });
    for (let next = this.waiting[0]; next && room > 0; next = this.waiting[0]) {
      const trial = next;
      if (!(await tryLaunch(() => this.launch(trial.number, trial.params, trial)))) break;
      this.waiting.shift();
      room--;
    }
    const n = pointsToAsk({
      room,
      numRuns: this.spec.numRuns,
      created,
      exhausted: this.exhausted,
    });
    if (n === 0) return false;
    const result = this.ask(n);
    if (result.exhausted) {
      this.exhausted = true;
      this.notice("every point of the space has been tried");
      return false;
    }
    for (const params of result.points) {
      const number = this.nextNumber;
      if (!(await tryLaunch(() => this.launch(number, params)))) break;
      this.nextNumber++;
    }
    return result.points.length === 0;
  }

  /** The optimizer's next `n` points, given every ended trial and the ones in flight. */
  private ask(n: number): ReturnType<typeof suggest> {
    const spec = this.spec;
    const began = performance.now();
    const { observations, pending } = optimizerInput(
      this.ended,
      [...this.live.values()].map((e) => e.trial),
      this.pruning.enabled ? this.pruning : undefined,
    );
    const result = (this.ctx.suggest ?? suggest)({
      algorithm: spec.kind,
      space: spec.params,
      goal: spec.goal,
      observations,
      pending,
      n,
      seed: spec.seed,
      acquisition: spec.acquisition,
      ...(spec.kappa !== undefined ? { kappa: spec.kappa } : {}),
      ...(this.warm ? { warm: this.warm } : {}),
    });
    if (this.ctx.timing) this.ctx.timing.suggestMs += performance.now() - began;
    this.warm = result.state ?? this.warm;
    return result;
  }

  /** Creates the trial (queued) unless it exists, starts it, and records it running. */
  private async launch(number: number, params: Params, existing?: Trial): Promise<void> {
    const spec = this.spec;
    let trial =
      existing ??
      (await this.store.createTrial(this.id, { number, params, status: "queued" }, this.guard));
    await this.lease.ensure();
    const startedAt = new Date();
    const handle = await this.executor.start({
      searchId: String(this.id),
      trialNumber: number,
      argv: substituteCommand(spec.command, params, spec.params),
      cwd: spec.cwd,
      env: spec.env,
      dir: trialDir(this.ctx.home, this.id, number),
      gpus: this.machine.gpus,
      ...(spec.timeoutMinutes !== undefined ? { timeoutMs: spec.timeoutMinutes * 60_000 } : {}),
      graceMs: spec.stopGraceSeconds * 1000,
    });
    trial = await this.store.updateTrial(
      this.id,
      number,
      { status: "running", startedAt, handle },
      this.guard,
    );
    this.track(trial, handle);
    this.emit({ type: "trial-started", search: this.search, trial });
  }

  private track(trial: Trial, handle: TrialHandle): LiveTrial {
    const entry: LiveTrial = {
      trial,
      handle,
      output: new TrialOutput(handle.dir),
      points: [],
      watcher: createStopWatcher(this.spec.stopConditions),
    };
    this.live.set(trial.number, entry);
    return entry;
  }

  /** New metric points of the trials still running (stop conditions act on them). */
  private async collectOutput(stillRunning: readonly LiveTrial[]): Promise<void> {
    for (const entry of stillRunning)
      if (this.live.has(entry.trial.number)) await this.readOutput(entry, false);
  }

  /**
   * Stores what the trial printed since the last read (within the reader's budget, tail.ts; all
   * that is left when `final`), and stops a running trial whose metrics met a stop condition.
   */
  private async readOutput(entry: LiveTrial, final: boolean): Promise<void> {
    const points = final ? entry.output.finish() : entry.output.read();
    if (points.length === 0) return;
    for (const p of points) entry.points.push(p);
    const time = new Date();
    await this.store.addMetricPoints(
      { searchId: this.id, number: entry.trial.number },
      points.map((p) => ({ ...p, time })),
    );
    this.pruning.add(entry.trial.number, points);
    if (final || entry.workerStop) return;
    const text = this.observeStopConditions(entry, points);
    if (text !== undefined) {
      await this.stopByWorker(entry, { by: "condition", text }, text);
      return;
    }
    // A trial the search is already stopping is not judged: it ends as the search asked.
    if (entry.signalled) return;
    const decision = this.pruning.judge(entry.trial.number);
    if (decision.prune)
      await this.stopByWorker(entry, { by: "pruning", reason: decision.reason }, decision.reason);
  }

  /**
   * Ends a running trial as a stop does (the executor's stop: SIGTERM, the grace period,
   * SIGKILL; scancel on Slurm), for a stop condition or a pruning; `finish` then reads why.
   */
  private async stopByWorker(entry: LiveTrial, why: WorkerStop, words: string): Promise<void> {
    entry.workerStop = why;
    await this.lease.ensure();
    if (why.by === "pruning") {
      entry.trial = await this.store.updateTrial(
        this.id,
        entry.trial.number,
        { reason: why.reason },
        this.guard,
      );
      await this.store.addEvent(this.id, {
        trialNumber: entry.trial.number,
        kind: "pruned",
        message: why.reason,
      });
    }
    await this.executor.stop(entry.handle);
    this.notice(
      `trial ${entry.trial.number}: ${why.by === "pruning" ? `pruned (${reasonWhere(words)})` : words}, stopping it`,
    );
  }

  /** A trial's end: its last output, its outcome (outcome.ts) in the store, and the event. */
  private async finish(entry: LiveTrial, exit: TrialExit): Promise<void> {
    await this.readOutput(entry, true);
    // A stop the worker did not decide for the trial itself came from the search's wind-down.
    const windingDown =
      exit.reason === "stopped" && !entry.workerStop
        ? windDown(this.progress(false))?.running
        : undefined;
    const outcome = trialOutcome(exit, entry.points, this.spec, entry.workerStop, windingDown);
    const steps = stepRange(entry.points, this.spec.metric);
    const trial = await this.store.updateTrial(
      this.id,
      entry.trial.number,
      {
        status: outcome.status,
        value: outcome.value,
        endedAt: exit.endedAt,
        exitCode: exit.exitCode,
        signal: exit.signal,
        reason: reasonWithStderr(outcome, exit, () => entry.output.lastStderrLine()),
        firstStep: steps?.firstStep ?? null,
        lastStep: steps?.lastStep ?? null,
      },
      this.guard,
    );
    this.live.delete(entry.trial.number);
    this.ended.push(trial);
    this.pruning.ended(trial.number, trial.status);
    this.emit({ type: "trial-ended", search: this.search, trial });
    // Said as soon as a complete trial shows it, not after a whole search pruned nothing. Once a
    // trial completed, the answer is settled: a trial that reached min steps, or had more than
    // one step, stays so.
    if (!this.idleAsked && trial.status === "complete") {
      this.idleAsked = true;
      const idle = earlyStopIdle(this.spec, this.ended);
      if (idle) this.notice(`early stop: ${idle}`);
    }
  }

  /** The search's end, as the policy decided it (policy.ts `searchEnd`). */
  private async end({ status, reason }: SearchEnd): Promise<Search> {
    this.search = await this.store.updateSearch(
      this.id,
      { status, endedAt: new Date(), ...(reason ? { failureReason: reason } : {}) },
      this.guard,
    );
    await this.store.addEvent(this.id, { kind: "status", message: `search ${status}` });
    this.emit({ type: "search-ended", search: this.search });
    return this.search;
  }

  /**
   * Leaves the search to the next worker. What the running trials printed so far is stored
   * first, so none of it waits in the logs for whoever adopts them; a store that cannot take it
   * (a full disk) leaves it there, and the adopter reads it.
   */
  private async detach(): Promise<Search> {
    for (const entry of this.live.values()) {
      try {
        await this.readOutput(entry, false);
      } catch {
        // Still in the trial's log: the adopter reads it from there.
      }
    }
    return this.search;
  }

  /**
   * What the loop makes of an error: a lost lease, or an outage it was told to leave, returns
   * the search as it is (the next worker carries on); anything else is thrown.
   */
  private async leave(e: unknown): Promise<Search> {
    // A write refused for its lease condition means the same as a failed renewal.
    if (e instanceof LeaseLost || (e instanceof StateConflictError && !(await this.holdsLease()))) {
      this.notice("lost the lease: another worker took the search over");
      return this.search;
    }
    // Told to leave while waiting for the database: the next worker carries on.
    if (this.signal?.aborted && storeFault(e) === "unreachable") return this.search;
    throw e;
  }

  private async holdsLease(): Promise<boolean> {
    const now = await this.ctx.store.getSearch(this.id).catch(() => undefined);
    return now?.lease?.owner === this.ctx.owner;
  }

  private async close(): Promise<void> {
    this.lease.close();
    this.unsubscribe();
    this.signal?.removeEventListener("abort", this.wakeup.wake);
    if (this.lease.held) await this.ctx.store.releaseLease(this.id, this.ctx.owner).catch(() => {});
  }

  private emit(e: WorkerEvent): void {
    this.ctx.onEvent?.(e);
  }

  private notice(message: string): void {
    this.emit({ type: "notice", search: this.search, message });
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

async function mustGet(store: Store, id: number): Promise<Search> {
  const search = await store.getSearch(id);
  if (!search) throw new HyperbayesError("not_found", `search ${id} does not exist`);
  return search;
}
