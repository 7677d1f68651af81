/**
 * Damaged and foreign data, tried as a user meets it: the real `hyperbayes` command, from a
 * temporary directory with no HYPERBAYES_* variable but the ones a case sets, against database
 * files broken on purpose (cut short, header overwritten, a page of garbage, a newer schema, a
 * stranger's database, a folder in its place, a read-only home). Each must end with one line on
 * stderr and exit 1, and leave the file byte for byte as it was. A row this version cannot read
 * is flagged in `list`, and only `describe` of that search fails.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordFault } from "../lib/testing/ledger";
import { DATABASE_FILE } from "./index";
import { defaultMigrationsFolder } from "./migrations-folder";
import { openSqliteStore } from "./sqlite";
import { makeSpec } from "./testing/fixtures";
import { hyperbayes, type Run, tempDir, unprivileged } from "./testing/user-cli";

const canBeReadOnly = process.getuid?.() !== 0 || unprivileged !== undefined;

/** One line on stderr, no stack, nothing on stdout, exit 1; the line must match `says`. */
function expectOneLineFailure(run: Run, says: RegExp): void {
  const context = JSON.stringify(run);
  expect(run.code, context).toBe(1);
  expect(run.stdout, context).toBe("");
  expect(run.stderr.trimEnd().split("\n"), context).toHaveLength(1);
  expect(run.stderr, context).not.toMatch(/\n\s+at |Error:|node_modules/);
  expect(run.stderr, context).toMatch(says);
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

/** A home with a database of three searches (the second with two trials), made by the store. */
let template: string;
beforeAll(async () => {
  template = tempDir();
  const store = await openSqliteStore(join(template, DATABASE_FILE));
  for (const description of ["first", "second", "third"]) {
    const s = await store.createSearch(makeSpec({ description }));
    if (description === "second") {
      for (const number of [1, 2])
        await store.createTrial(s.id, { number, params: { lr: 0.01, units: 32, opt: "adam" } });
    }
  }
  await store.close();
});

function copyHome(): { home: string; file: string } {
  const home = tempDir();
  const file = join(home, DATABASE_FILE);
  copyFileSync(join(template, DATABASE_FILE), file);
  return { home, file };
}

function overwrite(file: string, at: number, bytes: Buffer): void {
  const fd = openSync(file, "r+");
  try {
    writeSync(fd, bytes, 0, bytes.length, at);
  } finally {
    closeSync(fd);
  }
}

/** Deterministic garbage (a fixed xorshift), so a failure replays. */
function garbage(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  let x = seed | 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function rootPage(file: string, table: string): number {
  // Not read-only: a read-only connection to a WAL file leaves its -wal and -shm behind.
  const raw = new Database(file);
  try {
    const row = raw.prepare("SELECT rootpage FROM sqlite_master WHERE name = ?").get(table) as {
      rootpage: number;
    };
    return row.rootpage;
  } finally {
    raw.close();
  }
}

const PAGE = 4096;

/** Each way a database file can be damaged or foreign, and what the one line must say. */
/** Migrations this version has: a database that records one more is a newer version's. */
const SQLITE_MIGRATIONS = (
  JSON.parse(
    readFileSync(join(defaultMigrationsFolder("sqlite"), "meta", "_journal.json"), "utf8"),
  ) as { entries: unknown[] }
).entries.length;

const DAMAGED: { name: string; damage: (file: string) => void; says: RegExp }[] = [
  {
    name: "cut to 1 byte",
    damage: (f) => truncateSync(f, 1),
    says: /hyperbayes\.db is damaged \(truncated.*restore it from a backup/,
  },
  {
    name: "cut to 60 bytes",
    damage: (f) => truncateSync(f, 60),
    says: /hyperbayes\.db is damaged .*restore it from a backup/,
  },
  {
    name: "cut to its first page",
    damage: (f) => truncateSync(f, PAGE),
    says: /hyperbayes\.db is damaged \(SQLITE_CORRUPT.*restore it from a backup/,
  },
  {
    name: "cut in half",
    damage: (f) => truncateSync(f, Math.floor(statSync(f).size / PAGE / 2) * PAGE),
    says: /hyperbayes\.db is damaged \(SQLITE_CORRUPT.*restore it from a backup/,
  },
  {
    name: "header overwritten",
    damage: (f) => overwrite(f, 0, garbage(100, 7)),
    says: /hyperbayes\.db is damaged \(not a database.*restore it from a backup/,
  },
  {
    name: "header kept, rest of page 1 overwritten",
    damage: (f) => overwrite(f, 100, garbage(PAGE - 100, 11)),
    says: /hyperbayes\.db is damaged \(SQLITE_(CORRUPT|NOTADB).*restore it from a backup/,
  },
  {
    name: "a page of garbage where the searches table starts",
    damage: (f) => overwrite(f, (rootPage(f, "searches") - 1) * PAGE, garbage(PAGE, 13)),
    says: /hyperbayes\.db is damaged \(SQLITE_CORRUPT.*restore it from a backup/,
  },
  {
    name: "a schema newer than this version's",
    damage: (f) => {
      const raw = new Database(f);
      raw
        .prepare("INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)")
        .run("from-the-future", 4_102_444_800_000);
      raw.close();
    },
    says: new RegExp(
      `hyperbayes\\.db was written by a newer Hyperbayes \\(schema ${SQLITE_MIGRATIONS + 1} > ${SQLITE_MIGRATIONS}\\): upgrade Hyperbayes`,
    ),
  },
  {
    name: "another program's SQLite database",
    damage: (f) => {
      rmSync(f);
      const raw = new Database(f);
      raw.exec("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)");
      raw.close();
    },
    says: /hyperbayes\.db is an SQLite database, but not a Hyperbayes one \(it has tables photos\): move it away/,
  },
  {
    name: "its migration record dropped",
    damage: (f) => {
      const raw = new Database(f);
      raw.exec("DROP TABLE __drizzle_migrations");
      raw.close();
    },
    says: /hyperbayes\.db is damaged \(its record of migrations is gone\)/,
  },
];

describe("a damaged or foreign database file", () => {
  for (const { name, damage, says } of DAMAGED) {
    it(`${name}: one line, exit 1, the file unchanged`, async () => {
      const { home, file } = copyHome();
      damage(file);
      recordFault(`damaged database: ${name}`);
      const hash = sha256(file);
      const files = readdirSync(home).sort();
      for (const args of [["list"], ["describe", "1"], ["resume", "1"]]) {
        expectOneLineFailure(await hyperbayes(args, { HYPERBAYES_HOME: home }), says);
        expect(sha256(file), args.join(" ")).toBe(hash);
        expect(readdirSync(home).sort(), args.join(" ")).toEqual(files);
      }
      const queued = await hyperbayes(
        [
          "random",
          "--param",
          "x=1,2",
          "-n",
          "1",
          "--metric",
          "loss",
          "--detach",
          "--",
          "echo",
          ":x:",
        ],
        { HYPERBAYES_HOME: home },
      );
      expectOneLineFailure(queued, says);
      expect(sha256(file)).toBe(hash);
    }, 60_000);
  }
});

describe("a data directory that cannot be used", () => {
  it("a folder where the database file belongs", async () => {
    const home = tempDir();
    mkdirSync(join(home, DATABASE_FILE));
    recordFault("database path is a folder");
    for (const args of [["list"], ["describe", "1"]]) {
      expectOneLineFailure(
        await hyperbayes(args, { HYPERBAYES_HOME: home }),
        /the database path .*hyperbayes\.db is a folder, not a database file: move it away/,
      );
    }
    expect(readdirSync(join(home, DATABASE_FILE))).toEqual([]);
  });

  it("a file where HYPERBAYES_HOME belongs, and a file in its path", async () => {
    const file = join(tempDir(), "home");
    writeFileSync(file, "not a folder\n");
    recordFault("HYPERBAYES_HOME is a file");
    expectOneLineFailure(
      await hyperbayes(["list"], { HYPERBAYES_HOME: file }),
      /HYPERBAYES_HOME \(.*\/home\) is a file, not a folder/,
    );
    expectOneLineFailure(
      await hyperbayes(["list"], { HYPERBAYES_HOME: join(file, "below") }),
      /HYPERBAYES_HOME \(.*\/home\/below\) is not a folder/,
    );
    expect(readFileSync(file, "utf8")).toBe("not a folder\n");
  });

  it.skipIf(!canBeReadOnly)(
    "a read-only home: one line naming it, the database unchanged",
    async () => {
      const { home, file } = copyHome();
      const fresh = tempDir();
      for (const dir of [home, fresh]) {
        if (unprivileged)
          spawnSync("chown", ["-R", `${unprivileged.uid}:${unprivileged.gid}`, dir]);
        chmodSync(dir, 0o555);
      }
      recordFault("read-only HYPERBAYES_HOME");
      const hash = sha256(file);
      for (const dir of [home, fresh]) {
        for (const args of [["list"], ["describe", "1"]]) {
          expectOneLineFailure(
            await hyperbayes(args, { HYPERBAYES_HOME: dir }, unprivileged),
            /HYPERBAYES_HOME \(.*\) is read-only \(SQLITE_[A-Z_]+\): .*make it writable, or set HYPERBAYES_HOME/,
          );
        }
      }
      expect(sha256(file)).toBe(hash);
      expect(readdirSync(fresh)).toEqual([]);
    },
    60_000,
  );

  it.skipIf(!canBeReadOnly)(
    "a read-only database file: reads work, a write says why",
    async () => {
      const { home, file } = copyHome();
      if (unprivileged) chownSync(home, unprivileged.uid, unprivileged.gid);
      if (unprivileged) chownSync(file, unprivileged.uid, unprivileged.gid);
      chmodSync(file, 0o444);
      recordFault("read-only database file");
      const hash = sha256(file);
      const list = await hyperbayes(["list"], { HYPERBAYES_HOME: home }, unprivileged);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toMatch(/second/);
      expectOneLineFailure(
        await hyperbayes(
          [
            "random",
            "--param",
            "x=1,2",
            "-n",
            "1",
            "--metric",
            "loss",
            "--detach",
            "--",
            "echo",
            ":x:",
          ],
          { HYPERBAYES_HOME: home },
          unprivileged,
        ),
        /cannot write the database .*hyperbayes\.db \(SQLITE_READONLY\): it is read-only/,
      );
      expect(sha256(file)).toBe(hash);
    },
    60_000,
  );
});

/** A tmpfs of `kib` KiB at a fresh folder, or undefined where this machine allows no mount. */
function smallDisk(kib: number): string | undefined {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return undefined;
  const dir = tempDir();
  if (spawnSync("mount", ["-t", "tmpfs", "-o", `size=${kib}k`, "tmpfs", dir]).status !== 0)
    return undefined;
  mounted.push(dir);
  return dir;
}
const mounted: string[] = [];
afterAll(() => {
  for (const dir of mounted.splice(0)) spawnSync("umount", ["-l", dir]);
});
const disk = smallDisk(1024);

/** Fills the disk at `dir` with a file of zeros, leaving about `leaveKib` KiB. */
function fill(dir: string, leaveKib: number): void {
  const free = statfsSync(dir);
  const bytes = Math.max(0, free.bavail * free.bsize - leaveKib * 1024);
  const fd = openSync(join(dir, "filler"), "w");
  try {
    const block = Buffer.alloc(64 * 1024);
    for (let left = bytes; left > 0; left -= block.length)
      writeSync(fd, block, 0, Math.min(block.length, left));
  } catch (e) {
    if ((e as { code?: string }).code !== "ENOSPC") throw e;
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(disk === undefined)("a full disk under HYPERBAYES_HOME (a 1 MiB tmpfs)", () => {
  const queue = (home: string, extra: string[] = []) =>
    hyperbayes(
      [
        "random",
        "--param",
        "x=1,2",
        "-n",
        "1",
        "--metric",
        "loss",
        "--detach",
        ...extra,
        "--",
        "echo",
        ":x:",
      ],
      { HYPERBAYES_HOME: home },
    );

  it("a write that no longer fits: one line, exit 1, what was stored is intact", async () => {
    const home = join(disk!, "a");
    mkdirSync(home);
    const first = await queue(home);
    expect(first.code, first.stderr).toBe(0);
    fill(disk!, 200);
    recordFault("disk full while a search is stored (SQLITE_FULL)");
    // Variables of 100 KiB each: a spec far larger than the room left.
    const big = ["A", "B", "C"].flatMap((k) => ["-e", `${k}=${"x".repeat(100_000)}`]);
    expectOneLineFailure(
      await queue(home, big),
      /^hyperbayes random: the disk holding HYPERBAYES_HOME is full \(SQLITE_FULL writing .*hyperbayes\.db\): free some space, then try again$/m,
    );
    const list = await hyperbayes(["list"], { HYPERBAYES_HOME: home });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.trimEnd().split("\n")).toHaveLength(2);
    rmSync(join(disk!, "filler"));
  }, 60_000);

  it("no room at all, not even to open: one line, exit 1", async () => {
    const home = join(disk!, "b");
    mkdirSync(home);
    expect((await queue(home)).code).toBe(0);
    fill(disk!, 0);
    recordFault("disk full before the store opens");
    for (const run of [await queue(home), await hyperbayes(["list"], { HYPERBAYES_HOME: home })]) {
      expectOneLineFailure(
        run,
        /the disk holding HYPERBAYES_HOME is full \(SQLITE_[A-Z_]+ writing .*hyperbayes\.db\)/,
      );
    }
    rmSync(join(disk!, "filler"));
  }, 60_000);
});

describe("a row written by a newer version", () => {
  it("is marked in list, and only describe of its search fails", async () => {
    const { home, file } = copyHome();
    const raw = new Database(file);
    const spec = JSON.parse(
      (raw.prepare("SELECT spec FROM searches WHERE id = 1").get() as { spec: string }).spec,
    );
    raw
      .prepare("UPDATE searches SET spec = ? WHERE id = 1")
      .run(JSON.stringify({ ...spec, kind: "tpe" }));
    // A trial status this version does not know, in search 2.
    raw.prepare("UPDATE trials SET status = 'paused' WHERE search_id = 2 AND number = 2").run();
    // A spec that is not JSON at all, in search 3.
    raw.prepare('UPDATE searches SET spec = \'{"kind": "bayes\' WHERE id = 3').run();
    raw.close();
    recordFault("searches row of a newer version (unknown kind)");
    recordFault("trials row of a newer version (unknown status)");
    recordFault("searches row whose spec is not JSON");
    const hash = sha256(file);

    const list = await hyperbayes(["list"], { HYPERBAYES_HOME: home });
    expect(list.code, list.stderr).toBe(0);
    const lines = list.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^\s*3\s+-\s+unreadable\s/);
    expect(lines[2]).toMatch(/^\s*2\s+bayesian\s+queued\s+.*second/);
    expect(lines[3]).toMatch(/^\s*1\s+-\s+unreadable\s/);
    expect(list.stderr).toMatch(
      /^unreadable: search 3 is damaged \(spec is not valid JSON: .*\): restore the database from a backup\nunreadable: search 1 was written by a newer Hyperbayes \(spec kind is "tpe", which this version does not know\): upgrade Hyperbayes to read it\n$/,
    );
    const json = await hyperbayes(["list", "--json"], { HYPERBAYES_HOME: home });
    const entries = JSON.parse(json.stdout) as { id: number; unreadable?: string }[];
    expect(entries.map((e) => [e.id, e.unreadable !== undefined])).toEqual([
      [3, true],
      [2, false],
      [1, true],
    ]);

    expectOneLineFailure(
      await hyperbayes(["describe", "1"], { HYPERBAYES_HOME: home }),
      /^hyperbayes describe: search 1 was written by a newer Hyperbayes \(spec kind is "tpe"/,
    );
    expectOneLineFailure(
      await hyperbayes(["describe", "2"], { HYPERBAYES_HOME: home }),
      /^hyperbayes describe: trial 2 of search 2 was written by a newer Hyperbayes \(status is "paused"/,
    );
    expectOneLineFailure(
      await hyperbayes(["describe", "3"], { HYPERBAYES_HOME: home }),
      /^hyperbayes describe: search 3 is damaged \(spec is not valid JSON/,
    );
    expect(sha256(file)).toBe(hash);
  }, 60_000);
});

describe("a PostgreSQL server that is not there", () => {
  it("one line naming host and port, never the password", async () => {
    recordFault("PostgreSQL connection refused");
    const run = await hyperbayes(["list"], {
      HYPERBAYES_HOME: tempDir(),
      HYPERBAYES_DATABASE_URL: "postgres://alice:s3cret-pw@127.0.0.1:1/hyperbayes",
    });
    expectOneLineFailure(
      run,
      /cannot reach the PostgreSQL server at 127\.0\.0\.1:1\/hyperbayes \(ECONNREFUSED\): is it running/,
    );
    expect(run.stderr).not.toContain("s3cret");
  });
});
