/**
 * The guard rules of ./guard (host first), applied inside server actions and route handlers too: Next.js runs
 * server actions as POSTs to the page's route, so a proxy matcher alone is one refactor away
 * from missing one. Throws `ForbiddenError`; callers turn it into a response or a form error.
 */
import "server-only";
import { cookies, headers } from "next/headers";
import type { NextRequest } from "next/server";
import { type ConsoleRules, checkRequest, hostsFromEnv, idParam, TOKEN_COOKIE } from "./guard";

export class ForbiddenError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "ForbiddenError";
    this.status = status;
  }
}

/** The rules this server was started with (cli/_console-server puts them in its environment). */
function rules(): ConsoleRules {
  return { hosts: hostsFromEnv(process.env), token: process.env.HYPERBAYES_TOKEN };
}

/** For server actions (always POST). */
export async function assertActionAllowed(): Promise<void> {
  const [h, c] = await Promise.all([headers(), cookies()]);
  const verdict = checkRequest(
    { method: "POST", headers: h, cookie: c.get(TOKEN_COOKIE)?.value, queryToken: null },
    rules(),
  );
  if (!verdict.ok) throw new ForbiddenError(verdict.status, verdict.message);
}

/** For route handlers: a Response to return when the request is refused, else undefined. */
export function refuseRequest(request: NextRequest): Response | undefined {
  const verdict = checkRequest(
    {
      method: request.method,
      headers: request.headers,
      cookie: request.cookies.get(TOKEN_COOKIE)?.value,
      queryToken: request.nextUrl.searchParams.get("token"),
    },
    rules(),
  );
  if (verdict.ok) return undefined;
  return new Response(verdict.message, {
    status: verdict.status,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

/** The 404 of a search that is not there (or an id that is not one). */
export const noSuchSearch = (): Response =>
  Response.json({ error: "no such search" }, { status: 404 });

/**
 * The one preamble of every GET /api/searches/:id/... route: the request rules (refuseRequest),
 * the search id read from the path (idParam), and the 404 when it is not a search's, so a route
 * says only what it answers. `answer` gets the id, the request and the path's other parts, and
 * returns undefined for "no such search".
 */
export function searchRoute<P extends { id: string }>(
  answer: (id: number, request: NextRequest, params: P) => Promise<Response | undefined>,
): (request: NextRequest, context: { params: Promise<P> }) => Promise<Response> {
  return async (request, { params }) => {
    const refused = refuseRequest(request);
    if (refused) return refused;
    const p = await params;
    const id = idParam(p.id);
    const answered = id === undefined ? undefined : await answer(id, request, p);
    return answered ?? noSuchSearch();
  };
}
