import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { DATABASE_FILE, defaultHome, openStore } from "./index";
import { openSqliteStore } from "./sqlite";
import { runStoreContract } from "./store.contract";
import { raceChildren } from "./testing/children";
import { makeSpec } from "./testing/fixtures";

const tempDirs: string[] = [];
function tempHome(): string {
  const dir = mkdtempSync(join(tmpdir(), "hyperbayes-db-"));
  tempDirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

runStoreContract("sqlite", async (clock) => {
  const home = mkdtempSync(join(tmpdir(), "hyperbayes-db-"));
  const file = join(home, DATABASE_FILE);
  return {
    store: await openSqliteStore(file, clock),
    openAnother: () => openSqliteStore(file, clock),
    childEnv: { HYPERBAYES_HOME: home, HYPERBAYES_DATABASE_URL: "" },
    sql: async (statement) => {
      const raw = new Database(file);
      try {
        const stmt = raw.prepare(statement);
        if (stmt.reader) return stmt.all() as Record<string, unknown>[];
        stmt.run();
        return [];
      } finally {
        raw.close();
      }
    },
    cleanup: async () => rmSync(home, { recursive: true, force: true }),
  };
});

describe("sqlite store setup", () => {
  it("opens the file in WAL mode with foreign keys and a busy timeout", async () => {
    const file = join(tempHome(), "x.db");
    const store = await openSqliteStore(file);
    await store.close();
    const raw = new Database(file);
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    const tables = raw
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => (r as { name: string }).name);
    expect(tables).toEqual(
      expect.arrayContaining([
        "__drizzle_migrations",
        "events",
        "metric_points",
        "searches",
        "trials",
      ]),
    );
    const applied = raw.prepare("SELECT count(*) AS n FROM __drizzle_migrations").get() as {
      n: number;
    };
    raw.close();
    // Reopening applies nothing twice.
    await (await openSqliteStore(file)).close();
    const again = new Database(file);
    expect(again.prepare("SELECT count(*) AS n FROM __drizzle_migrations").get()).toEqual(applied);
    again.close();
  });

  it("lets several processes open a fresh file at once, from another working directory", async () => {
    const home = tempHome();
    const elsewhere = tempHome();
    const ids = (await raceChildren(
      { env: { HYPERBAYES_HOME: home, HYPERBAYES_DATABASE_URL: "" }, cwd: elsewhere },
      [
        { op: "open-and-create-search" },
        { op: "open-and-create-search" },
        { op: "open-and-create-search" },
      ],
    )) as number[];
    expect(new Set(ids).size).toBe(3);
    expect(existsSync(join(home, DATABASE_FILE))).toBe(true);
    expect(existsSync(join(elsewhere, "db"))).toBe(false);
    const store = await openSqliteStore(join(home, DATABASE_FILE));
    expect(await store.countSearches()).toBe(3);
    await store.close();
  }, 60_000);

  it("waits for another process's write lock instead of failing", async () => {
    const file = join(tempHome(), "x.db");
    const store = await openSqliteStore(file);
    const s = await store.createSearch(makeSpec());
    // Another process takes the write lock and says so; told to go, it keeps the lock a moment
    // longer (we are waiting on it by then), commits, and says when. Nothing here depends on how
    // long that moment is: our write must end after the holder's commit, however late that was.
    const holder = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import Database from "better-sqlite3";
         const db = new Database(process.argv[1]);
         db.exec("BEGIN IMMEDIATE");
         process.stdout.write("locked\\n");
         process.stdin.once("data", () => setTimeout(() => {
           db.exec("COMMIT");
           process.stdout.write("released " + Date.now() + "\\n");
           db.close();
         }, 300));`,
        file,
      ],
      { cwd: process.cwd(), stdio: ["pipe", "pipe", "inherit"] },
    );
    const lines = createInterface({ input: holder.stdout });
    const said = (prefix: string) =>
      new Promise<string>((resolve) =>
        lines.on("line", (l) => {
          if (l.startsWith(prefix)) resolve(l);
        }),
      );
    const released = said("released ");
    await said("locked");
    await new Promise<void>((resolve) => holder.stdin.end("go\n", () => resolve()));
    await store.addEvent(s.id, { kind: "x", message: "written after the lock" });
    const wroteAt = Date.now();
    expect(wroteAt).toBeGreaterThanOrEqual(Number((await released).split(" ")[1]));
    expect((await store.listEvents(s.id)).map((e) => e.message)).toEqual([
      "written after the lock",
    ]);
    await new Promise((resolve) => holder.once("close", resolve));

    // With a tiny timeout the same situation fails with SQLite's "locked" error.
    const impatient = await openSqliteStore(file, { busyTimeoutMs: 20 });
    const blocker = new Database(file);
    blocker.exec("BEGIN IMMEDIATE");
    await expect(impatient.addEvent(s.id, { kind: "x", message: "y" })).rejects.toThrow(/locked/);
    blocker.exec("ROLLBACK");
    blocker.close();
    await impatient.close();
    await store.close();
  });
});

describe("openStore", () => {
  it("resolves the home from HYPERBAYES_HOME, else ./.hyperbayes, to an absolute path", () => {
    expect(defaultHome({ HYPERBAYES_HOME: "rel/dir" })).toBe(join(process.cwd(), "rel/dir"));
    expect(defaultHome({})).toBe(join(process.cwd(), ".hyperbayes"));
    expect(defaultHome({ HYPERBAYES_HOME: "" })).toBe(join(process.cwd(), ".hyperbayes"));
  });

  it("creates the home directory and the database in it", async () => {
    const home = join(tempHome(), "nested", "home");
    const store = await openStore({ home, databaseUrl: "" });
    expect(store.dialect).toBe("sqlite");
    expect(existsSync(join(home, DATABASE_FILE))).toBe(true);
    await store.close();
  });
});

describe("the console's poll on a running search of 10,000 trials", () => {
  it("reads only the changed trials, through the index trials_search_seq", async () => {
    const home = tempHome();
    const file = join(home, DATABASE_FILE);
    const store = await openSqliteStore(file);
    try {
      const s = await store.createSearch(makeSpec(), { status: "running" });
      for (let n = 1; n <= 10_000; n++) {
        await store.createTrial(s.id, { number: n, params: { lr: n / 10_000 }, status: "running" });
      }
      const { cursor } = await store.listTrialChanges(s.id, 0);
      await store.updateTrial(s.id, 17, { status: "complete", value: 0.5 });
      await store.updateTrial(s.id, 9_999, { status: "failed" });
      await store.createTrial(s.id, { number: 10_001, params: { lr: 1 } });
      const answer = await store.listTrialChanges(s.id, cursor);
      expect(answer.trials.map((t) => t.number)).toEqual([17, 9_999, 10_001]);
      expect(answer.cursor).toBe(cursor + 3);
      // The cost: SQLite searches the index for the cursor's range, it does not scan the trials.
      const raw = new Database(file, { readonly: true });
      try {
        const plan = raw
          .prepare("EXPLAIN QUERY PLAN SELECT * FROM trials WHERE search_id = ? AND seq > ?")
          .all(s.id, cursor) as { detail: string }[];
        expect(plan.map((p) => p.detail).join("\n")).toMatch(
          /SEARCH trials USING INDEX trials_search_seq \(search_id=\? AND seq>\?\)/,
        );
      } finally {
        raw.close();
      }
    } finally {
      await store.close();
    }
  }, 120_000);
});
