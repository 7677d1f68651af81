/**
 * GET /api/searches/:id/metrics?trials=1,2,3 — the metric names those trials printed, sorted:
 * what the compare panel's metric picker offers (`loadMetricNames`).
 */
import type { NextRequest } from "next/server";
import { refuseRequest } from "../../../../_server/auth";
import { CURVE_TRIALS_LIMIT, loadMetricNames } from "../../../../_server/data";
import { idParam, trialListParam } from "../../../../_server/guard";

export const dynamic = "force-dynamic";

export async function GET(request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const refused = refuseRequest(request);
  if (refused) return refused;
  const id = idParam((await params).id);
  if (id === undefined) return Response.json({ error: "no such search" }, { status: 404 });
  const trials = trialListParam(request.nextUrl.searchParams.get("trials"), CURVE_TRIALS_LIMIT);
  const metrics = await loadMetricNames(id, trials);
  if (!metrics) return Response.json({ error: "no such search" }, { status: 404 });
  return Response.json({ metrics }, { headers: { "cache-control": "no-store" } });
}
