import { describe, expect, it } from "vitest";
import { parseSpace } from "../space/parse";
import type { Params } from "../space/schema";
import { fitSurrogate, type Observation, suggest } from "./index";

const space = parseSpace(["x=0:1", "z=0:1", "c=a,b,c"]);
const f = (p: Params) => (Number(p.x) - 0.3) ** 2 + (p.c === "b" ? 0.5 : 0);

function observations(n: number, sign = 1): Observation[] {
  const points = suggest({
    algorithm: "random",
    space,
    goal: "minimize",
    observations: [],
    pending: [],
    n,
    seed: 4,
  }).points;
  return points.map((params) => ({ params, value: sign * f(params) }));
}

describe("fitSurrogate", () => {
  it("gives the model's view: relevant parameters short, the mean low where the metric is", () => {
    for (const goal of ["minimize", "maximize"] as const) {
      const s = fitSurrogate({
        space,
        goal,
        observations: observations(30, goal === "minimize" ? 1 : -1),
        seed: 0,
      })!;
      const [x, z] = s.lengthScales;
      expect(x!).toBeLessThan(z!);
      const { mean, sd } = s.predict([
        { x: 0.3, z: 0.5, c: "a" },
        { x: 0.95, z: 0.5, c: "a" },
        { x: 0.3, z: 0.5, c: "b" },
      ]);
      // Lower is better in the model's units, whichever way the metric goes.
      expect(mean[0]!).toBeLessThan(mean[1]!);
      expect(mean[0]!).toBeLessThan(mean[2]!);
      for (const v of sd) expect(v).toBeGreaterThanOrEqual(0);
      expect(s.state.theta).toHaveLength(space.length + 2);
    }
  });

  it("has no model before two successful observations", () => {
    const one = observations(3).map((o, i) => (i === 0 ? o : { ...o, value: null }));
    expect(fitSurrogate({ space, goal: "minimize", observations: one, seed: 0 })).toBeNull();
  });
});

describe("Surrogate.toMetric", () => {
  it("maps the model's values back to the metric: its mean at observed points is near them", () => {
    for (const goal of ["minimize", "maximize"] as const) {
      const obs = observations(40, goal === "minimize" ? 1 : -1);
      const s = fitSurrogate({ space, goal, observations: obs, seed: 0 })!;
      const { mean } = s.predict(obs.map((o) => o.params));
      let err = 0;
      let spread = 0;
      const values = obs.map((o) => o.value!);
      const avg = values.reduce((a, b) => a + b, 0) / values.length;
      obs.forEach((o, i) => {
        err += (s.toMetric(mean[i]!) - o.value!) ** 2;
        spread += (o.value! - avg) ** 2;
      });
      // The fit explains most of the variance of a smooth function of x and c, in its own units.
      expect(err / spread).toBeLessThan(0.1);
      // Monotone in the right direction: lower model values are better metric values.
      const better = s.toMetric(-1);
      const worse = s.toMetric(1);
      if (goal === "minimize") expect(better).toBeLessThan(worse);
      else expect(better).toBeGreaterThan(worse);
    }
  });
});
