/**
 * The settings of a search, one row each: the one home of a setting's flag, short flag, help,
 * default, reader (text -> value) and value schema, and of the form field that edits it.
 *
 * Everything else is derived from this table: the CLI's options and usage (cli/_search-flags.ts),
 * the spec's schema (./spec.ts builds one object per kind from the rows), defineSearch (./define.ts
 * reads each row's text with its reader), the form's values, caps and fields, the equivalent
 * `hyperbayes` command (lib/console/search-form.ts, components/search-form/), and README's flag
 * table (`flagTable`, checked by settings.test.ts). Adding a setting is adding a row here.
 *
 * Glossary:
 *   row        one setting: `input` says how it is given (`text`: one value; `list`: repeatable;
 *              `space`: --param/--json-param; `argv`: the command after --)
 *   reader     `read`: the text a user gave (trimmed, never blank) -> its value, or issues
 *   value      the zod schema of the setting in a stored SearchSpec
 *   issue      a problem as data: a path from the setting's key (["numRuns"], ["env", 2],
 *              ["params", 0, "min"]), a code saying how its message reads, and the message
 *
 * Pure: no Node I/O (the form ships this to the browser).
 */
import { z } from "zod";
import { UsageError } from "../errors";
import { DEFAULT_GRACE_MS } from "../executors/types";
import { DEFAULT_MACHINE_TYPE_WORDS } from "../machines/default";
import {
  goalSchema,
  metricAggSchema,
  metricNameSchema,
  type StopCondition,
  stopConditionSchema,
} from "../metrics/schema";
import { MAX_STOP_CONDITIONS, parseStopConditions } from "../metrics/stop";
import { earlyStopRuleSchema } from "../pruning/rules";
import { readDecimal } from "../space/parse";
import { spaceSchema } from "../space/schema";

export const searchKindSchema = z.enum(["bayesian", "grid", "random"]);
export type SearchKind = z.infer<typeof searchKindSchema>;

export const acquisitionSchema = z.enum(["ucb", "ei"]);
export type Acquisition = z.infer<typeof acquisitionSchema>;

export const MAX_RUNS = 100_000;

/** The longest stop grace: an hour (a checkpoint that takes longer wants its own signal). */
export const MAX_STOP_GRACE_SECONDS = 3600;

/**
 * The longest trial timeout: a year. Longer ones overflow what the executors compute with (ms
 * past the start, Slurm's --time), and no trial means it.
 */
export const MAX_TIMEOUT_MINUTES = 525_600;

/** The largest seed: the optimizer's generator takes 31 bits. */
export const MAX_SEED = 2 ** 31 - 1;

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

export type IssuePath = (string | number)[];

/**
 * A problem with a search's definition, as data. `code` says how the message reads, so the CLI
 * and the form can each put it in front of the user without reading it:
 *   missing  nothing was given where something must be; the message is a hint, or empty
 *   value    the message goes on from what it is about: `needs an integer, got "x"` after
 *            `--num-runs` (CLI) or "Number of runs" (form)
 *   rule     the message is a sentence of its own
 */
export interface SearchIssue {
  path: IssuePath;
  code: "missing" | "value" | "rule";
  message: string;
}

export type Reading<T> = { ok: true; value: T } | { ok: false; issues: SearchIssue[] };

const ok = <T>(value: T): Reading<T> => ({ ok: true, value });
const refused = <T>(...issues: SearchIssue[]): Reading<T> => ({ ok: false, issues });
export const valueIssue = (message: string, path: IssuePath = []): SearchIssue => ({
  path,
  code: "value",
  message,
});
export const ruleIssue = (message: string, path: IssuePath = []): SearchIssue => ({
  path,
  code: "rule",
  message,
});

/** A zod error's issues as rule issues, paths kept (relative to the setting). */
function ruleIssues(error: z.ZodError): SearchIssue[] {
  return error.issues.map((i) => ruleIssue(i.message, i.path as IssuePath));
}

/** Where the form edits a setting (components/search-form renders these). */
export interface FormField {
  section: "search" | "parameters" | "command" | "objective" | "stop" | "advanced";
  label: string;
  /** `text`: one line; `select`: the row's choices; `lines`: one item per line; `commas`: items
   *  separated by commas; `conditions`: one input per item; `rows`, `command`, `machine`: their
   *  own components. */
  control: "text" | "select" | "lines" | "commas" | "conditions" | "rows" | "command" | "machine";
  span?: 3 | 4 | 6 | 12;
  placeholder?: string;
  /** Under the field; per kind where it differs. */
  help?: string | Partial<Record<SearchKind, string>>;
  mono?: true;
  inputMode?: "numeric" | "decimal";
  /** What a new form holds, when not the default (a suggestion, not a default: the CLI has none). */
  initial?: string;
  /** A select's blank option, for a setting that may be left out ("from the name"). */
  blank?: string;
  /** The most characters a submission may hold for this field (each item, for `conditions`). */
  maxLength: number;
  /** How deep an issue's path reaches into the form: 1 the one field, 2 an item's own field
   *  (one input per stop condition), 3 an item's part (a parameter's min). */
  depth?: 1 | 2 | 3;
}

interface RowCommon {
  /** The CLI flag, without its dashes. */
  flag: string;
  short?: string;
  /** What the flag takes, in the usage text. */
  arg: string;
  help: string;
  /** README's longer meaning; the help where absent. */
  doc?: string;
  /** Text read as if the user gave it, when nothing is given. */
  default?: string;
  /** Where the value comes from when nothing is given and there is no fixed default text; per
   *  kind where it differs. The help, the form and the README say this. */
  otherwise?: string | Partial<Record<SearchKind, string>>;
  /** The kinds that need a value (no default, nothing to derive it from). */
  required?: readonly SearchKind[];
  /** A hint for the missing-value message (`--metric is required (e.g. loss)`). */
  hint?: string;
  /** The kinds the setting applies to; all when absent. Given for another kind, it is left out
   *  of the spec with a warning. */
  kinds?: readonly SearchKind[];
  /** Another setting's values this one is used with (`--reduction-factor`: `--early-stop asha`).
   *  Given other than its default without them, it is kept, with a warning: it changes nothing. */
  appliesWith?: { key: string; values: readonly string[] };
  form?: FormField;
}

export interface TextRow<V = unknown> extends RowCommon {
  input: "text";
  value: z.ZodType<V>;
  /** Absent from a spec when not given (else a value is always derived). */
  optional?: true;
  read(text: string): Reading<V>;
  /** A select's options: value -> the form's label. */
  choices?: Readonly<Record<string, string>>;
}

export interface ListRow<V = unknown> extends RowCommon {
  input: "list";
  value: z.ZodType<V>;
  /** Spaces at either end of an item are part of it (`KEY=VALUE` with a value that ends in one). */
  keepSpaces?: true;
  /** Reads the items given (trimmed unless keepSpaces, never blank); issue paths start at the
   *  item's index in `at` (its place among all items given, blanks included). */
  read(items: readonly string[], at: readonly number[]): Reading<V>;
}

export interface SpaceRow extends RowCommon {
  input: "space";
  value: typeof spaceSchema;
  jsonFlag: string;
  /** The usage's lines for the grammar: [flag and argument, meaning]. */
  usage: readonly (readonly [string, string])[];
}

export interface CommandRow extends RowCommon {
  input: "argv";
  value: z.ZodType<string[]>;
}

export type Setting = TextRow | ListRow | SpaceRow | CommandRow;

// ---- Readers: each builds a row's `value` and `read` together, so they cannot disagree.

/**
 * A number setting. `needs an integer, got "0x10"`: the text is read by readDecimal (the one
 * number reader, as strict as a parameter's bounds: no hex, no Infinity, no blank); the value's
 * schema then says what is out of range, and the text it was read from is named.
 */
function numberSetting<S extends z.ZodNumber>(value: S, integer: boolean) {
  return {
    input: "text" as const,
    value,
    read(text: string): Reading<number> {
      const n = readDecimal(text);
      if (n === undefined || (integer && !Number.isInteger(n)))
        return refused(
          valueIssue(`needs ${integer ? "an integer" : "a number"}, got ${JSON.stringify(text)}`),
        );
      const r = value.safeParse(n);
      if (r.success) return ok(r.data);
      // zod's int() refuses an integer past 2^53 too, with the integer message: where the range
      // says it (must be at most ...), that is the one message.
      const range = r.error.issues.filter((i) => !("origin" in i && i.origin === "int"));
      const issues = range.length > 0 ? range : r.error.issues;
      return refused(...issues.map((i) => valueIssue(`${i.message}, got ${text}`)));
    },
  };
}

/** An integer in [min, max]. */
function integer(min: number, max?: number) {
  let schema = z.number().int("needs an integer").min(min, `must be at least ${min}`);
  if (max !== undefined) schema = schema.max(max, `must be at most ${max}`);
  return numberSetting(schema, true);
}

/** One of a zod enum's options; `labels` names each in the form. */
function oneOf<T extends string>(value: z.ZodEnum<{ [K in T]: K }>, labels: Record<T, string>) {
  return {
    input: "text" as const,
    value,
    arg: value.options.join("|"),
    choices: labels as Readonly<Record<string, string>>,
    read(text: string): Reading<T> {
      const r = value.safeParse(text);
      if (r.success) return ok(r.data);
      return refused(
        valueIssue(`must be one of ${value.options.join(", ")}, got ${JSON.stringify(text)}`),
      );
    },
  };
}

/** Text checked by `value` (its messages are sentences). */
function textSetting<S extends z.ZodType<string>>(value: S) {
  return {
    input: "text" as const,
    value,
    read(text: string): Reading<string> {
      const r = value.safeParse(text);
      return r.success ? ok(r.data) : refused(...ruleIssues(r.error));
    },
  };
}

/** Issues of a whole list's schema, their item paths put back at the items' places. */
function listIssues(error: z.ZodError, at: readonly number[]): SearchIssue[] {
  return ruleIssues(error).map((i) => {
    const [head, ...rest] = i.path;
    return typeof head === "number" ? { ...i, path: [at[head] ?? head, ...rest] } : i;
  });
}

const labelsValue = z
  .array(z.string().min(1).max(100, "a label holds at most 100 characters"))
  .max(50, "at most 50 labels");

const envValue = z.record(z.string(), z.string()).superRefine((env, ctx) => {
  for (const key of Object.keys(env)) {
    const problem = envKeyProblem(key);
    if (problem !== undefined) ctx.addIssue({ code: "custom", path: [key], message: problem });
  }
});

const stopConditionsValue = z
  .array(stopConditionSchema)
  .max(MAX_STOP_CONDITIONS, `at most ${MAX_STOP_CONDITIONS} stop conditions`);

/** The stop-condition grammar throws UsageErrors; here they become issues at their item. */
function readStopConditions(texts: readonly string[]): Reading<StopCondition[]> | string {
  try {
    return ok(parseStopConditions(texts));
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
}

const absolutePath = z
  .string()
  .min(1)
  .refine((path) => path.startsWith("/"), "give the working directory as an absolute path");

/**
 * The table. Its order is the order of the usage text, the README's table and the form's fields
 * within each section.
 */
export const SETTINGS = {
  params: {
    input: "space",
    flag: "param",
    jsonFlag: "json-param",
    arg: "SPEC",
    help: "a parameter: a range or a list of choices (repeatable)",
    required: ["bayesian", "grid", "random"],
    hint: "at least one",
    value: spaceSchema,
    usage: [
      [
        "--param NAME=MIN:MAX[:linear|log|reverse_log][:float|int]",
        "a range (grid: int ranges only)",
      ],
      ["--param NAME=V1,V2,...", "a list of choices"],
      ["--json-param NAME='[...]'", "choices given as a JSON array (values with commas)"],
    ],
    form: {
      section: "parameters",
      label: "Parameters",
      control: "rows",
      maxLength: 10_000,
      depth: 3,
    },
  },
  command: {
    input: "argv",
    flag: "",
    arg: "-- COMMAND...",
    help: "the trial's command; each :NAME: is replaced by the trial's value, no shell involved",
    required: ["bayesian", "grid", "random"],
    hint: "put it after --",
    value: z.array(z.string()).min(1, "the command after -- is empty"),
    form: {
      section: "command",
      label: "Command",
      control: "command",
      span: 12,
      mono: true,
      placeholder: "python train.py --lr :lr:",
      maxLength: 20_000,
    },
  },
  metric: {
    ...textSetting(metricNameSchema),
    flag: "metric",
    arg: "NAME",
    help: "the metric the trials print (e.g. keras/val_acc, loss)",
    doc: "the metric to optimize, as the trial prints it",
    required: ["bayesian", "grid", "random"],
    hint: "e.g. loss or keras/val_acc",
    form: {
      section: "objective",
      label: "Metric",
      control: "text",
      span: 4,
      mono: true,
      help: "the name the script prints, e.g. loss or keras/val_acc",
      placeholder: "val_loss",
      maxLength: 200,
    },
  },
  metricAgg: {
    ...oneOf(metricAggSchema, {
      last: "last value",
      min: "minimum",
      max: "maximum",
      avg: "average",
    }),
    flag: "metric-agg",
    short: "a",
    help: "how a trial's series becomes its value",
    default: "last",
    form: { section: "objective", label: "Aggregation", control: "select", span: 4, maxLength: 10 },
  },
  goal: {
    ...oneOf(goalSchema, { maximize: "maximize", minimize: "minimize" }),
    flag: "goal",
    help: "whether higher or lower is better",
    otherwise: "inferred from the metric's name and printed: loss, error, mse... minimize",
    form: {
      section: "objective",
      label: "Goal",
      control: "select",
      span: 4,
      blank: "from the name",
      help: "inferred from the metric's name unless set",
      maxLength: 10,
    },
  },
  numRuns: {
    ...integer(1, MAX_RUNS),
    flag: "num-runs",
    short: "n",
    arg: "N",
    help: "trials in all",
    required: ["bayesian", "random"],
    otherwise: { grid: "every grid point" },
    form: {
      section: "objective",
      label: "Number of runs",
      control: "text",
      span: 3,
      inputMode: "numeric",
      initial: "20",
      help: { grid: "blank: every grid point" },
      maxLength: 40,
    },
  },
  parallelRuns: {
    ...integer(1, 1000),
    flag: "parallel-runs",
    short: "r",
    arg: "N",
    help: "trials at once",
    doc: "trials at once; with GPUs, never more than the free GPUs",
    default: "1",
    form: {
      section: "objective",
      label: "Parallel runs",
      control: "text",
      span: 3,
      inputMode: "numeric",
      maxLength: 40,
    },
  },
  machineType: {
    ...textSetting(
      z.string().min(1).max(100, "a machine type's name holds at most 100 characters"),
    ),
    flag: "machine-type",
    short: "t",
    arg: "NAME",
    help: "where trials run: cpu, a local GPU model (H100), or a type from hyperbayes.config.json; hyperbayes machines lists them",
    otherwise: DEFAULT_MACHINE_TYPE_WORDS,
    form: {
      section: "objective",
      label: "Machine type",
      control: "machine",
      span: 3,
      maxLength: 100,
    },
  },
  timeoutMinutes: {
    ...numberSetting(
      z
        .number()
        .min(1 / 60, "must be at least 1/60 (one second)")
        .max(MAX_TIMEOUT_MINUTES, `must be at most ${MAX_TIMEOUT_MINUTES}`),
      false,
    ),
    optional: true,
    flag: "timeout",
    arg: "MINUTES",
    help: "end a trial after this long",
    doc: "end a trial after this long (SIGTERM, then SIGKILL): status `timeout`",
    otherwise: "none",
    form: {
      section: "objective",
      label: "Timeout (minutes)",
      control: "text",
      span: 3,
      inputMode: "decimal",
      help: "per trial; blank: none",
      maxLength: 40,
    },
  },
  stopConditions: {
    input: "list",
    value: stopConditionsValue,
    read(items, at) {
      const issues: SearchIssue[] = [];
      items.forEach((text, i) => {
        const one = readStopConditions([text]);
        if (typeof one === "string") issues.push(ruleIssue(one, [at[i] ?? i]));
      });
      if (issues.length > 0) return refused(...issues);
      // Together: each item is a group of its own, and the count is over all of them.
      const all = readStopConditions(items);
      return typeof all === "string" ? refused(ruleIssue(all)) : all;
    },
    flag: "stop-condition",
    arg: '"M OP V[:MIN_STEP]"',
    help: "stop a trial early (OP: < > <= >=; join with &&; repeatable: alternatives)",
    doc: "stop a trial early once the condition holds (from step MIN_STEP); `&&` joins conditions, repeated flags are alternatives",
    form: {
      section: "stop",
      label: "Stop conditions",
      control: "conditions",
      placeholder: "keras/val_acc < 0.2:3",
      maxLength: 500,
      depth: 2,
    },
  },
  earlyStop: {
    ...oneOf(earlyStopRuleSchema, {
      none: "none",
      median: "median rule",
      asha: "ASHA",
    }),
    flag: "early-stop",
    help: "end losing trials early: the median rule or ASHA (status pruned)",
    doc: "end losing trials early by the search metric's steps: `median` (worse than the median of the other trials at the step) or `asha` (not in the top 1/η at a rung); a pruned trial ends as a stop does, status `pruned` (docs/decisions/early-stopping.md)",
    default: "none",
    form: { section: "stop", label: "Early stopping", control: "select", span: 3, maxLength: 10 },
  },
  earlyStopMinSteps: {
    ...integer(1, 1_000_000),
    flag: "early-stop-min-steps",
    arg: "N",
    help: "no trial is pruned before this step; ASHA's first rung",
    appliesWith: { key: "earlyStop", values: ["median", "asha"] },
    doc: "no trial is pruned before this step; ASHA's first rung. Set it to the steps a configuration needs to show its form: where learning curves cross, 1 prunes slow starters that would have ended best (docs/decisions/early-stopping.md)",
    default: "1",
    form: {
      section: "stop",
      label: "Min steps",
      control: "text",
      span: 3,
      inputMode: "numeric",
      help: "no trial is pruned before it",
      maxLength: 40,
    },
  },
  reductionFactor: {
    ...integer(2, 100),
    flag: "reduction-factor",
    arg: "N",
    help: "ASHA's η: rungs at min-steps·η^k, the top 1/η go on",
    default: "3",
    appliesWith: { key: "earlyStop", values: ["asha"] },
    form: {
      section: "stop",
      label: "Reduction factor (η)",
      control: "text",
      span: 3,
      inputMode: "numeric",
      help: "ASHA only",
      maxLength: 40,
    },
  },
  stopGraceSeconds: {
    ...numberSetting(
      z
        .number()
        .min(0, "must be at least 0")
        .max(MAX_STOP_GRACE_SECONDS, `must be at most ${MAX_STOP_GRACE_SECONDS}`),
      false,
    ),
    flag: "stop-grace",
    arg: "SECONDS",
    help: "from SIGTERM to SIGKILL when a trial is stopped, pruned or timed out",
    doc: "how long a trial has from SIGTERM to SIGKILL when it is stopped, pruned or timed out: time to save a checkpoint (on Slurm, a job that reaches its `--time` is ended by Slurm's own KillWait instead)",
    default: String(DEFAULT_GRACE_MS / 1000),
    form: {
      section: "stop",
      label: "Stop grace (s)",
      control: "text",
      span: 3,
      inputMode: "decimal",
      help: "SIGTERM to SIGKILL",
      maxLength: 40,
    },
  },
  description: {
    ...textSetting(z.string().max(2000, "a description holds at most 2000 characters")),
    optional: true,
    flag: "description",
    short: "d",
    arg: "TEXT",
    help: "what the search is for",
    form: {
      section: "search",
      label: "Description",
      control: "text",
      span: 12,
      placeholder: "What this search is trying out",
      maxLength: 2000,
    },
  },
  labels: {
    input: "list",
    value: labelsValue,
    read(items, at) {
      const r = labelsValue.safeParse(items);
      return r.success ? ok(r.data) : refused(...listIssues(r.error, at));
    },
    flag: "label",
    arg: "TEXT",
    help: "a label, to find the search by (repeatable)",
    form: {
      section: "advanced",
      label: "Labels",
      control: "commas",
      span: 6,
      help: "comma-separated",
      maxLength: 5000,
    },
  },
  env: {
    input: "list",
    value: envValue,
    keepSpaces: true,
    read(items, at) {
      const env: Record<string, string> = {};
      const issues: SearchIssue[] = [];
      items.forEach((pair, i) => {
        const eq = pair.indexOf("=");
        const problem = eq <= 0 ? "needs KEY=VALUE" : envKeyProblem(pair.slice(0, eq));
        if (problem !== undefined) issues.push(ruleIssue(problem, [at[i] ?? i]));
        else env[pair.slice(0, eq)] = pair.slice(eq + 1);
      });
      return issues.length > 0 ? refused(...issues) : ok(env);
    },
    flag: "env",
    short: "e",
    arg: "KEY=VALUE",
    help: "environment for every trial (repeatable)",
    form: {
      section: "advanced",
      label: "Environment",
      control: "lines",
      span: 6,
      mono: true,
      help: "KEY=VALUE, one per line",
      maxLength: 20_000,
    },
  },
  seed: {
    ...integer(0, MAX_SEED),
    flag: "seed",
    arg: "N",
    help: "the optimizer's seed",
    otherwise: "drawn at random and printed",
    form: {
      section: "advanced",
      label: "Seed",
      control: "text",
      span: 3,
      inputMode: "numeric",
      help: "blank: random",
      maxLength: 40,
    },
  },
  acquisition: {
    ...oneOf(acquisitionSchema, { ucb: "UCB", ei: "EI" }),
    flag: "acquisition",
    help: "how the next trial is chosen: upper confidence bound or expected improvement",
    default: "ucb",
    kinds: ["bayesian"],
    form: { section: "advanced", label: "Acquisition", control: "select", span: 3, maxLength: 10 },
  },
  kappa: {
    ...numberSetting(z.number().positive("must be above 0"), false),
    optional: true,
    flag: "kappa",
    arg: "K",
    help: "UCB's exploration weight, fixed",
    appliesWith: { key: "acquisition", values: ["ucb"] },
    otherwise: "a schedule, see docs/decisions/optimizer.md",
    kinds: ["bayesian"],
    form: {
      section: "advanced",
      label: "Kappa",
      control: "text",
      span: 3,
      inputMode: "decimal",
      help: "UCB only; blank: scheduled",
      maxLength: 40,
    },
  },
  maxFailures: {
    ...integer(1),
    flag: "max-failures",
    arg: "N",
    help: "end the search as failed after N failed trials",
    otherwise: "the number of runs",
    form: {
      section: "advanced",
      label: "Max failures",
      control: "text",
      span: 3,
      inputMode: "numeric",
      help: "blank: number of runs",
      maxLength: 40,
    },
  },
  cwd: {
    ...textSetting(absolutePath),
    flag: "cwd",
    arg: "DIR",
    help: "where each trial starts",
    otherwise: "the current directory",
    required: ["bayesian", "grid", "random"],
    form: {
      section: "command",
      label: "Working directory",
      control: "text",
      span: 12,
      mono: true,
      maxLength: 4096,
    },
  },
} satisfies Record<string, Setting>;

export type Settings = typeof SETTINGS;
export type SettingKey = keyof Settings;
export type TextKey = {
  [K in SettingKey]: Settings[K]["input"] extends "text" ? K : never;
}[SettingKey];
export type ListKey = {
  [K in SettingKey]: Settings[K]["input"] extends "list" ? K : never;
}[SettingKey];

/** The rows in table order, with their keys. */
export const SETTING_ROWS: readonly (readonly [SettingKey, Setting])[] = Object.entries(
  SETTINGS,
) as [SettingKey, Setting][];

export function settingOf(key: PropertyKey | undefined): Setting | undefined {
  return typeof key === "string" && Object.hasOwn(SETTINGS, key)
    ? (SETTINGS as Record<string, Setting>)[key]
    : undefined;
}

export function appliesTo(row: Setting, kind: SearchKind): boolean {
  return row.kinds === undefined || row.kinds.includes(kind);
}

/** `with --early-stop median or asha`: the row's `appliesWith` in words; undefined without one. */
export function appliesWithText(row: Setting): string | undefined {
  const w = row.appliesWith;
  const other = settingOf(w?.key);
  return w && other ? `with ${flagName(other)} ${w.values.join(" or ")}` : undefined;
}

/** `--num-runs`, or `-n, --num-runs` with the short flag. */
export function flagName(row: Setting, withShort = false): string {
  return withShort && row.short ? `-${row.short}, --${row.flag}` : `--${row.flag}`;
}

/** What a row says it defaults to for `kind`, in words, or undefined (required, or no default). */
export function defaultText(row: Setting, kind?: SearchKind): string | undefined {
  if (row.default !== undefined) return row.default;
  const o = row.otherwise;
  if (o === undefined || typeof o === "string") return o;
  return kind === undefined ? undefined : o[kind];
}

/** Help that varies by kind, for `kind`. */
export function forKind(
  text: string | Partial<Record<SearchKind, string>> | undefined,
  kind: SearchKind,
): string | undefined {
  return text === undefined || typeof text === "string" ? text : text[kind];
}

/**
 * README's flag table, from the rows (settings.test.ts checks that README.md holds it, so the
 * README and `--help` say the same). The grammar and the command have sections of their own.
 */
export function flagTable(): string {
  const lines = ["| flag | meaning |", "|---|---|"];
  for (const [, row] of SETTING_ROWS) {
    if (row.input === "space" || row.input === "argv") continue;
    const flag = `${flagName(row, true)} ${row.arg}`.replaceAll("|", "\\|");
    const notes: string[] = [];
    if (row.kinds) notes.push(`${row.kinds.join(" and ")} only`);
    const withText = appliesWithText(row);
    if (withText) notes.push(`used ${withText}`);
    if (row.required && row.required.length < 3)
      notes.push(`required in ${row.required.join(" and ")}`);
    if (row.default !== undefined) notes.push(`default \`${row.default}\``);
    else if (typeof row.otherwise === "string") notes.push(`default: ${row.otherwise}`);
    else if (row.otherwise)
      for (const [kind, text] of Object.entries(row.otherwise)) notes.push(`${kind}: ${text}`);
    const doc = row.doc ?? row.help;
    lines.push(`| \`${flag}\` | ${doc}${notes.length > 0 ? ` (${notes.join("; ")})` : ""} |`);
  }
  return lines.join("\n");
}
