/**
 * Owns one idea: what a raw failure of either store means to the user. A driver error
 * (SQLITE_CORRUPT, SQLITE_FULL, a refused PostgreSQL connection...) or a file-system error under
 * the data directory becomes a `StorageError` whose message is one line naming the file or the
 * server and what to do; anything else passes through untouched (a bug stays a bug, with its
 * stack). Both stores return their store through `translatingStore`, so no caller, the CLI's main
 * included, ever sees a raw driver error for these.
 *
 * Messages never hold a PostgreSQL password: a server is named by host, port and database only.
 */
import { statfsSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { fileSystemError, HyperbayesError, StorageError } from "../lib/errors";
import { driverErrorCode } from "./rows";
import type { Store } from "./store";

/** What a store was opened on: the SQLite file, or the PostgreSQL URL. */
export type StoreTarget =
  | { dialect: "sqlite"; path: string }
  | { dialect: "postgres"; url: string };

/** `host:port/database` of a PostgreSQL URL, without user or password. */
export function describePgUrl(url: string): string {
  try {
    const u = new URL(url);
    // A `host` parameter (a Unix socket's folder) wins over the URL's host, as it does in pg.
    const host = u.searchParams.get("host") ?? (u.hostname !== "" ? u.hostname : "localhost");
    const db = decodeURIComponent(u.pathname.replace(/^\//, ""));
    return `${host}:${u.port || "5432"}${db === "" ? "" : `/${db}`}`;
  } catch {
    return "the server in HYPERBAYES_DATABASE_URL";
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * True when the file system holding `dir` has (almost) no room left. SQLite reports a full disk
 * as SQLITE_FULL only where it writes pages; growing its shared-memory file on a full disk is an
 * I/O error (SQLITE_IOERR_SHMSIZE), which means the same to the user.
 */
function diskIsFull(dir: string): boolean {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize < 1024 * 1024;
  } catch {
    return false;
  }
}

const diskFull = (path: string, code: string, e: unknown) =>
  new StorageError(
    "disk_full",
    `the disk holding HYPERBAYES_HOME is full (${code} writing ${path}): free some space, then try again`,
    { cause: e },
  );

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

const readOnlyHome = (path: string, code: string, e: unknown) =>
  new StorageError(
    "read_only",
    `HYPERBAYES_HOME (${dirname(path)}) is read-only (${code}): Hyperbayes writes its database and trial logs there; make it writable, or set HYPERBAYES_HOME to a folder you can write`,
    { cause: e },
  );

/** The database's path names a folder. */
export function databaseIsFolder(path: string, cause?: unknown): StorageError {
  return new StorageError(
    "unavailable",
    `the database path ${path} is a folder, not a database file: move it away`,
    { cause },
  );
}

/** SQLite cannot open the file: find out why from the file system. */
function cannotOpen(path: string, code: string, e: unknown): StorageError {
  if (isFolder(path)) return databaseIsFolder(path, e);
  if (!isFolder(dirname(path))) {
    return new StorageError(
      "unavailable",
      `cannot open the database ${path}: its folder does not exist`,
      { cause: e },
    );
  }
  if (!exists(path)) return readOnlyHome(path, code, e);
  return new StorageError(
    "read_only",
    `cannot open the database ${path} (${code}): check that you can read and write it and its folder`,
    { cause: e },
  );
}

function sqliteError(e: unknown, code: string, path: string): StorageError | undefined {
  const primary = /^SQLITE_[A-Z]+/.exec(code)?.[0];
  const said = e instanceof Error ? e.message : String(e);
  switch (primary) {
    case "SQLITE_CORRUPT":
    case "SQLITE_NOTADB":
    case "SQLITE_FORMAT":
      return new StorageError(
        "damaged",
        `the database ${path} is damaged (${code}: ${said}): restore it from a backup, or move it away to start a new one`,
        { cause: e },
      );
    case "SQLITE_FULL":
      return diskFull(path, code, e);
    case "SQLITE_READONLY":
    case "SQLITE_PERM":
      // A read-only folder shows as CANTINIT/DIRECTORY (no room for the -wal and -shm files).
      if (code === "SQLITE_READONLY_CANTINIT" || code === "SQLITE_READONLY_DIRECTORY")
        return readOnlyHome(path, code, e);
      return new StorageError(
        "read_only",
        `cannot write the database ${path} (${code}): it is read-only; check its permissions and its folder's`,
        { cause: e },
      );
    case "SQLITE_CANTOPEN":
      return cannotOpen(path, code, e);
    case "SQLITE_IOERR":
      // A short read is a file that ends before its own header says it does: truncated.
      if (code === "SQLITE_IOERR_SHORT_READ") {
        return new StorageError(
          "damaged",
          `the database ${path} is truncated (${code}): restore it from a backup, or move it away to start a new one`,
          { cause: e },
        );
      }
      if (diskIsFull(dirname(path))) return diskFull(path, code, e);
      return new StorageError(
        "unavailable",
        `reading or writing the database ${path} failed (${code}): check the disk`,
        { cause: e },
      );
    case "SQLITE_BUSY":
    case "SQLITE_LOCKED":
      return new StorageError(
        "unavailable",
        `the database ${path} stayed locked by another process (${code}): try again`,
        { cause: e },
      );
    default:
      return undefined;
  }
}

/** Node's codes for a server that cannot be reached at all. */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOENT", // a Unix socket that is not there
  "EPIPE",
]);

/** pg's own errors for a connection that dropped or never came, which carry no code. */
const LOST_CONNECTION =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

function pgError(e: unknown, code: string | undefined, url: string): StorageError | undefined {
  const at = describePgUrl(url);
  const said = e instanceof Error ? e.message : String(e);
  if (code === undefined) {
    if (!LOST_CONNECTION.test(said)) return undefined;
    return new StorageError(
      "unavailable",
      `lost the connection to the PostgreSQL server at ${at} (${said.split("\n")[0]}): is it running?`,
      { cause: e },
    );
  }
  if (UNREACHABLE.has(code)) {
    return new StorageError(
      "unavailable",
      `cannot reach the PostgreSQL server at ${at} (${code}): is it running, and is HYPERBAYES_DATABASE_URL right?`,
      { cause: e },
    );
  }
  switch (code) {
    case "28P01":
    case "28000":
      return new StorageError(
        "unavailable",
        `the PostgreSQL server at ${at} refused the login (${code}): check the user and password in HYPERBAYES_DATABASE_URL`,
        { cause: e },
      );
    case "3D000":
      return new StorageError(
        "unavailable",
        `the database ${at} does not exist on its server (${code}): create it, or correct HYPERBAYES_DATABASE_URL`,
        { cause: e },
      );
    case "53100":
      return new StorageError(
        "disk_full",
        `the disk of the PostgreSQL server at ${at} is full (${code}): free some space there, then try again`,
        { cause: e },
      );
    case "25006":
      return new StorageError(
        "read_only",
        `the PostgreSQL server at ${at} is read-only (${code}; a standby?): point HYPERBAYES_DATABASE_URL at the primary`,
        { cause: e },
      );
    case "XX001":
    case "XX002":
      return new StorageError(
        "damaged",
        `the PostgreSQL database ${at} is damaged (${code}): restore it from a backup`,
        { cause: e },
      );
    case "53300":
    case "57P01":
    case "57P02":
    case "57P03":
      return new StorageError(
        "unavailable",
        `the PostgreSQL server at ${at} is not taking connections now (${code}): try again`,
        { cause: e },
      );
    default:
      // Class 08: connection exceptions.
      if (code.startsWith("08")) {
        return new StorageError(
          "unavailable",
          `lost the connection to the PostgreSQL server at ${at} (${code}): is it running?`,
          { cause: e },
        );
      }
      return undefined;
  }
}

/**
 * The one-line `StorageError` for a raw failure of the store at `target`, or `e` itself when it
 * is not one of those (HyperbayesErrors, bugs). Never throws.
 */
export function storeError(e: unknown, target: StoreTarget): unknown {
  if (e instanceof HyperbayesError) return e;
  const code = driverErrorCode(e);
  if (target.dialect === "sqlite") {
    const native = nativeModuleError(e);
    if (native) return native;
    if (code?.startsWith("SQLITE_")) return sqliteError(e, code, target.path) ?? e;
    return fileSystemError(e, target.path) ?? e;
  }
  return pgError(e, code, target.url) ?? e;
}

// better-sqlite3's `bindings` lists the folders it tried; Node names the file it could not load.
const NATIVE_MISSING = /Could not locate the bindings file|NODE_MODULE_VERSION|ERR_DLOPEN_FAILED/;
const NATIVE_FOLDER = /(\/\S*?)\/node_modules\/better-sqlite3\//;

/**
 * SQLite's native module is not there or not for this Node.js: npm skipped better-sqlite3's
 * install script (`--ignore-scripts`, or an install-script policy), or Node.js changed since.
 * One line saying how to build it, instead of the driver's list of twenty paths.
 */
function nativeModuleError(e: unknown): StorageError | undefined {
  const text = e instanceof Error ? `${e.message} ${(e as { code?: unknown }).code ?? ""}` : "";
  if (!NATIVE_MISSING.test(text)) return undefined;
  const folder = NATIVE_FOLDER.exec(text)?.[1];
  return new StorageError(
    "unavailable",
    `SQLite's native module (better-sqlite3) is not built for this Node.js ${process.version}: npm did not run its install script. Build it with \`npm rebuild better-sqlite3\`${folder ? ` in ${folder}` : " in the folder Hyperbayes is installed in"}, or install again with \`npm install -g --allow-scripts=better-sqlite3,esbuild ...\``,
    { cause: e },
  );
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return (
    v !== null &&
    typeof v === "object" &&
    typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
  );
}

async function* translatingIterable<T>(
  source: AsyncIterable<T>,
  target: StoreTarget,
): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (e) {
    throw storeError(e, target);
  }
}

/**
 * `store`, with every method's raw failures translated by `storeError` (thrown, rejected, or
 * raised while iterating `exportMetricPoints`). Methods run on the store itself, so its own
 * calls between methods pay nothing.
 */
export function translatingStore(store: Store, target: StoreTarget): Store {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(obj, key) {
      const value: unknown = Reflect.get(obj, key, obj);
      if (typeof value !== "function") return value;
      const cached = wrapped.get(key);
      if (cached !== undefined) return cached;
      const method = value as (...args: unknown[]) => unknown;
      const f = (...args: unknown[]): unknown => {
        let result: unknown;
        try {
          result = method.apply(obj, args);
        } catch (e) {
          throw storeError(e, target);
        }
        if (result instanceof Promise) {
          return result.catch((e: unknown) => {
            throw storeError(e, target);
          });
        }
        if (isAsyncIterable(result)) return translatingIterable(result, target);
        return result;
      };
      wrapped.set(key, f);
      return f;
    },
  });
}
