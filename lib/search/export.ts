/**
 * Exports of a search: JSON (the search and its trials, notes included), a CSV of the trials
 * (one column per parameter, the trial's notes last), and the metrics CSV of `download-metrics`
 * (Spell's columns). The CLI and the console's download buttons both use these, so the files
 * are the same from either.
 */
import { formatValue } from "../command";
import { HyperbayesError } from "../errors";
import { maskedSpec } from "./rerun";
import type { SearchSpec } from "./spec";
import type { Search, Trial } from "./types";

/** What an export reads: three of the store's reads (db/store.ts's Store has them), named here
 * so that lib/ needs nothing from db/. */
export interface ExportSource {
  getSearch(id: number): Promise<Search | undefined>;
  listTrials(searchId: number): Promise<Trial[]>;
  exportMetricPoints(
    searchId: number,
  ): AsyncIterable<
    readonly { trialNumber: number; name: string; time: Date; step: number; value: number }[]
  >;
}

export interface TrialExport {
  number: number;
  status: Trial["status"];
  params: Trial["params"];
  value: number | null;
  startedAt: string | null;
  endedAt: string | null;
  exitCode: number | null;
  reason: string | null;
  /** The trial's notes (markdown, as written; "" when none). */
  notes: string;
  executor: {
    kind: string;
    machineType?: string;
    pid?: number;
    jobId?: string;
    gpus?: string[];
  } | null;
}

export interface SearchExport {
  search: {
    id: number;
    kind: Search["kind"];
    status: Search["status"];
    description: string | null;
    metric: string;
    metricAgg: string;
    goal: string;
    numRuns: number;
    parallelRuns: number;
    machineType: string;
    params: Search["spec"]["params"];
    command: string[];
    createdAt: string;
    startedAt: string | null;
    endedAt: string | null;
    best: Search["best"];
    labels: string[];
    /** The search's notes (markdown, as written; "" when none). */
    notes: string;
    /**
     * The whole spec, seed included, env values masked (`***`): what `--from FILE` reads back,
     * with the masked values given again (lib/search/rerun.ts).
     */
    spec: SearchSpec;
  };
  trials: TrialExport[];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The executor details worth showing: its kind, and the pid, job id or GPUs where they apply. */
export function executorSummary(handle: unknown): TrialExport["executor"] {
  if (handle === null || typeof handle !== "object") return null;
  const h = handle as Record<string, unknown>;
  if (typeof h.kind !== "string") return null;
  return {
    kind: h.kind,
    ...(typeof h.machineType === "string" ? { machineType: h.machineType } : {}),
    ...(typeof h.pid === "number" ? { pid: h.pid } : {}),
    ...(typeof h.jobId === "string" ? { jobId: h.jobId } : {}),
    ...(Array.isArray(h.gpus) && h.gpus.length > 0 ? { gpus: h.gpus.map(String) } : {}),
  };
}

export function trialExport(t: Trial): TrialExport {
  return {
    number: t.number,
    status: t.status,
    params: t.params,
    value: t.value,
    startedAt: iso(t.startedAt),
    endedAt: iso(t.endedAt),
    exitCode: t.exitCode,
    reason: t.reason,
    notes: t.notes,
    executor: executorSummary(t.handle),
  };
}

async function load(store: ExportSource, id: number): Promise<{ search: Search; trials: Trial[] }> {
  const search = await store.getSearch(id);
  if (!search) throw new HyperbayesError("not_found", `search ${id} does not exist`);
  return { search, trials: await store.listTrials(id) };
}

export async function exportSearchJson(store: ExportSource, id: number): Promise<SearchExport> {
  const { search, trials } = await load(store, id);
  const s = search.spec;
  return {
    search: {
      id: search.id,
      kind: search.kind,
      status: search.status,
      description: search.description,
      metric: s.metric,
      metricAgg: s.metricAgg,
      goal: s.goal,
      numRuns: s.numRuns,
      parallelRuns: s.parallelRuns,
      machineType: s.machineType,
      params: s.params,
      command: s.command,
      createdAt: search.createdAt.toISOString(),
      startedAt: iso(search.startedAt),
      endedAt: iso(search.endedAt),
      best: search.best,
      labels: s.labels,
      notes: search.notes,
      spec: maskedSpec(s),
    },
    trials: trials.map(trialExport),
  };
}

// A numeric literal, as `formatValue` and `String(number)` write numbers: safe in any cell.
const NUMBER_TEXT = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i;
// What spreadsheets read as the start of a formula (OWASP's list: `=`, `+`, `-`, `@`, tab, CR).
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field, for both CSVs (trials and metrics): RFC 4180 quoting (when it holds a comma,
 * quote or line break), and no formulas. A cell whose text starts like a formula (a choice value
 * `=HYPERLINK(...)`, a metric name `@SUM(...)` that a trial printed, a reason) gets a leading
 * `'` and quotes, as OWASP advises, so a spreadsheet shows the text instead of running it.
 * Numbers stay numbers: the rule looks at the text, and a numeric literal (`-1.5`, `+2`,
 * `-1e-3`) cannot run anything, so it is written as is, whether the value was the number -1.5
 * or a choice that is the string "-1.5" (the JSON export keeps that difference; a CSV cannot).
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  if (FORMULA_START.test(text) && !NUMBER_TEXT.test(text))
    return `"'${text.replaceAll('"', '""')}"`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvRow = (fields: readonly unknown[]) => `${fields.map(csvField).join(",")}\r\n`;

export async function exportSearchCsv(store: ExportSource, id: number): Promise<string> {
  const { search, trials } = await load(store, id);
  const space = search.spec.params;
  let out = csvRow([
    "trial",
    "status",
    ...space.map((p) => p.name),
    search.spec.metric,
    "started_at",
    "ended_at",
    "exit_code",
    "reason",
    "notes",
  ]);
  for (const t of trials) {
    out += csvRow([
      t.number,
      t.status,
      ...space.map((p) => {
        const v = t.params[p.name];
        return v === undefined ? "" : formatValue(v, p);
      }),
      t.value,
      iso(t.startedAt),
      iso(t.endedAt),
      t.exitCode,
      t.reason,
      t.notes,
    ]);
  }
  return out;
}

export const METRICS_CSV_HEADER = csvRow(["run_id", "metric_name", "timestamp", "index", "value"]);

/** Spell's `download-metrics` CSV, streamed in batches: run_id is the trial number, index the step. */
export async function* metricsCsv(store: ExportSource, id: number): AsyncGenerator<string> {
  const search = await store.getSearch(id);
  if (!search) throw new HyperbayesError("not_found", `search ${id} does not exist`);
  yield METRICS_CSV_HEADER;
  for await (const batch of store.exportMetricPoints(id)) {
    let chunk = "";
    for (const p of batch)
      chunk += csvRow([p.trialNumber, p.name, p.time.toISOString(), p.step, p.value]);
    yield chunk;
  }
}
