/**
 * No hydration mismatch on the live pages (React error #418 in a production build, where React's
 * messages are minified to their numbers): a running search's page, its running trial's page and
 * the search list, each opened fresh and left to poll or refresh, report no page error and no
 * console error naming #418 or hydration. The browser runs in a time zone and a locale far from
 * the server's (UTC+14, German), so a time or a number formatted on both sides with the viewer's
 * settings, or a clock read on both sides, would differ and show here. Times then show in the
 * viewer's zone (components/ui/LocalTime.tsx), not the server's.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { bayesianSpec, untilEnded } from "./searches";
import { withStore } from "./store";

const ZONE = "Pacific/Kiritimati";
test.use({ timezoneId: ZONE, locale: "de-DE" });

/** `2026-12-03 03:06:44`: `ms` in `zone`, as the console writes local times. */
function inZone(ms: number, zone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(ms));
  const p = (type: string) => parts.find((x) => x.type === type)?.value ?? "";
  return `${p("year")}-${p("month")}-${p("day")} ${p("hour")}:${p("minute")}:${p("second")}`;
}

const SCRIPT = `
console.log("loss=" + (Number(process.argv[2]) + 0.5));
setInterval(() => {}, 1000);
`;

/** Page errors and console errors from the moment `page` opens. */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  return errors;
}

const HYDRATION = /418|423|425|hydrat/i;

test("the live pages hydrate without a mismatch (#418), in a far time zone and locale", async ({
  page,
}) => {
  const script = join(process.env.HB_E2E_HOME as string, "hydration-trial.mjs");
  writeFileSync(script, SCRIPT);
  const spec = bayesianSpec([
    "--param",
    "x=0:1",
    "-n",
    "2",
    "-r",
    "1",
    "--metric",
    "loss",
    "--description",
    "e2e: hydration",
    "--label",
    "hydration",
    "--",
    "node",
    script,
    ":x:",
  ]);
  const id = await withStore(async (s) => (await s.createSearch(spec)).id);
  try {
    await expect
      .poll(async () => (await withStore((s) => s.getTrial(id, 1)))?.startedAt ?? null, {
        timeout: 60_000,
      })
      .not.toBeNull();
    const errors = collectErrors(page);

    // The search page, live: two polls back means it hydrated and re-rendered with new state.
    const polls = (n: number) =>
      (async () => {
        for (let k = 0; k < n; k++)
          await page.waitForResponse((r) => r.url().includes(`/api/searches/${id}/poll`));
      })();
    const searchPolls = polls(2);
    await page.goto(`/searches/${id}`);
    await searchPolls;
    await expect(page.getByTestId("search-screen")).toHaveAttribute("data-status", "running");
    await expect(
      page.getByTestId("trials-table").locator('tbody [data-status="running"]'),
    ).toHaveCount(1);
    // The header's created time, rendered on both sides, ends in the viewer's zone (UTC+14).
    const search = await withStore((s) => s.getSearch(id));
    const created = search?.createdAt.getTime() as number;
    await expect(page.getByTestId("search-created").locator("time")).toHaveText(
      inZone(created, ZONE),
    );

    // The running trial's page.
    const trialPolls = (async () => {
      for (let k = 0; k < 2; k++)
        await page.waitForResponse((r) => r.url().endsWith(`/api/searches/${id}/trials/1`));
    })();
    await page.goto(`/searches/${id}/trials/1`);
    await trialPolls;
    await expect(page.getByTestId("trial-screen")).toHaveAttribute("data-status", "running");
    const started = (await withStore((s) => s.getTrial(id, 1)))?.startedAt?.getTime() as number;
    await expect(page.getByTestId("trial-started").locator("time")).toHaveText(
      inZone(started, ZONE),
    );

    // The search list, which refreshes itself while a search runs: one refresh back.
    const refreshed = page.waitForResponse(
      (r) => r.request().headers().rsc === "1" && new URL(r.url()).pathname === "/",
    );
    await page.goto("/?label=hydration");
    await refreshed;
    await expect(page.getByTestId("searches-table").locator("tbody tr")).toHaveCount(1);
    await expect(
      page.getByTestId("searches-table").locator('tbody tr td[data-column="created"] time'),
    ).toHaveText(inZone(created, ZONE));

    expect(errors.filter((e) => HYDRATION.test(e))).toEqual([]);
    expect(errors).toEqual([]);
  } finally {
    await withStore(async (s) => {
      await s.requestStop(id, "kill");
      await untilEnded(s, id);
    });
  }
});
