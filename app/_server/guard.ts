/**
 * The console's request rules, as pure functions of a request's method, URL and headers, so
 * the proxy (every route) and each server action (again, as Next.js advises) apply the same ones:
 *
 *   - host (first, before anything else): the Host header must be one this console serves, from
 *     the list `consoleHosts` computes once when the server starts (its port on 127.0.0.1,
 *     localhost and [::1], the `--host` it listens on, and each `--allowed-host`). This is what
 *     stops DNS rebinding: a page on `rebind.example`, whose name its owner later points at
 *     127.0.0.1, is same-origin with its own requests, so Origin checks alone let it read and
 *     write; its requests still say `Host: rebind.example:PORT`, which no list holds. An
 *     X-Forwarded-Host (which such a page may set, and which Next.js prefers to Host when it
 *     checks server actions) must be on the list too;
 *   - token: when `HYPERBAYES_TOKEN` is set (required by `hyperbayes console --host`), every
 *     request must carry it: `Authorization: Bearer T`, the `hyperbayes_token` cookie, or once,
 *     `?token=T` in the URL, which the proxy trades for the cookie and strips from the address;
 *   - origin: a write (any method but GET/HEAD/OPTIONS) is refused unless its Origin is one of
 *     the allowed hosts, so another site open in the same browser cannot start processes here;
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

/** What the server was started with: the hosts it answers to, and its token if any. */
export interface ConsoleRules {
  /** `consoleHosts`' list, canonical `name:port` entries. Empty: every request is refused. */
  hosts: readonly string[];
  /** undefined or "": no token required. */
  token: string | undefined;
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403 | 413 | 421; message: string };

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function bearer(header: string | null): string | undefined {
  const m = header === null ? null : /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1];
}

/** Whether the request may proceed under `rules`. The Host rule comes first. */
export function checkRequest(facts: RequestFacts, rules: ConsoleRules): Verdict {
  const host = checkHost(facts.headers, rules.hosts);
  if (!host.ok) return host;
  const token = rules.token;
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
    if (!sameOrigin(facts.headers, rules.hosts))
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

// ---- hosts ----

/** How the server hands its host list to the proxy and route handlers (cli/_console-server). */
export const ALLOWED_HOSTS_ENV = "HYPERBAYES_ALLOWED_HOSTS";

/** A host as a request or a flag names it: a lowercase name or `[IPv6]`, and maybe a port. */
export interface HostName {
  name: string;
  port: number | undefined;
}

// A DNS name or IPv4 address, or a bracketed IPv6 address; then an optional port. Nothing else:
// no userinfo (`a@b`), no spaces or commas (two Host headers joined), no percent-escapes, no
// zone ids. Underscores appear in real internal names, so they pass.
const HOST_TEXT =
  /^(?:\[([0-9A-Fa-f:.]{2,45})\]|([A-Za-z0-9](?:[A-Za-z0-9_-]|\.(?!\.))*))(?::([1-9]\d{0,4}))?$/;

/**
 * Reads `NAME[:PORT]` strictly (a Host header, an `--allowed-host` value), undefined when it is
 * not one. Names compare without case and without one trailing dot (`LocalHost.` is
 * `localhost`); IPv6 addresses in their canonical form (`[0:0::1]` is `[::1]`).
 */
export function parseHost(text: string): HostName | undefined {
  const m = HOST_TEXT.exec(text);
  if (!m) return undefined;
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && port > 65535) return undefined;
  if (m[1] !== undefined) {
    let name: string;
    try {
      name = new URL(`http://[${m[1]}]/`).hostname;
    } catch {
      return undefined;
    }
    return { name, port };
  }
  const name = (m[2] as string).toLowerCase().replace(/\.$/, "");
  return name === "" ? undefined : { name, port };
}

/** The listen addresses that mean "every interface": no browser addresses them by that name. */
const WILDCARDS = new Set(["0.0.0.0", "[::]"]);

/**
 * The Host values a console answers to, computed once when its server starts: its port on
 * 127.0.0.1, localhost and [::1]; the host it listens on (unless that is every interface); and
 * each allowed name, on the console's port unless it gives its own (a tunnel or a reverse proxy
 * may reach the console under another port).
 */
export function consoleHosts(options: {
  host: string;
  port: number;
  allowed?: readonly HostName[];
}): string[] {
  const entries = new Set<string>();
  const add = (h: HostName) => entries.add(`${h.name}:${h.port ?? options.port}`);
  for (const name of ["127.0.0.1", "localhost", "[::1]"]) add({ name, port: undefined });
  const listen = parseHost(options.host.includes(":") ? `[${options.host}]` : options.host);
  if (listen && !WILDCARDS.has(listen.name)) add({ name: listen.name, port: undefined });
  for (const h of options.allowed ?? []) add(h);
  return [...entries];
}

/** The list as `consoleHosts` made it, from the server's environment (comma-separated). */
export function hostsFromEnv(env: Readonly<Record<string, string | undefined>>): string[] {
  return (env[ALLOWED_HOSTS_ENV] ?? "").split(",").filter((h) => h !== "");
}

/**
 * True when `text` names an allowed host. A Host without a port is what a browser sends for
 * port 80 (or 443 through a TLS proxy), so it matches an entry on one of those.
 */
export function hostAllowed(text: string | null, hosts: readonly string[]): boolean {
  const h = text === null ? undefined : parseHost(text.trim());
  if (h === undefined) return false;
  if (h.port !== undefined) return hosts.includes(`${h.name}:${h.port}`);
  return hosts.includes(`${h.name}:80`) || hosts.includes(`${h.name}:443`);
}

function checkHost(
  headers: { get(name: string): string | null },
  hosts: readonly string[],
): Verdict {
  if (hosts.length === 0)
    return {
      ok: false,
      status: 421,
      message: `This server was started without its list of allowed hosts (${ALLOWED_HOSTS_ENV}); start it with \`hyperbayes console\`.`,
    };
  const host = headers.get("host");
  if (!hostAllowed(host, hosts)) {
    const named = host === null ? undefined : parseHost(host.trim());
    return {
      ok: false,
      status: 421,
      message:
        named === undefined
          ? "Refused: this request names no host this console serves."
          : `Refused: this console does not answer to the host ${named.name}${named.port === undefined ? "" : `:${named.port}`} (a protection against DNS rebinding). If you reach it by that name, start it with --allowed-host ${named.name}${named.port === undefined ? "" : `:${named.port}`}.`,
    };
  }
  // Proxies may append: every host named along the way must be one of ours.
  const forwarded = headers.get("x-forwarded-host");
  if (forwarded !== null && !forwarded.split(",").every((h) => hostAllowed(h, hosts)))
    return {
      ok: false,
      status: 421,
      message: "Refused: X-Forwarded-Host names a host this console does not serve.",
    };
  return { ok: true };
}

/**
 * True when a write comes from the console's own pages: its Origin is an allowed host. Browsers
 * send Origin on every POST; a request with neither Origin nor a cross-site Sec-Fetch-Site
 * (curl, scripts) cannot be a forged browser request, so it passes (the token still applies).
 */
export function sameOrigin(
  headers: { get(name: string): string | null },
  hosts: readonly string[],
): boolean {
  const origin = headers.get("origin");
  if (origin !== null) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false; // "null" (sandboxed frames, file://) and garbage
    }
    return (url.protocol === "http:" || url.protocol === "https:") && hostAllowed(url.host, hosts);
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

/**
 * A `trials=1,2,3` query value: the distinct trial numbers in it, in order, at most `limit`;
 * parts that are not a trial number are skipped.
 */
export function trialListParam(text: string | null, limit: number): number[] {
  const trials: number[] = [];
  for (const part of (text ?? "").split(",")) {
    if (trials.length >= limit) break;
    const n = idParam(part);
    if (n !== undefined && !trials.includes(n)) trials.push(n);
  }
  return trials;
}
