/**
 * Which store opens the data: `HYPERBAYES_DATABASE_URL` selects PostgreSQL, otherwise the SQLite
 * file `hyperbayes.db` in the data directory (lib/home's `defaultHome`: `HYPERBAYES_HOME`, else
 * `.hyperbayes` in the directory the command ran in). The worker, the CLI and the console all
 * open the store through `openStore`, so they always agree on the database.
 *
 * The data directory is private: it holds every log and the search's `-e KEY=VALUE` values, and
 * on a shared login node anyone could read a 0755 directory. It is created 0700 and the database
 * 0600 (created empty before SQLite opens it: SQLite gives its -wal and -shm files the
 * database's mode), without touching the process umask (a trial's own files are the user's
 * business). A home that already exists with wider modes is tightened when it is recognisably a
 * Hyperbayes home (it holds the database or `searches/`): it is ours, and an older version, or a
 * umask, left it open. A directory that holds neither (HYPERBAYES_HOME pointed at a folder of
 * the user's) keeps its mode: what Hyperbayes puts in it is private all the same.
 */

import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { join } from "node:path";
import { errnoCode, fileSystemError, StorageError } from "../lib/errors";
import { defaultHome } from "../lib/home";
import { openSqliteStore } from "./sqlite";
import type { Store } from "./store";

export * from "./store";

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/** Creates the data directory; a file in its place, or a folder we cannot write, is a StorageError. */
function makeHome(home: string): void {
  try {
    const created = mkdirSync(home, { recursive: true, mode: PRIVATE_DIR }) !== undefined;
    keepPrivate(home, created);
  } catch (e) {
    // mkdir says EEXIST for a file where the folder belongs.
    if (errnoCode(e) === "EEXIST") {
      throw new StorageError(
        "unavailable",
        `HYPERBAYES_HOME (${home}) is a file, not a folder: move it away, or set HYPERBAYES_HOME to a folder`,
        { cause: e },
      );
    }
    throw fileSystemError(e, `HYPERBAYES_HOME (${home})`) ?? e;
  }
}

export const DATABASE_FILE = "hyperbayes.db";

/** Tightens what is ours and wider than it should be. Never throws: a read-only or foreign
 * home is reported, if at all, by opening the store. */
function keepPrivate(home: string, created: boolean): void {
  const ours =
    created || existsSync(join(home, DATABASE_FILE)) || existsSync(join(home, "searches"));
  if (!ours) return;
  tighten(home, PRIVATE_DIR);
  tighten(join(home, "searches"), PRIVATE_DIR);
  for (const suffix of ["", "-wal", "-shm"])
    tighten(join(home, DATABASE_FILE + suffix), PRIVATE_FILE);
}

/** Takes away the bits outside `mode`, never adds any: a read-only home stays read-only. */
function tighten(path: string, mode: number): void {
  try {
    const st = statSync(path);
    const now = st.mode & 0o777;
    if ((now & ~mode) !== 0 && st.uid === process.getuid?.()) chmodSync(path, now & mode);
  } catch {
    // Missing, or not ours to change.
  }
}

/** Creates the database file empty and private, so SQLite (and its -wal, -shm) inherit 0600.
 * Never throws: a folder in its place or a read-only home is for openSqliteStore to report. */
function createDatabaseFile(path: string): void {
  try {
    closeSync(openSync(path, "a", PRIVATE_FILE));
  } catch {
    // EISDIR, EROFS, EACCES: the store's own checks say so, in the user's words.
  }
}

/** The data directory, absolute (lib/home). */
export { defaultHome };

export interface OpenStoreOptions {
  /** Default `defaultHome()`. Created when missing (trial logs live there too). */
  home?: string;
  /** Default `HYPERBAYES_DATABASE_URL`; when set, the store is PostgreSQL. */
  databaseUrl?: string;
}

export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const home = options.home ?? defaultHome();
  makeHome(home);
  const url = options.databaseUrl ?? process.env.HYPERBAYES_DATABASE_URL;
  if (url !== undefined && url !== "") {
    const { openPgStore } = await import("./pg");
    return openPgStore(url);
  }
  const path = join(home, DATABASE_FILE);
  createDatabaseFile(path);
  return openSqliteStore(path);
}

export { openSqliteStore, type SqliteStoreOptions } from "./sqlite";
