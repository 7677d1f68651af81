/**
 * Issue 10: a busy port looked like success. Another program holding the port (a plain HTTP
 * server answering 200 to everything, as a dev server on 3000 does) must make `hyperbayes demo`
 * and `hyperbayes console` fail before they print anything or queue anything: exit code 1, one
 * line naming the port, no stack trace. And the readiness check believes only a server that
 * proves it holds the secret its launcher handed it (app/_server/identity), never "any answer".
 * The race (a program taking the port while the real console starts) is in e2e/busy-port.spec.ts.
 */
import { createHmac } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readyProof } from "../app/_server/identity";
import { recordFault, recordProbe } from "../lib/testing/ledger";
import { makeHome, openTestStore, runCli } from "../workers/testing/cli";
import { assertPortFree, whoAnswers } from "./_console-server";

const TOKEN = "busy-port-token-0123456789";

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A real HTTP server on `host` answering every request with `answer` (default: 200 "hello"). */
async function foreignServer(
  host: string,
  port = 0,
  answer: (url: URL) => { status: number; body: string } = () => ({ status: 200, body: "hello" }),
): Promise<number> {
  const server = createServer((req, res) => {
    const { status, body } = answer(new URL(req.url ?? "/", "http://x"));
    res.writeHead(status, { "content-type": "text/plain" }).end(body);
  });
  servers.push(server);
  await new Promise<void>((res, rej) => {
    server.once("error", rej);
    server.listen(port, host, () => res());
  });
  return (server.address() as AddressInfo).port;
}

describe("a port held by another program", () => {
  // [where the foreign server listens, the flags the command gets]
  const cases: [string, string[]][] = [
    ["127.0.0.1", []],
    ["0.0.0.0", []],
    ["::", []],
    ["127.0.0.1", ["--host", "0.0.0.0"]],
    ["0.0.0.0", ["--host", "127.0.0.1"]],
  ];
  for (const command of ["demo", "console"]) {
    for (const [foreignHost, flags] of cases) {
      it(`${[command, ...flags].join(" ")} with ${foreignHost} taken: one line naming the port, exit 1, nothing queued`, async () => {
        recordFault(
          `${[command, ...flags].join(" ")} on a port a foreign server holds on ${foreignHost}`,
        );
        const port = await foreignServer(foreignHost);
        const home = makeHome();
        const r = await runCli(home, [command, ...flags], {
          PORT: String(port),
          ...(flags.length > 0 ? { HYPERBAYES_TOKEN: TOKEN } : {}),
        });
        expect(r.stdout, "nothing printed on stdout").toBe("");
        expect(r.code).toBe(1);
        const lines = r.stderr.trimEnd().split("\n");
        expect(lines, r.stderr).toHaveLength(1);
        expect(lines[0]).toMatch(
          new RegExp(`^hyperbayes ${command}: port ${port} on \\S+ is already in use`),
        );
        expect(r.stderr).not.toMatch(/\n\s+at |Error:/);
        // Nothing was queued: no database was even created, or it holds no search.
        if (existsSync(join(home, "hyperbayes.db")))
          expect(await (await openTestStore(home)).countSearches()).toBe(0);
      }, 60_000);
    }
  }

  it("is told apart from a free one, and an address this machine lacks is named", async () => {
    const port = await foreignServer("127.0.0.1");
    await expect(assertPortFree("127.0.0.1", port)).rejects.toThrow(
      `port ${port} on 127.0.0.1 is already in use`,
    );
    // A port just freed is free again (the probe leaves nothing bound behind it).
    const server = servers.pop() as Server;
    await new Promise((r) => server.close(r));
    await assertPortFree("127.0.0.1", port);
    await assertPortFree("127.0.0.1", port);
    recordFault("listening on an address this machine does not have");
    await expect(assertPortFree("192.0.2.1", port)).rejects.toThrow(
      "192.0.2.1 is not an address of this machine",
    );
  });
});

describe("whoAnswers", () => {
  const secret = "a".repeat(64);

  it("believes only an answer to its own challenge made with the secret", async () => {
    // A server that knows the secret answers as the console's route does.
    const ours = await foreignServer("127.0.0.1", 0, (url) => {
      const challenge = url.searchParams.get("challenge") ?? "";
      return url.pathname === "/api/ready"
        ? { status: 200, body: readyProof(secret, challenge) }
        : { status: 404, body: "" };
    });
    expect(await whoAnswers(`http://127.0.0.1:${ours}`, secret)).toBe("ours");
    expect(await whoAnswers(`http://127.0.0.1:${ours}`, "b".repeat(64))).toBe("foreign");

    // What other programs answer, none of which proves anything.
    const answers: ((url: URL) => { status: number; body: string })[] = [
      () => ({ status: 200, body: "hello" }),
      () => ({ status: 200, body: "" }),
      (url) => ({ status: 200, body: url.searchParams.get("challenge") ?? "" }),
      // A correct HMAC for some other challenge (a replayed answer).
      () => ({ status: 200, body: readyProof(secret, "0".repeat(32)) }),
      // The right value with the wrong status.
      (url) => ({ status: 404, body: readyProof(secret, url.searchParams.get("challenge") ?? "") }),
      () => ({ status: 401, body: "token needed" }),
      // SHA-256 of the challenge without the key.
      (url) => ({
        status: 200,
        body: createHmac("sha256", "")
          .update(url.searchParams.get("challenge") ?? "")
          .digest("hex"),
      }),
    ];
    for (const answer of answers) {
      recordProbe("a foreign server's answer to the readiness challenge");
      const port = await foreignServer("127.0.0.1", 0, answer);
      expect(await whoAnswers(`http://127.0.0.1:${port}`, secret)).toBe("foreign");
    }
  });

  it("says none when nothing listens, and sends the token when there is one", async () => {
    const port = await foreignServer("127.0.0.1");
    const server = servers.pop() as Server;
    await new Promise((r) => server.close(r));
    expect(await whoAnswers(`http://127.0.0.1:${port}`, secret)).toBe("none");

    const seen: string[] = [];
    const withToken = createServer((req, res) => {
      seen.push(req.headers.authorization ?? "");
      res.end("");
    });
    servers.push(withToken);
    await new Promise<void>((r) => withToken.listen(0, "127.0.0.1", () => r()));
    const p = (withToken.address() as AddressInfo).port;
    await whoAnswers(`http://127.0.0.1:${p}`, secret, TOKEN);
    await whoAnswers(`http://127.0.0.1:${p}`, secret);
    expect(seen).toEqual([`Bearer ${TOKEN}`, ""]);
  });
});
