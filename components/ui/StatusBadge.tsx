/**
 * A search's or trial's status as a small coloured label, coloured by the status table's tone
 * (lib/search/status.ts: a kill is the user's doing, not a failure, so it is never red) and
 * titled with what the status means.
 */
import {
  SEARCH_STATUS,
  type SearchStatus,
  TRIAL_STATUS,
  type TrialStatus,
} from "../../lib/search/status";

export function StatusBadge(
  props: { of: "trial"; status: TrialStatus } | { of: "search"; status: SearchStatus },
) {
  const info = props.of === "trial" ? TRIAL_STATUS[props.status] : SEARCH_STATUS[props.status];
  return (
    <span className={`badge badge-${info.tone}`} data-status={props.status} title={info.meaning}>
      {info.tone === "live" ? <span className="pulse" aria-hidden /> : null}
      {props.status}
    </span>
  );
}
