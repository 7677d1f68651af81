/**
 * The PostgreSQL twin of `schema.sqlite.ts`: the same tables, columns, keys and indexes, with
 * PostgreSQL's types. Migrations in `migrations/pg` are generated from this file by drizzle-kit
 * (`npm run db:generate`, which regenerates both dialects).
 *
 * Where the types differ from SQLite:
 *   *_at      timestamptz (millisecond precision, what a JS Date holds)
 *   spec, params, handle
 *             jsonb (object key order is not kept: the order of parameters comes from the spec's
 *             `params` array, which is)
 *   value     double precision, which holds NaN and ±Infinity themselves
 *   ids       identity columns: never reused, like SQLite's AUTOINCREMENT
 *   status, stop_requested
 *             enum types whose values come from `enums.ts`; a value added there becomes
 *             `ALTER TYPE ... ADD VALUE` in the next generated migration
 */
import {
  bigint,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { SEARCH_STATUSES, STOP_REQUESTS, TRIAL_STATUSES } from "./enums";

export const searchStatus = pgEnum("search_status", SEARCH_STATUSES);
export const trialStatus = pgEnum("trial_status", TRIAL_STATUSES);
export const stopRequest = pgEnum("stop_request", STOP_REQUESTS);

const instant = (name: string) =>
  timestamp(name, { withTimezone: true, mode: "date", precision: 3 });

export const searches = pgTable(
  "searches",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    kind: text("kind").notNull(),
    status: searchStatus("status").notNull(),
    goal: text("goal").notNull(),
    spec: jsonb("spec").notNull(),
    description: text("description"),
    createdAt: instant("created_at").notNull(),
    startedAt: instant("started_at"),
    endedAt: instant("ended_at"),
    failureReason: text("failure_reason"),
    stopRequested: stopRequest("stop_requested").notNull().default("none"),
    leaseOwner: text("lease_owner"),
    leaseExpiresAt: instant("lease_expires_at"),
    heartbeatAt: instant("heartbeat_at"),
    bestTrialNumber: integer("best_trial_number"),
    bestValue: doublePrecision("best_value"),
    notes: text("notes"),
    // The search's change sequence: the last number a trial write took (see rules.ts, change).
    trialSeq: integer("trial_seq").notNull().default(0),
  },
  (t) => [index("searches_status_id").on(t.status, t.id)],
);

export const trials = pgTable(
  "trials",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
    searchId: integer("search_id")
      .notNull()
      .references(() => searches.id, { onDelete: "cascade" }),
    number: integer("number").notNull(),
    status: trialStatus("status").notNull(),
    params: jsonb("params").notNull(),
    value: doublePrecision("value"),
    createdAt: instant("created_at").notNull(),
    startedAt: instant("started_at"),
    endedAt: instant("ended_at"),
    exitCode: integer("exit_code"),
    signal: text("signal"),
    reason: text("reason"),
    // The first and last step of the search metric the trial reported (early stopping's
    // trial-steps), written when it ends; null without a finite value of the metric.
    firstStep: bigint("first_step", { mode: "number" }),
    lastStep: bigint("last_step", { mode: "number" }),
    handle: jsonb("handle"),
    notes: text("notes"),
    // The number of the search's change sequence this trial's last write took (0: before it).
    seq: integer("seq").notNull().default(0),
  },
  (t) => [
    uniqueIndex("trials_search_number").on(t.searchId, t.number),
    index("trials_search_status_value").on(t.searchId, t.status, t.value),
    // Serves the console's poll: the trials written after a cursor, without reading the rest.
    index("trials_search_seq").on(t.searchId, t.seq),
  ],
);

export const metricPoints = pgTable(
  "metric_points",
  {
    trialId: integer("trial_id")
      .notNull()
      .references(() => trials.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    step: bigint("step", { mode: "number" }).notNull(),
    value: doublePrecision("value"),
    time: instant("time").notNull(),
  },
  (t) => [primaryKey({ name: "metric_points_pk", columns: [t.trialId, t.name, t.step] })],
);

export const events = pgTable(
  "events",
  {
    id: integer("id").primaryKey().generatedAlwaysAsIdentity(),
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
