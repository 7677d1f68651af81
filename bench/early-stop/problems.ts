/**
 * The problems of bench/early-stop: configurations whose value is a learning curve, one value per
 * step, minimized. Curves cross: a configuration that learns fast can end worse than a slow one,
 * which is what makes early stopping a gamble.
 *
 * - mlp-digits: a real training. scikit-learn's MLPClassifier, one epoch of partial_fit per step
 *   on the bundled digits data, the validation log loss after each epoch (curves.py trains and
 *   caches). A high learning rate is best after 2 epochs and worse after 27.
 * - synth-cross / synth-nocross: a synthetic family (`synthCurve`) with a crossing knob c.
 */
import { parseSpace } from "../../lib/space/parse";
import type { Params, Space } from "../../lib/space/schema";

export interface CurveProblem {
  name: string;
  space: Space;
  /** Every trial that is not pruned runs this many steps (1-based). */
  maxSteps: number;
  /** Python-backed problems are evaluated by curves.py. */
  python: boolean;
}

const space = (params: string[]): Space => parseSpace(params);

export const MAX_STEPS = 27;

export const MLP: CurveProblem = {
  name: "mlp-digits",
  space: space([
    "learning_rate=0.0001:0.5:log",
    "alpha=0.000001:0.1:log",
    "hidden=16:256:log:int",
    "batch_size=16:256:log:int",
  ]),
  maxSteps: MAX_STEPS,
  python: true,
};

const SYNTH_SPACE = space(["lr=0.001:1:log", "width=0:1", "reg=0:1"]);

/**
 * The synthetic family. u = (log10 lr + 3) / 3 in [0, 1] sets the speed k = 0.03·40^u per step
 * (a tenth of the way in 3 steps at u = 0, nearly there after one at u = 1) and, through the
 * crossing knob c, the floor a = 0.2 + 0.4(width − 0.65)² + 0.3(reg − 0.35)² + 0.25·c·u²:
 *
 *   y(t) = a + (1 − a)·exp(−k·t) + ε(t),  ε ~ N(0, 0.003²), fixed per configuration and step.
 *
 * The bench also prints the noise-free final value of the trial each search found best: the
 * observed best of 24 noisy finals is biased low by the noise it was picked for.
 *
 * c = 0: the fastest learner also ends best (no crossing; early ranks are final ranks in u).
 * c = 1: at step 1 the best u is near 1, at step 27 near 0.4: early-fast learners end worse.
 */
export function synthCurve(c: number, p: Params, t: number, noisy = true): number {
  const u = (Math.log10(Number(p.lr)) + 3) / 3;
  const width = Number(p.width);
  const reg = Number(p.reg);
  const k = 0.03 * 40 ** u;
  const a = 0.2 + 0.4 * (width - 0.65) ** 2 + 0.3 * (reg - 0.35) ** 2 + 0.25 * c * u * u;
  const clean = a + (1 - a) * Math.exp(-k * t);
  return noisy ? clean + 0.003 * noise(`${p.lr},${p.width},${p.reg}`, t) : clean;
}

/** A standard normal draw fixed by (key, t): FNV-1a hashes to two uniforms, Box-Muller. */
function noise(key: string, t: number): number {
  const uniform = (salt: number) => {
    let h = 0x811c9dc5 ^ salt;
    for (const ch of `${key}#${t}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    h ^= h >>> 12;
    return ((h >>> 0) + 0.5) / 2 ** 32;
  };
  return Math.sqrt(-2 * Math.log(uniform(1))) * Math.cos(2 * Math.PI * uniform(2));
}

export interface SynthProblem extends CurveProblem {
  crossing: number;
}

export const SYNTH_CROSS: SynthProblem = {
  name: "synth-cross",
  space: SYNTH_SPACE,
  maxSteps: MAX_STEPS,
  python: false,
  crossing: 1,
};

export const SYNTH_NOCROSS: SynthProblem = {
  name: "synth-nocross",
  space: SYNTH_SPACE,
  maxSteps: MAX_STEPS,
  python: false,
  crossing: 0,
};

export const PROBLEMS: CurveProblem[] = [MLP, SYNTH_CROSS, SYNTH_NOCROSS];
