/**
 * The console end to end: the form (its errors, then a real search), the live search page
 * (table sorting, facet charts), a trial's page with its output, stop/kill, exports and the
 * request rules. Everything runs against the built console and its worker; searches run
 * examples/branin.mjs for real.
 */
import { expect, type Locator, type Page, type Request, test } from "@playwright/test";
import { sbatchOnPath } from "../lib/executors/slurm";
import { withStore } from "./store";

test.describe.configure({ mode: "serial" });

async function shot(page: Page, name: string) {
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
}

const field = (page: Page, name: string) => page.locator(`[data-field="${name}"]`);

async function fillRange(page: Page, i: number, name: string, min: string, max: string) {
  await field(page, `params.${i}.name`).fill(name);
  await field(page, `params.${i}.min`).fill(min);
  await field(page, `params.${i}.max`).fill(max);
}

/** The table's cells of one column, top to bottom, as the numbers they show the data for. */
async function columnValues(table: Locator, column: string): Promise<number[]> {
  const texts = await table
    .locator(`tbody tr td[data-column="${column}"] [data-value]`)
    .evaluateAll((els) => els.map((e) => e.getAttribute("data-value") ?? ""));
  return texts.map(Number);
}

const ascending = (xs: number[]) => xs.every((x, i) => i === 0 || (xs[i - 1] as number) <= x);
const descending = (xs: number[]) => xs.every((x, i) => i === 0 || (xs[i - 1] as number) >= x);

test("a form with errors shows them at the fields and starts nothing", async ({ page }) => {
  const before = await withStore((s) => s.countSearches());
  await page.goto("/searches/new");
  await fillRange(page, 0, "x", "5", "1");
  await field(page, "command").fill("node examples/branin.mjs --x :x: --y :why:");
  await field(page, "metric").fill("loss");
  await page.getByTestId("submit-search").click();

  await expect(page.getByTestId("error-params.0.max")).toContainText("MIN must be below MAX");
  await expect(page.getByTestId("error-command")).toContainText(
    ":why: in the command has no --param why",
  );
  await expect(field(page, "params.0.max")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("form-status")).toContainText("problems to fix");
  await shot(page, "form-errors");

  // Client-side checks pass; the server still refuses a working directory that does not exist.
  await field(page, "params.0.max").fill("10");
  await field(page, "command").fill("node examples/branin.mjs --x :x: --y 3");
  await field(page, "cwd").fill("/no/such/directory/anywhere");
  await expect(page.getByTestId("form-status")).toHaveText("Ready to queue");
  await page.getByTestId("submit-search").click();
  await expect(page.getByTestId("error-cwd")).toContainText(
    "no directory /no/such/directory/anywhere",
  );
  expect(new URL(page.url()).pathname).toBe("/searches/new");
  expect(await withStore((s) => s.countSearches())).toBe(before);
});

test("create a search in the form and watch it run", async ({ page, context }) => {
  await page.goto("/searches/new");
  await field(page, "description").fill("e2e: Branin <b>not bold</b>");
  await fillRange(page, 0, "x", "-5", "10");
  await page.getByTestId("add-param").click();
  await fillRange(page, 1, "y", "0", "15");
  await field(page, "command").fill(
    "node examples/branin.mjs --x :x: --y :y: --epochs 4 --sleep-ms 400",
  );
  await field(page, "metric").fill("loss");
  await field(page, "numRuns").fill("6");
  await field(page, "parallelRuns").fill("2");
  // The machine types `hyperbayes machines` lists: built-in cpu, the test config's Slurm type.
  await expect(field(page, "machineType").locator("option")).toHaveText(["cpu", "slurm-debug"]);
  await expect(field(page, "machineType")).toHaveValue("cpu");
  const command = page.getByTestId("equivalent-command");
  for (const line of [
    "hyperbayes bayesian \\",
    "--param x=-5:10 \\",
    "--param y=0:15 \\",
    "--num-runs 6 \\",
    "--parallel-runs 2 \\",
    "--metric loss \\",
    "--machine-type cpu \\",
    "-- node examples/branin.mjs --x :x: --y :y: --epochs 4 --sleep-ms 400",
  ])
    await expect(command).toContainText(line);
  await shot(page, "form-filled");

  await page.getByTestId("submit-search").click();
  await page.waitForURL(/\/searches\/\d+$/);
  const id = Number(new URL(page.url()).pathname.split("/").pop());
  const table = page.getByTestId("trials-table");

  // Live: a trial shows up running, then the search completes, with no reload.
  await expect(table.locator('tbody [data-status="running"]').first()).toBeVisible();
  const runningRow = table.locator("tbody tr", { has: page.locator('[data-status="running"]') });
  const runningTrial = await runningRow.first().getAttribute("data-trial");
  const trialPage = await context.newPage();
  await trialPage.goto(`/searches/${id}/trials/${runningTrial}`);

  await expect(page.getByTestId("progress-text").first()).toHaveText("6/6", { timeout: 90_000 });
  await expect(page.getByTestId("search-screen")).toHaveAttribute("data-status", "complete");
  await expect(table.locator("tbody tr")).toHaveCount(6);

  // The running trial's page followed it to the end by itself.
  await expect(trialPage.getByTestId("trial-screen")).toHaveAttribute("data-status", "complete");
  await expect(trialPage.getByTestId("log-stdout")).toContainText("epoch=4 loss=");
  await trialPage.close();

  // User text is shown as text, never as markup.
  await expect(page.getByTestId("search-description")).toHaveText("e2e: Branin <b>not bold</b>");
  await expect(page.getByTestId("search-description").locator("b")).toHaveCount(0);

  // A full load asks for the trials once: the head's preload, which the page's own fetch takes
  // (components/search-page/early-trials.ts); a fetch that did not match it would ask again.
  const asked: string[] = [];
  const onRequest = (r: Request) => {
    if (new URL(r.url()).pathname === `/api/searches/${id}/trials`) asked.push(r.method());
  };
  page.on("request", onRequest);
  await page.reload();
  await expect(table.locator("tbody tr")).toHaveCount(6);
  page.off("request", onRequest);
  expect(asked).toEqual(["GET"]);

  // Sorted by the metric, best (lowest loss) first, by default.
  expect(await table.getAttribute("data-sort")).toBe("value:asc");
  const losses = await columnValues(table, "value");
  expect(losses).toHaveLength(6);
  expect(ascending(losses)).toBe(true);
  const best = await withStore(async (s) => (await s.getSearch(id))?.best);
  expect(losses[0]).toBeCloseTo(best?.value as number, 10);

  // By a parameter, both ways, then back to the metric.
  await table.locator('th[data-column="param_x"] button').click();
  await expect(table).toHaveAttribute("data-sort", "param_x:asc");
  const xsUp = await columnValues(table, "param_x");
  expect(xsUp).toHaveLength(6);
  expect(ascending(xsUp)).toBe(true);
  await table.locator('th[data-column="param_x"] button').click();
  await expect(table).toHaveAttribute("data-sort", "param_x:desc");
  expect(descending(await columnValues(table, "param_x"))).toBe(true);
  await table.locator('th[data-column="value"] button').click();
  await expect(table).toHaveAttribute("data-sort", "value:asc");
  const lossesAgain = await columnValues(table, "value");
  expect(ascending(lossesAgain)).toBe(true);
  expect([...lossesAgain].sort((a, b) => a - b)).toEqual([...losses].sort((a, b) => a - b));

  // One facet chart per parameter, one point per finished trial.
  const charts = page.getByTestId("facet-chart");
  await expect(charts).toHaveCount(2);
  for (const [i, name] of ["x", "y"].entries()) {
    const chart = charts.nth(i);
    await expect(chart).toHaveAttribute("data-param", name);
    await expect(chart).toHaveAttribute("data-points", "6");
    await expect(chart.locator(".facet-complete")).toHaveAttribute("data-count", "5");
  }
  // Nothing was pruned: the legend has no pruned mark to explain.
  await expect(page.getByTestId("legend-pruned")).toHaveCount(0);
  // Hovering a point shows its trial: the best one, under its ring.
  const bestTrial = await charts.first().locator(".facet-best").getAttribute("data-trial");
  await charts.first().scrollIntoViewIfNeeded();
  const ring = await charts.first().locator(".facet-best circle").first().boundingBox();
  if (!ring) throw new Error("the best trial's ring is not drawn");
  await page.mouse.move(ring.x + ring.width / 2, ring.y + ring.height / 2);
  await expect(page.locator(".chart-tip")).toContainText(`Trial ${bestTrial}`);
  // The convergence chart tells the best so far at the trial under the pointer.
  await page.mouse.move(0, 0);
  await page.getByTestId("best-so-far-chart").scrollIntoViewIfNeeded();
  const convergence = await page.locator(".best-so-far rect").boundingBox();
  if (!convergence) throw new Error("the convergence chart is not drawn");
  await page.mouse.move(convergence.x + convergence.width - 2, convergence.y + 20);
  await expect(page.getByTestId("best-so-far-chart").locator(".chart-tip")).toContainText(
    "trial 6",
  );
  await expect(page.getByTestId("metric-curves")).toBeVisible();
  await expect(page.getByTestId("best-so-far-chart")).toBeVisible();
  await page.mouse.move(0, 0);
  await shot(page, "search-page");

  // A row opens its trial: the command as run, its values and its output.
  await table.locator("tbody tr").first().click();
  await page.waitForURL(new RegExp(`/searches/${id}/trials/\\d+$`));
  await expect(page.getByTestId("trial-command")).toContainText("node examples/branin.mjs --x ");
  await expect(page.getByTestId("trial-exit-code")).toHaveText("0");
  await expect(page.getByTestId("log-stdout")).toContainText("epoch=4 loss=");
  await expect(page.getByTestId("trial-curve")).toHaveCount(1); // loss (epoch= is its step)
  await shot(page, "trial-page");

  await page.goto("/");
  const row = page.locator(`[data-search-id="${id}"]`);
  await expect(row).toContainText("complete");
  await expect(row).toContainText("6/6");
  await shot(page, "searches");
});

test("stop and kill ask first, then end the search", async ({ page }) => {
  const spec = await withStore(async (s) => {
    const searches = await s.listSearches({ limit: 1 });
    return searches[0]?.spec;
  });
  if (!spec) throw new Error("the previous test left no search");
  const id = await withStore(
    async (s) =>
      (
        await s.createSearch({
          ...spec,
          description: "e2e: to be killed",
          numRuns: 4,
          parallelRuns: 2,
          command: [
            "node",
            "examples/branin.mjs",
            "--x",
            ":x:",
            "--y",
            ":y:",
            "--epochs",
            "200",
            "--sleep-ms",
            "200",
          ],
        })
      ).id,
  );
  await page.goto(`/searches/${id}`);
  const table = page.getByTestId("trials-table");
  await expect(table.locator('tbody [data-status="running"]')).toHaveCount(2, { timeout: 30_000 });

  await page.getByTestId("kill-search").click();
  await expect(page.getByRole("alertdialog")).toContainText(
    "Kill running trials now (SIGKILL: no time to finish or save) and start no more?",
  );
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("alertdialog")).toHaveCount(0);
  expect((await withStore((s) => s.getSearch(id)))?.stopRequested).toBe("none");

  await page.getByTestId("kill-search").click();
  await page.getByTestId("kill-search-confirm").click();
  await expect(page.getByTestId("search-screen")).toHaveAttribute("data-status", "killed", {
    timeout: 30_000,
  });
  await expect(table.locator('tbody [data-status="killed"]')).toHaveCount(2);
  await expect(page.getByTestId("kill-search")).toHaveCount(0);

  // Filters: by status (the list offers the statuses present), then by text as well.
  const count = page.getByTestId("trials-count");
  const statusFilter = page.getByTestId("trials-status-filter");
  await expect(statusFilter.locator("option")).toHaveText(["All statuses", "killed (2)"]);
  await statusFilter.selectOption("killed");
  await expect(table.locator("tbody tr")).toHaveCount(2);
  await page.getByTestId("trials-filter").fill("#2 ");
  await expect(table.locator("tbody tr")).toHaveCount(1);
  await expect(table.locator("tbody tr").first()).toHaveAttribute("data-trial", "2");
  await expect(count).toHaveText("1 of 2 trials");
});

test("exports download the search, its trials and its metrics", async ({ request }) => {
  const id = await withStore(async (s) => {
    const all = await s.listSearches({ status: ["complete"] });
    return all[0]?.id;
  });
  const json = await request.get(`/api/searches/${id}/export/json`);
  expect(json.headers()["content-disposition"]).toContain(`search-${id}.json`);
  const data = (await json.json()) as { trials: unknown[] };
  expect(data.trials).toHaveLength(6);
  const csv = await (await request.get(`/api/searches/${id}/export/csv`)).text();
  expect(csv.split("\r\n")[0]).toBe(
    "trial,status,x,y,loss,started_at,ended_at,exit_code,reason,notes",
  );
  const metrics = await (await request.get(`/api/searches/${id}/export/metrics`)).text();
  expect(metrics.startsWith("run_id,metric_name,timestamp,index,value\r\n")).toBe(true);
  // 6 trials x 4 epochs of loss.
  expect(metrics.trim().split("\r\n")).toHaveLength(1 + 6 * 4);
  expect((await request.get("/api/searches/999999/export/json")).status()).toBe(404);
});

test("pages carry a CSP; cross-origin writes are refused", async ({ request }) => {
  const home = await request.get("/");
  const csp = home.headers()["content-security-policy"] ?? "";
  expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(home.headers()["x-content-type-options"]).toBe("nosniff");

  const forged = await request.post("/searches/new", {
    headers: { origin: "http://evil.example", "content-type": "text/plain" },
    data: "x",
  });
  expect(forged.status()).toBe(403);
  const huge = await request.post("/searches/new", {
    headers: { "content-type": "text/plain" },
    data: "x".repeat(600 * 1024),
  });
  expect(huge.status()).toBe(413);
});

test("the form posted before its script runs is answered by the form, not refused", async ({
  browser,
}) => {
  // A plain form POST carries the page's Origin only if the referrer policy allows it; with
  // `no-referrer` it says `Origin: null`, which the origin rule refuses as cross-origin.
  const noScript = await browser.newContext({ javaScriptEnabled: false });
  const page = await noScript.newPage();
  const before = await withStore((s) => s.countSearches());
  await page.goto("/searches/new");
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST"),
    page.getByTestId("submit-search").click(),
  ]);
  expect(await response.request().headerValue("origin")).toBe(new URL(page.url()).origin);
  expect(response.status()).toBe(200);
  await expect(page.getByRole("heading", { name: "New search" })).toBeVisible();
  expect(await withStore((s) => s.countSearches())).toBe(before);
  await noScript.close();
});

test("a search on a Slurm machine type shows each trial's job id", async ({ page }) => {
  test.skip(!sbatchOnPath(), "sbatch is not on PATH: this machine runs no Slurm");
  const spec = await withStore(async (s) => (await s.listSearches({ limit: 1 }))[0]?.spec);
  if (!spec) throw new Error("the previous tests left no search");
  const id = await withStore(
    async (s) =>
      (
        await s.createSearch({
          ...spec,
          description: "e2e: on Slurm",
          machineType: "slurm-debug",
          numRuns: 2,
          parallelRuns: 2,
          command: ["node", "examples/branin.mjs", "--x", ":x:", "--y", ":y:"],
        })
      ).id,
  );
  await page.goto(`/searches/${id}`);
  await expect(page.getByTestId("search-screen")).toHaveAttribute("data-status", "complete", {
    timeout: 90_000,
  });
  const table = page.getByTestId("trials-table");
  await expect(table.getByRole("columnheader", { name: "Slurm job" })).toBeVisible();
  const jobs = await table
    .locator('tbody tr td[data-column="job"]')
    .evaluateAll((els) => els.map((e) => e.textContent ?? ""));
  expect(jobs).toHaveLength(2);
  for (const job of jobs) expect(job).toMatch(/^\d+$/);
  await shot(page, "slurm-search");
  await table.locator("tbody tr").first().click();
  await expect(page.getByTestId("trial-machine")).toContainText("slurm-debug");
  await expect(page.getByTestId("trial-job")).toHaveText(/^Slurm job \d+$/);
});
