/** A search's or trial's status as a small coloured label (colour by outcome, not by name). */
import type { SearchStatus, TrialStatus } from "../../lib/search/status";

const TONE: Record<SearchStatus | TrialStatus, "live" | "good" | "bad" | "muted" | "wait"> = {
  queued: "wait",
  running: "live",
  stopping: "live",
  complete: "good",
  failed: "bad",
  timeout: "bad",
  stopped: "muted",
  killed: "bad",
};

export function StatusBadge({ status }: { status: SearchStatus | TrialStatus }) {
  return (
    <span className={`badge badge-${TONE[status]}`} data-status={status}>
      {status === "running" || status === "stopping" ? (
        <span className="pulse" aria-hidden />
      ) : null}
      {status}
    </span>
  );
}
