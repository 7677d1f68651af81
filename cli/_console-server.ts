/**
 * Building and serving the console from Node (the `console` and `demo` commands, the e2e
 * server, the benchmark): `next build` when the build is missing or older than the sources, and
 * `next start` as a child process bound to one host and port, stopped with its parent.
 *
 * Freshness is a walk over the app's source folders comparing modification times with
 * `.next/BUILD_ID`: a few hundred `stat` calls, milliseconds, so every start can afford it.
 *
 * The server runs with the repository as its cwd (Next.js finds its build there), so it is
 * handed the caller's data directory, config file and working directory as absolute values
 * (lib/home's `pathsEnvironment`). A port already taken is an error before anything starts, and
 * the server counts as up only once it proves it is ours (app/_server/identity): another
 * program on the port answers too.
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
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { ALLOWED_HOSTS_ENV, consoleHosts, type HostName } from "../app/_server/guard";
import {
  newChallenge,
  newSecret,
  READY_PATH,
  readyProof,
  SERVER_SECRET_ENV,
} from "../app/_server/identity";
import { errnoCode, HyperbayesError } from "../lib/errors";
import { type HyperbayesPaths, pathsEnvironment, resolvePaths } from "../lib/home";
import { materializeExternals } from "./_build-externals";

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

/**
 * True for a copy npm installed (a folder under node_modules): its build came in the package
 * (bin/prepack.ts) and it cannot build another (no devDependencies), so it is used as it is.
 */
export function isInstalledCopy(root = REPO_ROOT): boolean {
  return root.split(sep).includes("node_modules");
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
  if (isInstalledCopy(root)) {
    if (existsSync(join(root, ".next", "BUILD_ID"))) return false;
    throw new HyperbayesError(
      "internal",
      `the console's build is missing from ${root}: install Hyperbayes from a package made by npm pack, which ships it`,
    );
  }
  if (buildIsCurrent(root)) return false;
  const release = await buildLock(root, options.log);
  try {
    if (buildIsCurrent(root)) return false;
    options.log?.("Building the console (next build; once per change of the sources)...");
    await buildConsole(options);
    materializeExternals(root);
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
 * Throws a HyperbayesError (exit code 1, one line naming the port) when nothing could listen on
 * `host:port` now: taken by another program, or not ours to take. Checked before the build and
 * before anything is printed; a program that takes the port later is caught by the server's
 * proof of identity.
 */
export async function assertPortFree(host: string, port: number): Promise<void> {
  const problem = await new Promise<unknown>((res) => {
    const probe = createServer();
    probe.once("error", res);
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => res(undefined)));
  });
  if (problem === undefined) return;
  const where = `port ${port} on ${host}`;
  const code = errnoCode(problem);
  const message =
    code === "EADDRINUSE"
      ? `${where} is already in use by another program: stop it, or choose another port with --port (or PORT)`
      : code === "EACCES"
        ? `${where} needs privileges this user lacks: choose a port above 1023 with --port (or PORT)`
        : code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EAI_AGAIN"
          ? `cannot listen on ${where}: ${host} is not an address of this machine`
          : `cannot listen on ${where} (${code ?? String(problem)})`;
  throw new HyperbayesError("conflict", message, { cause: problem });
}

/** What answers at `url`: the server holding `secret`, something else, or nothing (yet). */
export type Answer = "ours" | "foreign" | "none";

/**
 * Asks the server at `url` to prove it holds `secret` (app/_server/identity), with `token` when
 * the console requires one. Never throws.
 */
export async function whoAnswers(
  url: string,
  secret: string,
  token?: string,
  timeoutMs = 2000,
): Promise<Answer> {
  const challenge = newChallenge();
  let response: Response;
  try {
    response = await fetch(`${url}${READY_PATH}?challenge=${challenge}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
      redirect: "manual",
    });
  } catch {
    return "none";
  }
  try {
    const body = await response.text();
    return response.status === 200 && body === readyProof(secret, challenge) ? "ours" : "foreign";
  } catch {
    return "foreign";
  }
}

/**
 * Starts `next start` on `host:port` and resolves once it answers HTTP as the server it started
 * (`whoAnswers`). Extra `env` reaches the server (HYPERBAYES_TOKEN...); `paths` (default: this
 * process's, with `env` over its environment) is handed over absolute. Throws a HyperbayesError
 * naming the port when it is taken, before or while the server starts.
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
  /** The data directory, config file and working directory the server is to use. */
  paths?: HyperbayesPaths;
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
  await assertPortFree(options.host, options.port);
  const paths = options.paths ?? resolvePaths({ ...process.env, ...options.env });
  const secret = newSecret();
  const env = nextEnv({
    ...options.env,
    ...pathsEnvironment(paths),
    [ALLOWED_HOSTS_ENV]: hosts.join(","),
    [SERVER_SECRET_ENV]: secret,
  });
  const token = env.HYPERBAYES_TOKEN === "" ? undefined : env.HYPERBAYES_TOKEN;
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
      env,
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
  // Another program answering on the port, seen while ours was starting.
  let foreign = false;
  const taken = () =>
    new HyperbayesError(
      "conflict",
      `port ${options.port} on ${options.host} is taken by another program (it answers, but not as this console): stop it, or choose another port with --port (or PORT)`,
    );
  while (true) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const code = await exited;
      // Most often it could not bind: say who holds the port, if anyone now does.
      if (foreign || (await whoAnswers(url, secret, token)) === "foreign") throw taken();
      await assertPortFree(options.host, options.port);
      throw new HyperbayesError(
        "internal",
        `the console server exited before it was ready (exit code ${code}; its messages are above)`,
      );
    }
    const answer = await whoAnswers(url, secret, token);
    if (answer === "ours") return { url, hosts, exited, stop };
    if (answer === "foreign") foreign = true;
    if (Date.now() > deadline) {
      await stop();
      throw new HyperbayesError(
        "internal",
        foreign
          ? `the server on ${url} did not prove it is this console within the time allowed: is another program holding port ${options.port}?`
          : `the console server did not answer on ${url} within the time allowed`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
