/**
 * Runs one search in this process, with live progress, the way `bayesian|grid|random` (without
 * --detach) and `resume` do. Ctrl-C asks the search to stop (running trials get SIGTERM and keep
 * what they reported); a second Ctrl-C kills it.
 */
import type { Search, Store } from "../db";
import { defaultHome } from "../db";
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
    onEvent: progress.onEvent,
  };
  let interrupts = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupts++;
    const mode = interrupts === 1 && sig === "SIGINT" ? "stop" : "kill";
    process.stderr.write(
      mode === "stop"
        ? "\nstopping: running trials get SIGTERM and keep what they reported (Ctrl-C again to kill)\n"
        : "\nkilling the search and its running trials\n",
    );
    store.requestStop(search.id, mode).catch(() => {});
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const end = await runSearch(ctx, search.id);
    const trials = await store.listTrials(end.id);
    const counts = new Map<string, number>();
    for (const t of trials) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
    const summary = [...counts].map(([s, n]) => `${n} ${s}`).join(", ");
    process.stdout.write(`\nsearch ${end.id} ${end.status}: ${summary}\n`);
    if (end.failureReason) process.stdout.write(`  ${end.failureReason}\n`);
    if (end.best) {
      const best = trials.find((t) => t.number === end.best?.trialNumber);
      process.stdout.write(
        `best: trial ${end.best.trialNumber}, ${end.spec.metric}=${formatNumber(end.best.value)}` +
          (best ? `  ${formatParams(best.params, end.spec.params)}` : "") +
          "\n",
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
