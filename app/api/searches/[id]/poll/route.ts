/**
 * GET /api/searches/:id/poll?cursor=K — what the search page needs to stay current: the search
 * and the trials written after the cursor K (0: all), with the next cursor. See `pollSearch`.
 */
import { z } from "zod";
import { searchRoute } from "../../../../_server/auth";
import { pollSearch } from "../../../../_server/data";

export const dynamic = "force-dynamic";

/** A cursor is the store's change number: a non-negative integer the store handed out. */
const cursorSchema = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const GET = searchRoute(async (id, request) => {
  const cursor = cursorSchema.safeParse(request.nextUrl.searchParams.get("cursor") ?? "0");
  if (!cursor.success) {
    return Response.json(
      { error: "cursor must be a non-negative integer (the cursor of the previous poll)" },
      { status: 400 },
    );
  }
  const poll = await pollSearch(id, cursor.data);
  return poll ? Response.json(poll, { headers: { "cache-control": "no-store" } }) : undefined;
});
