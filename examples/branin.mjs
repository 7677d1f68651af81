#!/usr/bin/env node
// The Branin function as a "training script": takes hyperparameters as flags, prints a loss.
// Its minimum, 0.397887..., is at (-pi, 12.275), (pi, 2.275) and (9.42478, 2.475), on the
// domain x in [-5, 10], y in [0, 15]. The first thing to try:
//
//   hyperbayes bayesian --param x=-5:10 --param y=0:15 --metric loss --num-runs 30 \
//     -- node examples/branin.mjs --x :x: --y :y:
//
// Flags: --x X --y Y (required), --epochs N (print N lines converging to the value),
// --keras (print Keras-style `Epoch i/N` progress lines instead; metric keras/loss),
// --metrics-file (write JSON lines to $HYPERBAYES_METRICS_FILE instead of stdout),
// --sleep-ms M (pause between epochs). The last loss reported is exactly branin(x, y).
import { appendFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

function branin(x, y) {
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (y - b * x ** 2 + c * x - 6) ** 2 + 10 * (1 - t) * Math.cos(x) + 10;
}

function usage(message) {
  process.stderr.write(
    `branin: ${message}\n` +
      "usage: node examples/branin.mjs --x X --y Y [--epochs N] [--keras | --metrics-file] [--sleep-ms M]\n",
  );
  process.exit(2);
}

function parseArgs(argv) {
  const args = { epochs: undefined, keras: false, metricsFile: false, sleepMs: 0 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s);
    const value = () => inline ?? argv[++i] ?? usage(`${flag} needs a value`);
    const number = (v) => (v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : NaN);
    if (flag === "--x" || flag === "--y") {
      const v = value();
      args[flag.slice(2)] = number(v);
      if (Number.isNaN(args[flag.slice(2)])) usage(`${flag} must be a number, got "${v}"`);
    } else if (flag === "--epochs" || flag === "--sleep-ms") {
      const v = value();
      const n = number(v);
      const min = flag === "--epochs" ? 1 : 0;
      if (!Number.isInteger(n) || n < min)
        usage(`${flag} must be an integer >= ${min}, got "${v}"`);
      if (flag === "--epochs") args.epochs = n;
      else args.sleepMs = n;
    } else if (flag === "--keras" && inline === undefined) args.keras = true;
    else if (flag === "--metrics-file" && inline === undefined) args.metricsFile = true;
    else usage(`unknown argument "${argv[i]}"`);
  }
  if (args.x === undefined || args.y === undefined) usage("--x and --y are required");
  if (args.keras && args.metricsFile) usage("--keras and --metrics-file exclude each other");
  if (args.metricsFile && !process.env.HYPERBAYES_METRICS_FILE) {
    usage("--metrics-file needs HYPERBAYES_METRICS_FILE to be set");
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const final = branin(args.x, args.y);
const epochs = args.epochs ?? 1;

for (let epoch = 1; epoch <= epochs; epoch++) {
  // A curve that falls toward the final value and lands on it exactly at the last epoch.
  const remaining = (epochs - epoch) / epochs;
  const loss = final + 10 * remaining ** 2;
  const valLoss = final + 12 * remaining ** 2;
  if (args.keras) {
    const bar = (done) => `[${"=".repeat(done * 3 - 1)}>${".".repeat(30 - done * 3)}]`;
    process.stdout.write(`Epoch ${epoch}/${epochs}\n`);
    process.stdout.write(` 5/10 ${bar(5)} - ETA: 0s - loss: ${loss + 1}\r`);
    process.stdout.write(`10/10 [${"=".repeat(30)}] - 0s 1ms/step - loss: ${loss}`);
    process.stdout.write(` - val_loss: ${valLoss}\n`);
  } else if (args.metricsFile) {
    const line = `${JSON.stringify({ loss, step: epoch })}\n`;
    appendFileSync(process.env.HYPERBAYES_METRICS_FILE, line);
  } else if (args.epochs === undefined) {
    process.stdout.write(`loss=${loss}\n`);
  } else {
    process.stdout.write(`epoch=${epoch} loss=${loss}\n`);
  }
  if (args.sleepMs > 0 && epoch < epochs) await sleep(args.sleepMs);
}
