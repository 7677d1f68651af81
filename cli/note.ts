/**
 * `hyperbayes note ID [--trial N] [TEXT | --file FILE | --clear]`: a search's or a trial's
 * notes (markdown, as the console's Notes box shows them). Without TEXT it prints them; with it
 * the notes are replaced, checked by the one notes schema (lib/search/notes.ts): over the limit
 * is exit code 2 with the limit named, and nothing is stored.
 */
import { readFileSync } from "node:fs";
import { UsageError } from "../lib/errors";
import { NOTES_MAX_CHARS, notesProblem } from "../lib/search/notes";
import { printable } from "../lib/terminal-text";
import { numberFlag, parseFlags } from "./_args";
import { getSearchOrFail, searchIdArg, withStore } from "./_common";

const USAGE = `usage: hyperbayes note ID [--trial N] [TEXT | --file FILE | --clear]
  without TEXT: print the notes of search ID (or of its trial N)
  TEXT          replace them (markdown, at most ${NOTES_MAX_CHARS.toLocaleString("en-US")} characters)
  --file FILE   replace them with the file's text (- reads standard input)
  --clear       remove them
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      trial: { type: "string", short: "n" },
      file: { type: "string", short: "f" },
      clear: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [idText, text, extra] = positionals;
  const id = searchIdArg(idText === undefined ? [] : [idText], USAGE);
  if (extra !== undefined)
    throw new UsageError(`unexpected argument "${extra}" (quote the notes: one TEXT)`);
  const trial = numberFlag("--trial", values.trial, { int: true, min: 1 });
  const given = [text !== undefined, values.file !== undefined, values.clear === true];
  if (given.filter(Boolean).length > 1)
    throw new UsageError("give the notes one way: TEXT, --file FILE or --clear");
  const notes =
    values.clear === true ? "" : values.file !== undefined ? readNotesFile(values.file) : text;
  if (notes !== undefined) {
    const problem = notesProblem(notes);
    if (problem) throw new UsageError(problem);
  }
  return withStore(async (store) => {
    await getSearchOrFail(store, id);
    if (trial !== undefined && (await store.getTrial(id, trial)) === undefined)
      throw new UsageError(
        `search ${id} has no trial ${trial} (hyperbayes describe ${id} lists them)`,
      );
    const what = trial === undefined ? `search ${id}` : `trial ${trial} of search ${id}`;
    if (notes === undefined) {
      const current =
        trial === undefined
          ? (await store.getSearch(id))?.notes
          : (await store.getTrial(id, trial))?.notes;
      if (current) process.stdout.write(`${current.split("\n").map(printable).join("\n")}\n`);
      else process.stderr.write(`${what} has no notes\n`);
      return 0;
    }
    const stored =
      trial === undefined
        ? (await store.updateSearch(id, { notes })).notes
        : (await store.updateTrial(id, trial, { notes })).notes;
    process.stdout.write(
      stored === ""
        ? `${what}: notes cleared\n`
        : `${what}: notes saved (${stored.length} characters)\n`,
    );
    return 0;
  });
}

function readNotesFile(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read ${file === "-" ? "standard input" : file}: ${code === "ENOENT" ? "no such file" : (code ?? String(e))}`,
    );
  }
}
