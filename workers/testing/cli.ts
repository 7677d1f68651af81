/** Runs the real `hyperbayes` command in a temporary data directory, for end-to-end tests. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll } from "vitest";
import { openSqliteStore, type Store } from "../../db";
import { trialDir } from "../worker";

export const ROOT = resolve(import.meta.dirname, "../..");
export const BIN = join(ROOT, "bin/hyperbayes.mjs");
export const TRIAL = join(ROOT, "workers/testing/trial.mjs");

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
