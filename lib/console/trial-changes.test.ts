import { describe, expect, it } from "vitest";
import { Rng } from "../optimizer/rng";
import { trialStatusSchema } from "../search/status";
import { countByStatus, mergeTrials } from "./trial-changes";
import type { TrialRow } from "./views";

const row = (n: number, over: Partial<TrialRow> = {}): TrialRow => ({
  n,
  status: "running",
  params: { lr: n / 100 },
  value: null,
  startedAt: 1000 + n,
  endedAt: null,
  exitCode: null,
  reason: null,
  jobId: null,
  firstStep: null,
  lastStep: null,
  ...over,
});

describe("mergeTrials", () => {
  it("equals the server's trials after any sequence of polls, keeping unchanged rows' objects", () => {
    const rng = new Rng(5);
    const statuses = trialStatusSchema.options;
    for (let round = 0; round < 200; round++) {
      // The server's truth, and the page's copy merged from random polls of what changed.
      const server = new Map<number, TrialRow>();
      let page: TrialRow[] = [];
      for (let tick = 0; tick < 20; tick++) {
        const changed: TrialRow[] = [];
        for (let k = rng.int(5); k > 0; k--) {
          const n = 1 + rng.int(30);
          const t = row(n, {
            status: statuses[rng.int(statuses.length)],
            value: rng.uniform() < 0.5 ? null : rng.uniform(),
            // A change of the steps alone is a change (early stopping's savings read them).
            firstStep: rng.uniform() < 0.5 ? null : 1,
            lastStep: rng.uniform() < 0.5 ? null : rng.int(3),
          });
          server.set(n, t);
          changed.push(t);
        }
        // A poll may repeat a row the page already has (unchanged): harmless.
        if (page.length > 0 && rng.uniform() < 0.3) {
          const again = page[rng.int(page.length)] as TrialRow;
          changed.push({ ...(server.get(again.n) as TrialRow) });
        }
        const before = page;
        page = mergeTrials(page, changed);
        expect(page.map((t) => t.n)).toEqual([...server.keys()].sort((a, b) => a - b));
        for (const t of page) expect(t).toEqual(server.get(t.n));
        // A row the poll did not bring, or brought unchanged, keeps its object.
        const brought = new Map<number, TrialRow[]>();
        for (const t of changed) brought.set(t.n, [...(brought.get(t.n) ?? []), t]);
        for (const t of before) {
          const now = page.find((p) => p.n === t.n);
          const all = brought.get(t.n) ?? [];
          if (all.every((c) => JSON.stringify(c) === JSON.stringify(t))) expect(now).toBe(t);
        }
      }
    }
  });

  it("returns the same array when nothing differs", () => {
    const page = [row(1), row(2), row(5)];
    expect(mergeTrials(page, [])).toBe(page);
    expect(mergeTrials(page, [row(2)])).toBe(page);
    const next = mergeTrials(page, [row(2, { status: "complete", value: 1 }), row(3), row(9)]);
    expect(next).not.toBe(page);
    expect(next.map((t) => t.n)).toEqual([1, 2, 3, 5, 9]);
    expect(next[0]).toBe(page[0]);
    expect(page.map((t) => t.n)).toEqual([1, 2, 5]);
  });
});

describe("countByStatus", () => {
  it("counts every status and the total", () => {
    const c = countByStatus([row(1), row(2, { status: "complete" }), row(3, { status: "failed" })]);
    expect(c).toMatchObject({ total: 3, running: 1, complete: 1, failed: 1, queued: 0 });
    expect(Object.keys(c).sort()).toEqual([...trialStatusSchema.options, "total"].sort());
  });
});
