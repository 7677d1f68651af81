/** GET /api/searches/:id/trials/:n — one trial's page data (status, curves, log tails), polled. */
import { searchRoute } from "../../../../../_server/auth";
import { loadTrialDetail } from "../../../../../_server/data";
import { idParam } from "../../../../../_server/guard";

export const dynamic = "force-dynamic";

export const GET = searchRoute<{ id: string; n: string }>(async (id, _request, p) => {
  const n = idParam(p.n);
  const detail = n === undefined ? undefined : await loadTrialDetail(id, n);
  if (!detail) return Response.json({ error: "no such trial" }, { status: 404 });
  return Response.json(detail, { headers: { "cache-control": "no-store" } });
});
