/**
 * drizzle-kit settings for the PostgreSQL migrations: `npm run db:generate` diffs
 * `schema.pg.ts` against the snapshots in `migrations/pg/meta` and writes the next SQL file.
 * Offline: it reads no database and fetches nothing.
 */
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema.pg.ts",
  out: "./db/migrations/pg",
});
