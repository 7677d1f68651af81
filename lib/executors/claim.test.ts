/**
 * One run per trial directory (issue 9, fault 1), at the executor's level: real launchers, some
 * of them held back before they claim, at each point where a worker can die between preparing a
 * trial and writing its handle. The randomized version, through the real CLI, is
 * cli/kill-storm.test.ts.
 */
import { type ChildProcess, spawn } from "node:child_process";
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
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recordFault, recordTrials } from "../testing/ledger";
import { LocalExecutor } from "./local";
import { processAlive } from "./proc";
import { launchFactory, waitExit, waitFor } from "./testing";
import type { LocalTrialHandle } from "./types";

const LAUNCHER = resolve(import.meta.dirname, "launcher.mjs");
const root = mkdtempSync(join(tmpdir(), "hb-claim-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const launch = launchFactory(root, "claim");
const starts = join(root, "starts");
const executors: LocalExecutor[] = [];
afterAll(async () => {
  for (const ex of executors) await ex.close();
});
const executor = (opts: ConstructorParameters<typeof LocalExecutor>[0] = {}) => {
  const ex = new LocalExecutor({ graceMs: 300, ...opts });
  executors.push(ex);
  return ex;
};

/** The command appends its own pid to `starts`, tagged: how many times it really started. */
const recorded = (tag: string, seconds = "0.3") => [
  "sh",
  "-c",
  `echo "${tag} $$" >> "${starts}"; sleep ${seconds}; echo done`,
];
const startsOf = (tag: string) =>
  existsSync(starts)
    ? readFileSync(starts, "utf8")
        .split("\n")
        .filter((l) => l.startsWith(`${tag} `)).length
    : 0;

/**
 * A launcher.mjs that waits `ms` before the real one runs: a launcher the worker has started
 * that has not claimed its directory yet. Its command line still ends in launcher.mjs DIR.
 */
function slowLauncher(ms: number): string {
  const dir = join(root, `slow-${ms}`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "launcher.mjs");
  writeFileSync(
    path,
    `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${ms});\n` +
      `await import(${JSON.stringify(LAUNCHER)});\n`,
  );
  return path;
}

/** What the executor writes before it spawns the launcher, and the launcher's environment. */
function prepare(dir: string, argv: string[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "launch.json"),
    JSON.stringify({ argv, cwd: root, startedAt: Date.now(), graceMs: 300, gpus: [] }),
  );
}

function spawnLauncher(dir: string, path = LAUNCHER): ChildProcess {
  return spawn(process.execPath, [path, dir], { detached: true, stdio: "ignore" });
}
const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((r) => {
    if (child.exitCode !== null) r(child.exitCode);
    else child.once("exit", (code) => r(code));
  });

describe("one run per trial directory", () => {
  it("a second launcher in a claimed directory refuses, and writes nothing", async () => {
    const ex = executor();
    const h = await ex.start(launch(recorded("second")));
    await waitFor(() => (startsOf("second") === 1 ? true : undefined));
    const logBefore = readFileSync(join(h.dir, "stderr.log"), "utf8");
    recordFault("a second launcher in a running trial's directory");
    expect(await exitOf(spawnLauncher(h.dir))).toBe(75);
    expect(await waitExit(ex, h)).toMatchObject({ exitCode: 0 });
    expect(startsOf("second")).toBe(1);
    expect(readFileSync(join(h.dir, "stderr.log"), "utf8")).toBe(logBefore);
    recordTrials("second launcher in a claimed directory", {
      checked: 1,
      lost: 0,
      twice: startsOf("second") - 1,
    });
  });

  it("of launchers started together in one directory, exactly one runs the command", async () => {
    const dir = join(root, "together");
    prepare(dir, recorded("together"));
    const launchers = Array.from({ length: 6 }, () => spawnLauncher(dir));
    recordFault("six launchers started at once in one trial directory");
    const codes = await Promise.all(launchers.map(exitOf));
    expect(codes.filter((c) => c === 0)).toHaveLength(1);
    expect(codes.filter((c) => c === 75)).toHaveLength(5);
    expect(startsOf("together")).toBe(1);
    // recover() finds the one that ran, by its claim.
    const h = (await executor().recover(dir)) as LocalTrialHandle;
    expect(h.pid).toBe(launchers[codes.indexOf(0)]!.pid);
    expect(await waitExit(executor(), h)).toMatchObject({ exitCode: 0 });
    recordTrials("launchers started together", {
      checked: 1,
      lost: 0,
      twice: Math.max(0, startsOf("together") - 1),
    });
  });

  it("recover(): a launcher started but not claimed yet is found by its command line", async () => {
    // The worker died right after spawning it: no handle, no claim, only launch.json.
    const dir = join(root, "unclaimed");
    prepare(dir, recorded("unclaimed"));
    const child = spawnLauncher(dir, slowLauncher(800));
    recordFault("worker killed after spawning the launcher, before its claim");
    const h = (await executor().recover(dir)) as LocalTrialHandle;
    expect(existsSync(join(dir, "claim.json"))).toBe(false);
    expect(h).toMatchObject({ kind: "local", pid: child.pid, dir });
    const ex = executor();
    expect(await ex.adopt(h)).toEqual({ state: "running" });
    expect(await waitExit(ex, h)).toMatchObject({ exitCode: 0 });
    expect(startsOf("unclaimed")).toBe(1);
    recordTrials("launcher found before its claim", {
      checked: 1,
      lost: 0,
      twice: Math.max(0, startsOf("unclaimed") - 1),
    });
  });

  it("recover(): launch.json without any launcher is a trial to start; it then runs once", async () => {
    const ex = executor();
    const l = launch(recorded("prepared"));
    prepare(l.dir, l.argv);
    recordFault("worker killed after writing launch.json, before spawning the launcher");
    expect(await ex.recover(l.dir)).toBeNull();
    const h = await ex.start(l);
    expect(await waitExit(ex, h)).toMatchObject({ exitCode: 0 });
    expect(startsOf("prepared")).toBe(1);
  });

  it("a start racing with a launcher recover() could not see runs the command once; both handles lead to it", async () => {
    // Worker A spawned a launcher that has not claimed yet and died before writing handle.json.
    const slow = executor({ launcherPath: slowLauncher(1_000) });
    const l = launch(recorded("race", "0.5"));
    const stale = await slow.start(l);
    unlinkSync(join(l.dir, "handle.json"));
    recordFault("a second start in a directory whose launcher has not claimed it");
    // Worker B, not finding it (the launcher was still between fork and exec), starts it again.
    const b = executor();
    const fresh = await b.start(l);
    const stateOfStale = await waitExit(b, stale);
    const stateOfFresh = await waitExit(b, fresh);
    expect(stateOfFresh).toMatchObject({ exitCode: 0 });
    expect(stateOfStale).toEqual(stateOfFresh);
    expect(startsOf("race")).toBe(1);
    // The slow one found the claim taken and left.
    await waitFor(() => (processAlive(stale.pid, stale.procStart) ? undefined : true));
    recordTrials("start racing an unclaimed launcher", {
      checked: 1,
      lost: 0,
      twice: Math.max(0, startsOf("race") - 1),
    });
  });

  it("a launcher killed before it recorded its command still has the command found (by its marker) and ended", async () => {
    const ex = executor();
    const h = await ex.start(launch(["sh", "-c", "echo ready; sleep 60"]));
    await waitFor(() => (existsSync(join(h.dir, "launcher.json")) ? true : undefined));
    recordFault("launcher SIGKILLed, its launcher.json lost");
    process.kill(h.pid, "SIGKILL");
    await waitFor(() => (processAlive(h.pid, h.procStart) ? undefined : true));
    unlinkSync(join(h.dir, "launcher.json"));
    expect(await ex.poll(h)).toEqual({ state: "running" });
    await ex.kill(h);
    const exit = await waitExit(ex, h);
    expect(exit).toMatchObject({ reason: "killed" });
  });
});
