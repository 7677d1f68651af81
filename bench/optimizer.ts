/**
 * Optimizer quality benchmark: simple regret (best value found minus the known optimum) after a
 * fixed number of evaluations on standard test functions, over several seeds, for the bayesian
 * method with one trial in flight and with four (FIFO completion), beside random search, and
 * against the project's targets.
 *
 *   node bin/run-ts.mjs bench/optimizer.ts [--seeds 0-7] [--problems branin,levy]
 *     [--batch 1,4] [--evals 50] [--no-random] [--set key=value ...]
 *
 * `--set` overrides a tuning knob of the bayesian method (see `applySet`) for experiments.
 */
import { parseArgs } from "node:util";
import type { BayesOptions } from "../lib/optimizer/bayesian";
import { DEFAULT_OPTIONS } from "../lib/optimizer/bayesian";
import type { ModelState, Observation, SuggestRequest } from "../lib/optimizer/index";
import { suggest } from "../lib/optimizer/index";
import { suggestWith } from "../lib/optimizer/suggest";
import type { Params } from "../lib/space/schema";
import { spaceOf, TEST_FUNCTIONS, type TestFunction } from "./functions";

/** Median-regret targets after 50 evaluations, seeds 0-7. */
export const TARGETS: Record<string, { 1: number; 4: number }> = {
  Branin: { 1: 4.8e-5, 4: 3.5e-5 },
  "Hartmann-6": { 1: 0.064, 4: 0.046 },
  "Ackley-5": { 1: 5.5, 4: 3.9 },
  "Rosenbrock-4": { 1: 326, 4: 437 },
  "Levy-4": { 1: 0.34, 4: 0.94 },
  "Styblinski-Tang-4": { 1: 33.6, 4: 49 },
};

export interface RunResult {
  regret: number;
  /** Wall time of every ask, ms. */
  askMs: number[];
}

function evaluate(fn: TestFunction, p: Params): number {
  return fn.f(fn.domain.map((_, i) => Number(p[`x${i}`])));
}

/**
 * One optimization run. With `batch` > 1 the first ask takes `batch` points; then trials finish
 * in the order they were asked (FIFO): each finished trial is told and one new point is asked
 * with the others still pending, until `evals` points have been asked.
 */
export function runOnce(
  fn: TestFunction,
  algorithm: "bayesian" | "random",
  batch: number,
  evals: number,
  seed: number,
  options?: BayesOptions,
): RunResult {
  const space = spaceOf(fn);
  const observations: Observation[] = [];
  const pending: Params[] = [];
  const askMs: number[] = [];
  let warm: ModelState | undefined;
  let asked = 0;
  let best = Number.POSITIVE_INFINITY;
  const ask = (n: number) => {
    const req: SuggestRequest = {
      algorithm,
      space,
      goal: "minimize",
      observations,
      pending,
      n,
      seed,
      warm,
    };
    const t0 = performance.now();
    const r = options ? suggestWith(req, options) : suggest(req);
    askMs.push(performance.now() - t0);
    warm = r.state ?? warm;
    for (const p of r.points) pending.push(p);
    asked += r.points.length;
  };
  ask(Math.min(batch, evals));
  while (pending.length > 0) {
    const p = pending.shift()!;
    const v = evaluate(fn, p);
    best = Math.min(best, v);
    observations.push({ params: p, value: v });
    if (asked < evals) ask(1);
  }
  return { regret: Math.max(best - fn.optimum, 0), askMs };
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e4 || a < 1e-2 ? x.toExponential(2) : x.toPrecision(3);
}

function parseSeeds(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(",")) {
    const m = /^(\d+)-(\d+)$/.exec(part.trim());
    if (m) for (let s = Number(m[1]); s <= Number(m[2]); s++) out.push(s);
    else if (part.trim() !== "") out.push(Number(part));
  }
  return out;
}

/** `--set key=value`: a knob of BayesOptions, for tuning experiments. */
export function applySet(options: BayesOptions, sets: string[]): BayesOptions {
  const o: BayesOptions = { ...options };
  for (const s of sets) {
    const [key, raw = ""] = s.split("=");
    const num = Number(raw);
    switch (key) {
      case "constantMean":
        o.constantMean = raw === "1" || raw === "true";
        break;
      case "warp":
        o.warp = raw as BayesOptions["warp"];
        break;
      case "failed":
        o.failed = raw as BayesOptions["failed"];
        break;
      case "kappa":
        if (raw === "default") break;
        o.kappa = () => num;
        break;
      case "batchKappaScale":
        o.batchKappaScale = num;
        break;
      case "batch":
        o.batch = raw as BayesOptions["batch"];
        break;
      case "tieKappa":
        o.tieKappa = num;
        break;
      case "kappaScale": {
        const base = o.kappa;
        o.kappa = (t, D) => num * base(t, D);
        break;
      }
      case "init":
        o.initialDesign =
          raw === "2d"
            ? (D, p) => Math.max(5, 2 * D, p)
            : raw === "2d+2"
              ? (D, p) => Math.max(2 * D + 2, p)
              : (_D, p) => Math.max(num, p);
        break;
      case "starts":
        o.starts = num;
        break;
      case "localPoints":
        o.localPoints = num;
        break;
      case "localAnchors":
        o.localAnchors = num;
        break;
      case "maxIter":
        o.maxIter = num;
        break;
      case "maxCorrelation":
        o.maxCorrelation = num;
        break;
      case "sweep": {
        const base = o.sweep;
        o.sweep = (m, D) => Math.round(num * base(m, D));
        break;
      }
      case "lengthMean":
      case "lengthSd":
      case "signalSd":
      case "noiseMean":
      case "noiseSd":
      case "noiseMin": {
        const base = o.prior;
        o.prior = (D) => {
          const p = { ...base(D) };
          if (key === "lengthMean") p.lengthMean = Math.log(num * Math.sqrt(D));
          if (key === "lengthSd") p.lengthSd = num;
          if (key === "signalSd") p.signalSd = num;
          if (key === "noiseMean") p.noiseMean = Math.log(num);
          if (key === "noiseSd") p.noiseSd = num;
          if (key === "noiseMin") p.noiseBounds = [Math.log(num), p.noiseBounds[1]];
          return p;
        };
        break;
      }
      default:
        throw new Error(`unknown --set key "${key}"`);
    }
  }
  return o;
}

export interface QualityArgs {
  seeds: number[];
  problems: TestFunction[];
  batches: number[];
  evals: number;
  random: boolean;
  options?: BayesOptions;
}

export interface QualityRow {
  problem: string;
  batch: number;
  regrets: number[];
  randomRegrets: number[];
  askMs: number[];
}

export function parseQualityArgs(argv: string[]): QualityArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      seeds: { type: "string", default: "0-7" },
      problems: { type: "string" },
      batch: { type: "string", default: "1,4" },
      evals: { type: "string", default: "50" },
      "no-random": { type: "boolean", default: false },
      set: { type: "string", multiple: true, default: [] },
    },
    strict: true,
  });
  const wanted = values.problems?.split(",").map((s) => s.trim().toLowerCase());
  const problems = wanted
    ? TEST_FUNCTIONS.filter((f) => wanted.some((w) => f.name.toLowerCase().startsWith(w)))
    : TEST_FUNCTIONS;
  const sets = values.set ?? [];
  return {
    seeds: parseSeeds(values.seeds),
    problems,
    batches: values.batch.split(",").map(Number),
    evals: Number(values.evals),
    random: !values["no-random"],
    options: sets.length > 0 ? applySet(DEFAULT_OPTIONS, sets) : undefined,
  };
}

export function runQuality(args: QualityArgs, log: (s: string) => void): QualityRow[] {
  const rows: QualityRow[] = [];
  const randomCache = new Map<string, number[]>();
  for (const batch of args.batches) {
    for (const fn of args.problems) {
      const t0 = performance.now();
      const regrets: number[] = [];
      const askMs: number[] = [];
      for (const seed of args.seeds) {
        const r = runOnce(fn, "bayesian", batch, args.evals, seed, args.options);
        regrets.push(r.regret);
        askMs.push(...r.askMs);
      }
      let randomRegrets = randomCache.get(fn.name);
      if (!randomRegrets && args.random) {
        randomRegrets = args.seeds.map((s) => runOnce(fn, "random", 1, args.evals, s).regret);
        randomCache.set(fn.name, randomRegrets);
      }
      rows.push({ problem: fn.name, batch, regrets, randomRegrets: randomRegrets ?? [], askMs });
      log(
        `  ${fn.name} batch ${batch}: ${((performance.now() - t0) / 1000).toFixed(1)} s, regrets ${regrets.map(fmt).join(" ")}`,
      );
    }
  }
  return rows;
}

export function qualityTable(rows: QualityRow[], evals: number, seeds: number[]): string {
  const lines: string[] = [];
  for (const batch of [...new Set(rows.map((r) => r.batch))]) {
    const part = rows.filter((r) => r.batch === batch);
    lines.push(
      `Simple regret after ${evals} evaluations, seeds ${seeds.join(",")}, batch ${batch} (${batch === 1 ? "sequential" : `${batch} in flight, FIFO`})`,
      "",
    );
    lines.push(
      "| problem | bayesian median | q1 | q3 | random median | target | meets target | beats random |",
    );
    lines.push("|---|---|---|---|---|---|---|---|");
    let met = 0;
    let beat = 0;
    for (const r of part) {
      const s = [...r.regrets].sort((a, b) => a - b);
      const rs = [...r.randomRegrets].sort((a, b) => a - b);
      const med = quantile(s, 0.5);
      const rmed = quantile(rs, 0.5);
      const target = TARGETS[r.problem]?.[batch as 1 | 4];
      const ok = target !== undefined ? med <= target : undefined;
      const beats = rs.length > 0 ? med < rmed : undefined;
      if (ok) met++;
      if (beats) beat++;
      lines.push(
        `| ${r.problem} | ${fmt(med)} | ${fmt(quantile(s, 0.25))} | ${fmt(quantile(s, 0.75))} | ${rs.length ? fmt(rmed) : "-"} | ${target !== undefined ? fmt(target) : "-"} | ${ok === undefined ? "-" : ok ? "✓" : "✗"} | ${beats === undefined ? "-" : beats ? "✓" : "✗"} |`,
      );
    }
    const ms = part.flatMap((r) => r.askMs).sort((a, b) => a - b);
    lines.push(
      "",
      `targets met: ${met}/${part.length}; beats random: ${beat}/${part.length}; ask time median ${fmt(quantile(ms, 0.5))} ms, p90 ${fmt(quantile(ms, 0.9))} ms, max ${fmt(ms[ms.length - 1] ?? Number.NaN)} ms`,
    );
    lines.push("");
  }
  return lines.join("\n");
}

export function main(argv: string[]): void {
  const args = parseQualityArgs(argv);
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log(`optimizer quality: ${args.problems.length} problems, seeds ${args.seeds.join(",")}`);
  const rows = runQuality(args, log);
  process.stdout.write(`${qualityTable(rows, args.evals, args.seeds)}\n`);
}

if (process.argv[1]?.endsWith("optimizer.ts")) main(process.argv.slice(2));
