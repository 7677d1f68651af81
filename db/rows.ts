/**
 * What every store implementation shares on either side of SQL: checking the values a caller
 * hands in before they are written, and turning stored rows back into domain objects. Reading
 * owns the rule "one bad row is flagged, never fatal to the rest": every field is checked, and a
 * row this version cannot read becomes an `UnreadableRowError` naming the row and what is wrong
 * (`newer` for a kind, status or field it does not know; `damaged` for the rest), which
 * `listSearches` turns into an `UnreadableSearch` entry. The dialects differ only in how a row
 * arrives (JSON as text or as jsonb, NaN as NULL or as NaN).
 */
import { z } from "zod";
import { HyperbayesError, UsageError } from "../lib/errors";
import { type Goal, goalSchema } from "../lib/metrics/schema";
import { notesSchema } from "../lib/search/notes";
import { type SearchSpec, searchKindSchema, searchSpecSchema } from "../lib/search/spec";
import { type SearchStatus, searchStatusSchema, trialStatusSchema } from "../lib/search/status";
import type {
  Search,
  SearchEvent,
  Trial,
  TrialCounts,
  UnreadableSearch,
} from "../lib/search/types";
import { type Params, paramsSchema } from "../lib/space/schema";
import { STOP_REQUESTS } from "./enums";
import {
  type MetricPointInput,
  type NewTrial,
  SearchNotFoundError,
  UnreadableRowError,
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
  notes: string | null;
  trialSeq: number;
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
  firstStep: number | null;
  lastStep: number | null;
  handle: unknown;
  notes: string | null;
  seq: number;
}

export interface EventRow {
  id: number;
  searchId: number;
  trialNumber: number | null;
  time: Date;
  kind: string;
  message: string;
}

const stopRequestSchema = z.enum(STOP_REQUESTS);

function internal(message: string, cause?: unknown): HyperbayesError {
  return new HyperbayesError("internal", message, { cause });
}

/** A JSON column whose text did not parse (SQLite keeps JSON as text). */
export class UnparsedJson {
  constructor(readonly error: string) {}
}

/** Parses a JSON column's text; text that is not JSON comes back as an `UnparsedJson`. */
export function readJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    return new UnparsedJson(e instanceof Error ? e.message : String(e));
  }
}

/**
 * A stored value quoted for a one-line message: JSON escapes every C0 control, and C1 controls
 * (\u009b starts a terminal escape) are escaped too; long values are cut.
 */
function quote(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  text = text.replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function pathText(path: readonly PropertyKey[]): string {
  let out = "";
  for (const k of path) out += typeof k === "number" ? `[${k}]` : out ? `.${String(k)}` : String(k);
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const k of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[k];
  }
  return cur;
}

/**
 * The keys of `raw` that parsing dropped: zod strips fields it does not know, so a spec from a
 * newer version would otherwise read as a different spec without a word.
 */
function droppedKeys(raw: unknown, parsed: unknown, path: string, out: string[]): void {
  if (Array.isArray(raw) && Array.isArray(parsed)) {
    for (let i = 0; i < raw.length; i++) droppedKeys(raw[i], parsed[i], `${path}[${i}]`, out);
  } else if (
    raw !== null &&
    typeof raw === "object" &&
    parsed !== null &&
    typeof parsed === "object"
  ) {
    const known = parsed as Record<string, unknown>;
    for (const [k, v] of Object.entries(raw)) {
      const at = path === "" ? k : `${path}.${k}`;
      if (!Object.hasOwn(known, k)) out.push(at);
      else droppedKeys(v, known[k], at, out);
    }
  }
}

/** Why a JSON column (or a column checked by `schema`) does not read, as `newer` or `damaged`. */
function columnProblem(
  column: string,
  raw: unknown,
  error: z.ZodError,
): { problem: "newer" | "damaged"; detail: string } {
  const issue = error.issues[0];
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : "";
  if (issue === undefined) return { problem: "damaged", detail: `${column} does not read` };
  const at = pathText(issue.path);
  const where = at === "" ? column : `${column} ${at}`;
  // An enum value or a union's tag this version lacks is what a newer version writes.
  if (issue.code === "invalid_value" || (issue.code === "invalid_union" && "note" in issue)) {
    return {
      problem: "newer",
      detail: `${where} is ${quote(valueAt(raw, issue.path))}, which this version does not know${more}`,
    };
  }
  return { problem: "damaged", detail: `${where}: ${issue.message}${more}` };
}

/** Reads `raw` with `schema`, or throws the row's `UnreadableRowError`. */
function readColumn<T>(
  row: { searchId: number; trialNumber?: number },
  column: string,
  raw: unknown,
  schema: z.ZodType<T>,
): T {
  if (raw instanceof UnparsedJson) {
    throw new UnreadableRowError("damaged", row, `${column} is not valid JSON: ${raw.error}`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const { problem, detail } = columnProblem(column, raw, r.error);
    throw new UnreadableRowError(problem, row, detail, { cause: r.error });
  }
  return r.data;
}

function readTime<T extends Date | null>(
  row: { searchId: number; trialNumber?: number },
  column: string,
  t: T,
): T {
  if (t !== null && (!(t instanceof Date) || Number.isNaN(t.getTime()))) {
    throw new UnreadableRowError("damaged", row, `${column} is not a time`);
  }
  return t;
}

/**
 * The status of a searches row, for a rule that must know what it means; a status this version
 * does not know is the row's `UnreadableRowError` (`newer`), never a guess.
 */
export function searchStatusOf(row: { id: number; status: string }): SearchStatus {
  return readColumn({ searchId: row.id }, "status", row.status, searchStatusSchema);
}

/** The goal of a searches row, which ranks its trials; the same refusal for one it does not know. */
export function goalOf(row: { id: number; goal: string }): Goal {
  return readColumn({ searchId: row.id }, "goal", row.goal, goalSchema);
}

export function searchFromRow(row: SearchRow): Search {
  const at = { searchId: row.id };
  const spec = readColumn(at, "spec", row.spec, searchSpecSchema);
  const dropped: string[] = [];
  droppedKeys(row.spec, spec, "", dropped);
  if (dropped.length > 0) {
    throw new UnreadableRowError(
      "newer",
      at,
      `its spec has fields this version does not know: ${dropped.slice(0, 5).map(quote).join(", ")}`,
    );
  }
  return {
    id: row.id,
    kind: readColumn(at, "kind", row.kind, searchKindSchema),
    status: readColumn(at, "status", row.status, searchStatusSchema),
    goal: readColumn(at, "goal", row.goal, goalSchema),
    spec,
    description: row.description,
    createdAt: readTime(at, "created_at", row.createdAt),
    startedAt: readTime(at, "started_at", row.startedAt),
    endedAt: readTime(at, "ended_at", row.endedAt),
    failureReason: row.failureReason,
    stopRequested: readColumn(at, "stop_requested", row.stopRequested, stopRequestSchema),
    lease:
      row.leaseOwner !== null && row.leaseExpiresAt !== null
        ? {
            owner: row.leaseOwner,
            expiresAt: readTime(at, "lease_expires_at", row.leaseExpiresAt),
            heartbeatAt: readTime(at, "heartbeat_at", row.heartbeatAt) ?? row.leaseExpiresAt,
          }
        : null,
    best:
      row.bestTrialNumber !== null && row.bestValue !== null
        ? { trialNumber: row.bestTrialNumber, value: row.bestValue }
        : null,
    notes: row.notes ?? "",
  };
}

/** The search, or an `UnreadableSearch` saying why not: what a list shows for each row. */
export function searchEntryFromRow(row: SearchRow): Search | UnreadableSearch {
  try {
    return searchFromRow(row);
  } catch (e) {
    if (!(e instanceof UnreadableRowError)) throw e;
    const t = row.createdAt;
    const createdAt = t instanceof Date && !Number.isNaN(t.getTime()) ? t : null;
    return { id: row.id, unreadable: e.message, createdAt };
  }
}

/** False for a row `searchFromRow` refuses: a worker must pass over it, not claim it. */
export function isReadableSearch(row: SearchRow): boolean {
  return !("unreadable" in searchEntryFromRow(row));
}

/**
 * Params as stored: an object of numbers and strings. Checked by hand, not by zod: a worker
 * reads every trial of its search on each tick, and this costs a loop, not a parse.
 */
function readParams(row: { searchId: number; trialNumber: number }, raw: unknown): Params {
  if (raw instanceof UnparsedJson) {
    throw new UnreadableRowError("damaged", row, `params is not valid JSON: ${raw.error}`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new UnreadableRowError("damaged", row, `params is ${quote(raw)}, not an object`);
  }
  for (const [name, v] of Object.entries(raw)) {
    if (!(typeof v === "string" || (typeof v === "number" && Number.isFinite(v)))) {
      throw new UnreadableRowError("damaged", row, `params.${name} is ${quote(v)}`);
    }
  }
  return raw as Params;
}

/** SQLite keeps whatever a column was given: a damaged file can hold text where a number belongs. */
function readNumber(
  row: { searchId: number; trialNumber: number },
  column: string,
  v: number | null,
): number | null {
  if (v !== null && typeof v !== "number") {
    throw new UnreadableRowError("damaged", row, `${column} is ${quote(v)}, not a number`);
  }
  return v;
}

export function trialFromRow(row: TrialRow): Trial {
  const at = { searchId: row.searchId, trialNumber: row.number };
  if (row.handle instanceof UnparsedJson) {
    throw new UnreadableRowError("damaged", at, `handle is not valid JSON: ${row.handle.error}`);
  }
  return {
    searchId: row.searchId,
    number: row.number,
    status: readColumn(at, "status", row.status, trialStatusSchema),
    params: readParams(at, row.params),
    value: readNumber(at, "value", row.value),
    createdAt: readTime(at, "created_at", row.createdAt),
    startedAt: readTime(at, "started_at", row.startedAt),
    endedAt: readTime(at, "ended_at", row.endedAt),
    exitCode: row.exitCode,
    signal: row.signal,
    reason: row.reason,
    firstStep: row.firstStep ?? null,
    lastStep: row.lastStep ?? null,
    handle: row.handle ?? null,
    notes: row.notes ?? "",
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
/**
 * Notes as stored: checked (UsageError naming the limit), "" and whitespace alone as none.
 * Undefined leaves the column as it is.
 */
export function storedNotes(notes: string | undefined): string | null | undefined {
  if (notes === undefined) return undefined;
  const parsed = notesSchema.safeParse(notes);
  if (!parsed.success) throw new UsageError(z.prettifyError(parsed.error), { cause: parsed.error });
  return parsed.data.trim() === "" ? null : parsed.data;
}

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
