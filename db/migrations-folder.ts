/**
 * Where the checked-in migrations are: beside this module, whatever the working directory.
 * Next.js bundles server code elsewhere, where this module's URL no longer sits beside them; the
 * repository layout under the working directory is the fallback there.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export function defaultMigrationsFolder(dialect: "sqlite" | "pg"): string {
  const beside = join(dirname(fileURLToPath(import.meta.url)), "migrations", dialect);
  if (existsSync(join(beside, "meta", "_journal.json"))) return beside;
  return resolve(process.cwd(), "db", "migrations", dialect);
}
