/**
 * The `hyperbayes` command: parses argv, dispatches to a subcommand, maps errors to exit codes.
 * Subcommands are loaded lazily so `--help` and small commands start fast.
 */
const COMMANDS: Record<
  string,
  { summary: string; load: () => Promise<{ run: (argv: string[]) => Promise<number> }> }
> = {};

const HELP = `hyperbayes — self-hosted Bayesian hyperparameter search

usage: hyperbayes <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(18)}${c.summary}`)
  .join("\n")}

Run "hyperbayes <command> --help" for a command's options.
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(HELP);
    return 0;
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
      process.stderr.write(`hyperbayes ${name}: ${e.message}\n`);
      if ("usage" in e && typeof e.usage === "string") process.stderr.write(`\n${e.usage}`);
      return e.exitCode;
    }
    throw e;
  }
}

export {};

process.exitCode = await main(process.argv.slice(2));
