/**
 * The insight views in Chromium, on searches the console's worker runs with tiny scripts whose
 * answers are known:
 * - a metric that depends on `x` alone: parameter importance ranks `x` first with most of it,
 *   the model's band is drawn on each facet chart, and a brush on the parallel coordinates'
 *   `x` axis filters the trials table to the trials in the range (counted against the store)
 *   and highlights them in the facet charts;
 * - a Branin-like search with one value of 170 and one below 0: clipping marks the outlier on
 *   the axis's edge, and a log scale is refused with the reason;
 * - 10,000 trials seeded through the store: the brush and the model's view stay fast.
 * Screenshots land in test-results/insight-*.png.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { bayesianSpec, untilEnded } from "./searches";
import { withStore } from "./store";

const ONE_PARAM = `
const [x, z, lr, opt] = process.argv.slice(2);
// Only x matters: the others are read and ignored.
void z; void lr; void opt;
console.log("loss=" + ((Number(x) - 0.3) ** 2 + 0.01));
`;

const OUTLIER = `
const values = { a: 0.41, b: 0.45, c: 0.5, d: 0.62, e: 0.8, f: 1.1, g: 170, h: -0.2 };
console.log("loss=" + values[process.argv[2]]);
`;

async function brush(page: Page, axis: string, from: number, to: number) {
  const hit = page.locator(`[data-testid="pc-axis"][data-axis="${axis}"] .pc-hit`);
  await hit.scrollIntoViewIfNeeded();
  const box = await hit.boundingBox();
  if (!box) throw new Error(`no ${axis} axis`);
  const x = box.x + box.width / 2;
  // Fractions of the axis from the top (the hit area pads the axis by 4 px at each end).
  const y = (f: number) => box.y + 4 + f * (box.height - 8);
  await page.mouse.move(x, y(from));
  await page.mouse.down();
  await page.mouse.move(x, y((from + to) / 2), { steps: 4 });
  await page.mouse.move(x, y(to), { steps: 4 });
  // The time from letting go until the table's count has changed and a frame was drawn.
  const settled = page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const count = document.querySelector('[data-testid="trials-count"]') as HTMLElement;
        const before = count.textContent;
        const start = performance.now();
        const check = () => {
          if (count.textContent !== before)
            requestAnimationFrame(() => resolve(performance.now() - start));
          else requestAnimationFrame(check);
        };
        window.addEventListener("pointerup", () => requestAnimationFrame(check), { once: true });
        // A brush that leaves the count as it was: no change to wait for.
        setTimeout(() => resolve(Number.NaN), 5000);
      }),
  );
  await page.mouse.up();
  return settled;
}

test("importance, the model band and brushing, on a metric that depends on x alone", async ({
  page,
}) => {
  const home = process.env.HB_E2E_HOME as string;
  const script = join(home, "one-param.mjs");
  writeFileSync(script, ONE_PARAM);
  const spec = bayesianSpec([
    "--param",
    "x=0:1",
    "--param",
    "z=0:1",
    "--param",
    "lr=0.0001:0.1:log",
    "--param",
    "opt=adam,sgd,rmsprop",
    "-n",
    "30",
    "-r",
    "6",
    "--metric",
    "loss",
    "--goal",
    "minimize",
    "--description",
    "e2e: insight, loss depends on x only",
    "--",
    "node",
    script,
    ":x:",
    ":z:",
    ":lr:",
    ":opt:",
  ]);
  const id = await withStore(async (s) => (await s.createSearch(spec)).id);
  await withStore((s) => untilEnded(s, id, 110_000));
  await page.goto(`/searches/${id}`);

  // Importance: x first, with most of it; one row per parameter, the method named.
  const importance = page.getByTestId("param-importance");
  await expect(importance.getByTestId("importance-row")).toHaveCount(4);
  const first = importance.getByTestId("importance-row").first();
  await expect(first).toHaveAttribute("data-param", "x");
  expect(Number(await first.getAttribute("data-importance"))).toBeGreaterThan(0.6);
  await expect(importance).toContainText("fANOVA of the GP posterior mean");
  await expect(page.getByTestId("model-map")).toHaveAttribute("data-x", "x");

  // The model's band on every facet chart.
  const facets = page.getByTestId("facet-chart");
  await expect(facets).toHaveCount(4);
  for (const name of ["x", "z", "lr", "opt"]) {
    const chart = page.locator(`[data-testid="facet-chart"][data-param="${name}"]`);
    await expect(chart).toHaveAttribute("data-model", "true");
    await expect(chart.getByTestId("model-band")).toHaveCount(1);
  }
  // Along x the mean dips where the metric does, near 0.3.
  const xBand = page.locator(
    '[data-testid="facet-chart"][data-param="x"] [data-testid="model-band"] path',
  );
  await expect(xBand).toHaveCount(2);
  await page.getByTestId("facet-chart").first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: "test-results/insight-model.png", fullPage: true });

  // Brushing: the table shows the trials whose x lies in the brushed range.
  const count = page.getByTestId("trials-count");
  await expect(count).toHaveText("30 trials");
  const pc = page.getByTestId("parallel-coordinates");
  await pc.scrollIntoViewIfNeeded();
  await brush(page, "x", 0.25, 0.75);
  const band = pc.getByTestId("pc-brush");
  await expect(band).toHaveCount(1);
  const lo = Number(await band.getAttribute("data-from"));
  const hi = Number(await band.getAttribute("data-to"));
  expect(hi).toBeGreaterThan(lo);
  const trials = await withStore((s) => s.listTrials(id));
  const inRange = trials.filter(
    (t) => t.value !== null && Number(t.params.x) >= lo - 1e-6 && Number(t.params.x) <= hi + 1e-6,
  );
  expect(inRange.length).toBeGreaterThan(0);
  expect(inRange.length).toBeLessThan(30);
  await expect(count).toHaveText(`${inRange.length} of 30 trials`);
  await expect(pc.getByTestId("pc-selected")).toHaveText(String(inRange.length));
  // The rows the table renders (it virtualizes) are all trials in the range.
  const wanted = new Set(inRange.map((t) => String(t.number)));
  const rendered = await page
    .locator('[data-testid="trials-table"] tbody tr[data-trial]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-trial")));
  expect(rendered.length).toBeGreaterThan(0);
  for (const n of rendered) expect(wanted.has(String(n))).toBe(true);
  // The facet charts highlight the same trials.
  await expect(facets.first()).toHaveAttribute("data-highlighted", String(inRange.length));
  await page.screenshot({ path: "test-results/insight-brushed.png", fullPage: true });
  await pc.screenshot({ path: "test-results/insight-pc.png" });
  await importance.screenshot({ path: "test-results/insight-importance.png" });
  await page.getByTestId("model-map").screenshot({ path: "test-results/insight-map.png" });
  await page
    .locator('[data-testid="facet-chart"][data-param="x"]')
    .screenshot({ path: "test-results/insight-facet-x.png" });

  // A second brush narrows the selection (AND); "show all" drops both.
  await brush(page, "loss", 0.7, 1);
  await expect(pc).toHaveAttribute("data-brushes", "2");
  const narrowed = Number((await pc.getByTestId("pc-selected").textContent())?.replace(/,/g, ""));
  expect(narrowed).toBeLessThanOrEqual(inRange.length);
  await expect(count).toHaveText(`${narrowed} of 30 trials`);
  await page.getByTestId("trials-show-all").click();
  await expect(count).toHaveText("30 trials");
  await expect(pc).toHaveAttribute("data-brushes", "0");
  await expect(facets.first()).not.toHaveAttribute("data-highlighted", /\d/);

  // The log scale on the metric axis (every loss here is positive).
  await page.getByTestId("metric-log").check();
  await expect(facets.first()).toHaveAttribute("data-metric-scale", "log");
  await expect(page.getByTestId("log-refused")).toHaveCount(0);
  await page.getByTestId("facet-chart").first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: "test-results/insight-log.png", fullPage: true });
});

test("clipping an outlier marks it on the edge; a log scale is refused below 0", async ({
  page,
}) => {
  const home = process.env.HB_E2E_HOME as string;
  const script = join(home, "outlier.mjs");
  writeFileSync(script, OUTLIER);
  const spec = bayesianSpec([
    "--param",
    "case=a,b,c,d,e,f,g,h",
    "-n",
    "8",
    "-r",
    "4",
    "--metric",
    "loss",
    "--goal",
    "minimize",
    "--description",
    "e2e: insight, an outlier",
    "--",
    "node",
    script,
    ":case:",
  ]);
  const id = await withStore(async (s) => (await s.createSearch(spec)).id);
  await withStore((s) => untilEnded(s, id, 90_000));
  await page.goto(`/searches/${id}`);
  // Eight cases, eight trials: the optimizer tries each once.
  const values = (await withStore((s) => s.listTrials(id))).flatMap((t) =>
    t.value === null ? [] : [t.value],
  );
  const outliers = values.filter((v) => v === 170).length;
  const negative = values.filter((v) => v <= 0).length;
  expect(outliers).toBeGreaterThan(0);
  expect(negative).toBeGreaterThan(0);
  const chart = page.locator('[data-testid="facet-chart"][data-param="case"]');
  await expect(chart).toHaveAttribute("data-clipped", "0");
  await page.getByTestId("metric-clip").check();
  await expect(chart).toHaveAttribute("data-clipped", String(outliers));
  await expect(chart).toContainText(`${outliers} clipped`);
  await page.getByTestId("metric-log").check();
  await expect(page.getByTestId("log-refused")).toContainText(
    `log scale needs positive values: ${negative} ${negative === 1 ? "is" : "are"} ≤ 0`,
  );
  await expect(chart).toHaveAttribute("data-metric-scale", "linear");
  await chart.scrollIntoViewIfNeeded();
  await page.screenshot({ path: "test-results/insight-clipped.png", fullPage: true });
});

test("10,000 trials: the model's view and a brush stay fast", async ({ page }) => {
  const N = 10_000;
  const spec = bayesianSpec([
    "--param",
    "lr=0.00001:0.1:log",
    "--param",
    "dropout=0:0.9",
    "--param",
    "layers=1:12:int",
    "--param",
    "optimizer=adam,sgd,rmsprop",
    "-n",
    String(N),
    "--metric",
    "val_loss",
    "--goal",
    "minimize",
    "--description",
    "e2e: insight at 10,000 trials",
    "--",
    "true",
    ":lr:",
    ":dropout:",
    ":layers:",
    ":optimizer:",
  ]);
  const id = await withStore(async (s) => {
    // Leased to no worker that exists: the console's worker leaves it alone.
    const search = await s.createSearch(spec, {
      status: "running",
      lease: { owner: "e2e-seed", ttlMs: 600_000 },
    });
    let seed = 7;
    const rand = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let n = 1; n <= N; n++) {
      const lr = 10 ** (-5 + 4 * rand());
      const dropout = 0.9 * rand();
      const layers = 1 + Math.floor(12 * rand());
      const optimizer = ["adam", "sgd", "rmsprop"][Math.floor(3 * rand())] as string;
      const value = (Math.log10(lr) + 3) ** 2 * 0.1 + dropout * 0.3 + 0.05 * rand();
      await s.createTrial(search.id, {
        number: n,
        params: { lr, dropout, layers, optimizer },
        status: "running",
        startedAt: new Date(n * 1000),
      });
      await s.updateTrial(search.id, n, {
        status: "complete",
        value,
        endedAt: new Date(n * 1000 + 500),
        exitCode: 0,
      });
    }
    await s.updateSearch(search.id, { status: "complete", endedAt: new Date() });
    return search.id;
  });

  const start = Date.now();
  await page.goto(`/searches/${id}`);
  await expect(page.getByTestId("trials-count")).toHaveText("10000 trials", { timeout: 30_000 });
  const shown = Date.now() - start;
  await expect(page.getByTestId("importance-row").first()).toHaveAttribute("data-param", "lr", {
    timeout: 30_000,
  });
  const modelled = Date.now() - start;
  const pc = page.getByTestId("parallel-coordinates");
  await expect(pc).toHaveAttribute("data-lines", "10000");
  await pc.scrollIntoViewIfNeeded();
  const t0 = Date.now();
  const toTable = await brush(page, "dropout", 0.6, 1);
  const selected = Number((await pc.getByTestId("pc-selected").textContent())?.replace(/,/g, ""));
  await expect(page.getByTestId("trials-count")).toHaveText(`${selected} of 10000 trials`);
  const brushed = Date.now() - t0;
  // dropout in the lower 40% of [0, 0.9] holds about 40% of the trials.
  expect(selected).toBeGreaterThan(3000);
  expect(selected).toBeLessThan(5000);
  console.log(
    `10,000 trials: table shown ${shown} ms, importance ${modelled} ms, brush (drag and all) ${brushed} ms, let go to table ${Math.round(toTable)} ms`,
  );
  await page.screenshot({ path: "test-results/insight-10k.png", fullPage: true });
  await pc.screenshot({ path: "test-results/insight-10k-pc.png" });
  await page.getByTestId("model-map").screenshot({ path: "test-results/insight-10k-map.png" });
});
