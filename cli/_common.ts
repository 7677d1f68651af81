/** Helpers shared by the subcommands: the store, search ids, small text tables. */
import { openStore, type Store } from "../db";
import { formatValue } from "../lib/command";
import { HyperbayesError, UsageError } from "../lib/errors";
import type { Search } from "../lib/search/types";
import type { ParamSpec, Params, ParamValue, Space } from "../lib/space/schema";
import { parseFlags } from "./_args";

export async function withStore<T>(f: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore();
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

export function searchIdArg(positionals: readonly string[], usage: string): number {
  const [text, extra] = positionals;
  if (text === undefined) throw new UsageError(`a search id is required\n\n${usage}`);
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  const id = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(id) || id < 1) {
    throw new UsageError(`"${text}" is not a search id (a positive integer, see hyperbayes list)`);
  }
  return id;
}

/**
 * The shape of `describe ID`, `stop ID`, `resume ID`: `--help` prints the usage, else the one
 * positional must be a search id. Runs `f(id)` with the id.
 */
export async function withSearchId(
  argv: string[],
  usage: string,
  f: (id: number) => Promise<number>,
): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { help: { type: "boolean", short: "h" } },
    usage,
  );
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  return f(searchIdArg(positionals, usage));
}

export async function getSearchOrFail(store: Store, id: number): Promise<Search> {
  const search = await store.getSearch(id);
  if (!search)
    throw new HyperbayesError("not_found", `search ${id} does not exist (see hyperbayes list)`);
  return search;
}

/** A value for people to read: floats in 6 significant digits, everything else as passed. */
export function displayValue(v: ParamValue | undefined, spec: ParamSpec): string {
  if (v === undefined) return "?";
  if (typeof v === "number" && spec.kind === "range" && spec.type === "float")
    return formatNumber(v);
  return formatValue(v, spec);
}

/** `x=1.25 y=3.5 act=relu`, in the space's order. */
export function formatParams(params: Params, space: Space): string {
  return space.map((p) => `${p.name}=${displayValue(params[p.name], p)}`).join(" ");
}

/** Numbers in 6 significant digits, for tables and progress lines. */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return "-";
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  return abs !== 0 && (abs < 1e-4 || abs >= 1e6)
    ? v.toExponential(4)
    : String(Number(v.toPrecision(6)));
}

export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "-";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

/** A plain text table: left-aligned text, right-aligned numbers. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const numeric = header.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^-?[\d.e+-]+$|^-$/.test(r[i] ?? "")),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}
