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
  /** trial.mjs --record FILE: each start appends a line to FILE. */
  record?: string;
}

/** `node trial.mjs --mode curve` for the parameter x: `epoch=E loss=L`, curves that cross. */
export function curveTrial(o: CurveTrial): string[] {
  return [
    "node",
    TRIAL,
    "--mode",
    "curve",
    "--value",
    ":x:",
    "--epochs",
    String(o.epochs),
    "--step-ms",
    String(o.stepMs),
    ...(o.ignoreTermAbove !== undefined ? ["--ignore-term-above", String(o.ignoreTermAbove)] : []),
    ...(o.record !== undefined ? ["--record", o.record] : []),
  ];
}

/**
 * What a search of the curve trial ends with: its metric (`loss`, lower is better, as the curve
 * prints it) and, after `--`, its command. The test's own flags go before.
 */
export function curveSearchTail(o: CurveTrial): string[] {
  return ["--metric", "loss", "--goal", "minimize", "--", ...curveTrial(o)];
}
