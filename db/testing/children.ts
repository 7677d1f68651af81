/**
 * Real second processes for store tests: each runs `store-child.ts`, opens the store from the
 * environment it is given, and waits for `go` so that several of them write at the same moment.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export type ChildCommand =
  | { op: "claim-all"; owner: string; ttlMs: number }
  | { op: "create-trials"; searchId: number; numbers: number[] }
  | { op: "acquire"; searchId: number; owner: string; ttlMs: number }
  | { op: "create-search-and-trial" }
  /** Opens the store only after `go` (so openings, and their migrations, race), then creates a search. */
  | { op: "open-and-create-search" };

interface Child {
  ready: Promise<void>;
  go(): void;
  result: Promise<unknown>;
}

export interface ChildOptions {
  env: Record<string, string>;
  /** Default the repository root. */
  cwd?: string;
}

function startChild(options: ChildOptions, command: ChildCommand): Child {
  const proc: ChildProcess = spawn(
    process.execPath,
    [
      join(REPO_ROOT, "bin", "run-ts.mjs"),
      join(REPO_ROOT, "db", "testing", "store-child.ts"),
      JSON.stringify(command),
    ],
    {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let stderr = "";
  proc.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const lines = createInterface({ input: proc.stdout! });
  let onReady: () => void = () => {};
  const ready = new Promise<void>((r) => {
    onReady = r;
  });
  const result = new Promise<unknown>((resolveResult, reject) => {
    let last: string | undefined;
    lines.on("line", (line) => {
      if (line === "ready") onReady();
      else last = line;
    });
    proc.on("close", (code) => {
      if (code === 0 && last !== undefined) resolveResult(JSON.parse(last));
      else reject(new Error(`store child exited with ${code}: ${stderr}`));
    });
  });
  // A child that dies before `ready` must fail the test, not hang it.
  const readyOrDead = Promise.race([ready, result.then(() => {})]);
  return { ready: readyOrDead, go: () => proc.stdin?.end("go\n"), result };
}

/** Starts one child per command, releases them together once all are ready, returns results. */
export async function raceChildren(
  options: ChildOptions,
  commands: readonly ChildCommand[],
): Promise<unknown[]> {
  const children = commands.map((c) => startChild(options, c));
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.go();
  return Promise.all(children.map((c) => c.result));
}
