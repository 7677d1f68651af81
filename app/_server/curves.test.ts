/**
 * The curves the console sends for a few trials: the search's metric by default, another metric
 * when the compare panel picks one, and the metric names those trials printed (its picker).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { openStore } from "../../db";
import { makeSpec } from "../../db/testing/fixtures";

// The console's page data is server-only for Next.js; here it runs as plain Node.
vi.mock("server-only", () => ({}));

const home = mkdtempSync(join(tmpdir(), "hyperbayes-curves-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("loadCurves and loadMetricNames", () => {
  it("send the chosen metric of the chosen trials, and the names those trials printed", async () => {
    const store = await openStore({ home, databaseUrl: "" });
    const s = await store.createSearch(makeSpec({ metric: "loss" }), { status: "running" });
    const time = new Date(0);
    for (let n = 1; n <= 4; n++) {
      await store.createTrial(s.id, { number: n, params: { lr: n / 10 }, status: "running" });
      const points = [0, 1, 2].flatMap((step) => [
        { name: "loss", step, value: n + step, time },
        { name: "acc", step, value: n / 10 + step, time },
      ]);
      // Trial 4 alone prints a third metric.
      if (n === 4) points.push({ name: "grad_norm", step: 0, value: 9, time });
      await store.addMetricPoints({ searchId: s.id, number: n }, points);
    }
    await store.close();
    process.env.HYPERBAYES_HOME = home;
    process.env.HYPERBAYES_DATABASE_URL = "";
    const data = await import("./data");

    const loss = await data.loadCurves(s.id, [3, 1]);
    expect(loss?.map((c) => [c.trial, c.name, c.values])).toEqual([
      [3, "loss", [3, 4, 5]],
      [1, "loss", [1, 2, 3]],
    ]);
    const acc = await data.loadCurves(s.id, [3, 1], "acc");
    expect(acc?.map((c) => [c.trial, c.name, c.values])).toEqual([
      [3, "acc", [0.3, 1.3, 2.3]],
      [1, "acc", [0.1, 1.1, 2.1]],
    ]);
    expect(await data.loadCurves(s.id, [1], "no_such_metric")).toEqual([]);
    expect(await data.loadMetricNames(s.id, [1, 2])).toEqual(["acc", "loss"]);
    expect(await data.loadMetricNames(s.id, [1, 4])).toEqual(["acc", "grad_norm", "loss"]);
    expect(await data.loadMetricNames(s.id + 100, [1])).toBeUndefined();
  });
});
