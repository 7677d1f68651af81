import { describe, expect, it } from "vitest";
import { checkRequest, contentSecurityPolicy, idParam, MAX_BODY_BYTES, sameSecret } from "./guard";

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

describe("checkRequest", () => {
  it("lets everything through on localhost without a token, except cross-origin writes", () => {
    expect(checkRequest(facts("GET"), undefined).ok).toBe(true);
    expect(checkRequest(facts("POST", { origin: "http://127.0.0.1:3000" }), undefined).ok).toBe(
      true,
    );
    expect(checkRequest(facts("POST", { origin: "http://evil.example" }), undefined)).toMatchObject(
      {
        ok: false,
        status: 403,
      },
    );
    expect(checkRequest(facts("POST", { origin: "null" }), undefined).ok).toBe(false);
    expect(checkRequest(facts("DELETE", { "sec-fetch-site": "cross-site" }), undefined).ok).toBe(
      false,
    );
    // A cross-origin GET reads nothing the page would not show; writes are what matter.
    expect(checkRequest(facts("GET", { origin: "http://evil.example" }), undefined).ok).toBe(true);
  });

  it("requires the token by header, cookie or query when one is set", () => {
    expect(checkRequest(facts("GET"), TOKEN)).toMatchObject({ ok: false, status: 401 });
    expect(checkRequest(facts("GET", { authorization: `Bearer ${TOKEN}` }), TOKEN).ok).toBe(true);
    expect(checkRequest(facts("GET", {}, { cookie: TOKEN }), TOKEN).ok).toBe(true);
    expect(checkRequest(facts("GET", {}, { queryToken: TOKEN }), TOKEN).ok).toBe(true);
    expect(checkRequest(facts("GET", {}, { cookie: `${TOKEN}x` }), TOKEN).ok).toBe(false);
    expect(checkRequest(facts("GET", { authorization: "Bearer nope" }), TOKEN).ok).toBe(false);
    // The token does not excuse a cross-origin write (the cookie rides along with it).
    expect(
      checkRequest(facts("POST", { origin: "http://evil.example" }, { cookie: TOKEN }), TOKEN).ok,
    ).toBe(false);
  });

  it("refuses oversized writes before reading them", () => {
    const same = { origin: "http://127.0.0.1:3000" };
    expect(
      checkRequest(
        facts("POST", { ...same, "content-length": String(MAX_BODY_BYTES + 1) }),
        undefined,
      ),
    ).toMatchObject({ ok: false, status: 413 });
    expect(checkRequest(facts("POST", { ...same, "content-length": "100" }), undefined).ok).toBe(
      true,
    );
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

  it("allows scripts only with the nonce", () => {
    const csp = contentSecurityPolicy("abc", false);
    expect(csp).toContain("script-src 'self' 'nonce-abc' 'strict-dynamic'");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(contentSecurityPolicy("abc", true)).toContain("'unsafe-eval'");
  });
});
