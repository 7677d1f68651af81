/**
 * SearchSpec: everything a search needs to run, as the user defined it (CLI flags or the form),
 * validated once and stored as-is. The worker, the console and exports all read this shape.
 */
import { z } from "zod";
import {
  goalSchema,
  metricAggSchema,
  metricNameSchema,
  stopConditionSchema,
} from "../metrics/schema";
import { spaceSchema } from "../space/schema";

export const searchKindSchema = z.enum(["bayesian", "grid", "random"]);
export type SearchKind = z.infer<typeof searchKindSchema>;

export const acquisitionSchema = z.enum(["ucb", "ei"]);
export type Acquisition = z.infer<typeof acquisitionSchema>;

export const MAX_RUNS = 100_000;

export const searchSpecSchema = z.object({
  kind: searchKindSchema,
  params: spaceSchema,
  /** argv list; `:name:` placeholders are replaced per trial. Never run through a shell. */
  command: z.array(z.string()).min(1, "the command after -- is empty"),
  /** Working directory of each trial (absolute). */
  cwd: z.string().min(1),
  numRuns: z.number().int().min(1).max(MAX_RUNS),
  parallelRuns: z.number().int().min(1).max(1000),
  metric: metricNameSchema,
  metricAgg: metricAggSchema,
  /** Resolved before the search is stored (inferred from the metric name when not given). */
  goal: goalSchema,
  machineType: z.string().min(1),
  env: z.record(z.string(), z.string()),
  timeoutMinutes: z.number().positive().optional(),
  stopConditions: z.array(stopConditionSchema).max(5, "at most 5 stop conditions"),
  description: z.string().max(2000).optional(),
  labels: z.array(z.string().min(1).max(100)).max(50),
  seed: z.number().int().nonnegative(),
  kappa: z.number().positive().optional(),
  acquisition: acquisitionSchema,
  /** The search ends as failed after this many failed trials. */
  maxFailures: z.number().int().min(1),
});
export type SearchSpec = z.infer<typeof searchSpecSchema>;

/** Lifecycle of a search. `queued` waits for a worker; the last four are final. */
export const searchStatusSchema = z.enum([
  "queued",
  "running",
  "stopping",
  "complete",
  "failed",
  "stopped",
  "killed",
]);
export type SearchStatus = z.infer<typeof searchStatusSchema>;

/** Lifecycle of a trial. `queued` and `running` are live; the others are final. */
export const trialStatusSchema = z.enum([
  "queued",
  "running",
  "complete",
  "failed",
  "timeout",
  "stopped",
  "killed",
]);
export type TrialStatus = z.infer<typeof trialStatusSchema>;

export const FINAL_TRIAL_STATUSES: ReadonlySet<TrialStatus> = new Set([
  "complete",
  "failed",
  "timeout",
  "stopped",
  "killed",
]);
export const FINAL_SEARCH_STATUSES: ReadonlySet<SearchStatus> = new Set([
  "complete",
  "failed",
  "stopped",
  "killed",
]);
