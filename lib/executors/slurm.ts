/**
 * The Slurm executor: one `sbatch` job per trial. The job runs the same launcher as local trials
 * (`node launcher.mjs DIR`), which reads the trial's argv from DIR/launch.json, so no user value
 * ever passes through a shell; the batch script holds only the machine type's `setup` lines (the
 * admin's shell) and a fixed `exec` line. The launcher writes DIR/exit.json exactly as it does on
 * this machine, and that file on the shared filesystem is the fast way to hear a trial's end.
 *
 * Slurm's own view comes from one `squeue` call per poll interval for all the jobs this executor
 * watches (cached, shared by every poll in between), so a search of any size costs the controller
 * one request every two seconds. It decides what exit.json cannot: a job still pending, a job
 * that ended without the launcher recording anything (a failing setup line, a node failure), and
 * why Slurm ended one (TIMEOUT, CANCELLED, OUT_OF_MEMORY), which is merged into the result.
 * `sacct` and `scontrol` fill gaps when they work (accounting is often off; both are optional).
 *
 * Crash safety: launch.json (with the job's unique name) is durable before `sbatch` runs and
 * handle.json right after it returns, so a worker that died in between finds the job again by
 * its name (`recover`), and a trial is never submitted twice.
 *
 * Stop: SIGTERM to the launcher only (`scancel --batch`), which passes it to the trial once and
 * SIGKILLs it after the grace period, as locally; kill: SIGUSR2 to the launcher (SIGKILL now). A
 * pending job is cancelled outright. Should the launcher not finish in time, `scancel` ends the
 * whole job (Slurm's own SIGTERM, KillWait, SIGKILL).
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { FSWatcher } from "node:fs";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  watch,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { type Env, HyperbayesError, UsageError } from "../errors";
import type { SlurmSettings } from "../machines/config";
import {
  launchFileSchema,
  makePrivateDir,
  PRIVATE_FILE,
  parkNodeOptions,
  readClaim,
  readJson,
  type StopFile,
  stopFileSchema,
  toExit,
  exitFileSchema as trialExitFileSchema,
  trialVariables,
  tryWriteJsonAtomic,
  writeJsonAtomic,
} from "./trial-files";
import {
  ChangeListeners,
  DEFAULT_GRACE_MS,
  type ExitReason,
  type SlurmTrialHandle,
  slurmTrialHandleSchema,
  type TrialExecutor,
  type TrialExit,
  type TrialHandle,
  type TrialLaunch,
  type TrialState,
} from "./types";

export interface SlurmExecutorOptions {
  /** The machine type's name, recorded in each handle (the console shows it). */
  machineType?: string;
  settings?: SlurmSettings;
  /** Time between the stop signal and SIGKILL, as for local trials. */
  graceMs?: number;
  /** How often `squeue` may be asked (default 2 s). */
  pollIntervalMs?: number;
  /** Where launcher.mjs is, for bundlers that move this file away from it. */
  launcherPath?: string;
  /** The environment sbatch and the jobs start from (default: the worker's). */
  env?: Env;
}

export const DEFAULT_POLL_INTERVAL_MS = 2_000;
/** A Slurm command that takes longer is treated as failed (a busy or unreachable controller). */
const COMMAND_TIMEOUT_MS = 30_000;
/** How long a COMPLETED job may lack a visible exit.json (NFS attribute caching) before it is
 * called lost; and how long an exit.json that needs Slurm's verdict waits for one. */
const SETTLE_MS = 30_000;
/** Beyond the grace period (stop) or at once (kill): when the launcher has not ended the job by
 * then, `scancel` ends it. */
const BACKSTOP_SLACK_MS = 5_000;
/** Successive snapshots a job must be missing from before it is looked up elsewhere. */
const ABSENT_SNAPSHOTS = 2;
const SUBMIT_ATTEMPTS = 3;
/** scancel --batch --signal on a job that is not running retries for minutes ("try again
 * later"); it answers at once for a running one. */
const SIGNAL_TIMEOUT_MS = 5_000;
/** The handle's jobId when sbatch refused the job: no job exists. */
export const NO_JOB = "none";

const SQUEUE_FORMAT = "%i|%T|%j|%r";

/**
 * Every job state Slurm documents (squeue(1), JOB STATE CODES; sacct's are among them). What
 * each means for a trial is `jobPhase`, one exhaustive switch.
 */
export const SLURM_STATES = [
  "BOOT_FAIL",
  "CANCELLED",
  "COMPLETED",
  "COMPLETING",
  "CONFIGURING",
  "DEADLINE",
  "FAILED",
  "NODE_FAIL",
  "OUT_OF_MEMORY",
  "PENDING",
  "PREEMPTED",
  "REQUEUED",
  "REQUEUE_FED",
  "REQUEUE_HOLD",
  "RESIZING",
  "RESV_DEL_HOLD",
  "REVOKED",
  "RUNNING",
  "SIGNALING",
  "SPECIAL_EXIT",
  "STAGE_OUT",
  "STOPPED",
  "SUSPENDED",
  "TIMEOUT",
] as const;

/**
 * A job's state: one Slurm documents, or UNKNOWN: a word this version does not know (a state a
 * later Slurm added; the job's `stateText` keeps it), or a job no Slurm command knows any more.
 */
export type SlurmState = (typeof SLURM_STATES)[number] | "UNKNOWN";

const KNOWN_STATES: ReadonlySet<string> = new Set(SLURM_STATES);

/** Slurm's word for a state as printed ("CANCELLED by 0", "COMPLETED+" reduced to the word). */
function stateWord(text: string): string {
  return text.trim().split(/\s+/)[0]?.replace(/\+$/, "") ?? "";
}

export function slurmState(text: string): SlurmState {
  const word = stateWord(text);
  return KNOWN_STATES.has(word) ? (word as SlurmState) : "UNKNOWN";
}

/**
 * Who ended a job that ended: the trial itself or what its user asked of Slurm (`trial`: its own
 * exit, a failing setup line, its memory or time limit), a cancellation (`request`: ours, or an
 * scancel from elsewhere), or the cluster (`cluster`: a node that failed, a preemption). The
 * first two are the user's to fix; the last is no fault of the trial's.
 */
export type JobCause = "trial" | "request" | "cluster";

/** How a job ended, by what the trial's result must say of it (see mergeSlurmExit). */
export type JobEnd =
  | "completed"
  | "failed"
  | "out-of-memory"
  | "time-limit"
  | "cancelled"
  | "preempted"
  | "node-failure"
  | "other";

export type JobPhase =
  /** Queued, running, or on its way from one to the other or to its end. */
  | { phase: "active" }
  /** It never runs again (with --no-requeue). */
  | { phase: "ended"; end: JobEnd; cause: JobCause }
  /** A state this version does not know: treated as active, so the trial is settled by what
   * its launcher recorded, or once Slurm forgets the job, never by a guess. */
  | { phase: "unknown" };

const ACTIVE: JobPhase = { phase: "active" };

function assertNever(x: never): never {
  throw new Error(`unexpected Slurm state ${String(x)}`);
}

export function jobPhase(state: SlurmState): JobPhase {
  switch (state) {
    case "PENDING":
    case "CONFIGURING":
    case "RUNNING":
    case "COMPLETING":
    case "SUSPENDED":
    case "STOPPED":
    case "SIGNALING":
    case "STAGE_OUT":
    case "RESIZING":
    case "REQUEUED":
    case "REQUEUE_FED":
    case "REQUEUE_HOLD":
    case "RESV_DEL_HOLD":
      return ACTIVE;
    case "COMPLETED":
      return { phase: "ended", end: "completed", cause: "trial" };
    case "FAILED":
      return { phase: "ended", end: "failed", cause: "trial" };
    case "OUT_OF_MEMORY":
      return { phase: "ended", end: "out-of-memory", cause: "trial" };
    case "TIMEOUT":
    case "DEADLINE":
      return { phase: "ended", end: "time-limit", cause: "trial" };
    case "CANCELLED":
      return { phase: "ended", end: "cancelled", cause: "request" };
    case "PREEMPTED":
      return { phase: "ended", end: "preempted", cause: "cluster" };
    case "NODE_FAIL":
    case "BOOT_FAIL":
      return { phase: "ended", end: "node-failure", cause: "cluster" };
    // A federation's sibling job, revoked when another cluster runs it; a site's epilog holding
    // the job. Neither says how the trial went: its launcher's record does.
    case "REVOKED":
    case "SPECIAL_EXIT":
      return { phase: "ended", end: "other", cause: "cluster" };
    case "UNKNOWN":
      return { phase: "unknown" };
    default:
      return assertNever(state);
  }
}

/** True for a state after which a job never runs again (`state` as Slurm prints it). */
export function isTerminalState(state: string): boolean {
  return jobPhase(slurmState(state)).phase === "ended";
}

export interface SlurmJob {
  id: string;
  /** e.g. PENDING, RUNNING, COMPLETED, TIMEOUT ("CANCELLED by 0" is reduced to CANCELLED). */
  state: SlurmState;
  /** Slurm's word, when it is one this version does not know (`state` is UNKNOWN). */
  stateText?: string;
  name: string;
  /** Slurm's reason, e.g. Resources, TimeLimit, NonZeroExitCode; "None" when there is none. */
  reason: string;
}

/** `state` and, for a word this version does not know, the word itself. */
function stateFields(text: string): { state: SlurmState; stateText?: string } {
  const state = slurmState(text);
  return state === "UNKNOWN" ? { state, stateText: stateWord(text) } : { state };
}

/** Parses `squeue -h -o '%i|%T|%j|%r'` (the reason is last: it may hold spaces). */
export function parseSqueue(text: string): Map<string, SlurmJob> {
  const jobs = new Map<string, SlurmJob>();
  for (const line of text.split("\n")) {
    const [id, state, name, ...reason] = line.trim().split("|");
    if (!id || !/^\d+(_\d+)?$/.test(id) || state === undefined || name === undefined) continue;
    jobs.set(id, { id, ...stateFields(state), name, reason: reason.join("|") || "None" });
  }
  return jobs;
}

/** Parses `sacct -n -P -o JobID,JobName,State,ExitCode` (only whole jobs, not steps). */
export function parseSacct(text: string): Map<string, SlurmJob & { exitCode: string }> {
  const jobs = new Map<string, SlurmJob & { exitCode: string }>();
  for (const line of text.split("\n")) {
    const [id, name, state, exitCode] = line.trim().split("|");
    if (!id || !/^\d+$/.test(id) || state === undefined || name === undefined) continue;
    jobs.set(id, { id, name, ...stateFields(state), reason: "None", exitCode: exitCode ?? "" });
  }
  return jobs;
}

/** `--time` for a trial timeout: whole minutes, rounded up (Slurm's limits are in minutes). */
export function slurmTimeLimit(timeoutMs: number): string {
  return String(Math.max(1, Math.ceil(timeoutMs / 60_000)));
}

/**
 * The batch script. It holds no user value: the launcher's path, the node binary and the trial
 * directory arrive as its arguments ($1 $2 $3, never re-parsed), the argv in DIR/launch.json.
 */
export function batchScript(setup: readonly string[]): string {
  return [
    "#!/bin/bash",
    "# A hyperbayes trial: the machine type's setup lines, then the launcher, which runs the",
    "# trial's argv from launch.json in the trial directory ($3) and records its exit status.",
    "# The logs are opened for appending (>>): the launcher caps them by cutting them in place,",
    "# and a descriptor without O_APPEND would write past the cut, leaving a hole.",
    ...setup,
    'exec "$1" "$2" "$3" >>"$3/stdout.log" 2>>"$3/stderr.log"',
    "",
  ].join("\n");
}

/** sbatch's -o/-e pattern for a file in `dir`: `%` is special there, a backslash turns it off. */
export function slurmOutputPath(dir: string, ext: "out" | "err"): string {
  if (dir.includes("\\")) return join(dir, `slurm.${ext}`);
  return join(dir.replaceAll("%", "%%"), `slurm-%j.${ext}`);
}

export function sbatchArguments(opts: {
  settings: SlurmSettings;
  jobName: string;
  dir: string;
  script: string;
  node: string;
  launcher: string;
  timeoutMs?: number;
}): string[] {
  const s = opts.settings;
  const time = opts.timeoutMs !== undefined ? slurmTimeLimit(opts.timeoutMs) : s.time;
  return [
    "--parsable",
    `--job-name=${opts.jobName}`,
    `--output=${slurmOutputPath(opts.dir, "out")}`,
    `--error=${slurmOutputPath(opts.dir, "err")}`,
    `--chdir=${opts.dir}`,
    // A requeued job would run the trial a second time.
    "--no-requeue",
    ...(s.partition !== undefined ? [`--partition=${s.partition}`] : []),
    ...(s.gres !== undefined ? [`--gres=${s.gres}`] : []),
    ...(s.constraint !== undefined ? [`--constraint=${s.constraint}`] : []),
    ...(s.cpusPerTask !== undefined ? [`--cpus-per-task=${s.cpusPerTask}`] : []),
    ...(s.mem !== undefined ? [`--mem=${s.mem}`] : []),
    ...(time !== undefined ? [`--time=${time}`] : []),
    ...(s.account !== undefined ? [`--account=${s.account}`] : []),
    ...(s.qos !== undefined ? [`--qos=${s.qos}`] : []),
    ...(s.sbatchArgs ?? []),
    opts.script,
    opts.node,
    opts.launcher,
    opts.dir,
  ];
}

/** `sbatch`'s error lines without the "sbatch: error:" prefixes, for the trial's reason. */
export function sbatchMessage(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.replace(/^sbatch:\s*(error:\s*)?/i, "").trim())
    .filter((l) => l !== "");
  return lines.join("; ") || "no message";
}

/** Errors after which the job may or may not exist, and trying again is reasonable. */
const TRANSIENT =
  /socket timed out|unable to contact slurm controller|resource temporarily unavailable|try again|temporarily unable|zero bytes were transmitted|timed out/i;

const exitFileSchema = trialExitFileSchema.extend({
  /** Present once this executor merged Slurm's verdict in: the file is then final. */
  slurmState: z.string().optional(),
});
export type ExitFile = z.infer<typeof exitFileSchema>;
export type { StopFile };

const slurmLaunchFileSchema = launchFileSchema.extend({
  jobName: z.string().min(1),
  machineType: z.string().optional(),
  submittedAt: z.string().optional(),
});

/** The launcher and the modules it imports, copied beside each job (see start()). */
const LAUNCHER_FILES = ["launcher.mjs", "trial-procs.mjs", "log-cap.mjs"] as const;

/** Slurm's account of a finished job, as far as it can be had. */
export interface FinishedJob {
  id: string;
  state: SlurmState;
  /** The word Slurm printed, when `state` is UNKNOWN. */
  stateText?: string;
  reason: string;
  /** scontrol/sacct's "E:S" (exit status : signal), when known. */
  exitCode?: string;
  /** The last line of the job's own error file (slurmstepd's messages, setup errors). */
  errLine?: string;
}

/**
 * One trial's result from what the launcher recorded (`exit`, may be absent), what Slurm says of
 * the job, and what hyperbayes asked for (`stop`). Pure.
 */
export function mergeSlurmExit(
  job: FinishedJob,
  exit: ExitFile | undefined,
  stop: StopFile | undefined,
  now: Date = new Date(),
): ExitFile {
  const word = job.stateText ?? job.state;
  const base = {
    exitCode: exit?.exitCode ?? null,
    signal: exit?.signal ?? null,
    endedAt: exit?.endedAt ?? now.toISOString(),
    slurmState: word,
  };
  const what = `Slurm job ${job.id} ${word}${job.reason !== "None" && job.reason !== "" ? ` (${job.reason})` : ""}`;
  const detail = job.errLine ? `; ${job.errLine}` : "";
  // The launcher's record first; Slurm's state adds what it cannot know. A failure of the trial
  // (its exit, its memory, its time) leaves the reason to the launcher, so the trial fails as
  // its own; a failure of the cluster (a node, a preemption) is `lost` or a stop, never the
  // trial's exit.
  let reason: ExitReason | undefined = stop?.reason ?? exit?.reason;
  let message = exit?.message;
  const phase = jobPhase(job.state);
  // Asked only of jobs that ended; a job still listed as active, or in a state this version
  // does not know, is reported in Slurm's own words.
  const end: JobEnd | "unexplained" = phase.phase === "ended" ? phase.end : "unexplained";
  switch (end) {
    case "completed":
    case "failed":
      if (!exit) {
        const code = job.exitCode && job.exitCode !== "0:0" ? `, exit status ${job.exitCode}` : "";
        message = `${what}${code} before the trial's launcher recorded a result${detail}`;
        // The batch script exited 0 and the launcher, which ends it, never wrote: lost.
        if (end === "completed") reason = stop?.reason ?? "lost";
      }
      break;
    case "time-limit":
      reason = stop?.reason === "killed" ? "killed" : "timeout";
      message = `${what}: Slurm ended it at its time limit`;
      break;
    case "cancelled":
      if (!stop) {
        reason = "stopped";
        message = `${what}: cancelled outside hyperbayes (scancel, or an administrator)`;
      } else if (!exit) message = `${what} after a ${stop.reason === "killed" ? "kill" : "stop"}`;
      break;
    case "preempted":
      reason = stop?.reason ?? "stopped";
      message = `${what}: preempted by a higher-priority job`;
      break;
    case "out-of-memory":
      message = `${what}: the trial ran out of memory (raise the machine type's mem)${detail}`;
      break;
    case "node-failure":
      reason = stop?.reason ?? "lost";
      message = `${what}: its node failed`;
      break;
    case "other":
      // The cluster's doing: without the launcher's record, the trial is lost, not failed.
      if (!exit) reason = stop?.reason ?? "lost";
      message = `${what}${detail}`;
      break;
    case "unexplained":
      message = `${what}${detail}`;
      break;
    default:
      return assertNever(end);
  }
  return {
    ...base,
    ...(reason !== undefined ? { reason } : {}),
    ...(message !== undefined ? { message } : {}),
  };
}

/** A launcher result that needs no word from Slurm: a clean exit, or the end we asked for. */
function selfExplained(exit: ExitFile, stop: StopFile | undefined): boolean {
  if (exit.slurmState !== undefined) return true;
  if (stop) return true;
  return exit.reason === undefined && exit.exitCode === 0 && exit.signal === null && !exit.message;
}

/** The last non-empty line of a file's final 4 KiB, or undefined. */
function lastLine(path: string): string | undefined {
  let text: string;
  try {
    const all = readFileSync(path);
    text = all.subarray(Math.max(0, all.length - 4096)).toString("utf8");
  } catch {
    return undefined;
  }
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  return lines.at(-1)?.trim().slice(0, 500);
}

export interface CommandResult {
  /** null when it could not run, timed out or died by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a Slurm command without a shell. Never throws. */
export function runSlurmCommand(
  file: string,
  args: readonly string[],
  env: Env,
  timeoutMs = COMMAND_TIMEOUT_MS,
): Promise<CommandResult> {
  return new Promise((done) => {
    execFile(
      file,
      [...args],
      {
        env: env as NodeJS.ProcessEnv,
        timeout: timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: 16 << 20,
        windowsHide: true,
      },
      (err, stdout, stderr) => {
        const code =
          err === null ? 0 : typeof err.code === "number" && !err.killed ? err.code : null;
        let errText = String(stderr);
        if (err && code === null) {
          errText ||=
            (err as NodeJS.ErrnoException).code === "ENOENT"
              ? `${file}: not found on PATH (is this a Slurm login node?)`
              : err.killed
                ? `${file} did not answer within ${timeoutMs / 1000} s`
                : err.message;
        }
        done({ code, stdout: String(stdout), stderr: errText });
      },
    );
  });
}

/** True when `sbatch` can be found on PATH (Slurm tests skip without it). */
export function sbatchOnPath(env: Env = process.env): boolean {
  for (const dir of (env.PATH ?? "").split(":")) {
    if (dir !== "" && existsSync(join(dir, "sbatch"))) return true;
  }
  return false;
}

interface Snapshot {
  at: number;
  /** The ids the query asked about: a job submitted after it is not in it, present or not. */
  ids: ReadonlySet<string>;
  jobs: ReadonlyMap<string, SlurmJob>;
  ok: boolean;
}

interface Tracked {
  handle: SlurmTrialHandle;
  /** Successive snapshots the job was missing from, and the last one counted. */
  absent: number;
  absentIn?: number;
  /** When a COMPLETED job without exit.json was first seen. */
  completedSince?: number;
  backstopSent?: boolean;
  watcher?: FSWatcher;
}

const RUNNING: TrialState = { state: "running" };

export class SlurmExecutor implements TrialExecutor {
  readonly kind = "slurm" as const;
  readonly machineType: string;
  readonly settings: SlurmSettings;
  readonly graceMs: number;
  readonly pollIntervalMs: number;
  private readonly launcherPath: string;
  private readonly env: Env;
  /** jobId -> a job whose end is not settled yet. */
  private readonly tracked = new Map<string, Tracked>();
  /** Trial dir -> its final result, so answers stay the same once given. */
  private readonly settled = new Map<string, TrialExit>();
  private readonly listeners = new ChangeListeners();
  private snapshot?: Snapshot;
  private refreshing?: Promise<Snapshot>;
  private closed = false;

  constructor(opts: SlurmExecutorOptions = {}) {
    this.machineType = opts.machineType ?? "slurm";
    this.settings = opts.settings ?? {};
    this.graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
    this.pollIntervalMs = opts.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.launcherPath =
      opts.launcherPath ?? fileURLToPath(new URL("./launcher.mjs", import.meta.url));
    this.env = opts.env ?? process.env;
  }

  /** Slurm queues what it cannot run yet; only parallel runs limit a search. */
  capacity(_gpusPerTrial: number): number {
    return Number.POSITIVE_INFINITY;
  }

  async start(launch: TrialLaunch): Promise<SlurmTrialHandle> {
    if (this.closed) throw new HyperbayesError("internal", "the slurm executor is closed");
    checkLaunch(launch);
    const dir = resolve(launch.dir);
    if (existsSync(join(dir, "handle.json"))) {
      throw new HyperbayesError(
        "conflict",
        `the trial directory ${dir} was already used by a trial; each start needs a fresh one`,
      );
    }
    // An earlier start that died between writing launch.json and handle.json may have
    // submitted: find that job rather than submit a second one.
    const earlier = await this.recover(dir);
    if (earlier) {
      this.track(earlier);
      return earlier;
    }
    // sbatch -o into a missing directory makes the job fail silently: create it first. 0700:
    // Slurm's own output files (slurm-<job>.out) get the job's umask, left alone; the directory
    // keeps them private.
    makePrivateDir(dir);
    const jobName = jobNameFor(launch);
    const submittedAt = new Date().toISOString();
    const launcher = join(dir, "launcher.mjs");
    // The launcher must be readable on the compute node: the trial directory is on the shared
    // filesystem, the install directory of hyperbayes need not be.
    const from = dirname(this.launcherPath);
    for (const name of LAUNCHER_FILES) {
      const to = join(dir, name);
      copyFileSync(name === "launcher.mjs" ? this.launcherPath : join(from, name), to);
      chmodSync(to, PRIVATE_FILE);
    }
    const script = join(dir, "slurm-job.sh");
    writeFileSync(script, batchScript(this.settings.setup ?? []), { mode: 0o700 });
    writeJsonAtomic(dir, "launch.json", {
      argv: launch.argv,
      cwd: resolve(launch.cwd),
      env: trialEnv(launch, dir),
      startedAt: Date.now(),
      graceMs: launch.graceMs ?? this.graceMs,
      // No timeoutMs: Slurm enforces --time, and reports TIMEOUT.
      // No cgroup of the launcher's own: Slurm confines the job (and ends what is left of it).
      cgroup: false,
      jobName,
      machineType: this.machineType,
      submittedAt,
    });
    const args = sbatchArguments({
      settings: this.settings,
      jobName,
      dir,
      script,
      node: this.settings.node ?? process.execPath,
      launcher,
      ...(launch.timeoutMs !== undefined ? { timeoutMs: launch.timeoutMs } : {}),
    });
    const base = {
      kind: "slurm" as const,
      dir,
      startedAt: submittedAt,
      jobName,
      ...(launch.graceMs !== undefined ? { graceMs: launch.graceMs } : {}),
    };
    const extra = { machineType: this.machineType };
    const submitted = await this.submit(args, jobName);
    let handle: SlurmTrialHandle;
    if ("jobId" in submitted) {
      handle = { ...base, jobId: submitted.jobId, ...extra };
    } else {
      // Slurm's refusal is the trial's failure, not the worker's: record it as its exit.
      writeJsonAtomic(dir, "exit.json", {
        exitCode: null,
        signal: null,
        endedAt: new Date().toISOString(),
        message: `sbatch refused the job: ${submitted.error}`,
        slurmState: "REFUSED",
      } satisfies ExitFile);
      handle = { ...base, jobId: NO_JOB, ...extra };
    }
    writeJsonAtomic(dir, "handle.json", handle);
    this.track(handle);
    return handle;
  }

  async poll(handle: TrialHandle): Promise<TrialState> {
    return this.stateOf(this.slurm(handle));
  }

  async stop(handle: TrialHandle): Promise<void> {
    await this.request(this.slurm(handle), "stopped");
  }

  async kill(handle: TrialHandle): Promise<void> {
    await this.request(this.slurm(handle), "killed");
  }

  async adopt(handle: TrialHandle): Promise<TrialState> {
    const h = this.slurm(handle);
    this.track(h);
    return this.stateOf(h);
  }

  async recover(dir: string): Promise<SlurmTrialHandle | null> {
    const d = resolve(dir);
    const stored = readJson(join(d, "handle.json"), slurmTrialHandleSchema);
    if (stored) return stored;
    const launch = readJson(join(d, "launch.json"), slurmLaunchFileSchema);
    if (!launch) return null; // nothing was submitted from here
    // The launcher's claim names its job, should squeue and sacct have forgotten it.
    const claim = readClaim(d);
    const jobId =
      (await this.findByName(launch.jobName)) ??
      (claim.state === "claimed" ? claim.claim.slurmJobId : undefined) ??
      jobIdFromFiles(d);
    if (jobId === undefined) return null;
    const handle: SlurmTrialHandle = {
      kind: "slurm",
      dir: d,
      jobId,
      startedAt: launch.submittedAt ?? new Date().toISOString(),
      jobName: launch.jobName,
      machineType: launch.machineType ?? this.machineType,
      ...(launch.graceMs !== undefined ? { graceMs: launch.graceMs } : {}),
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
    for (const t of this.tracked.values()) t.watcher?.close();
    this.tracked.clear();
  }

  /** sbatch, retried on errors that leave it unknown whether the job exists. */
  private async submit(
    args: readonly string[],
    jobName: string,
  ): Promise<{ jobId: string } | { error: string }> {
    let error = "";
    for (let attempt = 1; attempt <= SUBMIT_ATTEMPTS; attempt++) {
      if (attempt > 1) {
        await new Promise((r) => setTimeout(r, 1_000 * 2 ** (attempt - 2)));
        const found = await this.findByName(jobName);
        if (found !== undefined) return { jobId: found };
      }
      const r = await runSlurmCommand("sbatch", args, submitEnv(this.env));
      // "42" or "42;cluster" on a multi-cluster setup.
      const id = r.stdout.trim().split(";")[0]?.trim() ?? "";
      if (r.code === 0 && /^\d+$/.test(id)) return { jobId: id };
      error = sbatchMessage(r.stderr) + (r.code === 0 ? ` (sbatch printed "${r.stdout}")` : "");
      // A missing sbatch, or a refusal: trying again changes nothing.
      if (/not found on PATH/.test(r.stderr) || (r.code !== null && !TRANSIENT.test(r.stderr))) {
        break;
      }
    }
    return { error };
  }

  private async findByName(jobName: string): Promise<string | undefined> {
    const r = await runSlurmCommand(
      "squeue",
      ["-h", "-t", "all", "-n", jobName, "-o", SQUEUE_FORMAT],
      this.env,
    );
    if (r.code === 0) {
      const job = [...parseSqueue(r.stdout).values()].find((j) => j.name === jobName);
      if (job) return job.id;
    }
    const acct = await this.accounting(undefined, jobName);
    return [...acct.values()].find((j) => j.name === jobName)?.id;
  }

  private track(h: SlurmTrialHandle): void {
    if (h.jobId === NO_JOB) return; // nothing to watch: its exit.json was written by start()
    const dir = resolve(h.dir);
    if (this.settled.has(dir) || this.tracked.has(h.jobId)) return;
    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name === "exit.json") this.listeners.emit();
      });
      watcher.on("error", () => watcher?.close());
    } catch {
      // No inotify (or a network filesystem that never reports remote writes): polls tell.
      watcher = undefined;
    }
    this.tracked.set(h.jobId, { handle: h, absent: 0, ...(watcher ? { watcher } : {}) });
  }

  private settle(h: SlurmTrialHandle, exit: ExitFile): TrialExit {
    const dir = resolve(h.dir);
    const result = toExit(exit);
    this.settled.set(dir, result);
    const t = this.tracked.get(h.jobId);
    if (t && resolve(t.handle.dir) === dir) {
      t.watcher?.close();
      this.tracked.delete(h.jobId);
    }
    return result;
  }

  private async stateOf(h: SlurmTrialHandle): Promise<TrialState> {
    const dir = resolve(h.dir);
    const done = this.settled.get(dir);
    if (done) return done;
    if (!this.tracked.has(h.jobId)) this.track(h);
    let exit = readJson(join(dir, "exit.json"), exitFileSchema);
    const stop = readJson(join(dir, "stop.json"), stopFileSchema);
    // A kill overrides whatever the launcher made of the signals that came with it.
    if (exit && stop?.reason === "killed" && exit.reason !== "killed") {
      exit = { ...exit, reason: "killed" };
    }
    if (exit && selfExplained(exit, stop)) return this.settle(h, exit);
    if (h.jobId === NO_JOB) {
      return this.settle(h, {
        exitCode: null,
        signal: null,
        endedAt: new Date().toISOString(),
        reason: "lost",
        message: "sbatch refused the job, and its message was lost",
      });
    }

    const snap = await this.currentSnapshot();
    // Not asked about yet: submitted or adopted since the last query.
    if (!snap.ids.has(h.jobId)) return RUNNING;
    const t = this.tracked.get(h.jobId);
    let job = snap.jobs.get(h.jobId);
    // Job ids start again at 1 after a cluster is reinstalled: a job by another name is not ours.
    if (job && h.jobName !== undefined && job.name !== h.jobName) job = undefined;

    if (!snap.ok) {
      if (exit && Date.now() - Date.parse(exit.endedAt) > SETTLE_MS) return this.settle(h, exit);
      return RUNNING;
    }
    if (job && jobPhase(job.state).phase !== "ended") {
      if (t) t.absent = 0;
      if (exit && Date.now() - Date.parse(exit.endedAt) > SETTLE_MS) return this.settle(h, exit);
      await this.backstop(h, job, stop);
      return RUNNING;
    }
    // The launcher may have written its result just before the job ended.
    exit ??= readJson(join(dir, "exit.json"), exitFileSchema);
    if (job) {
      if (job.state === "COMPLETED" && !exit && t) {
        // The launcher ends the job normally only after writing exit.json: wait until the
        // shared filesystem shows it.
        t.completedSince ??= Date.now();
        if (Date.now() - t.completedSince < SETTLE_MS) return RUNNING;
      }
      return this.finishWith(h, await this.details(h, job, !exit), exit, stop);
    }
    if (exit) return this.settle(h, exit);
    // Gone from squeue: purged after MinJobAge, or a controller that lost it. Ask once more
    // before believing it, then try the accounting records.
    if (t && t.absentIn !== snap.at) {
      t.absent++;
      t.absentIn = snap.at;
    }
    if (t && t.absent < ABSENT_SNAPSHOTS) return RUNNING;
    const acct = (await this.accounting(h.jobId)).get(h.jobId);
    if (acct && (h.jobName === undefined || acct.name === h.jobName)) {
      if (jobPhase(acct.state).phase !== "ended") {
        if (t) t.absent = 0; // squeue missed it: ask again after two more snapshots
        return RUNNING;
      }
      const errLine = this.errLine(h);
      return this.finishWith(
        h,
        { ...acct, ...(errLine ? { errLine } : {}) },
        readJson(join(dir, "exit.json"), exitFileSchema),
        stop,
      );
    }
    return this.finishWith(
      h,
      { id: h.jobId, state: "UNKNOWN", reason: "None" },
      undefined,
      stop,
      `Slurm no longer knows job ${h.jobId}, and the trial left no exit status in ${dir}`,
    );
  }

  private finishWith(
    h: SlurmTrialHandle,
    job: FinishedJob,
    exit: ExitFile | undefined,
    stop: StopFile | undefined,
    lostMessage?: string,
  ): TrialExit {
    const merged: ExitFile = lostMessage
      ? {
          exitCode: null,
          signal: null,
          endedAt: new Date().toISOString(),
          reason: stop?.reason ?? "lost",
          message: lostMessage,
          slurmState: job.stateText ?? job.state,
        }
      : mergeSlurmExit(job, exit, stop);
    // Kept, so that a restarted worker (or a later poll, after Slurm forgot the job) reads the
    // same answer.
    tryWriteJsonAtomic(resolve(h.dir), "exit.json", merged);
    return this.settle(h, merged);
  }

  /** The finished job's exit code and error-file line, when the launcher left no result. */
  private async details(h: SlurmTrialHandle, job: SlurmJob, full: boolean): Promise<FinishedJob> {
    if (!full) return job;
    const errLine = this.errLine(h);
    const r = await runSlurmCommand("scontrol", ["show", "job", "-o", h.jobId], this.env);
    const exitCode = r.code === 0 ? /(?:^| )ExitCode=(\d+:\d+)/.exec(r.stdout)?.[1] : undefined;
    return { ...job, ...(exitCode ? { exitCode } : {}), ...(errLine ? { errLine } : {}) };
  }

  private errLine(h: SlurmTrialHandle): string | undefined {
    const dir = resolve(h.dir);
    // Slurm's error file has slurmstepd's messages and the setup lines' errors; stderr.log has
    // the batch script's own (e.g. the node binary not found on the compute node).
    return (
      lastLine(join(dir, `slurm-${h.jobId}.err`)) ??
      lastLine(join(dir, "slurm.err")) ??
      lastLine(join(dir, "stderr.log"))
    );
  }

  /** sacct, then sacct -c (the jobcomp file), for jobs squeue no longer shows. Never throws. */
  private async accounting(
    jobId: string | undefined,
    jobName?: string,
  ): Promise<Map<string, SlurmJob & { exitCode: string }>> {
    // By name, sacct looks only at jobs since midnight unless told a start; `sacct -c` ignores
    // the name and lists everything (the caller picks by name).
    const select =
      jobId !== undefined ? ["-j", jobId] : ["-S", "now-30days", "--name", jobName ?? ""];
    for (const extra of [["-X"], ["-c"]]) {
      const r = await runSlurmCommand(
        "sacct",
        [...extra, "-n", "-P", ...select, "-o", "JobID,JobName,State,ExitCode"],
        this.env,
      );
      if (r.code === 0) {
        const jobs = parseSacct(r.stdout);
        if (jobs.size > 0) return jobs;
      }
    }
    return new Map();
  }

  /** squeue's answer for every watched job, no older than the poll interval. A failed query is
   * kept as long as a good one, so a struggling controller is not asked more often. A job
   * submitted since the last query waits for the next one (it is pending or running: sbatch
   * just accepted it), so starting trials never adds queries. */
  private async currentSnapshot(): Promise<Snapshot> {
    const s = this.snapshot;
    if (s && Date.now() - s.at < this.pollIntervalMs) return s;
    this.refreshing ??= this.querySqueue()
      .then((fresh) => {
        this.snapshot = fresh;
        return fresh;
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /** One squeue call for every job this executor watches. */
  private async querySqueue(): Promise<Snapshot> {
    const ids = new Set([...this.tracked.keys()].filter((id) => id !== NO_JOB));
    const at = Date.now();
    if (ids.size === 0) return { at, ids, jobs: new Map(), ok: true };
    const r = await runSlurmCommand(
      "squeue",
      ["-h", "-t", "all", "-j", [...ids].join(","), "-o", SQUEUE_FORMAT],
      this.env,
    );
    if (r.code === 0) return { at, ids, jobs: parseSqueue(r.stdout), ok: true };
    // Every id unknown (all purged): squeue says so with exit status 1.
    if (r.code === 1 && /invalid job id/i.test(r.stderr)) {
      return { at, ids, jobs: new Map(), ok: true };
    }
    return { at, ids, jobs: new Map(), ok: false };
  }

  /** Ends a job whose launcher did not act on a stop or kill in time. */
  private async backstop(
    h: SlurmTrialHandle,
    job: SlurmJob,
    stop: StopFile | undefined,
  ): Promise<void> {
    const t = this.tracked.get(h.jobId);
    if (!stop || !t || t.backstopSent) return;
    const waited = Date.now() - Date.parse(stop.at);
    const limit =
      job.state === "PENDING"
        ? 0
        : stop.reason === "killed"
          ? BACKSTOP_SLACK_MS
          : (h.graceMs ?? this.graceMs) + BACKSTOP_SLACK_MS;
    if (waited < limit) return;
    t.backstopSent = true;
    await runSlurmCommand("scancel", [h.jobId], this.env);
  }

  /** Records why the trial is being ended (the launcher and a restarted worker read it), then
   * signals the launcher; a job that cannot be signalled (pending) is cancelled. */
  private async request(h: SlurmTrialHandle, reason: "stopped" | "killed"): Promise<void> {
    const dir = resolve(h.dir);
    if (h.jobId === NO_JOB || this.settled.has(dir)) return;
    if (readJson(join(dir, "exit.json"), exitFileSchema)) return;
    const previous = readJson(join(dir, "stop.json"), stopFileSchema);
    // The first reason stands, except that kill overrides.
    if (!previous || reason === "killed") {
      tryWriteJsonAtomic(dir, "stop.json", { reason, at: new Date().toISOString() });
    }
    if (previous && reason !== "killed") return; // one polite signal
    const state = await this.currentState(h.jobId);
    if (state === "RUNNING") {
      const signal = reason === "killed" ? "USR2" : "TERM";
      const r = await runSlurmCommand(
        "scancel",
        ["--batch", `--signal=${signal}`, h.jobId],
        this.env,
        SIGNAL_TIMEOUT_MS,
      );
      if (r.code === 0) return;
    } else if (state !== undefined && jobPhase(state).phase === "ended") {
      return;
    }
    // Pending (or unknown): cancel it outright. The launcher, should it start after all, finds
    // stop.json and ends at once.
    await runSlurmCommand("scancel", [h.jobId], this.env);
  }

  /** The job's state now. A snapshot that saw it running is good enough (a job never goes back
   * to pending with --no-requeue); anything else is asked again. */
  private async currentState(jobId: string): Promise<SlurmState | undefined> {
    const known = this.snapshot?.jobs.get(jobId)?.state;
    if (known === "RUNNING") return known;
    const r = await runSlurmCommand(
      "squeue",
      ["-h", "-t", "all", "-j", jobId, "-o", SQUEUE_FORMAT],
      this.env,
    );
    return r.code === 0 ? parseSqueue(r.stdout).get(jobId)?.state : undefined;
  }

  private slurm(handle: TrialHandle): SlurmTrialHandle {
    if (handle.kind !== "slurm") {
      throw new HyperbayesError("internal", `the slurm executor got a ${handle.kind} trial handle`);
    }
    return handle;
  }
}

function checkLaunch(launch: TrialLaunch): void {
  const nul = (s: string) => s.includes("\0");
  if (launch.argv.length === 0) throw new UsageError("the command is empty");
  if (launch.argv.some(nul)) throw new UsageError("an argument cannot contain a NUL byte");
  if (nul(launch.cwd) || nul(launch.dir) || launch.dir === "") {
    throw new UsageError("the working directory and trial directory cannot contain a NUL byte");
  }
  for (const [k, v] of Object.entries(launch.env)) {
    if (nul(k) || nul(v) || k.includes("=") || k === "") {
      throw new UsageError(`bad environment variable ${JSON.stringify(k)}`);
    }
  }
}

/** `hb-<search>-<trial>-<token>`: readable in squeue, unique, so a lost job id can be found. */
function jobNameFor(launch: TrialLaunch): string {
  const search = launch.searchId.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 40);
  return `hb-${search}-${launch.trialNumber}-${randomBytes(4).toString("hex")}`;
}

/** A job that started left its output files, named after its id. */
function jobIdFromFiles(dir: string): string | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  for (const n of names) {
    const m = /^slurm-(\d+)\.(?:out|err)$/.exec(n);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * What sbatch runs with (and, with Slurm's default --export=ALL, what the job starts from): the
 * worker's environment without its own settings. NODE_OPTIONS is parked for the trial, so it
 * does not apply to (and slow) the launcher.
 */
function submitEnv(base: Env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !name.startsWith("HYPERBAYES_")) env[name] = value;
  }
  return parkNodeOptions(env);
}

/** The trial's own variables, applied by the launcher on top of the job's environment. */
function trialEnv(launch: TrialLaunch, dir: string): Record<string, string> {
  return {
    ...parkNodeOptions({ PYTHONUNBUFFERED: "1", ...launch.env }),
    ...trialVariables(launch, dir),
  };
}
