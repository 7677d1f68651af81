/**
 * The console's store: one per server process, opened on first use and shared by every page,
 * route handler and server action (SQLite allows one writer; a pool of connections would only
 * queue on its lock). Kept on globalThis so Next.js module re-evaluation never opens a second.
 * Its data directory is the one the CLI handed this server (lib/home), not the server's cwd.
 */
import "server-only";
import { openStore, type Store } from "../../db";
import { defaultHome } from "../../lib/home";

const holder = globalThis as typeof globalThis & { __hyperbayesConsoleStore?: Promise<Store> };

export function getStore(): Promise<Store> {
  holder.__hyperbayesConsoleStore ??= openStore({ home: defaultHome() }).catch((e: unknown) => {
    // A failed open (bad HYPERBAYES_DATABASE_URL, unreadable file) is retried on the next request.
    holder.__hyperbayesConsoleStore = undefined;
    throw e;
  });
  return holder.__hyperbayesConsoleStore;
}
