/**
 * Where the checked-in migrations are: beside this module, whatever the working directory.
 * Next.js bundles server code elsewhere, where this module's URL no longer sits beside them; the
 * repository layout under the working directory is the fallback there. Also the one rule both
 * stores apply before migrating: a database that has migrations this version lacks is newer.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { StorageError } from "../lib/errors";

export function defaultMigrationsFolder(dialect: "sqlite" | "pg"): string {
  const beside = join(dirname(fileURLToPath(import.meta.url)), "migrations", dialect);
  if (existsSync(join(beside, "meta", "_journal.json"))) return beside;
  return resolve(process.cwd(), "db", "migrations", dialect);
}

/** The tables the migrations create; a database holding some of them is ours, damaged or not. */
export const STORE_TABLES = ["searches", "trials", "metric_points", "events"] as const;

/**
 * Refuses a database whose record of applied migrations (their `created_at`, drizzle's
 * bookkeeping) names one this version does not have: a newer Hyperbayes wrote it, and migrating
 * or using it could damage it. `where` names the file or server in the message.
 */
export function checkAppliedMigrations(
  applied: readonly number[],
  known: readonly { folderMillis: number }[],
  where: string,
): void {
  const ours = new Set(known.map((m) => m.folderMillis));
  if (applied.every((t) => ours.has(t))) return;
  const version =
    applied.length > known.length
      ? `schema ${applied.length} > ${known.length}`
      : "a schema this version does not know";
  throw new StorageError(
    "newer",
    `${where} was written by a newer Hyperbayes (${version}): upgrade Hyperbayes to open it; it was left as it is`,
  );
}
