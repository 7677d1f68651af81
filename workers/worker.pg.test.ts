/**
 * Fault 10: the worker on PostgreSQL, for real: `hyperbayes worker` processes sharing one database
 * of a throwaway server (db/testing/pg-server.ts). Several workers share queued searches, a
 * worker SIGKILLed mid-search has its search taken over, and the server restarted mid-search
 * (stopped and started on the same data directory and socket) leaves every worker alive and the
 * search finished. Trials record their own starts: every one must run exactly once.
 */
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "../db";
import { makeSpec } from "../db/testing/fixtures";
import { startPgServer } from "../db/testing/pg-server";
import { freePort } from "../e2e/cli-console";
import { sleep, waitFor } from "../lib/executors/testing";
import type { SearchSpec } from "../lib/search/spec";
import { recordFault, recordTrials } from "../lib/testing/ledger";
import {
  captureOutput,
  countRuns,
  exited,
  makeHome,
  ROOT,
  readStarts,
  startCli,
  TRIAL,
} from "./testing/cli";

const server = await startPgServer();
const TTL_MS = 1500;

function spec(record: string, numRuns: number, steps = 6): SearchSpec {
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
      String(steps),
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

const random = (min: number, max: number) => min + Math.random() * (max - min);

if ("skipped" in server) {
  describe.skip(`the worker on PostgreSQL (${server.skipped})`, () => {
    it("needs a PostgreSQL server", () => {});
  });
} else {
  const pgServer = server;
  afterAll(() => pgServer.stop());

  const children: ChildProcess[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) {
      c.kill("SIGKILL");
      await exited(c);
    }
    for (const f of closers.splice(0).reverse()) await f();
  });

  /** A fresh database, a data directory (trial logs) and the test's own store on them. */
  async function setup() {
    const db = await pgServer.createDatabase();
    const home = makeHome();
    const store = await openStore({ home, databaseUrl: db.url });
    closers.push(() => db.drop());
    closers.push(() => store.close());
    const env = {
      HYPERBAYES_DATABASE_URL: db.url,
      HYPERBAYES_LEASE_TTL_MS: String(TTL_MS),
    };
    const worker = (args: string[] = []) => {
      const child = startCli(home, ["worker", ...args], env);
      children.push(child);
      const out = captureOutput(child);
      return { child, out };
    };
    return { home, store, env, worker, record: join(home, "starts.jsonl") };
  }

  const allEnded = (store: Store, ids: number[]) => async () => {
    for (const id of ids) {
      const s = await store.getSearch(id);
      if (s?.status !== "complete" && s?.status !== "failed") return undefined;
    }
    return true;
  };

  async function expectOnce(store: Store, ids: number[], record: string, name: string) {
    const trials = (await Promise.all(ids.map((id) => store.listTrials(id)))).flat();
    const counts = countRuns(trials, readStarts(record));
    recordTrials(name, counts);
    expect(counts).toEqual({ checked: trials.length, lost: 0, twice: 0 });
    for (const id of ids) expect((await store.getSearch(id))?.status).toBe("complete");
    return trials;
  }

  describe("the worker on PostgreSQL", () => {
    it("three workers on one database finish five queued searches, every trial once", async () => {
      const { store, worker, record } = await setup();
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) ids.push((await store.createSearch(spec(record, 4))).id);
      // Two at once each: five searches need more than one worker.
      const workers = [0, 1, 2].map(() => worker(["--max-searches", "2"]));
      await waitFor(allEnded(store, ids), 90_000, 100);
      const trials = await expectOnce(
        store,
        ids,
        record,
        "three workers, five searches (PostgreSQL)",
      );
      expect(trials).toHaveLength(20);
      const by = new Set(readStarts(record).map((s) => s.worker));
      expect(by.size).toBeGreaterThan(1);
      for (const w of workers) {
        expect(w.child.exitCode, w.out.stderr()).toBeNull();
        w.child.kill("SIGTERM");
        expect(await exited(w.child)).toEqual({ code: 0, signal: null });
        expect(w.out.stderr()).toBe("");
      }
    }, 120_000);

    it("a worker SIGKILLed mid-search has its search taken over and finished by another", async () => {
      const { store, worker, record } = await setup();
      const search = await store.createSearch(spec(record, 8, 12));
      const first = worker();
      await waitFor(
        async () => ((await store.countTrials(search.id)).running > 0 ? true : undefined),
        30_000,
        50,
      );
      const second = worker();
      await waitFor(() =>
        second.out.stdout().includes("waiting for searches") ? true : undefined,
      );
      await sleep(random(0, 800));
      first.child.kill("SIGKILL");
      recordFault("worker SIGKILLed mid-search (PostgreSQL)");
      await exited(first.child);
      await waitFor(allEnded(store, [search.id]), 60_000, 100);
      await expectOnce(store, [search.id], record, "worker SIGKILLed mid-search (PostgreSQL)");
      expect(second.out.stdout()).toMatch(new RegExp(`^search ${search.id}: resumed`, "m"));
      expect(second.out.stderr()).toBe("");
    }, 120_000);

    it("PostgreSQL restarted mid-search: the workers wait it out, and the search finishes", async () => {
      const { store, worker, record } = await setup();
      const search = await store.createSearch(spec(record, 12));
      const workers = [worker(), worker()];
      // Both connected first: an outage mid-search is the case here (a worker that starts while
      // the server is down is the next test's).
      for (const w of workers)
        await waitFor(() => (w.out.stdout().includes("waiting for searches") ? true : undefined));
      const restarts = 2;
      for (let i = 0; i < restarts; i++) {
        await waitFor(
          async () => ((await store.countTrials(search.id)).running > 0 ? true : undefined),
          30_000,
          50,
        );
        await sleep(random(0, 600));
        pgServer.outage?.down();
        // Sometimes within the lease, sometimes well past it.
        await sleep(random(0.3 * TTL_MS, 2.5 * TTL_MS));
        pgServer.outage?.up();
        recordFault("PostgreSQL restarted mid-search");
      }
      await waitFor(allEnded(store, [search.id]), 90_000, 100);
      await expectOnce(store, [search.id], record, "PostgreSQL restarted mid-search");
      const said = workers.map((w) => w.out.stdout()).join("\n");
      expect(said).toMatch(/the database does not answer/);
      for (const w of workers) {
        expect(w.child.exitCode, w.out.stderr()).toBeNull();
        w.child.kill("SIGTERM");
        expect(await exited(w.child)).toEqual({ code: 0, signal: null });
        expect(w.out.stderr()).toBe("");
      }
    }, 150_000);

    it("a worker started while PostgreSQL is down waits for it, then runs the search", async () => {
      const { store, worker, record } = await setup();
      const search = await store.createSearch(spec(record, 4, 3));
      pgServer.outage?.down();
      let w: ReturnType<typeof worker>;
      try {
        w = worker();
        await waitFor(() => (w.out.stdout().includes("Waiting for it") ? true : undefined));
        await sleep(random(0, 1500));
        expect(w.child.exitCode, w.out.stderr()).toBeNull();
      } finally {
        pgServer.outage?.up();
      }
      recordFault("PostgreSQL down when the worker started");
      await waitFor(allEnded(store, [search.id]), 60_000, 100);
      await expectOnce(store, [search.id], record, "PostgreSQL down when the worker started");
      // One line for the outage, one for its end, and only then the worker's usual line.
      expect(w.out.stdout()).toMatch(
        /^worker \d+: cannot reach the PostgreSQL server at [^\n]*Waiting for it \(Ctrl-C to stop\)\.\nworker \d+: the database answers\nworker \d+: waiting for searches\n/,
      );
      w.child.kill("SIGTERM");
      expect(await exited(w.child)).toEqual({ code: 0, signal: null });
      expect(w.out.stderr()).toBe("");
    }, 120_000);

    it("an idle worker says when its database goes away and when it is back, then runs what was queued", async () => {
      const { store, worker, record } = await setup();
      const w = worker();
      await waitFor(() => (w.out.stdout().includes("waiting for searches") ? true : undefined));
      pgServer.outage?.down();
      try {
        await waitFor(() => (w.out.stdout().includes("does not answer") ? true : undefined));
        await sleep(random(0, 1500));
        expect(w.child.exitCode, w.out.stderr()).toBeNull();
      } finally {
        pgServer.outage?.up();
      }
      await waitFor(() => (w.out.stdout().includes("answers again") ? true : undefined), 20_000);
      const search = await store.createSearch(spec(record, 3));
      recordFault("PostgreSQL away while the worker was idle");
      await waitFor(allEnded(store, [search.id]), 60_000, 100);
      await expectOnce(store, [search.id], record, "PostgreSQL away while the worker was idle");
      // One line each, under the worker's name: an outage is news, not a line per poll.
      expect(w.out.stdout()).toMatch(
        /\nworker \d+: the database does not answer \([^\n]*\); retrying\nworker \d+: the database answers again\n/,
      );
      expect(w.out.stdout().match(/does not answer/g)).toHaveLength(1);
      w.child.kill("SIGTERM");
      expect(await exited(w.child)).toEqual({ code: 0, signal: null });
    }, 120_000);

    it("the console started while PostgreSQL is down waits as the worker does; Ctrl-C then ends it with 0", async () => {
      const { home, store, env } = await setup();
      const search = await store.createSearch(spec(join(home, "starts.jsonl"), 2));
      pgServer.outage?.down();
      try {
        // A port nothing listens on: the console checks it before it opens its store.
        const port = await freePort();
        const child = startCli(home, ["console", "--port", String(port)], env);
        children.push(child);
        const out = captureOutput(child);
        await waitFor(() => (out.stdout().includes("Waiting for it") ? true : undefined));
        await sleep(random(0, 1500));
        expect(child.exitCode, out.stderr()).toBeNull();
        expect(out.stdout()).toMatch(
          /^hyperbayes console: cannot reach the PostgreSQL server at [^\n]*Waiting for it \(Ctrl-C to stop\)\.\n$/,
        );
        child.kill(random(0, 1) < 0.5 ? "SIGINT" : "SIGTERM");
        expect(await exited(child)).toEqual({ code: 0, signal: null });
        expect(out.stderr()).toBe("");
      } finally {
        pgServer.outage?.up();
      }
      // Nothing was started or changed while it waited.
      expect((await store.getSearch(search.id))?.status).toBe("queued");
    }, 60_000);
  });
}
