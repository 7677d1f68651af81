import { expect, test } from "@playwright/test";
import { stepsSaved } from "../lib/pruning/savings";
import { curveSearchTail, trialSearchTail } from "../workers/testing/trial-command";
import { bayesianSpec } from "./searches";
import { withStore } from "./store";

test("pruned trials are shown apart, and the header says the trial-steps saved", async ({
  page,
}) => {
  const spec = bayesianSpec([
    "--param",
    "x=0.9,0.1,0.2,0.3,0.05,0.15",
    "-n",
    "6",
    "-r",
    "2",
    "--early-stop",
    "asha",
    "--early-stop-min-steps",
    "2",
    "--description",
    "e2e: early stopping",
    ...curveSearchTail({ epochs: 12, stepMs: 150 }),
  ]);
  const id = await withStore(async (s) => (await s.createSearch(spec)).id);
  await page.goto(`/searches/${id}`);
  await expect(page.getByTestId("search-screen")).toHaveAttribute("data-status", "complete", {
    timeout: 90_000,
  });
  // The page opened while the search ran: its model view is fetched again once it ended, at
  // once (not after the live refresh interval, 15 s), and not left at "needs two trials".
  await expect(page.getByTestId("param-importance")).toBeVisible({ timeout: 5_000 });
  await expect(page.getByTestId("insight-wait")).toHaveCount(0);
  const trials = await withStore((s) => s.listTrials(id));
  const pruned = trials.filter((t) => t.status === "pruned");
  expect(pruned.length).toBeGreaterThan(0);
  const table = page.getByTestId("trials-table");
  await expect(table.locator('tbody [data-status="pruned"]')).toHaveCount(pruned.length);
  const badge = table.locator('tbody [data-status="pruned"]').first();
  await expect(badge).toHaveClass(/badge-pruned/);
  const saved = stepsSaved(trials)!;
  await expect(page.getByTestId("steps-saved")).toContainText(
    `${Math.round(saved.share * 100)}% of trial-steps saved`,
  );
  await expect(page.getByTestId("steps-saved")).toContainText(
    `${saved.trained} trained · ${saved.saved} saved · ${pruned.length} pruned`,
  );
  await expect(page.getByTestId("early-stop-idle")).toHaveCount(0);
  // By the metric (the default sort, lower first): the complete trials, then the pruned ones by
  // their value when stopped (they are no result, but the near misses are worth a look).
  const rows = await table.locator("tbody tr").evaluateAll((trs) =>
    trs.map((tr) => ({
      status: tr.querySelector("[data-status]")?.getAttribute("data-status"),
      value: Number(
        tr.querySelector('[data-column="value"] [data-value]')?.getAttribute("data-value"),
      ),
    })),
  );
  const statuses = rows.map((r) => r.status);
  expect(statuses.lastIndexOf("complete")).toBeLessThan(statuses.indexOf("pruned"));
  const prunedValues = rows.filter((r) => r.status === "pruned").map((r) => r.value);
  expect(prunedValues).toEqual([...prunedValues].sort((a, b) => a - b));
  await expect(page.locator(".facet-pruned").first()).toBeVisible();
  // The charts' legend names the pruned mark, in the colour the points are drawn with.
  const legendMark = page.getByTestId("legend-pruned").locator("i");
  await expect(page.getByTestId("legend-pruned")).toContainText("pruned");
  const markColour = await legendMark.evaluate((el) => getComputedStyle(el).backgroundColor);
  const pointColour = await page
    .locator(".facet-pruned path")
    .first()
    .evaluate((el) => getComputedStyle(el).fill);
  expect(markColour).toBe(pointColour);
  await expect(page.getByTestId("metric-curves")).toContainText("(pruned)");
  await page.screenshot({ path: test.info().outputPath("early-stop.png"), fullPage: true });
});

test("a search whose trials report the metric once says early stopping has nothing to judge", async ({
  page,
}) => {
  const spec = bayesianSpec([
    "--param",
    "x=0:1",
    "-n",
    "2",
    "--early-stop",
    "median",
    ...trialSearchTail(["--mode", "ok"]),
  ]);
  const id = await withStore(async (s) => (await s.createSearch(spec)).id);
  await page.goto(`/searches/${id}`);
  await expect(page.getByTestId("search-screen")).toHaveAttribute("data-status", "complete", {
    timeout: 60_000,
  });
  await expect(page.getByTestId("early-stop-idle")).toContainText(
    "each trial reports loss at one step only, so early stopping has nothing to judge",
  );
  await page
    .getByTestId("steps-saved")
    .locator("xpath=..")
    .screenshot({ path: test.info().outputPath("early-stop-idle.png") });
});

test("the form names a pruning setting that the rule leaves unused, and not once the rule uses it", async ({
  page,
}) => {
  const field = (name: string) => page.locator(`[data-field="${name}"]`);
  // A field shows its messages once left.
  const leave = async (name: string) => {
    await field(name).focus();
    await field(name).blur();
  };
  const fillIn = async (name: string, value: string) => {
    await field(name).fill(value);
    await leave(name);
  };
  await page.goto("/searches/new");
  // The form's defaults (min steps 1, η 3, no early stopping) warn nothing.
  await expect(field("reductionFactor")).toHaveValue("3");
  await expect(page.getByTestId("warning-reductionFactor")).toHaveCount(0);
  await field("reductionFactor").fill("4");
  await fillIn("earlyStopMinSteps", "2");
  await expect(page.getByTestId("warning-reductionFactor")).toContainText(
    "only applies with --early-stop asha",
  );
  await expect(page.getByTestId("warning-earlyStopMinSteps")).toContainText(
    "only applies with --early-stop median or asha",
  );
  await page
    .locator(".fields", { has: field("earlyStop") })
    .screenshot({ path: test.info().outputPath("unused-settings.png") });
  await field("earlyStop").selectOption("median");
  await expect(page.getByTestId("warning-earlyStopMinSteps")).toHaveCount(0);
  await expect(page.getByTestId("warning-reductionFactor")).toHaveCount(1);
  // A median rule that can never prune, for want of runs, is named at its field.
  await leave("earlyStop");
  await fillIn("numRuns", "3");
  await expect(page.getByTestId("warning-earlyStop")).toContainText(
    "median never prunes with 3 runs",
  );
  await page
    .locator(".fields", { has: field("earlyStop") })
    .screenshot({ path: test.info().outputPath("never-prunes.png") });
  await fillIn("numRuns", "20");
  await expect(page.getByTestId("warning-earlyStop")).toHaveCount(0);
  await field("earlyStop").selectOption("asha");
  await expect(page.getByTestId("warning-reductionFactor")).toHaveCount(0);
  await expect(page.getByTestId("equivalent-command")).toContainText("--reduction-factor 4");
});
