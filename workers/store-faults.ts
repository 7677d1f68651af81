/**
 * What a worker loop makes of a failing store, and the store wrapper that waits outages out.
 *
 *   unreachable  the database did not answer: a connection refused, reset or closed, a server
 *                shutting down or starting up, too many connections, SQLite busy past its
 *                timeout. Nothing was decided: wait and retry the same call. Safe, because every
 *                write the loop makes is fenced by its lease: after a long outage a write either
 *                still holds, or fails as a conflict once another worker took the search over.
 *   full         the disk holding the database (or the data directory) is full. Waiting would
 *                leave the user staring at a silent process: the loop stops, leaving the search
 *                as it is (its trials keep running under their launchers), and the command
 *                says so in one line; `hyperbayes resume ID` finishes it once space is freed.
 *   undefined    anything else (a bug, a damaged row, a lost lease): not for the loop to wait out.
 *
 * The driver's own codes are read through the `cause` chain, so the raw driver error and the
 * store's typed `StorageError` wrapping it classify alike.
 */
import type { Store } from "../db";
import { TrialNumberTakenError } from "../db";
import { isDiskFull, StorageError } from "../lib/errors";

export type StoreFault = "unreachable" | "full";

const FULL = new Set(["SQLITE_FULL", "ENOSPC", "EDQUOT", "53100"]);
/** Node system errors of a socket whose peer went away or never answered. */
const CONNECTION = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);
/** PostgreSQL SQLSTATEs after which the same statement may simply be sent again. */
const PG_RETRY = new Set(["57P01", "57P02", "57P03", "53300", "40001", "40P01"]);
/**
 * node-postgres reports a connection that died under a query with plain Errors that carry no
 * code; their messages are the only mark they have.
 */
const PG_CONNECTION_MESSAGE =
  /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect)/;

/** Never throws. */
export function storeFault(e: unknown): StoreFault | undefined {
  if (isDiskFull(e)) return "full";
  let unreachable = false;
  for (let cur = e, depth = 0; cur !== null && typeof cur === "object" && depth < 6; depth++) {
    const { code, syscall, message } = cur as {
      code?: unknown;
      syscall?: unknown;
      message?: unknown;
    };
    if (typeof code === "string") {
      if (FULL.has(code)) return "full";
      if (
        CONNECTION.has(code) ||
        PG_RETRY.has(code) ||
        code.startsWith("08") ||
        code.startsWith("SQLITE_BUSY") ||
        code.startsWith("SQLITE_LOCKED") ||
        syscall === "connect"
      ) {
        unreachable = true;
      }
    } else if (typeof message === "string" && PG_CONNECTION_MESSAGE.test(message)) {
      unreachable = true;
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return unreachable ? "unreachable" : undefined;
}

/** The one-line error a command ends with when the disk filled up under a search. */
export function diskFullError(e: unknown, then: string): StorageError {
  const code = codeOf(e);
  return new StorageError(
    "disk_full",
    `the disk holding HYPERBAYES_HOME is full${code ? ` (${code})` : ""}: ${then}`,
    { cause: e },
  );
}

function codeOf(e: unknown): string | undefined {
  for (let cur = e, depth = 0; cur !== null && typeof cur === "object" && depth < 6; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string" && FULL.has(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

export interface PatientStoreOptions {
  /** Stops waiting: the pending call then throws the outage's last error. */
  signal?: AbortSignal;
  /** Once per outage, at its first failed call. */
  onOutage?: (e: unknown) => void;
  /** Once per outage, at the first call that succeeds after it. */
  onRecovered?: () => void;
  /** Delays between attempts grow from `minDelayMs` (default 100) to `maxDelayMs` (2000). */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/** Methods that are not calls to the database (or, for exports, not the worker's). */
const NOT_RETRIED = new Set<PropertyKey>(["close", "exportMetricPoints", "dialect"]);

/**
 * `store`, with every call retried while the database is unreachable (see above), for as long
 * as it takes or until `signal` aborts. Each call is retried as a whole; every store method is
 * safe to send again except `createTrial`, whose first attempt may have been written with only
 * its reply lost: the second attempt then finds the number taken, and the trial the first one
 * wrote is returned (while a loop holds the lease, no one else can create its trials).
 */
export function patientStore(store: Store, options: PatientStoreOptions = {}): Store {
  const outage = { now: false };
  const patient = <T>(op: (retried: boolean) => Promise<T>) => retrying(op, options, outage);

  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      if (NOT_RETRIED.has(key)) return value.bind(target);
      if (key === "createTrial") {
        return (...args: Parameters<Store["createTrial"]>) =>
          patient(async (retried) => {
            try {
              return await target.createTrial(...args);
            } catch (e) {
              if (!retried || !(e instanceof TrialNumberTakenError)) throw e;
              const written = await target.getTrial(args[0], args[1].number);
              if (!written) throw e;
              return written;
            }
          });
      }
      return (...args: unknown[]) =>
        patient(() => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}

/**
 * `open()`, tried again while the database is unreachable, for as long as it takes or until
 * `signal` aborts (then it throws the outage's last error). For a process that lives to serve the
 * database, the worker: started before its database (a host booting, `docker compose up`, a
 * server restarting), it waits for it as it waits out an outage mid-search. A wrong password, a
 * database that does not exist or a damaged file is not an outage and throws at once.
 */
export function openPatiently(
  open: () => Promise<Store>,
  options: PatientStoreOptions = {},
): Promise<Store> {
  return retrying(open, options, { now: false });
}

/** What a process waiting out an outage says: one line when it starts, one when it ends. */
export const OUTAGE_NOTICE = {
  down: (e: unknown) =>
    `the database does not answer (${e instanceof Error ? e.message : String(e)}); retrying`,
  up: "the database answers again",
};

/**
 * The store of a command that lives to serve the database (`hyperbayes worker`, `hyperbayes
 * console`), opened patiently: one line through `say` when the database does not answer yet,
 * naming it, and one when it does. Undefined when `signal` aborts while it waits: the user
 * stopped a command that had not started yet, which is not an error.
 */
export async function openWhenUp(
  open: () => Promise<Store>,
  options: { signal: AbortSignal; say: (line: string) => void },
): Promise<Store | undefined> {
  const { signal, say } = options;
  try {
    return await openPatiently(open, {
      signal,
      onOutage: (e) =>
        say(`${e instanceof Error ? e.message : String(e)} Waiting for it (Ctrl-C to stop).`),
      onRecovered: () => say("the database answers"),
    });
  } catch (e) {
    if (signal.aborted && storeFault(e) === "unreachable") return undefined;
    throw e;
  }
}

/** `op`, retried while it fails with an unreachable store; `outage` is shared by a store's calls. */
async function retrying<T>(
  op: (retried: boolean) => Promise<T>,
  options: PatientStoreOptions,
  outage: { now: boolean },
): Promise<T> {
  const max = options.maxDelayMs ?? 2000;
  let delay = options.minDelayMs ?? 100;
  for (let attempt = 0; ; attempt++) {
    try {
      const value = await op(attempt > 0);
      if (outage.now) {
        outage.now = false;
        options.onRecovered?.();
      }
      return value;
    } catch (e) {
      if (storeFault(e) !== "unreachable" || options.signal?.aborted) throw e;
      if (!outage.now) {
        outage.now = true;
        options.onOutage?.(e);
      }
      if (!(await sleep(delay, options.signal))) throw e;
      delay = Math.min(max, delay * 2);
    }
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve(false);
      return;
    }
    const done = (ok: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal?.addEventListener("abort", onAbort);
  });
}
