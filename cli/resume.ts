/** `hyperbayes resume ID`: take over a search whose worker died, adopt its trials, finish it. */
import { isFinalSearch } from "../lib/search/status";
import { newOwnerId, takeLease } from "../workers/worker";
import { getSearchOrFail, withSearchId, withStore } from "./_common";
import { runInForeground } from "./_foreground";

const USAGE =
  "usage: hyperbayes resume ID\n  finishes a search whose worker stopped (crash, Ctrl-C of a foreground run, reboot)\n";

export async function run(argv: string[]): Promise<number> {
  return withSearchId(argv, USAGE, (id) =>
    withStore(async (store) => {
      let search = await getSearchOrFail(store, id);
      if (isFinalSearch(search.status)) {
        process.stderr.write(`search ${id} has already ended (${search.status})\n`);
        return 1;
      }
      const owner = newOwnerId();
      if (!(await takeLease(store, search, owner))) {
        const holder = search.lease?.owner ?? "another worker";
        process.stderr.write(
          `search ${id} is being run by ${holder} (lease until ${search.lease?.expiresAt.toISOString() ?? "?"}); ` +
            "stop that worker first, or wait for its lease to expire\n",
        );
        return 1;
      }
      if (search.status === "queued") {
        search = await store.updateSearch(
          id,
          { status: "running", startedAt: new Date() },
          { leaseOwner: owner },
        );
      }
      process.stdout.write(`search ${id}: resuming\n`);
      return runInForeground(store, search, owner);
    }),
  );
}
