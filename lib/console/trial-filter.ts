/**
 * The trials table's filter box: a query of terms, each a condition on a column (`x > 9`,
 * `val_loss <= 0.5`, `optimizer = adam`, `status != failed`) or free text matched anywhere in the
 * row (the old filter). Pure: the table parses once per query and tests each row with the result.
 *
 * Grammar (docs/decisions/console.md, "The trials filter"):
 *   query     := term (SEP term)*        SEP: a comma, `&&`, or the word `and`; all terms must hold
 *   term      := COLUMN OP VALUE | TEXT  a term with an operator in it is a condition
 *   OP        := < > <= >= = == !=
 *   COLUMN    := a parameter's name | the metric's name | value | status | n | trial
 *                (exact first, then ignoring case; a parameter's name wins over the others)
 *   VALUE     := a number (numeric columns; any OP), a word (choices and status; = and != only)
 * A trial without a value for the column (a metric not known yet, or a value that is not a
 * result: what a failed trial printed) satisfies no condition on it, `!=` included.
 * A malformed term is reported as an issue naming it and left out; the other terms still apply.
 */
import { compare, FINITE_NUMBER } from "../metrics/stop";
import { mayBeBest, type TrialStatus, trialStatusSchema } from "../search/status";
import type { ParamSpec } from "../space/schema";
import type { TrialRow } from "./views";

export type FilterOp = "<" | ">" | "<=" | ">=" | "=" | "!=";

/** What a condition reads from a trial. */
export type FilterColumn =
  | { kind: "param"; name: string; numeric: boolean }
  | { kind: "metric"; name: string }
  | { kind: "status" }
  | { kind: "n" };

export type FilterTerm =
  | { kind: "text"; text: string }
  | { kind: "compare"; column: FilterColumn; op: FilterOp; value: number }
  | { kind: "equals"; column: FilterColumn; op: "=" | "!="; value: string };

/** A term that is not a condition the filter can apply, and why, in the user's words. */
export interface FilterIssue {
  term: string;
  message: string;
}

export interface ParsedFilter {
  terms: FilterTerm[];
  issues: FilterIssue[];
}

/** The columns a query may name: the search's parameters and its metric. */
export interface FilterColumns {
  space: readonly ParamSpec[];
  metric: string;
}

const SEPARATOR = /\s*(?:,|&&|\band\b)\s*/i;
const OPERATOR = /<=|>=|==|!=|=<|=>|<|>|=|!/;
const OPS: Record<string, FilterOp> = {
  "<": "<",
  ">": ">",
  "<=": "<=",
  ">=": ">=",
  "=": "=",
  "==": "=",
  "!=": "!=",
};
const STATUSES: readonly string[] = trialStatusSchema.options;

/** The placeholder of the filter box: the grammar in one line. */
export const FILTER_HINT = "Filter: x > 0.5 and status = failed, or text";

/** The columns of a search by the names a query may use, for messages. */
export function columnNames(columns: FilterColumns): string[] {
  return [...columns.space.map((p) => p.name), columns.metric, "value", "status", "n"];
}

function resolveColumn(name: string, columns: FilterColumns): FilterColumn | undefined {
  const candidates: [string, FilterColumn][] = [
    ...columns.space.map((p): [string, FilterColumn] => [
      p.name,
      { kind: "param", name: p.name, numeric: p.kind === "range" },
    ]),
    [columns.metric, { kind: "metric", name: columns.metric }],
    ["value", { kind: "metric", name: columns.metric }],
    ["status", { kind: "status" }],
    ["n", { kind: "n" }],
    ["trial", { kind: "n" }],
    ["#", { kind: "n" }],
  ];
  const lower = name.toLowerCase();
  return (
    candidates.find(([n]) => n === name)?.[1] ??
    candidates.find(([n]) => n.toLowerCase() === lower)?.[1]
  );
}

const numericColumn = (c: FilterColumn) =>
  c.kind === "metric" || c.kind === "n" || (c.kind === "param" && c.numeric);

function parseTerm(
  text: string,
  columns: FilterColumns,
): { term: FilterTerm } | { issue: FilterIssue } {
  const found = OPERATOR.exec(text);
  if (!found) return { term: { kind: "text", text: text.toLowerCase() } };
  const fail = (message: string) => ({ issue: { term: text, message } });
  const op = OPS[found[0]];
  if (!op) return fail(`"${found[0]}" is not a comparison; use one of < > <= >= = !=`);
  const name = text.slice(0, found.index).trim();
  const valueText = text.slice(found.index + found[0].length).trim();
  if (name === "") return fail(`a column name is missing before "${found[0]}"`);
  const column = resolveColumn(name, columns);
  if (!column)
    return fail(`no column "${name}"; the columns are ${columnNames(columns).join(", ")}`);
  if (valueText === "") return fail(`a value is missing after "${found[0]}"`);
  if (OPERATOR.test(valueText)) return fail(`one comparison per term; join terms with "and"`);
  const number = FINITE_NUMBER.test(valueText) ? Number(valueText) : Number.NaN;
  if (column.kind === "status") {
    if (op !== "=" && op !== "!=") return fail(`status takes = or != (status = failed)`);
    const status = valueText.toLowerCase();
    if (!STATUSES.includes(status))
      return fail(`no status "${valueText}"; the statuses are ${STATUSES.join(", ")}`);
    return { term: { kind: "equals", column, op, value: status } };
  }
  if (Number.isFinite(number)) return { term: { kind: "compare", column, op, value: number } };
  if (numericColumn(column)) return fail(`"${valueText}" is not a number (${name} is numeric)`);
  if (op !== "=" && op !== "!=")
    return fail(`"${valueText}" is not a number; a word takes = or != (${name} = ${valueText})`);
  return { term: { kind: "equals", column, op, value: valueText.toLowerCase() } };
}

/** The query's terms and what could not be read. Never throws. */
export function parseTrialFilter(query: string, columns: FilterColumns): ParsedFilter {
  const terms: FilterTerm[] = [];
  const issues: FilterIssue[] = [];
  for (const part of query.split(SEPARATOR)) {
    const text = part.trim();
    if (text === "") continue;
    const r = parseTerm(text, columns);
    if ("term" in r) terms.push(r.term);
    else issues.push(r.issue);
  }
  return { terms, issues };
}

/** The text a trial matches in free text: number, status, values, reason, job. */
export function trialText(row: TrialRow): string {
  return `#${row.n} ${row.status} ${Object.values(row.params).join(" ")} ${row.reason ?? ""} ${row.jobId ?? ""}`.toLowerCase();
}

/** The column's value for `row`; undefined when it has none (see the module's head). */
function cellOf(row: TrialRow, column: FilterColumn): number | string | undefined {
  switch (column.kind) {
    case "param":
      return row.params[column.name];
    case "metric":
      return mayBeBest(row) ? row.value : undefined;
    case "status":
      return row.status satisfies TrialStatus;
    case "n":
      return row.n;
  }
}

export function matchesTerm(row: TrialRow, term: FilterTerm, text = trialText(row)): boolean {
  if (term.kind === "text") return text.includes(term.text);
  const cell = cellOf(row, term.column);
  if (cell === undefined) return false;
  if (term.kind === "equals") {
    const same = String(cell).toLowerCase() === term.value;
    return term.op === "=" ? same : !same;
  }
  if (term.op === "=" || term.op === "!=") return (cell === term.value) === (term.op === "=");
  return typeof cell === "number" && compare(cell, term.op, term.value);
}

/** True when `row` satisfies every term (and so when there are none). */
export function matchesFilter(row: TrialRow, terms: readonly FilterTerm[]): boolean {
  if (terms.length === 0) return true;
  const text = terms.some((t) => t.kind === "text") ? trialText(row) : "";
  for (const term of terms) if (!matchesTerm(row, term, text)) return false;
  return true;
}
