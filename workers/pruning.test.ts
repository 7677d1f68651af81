/**
 * --early-stop in the worker loop, against a real SQLite store and real trial processes that
 * print crossing learning curves: pruned trials end as a stop ends them (SIGTERM, the grace
 * period, SIGKILL for one that ignores SIGTERM), keep their series and the rule's reason, and the
 * best is never a pruned trial. The rules themselves: lib/pruning/rules.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type SuggestRequest, suggest } from "../lib/optimizer";
import type { SearchSpec } from "../lib/search/spec";
import { bestTrial } from "../lib/search/status";
import { recordFault } from "../lib/testing/ledger";
import { PruningJudge } from "./pruning";
import { makeHome, openTestStore, ROOT } from "./testing/cli";
import { type CurveTrial, curveTrial } from "./testing/trial-command";
import { Executors, newOwnerId, runSearch, type WorkerContext } from "./worker";

/** A short grace period (the search's --stop-grace; a real one: SIGTERM, wait, SIGKILL). */
const GRACE_SECONDS = 0.6;

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup) await f();
  cleanup = [];
});

function spec(over: Partial<SearchSpec>, curve: CurveTrial): SearchSpec {
  return {
    kind: "grid",
    params: [{ kind: "choice", name: "x", values: [0.9, 0.1, 0.2, 0.3, 0.6, 0.05, 0.15, 0.25] }],
    command: curveTrial(curve),
    cwd: ROOT,
    numRuns: 8,
    parallelRuns: 4,
    metric: "loss",
    metricAgg: "last",
    goal: "minimize",
    machineType: "cpu",
    env: {},
    stopConditions: [],
    labels: [],
    seed: 1,
    acquisition: "ucb",
    earlyStop: "asha",
    earlyStopMinSteps: 2,
    reductionFactor: 3,
    stopGraceSeconds: GRACE_SECONDS,
    maxFailures: 8,
    ...over,
  };
}

async function run(s: SearchSpec, extra: Partial<WorkerContext> = {}) {
  const home = makeHome();
  const store = await openTestStore(home);
  const executors = new Executors();
  cleanup.push(async () => {
    await executors.close();
    await store.close();
  });
  const ctx: WorkerContext = { store, owner: newOwnerId(), home, executors, ...extra };
  const search = await store.createSearch(s, {
    status: "running",
    lease: { owner: ctx.owner, ttlMs: 15_000 },
  });
  const end = await runSearch(ctx, search.id);
  const trials = await store.listTrials(search.id);
  const points = await store.listMetricPoints(search.id, { name: "loss" });
  const events = await store.listEvents(search.id);
  return { end, trials, points, events };
}

const EPOCHS = 12;

describe("early stopping in the worker", () => {
  it("ASHA prunes losing trials with the rung and step in the reason; they stop early and keep their series; the best (deaf to SIGTERM) is never pruned", async () => {
    const { end, trials, points, events } = await run(
      spec({}, { epochs: EPOCHS, stepMs: 150, ignoreTermAbove: 0.85 }),
    );
    expect(end.status).toBe("complete");
    expect(trials).toHaveLength(8);
    const pruned = trials.filter((t) => t.status === "pruned");
    expect(pruned.length).toBeGreaterThan(0);
    for (const t of pruned) {
      recordFault("a trial --early-stop asha judged losing: pruned with its rung, series kept");
      expect(t.reason).toMatch(/^ASHA rung \d+ at step \d+: \S+ not in the top 1\/3 \(/);
      const steps = points.filter((p) => p.trialNumber === t.number).map((p) => p.step);
      // its series is kept, and it stopped before the last epoch (counted in steps, not time)
      expect(steps.length).toBeGreaterThan(0);
      expect(Math.max(...steps)).toBeLessThan(EPOCHS);
      expect(t.value).not.toBeNull();
      expect(events.some((e) => e.kind === "pruned" && e.trialNumber === t.number)).toBe(true);
    }
    // x = 0.9 is the best at every rung from step 2 on, and ignores SIGTERM: never pruned.
    const best = bestTrial(trials, "minimize");
    expect(best?.params.x).toBe(0.9);
    expect(best?.status).toBe("complete");
    expect(trials.filter((t) => t.status === "complete").length).toBeGreaterThan(0);
    for (const t of trials) expect(["complete", "pruned"]).toContain(t.status);
  }, 60_000);

  it("a pruned trial that ignores SIGTERM is ended by SIGKILL after the grace period, still pruned", async () => {
    // One at a time: the deaf one (x 0.95 > 0.9) reaches rung 0 second, and worse.
    const { trials, points } = await run(
      spec(
        {
          params: [{ kind: "choice", name: "x", values: [0.5, 0.95] }],
          numRuns: 2,
          parallelRuns: 1,
          goal: "maximize",
          earlyStopMinSteps: 3,
        },
        { epochs: 20, stepMs: 100, ignoreTermAbove: 0.9 },
      ),
    );
    const deaf = trials.find((t) => t.params.x === 0.95)!;
    const other = trials.find((t) => t.params.x === 0.5)!;
    // maximize the loss: 0.95 reaches step 3 with a lower loss than 0.5 (worse)
    expect(other.status).toBe("complete");
    expect(deaf.status).toBe("pruned");
    expect(deaf.signal).toBe("SIGKILL");
    expect(deaf.reason).toMatch(/^ASHA rung 0 at step 3: /);
    const steps = points.filter((p) => p.trialNumber === deaf.number).map((p) => p.step);
    expect(Math.max(...steps)).toBeLessThan(20);
    recordFault("a pruned trial that ignores SIGTERM: SIGKILL after the grace period");
  }, 60_000);

  it("the median rule prunes a trial worse than the median of 3 others at its step", async () => {
    const { trials } = await run(
      spec(
        {
          earlyStop: "median",
          earlyStopMinSteps: 3,
          parallelRuns: 4,
          params: [{ kind: "choice", name: "x", values: [0.9, 0.8, 0.7, 0.05, 0.6, 0.02] }],
          numRuns: 6,
        },
        { epochs: EPOCHS, stepMs: 150 },
      ),
    );
    const byX = new Map(trials.map((t) => [t.params.x, t]));
    expect(byX.get(0.9)?.status).toBe("complete");
    const pruned = trials.filter((t) => t.status === "pruned");
    expect(pruned.length).toBeGreaterThan(0);
    for (const t of pruned)
      expect(t.reason).toMatch(
        /^median rule at step \d+: best so far \S+ is worse than the median/,
      );
    // x 0.02 starts after the first four and is worse than all of them: pruned
    expect(byX.get(0.02)?.status).toBe("pruned");
  }, 60_000);

  it("a trial losing only at its last epoch (where the complete trials ended) runs to its end, complete, not pruned", async () => {
    const { trials, events } = await run(
      spec(
        {
          earlyStop: "median",
          // The rule judges from the last epoch on only: its one chance is the end step.
          earlyStopMinSteps: 4,
          parallelRuns: 1,
          params: [{ kind: "choice", name: "x", values: [0.9, 0.8, 0.7, 0.05] }],
          numRuns: 4,
        },
        // Each trial saves a checkpoint after its last epoch: the worker reads that epoch in time.
        { epochs: 4, stepMs: 100, lingerMs: 1_000 },
      ),
    );
    // x 0.05 ends worst, worse than the median of the three before it: before the end step was
    // known to the rules, it was pruned at step 4, its last, saving nothing.
    expect(trials.map((t) => [t.params.x, t.status, t.reason, t.lastStep])).toEqual([
      [0.9, "complete", null, 4],
      [0.8, "complete", null, 4],
      [0.7, "complete", null, 4],
      [0.05, "complete", null, 4],
    ]);
    expect(events.filter((e) => e.kind === "pruned")).toEqual([]);
  }, 60_000);
});

describe("what the optimizer is told with early stopping", () => {
  it("until 3 trials completed, every trial at one step: running ones past it as observations, each trial told once", async () => {
    const asked: SuggestRequest[] = [];
    const spy: typeof suggest = (req) => {
      asked.push(structuredClone(req));
      return suggest(req);
    };
    const { trials } = await run(
      spec(
        {
          kind: "bayesian",
          params: [{ kind: "range", name: "x", min: 0, max: 1, scale: "linear", type: "float" }],
          numRuns: 10,
          earlyStopMinSteps: 1,
        },
        { epochs: 9, stepMs: 120 },
      ),
      { suggest: spy },
    );
    expect(trials).toHaveLength(10);
    const lastStep = new Map(trials.map((t) => [JSON.stringify(t.params), t.lastStep]));
    let atStep = 0;
    let asked_ = 0;
    for (const req of asked) {
      // Every trial created before this ask is in it once: an observation or pending.
      const seen = [...req.observations.map((o) => o.params), ...req.pending];
      expect(seen).toHaveLength(asked_);
      expect(new Set(seen.map((p) => JSON.stringify(p))).size).toBe(asked_);
      asked_ += req.n;
      // A trial told at a step below the one it ended at was modelled at the model step.
      for (const o of req.observations) {
        const ended = lastStep.get(JSON.stringify(o.params));
        if (o.pruned !== true && o.step !== undefined && ended != null && o.step < ended) atStep++;
      }
    }
    expect(atStep).toBeGreaterThan(0);
  }, 60_000);
});

/** A judge of the metric `loss` (minimize) with min steps 1 and η 3. */
const lossJudge = (earlyStop: "median" | "asha") =>
  new PruningJudge({
    metric: "loss",
    goal: "minimize",
    earlyStop,
    earlyStopMinSteps: 1,
    reductionFactor: 3,
  });

describe("PruningJudge", () => {
  it("keeps only the search metric (and its aliases), and judges nothing with --early-stop none", () => {
    const base = {
      metric: "keras/val_acc",
      goal: "maximize" as const,
      earlyStopMinSteps: 1,
      reductionFactor: 2,
    };
    const judge = new PruningJudge({ ...base, earlyStop: "asha" });
    judge.add(1, [{ name: "keras/val_accuracy", step: 1, value: 0.9 }]);
    judge.add(2, [
      { name: "keras/loss", step: 1, value: 100 },
      { name: "keras/val_acc", step: 1, value: 0.5 },
    ]);
    expect(judge.judge(2)).toMatchObject({ prune: true, step: 1, value: 0.5, trials: 2 });
    const none = new PruningJudge({ ...base, earlyStop: "none" });
    none.add(1, [{ name: "keras/val_acc", step: 1, value: 0.9 }]);
    none.add(2, [{ name: "keras/val_acc", step: 1, value: 0.1 }]);
    expect(none.judge(2)).toEqual({ prune: false });
  });

  it("judges a rung once; an adopted trial is judged only past the steps it had", () => {
    const judge = lossJudge("asha");
    judge.add(1, [{ name: "loss", step: 1, value: 0.5 }]);
    expect(judge.judge(1).prune).toBe(false); // alone at rung 0
    judge.add(2, [{ name: "loss", step: 1, value: 0.1 }]);
    judge.add(3, [{ name: "loss", step: 1, value: 0.2 }]);
    judge.add(1, [{ name: "loss", step: 2, value: 0.5 }]);
    expect(judge.judge(1).prune).toBe(false); // rung 0 was passed before the others came
    judge.add(4, [{ name: "loss", step: 1, value: 0.9 }]);
    judge.judgedSoFar(4); // adopted: its rung 0 was judged by the worker before
    expect(judge.judge(4).prune).toBe(false);
    judge.add(5, [{ name: "loss", step: 1, value: 0.95 }]);
    expect(judge.judge(5)).toMatchObject({ prune: true, rung: 0 });
  });

  it("decides nothing at the last step of the complete trials; a failed trial's last step is no end", () => {
    const judge = lossJudge("median");
    for (const n of [1, 2, 3])
      judge.add(
        n,
        [1, 2, 3].map((step) => ({ name: "loss", step, value: 0.1 * n })),
      );
    judge.add(
      9,
      [1, 2].map((step) => ({ name: "loss", step, value: 0.9 })),
    );
    judge.ended(1, "failed"); // it ended at step 3, but failed: no end step
    judge.add(9, [{ name: "loss", step: 3, value: 0.9 }]);
    expect(judge.judge(9)).toMatchObject({ prune: true, step: 3 });
    judge.ended(2, "complete");
    expect(judge.judge(9)).toEqual({ prune: false });
  });
});
