/**
 * `hyperbayes logs ID N [-f] [--stdout | --stderr]`: trial N's output, as its log files hold it
 * (capped: the head, a note where the cap left bytes out, the tail). `-f` goes on printing what
 * the trial writes until it ends; Ctrl-C stops following (the trial goes on).
 */
import { join } from "node:path";
import type { Store } from "../db";
import { UsageError } from "../lib/errors";
import { type LogPiece, LogReader } from "../lib/executors/log-reader";
import { defaultHome, trialDir } from "../lib/home";
import { isFinalTrial } from "../lib/search/status";
import { printableLogLine } from "../lib/terminal-text";
import { numberFlag, parseFlags } from "./_args";
import { getSearchOrFail, searchIdArg, withStore } from "./_common";

const USAGE = `usage: hyperbayes logs ID N [-f] [--stdout | --stderr]
  trial N's output (stdout.log, then stderr.log; with -f, each as it grows)
  -f, --follow  go on until the trial ends (Ctrl-C stops following, not the trial)
  --stdout, --stderr  only that stream
  --poll-ms MS  how often -f looks for output (default 250)
`;

/** How often -f looks for new output and for the trial's end. */
export const FOLLOW_POLL_MS = 250;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      follow: { type: "boolean", short: "f" },
      stdout: { type: "boolean" },
      stderr: { type: "boolean" },
      "poll-ms": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [idText, numberText, extra] = positionals;
  const id = searchIdArg(idText === undefined ? [] : [idText], USAGE);
  if (numberText === undefined) throw new UsageError(`a trial number is required\n\n${USAGE}`);
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  const number = numberFlag("the trial number", numberText, { int: true, min: 1 }) as number;
  if (values.stdout && values.stderr)
    throw new UsageError("--stdout and --stderr: give one, or neither for both");
  const streams = values.stdout ? ["stdout"] : values.stderr ? ["stderr"] : ["stdout", "stderr"];
  const pollMs =
    numberFlag("--poll-ms", values["poll-ms"], { int: true, min: 1, max: 60_000 }) ??
    FOLLOW_POLL_MS;
  return withStore(async (store) => {
    await getSearchOrFail(store, id);
    if ((await store.getTrial(id, number)) === undefined)
      throw new UsageError(
        `search ${id} has no trial ${number} (hyperbayes describe ${id} lists them)`,
      );
    const dir = trialDir(defaultHome(), id, number);
    const files = streams.map((s) => join(dir, `${s}.log`));
    const write = (text: string) => process.stdout.write(text);
    if (!values.follow) {
      for (const file of files) write(render(new LogReader(file).read(true)));
      return 0;
    }
    const stop = new AbortController();
    const onSigint = () => stop.abort();
    process.once("SIGINT", onSigint);
    try {
      const ended = await followTrial({
        store,
        searchId: id,
        number,
        files,
        write,
        pollMs,
        signal: stop.signal,
      });
      return ended ? 0 : 130;
    } finally {
      process.off("SIGINT", onSigint);
    }
  });
}

/** Pieces of a log as lines to print. */
export function render(pieces: readonly LogPiece[]): string {
  let out = "";
  for (const p of pieces)
    out +=
      "line" in p
        ? `${printableLogLine(p.line)}\n`
        : p.leftOut === "cut"
          ? "[... hyperbayes: the log cap left output out here ...]\n"
          : "[... hyperbayes: output skipped ...]\n";
  return out;
}

export interface FollowOptions {
  store: Pick<Store, "getTrial">;
  searchId: number;
  number: number;
  files: readonly string[];
  write: (text: string) => void;
  pollMs: number;
  signal: AbortSignal;
  /** Waits between looks (a test's clock); default a timer that the signal cuts short. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Prints each file's new lines every `pollMs` until the trial's status is final (then what is
 * left, the last unfinished line too) or `signal` aborts. True when the trial ended.
 */
export async function followTrial(o: FollowOptions): Promise<boolean> {
  const readers = o.files.map((f) => new LogReader(f));
  const sleep = o.sleep ?? abortableSleep;
  for (;;) {
    // The status first: output written before the end is read after it, so none is missed.
    const trial = await o.store.getTrial(o.searchId, o.number);
    const ended = trial === undefined || isFinalTrial(trial.status);
    for (const r of readers) {
      const text = render(r.read(ended));
      if (text !== "") o.write(text);
    }
    if (ended) return true;
    if (o.signal.aborted) return false;
    await sleep(o.pollMs, o.signal);
    if (o.signal.aborted) return false;
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
