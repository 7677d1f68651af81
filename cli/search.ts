/** `hyperbayes bayesian|grid|random`: define a search with Spell's flags, then run or queue it. */
import { randomInt } from "node:crypto";
import { defaultMachineType, resolveMachineType } from "../lib/machines/types";
import { MAX_SEED, type SearchKind } from "../lib/search/settings";
import { leaseTtlMs } from "../workers/lease";
import { newOwnerId, takeLease } from "../workers/worker";
import { withStore } from "./_common";
import { runInForeground } from "./_foreground";
import { parseSearchArgs, resolveSearch, searchUsage } from "./_search-flags";

export async function run(kind: SearchKind, argv: string[]): Promise<number> {
  const flags = parseSearchArgs(kind, argv);
  if (flags.values.help) {
    process.stdout.write(searchUsage(kind));
    return 0;
  }
  // Without -t: what the settings table says (machineType's `otherwise`), found on this machine.
  const typed = flags.values["machine-type"];
  const resolved = resolveSearch(kind, flags, {
    randomSeed: () => randomInt(0, MAX_SEED),
    ...(typeof typed === "string" && typed.trim() !== ""
      ? {}
      : { machineType: await defaultMachineType() }),
  });
  const spec = resolved.spec;
  const machine = await resolveMachineType(spec.machineType);
  spec.machineType = machine.name;

  for (const w of resolved.warnings) process.stderr.write(`warning: ${w}\n`);
  const goalNote = resolved.goalInferred ? " (inferred from the name; --goal to change)" : "";
  return withStore(async (store) => {
    const owner = newOwnerId();
    const ttlMs = leaseTtlMs();
    const search = await store.createSearch(
      spec,
      resolved.detach ? {} : { status: "running", lease: { owner, ttlMs } },
    );
    process.stdout.write(
      `search ${search.id}: ${kind}, ${spec.numRuns} trials, ${spec.parallelRuns} at once on ${machine.name}, ` +
        `${spec.goal} ${spec.metric} (${spec.metricAgg})${goalNote}, seed ${spec.seed}\n`,
    );
    if (resolved.detach) {
      process.stdout.write(
        `queued; a running worker picks it up (hyperbayes worker, or npm start)\n`,
      );
      return 0;
    }
    if (!(await takeLease(store, search, owner, ttlMs))) {
      process.stderr.write(`search ${search.id} was taken by another worker\n`);
      return 1;
    }
    return runInForeground(store, search, owner);
  });
}
