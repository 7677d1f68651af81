/**
 * `hyperbayes delete ID [--yes]`: a search, its trials, metric points and events (the store's
 * deleteSearch, one transaction), then its folder of trial files. Asks first, unless --yes; a
 * search that may still run is refused before the question (the store's own rule, asked twice:
 * here to say what to do, and again in the transaction that deletes).
 */
import { createInterface } from "node:readline";
import { searchDeletionProblem } from "../db/rules";
import { StateConflictError } from "../db/store";
import { UsageError } from "../lib/errors";
import { removeSearchFiles } from "../lib/executors/trial-files";
import { defaultHome, searchDir } from "../lib/home";
import { printable } from "../lib/terminal-text";
import { parseFlags } from "./_args";
import { getSearchOrFail, searchIdArg, withStore } from "./_common";

const USAGE = `usage: hyperbayes delete ID [--yes]
  deletes an ended search: its trials, metric points, events and trial files (logs)
  -y, --yes  do not ask first
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { yes: { type: "boolean", short: "y" }, help: { type: "boolean", short: "h" } },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const id = searchIdArg(positionals, USAGE);
  return withStore(async (store) => {
    const search = await getSearchOrFail(store, id);
    const problem = searchDeletionProblem(search, Date.now());
    if (problem !== undefined) throw new StateConflictError(withHint(problem, id, search.status));
    const trials = (await store.countTrials(id)).total;
    const folder = searchDir(defaultHome(), id);
    const what = `search ${id}${search.description ? ` (${search.description})` : ""}, its ${trials} trial${trials === 1 ? "" : "s"} and their files in ${folder}`;
    if (!values.yes) {
      const answer = await ask(`delete ${printable(what)}? [y/N] `);
      if (answer === undefined)
        throw new UsageError("no answer on standard input: add --yes to delete without asking");
      if (!/^y(es)?$/i.test(answer.trim())) {
        process.stdout.write("nothing deleted\n");
        return 1;
      }
    }
    try {
      await store.deleteSearch(id);
    } catch (e) {
      // It started between the question and the delete (a worker claimed it).
      if (e instanceof StateConflictError)
        throw new StateConflictError(withHint(e.message, id, "running"));
      throw e;
    }
    removeSearchFiles(defaultHome(), id);
    process.stdout.write(`deleted ${printable(what)}\n`);
    return 0;
  });
}

function withHint(problem: string, id: number, status: string): string {
  return status === "stopping"
    ? `${problem} (hyperbayes describe ${id} shows them)`
    : `${problem} (hyperbayes stop ${id}, or kill ${id})`;
}

/** One line from standard input after `question` on stderr; undefined when input ends first. */
function ask(question: string): Promise<string | undefined> {
  process.stderr.write(question);
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, terminal: false });
    let answered = false;
    rl.once("line", (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.once("close", () => {
      if (!answered) {
        process.stderr.write("\n");
        resolve(undefined);
      }
    });
    // Ctrl-C at the question: nothing deleted.
    rl.once("SIGINT", () => rl.close());
  });
}
