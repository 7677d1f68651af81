/**
 * The search list filtered by status and label (the filter in the URL: it survives a reload and
 * a label tag links to it), labels on the search page, and Delete: it asks first, Cancel keeps
 * the search, Delete removes it from the store, its trial files from the data directory and it
 * from the list. A running search offers no Delete. Screenshots of the filtered list and of the
 * search page land in test-results/.
 */
import { existsSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { searchDir } from "../lib/home";
import { bayesianSpec, untilEnded } from "./searches";
import { withStore } from "./store";

const home = () => process.env.HB_E2E_HOME as string;

function spec(labels: string[], runs: number, command: string[]) {
  return bayesianSpec([
    "--param",
    "x=0:1",
    "-n",
    String(runs),
    "-r",
    "2",
    "--metric",
    "loss",
    "--description",
    `e2e labels ${labels.join(" ")}`,
    ...labels.flatMap((l) => ["--label", l]),
    "--",
    ...command,
  ]);
}

test("the list filters by status and label, in the URL; Delete asks, then removes the search", async ({
  page,
}, info) => {
  const tag = `e2e-${Date.now().toString(36)}`;
  const [done, other, running] = await withStore(async (s) => {
    const a = await s.createSearch(
      spec([tag, "cifar"], 2, ["node", "-e", "console.log('loss=' + :x:)"]),
    );
    const b = await s.createSearch(
      spec(["other"], 2, ["node", "-e", "console.log('loss=' + :x:)"]),
    );
    const c = await s.createSearch(
      spec([tag], 2, ["node", "-e", "console.log('loss=' + :x:); setInterval(() => {}, 1000)"]),
    );
    await untilEnded(s, a.id);
    await untilEnded(s, b.id);
    return [a.id, b.id, c.id];
  });

  // Label filter through the form; the URL carries it.
  await page.goto("/");
  await page.getByTestId("filter-label").fill(tag);
  await page.getByTestId("filter-apply").click();
  await expect(page).toHaveURL(new RegExp(`\\?status=&label=${tag}$|\\?label=${tag}`));
  const rows = page.getByTestId("searches-table").locator("tbody tr");
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toHaveAttribute("data-search-id", String(running));
  await expect(page.locator(`[data-search-id="${other}"]`)).toHaveCount(0);
  // Status beside it, and a reload keeps both.
  await page.getByTestId("filter-status").selectOption("complete");
  await page.getByTestId("filter-apply").click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-search-id", String(done));
  await page.reload();
  await expect(rows).toHaveCount(1);
  await expect(page.getByTestId("filter-status")).toHaveValue("complete");
  await expect(page.getByTestId("filter-label")).toHaveValue(tag);
  await page.screenshot({ path: info.outputPath("filtered-list.png"), fullPage: true });
  // A label tag links to the list filtered by it.
  await page.goto("/");
  await page
    .locator(`[data-search-id="${done}"]`)
    .getByRole("link", { name: "cifar", exact: true })
    .click();
  await expect(page).toHaveURL(/\?label=cifar$/);
  await expect(page.locator(`[data-search-id="${done}"]`)).toHaveCount(1);
  await expect(page.locator(`[data-search-id="${other}"]`)).toHaveCount(0);
  // A filter that does not read is said, not an error page.
  await page.goto("/?status=paused");
  await expect(page.getByTestId("filter-ignored")).toContainText('status "paused"');
  await page.goto(`/?label=no-such-${tag}`);
  await expect(page.getByTestId("no-match")).toBeVisible();

  // A running search has no Delete.
  await page.goto(`/searches/${running}`);
  await expect(page.getByTestId("labels")).toContainText(tag);
  await expect(page.getByTestId("stop-search")).toBeVisible();
  await expect(page.getByTestId("delete-search")).toHaveCount(0);

  // An ended one: Delete asks; Cancel keeps it.
  await page.goto(`/searches/${done}`);
  await expect(page.getByTestId("labels")).toContainText("cifar");
  await expect(page.getByTestId("search-screen")).toHaveAttribute("data-status", "complete");
  expect(existsSync(searchDir(home(), done))).toBe(true);
  await page.getByTestId("delete-search").click();
  await expect(page.getByRole("alertdialog")).toContainText(
    `Delete search #${done}, its 2 trials and their logs?`,
  );
  await page.screenshot({ path: info.outputPath("delete-question.png"), fullPage: true });
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByTestId("delete-search")).toBeVisible();
  expect(await withStore((s) => s.getSearch(done))).toBeDefined();

  await page.getByTestId("delete-search").click();
  await page.getByTestId("delete-search-confirm").click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator(`[data-search-id="${done}"]`)).toHaveCount(0);
  await expect(page.locator(`[data-search-id="${other}"]`)).toHaveCount(1);
  expect(await withStore((s) => s.getSearch(done))).toBeUndefined();
  expect(await withStore((s) => s.listTrials(done))).toEqual([]);
  expect(existsSync(searchDir(home(), done))).toBe(false);
  expect(existsSync(searchDir(home(), other))).toBe(true);
  await page.goto(`/searches/${done}`);
  await expect(page.getByText(/not found|does not exist|404/i).first()).toBeVisible();

  await withStore(async (s) => {
    await s.requestStop(running, "kill");
    await untilEnded(s, running);
  });
});
