"use client";
/**
 * Polls while a page shows something live: `poll` runs POLL_MS after the previous poll ended (never
 * two at once), and is aborted when the page unmounts or `key` changes. Returns the time of the
 * last poll, for durations of running things ("running for 12 s").
 *
 * The clock starts at `renderedAt`, the server's time when it rendered the page, on both sides:
 * the browser's first render must produce the server's markup (a clock read on each side would
 * differ, React error #418 on every live page). Once mounted, it moves to the browser's time.
 */
import { useEffect, useRef, useState } from "react";

export const POLL_MS = 1000;

/** `poll` checks `signal.aborted` before setting state after an await. */
export function usePoll(
  live: boolean,
  key: string,
  renderedAt: number,
  poll: (signal: AbortSignal) => Promise<void>,
): number {
  const pollRef = useRef(poll);
  pollRef.current = poll;
  const [now, setNow] = useState(renderedAt);
  const [polls, setPolls] = useState(0);

  // After hydration only: the first render used the server's clock.
  useEffect(() => setNow(Date.now()), []);

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
