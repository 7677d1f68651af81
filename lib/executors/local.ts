/**
 * The local executor: runs each trial on this machine under its own launcher (launcher.mjs), a
 * detached process that outlives the worker, owns the trial's process group, enforces the
 * timeout and grace period, and writes exit.json. The executor itself holds little state: which
 * GPUs are lent to which trial directory, the live trials it watches (to announce their end
 * through onChange), and the listeners. Everything else is read back from the trial directory, so
 * poll() after a worker restart gives the same answers as before it.
 *
 * A trial's end is heard two ways: an inotify watch on its directory sees exit.json appear, and
 * the launcher's exit is reaped (trials started here only). The watch is the fast one: a Node
 * process takes 5-10 ms to die after its last write, most of the dispatch budget.
 *
 * Processes of one trial: worker -> launcher (own session, pgid = launcher pid) -> the command
 * (own session, pgid = its pid, shared by everything it spawns). The launcher's session runs at
 * a lower priority (LAUNCHER_NICE, through Linux's scheduler autogroups): starting Node costs
 * about 100 ms of CPU, and on a machine whose cores are all taken, launchers starting at full
 * priority kept the worker from refilling freed slots for tens of milliseconds. The command starts
 * a session of its own, so it runs at normal priority, as does the worker. See
 * docs/decisions/worker.md, "Dispatch overhead". Stop = SIGTERM to the launcher,
 * which passes it to the command's group once and SIGKILLs the group after the grace period.
 * Should the launcher be gone, the executor signals the trial itself (its group, cgroup or
 * marker, from launcher.json: trial-procs.mjs) and poll() enforces timeout and grace.
 *
 * One run per trial directory, whatever dies when: the launcher claims the directory (claim.json,
 * O_EXCL) before it runs anything, and a second launcher there refuses. The executor follows the
 * claim, not only its handle, to the launcher that owns the trial, and recover() finds a trial
 * whose worker died before writing handle.json at each point it can die:
 *   - before spawning the launcher: launch.json at most, no claim, no launcher: null (start it);
 *   - after spawning it, before it claimed: its process, by command line (proc.ts findLauncher);
 *   - after the claim (before or after launcher.json, before handle.json): claim.json.
 * A start() that races with a launcher recover() could not see (forked, not yet exec'd) loses
 * the claim; its handle still leads to the trial through claim.json.
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { FSWatcher } from "node:fs";
import { closeSync, existsSync, openSync, statSync, watch } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { type Env, HyperbayesError, UsageError } from "../errors";
import { detectGpus, type Gpu } from "../machines/gpus";
import { findLauncher, lowerSessionPriority, processAlive, readProcStat } from "./proc";
import {
  type ExitFile,
  exitFileSchema,
  gpuList,
  launchFileSchema,
  makePrivateDir,
  PRIVATE_FILE,
  parkNodeOptions,
  readClaim,
  readJson,
  type StopFile,
  stopFileSchema,
  toExit,
  trialVariables,
  tryWriteJsonAtomic,
  writeJsonAtomic,
} from "./trial-files";
import {
  releaseTrial,
  removeCgroup,
  signalTrial,
  type TrialProcs,
  trialAlive,
} from "./trial-procs.mjs";
import {
  ChangeListeners,
  DEFAULT_GRACE_MS,
  type LocalTrialHandle,
  localTrialHandleSchema,
  NoCapacityError,
  type TrialExecutor,
  type TrialHandle,
  type TrialLaunch,
  type TrialState,
} from "./types";

/** The nice value of each launcher's session (autogroup); the trial's own session keeps 0. */
export const LAUNCHER_NICE = 10;

export interface LocalExecutorOptions {
  /** GPUs to lend to trials, one trial per GPU at a time (default: none). */
  gpus?: readonly Gpu[];
  /** Time between SIGTERM and SIGKILL on stop and timeout. */
  graceMs?: number;
  /** Where launcher.mjs is, for bundlers that move this file away from it. */
  launcherPath?: string;
  /** Each log's cap on disk (log-cap.mjs; default DEFAULT_LOG_CAP_BYTES, 0 = none). */
  logCapBytes?: number;
  /** Give each trial a cgroup of its own where one can be had (default true); false leaves
   * finding escaped processes to the environment marker (trial-procs.mjs). */
  cgroups?: boolean;
}

const RUNNING: TrialState = { state: "running" };

const noNul = (what: string) =>
  z.string().refine((s) => !s.includes("\0"), `${what} cannot contain a NUL byte`);

const trialLaunchSchema = z.object({
  searchId: z.string().min(1),
  trialNumber: z.number().int().nonnegative(),
  argv: z.array(noNul("an argument")).min(1, "the command is empty"),
  cwd: noNul("the working directory").pipe(z.string().min(1)),
  env: z.record(noNul("an environment variable name"), noNul("an environment variable")),
  dir: noNul("the trial directory").pipe(z.string().min(1)),
  timeoutMs: z.number().positive().finite().optional(),
  gpus: z.number().int().nonnegative(),
});

const launcherFileSchema = z.object({
  pid: z.number(),
  childPid: z.number().int().positive(),
  cgroup: z.string().optional(),
  mark: z.string().optional(),
});

/** A claim file still empty after this long belongs to a launcher that died writing it. */
const CLAIM_WRITE_MS = 10_000;

function sendSignal(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: it ended meanwhile; poll() reports how.
  }
}

export class LocalExecutor implements TrialExecutor {
  readonly kind = "local" as const;
  readonly gpus: readonly Gpu[];
  readonly graceMs: number;
  private readonly launcherPath: string;
  private readonly logCapBytes: number | undefined;
  private readonly cgroups: boolean;
  /** Trial dir -> GPU ids lent to it. */
  private readonly lent = new Map<string, readonly string[]>();
  /** Trial dir -> a live trial whose end onChange will announce. */
  private readonly watched = new Map<string, { handle: LocalTrialHandle; watcher?: FSWatcher }>();
  private readonly listeners = new ChangeListeners();
  private readonly launchers = new Set<ChildProcess>();
  /** Trial dirs whose orphaned processes were released once (see orphanState). */
  private readonly released = new Set<string>();
  private closed = false;

  constructor(opts: LocalExecutorOptions = {}) {
    this.gpus = [...(opts.gpus ?? [])];
    this.graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
    this.launcherPath =
      opts.launcherPath ?? fileURLToPath(new URL("./launcher.mjs", import.meta.url));
    this.logCapBytes = opts.logCapBytes;
    this.cgroups = opts.cgroups ?? true;
  }

  capacity(gpusPerTrial: number): number {
    if (gpusPerTrial <= 0) return Number.POSITIVE_INFINITY;
    return Math.floor(this.freeGpus().length / gpusPerTrial);
  }

  async start(launch: TrialLaunch): Promise<LocalTrialHandle> {
    if (this.closed) throw new HyperbayesError("internal", "the local executor is closed");
    const parsed = trialLaunchSchema.safeParse(launch);
    if (!parsed.success) throw new UsageError(z.prettifyError(parsed.error));
    const dir = resolve(launch.dir);
    // One launch per directory: a second would mix its output and status files with the first's,
    // and a stale handle could then misread them. (The launcher's claim enforces it; this says
    // so before anything is spawned.)
    if (existsSync(join(dir, "handle.json")) || readClaim(dir).state !== "none") {
      throw new HyperbayesError(
        "conflict",
        `the trial directory ${dir} was already used by a trial; each start needs a fresh one`,
      );
    }
    const gpuIds = this.lend(dir, launch.gpus);
    try {
      makePrivateDir(dir);
      return await this.spawnLauncher(launch, dir, gpuIds);
    } catch (e) {
      this.lent.delete(dir);
      throw e;
    }
  }

  async poll(handle: TrialHandle): Promise<TrialState> {
    return this.stateOf(this.local(handle));
  }

  async stop(handle: TrialHandle): Promise<void> {
    this.request(this.local(handle), "stopped");
  }

  async kill(handle: TrialHandle): Promise<void> {
    this.request(this.local(handle), "killed");
  }

  async adopt(handle: TrialHandle): Promise<TrialState> {
    const h = this.local(handle);
    const state = this.stateOf(h);
    if (state.state === "running") {
      // The claim knows which GPUs the running launcher was given, should it not be the one
      // this handle started.
      const claim = readClaim(resolve(h.dir));
      const gpus =
        claim.state === "claimed" && claim.claim.gpus !== undefined
          ? gpuList(claim.claim.gpus)
          : h.gpus;
      this.lent.set(resolve(h.dir), [...gpus]);
      this.watch(h);
    }
    return state;
  }

  async recover(dir: string): Promise<LocalTrialHandle | null> {
    const d = resolve(dir);
    const stored = readJson(join(d, "handle.json"), localTrialHandleSchema);
    if (stored) return stored;
    const launch = readJson(join(d, "launch.json"), launchFileSchema);
    if (!launch) return null; // the worker died before it prepared anything: nothing ran
    const claim = readClaim(d);
    let launcher: { pid: number; procStart?: string; gpus?: string[] } | undefined;
    if (claim.state === "claimed") {
      const c = claim.claim;
      launcher = {
        pid: c.pid,
        ...(c.procStart !== undefined ? { procStart: c.procStart } : {}),
        ...(c.gpus !== undefined ? { gpus: gpuList(c.gpus) } : {}),
      };
    } else {
      // Started but not claimed yet (or claimed a moment ago: its claim is being written).
      launcher = findLauncher(d);
      if (!launcher && claim.state === "unreadable") {
        // A claim that stays empty: its launcher died writing it (a full disk), before it ran
        // anything. The directory is taken all the same: the trial ends here, lost.
        tryWriteJsonAtomic(d, "exit.json", {
          exitCode: null,
          signal: null,
          endedAt: new Date().toISOString(),
          reason: "lost",
          message:
            "the trial's launcher died while claiming its directory, before it started the command",
        } satisfies ExitFile);
        launcher = { pid: process.pid, procStart: "never" };
      }
    }
    if (!launcher) return null; // no launcher ever claimed it, and none is about to: start it
    const handle: LocalTrialHandle = {
      kind: "local",
      dir: d,
      pid: Math.max(1, launcher.pid),
      ...(launcher.procStart !== undefined ? { procStart: launcher.procStart } : {}),
      startedAt: new Date(launch.startedAt).toISOString(),
      gpus: launcher.gpus ?? launch.gpus ?? [],
      ...(launch.timeoutMs !== undefined ? { timeoutMs: launch.timeoutMs } : {}),
    };
    tryWriteJsonAtomic(d, "handle.json", handle);
    return handle;
  }

  onChange(listener: () => void): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    for (const child of this.launchers) child.removeAllListeners("exit");
    this.launchers.clear();
    for (const { watcher } of this.watched.values()) watcher?.close();
    this.watched.clear();
  }

  private freeGpus(): string[] {
    const busy = new Set<string>();
    for (const ids of this.lent.values()) for (const id of ids) busy.add(id);
    return this.gpus.map((g) => g.index).filter((id) => !busy.has(id));
  }

  private lend(dir: string, count: number): string[] {
    if (this.lent.has(dir)) {
      throw new HyperbayesError("conflict", `a trial is already running in ${dir}`);
    }
    if (count > this.gpus.length) {
      throw new UsageError(
        `a trial needs ${count} GPU${count === 1 ? "" : "s"} but this machine has ${this.gpus.length}` +
          (this.gpus.length === 0
            ? " (none found by nvidia-smi; set HYPERBAYES_GPUS to name them)"
            : ""),
      );
    }
    const free = this.freeGpus();
    if (free.length < count) {
      throw new NoCapacityError(
        `no free GPU: the trial needs ${count}, ${free.length} of ${this.gpus.length} are free`,
      );
    }
    const ids = free.slice(0, count);
    this.lent.set(dir, ids);
    return ids;
  }

  private async spawnLauncher(
    launch: TrialLaunch,
    dir: string,
    gpuIds: readonly string[],
  ): Promise<LocalTrialHandle> {
    const startedAt = Date.now();
    writeJsonAtomic(dir, "launch.json", {
      argv: launch.argv,
      cwd: resolve(launch.cwd),
      startedAt,
      ...(launch.timeoutMs !== undefined ? { timeoutMs: launch.timeoutMs } : {}),
      graceMs: launch.graceMs ?? this.graceMs,
      gpus: [...gpuIds],
      ...(this.logCapBytes !== undefined ? { logCapBytes: this.logCapBytes } : {}),
      ...(this.cgroups ? {} : { cgroup: false }),
    });
    const env = trialEnv(launch, dir, gpuIds);
    // The launcher inherits these descriptors and hands them to the trial; the worker keeps no
    // pipe, so its death cannot block or SIGPIPE a trial. O_APPEND: the log cap relies on it.
    const out = openSync(join(dir, "stdout.log"), "a", PRIVATE_FILE);
    let err: number | undefined;
    let child: ChildProcess;
    try {
      err = openSync(join(dir, "stderr.log"), "a", PRIVATE_FILE);
      child = spawn(process.execPath, [this.launcherPath, dir], {
        cwd: dir,
        // Next.js's global typing makes NODE_ENV mandatory in ProcessEnv; a trial env needs none.
        env: env as NodeJS.ProcessEnv,
        detached: true,
        stdio: ["ignore", out, err],
      });
    } finally {
      closeSync(out);
      if (err !== undefined) closeSync(err);
    }
    const pid = child.pid;
    if (pid === undefined) {
      const cause = await new Promise<Error>((res) => child.once("error", res));
      throw new HyperbayesError(
        "internal",
        `could not start the trial launcher: ${cause.message}`,
        {
          cause,
        },
      );
    }
    // spawn() returns once the launcher has exec'd, so its setsid() is done: the session is its own.
    lowerSessionPriority(pid, LAUNCHER_NICE);
    const procStart = readProcStat(pid)?.startTime;
    const handle: LocalTrialHandle = {
      kind: "local",
      dir,
      pid,
      ...(procStart !== undefined ? { procStart } : {}),
      startedAt: new Date(startedAt).toISOString(),
      gpus: [...gpuIds],
      ...(launch.timeoutMs !== undefined ? { timeoutMs: launch.timeoutMs } : {}),
      ...(launch.graceMs !== undefined ? { graceMs: launch.graceMs } : {}),
    };
    writeJsonAtomic(dir, "handle.json", handle);
    this.launchers.add(child);
    child.on("exit", () => {
      this.launchers.delete(child);
      this.settle(dir);
    });
    child.unref();
    this.watch(handle);
    return handle;
  }

  /**
   * The launcher that owns the trial: the claim's, once there is one (it may not be the one
   * this handle started, should two have been started), else the handle's. `claimed` false: no
   * launcher has claimed the directory (yet).
   */
  private launcherOf(
    h: LocalTrialHandle,
    dir: string,
  ): { pid: number; procStart?: string; claimed: boolean; token?: string; writing?: boolean } {
    const claim = readClaim(dir);
    if (claim.state === "claimed") {
      const { pid, procStart, token } = claim.claim;
      return { pid, ...(procStart !== undefined ? { procStart } : {}), claimed: true, token };
    }
    const handle = { pid: h.pid, ...(h.procStart !== undefined ? { procStart: h.procStart } : {}) };
    if (claim.state === "none") return { ...handle, claimed: false };
    // Created, not written yet: a launcher is between the two steps (microseconds), unless the
    // file has stayed empty for long (its launcher died writing it).
    let age = Number.POSITIVE_INFINITY;
    try {
      age = Date.now() - statSync(join(dir, "claim.json")).mtimeMs;
    } catch {
      // Gone: treated as stale.
    }
    return { ...handle, claimed: true, writing: age < CLAIM_WRITE_MS };
  }

  private stateOf(h: LocalTrialHandle): TrialState {
    const dir = resolve(h.dir);
    const exitPath = join(dir, "exit.json");
    let exit = readJson(exitPath, exitFileSchema);
    if (!exit) {
      const launcher = this.launcherOf(h, dir);
      if (launcher.writing || processAlive(launcher.pid, launcher.procStart)) return RUNNING;
      // The launcher may have written its result (or a launcher its claim, or the handle's
      // launcher lost the claim to one that is alive) just before the liveness check.
      exit = readJson(exitPath, exitFileSchema);
      if (!exit) {
        const now = this.launcherOf(h, dir);
        if (now.writing) return RUNNING;
        if (now.pid !== launcher.pid && processAlive(now.pid, now.procStart)) return RUNNING;
        exit = this.orphanState(h, dir, now);
      }
      if (!exit) return RUNNING;
    }
    this.lent.delete(dir);
    this.watched.get(dir)?.watcher?.close();
    this.watched.delete(dir);
    return toExit(exit);
  }

  /** What belongs to the trial, for a launcher that is gone: from launcher.json, else (it died
   * between starting the command and recording it) the claim's marker. */
  private trialProcs(dir: string, token: string | undefined): TrialProcs | undefined {
    const rec = readJson(join(dir, "launcher.json"), launcherFileSchema);
    if (rec) {
      return {
        pgid: rec.childPid,
        ...(rec.cgroup !== undefined ? { cgroup: rec.cgroup } : {}),
        ...(rec.mark !== undefined ? { mark: rec.mark } : {}),
      };
    }
    return token !== undefined ? { mark: token } : undefined;
  }

  /**
   * The launcher is gone without a result. While the trial's processes live, the trial runs on
   * unsupervised: enforce timeout and grace here. Once they are gone, record the end (the exit
   * code is unknown) so every later poll gives the same answer.
   */
  private orphanState(
    h: LocalTrialHandle,
    dir: string,
    launcher: { pid: number; claimed: boolean; token?: string },
  ): ExitFile | undefined {
    const stopFile = readJson(join(dir, "stop.json"), stopFileSchema);
    const procs = this.trialProcs(dir, launcher.token);
    if (procs && trialAlive(procs)) {
      // A launcher killed while it held the trial still (cutting a log) would leave it frozen.
      if (!this.released.has(dir)) {
        this.released.add(dir);
        releaseTrial(procs);
      }
      this.enforceOrphan(h, dir, procs, stopFile);
      return undefined;
    }
    if (procs?.cgroup !== undefined) removeCgroup(procs.cgroup);
    const neverStarted = !launcher.claimed && !existsSync(join(dir, "launcher.json"));
    const exit: ExitFile = {
      exitCode: null,
      signal: null,
      endedAt: new Date().toISOString(),
      reason: stopFile?.reason ?? "lost",
      message: stopFile
        ? `the trial ended after a ${stopFile.reason === "timeout" ? "timeout" : "stop request"}, without a recorded exit status`
        : neverStarted
          ? `the trial's launcher (pid ${launcher.pid}) ended before it started the command`
          : `the trial's launcher (pid ${launcher.pid}) ended without recording an exit status ` +
            "(it was killed, or the machine restarted); the exit code is unknown",
    };
    tryWriteJsonAtomic(dir, "exit.json", exit);
    return exit;
  }

  private enforceOrphan(
    h: LocalTrialHandle,
    dir: string,
    procs: TrialProcs,
    stopFile: StopFile | undefined,
  ): void {
    const now = Date.now();
    if (stopFile) {
      const grace = h.graceMs ?? this.graceMs;
      if (stopFile.reason === "killed" || now >= Date.parse(stopFile.at) + grace) {
        signalTrial(procs, "SIGKILL");
      }
    } else if (h.timeoutMs !== undefined && now >= Date.parse(h.startedAt) + h.timeoutMs) {
      this.writeStop(dir, "timeout");
      signalPolitely(procs, "SIGTERM");
    }
  }

  /** Records why the trial is being ended (a restarted worker reads it), then signals. */
  private request(h: LocalTrialHandle, reason: "stopped" | "killed"): void {
    const dir = resolve(h.dir);
    if (readJson(join(dir, "exit.json"), exitFileSchema)) return;
    const previous = readJson(join(dir, "stop.json"), stopFileSchema);
    // The first reason stands (a timeout stays a timeout), except that kill overrides.
    if (!previous || reason === "killed") this.writeStop(dir, reason);
    const launcher = this.launcherOf(h, dir);
    const procs = this.trialProcs(dir, launcher.token);
    const launcherAlive = processAlive(launcher.pid, launcher.procStart);
    if (reason === "killed") {
      if (launcherAlive) sendSignal(launcher.pid, "SIGUSR2");
      if (procs) signalTrial(procs, "SIGKILL");
    } else if (launcherAlive) {
      sendSignal(launcher.pid, "SIGTERM");
    } else if (procs && !previous) {
      signalPolitely(procs, "SIGTERM");
    }
  }

  private writeStop(dir: string, reason: StopFile["reason"]): void {
    tryWriteJsonAtomic(dir, "stop.json", { reason, at: new Date().toISOString() });
  }

  private local(handle: TrialHandle): LocalTrialHandle {
    if (handle.kind !== "local") {
      throw new HyperbayesError("internal", `the local executor got a ${handle.kind} trial handle`);
    }
    return handle;
  }

  private watch(h: LocalTrialHandle): void {
    const dir = resolve(h.dir);
    if (this.watched.has(dir)) return;
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name === "exit.json") this.settle(dir);
      });
      watcher.on("error", () => watcher?.close());
    } catch {
      // Out of inotify watches (or no inotify): the launcher's exit or the worker's poll tells.
      watcher = undefined;
    }
    this.watched.set(dir, { handle: h, ...(watcher ? { watcher } : {}) });
  }

  /** Announces a watched trial's end once, whichever signal comes first. */
  private settle(dir: string): void {
    const entry = this.watched.get(dir);
    if (entry && this.stateOf(entry.handle).state === "exited") this.listeners.emit();
  }
}

/** A polite signal goes to the command's group only, as the launcher sends it; without a
 * recorded group (the launcher died before recording it), to every marked process. */
function signalPolitely(procs: TrialProcs, signal: NodeJS.Signals): void {
  signalTrial(procs.pgid !== undefined ? { pgid: procs.pgid } : procs, signal);
}

/** The trial's environment: the worker's, the search's extra variables, then ours. */
function trialEnv(
  launch: TrialLaunch,
  dir: string,
  gpuIds: readonly string[],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    // The worker's own settings (database URL, token, GPU list) are none of the trial's business.
    if (value !== undefined && !name.startsWith("HYPERBAYES_")) env[name] = value;
  }
  env.PYTHONUNBUFFERED = "1";
  Object.assign(env, launch.env, trialVariables(launch, dir));
  // "" hides every GPU from a cpu trial; with GPUs, PCI order makes the ids mean what
  // nvidia-smi means by them (CUDA's default order is fastest-first).
  env.CUDA_VISIBLE_DEVICES = gpuIds.join(",");
  if (gpuIds.length > 0) env.CUDA_DEVICE_ORDER = "PCI_BUS_ID";
  return parkNodeOptions(env);
}

/** A local executor lending the GPUs detectGpus() finds (or HYPERBAYES_GPUS names). */
export async function createLocalExecutor(
  opts: Omit<LocalExecutorOptions, "gpus"> & { env?: Env } = {},
): Promise<LocalExecutor> {
  const gpus = await detectGpus(opts.env ? { env: opts.env } : {});
  return new LocalExecutor({ ...opts, gpus });
}
