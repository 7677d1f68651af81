/**
 * The values of the store's enum columns, taken from their one home so that a new value is one
 * change there plus a generated migration: search and trial statuses from the status table
 * (`lib/search/status.ts`), stop requests from `StopRequest`. Both schemas read them from here.
 * PostgreSQL turns them into enum types (`npm run db:generate` writes the `ALTER TYPE ... ADD
 * VALUE`); SQLite keeps text typed by them, and `rows.ts` checks each value it reads, so a value
 * from a newer version is flagged, never trusted.
 */
import { searchStatusSchema, trialStatusSchema } from "../lib/search/status";
import type { StopRequest } from "../lib/search/types";

/** Drizzle's enum columns want a tuple with at least one value. */
function values<T extends string>(all: readonly T[]): [T, ...T[]] {
  const [first, ...rest] = all;
  if (first === undefined) throw new Error("an enum column needs at least one value");
  return [first, ...rest];
}

export const SEARCH_STATUSES = values(searchStatusSchema.options);
export const TRIAL_STATUSES = values(trialStatusSchema.options);

/** Complete by construction: a `StopRequest` missing here would not type-check where one is written. */
export const STOP_REQUESTS = ["none", "stop", "kill"] as const satisfies readonly StopRequest[];
