"use client";
/**
 * The model's view of a search (GET /api/searches/:id/insight), fetched once the page shows, so
 * a GP fit never delays the table and charts; fetched again when a trial ends or the best
 * changes, at most every `REFRESH_MS` while the search runs (each fit costs the server about a
 * second at 10,000 trials).
 */
import { useEffect, useRef, useState } from "react";
import type { InsightView } from "../../lib/console/insight";
import type { TrialRow } from "../../lib/console/views";
import { isFinalTrial } from "../../lib/search/status";

export const REFRESH_MS = 15_000;
/** The first fetch waits this long after the page mounts. */
export const SETTLE_MS = 300;

export type InsightState =
  | { state: "loading" }
  | { state: "ready"; view: InsightView }
  /** Too few finished trials for a model. */
  | { state: "none" }
  | { state: "error"; message: string };

export function useInsight(
  searchId: number,
  trials: readonly TrialRow[],
  bestTrial: number | null,
  /** False once the search ended: the next fetch goes at once, not after REFRESH_MS. */
  live = true,
  /** False until the page holds its trials: nothing is fetched before (a fit must not delay them). */
  enabled = true,
): InsightState {
  const [result, setResult] = useState<InsightState>({ state: "loading" });
  // Bumped when a change arrived during a fetch: runs the effect again once it answered.
  const [again, setAgain] = useState(0);
  const queued = useRef(false);
  let ended = 0;
  for (const t of trials) if (isFinalTrial(t.status)) ended++;
  const key = `${searchId}:${ended}:${bestTrial ?? ""}:${live}:${enabled}`;
  const last = useRef(Number.NEGATIVE_INFINITY);
  const inFlight = useRef(false);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  // `key` says when to fetch again; the trials themselves live on the server.
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above
  useEffect(() => {
    if (!enabled) return;
    // A fetch under way is left to finish (a fast search changes the key every second, and
    // aborting would starve it); its answer is as new as any.
    // The first fetch waits for the page to settle: the table and charts draw first.
    const first = last.current === Number.NEGATIVE_INFINITY;
    const wait = first ? SETTLE_MS : live ? Math.max(0, last.current + REFRESH_MS - Date.now()) : 0;
    const timer = setTimeout(async () => {
      if (inFlight.current) {
        queued.current = true;
        return;
      }
      inFlight.current = true;
      last.current = Date.now();
      try {
        const r = await fetch(`/api/searches/${searchId}/insight`, { cache: "no-store" });
        if (!r.ok) throw new Error(`the server answered ${r.status}`);
        const body = (await r.json()) as { insight: InsightView | null };
        if (alive.current)
          setResult(body.insight ? { state: "ready", view: body.insight } : { state: "none" });
      } catch (e) {
        if (alive.current)
          setResult((old) =>
            old.state === "ready" ? old : { state: "error", message: (e as Error).message },
          );
      } finally {
        inFlight.current = false;
        if (queued.current && alive.current) {
          queued.current = false;
          setAgain((a) => a + 1);
        }
      }
    }, wait);
    return () => clearTimeout(timer);
  }, [key, searchId, again, enabled]);
  return result;
}
