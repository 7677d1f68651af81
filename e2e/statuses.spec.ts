/**
 * A search page with every way a trial ends: two complete trials, one that crashes and one that
 * is stopped (both after printing a better value), and one that ignores the stop and is killed.
 * The page shows them as the status table says (lib/search/status.ts): the crash is the only
 * failure, the kill and the stop are muted, and the best trial is the better complete one in the
 * header, the table, the facet charts and the best-so-far line.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { bayesianSpec } from "./searches";
import { withStore } from "./store";

const SCRIPT = `
const which = process.argv[2];
const values = { a: 2, b: 3, crash: 0.5, stop: 0.4, stubborn: 0.3 };
console.log("loss=" + values[which]);
if (which === "crash") { console.error("Traceback: boom"); process.exit(3); }
if (which === "stubborn") process.on("SIGTERM", () => console.log("not stopping"));
if (which === "stop" || which === "stubborn") setInterval(() => {}, 1000);
`;

test("complete, failed, stopped and killed trials, and one best", async ({ page }) => {
  const home = process.env.HB_E2E_HOME as string;
  const script = join(home, "statuses.mjs");
  writeFileSync(script, SCRIPT);
  const spec = bayesianSpec([
    "--param",
    "case=a,b,crash,stop,stubborn",
    "-n",
    "5",
    "-r",
    "5",
    "--metric",
    "loss",
    "--goal",
    "minimize",
    "--description",
    "e2e: every way a trial ends",
    "--",
    "node",
    script,
    ":case:",
  ]);
  const id = await withStore(async (s) => (await s.createSearch(spec)).id);
  await page.goto(`/searches/${id}`);
  const table = page.getByTestId("trials-table");
  // Three have ended; the two that wait have printed their values.
  await expect(table.locator('tbody [data-status="running"]')).toHaveCount(2, { timeout: 60_000 });
  await expect(table.locator('tbody [data-status="complete"]')).toHaveCount(2);
  await expect(table.locator('tbody [data-status="failed"]')).toHaveCount(1);
  await expect
    .poll(() =>
      withStore(async (s) => {
        const trials = await s.listTrials(id);
        let printed = 0;
        for (const t of trials.filter((t) => t.status === "running"))
          printed += (await s.listMetricPoints(id, { trial: t.number })).length > 0 ? 1 : 0;
        return printed;
      }),
    )
    .toBe(2);

  // The confirmation says what Stop does: SIGTERM to running trials, which keep their values.
  await page.getByTestId("stop-search").click();
  await expect(page.getByRole("alertdialog")).toHaveText(
    /^Stop running trials \(SIGTERM: they keep what they reported\) and start no more\?/,
  );
  await page.getByTestId("stop-search-confirm").click();
  await expect(table.locator('tbody [data-status="stopped"]')).toHaveCount(1, { timeout: 30_000 });
  await page.getByTestId("kill-search").click();
  await page.getByTestId("kill-search-confirm").click();
  await expect(page.getByTestId("search-screen")).toHaveAttribute("data-status", "killed", {
    timeout: 30_000,
  });
  await expect(table.locator('tbody [data-status="killed"]')).toHaveCount(1);

  const trials = await withStore((s) => s.listTrials(id));
  const trialOf = (c: string) => trials.find((t) => t.params.case === c)?.number;
  expect(trials.map((t) => [t.params.case, t.status]).sort()).toEqual([
    ["a", "complete"],
    ["b", "complete"],
    ["crash", "failed"],
    ["stop", "stopped"],
    ["stubborn", "killed"],
  ]);
  const best = trialOf("a");

  // Counts: 5 ended; 1 failed (the kill is not a failure).
  await expect(page.getByTestId("progress-text").first()).toHaveText("5/5");
  await expect(page.getByTestId("running-count")).toHaveText("0 · 1");
  // Tones from the table: only the failure is red.
  await expect(table.locator('tbody [data-status="failed"]')).toHaveClass(/badge-bad/);
  await expect(table.locator('tbody [data-status="killed"]')).toHaveClass(/badge-muted/);
  await expect(table.locator('tbody [data-status="stopped"]')).toHaveClass(/badge-muted/);
  await expect(table.locator('tbody [data-status="complete"]').first()).toHaveClass(/badge-good/);
  // One best, everywhere.
  await expect(page.getByTestId("best-value")).toContainText(`trial ${best}`);
  await expect(table.locator("tbody tr.is-best")).toHaveAttribute("data-trial", String(best));
  // Best first by default: the crash's and the stop's better values are not results.
  await expect(table.locator("tbody tr").first()).toHaveAttribute("data-trial", String(best));
  await expect(table.locator("tbody tr").nth(1)).toHaveAttribute(
    "data-trial",
    String(trialOf("b")),
  );
  await expect(page.getByTestId("best-so-far-chart")).toHaveAttribute(
    "data-best-trial",
    String(best),
  );
  // Facets: the crash on the failed line; the stop a point; the kill nowhere.
  const charts = page.getByTestId("facet-chart");
  await expect(charts).toHaveCount(1);
  await expect(charts.first()).toHaveAttribute("data-failed", "1");
  // Points: a (the best, ringed), b and the stop; the crash a cross on the failed line.
  await expect(charts.first()).toHaveAttribute("data-points", "3");
  await expect(charts.first().locator(".facet-complete")).toHaveAttribute("data-count", "2");
  await expect(charts.first().locator(".facet-failed")).toHaveAttribute("data-count", "1");
  await expect(charts.first().locator(".facet-best")).toHaveAttribute("data-trial", String(best));
  await page.mouse.move(0, 0);
  await page.screenshot({ path: test.info().outputPath("statuses.png"), fullPage: true });
});
