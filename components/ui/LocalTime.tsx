"use client";
/**
 * A time in the viewer's time zone, without a hydration mismatch: the server (whose zone may not
 * be the viewer's) and the browser's first render both write the UTC form, which is the same
 * text on both sides; once mounted it shows the viewer's local time, with the UTC form as its
 * title. (Formatting local time on both sides differs whenever the zones differ: React error
 * #418, or, hidden by suppressHydrationWarning, the server's zone left on the page for good.)
 */
import { useEffect, useState } from "react";
import { formatTime } from "./format";

export function LocalTime({ ms }: { ms: number | null | undefined }) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  if (ms === null || ms === undefined) return <>—</>;
  const utc = formatTime(ms, "utc");
  return (
    <time dateTime={new Date(ms).toISOString()} title={utc} data-local={mounted || undefined}>
      {mounted ? formatTime(ms) : utc}
    </time>
  );
}
