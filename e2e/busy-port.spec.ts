/**
 * Issue 10: a busy port looked like success, because the readiness check took any HTTP answer
 * for the console. Here a program takes the port after the launcher's check that it is free
 * and before Next.js binds it (the race that check cannot close): the launcher must refuse to
 * call it ready, and say the port is taken. And the route the real console proves itself with
 * (GET /api/ready) gives nothing a foreign page could use. The plain busy port, through the CLI,
 * is cli/busy-port.test.ts.
 */
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect, test } from "@playwright/test";
import { startConsoleServer } from "../cli/_console-server";
import { recordFault, recordProbe } from "../lib/testing/ledger";
import { freePort } from "./cli-console";

/** Listens on `port` as soon as it can (the console's server has not bound it yet). */
async function takePort(port: number, ms: number): Promise<Server> {
  const server = createServer((_req, res) => res.writeHead(200).end("hello from another app"));
  const deadline = Date.now() + ms;
  for (;;) {
    const taken = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (taken) return server;
    if (Date.now() > deadline) throw new Error(`could not take port ${port}`);
    await sleep(5);
  }
}

test("a program that takes the port while the console starts is not taken for it", async () => {
  test.setTimeout(300_000);
  const home = mkdtempSync(join(tmpdir(), "hyperbayes-busy-"));
  // The launcher checks the port, then starts Next.js, which needs a while to bind it: the other
  // program goes in between. If it goes in before the check instead, the check says so; try again
  // a little later, until the race itself was run at least once.
  let raced = false;
  for (let attempt = 0; attempt < 6 && !raced; attempt++) {
    const port = await freePort();
    recordFault("a foreign server takes the console's port while it starts");
    const starting = startConsoleServer({
      host: "127.0.0.1",
      port,
      env: { HYPERBAYES_HOME: home, HYPERBAYES_TOKEN: "" },
      readyTimeoutMs: 60_000,
    });
    await sleep(20 * 2 ** attempt);
    const foreign = await takePort(port, 10_000);
    try {
      const outcome = await starting.then(
        async (server) => {
          await server.stop();
          return "ready";
        },
        (e: Error) => e.message,
      );
      expect(outcome).not.toBe("ready");
      expect(outcome).toContain(`port ${port} on 127.0.0.1`);
      if (outcome.includes("is taken by another program (it answers, but not as this console)"))
        raced = true;
      else expect(outcome).toContain("is already in use");
    } finally {
      await new Promise((r) => foreign.close(r));
    }
  }
  expect(raced, "the foreign program took the port between the check and Next.js").toBe(true);
});

test("GET /api/ready answers only a challenge, differently each time, behind the host rules", async ({
  request,
}) => {
  const challenge = (n: number) => n.toString(16).padStart(32, "0");
  const answers = new Set<string>();
  for (let n = 1; n <= 3; n++) {
    const r = await request.get(`/api/ready?challenge=${challenge(n)}`);
    expect(r.status()).toBe(200);
    expect(r.headers()["cache-control"]).toBe("no-store");
    const body = await r.text();
    expect(body).toMatch(/^[0-9a-f]{64}$/);
    answers.add(body);
  }
  expect(answers.size).toBe(3);
  for (const query of ["", "?challenge=", "?challenge=xyz", `?challenge=${"A".repeat(32)}`]) {
    recordProbe(`GET /api/ready${query}`);
    expect((await request.get(`/api/ready${query}`)).status(), query).toBe(404);
  }
  // A page on another name (DNS rebinding) cannot even ask.
  recordProbe("GET /api/ready with a rebinding Host");
  const rebound = await request.get(`/api/ready?challenge=${challenge(1)}`, {
    headers: { host: "rebind.example" },
  });
  expect(rebound.status()).toBe(421);
});
