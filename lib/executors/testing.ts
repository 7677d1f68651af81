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

/** Polls `probe` every `everyMs` until it returns a value; throws after `ms`. */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  ms = 10_000,
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
  ms = 10_000,
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
