/**
 * `hyperbayes list`: searches, newest first. Cells go through `printable` (a description may
 * hold terminal controls), the JSON through `printableJson` (the same value, safe to print).
 */

import { UsageError } from "../lib/errors";
import { countWhere, type SearchStatus, searchStatusSchema } from "../lib/search/status";
import { printable, printableJson } from "../lib/terminal-text";
import { numberFlag, parseFlags } from "./_args";
import { formatNumber, table, withStore } from "./_common";

const USAGE = `usage: hyperbayes list [--status STATUS[,STATUS...]] [--label TEXT] [--limit N] [--json]
  --status  only searches in these statuses: ${searchStatusSchema.options.join(", ")}
  --label   only searches given this label (--label when they were made), exactly
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(
    argv,
    {
      limit: { type: "string" },
      status: { type: "string", multiple: true },
      label: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const limit = numberFlag("--limit", values.limit, { int: true, min: 1, max: 10_000 }) ?? 50;
  const status = statusFlag(values.status);
  const label = values.label;
  if (label !== undefined && label.trim() === "") throw new UsageError("--label needs a label");
  const filtered = status !== undefined || label !== undefined;
  return withStore(async (store) => {
    const entries = await store.listSearches({
      limit,
      withUnreadable: true,
      ...(status ? { status } : {}),
      ...(label !== undefined ? { label: label.trim() } : {}),
    });
    if (values.json) {
      process.stdout.write(
        `${printableJson(
          JSON.stringify(
            entries.map((s) =>
              "unreadable" in s
                ? s
                : {
                    id: s.id,
                    kind: s.kind,
                    status: s.status,
                    description: s.description,
                    labels: s.spec.labels,
                    trials: s.trialCounts,
                    best: s.best,
                    createdAt: s.createdAt,
                  },
            ),
            null,
            2,
          ),
        )}\n`,
      );
      return 0;
    }
    if (entries.length === 0) {
      process.stdout.write(
        filtered
          ? "no search matches (hyperbayes list without --status and --label lists them all)\n"
          : "no searches yet; start one with hyperbayes bayesian --help\n",
      );
      return 0;
    }
    // A row this version cannot read is marked in its place; why, is said under the table.
    const rows = entries.map((s) => {
      if ("unreadable" in s) {
        const created = s.createdAt?.toISOString().slice(0, 16).replace("T", " ") ?? "-";
        return [String(s.id), "-", "unreadable", "-", "-", "-", created, "", ""];
      }
      const done = countWhere(s.trialCounts, (info) => info.final);
      return [
        String(s.id),
        s.kind,
        s.status,
        `${done}/${s.spec.numRuns}`,
        s.best ? formatNumber(s.best.value) : "-",
        s.spec.metric,
        s.createdAt.toISOString().slice(0, 16).replace("T", " "),
        s.spec.labels.join(","),
        (s.description ?? "").slice(0, 40),
      ].map(printable);
    });
    process.stdout.write(
      table(
        ["ID", "KIND", "STATUS", "TRIALS", "BEST", "METRIC", "CREATED", "LABELS", "DESCRIPTION"],
        rows,
      ),
    );
    for (const s of entries)
      if ("unreadable" in s) process.stderr.write(`unreadable: ${printable(s.unreadable)}\n`);
    return 0;
  });
}

/** `--status running,queued` (or the flag repeated) -> the statuses; a word it is not, named. */
function statusFlag(given: readonly string[] | undefined): SearchStatus[] | undefined {
  if (given === undefined) return undefined;
  const words = given.flatMap((g) => g.split(",")).map((w) => w.trim());
  return words.map((w) => {
    const r = searchStatusSchema.safeParse(w);
    if (!r.success)
      throw new UsageError(
        `--status ${JSON.stringify(w)} is not a status; one of ${searchStatusSchema.options.join(", ")}`,
      );
    return r.data;
  });
}
