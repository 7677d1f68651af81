/**
 * The embedded store: one SQLite file shared by the worker, the CLI and the console, each in its
 * own process. Safe sharing rests on three settings and one habit:
 *   - WAL journal, so readers never block the writer and the writer never blocks readers;
 *   - a busy timeout, so a writer that finds the file locked waits instead of failing;
 *   - foreign keys on (SQLite leaves them off per connection);
 *   - every read-then-write runs in a BEGIN IMMEDIATE transaction, which takes the write lock
 *     up front: a deferred transaction that reads first and upgrades later can fail with
 *     SQLITE_BUSY without waiting, and another process could slip in between the read and the
 *     write. Transactions stay short (no awaits inside: better-sqlite3 is synchronous).
 * Durability: synchronous=NORMAL in WAL survives a killed process (what the worker's recovery
 * relies on); only an OS crash or power loss can drop the last commits.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import Database from "better-sqlite3";
import {
  and,
  asc,
  count,
  desc,
  eq,
  gt,
  inArray,
  isNull,
  lte,
  notInArray,
  or,
  type SQL,
  sql,
} from "drizzle-orm";
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";
import { type MigrationMeta, readMigrationFiles } from "drizzle-orm/migrator";
import { StorageError } from "../lib/errors";
import type { SearchSpec } from "../lib/search/spec";
import { isFinalSearch, type SearchStatus, type TrialStatus } from "../lib/search/status";
import type {
  Search,
  SearchEvent,
  SearchListEntry,
  SearchSummary,
  Trial,
  TrialCounts,
} from "../lib/search/types";
import { databaseIsFolder, storeError, translatingStore } from "./errors";
import { checkAppliedMigrations, defaultMigrationsFolder, STORE_TABLES } from "./migrations-folder";
import {
  addCount,
  checkLease,
  checkMetricPoints,
  checkNewTrial,
  checkSearchId,
  checkSpec,
  checkTrialNumber,
  describeStatusConflict,
  driverErrorCode,
  emptyCounts,
  eventFromRow,
  isReadableSearch,
  readJson,
  searchEntryFromRow,
  searchFromRow,
  storedValue,
  strongerStop,
  trialFromRow,
} from "./rows";
import { events, metricPoints, searches, trials } from "./schema.sqlite";
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
  SearchNotFoundError,
  type SearchPatch,
  StateConflictError,
  type Store,
  TrialNotFoundError,
  TrialNumberTakenError,
  type TrialPatch,
  type TrialRef,
  type TrialWriteCondition,
  type WriteCondition,
} from "./store";

export interface SqliteStoreOptions {
  /** How long a write waits for another process's lock before failing. Default 5000. */
  busyTimeoutMs?: number;
  /** Clock in ms, for tests of lease expiry. Default `Date.now`. */
  now?: () => number;
  /** Default: `migrations/sqlite` beside this file. */
  migrationsFolder?: string;
}

const MIGRATIONS_TABLE = "__drizzle_migrations";

type Db = BetterSQLite3Database<Record<string, never>>;
type SearchRecord = typeof searches.$inferSelect;
type TrialRecord = typeof trials.$inferSelect;

/** The first 16 bytes of every SQLite database file. */
const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");

/**
 * Refuses a file that is not empty and does not start like an SQLite database. SQLite itself
 * reads a file cut to a few bytes as an empty database, and would then write a new one over it.
 * No file (or an empty one) is a new database.
 */
function checkHeader(path: string): void {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined || stat.size === 0) return;
  if (stat.isDirectory()) throw databaseIsFolder(path);
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(SQLITE_MAGIC.length);
    const n = readSync(fd, head, 0, head.length, 0);
    if (n === 0 || head.equals(SQLITE_MAGIC)) return;
    const why = n < head.length ? "truncated" : "not a database";
    throw new StorageError(
      "damaged",
      `the database ${path} is damaged (${why}: it does not start like an SQLite file): restore it from a backup, or move it away to start a new one`,
    );
  } finally {
    closeSync(fd);
  }
}

/**
 * Refuses, before anything is written, a file this version must leave as it is: one whose
 * migration record names migrations this version does not have (a newer Hyperbayes wrote it),
 * an SQLite database of someone else's, or ours with its record or tables gone. Reading
 * `sqlite_master` is also what finds a file that is not a database at all (SQLITE_NOTADB).
 * An empty file is a new database (another process may have just created it).
 */
function checkSchema(client: Database.Database, migrations: MigrationMeta[], path: string): void {
  const tables = client
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .pluck()
    .all() as string[];
  if (tables.length === 0) return;
  const ours = STORE_TABLES.filter((t) => tables.includes(t));
  if (!tables.includes(MIGRATIONS_TABLE)) {
    if (ours.length === 0) {
      throw new StorageError(
        "foreign",
        `${path} is an SQLite database, but not a Hyperbayes one (it has tables ${tables.slice(0, 5).join(", ")}): move it away, or set HYPERBAYES_HOME to another folder`,
      );
    }
    throw new StorageError(
      "damaged",
      `the database ${path} is damaged (its record of migrations is gone): restore it from a backup`,
    );
  }
  const applied = client
    .prepare(`SELECT created_at FROM "${MIGRATIONS_TABLE}"`)
    .pluck()
    .all()
    .map(Number);
  checkAppliedMigrations(applied, migrations, `the database ${path}`);
  const missing = STORE_TABLES.filter((t) => !tables.includes(t));
  if (applied.length === migrations.length && missing.length > 0) {
    throw new StorageError(
      "damaged",
      `the database ${path} is damaged (table ${missing.join(", ")} is gone): restore it from a backup`,
    );
  }
}

/**
 * Applies the drizzle-kit migrations not yet recorded, in drizzle's own bookkeeping table (so
 * `drizzle-kit migrate` agrees with us). Unlike drizzle's migrator, the check and the apply happen
 * in one IMMEDIATE transaction: two processes opening a fresh file at once cannot both apply.
 */
function migrate(client: Database.Database, migrations: MigrationMeta[]): void {
  const latest = migrations.reduce((m, x) => Math.max(m, x.folderMillis), 0);
  const lastApplied = (): number => {
    const table = client
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
      .get(MIGRATIONS_TABLE);
    if (table === undefined) return -1;
    const row = client
      .prepare(`SELECT max(created_at) AS last FROM "${MIGRATIONS_TABLE}"`)
      .get() as { last: number | null };
    return row.last === null ? -1 : Number(row.last);
  };
  if (lastApplied() >= latest) return; // the common case: read-only, no write lock
  client
    .transaction(() => {
      client.exec(
        `CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`,
      );
      const last = lastApplied();
      const record = client.prepare(
        `INSERT INTO "${MIGRATIONS_TABLE}" ("hash", "created_at") VALUES (?, ?)`,
      );
      for (const m of migrations) {
        if (m.folderMillis <= last) continue;
        for (const statement of m.sql) {
          if (statement.trim() !== "") client.exec(statement);
        }
        record.run(m.hash, m.folderMillis);
      }
    })
    .immediate();
}

function isUniqueViolation(e: unknown): boolean {
  const code = driverErrorCode(e);
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

function toSearch(row: SearchRecord): Search {
  return searchFromRow({ ...row, spec: readJson(row.spec) });
}

function toSearchEntry(row: SearchRecord) {
  return searchEntryFromRow({ ...row, spec: readJson(row.spec) });
}

function toTrial(row: TrialRecord): Trial {
  return trialFromRow({
    ...row,
    params: readJson(row.params),
    handle: row.handle === null ? null : readJson(row.handle),
  });
}

function encodeHandle(handle: unknown): string | null {
  return handle === undefined || handle === null ? null : JSON.stringify(handle);
}

/** NULL stands for NaN in metric_points.value (SQLite turns a bound NaN into NULL anyway). */
function pointValue(v: number | null): number {
  return v === null ? Number.NaN : v;
}

/**
 * Opens (creating if needed) the database file and brings its schema up to date. A file that is
 * damaged, newer or not ours is refused with a one-line `StorageError` and left byte for byte as
 * it was: nothing writes to it until `checkSchema` has passed it.
 */
export async function openSqliteStore(
  path: string,
  options: SqliteStoreOptions = {},
): Promise<Store> {
  const target = { dialect: "sqlite", path } as const;
  let client: Database.Database | undefined;
  try {
    const migrations = readMigrationFiles({
      migrationsFolder: options.migrationsFolder ?? defaultMigrationsFolder("sqlite"),
    });
    checkHeader(path);
    client = new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
    checkSchema(client, migrations, path);
    client.pragma("journal_mode = WAL");
    client.pragma("synchronous = NORMAL");
    client.pragma("foreign_keys = ON");
    migrate(client, migrations);
  } catch (e) {
    client?.close();
    throw storeError(e, target);
  }
  const store = new SqliteStore(client, drizzle({ client }), options.now ?? Date.now);
  return translatingStore(store, target);
}

class SqliteStore implements Store {
  readonly dialect = "sqlite" as const;

  /**
   * One prepared statement run per point inside the batch's transaction: with SQLite in-process,
   * that beats building multi-row INSERTs (10k points: ~80 ms against ~700 ms, measured).
   */
  private readonly upsertPoint;
  /**
   * The reads every trial write makes, prepared once: building a Drizzle query and having SQLite
   * compile it cost more than running it (bench/dispatch.ts, worker CPU per trial).
   */
  private readonly searchById;
  private readonly trialByNumber;
  private readonly bestTrial;

  constructor(
    private readonly client: Database.Database,
    private readonly db: Db,
    private readonly now: () => number,
  ) {
    this.searchById = db
      .select()
      .from(searches)
      .where(eq(searches.id, sql.placeholder("id")))
      .prepare();
    this.trialByNumber = db
      .select()
      .from(trials)
      .where(
        and(
          eq(trials.searchId, sql.placeholder("searchId")),
          eq(trials.number, sql.placeholder("number")),
        ),
      )
      .prepare();
    const best = (goal: "minimize" | "maximize") =>
      db
        .select({ number: trials.number, value: trials.value })
        .from(trials)
        .where(
          and(
            eq(trials.searchId, sql.placeholder("searchId")),
            eq(trials.status, "complete"),
            sql`${trials.value} IS NOT NULL`,
          ),
        )
        .orderBy(goal === "minimize" ? asc(trials.value) : desc(trials.value), asc(trials.number))
        .limit(1)
        .prepare();
    this.bestTrial = { minimize: best("minimize"), maximize: best("maximize") };
    this.upsertPoint = db
      .insert(metricPoints)
      .values({
        trialId: sql.placeholder("trialId"),
        name: sql.placeholder("name"),
        step: sql.placeholder("step"),
        value: sql.placeholder("value"),
        time: sql.placeholder("time"),
      })
      .onConflictDoUpdate({
        target: [metricPoints.trialId, metricPoints.name, metricPoints.step],
        set: { value: sql`excluded.value`, time: sql`excluded.time` },
      })
      .prepare();
  }

  /** Runs `fn` holding the write lock; see the module comment for why IMMEDIATE. */
  private write<T>(fn: (tx: Db) => T): T {
    return this.db.transaction((tx) => fn(tx as unknown as Db), { behavior: "immediate" });
  }

  private searchRecord(id: number): SearchRecord {
    const row = this.searchById.get({ id });
    if (row === undefined) throw new SearchNotFoundError(id);
    return row;
  }

  private event(
    tx: Db,
    searchId: number,
    kind: string,
    message: string,
    time: Date,
    trialNumber: number | null = null,
  ): void {
    tx.insert(events).values({ searchId, trialNumber, time, kind, message }).run();
  }

  private recomputeBest(tx: Db, searchId: number, goal: string): void {
    const best = this.bestTrial[goal === "maximize" ? "maximize" : "minimize"].get({ searchId });
    tx.update(searches)
      .set({ bestTrialNumber: best?.number ?? null, bestValue: best?.value ?? null })
      .where(eq(searches.id, searchId))
      .run();
  }

  private leaseFree(t: Date): SQL {
    return or(isNull(searches.leaseOwner), lte(searches.leaseExpiresAt, t))!;
  }

  async createSearch(spec: SearchSpec, options: NewSearchOptions = {}): Promise<Search> {
    const checked = checkSpec(spec);
    const status = options.status ?? "queued";
    const t = new Date(this.now());
    // `.all()`, not `.get()`: outside a transaction an INSERT ... RETURNING commits only when it
    // runs to its end, and `.get()` stops at the first row, so a commit that fails (SQLITE_FULL)
    // would go unreported and the caller would be handed a row that was never stored.
    const [row] = this.db
      .insert(searches)
      .values({
        kind: checked.kind,
        status,
        goal: checked.goal,
        spec: JSON.stringify(checked),
        description: options.description ?? checked.description ?? null,
        createdAt: t,
        startedAt: status === "running" ? t : null,
        ...(options.lease
          ? {
              leaseOwner: options.lease.owner,
              leaseExpiresAt: new Date(t.getTime() + options.lease.ttlMs),
              heartbeatAt: t,
            }
          : {}),
      })
      .returning()
      .all();
    return toSearch(row!);
  }

  async getSearch(id: number): Promise<Search | undefined> {
    const row = this.searchById.get({ id });
    return row === undefined ? undefined : toSearch(row);
  }

  listSearches(
    options?: ListSearchesOptions & { withUnreadable?: false },
  ): Promise<SearchSummary[]>;
  listSearches(options: ListSearchesOptions & { withUnreadable: true }): Promise<SearchListEntry[]>;
  async listSearches(
    options: ListSearchesOptions & { withUnreadable?: boolean } = {},
  ): Promise<SearchListEntry[]> {
    const rows = this.db
      .select()
      .from(searches)
      .where(options.status ? inArray(searches.status, [...options.status]) : undefined)
      .orderBy(desc(searches.id))
      .limit(options.limit ?? 50)
      .offset(options.offset ?? 0)
      .all();
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const counted = this.db
      .select({ searchId: trials.searchId, status: trials.status, n: count() })
      .from(trials)
      .where(inArray(trials.searchId, ids))
      .groupBy(trials.searchId, trials.status)
      .all();
    const byId = new Map<number, SearchSummary>();
    const listed = rows.map((r): SearchListEntry => {
      const entry = toSearchEntry(r);
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

  async countSearches(options: { status?: readonly SearchStatus[] } = {}): Promise<number> {
    const row = this.db
      .select({ n: count() })
      .from(searches)
      .where(options.status ? inArray(searches.status, [...options.status]) : undefined)
      .get();
    return row?.n ?? 0;
  }

  async updateSearch(
    id: number,
    patch: SearchPatch,
    condition: WriteCondition = {},
  ): Promise<Search> {
    checkSearchId(id);
    const spec = patch.spec === undefined ? undefined : checkSpec(patch.spec);
    const row = this.write((tx) => {
      const row = this.searchRecord(id);
      const { ifStatus, leaseOwner } = condition;
      if (ifStatus && !ifStatus.includes(row.status as never)) {
        throw new StateConflictError(describeStatusConflict(`search ${id}`, row.status, ifStatus));
      }
      if (leaseOwner !== undefined && row.leaseOwner !== leaseOwner) {
        throw new StateConflictError(
          `search ${id} is leased by ${row.leaseOwner ?? "nobody"}, not ${leaseOwner}`,
        );
      }
      const updated = tx
        .update(searches)
        .set({
          status: patch.status,
          description: patch.description,
          startedAt: patch.startedAt,
          endedAt: patch.endedAt,
          failureReason: patch.failureReason,
          stopRequested: patch.stopRequested,
          ...(spec && { spec: JSON.stringify(spec), kind: spec.kind, goal: spec.goal }),
        })
        .where(eq(searches.id, id))
        .returning()
        .get()!;
      if (spec && spec.goal !== row.goal) {
        this.recomputeBest(tx, id, spec.goal);
        return this.searchRecord(id);
      }
      return updated;
    });
    return toSearch(row);
  }

  async requestStop(id: number, mode: "stop" | "kill"): Promise<Search> {
    checkSearchId(id);
    const t = new Date(this.now());
    const row = this.write((tx) => {
      const row = this.searchRecord(id);
      if (isFinalSearch(row.status as never)) {
        throw new StateConflictError(`search ${id} has already ended (${row.status})`);
      }
      const live = row.leaseOwner !== null && (row.leaseExpiresAt?.getTime() ?? 0) > t.getTime();
      if (row.status === "queued" && !live) {
        this.event(tx, id, "stop", `${mode} requested before the search started`, t);
        return tx
          .update(searches)
          .set({ status: mode === "stop" ? "stopped" : "killed", stopRequested: mode, endedAt: t })
          .where(eq(searches.id, id))
          .returning()
          .get()!;
      }
      const stop = strongerStop(row.stopRequested as "none", mode);
      if (stop !== row.stopRequested) this.event(tx, id, "stop", `${stop} requested`, t);
      return tx
        .update(searches)
        .set({ status: "stopping", stopRequested: stop })
        .where(eq(searches.id, id))
        .returning()
        .get()!;
    });
    return toSearch(row);
  }

  async acquireLease(searchId: number, owner: string, ttlMs: number): Promise<boolean> {
    checkLease(owner, ttlMs);
    const t = this.now();
    return this.write((tx) => {
      const row = this.searchById.get({ id: searchId });
      if (row === undefined) return false;
      const expired = row.leaseExpiresAt === null || row.leaseExpiresAt.getTime() <= t;
      if (row.leaseOwner !== null && row.leaseOwner !== owner && !expired) return false;
      tx.update(searches)
        .set({ leaseOwner: owner, leaseExpiresAt: new Date(t + ttlMs), heartbeatAt: new Date(t) })
        .where(eq(searches.id, searchId))
        .run();
      if (row.leaseOwner !== owner) {
        const message =
          row.leaseOwner === null
            ? `leased by ${owner}`
            : `lease taken over by ${owner} from ${row.leaseOwner} (expired)`;
        this.event(tx, searchId, "lease", message, new Date(t));
      }
      return true;
    });
  }

  async renewLease(searchId: number, owner: string, ttlMs: number): Promise<boolean> {
    checkLease(owner, ttlMs);
    const t = this.now();
    const result = this.db
      .update(searches)
      .set({ leaseExpiresAt: new Date(t + ttlMs), heartbeatAt: new Date(t) })
      .where(and(eq(searches.id, searchId), eq(searches.leaseOwner, owner)))
      .run();
    return result.changes === 1;
  }

  async releaseLease(searchId: number, owner: string): Promise<boolean> {
    const t = new Date(this.now());
    return this.write((tx) => {
      const result = tx
        .update(searches)
        .set({ leaseOwner: null, leaseExpiresAt: null })
        .where(and(eq(searches.id, searchId), eq(searches.leaseOwner, owner)))
        .run();
      if (result.changes !== 1) return false;
      this.event(tx, searchId, "lease", `lease released by ${owner}`, t);
      return true;
    });
  }

  async claimNextQueuedSearch(
    owner: string,
    ttlMs: number,
    options: ClaimOptions = {},
  ): Promise<Search | undefined> {
    checkLease(owner, ttlMs);
    const skip = options.skip?.length ? notInArray(searches.id, [...options.skip]) : undefined;
    const t = new Date(this.now());
    const row = this.write((tx) => {
      const pick = (statuses: string[]) => {
        // A row this version cannot read is passed over, untouched, for a version that can.
        const unreadable: number[] = [];
        for (;;) {
          const row = tx
            .select()
            .from(searches)
            .where(
              and(
                inArray(searches.status, statuses),
                this.leaseFree(t),
                skip,
                unreadable.length > 0 ? notInArray(searches.id, unreadable) : undefined,
              ),
            )
            .orderBy(asc(searches.id))
            .limit(1)
            .get();
          if (row === undefined || isReadableSearch({ ...row, spec: readJson(row.spec) }))
            return row;
          unreadable.push(row.id);
        }
      };
      const row = pick(["running", "stopping"]) ?? pick(["queued"]);
      if (row === undefined) return undefined;
      const message =
        row.status === "queued"
          ? `claimed by ${owner}`
          : row.leaseOwner === null
            ? `resumed by ${owner}`
            : `lease taken over by ${owner} from ${row.leaseOwner} (expired)`;
      this.event(tx, row.id, "lease", message, t);
      return tx
        .update(searches)
        .set({
          leaseOwner: owner,
          leaseExpiresAt: new Date(t.getTime() + ttlMs),
          heartbeatAt: t,
          status: row.status === "queued" ? "running" : row.status,
          startedAt: row.startedAt ?? t,
        })
        .where(eq(searches.id, row.id))
        .returning()
        .get()!;
    });
    return row === undefined ? undefined : toSearch(row);
  }

  private checkLeaseOwner(searchId: number, leaseOwner: string | undefined): SearchRecord {
    const search = this.searchRecord(searchId);
    if (leaseOwner !== undefined && search.leaseOwner !== leaseOwner) {
      throw new StateConflictError(
        `search ${searchId} is leased by ${search.leaseOwner ?? "nobody"}, not ${leaseOwner}`,
      );
    }
    return search;
  }

  async createTrial(
    searchId: number,
    trial: NewTrial,
    condition: LeaseCondition = {},
  ): Promise<Trial> {
    const { params, status } = checkNewTrial(trial);
    const t = new Date(this.now());
    const row = this.write((tx) => {
      this.checkLeaseOwner(searchId, condition.leaseOwner);
      try {
        return tx
          .insert(trials)
          .values({
            searchId,
            number: trial.number,
            status,
            params: JSON.stringify(params),
            createdAt: t,
            startedAt: trial.startedAt ?? (status === "running" ? t : null),
            handle: encodeHandle(trial.handle),
          })
          .returning()
          .get();
      } catch (e) {
        if (isUniqueViolation(e))
          throw new TrialNumberTakenError(searchId, trial.number, { cause: e });
        throw e;
      }
    });
    return toTrial(row);
  }

  async updateTrial(
    searchId: number,
    number: number,
    patch: TrialPatch,
    condition: TrialWriteCondition = {},
  ): Promise<Trial> {
    checkTrialNumber(number);
    const row = this.write((tx) => {
      const current = this.trialByNumber.get({ searchId, number });
      if (current === undefined) throw new TrialNotFoundError(searchId, number);
      const search = this.checkLeaseOwner(searchId, condition.leaseOwner);
      const { ifStatus } = condition;
      if (ifStatus && !ifStatus.includes(current.status as never)) {
        throw new StateConflictError(
          describeStatusConflict(`trial ${number} of search ${searchId}`, current.status, ifStatus),
        );
      }
      const updated = tx
        .update(trials)
        .set({
          status: patch.status,
          value: storedValue(patch.value),
          startedAt: patch.startedAt,
          endedAt: patch.endedAt,
          exitCode: patch.exitCode,
          signal: patch.signal,
          reason: patch.reason,
          ...(patch.handle !== undefined && { handle: encodeHandle(patch.handle) }),
        })
        .where(eq(trials.id, current.id))
        .returning()
        .get()!;
      // Only complete trials compete for the best.
      if (current.status === "complete" || updated.status === "complete") {
        this.recomputeBest(tx, searchId, search.goal);
      }
      return updated;
    });
    return toTrial(row);
  }

  async getTrial(searchId: number, number: number): Promise<Trial | undefined> {
    const row = this.trialByNumber.get({ searchId, number });
    return row === undefined ? undefined : toTrial(row);
  }

  async listTrials(
    searchId: number,
    options: { status?: readonly TrialStatus[] } = {},
  ): Promise<Trial[]> {
    return this.db
      .select()
      .from(trials)
      .where(
        and(
          eq(trials.searchId, searchId),
          options.status ? inArray(trials.status, [...options.status]) : undefined,
        ),
      )
      .orderBy(asc(trials.number))
      .all()
      .map(toTrial);
  }

  async countTrials(searchId: number): Promise<TrialCounts> {
    const counts = emptyCounts();
    const rows = this.db
      .select({ status: trials.status, n: count() })
      .from(trials)
      .where(eq(trials.searchId, searchId))
      .groupBy(trials.status)
      .all();
    for (const r of rows) addCount(counts, r.status, r.n);
    return counts;
  }

  async addMetricPoints(ref: TrialRef, points: readonly MetricPointInput[]): Promise<number> {
    const unique = checkMetricPoints(points);
    this.write(() => {
      const trial = this.trialByNumber.get({ searchId: ref.searchId, number: ref.number });
      if (trial === undefined) throw new TrialNotFoundError(ref.searchId, ref.number);
      for (const p of unique) {
        this.upsertPoint.run({
          trialId: trial.id,
          name: p.name,
          step: p.step,
          value: Number.isNaN(p.value) ? null : p.value,
          time: p.time,
        });
      }
    });
    return unique.length;
  }

  async listMetricPoints(searchId: number, query: MetricPointQuery = {}): Promise<MetricPoint[]> {
    return this.db
      .select({
        trialNumber: trials.number,
        name: metricPoints.name,
        step: metricPoints.step,
        value: metricPoints.value,
        time: metricPoints.time,
      })
      .from(metricPoints)
      .innerJoin(trials, eq(trials.id, metricPoints.trialId))
      .where(
        and(
          eq(trials.searchId, searchId),
          query.trial === undefined ? undefined : eq(trials.number, query.trial),
          query.name === undefined ? undefined : eq(metricPoints.name, query.name),
        ),
      )
      .orderBy(asc(trials.number), asc(metricPoints.name), asc(metricPoints.step))
      .all()
      .map((p) => ({ ...p, value: pointValue(p.value) }));
  }

  async listMetricNames(searchId: number): Promise<string[]> {
    return this.db
      .selectDistinct({ name: metricPoints.name })
      .from(metricPoints)
      .innerJoin(trials, eq(trials.id, metricPoints.trialId))
      .where(eq(trials.searchId, searchId))
      .orderBy(asc(metricPoints.name))
      .all()
      .map((r) => r.name);
  }

  async *exportMetricPoints(
    searchId: number,
    options: { batchSize?: number } = {},
  ): AsyncIterable<MetricPoint[]> {
    const batchSize = Math.max(1, options.batchSize ?? 5000);
    const trialKeys = this.db
      .select({ id: trials.id, number: trials.number })
      .from(trials)
      .where(eq(trials.searchId, searchId))
      .orderBy(asc(trials.number))
      .all();
    let batch: MetricPoint[] = [];
    for (const trial of trialKeys) {
      // Keyset pages over the primary key: each page is one short statement, so no cursor stays
      // open on the connection while the consumer awaits.
      let after: { name: string; step: number } | undefined;
      for (;;) {
        const page = this.db
          .select({
            name: metricPoints.name,
            step: metricPoints.step,
            value: metricPoints.value,
            time: metricPoints.time,
          })
          .from(metricPoints)
          .where(
            and(
              eq(metricPoints.trialId, trial.id),
              after &&
                sql`(${metricPoints.name}, ${metricPoints.step}) > (${after.name}, ${after.step})`,
            ),
          )
          .orderBy(asc(metricPoints.name), asc(metricPoints.step))
          .limit(batchSize - batch.length)
          .all();
        for (const p of page) {
          batch.push({ trialNumber: trial.number, ...p, value: pointValue(p.value) });
        }
        const last = page[page.length - 1];
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
        if (last === undefined || page.length === 0) break;
        after = { name: last.name, step: last.step };
      }
    }
    if (batch.length > 0) yield batch;
  }

  async addEvent(searchId: number, event: NewEvent): Promise<SearchEvent> {
    checkSearchId(searchId);
    try {
      // `.all()`: see createSearch.
      const [row] = this.db
        .insert(events)
        .values({
          searchId,
          trialNumber: event.trialNumber ?? null,
          time: event.time ?? new Date(this.now()),
          kind: event.kind,
          message: event.message,
        })
        .returning()
        .all();
      return eventFromRow(row!);
    } catch (e) {
      if (driverErrorCode(e) === "SQLITE_CONSTRAINT_FOREIGNKEY") {
        throw new SearchNotFoundError(searchId);
      }
      throw e;
    }
  }

  async listEvents(searchId: number, options: ListEventsOptions = {}): Promise<SearchEvent[]> {
    return this.db
      .select()
      .from(events)
      .where(
        and(
          eq(events.searchId, searchId),
          options.afterId === undefined ? undefined : gt(events.id, options.afterId),
        ),
      )
      .orderBy(asc(events.id))
      .limit(options.limit ?? 1000)
      .all()
      .map(eventFromRow);
  }

  async close(): Promise<void> {
    if (this.client.open) this.client.close();
  }
}
