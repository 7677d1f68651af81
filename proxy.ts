/**
 * Runs before every request (Next.js 16's proxy, formerly middleware; with no matcher it runs on
 * every path, static files under /_next/ included): the host, token and origin rules of
 * app/_server/guard, then a fresh nonce and Content-Security-Policy for each page. Server
 * actions and route handlers check the same rules again (app/_server/auth).
 */
import { type NextRequest, NextResponse } from "next/server";
import {
  checkRequest,
  contentSecurityPolicy,
  hostsFromEnv,
  TOKEN_COOKIE,
} from "./app/_server/guard";

export function proxy(request: NextRequest): NextResponse {
  const token = process.env.HYPERBAYES_TOKEN;
  const queryToken = request.nextUrl.searchParams.get("token");
  const verdict = checkRequest(
    {
      method: request.method,
      headers: request.headers,
      cookie: request.cookies.get(TOKEN_COOKIE)?.value,
      queryToken,
    },
    { hosts: hostsFromEnv(process.env), token },
  );
  if (!verdict.ok) {
    return new NextResponse(verdict.message, {
      status: verdict.status,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }

  // A token in the address is traded for a cookie once, so it leaves the address bar, history
  // and Referer headers.
  if (token && queryToken !== null) {
    const clean = request.nextUrl.clone();
    clean.searchParams.delete("token");
    const response = NextResponse.redirect(clean, 303);
    response.cookies.set(TOKEN_COOKIE, token, {
      httpOnly: true,
      sameSite: "strict",
      path: "/",
    });
    return response;
  }

  if (request.nextUrl.pathname.startsWith("/_next/static/")) return NextResponse.next();

  const nonce = btoa(crypto.randomUUID());
  const csp = contentSecurityPolicy(nonce, process.env.NODE_ENV === "development");
  const requestHeaders = new Headers(request.headers);
  // Next.js reads the nonce from the request's CSP header and puts it on its own scripts.
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("content-security-policy", csp);
  return response;
}
