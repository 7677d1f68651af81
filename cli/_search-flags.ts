/**
 * Spell's `hyper bayesian|grid|random` flags -> a validated SearchSpec. Every mistake is a
 * UsageError naming the flag, raised before anything is stored or started.
 */
import { resolve } from "node:path";
import type { z } from "zod";
import { checkCommand } from "../lib/command";
import { UsageError } from "../lib/errors";
import { resolveGoal } from "../lib/metrics/goal";
import { goalSchema, metricAggSchema } from "../lib/metrics/schema";
import { parseStopConditions } from "../lib/metrics/stop";
import { gridSize } from "../lib/optimizer";
import {
  acquisitionSchema,
  envKeyProblem,
  MAX_RUNS,
  MAX_TIMEOUT_MINUTES,
  type SearchKind,
  type SearchSpec,
  searchSpecSchema,
} from "../lib/search/spec";
import { workingDirectoryProblem } from "../lib/search/working-directory";
import { parseSpace } from "../lib/space/parse";
import { PARAM_NAME } from "../lib/space/schema";
import { CliUsageError, numberFlag, parseFlags } from "./_args";

export const SEARCH_OPTIONS = {
  param: { type: "string", multiple: true },
  "json-param": { type: "string", multiple: true },
  "num-runs": { type: "string", short: "n" },
  "parallel-runs": { type: "string", short: "r" },
  metric: { type: "string" },
  "metric-agg": { type: "string", short: "a" },
  goal: { type: "string" },
  "machine-type": { type: "string", short: "t" },
  env: { type: "string", short: "e", multiple: true },
  timeout: { type: "string" },
  "stop-condition": { type: "string", multiple: true },
  description: { type: "string", short: "d" },
  label: { type: "string", multiple: true },
  seed: { type: "string" },
  kappa: { type: "string" },
  acquisition: { type: "string" },
  "max-failures": { type: "string" },
  cwd: { type: "string" },
  detach: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export function searchUsage(kind: SearchKind): string {
  const runs = kind === "grid" ? "[-n N]" : "-n N";
  return `usage: hyperbayes ${kind} --param SPEC [--param SPEC ...] ${runs} --metric NAME [options] -- COMMAND...

  --param NAME=MIN:MAX[:linear|log|reverse_log][:float|int]   a range${kind === "grid" ? " (not in grid)" : ""}
  --param NAME=V1,V2,...          a list of choices
  --json-param NAME='[...]'       choices given as a JSON array (values with commas)
  -n, --num-runs N                trials in all${kind === "grid" ? " (default: every grid point)" : ""}
  -r, --parallel-runs N           trials at once (default 1)
  --metric NAME                   the metric the trials print (e.g. keras/val_acc, loss)
  -a, --metric-agg last|min|max|avg   how a trial's series becomes its value (default last)
  --goal maximize|minimize        default: inferred from the metric name
  -t, --machine-type NAME         where trials run (default cpu; see hyperbayes machines)
  -e, --env KEY=VALUE             environment for every trial (repeatable)
  --timeout MINUTES               end a trial after this long
  --stop-condition "M OP V[:MIN_STEP]"  stop a trial early (OP: < > <= >=; join with &&)
  -d, --description TEXT          --label TEXT (repeatable)
  --seed N  --kappa K  --acquisition ucb|ei  --max-failures N  --cwd DIR
  --detach                        queue the search for a running worker and return

Each :NAME: in the command is replaced by the trial's value; no shell is involved.
`;
}

type SearchFlags = ReturnType<typeof parseSearchArgs>;

export function parseSearchArgs(kind: SearchKind, argv: string[]) {
  return parseFlags(argv, SEARCH_OPTIONS, searchUsage(kind));
}

function enumFlag<T extends string>(
  flag: string,
  schema: z.ZodEnum<Record<T, T>>,
  text: string | undefined,
) {
  if (text === undefined) return undefined;
  const r = schema.safeParse(text);
  if (!r.success)
    throw new UsageError(`${flag} must be one of ${schema.options.join(", ")}, got "${text}"`);
  return r.data;
}

function parseEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  const problems: string[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    const problem = eq <= 0 ? "needs KEY=VALUE" : envKeyProblem(pair.slice(0, eq));
    if (problem !== undefined) problems.push(`--env ${JSON.stringify(pair)}: ${problem}`);
    else env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  return env;
}

/** The flag a spec field comes from, to name it in a message about that field. */
const FLAG_OF: Record<string, string> = {
  params: "--param",
  command: "the command after --",
  cwd: "--cwd",
  numRuns: "--num-runs",
  parallelRuns: "--parallel-runs",
  metric: "--metric",
  metricAgg: "--metric-agg",
  goal: "--goal",
  machineType: "--machine-type",
  env: "--env",
  timeoutMinutes: "--timeout",
  stopConditions: "--stop-condition",
  description: "--description",
  labels: "--label",
  seed: "--seed",
  kappa: "--kappa",
  acquisition: "--acquisition",
  maxFailures: "--max-failures",
};

/** A spec issue as a line naming the flag, and the parameter or variable where there is one. */
function issueLine(issue: z.core.$ZodIssue, spec: Record<string, unknown>): string {
  const [field, at] = issue.path;
  const flag = FLAG_OF[String(field)] ?? String(field ?? "the search");
  if (field === "params" && typeof at === "number") {
    const name = (spec.params as { name?: unknown }[] | undefined)?.[at]?.name;
    return `${flag} ${typeof name === "string" ? name : at + 1}: ${issue.message}`;
  }
  if (field === "env" && typeof at === "string") return `${flag} ${at}: ${issue.message}`;
  if (field === "command" && typeof at === "number")
    return `${flag}, argument ${at + 1}: ${issue.message}`;
  return `${flag}: ${issue.message}`;
}

export interface ResolvedSearch {
  spec: SearchSpec;
  /** The goal was inferred from the metric name (print it so the user can correct it). */
  goalInferred: boolean;
  warnings: string[];
  detach: boolean;
}

/** Turns parsed flags into a SearchSpec, or throws a UsageError naming every mistake it finds. */
export function resolveSearch(
  kind: SearchKind,
  flags: SearchFlags,
  opts: { randomSeed: () => number },
): ResolvedSearch {
  const v = flags.values;
  const problems: string[] = [];
  const attempt = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (e instanceof UsageError) problems.push(e.message);
      else throw e;
      return undefined;
    }
  };

  if (flags.positionals.length > 0) {
    problems.push(
      `unexpected argument "${flags.positionals[0]}" (put the trial's command after --)`,
    );
  }
  const params = v.param ?? [];
  const jsonParams = v["json-param"] ?? [];
  if (params.length + jsonParams.length === 0) problems.push("--param is required (at least one)");
  const space =
    params.length + jsonParams.length > 0
      ? attempt(() => parseSpace(params, jsonParams))
      : undefined;
  if (!flags.hasDash || flags.rest.length === 0)
    problems.push("the trial's command is missing: put it after --");
  if (!v.metric) problems.push("--metric is required");

  let numRuns = attempt(() =>
    numberFlag("--num-runs", v["num-runs"], { int: true, min: 1, max: MAX_RUNS }),
  );
  if (kind === "grid" && space) {
    const size = attempt(() => gridSize(space));
    if (size !== undefined) {
      if (size > MAX_RUNS) problems.push(`the grid has ${size} points, more than ${MAX_RUNS}`);
      numRuns = Math.min(numRuns ?? size, size);
    }
  } else if (numRuns === undefined && v["num-runs"] === undefined) {
    problems.push("--num-runs (-n) is required");
  }
  const parallelRuns =
    attempt(() =>
      numberFlag("--parallel-runs", v["parallel-runs"], { int: true, min: 1, max: 1000 }),
    ) ?? 1;
  const metricAgg =
    attempt(() => enumFlag("--metric-agg", metricAggSchema, v["metric-agg"])) ?? "last";
  const goalFlag = attempt(() => enumFlag("--goal", goalSchema, v.goal));
  const acquisition =
    attempt(() => enumFlag("--acquisition", acquisitionSchema, v.acquisition)) ?? "ucb";
  const timeoutMinutes = attempt(() =>
    numberFlag("--timeout", v.timeout, { min: 1 / 60, max: MAX_TIMEOUT_MINUTES }),
  );
  const seed = attempt(() => numberFlag("--seed", v.seed, { int: true, min: 0, max: 2 ** 31 - 1 }));
  const kappa = attempt(() => numberFlag("--kappa", v.kappa, { min: 0 }));
  const maxFailures = attempt(() =>
    numberFlag("--max-failures", v["max-failures"], { int: true, min: 1 }),
  );
  const env = attempt(() => parseEnv(v.env ?? [])) ?? {};
  const stopConditions = attempt(() => parseStopConditions(v["stop-condition"] ?? [])) ?? [];

  const warnings: string[] = [];
  if (flags.rest.length > 0) {
    if (space) {
      const check = checkCommand(flags.rest, space);
      problems.push(...check.errors);
      warnings.push(...check.warnings);
    } else {
      // Some specs are wrong; still report placeholders that no --param names at all, so one
      // run shows every mistake. Each spec's name is the text before its "=".
      const named = [...params, ...jsonParams]
        .map((text) => text.slice(0, Math.max(0, text.indexOf("="))).trim())
        .filter((name) => PARAM_NAME.test(name));
      const stand = [...new Set(named)].map((name) => ({
        kind: "choice" as const,
        name,
        values: [0],
      }));
      problems.push(...checkCommand(flags.rest, stand).errors);
    }
  }
  if (kappa !== undefined && kind !== "bayesian")
    warnings.push("--kappa only applies to bayesian search");
  // Trials start there: a directory that is not there would fail every one of them, later.
  const cwd = resolve(v.cwd ?? process.cwd());
  const cwdProblem = workingDirectoryProblem(cwd);
  if (cwdProblem !== undefined) problems.push(`--cwd ${v.cwd ?? cwd}: ${cwdProblem}`);
  if (problems.length > 0) throw new CliUsageError(problems.join("\n"), searchUsage(kind));

  const { goal, inferred } = resolveGoal(v.metric as string, goalFlag);
  const candidate = {
    kind,
    params: space,
    command: flags.rest,
    cwd,
    numRuns,
    parallelRuns,
    metric: v.metric,
    metricAgg,
    goal,
    machineType: v["machine-type"] ?? "cpu",
    env,
    timeoutMinutes,
    stopConditions,
    description: v.description,
    labels: v.label ?? [],
    seed: seed ?? opts.randomSeed(),
    kappa,
    acquisition,
    maxFailures: maxFailures ?? numRuns,
  };
  const parsed = searchSpecSchema.safeParse(candidate);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => issueLine(issue, candidate));
    throw new UsageError([...new Set(lines)].join("\n"));
  }
  return { spec: parsed.data, goalInferred: inferred, warnings, detach: v.detach === true };
}
