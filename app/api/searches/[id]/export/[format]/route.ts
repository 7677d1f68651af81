/**
 * GET /api/searches/:id/export/{json,csv,metrics} — the same files as the CLI's exports
 * (lib/search/export): the search and its trials as JSON, the trials as CSV, and Spell's
 * `download-metrics` CSV, streamed batch by batch so a large search never sits in memory whole.
 */
import { exportSearchCsv, exportSearchJson, metricsCsv } from "../../../../../../lib/search/export";
import { searchRoute } from "../../../../../_server/auth";
import { getStore } from "../../../../../_server/store";

export const dynamic = "force-dynamic";

const attachment = (name: string, type: string) => ({
  "content-type": type,
  "content-disposition": `attachment; filename="${name}"`,
  "cache-control": "no-store",
});

export const GET = searchRoute<{ id: string; format: string }>(async (id, _request, p) => {
  const store = await getStore();
  if (!(await store.getSearch(id))) return undefined;
  switch (p.format) {
    case "json":
      return new Response(`${JSON.stringify(await exportSearchJson(store, id), null, 2)}\n`, {
        headers: attachment(`search-${id}.json`, "application/json; charset=utf-8"),
      });
    case "csv":
      return new Response(await exportSearchCsv(store, id), {
        headers: attachment(`search-${id}.csv`, "text/csv; charset=utf-8"),
      });
    case "metrics": {
      const chunks = metricsCsv(store, id);
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        },
        async cancel() {
          await chunks.return(undefined);
        },
      });
      return new Response(body, {
        headers: attachment(`search-${id}-metrics.csv`, "text/csv; charset=utf-8"),
      });
    }
    default:
      return new Response("export formats: json, csv, metrics", { status: 404 });
  }
});
