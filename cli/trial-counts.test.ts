/**
 * The foreground summary's count of trials by status (`search 3 stopped: 2 complete, 1 stopped`):
 * random lists of statuses give counts that add up, in the status table's order, and a search
 * that ended before any trial (Ctrl-C while it waited for GPUs printed `search 1 stopped: `)
 * says so.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../lib/optimizer/rng";
import { trialStatusSchema } from "../lib/search/status";
import { trialCountsText } from "./_foreground";

describe("trialCountsText", () => {
  it("no trials", () => {
    expect(trialCountsText([])).toBe("no trials");
  });

  it("counts every status once, in the table's order, adding up (200 random lists)", () => {
    const rng = new Rng(3);
    const statuses = trialStatusSchema.options;
    for (let i = 0; i < 200; i++) {
      const trials = Array.from({ length: 1 + rng.int(30) }, () => ({
        status: statuses[rng.int(statuses.length)] ?? "complete",
      }));
      const parts = trialCountsText(trials).split(", ");
      const counted = parts.map((p) => {
        const [n, s] = p.split(" ");
        return [Number(n), s] as const;
      });
      expect(counted.reduce((sum, [n]) => sum + n, 0)).toBe(trials.length);
      const order = counted.map(([, s]) => statuses.indexOf(s as (typeof statuses)[number]));
      expect(order).toEqual([...order].sort((a, b) => a - b));
      for (const [n, s] of counted) {
        expect(n).toBeGreaterThan(0);
        expect(n).toBe(trials.filter((t) => t.status === s).length);
      }
    }
  });
});
