/**
 * `hyperbayes describe ID`: a search's definition, progress, best trial and trials table. Every
 * line and cell goes through `printable`: descriptions, values, reasons and names may hold
 * terminal controls that a trial printed or a user typed.
 */
import { DEFAULT_GRACE_MS } from "../lib/executors/types";
import { formatStopCondition } from "../lib/metrics/stop";
import { earlyStopSummary } from "../lib/pruning/savings";
import { maskedEnvItems } from "../lib/search/rerun";
import type { SearchSpec } from "../lib/search/spec";
import { isFinalTrial } from "../lib/search/status";
import { formatSpace } from "../lib/space/parse";
import { printable } from "../lib/terminal-text";
import {
  displayValue,
  formatDuration,
  formatNumber,
  formatParams,
  getSearchOrFail,
  table,
  withSearchId,
  withStore,
} from "./_common";

const USAGE =
  "usage: hyperbayes describe ID\n  the whole definition (env values masked), the best trial, every trial\n";

/** The acquisition and kappa of a Bayesian search, after its seed. */
function optimizerNote(s: SearchSpec): string {
  if (s.kind !== "bayesian") return "";
  return `, ${s.acquisition}${s.kappa !== undefined ? ` kappa ${s.kappa}` : ""}`;
}

export async function run(argv: string[]): Promise<number> {
  return withSearchId(argv, USAGE, (id) =>
    withStore(async (store) => {
      const search = await getSearchOrFail(store, id);
      const trials = await store.listTrials(id);
      const s = search.spec;
      const done = trials.filter((t) => isFinalTrial(t.status)).length;
      const early = earlyStopSummary(s, trials);
      const lines = [
        `search ${search.id}  ${search.kind}  ${search.status}${search.failureReason ? ` (${search.failureReason})` : ""}`,
        ...(search.description ? [`  ${search.description}`] : []),
        `  metric     ${s.goal} ${s.metric} (${s.metricAgg})`,
        `  trials     ${done}/${s.numRuns} ended, ${s.parallelRuns} at once on ${s.machineType}`,
        `  params     ${formatSpace(s.params).join(" ")}`,
        `  command    ${s.command.map((a) => (/[\s'"\\$`;&|<>]/.test(a) || a === "" ? JSON.stringify(a) : a)).join(" ")}`,
        `  cwd        ${s.cwd}`,
        ...(s.labels.length > 0 ? [`  labels     ${s.labels.join(", ")}`] : []),
        ...(Object.keys(s.env).length > 0
          ? [`  env        ${maskedEnvItems(s.env).join(" ")}`]
          : []),
        `  seed       ${s.seed}${optimizerNote(s)}`,
        ...(s.timeoutMinutes !== undefined ? [`  timeout    ${s.timeoutMinutes} min`] : []),
        ...(s.stopGraceSeconds * 1000 !== DEFAULT_GRACE_MS
          ? [`  grace      ${s.stopGraceSeconds} s from SIGTERM to SIGKILL`]
          : []),
        ...(s.stopConditions.length > 0
          ? [`  stop when  ${s.stopConditions.map(formatStopCondition).join(" or ")}`]
          : []),
        `  failures   the search fails after ${s.maxFailures}`,
        ...(early ? [`  early stop ${early}`] : []),
        `  created    ${search.createdAt.toISOString()}`,
        // The notes as written (markdown), one printed line per line.
        ...(search.notes ? ["  notes", ...search.notes.split("\n").map((l) => `    ${l}`)] : []),
      ];
      if (search.best) {
        const best = trials.find((t) => t.number === search.best?.trialNumber);
        lines.push(
          `  best       trial ${search.best.trialNumber}: ${s.metric}=${formatNumber(search.best.value)}` +
            (best ? `  ${formatParams(best.params, s.params)}` : ""),
        );
      }
      process.stdout.write(`${lines.map(printable).join("\n")}\n\n`);
      if (trials.length > 0) {
        const rows = trials.map((t) => [
          String(t.number),
          t.status,
          ...s.params.map((p) => displayValue(t.params[p.name], p)),
          formatNumber(t.value),
          formatDuration(
            t.startedAt ? (t.endedAt ?? new Date()).getTime() - t.startedAt.getTime() : null,
          ),
          t.reason ?? "",
        ]);
        const header = [
          "TRIAL",
          "STATUS",
          ...s.params.map((p) => p.name),
          s.metric,
          "TIME",
          "REASON",
        ];
        process.stdout.write(
          table(
            header.map(printable),
            rows.map((r) => r.map(printable)),
          ),
        );
      }
      return 0;
    }),
  );
}
