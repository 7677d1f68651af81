/**
 * The SQLite tables behind the store. `schema.pg.ts` is its twin with the same tables, columns
 * and indexes; only the column types differ. Migrations in `migrations/sqlite` are generated from
 * this file by drizzle-kit (`npm run db:generate`), never written by hand.
 *
 * Column conventions (shared with the PostgreSQL twin):
 *   *_at      instants; integer milliseconds since the epoch here (drizzle maps them to Date)
 *   spec, params, handle
 *             JSON text: documents owned by other modules (validated by zod where read), never
 *             queried by field, but for the spec's `labels` (a list's label filter, in each
 *             dialect's own JSON operators: sqlite.ts, pg.ts)
 *   value     metric values; NULL in metric_points.value stands for NaN (SQLite stores NaN as NULL)
 *   kind, status, goal
 *             copies of fields of the spec or enums, kept as columns so SQL can filter and rank
 *   status, stop_requested
 *             text typed by the enums in `enums.ts` (SQLite has no enum type; a value this
 *             version does not know is flagged when read, see `rows.ts`)
 */
import {
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import { SEARCH_STATUSES, STOP_REQUESTS, TRIAL_STATUSES } from "./enums";

const instant = (name: string) => integer(name, { mode: "timestamp_ms" });

export const searches = sqliteTable(
  "searches",
  {
    // AUTOINCREMENT: an id once shown to a user (`hyperbayes describe 12`, log folders) is never
    // handed to another search, even after deletes.
    id: integer("id").primaryKey({ autoIncrement: true }),
    kind: text("kind").notNull(),
    status: text("status", { enum: SEARCH_STATUSES }).notNull(),
    goal: text("goal").notNull(),
    spec: text("spec").notNull(),
    description: text("description"),
    createdAt: instant("created_at").notNull(),
    startedAt: instant("started_at"),
    endedAt: instant("ended_at"),
    failureReason: text("failure_reason"),
    stopRequested: text("stop_requested", { enum: STOP_REQUESTS }).notNull().default("none"),
    leaseOwner: text("lease_owner"),
    leaseExpiresAt: instant("lease_expires_at"),
    heartbeatAt: instant("heartbeat_at"),
    bestTrialNumber: integer("best_trial_number"),
    bestValue: real("best_value"),
    notes: text("notes"),
    // The search's change sequence: the last number a trial write took (see rules.ts, change).
    trialSeq: integer("trial_seq").notNull().default(0),
  },
  (t) => [index("searches_status_id").on(t.status, t.id)],
);

export const trials = sqliteTable(
  "trials",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    searchId: integer("search_id")
      .notNull()
      .references(() => searches.id, { onDelete: "cascade" }),
    number: integer("number").notNull(),
    status: text("status", { enum: TRIAL_STATUSES }).notNull(),
    params: text("params").notNull(),
    value: real("value"),
    createdAt: instant("created_at").notNull(),
    startedAt: instant("started_at"),
    endedAt: instant("ended_at"),
    exitCode: integer("exit_code"),
    signal: text("signal"),
    reason: text("reason"),
    // The first and last step of the search metric the trial reported (early stopping's
    // trial-steps), written when it ends; null without a finite value of the metric.
    firstStep: integer("first_step"),
    lastStep: integer("last_step"),
    handle: text("handle"),
    notes: text("notes"),
    // The number of the search's change sequence this trial's last write took (0: before it).
    seq: integer("seq").notNull().default(0),
  },
  (t) => [
    // The guarantee that a trial number is never run twice, even by two workers at once.
    uniqueIndex("trials_search_number").on(t.searchId, t.number),
    // Serves per-status counts and the best-trial lookup (ORDER BY value LIMIT 1).
    index("trials_search_status_value").on(t.searchId, t.status, t.value),
    // Serves the console's poll: the trials written after a cursor, without reading the rest.
    index("trials_search_seq").on(t.searchId, t.seq),
  ],
);

export const metricPoints = sqliteTable(
  "metric_points",
  {
    trialId: integer("trial_id")
      .notNull()
      .references(() => trials.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    step: integer("step").notNull(),
    value: real("value"),
    time: instant("time").notNull(),
  },
  // One point per (trial, metric, step): a worker that re-reads a log after a restart writes the
  // same points again, and the upsert makes that harmless.
  (t) => [primaryKey({ name: "metric_points_pk", columns: [t.trialId, t.name, t.step] })],
);

export const events = sqliteTable(
  "events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    searchId: integer("search_id")
      .notNull()
      .references(() => searches.id, { onDelete: "cascade" }),
    trialNumber: integer("trial_number"),
    time: instant("time").notNull(),
    kind: text("kind").notNull(),
    message: text("message").notNull(),
  },
  (t) => [index("events_search_id").on(t.searchId, t.id)],
);
