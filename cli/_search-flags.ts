/**
 * Spell's `hyper bayesian|grid|random` flags -> a SearchSpec, through defineSearch. The options
 * and the usage text come from the settings table (lib/search/settings.ts); every issue is printed
 * as a line naming its flag (found from the issue's path through the table), before anything is
 * stored or started.
 */
import { resolve } from "node:path";
import { joinShellWords } from "../lib/console/shell-words";
import { UsageError } from "../lib/errors";
import { workingDirectory } from "../lib/home";
import { defineSearch, type SearchInput } from "../lib/search/define";
import { maskedEnvIssues, overlay, specInput } from "../lib/search/rerun";
import {
  appliesTo,
  defaultText,
  flagName,
  SETTING_ROWS,
  type SearchIssue,
  type SearchKind,
  type Setting,
  type SettingKey,
  settingOf,
} from "../lib/search/settings";
import type { SearchSpec } from "../lib/search/spec";
import { workingDirectoryProblem } from "../lib/search/working-directory";
import type { ParamFlag } from "../lib/space/parse";
import { CliUsageError, parseFlags } from "./_args";

type Option = { type: "string" | "boolean"; short?: string; multiple?: boolean };

/** A setting's parseArgs options: one flag, two for the parameters, none for the command. */
function optionsOf(row: Setting): [string, Option][] {
  const short = row.short ? { short: row.short } : {};
  if (row.input === "argv") return [];
  if (row.input === "space")
    return [
      [row.flag, { type: "string", multiple: true }],
      [row.jsonFlag, { type: "string", multiple: true }],
    ];
  return [
    [row.flag, { type: "string", ...short, ...(row.input === "list" ? { multiple: true } : {}) }],
  ];
}

/** parseArgs's options: the settings', and the command's own. */
export const SEARCH_OPTIONS: Record<string, Option> = {
  ...Object.fromEntries(SETTING_ROWS.flatMap(([, row]) => optionsOf(row))),
  detach: { type: "boolean" },
  from: { type: "string" },
  help: { type: "boolean", short: "h" },
};

const pad = (left: string, right: string) =>
  `  ${left.length < 32 ? left.padEnd(32) : `${left}  `}${right}`;

export function searchUsage(kind: SearchKind): string {
  const lines: string[] = [];
  for (const [, row] of SETTING_ROWS) {
    if (!appliesTo(row, kind)) continue;
    if (row.input === "space") {
      for (const [left, right] of row.usage) lines.push(pad(left, right));
      continue;
    }
    if (row.input === "argv") continue;
    const notes: string[] = [];
    const fallback = defaultText(row, kind);
    if (fallback !== undefined)
      notes.push(`default${row.default !== undefined ? " " : ": "}${fallback}`);
    if (row.kinds) notes.push(`${row.kinds.join(" and ")} only`);
    const note = notes.length > 0 ? ` (${notes.join("; ")})` : "";
    lines.push(pad(`${flagName(row, true)} ${row.arg}`, `${row.help}${note}`));
  }
  lines.push(pad("--detach", "queue the search for a running worker and return"));
  lines.push(
    pad(
      "--from FILE",
      "a search's JSON export (hyperbayes export ID): its spec, the flags given beside it override",
    ),
  );
  const runs = kind === "grid" ? "[-n N]" : "-n N";
  return `usage: hyperbayes ${kind} --param SPEC [--param SPEC ...] ${runs} --metric NAME [options] -- COMMAND...

${lines.join("\n")}

Each :NAME: in the command is replaced by the trial's value; no shell is involved.
`;
}

export type SearchFlags = ReturnType<typeof parseSearchArgs>;

export function parseSearchArgs(kind: SearchKind, argv: string[]) {
  return parseFlags(argv, SEARCH_OPTIONS, searchUsage(kind));
}

/**
 * The flags as defineSearch's input. Parameters keep the order they were typed in, --param and
 * --json-param mixed (the order of columns, and of a grid's trials), as the form keeps its rows'.
 */
export function searchInput(kind: SearchKind, flags: SearchFlags): SearchInput {
  const v = flags.values as Record<string, string | string[] | boolean | undefined>;
  const input: Record<string, unknown> = { kind, params: [] };
  const params: { flag: ParamFlag; text: string }[] = [];
  for (const token of flags.tokens) {
    if (token.kind !== "option" || token.value === undefined) continue;
    const row = SETTING_ROWS.find(([, r]) => r.input === "space")?.[1];
    if (row?.input !== "space") continue;
    if (token.name === row.flag) params.push({ flag: "--param", text: token.value });
    if (token.name === row.jsonFlag) params.push({ flag: "--json-param", text: token.value });
  }
  input.params = params;
  if (flags.hasDash) input.command = flags.rest;
  for (const [key, row] of SETTING_ROWS)
    if (row.input === "text" || row.input === "list") input[key] = v[row.flag];
  // Relative to where the command runs; every trial starts in the same absolute directory.
  const cwd = typeof v.cwd === "string" ? v.cwd.trim() : "";
  input.cwd = resolve(workingDirectory(), cwd);
  return input as SearchInput;
}

/** What a parameter's issue calls it: `--param x=1:0`, or `--param x` when the name is at fault. */
function paramSubject(input: SearchInput, at: number, field: unknown): string {
  const p = input.params[at];
  if (p === undefined) return "--param";
  if (!("flag" in p)) return `--param ${p.name}`;
  const name = p.text.slice(0, Math.max(0, p.text.indexOf("="))).trim();
  return field === "name" && name !== "" ? `${p.flag} ${name}` : `${p.flag} ${p.text}`;
}

/** What an issue is about, as the command line says it; undefined where the message says it. */
function subject(issue: SearchIssue, input: SearchInput): string | undefined {
  const [key, at, field] = issue.path;
  const row = settingOf(key);
  if (row === undefined) return undefined;
  switch (row.input) {
    case "space":
      return typeof at === "number" ? paramSubject(input, at, field) : undefined;
    case "argv":
      return typeof at === "number" ? `the command after --, argument ${at + 1}` : undefined;
    case "list": {
      const items = (input as Record<string, unknown>)[key as string] as string[] | undefined;
      const item = typeof at === "number" ? items?.[at] : undefined;
      return item === undefined ? flagName(row) : `${flagName(row)} ${JSON.stringify(item)}`;
    }
    case "text": {
      const text = (input as Record<string, unknown>)[key as string];
      return issue.code === "rule" && typeof text === "string" && text.trim() !== ""
        ? `${flagName(row)} ${joinShellWords([text.trim()])}`
        : flagName(row);
    }
  }
}

/** One issue as a line of the CLI's words. */
export function issueLine(issue: SearchIssue, input: SearchInput): string {
  const row = settingOf(issue.path[0]);
  if (issue.code === "missing") {
    if (row?.input === "argv") return `the trial's command is missing: ${issue.message}`;
    const name = row ? `--${row.flag}${row.short ? ` (-${row.short})` : ""}` : "a value";
    return `${name} is required${issue.message ? ` (${issue.message})` : ""}`;
  }
  const about = subject(issue, input);
  if (about === undefined) return issue.message;
  return issue.code === "value" ? `${about} ${issue.message}` : `${about}: ${issue.message}`;
}

/** The search a definition starts from: an export's spec, or a stored search's (`rerun`). */
export interface SearchBase {
  /** How issues name it: the file's name, or `search 3`. */
  source: string;
  spec: Record<string, unknown>;
  /** Env values are masked (an export): each must be given again with -e. */
  masked: boolean;
}

/** Each setting's key by its flags (a parameter's two, every other one's own). */
function settingsByFlag(): Map<string, SettingKey> {
  const byFlag = new Map<string, SettingKey>();
  for (const [key, row] of SETTING_ROWS) {
    if (row.input === "space") {
      byFlag.set(row.flag, key);
      byFlag.set(row.jsonFlag, key);
    } else if (row.input !== "argv") byFlag.set(row.flag, key);
  }
  return byFlag;
}

/** The settings the user typed on the command line, by the settings table's keys. */
function givenSettings(flags: SearchFlags): Set<SettingKey> {
  const byFlag = settingsByFlag();
  const given = new Set<SettingKey>();
  for (const token of flags.tokens) {
    const key = token.kind === "option" ? byFlag.get(token.name) : undefined;
    if (key !== undefined) given.add(key);
  }
  if (flags.hasDash) given.add("command");
  return given;
}

/**
 * The settings typed with nothing in them (`--timeout ""`: a shell variable that was not set).
 * Blank is no value, as a form's empty field is: the setting takes its default, or a base's
 * setting is cleared back to it. The CLI says so, since the value the user meant is lost.
 */
function blankSettings(flags: SearchFlags): Set<SettingKey> {
  const byFlag = settingsByFlag();
  const blank = new Set<SettingKey>();
  for (const token of flags.tokens) {
    if (token.kind !== "option" || token.value === undefined || token.value.trim() !== "") continue;
    const key = byFlag.get(token.name);
    if (key !== undefined) blank.add(key);
  }
  return blank;
}

/** The warning for a setting typed blank (see blankSettings). */
function blankWarning(key: SettingKey, kind: SearchKind): string {
  const row = settingOf(key);
  if (row === undefined) return "a flag is empty";
  if (row.input === "list" || row.input === "space") return `${flagName(row)} is empty: left out`;
  return `${flagName(row)} is empty: it takes its default (${defaultText(row, kind) ?? "none"})`;
}

/** `params[2].min`, `env FOO`: where in the base's spec an issue is. */
function specPath(issue: SearchIssue, input: SearchInput): string {
  const [key, at, ...rest] = issue.path;
  if (key === "env" && typeof at === "number") {
    const item = input.env?.[at] ?? "";
    const eq = item.indexOf("=");
    return `env ${JSON.stringify(eq > 0 ? item.slice(0, eq) : item)}`;
  }
  let out = String(key ?? "spec");
  for (const k of [at, ...rest]) {
    if (k === undefined) continue;
    out += typeof k === "number" ? `[${k}]` : `.${k}`;
  }
  return out;
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
  opts: { randomSeed: () => number; machineType?: string; base?: SearchBase },
): ResolvedSearch {
  const typed = searchInput(kind, flags);
  const { base } = opts;
  const given = base ? givenSettings(flags) : new Set<SettingKey>();
  const blank = blankSettings(flags);
  const input = base ? overlay(specInput(kind, base.spec), { input: typed, given }) : typed;
  const problems: string[] = [];
  if (flags.positionals.length > 0)
    problems.push(
      `unexpected argument "${flags.positionals[0]}" (put the trial's command after --)`,
    );
  const defined = defineSearch(input, {
    randomSeed: opts.randomSeed,
    workingDirectoryProblem,
    ...(opts.machineType !== undefined ? { machineType: opts.machineType } : {}),
  });
  // An issue of a setting the base gave is the base's: named by its place in the spec.
  const fromBase = (i: SearchIssue) =>
    base !== undefined && !given.has(i.path[0] as SettingKey) && settingOf(i.path[0]) !== undefined;
  const line = (i: SearchIssue) => {
    const key = i.path[0] as SettingKey;
    if (i.code === "missing" && blank.has(key)) return `${issueLine(i, input)}; it was given empty`;
    if (base === undefined || !(fromBase(i) || isMaskedIssue(i))) return issueLine(i, input);
    const where = `${base.source}: ${specPath(i, input)}`;
    if (i.code === "missing") return `${where} is missing${i.message ? ` (${i.message})` : ""}`;
    return i.code === "value" ? `${where} ${i.message}` : `${where}: ${i.message}`;
  };
  const isMaskedIssue = (i: SearchIssue) => masked.includes(i);
  const masked = base?.masked ? maskedEnvIssues(input) : [];
  const lines = (issues: readonly SearchIssue[]) => [...new Set(issues.map(line))];
  if (!defined.ok || problems.length > 0 || masked.length > 0) {
    const issues = [...(defined.ok ? [] : defined.issues), ...masked];
    const message = [...problems, ...lines(issues)].join("\n");
    // The usage helps with typed flags; a file's mistakes are in the file.
    throw base ? new UsageError(message) : new CliUsageError(message, searchUsage(kind));
  }
  return {
    spec: defined.spec,
    goalInferred: defined.goalInferred,
    warnings: [...[...blank].map((k) => blankWarning(k, kind)), ...lines(defined.warnings)],
    detach: flags.values.detach === true,
  };
}
