/** `hyperbayes export ID` and `hyperbayes download-metrics ID`: a search's results as files. */

import { once } from "node:events";
import { createWriteStream, existsSync } from "node:fs";
import { UsageError } from "../lib/errors";
import { exportSearchCsv, exportSearchJson, metricsCsv } from "../lib/search/export";
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
    const text =
      format === "json"
        ? `${JSON.stringify(await exportSearchJson(store, id), null, 2)}\n`
        : await exportSearchCsv(store, id);
    await writeAll(values.output, [text], true);
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
    await writeAll(values.destination, metricsCsv(store, id), values.force === true);
    if (values.destination) process.stderr.write(`wrote ${values.destination}\n`);
    return 0;
  });
}

/** Writes chunks to FILE (refusing to overwrite unless `force`) or to stdout. */
async function writeAll(
  file: string | undefined,
  chunks: Iterable<string> | AsyncIterable<string>,
  force: boolean,
) {
  if (file !== undefined && !force && existsSync(file)) {
    throw new UsageError(`${file} exists; add -f to overwrite it`);
  }
  const out = file === undefined ? process.stdout : createWriteStream(file);
  for await (const chunk of chunks) {
    if (!out.write(chunk)) await once(out, "drain");
  }
  if (file !== undefined) {
    out.end();
    await once(out, "finish");
  }
}
