/**
 * Fault 5, the CLI and worker half: the disk holding HYPERBAYES_HOME fills up mid-search (a
 * small tmpfs, filled by the test). The command ends with one line and exit code 1, the search
 * is left as it was, and once space is freed `hyperbayes resume` (or the worker started again)
 * finishes it with every trial run once and every exit and printed value recorded.
 * Needs root for the tmpfs; skipped, saying so, elsewhere.
 */
import { type ChildProcess, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Store } from "../db";
import { sleep, waitFor } from "../lib/executors/testing";
import { recordFault, recordTrials } from "../lib/testing/ledger";
import {
  captureOutput,
  countRuns,
  exited,
  missingPoints,
  openTestStore,
  printedPoints,
  readStarts,
  runCli,
  startCli,
} from "../workers/testing/cli";
import { trialSearchTail } from "../workers/testing/trial-command";

const root = mkdtempSync(join(tmpdir(), "hb-full-"));
const disk = join(root, "disk");
mkdirSync(disk);
const mounted =
  process.platform === "linux" &&
  spawnSync("mount", ["-t", "tmpfs", "-o", "size=3m", "tmpfs", disk]).status === 0;
const started: ChildProcess[] = [];
afterAll(async () => {
  // After a failure: the commands go, and trials still waiting for their `go` file end.
  for (const c of started) c.kill("SIGKILL");
  for (const name of ["go-fg", "go-worker"]) writeFileSync(join(root, name), "");
  await sleep(1000);
  if (mounted) spawnSync("umount", ["-l", disk]);
  rmSync(root, { recursive: true, force: true });
});

const ENV = { HYPERBAYES_LEASE_TTL_MS: "1500" };
const filler = join(disk, "filler");

/** Fills the disk to the last byte. */
function fill(): void {
  spawnSync("dd", ["if=/dev/zero", `of=${filler}`, "bs=64k"], { stdio: "ignore" });
}

/** The search's trials: three steps, then they wait for `go` before the last line and exit 0. */
function searchArgs(go: string, record: string, flags: string[] = []): string[] {
  return [
    "random",
    ...flags,
    "--param",
    "x=1:2",
    "-n",
    "4",
    "-r",
    "2",
    ...trialSearchTail([
      "--mode",
      "wait",
      "--steps",
      "3",
      "--step-ms",
      "20",
      "--go",
      go,
      "--record",
      record,
    ]),
  ];
}

async function printedAll(store: Store, id: number, trials: number): Promise<true | undefined> {
  const points = await store.listMetricPoints(id);
  return new Set(points.map((p) => p.trialNumber)).size >= trials && points.length >= 3 * trials
    ? true
    : undefined;
}

/** Every trial ran once, ended complete with the last value it printed, all its points stored. */
async function expectFinished(store: Store, home: string, id: number, record: string) {
  const trials = await store.listTrials(id);
  const counts = countRuns(trials, readStarts(record));
  for (const t of trials) {
    const printed = printedPoints(home, id, t.number);
    const stored = await store.listMetricPoints(id, { trial: t.number });
    if (missingPoints(printed, stored).length > 0) counts.lost++;
    expect(t.status).toBe("complete");
    expect(t.exitCode).toBe(0);
    expect(t.value).toBe(printed.filter((p) => p.name === "loss").at(-1)?.value);
  }
  recordTrials("disk full mid-search, then resumed", counts);
  expect(counts).toEqual({ checked: 4, lost: 0, twice: 0 });
  expect((await store.getSearch(id))?.status).toBe("complete");
}

describe.skipIf(!mounted)("a full disk under HYPERBAYES_HOME (tmpfs; needs root)", () => {
  it("the foreground search ends with one line, and resume finishes it once space is freed", async () => {
    const home = join(disk, "fg");
    mkdirSync(home);
    const go = join(root, "go-fg");
    const record = join(root, "starts-fg.jsonl");
    const child = startCli(home, searchArgs(go, record), ENV);
    started.push(child);
    const out = captureOutput(child);
    const store = await openTestStore(home);
    const id = await waitFor(() => {
      const m = /^search (\d+):/m.exec(out.stdout());
      return m ? Number(m[1]) : undefined;
    }, 30_000);
    await waitFor(() => printedAll(store, id, 2), 30_000, 50);
    await sleep(Math.random() * 1000);
    fill();
    recordFault("disk full under a foreground search");
    const exit = await exited(child);
    expect(exit).toEqual({ code: 1, signal: null });
    const lines = out.stderr().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^hyperbayes random: the disk holding HYPERBAYES_HOME is full \\(SQLITE_FULL\\): .*hyperbayes resume ${id}$`,
      ),
    );
    expect((await store.getSearch(id))?.status).toBe("running");

    rmSync(filler);
    writeFileSync(go, "");
    const resumed = await runCli(home, ["resume", String(id)], ENV);
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/trial 1: adopted/);
    await expectFinished(store, home, id, record);
  }, 120_000);

  it("the worker stops with one line, and started again finishes the search", async () => {
    const home = join(disk, "worker");
    const go = join(root, "go-worker");
    const record = join(root, "starts-worker.jsonl");
    const queued = await runCli(home, searchArgs(go, record, ["--detach"]), ENV);
    expect(queued.code).toBe(0);
    const id = Number(/^search (\d+):/m.exec(queued.stdout)?.[1]);
    const worker = startCli(home, ["worker"], ENV);
    started.push(worker);
    const out = captureOutput(worker);
    const store = await openTestStore(home);
    await waitFor(() => printedAll(store, id, 2), 30_000, 50);
    await sleep(Math.random() * 1000);
    fill();
    recordFault("disk full under a worker");
    expect(await exited(worker)).toEqual({ code: 1, signal: null });
    const lines = out.stderr().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^hyperbayes worker: the disk holding HYPERBAYES_HOME is full \(SQLITE_FULL\): the worker stopped/,
    );
    expect((await store.getSearch(id))?.status).toBe("running");

    rmSync(filler);
    writeFileSync(go, "");
    const again = startCli(home, ["worker"], ENV);
    started.push(again);
    const againOut = captureOutput(again);
    await waitFor(
      async () => ((await store.getSearch(id))?.status === "complete" ? true : undefined),
      60_000,
      100,
    );
    again.kill("SIGTERM");
    expect(await exited(again)).toEqual({ code: 0, signal: null });
    expect(againOut.stderr()).toBe("");
    await expectFinished(store, home, id, record);
  }, 120_000);
});
