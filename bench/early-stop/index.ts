/**
 * bench/early-stop: early stopping on learning curves that cross (problems.ts), on the protocol
 * of issue 12: 24 trials, 4 at once, asynchronous (simulate.ts), 8 seeds. Strategies
 * (strategies.ts):
 *
 *   none, median, asha           our optimizer (bayesian, as the worker asks it) with no early
 *                                stopping, or lib/pruning's median rule or ASHA
 *   optuna-median, optuna-sha    our optimizer's points, pruned by Optuna's MedianPruner or
 *                                SuccessiveHalvingPruner (the same sampler: only the rule differs)
 *   tpe-none, tpe-median, tpe-sha  Optuna alone: TPESampler (constant liar) and its pruner
 *   asha-re                      ASHA judging the highest rung a trial passed again at each of
 *                                its reports, against the rung as it fills (measured and not
 *                                kept: docs/decisions/early-stopping.md, session 11)
 *   RULE@AS                      our RULE with pruned trials told to the GP as AS (last, floor,
 *                                worst, step, ignore: lib/optimizer/bayesian.ts BayesOptions.pruned);
 *                                plain median / asha use the optimizer's default
 *   STRATEGY+kN                  the GP models every trial at one step until N trials completed
 *                                (lib/pruning/model-step.ts; the worker's N, and the default here
 *                                for every pruning strategy, is MODEL_STEP_TRIALS = 3); +k0 tells
 *                                the trials as they ended, with the running ones pending
 *
 * Rules run with min steps 1 and η 3 (the flags' defaults; rungs at 1, 3, 9 of 27 steps), Optuna's
 * with the same (MedianPruner n_warmup_steps = min steps, as it prunes at steps >= it, and keeps
 * its default of 5 completed trials before it prunes; SuccessiveHalvingPruner min_resource = min
 * steps, reduction_factor = η).
 *
 *   node bin/run-ts.mjs bench/early-stop/index.ts [--problems mlp,synth] [--seeds 0-7]
 *     [--strategies none,asha,...] [--trials 24] [--parallel 4] [--min-steps 1] [--eta 3]
 *     [--variants]   adds median@X and asha@X for every X (what the GP learns from pruned trials)
 *     [--budget S]   instead of 24 trials, trials until S steps were trained (648 = 24 × 27:
 *                    what the steps early stopping saves buy in the same machine time)
 *     [--oracle]     also runs every configuration a strategy tried to the last step, and
 *                    prints the best of them: what the sampler found, apart from what the rule
 *                    then pruned (the MLP trains its pruned configurations to the end for it)
 *
 * Columns: "blind" is the trials started before any trial reached the last step (asked on early
 * steps' values alone); "vs none ± se" is the best final's gap to none's with the standard error
 * of the per-seed differences.
 *
 * The Python side (curves.py: the MLP trainings, Optuna 3.1+) runs in HB_BENCH_PYTHON, default
 * /usr/bin/python3 with Debian's python3-sklearn and python3-optuna. MLP curves are cached in
 * bench/early-stop/.cache/ (gitignored; delete it to retrain everything: about 0.5 s per
 * configuration's 27 epochs).
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_OPTIONS } from "../../lib/optimizer/bayesian";
import type { Params } from "../../lib/space/schema";
import { fmt } from "../optimizer";
import { PYTHON_ENV, PythonWorker } from "../tuning/python";
import { type CurveProblem, PROBLEMS, type SynthProblem, synthCurve } from "./problems";
import { type Controller, type Curve, type RunResult, simulate } from "./simulate";
import {
  gpController,
  optunaController,
  type PrunedAs,
  type Rule,
  type RuleConfig,
} from "./strategies";

const HERE = dirname(fileURLToPath(import.meta.url));
const VARIANTS: PrunedAs[] = ["last", "floor", "worst", "step", "ignore"];
const DEFAULT_STRATEGIES = [
  "none",
  "median",
  "asha",
  "optuna-median",
  "optuna-sha",
  "tpe-none",
  "tpe-median",
  "tpe-sha",
];

function parseSeeds(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(",")) {
    const m = /^(\d+)-(\d+)$/.exec(part.trim());
    if (m) for (let s = Number(m[1]); s <= Number(m[2]); s++) out.push(s);
    else if (part.trim() !== "") out.push(Number(part));
  }
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

async function controllerFor(
  name: string,
  problem: CurveProblem,
  seed: number,
  config: RuleConfig,
  worker: () => PythonWorker,
): Promise<Controller> {
  const space = problem.space;
  if (name.startsWith("tpe-")) {
    const pruner = name.slice(4) as "none" | "median" | "sha";
    return optunaController({ worker: worker(), pruner, space, seed, config });
  }
  const prunedAs = DEFAULT_OPTIONS.pruned;
  // STRATEGY+kN: the trials modelled at one step until N completed (k0: told as they ended).
  const m = /^(.*)\+k(\d+)$/.exec(name);
  const base = m ? m[1]! : name;
  const modelStepTrials = m ? Number(m[2]) : undefined;
  const modelStep = modelStepTrials !== undefined ? { modelStepTrials } : {};
  if (base.startsWith("optuna-")) {
    const pruner = base.slice(7) as "median" | "sha";
    return gpController({
      space,
      seed,
      prunedAs,
      rule: "none",
      config,
      optuna: { worker: worker(), pruner },
      ...modelStep,
    });
  }
  const [rule, as] = base.split("@") as [Rule, PrunedAs | undefined];
  if (!["none", "median", "asha", "asha-re"].includes(rule) || (as && !VARIANTS.includes(as))) {
    throw new Error(`unknown strategy ${name}`);
  }
  return gpController({
    space,
    seed,
    prunedAs: as ?? prunedAs,
    rule,
    config,
    ...modelStep,
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      problems: { type: "string", default: PROBLEMS.map((p) => p.name).join(",") },
      seeds: { type: "string", default: "0-7" },
      strategies: { type: "string", default: DEFAULT_STRATEGIES.join(",") },
      variants: { type: "boolean", default: false },
      trials: { type: "string", default: "24" },
      parallel: { type: "string", default: "4" },
      "min-steps": { type: "string", default: "1" },
      eta: { type: "string", default: "3" },
      budget: { type: "string" },
      oracle: { type: "boolean", default: false },
    },
  });
  const wanted = values.problems.split(",").map((s) => s.trim().toLowerCase());
  const problems = PROBLEMS.filter((p) => wanted.some((w) => p.name.startsWith(w)));
  const seeds = parseSeeds(values.seeds);
  const strategies = values.strategies.split(",").filter((s) => s !== "");
  if (values.variants) {
    for (const rule of ["median", "asha"]) {
      for (const v of VARIANTS) strategies.push(`${rule}@${v}`);
    }
  }
  // --budget STEPS: trials go on starting until the steps trained reach it (trials capped at 1000).
  const budget = values.budget === undefined ? undefined : Number(values.budget);
  const trials = budget === undefined ? Number(values.trials) : 1000;
  const parallel = Number(values.parallel);
  const config: RuleConfig = { minSteps: Number(values["min-steps"]), eta: Number(values.eta) };

  const python = process.env[PYTHON_ENV] ?? "/usr/bin/python3";
  let py: PythonWorker | undefined;
  const worker = () => {
    if (!py) {
      if (!existsSync(python)) {
        throw new Error(
          `${PYTHON_ENV}=${python} does not exist: bench/early-stop needs Python 3 with ` +
            "scikit-learn and Optuna (Debian: apt-get install python3-sklearn python3-optuna)",
        );
      }
      py = new PythonWorker(python, join(HERE, "curves.py"), {
        HB_EARLY_STOP_CACHE: join(HERE, ".cache", "mlp-curves.jsonl"),
      });
    }
    return py;
  };

  console.log(
    `bench/early-stop: ${budget === undefined ? `${trials} trials` : `trials until ${budget} steps trained`}, ${parallel} at once, seeds ${values.seeds}, ` +
      `min steps ${config.minSteps}, η ${config.eta}; optimizer's pruned default: ${DEFAULT_OPTIONS.pruned}`,
  );
  const results = new Map<string, Map<string, Scored[]>>();
  for (const problem of problems) {
    const curve: Curve = problem.python
      ? async (p: Params, step: number) =>
          (await worker().request<{ value: number }>({ op: "mlp", params: p, step })).value
      : async (p: Params, step: number) => synthCurve((problem as SynthProblem).crossing, p, step);
    const release = problem.python
      ? async (p: Params) => {
          await worker().request({ op: "mlp-drop", params: p });
        }
      : undefined;
    const byStrategy = new Map<string, Scored[]>();
    results.set(problem.name, byStrategy);
    for (const name of strategies) {
      const runs: Scored[] = [];
      const t0 = performance.now();
      for (const seed of seeds) {
        const controller = await controllerFor(name, problem, seed, config, worker);
        const run = await simulate({
          controller,
          curve,
          release,
          trials,
          parallel,
          maxSteps: problem.maxSteps,
          seed,
          budget,
        });
        runs.push(
          values.oracle ? { ...run, oracle: await oracleBest(run, problem, curve, release) } : run,
        );
      }
      byStrategy.set(name, runs);
      process.stderr.write(
        `  ${problem.name} ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
      );
    }
    const clean =
      "crossing" in problem
        ? (p: Params) => synthCurve((problem as SynthProblem).crossing, p, problem.maxSteps, false)
        : undefined;
    printTable(problem, byStrategy, Number(values.trials), clean);
  }
  printTargets(results, budget);
  py?.close();
}

/** A run, with the best of its configurations all run to the end where --oracle asked. */
type Scored = RunResult & { oracle?: number };

/** The best final value of every configuration the run tried, had none been pruned. */
async function oracleBest(
  run: RunResult,
  problem: CurveProblem,
  curve: Curve,
  release?: (p: Params) => Promise<void>,
): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (const t of run.trials) {
    if (t.final !== null) best = Math.min(best, t.final);
    else {
      best = Math.min(best, await curve(t.params, problem.maxSteps));
      await release?.(t.params);
    }
  }
  return best;
}

/** The noise-free final value of the trial a run found best (synthetic problems). */
function cleanBest(r: RunResult, clean: (p: Params) => number): number {
  const best = r.trials.find((t) => t.final === r.best);
  return best ? clean(best.params) : Number.NaN;
}

function printTable(
  problem: CurveProblem,
  by: Map<string, Scored[]>,
  trials: number,
  clean?: (p: Params) => number,
): void {
  const full = trials * problem.maxSteps;
  const oracle = [...by.values()].every((runs) => runs.every((r) => r.oracle !== undefined));
  const none = by.get("none");
  const noneBest = none ? mean(none.map((r) => r.best)) : undefined;
  console.log(
    `\n${problem.name} (minimize the value at step ${problem.maxSteps}; every trial to the end = ${full} steps)`,
  );
  const header = [
    "strategy",
    "trial-steps",
    "% of none",
    "trials",
    "pruned",
    "blind",
    "best final",
    "vs none ± se",
    ...(clean ? ["its noise-free final", "vs none"] : []),
    ...(oracle ? ["its configs to the end", "vs none", "lost to pruning"] : []),
  ];
  const rows = [...by.entries()].map(([name, runs]) => {
    const steps = runs.map((r) => r.steps);
    const bests = runs.map((r) => r.best);
    const pruned = mean(runs.map((r) => r.trials.filter((t) => t.pruned).length));
    const noneSteps = none ? mean(none.map((r) => r.steps)) : full;
    const row = [
      name,
      `${mean(steps).toFixed(0)} ± ${sd(steps).toFixed(0)}`,
      `${((100 * mean(steps)) / noneSteps).toFixed(0)}%`,
      mean(runs.map((r) => r.trials.length)).toFixed(1),
      pruned.toFixed(1),
      mean(runs.map((r) => r.startedBlind)).toFixed(1),
      `${fmt(mean(bests))} ± ${fmt(sd(bests))}`,
      noneBest === undefined || !none
        ? ""
        : `${vsNone(
            bests,
            none.map((r) => r.best),
            noneBest,
          )}`,
    ];
    if (clean) {
      const c = runs.map((r) => cleanBest(r, clean));
      const noneClean = none ? mean(none.map((r) => cleanBest(r, clean))) : undefined;
      row.push(
        `${fmt(mean(c))} ± ${fmt(sd(c))}`,
        noneClean === undefined ? "" : `${(100 * (mean(c) / noneClean - 1)).toFixed(1)}%`,
      );
    }
    if (oracle) {
      const o = runs.map((r) => r.oracle!);
      row.push(
        `${fmt(mean(o))} ± ${fmt(sd(o))}`,
        noneBest === undefined ? "" : `${(100 * (mean(o) / noneBest - 1)).toFixed(1)}%`,
        `${(100 * (mean(bests) / mean(o) - 1)).toFixed(1)}%`,
      );
    }
    return row;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

/**
 * The mean's gap to none's, in % of none's mean, ± its standard error from the per-seed
 * differences (the same seeds, in the same order: paired, so what a seed makes easy or hard for
 * every strategy cancels).
 */
function vsNone(values: number[], noneValues: number[], noneMean: number): string {
  const gap = `${(100 * (mean(values) / noneMean - 1)).toFixed(1)}%`;
  if (values.length !== noneValues.length || values.length < 2) return gap;
  const diffs = values.map((v, i) => v - noneValues[i]!);
  const se = sd(diffs) / Math.sqrt(diffs.length);
  return `${gap} ± ${((100 * se) / noneMean).toFixed(1)}`;
}

function printTargets(results: Map<string, Map<string, Scored[]>>, budget?: number): void {
  console.log("\nTargets (mean over seeds; best final: lower is better)");
  for (const [problem, by] of results) {
    const stat = (name: string) => {
      const runs = by.get(name);
      if (!runs) return undefined;
      return { steps: mean(runs.map((r) => r.steps)), best: mean(runs.map((r) => r.best)) };
    };
    const asha = stat("asha");
    const none = stat("none");
    if (!asha) continue;
    if (none && budget !== undefined) {
      // Equal machine time: the steps target does not apply; what the saved steps bought does.
      console.log(
        `${problem}: in ${budget} steps, ASHA's best ${fmt(asha.best)} vs none's ${fmt(none.best)} ` +
          `(${(100 * (asha.best / none.best - 1)).toFixed(1)}%)`,
      );
    } else if (none) {
      const share = asha.steps / none.steps;
      const gap = asha.best / none.best - 1;
      const ok = share <= 0.4 && gap <= 0.01;
      console.log(
        `${problem}: ASHA ${(100 * share).toFixed(0)}% of none's steps (target <= 40%), best ` +
          `${fmt(asha.best)} vs ${fmt(none.best)} (${(100 * gap).toFixed(1)}%, target <= +1%): ${ok ? "MET" : "NOT MET"}`,
      );
    }
    for (const other of ["optuna-median", "optuna-sha", "tpe-median", "tpe-sha"]) {
      const o = stat(other);
      if (!o) continue;
      const ok = asha.steps <= o.steps && asha.best <= o.best;
      console.log(
        `${problem}: ASHA ${asha.steps.toFixed(0)} steps, best ${fmt(asha.best)} vs ${other} ` +
          `${o.steps.toFixed(0)} steps, best ${fmt(o.best)} (target: no more steps, equal or ` +
          `better best): ${ok ? "MET" : "NOT MET"}`,
      );
    }
  }
}

await main();
