import { describe, expect, it } from "vitest";
import { trialColour } from "./trial-colour";

describe("trialColour", () => {
  it("depends on the trial number alone: trial 7's colour is the same with any other trials", () => {
    const draw = (trials: number[]) => new Map(trials.map((n) => [n, trialColour(n)]));
    const alone = draw([7]).get(7);
    expect(draw([3, 7, 12]).get(7)).toBe(alone);
    expect(draw([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]).get(7)).toBe(alone);
  });

  it("gives the first thousand trials a thousand different colours, neighbours far apart in hue", () => {
    const colours = Array.from({ length: 1000 }, (_, i) => trialColour(i + 1));
    expect(new Set(colours).size).toBe(1000);
    const hue = (c: string) => Number(/hsl\(([\d.]+)/.exec(c)?.[1]);
    for (let n = 1; n < 1000; n++) {
      const d = Math.abs(hue(colours[n - 1] as string) - hue(colours[n] as string));
      expect(Math.min(d, 360 - d)).toBeGreaterThan(90);
    }
  });
});
