/** `hyperbayes worker`: runs queued searches (and takes over orphaned ones) until stopped. */
import { openStore } from "../db";
import { printable } from "../lib/terminal-text";
import { diskFullError, openWhenUp, storeFault } from "../workers/store-faults";
import { runWorker } from "../workers/worker";
import { numberFlag, parseFlags } from "./_args";
import { abortOnSignals } from "./_signals";

const USAGE =
  "usage: hyperbayes worker [--max-searches N]\n  runs queued searches until SIGINT/SIGTERM; trials still running are adopted by the next worker;\n  a database that does not answer yet is waited for\n" +
  "  --max-searches N  searches run at once (default 8); workers sharing a database share the rest\n";

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(
    argv,
    { help: { type: "boolean", short: "h" }, "max-searches": { type: "string" } },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const maxSearches = numberFlag("--max-searches", values["max-searches"], { int: true, min: 1 });
  // For the life of the command: Ctrl-C or SIGTERM stops the worker, leaving trials running.
  const stopped = abortOnSignals();
  const say = (line: string) => process.stdout.write(`worker ${process.pid}: ${line}\n`);
  const store = await openWhenUp(() => openStore(), { signal: stopped.signal, say });
  if (!store) return 0;
  say("waiting for searches");
  try {
    await runWorker({
      store,
      signal: stopped.signal,
      ...(maxSearches !== undefined ? { maxSearches } : {}),
      onEvent: (e) => {
        if (e.type === "search-started")
          process.stdout.write(`search ${e.search.id}: ${e.resumed ? "resumed" : "started"}\n`);
        if (e.type === "search-ended")
          process.stdout.write(`search ${e.search.id}: ${e.search.status}\n`);
        if (e.type === "notice")
          process.stdout.write(`search ${e.search.id}: ${printable(e.message)}\n`);
        if (e.type === "worker-notice") say(printable(e.message));
      },
    });
  } catch (e) {
    if (storeFault(e) !== "full") throw e;
    throw diskFullError(
      e,
      "the worker stopped, leaving its searches as they were (their running trials carry on); free some space, then start it again",
    );
  } finally {
    await store.close();
  }
  return 0;
}
