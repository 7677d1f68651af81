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
import { processTextProblem, spaceSchema } from "../space/schema";

export const searchKindSchema = z.enum(["bayesian", "grid", "random"]);
export type SearchKind = z.infer<typeof searchKindSchema>;

export const acquisitionSchema = z.enum(["ucb", "ei"]);
export type Acquisition = z.infer<typeof acquisitionSchema>;

export const MAX_RUNS = 100_000;

/**
 * The longest trial timeout: a year. Longer ones overflow what the executors compute with (ms
 * past the start, Slurm's --time), and no trial means it.
 */
export const MAX_TIMEOUT_MINUTES = 525_600;

/**
 * Variables Hyperbayes sets for every trial itself, which a search's own `env` would silently
 * lose to (HYPERBAYES_TRIAL, HYPERBAYES_METRICS_FILE...) or, worse, win against: a trial's own
 * CUDA_VISIBLE_DEVICES would take a GPU that was lent to another.
 */
export function reservedEnvKey(key: string): boolean {
  return key.startsWith("HYPERBAYES_") || key === "CUDA_VISIBLE_DEVICES";
}

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why `key` cannot name a trial's environment variable, or undefined when it can. */
export function envKeyProblem(key: string): string | undefined {
  if (!ENV_KEY.test(key))
    return `a variable name holds letters, digits and _ (not first), got ${JSON.stringify(key)}`;
  if (reservedEnvKey(key)) return `${key} is set by Hyperbayes for each trial; it cannot be given`;
  return undefined;
}

/**
 * The columns every trials table and export has besides the parameters and the metric
 * (lib/search/export.ts's CSV header): a parameter by one of these names would make two.
 */
export const TRIAL_COLUMNS: readonly string[] = [
  "trial",
  "status",
  "started_at",
  "ended_at",
  "exit_code",
  "reason",
];

/** Every string in `value` (keys too), with its path, for rules that hold for all text. */
function* strings(value: unknown, path: PropertyKey[] = []): Generator<[string, PropertyKey[]]> {
  if (typeof value === "string") yield [value, path];
  else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* strings(value[i], [...path, i]);
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      yield [k, [...path, k]];
      yield* strings(v, [...path, k]);
    }
  }
}

export const searchSpecSchema = z
  .object({
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
    env: z.record(z.string(), z.string()).superRefine((env, ctx) => {
      for (const key of Object.keys(env)) {
        const problem = envKeyProblem(key);
        if (problem !== undefined) ctx.addIssue({ code: "custom", path: [key], message: problem });
      }
    }),
    timeoutMinutes: z.number().positive().max(MAX_TIMEOUT_MINUTES).optional(),
    stopConditions: z.array(stopConditionSchema).max(5, "at most 5 stop conditions"),
    description: z.string().max(2000).optional(),
    labels: z.array(z.string().min(1).max(100)).max(50),
    seed: z.number().int().nonnegative(),
    kappa: z.number().positive().optional(),
    acquisition: acquisitionSchema,
    /** The search ends as failed after this many failed trials. */
    maxFailures: z.number().int().min(1),
  })
  .superRefine((spec, ctx) => {
    // Every string reaches a process (argv, environment, cwd) or the store.
    for (const [text, path] of strings(spec)) {
      const problem = processTextProblem(text);
      if (problem !== undefined) ctx.addIssue({ code: "custom", path, message: problem });
    }
    spec.params.forEach((p, i) => {
      if (p.name === spec.metric)
        ctx.addIssue({
          code: "custom",
          path: ["params", i, "name"],
          message: `parameter "${p.name}" has the metric's name: tables and exports would show two "${p.name}" columns`,
        });
      else if (TRIAL_COLUMNS.includes(p.name))
        ctx.addIssue({
          code: "custom",
          path: ["params", i, "name"],
          message: `"${p.name}" names a column every trials table has (${TRIAL_COLUMNS.join(", ")}); call the parameter something else`,
        });
    });
  });
export type SearchSpec = z.infer<typeof searchSpecSchema>;
