/**
 * GET /api/searches/:id/insight — the model's view of a search: parameter importance, the GP's
 * mean and band along each parameter, the map over the two that matter most (`loadInsight`).
 * Asked for by the page after it shows, so a GP fit never delays the table and charts.
 */
import type { NextRequest } from "next/server";
import { refuseRequest } from "../../../../_server/auth";
import { loadInsight } from "../../../../_server/data";
import { idParam } from "../../../../_server/guard";

export const dynamic = "force-dynamic";

export async function GET(request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const refused = refuseRequest(request);
  if (refused) return refused;
  const id = idParam((await params).id);
  if (id === undefined) return Response.json({ error: "no such search" }, { status: 404 });
  const insight = await loadInsight(id);
  if (insight === undefined) return Response.json({ error: "no such search" }, { status: 404 });
  return Response.json({ insight }, { headers: { "cache-control": "no-store" } });
}
