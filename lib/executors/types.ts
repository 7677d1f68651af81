/**
 * The TrialExecutor contract: how the worker starts, watches, stops and re-attaches to one trial,
 * whatever runs it (a process group on this machine, a Slurm job). The worker stores each
 * TrialHandle as JSON, so a restarted worker can adopt trials that kept running; everything an
 * executor needs to find a trial again lives in the handle and in the trial directory.
 *
 * Trial directory layout (all executors; 0700, the files 0600): stdout.log, stderr.log (capped
 * on disk, each with a `.cut` sidecar once cut: log-cap.mjs), metrics.jsonl (written by the
 * trial via HYPERBAYES_METRICS_FILE), launch.json (what to run, before the launcher starts),
 * claim.json (the launcher that owns the directory, O_EXCL: one run per directory),
 * launcher.json (what to signal should the launcher die), handle.json (the handle, written
 * before start() returns), exit.json (the final status, written once, atomically, from space
 * reserved at launch), stop.json (a stop/kill request), output.json (where the worker's reader
 * got to: workers/tail.ts).
 */
import { z } from "zod";
import { HyperbayesError } from "../errors";

/**
 * Time between the stop signal (SIGTERM) and SIGKILL when a trial is stopped, pruned or timed
 * out, for every executor (locally the launcher's process group; on Slurm the launcher inside the
 * job, with `scancel` as the backstop).
 */
export const DEFAULT_GRACE_MS = 10_000;

export interface TrialLaunch {
  searchId: string;
  trialNumber: number;
  /** Already substituted. Run without a shell: argv[0] is looked up on PATH like execvp. */
  argv: string[];
  /** Working directory of the trial. A missing one makes the trial fail, not start(). */
  cwd: string;
  /** Extra environment on top of the worker's. */
  env: Record<string, string>;
  /** Trial directory (created when missing); one trial per directory. */
  dir: string;
  /** Wall-clock limit from the start; then SIGTERM, a grace period, SIGKILL. */
  timeoutMs?: number;
  /** From SIGTERM to SIGKILL on a stop, a pruning or a timeout (the search's --stop-grace);
   * default: the executor's (DEFAULT_GRACE_MS). */
  graceMs?: number;
  /** GPUs the trial needs (0 = none). */
  gpus: number;
}

export const localTrialHandleSchema = z.object({
  kind: z.literal("local"),
  dir: z.string().min(1),
  /** The launcher's pid; the launcher is alone in its process group (pgid = pid). */
  pid: z.number().int().positive(),
  /** Start time of the launcher from /proc/<pid>/stat (clock ticks since boot), so a reused pid
   * is never mistaken for the trial. Absent where /proc is not available. */
  procStart: z.string().optional(),
  /** ISO time start() ran; timeouts are measured from it. */
  startedAt: z.string(),
  /** GPU ids in the trial's CUDA_VISIBLE_DEVICES. */
  gpus: z.array(z.string()),
  timeoutMs: z.number().positive().optional(),
  /** The trial's grace period, where its launch gave one (else the executor's). */
  graceMs: z.number().nonnegative().optional(),
});
export type LocalTrialHandle = z.infer<typeof localTrialHandleSchema>;

/** Loose: the Slurm executor may store more fields; these are the ones every reader relies on. */
export const slurmTrialHandleSchema = z.looseObject({
  kind: z.literal("slurm"),
  dir: z.string().min(1),
  jobId: z.string().min(1),
  startedAt: z.string(),
  /** The trial's grace period, where its launch gave one (else the executor's). */
  graceMs: z.number().nonnegative().optional(),
});
export type SlurmTrialHandle = z.infer<typeof slurmTrialHandleSchema>;

export const trialHandleSchema = z.discriminatedUnion("kind", [
  localTrialHandleSchema,
  slurmTrialHandleSchema,
]);
/** JSON-serializable; the worker stores it and hands it back to poll/stop/kill/adopt. */
export type TrialHandle = z.infer<typeof trialHandleSchema>;

/** Reads a handle back from the store (throws a ZodError on a corrupt one). */
export function parseTrialHandle(json: unknown): TrialHandle {
  return trialHandleSchema.parse(json);
}

/**
 * Why a trial ended, when not on its own: `timeout` (ran past timeoutMs), `stopped` (stop(), or
 * a SIGTERM from outside), `killed` (kill()), `lost` (its supervisor vanished without recording
 * an exit status: a SIGKILLed launcher, a rebooted machine, a job Slurm no longer knows).
 */
export type ExitReason = "timeout" | "stopped" | "killed" | "lost";

export interface TrialExit {
  state: "exited";
  /** null when the trial died by a signal or its status is unknown. */
  exitCode: number | null;
  /** e.g. "SIGKILL", when the trial's main process died by a signal. */
  signal: string | null;
  endedAt: Date;
  reason?: ExitReason;
  /** A system-side explanation for the user, e.g. "command not found: pyhton" (exit code 127). */
  message?: string;
}

export type TrialState = { state: "running" } | TrialExit;

export interface TrialExecutor {
  readonly kind: TrialHandle["kind"];
  /** How many more trials needing `gpusPerTrial` GPUs each can start now (Infinity: no limit
   * here; the worker still limits by parallel runs). */
  capacity(gpusPerTrial: number): number;
  /** Starts the trial and returns once its handle is durable in launch.dir. Throws
   * NoCapacityError when no GPUs are free now, UsageError when the trial can never fit.
   * Problems of the command itself (not found, bad cwd) show up as an exit, not a throw. */
  start(launch: TrialLaunch): Promise<TrialHandle>;
  /** Never throws for a trial that existed; an exited state is final and stable. */
  poll(handle: TrialHandle): Promise<TrialState>;
  /** Asks politely: SIGTERM to the trial's processes, SIGKILL after the grace period.
   * Returns once the request is sent; the exit reports reason "stopped". */
  stop(handle: TrialHandle): Promise<void>;
  /** SIGKILL now; the exit reports reason "killed". */
  kill(handle: TrialHandle): Promise<void>;
  /** Re-attaches after a worker restart (re-reserves GPUs, keeps enforcing the timeout) and
   * returns the current state. */
  adopt(handle: TrialHandle): Promise<TrialState>;
  /** The handle of the trial started in `dir`, for a worker that died before storing it: the
   * one start() left there, or one rebuilt from what the launcher left (its claim, or its
   * process, before it claimed); null when no trial was started there, and starting it is safe. */
  recover(dir: string): Promise<TrialHandle | null>;
  /** `listener` runs whenever some trial may have changed state (a trial started by this
   * executor ended), so the worker need not wait for its poll tick. Returns an unsubscribe. */
  onChange(listener: () => void): () => void;
  /** Stops watching. Running trials keep running (adopt them later). */
  close(): Promise<void>;
}

/** No room now (all GPUs busy); retry after some trial ends. */
export class NoCapacityError extends HyperbayesError {
  constructor(message: string) {
    super("conflict", message);
    this.name = "NoCapacityError";
  }
}

/** The listeners behind an executor's onChange, told in turn: one that throws does not keep the
 * others (the worker's dispatch) from hearing of the change. */
export class ChangeListeners {
  private readonly listeners = new Set<() => void>();

  add(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (e) {
        process.emitWarning(`an executor onChange listener threw: ${String(e)}`);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
