/**
 * Where the data lives and which store opens it: `HYPERBAYES_DATABASE_URL` selects PostgreSQL,
 * otherwise the SQLite file `hyperbayes.db` in the data directory `HYPERBAYES_HOME` (default
 * `./.hyperbayes`). The worker, the CLI and the console all open the store through `openStore`,
 * so they always agree on the database.
 */

import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Env, errnoCode, fileSystemError, StorageError } from "../lib/errors";
import { openSqliteStore } from "./sqlite";
import type { Store } from "./store";

export * from "./store";

/** Creates the data directory; a file in its place, or a folder we cannot write, is a StorageError. */
function makeHome(home: string): void {
  try {
    mkdirSync(home, { recursive: true });
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

/** The data directory, absolute: `HYPERBAYES_HOME`, else `./.hyperbayes` under the cwd. */
export function defaultHome(env: Env = process.env): string {
  const home = env.HYPERBAYES_HOME;
  return resolve(home !== undefined && home !== "" ? home : "./.hyperbayes");
}

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
  return openSqliteStore(join(home, DATABASE_FILE));
}

export { openSqliteStore, type SqliteStoreOptions } from "./sqlite";
