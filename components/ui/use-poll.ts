"use client";
/**
 * Polls while a page shows something live: `poll` runs POLL_MS after the previous poll ended (never
 * two at once), and is aborted when the page unmounts or `key` changes. Returns the time of the
 * last poll, for durations of running things ("running for 12 s").
 */
import { useEffect, useRef, useState } from "react";

export const POLL_MS = 1000;

/** `poll` checks `signal.aborted` before setting state after an await. */
export function usePoll(
  live: boolean,
  key: string,
  poll: (signal: AbortSignal) => Promise<void>,
): number {
  const pollRef = useRef(poll);
  pollRef.current = poll;
  const [now, setNow] = useState(() => Date.now());
  const [polls, setPolls] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `polls` re-arms the timer after each poll, `key` restarts it
  useEffect(() => {
    if (!live) return;
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      try {
        await pollRef.current(controller.signal);
      } catch {
        // The page shows its own staleness; the next poll retries.
      } finally {
        if (!controller.signal.aborted) {
          setNow(Date.now());
          setPolls((p) => p + 1);
        }
      }
    }, POLL_MS);
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [live, polls, key]);
  return now;
}
