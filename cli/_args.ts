/**
 * Flag parsing shared by every subcommand: node's parseArgs, with its errors turned into
 * UsageErrors (exit code 2) that name the flag and carry the command's usage text.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { UsageError } from "../lib/errors";
import { readDecimal } from "../lib/space/parse";
import { spellFlagHint } from "./_spell-flags";

type Options = NonNullable<ParseArgsConfig["options"]>;

export class CliUsageError extends UsageError {
  readonly usage: string;
  constructor(message: string, usage: string) {
    super(message);
    this.usage = usage;
  }
}

/**
 * Parses argv against `options`. Everything after a bare `--` is returned as `rest`, untouched
 * (the trial's command); other positionals land in `positionals`.
 */
export function parseFlags<O extends Options>(argv: string[], options: O, usage: string) {
  const dash = argv.indexOf("--");
  const head = dash >= 0 ? argv.slice(0, dash) : argv;
  const rest = dash >= 0 ? argv.slice(dash + 1) : [];
  try {
    const { values, positionals, tokens } = parseArgs({
      args: head,
      options,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
    return { values, positionals, tokens, rest, hasDash: dash >= 0 };
  } catch (e) {
    const unknown = e instanceof Error ? /^Unknown option '([^']+)'/.exec(e.message) : null;
    const hint = unknown?.[1] === undefined ? undefined : spellFlagHint(unknown[1]);
    if (hint !== undefined) throw new UsageError(hint);
    const message =
      e instanceof Error ? e.message.replace(/\. To specify a positional.*$/s, "") : String(e);
    throw new CliUsageError(message, usage);
  }
}

/**
 * Parses a flag value that must be a number in a range; names the flag when it is not. Numbers
 * are read as the search's settings read them (readDecimal: no hex, no Infinity, no blank).
 */
export function numberFlag(
  flag: string,
  text: string | undefined,
  opts: { int?: boolean; min?: number; max?: number } = {},
): number | undefined {
  if (text === undefined) return undefined;
  const n = readDecimal(text.trim());
  const kind = opts.int ? "an integer" : "a number";
  if (n === undefined || (opts.int && !Number.isInteger(n))) {
    throw new UsageError(`${flag} needs ${kind}, got "${text}"`);
  }
  if (opts.min !== undefined && n < opts.min)
    throw new UsageError(`${flag} must be at least ${opts.min}, got ${text}`);
  if (opts.max !== undefined && n > opts.max)
    throw new UsageError(`${flag} must be at most ${opts.max}, got ${text}`);
  return n;
}
