#!/usr/bin/env node
// A misbehaving "training script" for the worker's tests: `--mode M` picks how it ends.
//   ok       prints loss=<value>                crash    prints a loss, then exits 3
//   hang     leaves a grandchild holding stdout open and never exits
//   nan      prints loss=nan                    silent   prints nothing, exits 0
//   bigline  prints a 10 MB line, then loss=1.5 badutf8  prints invalid UTF-8, then loss=2.5
//   argv     prints its arguments as one JSON line, then loss=1
//   gpu      prints gpu=<CUDA_VISIBLE_DEVICES> after --sleep-ms, then loss=1
//   steps    prints loss=<value>/(step+1) for --steps N steps, --step-ms apart
//   wait     prints --steps N steps as `steps` does, then waits until the file --go names
//            exists, then prints loss=<value> and exits 0
//   curve    a learning curve that crosses the others': `epoch=E loss=L` for E = 1..--epochs,
//            --step-ms apart, L = floor + (start - floor)·exp(-0.5·E) with start 1 + value and
//            floor 0.9·(1 - value) for --value in [0, 1] (a high value starts worse, ends better);
//            with --ignore-term-above T, a trial whose value is above T ignores SIGTERM (only
//            SIGKILL ends it); with --linger-ms N it waits N ms after its last epoch before it
//            exits (a final checkpoint or evaluation)
// --record FILE appends one JSON line to FILE as it starts: the trial's own word that it ran,
// with the pid of the process that launched its launcher (the worker that started it).
import { spawn } from "node:child_process";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const mode = flag("--mode") ?? "ok";
const value = Number(flag("--value") ?? "1");
const sleepMs = Number(flag("--sleep-ms") ?? "0");
const record = flag("--record");
if (record) {
  appendFileSync(
    record,
    `${JSON.stringify({
      search: Number(process.env.HYPERBAYES_SEARCH),
      trial: Number(process.env.HYPERBAYES_TRIAL),
      pid: process.pid,
      worker: parentOf(process.ppid),
      time: Date.now(),
    })}\n`,
  );
}
if (sleepMs > 0) await sleep(sleepMs);

/** The parent pid of `pid`, from /proc (undefined where there is none). */
function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return undefined;
  }
}

switch (mode) {
  case "ok":
    console.log(`loss=${value}`);
    break;
  case "crash":
    console.log("loss=0.5");
    console.error("Traceback: something broke");
    process.exit(3);
    break;
  case "hang":
    spawn("sleep", ["1000"], { stdio: ["ignore", "inherit", "inherit"] });
    console.log("loss=0.25");
    await sleep(1_000_000);
    break;
  case "nan":
    console.log("loss=nan");
    break;
  case "silent":
    break;
  case "bigline":
    process.stdout.write(`${"x".repeat(10 * 1024 * 1024)}\n`);
    console.log("loss=1.5");
    break;
  case "badutf8":
    process.stdout.write(Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x0a]));
    console.log("loss=2.5");
    break;
  case "argv":
    console.log(JSON.stringify(args));
    console.log("loss=1");
    break;
  case "gpu":
    console.log(`gpu=${process.env.CUDA_VISIBLE_DEVICES}`);
    console.log("loss=1");
    break;
  case "steps":
  case "wait": {
    const steps = Number(flag("--steps") ?? "10");
    const stepMs = Number(flag("--step-ms") ?? "100");
    for (let step = 0; step < steps; step++) {
      console.log(`step=${step} loss=${value / (step + 1)}`);
      await sleep(stepMs);
    }
    if (mode === "wait") {
      const go = flag("--go") ?? "";
      while (!existsSync(go)) await sleep(50);
      console.log(`loss=${value}`);
    }
    break;
  }
  case "curve": {
    const epochs = Number(flag("--epochs") ?? "10");
    const stepMs = Number(flag("--step-ms") ?? "100");
    const stubborn = flag("--ignore-term-above");
    if (stubborn !== undefined && value > Number(stubborn)) process.on("SIGTERM", () => {});
    const start = 1 + value;
    const floor = 0.9 * (1 - value);
    for (let epoch = 1; epoch <= epochs; epoch++) {
      await sleep(stepMs);
      console.log(`epoch=${epoch} loss=${floor + (start - floor) * Math.exp(-0.5 * epoch)}`);
    }
    await sleep(Number(flag("--linger-ms") ?? "0"));
    break;
  }
  default:
    console.error(`unknown mode ${mode}`);
    process.exit(2);
}
