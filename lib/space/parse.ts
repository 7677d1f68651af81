/**
 * The `--param` / `--json-param` grammar: text a user typed -> ParamSpec, and back.
 *
 *   --param NAME=MIN:MAX[:SCALE][:TYPE]   a range; SCALE linear | log | reverse_log, TYPE float | int
 *   --param NAME=V1,V2,...                a choice list; values are numbers where they read as numbers
 *   --param NAME=V                        a one-value choice list (no comma, no colon)
 *   --json-param NAME='[V1, V2, ...]'     a choice list whose values may hold commas
 *
 * The grammar only splits text; every rule about what makes a valid spec (MIN < MAX, log needs
 * MIN > 0, int needs integer bounds, no repeated value) lives in ./schema, so the form, the API and
 * the CLI reject the same things with the same words. `describeIssues` turns that schema's zod
 * issues into lines naming the parameter, for callers that validate objects instead of text.
 *
 * Two ways in share every reader below the split: a flag's text (`readParamText`, the CLI) and
 * a parameter given field by field (`readParamFields`, the form's rows). Both answer problems
 * placed on the field they concern (`name`, `min`, `max`, `values`...), never a message to parse.
 */
import type { z } from "zod";
import { UsageError } from "../errors";
import {
  choiceSpecSchema,
  type NumberType,
  PARAM_NAME,
  type ParamSpec,
  type ParamValue,
  paramName,
  rangeSpecSchema,
  type Scale,
  type Space,
  spaceSchema,
} from "./schema";

export type ParamFlag = "--param" | "--json-param";

/** The part of a parameter a problem concerns, as the form's row has them. */
export type ParamField = "name" | "min" | "max" | "scale" | "type" | "values";

export interface ParamProblem {
  /** Absent where the text did not split into fields (no '=', not JSON...). */
  field?: ParamField;
  message: string;
}

/**
 * What reading one parameter gave: its spec, or its problems (never both); `name` whenever the
 * name itself read well, so a placeholder of a parameter with bad bounds is still known.
 */
export type ParamReading =
  | { spec: ParamSpec; name: string; problems: [] }
  | { spec?: undefined; name?: string; problems: ParamProblem[] };

/** One parameter field by field, as the form holds it: text as typed, scale and type chosen. */
export interface ParamFields {
  name: string;
  kind: "range" | "choice";
  min: string;
  max: string;
  scale: Scale;
  type: NumberType;
  /** `a, b, c` (numbers where they read as numbers) or a JSON array. */
  values: string;
}

/** One parameter as the CLI flag that defines it: `[flag, text]` on a command line. */
export interface FormattedParam {
  flag: ParamFlag;
  text: string;
}

const SCALES: readonly Scale[] = ["linear", "log", "reverse_log"];
const TYPES: readonly NumberType[] = ["float", "int"];

/**
 * A decimal number as people write one: `3`, `-2`, `0.5`, `.5`, `1e-3`. Stricter than `Number()`,
 * which also reads "", " ", "0x10" and "Infinity" as numbers; those stay strings (choices) or are
 * rejected (bounds).
 */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The finite number `text` spells, or undefined: the one reader of numbers a user types (bounds,
 * choices, and every numeric setting of lib/search/settings.ts). `-0` reads as 0, so it prints as
 * "0". No trimming: callers trim where spaces do not count.
 */
export function readDecimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) return undefined;
  return n === 0 ? 0 : n;
}

type Reading = ParamReading;

const fail = (...problems: ParamProblem[]): Reading => ({ problems });
const at = (field: ParamField | undefined, messages: readonly string[]): ParamProblem[] =>
  messages.map((message) => (field === undefined ? { message } : { field, message }));

/** Why `name` (trimmed, not empty) cannot name a parameter, or undefined when it can. */
function nameProblem(name: string): string | undefined {
  if (!PARAM_NAME.test(name)) {
    const why = paramName.safeParse(name).error?.issues[0]?.message ?? "not a valid name";
    return `bad name ${JSON.stringify(name)}: ${why}`;
  }
  // Assigning to `__proto__` on a plain object sets its prototype instead of a value, so a
  // parameter by that name would vanish from every Params record.
  if (name === "__proto__") return 'the name "__proto__" is reserved';
  return undefined;
}

/** Splits `NAME=REST` and checks NAME; trims spaces around both. */
function splitName(text: string): { name: string; rest: string } | { problems: ParamProblem[] } {
  const eq = text.indexOf("=");
  if (eq < 0)
    return { problems: [{ message: "expected NAME=MIN:MAX or NAME=V1,V2,... (no '=' found)" }] };
  const name = text.slice(0, eq).trim();
  const rest = text.slice(eq + 1).trim();
  if (name === "")
    return { problems: [{ field: "name", message: "the parameter name before '=' is empty" }] };
  const problem = nameProblem(name);
  if (problem !== undefined) return { problems: [{ field: "name", message: problem }] };
  return { name, rest };
}

/** Runs a spec object through the shared schema; its issues become problems at their field. */
function validated(
  spec: unknown,
  schema: typeof rangeSpecSchema | typeof choiceSpecSchema,
): Reading {
  const r = schema.safeParse(spec);
  if (r.success) return { spec: r.data, name: r.data.name, problems: [] };
  return fail(
    ...r.error.issues.map((i) => {
      const field = i.path[0];
      return typeof field === "string"
        ? { field: field as ParamField, message: i.message }
        : { message: i.message };
    }),
  );
}

function badBound(which: "MIN" | "MAX", text: string): string {
  if (text === "") return `${which} is empty`;
  const why = DECIMAL.test(text) ? "is too large" : "is not a number";
  return `${which} ${JSON.stringify(text)} ${why}`;
}

/** The bound `text` spells (a blank is reported by the caller, in its own words). */
function readBound(
  which: "min" | "max",
  text: string,
  problems: ParamProblem[],
): number | undefined {
  const n = readDecimal(text);
  if (n === undefined)
    problems.push({ field: which, message: badBound(which === "min" ? "MIN" : "MAX", text) });
  return n;
}

function readRange(name: string, rest: string): Reading {
  const [minText = "", maxText = "", ...words] = rest.split(":").map((s) => s.trim());
  const problems: ParamProblem[] = [];
  const min = readBound("min", minText, problems);
  const max = readBound("max", maxText, problems);

  // SCALE and TYPE may come in either order (`log:int` and `int:log` mean one thing), but each
  // at most once: `log:reverse_log` has no single meaning.
  let scale: Scale | undefined;
  let type: NumberType | undefined;
  for (const raw of words) {
    const word = raw.toLowerCase();
    if (word === "") {
      problems.push({ message: "a ':' with no scale or type after it" });
    } else if ((SCALES as readonly string[]).includes(word)) {
      if (scale !== undefined)
        problems.push({ field: "scale", message: `two scales given (${scale} and ${word})` });
      scale = word as Scale;
    } else if ((TYPES as readonly string[]).includes(word)) {
      if (type !== undefined)
        problems.push({ field: "type", message: `two types given (${type} and ${word})` });
      type = word as NumberType;
    } else {
      problems.push({
        message: `unknown scale or type ${JSON.stringify(raw)} (scales: ${SCALES.join(", ")}; types: ${TYPES.join(", ")})`,
      });
    }
  }
  if (problems.length > 0) return fail(...problems);
  return validated(
    { kind: "range", name, min, max, scale: scale ?? "linear", type: type ?? "float" },
    rangeSpecSchema,
  );
}

function readChoices(name: string, rest: string): Reading {
  const parts = rest.split(",").map((s) => s.trim());
  if (parts.every((p) => p === "")) return fail(...at("values", ["the choice list is empty"]));
  const problems: string[] = [];
  parts.forEach((p, i) => {
    if (p === "") problems.push(`value ${i + 1} of ${parts.length} is empty`);
    // A number too large for a double would silently become the text "1e309".
    else if (DECIMAL.test(p) && readDecimal(p) === undefined)
      problems.push(
        `value ${i + 1} (${p}) is too large for a number; to pass it as text, use --json-param ${name}='${JSON.stringify([p])}'`,
      );
  });
  if (problems.length > 0) return fail(...at("values", problems));
  return choiceReading(
    name,
    parts.map((p) => readDecimal(p) ?? p),
  );
}

/**
 * Checks a choice list through the schema, plus one rule of the command line: two values that
 * print the same (1 and "1") would give the same command, so one of them is a mistake.
 */
function choiceReading(name: string, values: ParamValue[]): Reading {
  const reading = validated({ kind: "choice", name, values }, choiceSpecSchema);
  if (reading.problems.length > 0) return reading;
  const seen = new Map<string, ParamValue>();
  const problems: ParamProblem[] = [];
  for (const v of values) {
    const printed = String(v);
    const other = seen.get(printed);
    if (other !== undefined && other !== v)
      problems.push({
        field: "values",
        message: `values ${JSON.stringify(other)} and ${JSON.stringify(v)} print the same in the command`,
      });
    seen.set(printed, v);
  }
  return problems.length > 0 ? fail(...problems) : reading;
}

/** `reading`, with the name it read even where the rest did not. */
const named = (name: string, reading: Reading): Reading =>
  reading.spec ? reading : { name, problems: reading.problems };

function readParam(text: string): Reading {
  const head = splitName(text);
  if ("problems" in head) return fail(...head.problems);
  const { name, rest } = head;
  return named(name, readParamRest(name, rest));
}

function readParamRest(name: string, rest: string): Reading {
  if (rest === "") return fail(...at("values", ["no values after '='"]));
  if (rest.startsWith("[") && rest.endsWith("]"))
    return fail(
      ...at("values", [`this looks like a JSON list; write it as --json-param ${name}='${rest}'`]),
    );
  // A comma makes a choice list even when values hold colons (`a:b,c:d`); without one, a colon
  // makes a range. So a lone value with a colon needs --json-param.
  if (rest.includes(",")) return readChoices(name, rest);
  if (rest.includes(":")) return readRange(name, rest);
  return readChoices(name, rest);
}

function readJsonParam(text: string): Reading {
  const head = splitName(text);
  if ("problems" in head) return fail(...head.problems);
  return named(head.name, readJsonValues(head.name, head.rest));
}

function readJsonValues(name: string, rest: string): Reading {
  const refuse = (message: string) => fail(...at("values", [message]));
  let data: unknown;
  try {
    data = JSON.parse(rest);
  } catch (e) {
    return refuse(`not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!Array.isArray(data))
    return refuse(`expected a JSON array of values, like ${name}='["a,b", "c"]'`);
  if (data.length === 0) return refuse("the JSON array is empty");
  const problems: string[] = [];
  const values: ParamValue[] = [];
  data.forEach((v: unknown, i) => {
    if (typeof v === "string") values.push(v);
    // JSON.parse reads 1e999 as Infinity.
    else if (typeof v === "number" && Number.isFinite(v)) values.push(v === 0 ? 0 : v);
    else if (typeof v === "number") problems.push(`value ${i + 1} is not a finite number`);
    else
      problems.push(
        `value ${i + 1} (${JSON.stringify(v)}) is not a number or a string; quote it to pass it as text`,
      );
  });
  if (problems.length > 0) return fail(...at("values", problems));
  return choiceReading(name, values);
}

/** One `--param` or `--json-param` text, read without throwing. */
export function readParamText(flag: ParamFlag, text: string): ParamReading {
  return flag === "--param" ? readParam(text) : readJsonParam(text);
}

/**
 * One parameter given field by field (the form's row). Its kind is chosen, so a choice list is
 * read as one even without a comma (`a:b` is a value, not a range), and `[...]` is JSON.
 */
export function readParamFields(fields: ParamFields): ParamReading {
  const name = fields.name.trim();
  const problems: ParamProblem[] = [];
  const bad = name === "" ? "a parameter needs a name" : nameProblem(name);
  if (bad !== undefined) problems.push({ field: "name", message: bad });
  // A stand-in name keeps a bad one from hiding the problems of the values.
  const asName = bad === undefined ? name : "p";
  let reading: Reading;
  if (fields.kind === "choice") {
    const text = fields.values.trim();
    if (text === "") reading = fail(...at("values", ["list at least one value, e.g. adam, sgd"]));
    else reading = text.startsWith("[") ? readJsonValues(asName, text) : readChoices(asName, text);
  } else {
    const bounds: ParamProblem[] = [];
    const bound = (which: "min" | "max", text: string) => {
      const t = text.trim();
      if (t !== "") return readBound(which, t, bounds);
      bounds.push({ field: which, message: `${which} is required` });
      return undefined;
    };
    const min = bound("min", fields.min);
    const max = bound("max", fields.max);
    reading =
      bounds.length > 0
        ? fail(...bounds)
        : validated(
            { kind: "range", name: asName, min, max, scale: fields.scale, type: fields.type },
            rangeSpecSchema,
          );
  }
  if (bad === undefined) return named(name, reading);
  // The name was reported once, above; the stand-in's own issues are not the user's.
  return fail(...problems, ...reading.problems.filter((p) => p.field !== "name"));
}

const lines = (flag: ParamFlag, text: string, problems: readonly ParamProblem[]) =>
  problems.map((p) => `${flag} ${text}: ${p.message}`);

function orThrow(flag: ParamFlag, text: string, reading: Reading): ParamSpec {
  if (reading.spec) return reading.spec;
  throw new UsageError(lines(flag, text, reading.problems).join("\n"));
}

/** Reads one `--param` value. Throws UsageError naming the spec text and every problem in it. */
export function parseParam(text: string): ParamSpec {
  return orThrow("--param", text, readParam(text));
}

/** Reads one `--json-param` value (`NAME=[...]`). Throws UsageError like parseParam. */
export function parseJsonParam(text: string): ParamSpec {
  return orThrow("--json-param", text, readJsonParam(text));
}

/**
 * Reads every `--param` then every `--json-param` into a Space (in that order). Collects all
 * problems, including names defined twice and an empty space, and throws one UsageError with a
 * line per problem, each naming the flag and the text it came from.
 */
export function parseSpace(params: readonly string[], jsonParams: readonly string[] = []): Space {
  const inputs: { flag: ParamFlag; text: string; reading: Reading }[] = [
    ...params.map((text) => ({ flag: "--param" as const, text, reading: readParam(text) })),
    ...jsonParams.map((text) => ({
      flag: "--json-param" as const,
      text,
      reading: readJsonParam(text),
    })),
  ];
  const errors: string[] = [];
  const space: Space = [];
  const firstBy = new Map<string, string>();
  for (const { flag, text, reading } of inputs) {
    if (!reading.spec) {
      errors.push(...lines(flag, text, reading.problems));
      continue;
    }
    const first = firstBy.get(reading.spec.name);
    if (first !== undefined) {
      errors.push(
        ...lines(flag, text, [
          {
            field: "name",
            message: `parameter "${reading.spec.name}" is defined twice (also ${first})`,
          },
        ]),
      );
      continue;
    }
    firstBy.set(reading.spec.name, `${flag} ${text}`);
    space.push(reading.spec);
  }
  if (inputs.length === 0) errors.push("a search needs at least one --param or --json-param");
  if (errors.length > 0) throw new UsageError(errors.join("\n"));
  return space;
}

/** How a value is written inside a `--param` list: numbers in shortest round-trip form. */
const plain = (v: ParamValue) => String(v);

/**
 * The canonical flag for a spec: `--param` text where that reads back to the same spec, else
 * `--json-param` (values holding commas, a lone value holding a colon, strings that read as
 * numbers, empty strings, spaces at either end). Inverse of parseParam / parseJsonParam.
 */
export function formatParam(spec: ParamSpec): FormattedParam {
  if (spec.kind === "range") {
    let text = `${spec.name}=${plain(spec.min)}:${plain(spec.max)}`;
    if (spec.scale !== "linear") text += `:${spec.scale}`;
    if (spec.type !== "float") text += `:${spec.type}`;
    return { flag: "--param", text };
  }
  // Deciding by reading the text back covers every way a value can fail to survive, with no
  // second list of rules to keep in step with the reader.
  const text = `${spec.name}=${spec.values.map(plain).join(",")}`;
  const back = readParam(text).spec;
  if (back?.kind === "choice" && sameValues(back.values, spec.values))
    return { flag: "--param", text };
  return { flag: "--json-param", text: `${spec.name}=${JSON.stringify(spec.values)}` };
}

function sameValues(a: readonly ParamValue[], b: readonly ParamValue[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The whole space as command-line arguments: `["--param", "lr=0.001:0.1:log", ...]`. */
export function formatSpace(space: Space): string[] {
  return space.flatMap((spec) => {
    const { flag, text } = formatParam(spec);
    return [flag, text];
  });
}

/** One schema issue, placed: which parameter and which of its fields, with a readable line. */
export interface SpaceIssue {
  /** Position of the parameter in the space; absent for issues of the whole space. */
  index?: number;
  /** The parameter's name when the input has a string one. */
  name?: string;
  /** Where inside the parameter, e.g. "max" or "values[2]"; absent for the parameter itself. */
  field?: string;
  /** The issue as one line naming the parameter, e.g. `parameter "lr" (max): MIN must be ...`. */
  message: string;
}

function fieldPath(path: readonly PropertyKey[]): string | undefined {
  let out = "";
  for (const k of path) out += typeof k === "number" ? `[${k}]` : out ? `.${String(k)}` : String(k);
  return out === "" ? undefined : out;
}

/**
 * Places the issues of `spaceSchema.safeParse(input)` (paths start with the parameter's index) or
 * of `paramSpecSchema.safeParse(input)` (paths start with a field) on the parameter they concern,
 * naming it by its name when it has one and by its position otherwise.
 */
export function describeIssues(error: z.ZodError, input: unknown): SpaceIssue[] {
  return error.issues.map((issue) => {
    const [head, ...tail] = issue.path;
    const isSpace = Array.isArray(input);
    // Issues of the whole input (an empty space, a space that is not a list) concern no parameter.
    if (issue.path.length === 0 || (isSpace && typeof head !== "number"))
      return { message: issue.message };
    const index = isSpace ? (head as number) : undefined;
    const item: unknown = isSpace ? (input as unknown[])[head as number] : input;
    const fieldKeys = isSpace ? tail : issue.path;
    const raw =
      typeof item === "object" && item !== null ? (item as { name?: unknown }).name : undefined;
    const name = typeof raw === "string" && raw !== "" ? raw : undefined;
    const field = fieldPath(fieldKeys);
    const who =
      name !== undefined && field !== "name"
        ? `parameter ${JSON.stringify(name)}`
        : index !== undefined
          ? `parameter ${index + 1}`
          : "parameter";
    const where = field !== undefined ? ` (${field})` : "";
    const issueOut: SpaceIssue = { message: `${who}${where}: ${issue.message}` };
    if (index !== undefined) issueOut.index = index;
    if (name !== undefined) issueOut.name = name;
    if (field !== undefined) issueOut.field = field;
    return issueOut;
  });
}

/**
 * Validates a space that arrives as data (the form, the API, a stored search). Throws a
 * UsageError with one line per issue, each naming the parameter.
 */
export function validateSpace(input: unknown): Space {
  const r = spaceSchema.safeParse(input);
  if (r.success) return r.data;
  throw new UsageError(
    describeIssues(r.error, input)
      .map((i) => i.message)
      .join("\n"),
  );
}
