/**
 * `:name:` substitution: how a trial's parameter values get into the user's command.
 *
 * The command is an argv list that is started without a shell, so a value is inserted into its
 * argument verbatim (spaces, quotes, `;`, `$()`, newlines and all) and is never quoted or rescanned.
 *
 * What counts as a placeholder: a `:`, then a token shaped like a parameter name (PARAM_NAME in
 * lib/space/schema: a letter or `_`, then letters, digits, `_ . -`), then a `:`. Tokens are found
 * left to right without overlapping, in every argument, several per argument (`--lr=:lr:`,
 * `:a::b:`). So `http://host:80/`, `a::b`, `1:2:3` and `C:\x` hold none, while `db:main:5432`
 * holds `:main:` and is an error unless `main` is a parameter.
 */
import { UsageError } from "../errors";
import {
  PARAM_NAME,
  type ParamSpec,
  type Params,
  type ParamValue,
  type Space,
} from "../space/schema";

// PARAM_NAME's body between its anchors, so a placeholder is exactly a `:`-wrapped parameter name.
const PLACEHOLDER = new RegExp(`:(${PARAM_NAME.source.replace(/^\^|\$$/g, "")}):`, "g");

/** Names of the `:name:` placeholders in argv, each once, in order of first use. */
export function placeholders(argv: readonly string[]): string[] {
  const names = new Set<string>();
  for (const arg of argv) for (const m of arg.matchAll(PLACEHOLDER)) names.add(m[1] as string);
  return [...names];
}

/** Levenshtein distance, for "did you mean" hints on a handful of short names. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(
        Math.min(
          (prev[j] as number) + 1,
          (row[j - 1] as number) + 1,
          (prev[j - 1] as number) + cost,
        ),
      );
    }
    prev = row;
  }
  return prev[b.length] as number;
}

function unknownMessage(name: string, space: Space): string {
  let hint = "";
  // Beyond one edit in a short name, or two in a longer one, it is a different name, not a typo.
  let best = name.length >= 6 ? 3 : 2;
  for (const p of space) {
    const d = p.name.toLowerCase() === name.toLowerCase() ? 0 : distance(p.name, name);
    if (d < best) {
      best = d;
      hint = ` (did you mean :${p.name}:?)`;
    }
  }
  return `:${name}: in the command has no --param ${name}${hint}`;
}

/**
 * Checks a command against a space before anything runs. Errors: an empty command, a placeholder
 * with no parameter. Warnings: a parameter the command never uses (its values would change
 * nothing, yet the search would spend trials on it).
 */
export function checkCommand(
  argv: readonly string[],
  space: Space,
): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  if (argv.length === 0) errors.push("the command after -- is empty");
  const defined = new Set(space.map((p) => p.name));
  const used = placeholders(argv);
  for (const name of used) if (!defined.has(name)) errors.push(unknownMessage(name, space));
  const usedSet = new Set(used);
  const warnings = space
    .filter((p) => !usedSet.has(p.name))
    .map((p) => `--param ${p.name} is never used in the command (no :${p.name}: in it)`);
  return { errors, warnings };
}

/**
 * A value as it appears in the command. Ints print as plain integers (never `64.0`, `6.4e1` or
 * `1e+21`), other numbers in JavaScript's shortest round-trip form (`0.001`, `1e-7`), `-0` as `0`,
 * strings unchanged. Throws a plain Error for a non-finite number, or a fractional value of an int
 * parameter: those are bugs upstream, not user mistakes.
 */
export function formatValue(v: ParamValue, spec?: ParamSpec): string {
  if (typeof v === "string") return v;
  if (!Number.isFinite(v)) throw new Error(`cannot put ${v} into a command`);
  if (spec?.kind === "range" && spec.type === "int") {
    if (!Number.isInteger(v)) throw new Error(`int parameter "${spec.name}" got ${v}`);
    // BigInt prints every digit where String switches to exponent form at 1e21.
    return BigInt(v).toString();
  }
  return v === 0 ? "0" : String(v);
}

/**
 * The argv of one trial: every placeholder replaced by its formatted value. Throws UsageError
 * for placeholders with no parameter (all of them, one per line), and a plain Error when `params`
 * lacks a value for a parameter the command uses.
 */
export function substituteCommand(argv: readonly string[], params: Params, space: Space): string[] {
  const specs = new Map(space.map((p) => [p.name, p]));
  const unknown = placeholders(argv).filter((name) => !specs.has(name));
  if (unknown.length > 0)
    throw new UsageError(unknown.map((name) => unknownMessage(name, space)).join("\n"));
  // A replacer function, not a replacement string: `$&` or `$1` in a value stays as typed.
  return argv.map((arg) =>
    arg.replace(PLACEHOLDER, (_match, name: string) => {
      if (!Object.hasOwn(params, name)) throw new Error(`no value for parameter "${name}"`);
      return formatValue(params[name] as ParamValue, specs.get(name));
    }),
  );
}
