/**
 * `hyperbayes demo` (npm run demo): the console and a worker, as `hyperbayes console`, plus a
 * Bayesian search on the Branin function (examples/branin.mjs) queued through the same flag
 * parser as `hyperbayes bayesian`, so there is something to watch within seconds.
 */
import { randomInt } from "node:crypto";
import { UsageError } from "../lib/errors";
import { parseFlags } from "./_args";
import { REPO_ROOT } from "./_console-server";
import { parseSearchArgs, resolveSearch } from "./_search-flags";
import { untilSignal } from "./_signals";
import { CONSOLE_OPTIONS, consoleOptions, hostsLine, startConsole } from "./console";

export const DEMO_USAGE = `usage: hyperbayes demo [--port PORT] [--host HOST] [--allowed-host NAME[:PORT]]...

Starts the console and a worker, queues a 21-trial Bayesian search (3 at once) on the Branin
function, and prints its address. Options as for hyperbayes console.
`;

/** The demo search, as a user would type it after `hyperbayes bayesian`. */
export const DEMO_ARGS = [
  "--param",
  "x=-5:10",
  "--param",
  "y=0:15",
  "--num-runs",
  "21",
  "--parallel-runs",
  "3",
  "--metric",
  "loss",
  "--description",
  "Demo: the Branin function (minimum 0.3979)",
  "--cwd",
  REPO_ROOT,
  "--",
  "node",
  "examples/branin.mjs",
  "--x",
  ":x:",
  "--y",
  ":y:",
  "--epochs",
  "5",
  "--sleep-ms",
  "300",
];

export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, CONSOLE_OPTIONS, DEMO_USAGE);
  if (flags.values.help) {
    process.stdout.write(DEMO_USAGE);
    return 0;
  }
  if (flags.positionals.length > 0 || flags.hasDash)
    throw new UsageError(`unexpected argument "${flags.positionals[0] ?? "--"}"`);
  const options = { ...consoleOptions(flags.values), worker: true };
  const { spec } = resolveSearch("bayesian", parseSearchArgs("bayesian", DEMO_ARGS), {
    randomSeed: () => randomInt(0, 2 ** 31 - 1),
  });

  // Throws (a taken port, a failed build) before anything is queued or printed.
  const running = await startConsole(options);
  if (!running) return 0; // stopped while it waited for its database
  const { openStore } = await import("../db");
  const store = await openStore({ home: running.paths.home });
  let id: number;
  try {
    id = (await store.createSearch(spec)).id;
  } catch (e) {
    await running.stop();
    throw e;
  } finally {
    await store.close();
  }
  const page = `${running.baseUrl}/searches/${id}`;
  process.stdout.write(
    `Hyperbayes console: ${running.url}\nDemo search #${id} (21 Branin trials, 3 at once): ${
      options.token ? `${page}?token=${encodeURIComponent(options.token)}` : page
    }\n${hostsLine(options, running.server)}Ctrl-C stops.\n`,
  );
  const why = await untilSignal(running.server.exited);
  await running.stop();
  return why === "exit" ? 1 : 0;
}
