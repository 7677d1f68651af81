/**
 * The search page's trials asked for from its HTML: the page renders a
 * `<link rel="preload" as="fetch">` for `GET /api/searches/:id/trials` into the head, which the
 * browser starts at once (its preload scanner, before any script or stylesheet has loaded), so
 * the server's answer and its transfer overlap the page's JavaScript and hydration instead of
 * following them. `useSearchTrials`'s fetch then takes the preloaded response: it must ask with
 * the same URL and mode (cors, same-origin credentials: hence `crossOrigin: "anonymous"`; without
 * it Chromium asks twice, which e2e/console.spec.ts checks). No "use client": the server page and
 * the client hook both use it.
 */
import { preload } from "react-dom";

/** Where the search's trials are served (the route in app/api/searches/[id]/trials). */
export function trialsUrl(searchId: number): string {
  return `/api/searches/${searchId}/trials`;
}

/** From the server page: the head's preload of the search's trials. */
export function preloadTrials(searchId: number): void {
  preload(trialsUrl(searchId), { as: "fetch", crossOrigin: "anonymous", fetchPriority: "high" });
}
