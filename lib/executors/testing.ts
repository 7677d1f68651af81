/**
 * Test helpers shared by the executor and worker tests: trial launches in a scratch folder, and
 * waiting (bounded) for a condition or a trial's end.
 */
import { join } from "node:path";
import type { TrialExecutor, TrialExit, TrialHandle, TrialLaunch } from "./types";

/** A `launch(argv, extra)` that gives each call its own trial number and directory under `root`. */
export function launchFactory(root: string, searchId: string) {
  let seq = 0;
  return (argv: string[], extra: Partial<TrialLaunch> = {}): TrialLaunch => {
    seq += 1;
    return {
      searchId,
      trialNumber: seq,
      argv,
      cwd: root,
      env: {},
      dir: join(root, `trial-${seq}`),
      gpus: 0,
      ...extra,
    };
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * How long a wait may take before it fails: generous, as it only turns a hang into a clear
 * failure. A trial's launcher runs at a lower priority (LAUNCHER_NICE), so with every core busy
 * at normal priority it takes seconds to start or to record an end: beside two CPU-bound
 * processes on 2 cores, a `true` trial's start() to its claim took up to 4 s, and trials that end
 * at once in less than a second took more than 10 s to be seen exited.
 */
export const WAIT_MS = 25_000;

/** Polls `probe` every `everyMs` until it returns a value; throws after `ms`. */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  ms = WAIT_MS,
  everyMs = 10,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms`);
    await sleep(everyMs);
  }
}

/** The trial's exit, once the executor reports it. */
export function waitExit(
  ex: TrialExecutor,
  h: TrialHandle,
  ms = WAIT_MS,
  everyMs = 10,
): Promise<TrialExit> {
  return waitFor(
    async () => {
      const s = await ex.poll(h);
      return s.state === "exited" ? s : undefined;
    },
    ms,
    everyMs,
  );
}
