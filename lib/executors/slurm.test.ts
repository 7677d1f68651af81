/**
 * The Slurm executor: its pure parts (squeue/sacct parsing, sbatch arguments, the batch script,
 * how Slurm's verdict merges with the launcher's), then real jobs on the real Slurm that
 * .ci/slurm-setup.sh starts (one node, two fake GPUs, no accounting). Those skip, saying so,
 * where `sbatch` is not on PATH.
 */
import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { SlurmSettings } from "../machines/config";
import { recordBadInput } from "../testing/ledger";
import {
  batchScript,
  type ExitFile,
  isTerminalState,
  type JobPhase,
  jobPhase,
  mergeSlurmExit,
  NO_JOB,
  parseSacct,
  parseSqueue,
  SLURM_STATES,
  SlurmExecutor,
  type SlurmState,
  sbatchArguments,
  sbatchMessage,
  sbatchOnPath,
  slurmOutputPath,
  slurmState,
  slurmTimeLimit,
} from "./slurm";
import {
  launchFactory,
  sleep,
  waitExit as waitExitEvery,
  waitFor as waitForEvery,
} from "./testing";
import { parseTrialHandle, type SlurmTrialHandle } from "./types";

describe("squeue and sacct output", () => {
  it("reads id, state, name and a reason with spaces; skips noise", () => {
    const jobs = parseSqueue(
      [
        "39|PENDING|hb-1-3-ab|Resources",
        "5|PENDING|hb-1-4-cd|Nodes required for job are DOWN, DRAINED or reserved",
        "slurm_load_jobs error: whatever",
        "",
        "38|RUNNING|hb-1-2-ef|None",
      ].join("\n"),
    );
    expect([...jobs.keys()]).toEqual(["39", "5", "38"]);
    expect(jobs.get("5")).toEqual({
      id: "5",
      state: "PENDING",
      name: "hb-1-4-cd",
      reason: "Nodes required for job are DOWN, DRAINED or reserved",
    });
  });

  it("reduces 'CANCELLED by 0' to its state and ignores job steps in sacct", () => {
    const jobs = parseSacct(
      "11|hb-a|TIMEOUT|0:0\n15|hb-b|CANCELLED by 0|0:9\n15.batch|batch|CANCELLED|0:9\n",
    );
    expect([...jobs.keys()]).toEqual(["11", "15"]);
    expect(jobs.get("15")).toMatchObject({ state: "CANCELLED", exitCode: "0:9", name: "hb-b" });
  });

  it("knows which states are final", () => {
    for (const s of ["COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "NODE_FAIL", "OUT_OF_MEMORY"])
      expect(isTerminalState(s)).toBe(true);
    for (const s of ["PENDING", "RUNNING", "COMPLETING", "CONFIGURING", "SUSPENDED", "REQUEUED"])
      expect(isTerminalState(s)).toBe(false);
  });
});

describe("Slurm's states", () => {
  // What each documented state means for a trial (squeue(1), JOB STATE CODES), written out here
  // independently of jobPhase's switch.
  const ACTIVE = [
    "PENDING",
    "CONFIGURING",
    "RUNNING",
    "COMPLETING",
    "SUSPENDED",
    "STOPPED",
    "SIGNALING",
    "STAGE_OUT",
    "RESIZING",
    "REQUEUED",
    "REQUEUE_FED",
    "REQUEUE_HOLD",
    "RESV_DEL_HOLD",
  ];
  const ENDED: Record<string, Extract<JobPhase, { phase: "ended" }>["cause"]> = {
    COMPLETED: "trial",
    FAILED: "trial",
    OUT_OF_MEMORY: "trial",
    TIMEOUT: "trial",
    DEADLINE: "trial",
    CANCELLED: "request",
    PREEMPTED: "cluster",
    NODE_FAIL: "cluster",
    BOOT_FAIL: "cluster",
    REVOKED: "cluster",
    SPECIAL_EXIT: "cluster",
  };

  it("reads every documented state as itself, and any other word as UNKNOWN, kept", () => {
    expect([...SLURM_STATES].sort()).toEqual([...ACTIVE, ...Object.keys(ENDED)].sort());
    for (const state of SLURM_STATES) {
      expect(slurmState(state)).toBe(state);
      expect(slurmState(`${state}+`)).toBe(state);
    }
    expect(slurmState("CANCELLED by 1000")).toBe("CANCELLED");
    for (const word of ["LAUNCH_FAILED", "running", "", "  ", "PENDINGX", "UNKNOWN"]) {
      recordBadInput(`Slurm state ${JSON.stringify(word)}`);
      expect(slurmState(word), word).toBe("UNKNOWN");
    }
    const [job] = parseSqueue("77|POWER_UP_NODE|hb-1-1-aa|None\n").values();
    expect(job).toEqual({
      id: "77",
      state: "UNKNOWN",
      stateText: "POWER_UP_NODE",
      name: "hb-1-1-aa",
      reason: "None",
    });
    // Not known, so not taken for an end: the launcher's record or Slurm's forgetting settles it.
    expect(jobPhase("UNKNOWN")).toEqual({ phase: "unknown" });
    expect(isTerminalState("POWER_UP_NODE")).toBe(false);
  });

  it("maps each state to active or ended, and an end to the trial, a request or the cluster", () => {
    for (const state of SLURM_STATES) {
      const phase = jobPhase(state);
      if (ACTIVE.includes(state)) expect(phase, state).toEqual({ phase: "active" });
      else expect(phase, state).toMatchObject({ phase: "ended", cause: ENDED[state] });
      expect(isTerminalState(state), state).toBe(phase.phase === "ended");
    }
  });

  it("merges every end with every launcher record and request, keeping the cluster's failures apart", () => {
    const at = "2026-11-28T00:00:00.000Z";
    const launcherRecords: (ExitFile | undefined)[] = [
      undefined,
      { exitCode: 0, signal: null, endedAt: at },
      { exitCode: 3, signal: null, endedAt: at },
    ];
    const requests = [
      undefined,
      { reason: "stopped" as const, at },
      { reason: "killed" as const, at },
    ];
    const states: SlurmState[] = [...SLURM_STATES, "UNKNOWN"];
    let cases = 0;
    for (const state of states) {
      const phase = jobPhase(state);
      for (const exit of launcherRecords)
        for (const stop of requests) {
          const job = { id: "8", state, reason: "None" };
          const m = mergeSlurmExit(job, exit, stop);
          const context = `${state} exit=${exit?.exitCode} stop=${stop?.reason}`;
          cases++;
          // Whatever Slurm says, the launcher's exit status stays the trial's.
          expect(m.exitCode, context).toBe(exit?.exitCode ?? null);
          expect(m.slurmState, context).toBe(state);
          if (phase.phase !== "ended") continue;
          // A kill we asked for reads as one, however the job ended.
          if (stop?.reason === "killed") expect(m.reason, context).toBe("killed");
          if (stop || exit) continue;
          // Nothing asked, nothing recorded: the trial's own failure, a time limit, or the
          // cluster's (lost or preempted), never confused.
          if (phase.cause === "cluster") expect(["lost", "stopped"], context).toContain(m.reason);
          if (phase.cause === "trial")
            expect([undefined, "timeout", "lost"], context).toContain(m.reason);
          if (phase.end === "failed" || phase.end === "out-of-memory")
            expect(m.reason, context).toBeUndefined();
          expect(m.message, context).toContain(`Slurm job 8 ${state}`);
        }
    }
    expect(cases).toBe(states.length * 9);
    // An unknown word is reported in Slurm's own words, with no guess at a reason.
    const odd = mergeSlurmExit(
      { id: "9", state: "UNKNOWN", stateText: "POWER_UP_NODE", reason: "None" },
      undefined,
      undefined,
    );
    expect(odd).toMatchObject({
      slurmState: "POWER_UP_NODE",
      message: "Slurm job 9 POWER_UP_NODE",
    });
    expect(odd.reason).toBeUndefined();
  });
});

describe("what is submitted", () => {
  const base = {
    jobName: "hb-3-7-aa",
    dir: "/shared/home/searches/3/trials/7",
    script: "/shared/home/searches/3/trials/7/slurm-job.sh",
    node: "/usr/bin/node",
    launcher: "/shared/home/searches/3/trials/7/launcher.mjs",
  };

  it("rounds a trial timeout up to whole minutes, at least one", () => {
    expect(slurmTimeLimit(1_000)).toBe("1");
    expect(slurmTimeLimit(60_000)).toBe("1");
    expect(slurmTimeLimit(60_001)).toBe("2");
    expect(slurmTimeLimit(90 * 60_000)).toBe("90");
  });

  it("passes every setting as one argument, the script and its arguments last", () => {
    const settings: SlurmSettings = {
      partition: "gpu",
      gres: "gpu:k80:1",
      constraint: "k80&intel",
      cpusPerTask: 4,
      mem: "16G",
      time: "4:00:00",
      account: "lab",
      qos: "normal",
      sbatchArgs: ["--nodelist=n01"],
    };
    const args = sbatchArguments({ ...base, settings, timeoutMs: 61_000 });
    expect(args).toEqual([
      "--parsable",
      "--job-name=hb-3-7-aa",
      "--output=/shared/home/searches/3/trials/7/slurm-%j.out",
      "--error=/shared/home/searches/3/trials/7/slurm-%j.err",
      "--chdir=/shared/home/searches/3/trials/7",
      "--no-requeue",
      "--partition=gpu",
      "--gres=gpu:k80:1",
      "--constraint=k80&intel",
      "--cpus-per-task=4",
      "--mem=16G",
      "--time=2",
      "--account=lab",
      "--qos=normal",
      "--nodelist=n01",
      base.script,
      base.node,
      base.launcher,
      base.dir,
    ]);
    // Without a trial timeout, the machine type's own limit applies.
    expect(sbatchArguments({ ...base, settings })).toContain("--time=4:00:00");
    expect(sbatchArguments({ ...base, settings: {} }).some((a) => a.startsWith("--time"))).toBe(
      false,
    );
  });

  it("escapes % in output paths, and gives up patterns where a backslash disables them", () => {
    expect(slurmOutputPath("/data/100%/t", "out")).toBe("/data/100%%/t/slurm-%j.out");
    expect(slurmOutputPath("/data/a\\b/t", "err")).toBe("/data/a\\b/t/slurm.err");
  });

  it("writes a script with the setup lines and no user value", () => {
    const script = batchScript(["module load cuda", "source /opt/env.sh"]);
    const lines = script.split("\n");
    expect(lines[0]).toBe("#!/bin/bash");
    expect(lines).toContain("module load cuda");
    expect(lines.indexOf("module load cuda")).toBeLessThan(lines.indexOf("source /opt/env.sh"));
    expect(lines.at(-2)).toBe('exec "$1" "$2" "$3" >>"$3/stdout.log" 2>>"$3/stderr.log"');
  });

  it("keeps sbatch's message without its prefixes", () => {
    expect(
      sbatchMessage(
        "sbatch: error: invalid partition specified: nope\nsbatch: error: Batch job submission failed: Invalid partition name specified\n",
      ),
    ).toBe(
      "invalid partition specified: nope; Batch job submission failed: Invalid partition name specified",
    );
  });
});

describe("merging Slurm's verdict with the launcher's", () => {
  const at = "2026-11-28T00:00:00.000Z";
  const launcher = (e: Partial<ExitFile>): ExitFile => ({
    exitCode: null,
    signal: null,
    endedAt: at,
    ...e,
  });
  const stop = (reason: "stopped" | "killed") => ({ reason, at });

  it("a time limit is a timeout, whatever the launcher made of Slurm's SIGTERM", () => {
    const m = mergeSlurmExit(
      { id: "12", state: "TIMEOUT", reason: "TimeLimit" },
      launcher({ signal: "SIGTERM", reason: "stopped" }),
      undefined,
    );
    expect(m).toMatchObject({ reason: "timeout", signal: "SIGTERM", slurmState: "TIMEOUT" });
    expect(m.message).toMatch(/Slurm job 12 TIMEOUT \(TimeLimit\)/);
    // Even when the launcher never got to write anything.
    expect(
      mergeSlurmExit({ id: "12", state: "TIMEOUT", reason: "TimeLimit" }, undefined, undefined),
    ).toMatchObject({ reason: "timeout", exitCode: null });
  });

  it("a job that failed before the launcher recorded anything carries Slurm's reason", () => {
    const m = mergeSlurmExit(
      {
        id: "9",
        state: "FAILED",
        reason: "NonZeroExitCode",
        exitCode: "7:0",
        errLine: "module: command not found",
      },
      undefined,
      undefined,
    );
    expect(m.reason).toBeUndefined();
    expect(m.message).toBe(
      "Slurm job 9 FAILED (NonZeroExitCode), exit status 7:0 before the trial's launcher recorded a result; module: command not found",
    );
  });

  it("a trial's own failure stays the trial's", () => {
    const own = launcher({ exitCode: 3 });
    expect(mergeSlurmExit({ id: "9", state: "COMPLETED", reason: "None" }, own, undefined)).toEqual(
      { ...own, slurmState: "COMPLETED" },
    );
  });

  it("cancellations are stops or kills: ours by what we asked, others' as stopped", () => {
    const pending = { id: "4", state: "CANCELLED" as const, reason: "Resources" };
    expect(mergeSlurmExit(pending, undefined, stop("killed"))).toMatchObject({
      reason: "killed",
    });
    expect(mergeSlurmExit(pending, undefined, stop("stopped"))).toMatchObject({
      reason: "stopped",
    });
    const outside = mergeSlurmExit(pending, undefined, undefined);
    expect(outside.reason).toBe("stopped");
    expect(outside.message).toMatch(/outside hyperbayes/);
  });

  it("a node failure is lost, running out of memory says so", () => {
    expect(
      mergeSlurmExit({ id: "5", state: "NODE_FAIL", reason: "NodeDown" }, undefined, undefined),
    ).toMatchObject({ reason: "lost" });
    const oom = mergeSlurmExit(
      { id: "6", state: "OUT_OF_MEMORY", reason: "OutOfMemory" },
      launcher({ signal: "SIGKILL" }),
      undefined,
    );
    expect(oom).toMatchObject({ signal: "SIGKILL" });
    expect(oom.message).toMatch(/ran out of memory/);
  });
});

// ---------------------------------------------------------------------------------------------
// Real Slurm.

const HAVE_SLURM = sbatchOnPath();
if (!HAVE_SLURM) {
  console.warn(
    "slurm.test.ts: sbatch is not on PATH, skipping the tests against a real Slurm " +
      "(run `sudo bash .ci/slurm-setup.sh` to start a single-node one)",
  );
}

const root = mkdtempSync(join(tmpdir(), "hb-slurm-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const launch = launchFactory(root, "slurm-test");
// Slurm is slower than a local process: longer waits, polled less often.
const waitFor = <T>(probe: () => T | undefined | Promise<T | undefined>, ms = 60_000) =>
  waitForEvery(probe, ms, 50);
const waitExit = (ex: SlurmExecutor, h: SlurmTrialHandle, ms = 60_000) =>
  waitExitEvery(ex, h, ms, 50);

/** squeue's state of a job, "" once it is no longer listed even with -t all. */
function jobState(jobId: string): string {
  try {
    return execFileSync("squeue", ["-h", "-t", "all", "-j", jobId, "-o", "%T"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return "";
  }
}
const ACTIVE = new Set(["PENDING", "RUNNING", "COMPLETING", "CONFIGURING", "SUSPENDED"]);

const read = (h: SlurmTrialHandle, name: string) => readFileSync(join(h.dir, name), "utf8");
const waitLog = (h: SlurmTrialHandle, text: string, ms = 60_000) =>
  waitFor(
    () =>
      existsSync(join(h.dir, "stdout.log")) && read(h, "stdout.log").includes(text)
        ? true
        : undefined,
    ms,
  );

/** A node script: prints "ready", then sleeps until SIGTERM (prints "got TERM", exits 0). */
const PATIENT = [
  process.execPath,
  "-e",
  'let n=0;process.on("SIGTERM",()=>{n++;console.log("got TERM "+n);setTimeout(()=>process.exit(0),300)});console.log("ready");setInterval(()=>{},1000)',
];

describe.skipIf(!HAVE_SLURM)("real Slurm jobs", () => {
  const executors: SlurmExecutor[] = [];
  const executor = (settings: SlurmSettings = {}, graceMs = 3_000) => {
    const ex = new SlurmExecutor({ machineType: "test", settings, graceMs, pollIntervalMs: 500 });
    executors.push(ex);
    return ex;
  };
  afterAll(async () => {
    for (const ex of executors) await ex.close();
  });

  it("runs argv verbatim in a job, with the trial's environment and Slurm's GPU", async () => {
    const ex = executor({ gres: "gpu:1", setup: ["echo setup ran on $(hostname)"] });
    const tricky = ["a b", "'q'", '"d"', "$(echo no)", "`echo no`", "x;y", "l1\nl2", "%j"];
    const h = await ex.start(
      launch(
        [
          process.execPath,
          "-e",
          "console.log(JSON.stringify({argv:process.argv.slice(1),env:{X:process.env.X,T:process.env.HYPERBAYES_TRIAL,M:process.env.HYPERBAYES_METRICS_FILE,CUDA:process.env.CUDA_VISIBLE_DEVICES,SECRET:process.env.HYPERBAYES_SECRET}}))",
          ...tricky,
        ],
        { env: { X: "x y $HOME" } },
      ),
    );
    expect(parseTrialHandle(JSON.parse(read(h, "handle.json")))).toEqual(h);
    expect(h).toMatchObject({ kind: "slurm", machineType: "test" });
    expect(h.jobId).toMatch(/^\d+$/);
    const exit = await waitExit(ex, h);
    expect(exit).toMatchObject({ exitCode: 0, signal: null });
    expect(exit.reason).toBeUndefined();
    const out = JSON.parse(read(h, "stdout.log").trim().split("\n")[0]!);
    expect(out.argv).toEqual(tricky);
    expect(out.env).toEqual({
      X: "x y $HOME",
      T: h.dir.slice(h.dir.lastIndexOf("trial-") + "trial-".length),
      M: join(h.dir, "metrics.jsonl"),
      CUDA: expect.stringMatching(/^[01]$/),
    });
    expect(read(h, `slurm-${h.jobId}.out`)).toMatch(/^setup ran on /);
    // The answer stays the same after the job is over.
    expect(await ex.poll(h)).toEqual(exit);
  }, 90_000);

  it("fails the trial with sbatch's message when Slurm refuses the job", async () => {
    const ex = executor({ partition: "no-such-partition" });
    const h = await ex.start(launch(["true"]));
    expect(h.jobId).toBe(NO_JOB);
    const exit = await waitExit(ex, h);
    expect(exit.exitCode).toBeNull();
    expect(exit.message).toMatch(/^sbatch refused the job: .*invalid partition/i);
  });

  it("records Slurm's reason for a job that failed before the trial ran", async () => {
    const ex = executor({ setup: ["echo no such module >&2", "exit 7"] });
    const h = await ex.start(launch(["true"]));
    const exit = await waitExit(ex, h);
    expect(exit.message).toMatch(
      new RegExp(
        `^Slurm job ${h.jobId} FAILED \\(NonZeroExitCode\\), exit status 7:0 .*no such module$`,
      ),
    );
    expect(exit.reason).toBeUndefined();
    expect(existsSync(join(h.dir, "stdout.log"))).toBe(false);
  }, 90_000);

  it("stop sends SIGTERM once through the launcher; the job ends", async () => {
    const ex = executor();
    const h = await ex.start(launch(PATIENT));
    await waitLog(h, "ready");
    await ex.stop(h);
    await ex.stop(h); // a second stop sends nothing more
    const exit = await waitExit(ex, h);
    expect(exit).toMatchObject({ reason: "stopped", exitCode: 0 });
    expect(read(h, "stdout.log")).toMatch(/got TERM 1\n$/);
    await waitFor(() => (ACTIVE.has(jobState(h.jobId)) ? undefined : true), 15_000);
  }, 90_000);

  it("a trial's own grace replaces the executor's: a SIGTERM-deaf job is SIGKILLed after it", async () => {
    const ex = executor({}, 120_000);
    const deaf = ["sh", "-c", "trap '' TERM; echo ready; sleep 600"];
    const h = await ex.start(launch(deaf, { graceMs: 300 }));
    expect(h.graceMs).toBe(300);
    expect(JSON.parse(read(h, "launch.json")).graceMs).toBe(300);
    await waitLog(h, "ready");
    await ex.stop(h);
    // The executor's two minutes would outlast this wait; the trial's 0.3 s does not.
    const exit = await waitExit(ex, h, 60_000);
    expect(exit).toMatchObject({ reason: "stopped", signal: "SIGKILL" });
    await waitFor(() => (ACTIVE.has(jobState(h.jobId)) ? undefined : true), 15_000);
  }, 90_000);

  it("kill ends a running job at once and cancels a pending one; none is left in squeue", async () => {
    const ex = executor({}, 60_000);
    const running = await ex.start(launch(PATIENT));
    // --hold keeps the job pending whatever else the node runs.
    const held = executor({ sbatchArgs: ["--hold"] }, 60_000);
    const pending = await held.start(launch(PATIENT));
    await waitLog(running, "ready");
    expect(jobState(pending.jobId)).toBe("PENDING");
    const began = Date.now();
    await ex.kill(running);
    await held.kill(pending);
    const [r, p] = await Promise.all([waitExit(ex, running), waitExit(held, pending)]);
    expect(r).toMatchObject({ reason: "killed", signal: "SIGKILL" });
    expect(p).toMatchObject({ reason: "killed", exitCode: null });
    expect(p.message).toMatch(/CANCELLED/);
    // SIGKILL, not the 60 s grace period.
    expect(Date.now() - began).toBeLessThan(15_000);
    await waitFor(
      () =>
        ACTIVE.has(jobState(running.jobId)) || ACTIVE.has(jobState(pending.jobId))
          ? undefined
          : true,
      15_000,
    );
    expect(existsSync(join(pending.dir, "stdout.log"))).toBe(false);
  }, 90_000);

  it("a restarted worker adopts a running job and hears how it ends", async () => {
    const first = executor();
    const h = await first.start(
      launch([process.execPath, "-e", 'console.log("ready");setTimeout(()=>process.exit(4),1500)']),
    );
    await waitLog(h, "ready");
    await first.close();
    const second = executor();
    expect(await second.adopt(parseTrialHandle(JSON.parse(JSON.stringify(h))))).toEqual({
      state: "running",
    });
    expect(await waitExit(second, h)).toMatchObject({ exitCode: 4 });
  }, 90_000);

  it("asks squeue once per poll interval about all of its jobs, however often it is polled", async () => {
    // A squeue on PATH that logs its arguments, then runs the real one.
    const shim = join(root, "shim");
    mkdirSync(shim);
    const log = join(root, "squeue.log");
    const real = execFileSync("sh", ["-c", "command -v squeue"], { encoding: "utf8" }).trim();
    writeFileSync(join(shim, "squeue"), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${real}' "$@"\n`, {
      mode: 0o755,
    });
    const ex = new SlurmExecutor({
      settings: { sbatchArgs: ["--hold"] },
      pollIntervalMs: 1_000,
      env: { ...process.env, PATH: `${shim}:${process.env.PATH}` },
    });
    executors.push(ex);
    const handles = [];
    for (let i = 0; i < 3; i++) handles.push(await ex.start(launch(["true"])));
    writeFileSync(log, "");
    const began = Date.now();
    while (Date.now() - began < 3_500) {
      for (const h of handles) expect(await ex.poll(h)).toEqual({ state: "running" });
      await sleep(20);
    }
    const calls = readFileSync(log, "utf8").trim().split("\n");
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(calls.length).toBeLessThanOrEqual(5);
    for (const call of calls) {
      expect(call).toBe(`-h -t all -j ${handles.map((h) => h.jobId).join(",")} -o %i|%T|%j|%r`);
    }
    for (const h of handles) await ex.kill(h);
    for (const h of handles) expect(await waitExit(ex, h)).toMatchObject({ reason: "killed" });
  }, 90_000);

  it("calls a job no Slurm command knows lost, once it has been missing twice", async () => {
    const ex = executor({}, 1_000);
    const dir = join(root, "ghost");
    mkdirSync(dir);
    const ghost: SlurmTrialHandle = {
      kind: "slurm",
      dir,
      jobId: "987654",
      startedAt: new Date().toISOString(),
      jobName: "hb-ghost-1-00000000",
    };
    expect(await ex.adopt(ghost)).toEqual({ state: "running" });
    const exit = await waitExit(ex, ghost, 20_000);
    expect(exit).toMatchObject({ reason: "lost", exitCode: null });
    expect(exit.message).toBe(
      `Slurm no longer knows job 987654, and the trial left no exit status in ${dir}`,
    );
    // Recorded, so a restarted worker gets the same answer without asking Slurm.
    expect(JSON.parse(readFileSync(join(dir, "exit.json"), "utf8"))).toMatchObject({
      reason: "lost",
      slurmState: "UNKNOWN",
    });
  }, 60_000);

  it("finds a job submitted by a worker that died before writing its handle; never submits twice", async () => {
    const ex = executor({ sbatchArgs: ["--hold"] });
    const l = launch(["true"]);
    const h = await ex.start(l);
    // The crash: sbatch ran, handle.json was never written.
    unlinkSync(join(h.dir, "handle.json"));
    const fresh = executor({ sbatchArgs: ["--hold"] });
    const found = await fresh.recover(h.dir);
    expect(found).toMatchObject({ jobId: h.jobId, jobName: h.jobName });
    // A start on the same directory (the worker did not know) takes the job that exists.
    unlinkSync(join(h.dir, "handle.json"));
    const again = await executor({ sbatchArgs: ["--hold"] }).start(l);
    expect(again.jobId).toBe(h.jobId);
    const named = execFileSync(
      "squeue",
      ["-h", "-t", "all", "-n", h.jobName as string, "-o", "%i"],
      {
        encoding: "utf8",
      },
    );
    expect(named.trim().split("\n")).toEqual([h.jobId]);
    await fresh.kill(found!);
    expect(await waitExit(fresh, found!)).toMatchObject({ reason: "killed" });
    // A directory nothing was submitted from has nothing to recover.
    expect(await fresh.recover(join(root, "never-used"))).toBeNull();
  }, 90_000);

  it("knows every state this Slurm printed for the jobs above, pending to cancelled", () => {
    const words = execFileSync("squeue", ["-h", "-t", "all", "-o", "%T"], { encoding: "utf8" })
      .split("\n")
      .map((w) => w.trim())
      .filter((w) => w !== "");
    // The jobs above ran, completed, failed, were held and cancelled.
    expect(words.length).toBeGreaterThan(3);
    expect(words.filter((w) => slurmState(w) === "UNKNOWN")).toEqual([]);
    expect(new Set(words).size).toBeGreaterThan(1);
  });
});
