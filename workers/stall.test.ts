/**
 * Fault 3 for real: `hyperbayes worker` processes stalled with SIGSTOP past their lease (Ctrl-Z, a
 * swapped-out machine) and woken with SIGCONT. One loop per search, always: a stalled worker
 * never starts a second loop for a search it runs, and one whose search was taken over meanwhile
 * stops before it starts, stops or records anything. Every trial records its own start (with the
 * pid of the worker that launched it), so "ran exactly once" is the trials' word, not the store's.
 */
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Store } from "../db";
import { makeSpec } from "../db/testing/fixtures";
import { sleep, waitFor } from "../lib/executors/testing";
import type { SearchSpec } from "../lib/search/spec";
import { recordFault, recordTrials } from "../lib/testing/ledger";
import {
  captureOutput,
  countRuns,
  exited,
  makeHome,
  openTestStore,
  ROOT,
  readStarts,
  startCli,
  TRIAL,
} from "./testing/cli";

const TTL_MS = 1000;
const ENV = { HYPERBAYES_LEASE_TTL_MS: String(TTL_MS) };

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill("SIGCONT");
    c.kill("SIGTERM");
    await exited(c);
  }
});

function spec(record: string, numRuns: number): SearchSpec {
  return {
    ...makeSpec(),
    kind: "random",
    params: [{ kind: "range", name: "x", min: 1, max: 2, scale: "linear", type: "float" }],
    command: [
      "node",
      TRIAL,
      "--value",
      ":x:",
      "--mode",
      "steps",
      "--steps",
      "10",
      "--step-ms",
      "60",
      "--record",
      record,
    ],
    cwd: ROOT,
    numRuns,
    parallelRuns: 2,
    metric: "loss",
    goal: "minimize",
    env: {},
    stopConditions: [],
    maxFailures: numRuns,
  };
}

function worker(home: string) {
  const child = startCli(home, ["worker"], ENV);
  children.push(child);
  return { child, out: captureOutput(child) };
}

async function stall(child: ChildProcess, ms: number): Promise<void> {
  child.kill("SIGSTOP");
  await sleep(ms);
  child.kill("SIGCONT");
}

const ended = async (store: Store, ids: number[]) => {
  for (const id of ids) {
    const s = await store.getSearch(id);
    if (s?.status !== "complete" && s?.status !== "failed") return undefined;
  }
  return true;
};

const random = (min: number, max: number) => min + Math.random() * (max - min);

describe("a worker stalled past its lease (SIGSTOP, SIGCONT)", () => {
  it("goes on with one loop per search, each trial run once", async () => {
    const home = makeHome();
    const record = join(home, "starts.jsonl");
    const store = await openTestStore(home);
    const a = await store.createSearch(spec(record, 6));
    const b = await store.createSearch(spec(record, 6));
    const w = worker(home);
    await waitFor(
      async () => ((await store.countTrials(a.id)).running > 0 ? true : undefined),
      30_000,
      50,
    );
    for (let i = 0; i < 2; i++) {
      await sleep(random(0, 800));
      await stall(w.child, random(1.5 * TTL_MS, 3 * TTL_MS));
      recordFault("worker SIGSTOPped past its lease, no other worker");
    }
    await waitFor(() => ended(store, [a.id, b.id]), 60_000, 100);
    const trials = [...(await store.listTrials(a.id)), ...(await store.listTrials(b.id))];
    const counts = countRuns(trials, readStarts(record));
    recordTrials("worker SIGSTOPped past its lease", counts);
    expect(counts).toEqual({ checked: 12, lost: 0, twice: 0 });
    for (const id of [a.id, b.id]) {
      expect((await store.getSearch(id))?.status).toBe("complete");
      // One loop per search: started once, never resumed by a second loop of this worker.
      expect(w.out.stdout().match(new RegExp(`^search ${id}: (started|resumed)`, "gm"))).toEqual([
        `search ${id}: started`,
      ]);
    }
    expect(w.out.stdout()).not.toMatch(/lost the lease/);
    expect(w.out.stderr()).toBe("");
  }, 120_000);

  it("stops before acting once another worker took its search over, and that one finishes it", async () => {
    const home = makeHome();
    const record = join(home, "starts.jsonl");
    const store = await openTestStore(home);
    const first = worker(home);
    const search = await store.createSearch(spec(record, 8));
    await waitFor(
      async () => ((await store.countTrials(search.id)).running > 0 ? true : undefined),
      30_000,
      50,
    );
    const second = worker(home);
    await waitFor(() => (second.out.stdout().includes("waiting for searches") ? true : undefined));
    await sleep(random(0, 1000));
    // Long enough for the second worker (polling every 500 ms) to find the lease expired.
    first.child.kill("SIGSTOP");
    const takenOver = await waitFor(
      async () => {
        const now = await store.getSearch(search.id);
        const owner = now?.lease?.owner;
        return owner?.includes(`:${second.child.pid}:`) ? owner : undefined;
      },
      20_000,
      50,
    );
    await sleep(random(0, 2 * TTL_MS));
    first.child.kill("SIGCONT");
    recordFault("worker SIGSTOPped past its lease, taken over by another");
    await waitFor(() => ended(store, [search.id]), 60_000, 100);

    const trials = await store.listTrials(search.id);
    const starts = readStarts(record);
    const counts = countRuns(trials, starts);
    recordTrials("worker SIGSTOPped past its lease, taken over", counts);
    expect(counts).toEqual({ checked: 8, lost: 0, twice: 0 });
    expect((await store.getSearch(search.id))?.status).toBe("complete");
    // Never two loops at once: the stalled worker started nothing once the other took over.
    const takeover = (await store.listEvents(search.id)).find(
      (e) => e.kind === "lease" && e.message.includes(`by ${takenOver} from`),
    );
    expect(takeover).toBeDefined();
    for (const s of starts) {
      if (s.worker === first.child.pid) expect(s.time).toBeLessThan(takeover!.time.getTime());
      else expect(s.worker).toBe(second.child.pid);
    }
    await waitFor(() => (first.out.stdout().includes("lost the lease") ? true : undefined));
    expect(second.out.stdout()).toMatch(new RegExp(`^search ${search.id}: resumed`, "m"));
    // Both workers are alive and leave cleanly.
    for (const w of [first, second]) {
      w.child.kill("SIGTERM");
      expect(await exited(w.child)).toEqual({ code: 0, signal: null });
      expect(w.out.stderr()).toBe("");
    }
  }, 120_000);
});
