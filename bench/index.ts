/**
 * `npm run bench`: every benchmark, printed as tables (nothing is asserted). The optimizer's
 * quality and ask latency run here; benchmarks that own their process (the worker's dispatch
 * overhead) run as child processes after them.
 *
 *   node bin/run-ts.mjs bench/index.ts [--quick]
 *
 * --quick: seeds 0-1 and two problems, to check the harness in seconds.
 *
 * Not here: bench/tuning (real scikit-learn tuning problems beside Optuna, about 90 minutes and a
 * Python venv); its header says how to run it.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { latencyTable, runLatency } from "./latency";
import { parseQualityArgs, qualityTable, runQuality } from "./optimizer";

const quick = process.argv.includes("--quick");
const log = (s: string) => process.stderr.write(`${s}\n`);
const here = dirname(fileURLToPath(import.meta.url));

const args = parseQualityArgs(quick ? ["--seeds", "0-1", "--problems", "branin,levy"] : []);
log(`optimizer quality: ${args.problems.length} problems, seeds ${args.seeds.join(",")}`);
const t0 = performance.now();
const rows = runQuality(args, log);
process.stdout.write(`\n${qualityTable(rows, args.evals, args.seeds)}\n`);
log(`(quality: ${((performance.now() - t0) / 1000).toFixed(0)} s)`);

log("ask latency:");
const latency = runLatency(quick ? [50, 200] : [50, 200, 1000], [1, 4], quick ? 3 : 7, log);
process.stdout.write(`\n${latencyTable(latency)}\n\n`);

for (const script of ["dispatch.ts", "console.ts"]) {
  const file = join(here, script);
  if (!existsSync(file)) continue;
  log(`${script}:`);
  const r = spawnSync(process.execPath, [join(here, "..", "bin", "run-ts.mjs"), file], {
    stdio: "inherit",
  });
  if (r.status !== 0) process.stdout.write(`(${script} exited with status ${r.status})\n`);
}
