/**
 * Running a search again: from its JSON export (`--from FILE`) or from the store (`rerun ID`).
 * The one home of what an export carries of a spec (every field, env values masked), and of how a
 * spec becomes defineSearch's input again, so a file read back is checked by exactly the rules a
 * typed search meets (the settings' readers, the spec's schema), with issues on paths in the
 * spec's own terms.
 *
 *   masked     an env value an export leaves out, written `***`: exports get shared, and a
 *              variable is where tokens and passwords go
 *   overlay    the flags typed beside `--from`/`rerun`: each replaces the file's setting; `-e`
 *              sets its key and keeps the file's other keys; `--param` replaces the whole space
 *              (an override by name would hide a rename); a command after `--` replaces it
 *   derived    a setting whose default comes from another (max-failures from num-runs, the goal
 *              from the metric's name): a spec stores the value the default gave, so a file
 *              holding exactly that value is taken as not having set it, and typing the source
 *              beside `--from`/`rerun` derives it again (`-n 40` gives max-failures 40); a value
 *              other than the default was set, and is kept
 *
 * Pure: no Node I/O.
 */
import { z } from "zod";
import { inferGoal } from "../metrics/goal";
import { stopConditionSchema } from "../metrics/schema";
import { formatStopCondition } from "../metrics/stop";
import type { ParamFields } from "../space/parse";
import type { ParamInput, SearchInput } from "./define";
import { SETTING_ROWS, type SearchIssue, type SettingKey, searchKindSchema } from "./settings";
import type { SearchSpec } from "./spec";

/** What an export writes in place of an env value. */
export const MASKED = "***";

/** The spec as an export carries it: every field, each env value masked. */
export function maskedSpec(spec: SearchSpec): SearchSpec {
  return { ...spec, env: Object.fromEntries(Object.keys(spec.env).map((k) => [k, MASKED])) };
}

/** `KEY=***` for each variable, as `describe` shows them. */
export function maskedEnvItems(env: Readonly<Record<string, string>>): string[] {
  return Object.keys(env).map((k) => `${k}=${MASKED}`);
}

/**
 * The part of an export `--from` reads: `search.spec`, an object. The rest of the file (trials,
 * ids, times) is the old search's record, not the new one's definition.
 */
export const searchFileSchema = z.object({
  search: z.object({ spec: z.record(z.string(), z.unknown()) }, "an export has a search object"),
});

/** Text for a setting's reader: numbers and words as written, anything else as JSON. */
function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

const asArray = (value: unknown): unknown[] | undefined =>
  Array.isArray(value) ? value : undefined;

/** A stored parameter as the form's fields: each field read again by the parameter grammar. */
function paramFields(p: unknown): ParamInput {
  const o = (p !== null && typeof p === "object" ? p : {}) as Record<string, unknown>;
  return {
    kind: o.kind === "choice" ? "choice" : "range",
    name: text(o.name) ?? "",
    min: text(o.min) ?? "",
    max: text(o.max) ?? "",
    scale: (text(o.scale) ?? "linear") as ParamFields["scale"],
    type: (text(o.type) ?? "float") as ParamFields["type"],
    values: o.kind === "choice" ? JSON.stringify(o.values ?? []) : "",
  };
}

/**
 * Stop conditions as `--stop-condition` texts, one per group (`&&` within it). An item that is
 * not a condition is passed as its JSON, for the reader to refuse at its place.
 */
function stopConditionTexts(value: unknown): string[] | undefined {
  const items = asArray(value);
  if (items === undefined) return value === undefined ? undefined : [JSON.stringify(value)];
  const texts: string[] = [];
  const groups = new Map<number, number>();
  for (const item of items) {
    const c = stopConditionSchema.safeParse(item);
    if (!c.success) {
      texts.push(JSON.stringify(item) ?? "");
      continue;
    }
    const group = c.data.group;
    const at = group === undefined ? undefined : groups.get(group);
    if (at === undefined) {
      if (group !== undefined) groups.set(group, texts.length);
      texts.push(formatStopCondition(c.data));
    } else texts[at] = `${texts[at]} && ${formatStopCondition(c.data)}`;
  }
  return texts;
}

/** `KEY=VALUE` items of a stored env; a value that is not text is passed as JSON. */
function envItems(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return [JSON.stringify(value)];
  return Object.entries(value).map(([k, v]) => `${k}=${typeof v === "string" ? v : text(v)}`);
}

/**
 * A stored spec (or one read from a file, possibly damaged or edited by hand) as defineSearch's
 * input for `kind`. Never throws: whatever a field holds is handed to its reader as text, which
 * refuses it with an issue at that field.
 */
export function specInput(kind: SearchInput["kind"], spec: Record<string, unknown>): SearchInput {
  const input: Record<string, unknown> = {
    kind,
    params: (asArray(spec.params) ?? (spec.params === undefined ? [] : [spec.params])).map(
      paramFields,
    ),
    command: asArray(spec.command)?.map((a) => (typeof a === "string" ? a : JSON.stringify(a))),
  };
  for (const [key, row] of SETTING_ROWS) {
    if (row.input === "text") input[key] = text(spec[key]);
    else if (row.input === "list") {
      if (key === "env") input[key] = envItems(spec[key]);
      else if (key === "stopConditions") input[key] = stopConditionTexts(spec[key]);
      else input[key] = asArray(spec[key])?.map((v) => text(v) ?? "");
    }
  }
  return input as SearchInput;
}

/** The settings a user typed beside `--from`/`rerun`, as defineSearch's input has them. */
export interface Overrides {
  input: SearchInput;
  /** The settings given (command: a `--` was typed). */
  given: ReadonlySet<SettingKey>;
}

/**
 * The settings whose default defineSearch derives from another setting (lib/search/define.ts,
 * `derive`), each with whether `base` holds exactly what that default gives.
 */
const DERIVED: readonly {
  key: SettingKey;
  from: SettingKey;
  defaulted(base: SearchInput): boolean;
}[] = [
  { key: "maxFailures", from: "numRuns", defaulted: (b) => b.maxFailures === b.numRuns },
  {
    key: "goal",
    from: "metric",
    defaulted: (b) => typeof b.metric === "string" && b.goal === inferGoal(b.metric),
  },
];

/** `base` with the typed settings laid over it (see the module comment). */
export function overlay(base: SearchInput, over: Overrides): SearchInput {
  const out: Record<string, unknown> = { ...base, kind: over.input.kind };
  for (const d of DERIVED)
    if (over.given.has(d.from) && !over.given.has(d.key) && d.defaulted(base))
      out[d.key] = undefined;
  const typed = over.input as Record<string, unknown>;
  for (const key of over.given) {
    if (key === "env") {
      const merged = new Map<string, string>();
      for (const item of [...(base.env ?? []), ...(over.input.env ?? [])]) {
        const eq = item.indexOf("=");
        merged.set(eq > 0 ? item.slice(0, eq) : item, item);
      }
      out.env = [...merged.values()];
    } else out[key] = typed[key];
  }
  return out as SearchInput;
}

/**
 * Issues for env values still masked after the overlay: a value the export left out must be
 * given again (`-e KEY=VALUE`), never run as the text `***`.
 */
export function maskedEnvIssues(input: SearchInput): SearchIssue[] {
  return (input.env ?? []).flatMap((item, i) =>
    item.endsWith(`=${MASKED}`)
      ? [
          {
            path: ["env", i],
            code: "rule" as const,
            message: `the value of ${item.slice(0, -MASKED.length - 1)} is masked in the export: give it again with -e ${item.slice(0, -MASKED.length - 1)}=VALUE`,
          },
        ]
      : [],
  );
}

/** The kind the file's spec says, when it says one this version knows. */
export function fileKind(spec: Record<string, unknown>): SearchInput["kind"] | undefined {
  const r = searchKindSchema.safeParse(spec.kind);
  return r.success ? r.data : undefined;
}
