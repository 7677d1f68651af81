import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "./index";
import { openPgStore } from "./pg";
import { runStoreContract } from "./store.contract";
import { raceChildren } from "./testing/children";
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

  runStoreContract("postgres", async () => {
    const home = mkdtempSync(join(tmpdir(), "hyperbayes-db-"));
    const opened: { close(): Promise<void> }[] = [];
    const open = async () => {
      const s = await openPgStore(shared.url);
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
      cleanup: async () => {
        for (const s of opened) await s.close();
        rmSync(home, { recursive: true, force: true });
      },
    };
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
