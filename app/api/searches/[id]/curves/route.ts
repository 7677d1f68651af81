/**
 * GET /api/searches/:id/curves?trials=1,2,3[&metric=NAME] — one metric per step for a few
 * trials, thinned for drawing: the search's metric, or NAME (the compare panel's picker; a name
 * that is not a metric name is refused with 400 and the reason). The page asks only for the
 * trials it draws, so a search with 10,000 trials and half a million points never sends them all.
 */
import { metricNameSchema } from "../../../../../lib/metrics/schema";
import { searchRoute } from "../../../../_server/auth";
import { CURVE_TRIALS_LIMIT, loadCurves } from "../../../../_server/data";
import { trialListParam } from "../../../../_server/guard";

export const dynamic = "force-dynamic";

export const GET = searchRoute(async (id, request) => {
  const query = request.nextUrl.searchParams;
  const trials = trialListParam(query.get("trials"), CURVE_TRIALS_LIMIT);
  const metricText = query.get("metric");
  let metric: string | undefined;
  if (metricText !== null) {
    const checked = metricNameSchema.safeParse(metricText);
    if (!checked.success) {
      const why = checked.error.issues[0]?.message ?? "not a metric name";
      return Response.json({ error: `bad metric "${metricText}": ${why}` }, { status: 400 });
    }
    metric = checked.data;
  }
  const curves = await loadCurves(id, trials, metric);
  return curves ? Response.json(curves, { headers: { "cache-control": "no-store" } }) : undefined;
});
