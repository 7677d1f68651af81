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
 * Metric points take no search lock: they are the hot path and touch only their trial's rows.
 * Lease times come from this process's clock, as with SQLite: machines sharing a database must
 * keep their clocks in sync (NTP) to within a small fraction of the lease ttl.
 */
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
import { readMigrationFiles } from "drizzle-orm/migrator";
import { drizzle, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { StorageError, UsageError } from "../lib/errors";
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
import { describePgUrl, storeError, translatingStore } from "./errors";
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
  idParam,
  isId,
  isReadableSearch,
  MAX_ID,
  searchEntryFromRow,
  searchFromRow,
  storedValue,
  strongerStop,
  trialFromRow,
} from "./rows";
import { events, metricPoints, searches, trials } from "./schema.pg";
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

export interface PgStoreOptions {
  /** Connections kept by this process. Default 4. */
  maxConnections?: number;
  /** Clock in ms, for tests of lease expiry. Default `Date.now`. */
  now?: () => number;
  /** Default: `migrations/pg` beside this file. */
  migrationsFolder?: string;
}

/** Any key: it only has to be the same in every Hyperbayes process. */
const MIGRATION_LOCK = 7_239_510_417;
const UNIQUE_VIOLATION = "23505";
const FOREIGN_KEY_VIOLATION = "23503";

type Db = NodePgDatabase<Record<string, never>>;
type SearchRecord = typeof searches.$inferSelect;
type TrialRecord = typeof trials.$inferSelect;

const toSearch = (row: SearchRecord): Search => searchFromRow(row);
const toTrial = (row: TrialRecord): Trial => trialFromRow(row);
const pointValue = (v: number | null): number => (v === null ? Number.NaN : v);

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
  return new PgStore(pool, drizzle({ client: pool }), options.now ?? Date.now);
}

class PgStore implements Store {
  readonly dialect = "postgres" as const;

  constructor(
    private readonly pool: pg.Pool,
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

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

  /** Locks the search row for the rest of the transaction. */
  private async lockSearch(tx: Db, id: number): Promise<SearchRecord> {
    const [row] = await tx.select().from(searches).where(eq(searches.id, id)).for("update");
    if (row === undefined) throw new SearchNotFoundError(id);
    return row;
  }

  private async event(
    tx: Db,
    searchId: number,
    kind: string,
    message: string,
    time: Date,
    trialNumber: number | null = null,
  ): Promise<void> {
    await tx.insert(events).values({ searchId, trialNumber, time, kind, message });
  }

  private async recomputeBest(tx: Db, searchId: number, goal: string): Promise<void> {
    const order = goal === "minimize" ? asc(trials.value) : desc(trials.value);
    const [best] = await tx
      .select({ number: trials.number, value: trials.value })
      .from(trials)
      .where(
        and(
          eq(trials.searchId, searchId),
          eq(trials.status, "complete"),
          sql`${trials.value} IS NOT NULL`,
        ),
      )
      .orderBy(order, asc(trials.number))
      .limit(1);
    await tx
      .update(searches)
      .set({ bestTrialNumber: best?.number ?? null, bestValue: best?.value ?? null })
      .where(eq(searches.id, searchId));
  }

  private leaseFree(t: Date): SQL {
    return or(isNull(searches.leaseOwner), lte(searches.leaseExpiresAt, t))!;
  }

  private checkLeaseOwner(search: SearchRecord, leaseOwner: string | undefined): void {
    if (leaseOwner !== undefined && search.leaseOwner !== leaseOwner) {
      throw new StateConflictError(
        `search ${search.id} is leased by ${search.leaseOwner ?? "nobody"}, not ${leaseOwner}`,
      );
    }
  }

  async createSearch(spec: SearchSpec, options: NewSearchOptions = {}): Promise<Search> {
    const checked = checkSpec(spec);
    const status = options.status ?? "queued";
    const t = new Date(this.now());
    const [row] = await this.db
      .insert(searches)
      .values({
        kind: checked.kind,
        status,
        goal: checked.goal,
        spec: checked,
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
      .returning();
    return toSearch(row!);
  }

  async getSearch(id: number): Promise<Search | undefined> {
    const [row] = await this.db
      .select()
      .from(searches)
      .where(eq(searches.id, idParam(id)));
    return row === undefined ? undefined : toSearch(row);
  }

  listSearches(
    options?: ListSearchesOptions & { withUnreadable?: false },
  ): Promise<SearchSummary[]>;
  listSearches(options: ListSearchesOptions & { withUnreadable: true }): Promise<SearchListEntry[]>;
  async listSearches(
    options: ListSearchesOptions & { withUnreadable?: boolean } = {},
  ): Promise<SearchListEntry[]> {
    const rows = await this.db
      .select()
      .from(searches)
      .where(options.status ? inArray(searches.status, [...options.status]) : undefined)
      .orderBy(desc(searches.id))
      .limit(options.limit ?? 50)
      .offset(options.offset ?? 0);
    if (rows.length === 0) return [];
    const counted = await this.db
      .select({ searchId: trials.searchId, status: trials.status, n: count() })
      .from(trials)
      .where(
        inArray(
          trials.searchId,
          rows.map((r) => r.id),
        ),
      )
      .groupBy(trials.searchId, trials.status);
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

  async countSearches(options: { status?: readonly SearchStatus[] } = {}): Promise<number> {
    const [row] = await this.db
      .select({ n: count() })
      .from(searches)
      .where(options.status ? inArray(searches.status, [...options.status]) : undefined);
    return row?.n ?? 0;
  }

  async updateSearch(
    id: number,
    patch: SearchPatch,
    condition: WriteCondition = {},
  ): Promise<Search> {
    checkSearchId(id);
    const spec = patch.spec === undefined ? undefined : checkSpec(patch.spec);
    const row = await this.write(async (tx) => {
      const row = await this.lockSearch(tx, id);
      const { ifStatus } = condition;
      if (ifStatus && !ifStatus.includes(row.status as never)) {
        throw new StateConflictError(describeStatusConflict(`search ${id}`, row.status, ifStatus));
      }
      this.checkLeaseOwner(row, condition.leaseOwner);
      await tx
        .update(searches)
        .set({
          status: patch.status,
          description: patch.description,
          startedAt: patch.startedAt,
          endedAt: patch.endedAt,
          failureReason: patch.failureReason,
          stopRequested: patch.stopRequested,
          ...(spec && { spec, kind: spec.kind, goal: spec.goal }),
        })
        .where(eq(searches.id, id));
      if (spec && spec.goal !== row.goal) await this.recomputeBest(tx, id, spec.goal);
      const [updated] = await tx.select().from(searches).where(eq(searches.id, id));
      return updated!;
    });
    return toSearch(row);
  }

  async requestStop(id: number, mode: "stop" | "kill"): Promise<Search> {
    checkSearchId(id);
    const t = new Date(this.now());
    const row = await this.write(async (tx) => {
      const row = await this.lockSearch(tx, id);
      if (isFinalSearch(row.status as never)) {
        throw new StateConflictError(`search ${id} has already ended (${row.status})`);
      }
      const live = row.leaseOwner !== null && (row.leaseExpiresAt?.getTime() ?? 0) > t.getTime();
      let set: Partial<SearchRecord>;
      if (row.status === "queued" && !live) {
        await this.event(tx, id, "stop", `${mode} requested before the search started`, t);
        set = { status: mode === "stop" ? "stopped" : "killed", stopRequested: mode, endedAt: t };
      } else {
        const stop = strongerStop(row.stopRequested as "none", mode);
        if (stop !== row.stopRequested) await this.event(tx, id, "stop", `${stop} requested`, t);
        set = { status: "stopping", stopRequested: stop };
      }
      const [updated] = await tx.update(searches).set(set).where(eq(searches.id, id)).returning();
      return updated!;
    });
    return toSearch(row);
  }

  async acquireLease(searchId: number, owner: string, ttlMs: number): Promise<boolean> {
    checkLease(owner, ttlMs);
    if (!isId(searchId)) return false;
    const t = this.now();
    return this.write(async (tx) => {
      const [row] = await tx.select().from(searches).where(eq(searches.id, searchId)).for("update");
      if (row === undefined) return false;
      const expired = row.leaseExpiresAt === null || row.leaseExpiresAt.getTime() <= t;
      if (row.leaseOwner !== null && row.leaseOwner !== owner && !expired) return false;
      await tx
        .update(searches)
        .set({ leaseOwner: owner, leaseExpiresAt: new Date(t + ttlMs), heartbeatAt: new Date(t) })
        .where(eq(searches.id, searchId));
      if (row.leaseOwner !== owner) {
        const message =
          row.leaseOwner === null
            ? `leased by ${owner}`
            : `lease taken over by ${owner} from ${row.leaseOwner} (expired)`;
        await this.event(tx, searchId, "lease", message, new Date(t));
      }
      return true;
    });
  }

  async renewLease(searchId: number, owner: string, ttlMs: number): Promise<boolean> {
    checkLease(owner, ttlMs);
    if (!isId(searchId)) return false;
    const t = this.now();
    const renewed = await this.db
      .update(searches)
      .set({ leaseExpiresAt: new Date(t + ttlMs), heartbeatAt: new Date(t) })
      .where(and(eq(searches.id, searchId), eq(searches.leaseOwner, owner)))
      .returning({ id: searches.id });
    return renewed.length === 1;
  }

  async releaseLease(searchId: number, owner: string): Promise<boolean> {
    if (!isId(searchId)) return false;
    const t = new Date(this.now());
    return this.write(async (tx) => {
      const released = await tx
        .update(searches)
        .set({ leaseOwner: null, leaseExpiresAt: null })
        .where(and(eq(searches.id, searchId), eq(searches.leaseOwner, owner)))
        .returning({ id: searches.id });
      if (released.length !== 1) return false;
      await this.event(tx, searchId, "lease", `lease released by ${owner}`, t);
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
    const row = await this.write(async (tx) => {
      const pick = async (statuses: string[]) => {
        // A row this version cannot read is passed over, untouched, for a version that can.
        const unreadable: number[] = [];
        for (;;) {
          const [row] = await tx
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
            .for("update", { skipLocked: true });
          if (row === undefined || isReadableSearch(row)) return row;
          unreadable.push(row.id);
        }
      };
      const row = (await pick(["running", "stopping"])) ?? (await pick(["queued"]));
      if (row === undefined) return undefined;
      const message =
        row.status === "queued"
          ? `claimed by ${owner}`
          : row.leaseOwner === null
            ? `resumed by ${owner}`
            : `lease taken over by ${owner} from ${row.leaseOwner} (expired)`;
      await this.event(tx, row.id, "lease", message, t);
      const [updated] = await tx
        .update(searches)
        .set({
          leaseOwner: owner,
          leaseExpiresAt: new Date(t.getTime() + ttlMs),
          heartbeatAt: t,
          status: row.status === "queued" ? "running" : row.status,
          startedAt: row.startedAt ?? t,
        })
        .where(eq(searches.id, row.id))
        .returning();
      return updated!;
    });
    return row === undefined ? undefined : toSearch(row);
  }

  async createTrial(
    searchId: number,
    trial: NewTrial,
    condition: LeaseCondition = {},
  ): Promise<Trial> {
    checkSearchId(searchId);
    const { params, status } = checkNewTrial(trial);
    const t = new Date(this.now());
    const row = await this.write(async (tx) => {
      const search = await this.lockSearch(tx, searchId);
      this.checkLeaseOwner(search, condition.leaseOwner);
      try {
        const [row] = await tx
          .insert(trials)
          .values({
            searchId,
            number: trial.number,
            status,
            params,
            createdAt: t,
            startedAt: trial.startedAt ?? (status === "running" ? t : null),
            handle: trial.handle ?? null,
          })
          .returning();
        return row!;
      } catch (e) {
        if (driverErrorCode(e) === UNIQUE_VIOLATION) {
          throw new TrialNumberTakenError(searchId, trial.number, { cause: e });
        }
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
    if (!isId(searchId)) {
      throw new TrialNotFoundError(searchId, number);
    }
    const row = await this.write(async (tx) => {
      // The search row first: concurrent writers of one search's best trial must not interleave.
      const [search] = await tx
        .select()
        .from(searches)
        .where(eq(searches.id, searchId))
        .for("update");
      const where = and(eq(trials.searchId, searchId), eq(trials.number, number));
      const [current] = await tx.select().from(trials).where(where).for("update");
      if (search === undefined || current === undefined) {
        throw new TrialNotFoundError(searchId, number);
      }
      this.checkLeaseOwner(search, condition.leaseOwner);
      const { ifStatus } = condition;
      if (ifStatus && !ifStatus.includes(current.status as never)) {
        throw new StateConflictError(
          describeStatusConflict(`trial ${number} of search ${searchId}`, current.status, ifStatus),
        );
      }
      const [updated] = await tx
        .update(trials)
        .set({
          status: patch.status,
          value: storedValue(patch.value),
          startedAt: patch.startedAt,
          endedAt: patch.endedAt,
          exitCode: patch.exitCode,
          signal: patch.signal,
          reason: patch.reason,
          ...(patch.handle !== undefined && { handle: patch.handle ?? null }),
        })
        .where(where)
        .returning();
      // Only complete trials compete for the best.
      if (current.status === "complete" || updated!.status === "complete") {
        await this.recomputeBest(tx, searchId, search.goal);
      }
      return updated!;
    });
    return toTrial(row);
  }

  async getTrial(searchId: number, number: number): Promise<Trial | undefined> {
    const [row] = await this.db
      .select()
      .from(trials)
      .where(and(eq(trials.searchId, idParam(searchId)), eq(trials.number, idParam(number))));
    return row === undefined ? undefined : toTrial(row);
  }

  async listTrials(
    searchId: number,
    options: { status?: readonly TrialStatus[] } = {},
  ): Promise<Trial[]> {
    const rows = await this.db
      .select()
      .from(trials)
      .where(
        and(
          eq(trials.searchId, idParam(searchId)),
          options.status ? inArray(trials.status, [...options.status]) : undefined,
        ),
      )
      .orderBy(asc(trials.number));
    return rows.map(toTrial);
  }

  async countTrials(searchId: number): Promise<TrialCounts> {
    const counts = emptyCounts();
    const rows = await this.db
      .select({ status: trials.status, n: count() })
      .from(trials)
      .where(eq(trials.searchId, idParam(searchId)))
      .groupBy(trials.status);
    for (const r of rows) addCount(counts, r.status, r.n);
    return counts;
  }

  async addMetricPoints(ref: TrialRef, points: readonly MetricPointInput[]): Promise<number> {
    const unique = checkMetricPoints(points);
    await this.write(async (tx) => {
      const [trial] = await tx
        .select({ id: trials.id })
        .from(trials)
        .where(
          and(eq(trials.searchId, idParam(ref.searchId)), eq(trials.number, idParam(ref.number))),
        );
      if (trial === undefined) throw new TrialNotFoundError(ref.searchId, ref.number);
      // One statement per batch: five arrays unnested into rows. Building a multi-row VALUES
      // list costs ~1 s per 10k points in query building alone; this takes a small fraction.
      await tx.execute(sql`
        INSERT INTO ${metricPoints} (trial_id, name, step, value, time)
        SELECT ${trial.id}, p.name, p.step, p.value, p.time
        FROM unnest(
          ${sql.param(unique.map((p) => p.name))}::text[],
          ${sql.param(unique.map((p) => p.step))}::bigint[],
          ${sql.param(unique.map((p) => p.value))}::double precision[],
          ${sql.param(unique.map((p) => p.time.toISOString()))}::timestamptz[]
        ) AS p(name, step, value, time)
        ON CONFLICT (trial_id, name, step)
        DO UPDATE SET value = excluded.value, time = excluded.time`);
    });
    return unique.length;
  }

  async listMetricPoints(searchId: number, query: MetricPointQuery = {}): Promise<MetricPoint[]> {
    const rows = await this.db
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
          eq(trials.searchId, idParam(searchId)),
          query.trial === undefined ? undefined : eq(trials.number, idParam(query.trial)),
          query.name === undefined ? undefined : eq(metricPoints.name, query.name),
        ),
      )
      .orderBy(asc(trials.number), asc(metricPoints.name), asc(metricPoints.step));
    return rows.map((p) => ({ ...p, value: pointValue(p.value) }));
  }

  async listMetricNames(searchId: number): Promise<string[]> {
    const rows = await this.db
      .selectDistinct({ name: metricPoints.name })
      .from(metricPoints)
      .innerJoin(trials, eq(trials.id, metricPoints.trialId))
      .where(eq(trials.searchId, idParam(searchId)))
      .orderBy(asc(metricPoints.name));
    return rows.map((r) => r.name);
  }

  async *exportMetricPoints(
    searchId: number,
    options: { batchSize?: number } = {},
  ): AsyncIterable<MetricPoint[]> {
    const batchSize = Math.max(1, options.batchSize ?? 5000);
    const trialKeys = await this.db
      .select({ id: trials.id, number: trials.number })
      .from(trials)
      .where(eq(trials.searchId, idParam(searchId)))
      .orderBy(asc(trials.number));
    let batch: MetricPoint[] = [];
    for (const trial of trialKeys) {
      // Keyset pages over the primary key, as in the SQLite store.
      let after: { name: string; step: number } | undefined;
      for (;;) {
        const page = await this.db
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
          .limit(batchSize - batch.length);
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
      const [row] = await this.db
        .insert(events)
        .values({
          searchId,
          trialNumber: event.trialNumber ?? null,
          time: event.time ?? new Date(this.now()),
          kind: event.kind,
          message: event.message,
        })
        .returning();
      return eventFromRow(row!);
    } catch (e) {
      if (driverErrorCode(e) === FOREIGN_KEY_VIOLATION) throw new SearchNotFoundError(searchId);
      throw e;
    }
  }

  async listEvents(searchId: number, options: ListEventsOptions = {}): Promise<SearchEvent[]> {
    const rows = await this.db
      .select()
      .from(events)
      .where(
        and(
          eq(events.searchId, idParam(searchId)),
          options.afterId === undefined
            ? undefined
            : gt(events.id, Math.min(Math.floor(options.afterId), MAX_ID)),
        ),
      )
      .orderBy(asc(events.id))
      .limit(options.limit ?? 1000);
    return rows.map(eventFromRow);
  }

  private closed = false;
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
