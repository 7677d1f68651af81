/**
 * The console's poll on a running search of 10,000 trials: what it sends follows what changed,
 * not the search's size. The store's side (the index the read uses) is in db/sqlite.test.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { openStore } from "../../db";
import { makeSpec } from "../../db/testing/fixtures";
import { countByStatus, mergeTrials } from "../../lib/console/trial-changes";
import { decodeSearchTrials } from "../../lib/console/trials-wire";
import type { SearchTrials } from "../../lib/console/views";

// The console's page data is server-only for Next.js; here it runs as plain Node.
vi.mock("server-only", () => ({}));

const home = mkdtempSync(join(tmpdir(), "hyperbayes-poll-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** The trials' body as the page reads it. */
function read(body: Uint8Array | undefined): SearchTrials {
  if (!body) throw new Error("no such search");
  const got = decodeSearchTrials(body.slice().buffer);
  if (!got.ok) throw new Error(got.error);
  return got.value;
}

describe("the search page's poll", () => {
  it("sends the trials written after its cursor, so its size follows the changes", async () => {
    const store = await openStore({ home, databaseUrl: "" });
    const s = await store.createSearch(makeSpec({ numRuns: 20_000 }), { status: "running" });
    const TRIALS = 10_000;
    for (let n = 1; n <= TRIALS; n++) {
      await store.createTrial(s.id, { number: n, params: { lr: n / TRIALS }, status: "running" });
      if (n <= TRIALS - 8) await store.updateTrial(s.id, n, { status: "complete", value: n });
    }
    process.env.HYPERBAYES_HOME = home;
    process.env.HYPERBAYES_DATABASE_URL = "";
    const data = await import("./data");
    const page = read(await data.loadSearchTrials(s.id));
    let held = page.trials;
    expect(held).toHaveLength(TRIALS);

    // Nothing changed: the poll sends no trial, whatever the search's size.
    const idle = await data.pollSearch(s.id, page.cursor);
    expect(idle?.trials).toEqual([]);
    expect(idle?.cursor).toBe(page.cursor);
    const idleBytes = JSON.stringify(idle).length;
    expect(idleBytes).toBeLessThan(4_000);

    // Three changes: three trials, a few hundred bytes more.
    await store.updateTrial(s.id, TRIALS - 3, { status: "complete", value: 0.25 });
    await store.updateTrial(s.id, TRIALS, { status: "failed", reason: "exit code 1" });
    await store.createTrial(s.id, { number: TRIALS + 1, params: { lr: 0.5 }, status: "running" });
    const poll = await data.pollSearch(s.id, page.cursor);
    if (!poll) throw new Error("no poll");
    expect(poll.trials.map((t) => t.n)).toEqual([TRIALS - 3, TRIALS, TRIALS + 1]);
    expect(JSON.stringify(poll).length - idleBytes).toBeLessThan(3 * 400);
    // The whole search, for scale: the poll is a ten-thousandth of it.
    const all = await data.pollSearch(s.id, 0);
    expect(all?.trials).toHaveLength(TRIALS + 1);
    expect(JSON.stringify(all).length).toBeGreaterThan(200 * JSON.stringify(poll).length);

    // Merged, the page holds what the store holds, and counts it the store's way.
    held = mergeTrials(held, poll.trials);
    expect(held).toEqual(all?.trials);
    expect(countByStatus(held)).toEqual(await store.countTrials(s.id));
    // The server's kept copy (asked for again: only the changes are read) says the same.
    const again = read(await data.loadSearchTrials(s.id));
    expect(again.trials).toEqual(all?.trials);
    expect(again.cursor).toBe(poll.cursor);
    // A change of the steps alone is a change too (early stopping's savings read them).
    await store.updateTrial(s.id, 1, { lastStep: 7 });
    const steps = await data.pollSearch(s.id, poll.cursor);
    expect(steps?.trials.map((t) => t.lastStep)).toEqual([7]);
    held = mergeTrials(held, steps?.trials ?? []);
    expect(held[0]?.lastStep).toBe(7);
    const kept = read(await data.loadSearchTrials(s.id));
    expect(kept.trials).toEqual(held);
    expect((await data.pollSearch(s.id, kept.cursor))?.trials).toEqual([]);
    await store.close();
  }, 180_000);
});
