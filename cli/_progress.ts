/**
 * Live progress of a search run in the foreground: a line per trial start and end, and on a
 * terminal a progress bar with the best value so far, redrawn in place. Each line goes through
 * `printable` (values, reasons and notices may hold terminal controls a trial printed); only the
 * bar's own redraw sequences reach the terminal as controls. "← best" and the bar's best follow
 * the status table's rule (lib/search/status.ts), so they name the trial the summary names.
 */
import { bestTrial, isFinalTrial, type TrialStatus } from "../lib/search/status";
import type { Search, Trial } from "../lib/search/types";
import { printable } from "../lib/terminal-text";
import type { WorkerEvent } from "../workers/worker";
import { formatNumber, formatParams } from "./_common";

export function createProgress(out: NodeJS.WriteStream = process.stdout) {
  const tty = out.isTTY === true;
  let bar = "";
  let ended = 0;
  let best: { number: number; status: TrialStatus; value: number } | undefined;

  /** True when `t` is now the best trial. */
  const consider = (search: Search, t: Trial): boolean => {
    const next = bestTrial(best ? [best, t] : [t], search.spec.goal);
    const changed = next !== undefined && next !== best;
    if (changed) best = { number: next.number, status: next.status, value: next.value };
    return changed;
  };

  function print(line: string) {
    if (tty && bar) out.write("\r\x1b[K");
    out.write(`${printable(line)}\n`);
    if (tty && bar) out.write(bar);
  }

  function drawBar(search: Search) {
    if (!tty) return;
    const total = search.spec.numRuns;
    const width = 30;
    const filled = Math.round((width * Math.min(ended, total)) / total);
    const bestText = best ? `  best ${formatNumber(best.value)} (trial ${best.number})` : "";
    bar = `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${ended}/${total}${bestText}`;
    out.write(`\r\x1b[K${bar}`);
  }

  function trialLine(search: Search, trial: Trial): string {
    const head = `  trial ${String(trial.number).padStart(3)}  ${trial.status.padEnd(8)}`;
    if (trial.status === "running")
      return `${head}  ${formatParams(trial.params, search.spec.params)}`;
    const value = trial.value === null ? "" : `${search.spec.metric}=${formatNumber(trial.value)}`;
    const reason = trial.reason ? `  (${trial.reason})` : "";
    return `${head}  ${value}${reason}`;
  }

  return {
    onEvent(e: WorkerEvent) {
      switch (e.type) {
        case "search-started":
          ended = 0;
          break;
        case "trial-started":
          print(trialLine(e.search, e.trial));
          break;
        case "trial-ended": {
          ended++;
          const isBest = consider(e.search, e.trial);
          print(trialLine(e.search, e.trial) + (isBest ? "  ← best" : ""));
          drawBar(e.search);
          break;
        }
        case "notice":
          print(`  ${e.message}`);
          break;
        case "search-ended":
          if (tty) out.write("\r\x1b[K");
          bar = "";
          break;
      }
    },
    /** Seeds the counters from trials that ended before this process (resume). */
    seed(search: Search, trials: readonly Trial[]) {
      for (const t of trials) {
        if (!isFinalTrial(t.status)) continue;
        ended++;
        consider(search, t);
      }
      drawBar(search);
    },
  };
}
