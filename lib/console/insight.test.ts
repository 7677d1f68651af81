import { describe, expect, it } from "vitest";
import { suggest } from "../optimizer";
import type { TrialStatus } from "../search/status";
import { parseSpace } from "../space/parse";
import type { Params, Space } from "../space/schema";
import { FIT_LIMIT, fitSample, IMPORTANCE_METHOD, insightOf } from "./insight";
import type { TrialRow } from "./views";

/** `count` trials at random points of `space`, valued by `f` (null: the trial failed). */
function trialsOf(
  space: Space,
  count: number,
  f: (p: Params) => number | null,
  seed = 3,
): TrialRow[] {
  const points = suggest({
    algorithm: "random",
    space,
    goal: "minimize",
    observations: [],
    pending: [],
    n: count,
    seed,
  }).points;
  return points.map((params, i) => {
    const value = f(params);
    const status: TrialStatus = value === null ? "failed" : "complete";
    return {
      n: i + 1,
      status,
      params,
      value,
      startedAt: 0,
      endedAt: 1,
      exitCode: value === null ? 1 : 0,
      reason: null,
      jobId: null,
      firstStep: null,
      lastStep: null,
    };
  });
}

const bestOf = (trials: TrialRow[], goal: "minimize" | "maximize") =>
  trials
    .filter((t) => t.value !== null)
    .sort((a, b) => (goal === "minimize" ? 1 : -1) * (a.value! - b.value!))[0]!.n;

const share = (v: ReturnType<typeof insightOf>, name: string) =>
  v!.importance.find((r) => r.name === name)!.importance;

describe("insightOf: parameter importance (fANOVA of the GP mean)", () => {
  const space = parseSpace(["x=0:1", "z=0:1", "c=a,b,c", "lr=0.0001:1:log", "k=1:8:int"]);

  it("ranks first, with most of the importance, the one parameter the metric depends on", () => {
    for (const goal of ["minimize", "maximize"] as const) {
      const sign = goal === "minimize" ? 1 : -1;
      const trials = trialsOf(space, 60, (p) => sign * (Number(p.x) - 0.3) ** 2);
      const view = insightOf(space, goal, trials, bestOf(trials, goal))!;
      expect(view.method).toBe(IMPORTANCE_METHOD);
      expect(view.importance[0]!.name).toBe("x");
      expect(view.importance[0]!.importance).toBeGreaterThan(0.85);
      expect(view.importance.reduce((a, r) => a + r.importance, 0)).toBeCloseTo(1, 9);
      expect(view.importance.map((r) => r.name).sort()).toEqual(["c", "k", "lr", "x", "z"]);
    }
  });

  it("shares importance between two parameters in the ratio of their variances", () => {
    // Var(2x) / Var(z) = 4 for x, z uniform: shares 0.8 and 0.2.
    const trials = trialsOf(space, 80, (p) => 2 * Number(p.x) + Number(p.z));
    const view = insightOf(space, "minimize", trials, bestOf(trials, "minimize"))!;
    expect(view.importance.slice(0, 2).map((r) => r.name)).toEqual(["x", "z"]);
    const ratio = share(view, "x") / share(view, "z");
    expect(ratio).toBeGreaterThan(3);
    expect(ratio).toBeLessThan(5.5);
    expect(share(view, "x") + share(view, "z")).toBeGreaterThan(0.9);
    // An additive metric: the main effects explain nearly all of the model's variance.
    expect(view.interactions).toBeLessThan(0.1);
  });

  it("finds a choice and a log parameter, weighing the log one per decade", () => {
    const byChoice = trialsOf(space, 60, (p) => ({ a: 0, b: 1, c: 3 })[String(p.c)] ?? 0);
    const v1 = insightOf(space, "minimize", byChoice, bestOf(byChoice, "minimize"))!;
    expect(v1.importance[0]!.name).toBe("c");
    expect(v1.importance[0]!.importance).toBeGreaterThan(0.85);
    const c = v1.importance[0]!;
    expect(c.correlationKind).toBe("eta");
    expect(c.correlation!).toBeGreaterThan(0.9);

    const byLog = trialsOf(space, 60, (p) => Math.log10(Number(p.lr)));
    const v2 = insightOf(space, "minimize", byLog, bestOf(byLog, "minimize"))!;
    expect(v2.importance[0]!.name).toBe("lr");
    expect(v2.importance[0]!.importance).toBeGreaterThan(0.85);
    expect(v2.importance[0]!.correlationKind).toBe("spearman");
    expect(v2.importance[0]!.correlation!).toBeGreaterThan(0.99);
    // The slice follows log10(lr): about -4 at the low end, 0 at the high end.
    const slice = v2.slices.find((s) => s.name === "lr")!;
    expect(slice.x[0]).toBeCloseTo(1e-4, 10);
    expect(slice.x.at(-1)).toBe(1);
    expect(slice.mean[0]!).toBeCloseTo(-4, 0);
    expect(slice.mean.at(-1)!).toBeCloseTo(0, 0);
  });

  it("draws slices whose band holds the true metric, and a map over the top two", () => {
    const f = (p: Params) => (Number(p.x) - 0.3) ** 2 + 0.2 * Number(p.z);
    const trials = trialsOf(space, 80, f);
    const best = bestOf(trials, "minimize");
    const view = insightOf(space, "minimize", trials, best)!;
    expect(view.heldAt).toBe(best);
    const held = trials.find((t) => t.n === best)!.params;
    const slice = view.slices.find((s) => s.name === "x")!;
    expect(slice.x.length).toBe(41);
    let inside = 0;
    slice.x.forEach((x, i) => {
      const truth = f({ ...held, x });
      expect(slice.lo[i]!).toBeLessThanOrEqual(slice.mean[i]!);
      expect(slice.hi[i]!).toBeGreaterThanOrEqual(slice.mean[i]!);
      if (truth >= slice.lo[i]! && truth <= slice.hi[i]!) inside++;
    });
    expect(inside / slice.x.length).toBeGreaterThan(0.8);
    // An int's slice has one point per value; a choice's one per value, at its position.
    expect(view.slices.find((s) => s.name === "k")!.x).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(view.slices.find((s) => s.name === "c")!.x).toEqual([0, 1, 2]);
    const map = view.map!;
    expect([map.x.name, map.y.name]).toEqual(["x", "z"]);
    expect(map.z.length).toBe(map.x.values.length * map.y.values.length);
    // The map's lowest cell is near x = 0.3, z = 0.
    let lowest = 0;
    map.z.forEach((v, i) => {
      if (v < map.z[lowest]!) lowest = i;
    });
    const nx = map.x.values.length;
    expect(Math.abs(map.x.values[lowest % nx]! - 0.3)).toBeLessThan(0.1);
    expect(map.y.values[Math.floor(lowest / nx)]!).toBeLessThan(0.1);
  });

  it("has no view before two trials have values", () => {
    const trials = trialsOf(space, 3, (p) => (p.c === "a" ? 1 : null));
    const one = trials.filter((t) => t.value === null).concat(trials.filter((t) => t.value)[0]!);
    expect(insightOf(space, "minimize", one.slice(0, 2), null)).toBeNull();
  });
});

describe("fitSample", () => {
  const space = parseSpace(["x=0:1", "z=0:1"]);

  it("keeps every ended trial up to the limit and leaves out running ones", () => {
    const trials = trialsOf(space, 50, (p) => Number(p.x));
    trials[3]!.status = "running";
    trials[3]!.value = null;
    const kept = fitSample(trials, "minimize");
    expect(kept.length).toBe(49);
    expect(kept.some((t) => t.n === 4)).toBe(false);
  });

  it("above the limit keeps the best, an even sample by rank, failures in their share", () => {
    const trials = trialsOf(space, 2000, (p) => (Number(p.z) > 0.9 ? null : Number(p.x)));
    const failed = trials.filter((t) => t.value === null).length;
    const kept = fitSample(trials, "minimize");
    expect(kept.length).toBe(FIT_LIMIT);
    const keptFailed = kept.filter((t) => t.value === null).length;
    expect(Math.abs(keptFailed - (FIT_LIMIT * failed) / trials.length)).toBeLessThanOrEqual(1);
    const sorted = trials.filter((t) => t.value !== null).sort((a, b) => a.value! - b.value!);
    for (const t of sorted.slice(0, FIT_LIMIT / 4 - 10)) expect(kept).toContain(t);
    // The worst trials are still represented: the sample spans the whole range of values.
    const values = kept.flatMap((t) => (t.value === null ? [] : [t.value]));
    expect(Math.max(...values)).toBeGreaterThan(0.95);
    expect(kept.map((t) => t.n)).toEqual([...kept.map((t) => t.n)].sort((a, b) => a - b));
  });
});
