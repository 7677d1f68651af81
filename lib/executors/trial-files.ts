/**
 * The files every executor keeps in a trial's directory, read and written one way: `launch.json`
 * (what to run, written before the launcher starts), `claim.json` (the launcher that owns the
 * directory, created with O_EXCL by the launcher before it runs anything: see launcher.mjs),
 * `exit.json` (the final status, written once by the launcher or by the executor that found the
 * trial gone), `stop.json` (a stop or kill request), and the trial's own environment variables.
 * Writes are atomic (temp file, then rename), so a reader never sees half a record, and private
 * (0600, without touching the process umask): the directory holds the trial's environment.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { searchDir } from "../home";
import type { TrialExit, TrialLaunch } from "./types";

export const exitFileSchema = z.object({
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  endedAt: z.string(),
  reason: z.enum(["timeout", "stopped", "killed", "lost"]).optional(),
  message: z.string().optional(),
});
export type ExitFile = z.infer<typeof exitFileSchema>;

export const stopFileSchema = z.object({
  reason: z.enum(["timeout", "stopped", "killed"]),
  at: z.string(),
});
export type StopFile = z.infer<typeof stopFileSchema>;

/** What the executor asks the launcher to run; executors may add fields of their own. */
export const launchFileSchema = z.looseObject({
  argv: z.array(z.string()),
  cwd: z.string(),
  /** Epoch milliseconds of start(); timeouts are measured from it. */
  startedAt: z.number(),
  timeoutMs: z.number().positive().optional(),
  graceMs: z.number().optional(),
  /** GPU ids the executor lent the trial (local trials). */
  gpus: z.array(z.string()).optional(),
});
export type LaunchFile = z.infer<typeof launchFileSchema>;

/** Written by the launcher that owns the trial directory, before it runs anything. */
export const claimFileSchema = z.looseObject({
  /** The launcher's pid and /proc start time. */
  pid: z.number().int().positive(),
  procStart: z.string().optional(),
  /** Also the value of HYPERBAYES_TRIAL_MARK in the trial's environment. */
  token: z.string().min(1),
  host: z.string().optional(),
  claimedAt: z.string().optional(),
  /** The launcher's CUDA_VISIBLE_DEVICES: the GPUs the trial was really given. */
  gpus: z.string().optional(),
  /** Set when the launcher ran as a Slurm job. */
  slurmJobId: z.string().optional(),
});
export type ClaimFile = z.infer<typeof claimFileSchema>;

export type Claim =
  | { state: "none" }
  /** The file exists but cannot be read (yet: it is written just after it is created). */
  | { state: "unreadable" }
  | { state: "claimed"; claim: ClaimFile };

/** Who owns the trial directory. Never throws. */
export function readClaim(dir: string): Claim {
  const path = join(dir, "claim.json");
  const claim = readJson(path, claimFileSchema);
  if (claim) return { state: "claimed", claim };
  return existsSync(path) ? { state: "unreadable" } : { state: "none" };
}

/** "0,1" -> ["0", "1"]; "" -> []. */
export function gpuList(visibleDevices: string): string[] {
  return visibleDevices === "" ? [] : visibleDevices.split(",");
}

export function toExit(f: ExitFile): TrialExit {
  return {
    state: "exited",
    exitCode: f.exitCode,
    signal: f.signal,
    endedAt: new Date(f.endedAt),
    ...(f.reason ? { reason: f.reason } : {}),
    ...(f.message ? { message: f.message } : {}),
  };
}

/** The parsed file, or undefined when it is missing or not (yet) valid. Never throws. */
export function readJson<T>(path: string, schema: z.ZodType<T>): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined; // half-written by hand or by a crashed writer: treated as absent
  }
}

/** Trial directories and the files executors create in them are the user's alone. */
export const PRIVATE_DIR = 0o700;
export const PRIVATE_FILE = 0o600;

/** Creates `dir` and any missing parents 0700, whatever the umask (which is left alone: the
 * trial's own files are the user's business). */
export function makePrivateDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  if (first === undefined) return; // it existed
  // mkdir applies the umask; a umask like 0o027 keeps 0700, an odd one (0o277) would not.
  for (let d = dir; d.length >= first.length; d = resolve(d, "..")) {
    chmodSync(d, PRIVATE_DIR);
    if (d === first) break;
  }
}

export function writeJsonAtomic(dir: string, name: string, value: unknown): void {
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(value)}\n`, { mode: PRIVATE_FILE });
  renameSync(tmp, join(dir, name));
}

/** For records written after start: a directory removed by hand must not make poll throw. */
export function tryWriteJsonAtomic(dir: string, name: string, value: unknown): void {
  try {
    writeJsonAtomic(dir, name, value);
  } catch {
    // Without the directory the record cannot be kept; the state is still returned to the caller.
  }
}

/** What every trial is told about itself, whichever executor runs it. */
export function trialVariables(launch: TrialLaunch, dir: string): Record<string, string> {
  return {
    HYPERBAYES_SEARCH: launch.searchId,
    HYPERBAYES_TRIAL: String(launch.trialNumber),
    HYPERBAYES_TRIAL_DIR: dir,
    HYPERBAYES_METRICS_FILE: join(dir, "metrics.jsonl"),
  };
}

/**
 * Parks NODE_OPTIONS (in place) as HYPERBAYES_NODE_OPTIONS, which the launcher restores for the
 * trial: NODE_OPTIONS would otherwise apply to, and slow, the launcher too.
 */
export function parkNodeOptions(env: Record<string, string>): Record<string, string> {
  if (env.NODE_OPTIONS !== undefined) {
    env.HYPERBAYES_NODE_OPTIONS = env.NODE_OPTIONS;
    delete env.NODE_OPTIONS;
  }
  return env;
}

/**
 * Removes a deleted search's folder, every trial directory of it (logs, launcher records) inside.
 * Called once the store has deleted its rows (a search that may still run is refused there, so
 * no launcher is writing here). A missing folder is no error.
 */
export function removeSearchFiles(home: string, searchId: number): void {
  rmSync(searchDir(home, searchId), { recursive: true, force: true });
}
