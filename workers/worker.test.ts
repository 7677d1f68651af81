/**
 * The worker loop against a real SQLite store and real trial processes: stop, kill, stop
 * conditions, failure limits, queued searches and leases.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Store } from "../db";
import { waitFor } from "../lib/executors/testing";
import { suggest } from "../lib/optimizer";
import type { SearchSpec } from "../lib/search/spec";
import { recordFault } from "../lib/testing/ledger";
import { makeHome, openTestStore, ROOT, TRIAL } from "./testing/cli";
import { Executors, newOwnerId, runSearch, runWorker, type WorkerContext } from "./worker";

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup) await f();
  cleanup = [];
});

async function setup() {
  const home = makeHome();
  const store = await openTestStore(home);
  const executors = new Executors();
  cleanup.push(async () => {
    await executors.close();
    await store.close();
  });
  const ctx: WorkerContext = { store, owner: newOwnerId(), home, executors };
  return { home, store, ctx };
}

function spec(over: Partial<SearchSpec> & { args: string[] }): SearchSpec {
  const { args, ...rest } = over;
  return {
    kind: "random",
    params: [{ kind: "range", name: "x", min: 1, max: 2, scale: "linear", type: "float" }],
    command: ["node", TRIAL, "--value", ":x:", ...args],
    cwd: ROOT,
    numRuns: 4,
    parallelRuns: 2,
    metric: "loss",
    metricAgg: "last",
    goal: "minimize",
    machineType: "cpu",
    env: {},
    stopConditions: [],
    labels: [],
    seed: 3,
    acquisition: "ucb",
    earlyStop: "none",
    earlyStopMinSteps: 1,
    reductionFactor: 3,
    stopGraceSeconds: 10,
    maxFailures: 4,
    ...rest,
  };
}

async function startSearch(store: Store, ctx: WorkerContext, s: SearchSpec) {
  const search = await store.createSearch(s, {
    status: "running",
    lease: { owner: ctx.owner, ttlMs: 15_000 },
  });
  return { search, done: runSearch(ctx, search.id) };
}

/** Waits (bounded) until `f` holds. */
const until = (f: () => Promise<boolean>, ms = 20_000) =>
  waitFor(async () => ((await f()) ? true : undefined), ms, 50);

describe("worker", () => {
  it("stop: running trials get SIGTERM and keep what they reported; no new trials start", async () => {
    const { store, ctx } = await setup();
    const { search, done } = await startSearch(
      store,
      ctx,
      spec({ args: ["--mode", "steps", "--steps", "100", "--step-ms", "100"] }),
    );
    await until(async () => (await store.listMetricPoints(search.id)).length >= 4);
    await store.requestStop(search.id, "stop");
    const end = await done;
    expect(end.status).toBe("stopped");
    const trials = await store.listTrials(search.id);
    expect(trials).toHaveLength(2);
    for (const t of trials) {
      expect(t.status).toBe("stopped");
      expect(t.value).not.toBeNull();
    }
  });

  it("kill: running trials end now as killed", async () => {
    const { store, ctx } = await setup();
    const { search, done } = await startSearch(
      store,
      ctx,
      spec({ args: ["--mode", "steps", "--steps", "100", "--step-ms", "100"] }),
    );
    await until(async () => (await store.countTrials(search.id)).running === 2);
    await store.requestStop(search.id, "kill");
    const end = await done;
    expect(end.status).toBe("killed");
    expect((await store.listTrials(search.id)).map((t) => t.status)).toEqual(["killed", "killed"]);
  });

  it("a stop condition ends a trial early, and it counts as complete with its value", async () => {
    const { store, ctx } = await setup();
    const s = spec({
      numRuns: 2,
      args: ["--mode", "steps", "--steps", "200", "--step-ms", "100"],
      stopConditions: [{ metric: "loss", op: "<", value: 0.5, minStep: 0 }],
    });
    const { search, done } = await startSearch(store, ctx, s);
    expect((await done).status).toBe("complete");
    for (const t of await store.listTrials(search.id)) {
      expect(t.status).toBe("complete");
      expect(t.reason).toMatch(/stopped early.*loss < 0.5/);
      expect(t.value).toBeLessThan(0.5);
      // x <= 2 crosses 0.5 by step 4: the trial was ended long before its 200th step (counted
      // in steps, not in seconds, which a loaded machine stretches).
      const steps = (await store.listMetricPoints(search.id, { trial: t.number })).map(
        (p) => p.step,
      );
      expect(Math.max(...steps)).toBeLessThan(150);
    }
  });

  it("ends the search as failed after --max-failures failed trials", async () => {
    const { store, ctx } = await setup();
    const { search, done } = await startSearch(
      store,
      ctx,
      spec({ numRuns: 6, parallelRuns: 1, maxFailures: 2, args: ["--mode", "crash"] }),
    );
    const end = await done;
    expect(end.status).toBe("failed");
    expect(end.failureReason).toMatch(/2 trials failed/);
    expect(await store.listTrials(search.id)).toHaveLength(2);
  });

  it("a trial running when --max-failures is reached is stopped, and its reason says why, not 'by request'", async () => {
    const { store, ctx } = await setup();
    const { search, done } = await startSearch(store, ctx, {
      ...spec({ numRuns: 2, parallelRuns: 2, maxFailures: 1, args: [] }),
      kind: "grid",
      params: [{ kind: "choice", name: "mode", values: ["crash", "steps"] }],
      command: ["node", TRIAL, "--mode", ":mode:", "--steps", "200", "--step-ms", "50"],
    });
    const end = await done;
    expect(end.status).toBe("failed");
    const trials = await store.listTrials(search.id);
    expect(trials.map((t) => [t.params.mode, t.status, t.reason])).toEqual([
      ["crash", "failed", "exit code 3: Traceback: something broke"],
      ["steps", "stopped", "stopped as the search ended: 1 trial failed (--max-failures 1)"],
    ]);
  });

  it("a suggest that returns no point, with nothing in flight, ends the search failed with the reason", async () => {
    const { store, ctx } = await setup();
    // No valid space makes the real optimizer do this any more (a float range must hold 1024
    // values, lib/space/schema.ts), so the real one is wrapped: after two trials it finds
    // nothing, without saying the space is used up.
    const proposeNothing: typeof suggest = (req) =>
      req.observations.length + req.pending.length >= 2 ? { points: [] } : suggest(req);
    const { search, done } = await startSearch(
      store,
      { ...ctx, suggest: proposeNothing },
      spec({ numRuns: 5, args: ["--mode", "ok"] }),
    );
    const end = await Promise.race([
      done,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("the search did not end: the loop spins")), 30_000),
      ),
    ]);
    expect(end.status).toBe("failed");
    expect(end.failureReason).toMatch(/optimizer proposed no new point after 2 trials/);
    const trials = await store.listTrials(search.id);
    expect(trials.map((t) => t.status)).toEqual(["complete", "complete"]);
  });

  it("resumed with --max-failures reached and a trial that never started, it ends failed, starting nothing", async () => {
    recordFault("worker died between creating a trial and starting it, --max-failures reached");
    const { store, ctx } = await setup();
    const s = spec({ numRuns: 4, maxFailures: 1, args: ["--mode", "ok"] });
    const search = await store.createSearch(s, {
      status: "running",
      lease: { owner: ctx.owner, ttlMs: 15_000 },
    });
    const guard = { leaseOwner: ctx.owner };
    // What the dead worker left: one trial that failed, one created but never started.
    await store.createTrial(search.id, { number: 1, params: { x: 1.5 } }, guard);
    await store.updateTrial(
      search.id,
      1,
      { status: "failed", endedAt: new Date(), exitCode: 1, reason: "exit code 1" },
      guard,
    );
    await store.createTrial(search.id, { number: 2, params: { x: 1.7 } }, guard);
    const end = await Promise.race([
      runSearch(ctx, search.id),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("the search did not end: the loop spins")), 20_000),
      ),
    ]);
    expect(end.status).toBe("failed");
    expect(end.failureReason).toMatch(/1 trial failed \(--max-failures 1\)/);
    const trials = await store.listTrials(search.id);
    expect(trials.map((t) => [t.number, t.status])).toEqual([
      [1, "failed"],
      [2, "stopped"],
    ]);
    expect(trials[1]?.startedAt).toBeNull();
    expect(trials[1]?.reason).toMatch(/ended before it started/);
  });

  it("runWorker runs queued searches, and never one leased by a live worker", async () => {
    const { store, ctx, home } = await setup();
    const queued = await store.createSearch(spec({ numRuns: 3, args: ["--mode", "ok"] }));
    const leased = await store.createSearch(spec({ numRuns: 3, args: ["--mode", "ok"] }), {
      status: "running",
      lease: { owner: "someone-else", ttlMs: 60_000 },
    });
    const controller = new AbortController();
    const worker = runWorker({
      store,
      signal: controller.signal,
      home,
      owner: ctx.owner,
      pollMs: 50,
    });
    await until(async () => (await store.getSearch(queued.id))?.status === "complete");
    controller.abort();
    await worker;
    expect(await store.listTrials(queued.id)).toHaveLength(3);
    expect(await store.listTrials(leased.id)).toHaveLength(0);
    expect((await store.getSearch(leased.id))?.lease?.owner).toBe("someone-else");
  });
});
