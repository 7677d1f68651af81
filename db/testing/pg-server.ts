/**
 * A PostgreSQL server for the store tests: `HYPERBAYES_TEST_DATABASE_URL` when set (a server the
 * caller runs; each test gets its own database on it), otherwise a throwaway cluster started
 * from the local PostgreSQL binaries in a temp directory, listening only on a Unix socket there.
 * Undefined when neither is available: the PostgreSQL tests then skip and say why.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export interface PgServer {
  /** A fresh, empty database on the server. */
  createDatabase(): Promise<{ url: string; drop(): Promise<void> }>;
  /**
   * For tests of a database outage (the throwaway cluster only; undefined for a server the caller
   * runs): `down` stops the server at once, as a crash or a restart would, keeping its data;
   * `up` starts it again on the same data directory and socket.
   */
  outage?: { down(): void; up(): void };
  stop(): Promise<void>;
}

function findBinDir(): string | undefined {
  const fromConfig = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  const candidates = [fromConfig.status === 0 ? fromConfig.stdout.trim() : ""];
  if (existsSync("/usr/lib/postgresql")) {
    for (const v of readdirSync("/usr/lib/postgresql").sort().reverse()) {
      candidates.push(join("/usr/lib/postgresql", v, "bin"));
    }
  }
  return candidates.find((d) => d !== "" && existsSync(join(d, "initdb")));
}

/** PostgreSQL refuses to run as root; as root, run its tools as the `postgres` user. */
function asServerUser(): { prefix: string[]; uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const id = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  if (id.status !== 0) throw new Error("running as root and there is no postgres user");
  return {
    prefix: ["runuser", "-u", "postgres", "--"],
    uid: Number(id.stdout.trim()),
    gid: Number(gid.stdout.trim()),
  };
}

function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function serverOn(
  adminUrl: string,
  stop: () => Promise<void>,
  outage?: PgServer["outage"],
): PgServer {
  let n = 0;
  return {
    ...(outage ? { outage } : {}),
    async createDatabase() {
      const name = `hb_test_${process.pid}_${Date.now().toString(36)}_${n++}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${name}"`);
      await admin.end();
      return {
        url: withDatabase(adminUrl, name),
        async drop() {
          const c = new pg.Client({ connectionString: adminUrl });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
          await c.end();
        },
      };
    },
    stop,
  };
}

export async function startPgServer(): Promise<PgServer | { skipped: string }> {
  const given = process.env.HYPERBAYES_TEST_DATABASE_URL;
  if (given) return serverOn(given, async () => {});
  const bin = findBinDir();
  if (bin === undefined) {
    return { skipped: "no PostgreSQL binaries (initdb) and no HYPERBAYES_TEST_DATABASE_URL" };
  }
  const user = asServerUser();
  const dir = mkdtempSync(join(tmpdir(), "hyperbayes-pg-"));
  if (user.uid !== undefined && user.gid !== undefined) chownSync(dir, user.uid, user.gid);
  const data = join(dir, "data");
  const run = (tool: string, args: string[]) => {
    const [cmd, ...rest] = [...user.prefix, join(bin, tool), ...args];
    execFileSync(cmd!, rest, { stdio: ["ignore", "ignore", "pipe"] });
  };
  const start = () =>
    run("pg_ctl", [
      "-D",
      data,
      "-l",
      join(dir, "server.log"),
      "-w",
      "-o",
      `-k ${dir} -c listen_addresses='' -c fsync=off -c max_connections=200`,
      "start",
    ]);
  try {
    run("initdb", ["-D", data, "-U", "hyperbayes", "--auth=trust", "-E", "UTF8", "--no-sync"]);
    start();
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return { skipped: `could not start a PostgreSQL server: ${(e as Error).message}` };
  }
  const adminUrl = `postgresql://hyperbayes@localhost/postgres?host=${encodeURIComponent(dir)}`;
  let running = true;
  const down = () => {
    run("pg_ctl", ["-D", data, "-m", "immediate", "stop"]);
    running = false;
  };
  const up = () => {
    start();
    running = true;
  };
  return serverOn(
    adminUrl,
    async () => {
      try {
        if (running) down();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { down, up },
  );
}
