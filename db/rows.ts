/**
 * What every store implementation shares on either side of SQL: checking the values a caller
 * hands in before they are written, and turning stored rows back into domain objects, validating
 * what other modules own (the spec) so a corrupt or outdated row fails loudly with its id. The
 * dialects differ only in how a row arrives (JSON as text or as jsonb, NaN as NULL or as NaN).
 */
import { z } from "zod";
import { HyperbayesError, UsageError } from "../lib/errors";
import { goalSchema } from "../lib/metrics/schema";
import {
  type SearchSpec,
  type SearchStatus,
  searchKindSchema,
  searchSpecSchema,
  searchStatusSchema,
  type TrialStatus,
  trialStatusSchema,
} from "../lib/search/spec";
import { type Params, paramsSchema } from "../lib/space/schema";
import {
  type MetricPointInput,
  type NewTrial,
  type Search,
  type SearchEvent,
  SearchNotFoundError,
  type StopRequest,
  type Trial,
  type TrialCounts,
} from "./store";

/** A searches row with JSON already decoded. */
export interface SearchRow {
  id: number;
  kind: string;
  status: string;
  goal: string;
  spec: unknown;
  description: string | null;
  createdAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  failureReason: string | null;
  stopRequested: string;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  heartbeatAt: Date | null;
  bestTrialNumber: number | null;
  bestValue: number | null;
}

/** A trials row with JSON already decoded. */
export interface TrialRow {
  searchId: number;
  number: number;
  status: string;
  params: unknown;
  value: number | null;
  createdAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  exitCode: number | null;
  signal: string | null;
  reason: string | null;
  handle: unknown;
}

export interface EventRow {
  id: number;
  searchId: number;
  trialNumber: number | null;
  time: Date;
  kind: string;
  message: string;
}

const stopRequestSchema = z.enum(["none", "stop", "kill"]);

function internal(message: string, cause?: unknown): HyperbayesError {
  return new HyperbayesError("internal", message, { cause });
}

export function searchFromRow(row: SearchRow): Search {
  const spec = searchSpecSchema.safeParse(row.spec);
  if (!spec.success) {
    throw internal(
      `search ${row.id} has a stored spec this version cannot read:\n${z.prettifyError(spec.error)}`,
      spec.error,
    );
  }
  return {
    id: row.id,
    kind: searchKindSchema.parse(row.kind),
    status: searchStatusSchema.parse(row.status),
    goal: goalSchema.parse(row.goal),
    spec: spec.data,
    description: row.description,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    failureReason: row.failureReason,
    stopRequested: stopRequestSchema.parse(row.stopRequested),
    lease:
      row.leaseOwner !== null && row.leaseExpiresAt !== null
        ? {
            owner: row.leaseOwner,
            expiresAt: row.leaseExpiresAt,
            heartbeatAt: row.heartbeatAt ?? row.leaseExpiresAt,
          }
        : null,
    best:
      row.bestTrialNumber !== null && row.bestValue !== null
        ? { trialNumber: row.bestTrialNumber, value: row.bestValue }
        : null,
  };
}

export function trialFromRow(row: TrialRow): Trial {
  return {
    searchId: row.searchId,
    number: row.number,
    status: trialStatusSchema.parse(row.status),
    // Written only after `checkNewTrial` validated it; parsing 10k rows again buys nothing.
    params: row.params as Params,
    value: row.value,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    exitCode: row.exitCode,
    signal: row.signal,
    reason: row.reason,
    handle: row.handle ?? null,
  };
}

export function eventFromRow(row: EventRow): SearchEvent {
  return { ...row };
}

export function checkSpec(spec: SearchSpec): SearchSpec {
  const parsed = searchSpecSchema.safeParse(spec);
  if (!parsed.success) {
    throw new UsageError(`invalid search spec:\n${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** Ids and trial numbers are 32-bit in PostgreSQL; the same bound holds for SQLite. */
export const MAX_ID = 2 ** 31 - 1;

export function isId(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 1 && n <= MAX_ID;
}

/** For reads: a value that cannot be an id matches no row (0 is never an id). */
export function idParam(n: number): number {
  return isId(n) ? n : 0;
}

/** For writes: no search has an id that is not an id. */
export function checkSearchId(id: number): void {
  if (!isId(id)) throw new SearchNotFoundError(id);
}

export function checkTrialNumber(number: number): void {
  if (!isId(number)) {
    throw internal(`a trial number is a positive integer below 2^31 (got ${number})`);
  }
}

export function checkNewTrial(trial: NewTrial): { params: Params; status: "queued" | "running" } {
  checkTrialNumber(trial.number);
  const params = paramsSchema.safeParse(trial.params);
  if (!params.success) {
    throw internal(`trial ${trial.number} has invalid params: ${z.prettifyError(params.error)}`);
  }
  const status = trial.status ?? "queued";
  if (status !== "queued" && status !== "running") {
    throw internal(`a new trial is queued or running (got ${status})`);
  }
  return { params: params.data, status };
}

export function checkLease(owner: string, ttlMs: number): void {
  if (owner.length === 0) throw internal("a lease owner cannot be empty");
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw internal(`a lease ttl is a positive number of ms (got ${ttlMs})`);
  }
}

/** NaN or infinite aggregates are never results: they are stored as "no value". */
export function storedValue(value: number | null | undefined): number | null | undefined {
  if (value === undefined || value === null) return value;
  return Number.isFinite(value) ? value : null;
}

/**
 * Validates points and keeps the last point per (metric, step): a batch then never hits the same
 * row twice (PostgreSQL's upsert refuses that).
 */
export function checkMetricPoints(points: readonly MetricPointInput[]): MetricPointInput[] {
  const byKey = new Map<string, MetricPointInput>();
  for (const p of points) {
    if (typeof p.name !== "string" || p.name.length === 0) {
      throw internal("a metric point needs a name");
    }
    if (!Number.isSafeInteger(p.step) || p.step < 0) {
      throw internal(`metric ${p.name}: a step is a non-negative integer (got ${p.step})`);
    }
    if (typeof p.value !== "number") throw internal(`metric ${p.name}: value is not a number`);
    if (!(p.time instanceof Date) || Number.isNaN(p.time.getTime())) {
      throw internal(`metric ${p.name}: time is not a valid Date`);
    }
    byKey.set(`${p.name}\u0000${p.step}`, p);
  }
  return [...byKey.values()];
}

/**
 * The driver's error code (`SQLITE_CONSTRAINT_UNIQUE`, PostgreSQL's `23505`...), looking through
 * the wrappers drizzle puts around driver errors.
 */
export function driverErrorCode(e: unknown): string | undefined {
  for (let cur = e, depth = 0; cur !== null && typeof cur === "object" && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string") return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

export function emptyCounts(): TrialCounts {
  const counts = { total: 0 } as TrialCounts;
  for (const s of trialStatusSchema.options) counts[s] = 0;
  return counts;
}

export function addCount(counts: TrialCounts, status: string, n: number): void {
  const s = trialStatusSchema.safeParse(status);
  if (s.success) counts[s.data] += n;
  counts.total += n;
}

/** `kill` upgrades `stop`; nothing downgrades a request. */
export function strongerStop(current: StopRequest, requested: "stop" | "kill"): StopRequest {
  return current === "kill" ? "kill" : requested;
}

export function describeStatusConflict(
  what: string,
  status: SearchStatus | TrialStatus | string,
  allowed: readonly string[],
): string {
  return `${what} is ${status}, expected ${allowed.join(" or ")}`;
}
