/**
 * bench/tuning: the optimizer on real tuning problems, on the protocol of bayesmark (the NeurIPS
 * 2020 Black-Box Optimization Challenge): scikit-learn models tuned by 5-fold CV on an 80% split,
 * 16 rounds of 8 suggestions (8 trials in flight, a whole round told before the next ask), several
 * seeds, scored as bayesmark does (score.ts). Hyperbayes runs beside random search and Optuna's
 * GPSampler and TPESampler (multivariate, constant liar) in the same run, on the same problems.
 *
 * The models run in Python. Make the venv once, outside the repository (the local package index
 * serves Optuna 5, scikit-learn 1.9 and a CPU torch, which GPSampler needs):
 *
 *   python3 -m venv /work/venvs/tuning
 *   /work/venvs/tuning/bin/pip install --retries 0 optuna scikit-learn numpy torch
 *
 * then:
 *
 *   HB_BENCH_PYTHON=/work/venvs/tuning/bin/python nice -n 10 node bin/run-ts.mjs bench/tuning/index.ts
 *     [--quick] [--problems lasso,knn-iris] [--seeds 0-4] [--rounds 16] [--batch 8]
 *     [--methods random,optuna-tpe,optuna-gp,hyperbayes] [--before DIR] [--jobs 1]
 *     [--cache FILE] [--set key=value ...] [--acquisition ucb|ei] [--label NAME] [--also A,B]
 *
 * --quick       4 problems (problems.ts's QUICK), seeds 0-2: a few minutes, while iterating.
 * --problems    problems whose name starts with one of these (case-insensitive).
 * --before DIR  also runs the optimizer of another checkout (e.g. a `git worktree` of main) as
 *               "before", so before and after are scored against the same opt and clip.
 * --jobs N      N runs at once, each with its own Python process.
 * --cache FILE  JSON lines of finished runs: runs of random, Optuna and "before" found there are
 *               reused (the key covers the problem, seed, protocol and evaluate.py's text);
 *               "hyperbayes", the code under test, always runs.
 * --set         a knob of the bayesian method for experiments (bench/optimizer.ts's applySet).
 * --acquisition the acquisition "hyperbayes" asks for (default: the optimizer's, UCB).
 * --label NAME  names this checkout's runs (instead of "hyperbayes") and keeps them in --cache,
 *               so variants can be scored side by side later; a label names one version of the
 *               code and its knobs (its runs are reused like the baselines').
 * --also A,B    adds the cached runs of these labels to the table (one opt and clip for all).
 *
 * Data sets are scikit-learn's bundled copies: nothing is downloaded.
 */
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_OPTIONS } from "../../lib/optimizer/bayesian";
import type {
  ModelState,
  Observation,
  SuggestRequest,
  SuggestResult,
} from "../../lib/optimizer/index";
import { suggest } from "../../lib/optimizer/index";
import { suggestWith } from "../../lib/optimizer/suggest";
import type { Params } from "../../lib/space/schema";
import { applySet, fmt, quantile } from "../optimizer";
import { PROBLEMS, QUICK, type TuningProblem } from "./problems";
import { PythonWorker, pythonPath } from "./python";
import { bestKnown, type Losses, problemScore, randomClip } from "./score";

type Suggest = (req: SuggestRequest) => SuggestResult;

interface Run {
  method: string;
  problem: string;
  seed: number;
  values: Losses;
  params: Params[][];
  /** CPU seconds (Optuna) or wall seconds (Hyperbayes) spent choosing each round. */
  askSeconds: number[];
}

interface Task {
  method: string;
  problem: TuningProblem;
  seed: number;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const METHODS = ["random", "optuna-tpe", "optuna-gp", "before", "hyperbayes"];

function parseSeeds(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(",")) {
    const m = /^(\d+)-(\d+)$/.exec(part.trim());
    if (m) for (let s = Number(m[1]); s <= Number(m[2]); s++) out.push(s);
    else if (part.trim() !== "") out.push(Number(part));
  }
  return out;
}

/** Hyperbayes (this checkout, "before" or with --set knobs): ask a round, evaluate it, tell it. */
async function runHyperbayes(
  ask: Suggest,
  task: Task,
  rounds: number,
  batch: number,
  worker: PythonWorker,
): Promise<Omit<Run, "method" | "problem" | "seed">> {
  const observations: Observation[] = [];
  const values: Losses = [];
  const params: Params[][] = [];
  const askSeconds: number[] = [];
  let warm: ModelState | undefined;
  const algorithm = task.method === "random" ? "random" : "bayesian";
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const res = ask({
      algorithm,
      space: task.problem.space,
      goal: "minimize",
      observations,
      pending: [],
      n: batch,
      seed: task.seed,
      warm,
    });
    askSeconds.push((performance.now() - t0) / 1000);
    warm = res.state ?? warm;
    const out =
      res.points.length > 0
        ? await worker.request<{ values: (number | null)[] }>({
            op: "eval",
            problem: task.problem,
            points: res.points,
          })
        : { values: [] };
    res.points.forEach((p, i) => {
      observations.push({ params: p, value: out.values[i] ?? null });
    });
    values.push(out.values);
    params.push(res.points);
  }
  return { values, params, askSeconds };
}

async function runOptuna(
  task: Task,
  rounds: number,
  batch: number,
  worker: PythonWorker,
): Promise<Omit<Run, "method" | "problem" | "seed">> {
  return worker.request({
    op: "optuna",
    sampler: task.method === "optuna-gp" ? "gp" : "tpe",
    problem: task.problem,
    seed: task.seed,
    rounds,
    batch,
  });
}

function cacheKey(task: Task, rounds: number, batch: number, before: string | undefined): string {
  const h = createHash("sha256");
  h.update(readFileSync(join(HERE, "evaluate.py")));
  h.update(
    JSON.stringify([
      task.method,
      task.problem,
      task.seed,
      rounds,
      batch,
      task.method === "before" ? before : null,
    ]),
  );
  return h.digest("hex").slice(0, 24);
}

function readCache(file: string | undefined): Map<string, Run> {
  const cache = new Map<string, Run>();
  if (!file || !existsSync(file)) return cache;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      const { key, run } = JSON.parse(line) as { key: string; run: Run };
      cache.set(key, run);
    } catch {
      // A line cut short by an interrupted run: that run is simply done again.
    }
  }
  return cache;
}

/** Per problem and method: the score, and the inputs it came from. */
export function scoreTable(
  problems: TuningProblem[],
  methods: string[],
  runs: Run[],
  batch: number,
): { lines: string[]; scores: Map<string, Map<string, number>> } {
  const scores = new Map<string, Map<string, number>>();
  const header = ["problem", ...methods, "opt", "clip"];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const problem of problems) {
    const mine = runs.filter((r) => r.problem === problem.name);
    const opt = bestKnown(mine.map((r) => r.values));
    const clip = randomClip(
      mine.filter((r) => r.method === "random").map((r) => r.values),
      batch,
    );
    const row = new Map<string, number>();
    for (const m of methods) {
      row.set(
        m,
        problemScore(
          mine.filter((r) => r.method === m).map((r) => r.values),
          opt,
          clip,
        ),
      );
    }
    scores.set(problem.name, row);
    const best = Math.max(...row.values());
    const cells = methods.map((m) => {
      const s = row.get(m)!;
      const text = s.toFixed(1);
      return s === best ? `**${text}**` : text;
    });
    lines.push(`| ${problem.name} | ${cells.join(" | ")} | ${fmt(opt)} | ${fmt(clip)} |`);
  }
  const mean = methods.map((m) => {
    let s = 0;
    for (const row of scores.values()) s += row.get(m)!;
    return (s / scores.size).toFixed(1);
  });
  lines.push(`| **mean** | ${mean.map((v) => `**${v}**`).join(" | ")} | | |`);
  return { lines, scores };
}

/** The combinations of choice values each run tried least and most (for booleans, choices). */
function combinationLines(problems: TuningProblem[], methods: string[], runs: Run[]): string[] {
  const lines: string[] = [];
  for (const problem of problems) {
    const choices = problem.space.filter((s) => s.kind === "choice").map((s) => s.name);
    if (choices.length === 0) continue;
    let combos = 1;
    for (const s of problem.space) if (s.kind === "choice") combos *= s.values.length;
    const cells = methods.map((m) => {
      const mins = runs
        .filter((r) => r.problem === problem.name && r.method === m)
        .map((r) => {
          const counts = new Map<string, number>();
          for (const p of r.params.flat()) {
            const k = choices.map((c) => String(p[c])).join(",");
            counts.set(k, (counts.get(k) ?? 0) + 1);
          }
          return counts.size < combos ? 0 : Math.min(...counts.values());
        });
      return `${m} ${mins.join("/")}`;
    });
    lines.push(
      `${problem.name}: evaluations of the least-tried of ${combos} combinations of ${choices.join(", ")}, per seed: ${cells.join("; ")}`,
    );
  }
  return lines;
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      problems: { type: "string" },
      seeds: { type: "string" },
      rounds: { type: "string", default: "16" },
      batch: { type: "string", default: "8" },
      methods: { type: "string", default: "random,optuna-tpe,optuna-gp,hyperbayes" },
      before: { type: "string" },
      jobs: { type: "string", default: "1" },
      cache: { type: "string" },
      set: { type: "string", multiple: true, default: [] },
      acquisition: { type: "string" },
      label: { type: "string" },
      also: { type: "string" },
    },
    strict: true,
  });
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const python = pythonPath();
  if ("error" in python) {
    log(python.error);
    process.exit(2);
  }
  const wanted = (values.problems?.split(",") ?? (values.quick ? QUICK : undefined))?.map((s) =>
    s.trim().toLowerCase(),
  );
  const problems = wanted
    ? PROBLEMS.filter((p) => wanted.some((w) => p.name.toLowerCase().startsWith(w)))
    : PROBLEMS;
  const seeds = parseSeeds(values.seeds ?? (values.quick ? "0-2" : "0-4"));
  const rounds = Number(values.rounds);
  const batch = Number(values.batch);
  const methods = values.methods.split(",").map((m) => m.trim());
  if (values.before && !methods.includes("before"))
    methods.splice(methods.indexOf("hyperbayes"), 0, "before");
  const label = values.label ?? "hyperbayes";
  const also = values.also?.split(",").map((m) => m.trim()) ?? [];
  for (const m of methods) {
    if (!METHODS.includes(m)) {
      log(`unknown method "${m}" (known: ${METHODS.join(", ")})`);
      process.exit(2);
    }
  }
  if (!methods.includes("random")) methods.unshift("random"); // clip comes from random search
  if (methods.includes("before") && !values.before) {
    log("method before needs --before DIR (a checkout whose lib/optimizer is the baseline)");
    process.exit(2);
  }
  if (problems.length === 0) {
    log(`no problem matches ${values.problems}; known: ${PROBLEMS.map((p) => p.name).join(", ")}`);
    process.exit(2);
  }
  const before = values.before ? resolve(values.before) : undefined;
  const beforeSuggest: Suggest | undefined = before
    ? (
        (await import(pathToFileURL(join(before, "lib/optimizer/index.ts")).href)) as {
          suggest: Suggest;
        }
      ).suggest
    : undefined;
  const sets = values.set ?? [];
  const options = sets.length > 0 ? applySet(DEFAULT_OPTIONS, sets) : undefined;
  const acquisition = values.acquisition;
  if (acquisition !== undefined && acquisition !== "ucb" && acquisition !== "ei") {
    log(`--acquisition takes ucb or ei (got ${acquisition})`);
    process.exit(2);
  }
  const withAcquisition = (req: SuggestRequest): SuggestRequest =>
    acquisition ? { ...req, acquisition } : req;
  const current: Suggest = options
    ? (req) => suggestWith(withAcquisition(req), options)
    : (req) => suggest(withAcquisition(req));

  const cache = readCache(values.cache);
  const tableMethods = [...methods.map((m) => (m === "hyperbayes" ? label : m)), ...also];
  // Problem by problem, so an interrupted run leaves whole problems behind it in the cache; within
  // a problem the slow Optuna GP first, so the jobs finish together.
  const tasks: Task[] = [];
  const order = ["optuna-gp", ...methods.filter((m) => m !== "optuna-gp")].filter((m) =>
    methods.includes(m),
  );
  for (const problem of problems) {
    for (const method of order) for (const seed of seeds) tasks.push({ method, problem, seed });
  }
  const runs: Run[] = [];
  const jobs = Math.max(1, Number(values.jobs));
  log(
    `bench/tuning: ${problems.length} problems, seeds ${seeds.join(",")}, ${rounds} rounds of ${batch}, methods ${methods.join(", ")}, ${jobs} job(s)${sets.length ? `, --set ${sets.join(" ")}` : ""}`,
  );
  const t0 = performance.now();
  let done = 0;
  const workers: PythonWorker[] = [];
  const loop = async () => {
    let worker: PythonWorker | undefined;
    for (let task = tasks.shift(); task; task = tasks.shift()) {
      const named = task.method === "hyperbayes" ? { ...task, method: label } : task;
      const keep = named.method !== "hyperbayes";
      const key = cacheKey(named, rounds, batch, before);
      const cached = keep ? cache.get(key) : undefined;
      let run: Run;
      if (cached) run = cached;
      else {
        if (!worker) {
          worker = new PythonWorker(python.path);
          workers.push(worker);
        }
        const ts = performance.now();
        const result = task.method.startsWith("optuna")
          ? await runOptuna(task, rounds, batch, worker)
          : await runHyperbayes(
              task.method === "before" ? beforeSuggest! : current,
              task,
              rounds,
              batch,
              worker,
            );
        run = { method: named.method, problem: task.problem.name, seed: task.seed, ...result };
        if (values.cache && keep) {
          appendFileSync(values.cache, `${JSON.stringify({ key, run })}\n`);
        }
        log(
          `  [${++done}] ${task.method} ${task.problem.name} seed ${task.seed}: ${((performance.now() - ts) / 1000).toFixed(1)} s, best ${fmt(Math.min(...run.values.flat().map((v) => v ?? Number.POSITIVE_INFINITY)))}`,
        );
      }
      runs.push(run);
    }
  };
  for (const m of also) {
    for (const problem of problems) {
      for (const seed of seeds) {
        const run = cache.get(cacheKey({ method: m, problem, seed }, rounds, batch, before));
        if (!run) {
          log(`--also ${m}: no cached run of ${problem.name} seed ${seed} in ${values.cache}`);
          process.exit(2);
        }
        runs.push(run);
      }
    }
  }
  await Promise.all(Array.from({ length: jobs }, loop));
  for (const w of workers) w.close();

  const { lines } = scoreTable(problems, tableMethods, runs, batch);
  const askLines = tableMethods.map((m) => {
    const s = runs
      .filter((r) => r.method === m)
      .flatMap((r) => r.askSeconds)
      .sort((a, b) => a - b);
    return `${m} ${fmt(quantile(s, 0.5) * 1000)} ms (max ${fmt((s.at(-1) ?? Number.NaN) * 1000)})`;
  });
  process.stdout.write(
    [
      `Score (100 = the best value any run found; 0 = the median of one round of random search), ${rounds} rounds of ${batch}, seeds ${seeds.join(",")}`,
      "",
      ...lines,
      "",
      ...combinationLines(problems, tableMethods, runs),
      `time per ask of ${batch}, median: ${askLines.join("; ")}`,
      `(${((performance.now() - t0) / 1000).toFixed(0)} s)`,
      "",
    ].join("\n"),
  );
}

if (process.argv[1]?.endsWith(join("tuning", "index.ts"))) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
