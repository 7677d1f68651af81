/**
 * The `hyperbayes` command: parses argv, dispatches to a subcommand, maps errors to exit codes
 * (2 for a user's mistake, 1 for a failure). Subcommands load lazily so small ones start fast.
 *
 * A reader that goes away (`hyperbayes describe 1 | head -1`, `list | head`) is not a failure:
 * Node ignores SIGPIPE, so each later write fails with EPIPE, and those are dropped. The command
 * ends as it would have, with its own exit code (0 for a listing): no stack trace, and a search
 * run in the foreground carries on to its end, since nothing it records depends on its output.
 */
import { isHyperbayesError } from "../lib/errors";
import { printable } from "../lib/terminal-text";

/** Drops EPIPE on `stream`; any other write failure (a full disk) ends the command in one line. */
function quietWhenReaderLeaves(stream: NodeJS.WriteStream, name: string): void {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE" || stream === process.stderr) return;
    process.stderr.write(`hyperbayes: cannot write to ${name}: ${e.code ?? e.message}\n`);
    process.exit(1);
  });
}
quietWhenReaderLeaves(process.stdout, "standard output");
quietWhenReaderLeaves(process.stderr, "standard error");

type Command = {
  summary: string;
  load: () => Promise<{ run: (argv: string[]) => Promise<number> }>;
};

const search = (kind: "bayesian" | "grid" | "random") => async () => {
  const m = await import("./search");
  return { run: (argv: string[]) => m.run(kind, argv) };
};

const COMMANDS: Record<string, Command> = {
  bayesian: { summary: "run a Bayesian search (Gaussian process + UCB)", load: search("bayesian") },
  grid: { summary: "run every combination of the choices", load: search("grid") },
  random: { summary: "run a random search", load: search("random") },
  list: { summary: "list searches", load: () => import("./list") },
  describe: { summary: "show a search and its trials", load: () => import("./describe") },
  note: {
    summary: "print or set the notes of a search or a trial (markdown)",
    load: () => import("./note"),
  },
  stop: {
    summary: "stop a search: running trials get SIGTERM and keep what they reported; no new ones",
    load: () => import("./stop"),
  },
  kill: {
    summary: "kill a search and its running trials now",
    load: () => import("./stop").then((m) => ({ run: m.runKill })),
  },
  rerun: {
    summary: "run a search again: its spec, with the flags given overriding it",
    load: () => import("./rerun"),
  },
  logs: { summary: "print a trial's output (-f: follow it)", load: () => import("./logs") },
  delete: {
    summary: "delete an ended search, its trials and their files (asks first)",
    load: () => import("./delete"),
  },
  resume: {
    summary: "take over a search whose worker died and finish it",
    load: () => import("./resume"),
  },
  worker: { summary: "run queued searches until stopped", load: () => import("./worker") },
  export: {
    summary: "export a search and its trials (--format json|csv)",
    load: () => import("./export"),
  },
  "download-metrics": {
    summary: "write every metric point of a search as CSV",
    load: () => import("./export").then((m) => ({ run: m.runDownloadMetrics })),
  },
  machines: { summary: "list machine types (-t)", load: () => import("./machines") },
  console: {
    summary: "serve the web console (and run a worker) on 127.0.0.1",
    load: () => import("./console"),
  },
  demo: { summary: "the console, with a demo search queued", load: () => import("./demo") },
  optimize: {
    summary: "ask/tell optimizer over JSON lines (--stdio)",
    load: () => import("./optimize"),
  },
};

const HELP = `hyperbayes — self-hosted Bayesian hyperparameter search

usage: hyperbayes <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(18)}${c.summary}`)
  .join("\n")}

Run "hyperbayes <command> --help" for a command's options. Data: $HYPERBAYES_HOME (default ./.hyperbayes).
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(HELP);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`hyperbayes: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  try {
    return await (await command.load()).run(rest);
  } catch (e) {
    if (isHyperbayesError(e)) {
      // Messages may quote what a user typed or a trial printed: one printable line each.
      const lines = e.message.split("\n").map(printable);
      process.stderr.write(`hyperbayes ${name}: ${lines.join("\n  ")}\n`);
      if ("usage" in e && typeof e.usage === "string") process.stderr.write(`\n${e.usage}`);
      return e.exitCode;
    }
    throw e;
  }
}

process.exitCode = await main(process.argv.slice(2));
