import { describe, expect, it } from "vitest";
import type { Params } from "../../lib/space/schema";
import { SYNTH_CROSS, SYNTH_NOCROSS, synthCurve } from "./problems";
import { type Controller, simulate } from "./simulate";
import { gpController } from "./strategies";

/** Hands out x = 0, 1, 2, ... and prunes by a predicate; records what it was told. */
function scripted(prune: (id: number, step: number) => boolean) {
  let next = 0;
  const asks: { n: number; running: number }[] = [];
  const ended: { id: number; step: number; pruned: boolean }[] = [];
  const controller: Controller = {
    async ask(n, running) {
      asks.push({ n, running: running.length });
      return Array.from({ length: n }, () => ({ x: next++ }));
    },
    async report(id, step) {
      return prune(id, step);
    },
    async end(id, e) {
      ended.push({ id, step: e.step, pruned: e.pruned });
    },
  };
  return { controller, asks, ended };
}

const curve = async (p: Params, step: number) => Number(p.x) + 1 / step;

describe("bench/early-stop simulate", () => {
  it("runs every trial to the end without pruning: trials × steps, best = the best final", async () => {
    const s = scripted(() => false);
    const r = await simulate({ ...s, curve, trials: 10, parallel: 4, maxSteps: 5, seed: 1 });
    expect(r.steps).toBe(50);
    expect(r.best).toBe(0 + 1 / 5);
    expect(r.trials.every((t) => t.final !== null && !t.pruned)).toBe(true);
    // 4 at once, then one new trial each time a slot frees, with the 3 others in flight.
    expect(s.asks[0]).toEqual({ n: 4, running: 0 });
    expect(s.asks.slice(1).every((a) => a.n === 1 && a.running === 3)).toBe(true);
    // Only the first 4 were asked before a trial reached the last step.
    expect(r.startedBlind).toBe(4);
  });

  it("counts a pruned trial's steps up to its pruning and keeps it out of the best", async () => {
    // Every trial but number 7 is pruned at step 2; 7 (x = 7) is the only complete one.
    const s = scripted((id, step) => id !== 7 && step === 2);
    const r = await simulate({ ...s, curve, trials: 10, parallel: 4, maxSteps: 9, seed: 3 });
    expect(r.steps).toBe(9 * 2 + 9);
    expect(r.best).toBe(7 + 1 / 9);
    expect(s.ended.filter((e) => e.pruned)).toHaveLength(9);
    // All 10 were started before 7, the only one to finish, reached step 9: the others end at
    // step 2 and free their slots at once.
    expect(r.startedBlind).toBe(10);
  });

  it("is asynchronous: trials end out of their start order", async () => {
    const s = scripted(() => false);
    await simulate({ ...s, curve, trials: 12, parallel: 4, maxSteps: 6, seed: 5 });
    const order = s.ended.map((e) => e.id);
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
  });

  it("the synthetic family crosses only with the crossing knob on", () => {
    const fast = { lr: 1, width: 0.65, reg: 0.35 };
    const slow = { lr: 0.01, width: 0.65, reg: 0.35 };
    const c = SYNTH_CROSS.crossing;
    expect(synthCurve(c, fast, 1)).toBeLessThan(synthCurve(c, slow, 1));
    expect(synthCurve(c, fast, 27)).toBeGreaterThan(synthCurve(c, slow, 27) + 0.05);
    const n = SYNTH_NOCROSS.crossing;
    expect(synthCurve(n, fast, 27)).toBeLessThan(synthCurve(n, slow, 27));
  });

  it("our ASHA on the GP prunes most trials of the crossing family and ends some", async () => {
    const controller = await gpController({
      space: SYNTH_CROSS.space,
      seed: 0,
      prunedAs: "floor",
      rule: "asha",
      config: { minSteps: 1, eta: 3 },
    });
    const r = await simulate({
      controller,
      curve: async (p, t) => synthCurve(1, p, t),
      trials: 12,
      parallel: 4,
      maxSteps: 27,
      seed: 0,
    });
    const pruned = r.trials.filter((t) => t.pruned).length;
    expect(pruned).toBeGreaterThan(6);
    expect(pruned).toBeLessThan(12);
    expect(r.steps).toBeLessThan(12 * 27 * 0.6);
  });
});
