/**
 * The console's request rules, as pure functions of a request's method, URL and headers, so
 * the proxy (every route) and each server action (again, as Next.js advises) apply the same ones:
 *
 *   - token: when `HYPERBAYES_TOKEN` is set (required by `hyperbayes console --host`), every
 *     request must carry it: `Authorization: Bearer T`, the `hyperbayes_token` cookie, or once,
 *     `?token=T` in the URL, which the proxy trades for the cookie and strips from the address;
 *   - origin: a write (any method but GET/HEAD/OPTIONS) is refused unless its Origin is the
 *     console's own host, so another site open in the same browser cannot start processes here;
 *   - size: a write declaring a body over `MAX_BODY_BYTES` is refused before it is read.
 *   - the Content-Security-Policy every page is served with.
 */

export const TOKEN_COOKIE = "hyperbayes_token";
export const MAX_BODY_BYTES = 512 * 1024;

/** Compares in time independent of where the strings differ (the token is a secret). */
export function sameSecret(given: string, expected: string): boolean {
  if (given.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= given.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0;
}

export interface RequestFacts {
  method: string;
  headers: { get(name: string): string | null };
  cookie: string | undefined;
  queryToken: string | null;
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403 | 413; message: string };

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function bearer(header: string | null): string | undefined {
  const m = header === null ? null : /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1];
}

/** Whether the request may proceed under `token` (undefined or "": no token required). */
export function checkRequest(facts: RequestFacts, token: string | undefined): Verdict {
  if (token !== undefined && token !== "") {
    const given = bearer(facts.headers.get("authorization")) ?? facts.cookie ?? facts.queryToken;
    if (given === undefined || given === null || !sameSecret(given, token))
      return {
        ok: false,
        status: 401,
        message:
          "This console needs its token: open the address that `hyperbayes console` printed (it ends in ?token=...).",
      };
  }
  if (!SAFE_METHODS.has(facts.method.toUpperCase())) {
    if (!sameOrigin(facts.headers))
      return { ok: false, status: 403, message: "Cross-origin writes are refused." };
    const length = Number(facts.headers.get("content-length") ?? "0");
    if (!Number.isFinite(length) || length > MAX_BODY_BYTES)
      return {
        ok: false,
        status: 413,
        message: `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`,
      };
  }
  return { ok: true };
}

/**
 * True when a write comes from the console's own pages. Browsers send Origin on every POST; a
 * request with neither Origin nor a cross-site Sec-Fetch-Site (curl, scripts) cannot be a forged
 * browser request, so it passes (the token still applies).
 */
export function sameOrigin(headers: { get(name: string): string | null }): boolean {
  const host = headers.get("host");
  const origin = headers.get("origin");
  if (origin !== null) {
    if (host === null) return false;
    try {
      return new URL(origin).host === host;
    } catch {
      return false; // "null" (sandboxed frames, file://) and garbage
    }
  }
  const site = headers.get("sec-fetch-site");
  return site === null || site === "same-origin" || site === "none";
}

/** The policy for pages: scripts only from here and with this response's nonce; no framing. */
export function contentSecurityPolicy(nonce: string, dev: boolean): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // Style attributes (set by React for charts and the virtual table) cannot carry a nonce.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** A route's id segment as a positive integer, or undefined (the route then answers 404). */
export function idParam(text: string): number | undefined {
  if (!/^[1-9]\d{0,9}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) && n <= 2 ** 31 - 1 ? n : undefined;
}
