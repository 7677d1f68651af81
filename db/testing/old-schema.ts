/**
 * A migrations folder as an earlier version shipped it: the first `count` migrations of this
 * version's folder and a journal that lists only those. Opening a store on it builds the schema
 * (and the record of migrations) that version left, for tests that an old database migrates.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultMigrationsFolder } from "../migrations-folder";

interface Journal {
  entries: { idx: number; tag: string }[];
}

export function earlierMigrations(dialect: "sqlite" | "pg", count: number): string {
  const from = defaultMigrationsFolder(dialect);
  const journal = JSON.parse(readFileSync(join(from, "meta", "_journal.json"), "utf8")) as Journal;
  if (count >= journal.entries.length) {
    throw new Error(
      `${dialect} has only ${journal.entries.length} migrations, none after ${count}`,
    );
  }
  const to = mkdtempSync(join(tmpdir(), "hyperbayes-migrations-"));
  mkdirSync(join(to, "meta"));
  const kept = journal.entries.slice(0, count);
  for (const e of kept) {
    copyFileSync(join(from, `${e.tag}.sql`), join(to, `${e.tag}.sql`));
    const snapshot = `${String(e.idx).padStart(4, "0")}_snapshot.json`;
    copyFileSync(join(from, "meta", snapshot), join(to, "meta", snapshot));
  }
  writeFileSync(join(to, "meta", "_journal.json"), JSON.stringify({ ...journal, entries: kept }));
  return to;
}
