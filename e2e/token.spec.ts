/**
 * A console started with HYPERBAYES_TOKEN (as `hyperbayes console --host` requires): every
 * route needs the token; the printed `?token=` address trades it for a cookie and drops it from
 * the address. Runs a second server from the same build, on its own port.
 */
import { createServer } from "node:net";
import { expect, test } from "@playwright/test";
import { type ConsoleServer, startConsoleServer } from "../cli/_console-server";
import { recordProbe } from "../lib/testing/ledger";

const TOKEN = "e2e-token-0123456789abcdef";
let server: ConsoleServer;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

test.beforeAll(async () => {
  server = await startConsoleServer({
    host: "127.0.0.1",
    port: await freePort(),
    env: { HYPERBAYES_HOME: process.env.HB_E2E_HOME as string, HYPERBAYES_TOKEN: TOKEN },
  });
});
test.afterAll(async () => {
  await server?.stop();
});

test("every route needs the token", async ({ request }) => {
  for (const path of [
    "/",
    "/searches/new",
    "/searches/1",
    "/api/searches/1/poll",
    "/api/searches/1/trials",
    "/icon.svg",
  ]) {
    const r = await request.get(`${server.url}${path}`, { maxRedirects: 0 });
    expect(r.status(), path).toBe(401);
  }
  const wrong = await request.get(`${server.url}/`, {
    headers: { authorization: "Bearer not-the-token-at-all" },
  });
  expect(wrong.status()).toBe(401);
  const bearer = await request.get(`${server.url}/api/searches/1/poll`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  expect(bearer.status()).not.toBe(401);
});

test("the printed address logs the browser in and leaves the address clean", async ({
  page,
  browser,
}) => {
  await page.goto(`${server.url}/?token=${TOKEN}`);
  expect(page.url()).toBe(`${server.url}/`);
  await expect(page.getByRole("heading", { name: "Searches" })).toBeVisible();
  await page.getByTestId("new-search").click();
  await expect(page.getByRole("heading", { name: "New search" })).toBeVisible();

  const stranger = await browser.newContext();
  const other = await stranger.newPage();
  const response = await other.goto(`${server.url}/`);
  expect(response?.status()).toBe(401);
  await stranger.close();
});

test("the token does not excuse a foreign Host: no page, no cookie", async ({ request }) => {
  const foreign = `rebind.example:${new URL(server.url).port}`;
  for (const [what, path, headers] of [
    ["?token= in the address", `/?token=${TOKEN}`, {}],
    ["Authorization: Bearer", "/", { authorization: `Bearer ${TOKEN}` }],
    ["the cookie", "/", { cookie: `hyperbayes_token=${TOKEN}` }],
  ] as const) {
    recordProbe(`token mode, foreign Host, ${what}`);
    const r = await request.get(`${server.url}${path}`, {
      headers: { host: foreign, ...headers },
      maxRedirects: 0,
    });
    expect(r.status(), what).toBe(421);
    expect(r.headers()["set-cookie"], what).toBeUndefined();
  }
});
