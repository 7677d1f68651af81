/**
 * DNS rebinding, tried as an attacker would, against the e2e console (127.0.0.1:HB_E2E_PORT).
 * A page on rebind.example whose name later resolves to 127.0.0.1 sends requests that reach the
 * console with `Host: rebind.example:PORT` (and Origin to match, so Origin checks pass). The
 * console must answer none of them: not pages, not /api routes, not static files, not server
 * actions. First with curl (any Host it likes) and raw sockets (what curl will not send), then in
 * real Chromium, where `--host-resolver-rules` maps rebind.test to 127.0.0.1: the rebound page
 * can neither read (no search data, no action id) nor write (the form's own POST, replayed, is
 * refused and stores nothing), while the same POST from the console's own page works.
 */
import { spawnSync } from "node:child_process";
import { connect } from "node:net";
import { expect, type Request, test } from "@playwright/test";
import { REPO_ROOT } from "../cli/_console-server";
import { recordProbe } from "../lib/testing/ledger";
import { bayesianSpec, untilEnded } from "./searches";
import { withStore } from "./store";

test.describe.configure({ mode: "serial" });
// The browser of this file: the config's, and rebind.test resolves to 127.0.0.1.
test.use({
  launchOptions: {
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--host-resolver-rules=MAP rebind.test 127.0.0.1",
    ],
  },
});

const PORT = Number(process.env.HB_E2E_PORT);
const OWN = `127.0.0.1:${PORT}`;
const FOREIGN = `rebind.example:${PORT}`;
// In every page and export of the search below; a refused answer must never contain it.
const SECRET = `rebind-secret-${process.pid}-${Date.now()}`;

let searchId: number;
let staticFile: string;
let actionId: string;

interface Answer {
  status: number;
  headers: string;
  body: string;
}

/** One request with curl, as an attacker's script would send it. */
function curl(
  path: string,
  host: string,
  options: { method?: string; headers?: string[]; data?: string } = {},
): Answer {
  const args = ["-s", "-i", "--max-time", "20", "-H", `Host: ${host}`];
  if (options.method === "HEAD") args.push("-I");
  else if (options.method) args.push("-X", options.method);
  for (const h of options.headers ?? []) args.push("-H", h);
  if (options.data !== undefined) args.push("--data-binary", options.data);
  args.push(`http://127.0.0.1:${PORT}${path}`);
  const r = spawnSync("curl", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`curl ${args.join(" ")} failed: ${r.stderr}`);
  const split = r.stdout.indexOf("\r\n\r\n");
  const headers = split < 0 ? r.stdout : r.stdout.slice(0, split);
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(headers)?.[1]);
  return { status, headers, body: split < 0 ? "" : r.stdout.slice(split + 4) };
}

/** Bytes straight onto a socket: what curl will not send (no Host, two Hosts, absolute form). */
function raw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(PORT, "127.0.0.1", () => socket.write(request));
    let answer = "";
    socket.setEncoding("utf8");
    socket.on("data", (d) => {
      answer += d;
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
    socket.setTimeout(5000, () => socket.destroy());
  });
}

function expectRefused(answer: Answer | string, what: string) {
  const text = typeof answer === "string" ? answer : `${answer.headers}\r\n\r\n${answer.body}`;
  expect(text, what).toMatch(/^HTTP\/1\.[01] 421 /);
  expect(text.toLowerCase(), what).toContain("content-type: text/plain");
  expect(text, what).not.toContain(SECRET);
  expect(text, what).not.toContain("$ACTION");
}

test.beforeAll(async () => {
  searchId = await withStore(async (store) => {
    const search = await store.createSearch(
      bayesianSpec([
        "--param",
        "x=-5:10",
        "--param",
        "y=0:15",
        "-n",
        "2",
        "-r",
        "2",
        "--metric",
        "loss",
        "-d",
        SECRET,
        "--cwd",
        REPO_ROOT,
        "--",
        "node",
        "examples/branin.mjs",
        "--x",
        ":x:",
        "--y",
        ":y:",
        "--epochs",
        "2",
      ]),
    );
    await untilEnded(store, search.id);
    return search.id;
  });
  // What a rebinding page would go after: a static file and the form's action id.
  const home = curl(`/searches/${searchId}`, OWN);
  staticFile = /\/_next\/static\/[^"'\s]+\.js/.exec(home.body)?.[0] ?? "";
  const form = curl("/searches/new", OWN);
  actionId = /&quot;id&quot;:&quot;([0-9a-f]{16,})&quot;/.exec(form.body)?.[1] ?? "";
  expect(staticFile).not.toBe("");
  expect(actionId).not.toBe("");
});

const paths = () => [
  "/",
  "/searches/new",
  `/searches/${searchId}`,
  `/searches/${searchId}/trials/1`,
  `/api/searches/${searchId}/poll`,
  `/api/searches/${searchId}/trials`,
  `/api/searches/${searchId}/curves`,
  `/api/searches/${searchId}/trials/1`,
  `/api/searches/${searchId}/export/json`,
  `/api/searches/${searchId}/export/csv`,
  `/api/searches/${searchId}/export/metrics`,
  staticFile,
  "/icon.svg",
  "/no-such-page",
];

test("curl with a foreign Host gets a 421 on pages, /api routes and static files", () => {
  for (const path of paths()) {
    // The console's own address is served (so the refusals below are about the Host alone).
    const own = curl(path, OWN);
    expect(own.status, path).not.toBe(421);
    recordProbe(`foreign Host: GET ${path}`);
    expectRefused(curl(path, FOREIGN), path);
  }
  expect(curl(`/searches/${searchId}`, OWN).body).toContain(SECRET);
  expect(curl(`/api/searches/${searchId}/export/csv`, OWN).status).toBe(200);

  for (const method of ["HEAD", "OPTIONS", "DELETE"]) {
    recordProbe(`foreign Host: ${method} /`);
    expect(curl("/", FOREIGN, { method }).status, method).toBe(421);
  }
  // Forms of the same foreign name, and near misses of the console's own.
  for (const host of [
    `REBIND.EXAMPLE:${PORT}`,
    `rebind.example.:${PORT}`,
    "rebind.example",
    `localhost:${PORT + 1}`,
    "127.0.0.1",
    `[::2]:${PORT}`,
    `user@127.0.0.1:${PORT}`,
    `127.0.0.1:${PORT}@rebind.example`,
    `127.1:${PORT}`,
  ]) {
    recordProbe(`Host ${host}`);
    expectRefused(curl(`/searches/${searchId}`, host), host);
  }
  // A rebound page may set X-Forwarded-Host (Next.js trusts it over Host for server actions).
  recordProbe("X-Forwarded-Host: rebind.example");
  expectRefused(
    curl(`/searches/${searchId}`, OWN, { headers: [`X-Forwarded-Host: ${FOREIGN}`] }),
    "X-Forwarded-Host",
  );
});

test("curl cannot run the form's server action through a foreign Host", async () => {
  const before = await withStore((s) => s.countSearches());
  const action = (host: string, extra: string[] = []) =>
    curl("/searches/new", host, {
      method: "POST",
      headers: [
        `Origin: http://${host}`,
        `Next-Action: ${actionId}`,
        "Content-Type: text/plain;charset=UTF-8",
        "Accept: text/x-component",
        ...extra,
      ],
      data: "[]",
    });
  recordProbe("foreign Host: server action POST");
  expectRefused(action(FOREIGN), "server action");
  recordProbe("foreign Host: server action POST with X-Forwarded-Host of the console");
  expectRefused(action(FOREIGN, [`X-Forwarded-Host: ${OWN}`]), "server action, X-Forwarded-Host");
  recordProbe("foreign Host: stop action POST on a search page");
  expectRefused(
    curl(`/searches/${searchId}`, FOREIGN, {
      method: "POST",
      headers: [`Origin: http://${FOREIGN}`, `Next-Action: ${actionId}`],
      data: "[]",
    }),
    "stop action",
  );
  expect(await withStore((s) => s.countSearches())).toBe(before);
});

test("raw requests: no Host, two Hosts, absolute-form targets, websocket upgrades", async () => {
  const page = `/searches/${searchId}`;
  recordProbe("HTTP/1.0 without Host");
  expectRefused(await raw(`GET ${page} HTTP/1.0\r\n\r\n`), "HTTP/1.0 without Host");
  recordProbe("HTTP/1.1 without Host");
  // Node's HTTP server refuses it before Next.js sees it.
  expect(await raw(`GET ${page} HTTP/1.1\r\nConnection: close\r\n\r\n`)).toMatch(
    /^HTTP\/1\.1 400 /,
  );
  recordProbe("two Host headers, the foreign one first");
  expectRefused(
    await raw(
      `GET ${page} HTTP/1.1\r\nHost: ${FOREIGN}\r\nHost: ${OWN}\r\nConnection: close\r\n\r\n`,
    ),
    "two Hosts",
  );
  // Node keeps the first of two Host headers, so the console's own first is served: only a
  // client that can choose its Host sends two, and it could send the console's own anyway.
  for (const [target, host] of [
    [`http://${FOREIGN}${page}`, OWN],
    [`http://${OWN}${page}`, FOREIGN],
  ]) {
    recordProbe(`absolute-form target ${target} with Host ${host}`);
    const answer = await raw(
      `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    // Next.js answers an absolute-form target with a redirect to its path, never the page.
    expect(answer, target).toMatch(/^HTTP\/1\.1 (3\d\d|421) /);
    expect(answer, target).not.toContain(SECRET);
  }
  for (const path of ["/", "/_next/webpack-hmr"]) {
    recordProbe(`websocket upgrade of ${path} with a foreign Host`);
    const answer = await raw(
      `GET ${path} HTTP/1.1\r\nHost: ${FOREIGN}\r\nOrigin: http://${FOREIGN}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
    expect(answer, path).not.toMatch(/^HTTP\/1\.1 101 /);
    expect(answer, path).not.toContain(SECRET);
  }
});

test.describe("in Chromium, with rebind.test resolving to 127.0.0.1", () => {
  test("a rebound page can neither read nor write", async ({ page, context }) => {
    const rebound = `http://rebind.test:${PORT}`;

    // The console's own page: queue a search with the form, and keep its POST to replay.
    await page.goto("/searches/new");
    const field = (name: string) => page.locator(`[data-field="${name}"]`);
    await field("description").fill("rebind: the form's own POST");
    await field("params.0.name").fill("x");
    await field("params.0.min").fill("-5");
    await field("params.0.max").fill("10");
    await field("command").fill("node examples/branin.mjs --x :x: --y 3 --epochs 1");
    await field("metric").fill("loss");
    await field("numRuns").fill("1");
    await field("parallelRuns").fill("1");
    // The form's script has run (it checks as you type): the POST is the one it sends.
    await expect(page.getByTestId("form-status")).toHaveText("Ready to queue");
    const posted = page.waitForRequest((r) => r.method() === "POST");
    await page.getByTestId("submit-search").click();
    const post: Request = await posted;
    await page.waitForURL(/\/searches\/\d+$/);
    const headers = Object.fromEntries(
      Object.entries(await post.allHeaders()).filter(([name]) =>
        ["next-action", "next-router-state-tree", "content-type", "accept"].includes(name),
      ),
    );
    expect(headers["next-action"]).toBeTruthy();
    const body = [...(post.postDataBuffer() ?? Buffer.alloc(0))];

    const count = () => withStore((s) => s.countSearches());

    // Control: the very same POST from the console's own origin does queue a search.
    const before = await count();
    const own = await page.evaluate(
      async ({ headers, body }) => {
        const r = await fetch("/searches/new", {
          method: "POST",
          headers,
          body: new Uint8Array(body),
        });
        return r.status;
      },
      { headers, body },
    );
    expect(own).toBe(200);
    await expect.poll(count).toBe(before + 1);

    // The rebound page: every read is refused, and it holds no action id.
    const evil = await context.newPage();
    for (const path of ["/", "/searches/new", `/searches/${searchId}`]) {
      recordProbe(`Chromium, rebound page: GET ${path}`);
      const response = await evil.goto(`${rebound}${path}`);
      expect(response?.status(), path).toBe(421);
      const html = await evil.content();
      expect(html, path).not.toContain(SECRET);
      expect(html, path).not.toContain("$ACTION");
      expect(html, path).not.toContain(headers["next-action"] as string);
    }
    recordProbe("Chromium, rebound page: fetch an export");
    const read = await evil.evaluate(async (id) => {
      const r = await fetch(`/api/searches/${id}/export/json`);
      return { status: r.status, text: await r.text() };
    }, searchId);
    expect(read.status).toBe(421);
    expect(read.text).not.toContain(SECRET);

    // Writes: the form's POST replayed from the rebound origin, as is and with an
    // X-Forwarded-Host naming the console (a header the page may set), stores nothing.
    const after = await count();
    const extras: Record<string, string>[] = [{}, { "x-forwarded-host": `127.0.0.1:${PORT}` }];
    for (const extra of extras) {
      recordProbe(`Chromium, rebound page: the form's POST ${JSON.stringify(extra)}`);
      const write = await evil.evaluate(
        async ({ headers, body }) => {
          const r = await fetch("/searches/new", {
            method: "POST",
            headers,
            body: new Uint8Array(body),
          });
          return { status: r.status, text: await r.text() };
        },
        { headers: { ...headers, ...extra }, body },
      );
      expect(write.status).toBe(421);
      expect(write.text).toContain("DNS rebinding");
    }
    await evil.waitForTimeout(1500);
    expect(await count()).toBe(after);
  });
});
