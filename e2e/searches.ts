/**
 * Searches for e2e tests to set up, defined as a user types them after `hyperbayes bayesian`
 * (the CLI's own parser, as `hyperbayes demo` does), and bounded waits on their progress.
 */
import { randomInt } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { parseSearchArgs, resolveSearch } from "../cli/_search-flags";
import type { Store } from "../db";
import type { SearchSpec } from "../lib/search/spec";
import { isFinalSearch } from "../lib/search/status";
import type { Search } from "../lib/search/types";

export function bayesianSpec(args: string[]): SearchSpec {
  return resolveSearch("bayesian", parseSearchArgs("bayesian", args), {
    randomSeed: () => randomInt(0, 2 ** 31 - 1),
  }).spec;
}

/** Polls the store until search `id` has ended (or `ms` pass: then throws, naming its status). */
export async function untilEnded(store: Store, id: number, ms = 90_000): Promise<Search> {
  const deadline = Date.now() + ms;
  for (;;) {
    const search = await store.getSearch(id);
    if (search && isFinalSearch(search.status)) return search;
    if (Date.now() > deadline)
      throw new Error(`search ${id} had not ended after ${ms} ms (it is ${search?.status})`);
    await sleep(250);
  }
}
