/**
 * The store's rules, written once for both dialects. Each is a decision on a row already read,
 * made at the time `t` the store's clock gave for the whole operation (never the database's
 * clock):
 *   lease      who may hold a search's lease at t; what taking, renewing and giving it up write
 *   claim      which search a claim picks (one whose worker died first, then the oldest queued
 *              one), and what claiming it writes
 *   stop       what a stop or kill request does to a search in each status
 *   condition  whether a conditional write's condition holds, and the conflict's words if not
 *   best       which trial is the search's best (the rule of `bestTrial` in lib/search/status.ts)
 *   change     which number of its search's change sequence a trial write takes, and which
 *              trials a reader holding a cursor has not seen (the console's poll)
 * Where SQL must select by a rule (free leases, the claim's pick, the best trial), its SQL form
 * stands beside it, built from the same definitions with drizzle's dialect-neutral operators;
 * `rules.test.ts` holds each SQL form against its plain form on both databases. Applying a
 * decision (the transaction, the row lock, the write) is the adapters' part: `shared-store.ts`
 * asks, `sqlite.ts` and `pg.ts` hold the rows.
 */
import {
  and,
  asc,
  type Column,
  desc,
  eq,
  gt,
  inArray,
  isNotNull,
  isNull,
  lte,
  notInArray,
  or,
  type Placeholder,
  type SQL,
  sql,
} from "drizzle-orm";
import type { Goal } from "../lib/metrics/schema";
import type { SearchKind, SearchSpec } from "../lib/search/spec";
import {
  compareByGoal,
  isFinalSearch,
  type SearchStatus,
  searchStatusSchema,
  type TrialStatus,
  trialStatusesWhere,
} from "../lib/search/status";
import type { Search, StopRequest } from "../lib/search/types";
import { goalOf, searchStatusOf, storedNotes, storedValue } from "./rows";
import {
  type LeaseCondition,
  type NewSearchOptions,
  type SearchPatch,
  StateConflictError,
  type TrialPatch,
  type TrialWriteCondition,
  type WriteCondition,
} from "./store";

/** What the rules read of a searches row: either dialect's row has these, JSON undecoded. */
export interface SearchState {
  id: number;
  /** As stored: possibly a status a newer version wrote. */
  status: string;
  goal: string;
  stopRequested: string;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  startedAt: Date | null;
}

/** A search as a trial write reads it: with the last number of its change sequence taken. */
export interface SearchChanges extends SearchState {
  trialSeq: number;
}

export interface TrialState {
  searchId: number;
  number: number;
  status: string;
}

export interface LeaseSet {
  leaseOwner?: string | null;
  leaseExpiresAt: Date | null;
  heartbeatAt?: Date;
}

/** The searches columns a rule writes; their types are the same in both dialects. */
export interface SearchSet extends Partial<LeaseSet> {
  status?: SearchStatus;
  stopRequested?: StopRequest;
  description?: string | null;
  startedAt?: Date | null;
  endedAt?: Date | null;
  failureReason?: string | null;
  notes?: string | null;
  kind?: SearchKind;
  goal?: Goal;
}

export interface RuleEvent {
  kind: "lease" | "stop";
  message: string;
  time: Date;
}

/** What a rule decided to write to one search, in the transaction that read it. */
export interface SearchChange {
  set: SearchSet;
  /** A replaced spec, which each dialect stores its own way. */
  spec?: SearchSpec;
  events: readonly RuleEvent[];
  /** Set when the best trial must be found again, by this goal. */
  bestBy?: Goal;
}

/** The trials columns a patch writes (the handle apart: each dialect stores it its own way). */
export type TrialSet = Omit<TrialPatch, "handle" | "notes"> & { notes?: string | null };

export interface TrialChange {
  set: TrialSet;
  /** The executor's handle to store (null clears it); undefined leaves it. */
  handle: unknown;
  bestBy?: Goal;
  /** The change number this write takes (`nextChange`), for the trial and its search. */
  seq: number;
}

/** Columns of either dialect's tables that the SQL forms below select by. */
interface LeaseColumns {
  leaseOwner: Column;
  leaseExpiresAt: Column;
}
interface SearchColumns extends LeaseColumns {
  id: Column;
  status: Column;
}
interface TrialColumns {
  searchId: Column;
  number: Column;
  status: Column;
  value: Column;
}

const at = (t: number) => new Date(t);

// --- lease -------------------------------------------------------------------------------------

/** A lease is held at `t` while it has an owner and has not expired; anyone may take a free one. */
export function leaseHeld(
  row: Pick<SearchState, "leaseOwner" | "leaseExpiresAt">,
  t: number,
): boolean {
  return row.leaseOwner !== null && row.leaseExpiresAt !== null && row.leaseExpiresAt.getTime() > t;
}

/** `leaseHeld`'s negation, in SQL. */
export function leaseFreeSql(cols: LeaseColumns, t: number): SQL {
  return or(isNull(cols.leaseOwner), isNull(cols.leaseExpiresAt), lte(cols.leaseExpiresAt, at(t)))!;
}

/** The lease columns of `owner` holding it for `ttlMs` from `t`, heard from at `t`. */
export function leaseFor(owner: string, ttlMs: number, t: number): Required<LeaseSet> {
  return { leaseOwner: owner, leaseExpiresAt: at(t + ttlMs), heartbeatAt: at(t) };
}

/** What renewing writes; it happens only where the owner still holds the row (`renewLease`). */
export function renewal(ttlMs: number, t: number): LeaseSet {
  return { leaseExpiresAt: at(t + ttlMs), heartbeatAt: at(t) };
}

/** What giving a lease up writes, and its event. */
export function release(owner: string, t: number): { set: LeaseSet; event: RuleEvent } {
  return {
    set: { leaseOwner: null, leaseExpiresAt: null },
    event: { kind: "lease", message: `lease released by ${owner}`, time: at(t) },
  };
}

function leaseEvent(row: SearchState, owner: string, t: number, taken: string): RuleEvent {
  const message =
    row.leaseOwner === null
      ? `${taken} by ${owner}`
      : `lease taken over by ${owner} from ${row.leaseOwner} (expired)`;
  return { kind: "lease", message, time: at(t) };
}

/**
 * `acquireLease`: the owner takes a free lease or extends its own; undefined (nothing written)
 * while another owner holds it.
 */
export function acquisition(
  row: SearchState,
  owner: string,
  ttlMs: number,
  t: number,
): SearchChange | undefined {
  if (row.leaseOwner === owner) return { set: leaseFor(owner, ttlMs, t), events: [] };
  if (leaseHeld(row, t)) return undefined;
  return { set: leaseFor(owner, ttlMs, t), events: [leaseEvent(row, owner, t, "leased")] };
}

// --- claim -------------------------------------------------------------------------------------

/**
 * What a claim picks from, in order: searches a worker was running (started, not ended) whose
 * lease is free, its worker having died or let go; then queued ones. Oldest (lowest id) first in
 * each.
 */
export const CLAIM_ORDER: readonly (readonly SearchStatus[])[] = [
  searchStatusSchema.options.filter((s) => !isFinalSearch(s) && s !== "queued"),
  ["queued"],
];

function claimRank(status: string): number {
  return CLAIM_ORDER.findIndex((tier) => (tier as readonly string[]).includes(status));
}

/**
 * The claim's pick in plain form: the first of `rows` by `CLAIM_ORDER` and id that is
 * claimable at `t`, not skipped, and readable. The stores select the same row with
 * `claimableSql` and `claimOrderSql` (checked in `rules.test.ts`), passing over unreadable rows.
 */
export function pickClaim<R extends SearchState>(
  rows: Iterable<R>,
  t: number,
  skip: readonly number[],
  readable: (row: R) => boolean,
): R | undefined {
  let best: R | undefined;
  for (const r of rows) {
    const rank = claimRank(r.status);
    if (rank < 0 || leaseHeld(r, t) || skip.includes(r.id) || !readable(r)) continue;
    if (best === undefined) best = r;
    else {
      const bestRank = claimRank(best.status);
      if (rank < bestRank || (rank === bestRank && r.id < best.id)) best = r;
    }
  }
  return best;
}

export function claimableSql(cols: SearchColumns, t: number, skip: readonly number[]): SQL {
  return and(
    inArray(cols.status, CLAIM_ORDER.flat()),
    leaseFreeSql(cols, t),
    skip.length > 0 ? notInArray(cols.id, [...skip]) : undefined,
  )!;
}

export function claimOrderSql(cols: SearchColumns): SQL[] {
  const ranks = CLAIM_ORDER.map(
    (tier, i) => sql`when ${inArray(cols.status, [...tier])} then ${sql.raw(String(i))}`,
  );
  return [sql`case ${sql.join(ranks, sql` `)} end`, asc(cols.id)];
}

/** What claiming writes: the lease, and a queued search starts running now. */
export function claimChange(
  row: SearchState,
  owner: string,
  ttlMs: number,
  t: number,
): SearchChange {
  const queued = row.status === "queued";
  return {
    set: {
      ...leaseFor(owner, ttlMs, t),
      status: queued ? "running" : undefined,
      startedAt: row.startedAt ?? at(t),
    },
    events: [leaseEvent(row, owner, t, queued ? "claimed" : "resumed")],
  };
}

// --- creation ----------------------------------------------------------------------------------

/** A new search's columns: queued unless told, started now when running, leased when asked. */
export function creation(spec: SearchSpec, options: NewSearchOptions, t: number) {
  const status = options.status ?? "queued";
  return {
    kind: spec.kind,
    status,
    goal: spec.goal,
    description: options.description ?? spec.description ?? null,
    createdAt: at(t),
    startedAt: status === "running" ? at(t) : null,
    ...(options.lease && leaseFor(options.lease.owner, options.lease.ttlMs, t)),
  };
}

// --- stop --------------------------------------------------------------------------------------

/** `kill` upgrades `stop`; nothing downgrades a request. */
export function strongerStop(current: string, requested: "stop" | "kill"): StopRequest {
  return current === "kill" ? "kill" : requested;
}

const ENDED_BY: Record<"stop" | "kill", SearchStatus> = { stop: "stopped", kill: "killed" };

/**
 * `requestStop`: a search that has ended refuses; a queued one that no worker holds ends at
 * once; any other is asked to stop (`stopping`), its worker reading `stopRequested`.
 */
export function stopChange(row: SearchState, mode: "stop" | "kill", t: number): SearchChange {
  const status = searchStatusOf(row);
  if (isFinalSearch(status)) {
    throw new StateConflictError(`search ${row.id} has already ended (${status})`);
  }
  if (status === "queued" && !leaseHeld(row, t)) {
    return {
      set: { status: ENDED_BY[mode], stopRequested: mode, endedAt: at(t) },
      events: [
        { kind: "stop", message: `${mode} requested before the search started`, time: at(t) },
      ],
    };
  }
  const stop = strongerStop(row.stopRequested, mode);
  return {
    set: { status: "stopping", stopRequested: stop },
    events:
      stop === row.stopRequested
        ? []
        : [{ kind: "stop", message: `${stop} requested`, time: at(t) }],
  };
}

// --- delete ------------------------------------------------------------------------------------

/**
 * `deleteSearch`: a search may be deleted once it has ended, or while it is queued and nobody
 * holds it (no trial of it can have started: a claim makes it running in the same write as it
 * leases it). Any other is refused, nothing deleted: its worker, or a trial it adopted, would go
 * on writing to rows and a folder that are gone. The refusal says how to end it first.
 */
export function deletionCheck(row: SearchState, t: number): void {
  const problem = deletionProblem(row, t);
  if (problem !== undefined) throw new StateConflictError(problem);
}

/** Why `deletionCheck` would refuse, or undefined: for a caller that asks before it deletes. */
export function deletionProblem(
  row: Pick<SearchState, "id" | "status" | "leaseOwner" | "leaseExpiresAt">,
  t: number,
): string | undefined {
  const status = searchStatusOf(row);
  if (isFinalSearch(status)) return undefined;
  if (status === "queued" && !leaseHeld(row, t)) return undefined;
  const how =
    status === "stopping"
      ? "it is ending: delete it once its running trials have ended"
      : "stop it first, then delete it once it has ended";
  return `search ${row.id} is ${status}: ${how}`;
}

/** `deletionProblem` of a search as the store returned it. */
export function searchDeletionProblem(search: Search, t: number): string | undefined {
  return deletionProblem(
    {
      id: search.id,
      status: search.status,
      leaseOwner: search.lease?.owner ?? null,
      leaseExpiresAt: search.lease?.expiresAt ?? null,
    },
    t,
  );
}

// --- conditions --------------------------------------------------------------------------------

function oneOf(value: string, allowed: readonly string[]): boolean {
  return allowed.includes(value);
}

function statusConflict(what: string, status: string, allowed: readonly string[]): never {
  throw new StateConflictError(`${what} is ${status}, expected ${allowed.join(" or ")}`);
}

/**
 * The write may go ahead only while `leaseOwner` holds the search. An expired lease nobody has
 * taken over still counts: until someone does, no one else can have written.
 */
export function checkLeaseCondition(row: SearchState, condition: LeaseCondition): void {
  const { leaseOwner } = condition;
  if (leaseOwner !== undefined && row.leaseOwner !== leaseOwner) {
    throw new StateConflictError(
      `search ${row.id} is leased by ${row.leaseOwner ?? "nobody"}, not ${leaseOwner}`,
    );
  }
}

export function checkSearchCondition(row: SearchState, condition: WriteCondition): void {
  const { ifStatus } = condition;
  if (ifStatus && !oneOf(row.status, ifStatus))
    statusConflict(`search ${row.id}`, row.status, ifStatus);
  checkLeaseCondition(row, condition);
}

export function checkTrialCondition(
  search: SearchState,
  trial: TrialState,
  condition: TrialWriteCondition,
): void {
  checkLeaseCondition(search, condition);
  const { ifStatus } = condition;
  if (ifStatus && !oneOf(trial.status, ifStatus)) {
    statusConflict(`trial ${trial.number} of search ${trial.searchId}`, trial.status, ifStatus);
  }
}

/** `updateSearch`: the patch, once its condition holds; a new goal ranks the trials again. */
export function patchChange(
  row: SearchState,
  patch: SearchPatch,
  spec: SearchSpec | undefined,
  condition: WriteCondition,
): SearchChange {
  checkSearchCondition(row, condition);
  return {
    set: {
      status: patch.status,
      description: patch.description,
      startedAt: patch.startedAt,
      endedAt: patch.endedAt,
      failureReason: patch.failureReason,
      stopRequested: patch.stopRequested,
      notes: storedNotes(patch.notes),
      ...(spec && { kind: spec.kind, goal: spec.goal }),
    },
    ...(spec && { spec }),
    events: [],
    ...(spec && spec.goal !== row.goal && { bestBy: spec.goal }),
  };
}

// --- best --------------------------------------------------------------------------------------

/** The statuses whose trials compete for the best (`TRIAL_STATUS[s].best`). */
export const BEST_STATUSES: readonly TrialStatus[] = trialStatusesWhere((s) => s.best);

function mayBeBest(status: string): boolean {
  return oneOf(status, BEST_STATUSES);
}

/** `updateTrial`: the patch, once its condition holds; the best is found again when it may move. */
export function trialChange(
  search: SearchChanges,
  trial: TrialState,
  patch: TrialPatch,
  condition: TrialWriteCondition,
): TrialChange {
  checkTrialCondition(search, trial, condition);
  const after = patch.status ?? trial.status;
  return {
    set: {
      status: patch.status,
      value: storedValue(patch.value),
      startedAt: patch.startedAt,
      endedAt: patch.endedAt,
      exitCode: patch.exitCode,
      signal: patch.signal,
      reason: patch.reason,
      notes: storedNotes(patch.notes),
      firstStep: patch.firstStep,
      lastStep: patch.lastStep,
    },
    handle: patch.handle,
    seq: nextChange(search),
    // Only a trial that was or becomes a candidate can move the best.
    ...((mayBeBest(trial.status) || mayBeBest(after)) && { bestBy: goalOf(search) }),
  };
}

/**
 * The candidates for the best trial, in SQL: `bestTrial`'s filter (a status that may be best, a
 * value). Values are finite here: the store never writes NaN or ±Infinity (`storedValue`).
 */
export function bestCandidatesSql(cols: TrialColumns, searchId: number | Placeholder): SQL {
  return and(
    eq(cols.searchId, searchId),
    inArray(cols.status, [...BEST_STATUSES]),
    isNotNull(cols.value),
  )!;
}

/** `bestTrial`'s order in SQL: better value first by `compareByGoal`, ties to the lower number. */
export function bestOrderSql(cols: TrialColumns, goal: Goal): SQL[] {
  const lowerFirst = compareByGoal(goal)(0, 1) < 0;
  return [lowerFirst ? asc(cols.value) : desc(cols.value), asc(cols.number)];
}

/** The searches columns that hold the best trial (none: both null). */
export function bestColumns(best: { number: number; value: number | null } | undefined): {
  bestTrialNumber: number | null;
  bestValue: number | null;
} {
  return { bestTrialNumber: best?.number ?? null, bestValue: best?.value ?? null };
}

// --- change ------------------------------------------------------------------------------------

/**
 * Every write of a trial (its creation, each update) takes the next number of its search's
 * change sequence: the adapter writes it to the trial (`seq`) and to the search (`trial_seq`) in
 * the transaction that holds the search's row (SQLite's write lock; PostgreSQL's FOR UPDATE,
 * taken before the trial's). Writers of one search thus commit their numbers in order, so a
 * reader always sees the numbers 1..K with no gap: a cursor of K has seen every change up to K,
 * and the trials after it are exactly those changed since. (A database sequence or a clock would
 * let a later number commit before an earlier one, and a reader pass over the earlier for good.)
 */
export function nextChange(search: { trialSeq: number }): number {
  return search.trialSeq + 1;
}

/** A trial the reader holding `cursor` has not seen as it is now; cursor 0: every trial. */
export function changedAfter(trial: { seq: number }, cursor: number): boolean {
  return cursor <= 0 || trial.seq > cursor;
}

/** `changedAfter` in SQL, for one search's trials (served by the index trials_search_seq). */
export function changedAfterSql(
  cols: { searchId: Column; seq: Column },
  searchId: number,
  cursor: number,
): SQL {
  return cursor <= 0
    ? eq(cols.searchId, searchId)
    : and(eq(cols.searchId, searchId), gt(cols.seq, cursor))!;
}

/** The cursor a reader holds after reading `trials` (the changes after `cursor`). */
export function cursorAfter(trials: readonly { seq: number }[], cursor: number): number {
  let next = Math.max(0, cursor);
  for (const t of trials) if (t.seq > next) next = t.seq;
  return next;
}
