/**
 * Comparing trials, and reading the trials table, in Chromium, on a search whose trials print
 * two metrics per epoch (`val_loss` and `train_acc`) and have a long parameter name:
 * - rows ticked while the search runs stay ticked through the polls that finish it;
 * - the table's headers wrap rather than clip, at 1400 px and at 1000 px;
 * - a filter `x > 0.5` leaves exactly the trials with x > 0.5 (counted against the store), and
 *   a malformed one (`x >`, `foo > 1`) is named under the box while the table stays full;
 * - ticking three rows (which opens no trial) and opening Compare overlays three curves and
 *   lists their parameters side by side; the metric picker switches the curves to `train_acc`;
 *   a fourth trial joins without changing the others' colours, the same colours as on the
 *   search page's curves; the selection survives sorting and filtering; the limit is said;
 *   Clear selection empties it; a click on a row outside its checkbox still opens the trial.
 * Screenshots land in test-results/compare-*.png.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { COMPARE_LIMIT } from "../lib/console/curve-trials";
import { bayesianSpec, untilEnded } from "./searches";
import { withStore } from "./store";

// Each trial prints its epochs, then waits for the file the test writes (argv[6]) to exist, so
// the page sees the search run.
const TWO_METRICS = `
import { existsSync } from "node:fs";
const [x, warmup, dropout, optimizer] = process.argv.slice(2).map((v, i) => (i < 3 ? Number(v) : v));
for (let epoch = 1; epoch <= 6; epoch++) {
  const loss = (x - 0.3) ** 2 + 0.2 / epoch + dropout * 0.1 + (optimizer === "sgd" ? 0.05 : 0);
  const acc = 1 - loss / 2 - warmup / 1e5;
  console.log("epoch=" + epoch + " val_loss=" + loss + " train_acc=" + acc);
}
while (!existsSync(process.argv[6])) await new Promise((resolve) => setTimeout(resolve, 50));
`;

/** Every header's text fits its cell: nothing is clipped. */
async function clippedHeaders(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="trials-table"] thead th')].flatMap((th) => {
      const el = th as HTMLElement;
      const parts = [el, ...el.querySelectorAll<HTMLElement>("button, .th-text")];
      return parts.some((p) => p.scrollWidth > p.clientWidth || p.scrollHeight > p.clientHeight)
        ? [el.dataset.column ?? "?"]
        : [];
    }),
  );
}

const strokeOf = (page: Page, scope: string, n: number) =>
  page.getByTestId(scope).locator(`.curve-trial-${n} path.curve-line`).getAttribute("stroke");
const pathOf = (page: Page, n: number) =>
  page.getByTestId("compare-curves").locator(`.curve-trial-${n} path.curve-line`).getAttribute("d");

test("compare trials, numeric filters, headers that never clip, stable curve colours", async ({
  page,
}) => {
  const home = process.env.HB_E2E_HOME as string;
  const script = join(home, "two-metrics.mjs");
  writeFileSync(script, TWO_METRICS);
  const go = join(home, "compare-go");
  const spec = bayesianSpec([
    "--param",
    "x=0:1",
    "--param",
    "learning_rate_warmup_steps=10:1000:int",
    "--param",
    "dropout=0:0.9",
    "--param",
    "optimizer=adam,sgd",
    "-n",
    "14",
    "-r",
    "4",
    "--metric",
    "val_loss",
    "--metric-agg",
    "last",
    "--goal",
    "minimize",
    "--description",
    "e2e: compare trials (two metrics)",
    "--",
    "node",
    script,
    ":x:",
    ":learning_rate_warmup_steps:",
    ":dropout:",
    ":optimizer:",
    go,
  ]);
  const id = await withStore(async (s) => (await s.createSearch(spec)).id);
  // While it runs: rows ticked early stay ticked through the polls that bring the rest.
  await page.goto(`/searches/${id}`);
  const table = page.getByTestId("trials-table");
  const rows = table.locator("tbody tr");
  const ticked = table.getByTestId("trial-select").and(page.locator(":checked"));
  await expect(rows.nth(1)).toBeVisible({ timeout: 60_000 });
  const early = [0, 1].map(async (i) => Number(await rows.nth(i).getAttribute("data-trial")));
  const earlyTrials = await Promise.all(early);
  for (const n of earlyTrials)
    await table.locator(`tr[data-trial="${n}"]`).getByTestId("trial-select").click();
  // Ticked while the search ran: its end, and the trials' ends, come by polls.
  // (The trials wait on `go`, so the search runs until the test writes it.)
  await expect(page.getByTestId("search-screen")).toHaveAttribute("data-status", "running");
  writeFileSync(go, "");
  await withStore((s) => untilEnded(s, id, 110_000));
  await expect(page.getByTestId("search-screen")).toHaveAttribute("data-status", "complete");
  await expect(rows).toHaveCount(14);
  expect(await ticked.count()).toBe(2);
  for (const n of earlyTrials)
    await expect(table.locator(`tr[data-trial="${n}"]`).getByTestId("trial-select")).toBeChecked();
  await page.getByTestId("compare-clear").click();
  await expect(ticked).toHaveCount(0);
  const stored = await withStore((s) => s.listTrials(id));
  expect(stored).toHaveLength(14);

  // Headers: wrapped, never clipped, at 1400 px and at 1000 px, sorted or not.
  await expect(table.locator('th[data-column="param_learning_rate_warmup_steps"]')).toBeVisible();
  expect(await clippedHeaders(page)).toEqual([]);
  await table.locator('th[data-column="param_learning_rate_warmup_steps"] button').click();
  await expect(table).toHaveAttribute("data-sort", "param_learning_rate_warmup_steps:asc");
  expect(await clippedHeaders(page)).toEqual([]);
  await page.setViewportSize({ width: 1000, height: 1000 });
  expect(await clippedHeaders(page)).toEqual([]);
  await page
    .getByTestId("trials-table")
    .screenshot({ path: "test-results/compare-headers-1000.png" });
  await page.setViewportSize({ width: 1400, height: 1000 });
  await table.locator('th[data-column="value"] button').click();
  await expect(table).toHaveAttribute("data-sort", "value:asc");

  // A numeric filter: exactly the trials with x > 0.5, as the store has them.
  const filter = page.getByTestId("trials-filter");
  const over = stored.filter((t) => (t.params.x as number) > 0.5).map((t) => t.number);
  await filter.fill("x > 0.5");
  await expect(rows).toHaveCount(over.length);
  const shownX = await table
    .locator('tbody td[data-column="param_x"] [data-value]')
    .evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-value"))));
  expect(shownX.every((x) => x > 0.5)).toBe(true);
  const shownN = (
    await rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute("data-trial"))))
  ).sort((a, b) => a - b);
  expect(shownN).toEqual(over.sort((a, b) => a - b));
  await expect(page.getByTestId("trials-filter-issue")).toHaveCount(0);
  // Two conditions joined by "and".
  await filter.fill("x > 0.5 and optimizer = adam");
  const both = stored.filter((t) => (t.params.x as number) > 0.5 && t.params.optimizer === "adam");
  await expect(rows).toHaveCount(both.length);

  // Malformed: named under the box, and the table is not blanked.
  await filter.fill("x >");
  await expect(page.getByTestId("trials-filter-issue")).toContainText(
    'x >: a value is missing after ">"',
  );
  await expect(rows).toHaveCount(14);
  await filter.fill("foo > 1");
  await expect(page.getByTestId("trials-filter-issue")).toContainText('no column "foo"');
  await expect(rows).toHaveCount(14);
  await page
    .locator("section.panel", { has: table })
    .screenshot({ path: "test-results/compare-filter-issue.png" });
  await filter.fill("");
  await expect(page.getByTestId("trials-filter-issue")).toHaveCount(0);

  // Tick the three best rows: no trial opens, and Compare says 3.
  const url = page.url();
  const picked: number[] = [];
  for (let i = 0; i < 3; i++) {
    const row = rows.nth(i);
    picked.push(Number(await row.getAttribute("data-trial")));
    await row.getByTestId("trial-select").click();
  }
  expect(page.url()).toBe(url);
  await page.getByTestId("compare-open").click();
  await expect(page.getByTestId("compare-open")).toHaveText("Compare (3)");
  const panel = page.getByTestId("compare-trials");
  await expect(panel).toBeVisible();
  const curves = page.getByTestId("compare-curves");
  await expect(curves).toHaveAttribute("data-metric", "val_loss");
  await expect(curves).toHaveAttribute("data-curves", "3");
  await expect(curves.locator("path.curve-line")).toHaveCount(3);

  // Side by side: one column per trial, one row per parameter plus value, status and duration.
  const params = page.getByTestId("compare-params");
  await expect(params.locator("thead th[data-trial]")).toHaveCount(3);
  await expect(params.locator("tbody tr")).toHaveCount(4 + 3);
  for (const n of picked) {
    const t = stored.find((s) => s.number === n);
    await expect(params.locator(`tr[data-row="param:optimizer"] td[data-trial="${n}"]`)).toHaveText(
      String(t?.params.optimizer),
    );
    await expect(
      params.locator(`tr[data-row="param:learning_rate_warmup_steps"] td[data-trial="${n}"]`),
    ).toHaveText(String(t?.params.learning_rate_warmup_steps));
    await expect(params.locator(`tr[data-row="status"] td[data-trial="${n}"]`)).toHaveText(
      "complete",
    );
  }
  // x differs between any two trials of a continuous search; the status does not.
  await expect(params.locator('tr[data-row="param:x"]')).toHaveAttribute("data-differs", "true");
  await expect(params.locator('tr[data-row="status"]')).toHaveAttribute("data-differs", "false");

  // Each trial's colour is its own: the same here as on the search page's curves.
  const first = picked[0] as number;
  const colour = await strokeOf(page, "compare-curves", first);
  expect(colour).toBeTruthy();
  expect(await strokeOf(page, "metric-curves", first)).toBe(colour);
  const colours = await Promise.all(picked.map((n) => strokeOf(page, "compare-curves", n)));
  expect(new Set(colours).size).toBe(3);
  await panel.screenshot({ path: "test-results/compare-panel-val_loss.png" });

  // The metric picker: the metrics those trials printed; train_acc draws other curves.
  const picker = page.getByTestId("compare-metric");
  await expect(picker.locator("option")).toHaveText(["train_acc", "val_loss"]);
  const lossPath = await pathOf(page, first);
  await picker.selectOption("train_acc");
  await expect(curves).toHaveAttribute("data-metric", "train_acc");
  await expect(curves.locator("path.curve-line")).toHaveCount(3);
  await expect.poll(() => pathOf(page, first)).not.toBe(lossPath);
  await panel.screenshot({ path: "test-results/compare-panel-train_acc.png" });

  // A fourth trial joins: a fourth curve, and the first keeps its colour.
  const fourth = Number(await rows.nth(5).getAttribute("data-trial"));
  await rows.nth(5).getByTestId("trial-select").click();
  await expect(curves).toHaveAttribute("data-curves", "4");
  await expect(page.getByTestId("compare-open")).toHaveText("Compare (4)");
  expect(await strokeOf(page, "compare-curves", first)).toBe(colour);
  await expect(params.locator(`thead th[data-trial="${fourth}"]`)).toBeVisible();
  await page.setViewportSize({ width: 1000, height: 1000 });
  await panel.screenshot({ path: "test-results/compare-panel-1000.png" });
  await page.setViewportSize({ width: 1400, height: 1000 });

  // The selection survives a re-sort and a filter that hides some of it.
  await table.locator('th[data-column="param_x"] button').click();
  await expect(table).toHaveAttribute("data-sort", "param_x:asc");
  await expect(ticked).toHaveCount(4);
  await filter.fill(`n = ${first}`);
  await expect(rows).toHaveCount(1);
  await expect(curves).toHaveAttribute("data-curves", "4");
  await filter.fill("");
  await expect(ticked).toHaveCount(4);
  await page.screenshot({ path: "test-results/compare-page.png", fullPage: true });

  // The limit: a tick past it is refused, and said.
  const unticked = table.getByTestId("trial-select").and(page.locator(":not(:checked)"));
  while (
    (await table.getByTestId("trial-select").and(page.locator(":checked")).count()) < COMPARE_LIMIT
  )
    await unticked.first().click();
  await unticked.first().click();
  await expect(page.getByTestId("compare-limit")).toContainText(`At most ${COMPARE_LIMIT} trials`);
  await expect(page.getByTestId("compare-open")).toHaveText(`Compare (${COMPARE_LIMIT})`);
  await expect(curves).toHaveAttribute("data-curves", String(COMPARE_LIMIT));
  await panel.screenshot({ path: "test-results/compare-panel-12.png" });

  // The curves route refuses a metric parameter that is not a metric name, naming it.
  for (const bad of ["a b", "x=1", "a:b", ""]) {
    const r = await page.request.get(
      `/api/searches/${id}/curves?trials=1&metric=${encodeURIComponent(bad)}`,
    );
    expect(r.status(), bad).toBe(400);
    expect(((await r.json()) as { error: string }).error).toContain(`bad metric "${bad}"`);
  }

  // Clear selection: nothing ticked, no panel.
  await page.getByTestId("compare-clear").click();
  await expect(ticked).toHaveCount(0);
  await expect(panel).toHaveCount(0);

  // A click on the row outside its checkbox still opens the trial.
  const last = Number(await rows.first().getAttribute("data-trial"));
  await rows.first().locator('td[data-column="status"]').click();
  await expect(page).toHaveURL(new RegExp(`/searches/${id}/trials/${last}$`));
});
