/** PostgreSQL store: not written yet. */
import { HyperbayesError } from "../lib/errors";
import type { Store } from "./store";

export async function openPgStore(_url: string): Promise<Store> {
  throw new HyperbayesError(
    "usage",
    "HYPERBAYES_DATABASE_URL is set, but this version only stores to SQLite: unset it",
  );
}
