/**
 * bench/early-stop/pytorch-example: early stopping on a real framework through the real command.
 * examples/pytorch-digits' search (20 trials, 2 at once, 10 epochs) from a fresh project
 * directory per run, with no HYPERBAYES_* variable, once without early stopping and once with
 * `--early-stop asha`, for each seed; prints the epochs trained, the wall time and the best
 * keras/val_acc, and the mean over the seeds with the standard error of the per-seed difference.
 * Needs Debian's python3-torch and python3-sklearn (HB_BENCH_PYTHON, default /usr/bin/python3).
 * About 50 s a seed on 2 cores.
 *
 *   node bin/run-ts.mjs bench/early-stop/pytorch-example.ts [--seeds 1-8] [--rules none,asha]
 *     [--min-steps N]   --early-stop-min-steps for the rules (default: the flag's, 1)
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { removeProjects, userEnv } from "../../examples/_short-search";

const ROOT = join(import.meta.dirname, "..", "..");
const BIN = join(ROOT, "bin", "hyperbayes.mjs");
const PYTHON = process.env.HB_BENCH_PYTHON ?? "/usr/bin/python3";
const RUNS = 20;
const EPOCHS = 10;

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "1-8" },
    rules: { type: "string", default: "none,asha" },
    "min-steps": { type: "string" },
  },
});
const [lo, hi] = values.seeds.split("-").map(Number) as [number, number];
const seeds = Array.from({ length: (hi ?? lo) - lo + 1 }, (_, i) => lo + i);
const rules = values.rules.split(",");
const minSteps = values["min-steps"];

interface Run {
  epochs: number;
  wallS: number;
  best: number;
  pruned: number;
}

function run(seed: number, rule: string): Run {
  const project = mkdtempSync(join(tmpdir(), `hb-bench-pytorch-${rule}-`));
  try {
    cpSync(join(ROOT, "examples", "pytorch-digits"), project, { recursive: true });
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        "bayesian",
        ...["--param", "lr=0.0001:0.1:log", "--param", "channels=4:32:int"],
        ...["--param", "dropout=0:0.7", "--metric", "keras/val_acc"],
        ...["--num-runs", String(RUNS), "--parallel-runs", "2", "--seed", String(seed)],
        ...["--env", "OMP_NUM_THREADS=1", "--early-stop", rule],
        ...(rule !== "none" && minSteps ? ["--early-stop-min-steps", minSteps] : []),
        "--",
        ...[PYTHON, "train.py", "--lr", ":lr:", "--channels", ":channels:"],
        ...["--dropout", ":dropout:", "--epochs", String(EPOCHS)],
      ],
      { cwd: project, env: userEnv(), encoding: "utf8" },
    );
    const wallS = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`seed ${seed} ${rule}: exit ${r.status}\n${r.stderr}`);
    const best = /^best: trial \d+, keras\/val_acc=([\d.]+)/m.exec(r.stdout);
    const saved = /(\d+) trial-steps trained, \d+ saved by pruning (\d+) trials/.exec(r.stdout);
    if (!best) throw new Error(`seed ${seed} ${rule}: no best line\n${r.stdout}`);
    return {
      epochs: saved ? Number(saved[1]) : RUNS * EPOCHS,
      wallS,
      best: Number(best[1]),
      pruned: saved ? Number(saved[2]) : 0,
    };
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const se = (xs: number[]) => {
  const m = mean(xs);
  if (xs.length < 2) return Number.NaN;
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1) / xs.length);
};

console.log(
  `bench/early-stop/pytorch-example: ${RUNS} trials of ${EPOCHS} epochs, 2 at once, seeds ${values.seeds}` +
    (minSteps ? `, --early-stop-min-steps ${minSteps}` : ""),
);
const results = new Map<string, Run[]>(rules.map((rule) => [rule, []]));
for (const seed of seeds)
  for (const rule of rules) {
    const r = run(seed, rule);
    results.get(rule)!.push(r);
    console.log(
      `  seed ${seed} ${rule.padEnd(6)} epochs ${r.epochs}  ${r.wallS.toFixed(1)} s  best ${r.best}  pruned ${r.pruned}`,
    );
  }
const base = results.get(rules[0]!)!;
console.log(
  `\n| early stop | epochs trained | wall time | best keras/val_acc | vs ${rules[0]} ± se |`,
);
console.log("|---|---|---|---|---|");
for (const [rule, rs] of results) {
  const diff = rs.map((r, i) => r.best - base[i]!.best);
  const epochs = mean(rs.map((r) => r.epochs));
  console.log(
    `| ${rule} | ${epochs.toFixed(1)} (${((100 * epochs) / (RUNS * EPOCHS)).toFixed(0)}%) | ` +
      `${mean(rs.map((r) => r.wallS)).toFixed(1)} s | ${mean(rs.map((r) => r.best)).toFixed(4)} | ` +
      `${rule === rules[0] ? "" : `${mean(diff) >= 0 ? "+" : ""}${mean(diff).toFixed(4)} ± ${se(diff).toFixed(4)}`} |`,
  );
}
removeProjects(); // the examples' module makes a folder for its own projects on import
