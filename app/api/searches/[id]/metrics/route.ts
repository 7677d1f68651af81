/**
 * GET /api/searches/:id/metrics?trials=1,2,3 — the metric names those trials printed, sorted:
 * what the compare panel's metric picker offers (`loadMetricNames`).
 */
import { searchRoute } from "../../../../_server/auth";
import { CURVE_TRIALS_LIMIT, loadMetricNames } from "../../../../_server/data";
import { trialListParam } from "../../../../_server/guard";

export const dynamic = "force-dynamic";

export const GET = searchRoute(async (id, request) => {
  const trials = trialListParam(request.nextUrl.searchParams.get("trials"), CURVE_TRIALS_LIMIT);
  const metrics = await loadMetricNames(id, trials);
  return metrics
    ? Response.json({ metrics }, { headers: { "cache-control": "no-store" } })
    : undefined;
});
