/**
 * Typed errors with a code and a user-facing message. Anything a user got wrong (a bad flag, a bad
 * parameter spec, a bad config file) is a `UsageError`: the CLI prints its message and exits 2
 * before anything starts. Other codes are failures of the system, not of the user.
 */
export type ErrorCode =
  | "usage" // bad input from the user: exit code 2
  | "not_found" // a search, trial or machine type that does not exist
  | "conflict" // a state change that is not allowed now (e.g. resume a finished search)
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
