import { describe, expect, it } from "vitest";
import { UsageError } from "../errors";
import { makeCodec } from "../space/encode";
import type { Params, Space } from "../space/schema";
import { DEFAULT_OPTIONS, encodeObservations, tiedFraction } from "./bayesian";
import { gridSize, type Observation, type SuggestRequest, suggest } from "./index";
import { suggestWith } from "./suggest";

const box2: Space = [
  { kind: "range", name: "x", min: -5, max: 10, scale: "linear", type: "float" },
  { kind: "range", name: "y", min: 0, max: 15, scale: "linear", type: "float" },
];
const discrete: Space = [
  { kind: "range", name: "layers", min: 1, max: 3, scale: "linear", type: "int" },
  { kind: "choice", name: "act", values: ["relu", "tanh", "gelu", 0.5] },
];
const mixed: Space = [
  { kind: "range", name: "lr", min: 1e-5, max: 1e-1, scale: "log", type: "float" },
  { kind: "range", name: "units", min: 16, max: 512, scale: "log", type: "int" },
  { kind: "choice", name: "opt", values: ["adam", "sgd"] },
];

const branin = (p: Params) => {
  const x = Number(p.x);
  const y = Number(p.y);
  return (
    (y - (5.1 / (4 * Math.PI ** 2)) * x * x + (5 / Math.PI) * x - 6) ** 2 +
    10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) +
    10
  );
};

function history(space: Space, f: (p: Params) => number | null, n: number, seed = 0) {
  const observations: Observation[] = [];
  for (let i = 0; i < n; i++) {
    const [p] = suggest({
      algorithm: "random",
      space,
      goal: "minimize",
      observations,
      pending: [],
      n: 1,
      seed,
    }).points;
    observations.push({ params: p!, value: f(p!) });
  }
  return observations;
}

const base = (over: Partial<SuggestRequest>): SuggestRequest => ({
  algorithm: "bayesian",
  space: box2,
  goal: "minimize",
  observations: [],
  pending: [],
  n: 1,
  seed: 0,
  ...over,
});

function inRange(space: Space, p: Params) {
  for (const spec of space) {
    const v = p[spec.name];
    if (spec.kind === "choice") expect(spec.values).toContain(v);
    else {
      expect(typeof v).toBe("number");
      expect(v as number).toBeGreaterThanOrEqual(spec.min);
      expect(v as number).toBeLessThanOrEqual(spec.max);
      if (spec.type === "int") expect(Number.isInteger(v)).toBe(true);
    }
  }
}

describe("suggest (bayesian)", () => {
  const observations = history(box2, branin, 12);

  it("is deterministic: the same request gives the same points, another seed others", () => {
    const a = suggest(base({ observations, n: 2 }));
    const b = suggest(base({ observations, n: 2 }));
    const c = suggest(base({ observations, n: 2, seed: 1 }));
    expect(a.points).toEqual(b.points);
    expect(a.state).toEqual(b.state);
    expect(c.points).not.toEqual(a.points);
    // The initial design too.
    expect(suggest(base({ n: 3 })).points).toEqual(suggest(base({ n: 3 })).points);
    expect(suggest(base({ n: 3 })).points).not.toEqual(suggest(base({ n: 3, seed: 9 })).points);
  });

  it("spreads a batch: n = 4 points pairwise apart and apart from the pending ones", () => {
    const codec = makeCodec(box2);
    const pending = [{ x: 3.1, y: 2.3 }];
    const r = suggest(base({ observations, pending, n: 4 }));
    expect(r.points).toHaveLength(4);
    const all = [...pending, ...r.points].map((p) => codec.encode(p));
    for (let i = 0; i < all.length; i++) {
      for (let j = i + 1; j < all.length; j++) {
        const d = Math.hypot(all[i]![0]! - all[j]![0]!, all[i]![1]! - all[j]![1]!);
        expect(d).toBeGreaterThan(0.01);
      }
    }
  });

  it("finds the Branin minimum region within 30 evaluations", () => {
    const obs: Observation[] = [];
    let warm: SuggestRequest["warm"];
    for (let i = 0; i < 30; i++) {
      const r = suggest(base({ observations: obs, warm, seed: 3 }));
      warm = r.state;
      obs.push({ params: r.points[0]!, value: branin(r.points[0]!) });
    }
    const best = Math.min(...obs.map((o) => o.value!));
    expect(best - 0.397887).toBeLessThan(0.05);
  });

  it("never repeats a point of a finite space until it is exhausted", () => {
    const codec = makeCodec(discrete);
    expect(codec.size).toBe(12);
    const obs: Observation[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const r = suggest(base({ space: discrete, observations: obs }));
      expect(r.points).toHaveLength(1);
      const p = r.points[0]!;
      inRange(discrete, p);
      const key = codec.key(p);
      expect(seen.has(key)).toBe(false);
      seen.add(key);
      obs.push({ params: p, value: Number(p.layers) + (p.act === "tanh" ? 0 : 1) });
    }
    const end = suggest(base({ space: discrete, observations: obs }));
    expect(end.points).toEqual([]);
    expect(end.exhausted).toBe(true);
  });

  it("returns fewer points and exhausted when a batch outgrows what is left", () => {
    const obs = history(discrete, () => 1, 9);
    const pending = [suggest(base({ space: discrete, observations: obs })).points[0]!];
    const r = suggest(base({ space: discrete, observations: obs, pending, n: 5 }));
    expect(r.points).toHaveLength(2);
    expect(r.exhausted).toBe(true);
    const codec = makeCodec(discrete);
    const keys = new Set([...obs.map((o) => o.params), ...pending, ...r.points].map(codec.key));
    expect(keys.size).toBe(12);
  });

  it("keeps mixed int/log/choice points valid", () => {
    const obs = history(
      mixed,
      (p) => Math.abs(Math.log10(Number(p.lr)) + 3) + (p.opt === "sgd" ? 1 : 0),
      10,
    );
    const r = suggest(base({ space: mixed, observations: obs, n: 3 }));
    expect(r.points).toHaveLength(3);
    for (const p of r.points) inRange(mixed, p);
  });

  it("steers away from the region where trials failed (failures count as the worst value)", () => {
    const line: Space = [
      { kind: "range", name: "x", min: 0, max: 1, scale: "linear", type: "float" },
    ];
    // Lower is better towards x = 1, but every trial above 0.6 crashed.
    const obs: Observation[] = [];
    for (const x of [0.05, 0.15, 0.25, 0.35, 0.45, 0.55]) obs.push({ params: { x }, value: -x });
    for (const x of [0.65, 0.72, 0.8, 0.9, 0.97]) obs.push({ params: { x }, value: null });
    const req = base({ space: line, observations: obs, kappa: 0.5 });
    const withFailures = suggest(req).points[0]!;
    expect(Number(withFailures.x)).toBeLessThan(0.65);
    const ignoring = suggestWith(req, { ...DEFAULT_OPTIONS, failed: "ignore" }).points[0]!;
    expect(Number(ignoring.x)).toBeGreaterThan(0.6);
  });

  it("steers away from the region of pruned trials (not treated as missing)", () => {
    const line: Space = [
      { kind: "range", name: "x", min: 0, max: 1, scale: "linear", type: "float" },
    ];
    // Complete trials say lower is better towards x = 1; every trial above 0.6 was pruned early,
    // at a last value better than the worst complete trial's (an early step's value, no final).
    const obs: Observation[] = [];
    for (const x of [0.05, 0.15, 0.25, 0.35, 0.45, 0.55]) obs.push({ params: { x }, value: -x });
    for (const x of [0.65, 0.72, 0.8, 0.9, 0.97]) {
      obs.push({ params: { x }, value: -0.2, pruned: true, step: 1 });
    }
    const req = base({ space: line, observations: obs, kappa: 0.5 });
    const learning = suggest(req).points[0]!;
    expect(Number(learning.x)).toBeLessThan(0.62);
    const missing = suggestWith(req, { ...DEFAULT_OPTIONS, pruned: "ignore" }).points[0]!;
    expect(Number(missing.x)).toBeGreaterThan(0.6);
  });

  it("counts a pruned trial as tried and never as the best so far", () => {
    // A finite space: the pruned points are never proposed again.
    const obs: Observation[] = [
      { params: { layers: 1, act: "relu" }, value: 3 },
      { params: { layers: 2, act: "relu" }, value: 0.1, pruned: true, step: 2 },
      { params: { layers: 3, act: "tanh" }, value: 0.2, pruned: true },
    ];
    const codec = makeCodec(discrete);
    const told = new Set(obs.map((o) => codec.key(o.params)));
    const r = suggest(base({ space: discrete, observations: obs, n: 9 }));
    expect(r.points).toHaveLength(9);
    for (const p of r.points) expect(told.has(codec.key(p))).toBe(false);
    // The incumbent (EI's best) is the complete trial's value, not the pruned trial's lower one.
    const req = base({ space: discrete, observations: obs, acquisition: "ei" });
    const data = encodeObservations(req, codec, DEFAULT_OPTIONS);
    expect(data.complete).toBe(1);
    expect(data.ranking[0]).toBe(0);
    // ...though their values (entered as told) are better than the complete one's.
    for (const i of data.ranking.slice(1)) expect(data.y[i]!).toBeLessThan(data.y[0]!);
  });

  it("never throws on odd histories", () => {
    const line: Space = [
      { kind: "range", name: "x", min: 0, max: 1, scale: "linear", type: "float" },
    ];
    const cases: Observation[][] = [
      [],
      [{ params: { x: 0.3 }, value: null }],
      Array.from({ length: 6 }, (_, i) => ({ params: { x: i / 6 }, value: i, pruned: true })),
      [
        { params: { x: 0.1 }, value: null },
        { params: { x: 0.4 }, value: 2, pruned: true, step: 3 },
        { params: { x: 0.7 }, value: 1 },
      ],
      Array.from({ length: 8 }, (_, i) => ({ params: { x: i / 8 }, value: null })),
      Array.from({ length: 8 }, (_, i) => ({ params: { x: i / 8 }, value: 4 })),
      Array.from({ length: 8 }, () => ({ params: { x: 0.5 }, value: 1 })),
      Array.from({ length: 8 }, (_, i) => ({ params: { x: 0.5 }, value: i })),
      Array.from({ length: 8 }, (_, i) => ({ params: { x: i / 8 }, value: i === 3 ? 1e300 : i })),
      Array.from({ length: 8 }, (_, i) => ({
        params: { x: i / 8 },
        value: i === 3 ? Number.NaN : i,
      })),
    ];
    for (const observations of cases) {
      for (const acquisition of ["ucb", "ei"] as const) {
        const r = suggest(base({ space: line, observations, n: 3, acquisition }));
        expect(r.points).toHaveLength(3);
        for (const p of r.points) inRange(line, p);
      }
    }
  });

  it("hands back a state that warm-starts the next ask and ignores a foreign one", () => {
    const r1 = suggest(base({ observations }));
    expect(r1.state?.dims).toBe(2);
    expect(r1.state?.fittedAt).toBe(observations.length);
    // Same data, warm state: no refit needed, same hyperparameters, same point.
    const r2 = suggest(base({ observations, warm: r1.state }));
    expect(r2.state?.theta).toEqual(r1.state?.theta);
    expect(r2.points).toEqual(r1.points);
    const foreign = {
      kind: "gp" as const,
      version: 1 as const,
      dims: 5,
      theta: [0, 0],
      fittedAt: 3,
    };
    expect(suggest(base({ observations, warm: foreign })).points).toEqual(r1.points);
  });

  it("maximizes as well as minimizes", () => {
    const line: Space = [
      { kind: "range", name: "x", min: 0, max: 1, scale: "linear", type: "float" },
    ];
    const f = (x: number) => -((x - 0.8) ** 2);
    const obs: Observation[] = [0.1, 0.3, 0.5, 0.7, 0.95].map((x) => ({
      params: { x },
      value: f(x),
    }));
    const p = suggest(base({ space: line, observations: obs, goal: "maximize", kappa: 0.1 }));
    expect(Number(p.points[0]!.x)).toBeCloseTo(0.8, 1);
  });

  it("rejects observations that are not points of the space", () => {
    expect(() => suggest(base({ observations: [{ params: { x: 1 }, value: 2 }] }))).toThrow(
      UsageError,
    );
    expect(() => suggest(base({ n: -1 }))).toThrow(UsageError);
  });
});

describe("tiedFraction (the plateau signal that widens κ)", () => {
  it("counts the values equal to another, to rounding", () => {
    expect(tiedFraction([])).toBe(0);
    expect(tiedFraction([3])).toBe(0);
    expect(tiedFraction([1, 2, 3, 4])).toBe(0);
    expect(tiedFraction([2, 1, 2, 3])).toBe(0.5);
    expect(tiedFraction([5, 5, 5, 5])).toBe(1);
    expect(tiedFraction([0.1 + 0.2, 0.3, 7])).toBeCloseTo(2 / 3, 12);
    expect(tiedFraction([1, 1 + 1e-9])).toBe(0);
  });
});

describe("grid", () => {
  const space: Space = [
    { kind: "choice", name: "a", values: [1, 2] },
    { kind: "range", name: "b", min: 0, max: 2, scale: "linear", type: "int" },
    { kind: "choice", name: "c", values: ["x", "y"] },
  ];

  it("counts points and rejects float ranges", () => {
    expect(gridSize(space)).toBe(12);
    expect(() => gridSize(box2)).toThrow(UsageError);
    expect(() => suggest(base({ algorithm: "grid", space: box2 }))).toThrow(/float range/);
  });

  it("walks the product with the first parameter slowest, skipping taken points", () => {
    const all = suggest(base({ algorithm: "grid", space, n: 12 })).points;
    expect(all.map((p) => `${p.a}${p.b}${p.c}`)).toEqual([
      "10x",
      "10y",
      "11x",
      "11y",
      "12x",
      "12y",
      "20x",
      "20y",
      "21x",
      "21y",
      "22x",
      "22y",
    ]);
    const observations = [all[0]!, all[2]!].map((params) => ({ params, value: 1 }));
    const next = suggest(
      base({ algorithm: "grid", space, observations, pending: [all[1]!], n: 2 }),
    );
    expect(next.points).toEqual([all[3], all[4]]);
    const rest = suggest(
      base({
        algorithm: "grid",
        space,
        observations: all.slice(0, 10).map((params) => ({ params, value: null })),
        n: 5,
      }),
    );
    expect(rest.points).toEqual(all.slice(10));
    expect(rest.exhausted).toBe(true);
  });
});

describe("random", () => {
  it("draws seeded points in range", () => {
    const a = suggest(base({ algorithm: "random", space: mixed, n: 50 })).points;
    const b = suggest(base({ algorithm: "random", space: mixed, n: 50 })).points;
    expect(a).toEqual(b);
    for (const p of a) inRange(mixed, p);
    // Log-uniform: about half the learning rates fall below the geometric midpoint 1e-3.
    const low = a.filter((p) => Number(p.lr) < 1e-3).length;
    expect(low).toBeGreaterThan(12);
    expect(low).toBeLessThan(38);
  });

  it("does not repeat in a finite space and says when it is used up", () => {
    const codec = makeCodec(discrete);
    const r = suggest(base({ algorithm: "random", space: discrete, n: 20 }));
    expect(r.points).toHaveLength(12);
    expect(new Set(r.points.map(codec.key)).size).toBe(12);
    expect(r.exhausted).toBe(true);
  });
});
