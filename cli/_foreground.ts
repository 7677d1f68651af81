/**
 * Runs one search in this process, with live progress, the way `bayesian|grid|random` (without
 * --detach) and `resume` do. Ctrl-C, and SIGTERM (`timeout`, `docker stop`, systemd), ask the
 * search to stop: running trials get SIGTERM and keep what they reported, and the search ends
 * `stopped` (docs/decisions/worker.md, "SIGTERM"). A second signal kills it. When the stop
 * cannot even be asked for (the database is unreachable or full), the search is left as it is,
 * its trials running, for `hyperbayes resume`.
 */
import { defaultHome, StateConflictError, type Store } from "../db";
import { earlyStopSummary } from "../lib/pruning/savings";
import { trialStatusSchema } from "../lib/search/status";
import type { Search, Trial } from "../lib/search/types";
import { printable } from "../lib/terminal-text";
import { leaseTtlMs } from "../workers/lease";
import { diskFullError, storeFault } from "../workers/store-faults";
import { Executors, runSearch, type WorkerContext } from "../workers/worker";
import { formatNumber, formatParams } from "./_common";
import { createProgress } from "./_progress";

export async function runInForeground(
  store: Store,
  search: Search,
  owner: string,
): Promise<number> {
  const progress = createProgress();
  progress.seed(search, await store.listTrials(search.id));
  const ctx: WorkerContext = {
    store,
    owner,
    home: defaultHome(),
    executors: new Executors(),
    leaseTtlMs: leaseTtlMs(),
    onEvent: progress.onEvent,
  };
  const leave = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    const mode = signals === 1 ? "stop" : "kill";
    const again = sig === "SIGINT" ? "Ctrl-C again" : `a second ${sig}`;
    process.stderr.write(
      mode === "stop"
        ? `\nstopping (${sig}): running trials get SIGTERM and keep what they reported (${again} to kill)\n`
        : "\nkilling the search and its running trials\n",
    );
    store.requestStop(search.id, mode).catch((e: unknown) => {
      // A search that has just ended needs no stop; one that cannot be asked to is left as it is.
      if (!(e instanceof StateConflictError)) leave.abort();
    });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    let end: Search;
    try {
      end = await runSearch(ctx, search.id, leave.signal);
    } catch (e) {
      if (storeFault(e) !== "full") throw e;
      throw diskFullError(
        e,
        `search ${search.id} was left as it was (its running trials carry on); free some space, then run hyperbayes resume ${search.id}`,
      );
    }
    if (leave.signal.aborted) {
      process.stdout.write(
        `\nsearch ${end.id} left as it was: its running trials carry on; hyperbayes resume ${end.id} finishes it\n`,
      );
      return 1;
    }
    const trials = await store.listTrials(end.id);
    process.stdout.write(`\nsearch ${end.id} ${end.status}: ${trialCountsText(trials)}\n`);
    // The reason and the values may hold terminal controls (lib/terminal-text).
    if (end.failureReason) process.stdout.write(`  ${printable(end.failureReason)}\n`);
    const early = earlyStopSummary(end.spec, trials);
    if (early) process.stdout.write(`early stop: ${early}\n`);
    if (end.best) {
      const best = trials.find((t) => t.number === end.best?.trialNumber);
      process.stdout.write(
        `${printable(
          `best: trial ${end.best.trialNumber}, ${end.spec.metric}=${formatNumber(end.best.value)}` +
            (best ? `  ${formatParams(best.params, end.spec.params)}` : ""),
        )}\n`,
      );
    }
    process.stdout.write(`details: hyperbayes describe ${end.id}\n`);
    return end.status === "complete" ? 0 : 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await ctx.executors.close();
  }
}

/**
 * "4 complete, 1 failed, 1 stopped": the trials in each status, in the status table's order;
 * "no trials" for a search stopped before its first trial started.
 */
export function trialCountsText(trials: readonly Pick<Trial, "status">[]): string {
  const text = trialStatusSchema.options
    .map((s) => [s, trials.filter((t) => t.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
  return text === "" ? "no trials" : text;
}
