/**
 * The new-search form as data: its values (strings, as typed), the caps on them, and the one
 * function that turns them into a SearchSpec or into messages placed at their fields.
 *
 * Everything here is derived from the settings table (lib/search/settings.ts): the values' keys,
 * the caps, what a new form holds, and the equivalent `hyperbayes` command. `checkSearchForm`
 * hands the values to defineSearch (lib/search/define.ts), the definition the CLI uses, and puts
 * each issue at the field its path names: no message is read to find where it goes. The browser
 * runs it on every keystroke and the server action runs it again on submit. Pure: no Node I/O.
 *
 * Field keys: a setting's key (`numRuns`, `env`, `cwd`, ...), `params.<i>.<name|min|max|scale|
 * type|values>` for a parameter's parts, `stopConditions.<i>` for one condition, and `form` for
 * anything else.
 */
import { z } from "zod";
import type { Goal } from "../metrics/schema";
import { MAX_STOP_CONDITIONS } from "../metrics/stop";
import { type DefineContext, defineSearch, type SearchInput } from "../search/define";
import {
  appliesTo,
  type FormField,
  SETTING_ROWS,
  type SearchIssue,
  type SearchKind,
  type SettingKey,
  type Settings,
  searchKindSchema,
  settingOf,
} from "../search/settings";
import type { SearchSpec } from "../search/spec";
import { formatParam, readParamFields } from "../space/parse";
import { numberTypeSchema, scaleSchema } from "../space/schema";
import { joinShellWords, type SplitResult, splitShellWords } from "./shell-words";

/** The most parameter rows a submission may hold. */
const MAX_PARAMS = 50;

export const paramRowSchema = z.object({
  name: z.string().max(100),
  kind: z.enum(["range", "choice"]),
  min: z.string().max(40),
  max: z.string().max(40),
  scale: scaleSchema,
  type: numberTypeSchema,
  /** Choices as typed: `a, b, c` (numbers where they read as numbers) or a JSON array. */
  values: z.string().max(formOf("params").maxLength),
});
export type ParamRow = z.infer<typeof paramRowSchema>;

function formOf(key: SettingKey): FormField {
  const form = settingOf(key)?.form;
  if (!form) throw new Error(`setting ${key} has no form field`);
  return form;
}

type FormValue<F> = F extends { control: "conditions" }
  ? string[]
  : F extends { control: "rows" }
    ? ParamRow[]
    : string;

/** The form's values: the kind, and each setting as its field holds it. */
export type SearchFormValues = { kind: SearchKind } & {
  -readonly [K in SettingKey]: FormValue<Settings[K]["form"]>;
};

/** Caps on what a form may send: the server action refuses anything larger before reading it. */
export const searchFormSchema = z.object({
  kind: searchKindSchema,
  ...Object.fromEntries(
    SETTING_ROWS.map(([key, row]) => {
      const form = row.form as FormField;
      const text = z.string().max(form.maxLength);
      if (form.control === "rows") return [key, z.array(paramRowSchema).max(MAX_PARAMS)];
      if (form.control === "conditions") return [key, z.array(text).max(MAX_STOP_CONDITIONS)];
      return [key, text];
    }),
  ),
}) as unknown as z.ZodType<SearchFormValues>;

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
  /** defineSearch's issues, before placing (`errors` holds them by field, in the form's words). */
  issues: SearchIssue[];
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

/**
 * What a new form holds: each field's suggestion, else its setting's default, else blank. The
 * working directory and the machine type are the server's to say (`machineType`: what the CLI
 * would take without -t, lib/machines defaultMachineType).
 */
export function defaultFormValues(
  cwd: string,
  options: { machineType?: string } = {},
): SearchFormValues {
  const values: Record<string, unknown> = { kind: "bayesian" };
  for (const [key, row] of SETTING_ROWS) {
    const form = row.form as FormField;
    if (form.control === "rows") values[key] = [emptyParamRow()];
    else if (form.control === "conditions") values[key] = [];
    else values[key] = form.initial ?? row.default ?? "";
  }
  values.cwd = cwd;
  values.machineType = options.machineType ?? "cpu";
  return values as SearchFormValues;
}

/** A list field's items, as the user separated them (blank ones are dropped by defineSearch). */
function itemsOf(form: FormField, value: unknown): string[] {
  if (Array.isArray(value)) return value as string[];
  const text = typeof value === "string" ? value : "";
  if (form.control === "lines") return text.split("\n");
  if (form.control === "commas") return text.split(",");
  return [text];
}

/** The form's values as defineSearch's input; settings that do not apply to the kind are hidden. */
function searchInput(values: SearchFormValues, split: SplitResult): SearchInput {
  const input: Record<string, unknown> = { kind: values.kind, params: values.params };
  if (split.ok) input.command = split.argv;
  for (const [key, row] of SETTING_ROWS) {
    if (!appliesTo(row, values.kind)) continue;
    if (row.input === "text") input[key] = values[key];
    else if (row.input === "list") input[key] = itemsOf(row.form as FormField, values[key]);
  }
  return input as SearchInput;
}

function add(to: FieldMessages, key: string, message: string): void {
  const list = to[key];
  if (list) {
    if (!list.includes(message)) list.push(message);
  } else to[key] = [message];
}

/** The field an issue belongs to: its path, as deep as the setting's field goes. */
export function fieldOf(path: readonly (string | number)[]): string {
  const row = settingOf(path[0]);
  if (!row?.form) return "form";
  const depth = row.form.depth ?? 1;
  return path.length >= depth ? path.slice(0, depth).join(".") : String(path[0]);
}

/** An issue in the form's words: what it is about comes from the field it is shown under. */
function issueText(issue: SearchIssue, input: SearchInput): string {
  const [key, at, part] = issue.path;
  const row = settingOf(key);
  if (issue.code === "missing") return issue.message ? `required (${issue.message})` : "required";
  // An item shown in a field of many (an env line, a label) is named by its text.
  const items = row?.input === "list" && (row.form?.depth ?? 1) === 1;
  const item =
    items && typeof at === "number"
      ? ((input as Record<string, unknown>)[key as string] as string[] | undefined)?.[at]
      : undefined;
  if (item !== undefined)
    return `${JSON.stringify(item)}${issue.code === "value" ? " " : ": "}${issue.message}`;
  if (issue.code !== "value") return issue.message;
  const param = typeof at === "number" && part === "name" ? input.params[at] : undefined;
  const about =
    param && "name" in param ? param.name.trim() : (row?.form?.label ?? String(key ?? ""));
  return `${about} ${issue.message}`;
}

/**
 * Validates the form and builds its SearchSpec. `randomSeed` supplies the seed when the field is
 * blank (the server draws one; the browser's preview does not need a real one); the server also
 * passes the checks only it can make (the working directory exists).
 */
export function checkSearchForm(values: SearchFormValues, options: DefineContext = {}): FormCheck {
  const split = splitShellWords(values.command);
  const input = searchInput(values, split);
  const defined = defineSearch(input, options);
  const errors: FieldMessages = {};
  const warnings: FieldMessages = {};
  if (!split.ok) add(errors, "command", split.error);
  if (!defined.ok)
    for (const issue of defined.issues) {
      // A command that did not split is reported by the split, not as a missing one.
      if (!split.ok && issue.path[0] === "command") continue;
      add(errors, fieldOf(issue.path), issueText(issue, input));
    }
  for (const issue of defined.warnings) add(warnings, fieldOf(issue.path), issueText(issue, input));
  const spec = defined.ok && split.ok ? defined.spec : undefined;
  const goal = defined.ok
    ? { goal: defined.spec.goal, inferred: defined.goalInferred }
    : defined.goal;
  const command = equivalentCommand(values, split);
  const issues = defined.ok ? [] : defined.issues;
  return {
    spec,
    errors,
    warnings,
    issues,
    goal,
    command: command.line,
    commandLines: command.lines,
  };
}

/** `--param` text for a row that did not read, so the command preview still shows it. */
function rawParamText(row: ParamRow): string {
  const name = row.name.trim();
  if (row.kind === "choice") return `${name}=${row.values.trim()}`;
  let text = `${name}=${row.min.trim()}:${row.max.trim()}`;
  if (row.scale !== "linear") text += `:${row.scale}`;
  if (row.type !== "float") text += `:${row.type}`;
  return text;
}

/**
 * The `hyperbayes` command for the form as it stands (valid or not), from the table: each
 * setting that applies to the kind, as its flag, unless it holds its default. On one line, and
 * the same words with one flag per line (backslash continuations) for display and copying.
 */
function equivalentCommand(
  values: SearchFormValues,
  split: SplitResult,
): { line: string; lines: string } {
  const groups: string[][] = [["hyperbayes", values.kind]];
  // parseArgs takes `--seed -1` for two flags: a value that starts with a dash goes after `=`.
  const push = (flag: string, value: string) =>
    groups.push(value.startsWith("-") ? [`${flag}=${value}`] : [flag, value]);
  for (const [key, row] of SETTING_ROWS) {
    if (!appliesTo(row, values.kind)) continue;
    const flag = `--${row.flag}`;
    if (row.input === "space") {
      for (const param of values.params) {
        const reading = readParamFields(param);
        if (reading.spec) {
          const { flag: which, text } = formatParam(reading.spec);
          push(which, text);
        } else if (
          param.name.trim() !== "" ||
          param.values.trim() !== "" ||
          param.min.trim() !== ""
        ) {
          // A JSON list is what --json-param takes: the CLI then reports the same problem.
          const json = param.kind === "choice" && param.values.trim().startsWith("[");
          push(json ? `--${row.jsonFlag}` : flag, rawParamText(param));
        }
      }
    } else if (row.input === "text") {
      // The machine type is always written: without -t the CLI finds its own default.
      const text = (values[key] as string).trim();
      if (text !== "" && text !== row.default) push(flag, text);
    } else if (row.input === "list") {
      for (const item of itemsOf(row.form as FormField, values[key]))
        if (item.trim() !== "") push(flag, row.keepSpaces ? item : item.trim());
    }
  }
  groups.push(["--detach"]);
  const quoted = groups.map((g) => joinShellWords(g));
  const tail = split.ok
    ? split.argv.length > 0
      ? `-- ${joinShellWords(split.argv)}`
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
