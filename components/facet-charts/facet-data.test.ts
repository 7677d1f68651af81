import { describe, expect, it } from "vitest";
import type { TrialRow } from "../../lib/console/views";
import type { Space } from "../../lib/space/schema";
import { facetsOf, highlightPoints, niceTicks, sampleTrials } from "./facet-data";

const space: Space = [
  { kind: "range", name: "lr", min: 0.001, max: 1, scale: "log", type: "float" },
  { kind: "choice", name: "opt", values: ["adam", "sgd", 3] },
];

function trial(n: number, value: number | null, status: TrialRow["status"] = "complete"): TrialRow {
  return {
    n,
    status,
    params: {
      lr: 0.001 * 10 ** (n % 4),
      opt: (["adam", "sgd", 3] as const)[n % 3] as string | number,
    },
    value,
    startedAt: 0,
    endedAt: 1,
    exitCode: 0,
    reason: null,
    jobId: null,
    firstStep: null,
    lastStep: null,
  };
}

describe("facetsOf", () => {
  const trials = [
    trial(1, 0.5),
    trial(2, 0.2),
    trial(3, 0.9),
    trial(4, null, "failed"),
    trial(5, null, "running"),
  ];
  const facets = facetsOf(space, trials, "minimize", 2);

  it("draws one point per finished trial, the best apart, failures on the band", () => {
    for (const f of facets) {
      expect(f.complete.map((p) => p.n).sort()).toEqual([1, 3]);
      expect(f.best?.n).toBe(2);
      expect(f.failed.map((p) => p.n)).toEqual([4]);
      expect(f.failed[0]?.y).toBe(f.band);
      expect(f.band).toBeLessThan(Math.min(...f.complete.map((p) => p.y)));
      expect(f.yDomain[0]).toBeLessThan(f.band as number);
    }
  });

  it("draws what the status table says: a stop's value, a failure on the band, a kill nowhere", () => {
    const mixed = [
      trial(1, 0.5),
      trial(2, 0.05, "failed"), // crashed after printing a better value
      trial(3, 0.07, "timeout"),
      trial(4, 0.1, "stopped"),
      trial(5, null, "killed"),
      trial(6, null, "stopped"),
      trial(7, null, "failed"),
    ];
    for (const f of facetsOf(space, mixed, "minimize", 1)) {
      expect(f.best?.n).toBe(1);
      expect(f.complete.map((p) => p.n)).toEqual([4]);
      expect(f.failed.map((p) => p.n).sort()).toEqual([2, 3, 7]);
      expect(f.totalComplete).toBe(2);
      // The axis is the drawn values' (0.1 .. 0.5), not the failed trial's 0.05.
      expect(f.yTicks.filter((t) => t !== f.band)[0]).toBeGreaterThan(0.05);
    }
    // Killed and nothing else: no failed band at all.
    const [killed] = facetsOf(space, [trial(1, 0.5), trial(2, null, "killed")], "minimize", 1);
    expect(killed?.band).toBeUndefined();
    expect(killed?.failed).toEqual([]);
  });

  it("uses the value for ranges and the category position for choices", () => {
    const [lr, opt] = facets;
    expect(lr?.log).toBe(true);
    expect(lr?.xDomain).toEqual([0.001, 1]);
    expect(lr?.complete.find((p) => p.n === 1)?.x).toBeCloseTo(0.01);
    expect(opt?.categories).toEqual(["adam", "sgd", "3"]);
    // Trial 3 chose "adam" (index 0): jittered around 0, never into another category.
    const x = opt?.complete.find((p) => p.n === 3)?.x as number;
    expect(Math.abs(x)).toBeLessThan(0.4);
  });

  it("samples beyond the budget, keeping the best trials", () => {
    const many = Array.from({ length: 5000 }, (_, i) => trial(i + 1, i + 1));
    const [f] = facetsOf(space, many, "maximize", 5000, 500);
    expect((f?.complete.length ?? 0) + (f?.best ? 1 : 0)).toBe(500);
    expect(f?.totalComplete).toBe(5000);
    const kept = sampleTrials(
      many.map((t) => ({ n: t.n, value: t.value as number })),
      "minimize",
      100,
    );
    expect(kept.length).toBe(100);
    expect(kept.some((t) => t.n === 1)).toBe(true);
  });
});

describe("highlightPoints", () => {
  // Complete, pruned and clipped trials, a failure and the best, over a clipped axis.
  const trials = [
    ...Array.from({ length: 12 }, (_, i) => trial(i + 1, 0.1 + i / 100)),
    trial(13, 0.135, "pruned"),
    trial(14, 0.175, "pruned"),
    trial(15, 1e6),
    trial(16, null, "failed"),
  ];
  const [facet] = facetsOf(space, trials, "minimize", 1, undefined, {
    log: false,
    clip: true,
  });
  const numbers = (points: readonly { n: number }[]) =>
    points.map((p) => p.n).sort((a, b) => a - b);

  it("draws every point as its kind without a selection", () => {
    if (!facet) throw new Error("no facet");
    expect(facet.pruned.length).toBe(2);
    expect(facet.clipped.length).toBe(1);
    const all = highlightPoints(facet, null);
    expect(all).toEqual({
      complete: facet.complete,
      pruned: facet.pruned,
      clipped: facet.clipped,
      faded: [],
    });
  });

  it("fades every drawn trial a selection leaves out, pruned and clipped ones too", () => {
    if (!facet) throw new Error("no facet");
    for (let seed = 0; seed < 50; seed++) {
      const chosen = new Set(trials.filter((t) => (t.n * 7 + seed * 13) % 3 === 0).map((t) => t.n));
      const h = highlightPoints(facet, chosen);
      for (const p of [...h.complete, ...h.pruned, ...h.clipped])
        expect(chosen.has(p.n)).toBe(true);
      for (const p of h.faded) expect(chosen.has(p.n)).toBe(false);
      // Nothing drawn is lost or drawn twice; the best and the failed are not the brush's.
      expect(numbers([...h.complete, ...h.pruned, ...h.clipped, ...h.faded])).toEqual(
        numbers([...facet.complete, ...facet.pruned, ...facet.clipped]),
      );
      expect(numbers(h.pruned)).toEqual(numbers(facet.pruned.filter((p) => chosen.has(p.n))));
    }
  });
});

describe("niceTicks", () => {
  it("covers the range with round steps", () => {
    const ticks = niceTicks(0.41, 142.04);
    expect(ticks[0]).toBeLessThanOrEqual(0.41);
    expect(ticks.at(-1)).toBeGreaterThanOrEqual(142.04);
    expect(ticks).toEqual([0, 50, 100, 150]);
    expect(niceTicks(0.2, 0.9)).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 3).length).toBeGreaterThan(1);
  });
});

describe("xTicksOf", () => {
  it("puts powers of ten on log axes and round steps on linear ones", async () => {
    const { xTicksOf } = await import("./facet-data");
    expect(
      xTicksOf({ kind: "range", name: "a", min: 0.0001, max: 0.5, scale: "log", type: "float" }),
    ).toEqual([0.0001, 0.001, 0.01, 0.1]);
    expect(
      xTicksOf({ kind: "range", name: "a", min: 2, max: 8, scale: "log", type: "float" }),
    ).toEqual([2, 8]);
    expect(
      xTicksOf({ kind: "range", name: "a", min: -5, max: 10, scale: "linear", type: "float" }),
    ).toEqual([-5, 0, 5, 10]);
    expect(xTicksOf({ kind: "choice", name: "c", values: ["a", "b"] })).toEqual([0, 1]);
    expect(
      xTicksOf({ kind: "range", name: "n", min: 1, max: 12, scale: "linear", type: "int" }),
    ).toEqual([2, 4, 6, 8, 10, 12]);
    expect(
      xTicksOf({ kind: "range", name: "n", min: 16, max: 128, scale: "linear", type: "int" }),
    ).toEqual([20, 40, 60, 80, 100, 120]);
  });
});
