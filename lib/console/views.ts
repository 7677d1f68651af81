/**
 * What the console sends to the browser: plain, JSON-safe views of a search and its trials
 * (dates as epoch milliseconds, no executor handles, no environment). Types only: the server
 * builds them from store objects in ./data.ts (the one place that decides what leaves the
 * server), the components read them.
 */
import type { Goal, MetricAgg } from "../metrics/schema";
import type { SearchKind } from "../search/spec";
import type { SearchStatus, TrialStatus } from "../search/status";
import type { TrialCounts } from "../search/types";
import type { Params, Space } from "../space/schema";

export interface TrialRow {
  /** The trial number. */
  n: number;
  status: TrialStatus;
  params: Params;
  /** The aggregated metric; null until known or when the trial produced none. */
  value: number | null;
  startedAt: number | null;
  endedAt: number | null;
  exitCode: number | null;
  reason: string | null;
  /** The cluster's job id, for a trial run as a Slurm job. */
  jobId: string | null;
  /** The first and last step of the search metric, once the trial ended (trial-steps). */
  firstStep: number | null;
  lastStep: number | null;
}

export interface SearchView {
  id: number;
  kind: SearchKind;
  status: SearchStatus;
  description: string | null;
  space: Space;
  command: string[];
  metric: string;
  metricAgg: MetricAgg;
  goal: Goal;
  numRuns: number;
  parallelRuns: number;
  machineType: string;
  stopConditions: string[];
  /** --early-stop, when the search uses it. */
  earlyStop: { rule: "median" | "asha"; minSteps: number; reductionFactor: number } | null;
  createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  failureReason: string | null;
  stopRequested: "none" | "stop" | "kill";
  best: { trialNumber: number; value: number } | null;
  /** A person's markdown about the search ("" when none); shown by the safe renderer. */
  notes: string;
  counts: TrialCounts;
  labels: string[];
}

/** The search without its trial counts: what a poll sends (the page counts its own trials). */
export type SearchHead = Omit<SearchView, "counts">;

export type { TrialCounts };

export interface SearchListItem {
  id: number;
  kind: SearchKind;
  status: SearchStatus;
  description: string | null;
  metric: string;
  goal: Goal;
  numRuns: number;
  /** Trials that have ended, whatever the outcome. */
  done: number;
  running: number;
  best: number | null;
  createdAt: number;
  labels: string[];
}

/** A search the store cannot read (a newer version wrote it, or it is damaged): listed, flagged. */
export interface UnreadableSearchItem {
  id: number;
  /** What is wrong with it and what to do, in one line. */
  unreadable: string;
  createdAt: number | null;
}

/** One trial's series of one metric, possibly thinned out: steps and values side by side. */
export interface Curve {
  trial: number;
  name: string;
  steps: number[];
  values: (number | null)[];
  /** Points the trial has for this metric, before thinning. */
  total: number;
}

/**
 * GET /api/searches/:id/trials, what the search page asks for once it is in the browser: every
 * trial, the poll's cursor after them, and the curves it draws first (see curveTrials). It
 * travels as bytes, column by column (./trials-wire.ts).
 */
export interface SearchTrials {
  trials: TrialRow[];
  cursor: number;
  curves: { key: string; curves: Curve[] };
}

/** Polled by the search page: the search, the trials written after its cursor, the next cursor. */
export interface SearchPoll {
  search: SearchHead;
  trials: TrialRow[];
  cursor: number;
}

export interface LogTail {
  stream: "stdout" | "stderr";
  text: string;
  /** Bytes in the file; the tail is its last `text.length`-ish bytes. */
  size: number;
  truncated: boolean;
}

export interface TrialDetail {
  search: SearchView;
  trial: TrialRow;
  /** The argv the trial ran (its values substituted), or null when it cannot be rebuilt. */
  argv: string[] | null;
  cwd: string;
  machineType: string;
  gpus: string[];
  executor: string | null;
  jobId: string | null;
  signal: string | null;
  /** The trial's notes (markdown, "" when none): on its page only, not in every TrialRow. */
  notes: string;
  curves: Curve[];
  logs: LogTail[];
}
