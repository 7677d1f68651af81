/**
 * SearchSpec: everything a search needs to run, as the user defined it (CLI flags or the form),
 * validated once and stored as-is. The worker, the console and exports all read this shape.
 *
 * The one schema of a search: `defineSearch` (./define.ts) ends with it, and the store checks
 * every write with it (db/rows.ts checkSpec). It is a union on `kind`, one object per kind built
 * from the settings table (./settings.ts): each row's value schema, optional where the row says
 * so. A row that does not apply to a kind (kappa, acquisition: bayesian only) stays readable on
 * the others, optional, because searches stored before the kinds were told apart carry it there;
 * defineSearch never sets it for them and nothing reads it there. The rules that join fields
 * (placeholders against parameters, grid takes choices and int ranges only, names that collide,
 * text no process can take) live here too, so every writer meets them.
 */
import { z } from "zod";
import { checkCommand } from "../command/substitute";
import { gridSize } from "../optimizer/grid";
import { type ParamSpec, processTextProblem, spaceSchema } from "../space/schema";
import { SETTING_ROWS, type SearchKind, type Setting, type Settings } from "./settings";

export {
  type Acquisition,
  acquisitionSchema,
  envKeyProblem,
  MAX_RUNS,
  MAX_TIMEOUT_MINUTES,
  reservedEnvKey,
  type SearchKind,
  searchKindSchema,
} from "./settings";

import { MAX_RUNS } from "./settings";

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

type ValueOf<R> = R extends { value: infer S extends z.ZodType }
  ? R extends { optional: true }
    ? z.ZodOptional<S>
    : R extends { default: string }
      ? z.ZodDefault<S>
      : S
  : never;
type Applies<R, K extends SearchKind> = R extends { kinds: readonly (infer A)[] }
  ? K extends A
    ? true
    : false
  : true;
type Shape<K extends SearchKind> = {
  -readonly [P in keyof Settings]: Applies<Settings[P], K> extends true
    ? ValueOf<Settings[P]>
    : z.ZodOptional<Settings[P]["value"]>;
};

function appliesRow(row: Setting, kind: SearchKind): boolean {
  return row.kinds === undefined || row.kinds.includes(kind);
}

/**
 * The spec's fields for `kind`, from the table. A setting with a default text takes that default
 * where a stored spec lacks it, so searches stored before the setting existed still read.
 */
function shape<K extends SearchKind>(kind: K): Shape<K> {
  const out: Record<string, z.ZodType> = {};
  for (const [key, row] of SETTING_ROWS) {
    const optional = !appliesRow(row, kind) || (row.input === "text" && row.optional === true);
    const fallback =
      row.input === "text" && row.default !== undefined ? row.read(row.default) : undefined;
    if (optional) out[key] = row.value.optional();
    else if (fallback?.ok) out[key] = (row.value as z.ZodType).default(fallback.value as never);
    else out[key] = row.value;
  }
  return out as Shape<K>;
}

const isFloatRange = (p: ParamSpec) => p.kind === "range" && p.type === "float";

/** The number of points of a grid over `space`, or undefined where a float range has no end. */
export function gridPointCount(space: readonly ParamSpec[]): number | undefined {
  return space.some(isFloatRange) ? undefined : gridSize([...space]);
}

/**
 * Grid search enumerates values: a float range has no list of them. Runs where other fields
 * failed too, on parameters that have their shape.
 */
function gridRules(spec: { params?: unknown }, ctx: z.RefinementCtx): void {
  const space = spaceSchema.safeParse(spec.params);
  if (!space.success) return;
  space.data.forEach((p, i) => {
    if (p.kind === "range" && isFloatRange(p))
      ctx.addIssue({
        code: "custom",
        path: ["params", i],
        message: `grid search takes choices or int ranges; "${p.name}" is a float range (${p.min}:${p.max}): list its values, e.g. ${p.name}=${p.min},${p.max}`,
      });
  });
  const size = gridPointCount(space.data);
  if (size !== undefined && size > MAX_RUNS)
    ctx.addIssue({
      code: "custom",
      path: ["params"],
      message: `the grid has ${size} points, more than ${MAX_RUNS}`,
    });
}

const bayesianSpecSchema = z.object({ kind: z.literal("bayesian"), ...shape("bayesian") });
const randomSpecSchema = z.object({ kind: z.literal("random"), ...shape("random") });
const gridSpecSchema = z
  .object({ kind: z.literal("grid"), ...shape("grid") })
  .superRefine(gridRules, { when: () => true });

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

interface Candidate {
  params?: unknown;
  command?: unknown;
  metric?: unknown;
}

/**
 * Rules across fields. They run even where some field failed (defineSearch shows every mistake
 * at once), so each looks only at the fields it needs, and only where those have their shape.
 */
function crossFieldRules(spec: Candidate, ctx: z.RefinementCtx): void {
  // Every string reaches a process (argv, environment, cwd) or the store.
  for (const [text, path] of strings(spec)) {
    const problem = processTextProblem(text);
    if (problem !== undefined) ctx.addIssue({ code: "custom", path, message: problem });
  }
  const params = Array.isArray(spec.params)
    ? (spec.params as { name?: unknown; kind?: unknown }[])
    : [];
  params.forEach((p, i) => {
    if (typeof p?.name !== "string") return;
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
  const command = spec.command;
  const named = params.every((p) => typeof p?.name === "string");
  if (Array.isArray(command) && command.length > 0 && named) {
    const argv = command.filter((a): a is string => typeof a === "string");
    // The placeholders only: an empty command is the command's own rule.
    for (const message of checkCommand(argv, params as never).errors)
      ctx.addIssue({ code: "custom", path: ["command"], message });
  }
}

export const searchSpecSchema = z
  .discriminatedUnion("kind", [bayesianSpecSchema, gridSpecSchema, randomSpecSchema])
  .superRefine(crossFieldRules, { when: () => true });
export type SearchSpec = z.infer<typeof searchSpecSchema>;
export type BayesianSearchSpec = z.infer<typeof bayesianSpecSchema>;
