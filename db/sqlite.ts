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
import { and, asc, count, desc, eq, gt, inArray, type SQL, sql } from "drizzle-orm";
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";
import { type MigrationMeta, readMigrationFiles } from "drizzle-orm/migrator";
import { StorageError } from "../lib/errors";
import type { Goal } from "../lib/metrics/schema";
import type { SearchSpec } from "../lib/search/spec";
import type { TrialStatus } from "../lib/search/status";
import { databaseIsFolder, storeError, translatingStore } from "./errors";
import { checkAppliedMigrations, defaultMigrationsFolder, STORE_TABLES } from "./migrations-folder";
import { driverErrorCode, type EventRow, readJson, type SearchRow, type TrialRow } from "./rows";
import {
  bestCandidatesSql,
  bestColumns,
  bestOrderSql,
  changedAfterSql,
  claimableSql,
  claimOrderSql,
  type LeaseSet,
  nextChange,
  type RuleEvent,
  type SearchChange,
  type SearchChanges,
  type SearchState,
  type TrialChange,
  type TrialState,
} from "./rules";
import { events, metricPoints, searches, trials } from "./schema.sqlite";
import {
  type Dialect,
  type NewEventValues,
  type NewSearchValues,
  type NewTrialValues,
  type SearchPick,
  SharedStore,
  type StoreClock,
} from "./shared-store";
import type { MetricPointInput, MetricPointQuery, SearchFilter, Store, TrialRef } from "./store";

/**
 * A list's filter in SQL: its statuses, and its label among the spec's `labels` (the JSON text,
 * read by json_each; a row whose spec is not JSON at all matches no label, and is still listed,
 * flagged, without one).
 */
function searchFilterSql(filter: SearchFilter): SQL | undefined {
  const labelled =
    filter.label === undefined
      ? undefined
      : sql`case when json_valid(${searches.spec}) then exists (select 1 from json_each(${searches.spec}, '$.labels') where value = ${filter.label}) else 0 end`;
  return and(filter.status && inArray(searches.status, [...filter.status]), labelled);
}

export interface SqliteStoreOptions extends StoreClock {
  /** How long a write waits for another process's lock before failing. Default 5000. */
  busyTimeoutMs?: number;
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

/** NULL stands for NaN in metric_points.value: SQLite turns a bound NaN into NULL anyway. */
const encodeHandle = (handle: unknown): string | null =>
  handle === undefined || handle === null ? null : JSON.stringify(handle);

const decodeSearch = (row: SearchRecord): SearchRow => ({ ...row, spec: readJson(row.spec) });

const decodeTrial = (row: TrialRecord): TrialRow => ({
  ...row,
  params: readJson(row.params),
  handle: row.handle === null ? null : readJson(row.handle),
});

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
  return translatingStore(new SharedStore(new SqliteDialect(client), options), target);
}

/**
 * SQLite's primitives. Every read-then-write runs in `write` (BEGIN IMMEDIATE) and is
 * synchronous from start to end, so nothing of this process interleaves with it either.
 */
class SqliteDialect implements Dialect {
  readonly name = "sqlite" as const;
  private readonly db: Db;

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

  constructor(private readonly client: Database.Database) {
    const db = drizzle({ client });
    this.db = db;
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
    const best = (goal: Goal) =>
      db
        .select({ number: trials.number, value: trials.value })
        .from(trials)
        .where(bestCandidatesSql(trials, sql.placeholder("searchId")))
        .orderBy(...bestOrderSql(trials, goal))
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

  private findBest(tx: Db, searchId: number, goal: Goal): void {
    const best = this.bestTrial[goal].get({ searchId });
    tx.update(searches).set(bestColumns(best)).where(eq(searches.id, searchId)).run();
  }

  insertSearch(values: NewSearchValues, spec: SearchSpec): SearchRow {
    // `.all()`, not `.get()`: outside a transaction an INSERT ... RETURNING commits only when it
    // runs to its end, and `.get()` stops at the first row, so a commit that fails (SQLITE_FULL)
    // would go unreported and the caller would be handed a row that was never stored.
    const [row] = this.db
      .insert(searches)
      .values({ ...values, spec: JSON.stringify(spec) })
      .returning()
      .all();
    return decodeSearch(row!);
  }

  searchRow(id: number): SearchRow | undefined {
    const row = this.searchById.get({ id });
    return row && decodeSearch(row);
  }

  searchRows(filter: SearchFilter & { limit: number; offset: number }) {
    return this.db
      .select()
      .from(searches)
      .where(searchFilterSql(filter))
      .orderBy(desc(searches.id))
      .limit(filter.limit)
      .offset(filter.offset)
      .all()
      .map(decodeSearch);
  }

  countSearches(filter: SearchFilter): number {
    return (
      this.db.select({ n: count() }).from(searches).where(searchFilterSql(filter)).get()?.n ?? 0
    );
  }

  trialCounts(searchIds: readonly number[]) {
    return this.db
      .select({ searchId: trials.searchId, status: trials.status, n: count() })
      .from(trials)
      .where(inArray(trials.searchId, [...searchIds]))
      .groupBy(trials.searchId, trials.status)
      .all();
  }

  changeSearch(pick: SearchPick, decide: (row: SearchRow) => SearchChange | undefined) {
    return this.write((tx) => {
      const row =
        "id" in pick
          ? this.searchById.get({ id: pick.id })
          : tx
              .select()
              .from(searches)
              .where(claimableSql(searches, pick.claimableAt, pick.skip))
              .orderBy(...claimOrderSql(searches))
              .limit(1)
              .get();
      if (row === undefined) return undefined;
      const change = decide(decodeSearch(row));
      if (change === undefined) return { id: row.id };
      const { set, spec, events: happened, bestBy } = change;
      tx.update(searches)
        .set({ ...set, ...(spec && { spec: JSON.stringify(spec) }) })
        .where(eq(searches.id, row.id))
        .run();
      for (const e of happened)
        tx.insert(events)
          .values({ searchId: row.id, ...e })
          .run();
      if (bestBy !== undefined) this.findBest(tx, row.id, bestBy);
      return { id: row.id, after: decodeSearch(this.searchById.get({ id: row.id })!) };
    });
  }

  deleteSearchRow(id: number, check: (row: SearchRow) => void): boolean {
    return this.write((tx) => {
      const row = this.searchById.get({ id });
      if (row === undefined) return false;
      check(decodeSearch(row));
      tx.delete(searches).where(eq(searches.id, id)).run();
      return true;
    });
  }

  setLeaseIfOwned(id: number, owner: string, set: LeaseSet, event?: RuleEvent): boolean {
    const held = and(eq(searches.id, id), eq(searches.leaseOwner, owner));
    if (event === undefined)
      return this.db.update(searches).set(set).where(held).run().changes === 1;
    return this.write((tx) => {
      if (tx.update(searches).set(set).where(held).run().changes !== 1) return false;
      tx.insert(events)
        .values({ searchId: id, ...event })
        .run();
      return true;
    });
  }

  insertTrial(values: NewTrialValues, check: (search: SearchState | undefined) => void): TrialRow {
    return this.write((tx) => {
      const search = this.searchById.get({ id: values.searchId });
      check(search);
      // check refused a missing search.
      const seq = nextChange(search!);
      const row = tx
        .insert(trials)
        .values({
          ...values,
          params: JSON.stringify(values.params),
          handle: encodeHandle(values.handle),
          seq,
        })
        .returning()
        .get();
      tx.update(searches).set({ trialSeq: seq }).where(eq(searches.id, values.searchId)).run();
      return decodeTrial(row);
    });
  }

  changeTrial(
    ref: TrialRef,
    decide: (search: SearchChanges, trial: TrialState) => TrialChange,
  ): TrialRow | undefined {
    return this.write((tx) => {
      const current = this.trialByNumber.get({ ...ref });
      if (current === undefined) return undefined;
      // The trial's foreign key keeps its search there.
      const { set, handle, bestBy, seq } = decide(
        this.searchById.get({ id: ref.searchId })!,
        current,
      );
      const updated = tx
        .update(trials)
        .set({ ...set, seq, ...(handle !== undefined && { handle: encodeHandle(handle) }) })
        .where(eq(trials.id, current.id))
        .returning()
        .get()!;
      tx.update(searches).set({ trialSeq: seq }).where(eq(searches.id, ref.searchId)).run();
      if (bestBy !== undefined) this.findBest(tx, ref.searchId, bestBy);
      return decodeTrial(updated);
    });
  }

  trialRow(ref: TrialRef): TrialRow | undefined {
    const row = this.trialByNumber.get({ ...ref });
    return row && decodeTrial(row);
  }

  trialRows(searchId: number, status?: readonly TrialStatus[]): TrialRow[] {
    return this.db
      .select()
      .from(trials)
      .where(and(eq(trials.searchId, searchId), status && inArray(trials.status, [...status])))
      .orderBy(asc(trials.number))
      .all()
      .map(decodeTrial);
  }

  changedTrialRows(searchId: number, cursor: number): TrialRow[] {
    return this.db
      .select()
      .from(trials)
      .where(changedAfterSql(trials, searchId, cursor))
      .all()
      .map(decodeTrial);
  }

  upsertPoints(ref: TrialRef, points: readonly MetricPointInput[]): boolean {
    return this.write(() => {
      const trial = this.trialByNumber.get({ ...ref });
      if (trial === undefined) return false;
      for (const p of points) {
        this.upsertPoint.run({
          trialId: trial.id,
          name: p.name,
          step: p.step,
          value: Number.isNaN(p.value) ? null : p.value,
          time: p.time,
        });
      }
      return true;
    });
  }

  pointRows(searchId: number, query: MetricPointQuery) {
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
      .all();
  }

  metricNames(searchId: number): string[] {
    return this.db
      .selectDistinct({ name: metricPoints.name })
      .from(metricPoints)
      .innerJoin(trials, eq(trials.id, metricPoints.trialId))
      .where(eq(trials.searchId, searchId))
      .orderBy(asc(metricPoints.name))
      .all()
      .map((r) => r.name);
  }

  trialKeys(searchId: number) {
    return this.db
      .select({ id: trials.id, number: trials.number })
      .from(trials)
      .where(eq(trials.searchId, searchId))
      .orderBy(asc(trials.number))
      .all();
  }

  pointsPage(trialId: number, after: { name: string; step: number } | undefined, limit: number) {
    const { name, step, value, time } = metricPoints;
    return this.db
      .select({ name, step, value, time })
      .from(metricPoints)
      .where(
        and(
          eq(metricPoints.trialId, trialId),
          after && sql`(${name}, ${step}) > (${after.name}, ${after.step})`,
        ),
      )
      .orderBy(asc(name), asc(step))
      .limit(limit)
      .all();
  }

  insertEvent(values: NewEventValues): EventRow {
    // `.all()`: see insertSearch.
    const [row] = this.db.insert(events).values(values).returning().all();
    return row!;
  }

  eventRows(searchId: number, afterId: number | undefined, limit: number): EventRow[] {
    return this.db
      .select()
      .from(events)
      .where(
        and(
          eq(events.searchId, searchId),
          afterId === undefined ? undefined : gt(events.id, afterId),
        ),
      )
      .orderBy(asc(events.id))
      .limit(limit)
      .all();
  }

  violation(e: unknown): "unique" | "foreign_key" | undefined {
    const code = driverErrorCode(e);
    if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY")
      return "unique";
    return code === "SQLITE_CONSTRAINT_FOREIGNKEY" ? "foreign_key" : undefined;
  }

  close(): void {
    if (this.client.open) this.client.close();
  }
}
