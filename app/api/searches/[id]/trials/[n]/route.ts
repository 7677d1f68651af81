/** GET /api/searches/:id/trials/:n — one trial's page data (status, curves, log tails), polled. */
import type { NextRequest } from "next/server";
import { refuseRequest } from "../../../../../_server/auth";
import { loadTrialDetail } from "../../../../../_server/data";
import { idParam } from "../../../../../_server/guard";

export const dynamic = "force-dynamic";

export async function GET(
  request: NextRequest,
  { params }: { params: Promise<{ id: string; n: string }> },
) {
  const refused = refuseRequest(request);
  if (refused) return refused;
  const p = await params;
  const id = idParam(p.id);
  const n = idParam(p.n);
  const detail = id !== undefined && n !== undefined ? await loadTrialDetail(id, n) : undefined;
  if (!detail) return Response.json({ error: "no such trial" }, { status: 404 });
  return Response.json(detail, { headers: { "cache-control": "no-store" } });
}
