/**
 * End to end: the real `hyperbayes` command, real trial processes, a real SQLite file. These are
 * the acceptance checks for running searches from the CLI.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { groupAlive, processAlive } from "../lib/executors/proc";
import { waitFor } from "../lib/executors/testing";
import { localTrialHandleSchema } from "../lib/executors/types";
import {
  makeHome,
  maxConcurrent,
  openTestStore,
  runCli,
  startCli,
  TRIAL,
  trialStdout,
} from "../workers/testing/cli";

/** The last `loss=...` the trial printed, read straight from its log. */
function lastLoss(home: string, searchId: number, number: number): number {
  const matches = [...trialStdout(home, searchId, number).matchAll(/loss=(\S+)/g)];
  return Number(matches.at(-1)?.[1]);
}

describe("hyperbayes bayesian|grid|random", () => {
  it("runs the seed-shaped bayesian search: 21 trials, at most 3 at once, values from the output", async () => {
    const home = makeHome();
    const r = await runCli(home, [
      "bayesian",
      "--param",
      "x=-5:10",
      "--param",
      "y=0:15",
      "-n",
      "21",
      "-r",
      "3",
      "--metric",
      "loss",
      "--metric-agg",
      "last",
      "--seed",
      "1",
      "--",
      "node",
      "examples/branin.mjs",
      "--x",
      ":x:",
      "--y",
      ":y:",
      "--epochs",
      "3",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/minimize loss \(last\) \(inferred/);
    const store = await openTestStore(home);
    const [search] = await store.listSearches();
    expect(search?.status).toBe("complete");
    const trials = await store.listTrials(search!.id);
    expect(trials.map((t) => t.number)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect(trials.every((t) => t.status === "complete")).toBe(true);
    expect(maxConcurrent(trials)).toBeLessThanOrEqual(3);
    expect(maxConcurrent(trials)).toBeGreaterThan(1);
    for (const t of trials) expect(t.value).toBe(lastLoss(home, search!.id, t.number));
    // The best is the minimum, and the GP found better than the initial design did.
    const values = trials.map((t) => t.value as number);
    expect(search!.best?.value).toBe(Math.min(...values));
    expect(Math.min(...values.slice(6))).toBeLessThan(Math.min(...values.slice(0, 6)));
  }, 120_000);

  it("runs a grid in full, each point once, and a random search; parses Keras output", async () => {
    const home = makeHome();
    const grid = await runCli(home, [
      "grid",
      "--param",
      "x=-3,0,3",
      "--param",
      "y=2,12",
      "-r",
      "2",
      "--metric",
      "keras/val_loss",
      "--goal",
      "minimize",
      "--",
      "node",
      "examples/branin.mjs",
      "--x",
      ":x:",
      "--y",
      ":y:",
      "--epochs",
      "2",
      "--keras",
    ]);
    expect(grid.code).toBe(0);
    const random = await runCli(home, [
      "random",
      "--param",
      "x=-5:10",
      "--param",
      "n=1:4:int",
      "--param",
      "act=relu,tanh",
      "-n",
      "6",
      "-r",
      "2",
      "--metric",
      "loss",
      "--",
      "node",
      "examples/branin.mjs",
      "--x",
      ":x:",
      "--y",
      ":n:",
    ]);
    expect(random.code).toBe(0);
    expect(random.stderr).toMatch(/--param act is never used/);
    const store = await openTestStore(home);
    const [r, g] = await store.listSearches();
    const gridTrials = await store.listTrials(g!.id);
    expect(gridTrials).toHaveLength(6);
    const points = gridTrials.map((t) => `${t.params.x},${t.params.y}`).sort();
    expect(points).toEqual(["-3,12", "-3,2", "0,12", "0,2", "3,12", "3,2"]);
    for (const t of gridTrials) {
      expect(t.status).toBe("complete");
      const log = trialStdout(home, g!.id, t.number);
      const printed = [...log.matchAll(/val_loss: (\S+)/g)].map((m) => Number(m[1]));
      expect(t.value).toBe(printed.at(-1));
    }
    const metricNames = await store.listMetricNames(g!.id);
    expect(metricNames).toEqual(["keras/loss", "keras/val_loss"]);
    const randomTrials = await store.listTrials(r!.id);
    expect(randomTrials).toHaveLength(6);
    for (const t of randomTrials) {
      expect(Number.isInteger(t.params.n)).toBe(true);
      expect(["relu", "tanh"]).toContain(t.params.act);
      expect(t.value).toBe(lastLoss(home, r!.id, t.number));
    }
    expect(maxConcurrent(randomTrials)).toBeLessThanOrEqual(2);
  }, 120_000);

  it("records crashing, hanging, NaN, silent, huge-line and invalid-UTF-8 trials, and goes on", async () => {
    const home = makeHome();
    const r = await runCli(home, [
      "grid",
      "--param",
      "mode=ok,crash,hang,nan,silent,bigline,badutf8",
      "-r",
      "3",
      "--timeout",
      "0.05",
      "--metric",
      "loss",
      "--",
      "node",
      TRIAL,
      "--mode",
      ":mode:",
      "--value",
      "7",
    ]);
    const store = await openTestStore(home);
    const [search] = await store.listSearches();
    const trials = await store.listTrials(search!.id);
    const byMode = Object.fromEntries(trials.map((t) => [t.params.mode, t]));
    expect(r.code).toBe(0);
    expect(search!.status).toBe("complete");
    expect(byMode.ok).toMatchObject({ status: "complete", value: 7 });
    expect(byMode.crash).toMatchObject({ status: "failed", exitCode: 3 });
    expect(byMode.crash?.reason).toMatch(/exit code 3.*something broke/);
    expect(byMode.hang).toMatchObject({ status: "timeout" });
    expect(byMode.hang?.reason).toMatch(/timeout/);
    expect(byMode.nan).toMatchObject({ status: "failed", value: null });
    expect(byMode.nan?.reason).toMatch(/NaN/);
    expect(byMode.silent).toMatchObject({ status: "failed", value: null });
    expect(byMode.silent?.reason).toMatch(/never reported/);
    expect(byMode.bigline).toMatchObject({ status: "complete", value: 1.5 });
    expect(byMode.badutf8).toMatchObject({ status: "complete", value: 2.5 });
    // The hanging trial's grandchild (sleep 1000) went with it.
    const hang = localTrialHandleSchema.parse(byMode.hang?.handle);
    expect(processAlive(hang.pid)).toBe(false);
    const { childPid } = JSON.parse(readFileSync(join(hang.dir, "launcher.json"), "utf8"));
    expect(groupAlive(childPid)).toBe(false);
  }, 120_000);

  it("passes values with spaces, quotes, ; $() backquotes and newlines to argv unchanged", async () => {
    const home = makeHome();
    const weird = [
      "a b",
      'it\'s "quoted"',
      "x;y",
      "$(touch /tmp/hb-pwned)",
      "`id`",
      "line1\nline2",
      "--flag",
    ];
    const r = await runCli(home, [
      "grid",
      "--json-param",
      `v=${JSON.stringify(weird)}`,
      "--metric",
      "loss",
      "--",
      "node",
      TRIAL,
      "--mode",
      "argv",
      "--value",
      ":v:",
      "pre:v:post",
    ]);
    expect(r.code).toBe(0);
    const store = await openTestStore(home);
    const [search] = await store.listSearches();
    const trials = await store.listTrials(search!.id);
    expect(trials).toHaveLength(weird.length);
    for (const t of trials) {
      const argv = JSON.parse(trialStdout(home, search!.id, t.number).split("\n")[0]!);
      expect(argv).toEqual(["--mode", "argv", "--value", t.params.v, `pre${t.params.v}post`]);
    }
    expect(existsSync("/tmp/hb-pwned")).toBe(false);
  }, 60_000);

  it("rejects every grammar and flag mistake with exit code 2 before anything runs", async () => {
    const home = makeHome();
    const base = ["--metric", "loss", "-n", "3", "--", "node", TRIAL, "--value", ":x:"];
    const cases: [string[], RegExp][] = [
      [["bayesian", "--param", "x=1:0", ...base], /x=1:0: MIN must be below MAX/],
      [["bayesian", "--param", "x=0:1:cubic", ...base], /cubic/],
      [["bayesian", "--param", "x=0:1:log", ...base], /log scale needs MIN > 0/],
      [["bayesian", "--param", "x=0.5:3:int", ...base], /integer/],
      [["bayesian", "--param", "x=0:1", "--param", "x=1,2", ...base], /defined twice|twice/],
      [
        [
          "bayesian",
          "--param",
          "x=1:0",
          "--metric",
          "loss",
          "-n",
          "3",
          "--",
          "node",
          TRIAL,
          ":x:",
          ":y:",
        ],
        /x=1:0: MIN must be below MAX[\s\S]*:y: in the command has no --param y/,
      ],
      [["bayesian", "--param", "x=", ...base], /x=/],
      [
        ["bayesian", "--param", "x=0:1", "--metric", "loss", "-n", "3", "--", "node", TRIAL, ":y:"],
        /:y: in the command has no --param y/,
      ],
      [
        ["bayesian", "--param", "x=0:1", "--metric", "loss", "--", "node", TRIAL, ":x:"],
        /--num-runs \(-n\) is required/,
      ],
      [
        ["bayesian", "--param", "x=0:1", "-n", "3", "--", "node", TRIAL, ":x:"],
        /--metric is required/,
      ],
      [["bayesian", "--param", "x=0:1", "-n", "3", "--metric", "loss"], /command is missing/],
      [
        ["bayesian", "--param", "x=0:1", "--metric", "loss", "-n", "three", ...base.slice(4)],
        /--num-runs needs an integer/,
      ],
      [["bayesian", "--param", "x=0:1", "-a", "median", ...base], /--metric-agg must be one of/],
      [["bayesian", "--param", "x=0:1", "--goal", "up", ...base], /--goal must be one of/],
      [["bayesian", "--param", "x=0:1", "--stop-condition", "loss == 1", ...base], /stop/i],
      [
        ["bayesian", "--param", "x=0:1", "-t", "K80", ...base],
        /unknown machine type "K80"; known: cpu/,
      ],
      [["bayesian", "--param", "x=0:1", "--bogus", ...base], /bogus/],
      [["grid", "--param", "x=0:1", ...base], /grid/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(home, args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
    }
    const list = await runCli(home, ["list"]);
    expect(list.stdout).toMatch(/no searches yet/);
    expect(existsSync(join(home, "searches"))).toBe(false);
  }, 120_000);

  it("limits trials to the GPUs nvidia-smi reports, each with its own CUDA_VISIBLE_DEVICES", async () => {
    const home = makeHome();
    const bin = join(home, "bin");
    mkdirSync(bin);
    writeFileSync(
      join(bin, "nvidia-smi"),
      "#!/bin/sh\necho '0, NVIDIA H100 80GB HBM3, 81559 MiB, GPU-aaaa'\necho '1, NVIDIA H100 80GB HBM3, 81559 MiB, GPU-bbbb'\n",
    );
    chmodSync(join(bin, "nvidia-smi"), 0o755);
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const machines = await runCli(home, ["machines"], env);
    expect(machines.stdout).toMatch(/^H100\s+local\s+1/m);
    const r = await runCli(
      home,
      [
        "random",
        "--param",
        "x=0:1",
        "-n",
        "6",
        "-r",
        "3",
        "--metric",
        "loss",
        "--",
        "node",
        TRIAL,
        "--mode",
        "gpu",
        "--sleep-ms",
        "400",
        "--value",
        ":x:",
      ],
      env,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/on H100/);
    const store = await openTestStore(home);
    const [search] = await store.listSearches();
    const trials = await store.listTrials(search!.id);
    expect(trials).toHaveLength(6);
    expect(maxConcurrent(trials)).toBe(2);
    const gpuOf = (n: number) => /gpu=(\S*)/.exec(trialStdout(home, search!.id, n))?.[1];
    for (const a of trials) {
      expect(["0", "1"]).toContain(gpuOf(a.number));
      for (const b of trials) {
        const overlap = a !== b && a.startedAt! < b.endedAt! && b.startedAt! < a.endedAt!;
        if (overlap) expect(gpuOf(a.number)).not.toBe(gpuOf(b.number));
      }
    }
  }, 60_000);

  it("survives SIGKILL of the foreground CLI: resume finishes with num-runs trials, none twice, none left behind", async () => {
    const home = makeHome();
    const child = startCli(home, [
      "bayesian",
      "--param",
      "x=-5:10",
      "--param",
      "y=0:15",
      "-n",
      "8",
      "-r",
      "2",
      "--metric",
      "loss",
      "--",
      "node",
      "examples/branin.mjs",
      "--x",
      ":x:",
      "--y",
      ":y:",
      "--epochs",
      "4",
      "--sleep-ms",
      "250",
    ]);
    const store = await openTestStore(home);
    // Kill it once some trials have ended and others are running.
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      const [s] = await store.listSearches();
      if (s && s.trialCounts.complete >= 2 && s.trialCounts.running >= 1) break;
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    const [search] = await store.listSearches();
    expect(search?.status).toBe("running");

    const r = await runCli(home, ["resume", String(search!.id)]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/adopted/);
    const trials = await store.listTrials(search!.id);
    expect(trials.map((t) => t.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(trials.every((t) => t.status === "complete")).toBe(true);
    const dirs = readdirSync(join(home, "searches", String(search!.id), "trials"));
    expect(dirs.sort()).toEqual(["1", "2", "3", "4", "5", "6", "7", "8"]);
    for (const t of trials) {
      const h = localTrialHandleSchema.parse(t.handle);
      // The launcher itself, not a process that got its pid since (pid_max can be 32768): gone,
      // or about to be (the CLI's adopted launchers write their exit record, then exit; nobody
      // waits on them, so allow them a moment).
      expect(h.procStart).toBeDefined();
      await waitFor(() => (processAlive(h.pid, h.procStart) ? undefined : true), 5_000, 20);
      expect(t.value).toBe(lastLoss(home, search!.id, t.number));
    }
    expect((await store.getSearch(search!.id))?.status).toBe("complete");
  }, 120_000);
});
