/**
 * GET /api/ready?challenge=HEX — proves to the CLI that started this server that it is the one
 * answering on the port (app/_server/identity). 404 for anything but a well-formed challenge, or
 * when the server was started without a secret (not by the CLI).
 */
import type { NextRequest } from "next/server";
import { refuseRequest } from "../../_server/auth";
import { CHALLENGE, readyProof, SERVER_SECRET_ENV } from "../../_server/identity";

export const dynamic = "force-dynamic";

export function GET(request: NextRequest): Response {
  const refused = refuseRequest(request);
  if (refused) return refused;
  const secret = process.env[SERVER_SECRET_ENV];
  const challenge = request.nextUrl.searchParams.get("challenge");
  if (secret === undefined || secret === "" || challenge === null || !CHALLENGE.test(challenge))
    return new Response("not found", { status: 404 });
  return new Response(readyProof(secret, challenge), {
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
  });
}
