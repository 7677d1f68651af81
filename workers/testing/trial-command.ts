/**
 * The tests' training script (trial.mjs) and the command line of its `curve` mode, for the CLI,
 * worker and browser tests alike (no test runner is imported here: Playwright loads it too).
 */
import { join } from "node:path";

export const TRIAL = join(import.meta.dirname, "trial.mjs");

export interface CurveTrial {
  epochs: number;
  /** Between epochs. */
  stepMs: number;
  /** Trials whose x is above this ignore SIGTERM (only SIGKILL ends them). */
  ignoreTermAbove?: number;
  /** After the last epoch, before it exits (a final checkpoint or evaluation). */
  lingerMs?: number;
  /** trial.mjs --record FILE: each start appends a line to FILE. */
  record?: string;
}

/** trial.mjs's flags for `--mode curve`: `epoch=E loss=L`, curves that cross. */
function curveArgs(o: CurveTrial): string[] {
  return [
    "--mode",
    "curve",
    "--epochs",
    String(o.epochs),
    "--step-ms",
    String(o.stepMs),
    ...(o.ignoreTermAbove !== undefined ? ["--ignore-term-above", String(o.ignoreTermAbove)] : []),
    ...(o.lingerMs !== undefined ? ["--linger-ms", String(o.lingerMs)] : []),
    ...(o.record !== undefined ? ["--record", o.record] : []),
  ];
}

/** `node trial.mjs --mode curve` for the parameter x. */
export function curveTrial(o: CurveTrial): string[] {
  return ["node", TRIAL, "--value", ":x:", ...curveArgs(o)];
}

/**
 * What a search of trial.mjs ends with: its metric (`loss`, lower is better, as every mode
 * prints it) and, after `--`, its command with the parameter x as its value and `args` (the
 * mode and its flags). The test's own flags go before.
 */
export function trialSearchTail(args: readonly string[]): string[] {
  return ["--metric", "loss", "--goal", "minimize", "--", "node", TRIAL, "--value", ":x:", ...args];
}

/** `trialSearchTail` of the curve trial. */
export function curveSearchTail(o: CurveTrial): string[] {
  return trialSearchTail(curveArgs(o));
}
