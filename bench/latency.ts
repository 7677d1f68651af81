/**
 * Ask latency benchmark: wall time of one bayesian `suggest` in 6-D (Hartmann-6 values at
 * seeded random points) after 50, 200 and 1000 observations, for n = 1 and n = 4, each ask
 * warm-started from the previous ask's state as the worker does. Each size runs a short
 * sequence of asks (one more observation each time) and reports the median and the slowest:
 * hyperparameters are refitted on a schedule, so an occasional ask pays for a refit.
 *
 *   node bin/run-ts.mjs bench/latency.ts [--sizes 50,200,1000] [--batch 1,4] [--repeats 7]
 */
import { parseArgs } from "node:util";
import type { ModelState, Observation } from "../lib/optimizer/index";
import { suggest } from "../lib/optimizer/index";
import { Rng } from "../lib/optimizer/rng";
import { spaceOf, TEST_FUNCTIONS } from "./functions";
import { fmt, quantile } from "./optimizer";

/** Latency targets (ms) for n = 1, by number of observations. */
export const LATENCY_TARGETS: Record<number, number> = { 50: 50, 200: 150, 1000: 1500 };

export interface LatencyRow {
  observations: number;
  n: number;
  /** Wall time per ask, ms. */
  times: number[];
  /** CPU time per ask, ms (wall time minus what other processes took, on a busy machine). */
  cpu: number[];
}

const hartmann = TEST_FUNCTIONS.find((f) => f.name === "Hartmann-6")!;
const space = spaceOf(hartmann);

function observations(count: number, seed: number): Observation[] {
  const rng = new Rng(seed, 0x1a7);
  return Array.from({ length: count }, () => {
    const x = Array.from({ length: 6 }, () => rng.uniform());
    const params = Object.fromEntries(x.map((v, i) => [`x${i}`, v]));
    return { params, value: hartmann.f(x) };
  });
}

export function runLatency(
  sizes: number[],
  batches: number[],
  repeats: number,
  log: (s: string) => void,
): LatencyRow[] {
  const rows: LatencyRow[] = [];
  // A worker is a long-running process: let the JIT compile the hot loops before timing.
  const warmup = observations(60, 1);
  for (let k = 40; k < 60; k++) {
    suggest({
      algorithm: "bayesian",
      space,
      goal: "minimize",
      observations: warmup.slice(0, k),
      pending: [],
      n: 1,
      seed: 1,
    });
  }
  for (const size of sizes) {
    const all = observations(size + repeats, size);
    for (const n of batches) {
      // The ask before the measured ones: what the worker did last, giving the warm state.
      let warm: ModelState | undefined = suggest({
        algorithm: "bayesian",
        space,
        goal: "minimize",
        observations: all.slice(0, size - 1),
        pending: [],
        n,
        seed: 0,
      }).state;
      const times: number[] = [];
      const cpu: number[] = [];
      for (let k = 0; k < repeats; k++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const r = suggest({
          algorithm: "bayesian",
          space,
          goal: "minimize",
          observations: all.slice(0, size + k),
          pending: [],
          n,
          seed: 0,
          warm,
        });
        times.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
        warm = r.state ?? warm;
      }
      rows.push({ observations: size, n, times, cpu });
      log(
        `  ${size} observations, n=${n}: wall ${times.map((t) => t.toFixed(0)).join(" ")} ms; cpu ${cpu.map((t) => t.toFixed(0)).join(" ")} ms`,
      );
    }
  }
  return rows;
}

export function latencyTable(rows: LatencyRow[]): string {
  const lines = [
    "Ask latency, 6-D (Hartmann-6 values at random points), warm state from the previous ask",
    "| observations | n | median ms | max ms | median CPU ms | target (n=1) | meets |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const sorted = [...r.times].sort((a, b) => a - b);
    const med = quantile(sorted, 0.5);
    const cpu = quantile(
      [...r.cpu].sort((a, b) => a - b),
      0.5,
    );
    const target = r.n === 1 ? LATENCY_TARGETS[r.observations] : undefined;
    lines.push(
      `| ${r.observations} | ${r.n} | ${fmt(med)} | ${fmt(sorted[sorted.length - 1]!)} | ${fmt(cpu)} | ${target ?? "-"} | ${target === undefined ? "-" : med <= target ? "✓" : "✗"} |`,
    );
  }
  return lines.join("\n");
}

export function main(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: "string", default: "50,200,1000" },
      batch: { type: "string", default: "1,4" },
      repeats: { type: "string", default: "7" },
    },
  });
  const log = (s: string) => process.stderr.write(`${s}\n`);
  log("ask latency:");
  const rows = runLatency(
    values.sizes.split(",").map(Number),
    values.batch.split(",").map(Number),
    Number(values.repeats),
    log,
  );
  process.stdout.write(`${latencyTable(rows)}\n`);
}

if (process.argv[1]?.endsWith("latency.ts")) main(process.argv.slice(2));
