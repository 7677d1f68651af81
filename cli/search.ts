/** `hyperbayes bayesian|grid|random`: define a search with Spell's flags, then run or queue it. */
import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { UsageError } from "../lib/errors";
import { defaultMachineType, resolveMachineType } from "../lib/machines/types";
import { searchFileSchema } from "../lib/search/rerun";
import { MAX_SEED, type SearchKind } from "../lib/search/settings";
import { leaseTtlMs } from "../workers/lease";
import { newOwnerId, takeLease } from "../workers/worker";
import { withStore } from "./_common";
import { runInForeground } from "./_foreground";
import {
  parseSearchArgs,
  resolveSearch,
  type SearchBase,
  type SearchFlags,
  searchUsage,
} from "./_search-flags";

export async function run(kind: SearchKind, argv: string[]): Promise<number> {
  const flags = parseSearchArgs(kind, argv);
  if (flags.values.help) {
    process.stdout.write(searchUsage(kind));
    return 0;
  }
  const from = flags.values.from;
  return start(kind, flags, typeof from === "string" ? readSearchFile(from) : undefined);
}

/** Defines the search (from the flags, over `base` when given), then runs or queues it. */
export async function start(
  kind: SearchKind,
  flags: SearchFlags,
  base: SearchBase | undefined,
): Promise<number> {
  // Without -t: what the settings table says (machineType's `otherwise`), found on this machine.
  const typed = flags.values["machine-type"];
  const resolved = resolveSearch(kind, flags, {
    ...(base ? { base } : {}),
    randomSeed: () => randomInt(0, MAX_SEED),
    ...(typeof typed === "string" && typed.trim() !== ""
      ? {}
      : { machineType: await defaultMachineType() }),
  });
  const spec = resolved.spec;
  const machine = await resolveMachineType(spec.machineType);
  spec.machineType = machine.name;

  for (const w of resolved.warnings) process.stderr.write(`warning: ${w}\n`);
  const goalNote = resolved.goalInferred ? " (inferred from the name; --goal to change)" : "";
  return withStore(async (store) => {
    const owner = newOwnerId();
    const ttlMs = leaseTtlMs();
    const search = await store.createSearch(
      spec,
      resolved.detach ? {} : { status: "running", lease: { owner, ttlMs } },
    );
    process.stdout.write(
      `search ${search.id}: ${kind}, ${spec.numRuns} trial${spec.numRuns === 1 ? "" : "s"}, ${spec.parallelRuns} at once on ${machine.name}, ` +
        `${spec.goal} ${spec.metric} (${spec.metricAgg})${goalNote}, seed ${spec.seed}\n`,
    );
    if (resolved.detach) {
      process.stdout.write(
        `queued; a running worker picks it up (hyperbayes worker, or npm start)\n`,
      );
      return 0;
    }
    if (!(await takeLease(store, search, owner, ttlMs))) {
      process.stderr.write(`search ${search.id} was taken by another worker\n`);
      return 1;
    }
    return runInForeground(store, search, owner);
  });
}

/** The most a search file may hold: an export of 100,000 trials is well under it. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

/** `--from FILE`: the export's spec, or a one-line UsageError naming what is wrong with it. */
function readSearchFile(file: string): SearchBase {
  let text: string;
  try {
    const bytes = readFileSync(file);
    if (bytes.length > MAX_FILE_BYTES) throw new UsageError(`--from ${file}: larger than 256 MiB`);
    text = bytes.toString("utf8");
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a folder"
          : (code ?? "unreadable");
    throw new UsageError(`--from ${file}: cannot read it (${why})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(
      `--from ${file}: not JSON (${e instanceof Error ? e.message : String(e)}); give a file hyperbayes export ID --format json wrote`,
    );
  }
  const read = searchFileSchema.safeParse(json);
  if (!read.success) {
    const issue = read.error.issues[0];
    const path = issue?.path.map(String).join(".") || "the file";
    throw new UsageError(
      `--from ${file}: ${path}: ${issue?.message ?? "not an export"} (an export has search.spec)`,
    );
  }
  return { source: file, spec: read.data.search.spec, masked: true };
}
