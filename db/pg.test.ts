import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readMigrationFiles } from "drizzle-orm/migrator";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { StorageError } from "../lib/errors";
import { searchStatusSchema, trialStatusSchema } from "../lib/search/status";
import { recordFault } from "../lib/testing/ledger";
import { openStore } from "./index";
import { defaultMigrationsFolder } from "./migrations-folder";
import { openPgStore } from "./pg";
import { runStoreContract } from "./store.contract";
import { raceChildren } from "./testing/children";
import { makeSpec } from "./testing/fixtures";
import { earlierMigrations } from "./testing/old-schema";
import { startPgServer } from "./testing/pg-server";

const server = await startPgServer();

if ("skipped" in server) {
  describe.skip(`store contract: postgres (${server.skipped})`, () => {
    it("needs a PostgreSQL server", () => {});
  });
} else {
  afterAll(() => server.stop());

  // One database for the contract, emptied before each test: creating a database per test costs
  // far more than the tests themselves.
  const shared = await server.createDatabase();
  afterAll(() => shared.drop());
  {
    // Statuses are enum types here, so a status this version does not know (the contract's
    // 'paused') can only be in a row once a newer Hyperbayes has migrated the shared database
    // while this one keeps running: its migration adds the value, as this does.
    const admin = new pg.Client({ connectionString: shared.url });
    await (await openPgStore(shared.url)).close();
    await admin.connect();
    for (const type of ["search_status", "trial_status"]) {
      await admin.query(`ALTER TYPE ${type} ADD VALUE IF NOT EXISTS 'paused'`);
    }
    await admin.end();
  }

  runStoreContract("postgres", async (clock) => {
    const home = mkdtempSync(join(tmpdir(), "hyperbayes-db-"));
    const opened: { close(): Promise<void> }[] = [];
    const open = async () => {
      const s = await openPgStore(shared.url, clock);
      opened.push(s);
      return s;
    };
    const store = await open();
    const admin = new pg.Client({ connectionString: shared.url });
    await admin.connect();
    await admin.query("TRUNCATE searches, trials, metric_points, events RESTART IDENTITY CASCADE");
    await admin.end();
    return {
      store,
      openAnother: open,
      childEnv: { HYPERBAYES_HOME: home, HYPERBAYES_DATABASE_URL: shared.url },
      sql: async (statement) => {
        const client = new pg.Client({ connectionString: shared.url });
        await client.connect();
        try {
          return (await client.query(statement)).rows as Record<string, unknown>[];
        } finally {
          await client.end();
        }
      },
      cleanup: async () => {
        for (const s of opened) await s.close();
        rmSync(home, { recursive: true, force: true });
      },
    };
  });

  describe("postgres data this version must not touch", () => {
    /** Everything a refused open could have changed: tables, the migration record, the rows. */
    async function snapshot(url: string): Promise<string> {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        const { rows } = await c.query(`
          SELECT
            (SELECT string_agg(n.nspname || '.' || c.relname, ',' ORDER BY 1) FROM pg_class c
               JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')) AS tables,
            (SELECT string_agg(hash || ':' || created_at, ',' ORDER BY created_at)
               FROM drizzle.__drizzle_migrations) AS migrations,
            (SELECT md5(string_agg(s::text, ',' ORDER BY id)) FROM searches s) AS searches`);
        return JSON.stringify(rows[0]);
      } finally {
        await c.end();
      }
    }

    async function sql(url: string, statement: string): Promise<void> {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(statement);
      await c.end();
    }

    it("refuses a schema newer than this version's migrations, and changes nothing", async () => {
      const db = await server.createDatabase();
      try {
        const store = await openPgStore(db.url);
        await store.createSearch(makeSpec());
        await store.close();
        await sql(
          db.url,
          "INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('from-the-future', 4102444800000)",
        );
        recordFault("PostgreSQL schema newer than this version");
        const before = await snapshot(db.url);
        const e = await openPgStore(db.url).then(
          () => undefined,
          (x: unknown) => x,
        );
        expect(e).toBeInstanceOf(StorageError);
        expect((e as StorageError).problem).toBe("newer");
        const known = readMigrationFiles({
          migrationsFolder: defaultMigrationsFolder("pg"),
        }).length;
        expect((e as StorageError).message).toMatch(
          new RegExp(
            `^the PostgreSQL database .* was written by a newer Hyperbayes \\(schema ${known + 1} > ${known}\\): upgrade Hyperbayes`,
          ),
        );
        expect(await snapshot(db.url)).toBe(before);
      } finally {
        await db.drop();
      }
    }, 60_000);

    it("refuses tables by its names that it has no record of creating", async () => {
      const db = await server.createDatabase();
      try {
        await sql(db.url, "CREATE TABLE searches (id int, owner text)");
        recordFault("PostgreSQL database with a stranger's searches table");
        const before = await snapshot(db.url).catch(() => "no migration record");
        const e = await openPgStore(db.url).then(
          () => undefined,
          (x: unknown) => x,
        );
        expect((e as StorageError).problem).toBe("foreign");
        expect((e as StorageError).message).toMatch(/already has tables named searches/);
        expect(await snapshot(db.url).catch(() => "no migration record")).toBe(before);
      } finally {
        await db.drop();
      }
    }, 60_000);

    it("names a database that does not exist on its server", async () => {
      const db = await server.createDatabase();
      const missing = new URL(db.url);
      missing.pathname = "/no_such_database";
      await db.drop();
      recordFault("PostgreSQL database missing");
      const e = await openPgStore(missing.toString()).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect((e as StorageError).problem).toBe("unavailable");
      expect((e as StorageError).message).toMatch(
        /^the database .*\/no_such_database does not exist on its server \(3D000\)/,
      );
    }, 60_000);
  });

  describe("postgres store setup", () => {
    it("is what openStore opens when a database URL is set", async () => {
      const db = await server.createDatabase();
      const home = mkdtempSync(join(tmpdir(), "hyperbayes-db-"));
      try {
        const store = await openStore({ home, databaseUrl: db.url });
        expect(store.dialect).toBe("postgres");
        await store.close();
      } finally {
        await db.drop();
        rmSync(home, { recursive: true, force: true });
      }
    });

    it("migrates a database the previous version made (text statuses) to enum types, rows intact", async () => {
      const db = await server.createDatabase();
      const folder = earlierMigrations("pg", 1);
      try {
        const columnTypes = async () => {
          const c = new pg.Client({ connectionString: db.url });
          await c.connect();
          const { rows } = await c.query(
            `SELECT table_name || '.' || column_name AS col, udt_name FROM information_schema.columns
              WHERE table_schema = current_schema() AND column_name IN ('status', 'stop_requested')
              ORDER BY 1`,
          );
          await c.end();
          return Object.fromEntries(rows.map((r) => [r.col, r.udt_name]));
        };
        // The previous version's schema and record of migrations, with searches in every state
        // its rules could leave them in.
        // Today's code writes the rows; the columns later migrations add (read from a database
        // today's migrations made) are there only while it does, holding their defaults, and
        // dropped before the upgrade, as the previous version left its tables.
        const query = async (url: string, sql: string) => {
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          try {
            return (await c.query(sql)).rows;
          } finally {
            await c.end();
          }
        };
        const columnsSql = `SELECT table_name AS t, column_name AS c, data_type AS type,
            column_default AS def FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name IN ('searches', 'trials')`;
        const current = await server.createDatabase();
        await (await openPgStore(current.url)).close();
        const old = await openPgStore(db.url, { migrationsFolder: folder });
        const had = new Set((await query(db.url, columnsSql)).map((r) => `${r.t}.${r.c}`));
        const later = (await query(current.url, columnsSql)).filter(
          (r) => !had.has(`${r.t}.${r.c}`),
        );
        const alter = (clause: (r: (typeof later)[number]) => string) =>
          later.map((r) => `ALTER TABLE ${r.t} ${clause(r)};`).join("\n");
        await query(
          db.url,
          alter(
            (r) =>
              `ADD COLUMN ${r.c} ${r.type === "USER-DEFINED" ? "text" : r.type}${r.def ? ` DEFAULT ${r.def}` : ""}`,
          ),
        );
        const ids: number[] = [];
        for (const status of searchStatusSchema.options) {
          const s = await old.createSearch(makeSpec({ goal: "minimize" }));
          if (status !== "queued") await old.updateSearch(s.id, { status });
          ids.push(s.id);
        }
        const running = ids[1]!;
        await old.acquireLease(running, "w1", 60_000);
        await old.requestStop(running, "kill");
        // 'pruned' came after that version (migration 0003): none of its rows hold it.
        const earlierStatuses = trialStatusSchema.options.filter((s) => s !== "pruned");
        for (const [number, status] of earlierStatuses.entries()) {
          await old.createTrial(running, { number: number + 1, params: { lr: 0.1 } });
          await old.updateTrial(running, number + 1, { status, value: 10 - number });
        }
        const before = await Promise.all(ids.map((id) => old.getSearch(id)));
        const trialsBefore = await old.listTrials(running);
        await old.close();
        await query(
          db.url,
          alter((r) => `DROP COLUMN ${r.c}`),
        );
        expect(await columnTypes()).toEqual({
          "searches.status": "text",
          "searches.stop_requested": "text",
          "trials.status": "text",
        });

        const store = await openPgStore(db.url);
        try {
          expect(await columnTypes()).toEqual({
            "searches.status": "search_status",
            "searches.stop_requested": "stop_request",
            "trials.status": "trial_status",
          });
          expect(await Promise.all(ids.map((id) => store.getSearch(id)))).toEqual(before);
          expect(await store.listTrials(running)).toEqual(trialsBefore);
          expect((await store.getSearch(running))?.best).toEqual({ trialNumber: 3, value: 8 });
          // And it goes on: the killed search's worker ends it; claims resume the unleased
          // stopping search, then start the old queued one, then a new one.
          await store.updateSearch(running, { status: "killed" }, { leaseOwner: "w1" });
          const fresh = await store.createSearch(makeSpec());
          for (const id of [ids[2], ids[0], fresh.id]) {
            expect((await store.claimNextQueuedSearch("w2", 60_000))?.id).toBe(id);
          }
          expect(await store.claimNextQueuedSearch("w2", 60_000)).toBeUndefined();
        } finally {
          await store.close();
        }
      } finally {
        rmSync(folder, { recursive: true, force: true });
        await db.drop();
      }
    }, 60_000);

    it("lets several processes open a fresh database at once", async () => {
      const db = await server.createDatabase();
      const home = mkdtempSync(join(tmpdir(), "hyperbayes-db-"));
      try {
        const ids = (await raceChildren(
          { env: { HYPERBAYES_HOME: home, HYPERBAYES_DATABASE_URL: db.url } },
          [
            { op: "open-and-create-search" },
            { op: "open-and-create-search" },
            { op: "open-and-create-search" },
          ],
        )) as number[];
        expect(new Set(ids).size).toBe(3);
      } finally {
        await db.drop();
        rmSync(home, { recursive: true, force: true });
      }
    }, 60_000);
  });
}
