/**
 * The strategies of bench/early-stop, each a Controller (simulate.ts): a sampler that proposes
 * trials and a pruning rule that ends them.
 *
 * - Our sampler is the optimizer the worker uses (lib/optimizer `suggest`, bayesian, through
 *   suggestWith for the pruned-trial variants): the ended trials are told as the worker tells
 *   them (a complete trial with its last value; a pruned one with its last value, `pruned: true`
 *   and its step), the trials in flight as pending, the previous ask's GP state as warm start.
 * - Our rules are lib/pruning's decidePruning, fed every trial's series (running and ended),
 *   the step each trial was last judged at and the complete trials' last step, as the worker
 *   feeds it.
 * - Optuna's MedianPruner and SuccessiveHalvingPruner run in curves.py on a study that holds the
 *   same trials: either our sampler's points, enqueued (sampler "given": the same sampler for
 *   every rule, so the rules alone differ), or Optuna's own TPESampler (constant liar for the
 *   trials in flight: what an Optuna user gets).
 */
import { type BayesOptions, DEFAULT_OPTIONS } from "../../lib/optimizer/bayesian";
import type { ModelState } from "../../lib/optimizer/index";
import { suggestWith } from "../../lib/optimizer/suggest";
import { atModelStep, MODEL_STEP_TRIALS, type TrialToTell } from "../../lib/pruning/model-step";
import {
  decidePruning,
  type EarlyStop,
  rungSteps,
  type SeriesPoint,
  type TrialSeries,
} from "../../lib/pruning/rules";
import type { Params, Space } from "../../lib/space/schema";
import type { PythonWorker } from "../tuning/python";
import type { Controller, Ended } from "./simulate";

export type Rule = "none" | "median" | "asha" | "asha-re";
export type PrunedAs = BayesOptions["pruned"];

export interface RuleConfig {
  minSteps: number;
  eta: number;
}

interface Pruner {
  started(id: number, params: Params): Promise<void>;
  report(id: number, step: number, value: number): Promise<boolean>;
  end(id: number, ended: Ended): Promise<void>;
}

/** lib/pruning's rules, as the worker applies them. */
function ourPruner(rule: Rule, config: RuleConfig): Pruner {
  const series = new Map<number, SeriesPoint[]>();
  const since = new Map<number, number>();
  // The complete trials' last step, where the rules decide nothing (rules.ts's end step).
  let endStep: number | undefined;
  const es: EarlyStop | undefined =
    rule === "none"
      ? undefined
      : {
          rule: rule === "asha-re" ? "asha" : rule,
          minSteps: config.minSteps,
          reductionFactor: config.eta,
          goal: "minimize",
        };
  return {
    async started(id) {
      series.set(id, []);
    },
    async report(id, step, value) {
      series.get(id)!.push({ step, value });
      if (!es) return false;
      const all: TrialSeries[] = [...series.entries()].map(([trial, points]) => ({
        trial,
        points,
      }));
      let sinceStep = since.get(id);
      if (rule === "asha-re") {
        // Experiment: the highest rung passed is judged again at every report, as it fills.
        const passed = rungSteps(config.minSteps, config.eta, step).at(-1);
        if (passed !== undefined) sinceStep = Math.min(sinceStep ?? passed, passed - 0.5);
      }
      const d = decidePruning(es, { trial: id, points: series.get(id)! }, all, sinceStep, endStep);
      since.set(id, step);
      return d.prune;
    },
    async end(_, ended) {
      if (!ended.pruned && (endStep === undefined || ended.step > endStep)) endStep = ended.step;
    },
  };
}

let studies = 0;

/**
 * Report and end for a trial of Optuna study `id`: our trial number mapped to Optuna's through
 * `number`, the pruner's verdict on each report, the end told with whether it was pruned.
 */
function studyReports(
  worker: PythonWorker,
  id: string,
  number: ReadonlyMap<number, number>,
): Pick<Pruner, "report" | "end"> {
  return {
    async report(trial, step, value) {
      const r = await worker.request<{ prune: boolean }>({
        op: "report",
        id,
        trial: number.get(trial),
        step,
        value,
      });
      return r.prune;
    },
    async end(trial, ended) {
      await worker.request({
        op: "tell",
        id,
        trial: number.get(trial),
        value: ended.value,
        pruned: ended.pruned,
      });
    },
  };
}

/** Optuna's pruner on a study whose trials are given (enqueued) by our sampler. */
async function optunaPruner(
  worker: PythonWorker,
  pruner: "median" | "sha",
  space: Space,
  seed: number,
  config: RuleConfig,
): Promise<Pruner> {
  const id = `given-${pruner}-${seed}-${studies++}`;
  await worker.request({
    op: "study",
    id,
    pruner,
    sampler: "given",
    seed,
    space,
    minSteps: config.minSteps,
    eta: config.eta,
  });
  const number = new Map<number, number>();
  return {
    async started(trial, params) {
      const r = await worker.request<{ trial: number }>({ op: "ask", id, params });
      number.set(trial, r.trial);
    },
    ...studyReports(worker, id, number),
  };
}

/** Our sampler (the worker's optimizer) with a pruner: ours, or Optuna's on given trials. */
export async function gpController(opts: {
  space: Space;
  seed: number;
  prunedAs: PrunedAs;
  rule: Rule;
  config: RuleConfig;
  optuna?: { worker: PythonWorker; pruner: "median" | "sha" };
  /**
   * Until this many trials completed, the trials are modelled at one step, as the worker does
   * with early stopping (lib/pruning/model-step.ts; default MODEL_STEP_TRIALS); 0 = as told.
   */
  modelStepTrials?: number;
}): Promise<Controller> {
  const { space, seed } = opts;
  const pruner = opts.optuna
    ? await optunaPruner(opts.optuna.worker, opts.optuna.pruner, space, seed, opts.config)
    : ourPruner(opts.rule, opts.config);
  const options: BayesOptions = { ...DEFAULT_OPTIONS, pruned: opts.prunedAs };
  // As the worker: the model step only where trials are pruned.
  const k = opts.rule === "none" && !opts.optuna ? 0 : (opts.modelStepTrials ?? MODEL_STEP_TRIALS);
  /** Every trial asked so far, by id: its params, its points, and once ended what it is told. */
  const trials: TrialToTell[] = [];
  let warm: ModelState | undefined;
  return {
    async ask(n, running) {
      const input =
        k > 0
          ? atModelStep(trials, k)
          : { observations: trials.flatMap((t) => (t.told ? [t.told] : [])), pending: running };
      const res = suggestWith(
        {
          algorithm: "bayesian",
          space,
          goal: "minimize",
          observations: input.observations,
          pending: input.pending,
          n,
          seed,
          warm,
        },
        options,
      );
      warm = res.state ?? warm;
      for (const params of res.points) {
        trials.push({ params, series: [] });
        await pruner.started(trials.length - 1, params);
      }
      return res.points;
    },
    report(id, step, value) {
      (trials[id]!.series as SeriesPoint[]).push({ step, value });
      return pruner.report(id, step, value);
    },
    async end(id, e) {
      await pruner.end(id, e);
      const t = trials[id]!;
      t.told = { params: t.params, value: e.value, step: e.step };
      if (e.pruned) t.told.pruned = true;
    },
  };
}

/** Optuna alone: TPESampler (constant liar) with no pruner, MedianPruner or SuccessiveHalvingPruner. */
export async function optunaController(opts: {
  worker: PythonWorker;
  pruner: "none" | "median" | "sha";
  space: Space;
  seed: number;
  config: RuleConfig;
}): Promise<Controller> {
  const { worker, seed } = opts;
  const id = `tpe-${opts.pruner}-${seed}-${studies++}`;
  await worker.request({
    op: "study",
    id,
    pruner: opts.pruner,
    sampler: "tpe",
    seed,
    space: opts.space,
    minSteps: opts.config.minSteps,
    eta: opts.config.eta,
  });
  const number = new Map<number, number>();
  let next = 0;
  return {
    async ask(n) {
      const out: Params[] = [];
      for (let i = 0; i < n; i++) {
        const r = await worker.request<{ trial: number; params: Params }>({ op: "ask", id });
        number.set(next++, r.trial);
        out.push(r.params);
      }
      return out;
    },
    ...studyReports(worker, id, number),
  };
}
