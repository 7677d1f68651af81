/**
 * The PostgreSQL store, for teams that share one database between machines
 * (`HYPERBAYES_DATABASE_URL=postgres://...`). Same contract and same table shapes as `sqlite.ts`;
 * the difference is how read-then-write stays atomic:
 *   - each such operation runs in a transaction that first locks the search row
 *     (SELECT ... FOR UPDATE), always search before trial, so writers of one search queue up and
 *     never deadlock;
 *   - `claimNextQueuedSearch` uses FOR UPDATE SKIP LOCKED, so claimers pass over a search another
 *     claimer is taking instead of waiting for it;
 *   - migrations run under an advisory lock, so two processes starting at once apply them once.
 * Lease times come from this process's clock, as with SQLite: machines sharing a database must
 * keep their clocks in sync (NTP) to within a small fraction of the lease ttl.
 */
import { and, asc, count, desc, eq, gt, inArray, type SQL, sql } from "drizzle-orm";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { StorageError, UsageError } from "../lib/errors";
import type { Goal } from "../lib/metrics/schema";
import type { SearchSpec } from "../lib/search/spec";
import type { TrialStatus } from "../lib/search/status";
import { describePgUrl, storeError, translatingStore } from "./errors";
import { checkAppliedMigrations, defaultMigrationsFolder, STORE_TABLES } from "./migrations-folder";
import { driverErrorCode, type EventRow, type SearchRow, type TrialRow } from "./rows";
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
import { events, metricPoints, searches, trials } from "./schema.pg";
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

/** A list's filter in SQL: its statuses, and its label among the spec's `labels` (jsonb). */
function searchFilterSql(filter: SearchFilter): SQL | undefined {
  const labelled =
    filter.label === undefined
      ? undefined
      : sql`(${searches.spec} -> 'labels') @> jsonb_build_array(${filter.label}::text)`;
  return and(filter.status && inArray(searches.status, [...filter.status]), labelled);
}

export interface PgStoreOptions extends StoreClock {
  /** Connections kept by this process. Default 4. */
  maxConnections?: number;
  /** Default: `migrations/pg` beside this file. */
  migrationsFolder?: string;
}

/** Any key: it only has to be the same in every Hyperbayes process. */
const MIGRATION_LOCK = 7_239_510_417;
const UNIQUE_VIOLATION = "23505";
const FOREIGN_KEY_VIOLATION = "23503";

type Db = NodePgDatabase<Record<string, never>>;

/** drizzle's bookkeeping of applied migrations (its default schema and table). */
const MIGRATIONS_TABLE = "drizzle.__drizzle_migrations";

/**
 * Refuses, before migrating, a database this version must leave as it is: newer (its record of
 * migrations names one this version lacks), or holding tables by our names with no record of
 * how they got there. Other tables are left alone: a database may be shared with other schemas.
 */
async function checkSchema(
  client: pg.PoolClient,
  migrations: readonly { folderMillis: number }[],
  at: string,
): Promise<void> {
  const { rows } = await client.query<{ recorded: boolean; ours: string[] | null }>(
    `SELECT to_regclass($1) IS NOT NULL AS recorded,
       (SELECT array_agg(c.relname::text) FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname = ANY($2)) AS ours`,
    [MIGRATIONS_TABLE, STORE_TABLES],
  );
  const { recorded, ours } = rows[0] ?? { recorded: false, ours: null };
  if (!recorded) {
    if (ours !== null && ours.length > 0) {
      throw new StorageError(
        "foreign",
        `the database ${at} already has tables named ${ours.join(", ")} that Hyperbayes has no record of creating: use another database`,
      );
    }
    return;
  }
  const applied = await client.query<{ created_at: string }>(
    `SELECT created_at FROM ${MIGRATIONS_TABLE}`,
  );
  checkAppliedMigrations(
    applied.rows.map((r) => Number(r.created_at)),
    migrations,
    `the PostgreSQL database ${at}`,
  );
}

/**
 * Connects, brings the schema up to date, and returns the store. A server that cannot be reached
 * and a database that is newer or not ours are refused with a one-line `StorageError`; nothing
 * is written to a database this version refuses.
 */
export async function openPgStore(url: string, options: PgStoreOptions = {}): Promise<Store> {
  const target = { dialect: "postgres", url } as const;
  try {
    return translatingStore(await connect(url, options), target);
  } catch (e) {
    throw storeError(e, target);
  }
}

async function connect(url: string, options: PgStoreOptions): Promise<Store> {
  // pg reads a URL it cannot parse as a Unix socket path, to fail later with a confusing error.
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new UsageError(
      "HYPERBAYES_DATABASE_URL must be a postgres:// or postgresql:// URL (e.g. postgres://user:password@host:5432/hyperbayes)",
    );
  }
  const folder = options.migrationsFolder ?? defaultMigrationsFolder("pg");
  const migrations = readMigrationFiles({ migrationsFolder: folder });
  const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 4 });
  // An idle connection the server dropped (a restart, a failover) is reported here, and without a
  // listener the process would crash. The pool discards it; the next query connects afresh.
  pool.on("error", () => {});
  // The same for a connection checked out by a query or a transaction: pg reports its failure on
  // the client as well as failing the query, and an unheard 'error' would crash the process.
  pool.on("connect", (client) => client.on("error", () => {}));
  try {
    const client = await pool.connect();
    try {
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
      try {
        await checkSchema(client, migrations, describePgUrl(url));
        await migrate(drizzle({ client }), { migrationsFolder: folder });
      } finally {
        await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
      }
    } finally {
      client.release();
    }
  } catch (e) {
    await pool.end();
    throw e;
  }
  return new SharedStore(new PgDialect(pool), options);
}

/**
 * PostgreSQL's primitives. A read-then-write locks the search row first (FOR UPDATE; a claim
 * SKIP LOCKED, passing over a search another claimer is taking), then the trial's, so writers of
 * one search queue up and never deadlock.
 */
class PgDialect implements Dialect {
  readonly name = "postgres" as const;
  private readonly db: Db;

  constructor(private readonly pool: pg.Pool) {
    this.db = drizzle({ client: pool });
  }

  /**
   * A transaction on a connection of its own, always given back. (drizzle's transaction on the
   * pool keeps the connection when BEGIN itself fails, as it does on a server that just went
   * away; four such leaks leave every later query waiting forever for a free connection.) A
   * broken connection is dropped on release, and the next transaction connects afresh.
   */
  private async write<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await drizzle({ client }).transaction((tx) => fn(tx as unknown as Db));
    } finally {
      client.release();
    }
  }

  private async findBest(tx: Db, searchId: number, goal: Goal): Promise<void> {
    const [best] = await tx
      .select({ number: trials.number, value: trials.value })
      .from(trials)
      .where(bestCandidatesSql(trials, searchId))
      .orderBy(...bestOrderSql(trials, goal))
      .limit(1);
    await tx.update(searches).set(bestColumns(best)).where(eq(searches.id, searchId));
  }

  async insertSearch(values: NewSearchValues, spec: SearchSpec): Promise<SearchRow> {
    const [row] = await this.db
      .insert(searches)
      .values({ ...values, spec })
      .returning();
    return row!;
  }

  async searchRow(id: number): Promise<SearchRow | undefined> {
    const [row] = await this.db.select().from(searches).where(eq(searches.id, id));
    return row;
  }

  searchRows(filter: SearchFilter & { limit: number; offset: number }) {
    return this.db
      .select()
      .from(searches)
      .where(searchFilterSql(filter))
      .orderBy(desc(searches.id))
      .limit(filter.limit)
      .offset(filter.offset);
  }

  async countSearches(filter: SearchFilter): Promise<number> {
    const [row] = await this.db
      .select({ n: count() })
      .from(searches)
      .where(searchFilterSql(filter));
    return row?.n ?? 0;
  }

  trialCounts(searchIds: readonly number[]) {
    return this.db
      .select({ searchId: trials.searchId, status: trials.status, n: count() })
      .from(trials)
      .where(inArray(trials.searchId, [...searchIds]))
      .groupBy(trials.searchId, trials.status);
  }

  changeSearch(pick: SearchPick, decide: (row: SearchRow) => SearchChange | undefined) {
    return this.write(async (tx) => {
      const [row] =
        "id" in pick
          ? await tx.select().from(searches).where(eq(searches.id, pick.id)).for("update")
          : await tx
              .select()
              .from(searches)
              .where(claimableSql(searches, pick.claimableAt, pick.skip))
              .orderBy(...claimOrderSql(searches))
              .limit(1)
              .for("update", { skipLocked: true });
      if (row === undefined) return undefined;
      const change = decide(row);
      if (change === undefined) return { id: row.id };
      const { set, spec, events: happened, bestBy } = change;
      const where = eq(searches.id, row.id);
      await tx
        .update(searches)
        .set({ ...set, ...(spec && { spec }) })
        .where(where);
      if (happened.length > 0) {
        await tx.insert(events).values(happened.map((e) => ({ searchId: row.id, ...e })));
      }
      if (bestBy !== undefined) await this.findBest(tx, row.id, bestBy);
      const [after] = await tx.select().from(searches).where(where);
      return { id: row.id, after: after! };
    });
  }

  deleteSearchRow(id: number, check: (row: SearchRow) => void): Promise<boolean> {
    return this.write(async (tx) => {
      const [row] = await tx.select().from(searches).where(eq(searches.id, id)).for("update");
      if (row === undefined) return false;
      check(row);
      await tx.delete(searches).where(eq(searches.id, id));
      return true;
    });
  }

  async setLeaseIfOwned(
    id: number,
    owner: string,
    set: LeaseSet,
    event?: RuleEvent,
  ): Promise<boolean> {
    const held = and(eq(searches.id, id), eq(searches.leaseOwner, owner));
    const update = (db: Db) =>
      db.update(searches).set(set).where(held).returning({ id: searches.id });
    if (event === undefined) return (await update(this.db)).length === 1;
    return this.write(async (tx) => {
      if ((await update(tx)).length !== 1) return false;
      await tx.insert(events).values({ searchId: id, ...event });
      return true;
    });
  }

  insertTrial(
    values: NewTrialValues,
    check: (search: SearchState | undefined) => void,
  ): Promise<TrialRow> {
    return this.write(async (tx) => {
      const [search] = await tx
        .select()
        .from(searches)
        .where(eq(searches.id, values.searchId))
        .for("update");
      check(search);
      // check refused a missing search.
      const seq = nextChange(search!);
      const [row] = await tx
        .insert(trials)
        .values({ ...values, seq })
        .returning();
      await tx.update(searches).set({ trialSeq: seq }).where(eq(searches.id, values.searchId));
      return row!;
    });
  }

  changeTrial(
    ref: TrialRef,
    decide: (search: SearchChanges, trial: TrialState) => TrialChange,
  ): Promise<TrialRow | undefined> {
    return this.write(async (tx) => {
      // The search row first: concurrent writers of one search's best trial must not interleave.
      const [search] = await tx
        .select()
        .from(searches)
        .where(eq(searches.id, ref.searchId))
        .for("update");
      const where = and(eq(trials.searchId, ref.searchId), eq(trials.number, ref.number));
      const [current] = await tx.select().from(trials).where(where).for("update");
      if (search === undefined || current === undefined) return undefined;
      const { set, handle, bestBy, seq } = decide(search, current);
      const [updated] = await tx
        .update(trials)
        .set({ ...set, seq, ...(handle !== undefined && { handle }) })
        .where(where)
        .returning();
      await tx.update(searches).set({ trialSeq: seq }).where(eq(searches.id, ref.searchId));
      if (bestBy !== undefined) await this.findBest(tx, ref.searchId, bestBy);
      return updated!;
    });
  }

  async trialRow(ref: TrialRef): Promise<TrialRow | undefined> {
    const [row] = await this.db
      .select()
      .from(trials)
      .where(and(eq(trials.searchId, ref.searchId), eq(trials.number, ref.number)));
    return row;
  }

  trialRows(searchId: number, status?: readonly TrialStatus[]): Promise<TrialRow[]> {
    return this.db
      .select()
      .from(trials)
      .where(and(eq(trials.searchId, searchId), status && inArray(trials.status, [...status])))
      .orderBy(asc(trials.number));
  }

  changedTrialRows(searchId: number, cursor: number): Promise<TrialRow[]> {
    return this.db
      .select()
      .from(trials)
      .where(changedAfterSql(trials, searchId, cursor));
  }

  /** Takes no search lock: points are the hot path and touch only their trial's rows. */
  upsertPoints(ref: TrialRef, points: readonly MetricPointInput[]): Promise<boolean> {
    return this.write(async (tx) => {
      const [trial] = await tx
        .select({ id: trials.id })
        .from(trials)
        .where(and(eq(trials.searchId, ref.searchId), eq(trials.number, ref.number)));
      if (trial === undefined) return false;
      // One statement per batch: five arrays unnested into rows. Building a multi-row VALUES
      // list costs ~1 s per 10k points in query building alone; this takes a small fraction.
      await tx.execute(sql`
        INSERT INTO ${metricPoints} (trial_id, name, step, value, time)
        SELECT ${trial.id}, p.name, p.step, p.value, p.time
        FROM unnest(
          ${sql.param(points.map((p) => p.name))}::text[],
          ${sql.param(points.map((p) => p.step))}::bigint[],
          ${sql.param(points.map((p) => p.value))}::double precision[],
          ${sql.param(points.map((p) => p.time.toISOString()))}::timestamptz[]
        ) AS p(name, step, value, time)
        ON CONFLICT (trial_id, name, step)
        DO UPDATE SET value = excluded.value, time = excluded.time`);
      return true;
    });
  }

  pointRows(searchId: number, query: MetricPointQuery) {
    const { name, step, value, time } = metricPoints;
    return this.db
      .select({ trialNumber: trials.number, name, step, value, time })
      .from(metricPoints)
      .innerJoin(trials, eq(trials.id, metricPoints.trialId))
      .where(
        and(
          eq(trials.searchId, searchId),
          query.trial === undefined ? undefined : eq(trials.number, query.trial),
          query.name === undefined ? undefined : eq(name, query.name),
        ),
      )
      .orderBy(asc(trials.number), asc(name), asc(step));
  }

  async metricNames(searchId: number): Promise<string[]> {
    const rows = await this.db
      .selectDistinct({ name: metricPoints.name })
      .from(metricPoints)
      .innerJoin(trials, eq(trials.id, metricPoints.trialId))
      .where(eq(trials.searchId, searchId))
      .orderBy(asc(metricPoints.name));
    return rows.map((r) => r.name);
  }

  trialKeys(searchId: number) {
    return this.db
      .select({ id: trials.id, number: trials.number })
      .from(trials)
      .where(eq(trials.searchId, searchId))
      .orderBy(asc(trials.number));
  }

  pointsPage(trialId: number, after: { name: string; step: number } | undefined, limit: number) {
    const { name, step, value, time } = metricPoints;
    const past = after && sql`(${name}, ${step}) > (${after.name}, ${after.step})`;
    return this.db
      .select({ name, step, value, time })
      .from(metricPoints)
      .where(and(eq(metricPoints.trialId, trialId), past))
      .orderBy(asc(name), asc(step))
      .limit(limit);
  }

  async insertEvent(values: NewEventValues): Promise<EventRow> {
    const [row] = await this.db.insert(events).values(values).returning();
    return row!;
  }

  eventRows(searchId: number, afterId: number | undefined, limit: number): Promise<EventRow[]> {
    const after = afterId === undefined ? undefined : gt(events.id, afterId);
    return this.db
      .select()
      .from(events)
      .where(and(eq(events.searchId, searchId), after))
      .orderBy(asc(events.id))
      .limit(limit);
  }

  violation(e: unknown): "unique" | "foreign_key" | undefined {
    const code = driverErrorCode(e);
    return code === UNIQUE_VIOLATION
      ? "unique"
      : code === FOREIGN_KEY_VIOLATION
        ? "foreign_key"
        : undefined;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
