/**
 * The translation of raw store failures into one-line StorageErrors, on real failures: SQLite
 * filling its page budget (SQLITE_FULL), a real full file system (a small tmpfs, where this
 * machine lets us mount one), /dev/full (ENOSPC), pages overwritten under an open store, and a
 * PostgreSQL port nobody listens on.
 */
import { spawnSync } from "node:child_process";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { fileSystemError, HyperbayesError, isDiskFull, StorageError } from "../lib/errors";
import { recordFault } from "../lib/testing/ledger";
import { describePgUrl, storeError, translatingStore } from "./errors";
import { openPgStore } from "./pg";
import { openSqliteStore } from "./sqlite";
import type { Store } from "./store";
import { makeSpec } from "./testing/fixtures";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "hb-errors-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** What `f` threw or rejected with. */
async function failure(f: () => unknown): Promise<unknown> {
  try {
    await f();
  } catch (e) {
    return e;
  }
  throw new Error("expected a failure");
}

function expectOneLine(e: unknown, problem: StorageError["problem"], says: RegExp): StorageError {
  expect(e).toBeInstanceOf(StorageError);
  const error = e as StorageError;
  expect(error.problem, error.message).toBe(problem);
  expect(error.code).toBe("storage");
  expect(error.exitCode).toBe(1);
  expect(error.message).not.toContain("\n");
  expect(error.message).toMatch(says);
  return error;
}

describe("SQLite's own errors", () => {
  it("SQLITE_FULL: the disk holding HYPERBAYES_HOME is full, naming the file", async () => {
    const path = join(tempDir(), "small.db");
    const raw = new Database(path);
    raw.exec("CREATE TABLE t (x BLOB)");
    raw.pragma("max_page_count = 8");
    recordFault("SQLITE_FULL (page budget)");
    const e = await failure(() => {
      for (let i = 0; i < 100; i++) raw.prepare("INSERT INTO t VALUES (?)").run(Buffer.alloc(4000));
    });
    raw.close();
    expect((e as { code?: string }).code).toBe("SQLITE_FULL");
    const translated = storeError(e, { dialect: "sqlite", path });
    expectOneLine(
      translated,
      "disk_full",
      /^the disk holding HYPERBAYES_HOME is full \(SQLITE_FULL writing .*small\.db\): free some space/,
    );
    expect(isDiskFull(translated)).toBe(true);
    expect((translated as StorageError).cause).toBe(e);
  });

  it("SQLITE_CORRUPT while an export is under way: damaged, restore from a backup", async () => {
    const path = join(tempDir(), "x.db");
    const store = await openSqliteStore(path);
    const s = await store.createSearch(makeSpec());
    await store.createTrial(s.id, { number: 1, params: { lr: 0.1 } });
    const points = Array.from({ length: 5000 }, (_, step) => ({
      name: `metric-with-a-long-name-${step % 7}`,
      step,
      value: step / 3,
      time: new Date(1_700_000_000_000 + step),
    }));
    await store.addMetricPoints({ searchId: s.id, number: 1 }, points);
    await store.close();
    // Overwrite the middle of the file: metric points' pages, not the schema on page 1.
    const raw = new Database(path);
    const pages = raw.pragma("page_count", { simple: true }) as number;
    raw.close();
    const fd = openSync(path, "r+");
    for (let p = Math.floor(pages / 3); p < pages - 1; p++)
      writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, p * 4096);
    closeSync(fd);
    recordFault("pages overwritten under an export");
    const damaged = await openSqliteStore(path);
    const e = await failure(async () => {
      for await (const _ of damaged.exportMetricPoints(s.id, { batchSize: 100 })) {
        // read every batch
      }
    });
    await damaged.close();
    expectOneLine(
      e,
      "damaged",
      /^the database .*x\.db is damaged \(SQLITE_CORRUPT.*restore it from a backup/,
    );
  });

  it("passes everything else through untouched", async () => {
    const store = await openSqliteStore(join(tempDir(), "y.db"));
    const bug = new TypeError("a bug");
    expect(storeError(bug, { dialect: "sqlite", path: "/x" })).toBe(bug);
    const typed = new HyperbayesError("conflict", "already there");
    expect(storeError(typed, { dialect: "postgres", url: "postgres://h/db" })).toBe(typed);
    // A constraint is the store's own business (it turns it into its own errors), not the user's.
    const raw = new Database(":memory:");
    raw.exec("CREATE TABLE t (x UNIQUE); INSERT INTO t VALUES (1)");
    const unique = await failure(() => raw.exec("INSERT INTO t VALUES (1)"));
    expect(storeError(unique, { dialect: "sqlite", path: "/x" })).toBe(unique);
    await store.close();
  });
});

describe("the file system's errors", () => {
  it("ENOSPC (writing /dev/full) is a full disk, EACCES and EROFS say what to do", async () => {
    recordFault("ENOSPC writing a file");
    const e = await failure(() => writeFileSync("/dev/full", "x"));
    expect((e as { code?: string }).code).toBe("ENOSPC");
    const full = expectOneLine(
      fileSystemError(e, "trial 3's exit.json"),
      "disk_full",
      /^the disk holding HYPERBAYES_HOME is full \(ENOSPC writing trial 3's exit\.json\)/,
    );
    expect(full.cause).toBe(e);
    expect(storeError(e, { dialect: "sqlite", path: "/h/hyperbayes.db" })).toBeInstanceOf(
      StorageError,
    );
    expectOneLine(
      fileSystemError(Object.assign(new Error("x"), { code: "EROFS" }), "/h"),
      "read_only",
      /a read-only file system/,
    );
    expect(fileSystemError(new Error("no code"), "/h")).toBeUndefined();
    expect(fileSystemError(Object.assign(new Error("x"), { code: "EBADF" }), "/h")).toBeUndefined();
  });
});

/** A tmpfs of `kib` KiB at a fresh folder, or undefined where this machine allows no mount. */
function smallDisk(kib: number): { dir: string; unmount(): void } | undefined {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return undefined;
  const dir = tempDir();
  const r = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${kib}k`, "tmpfs", dir]);
  if (r.status !== 0) return undefined;
  return { dir, unmount: () => void spawnSync("umount", ["-l", dir]) };
}

const disk = smallDisk(512);
afterAll(() => disk?.unmount());

describe.skipIf(disk === undefined)("a real full disk (a 512 KiB tmpfs)", () => {
  it("every write is a one-line disk_full error; what was written stays readable", async () => {
    const home = join(disk!.dir, "home");
    mkdirSync(home);
    const store: Store = await openSqliteStore(join(home, "hyperbayes.db"));
    const s = await store.createSearch(makeSpec());
    await store.createTrial(s.id, { number: 1, params: { lr: 0.1 } });
    recordFault("disk full under the SQLite store");
    let written = 0;
    const e = await failure(async () => {
      for (let batch = 0; batch < 10_000; batch++) {
        const points = Array.from({ length: 200 }, (_, i) => ({
          name: "loss",
          step: batch * 200 + i,
          value: i,
          time: new Date(),
        }));
        written += await store.addMetricPoints({ searchId: s.id, number: 1 }, points);
      }
    });
    expect(written).toBeGreaterThan(0);
    expectOneLine(
      e,
      "disk_full",
      /^the disk holding HYPERBAYES_HOME is full \(SQLITE_FULL writing .*hyperbayes\.db\)/,
    );
    // A failed transaction wrote nothing: the points before it are all there.
    expect((await store.listMetricPoints(s.id)).length).toBe(written);
    expect((await store.getSearch(s.id))?.id).toBe(s.id);

    // A search or an event that does not fit is refused, never handed back as if stored: an
    // INSERT ... RETURNING commits only once it has run to its end.
    recordFault("disk full under createSearch and addEvent");
    const huge = makeSpec({ env: { BIG: "x".repeat(2_000_000) } });
    expectOneLine(await failure(() => store.createSearch(huge)), "disk_full", /SQLITE_FULL/);
    expectOneLine(
      await failure(() => store.addEvent(s.id, { kind: "note", message: "y".repeat(2_000_000) })),
      "disk_full",
      /SQLITE_FULL/,
    );
    expect((await store.listSearches()).map((x) => x.id)).toEqual([s.id]);
    expect(await store.listEvents(s.id)).toEqual([]);
    await store.close();
  }, 60_000);
});

describe("PostgreSQL, unreachable", () => {
  it("a refused connection names host and port, never the password", async () => {
    recordFault("PostgreSQL connection refused");
    const e = await failure(() => openPgStore("postgres://bob:hunter2@127.0.0.1:1/hb"));
    const error = expectOneLine(
      e,
      "unavailable",
      /^cannot reach the PostgreSQL server at 127\.0\.0\.1:1\/hb \(ECONNREFUSED\)/,
    );
    expect(error.message).not.toContain("hunter2");
  });

  it("a URL that is not a postgres:// URL is the user's mistake (exit 2)", async () => {
    const e = await failure(() => openPgStore("mysql://h/db"));
    expect((e as HyperbayesError).code).toBe("usage");
    expect((e as HyperbayesError).message).toMatch(/HYPERBAYES_DATABASE_URL must be a postgres/);
  });

  it("maps each SQLSTATE a user can act on, and leaves the rest to their callers", () => {
    // pg's errors as pg builds them (a DatabaseError carries the SQLSTATE in `code`); the real
    // refused connection and missing database are tried above and in pg.test.ts.
    const pgError = (code: string | undefined, message = "x") =>
      Object.assign(new Error(message), code === undefined ? {} : { code });
    const target = { dialect: "postgres", url: "postgres://u:pw@db:5432/hb" } as const;
    const cases: [string | undefined, string, StorageError["problem"], RegExp][] = [
      [
        "53100",
        "x",
        "disk_full",
        /^the disk of the PostgreSQL server at db:5432\/hb is full \(53100\)/,
      ],
      ["28P01", "x", "unavailable", /refused the login \(28P01\): check the user and password/],
      ["25006", "x", "read_only", /is read-only \(25006; a standby\?\)/],
      ["XX001", "x", "damaged", /is damaged \(XX001\): restore it from a backup/],
      ["57P01", "x", "unavailable", /is not taking connections now \(57P01\)/],
      ["08006", "x", "unavailable", /lost the connection .* \(08006\)/],
      [
        undefined,
        "Connection terminated unexpectedly",
        "unavailable",
        /lost the connection .*Connection terminated/,
      ],
    ];
    for (const [code, message, problem, says] of cases) {
      const error = expectOneLine(storeError(pgError(code, message), target), problem, says);
      expect(error.message).not.toContain("pw");
    }
    // A serialization failure or a constraint is the caller's to handle (retry, or its own error).
    for (const code of ["40001", "23505", "42P01"]) {
      const raw = pgError(code);
      expect(storeError(raw, target)).toBe(raw);
    }
  });

  it("names a server by host, port and database only", () => {
    expect(describePgUrl("postgres://u:p@db.example:6543/hb")).toBe("db.example:6543/hb");
    expect(describePgUrl("postgresql://u@localhost/hb?host=%2Ftmp%2Fsock")).toBe(
      "/tmp/sock:5432/hb",
    );
    expect(describePgUrl("::not a url::")).toBe("the server in HYPERBAYES_DATABASE_URL");
  });
});

describe("translatingStore", () => {
  it("leaves the store's own errors and results as they are", async () => {
    const inner = await openSqliteStore(join(tempDir(), "z.db"));
    const store = translatingStore(inner, { dialect: "sqlite", path: "/z" });
    expect(store.dialect).toBe("sqlite");
    await expect(store.getSearch(1)).resolves.toBeUndefined();
    await expect(store.requestStop(99, "stop")).rejects.toThrow(/search 99 does not exist/);
    await store.close();
  });
});
