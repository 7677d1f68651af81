/**
 * The asynchronous protocol of bench/early-stop, the same for every strategy: `trials` trials,
 * `parallel` at once. Each trial takes its own time per step (uniform in [0.5, 1.5), drawn from
 * the seed and the trial's number), so trials reach a step out of order, as on real machines.
 * Time moves from one step's end to the next; at each, the trial's value is reported to the
 * strategy, which may prune it. A trial ends when pruned or at its last step; its slot is then
 * free and a new trial is asked at once (with the trials in flight as pending), until `trials`
 * were started (or, with `budget`, until the steps trained reach it: the same machine time for
 * every strategy, however many trials that buys). Ties in time go in trial order, so a run is
 * deterministic.
 */
import type { Params } from "../../lib/space/schema";

export interface Ended {
  /** The last value reported and its step. */
  value: number;
  step: number;
  pruned: boolean;
}

/** One strategy on one run: a sampler and a pruning rule. */
export interface Controller {
  /** `n` new trials, given the params of the trials in flight. */
  ask(n: number, running: Params[]): Promise<Params[]>;
  /** Trial `id` reported `value` at `step`: true = prune it now. */
  report(id: number, step: number, value: number): Promise<boolean>;
  /** Trial `id` ended (pruned or at its last step). */
  end(id: number, ended: Ended): Promise<void>;
}

export interface TrialRecord {
  id: number;
  params: Params;
  steps: number;
  pruned: boolean;
  /** The value at the last step, for trials that ran every step. */
  final: number | null;
}

export interface RunResult {
  /** Steps trained over all trials. */
  steps: number;
  /** The best value at the last step over the trials that reached it (minimized). */
  best: number;
  trials: TrialRecord[];
  /**
   * Trials started before the first trial reached the last step: asked with no final value
   * known, on what early steps said (with early stopping, most of them).
   */
  startedBlind: number;
}

export type Curve = (params: Params, step: number) => Promise<number>;

/** A uniform in [0, 1) from (seed, i): a small hash, so durations do not depend on the strategy. */
export function stepTime(seed: number, i: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  h ^= h >>> 16;
  return 0.5 + (h >>> 0) / 2 ** 32;
}

export async function simulate(opts: {
  controller: Controller;
  curve: Curve;
  /** Called when a trial ends, so a curve's resources (a live model) can go. */
  release?: (params: Params) => Promise<void>;
  trials: number;
  parallel: number;
  maxSteps: number;
  seed: number;
  /** Start no new trial once this many steps were trained. */
  budget?: number;
}): Promise<RunResult> {
  const { controller, curve, trials, parallel, maxSteps, seed } = opts;
  interface Running {
    id: number;
    params: Params;
    step: number;
    dt: number;
    at: number;
  }
  const running: Running[] = [];
  const records: TrialRecord[] = [];
  let now = 0;
  let started = 0;
  let trained = 0;
  let startedBlind: number | undefined;
  const open = () => started < trials && (opts.budget === undefined || trained < opts.budget);
  while (open() || running.length > 0) {
    const n = open() ? Math.min(parallel - running.length, trials - started) : 0;
    if (n > 0) {
      const points = await controller.ask(
        n,
        running.map((r) => r.params),
      );
      if (points.length === 0 && running.length === 0) break; // a finite space used up
      for (const params of points) {
        const dt = stepTime(seed, started);
        running.push({ id: started, params, step: 0, dt, at: now + dt });
        started++;
      }
    }
    running.sort((a, b) => a.at - b.at || a.id - b.id);
    const r = running.shift();
    if (!r) break;
    now = r.at;
    r.step++;
    trained++;
    const value = await curve(r.params, r.step);
    const prune = await controller.report(r.id, r.step, value);
    if (r.step >= maxSteps) startedBlind ??= started;
    if (prune || r.step >= maxSteps) {
      const pruned = prune && r.step < maxSteps;
      await controller.end(r.id, { value, step: r.step, pruned });
      await opts.release?.(r.params);
      records.push({
        id: r.id,
        params: r.params,
        steps: r.step,
        pruned,
        final: pruned ? null : value,
      });
    } else {
      r.at += r.dt;
      running.push(r);
    }
  }
  records.sort((a, b) => a.id - b.id);
  let best = Number.POSITIVE_INFINITY;
  for (const t of records) if (t.final !== null) best = Math.min(best, t.final);
  return {
    steps: records.reduce((s, t) => s + t.steps, 0),
    best,
    trials: records,
    startedBlind: startedBlind ?? started,
  };
}
