/**
 * The optimizer on spaces with choices and booleans, as a real search has them (issue 14), over
 * many seeds: every value of a choice is tried as soon as the design has room for it, and a
 * combination of booleans is not condemned by one bad sample. Thresholds are set so that the
 * optimizer before issue 14 fails each test (its failure counts are in the comments).
 */
import { describe, expect, it } from "vitest";
import { makeCodec } from "../space/encode";
import { parseSpace } from "../space/parse";
import type { Params } from "../space/schema";
import { type ModelState, type Observation, suggest } from "./index";

/**
 * scikit-learn's Lasso on the diabetes data (5-fold CV mean squared error on an 80% split, as
 * bench/tuning measures it), tabulated over alpha for each combination of the two booleans;
 * max_iter and tol change it by less than 0.5%. The best value (2864) needs fit_intercept=true,
 * positive=false and a small alpha; alpha >= 3 is a plateau where every setting ties.
 */
const LOG_ALPHA = [0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30, 100].map(Math.log10);
const LASSO_MSE: Record<string, number[]> = {
  "true,true": [3084, 3083, 3086, 3130, 3712, 6150, 6150, 6150, 6150],
  "true,false": [2872, 2864, 2876, 3041, 3712, 6150, 6150, 6150, 6150],
  "false,true": [27473, 27465, 27441, 27421, 27702, 29112, 29112, 29112, 29112],
  "false,false": [28391, 28287, 28060, 27640, 27752, 29112, 29112, 29112, 29112],
};
const lassoSpace = parseSpace([
  "alpha=0.01:100:log",
  "fit_intercept=true,false",
  "max_iter=10:5000:log:int",
  "tol=0.00001:0.1:log",
  "positive=true,false",
]);
const combination = (p: Params) => `${p.fit_intercept},${p.positive}`;

function lassoMse(p: Params): number {
  const t = Math.log10(Number(p.alpha));
  const row = LASSO_MSE[combination(p)]!;
  let i = 0;
  while (i < LOG_ALPHA.length - 2 && t > LOG_ALPHA[i + 1]!) i++;
  const w = (t - LOG_ALPHA[i]!) / (LOG_ALPHA[i + 1]! - LOG_ALPHA[i]!);
  return row[i]! + w * (row[i + 1]! - row[i]!);
}

/** `rounds` rounds of `batch` points, each round told before the next ask (bench/tuning's way). */
function rounds(seed: number, count: number, batch: number): Observation[] {
  const observations: Observation[] = [];
  let warm: ModelState | undefined;
  for (let r = 0; r < count; r++) {
    const res = suggest({
      algorithm: "bayesian",
      space: lassoSpace,
      goal: "minimize",
      observations,
      pending: [],
      n: batch,
      seed,
      warm,
    });
    warm = res.state ?? warm;
    for (const p of res.points) observations.push({ params: p, value: lassoMse(p) });
  }
  return observations;
}

describe("choices in the initial design", () => {
  // `act` listed third, after two ranges: before issue 14 the 5-point design used one activation
  // only in 31 of 200 seeds (independent draws: about 12.5).
  const mlp = parseSpace(["lr=1e-5:0.1:log", "units=16:512:log:int", "act=relu,tanh"]);

  it("holds every value of a choice in the first batch, for 200 seeds", () => {
    let oneValue = 0;
    for (let seed = 0; seed < 200; seed++) {
      const r = suggest({
        algorithm: "bayesian",
        space: mlp,
        goal: "minimize",
        observations: [],
        pending: [],
        n: 5,
        seed,
      });
      if (new Set(r.points.map((p) => p.act)).size < 2) oneValue++;
    }
    expect(oneValue).toBe(0);
  });

  it("balances several choices and their combinations across a batch of 8", () => {
    const space = parseSpace(["x=0:1", "a=true,false", "b=true,false", "c=r,g,b"]);
    let unbalanced = 0;
    for (let seed = 0; seed < 100; seed++) {
      const { points } = suggest({
        algorithm: "bayesian",
        space,
        goal: "minimize",
        observations: [],
        pending: [],
        n: 8,
        seed,
      });
      const count = (f: (p: Params) => string) => {
        const m = new Map<string, number>();
        for (const p of points) m.set(f(p), (m.get(f(p)) ?? 0) + 1);
        return [...m.values()];
      };
      const a = count((p) => String(p.a));
      const c = count((p) => String(p.c));
      const ab = count((p) => `${p.a},${p.b}`);
      // Each boolean 4/4, c 3/3/2, and each of the 4 combinations of a and b twice.
      const ok =
        a.length === 2 &&
        a.every((k) => k === 4) &&
        c.length === 3 &&
        Math.max(...c) - Math.min(...c) <= 1 &&
        ab.length === 4 &&
        ab.every((k) => k === 2);
      if (!ok) unbalanced++;
    }
    expect(unbalanced).toBe(0);
  });

  it("tries both values within the first trials of a sequential search, for 20 seeds", () => {
    // Before issue 14: over 12 sequential trials, 4 of 20 seeds never tried one of the two.
    let missing = 0;
    for (let seed = 0; seed < 20; seed++) {
      const observations: Observation[] = [];
      let warm: ModelState | undefined;
      for (let i = 0; i < 12; i++) {
        const r = suggest({
          algorithm: "bayesian",
          space: mlp,
          goal: "minimize",
          observations,
          pending: [],
          n: 1,
          seed,
          warm,
        });
        warm = r.state ?? warm;
        const p = r.points[0]!;
        const lr = Math.log10(Number(p.lr));
        observations.push({ params: p, value: (lr + 3) ** 2 + (p.act === "relu" ? 0.5 : 0) });
      }
      if (new Set(observations.map((o) => o.params.act)).size < 2) missing++;
    }
    expect(missing).toBe(0);
  });
});

describe("combinations of booleans", () => {
  // A generous timeout: about 5 s of CPU, on a machine that may be shared.
  it("keeps trying the combination that holds the best value (Lasso, 4 rounds of 8, 30 seeds)", {
    timeout: 90_000,
  }, () => {
    // Before issue 14 the search locked onto fit_intercept=true, positive=true after one round in
    // 3 of 30 seeds (the best combination got at most one of the next 24 evaluations) and so
    // missed the best value (< 2900) in those 3.
    let starved = 0;
    let missed = 0;
    for (let seed = 0; seed < 30; seed++) {
      const obs = rounds(seed, 4, 8);
      const later = obs.slice(8).filter((o) => combination(o.params) === "true,false").length;
      if (later < 2) starved++;
      if (Math.min(...obs.map((o) => o.value!)) >= 2900) missed++;
    }
    expect(starved).toBe(0);
    expect(missed).toBe(0);
  });

  it("keeps a batch of 8 distinct, and apart from the 8 in flight", () => {
    const codec = makeCodec(lassoSpace);
    for (let seed = 0; seed < 4; seed++) {
      const observations = rounds(seed, 2, 8);
      const pending = suggest({
        algorithm: "bayesian",
        space: lassoSpace,
        goal: "minimize",
        observations,
        pending: [],
        n: 8,
        seed,
      }).points;
      const { points } = suggest({
        algorithm: "bayesian",
        space: lassoSpace,
        goal: "minimize",
        observations,
        pending,
        n: 8,
        seed,
      });
      expect(points).toHaveLength(8);
      const all = [...observations.map((o) => o.params), ...pending, ...points];
      expect(new Set(all.map(codec.key)).size).toBe(all.length);
      // Points in flight with the same booleans differ in their ranges by more than rounding.
      const inFlight = [...pending, ...points].map((p) => ({ p, u: codec.encode(p) }));
      for (let i = 0; i < inFlight.length; i++) {
        for (let j = i + 1; j < inFlight.length; j++) {
          const a = inFlight[i]!;
          const b = inFlight[j]!;
          if (combination(a.p) !== combination(b.p)) continue;
          let d = 0;
          for (let k = 0; k < codec.dims; k++) d = Math.max(d, Math.abs(a.u[k]! - b.u[k]!));
          expect(d).toBeGreaterThan(1e-3);
        }
      }
    }
  });
});
