/**
 * GET /api/searches/:id/poll?cursor=K — what the search page needs to stay current: the search
 * and the trials written after the cursor K (0: all), with the next cursor. See `pollSearch`.
 */
import type { NextRequest } from "next/server";
import { z } from "zod";
import { refuseRequest } from "../../../../_server/auth";
import { pollSearch } from "../../../../_server/data";
import { idParam } from "../../../../_server/guard";

export const dynamic = "force-dynamic";

/** A cursor is the store's change number: a non-negative integer the store handed out. */
const cursorSchema = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export async function GET(request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const refused = refuseRequest(request);
  if (refused) return refused;
  const id = idParam((await params).id);
  if (id === undefined) return Response.json({ error: "no such search" }, { status: 404 });
  const cursor = cursorSchema.safeParse(request.nextUrl.searchParams.get("cursor") ?? "0");
  if (!cursor.success) {
    return Response.json(
      { error: "cursor must be a non-negative integer (the cursor of the previous poll)" },
      { status: 400 },
    );
  }
  const poll = await pollSearch(id, cursor.data);
  if (!poll) return Response.json({ error: "no such search" }, { status: 404 });
  return Response.json(poll, { headers: { "cache-control": "no-store" } });
}
