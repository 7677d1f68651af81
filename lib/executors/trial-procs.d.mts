// Types of trial-procs.mjs (plain JavaScript, so the launcher can import it without tsx).

export const MARK_VARIABLE: "HYPERBAYES_TRIAL_MARK";

export interface TrialProcs {
  /** The command's process group. */
  pgid?: number;
  /** The trial's cgroup directory, when the command was started inside one. */
  cgroup?: string;
  /** The environment marker's value; scanned for only when there is no cgroup. */
  mark?: string;
}

export function groupAlive(pgid: number): boolean;
export function createTrialCgroup(token: string): { path: string; origin: string } | undefined;
export function spawnInCgroup<T>(
  cgroup: { path: string; origin: string },
  spawn: () => T,
): { result: T; inside: boolean };
export function removeCgroup(path: string): void;
export function trialAlive(t: TrialProcs): boolean;
/** False when no process of the trial was found to signal. */
export function signalTrial(t: TrialProcs, signal: NodeJS.Signals): boolean;
/** Freezes the trial's cgroup, else SIGSTOPs its group, and waits (briefly) until it is held. */
export function holdTrial(t: TrialProcs): boolean;
export function releaseTrial(t: TrialProcs): void;
