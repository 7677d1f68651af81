import { describe, expect, it } from "vitest";
import { Rng } from "../../lib/optimizer/rng";
import { toggleTrial } from "./use-trial-selection";

describe("toggleTrial", () => {
  it("keeps tick order, never holds a trial twice or more than the limit, and says a refusal", () => {
    const rng = new Rng(7);
    for (let round = 0; round < 200; round++) {
      const limit = 1 + rng.int(5);
      let trials: readonly number[] = [];
      for (let step = 0; step < 40; step++) {
        const n = 1 + rng.int(10);
        const before = trials;
        const r = toggleTrial(trials, n, limit);
        trials = r.trials;
        expect(new Set(trials).size).toBe(trials.length);
        expect(trials.length).toBeLessThanOrEqual(limit);
        if (before.includes(n)) {
          expect(trials).toEqual(before.filter((t) => t !== n));
          expect(r.note).toBeNull();
        } else if (before.length === limit) {
          expect(trials).toBe(before);
          expect(r.note).toBe(
            `At most ${limit} trials can be compared; untick one to add trial ${n}.`,
          );
        } else {
          expect(trials).toEqual([...before, n]);
          expect(r.note).toBeNull();
        }
      }
    }
  });
});
