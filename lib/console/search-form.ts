/**
 * The new-search form as data: its values (strings, as typed), the caps on them, and the one
 * function that turns them into a SearchSpec or into messages placed at the fields they concern.
 *
 * The browser runs `checkSearchForm` on every keystroke and the server action runs it again on
 * submit, so both reject exactly the same things. It validates with the schemas and parsers the
 * CLI uses (`rangeSpecSchema`, the `--param` grammar, `checkCommand`, `parseStopConditions`,
 * `searchSpecSchema`), so the form and `hyperbayes bayesian ...` agree on every rule; it also
 * writes the equivalent `hyperbayes` command. Pure: no Node I/O (it ships to the browser).
 *
 * Field keys: `kind`, `params` (the whole space), `params.<i>.<name|min|max|scale|type|values>`,
 * `command`, `cwd`, `numRuns`, `parallelRuns`, `metric`, `metricAgg`, `goal`, `machineType`,
 * `timeoutMinutes`, `stopConditions` and `stopConditions.<i>`, `description`, `env`, `labels`,
 * `seed`, `kappa`, `acquisition`, `maxFailures`, and `form` for anything else.
 */
import { z } from "zod";
import { checkCommand } from "../command/substitute";
import { UsageError } from "../errors";
import { resolveGoal } from "../metrics/goal";
import {
  type Goal,
  goalSchema,
  metricAggSchema,
  metricNameSchema,
  type StopCondition,
} from "../metrics/schema";
import { MAX_STOP_CONDITIONS, parseStopConditions } from "../metrics/stop";
import { gridSize } from "../optimizer/grid";
import {
  acquisitionSchema,
  envKeyProblem,
  MAX_RUNS,
  MAX_TIMEOUT_MINUTES,
  type SearchSpec,
  searchKindSchema,
  searchSpecSchema,
} from "../search/spec";
import { describeIssues, formatParam, parseJsonParam, parseParam } from "../space/parse";
import {
  numberTypeSchema,
  type ParamSpec,
  paramName,
  rangeSpecSchema,
  scaleSchema,
  spaceSchema,
} from "../space/schema";
import { joinShellWords, splitShellWords } from "./shell-words";

/** Caps on what a form may send: the server action rejects anything larger before reading it. */
export const FORM_LIMITS = {
  params: 50,
  name: 100,
  number: 40,
  choiceText: 10_000,
  command: 20_000,
  path: 4096,
  description: 2000,
  env: 20_000,
  labels: 5000,
} as const;

const short = z.string().max(FORM_LIMITS.number);

export const paramRowSchema = z.object({
  name: z.string().max(FORM_LIMITS.name),
  kind: z.enum(["range", "choice"]),
  min: short,
  max: short,
  scale: scaleSchema,
  type: numberTypeSchema,
  /** Choices as typed: `a, b, c` (numbers where they read as numbers) or a JSON array. */
  values: z.string().max(FORM_LIMITS.choiceText),
});
export type ParamRow = z.infer<typeof paramRowSchema>;

export const searchFormSchema = z.object({
  kind: searchKindSchema,
  params: z.array(paramRowSchema).max(FORM_LIMITS.params),
  /** One line, split into words the way a shell would (quotes group); never run by a shell. */
  command: z.string().max(FORM_LIMITS.command),
  cwd: z.string().max(FORM_LIMITS.path),
  numRuns: short,
  parallelRuns: short,
  metric: z.string().max(FORM_LIMITS.name * 2),
  metricAgg: metricAggSchema,
  /** "" lets the metric's name decide (as the CLI does without --goal). */
  goal: z.union([z.literal(""), goalSchema]),
  machineType: z.string().max(FORM_LIMITS.name),
  timeoutMinutes: short,
  stopConditions: z.array(z.string().max(500)).max(MAX_STOP_CONDITIONS),
  description: z.string().max(FORM_LIMITS.description),
  /** `KEY=VALUE`, one per line. */
  env: z.string().max(FORM_LIMITS.env),
  /** Comma-separated. */
  labels: z.string().max(FORM_LIMITS.labels),
  seed: short,
  kappa: short,
  acquisition: acquisitionSchema,
  maxFailures: short,
});
export type SearchFormValues = z.infer<typeof searchFormSchema>;

/** A machine type the form offers (from `listMachineTypes`, on the server). */
export interface MachineChoice {
  name: string;
  description: string;
}

export type FieldMessages = Record<string, string[]>;

export interface FormCheck {
  /** Present exactly when `errors` is empty. */
  spec: SearchSpec | undefined;
  errors: FieldMessages;
  warnings: FieldMessages;
  /** The goal the search will use, and whether it was inferred from the metric's name. */
  goal: { goal: Goal; inferred: boolean } | undefined;
  /** The `hyperbayes` command that queues the same search, quoted for a POSIX shell. */
  command: string;
  /** The same command, one flag per line with backslash continuations. */
  commandLines: string;
}

export function emptyParamRow(): ParamRow {
  return { name: "", kind: "range", min: "", max: "", scale: "linear", type: "float", values: "" };
}

export function defaultFormValues(cwd: string): SearchFormValues {
  return {
    kind: "bayesian",
    params: [emptyParamRow()],
    command: "",
    cwd,
    numRuns: "20",
    parallelRuns: "1",
    metric: "",
    metricAgg: "last",
    goal: "",
    machineType: "cpu",
    timeoutMinutes: "",
    stopConditions: [],
    description: "",
    env: "",
    labels: "",
    seed: "",
    kappa: "",
    acquisition: "ucb",
    maxFailures: "",
  };
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

type NumberRead = { value: number | undefined; error?: string };

/** Reads an optional number field; blank is undefined. Messages match the CLI's flags. */
function readNumber(
  text: string,
  label: string,
  opts: { int?: boolean; min?: number; max?: number } = {},
): NumberRead {
  const t = text.trim();
  if (t === "") return { value: undefined };
  const kind = opts.int ? "an integer" : "a number";
  const n = Number(t);
  if (!DECIMAL.test(t) || !Number.isFinite(n) || (opts.int && !Number.isInteger(n)))
    return { value: undefined, error: `${label} needs ${kind}, got "${t}"` };
  if (opts.min !== undefined && n < opts.min)
    return { value: undefined, error: `${label} must be at least ${opts.min}, got ${t}` };
  if (opts.max !== undefined && n > opts.max)
    return { value: undefined, error: `${label} must be at most ${opts.max}, got ${t}` };
  return { value: n };
}

/** `--param x=...: problem` lines from the grammar, without the prefix the form does not need. */
function grammarProblems(e: unknown, text: string): string[] {
  if (!(e instanceof UsageError)) throw e;
  return e.message.split("\n").map((line) => {
    for (const flag of ["--param", "--json-param"]) {
      const prefix = `${flag} ${text}: `;
      if (line.startsWith(prefix)) return line.slice(prefix.length);
    }
    return line;
  });
}

/** The row's choice list through the CLI's grammar (the name is checked on its own). */
function readChoices(values: string): { values?: ParamSpec; problems: string[] } {
  const t = values.trim();
  if (t === "") return { problems: ["list at least one value, e.g. adam, sgd"] };
  // A placeholder name keeps a bad name from hiding the problems of the values.
  const asJson = t.startsWith("[");
  // Without a comma the grammar reads a colon as a range; in a choice row it is part of a value.
  const text = asJson
    ? `p=${t}`
    : !t.includes(",") && t.includes(":")
      ? `p=${JSON.stringify([t])}`
      : `p=${t}`;
  try {
    const spec = text.startsWith("p=[") ? parseJsonParam(text) : parseParam(text);
    return { values: spec, problems: [] };
  } catch (e) {
    return { problems: grammarProblems(e, text) };
  }
}

function add(to: FieldMessages, key: string, message: string): void {
  const list = to[key];
  if (list) {
    if (!list.includes(message)) list.push(message);
  } else to[key] = [message];
}

/** Reads one parameter row; problems go to `errors` under the row's fields. */
function readRow(row: ParamRow, i: number, errors: FieldMessages): ParamSpec | undefined {
  const at = (field: string) => `params.${i}.${field}`;
  const name = row.name.trim();
  let ok = true;
  if (name === "") {
    add(errors, at("name"), "a parameter needs a name");
    ok = false;
  } else {
    const r = paramName.safeParse(name);
    if (!r.success) {
      for (const issue of r.error.issues) add(errors, at("name"), issue.message);
      ok = false;
    }
  }
  if (row.kind === "choice") {
    const { values, problems } = readChoices(row.values);
    for (const p of problems) add(errors, at("values"), p);
    if (values?.kind !== "choice" || !ok) return undefined;
    return { kind: "choice", name, values: values.values };
  }
  const bound = (text: string, which: "min" | "max"): number | undefined => {
    const t = text.trim();
    if (t === "") {
      add(errors, at(which), `${which} is required`);
      return undefined;
    }
    const n = Number(t);
    if (!DECIMAL.test(t) || !Number.isFinite(n)) {
      add(errors, at(which), `${which} "${t}" is not a number`);
      return undefined;
    }
    return n === 0 ? 0 : n;
  };
  const min = bound(row.min, "min");
  const max = bound(row.max, "max");
  if (min === undefined || max === undefined) return undefined;
  const r = rangeSpecSchema.safeParse({
    kind: "range",
    name,
    min,
    max,
    scale: row.scale,
    type: row.type,
  });
  if (!r.success) {
    for (const issue of r.error.issues) {
      const field = typeof issue.path[0] === "string" ? issue.path[0] : "min";
      // A bad name was already reported from the name check.
      if (field !== "name") add(errors, at(field), issue.message);
    }
    return undefined;
  }
  return ok ? r.data : undefined;
}

/**
 * The parameters in the order the CLI reads the equivalent command: every `--param` before every
 * `--json-param`. The order decides columns and, for grid search, the order of the trials, so the
 * form follows the command rather than let the two disagree.
 */
function cliOrder(specs: readonly ParamSpec[]): ParamSpec[] {
  const flag = (s: ParamSpec) => formatParam(s).flag;
  return [
    ...specs.filter((s) => flag(s) === "--param"),
    ...specs.filter((s) => flag(s) === "--json-param"),
  ];
}

/** `--param` text for a row that did not parse, so the command preview still shows it. */
function rawParamText(row: ParamRow): string {
  const name = row.name.trim();
  if (row.kind === "choice") return `${name}=${row.values.trim()}`;
  let text = `${name}=${row.min.trim()}:${row.max.trim()}`;
  if (row.scale !== "linear") text += `:${row.scale}`;
  if (row.type !== "float") text += `:${row.type}`;
  return text;
}

/** Where a `searchSpecSchema` issue belongs in the form. */
function fieldOf(path: readonly PropertyKey[]): string {
  const [head, i, field] = path;
  if (head === "params" && typeof i === "number" && typeof field === "string")
    return `params.${i}.${field}`;
  if (head === "stopConditions" && typeof i === "number") return `stopConditions.${i}`;
  return typeof head === "string" ? head : "form";
}

/**
 * Validates the form and builds its SearchSpec. `randomSeed` supplies the seed when the field is
 * blank (the server draws one; the browser's preview does not need a real one).
 */
export function checkSearchForm(
  values: SearchFormValues,
  options: { randomSeed?: () => number } = {},
): FormCheck {
  const errors: FieldMessages = {};
  const warnings: FieldMessages = {};

  if (values.params.length === 0) add(errors, "params", "a search needs at least one parameter");
  const rowSpecs = values.params.map((row, i) => readRow(row, i, errors));
  const specs = rowSpecs.filter((s): s is ParamSpec => s !== undefined);
  const rowOf = rowSpecs.flatMap((s, i) => (s === undefined ? [] : [i]));
  if (specs.length > 0) {
    // Names defined twice, among the rows that read well on their own.
    const r = spaceSchema.safeParse(specs);
    if (!r.success) {
      for (const issue of describeIssues(r.error, specs)) {
        const row = issue.index === undefined ? undefined : rowOf[issue.index];
        const key =
          row !== undefined ? `params.${row}.${issue.field?.split(/[.[]/)[0] ?? "name"}` : "params";
        add(errors, key, issue.message.replace(/^parameter "[^"]*" \([^)]*\): /, ""));
      }
    }
  }

  const split = splitShellWords(values.command);
  let argv: string[] = [];
  if (!split.ok) add(errors, "command", split.error);
  else {
    argv = split.argv;
    if (argv.length === 0) add(errors, "command", "the command is empty");
    else {
      // A row with a good name but bad bounds still defines its placeholder: its bounds are
      // reported at the bounds, not as an unknown `:name:` in the command.
      const named = values.params.flatMap((row, i): ParamSpec[] => {
        const spec = rowSpecs[i];
        if (spec) return [spec];
        const name = row.name.trim();
        return paramName.safeParse(name).success ? [{ kind: "choice", name, values: [0] }] : [];
      });
      const check = checkCommand(argv, named);
      for (const e of check.errors) add(errors, "command", e);
      // Unused parameters are shown at the parameter, as the CLI's warning is about it.
      for (const w of check.warnings) {
        const name = /--param (\S+) is never used/.exec(w)?.[1];
        const i = name === undefined ? -1 : values.params.findIndex((r) => r.name.trim() === name);
        add(warnings, i >= 0 ? `params.${i}.name` : "command", w.replace(/^--param /, ""));
      }
    }
  }

  const cwd = values.cwd.trim();
  if (cwd === "") add(errors, "cwd", "the working directory is required");
  else if (!cwd.startsWith("/"))
    add(errors, "cwd", "give the working directory as an absolute path");

  const numRuns = readNumber(values.numRuns, "number of runs", {
    int: true,
    min: 1,
    max: MAX_RUNS,
  });
  if (numRuns.error) add(errors, "numRuns", numRuns.error);
  let runs = numRuns.value;
  if (values.kind === "grid") {
    if (specs.length === values.params.length && specs.length > 0) {
      try {
        const size = gridSize(specs);
        if (size > MAX_RUNS)
          add(errors, "params", `the grid has ${size} points, more than ${MAX_RUNS}`);
        else runs = Math.min(runs ?? size, size);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        add(errors, "params", e.message);
      }
    }
  } else if (values.numRuns.trim() === "") add(errors, "numRuns", "the number of runs is required");

  const parallel = readNumber(values.parallelRuns, "parallel runs", {
    int: true,
    min: 1,
    max: 1000,
  });
  if (parallel.error) add(errors, "parallelRuns", parallel.error);

  const metric = values.metric.trim();
  let goal: FormCheck["goal"];
  if (metric === "") add(errors, "metric", "the metric is required (e.g. loss, keras/val_acc)");
  else {
    const r = metricNameSchema.safeParse(metric);
    if (!r.success) for (const issue of r.error.issues) add(errors, "metric", issue.message);
    else goal = resolveGoal(metric, values.goal === "" ? undefined : values.goal);
  }

  const timeout = readNumber(values.timeoutMinutes, "the timeout", {
    min: 1 / 60,
    max: MAX_TIMEOUT_MINUTES,
  });
  if (timeout.error) add(errors, "timeoutMinutes", timeout.error);
  const seed = readNumber(values.seed, "the seed", { int: true, min: 0, max: 2 ** 31 - 1 });
  if (seed.error) add(errors, "seed", seed.error);
  const kappa = readNumber(values.kappa, "kappa", { min: 0 });
  if (kappa.error) add(errors, "kappa", kappa.error);
  if (kappa.value !== undefined && values.kind !== "bayesian")
    add(warnings, "kappa", "kappa only applies to bayesian search");
  const maxFailures = readNumber(values.maxFailures, "max failures", { int: true, min: 1 });
  if (maxFailures.error) add(errors, "maxFailures", maxFailures.error);

  const conditionTexts: string[] = [];
  values.stopConditions.forEach((text, i) => {
    if (text.trim() === "") return;
    try {
      parseStopConditions([text]);
      conditionTexts.push(text);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      add(errors, `stopConditions.${i}`, e.message);
    }
  });
  let stopConditions: StopCondition[] = [];
  try {
    stopConditions = parseStopConditions(conditionTexts);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    add(errors, "stopConditions", e.message);
  }

  const env: Record<string, string> = {};
  for (const line of values.env.split("\n")) {
    if (line.trim() === "") continue;
    const eq = line.indexOf("=");
    // Untrimmed, as the CLI reads `--env KEY=VALUE`.
    const problem = eq > 0 ? envKeyProblem(line.slice(0, eq)) : "needs KEY=VALUE";
    if (problem !== undefined) add(errors, "env", `${JSON.stringify(line.trim())}: ${problem}`);
    else env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  const labels = values.labels
    .split(",")
    .map((l) => l.trim())
    .filter((l) => l !== "");

  const machineType = values.machineType.trim() === "" ? "cpu" : values.machineType.trim();
  const description = values.description.trim();

  let spec: SearchSpec | undefined;
  if (Object.keys(errors).length === 0) {
    const candidate = {
      kind: values.kind,
      params: cliOrder(specs),
      command: argv,
      cwd,
      numRuns: runs,
      parallelRuns: parallel.value ?? 1,
      metric,
      metricAgg: values.metricAgg,
      goal: goal?.goal,
      machineType,
      env,
      timeoutMinutes: timeout.value,
      stopConditions,
      description: description === "" ? undefined : description,
      labels,
      seed: seed.value ?? options.randomSeed?.() ?? 0,
      kappa: kappa.value,
      acquisition: values.acquisition,
      maxFailures: maxFailures.value ?? runs,
    };
    const r = searchSpecSchema.safeParse(candidate);
    if (r.success) spec = r.data;
    else
      for (const issue of r.error.issues) {
        // The spec lists parameters in the CLI's order, not the rows': find the row by name.
        const [head, i, ...rest] = issue.path;
        const name =
          head === "params" && typeof i === "number" ? candidate.params[i]?.name : undefined;
        const row = values.params.findIndex((p) => p.name.trim() === name);
        const path = row >= 0 ? ["params", row, ...rest] : issue.path;
        add(errors, fieldOf(path), issue.message);
      }
  }

  const command = equivalentCommand(values, rowSpecs, split.ok ? split.argv : undefined);
  return { spec, errors, warnings, goal, command: command.line, commandLines: command.lines };
}

/**
 * The `hyperbayes` command for the form as it stands (valid or not): on one line, and the same
 * words with one flag per line (backslash continuations) for display and copying.
 */
function equivalentCommand(
  values: SearchFormValues,
  rowSpecs: readonly (ParamSpec | undefined)[],
  argv: string[] | undefined,
): { line: string; lines: string } {
  const groups: string[][] = [["hyperbayes", values.kind]];
  const push = (...words: string[]) => groups.push(words);
  values.params.forEach((row, i) => {
    const spec = rowSpecs[i];
    if (spec) {
      const { flag, text } = formatParam(spec);
      push(flag, text);
    } else if (row.name.trim() !== "" || row.values.trim() !== "" || row.min.trim() !== "") {
      // A JSON list is what --json-param takes: the CLI then reports the same problem.
      const json = row.kind === "choice" && row.values.trim().startsWith("[");
      push(json ? "--json-param" : "--param", rawParamText(row));
    }
  });
  const opt = (flag: string, text: string) => {
    if (text.trim() !== "") push(flag, text.trim());
  };
  opt("--num-runs", values.numRuns);
  if (values.parallelRuns.trim() !== "1") opt("--parallel-runs", values.parallelRuns);
  opt("--metric", values.metric);
  if (values.metricAgg !== "last") push("--metric-agg", values.metricAgg);
  if (values.goal !== "") push("--goal", values.goal);
  // Always: without -t the CLI picks this machine's first GPU model, not cpu.
  opt("--machine-type", values.machineType);
  opt("--timeout", values.timeoutMinutes);
  for (const c of values.stopConditions) opt("--stop-condition", c);
  opt("--description", values.description);
  for (const line of values.env.split("\n")) if (line.trim() !== "") push("--env", line);
  for (const l of values.labels.split(",")) opt("--label", l);
  opt("--seed", values.seed);
  if (values.kind === "bayesian") opt("--kappa", values.kappa);
  if (values.acquisition !== "ucb") push("--acquisition", values.acquisition);
  opt("--max-failures", values.maxFailures);
  opt("--cwd", values.cwd);
  push("--detach");
  const quoted = groups.map((g) => joinShellWords(g));
  const tail = argv
    ? argv.length > 0
      ? `-- ${joinShellWords(argv)}`
      : "--"
    : `-- ${values.command}`;
  quoted.push(tail);
  return { line: quoted.join(" "), lines: quoted.join(" \\\n  ") };
}

/** What the create-search action answers when it refuses a submission (on success it redirects). */
export interface CreateSearchState {
  errors: FieldMessages;
  warnings: FieldMessages;
  /** The values the answer is about, as JSON: the form hides it once they are edited. */
  valuesJson: string;
}

export const initialCreateSearchState: CreateSearchState = {
  errors: {},
  warnings: {},
  valuesJson: "",
};
