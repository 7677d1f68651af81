/**
 * Typed errors with a code and a user-facing message. Anything a user got wrong (a bad flag, a bad
 * parameter spec, a bad config file) is a `UsageError`: the CLI prints its message and exits 2
 * before anything starts. Other codes are failures of the system, not of the user; a
 * `StorageError` is the one kind of those a user can act on (the disk is full, the database is
 * damaged or newer), so its message is one line that says what to do.
 */
export type ErrorCode =
  | "usage" // bad input from the user: exit code 2
  | "not_found" // a search, trial or machine type that does not exist
  | "conflict" // a state change that is not allowed now (e.g. resume a finished search)
  | "storage" // the data directory or the database cannot be used as it is (StorageError)
  | "internal";

export class HyperbayesError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "HyperbayesError";
    this.code = code;
  }

  /** The process exit code the CLI uses for this error. */
  get exitCode(): number {
    return this.code === "usage" ? 2 : 1;
  }
}

export class UsageError extends HyperbayesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("usage", message, options);
    this.name = "UsageError";
  }
}

export function isHyperbayesError(e: unknown): e is HyperbayesError {
  return e instanceof HyperbayesError;
}

/**
 * An environment to read settings from. Not `NodeJS.ProcessEnv`: Next.js's types make NODE_ENV
 * required there, so a plain `{ HYPERBAYES_HOME: dir }` would not type.
 */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Why the data cannot be used as it is, each with its own remedy:
 *   damaged      not a database, corrupt or truncated, or a row that does not decode: restore it
 *   newer        written by a newer Hyperbayes (a schema or a row this version does not know): upgrade
 *   foreign      a database, but not a Hyperbayes one: move it away or point elsewhere
 *   disk_full    the disk holding it is full: free some space
 *   read_only    the file or its folder cannot be written: permissions or a read-only mount
 *   unavailable  cannot be opened or reached (a folder where a file belongs, a server that is down)
 */
export type StorageProblem =
  | "damaged"
  | "newer"
  | "foreign"
  | "disk_full"
  | "read_only"
  | "unavailable";

export class StorageError extends HyperbayesError {
  readonly problem: StorageProblem;
  constructor(problem: StorageProblem, message: string, options?: { cause?: unknown }) {
    super("storage", message, options);
    this.name = "StorageError";
    this.problem = problem;
  }
}

/** True for a full disk, whichever layer noticed it (SQLite, PostgreSQL, a file write). */
export function isDiskFull(e: unknown): boolean {
  return e instanceof StorageError && e.problem === "disk_full";
}

/** The `code` of a Node system error (`ENOSPC`...), else undefined. */
export function errnoCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/**
 * A failed write or read of a file under the data directory as a one-line StorageError, or
 * undefined when it is not one the user can act on (the caller rethrows those). `what` names
 * the file or folder. Never throws.
 */
export function fileSystemError(e: unknown, what: string): StorageError | undefined {
  const code = errnoCode(e);
  switch (code) {
    case "ENOSPC":
    case "EDQUOT":
      return new StorageError(
        "disk_full",
        `the disk holding HYPERBAYES_HOME is full (${code} writing ${what}): free some space, then try again`,
        { cause: e },
      );
    case "EROFS":
      return new StorageError(
        "read_only",
        `cannot write ${what} (${code}: a read-only file system): set HYPERBAYES_HOME to a folder you can write`,
        { cause: e },
      );
    case "EACCES":
    case "EPERM":
      return new StorageError(
        "read_only",
        `no permission to use ${what} (${code}): check its permissions, or set HYPERBAYES_HOME to a folder you can write`,
        { cause: e },
      );
    case "EISDIR":
      return new StorageError(
        "unavailable",
        `${what} is a folder where a file belongs: move it away`,
        { cause: e },
      );
    case "ENOTDIR":
      return new StorageError(
        "unavailable",
        `${what} is not a folder (a file is in the way): move it away, or set HYPERBAYES_HOME elsewhere`,
        { cause: e },
      );
    default:
      return undefined;
  }
}
