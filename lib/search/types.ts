/**
 * The domain objects every layer reads: a search as stored (its spec, status, lease and best
 * trial), a trial, and a search's events. The store (db/) produces them; the worker, the CLI, the
 * console and the exports consume them. Plain data: dates are Dates, params are the space's values.
 */
import type { Goal } from "../metrics/schema";
import type { Params } from "../space/schema";
import type { SearchKind, SearchSpec } from "./spec";
import type { SearchStatus, TrialStatus } from "./status";

export type StopRequest = "none" | "stop" | "kill";

export interface Lease {
  owner: string;
  expiresAt: Date;
  heartbeatAt: Date;
}

export interface BestTrial {
  trialNumber: number;
  value: number;
}

export interface Search {
  id: number;
  kind: SearchKind;
  status: SearchStatus;
  /** Copy of `spec.goal`, which decides `best`. */
  goal: Goal;
  spec: SearchSpec;
  description: string | null;
  createdAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  failureReason: string | null;
  stopRequested: StopRequest;
  lease: Lease | null;
  best: BestTrial | null;
  /** A person's markdown about the search ("" when none). */
  notes: string;
}

/** Number of trials in each status, plus `total` (all trials created so far). */
export type TrialCounts = Record<TrialStatus, number> & { total: number };

export interface SearchSummary extends Search {
  trialCounts: TrialCounts;
}

/**
 * A searches row this version cannot read (a newer version wrote it, or it is damaged): listed
 * beside the others with what is wrong, so one bad row never hides the rest. `getSearch` of it
 * throws the `UnreadableRowError` this message comes from; no worker claims it.
 */
export interface UnreadableSearch {
  id: number;
  /** One line: what is wrong with the row and what to do. */
  unreadable: string;
  /** Null when the stored time itself does not read. */
  createdAt: Date | null;
}

/** What `listSearches` lists: tell the two apart with `"unreadable" in entry`. */
export type SearchListEntry = SearchSummary | UnreadableSearch;

export interface Trial {
  searchId: number;
  number: number;
  status: TrialStatus;
  params: Params;
  /** The aggregated target metric; null until known (and for trials that failed without one). */
  value: number | null;
  createdAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
  exitCode: number | null;
  signal: string | null;
  reason: string | null;
  /**
   * The first and last step of the search metric with a finite value, written when the trial
   * ends (null before, and without one): what early stopping's trial-steps count.
   */
  firstStep: number | null;
  lastStep: number | null;
  /** The executor's handle (JSON), owned and validated by the executor; null before start. */
  handle: unknown;
  /** A person's markdown about the trial ("" when none). */
  notes: string;
}

export interface SearchEvent {
  id: number;
  searchId: number;
  trialNumber: number | null;
  time: Date;
  /** e.g. `lease`, `stop`, `status`, `trial` (free text; the store itself writes lease and stop). */
  kind: string;
  message: string;
}
