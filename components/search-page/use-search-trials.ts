"use client";
/**
 * The search page's trials, which its HTML does not carry: preloaded from its head
 * (early-trials.ts) and taken once the page is in the browser (GET /api/searches/:id/trials,
 * column by column in lib/console/trials-wire's format), retried every POLL_MS until they come.
 * See docs/decisions/console.md (how trials reach the search page).
 */
import { useEffect, useRef, useState } from "react";
import { decodeSearchTrials } from "../../lib/console/trials-wire";
import type { Curve, TrialRow } from "../../lib/console/views";
import { POLL_MS } from "../ui/use-poll";
import { trialsUrl } from "./early-trials";

export interface FirstTrials {
  trials: TrialRow[];
  /** The curves the page draws first (see curveTrials). */
  curves: { key: string; curves: Curve[] };
}

/**
 * The search's trials, fetched once the page is in the browser (retried every POLL_MS until they
 * come): null until then. `onLoad` gets the poll's cursor after them.
 */
export function useSearchTrials(
  searchId: number,
  onLoad: (cursor: number) => void,
): {
  first: FirstTrials | null;
  failed: boolean;
} {
  const [first, setFirst] = useState<FirstTrials | null>(null);
  const [failed, setFailed] = useState(0);
  const loaded = useRef(onLoad);
  loaded.current = onLoad;
  useEffect(() => {
    const controller = new AbortController();
    const timer = setTimeout(
      async () => {
        try {
          // Takes the head's preload when there is one (see early-trials.ts).
          const r = await fetch(trialsUrl(searchId), {
            signal: controller.signal,
            cache: "no-store",
          });
          if (!r.ok) throw new Error(`the trials' request answered ${r.status}`);
          const read = decodeSearchTrials(await r.arrayBuffer());
          if (controller.signal.aborted) return;
          // A body cut short or damaged on the way: said once in the console, asked for again.
          if (!read.ok) throw new Error(read.error);
          loaded.current(read.value.cursor);
          setFirst({ trials: read.value.trials, curves: read.value.curves });
        } catch (e) {
          if (controller.signal.aborted) return;
          if (failed === 0) console.warn(`search ${searchId}: ${(e as Error).message}; retrying`);
          setFailed((f) => f + 1);
        }
      },
      failed === 0 ? 0 : POLL_MS,
    );
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [searchId, failed]);
  return { first, failed: failed > 0 && first === null };
}
