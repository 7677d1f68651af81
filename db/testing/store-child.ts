/**
 * A second process for the store tests (started by `children.ts`): opens the store the way the CLI and the worker do
 * (`openStore()`, from the environment the test passes), says `ready`, waits for `go` on stdin so
 * that several children start their writes at the same moment, runs one operation and prints its
 * result as one JSON line.
 *
 *   node bin/run-ts.mjs db/testing/store-child.ts '{"op":"claim-all","owner":"w1","ttlMs":60000}'
 */
import { createInterface } from "node:readline";
import { openStore } from "../index";
import { TrialNumberTakenError } from "../store";
import type { ChildCommand } from "./children";
import { makeSpec } from "./fixtures";

const command = JSON.parse(process.argv[2] ?? "{}") as ChildCommand;
let store = command.op === "open-and-create-search" ? undefined : await openStore();
process.stdout.write("ready\n");
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line.trim() === "go") break;
lines.close();
store ??= await openStore();

let result: unknown;
switch (command.op) {
  case "claim-all": {
    const claimed: number[] = [];
    for (;;) {
      const s = await store.claimNextQueuedSearch(command.owner, command.ttlMs);
      if (s === undefined) break;
      claimed.push(s.id);
    }
    result = claimed;
    break;
  }
  case "create-trials": {
    const won: number[] = [];
    for (const number of command.numbers) {
      try {
        await store.createTrial(command.searchId, { number, params: { lr: 0.1 } });
        won.push(number);
      } catch (e) {
        if (!(e instanceof TrialNumberTakenError)) throw e;
      }
    }
    result = won;
    break;
  }
  case "acquire":
    result = await store.acquireLease(command.searchId, command.owner, command.ttlMs);
    break;
  case "create-search-and-trial": {
    const search = await store.createSearch(makeSpec({ description: "from a child" }));
    await store.createTrial(search.id, { number: 1, params: { lr: 0.5 }, status: "running" });
    await store.addMetricPoints({ searchId: search.id, number: 1 }, [
      { name: "loss", step: 0, value: 0.25, time: new Date() },
    ]);
    result = search.id;
    break;
  }
  case "open-and-create-search":
    result = (await store.createSearch(makeSpec())).id;
    break;
}
process.stdout.write(`${JSON.stringify(result)}\n`);
await store.close();
