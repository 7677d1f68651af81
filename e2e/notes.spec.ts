/**
 * Notes in Chromium, on a live search (a trial that runs until the test kills the search, so
 * both pages poll all along):
 * - markdown notes written on the search page and on the trial page render as elements
 *   (a heading, a list, bold, a link that opens in a new tab, a code span), are in the store,
 *   survive a reload and are in the JSON and CSV exports;
 * - a draft survives the page's polls, Cancel drops it, notes over the limit are refused with
 *   the limit named and nothing stored;
 * - an XSS payload set stays text: no script runs (`window.__xss` stays undefined, no dialog),
 *   no <script>, <img> or <iframe> inside the notes, no javascript: link.
 * Screenshots land in test-results/notes-*.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { NOTES_MAX_CHARS } from "../lib/search/notes";
import { bayesianSpec, untilEnded } from "./searches";
import { withStore } from "./store";

const SCRIPT = `
console.log("loss=" + (Number(process.argv[2]) + 1));
setInterval(() => {}, 1000);
`;

const SEARCH_NOTES = [
  "## Findings",
  "",
  "- **conv2_filter** mattered most",
  "- dropout above 0.5 *hurt*; try `lr` below 1e-3",
  "",
  "Details: [the run](https://example.com/runs/7?tab=curves).",
].join("\n");

const XSS = [
  "<script>window.__xss=1</script>",
  '<img src=x onerror="window.__xss=1">',
  "[click](javascript:window.__xss=1)",
  '<a href="javascript:window.__xss=1">raw</a>',
  "<iframe src=javascript:window.__xss=1></iframe>",
  "&lt;b&gt;entities&lt;/b&gt;",
].join("\n\n");

const TRIAL_NOTES = `### Trial notes\n\n1. **kept** the \`x\` value\n\n${XSS}`;

/** Two polls of the page have come back (the page is live and has re-rendered twice). */
async function twoPolls(page: Page, path: RegExp) {
  for (let k = 0; k < 2; k++) await page.waitForResponse((r) => path.test(r.url()) && r.ok());
}

async function shot(page: Page, name: string) {
  await page.mouse.move(0, 0);
  await page.screenshot({ path: test.info().outputPath(`notes-${name}.png`), fullPage: true });
}

test("markdown notes on a search and a trial: rendered, kept, exported; XSS stays text", async ({
  page,
  request,
}) => {
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const script = join(process.env.HB_E2E_HOME as string, "notes-trial.mjs");
  writeFileSync(script, SCRIPT);
  const spec = bayesianSpec([
    "--param",
    "x=0:1",
    "-n",
    "1",
    "-r",
    "1",
    "--metric",
    "loss",
    "--description",
    "e2e: notes",
    "--",
    "node",
    script,
    ":x:",
  ]);
  const id = await withStore(async (s) => (await s.createSearch(spec)).id);
  try {
    await page.goto(`/searches/${id}`);
    await expect(
      page.getByTestId("trials-table").locator('tbody [data-status="running"]'),
    ).toHaveCount(1, {
      timeout: 60_000,
    });
    const box = page.getByTestId("search-notes");
    await expect(box.getByTestId("search-notes-empty")).toHaveText("No notes on this search yet.");

    // Cancel drops a draft.
    await box.getByTestId("search-notes-edit").click();
    await box.getByTestId("search-notes-input").fill("not kept");
    await box.getByTestId("search-notes-cancel").click();
    await expect(box.getByTestId("search-notes-empty")).toBeVisible();

    // A draft survives the live page's polls.
    await box.getByTestId("search-notes-edit").click();
    const input = box.getByTestId("search-notes-input");
    await expect(input).toBeFocused();
    await input.fill(SEARCH_NOTES);
    await twoPolls(page, new RegExp(`/api/searches/${id}/poll`));
    await expect(input).toHaveValue(SEARCH_NOTES);
    await shot(page, "search-editing");

    // Over the limit: said, and nothing stored.
    await input.fill("x".repeat(NOTES_MAX_CHARS + 1));
    await box.getByTestId("search-notes-save").click();
    await expect(box.getByTestId("search-notes-error")).toHaveText(
      "notes are 20,001 characters, longer than the 20,000 characters notes may hold",
    );
    expect((await withStore((s) => s.getSearch(id)))?.notes).toBe("");

    await input.fill(SEARCH_NOTES);
    await box.getByTestId("search-notes-save").click();
    const rendered = box.getByTestId("search-notes-text");
    await expect(rendered).toBeVisible();
    await expect
      .poll(async () => (await withStore((s) => s.getSearch(id)))?.notes)
      .toBe(SEARCH_NOTES);

    const checkSearchNotes = async () => {
      await expect(rendered.locator("h4")).toHaveText("Findings");
      await expect(rendered.locator("ul > li")).toHaveCount(2);
      await expect(rendered.locator("strong")).toHaveText("conv2_filter");
      await expect(rendered.locator("em")).toHaveText("hurt");
      await expect(rendered.locator("code")).toHaveText("lr");
      const link = rendered.locator("a");
      await expect(link).toHaveText("the run");
      await expect(link).toHaveAttribute("href", "https://example.com/runs/7?tab=curves");
      await expect(link).toHaveAttribute("target", "_blank");
      await expect(link).toHaveAttribute("rel", /noopener/);
    };
    await checkSearchNotes();
    // Polls after the save keep showing it.
    await twoPolls(page, new RegExp(`/api/searches/${id}/poll`));
    await checkSearchNotes();
    await shot(page, "search");
    await page.reload();
    await checkSearchNotes();

    // The trial's notes, with the payloads.
    await page.goto(`/searches/${id}/trials/1`);
    await expect(page.getByTestId("trial-screen")).toHaveAttribute("data-status", "running");
    const trialBox = page.getByTestId("trial-notes");
    await trialBox.getByTestId("trial-notes-edit").click();
    const trialInput = trialBox.getByTestId("trial-notes-input");
    await trialInput.fill(TRIAL_NOTES);
    await twoPolls(page, new RegExp(`/api/searches/${id}/trials/1$`));
    await expect(trialInput).toHaveValue(TRIAL_NOTES);
    await trialBox.getByTestId("trial-notes-save").click();
    const trialText = trialBox.getByTestId("trial-notes-text");
    const checkTrialNotes = async () => {
      await expect(trialText.locator("h5")).toHaveText("Trial notes");
      await expect(trialText.locator("ol > li strong")).toHaveText("kept");
      await expect(trialText.locator("ol > li code")).toHaveText("x");
      // The payloads are there as the text that was typed, and nothing of them is an element.
      await expect(trialText).toContainText("<script>window.__xss=1</script>");
      await expect(trialText).toContainText('<img src=x onerror="window.__xss=1">');
      await expect(trialText).toContainText("&lt;b&gt;entities&lt;/b&gt;");
      await expect(trialText).toContainText("click");
      expect(await trialText.locator("script, img, iframe, a, b").count()).toBe(0);
      expect(await page.locator('[href^="javascript:" i], [src^="javascript:" i]').count()).toBe(0);
      expect(await page.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined();
    };
    await checkTrialNotes();
    await shot(page, "trial");
    await page.reload();
    await checkTrialNotes();
    expect((await withStore((s) => s.getTrial(id, 1)))?.notes).toBe(TRIAL_NOTES);

    // The exports carry both.
    const json = (await (await request.get(`/api/searches/${id}/export/json`)).json()) as {
      search: { notes: string };
      trials: { number: number; notes: string }[];
    };
    expect(json.search.notes).toBe(SEARCH_NOTES);
    expect(json.trials[0]?.notes).toBe(TRIAL_NOTES);
    const csv = await (await request.get(`/api/searches/${id}/export/csv`)).text();
    expect(csv.split("\r\n")[0]).toMatch(/,notes$/);
    expect(csv).toContain(`"${TRIAL_NOTES.replaceAll('"', '""')}"`);
    expect(dialogs).toEqual([]);
  } finally {
    await withStore(async (s) => {
      await s.requestStop(id, "kill");
      await untilEnded(s, id);
    });
  }
});
