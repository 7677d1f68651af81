/**
 * GET /api/searches/:id/curves?trials=1,2,3 — the search's metric per step for a few trials,
 * thinned for drawing. The page asks only for the trials it draws, so a search with 10,000
 * trials and half a million points never sends them all.
 */
import type { NextRequest } from "next/server";
import { refuseRequest } from "../../../../_server/auth";
import { CURVE_TRIALS_LIMIT, loadCurves } from "../../../../_server/data";
import { idParam } from "../../../../_server/guard";

export const dynamic = "force-dynamic";

export async function GET(request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const refused = refuseRequest(request);
  if (refused) return refused;
  const id = idParam((await params).id);
  if (id === undefined) return Response.json({ error: "no such search" }, { status: 404 });
  const trials: number[] = [];
  for (const part of (request.nextUrl.searchParams.get("trials") ?? "").split(",")) {
    const n = idParam(part);
    if (n !== undefined && !trials.includes(n)) trials.push(n);
    if (trials.length >= CURVE_TRIALS_LIMIT) break;
  }
  const curves = await loadCurves(id, trials);
  if (!curves) return Response.json({ error: "no such search" }, { status: 404 });
  return Response.json(curves, { headers: { "cache-control": "no-store" } });
}
