/**
 * GET /api/searches/:id/insight — the model's view of a search: parameter importance, the GP's
 * mean and band along each parameter, the map over the two that matter most (`loadInsight`).
 * Asked for by the page after it shows, so a GP fit never delays the table and charts.
 */
import { searchRoute } from "../../../../_server/auth";
import { loadInsight } from "../../../../_server/data";

export const dynamic = "force-dynamic";

export const GET = searchRoute(async (id) => {
  const insight = await loadInsight(id);
  if (insight === undefined) return undefined;
  return Response.json({ insight }, { headers: { "cache-control": "no-store" } });
});
