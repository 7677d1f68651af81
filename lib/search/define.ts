/**
 * defineSearch: what a user gave (the CLI's flags, the form's fields, both as text) -> a
 * SearchSpec, or every problem with it as data. The one definition of a search: the CLI, the form
 * (in the browser, on every keystroke), the server action and the store all end at the same
 * schema (./spec.ts), and every setting is read by its row of the settings table (./settings.ts).
 *
 * Issues come with paths in the input's terms (["params", 2, "min"], ["env", 0], ["numRuns"]),
 * so the CLI names the flag and the form places each at its field, and neither reads a message.
 * Rules of reading, the same for both: text is trimmed (an env item keeps its spaces), blank text
 * is no value, blank items of a list are skipped. Pure: the browser runs it.
 */
import { placeholders } from "../command/substitute";
import { resolveGoal } from "../metrics/goal";
import type { Goal } from "../metrics/schema";
import { type EarlyStopRule, neverPrunes } from "../pruning/rules";
import {
  type ParamFields,
  type ParamFlag,
  type ParamReading,
  readParamFields,
  readParamText,
} from "../space/parse";
import { type ParamSpec, processTextProblem } from "../space/schema";
import {
  appliesTo,
  appliesWithText,
  type IssuePath,
  type ListKey,
  SETTING_ROWS,
  SETTINGS,
  type SearchIssue,
  type SearchKind,
  type TextKey,
  valueIssue,
} from "./settings";
import { gridPointCount, type SearchSpec, searchSpecSchema } from "./spec";

/** One parameter as the CLI has it (a flag's text) or as the form has it (field by field). */
export type ParamInput = { flag: ParamFlag; text: string } | ParamFields;

export type SearchInput = {
  kind: SearchKind;
  params: readonly ParamInput[];
  /** The trial's argv; undefined when none was given (no `--`). */
  command?: readonly string[] | undefined;
} & { [K in TextKey]?: string | undefined } & { [K in ListKey]?: readonly string[] | undefined };

/** What only the caller knows: the values a setting takes from the machine or from chance. */
export interface DefineContext {
  /** Draws the seed when none is given (the browser's preview needs no real one: 0). */
  randomSeed?: () => number;
  /** The machine type without -t (lib/machines defaultMachineType); cpu where absent. */
  machineType?: string;
  /** Why trials could not start in the working directory (the server's file system check). */
  workingDirectoryProblem?: (cwd: string) => string | undefined;
}

export type Definition =
  | { ok: true; spec: SearchSpec; warnings: SearchIssue[]; goalInferred: boolean }
  | {
      ok: false;
      issues: SearchIssue[];
      warnings: SearchIssue[];
      /** The goal the search would have, when the metric read (the form shows it as typed). */
      goal?: { goal: Goal; inferred: boolean };
    };

const missing = (hint = ""): SearchIssue => ({ path: [], code: "missing", message: hint });

function readParam(p: ParamInput): ParamReading {
  return "flag" in p ? readParamText(p.flag, p.text) : readParamFields(p);
}

/** Items given, with their places: trimmed unless `keepSpaces`, blanks left out. */
function givenItems(items: readonly string[], keepSpaces: boolean) {
  const texts: string[] = [];
  const at: number[] = [];
  items.forEach((item, i) => {
    if (item.trim() === "") return;
    texts.push(keepSpaces ? item : item.trim());
    at.push(i);
  });
  return { texts, at };
}

/** Defines a search from what the user gave. Never throws. */
export function defineSearch(input: SearchInput, context: DefineContext = {}): Definition {
  const { kind } = input;
  const issues: SearchIssue[] = [];
  const warnings: SearchIssue[] = [];
  const values: Record<string, unknown> = {};
  /** Settings whose reading failed: the schema's words on their (missing) values add nothing. */
  const failed = new Set<string>();
  const refuse = (key: string, list: readonly SearchIssue[]) => {
    for (const i of list) issues.push({ ...i, path: [key, ...i.path] });
    failed.add(key);
  };

  // Parameters. One that failed but whose name read stands in as a one-value choice, so the
  // command's placeholders and the names are still checked against it.
  const readings = input.params.map(readParam);
  const params: ParamSpec[] = [];
  const inputIndex: number[] = [];
  readings.forEach((r, i) => {
    for (const p of r.problems)
      issues.push({
        path: p.field === undefined ? ["params", i] : ["params", i, p.field],
        code: "rule",
        message: p.message,
      });
    const standIn =
      r.name === undefined ? undefined : { kind: "choice" as const, name: r.name, values: [0] };
    const spec = r.spec ?? standIn;
    if (spec) {
      params.push(spec);
      inputIndex.push(i);
    }
  });
  if (input.params.length === 0) refuse("params", [missing(SETTINGS.params.hint)]);

  const command = input.command;
  if (command === undefined || command.length === 0)
    refuse("command", [missing(SETTINGS.command.hint)]);
  else {
    const bad = command.flatMap((arg, j) => {
      const problem = processTextProblem(arg);
      return problem === undefined ? [] : [valueIssue(problem, [j])];
    });
    if (bad.length > 0) refuse("command", bad);
  }

  for (const [key, row] of SETTING_ROWS) {
    if (row.input === "space" || row.input === "argv") continue;
    const raw: unknown = (input as Record<string, unknown>)[key];
    if (row.input === "text") {
      const text = typeof raw === "string" ? raw.trim() : "";
      if (!appliesTo(row, kind)) {
        if (text !== "")
          warnings.push(valueIssue(`only applies to ${row.kinds?.join(" and ")} search`, [key]));
        continue;
      }
      const given = text !== "" ? text : row.default;
      if (given === undefined) {
        if (row.required?.includes(kind)) refuse(key, [missing(row.hint)]);
        continue;
      }
      const problem = processTextProblem(given);
      if (problem !== undefined) {
        refuse(key, [valueIssue(problem)]);
        continue;
      }
      const reading = row.read(given);
      if (reading.ok) values[key] = reading.value;
      else refuse(key, reading.issues);
    } else {
      const list = Array.isArray(raw) ? (raw as string[]) : [];
      const { texts, at } = givenItems(list, row.keepSpaces === true);
      if (!appliesTo(row, kind)) {
        if (texts.length > 0)
          warnings.push(valueIssue(`only applies to ${row.kinds?.join(" and ")} search`, [key]));
        continue;
      }
      const bad = texts.flatMap((t, i) => {
        const problem = processTextProblem(t);
        return problem === undefined ? [] : [valueIssue(problem, [at[i] ?? i])];
      });
      if (bad.length > 0) {
        refuse(key, bad);
        continue;
      }
      const reading = row.read(texts, at);
      if (reading.ok) values[key] = reading.value;
      else refuse(key, reading.issues);
    }
  }

  // A setting another's value leaves unused (--reduction-factor without --early-stop asha) is
  // kept, and named when it was given other than its default: it changes nothing.
  for (const [key, row] of SETTING_ROWS) {
    const w = row.appliesWith;
    const words = appliesWithText(row);
    const other = w && values[w.key];
    if (!w || !words || values[key] === undefined || other === undefined) continue;
    if (w.values.includes(String(other))) continue;
    const byDefault = row.input === "text" && row.default ? row.read(row.default) : undefined;
    if (byDefault?.ok && JSON.stringify(byDefault.value) === JSON.stringify(values[key])) continue;
    warnings.push(valueIssue(`only applies ${words}`, [key]));
  }

  // Values derived from others. One that cannot be (its source failed) is left out quietly:
  // the source's own issue says what to fix.
  const derive = (key: string, value: unknown) => {
    if (failed.has(key) || values[key] !== undefined) return;
    if (value === undefined) failed.add(key);
    else values[key] = value;
  };
  if (kind === "grid" && !failed.has("numRuns")) {
    const allRead = readings.every((r) => r.spec !== undefined) && params.length > 0;
    const size = allRead ? gridPointCount(params) : undefined;
    const given = values.numRuns as number | undefined;
    values.numRuns = size === undefined ? given : Math.min(given ?? size, size);
  }
  derive("numRuns", undefined);
  derive("maxFailures", values.numRuns);
  const never =
    typeof values.numRuns === "number" && typeof values.earlyStop === "string"
      ? neverPrunes(values.earlyStop as EarlyStopRule, values.numRuns)
      : undefined;
  if (never !== undefined) warnings.push(valueIssue(never, ["earlyStop"]));
  const goal =
    typeof values.metric === "string"
      ? resolveGoal(values.metric, values.goal as Goal | undefined)
      : undefined;
  if (!failed.has("goal")) {
    values.goal = undefined;
    derive("goal", goal?.goal);
  }
  derive("seed", context.randomSeed?.() ?? 0);
  derive("machineType", context.machineType ?? "cpu");
  if (typeof values.cwd === "string" && context.workingDirectoryProblem) {
    const problem = context.workingDirectoryProblem(values.cwd);
    if (problem !== undefined) refuse("cwd", [{ path: [], code: "rule", message: problem }]);
  }

  // The whole, through the one schema: what joins fields, and what a reader let through.
  const candidate = { kind, params, command, ...values };
  const checked = searchSpecSchema.safeParse(candidate);
  if (!checked.success) {
    for (const zi of checked.error.issues) {
      const path = zi.path as IssuePath;
      const [head, at, ...rest] = path;
      if (typeof head !== "string" || failed.has(head)) continue;
      const placed: IssuePath =
        head === "params" && typeof at === "number"
          ? ["params", inputIndex[at] ?? at, ...rest]
          : path;
      const same = (i: SearchIssue) =>
        i.message === zi.message && i.path.join("\u0000") === placed.join("\u0000");
      if (!issues.some(same)) issues.push({ path: placed, code: "rule", message: zi.message });
    }
  }

  warnings.push(...unusedParams(readings, command));
  if (issues.length > 0 || !checked.success)
    return { ok: false, issues, warnings, ...(goal ? { goal } : {}) };
  return { ok: true, spec: checked.data, warnings, goalInferred: goal?.inferred ?? false };
}

/** Parameters the command never uses: their values would change nothing, yet cost trials. */
function unusedParams(
  readings: readonly ParamReading[],
  command: readonly string[] | undefined,
): SearchIssue[] {
  if (command === undefined || command.length === 0) return [];
  const used = new Set(placeholders(command));
  return readings.flatMap((r, i) =>
    r.name === undefined || used.has(r.name)
      ? []
      : [valueIssue(`is never used in the command (no :${r.name}: in it)`, ["params", i, "name"])],
  );
}
