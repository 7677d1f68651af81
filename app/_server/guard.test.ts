import { describe, expect, it } from "vitest";
import { recordBadInput } from "../../lib/testing/ledger";
import {
  ALLOWED_HOSTS_ENV,
  checkRequest,
  consoleHosts,
  contentSecurityPolicy,
  hostAllowed,
  hostsFromEnv,
  idParam,
  MAX_BODY_BYTES,
  parseHost,
  sameSecret,
  trialListParam,
} from "./guard";

const headers = (h: Record<string, string>) => ({
  get: (name: string) => h[name.toLowerCase()] ?? null,
});
const facts = (
  method: string,
  h: Record<string, string> = {},
  extra: { cookie?: string; queryToken?: string | null } = {},
) => ({
  method,
  headers: headers({ host: "127.0.0.1:3000", ...h }),
  cookie: extra.cookie,
  queryToken: extra.queryToken ?? null,
});

const TOKEN = "0123456789abcdef-token";
const HOSTS = consoleHosts({ host: "127.0.0.1", port: 3000 });
const OPEN = { hosts: HOSTS, token: undefined };
const WITH_TOKEN = { hosts: HOSTS, token: TOKEN };

describe("checkRequest", () => {
  it("lets everything through on localhost without a token, except cross-origin writes", () => {
    expect(checkRequest(facts("GET"), OPEN).ok).toBe(true);
    expect(checkRequest(facts("POST", { origin: "http://127.0.0.1:3000" }), OPEN).ok).toBe(true);
    expect(checkRequest(facts("POST", { origin: "http://evil.example" }), OPEN)).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(checkRequest(facts("POST", { origin: "null" }), OPEN).ok).toBe(false);
    expect(checkRequest(facts("DELETE", { "sec-fetch-site": "cross-site" }), OPEN).ok).toBe(false);
    // A cross-origin GET reads nothing the page would not show; writes are what matter.
    expect(checkRequest(facts("GET", { origin: "http://evil.example" }), OPEN).ok).toBe(true);
  });

  it("requires the token by header, cookie or query when one is set", () => {
    expect(checkRequest(facts("GET"), WITH_TOKEN)).toMatchObject({ ok: false, status: 401 });
    expect(checkRequest(facts("GET", { authorization: `Bearer ${TOKEN}` }), WITH_TOKEN).ok).toBe(
      true,
    );
    expect(checkRequest(facts("GET", {}, { cookie: TOKEN }), WITH_TOKEN).ok).toBe(true);
    expect(checkRequest(facts("GET", {}, { queryToken: TOKEN }), WITH_TOKEN).ok).toBe(true);
    expect(checkRequest(facts("GET", {}, { cookie: `${TOKEN}x` }), WITH_TOKEN).ok).toBe(false);
    expect(checkRequest(facts("GET", { authorization: "Bearer nope" }), WITH_TOKEN).ok).toBe(false);
    // The token does not excuse a cross-origin write (the cookie rides along with it).
    expect(
      checkRequest(facts("POST", { origin: "http://evil.example" }, { cookie: TOKEN }), WITH_TOKEN)
        .ok,
    ).toBe(false);
  });

  it("refuses oversized writes before reading them", () => {
    const same = { origin: "http://127.0.0.1:3000" };
    expect(
      checkRequest(facts("POST", { ...same, "content-length": String(MAX_BODY_BYTES + 1) }), OPEN),
    ).toMatchObject({ ok: false, status: 413 });
    expect(checkRequest(facts("POST", { ...same, "content-length": "100" }), OPEN).ok).toBe(true);
  });
});

/** Facts for a GET with exactly these headers (no default Host). */
const bare = (h: Record<string, string>, method = "GET", queryToken: string | null = null) => ({
  method,
  headers: headers(h),
  cookie: undefined,
  queryToken,
});

describe("the Host allow-list (DNS rebinding)", () => {
  it("holds the console's own addresses on its port, plus --host and each --allowed-host", () => {
    expect(HOSTS).toEqual(["127.0.0.1:3000", "localhost:3000", "[::1]:3000"]);
    expect(
      consoleHosts({
        host: "0.0.0.0",
        port: 3000,
        allowed: [
          { name: "hb.example.org", port: undefined },
          { name: "tunnel", port: 8080 },
        ],
      }),
    ).toEqual([
      "127.0.0.1:3000",
      "localhost:3000",
      "[::1]:3000",
      "hb.example.org:3000",
      "tunnel:8080",
    ]);
    expect(consoleHosts({ host: "192.168.1.5", port: 4000 })).toContain("192.168.1.5:4000");
    expect(consoleHosts({ host: "FD00::5", port: 4000 })).toContain("[fd00::5]:4000");
    expect(consoleHosts({ host: "::", port: 4000 })).toHaveLength(3);
    // Through the server's environment and back, unchanged.
    expect(hostsFromEnv({ [ALLOWED_HOSTS_ENV]: HOSTS.join(",") })).toEqual(HOSTS);
    expect(hostsFromEnv({})).toEqual([]);
  });

  // What a browser or curl may put in Host; only the console's own names on its port pass.
  const allowed = [
    "127.0.0.1:3000",
    "localhost:3000",
    "[::1]:3000",
    "LOCALHOST:3000", // names compare without case
    "LocalHost.:3000", // a trailing dot names the same host
    "[0:0:0:0:0:0:0:1]:3000", // IPv6 compares in canonical form
  ];
  const refused: [string | null, string][] = [
    ["rebind.example:3000", "a foreign name"],
    ["REBIND.EXAMPLE:3000", "a foreign name in capitals"],
    ["rebind.example.:3000", "a foreign name with a trailing dot"],
    ["rebind.example", "a foreign name without a port"],
    ["localhost", "no port (that means 80)"],
    ["127.0.0.1", "no port"],
    ["localhost:3001", "the wrong port"],
    ["localhost:80", "port 80"],
    ["localhost:03000", "a port with a leading zero"],
    ["localhost:99999", "a port out of range"],
    ["localhost:", "an empty port"],
    ["[::2]:3000", "another IPv6 address"],
    ["[::1]", "IPv6 without a port"],
    ["::1:3000", "IPv6 without brackets"],
    ["[::ffff:127.0.0.1]:3000", "IPv4-mapped IPv6"],
    ["[::1%25lo]:3000", "an IPv6 zone id"],
    ["127.1:3000", "a short IPv4 form"],
    ["2130706433:3000", "IPv4 as one number"],
    ["0x7f000001:3000", "IPv4 in hex"],
    ["0.0.0.0:3000", "the wildcard address"],
    ["localhost..:3000", "two trailing dots"],
    ["user@localhost:3000", "userinfo"],
    ["localhost:3000@rebind.example", "userinfo the other way round"],
    ["localhost:3000, rebind.example:3000", "two Host headers joined"],
    ["localhost:3000 rebind.example", "a space"],
    ["%6cocalhost:3000", "a percent-escape"],
    ["l\u043ecalhost:3000", "a Cyrillic o"],
    ["http://localhost:3000", "an absolute URL"],
    ["localhost:3000/", "a path"],
    ["", "empty"],
    [null, "missing"],
  ];

  it("lets the console's own names through, in any case, with a trailing dot", () => {
    for (const host of allowed) {
      expect(hostAllowed(host, HOSTS), host).toBe(true);
      expect(checkRequest(bare({ host }), OPEN), host).toEqual({ ok: true });
    }
  });

  it("refuses every other Host with a 421 and a plain message, before the token", () => {
    for (const [host, why] of refused) {
      recordBadInput(`Host header: ${why}`);
      expect(hostAllowed(host, HOSTS), why).toBe(false);
      const verdict = checkRequest(bare(host === null ? {} : { host }), OPEN);
      expect(verdict, why).toMatchObject({ ok: false, status: 421 });
      if (!verdict.ok) expect(verdict.message).not.toMatch(/[<>]/);
    }
    // The right token does not excuse a foreign Host: no cookie is ever set for rebind.example.
    const withToken = checkRequest(
      bare({ host: "rebind.example:3000", authorization: `Bearer ${TOKEN}` }, "GET", TOKEN),
      WITH_TOKEN,
    );
    expect(withToken).toMatchObject({ ok: false, status: 421 });
    if (!withToken.ok) expect(withToken.message).toContain("--allowed-host rebind.example:3000");
  });

  it("checks reads, writes and every method alike", () => {
    for (const method of ["GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH"]) {
      recordBadInput(`Host header: foreign, ${method}`);
      expect(
        checkRequest(bare({ host: "rebind.example:3000" }, method), OPEN),
        method,
      ).toMatchObject({ status: 421 });
    }
  });

  it("refuses an X-Forwarded-Host that is not on the list (a rebound page may set it)", () => {
    const host = "127.0.0.1:3000";
    for (const xfh of ["rebind.example:3000", "127.0.0.1:3000, rebind.example:3000", "", "a b"]) {
      recordBadInput(`X-Forwarded-Host: ${xfh}`);
      expect(checkRequest(bare({ host, "x-forwarded-host": xfh }), OPEN), xfh).toMatchObject({
        status: 421,
      });
    }
    expect(checkRequest(bare({ host, "x-forwarded-host": "localhost:3000" }), OPEN).ok).toBe(true);
  });

  it("takes writes only from an allowed Origin", () => {
    const post = (origin: string) =>
      checkRequest(bare({ host: "127.0.0.1:3000", origin }, "POST"), OPEN);
    expect(post("http://localhost:3000").ok).toBe(true);
    expect(post("http://[::1]:3000").ok).toBe(true);
    for (const origin of [
      "http://rebind.example:3000",
      "http://localhost:3001",
      "http://localhost",
      "http://localhost:3000@rebind.example",
      "ftp://localhost:3000",
      "null",
    ]) {
      recordBadInput(`Origin: ${origin}`);
      expect(post(origin), origin).toMatchObject({ ok: false, status: 403 });
    }
  });

  it("answers a portless Host on port 80, and to nothing when the server has no list", () => {
    const on80 = consoleHosts({ host: "127.0.0.1", port: 80 });
    expect(hostAllowed("localhost", on80)).toBe(true);
    expect(hostAllowed("localhost:80", on80)).toBe(true);
    expect(hostAllowed("localhost:3000", on80)).toBe(false);
    const behindTls = consoleHosts({
      host: "127.0.0.1",
      port: 3000,
      allowed: [{ name: "hb.example.org", port: 443 }],
    });
    expect(hostAllowed("hb.example.org", behindTls)).toBe(true);
    expect(hostAllowed("hb.example.org:3000", behindTls)).toBe(false);
    // Started some other way than `hyperbayes console` (no list in its environment): closed.
    expect(
      checkRequest(bare({ host: "127.0.0.1:3000" }), { hosts: [], token: undefined }),
    ).toMatchObject({
      ok: false,
      status: 421,
      message: expect.stringContaining(ALLOWED_HOSTS_ENV),
    });
  });

  it("reads NAME[:PORT] strictly, for --allowed-host as for Host", () => {
    expect(parseHost("HB.Example.org.")).toEqual({ name: "hb.example.org", port: undefined });
    expect(parseHost("[FD00::5]:8443")).toEqual({ name: "[fd00::5]", port: 8443 });
    expect(parseHost("my_box:1")).toEqual({ name: "my_box", port: 1 });
    for (const bad of ["", ".", "-x", "a b", "http://a", "a:0", "a:65536", "[zz::1]", "a,b", "a/b"])
      expect(parseHost(bad), bad).toBeUndefined();
  });
});

describe("helpers", () => {
  it("compares secrets exactly", () => {
    expect(sameSecret("abc", "abc")).toBe(true);
    expect(sameSecret("abd", "abc")).toBe(false);
    expect(sameSecret("ab", "abc")).toBe(false);
    expect(sameSecret("", "abc")).toBe(false);
  });

  it("reads ids strictly", () => {
    expect(idParam("12")).toBe(12);
    for (const bad of ["0", "-1", "1.5", "1e3", "01", "", "../1", "99999999999"])
      expect(idParam(bad)).toBeUndefined();
  });

  it("reads a trial list: distinct trial numbers in order, bad parts skipped, at most the limit", () => {
    expect(trialListParam("3,1,3,x,0,-2,1.5,7", 10)).toEqual([3, 1, 7]);
    expect(trialListParam("1,2,3,4", 2)).toEqual([1, 2]);
    expect(trialListParam(null, 5)).toEqual([]);
    expect(trialListParam("", 5)).toEqual([]);
  });

  it("allows scripts only with the nonce", () => {
    const csp = contentSecurityPolicy("abc", false);
    expect(csp).toContain("script-src 'self' 'nonce-abc' 'strict-dynamic'");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(contentSecurityPolicy("abc", true)).toContain("'unsafe-eval'");
  });
});
