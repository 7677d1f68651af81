/**
 * GET /api/searches/:id/trials — every trial of the search, column by column in the trials'
 * wire format (lib/console/trials-wire.ts), with the poll's cursor after them and the curves the
 * page draws first. The search page asks for it once it is in the browser (see
 * `loadSearchTrials`), then polls from that cursor.
 *
 * Sent as kept, never compressed: Next.js gzips compressible types on every request (half a
 * second of the server per request at 100,000 trials when this was JSON), and the binary columns
 * are about as small as that gzipped JSON already. `application/octet-stream` is not a type
 * Next.js compresses, and `no-transform` tells it and any proxy on the way not to try. Why not
 * gzipped once per change: docs/decisions/console.md (the trials' wire format).
 */
import { searchRoute } from "../../../../_server/auth";
import { loadSearchTrials } from "../../../../_server/data";

export const dynamic = "force-dynamic";

export const GET = searchRoute(async (id) => {
  const body = await loadSearchTrials(id);
  if (body === undefined) return undefined;
  return new Response(body, {
    headers: {
      "content-type": "application/octet-stream",
      "cache-control": "no-store, no-transform",
    },
  });
});
