/**
 * The one `Store`: every method written once over a `Dialect`, the primitives each database does
 * its own way (`sqlite.ts`, `pg.ts`: how a row is read and held for a write, how a transaction
 * runs, how points are upserted, how an export is paged). Owned here, for both: the checks of
 * what a caller hands in (ids, leases, specs, trials, points), one reading of the store's clock
 * per operation, the rules of `rules.ts` asked about the rows a primitive holds, and the turning
 * of rows into domain objects (`rows.ts`).
 *
 * Ids: a number that cannot be an id (`isId`) names no row. Reads of one find nothing, lease
 * calls answer false, writes throw the not-found error; no dialect ever sees one, so PostgreSQL's
 * 32-bit columns and SQLite's 64-bit ones answer alike.
 */
import type { SearchSpec } from "../lib/search/spec";
import type { TrialStatus } from "../lib/search/status";
import type {
  Search,
  SearchEvent,
  SearchListEntry,
  SearchSummary,
  Trial,
  TrialCounts,
} from "../lib/search/types";
import {
  addCount,
  checkLease,
  checkMetricPoints,
  checkNewTrial,
  checkSearchId,
  checkSpec,
  checkTrialNumber,
  type EventRow,
  emptyCounts,
  eventFromRow,
  isId,
  isReadableSearch,
  MAX_ID,
  type SearchRow,
  searchEntryFromRow,
  searchFromRow,
  type TrialRow,
  trialFromRow,
} from "./rows";
import {
  acquisition,
  checkLeaseCondition,
  claimChange,
  creation,
  cursorAfter,
  deletionCheck,
  type LeaseSet,
  patchChange,
  type RuleEvent,
  release,
  renewal,
  type SearchChange,
  type SearchChanges,
  type SearchState,
  stopChange,
  type TrialChange,
  type TrialState,
  trialChange,
} from "./rules";
import {
  type ClaimOptions,
  type LeaseCondition,
  type ListEventsOptions,
  type ListSearchesOptions,
  type MetricPoint,
  type MetricPointInput,
  type MetricPointQuery,
  type NewEvent,
  type NewSearchOptions,
  type NewTrial,
  type SearchFilter,
  SearchNotFoundError,
  type SearchPatch,
  type Store,
  type TrialChanges,
  TrialNotFoundError,
  TrialNumberTakenError,
  type TrialPatch,
  type TrialRef,
  type TrialWriteCondition,
  type WriteCondition,
} from "./store";

export type Awaitable<T> = T | Promise<T>;

/** The clock every time a store writes or compares comes from, in ms (default `Date.now`). */
export interface StoreClock {
  now?: () => number;
}

export type NewSearchValues = ReturnType<typeof creation>;

export interface NewTrialValues {
  searchId: number;
  number: number;
  status: "queued" | "running";
  params: Record<string, string | number>;
  createdAt: Date;
  startedAt: Date | null;
  handle: unknown;
}

export interface NewEventValues {
  searchId: number;
  trialNumber: number | null;
  time: Date;
  kind: string;
  message: string;
}

/** A metric point as stored: null stands for NaN (SQLite cannot keep NaN). */
export interface StoredPoint {
  name: string;
  step: number;
  value: number | null;
  time: Date;
}

/** The searches row a change is about: one by id, or the one a claim picks at `t`. */
export type SearchPick = { id: number } | { claimableAt: number; skip: readonly number[] };

/**
 * The primitives a database provides. Those that read-then-write hold the row they read against
 * every other writer until their write is done (SQLite: BEGIN IMMEDIATE; PostgreSQL: the search
 * row locked FOR UPDATE, search before trial), and call the `decide` they are given, a rule that
 * never does I/O, in between. A primitive may answer at once (SQLite) or later (PostgreSQL).
 */
export interface Dialect {
  readonly name: Store["dialect"];
  insertSearch(values: NewSearchValues, spec: SearchSpec): Awaitable<SearchRow>;
  searchRow(id: number): Awaitable<SearchRow | undefined>;
  /** The filter's label is matched against the spec's `labels`, exactly. */
  searchRows(filter: SearchFilter & { limit: number; offset: number }): Awaitable<SearchRow[]>;
  countSearches(filter: SearchFilter): Awaitable<number>;
  trialCounts(
    searchIds: readonly number[],
  ): Awaitable<{ searchId: number; status: string; n: number }[]>;
  /**
   * Shows the picked row to `decide` and writes what it decides: the columns, the events, and
   * the best trial found again when asked. Undefined when no row was picked; `after` is the row
   * as written, absent when `decide` wrote nothing.
   */
  changeSearch(
    pick: SearchPick,
    decide: (row: SearchRow) => SearchChange | undefined,
  ): Awaitable<{ id: number; after?: SearchRow } | undefined>;
  /**
   * Holds the search row, lets `check` refuse (it throws), then deletes the row; its trials,
   * points and events go with it (ON DELETE CASCADE). False when there is no such search.
   */
  deleteSearchRow(id: number, check: (row: SearchRow) => void): Awaitable<boolean>;
  /** Writes `set` only while `owner` holds the lease, with `event` in the same transaction. */
  setLeaseIfOwned(id: number, owner: string, set: LeaseSet, event?: RuleEvent): Awaitable<boolean>;
  /** `check` sees the search (undefined: none) and throws to refuse; then the trial is inserted. */
  insertTrial(
    values: NewTrialValues,
    check: (search: SearchState | undefined) => void,
  ): Awaitable<TrialRow>;
  /** Undefined when there is no such trial. */
  changeTrial(
    ref: TrialRef,
    decide: (search: SearchChanges, trial: TrialState) => TrialChange,
  ): Awaitable<TrialRow | undefined>;
  trialRow(ref: TrialRef): Awaitable<TrialRow | undefined>;
  trialRows(searchId: number, status?: readonly TrialStatus[]): Awaitable<TrialRow[]>;
  /** The search's trials `changedAfter` the cursor, in any order. */
  changedTrialRows(searchId: number, cursor: number): Awaitable<TrialRow[]>;
  /** Upserts the points in one transaction; false (nothing written) when there is no such trial. */
  upsertPoints(ref: TrialRef, points: readonly MetricPointInput[]): Awaitable<boolean>;
  pointRows(
    searchId: number,
    query: MetricPointQuery,
  ): Awaitable<(StoredPoint & { trialNumber: number })[]>;
  metricNames(searchId: number): Awaitable<string[]>;
  /** The trials' row ids, by trial number: an export's outer keys. */
  trialKeys(searchId: number): Awaitable<{ id: number; number: number }[]>;
  /** One keyset page of a trial's points after (name, step), in that order. */
  pointsPage(
    trialId: number,
    after: { name: string; step: number } | undefined,
    limit: number,
  ): Awaitable<StoredPoint[]>;
  insertEvent(values: NewEventValues): Awaitable<EventRow>;
  eventRows(searchId: number, afterId: number | undefined, limit: number): Awaitable<EventRow[]>;
  /** The constraint a driver error reports breaking, if it is one of these. */
  violation(e: unknown): "unique" | "foreign_key" | undefined;
  close(): Awaitable<void>;
}

const pointValue = (v: number | null): number => (v === null ? Number.NaN : v);

function notFound(id: number): never {
  throw new SearchNotFoundError(id);
}

export class SharedStore implements Store {
  readonly dialect: Store["dialect"];
  private readonly now: () => number;

  constructor(
    private readonly d: Dialect,
    clock: StoreClock = {},
  ) {
    this.dialect = d.name;
    this.now = clock.now ?? Date.now;
  }

  async createSearch(spec: SearchSpec, options: NewSearchOptions = {}): Promise<Search> {
    const checked = checkSpec(spec);
    if (options.lease) checkLease(options.lease.owner, options.lease.ttlMs);
    return searchFromRow(
      await this.d.insertSearch(creation(checked, options, this.now()), checked),
    );
  }

  async getSearch(id: number): Promise<Search | undefined> {
    const row = isId(id) ? await this.d.searchRow(id) : undefined;
    return row === undefined ? undefined : searchFromRow(row);
  }

  listSearches(
    options?: ListSearchesOptions & { withUnreadable?: false },
  ): Promise<SearchSummary[]>;
  listSearches(options: ListSearchesOptions & { withUnreadable: true }): Promise<SearchListEntry[]>;
  async listSearches(
    options: ListSearchesOptions & { withUnreadable?: boolean } = {},
  ): Promise<SearchListEntry[]> {
    const rows = await this.d.searchRows({
      status: options.status,
      label: options.label,
      limit: options.limit ?? 50,
      offset: options.offset ?? 0,
    });
    if (rows.length === 0) return [];
    const counted = await this.d.trialCounts(rows.map((r) => r.id));
    const byId = new Map<number, SearchSummary>();
    const listed = rows.map((r): SearchListEntry => {
      const entry = searchEntryFromRow(r);
      if ("unreadable" in entry) return entry;
      const summary = { ...entry, trialCounts: emptyCounts() };
      byId.set(summary.id, summary);
      return summary;
    });
    for (const c of counted) {
      const s = byId.get(c.searchId);
      if (s) addCount(s.trialCounts, c.status, c.n);
    }
    return options.withUnreadable ? listed : listed.filter((e) => !("unreadable" in e));
  }

  async countSearches(options: SearchFilter = {}): Promise<number> {
    return this.d.countSearches({ status: options.status, label: options.label });
  }

  /** A change the rule always makes to an existing search: its row as written. */
  private async changed(id: number, decide: (row: SearchRow) => SearchChange): Promise<Search> {
    checkSearchId(id);
    const result = await this.d.changeSearch({ id }, decide);
    return searchFromRow(result?.after ?? notFound(id));
  }

  async updateSearch(
    id: number,
    patch: SearchPatch,
    condition: WriteCondition = {},
  ): Promise<Search> {
    const spec = patch.spec === undefined ? undefined : checkSpec(patch.spec);
    return this.changed(id, (row) => patchChange(row, patch, spec, condition));
  }

  async requestStop(id: number, mode: "stop" | "kill"): Promise<Search> {
    const t = this.now();
    return this.changed(id, (row) => stopChange(row, mode, t));
  }

  async deleteSearch(id: number): Promise<void> {
    checkSearchId(id);
    const t = this.now();
    if (!(await this.d.deleteSearchRow(id, (row) => deletionCheck(row, t)))) notFound(id);
  }

  async acquireLease(searchId: number, owner: string, ttlMs: number): Promise<boolean> {
    checkLease(owner, ttlMs);
    if (!isId(searchId)) return false;
    const t = this.now();
    const result = await this.d.changeSearch({ id: searchId }, (row) =>
      acquisition(row, owner, ttlMs, t),
    );
    return result?.after !== undefined;
  }

  async renewLease(searchId: number, owner: string, ttlMs: number): Promise<boolean> {
    checkLease(owner, ttlMs);
    if (!isId(searchId)) return false;
    return this.d.setLeaseIfOwned(searchId, owner, renewal(ttlMs, this.now()));
  }

  async releaseLease(searchId: number, owner: string): Promise<boolean> {
    if (!isId(searchId)) return false;
    const { set, event } = release(owner, this.now());
    return this.d.setLeaseIfOwned(searchId, owner, set, event);
  }

  async claimNextQueuedSearch(
    owner: string,
    ttlMs: number,
    options: ClaimOptions = {},
  ): Promise<Search | undefined> {
    checkLease(owner, ttlMs);
    const t = this.now();
    // A row this version cannot read is passed over, untouched, for a version that can: each
    // look is its own transaction, and the next one looks past it.
    const skip = [...(options.skip ?? [])];
    for (;;) {
      const result = await this.d.changeSearch({ claimableAt: t, skip }, (row) =>
        isReadableSearch(row) ? claimChange(row, owner, ttlMs, t) : undefined,
      );
      if (result === undefined) return undefined;
      if (result.after !== undefined) return searchFromRow(result.after);
      skip.push(result.id);
    }
  }

  async createTrial(
    searchId: number,
    trial: NewTrial,
    condition: LeaseCondition = {},
  ): Promise<Trial> {
    checkSearchId(searchId);
    const { params, status } = checkNewTrial(trial);
    const t = new Date(this.now());
    const values: NewTrialValues = {
      searchId,
      number: trial.number,
      status,
      params,
      createdAt: t,
      startedAt: trial.startedAt ?? (status === "running" ? t : null),
      handle: trial.handle ?? null,
    };
    try {
      const row = await this.d.insertTrial(values, (search) =>
        checkLeaseCondition(search ?? notFound(searchId), condition),
      );
      return trialFromRow(row);
    } catch (e) {
      if (this.d.violation(e) === "unique") {
        throw new TrialNumberTakenError(searchId, trial.number, { cause: e });
      }
      throw e;
    }
  }

  async updateTrial(
    searchId: number,
    number: number,
    patch: TrialPatch,
    condition: TrialWriteCondition = {},
  ): Promise<Trial> {
    checkTrialNumber(number);
    const row = isId(searchId)
      ? await this.d.changeTrial({ searchId, number }, (search, trial) =>
          trialChange(search, trial, patch, condition),
        )
      : undefined;
    if (row === undefined) throw new TrialNotFoundError(searchId, number);
    return trialFromRow(row);
  }

  async getTrial(searchId: number, number: number): Promise<Trial | undefined> {
    const row =
      isId(searchId) && isId(number) ? await this.d.trialRow({ searchId, number }) : undefined;
    return row === undefined ? undefined : trialFromRow(row);
  }

  async listTrials(
    searchId: number,
    options: { status?: readonly TrialStatus[] } = {},
  ): Promise<Trial[]> {
    if (!isId(searchId)) return [];
    return (await this.d.trialRows(searchId, options.status)).map(trialFromRow);
  }

  async listTrialChanges(searchId: number, cursor: number): Promise<TrialChanges> {
    const from = Number.isSafeInteger(cursor) && cursor > 0 ? cursor : 0;
    // A cursor past any number a store hands out (ids and change numbers share the bound) has
    // seen everything; PostgreSQL's 32-bit columns could not even compare it.
    if (!isId(searchId) || from > MAX_ID) return { trials: [], cursor: from };
    const rows = await this.d.changedTrialRows(searchId, from);
    rows.sort((a, b) => a.number - b.number);
    return { trials: rows.map(trialFromRow), cursor: cursorAfter(rows, from) };
  }

  async countTrials(searchId: number): Promise<TrialCounts> {
    const counts = emptyCounts();
    if (!isId(searchId)) return counts;
    for (const r of await this.d.trialCounts([searchId])) addCount(counts, r.status, r.n);
    return counts;
  }

  async addMetricPoints(ref: TrialRef, points: readonly MetricPointInput[]): Promise<number> {
    const unique = checkMetricPoints(points);
    const found =
      isId(ref.searchId) && isId(ref.number) && (await this.d.upsertPoints(ref, unique));
    if (!found) throw new TrialNotFoundError(ref.searchId, ref.number);
    return unique.length;
  }

  async listMetricPoints(searchId: number, query: MetricPointQuery = {}): Promise<MetricPoint[]> {
    if (!isId(searchId) || (query.trial !== undefined && !isId(query.trial))) return [];
    const rows = await this.d.pointRows(searchId, query);
    return rows.map((p) => ({ ...p, value: pointValue(p.value) }));
  }

  async listMetricNames(searchId: number): Promise<string[]> {
    return isId(searchId) ? this.d.metricNames(searchId) : [];
  }

  async *exportMetricPoints(
    searchId: number,
    options: { batchSize?: number } = {},
  ): AsyncIterable<MetricPoint[]> {
    if (!isId(searchId)) return;
    const batchSize = Math.max(1, options.batchSize ?? 5000);
    let batch: MetricPoint[] = [];
    for (const trial of await this.d.trialKeys(searchId)) {
      // Keyset pages over the primary key: each page is one short statement, so no cursor stays
      // open on a connection while the consumer awaits.
      let after: { name: string; step: number } | undefined;
      for (;;) {
        const page = await this.d.pointsPage(trial.id, after, batchSize - batch.length);
        for (const p of page) {
          batch.push({ trialNumber: trial.number, ...p, value: pointValue(p.value) });
        }
        const last = page[page.length - 1];
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
        if (last === undefined) break;
        after = { name: last.name, step: last.step };
      }
    }
    if (batch.length > 0) yield batch;
  }

  async addEvent(searchId: number, event: NewEvent): Promise<SearchEvent> {
    checkSearchId(searchId);
    try {
      const row = await this.d.insertEvent({
        searchId,
        trialNumber: event.trialNumber ?? null,
        time: event.time ?? new Date(this.now()),
        kind: event.kind,
        message: event.message,
      });
      return eventFromRow(row);
    } catch (e) {
      if (this.d.violation(e) === "foreign_key") throw new SearchNotFoundError(searchId);
      throw e;
    }
  }

  async listEvents(searchId: number, options: ListEventsOptions = {}): Promise<SearchEvent[]> {
    if (!isId(searchId)) return [];
    const afterId =
      options.afterId === undefined ? undefined : Math.min(Math.floor(options.afterId), MAX_ID);
    return (await this.d.eventRows(searchId, afterId, options.limit ?? 1000)).map(eventFromRow);
  }

  private closed = false;
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.d.close();
  }
}
