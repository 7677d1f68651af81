/**
 * The store: the one interface through which the worker, the CLI and the console read and write
 * searches, trials, metric points and events. One implementation, `shared-store.ts`, holds every
 * rule (`rules.ts`) and check once, over each database's primitives (SQLite in `sqlite.ts`,
 * PostgreSQL in `pg.ts`, the only code that issues SQL); nothing here mentions drizzle, so callers
 * see plain domain objects and every method is async (PostgreSQL is).
 *
 * Guarantees every implementation keeps (checked by `store.contract.ts`):
 *   - a trial number is created at most once per search (`TrialNumberTakenError` otherwise),
 *     even when two processes race;
 *   - a lease has one owner at a time: acquiring succeeds only when the search is unleased, the
 *     lease has expired, or the caller already owns it; renewing and releasing need ownership;
 *   - `claimNextQueuedSearch` hands each claimable search to exactly one caller;
 *   - conditional writes (`ifStatus`, `leaseOwner`) are checked and applied atomically.
 *
 * Glossary:
 *   search id      a small positive integer, shown to users as is (`hyperbayes describe 12`)
 *   trial number   1, 2, 3... within a search; (search id, trial number) names a trial
 *   lease          (owner, expiresAt, heartbeatAt) on a search: which worker runs it, until when
 *   best           the complete trial with the best value for the search's goal (ties: lowest
 *                  number), kept up to date on every trial write
 */
import { HyperbayesError, StorageError } from "../lib/errors";
import type { SearchSpec } from "../lib/search/spec";
import type { SearchStatus, TrialStatus } from "../lib/search/status";
import type {
  Search,
  SearchEvent,
  SearchListEntry,
  SearchSummary,
  StopRequest,
  Trial,
  TrialCounts,
} from "../lib/search/types";
import type { Params } from "../lib/space/schema";

export interface NewSearchOptions {
  /** Default `queued` (a worker claims it); `running` for a search whose caller runs it itself. */
  status?: "queued" | "running";
  /** Default `spec.description`. */
  description?: string;
  /**
   * Leases the new search to `owner` in the same write, so no worker can claim a search its
   * creator is about to run itself (`status: "running"`).
   */
  lease?: { owner: string; ttlMs: number };
}

export interface SearchPatch {
  status?: SearchStatus;
  description?: string | null;
  startedAt?: Date | null;
  endedAt?: Date | null;
  failureReason?: string | null;
  stopRequested?: StopRequest;
  /** The search's notes (markdown, at most NOTES_MAX_CHARS); "" clears them. */
  notes?: string;
  /** Replaces the spec (validated); `kind` and `goal` follow it and `best` is recomputed. */
  spec?: SearchSpec;
}

export interface LeaseCondition {
  /**
   * The write happens only if this owner holds the search's lease now. An expired lease that
   * nobody has taken over still counts: until then no one else can have written.
   */
  leaseOwner?: string;
}

export interface WriteCondition extends LeaseCondition {
  /** The write happens only if the search is in one of these statuses now. */
  ifStatus?: readonly SearchStatus[];
}

export interface ClaimOptions {
  /** Search ids not to claim. */
  skip?: readonly number[];
}

export interface ListSearchesOptions {
  /** Default 50. */
  limit?: number;
  offset?: number;
  status?: readonly SearchStatus[];
  /** Only searches given this label (`--label`), exactly. */
  label?: string;
}

/** Which searches a count or a list takes. */
export type SearchFilter = Pick<ListSearchesOptions, "status" | "label">;

export interface NewTrial {
  number: number;
  params: Params;
  /** Default `queued`. */
  status?: "queued" | "running";
  startedAt?: Date;
  handle?: unknown;
}

export interface TrialPatch {
  status?: TrialStatus;
  /** Stored as null when not finite: a NaN or infinite aggregate is never a result. */
  value?: number | null;
  startedAt?: Date | null;
  endedAt?: Date | null;
  exitCode?: number | null;
  signal?: string | null;
  reason?: string | null;
  /** The search metric's first and last step with a finite value (a non-negative integer). */
  firstStep?: number | null;
  lastStep?: number | null;
  handle?: unknown;
  /** The trial's notes (markdown, at most NOTES_MAX_CHARS); "" clears them. */
  notes?: string;
}

export interface TrialChanges {
  trials: Trial[];
  /** Ask with this next: every change up to it is in `trials` or an earlier answer. */
  cursor: number;
}

export interface TrialWriteCondition extends LeaseCondition {
  /** The write happens only if the trial is in one of these statuses now. */
  ifStatus?: readonly TrialStatus[];
}

export interface TrialRef {
  searchId: number;
  number: number;
}

export interface MetricPointInput {
  name: string;
  /** A non-negative integer (epoch, iteration). */
  step: number;
  /** NaN and ±Infinity are kept as such. */
  value: number;
  time: Date;
}

export interface MetricPoint extends MetricPointInput {
  trialNumber: number;
}

export interface MetricPointQuery {
  trial?: number;
  name?: string;
}

export interface NewEvent {
  trialNumber?: number;
  kind: string;
  message: string;
  /** Default now. */
  time?: Date;
}

export interface ListEventsOptions {
  /** Only events with a larger id (for tailing). */
  afterId?: number;
  /** Default 1000. */
  limit?: number;
}

export interface Store {
  readonly dialect: "sqlite" | "postgres";

  /** Validates the spec (UsageError naming the problem) and stores a new search. */
  createSearch(spec: SearchSpec, options?: NewSearchOptions): Promise<Search>;
  /** Throws `UnreadableRowError` for a row this version cannot read. */
  getSearch(id: number): Promise<Search | undefined>;
  /**
   * Newest first, with per-status trial counts. A row this version cannot read never fails the
   * list: it is left out, or, with `withUnreadable`, listed in its place as an `UnreadableSearch`
   * (for lists a person reads, which must show it is there).
   */
  listSearches(
    options?: ListSearchesOptions & { withUnreadable?: false },
  ): Promise<SearchSummary[]>;
  listSearches(options: ListSearchesOptions & { withUnreadable: true }): Promise<SearchListEntry[]>;
  countSearches(options?: SearchFilter): Promise<number>;
  /**
   * Throws `SearchNotFoundError`, or `StateConflictError` when a condition does not hold
   * (nothing is written then).
   */
  updateSearch(id: number, patch: SearchPatch, condition?: WriteCondition): Promise<Search>;
  /**
   * Asks the search to stop (let running trials finish, start no more) or to be killed (cancel
   * running trials). A queued search ends at once as `stopped`/`killed`; a running one becomes
   * `stopping` with `stopRequested` set for its worker. `kill` upgrades an earlier `stop`, never
   * the reverse. Throws `StateConflictError` for a search that has already ended.
   */
  requestStop(id: number, mode: "stop" | "kill"): Promise<Search>;

  /**
   * Deletes an ended search (or a queued one nobody holds) with its trials, metric points and
   * events, in one transaction; the rule is `deletionCheck` (rules.ts). Throws
   * `SearchNotFoundError`, or `StateConflictError` for a search that may still run (nothing is
   * deleted then). The trial folders under the data directory are the caller's to remove.
   */
  deleteSearch(id: number): Promise<void>;

  /** True when `owner` now holds the lease (it was free, expired, or already ours). */
  acquireLease(searchId: number, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends our lease and records a heartbeat; false when we no longer own it. */
  renewLease(searchId: number, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up; false when we did not own it. */
  releaseLease(searchId: number, owner: string): Promise<boolean>;
  /**
   * Leases one search for `owner`, atomically: first a `running`/`stopping` search whose lease
   * expired or was released (its worker died: resume it), else the oldest `queued` one, which
   * becomes `running` (startedAt set). Records a `lease` event. Undefined when none is waiting.
   * Passes over rows this version cannot read, untouched: they are left for a version that can.
   * Never one of `options.skip`: the searches the caller runs itself, whose leases may have
   * lapsed while it was stalled (it renews those; it must not start them a second time).
   */
  claimNextQueuedSearch(
    owner: string,
    ttlMs: number,
    options?: ClaimOptions,
  ): Promise<Search | undefined>;

  /**
   * Throws `TrialNumberTakenError` when the number exists (the caller must not run it),
   * `SearchNotFoundError`, or `StateConflictError` when `leaseOwner` is given and not the owner.
   */
  createTrial(searchId: number, trial: NewTrial, condition?: LeaseCondition): Promise<Trial>;
  /** Throws `TrialNotFoundError`, or `StateConflictError` when a condition does not hold. */
  updateTrial(
    searchId: number,
    number: number,
    patch: TrialPatch,
    condition?: TrialWriteCondition,
  ): Promise<Trial>;
  getTrial(searchId: number, number: number): Promise<Trial | undefined>;
  /** Ordered by trial number. Throws `UnreadableRowError` when one of them cannot be read. */
  listTrials(searchId: number, options?: { status?: readonly TrialStatus[] }): Promise<Trial[]>;
  countTrials(searchId: number): Promise<TrialCounts>;
  /**
   * The trials written (created or updated) after `cursor`, ordered by number, and the cursor to
   * ask with next; cursor 0 gives every trial. Reads only the changed trials' index entries, so
   * a reader polling a search of 10,000 trials pays for what changed (see rules.ts, change).
   */
  listTrialChanges(searchId: number, cursor: number): Promise<TrialChanges>;

  /**
   * Writes the points in one transaction and returns how many distinct (metric, step) points that
   * was. A point for a (metric, step) the trial already has replaces it (so does a later one in
   * the same batch), so re-reading a log after a restart is harmless. Throws `TrialNotFoundError`.
   */
  addMetricPoints(trial: TrialRef, points: readonly MetricPointInput[]): Promise<number>;
  /** Ordered by trial number, metric name, step. */
  listMetricPoints(searchId: number, query?: MetricPointQuery): Promise<MetricPoint[]>;
  /** Distinct metric names reported by the search's trials, sorted. */
  listMetricNames(searchId: number): Promise<string[]>;
  /**
   * Every point of a search in the order of `listMetricPoints`, in batches of at most `batchSize`
   * (default 5000), read page by page so an export never holds the whole table in memory.
   */
  exportMetricPoints(
    searchId: number,
    options?: { batchSize?: number },
  ): AsyncIterable<MetricPoint[]>;

  addEvent(searchId: number, event: NewEvent): Promise<SearchEvent>;
  /** Oldest first. */
  listEvents(searchId: number, options?: ListEventsOptions): Promise<SearchEvent[]>;

  close(): Promise<void>;
}

export class SearchNotFoundError extends HyperbayesError {
  readonly searchId: number;
  constructor(searchId: number) {
    super("not_found", `search ${searchId} does not exist`);
    this.name = "SearchNotFoundError";
    this.searchId = searchId;
  }
}

export class TrialNotFoundError extends HyperbayesError {
  readonly searchId: number;
  readonly number: number;
  constructor(searchId: number, number: number) {
    super("not_found", `search ${searchId} has no trial ${number}`);
    this.name = "TrialNotFoundError";
    this.searchId = searchId;
    this.number = number;
  }
}

/** The trial number already exists: someone else created (and may be running) it. */
export class TrialNumberTakenError extends HyperbayesError {
  readonly searchId: number;
  readonly number: number;
  constructor(searchId: number, number: number, options?: { cause?: unknown }) {
    super("conflict", `search ${searchId} already has a trial ${number}`, options);
    this.name = "TrialNumberTakenError";
    this.searchId = searchId;
    this.number = number;
  }
}

/** A conditional write found the row in another state than the caller expected. */
export class StateConflictError extends HyperbayesError {
  constructor(message: string) {
    super("conflict", message);
    this.name = "StateConflictError";
  }
}

/**
 * A stored row this version cannot turn into a search or a trial: a status, kind or field it
 * does not know (`newer`: a newer version wrote it), or JSON that does not parse, a time that is
 * not a time, a spec that breaks this version's rules (`damaged`). The message is one line that
 * names the row and says what to do; nothing is rewritten.
 */
export class UnreadableRowError extends StorageError {
  readonly searchId: number;
  readonly trialNumber: number | undefined;
  constructor(
    problem: "newer" | "damaged",
    row: { searchId: number; trialNumber?: number },
    detail: string,
    options?: { cause?: unknown },
  ) {
    const what =
      row.trialNumber === undefined
        ? `search ${row.searchId}`
        : `trial ${row.trialNumber} of search ${row.searchId}`;
    super(
      problem,
      problem === "newer"
        ? `${what} was written by a newer Hyperbayes (${detail}): upgrade Hyperbayes to read it`
        : `${what} is damaged (${detail}): restore the database from a backup`,
      options,
    );
    this.name = "UnreadableRowError";
    this.searchId = row.searchId;
    this.trialNumber = row.trialNumber;
  }
}
