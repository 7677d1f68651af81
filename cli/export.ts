/**
 * `hyperbayes export ID` and `hyperbayes download-metrics ID`: a search's results as files. The
 * output file is opened before anything is read, so a missing folder or an existing file is a
 * one-line message (exit 2), never a stack trace or a half-written file.
 */

import { createWriteStream, openSync } from "node:fs";
import { dirname } from "node:path";
import { HyperbayesError, UsageError } from "../lib/errors";
import { exportSearchCsv, exportSearchJson, metricsCsv } from "../lib/search/export";
import { printableJson } from "../lib/terminal-text";
import { parseFlags } from "./_args";
import { searchIdArg, withStore } from "./_common";

const EXPORT_USAGE = "usage: hyperbayes export ID [--format json|csv] [-o FILE]\n";

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      format: { type: "string" },
      output: { type: "string", short: "o" },
      help: { type: "boolean", short: "h" },
    },
    EXPORT_USAGE,
  );
  if (values.help) {
    process.stdout.write(EXPORT_USAGE);
    return 0;
  }
  const id = searchIdArg(positionals, EXPORT_USAGE);
  const format = values.format ?? "json";
  if (format !== "json" && format !== "csv")
    throw new UsageError(`--format must be json or csv, got "${format}"`);
  return withStore(async (store) => {
    const out = openOutput(values.output, true);
    const text =
      format === "json"
        ? `${printableJson(JSON.stringify(await exportSearchJson(store, id), null, 2))}\n`
        : await exportSearchCsv(store, id);
    await writeAll(out, [text]);
    return 0;
  });
}

const METRICS_USAGE =
  "usage: hyperbayes download-metrics ID [-d FILE] [-f]\n  CSV columns: run_id,metric_name,timestamp,index,value (run_id is the trial number)\n  -d FILE  write to FILE (default: stdout); -f  overwrite FILE if it exists\n";

export async function runDownloadMetrics(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      destination: { type: "string", short: "d" },
      force: { type: "boolean", short: "f" },
      help: { type: "boolean", short: "h" },
    },
    METRICS_USAGE,
  );
  if (values.help) {
    process.stdout.write(METRICS_USAGE);
    return 0;
  }
  const id = searchIdArg(positionals, METRICS_USAGE);
  return withStore(async (store) => {
    const out = openOutput(values.destination, values.force === true);
    await writeAll(out, metricsCsv(store, id));
    return 0;
  });
}

/** Why FILE cannot be written, in the user's words, for the errors that are their mistake. */
function openProblem(file: string, code: string | undefined): string | undefined {
  switch (code) {
    case "ENOENT":
      return `cannot write ${file}: the folder ${dirname(file)} does not exist`;
    case "ENOTDIR":
      return `cannot write ${file}: a part of its path is not a folder`;
    case "EISDIR":
      return `cannot write ${file}: it is a folder`;
    case "EEXIST":
      return `${file} exists; add -f to overwrite it`;
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return `cannot write ${file}: permission denied`;
    default:
      return undefined;
  }
}

interface Output {
  stream: NodeJS.WritableStream;
  /** undefined for stdout */
  file: string | undefined;
}

/**
 * Opens FILE for writing (refusing to overwrite it unless `force`, in the same call: no window
 * between a check and the open), or stdout when there is no FILE.
 */
function openOutput(file: string | undefined, force: boolean): Output {
  if (file === undefined) return { stream: process.stdout, file };
  let fd: number;
  try {
    fd = openSync(file, force ? "w" : "wx");
  } catch (e) {
    const problem = openProblem(file, (e as NodeJS.ErrnoException).code);
    if (problem === undefined) throw e;
    throw new UsageError(problem);
  }
  return { stream: createWriteStream("", { fd }), file };
}

/**
 * Writes chunks to the output and ends a file, saying so on stderr. A closed stdout (`| head`) stops the writing
 * quietly (main drops its EPIPE errors): nothing more would be read. A file that fails mid-write
 * (a full disk) is a one-line error.
 */
async function writeAll(
  { stream: out, file }: Output,
  chunks: Iterable<string> | AsyncIterable<string>,
): Promise<void> {
  let failure: NodeJS.ErrnoException | undefined;
  const onError = (e: NodeJS.ErrnoException) => {
    failure ??= e;
  };
  out.on("error", onError);
  // Resolves on drain, close or error alike; `failure` says which.
  const settled = (event: string) =>
    new Promise<void>((resolve) => {
      const done = () => {
        out.off(event, done);
        out.off("close", done);
        out.off("error", done);
        resolve();
      };
      out.on(event, done);
      out.on("close", done);
      out.on("error", done);
    });
  try {
    for await (const chunk of chunks) {
      if (failure) break;
      if (!out.write(chunk)) await settled("drain");
    }
    if (file !== undefined && !failure) {
      const finished = settled("finish");
      out.end();
      await finished;
    }
  } finally {
    out.off("error", onError);
  }
  if (failure && file !== undefined)
    throw new HyperbayesError(
      "internal",
      `cannot write ${file}: ${failure.code === "ENOSPC" ? "no space left on the device" : (failure.code ?? failure.message)}`,
    );
  // Said on stderr, so a script that reads stdout still gets nothing there.
  if (file !== undefined) process.stderr.write(`wrote ${file}\n`);
}
