/**
 * `hyperbayes console` as a user starts it, for e2e specs that need a console of their own: in a
 * directory of the spec's choosing, with the environment it gives (nothing added), on a free
 * port. Resolves once the console printed its address.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { REPO_ROOT } from "../cli/_console-server";

export const BIN = join(REPO_ROOT, "bin", "hyperbayes.mjs");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

/** `env` without a single HYPERBAYES_* variable: what a user who never set one has. */
export function withoutHyperbayesVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept = Object.entries(env).filter(([k]) => !k.startsWith("HYPERBAYES_"));
  // ProcessEnv's type (Next.js's) requires NODE_ENV, which a user's environment may lack.
  return Object.fromEntries(kept) as NodeJS.ProcessEnv;
}

export interface CliConsole {
  child: ChildProcess;
  /** What it printed so far, stdout and stderr together. */
  output(): string;
  /** SIGTERM, then SIGKILL after 15 s; resolves once it has exited. */
  stop(): Promise<void>;
}

export async function startCliConsole(options: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  args?: string[];
}): Promise<CliConsole> {
  const child = spawn(process.execPath, [BIN, "console", ...(options.args ?? [])], {
    cwd: options.cwd,
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d;
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await Promise.race([exited, sleep(15_000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };
  const deadline = Date.now() + 300_000;
  while (!output.includes("Hyperbayes console:")) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the console exited before it started:\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the console did not start in time:\n${output}`);
    }
    await sleep(100);
  }
  return { child, output: () => output, stop };
}
