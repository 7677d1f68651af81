/**
 * The store the e2e console uses (its HYPERBAYES_HOME, chosen by playwright.config.ts), for
 * tests that check what a page did or set up what the form cannot.
 */
import { openStore, type Store } from "../db";

export async function withStore<T>(f: (store: Store) => Promise<T>): Promise<T> {
  const home = process.env.HB_E2E_HOME;
  if (!home) throw new Error("HB_E2E_HOME is not set; run through playwright.config.ts");
  const store = await openStore({ home, databaseUrl: "" });
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}
