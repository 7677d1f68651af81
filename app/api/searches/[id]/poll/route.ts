/**
 * GET /api/searches/:id/poll?after=N&live=1,2,3 — what the search page needs to stay current:
 * the search, trials numbered above N, and the listed trials (those the page still shows as
 * queued or running). See `pollSearch`.
 */
import type { NextRequest } from "next/server";
import { refuseRequest } from "../../../../_server/auth";
import { pollSearch } from "../../../../_server/data";
import { idParam } from "../../../../_server/guard";

export const dynamic = "force-dynamic";

/** More live trials than a search can run at once (1000) is not a real page's request. */
const MAX_LIVE = 1000;

export async function GET(request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const refused = refuseRequest(request);
  if (refused) return refused;
  const id = idParam((await params).id);
  if (id === undefined) return Response.json({ error: "no such search" }, { status: 404 });
  const q = request.nextUrl.searchParams;
  const after = Number(q.get("after") ?? "0");
  const live = new Set<number>();
  for (const part of (q.get("live") ?? "").split(",").slice(0, MAX_LIVE)) {
    const n = idParam(part);
    if (n !== undefined) live.add(n);
  }
  const poll = await pollSearch(id, Number.isSafeInteger(after) && after > 0 ? after : 0, live);
  if (!poll) return Response.json({ error: "no such search" }, { status: 404 });
  return Response.json(poll, { headers: { "cache-control": "no-store" } });
}
