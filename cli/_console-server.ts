/**
 * Building and serving the console from Node (the `console` and `demo` commands, the e2e
 * server, the benchmark): `next build` when the build is missing or older than the sources, and
 * `next start` as a child process bound to one host and port, stopped with its parent.
 *
 * Freshness is a walk over the app's source folders comparing modification times with
 * `.next/BUILD_ID`: a few hundred `stat` calls, milliseconds, so every start can afford it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ALLOWED_HOSTS_ENV, consoleHosts, type HostName } from "../app/_server/guard";

/** The repository root: the console's app lives there, whatever the caller's cwd. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** What the built app is made of; a change to any of them calls for a new build. */
const SOURCES = ["app", "components", "lib", "db", "public"];
const SOURCE_FILES = [
  "proxy.ts",
  "next.config.ts",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.next.json",
];
/** Files under the source folders that never reach the build. */
const IGNORED = /\.(test|contract)\.ts$|\.md$/;

function newestMtime(path: string): number {
  let newest = 0;
  let entries: import("node:fs").Dirent[];
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(path, e.name);
    if (e.isDirectory()) {
      if (e.name === "node_modules" || e.name.startsWith(".")) continue;
      newest = Math.max(newest, newestMtime(p));
    } else if (e.isFile() && !IGNORED.test(e.name)) {
      newest = Math.max(newest, statSync(p).mtimeMs);
    }
  }
  return newest;
}

/** True when `.next/BUILD_ID` exists and no source is newer than it. */
export function buildIsCurrent(root = REPO_ROOT): boolean {
  const id = join(root, ".next", "BUILD_ID");
  if (!existsSync(id)) return false;
  const built = statSync(id).mtimeMs;
  let newest = 0;
  for (const dir of SOURCES) newest = Math.max(newest, newestMtime(join(root, dir)));
  for (const f of SOURCE_FILES) {
    const p = join(root, f);
    if (existsSync(p)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest <= built;
}

function nextBin(root: string): string {
  return createRequire(join(root, "package.json")).resolve("next/dist/bin/next");
}

/** Environment for Next.js children: production, and no telemetry (the machine may be offline). */
function nextEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" };
}

/** Runs `next build`, its output to ours. Throws when it fails. */
export async function buildConsole(
  options: { root?: string; quiet?: boolean } = {},
): Promise<void> {
  const root = options.root ?? REPO_ROOT;
  const child = spawn(process.execPath, [nextBin(root), "build"], {
    cwd: root,
    env: nextEnv(),
    stdio: options.quiet ? ["ignore", "ignore", "inherit"] : ["ignore", "inherit", "inherit"],
  });
  const code = await new Promise<number | null>((res, rej) => {
    child.once("error", rej);
    child.once("exit", (c) => res(c));
  });
  if (code !== 0) throw new Error(`next build failed (exit code ${code})`);
}

/**
 * Builds when the build is missing or stale; returns whether it built. Two consoles starting at
 * once would run two builds into one `.next` and break both, so builds take a lock (a file in the
 * temp directory holding the builder's pid; a dead builder's lock is taken over) and whoever
 * waited checks freshness again before building.
 */
export async function ensureBuilt(
  options: { root?: string; quiet?: boolean; log?: (line: string) => void } = {},
): Promise<boolean> {
  const root = options.root ?? REPO_ROOT;
  if (buildIsCurrent(root)) return false;
  const release = await buildLock(root, options.log);
  try {
    if (buildIsCurrent(root)) return false;
    options.log?.("Building the console (next build; once per change of the sources)...");
    await buildConsole(options);
    return true;
  } finally {
    release();
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function buildLock(root: string, log?: (line: string) => void): Promise<() => void> {
  const id = createHash("sha256").update(root).digest("hex").slice(0, 12);
  const path = join(tmpdir(), `hyperbayes-build-${id}.lock`);
  let told = false;
  for (;;) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    let holder = Number.NaN;
    try {
      holder = Number(readFileSync(path, "utf8"));
    } catch {
      continue; // released between our two calls
    }
    if (Number.isInteger(holder) && holder > 0 && !pidAlive(holder)) {
      try {
        unlinkSync(path);
      } catch {
        // Someone else cleared it first.
      }
      continue;
    }
    if (!told) {
      log?.("Waiting for another build of the console to finish...");
      told = true;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

export interface ConsoleServer {
  /** e.g. `http://127.0.0.1:3000` */
  url: string;
  /** The Host values it answers to (app/_server/guard's `consoleHosts`); others get a 421. */
  hosts: readonly string[];
  /** Resolves when the server exits (its exit code; null after a signal). */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** How a URL names a host: IPv6 addresses go in brackets. */
export function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * Starts `next start` on `host:port` and resolves once it answers HTTP. Extra `env` reaches the
 * server (HYPERBAYES_HOME, HYPERBAYES_TOKEN...). Rejects if it exits first (port taken, no build).
 * The Host allow-list is computed here, once, from the host, the port and `allowedHosts`, and
 * reaches the server's proxy and route handlers through its environment.
 */
export async function startConsoleServer(options: {
  host: string;
  port: number;
  /** Further names the console answers to (`--allowed-host`), besides its own addresses. */
  allowedHosts?: readonly HostName[];
  root?: string;
  env?: Record<string, string>;
  /** Where the server's own output goes (default: ignored, errors to our stderr). */
  stdio?: "inherit" | "ignore";
  readyTimeoutMs?: number;
}): Promise<ConsoleServer> {
  const root = options.root ?? REPO_ROOT;
  const hosts = consoleHosts({
    host: options.host,
    port: options.port,
    allowed: options.allowedHosts ?? [],
  });
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "--require",
      join(REPO_ROOT, "cli", "_orphan-guard.cjs"),
      nextBin(root),
      "start",
      "--hostname",
      options.host,
      "--port",
      String(options.port),
    ],
    {
      cwd: root,
      env: nextEnv({ ...options.env, [ALLOWED_HOSTS_ENV]: hosts.join(",") }),
      stdio: ["ignore", options.stdio === "inherit" ? "inherit" : "ignore", "inherit"],
    },
  );
  const exited = new Promise<number | null>((res) => {
    child.once("exit", (code) => res(code));
    child.once("error", () => res(1));
  });
  const url = `http://${urlHost(options.host === "0.0.0.0" || options.host === "::" ? "127.0.0.1" : options.host)}:${options.port}`;
  const stop = async (graceMs = 5000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  let done = false;
  const early = exited.then((code) => {
    if (!done)
      throw new Error(
        `the console server exited before it was ready (exit code ${code}; its messages are above). Is port ${options.port} already in use?`,
      );
  });
  early.catch(() => {});
  while (true) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await early;
    }
    try {
      // Any answer (even 401 when a token is required) means the server is up.
      await fetch(`${url}/`, {
        method: "HEAD",
        signal: AbortSignal.timeout(2000),
        redirect: "manual",
      });
      done = true;
      return { url, hosts, exited, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`the console server did not answer on ${url} within the time allowed`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
