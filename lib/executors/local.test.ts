/**
 * The local executor against real processes: every trial here is a real program started through
 * the real launcher, in temporary trial directories.
 */
import { spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HyperbayesError, UsageError } from "../errors";
import { createLocalExecutor, LAUNCHER_NICE, LocalExecutor } from "./local";
import { groupAlive, processAlive, readAutogroup, readProcStat } from "./proc";
import { launchFactory, sleep, WAIT_MS, waitExit, waitFor } from "./testing";
import { type LocalTrialHandle, NoCapacityError, parseTrialHandle, type TrialExit } from "./types";

const NODE = process.execPath;
const root = mkdtempSync(join(tmpdir(), "hb-local-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const launch = launchFactory(root, "search-1");

const read = (h: LocalTrialHandle, name: string) => readFileSync(join(h.dir, name), "utf8");
/** The process group of the trial's command (its processes, grandchildren included). */
const trialGroup = async (h: LocalTrialHandle) =>
  waitFor(() => {
    if (!existsSync(join(h.dir, "launcher.json"))) return undefined;
    return (JSON.parse(read(h, "launcher.json")) as { childPid: number }).childPid;
  });
/** Waits until the trial's command has printed `text` (it is running, handlers installed). */
const waitLog = (h: LocalTrialHandle, text: string) =>
  waitFor(() =>
    existsSync(join(h.dir, "stdout.log")) && read(h, "stdout.log").includes(text)
      ? true
      : undefined,
  );

const ex = new LocalExecutor({ graceMs: 300 });
afterAll(() => ex.close());

describe("running a command", () => {
  it("passes every argument unchanged, with no shell in between", async () => {
    const weird = [
      "with space",
      'double"quote',
      "single'quote",
      "a;b && c | d",
      "$(touch pwned)",
      "`touch pwned`",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion that must stay literal
      "$HOME ${PATH} %PATH%",
      "line1\nline2\r\n",
      "ünïcødé ✓ 日本語 🚀",
      "",
      "*",
      "-v",
      "\\back\\slash",
    ];
    const h = await ex.start(
      launch([
        NODE,
        "-e",
        "process.stdout.write(JSON.stringify(process.argv.slice(1)))",
        "--",
        ...weird,
      ]),
    );
    const exit = await waitExit(ex, h);
    expect(exit.exitCode).toBe(0);
    expect(JSON.parse(read(h, "stdout.log"))).toEqual(weird);
    expect(existsSync(join(root, "pwned"))).toBe(false);
  });

  it("records exit codes and fills stdout.log and stderr.log", async () => {
    const ok = await ex.start(launch(["sh", "-c", "echo to-out; echo to-err >&2"]));
    const three = await ex.start(launch(["sh", "-c", "echo bye; exit 3"]));
    const okExit = await waitExit(ex, ok);
    expect(okExit).toMatchObject({ state: "exited", exitCode: 0, signal: null });
    expect(okExit.reason).toBeUndefined();
    expect(read(ok, "stdout.log")).toBe("to-out\n");
    expect(read(ok, "stderr.log")).toBe("to-err\n");
    expect(await waitExit(ex, three)).toMatchObject({ exitCode: 3, signal: null });
    expect(read(three, "stdout.log")).toBe("bye\n");
  });

  it("records death by a signal", async () => {
    const h = await ex.start(launch(["sh", "-c", "kill -USR1 $$"]));
    const exit = await waitExit(ex, h);
    expect(exit).toMatchObject({ exitCode: null, signal: "SIGUSR1" });
    expect(exit.reason).toBeUndefined();
  });

  it("gives the trial its environment, without the worker's own settings", async () => {
    const saved = process.env.HYPERBAYES_DATABASE_URL;
    process.env.HYPERBAYES_DATABASE_URL = "postgres://secret@db/hb";
    try {
      const l = launch([NODE, "-e", "process.stdout.write(JSON.stringify(process.env))"], {
        env: { USER_VAR: "x y", NODE_OPTIONS: "--max-old-space-size=123" },
      });
      const h = await ex.start(l);
      await waitExit(ex, h);
      const env = JSON.parse(read(h, "stdout.log")) as Record<string, string>;
      expect(env).toMatchObject({
        USER_VAR: "x y",
        NODE_OPTIONS: "--max-old-space-size=123",
        HYPERBAYES_SEARCH: "search-1",
        HYPERBAYES_TRIAL: String(l.trialNumber),
        HYPERBAYES_TRIAL_DIR: resolve(l.dir),
        HYPERBAYES_METRICS_FILE: join(resolve(l.dir), "metrics.jsonl"),
        PYTHONUNBUFFERED: "1",
        CUDA_VISIBLE_DEVICES: "",
        PATH: process.env.PATH,
      });
      expect(env.HYPERBAYES_DATABASE_URL).toBeUndefined();
      expect(env.HYPERBAYES_NODE_OPTIONS).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.HYPERBAYES_DATABASE_URL;
      else process.env.HYPERBAYES_DATABASE_URL = saved;
    }
  });

  it("runs in the trial's cwd and finds the program on PATH from the trial's env", async () => {
    const bin = join(root, "bin-dir");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "hb-hello"), "#!/bin/sh\necho hello from $(pwd)\n");
    chmodSync(join(bin, "hb-hello"), 0o755);
    const h = await ex.start(
      launch(["hb-hello"], { cwd: bin, env: { PATH: `${bin}:${process.env.PATH}` } }),
    );
    expect(await waitExit(ex, h)).toMatchObject({ exitCode: 0 });
    expect(read(h, "stdout.log")).toBe(`hello from ${bin}\n`);
  });

  it("ends with a clear message when the command cannot run", async () => {
    const missing = await ex.start(launch(["hb-no-such-command"]));
    const notExec = join(root, "not-executable.sh");
    writeFileSync(notExec, "echo hi\n");
    const denied = await ex.start(launch([notExec]));
    const badCwd = await ex.start(launch(["true"], { cwd: join(root, "no-such-dir") }));

    expect(await waitExit(ex, missing)).toMatchObject({
      exitCode: 127,
      message: "command not found: hb-no-such-command",
    });
    expect(read(missing, "stderr.log")).toContain("command not found: hb-no-such-command");
    expect(await waitExit(ex, denied)).toMatchObject({ exitCode: 126 });
    expect((await waitExit(ex, denied)).message).toMatch(/permission denied/);
    expect((await waitExit(ex, badCwd)).message).toBe(
      `working directory not found: ${join(root, "no-such-dir")}`,
    );
  });

  it("rejects a launch that cannot be passed to a program", async () => {
    await expect(ex.start(launch([]))).rejects.toThrow(UsageError);
    await expect(ex.start(launch(["echo", "a\0b"]))).rejects.toThrow(/NUL/);
  });
});

describe("process groups", () => {
  it("kills what the trial leaves behind once its main process exits", async () => {
    // The grandchild keeps stdout open and would sleep for a minute.
    const h = await ex.start(launch(["sh", "-c", "sleep 60 & echo $!; exit 0"]));
    const t0 = Date.now();
    const exit = await waitExit(ex, h);
    expect(exit.exitCode).toBe(0);
    expect(Date.now() - t0).toBeLessThan(60_000); // ended before the grandchild's sleep would
    const grandchild = Number(read(h, "stdout.log").trim());
    expect(grandchild).toBeGreaterThan(0);
    expect(processAlive(grandchild)).toBe(false);
    expect(groupAlive(await trialGroup(h))).toBe(false);
  });
});

describe.runIf(readAutogroup("self") !== undefined)("scheduling priority", () => {
  it("runs the launcher's session at LAUNCHER_NICE and the trial's at the worker's", async () => {
    const ours = readAutogroup("self")!;
    const h = await ex.start(launch(["sh", "-c", "cat /proc/self/autogroup; sleep 60"]));
    expect(readAutogroup(h.pid)).toMatchObject({ nice: LAUNCHER_NICE });
    await waitLog(h, "nice");
    const trial = /^(\S+) nice (-?\d+)/.exec(read(h, "stdout.log"))!;
    expect(Number(trial[2])).toBe(ours.nice);
    expect(new Set([trial[1], readAutogroup(h.pid)!.group, ours.group]).size).toBe(3);
    expect(readAutogroup("self")).toEqual(ours); // the worker's own session is left alone
    await ex.kill(h);
    await waitExit(ex, h);
  });
});

describe("timeout, stop and kill", () => {
  // Prints "term" on each SIGTERM it gets, then exits 0: a trainer saving a checkpoint.
  const graceful = [
    "sh",
    "-c",
    "trap 'echo term; sleep 0.2; exit 0' TERM; echo ready; sleep 60 & wait",
  ];
  const stubborn = ["sh", "-c", "trap '' TERM; echo ready; sleep 60"];

  /**
   * Runs `argv` (a trial that prints "ready" once its SIGTERM trap is set) with a timeout, to its
   * end. A timeout counts from start(), the launcher's own start included, which takes more than
   * a second on a loaded machine: a short one can then run out before the trial has set its
   * trap, and its SIGTERM kills the shell before it says ready, which tests nothing. Such a run
   * is done again with a timeout four times as long (from `timeoutMs` up to 16 times it); any
   * other end is returned as it is, to be judged.
   */
  async function runToTimeout(argv: string[], timeoutMs: number) {
    for (let ms = timeoutMs; ; ms *= 4) {
      const h = await ex.start(launch(argv, { timeoutMs: ms }));
      const exit = await waitExit(ex, h, WAIT_MS + ms);
      const beforeTrap = exit.signal === "SIGTERM" && !read(h, "stdout.log").includes("ready");
      if (!beforeTrap || ms >= timeoutMs * 16) return { h, exit, timeoutMs: ms };
      console.warn(
        `a ${ms} ms timeout ran out before the trial set its trap: again with ${ms * 4}`,
      );
    }
  }

  it("on timeout sends SIGTERM once and lets the trial finish", async () => {
    const { h, exit, timeoutMs } = await runToTimeout(graceful, 400);
    expect(exit).toMatchObject({ exitCode: 0, reason: "timeout" });
    expect(read(h, "stdout.log").match(/term/g)).toEqual(["term"]);
    expect(exit.endedAt.getTime() - Date.parse(h.startedAt)).toBeGreaterThanOrEqual(timeoutMs);
  });

  it("does not end a trial early when its timeout is longer than a timer can wait", async () => {
    const h = await ex.start(launch(["sh", "-c", "sleep 0.3"], { timeoutMs: 40 * 24 * 3600_000 }));
    const exit = await waitExit(ex, h);
    expect(exit).toMatchObject({ exitCode: 0, signal: null });
    expect(exit.reason).toBeUndefined();
  });

  it("on timeout SIGKILLs a trial that ignores SIGTERM after the grace period", async () => {
    const { h, exit, timeoutMs } = await runToTimeout(stubborn, 300);
    expect(exit).toMatchObject({ exitCode: null, signal: "SIGKILL", reason: "timeout" });
    expect(exit.endedAt.getTime() - Date.parse(h.startedAt)).toBeGreaterThanOrEqual(
      timeoutMs + 300,
    );
    expect(groupAlive(await trialGroup(h))).toBe(false);
  });

  it("stop sends SIGTERM to the trial's group once", async () => {
    const h = await ex.start(launch(graceful));
    await waitLog(h, "ready");
    await ex.stop(h);
    await ex.stop(h); // a second stop is not a second signal
    const exit = await waitExit(ex, h);
    expect(exit).toMatchObject({ exitCode: 0, reason: "stopped" });
    expect(read(h, "stdout.log").match(/term/g)).toEqual(["term"]);
  });

  it("stop escalates to SIGKILL after the grace period", async () => {
    const h = await ex.start(launch(stubborn));
    await waitLog(h, "ready");
    const t0 = Date.now();
    await ex.stop(h);
    const exit = await waitExit(ex, h);
    expect(exit).toMatchObject({ signal: "SIGKILL", reason: "stopped" });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(groupAlive(await trialGroup(h))).toBe(false);
  });

  it("kill ends the trial at once, whatever the grace period", async () => {
    const patient = new LocalExecutor({ graceMs: 60_000 });
    const h = await patient.start(launch(stubborn));
    await waitLog(h, "ready");
    const t0 = Date.now();
    await patient.kill(h);
    const exit = await waitExit(patient, h);
    expect(exit).toMatchObject({ signal: "SIGKILL", reason: "killed" });
    expect(Date.now() - t0).toBeLessThan(patient.graceMs); // no grace period first
    expect(groupAlive(await trialGroup(h))).toBe(false);
    await patient.close();
  });

  describe("a kill during a stop's grace period", () => {
    // Ignores SIGTERM (and says it got it), as a trainer that does not handle it.
    const deaf = [
      NODE,
      "-e",
      'process.on("SIGTERM", () => console.log("term")); console.log("ready"); setInterval(() => {}, 1000)',
    ];
    const patient = new LocalExecutor({ graceMs: 60_000 });
    afterAll(() => patient.close());
    /** A deaf trial, running, that got its stop's SIGTERM. */
    const stopping = async (executor: LocalExecutor) => {
      const h = await executor.start(launch(deaf));
      await waitLog(h, "ready");
      await executor.stop(h);
      await waitLog(h, "term");
      return h;
    };

    it("ends the trial killed, whenever it comes", async () => {
      const trials = await Promise.all(Array.from({ length: 6 }, () => stopping(patient)));
      await Promise.all(
        trials.map(async (h) => {
          await sleep(Math.random() * 300);
          await patient.kill(h);
        }),
      );
      for (const h of trials)
        expect(await waitExit(patient, h)).toMatchObject({ signal: "SIGKILL", reason: "killed" });
    });

    it("ends it killed when the trial's end reaches the launcher before the kill's SIGUSR2", async () => {
      // What kill() does, with its SIGUSR2 to the launcher held back: the request is recorded,
      // and the trial is SIGKILLed directly (as kill() does too, besides the SIGUSR2).
      const h = await stopping(patient);
      writeFileSync(
        join(h.dir, "stop.json"),
        JSON.stringify({ reason: "killed", at: new Date().toISOString() }),
      );
      process.kill(-(await trialGroup(h)), "SIGKILL");
      expect(await waitExit(patient, h)).toMatchObject({ signal: "SIGKILL", reason: "killed" });
    });

    it("leaves it stopped when it comes after the grace ran out", async () => {
      const h = await stopping(ex);
      const exit = await waitExit(ex, h);
      expect(exit).toMatchObject({ signal: "SIGKILL", reason: "stopped" });
      await ex.kill(h);
      expect(await ex.poll(h)).toEqual(exit);
    });
  });

  it("a stop or kill right after start still ends the trial, with that reason", async () => {
    const stopped = await ex.start(launch(["sleep", "60"]));
    await ex.stop(stopped);
    const killed = await ex.start(launch(["sleep", "60"]));
    await ex.kill(killed);
    expect(await waitExit(ex, stopped)).toMatchObject({ reason: "stopped" });
    expect(await waitExit(ex, killed)).toMatchObject({ reason: "killed" });
  });

  it("stop and kill leave a finished trial's result alone", async () => {
    const h = await ex.start(launch(["sh", "-c", "exit 4"]));
    const before = await waitExit(ex, h);
    await ex.stop(h);
    await ex.kill(h);
    expect(await ex.poll(h)).toEqual(before);
    expect(before.reason).toBeUndefined();
  });
});

describe("after a worker restart", () => {
  it("adopts a trial whose worker was SIGKILLed and reads its exit status", async () => {
    // A real worker process: starts the trial, prints the handle, and is killed mid-trial. The
    // trial runs until the test writes its "go" file, so it is still running when adopted.
    const l = launch([
      "sh",
      "-c",
      'until [ -e "$HYPERBAYES_TRIAL_DIR/go" ]; do sleep 0.01; done; echo done; exit 5',
    ]);
    const worker = spawn(
      NODE,
      [
        "--import",
        "tsx/esm",
        "--input-type=module",
        "-e",
        `import { LocalExecutor } from ${JSON.stringify(resolve("lib/executors/local.ts"))};
         const h = await new LocalExecutor().start(${JSON.stringify(l)});
         process.stdout.write(JSON.stringify(h) + "\\n");
         setInterval(() => {}, 1000);`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    worker.stdout.on("data", (d) => {
      out += String(d);
    });
    const line = await waitFor(() => (out.includes("\n") ? out.split("\n")[0] : undefined));
    worker.kill("SIGKILL");
    await new Promise((r) => worker.once("exit", r));

    const stored = parseTrialHandle(JSON.parse(line!));
    expect(stored.kind).toBe("local");
    const b = new LocalExecutor();
    expect(await b.adopt(stored)).toEqual({ state: "running" });
    writeFileSync(join(l.dir, "go"), "");
    const exit = await waitExit(b, stored as LocalTrialHandle);
    expect(exit).toMatchObject({ exitCode: 5, signal: null });
    expect(exit.reason).toBeUndefined();
    expect(read(stored as LocalTrialHandle, "stdout.log")).toBe("done\n");
    await b.close();
  });

  it("re-lends an adopted trial's GPUs until it ends, and keeps its timeout", async () => {
    const gpus = [
      { index: "0", name: "Fake" },
      { index: "1", name: "Fake" },
    ];
    const a = new LocalExecutor({ gpus, graceMs: 200 });
    const h = await a.start(launch(["sleep", "60"], { gpus: 1, timeoutMs: 800 }));
    await a.close(); // the worker goes away; the trial does not
    const b = new LocalExecutor({ gpus, graceMs: 200 });
    expect(b.capacity(1)).toBe(2);
    expect((await b.adopt(JSON.parse(JSON.stringify(h)))).state).toBe("running");
    expect(b.capacity(1)).toBe(1);
    expect(b.capacity(2)).toBe(0);
    // B did not start it, yet hears its end without polling.
    expect(await new Promise((r) => b.onChange(() => r(b.capacity(1))))).toBe(2);
    const exit = await waitExit(b, h);
    expect(exit).toMatchObject({ reason: "timeout", signal: "SIGTERM" });
    expect(b.capacity(1)).toBe(2);
    await b.close();
  });

  it("recover() reads back the handle start() left in the trial directory", async () => {
    const h = await ex.start(launch(["true"]));
    expect(await ex.recover(h.dir)).toEqual(h);
    const empty = join(root, "never-started");
    mkdirSync(empty, { recursive: true });
    expect(await ex.recover(empty)).toBeNull();
    await waitExit(ex, h);
  });
});

describe("a launcher that dies", () => {
  it("reports running while the trial's processes live, then lost", async () => {
    const h = await ex.start(launch(["sleep", "60"]));
    const group = await trialGroup(h);
    process.kill(h.pid, "SIGKILL");
    await waitFor(() => (processAlive(h.pid, h.procStart) ? undefined : true));
    expect(await ex.poll(h)).toEqual({ state: "running" });
    process.kill(-group, "SIGKILL");
    const exit = await waitExit(ex, h);
    expect(exit).toMatchObject({ exitCode: null, signal: null, reason: "lost" });
    expect(exit.message).toMatch(/without recording an exit status/);
    // Final and stable: a later executor reads the same end.
    expect(await new LocalExecutor().adopt(h)).toEqual(exit);
  });

  it("still has its trial's timeout enforced by poll", async () => {
    // The launcher's own timer is a minute away: whatever ends this trial, the launcher did not.
    const h = await ex.start(
      launch(["sh", "-c", "trap '' TERM; echo ready; sleep 60"], { timeoutMs: 60_000 }),
    );
    await waitLog(h, "ready");
    const group = await trialGroup(h); // the launcher has recorded which group to watch
    process.kill(h.pid, "SIGKILL");
    await waitFor(() => (processAlive(h.pid, h.procStart) ? undefined : true));
    expect(await ex.poll(h)).toEqual({ state: "running" }); // not due yet
    // The same trial a minute later, as poll sees it (poll reads the timeout from the handle,
    // against the clock): due, so poll sends the SIGTERM, and after the grace period SIGKILL.
    const later = { ...h, startedAt: new Date(Date.parse(h.startedAt) - 60_000).toISOString() };
    const exit = await waitExit(ex, later);
    expect(exit).toMatchObject({ reason: "timeout" });
    const stop = JSON.parse(read(h, "stop.json")) as { reason: string; at: string };
    expect(stop.reason).toBe("timeout");
    expect(exit.endedAt.getTime() - Date.parse(stop.at)).toBeGreaterThanOrEqual(300); // the grace
    expect(groupAlive(group)).toBe(false);
  });

  it("after its timeout's SIGTERM leaves the trial no second one, and SIGKILLs after the grace", async () => {
    // Says "term" at each SIGTERM and goes on: a trainer writing its checkpoint, which a second
    // SIGTERM would make give up. The launcher dies during the timeout's grace period; the
    // executor, polling, must finish that stop (SIGKILL when the grace ends), not start another.
    const deaf = [
      NODE,
      "-e",
      'process.on("SIGTERM", () => console.log("term")); console.log("ready"); setInterval(() => {}, 1000)',
    ];
    const graceMs = 4_000;
    const termed = async () => {
      // A timeout that runs out before the trial set its handler (a loaded machine's slow start)
      // kills it before it says anything: that run tests nothing, and is done again, longer.
      for (let ms = 1_500; ; ms *= 4) {
        const t = await ex.start(launch(deaf, { timeoutMs: ms, graceMs }));
        const said = await waitFor(() => {
          if (existsSync(join(t.dir, "stdout.log")) && read(t, "stdout.log").includes("term"))
            return "term";
          return existsSync(join(t.dir, "exit.json")) ? "ended" : undefined;
        }, WAIT_MS + ms);
        if (said === "term" || ms >= 1_500 * 16) return t;
      }
    };
    const h = await termed();
    const group = await trialGroup(h);
    process.kill(h.pid, "SIGKILL");
    await waitFor(() => (processAlive(h.pid, h.procStart) ? undefined : true));
    const exit = await waitExit(ex, h, WAIT_MS + graceMs);
    expect(exit).toMatchObject({ reason: "timeout" });
    expect(read(h, "stdout.log").match(/term/g)).toEqual(["term"]);
    const stop = JSON.parse(read(h, "stop.json")) as { reason: string; at: string };
    expect(stop.reason).toBe("timeout");
    expect(exit.endedAt.getTime() - Date.parse(stop.at)).toBeGreaterThanOrEqual(graceMs);
    expect(groupAlive(group)).toBe(false);
  });

  it("is not confused with a process that reuses its pid", async () => {
    const dir = join(root, "reused-pid");
    mkdirSync(dir, { recursive: true });
    // This test process is alive, but it is not the launcher that started at tick "1".
    const h: LocalTrialHandle = {
      kind: "local",
      dir,
      pid: process.pid,
      procStart: "1",
      startedAt: new Date().toISOString(),
      gpus: [],
    };
    expect(await ex.poll(h)).toMatchObject({ state: "exited", reason: "lost" });
  });
});

describe("trial directories", () => {
  it("hold one launch each: a used directory is refused, running or not", async () => {
    const l = launch(["sh", "-c", "echo first; sleep 60"]);
    const h = await ex.start(l);
    await expect(ex.start(l)).rejects.toThrow(/already used/);
    await waitLog(h, "first");
    await ex.kill(h);
    await waitExit(ex, h);
    await expect(ex.start({ ...l, argv: ["true"] })).rejects.toThrow(HyperbayesError);
    expect(read(h, "stdout.log")).toBe("first\n");
  });

  it("poll does not throw when a trial directory was removed", async () => {
    const h = await ex.start(launch(["sleep", "60"]));
    const group = await trialGroup(h);
    process.kill(h.pid, "SIGKILL");
    process.kill(-group, "SIGKILL");
    await waitFor(() => (processAlive(h.pid, h.procStart) ? undefined : true));
    rmSync(h.dir, { recursive: true });
    await ex.stop(h);
    expect(await ex.poll(h)).toMatchObject({ state: "exited", reason: "lost" });
  });
});

describe("GPU slots", () => {
  const fakeSmiDir = join(root, "fake-smi");
  mkdirSync(fakeSmiDir, { recursive: true });
  writeFileSync(
    join(fakeSmiDir, "nvidia-smi"),
    "#!/bin/sh\necho '0, NVIDIA H100 80GB HBM3, 81559 MiB, GPU-aaa'\necho '1, NVIDIA H100 80GB HBM3, 81559 MiB, GPU-bbb'\n",
  );
  chmodSync(join(fakeSmiDir, "nvidia-smi"), 0o755);
  const env = { ...process.env, HYPERBAYES_GPUS: undefined, PATH: `${fakeSmiDir}:/usr/bin:/bin` };
  const printCuda = ["sh", "-c", 'echo "[$CUDA_VISIBLE_DEVICES] $CUDA_DEVICE_ORDER"; sleep 60'];

  it("lends each trial its own GPUs and takes them back when it ends", async () => {
    const gx = await createLocalExecutor({ env, graceMs: 200 });
    expect(gx.gpus.map((g) => g.index)).toEqual(["0", "1"]);
    expect(gx.capacity(1)).toBe(2);
    expect(gx.capacity(0)).toBe(Number.POSITIVE_INFINITY);
    const a = await gx.start(launch(printCuda, { gpus: 1 }));
    expect(gx.capacity(1)).toBe(1);
    expect(gx.capacity(2)).toBe(0);
    const b = await gx.start(launch(printCuda, { gpus: 1 }));
    expect(gx.capacity(1)).toBe(0);
    await expect(gx.start(launch(printCuda, { gpus: 1 }))).rejects.toThrow(NoCapacityError);
    const cpu = await gx.start(launch(["sh", "-c", 'echo "[$CUDA_VISIBLE_DEVICES]"']));

    await waitLog(a, "]");
    await waitLog(b, "]");
    const seen = [read(a, "stdout.log").trim(), read(b, "stdout.log").trim()].sort();
    expect(seen).toEqual(["[0] PCI_BUS_ID", "[1] PCI_BUS_ID"]);
    expect(a.gpus.concat(b.gpus).sort()).toEqual(["0", "1"]);
    expect((await waitExit(gx, cpu)).exitCode).toBe(0);
    expect(read(cpu, "stdout.log")).toBe("[]\n");

    // The slot comes back when the launcher exits, before anyone polls.
    const changed = new Promise<number>((r) => gx.onChange(() => r(gx.capacity(1))));
    await gx.kill(a);
    expect(await changed).toBe(1);
    const c = await gx.start(launch(printCuda, { gpus: 1 }));
    expect(c.gpus).toEqual(a.gpus);
    await gx.kill(b);
    await gx.kill(c);
    await waitExit(gx, b);
    await waitExit(gx, c);
    expect(gx.capacity(1)).toBe(2);

    const pair = await gx.start(launch(printCuda, { gpus: 2 }));
    await waitLog(pair, "]");
    expect(read(pair, "stdout.log")).toBe("[0,1] PCI_BUS_ID\n");
    await gx.kill(pair);
    await waitExit(gx, pair);
    await gx.close();
  });

  it("refuses a trial needing more GPUs than the machine has", async () => {
    const gx = await createLocalExecutor({ env });
    expect(gx.capacity(3)).toBe(0);
    await expect(gx.start(launch(["true"], { gpus: 3 }))).rejects.toThrow(UsageError);
    const none = new LocalExecutor();
    await expect(none.start(launch(["true"], { gpus: 1 }))).rejects.toThrow(/HYPERBAYES_GPUS/);
  });

  it("follows HYPERBAYES_GPUS", async () => {
    const gx = await createLocalExecutor({ env: { ...env, HYPERBAYES_GPUS: "1" } });
    expect(gx.capacity(1)).toBe(1);
    const h = await gx.start(launch(printCuda, { gpus: 1 }));
    await waitLog(h, "]");
    expect(read(h, "stdout.log")).toBe("[1] PCI_BUS_ID\n");
    await gx.kill(h);
    await waitExit(gx, h);
  });
});

describe("onChange", () => {
  it("fires as soon as a trial ends, with its exit already readable", async () => {
    const ox = new LocalExecutor();
    const h = await ox.start(launch(["true"]));
    const state = await new Promise<TrialExit | undefined>((r) => {
      ox.onChange(() => {
        ox.poll(h).then((s) => r(s.state === "exited" ? s : undefined));
      });
    });
    const firedAt = Date.now();
    expect(state?.exitCode).toBe(0);
    // From the launcher's write of exit.json, not from the command's end: the launcher runs at a
    // lower priority (LAUNCHER_NICE), and on a busy machine its own way to that write takes
    // seconds. Generous: the machine running the tests is shared; measured numbers are in the
    // report.
    const written = statSync(join(h.dir, "exit.json")).mtimeMs;
    expect(firedAt - written).toBeLessThan(1_000);
    await ox.close();
  });

  it("announces each trial's end once", async () => {
    const ox = new LocalExecutor();
    let calls = 0;
    ox.onChange(() => {
      calls += 1;
    });
    const h = await ox.start(launch(["true"]));
    await waitFor(() => (calls > 0 ? true : undefined));
    // The launcher's own exit comes after exit.json: no second call once it is reaped (its
    // 'exit' event is handled when it is reaped, before this process can look).
    await waitFor(() => (readProcStat(h.pid) === undefined ? true : undefined));
    expect(calls).toBe(1);
    expect((await ox.poll(h)).state).toBe("exited");
    await ox.close();
  });

  it("stops notifying after unsubscribe and after close", async () => {
    const ox = new LocalExecutor();
    let calls = 0;
    const off = ox.onChange(() => {
      calls += 1;
    });
    let other = 0;
    ox.onChange(() => {
      other += 1;
    });
    off();
    const h = await ox.start(launch(["true"]));
    await waitFor(() => (other > 0 ? true : undefined));
    expect(calls).toBe(0);
    await ox.close();
    const h2 = await ox.start(launch(["true"])).catch((e: unknown) => e);
    expect(h2).toBeInstanceOf(HyperbayesError);
    await waitExit(ox, h);
  });
});
