/**
 * Measures the local executor's share of dispatch overhead, trial after trial:
 *   exit -> onChange   from the trial's own last instruction to the executor's notification
 *                      (the trial is `date +%s%N`: it prints the time, then exits);
 *   start()            how long start() takes for a trivial trial;
 *   exit -> next start both together: the gap the worker would leave between two trials.
 *
 *   node bin/run-ts.mjs lib/executors/measure-dispatch.ts [RUNS=50]
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalExecutor } from "./local";
import type { LocalTrialHandle } from "./types";

const runs = Number(process.argv[2] ?? 50);
const root = mkdtempSync(join(tmpdir(), "hb-measure-"));
const ex = new LocalExecutor();
// The executor holds nothing that keeps Node running (trials outlive workers); this script must.
const keepAlive = setInterval(() => {}, 60_000);
const nowMs = () => performance.timeOrigin + performance.now();

const startMs: number[] = [];
const exitToChange: number[] = [];
const exitToNextStart: number[] = [];

let wake: (() => void) | undefined;
let changedAt = 0;
ex.onChange(() => {
  changedAt = nowMs();
  wake?.();
});

async function run(n: number): Promise<LocalTrialHandle> {
  const t0 = nowMs();
  const h = await ex.start({
    searchId: "measure",
    trialNumber: n,
    argv: ["date", "+%s%N"],
    cwd: root,
    env: {},
    dir: join(root, String(n)),
    gpus: 0,
  });
  startMs.push(nowMs() - t0);
  return h;
}

let previousEnd: number | undefined;
for (let n = 0; n <= runs; n++) {
  const ended = new Promise<void>((r) => {
    wake = r;
  });
  const h = await run(n);
  if (previousEnd !== undefined) exitToNextStart.push(nowMs() - previousEnd);
  await ended;
  const state = await ex.poll(h);
  if (state.state !== "exited" || state.exitCode !== 0)
    throw new Error(`trial ${n}: ${JSON.stringify(state)}`);
  previousEnd = Number(readFileSync(join(h.dir, "stdout.log"), "utf8").trim()) / 1e6;
  if (n > 0) exitToChange.push(changedAt - previousEnd); // trial 0 warms up
}
startMs.shift();

function summary(name: string, xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(2);
  return `${name.padEnd(20)} median ${q(0.5)} ms  p90 ${q(0.9)} ms  max ${q(1)} ms  (n=${s.length})`;
}
console.log(summary("start()", startMs));
console.log(summary("exit -> onChange", exitToChange));
console.log(summary("exit -> next start", exitToNextStart));
await ex.close();
clearInterval(keepAlive);
rmSync(root, { recursive: true, force: true });
