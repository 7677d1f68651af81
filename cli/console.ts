/**
 * `hyperbayes console`: the web console and a worker in one command. Builds the app when the
 * build is missing or stale, serves it with `next start` on 127.0.0.1 (another host only with
 * HYPERBAYES_TOKEN set, which every request must then carry), runs a worker in this process on
 * the same store, and stops both on SIGINT/SIGTERM. Running trials are left running; the next
 * worker adopts them. The server answers only to its own addresses and the `--allowed-host`
 * names (app/_server/guard), so a page on another site cannot reach it by DNS rebinding.
 *
 * The data directory, the config file and the working directory are those of the directory the
 * command ran in (lib/home), resolved here once: the worker and the store use them, and the
 * server, which runs from the repository, is handed them. A taken port is an error before the
 * build, the worker or any output.
 */

import { type HostName, parseHost } from "../app/_server/guard";
import type { Store } from "../db";
import { HyperbayesError, UsageError } from "../lib/errors";
import { type HyperbayesPaths, resolvePaths } from "../lib/home";
import { printable } from "../lib/terminal-text";
import { parseFlags } from "./_args";
import {
  assertPortFree,
  type ConsoleServer,
  ensureBuilt,
  startConsoleServer,
} from "./_console-server";
import { abortOnSignals, untilSignal } from "./_signals";

export const CONSOLE_OPTIONS = {
  host: { type: "string" },
  "allowed-host": { type: "string", multiple: true },
  port: { type: "string", short: "p" },
  "no-worker": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export const CONSOLE_USAGE = `usage: hyperbayes console [--port PORT] [--host HOST] [--allowed-host NAME[:PORT]]... [--no-worker]

Serves the web console (and runs a worker for the searches it queues) until Ctrl-C.

  -p, --port PORT   port to listen on (default: $PORT, else 3000)
  --host HOST       listen on HOST instead of 127.0.0.1; needs HYPERBAYES_TOKEN (16+ characters),
                    which every request must then carry (the printed address includes it)
  --allowed-host NAME[:PORT]
                    also answer to this name (repeatable): the console refuses any request whose
                    Host is not 127.0.0.1, localhost or [::1] on its port, or HOST, or a name
                    given here (on PORT, default its own port: a tunnel or reverse proxy may
                    use another), so that no web page can reach it by DNS rebinding
  --no-worker       serve the console only (another process runs the worker)

The data lives in $HYPERBAYES_HOME (default .hyperbayes in the directory you run this in), or
the PostgreSQL database of $HYPERBAYES_DATABASE_URL (waited for while it does not answer yet);
machine types come from hyperbayes.config.json there (or $HYPERBAYES_CONFIG), and the form's
working directory defaults to it.
`;

export const MIN_TOKEN_LENGTH = 16;
const LOOPBACK = "127.0.0.1";

export interface ConsoleOptions {
  host: string;
  port: number;
  /** `--allowed-host` names, checked; the server computes its full list from these. */
  allowedHosts: HostName[];
  worker: boolean;
  token: string | undefined;
}

/** Reads one `--allowed-host` value; names the mistake (exit 2) when it is not `NAME[:PORT]`. */
export function allowedHostFlag(text: string): HostName {
  const host = parseHost(text);
  if (host === undefined)
    throw new UsageError(
      `--allowed-host needs a host name or address, optionally with :PORT (like hb.example.org or [fd00::5]:8443), got "${text}"`,
    );
  return host;
}

/** Reads the flags and environment; throws UsageError (exit 2) for anything unsafe or malformed. */
export function consoleOptions(
  values: { host?: string; port?: string; "allowed-host"?: string[]; "no-worker"?: boolean },
  env: Record<string, string | undefined> = process.env,
): ConsoleOptions {
  const token = env.HYPERBAYES_TOKEN === "" ? undefined : env.HYPERBAYES_TOKEN;
  if (values.host !== undefined) {
    if (values.host.trim() === "") throw new UsageError("--host needs a host name or address");
    if (token === undefined)
      throw new UsageError(
        `--host ${values.host} would let other machines start processes here; set HYPERBAYES_TOKEN (${MIN_TOKEN_LENGTH}+ characters) so every request must carry it, or leave --host out to listen on ${LOOPBACK} only`,
      );
  }
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH)
    throw new UsageError(`HYPERBAYES_TOKEN must be at least ${MIN_TOKEN_LENGTH} characters`);
  if (token !== undefined && !/^[\x21-\x7e]+$/.test(token))
    throw new UsageError("HYPERBAYES_TOKEN must be printable ASCII without spaces");
  const portText = values.port ?? (env.PORT === "" ? undefined : env.PORT) ?? "3000";
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError(`the port must be a number from 1 to 65535, got "${portText}"`);
  return {
    host: values.host ?? LOOPBACK,
    port,
    allowedHosts: (values["allowed-host"] ?? []).map(allowedHostFlag),
    worker: values["no-worker"] !== true,
    token,
  };
}

export interface RunningConsole {
  /** The address to open (with `?token=` when one is required). */
  url: string;
  /** The server's own address, without the token. */
  baseUrl: string;
  server: ConsoleServer;
  /** The data directory, config file and working directory the server and worker share. */
  paths: HyperbayesPaths;
  /** Stops the worker and the server; resolves when both have. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Checks the port, builds if needed, then starts the server and (unless disabled) a worker.
 * Undefined when the user stopped it (SIGINT, SIGTERM) while it waited for its database.
 */
export async function startConsole(
  options: ConsoleOptions,
  paths: HyperbayesPaths = resolvePaths(),
): Promise<RunningConsole | undefined> {
  try {
    return await startParts(options, paths);
  } catch (e) {
    // A failed build or a taken port is a message for the user, not a stack trace.
    if (e instanceof HyperbayesError || !(e instanceof Error)) throw e;
    throw new HyperbayesError("internal", e.message, { cause: e });
  }
}

/**
 * The worker's store, waited for as `hyperbayes worker` waits while the database does not answer
 * yet (a PostgreSQL server starting with the host, or in the same `docker compose up`), with the
 * same lines. Undefined when SIGINT or SIGTERM came first; the hooks are gone once it returns,
 * so a signal during the build ends the process as before.
 */
async function openUntilStopped(paths: HyperbayesPaths): Promise<Store | undefined> {
  const { openStore } = await import("../db");
  const { openWhenUp } = await import("../workers/store-faults");
  const stopped = abortOnSignals();
  try {
    return await openWhenUp(() => openStore({ home: paths.home }), {
      signal: stopped.signal,
      say: (line) => process.stdout.write(`hyperbayes console: ${line}\n`),
    });
  } finally {
    stopped.release();
  }
}

async function startParts(
  options: ConsoleOptions,
  paths: HyperbayesPaths,
): Promise<RunningConsole | undefined> {
  // Before the build (minutes), and before a worker can claim anything.
  await assertPortFree(options.host, options.port);
  // Opened first, so a data directory that cannot be used says so before the build.
  let store: Store | undefined;
  if (options.worker) {
    store = await openUntilStopped(paths);
    if (!store) return undefined;
  }
  let server: ConsoleServer;
  try {
    await ensureBuilt({ log: (line) => process.stderr.write(`${line}\n`) });
    server = await startConsoleServer({
      host: options.host,
      port: options.port,
      allowedHosts: options.allowedHosts,
      paths,
      env: options.token ? { HYPERBAYES_TOKEN: options.token } : {},
    });
  } catch (e) {
    await store?.close();
    throw e;
  }
  // The worker starts once the server is known to be ours: a failed start runs nothing.
  const controller = new AbortController();
  let worker: Promise<void> = Promise.resolve();
  if (store) {
    const { runWorker } = await import("../workers/worker");
    worker = runWorker({
      store,
      home: paths.home,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === "search-started")
          process.stdout.write(`search ${e.search.id}: ${e.resumed ? "resumed" : "started"}\n`);
        else if (e.type === "search-ended")
          process.stdout.write(`search ${e.search.id}: ${e.search.status}\n`);
        else if (e.type === "worker-notice")
          process.stdout.write(`hyperbayes console: ${printable(e.message)}\n`);
      },
    }).catch((e: unknown) => {
      process.stderr.write(`hyperbayes console: the worker stopped: ${String(e)}\n`);
    });
  }
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      controller.abort();
      await Promise.all([server.stop(), worker]);
      await store?.close();
    })();
    return stopping;
  };
  const url = options.token
    ? `${server.url}/?token=${encodeURIComponent(options.token)}`
    : `${server.url}/`;
  return { url, baseUrl: server.url, server, paths, stop };
}

/** Where the console is reached from elsewhere, the names it answers to (else nothing). */
export function hostsLine(options: ConsoleOptions, server: ConsoleServer): string {
  if (options.host === LOOPBACK && options.allowedHosts.length === 0) return "";
  return `It answers to the hosts ${server.hosts.join(", ")} (more with --allowed-host).\n`;
}

export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, CONSOLE_OPTIONS, CONSOLE_USAGE);
  if (flags.values.help) {
    process.stdout.write(CONSOLE_USAGE);
    return 0;
  }
  if (flags.positionals.length > 0 || flags.hasDash)
    throw new UsageError(`unexpected argument "${flags.positionals[0] ?? "--"}"`);
  const options = consoleOptions(flags.values);
  const running = await startConsole(options);
  if (!running) return 0;
  process.stdout.write(
    `Hyperbayes console: ${running.url}\n${hostsLine(options, running.server)}${options.worker ? "A worker runs queued searches. " : ""}Ctrl-C stops.\n`,
  );
  const why = await untilSignal(running.server.exited);
  await running.stop();
  if (why === "exit") {
    process.stderr.write("hyperbayes console: the web server exited\n");
    return 1;
  }
  return 0;
}
