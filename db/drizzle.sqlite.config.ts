/**
 * drizzle-kit settings for the SQLite migrations: `npm run db:generate` diffs `schema.sqlite.ts`
 * against the snapshots in `migrations/sqlite/meta` and writes the next SQL file. Offline: it reads
 * no database and fetches nothing.
 */
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./db/schema.sqlite.ts",
  out: "./db/migrations/sqlite",
});
