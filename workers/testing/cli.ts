/** Runs the real `hyperbayes` command in a temporary data directory, for end-to-end tests. */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll } from "vitest";
import { openSqliteStore, type Store } from "../../db";
import { trialDir } from "../../lib/home";
import { createMetricParser, type MetricPoint } from "../../lib/metrics/stream";
import type { Trial } from "../../lib/search/types";
import { OUTPUT_FILES } from "../tail";

export const ROOT = resolve(import.meta.dirname, "../..");
export const BIN = join(ROOT, "bin/hyperbayes.mjs");
export { TRIAL } from "./trial-command";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function makeHome(): string {
  return mkdtempSync(join(tmpdir(), "hb-test-"));
}

export function startCli(
  home: string,
  args: string[],
  env: Record<string, string> = {},
): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, HYPERBAYES_HOME: home, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export function runCli(
  home: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CliResult> {
  const child = startCli(home, args, env);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  return new Promise((done) => child.on("close", (code) => done({ code, stdout, stderr })));
}

const opened: Store[] = [];
// Registered when a test file imports this module: it closes what the file's tests opened.
afterAll(async () => {
  for (const store of opened.splice(0)) await store.close();
});

/** The store of `home`, closed after the importing test file's tests (closing it sooner is fine). */
export async function openTestStore(home: string): Promise<Store> {
  const store = await openSqliteStore(join(home, "hyperbayes.db"));
  opened.push(store);
  return store;
}

export function trialStdout(home: string, searchId: number, number: number): string {
  return readFileSync(join(trialDir(home, searchId, number), "stdout.log"), "utf8");
}

/** The largest number of trials running at the same time, from their start and end times. */
export function maxConcurrent(
  trials: readonly { startedAt: Date | null; endedAt: Date | null }[],
): number {
  const edges: [number, number][] = [];
  for (const t of trials) {
    if (!t.startedAt || !t.endedAt) continue;
    edges.push([t.startedAt.getTime(), 1], [t.endedAt.getTime(), -1]);
  }
  // Ends sort before starts at the same instant: a slot freed and reused in the same ms is not overlap.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) {
    now += d;
    max = Math.max(max, now);
  }
  return max;
}

/** One line of a trial's `--record` file (workers/testing/trial.mjs): the trial's word it ran. */
export interface TrialStart {
  search: number;
  trial: number;
  pid: number;
  /** The process that started the trial's launcher: the worker or foreground CLI. */
  worker: number | undefined;
  time: number;
}

export function readStarts(file: string): TrialStart[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as TrialStart);
}

/**
 * The exactly-once count of trials against what they recorded themselves: `twice` counts trial
 * rows started more than once; `lost` counts starts no row accounts for, and rows holding a
 * result without a start of their own. (A row stopped or killed before its command got as far
 * as recording its start is neither.)
 */
export function countRuns(
  trials: readonly Pick<Trial, "searchId" | "number" | "value">[],
  starts: readonly TrialStart[],
): { checked: number; lost: number; twice: number } {
  const byTrial = new Map<string, number>();
  for (const s of starts) {
    const key = `${s.search}/${s.trial}`;
    byTrial.set(key, (byTrial.get(key) ?? 0) + 1);
  }
  let lost = 0;
  let twice = 0;
  const rows = new Set<string>();
  for (const t of trials) {
    const key = `${t.searchId}/${t.number}`;
    rows.add(key);
    const n = byTrial.get(key) ?? 0;
    if (n > 1) twice++;
    if (n === 0 && t.value !== null) lost++;
  }
  for (const key of byTrial.keys()) if (!rows.has(key)) lost++;
  return { checked: trials.length, lost, twice };
}

/**
 * Every metric point a trial printed, parsed from its files by the worker's own parser: what the
 * store must hold once the trial is recorded as ended.
 */
export function printedPoints(home: string, searchId: number, number: number): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (const name of OUTPUT_FILES) {
    const path = join(trialDir(home, searchId, number), name);
    if (!existsSync(path)) continue;
    const parser = createMetricParser();
    out.push(...parser.push(readFileSync(path)), ...parser.end());
  }
  return out;
}

/** Points of `printed` that `stored` lacks (same metric, step and value). */
export function missingPoints(
  printed: readonly MetricPoint[],
  stored: readonly { name: string; step: number; value: number }[],
): MetricPoint[] {
  const have = new Set(stored.map((p) => `${p.name}@${p.step}=${p.value}`));
  return printed.filter((p) => !have.has(`${p.name}@${p.step}=${p.value}`));
}

/** Resolves with the child's exit code and signal once it has exited. */
export function exited(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((done) => child.on("exit", (code, signal) => done({ code, signal })));
}

/** The child's stdout and stderr as they grow. */
export function captureOutput(child: ChildProcess): { stdout: () => string; stderr: () => string } {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  return { stdout: () => stdout, stderr: () => stderr };
}
