/**
 * The search header's early-stopping figure: the rule, and the trial-steps saved against running
 * every trial to the end (lib/pruning/savings.ts defines the figures and their full length).
 */
import type { SearchView } from "../../lib/console/views";
import type { StepsSaved } from "../../lib/pruning/savings";
import { Fact } from "../ui/Fact";

export function EarlyStopFact({
  earlyStop,
  saved,
  idle,
}: {
  earlyStop: NonNullable<SearchView["earlyStop"]>;
  saved: StepsSaved | undefined;
  idle: string | undefined;
}) {
  const rule =
    earlyStop.rule === "asha"
      ? `ASHA · η ${earlyStop.reductionFactor} · from step ${earlyStop.minSteps}`
      : `median rule · from step ${earlyStop.minSteps}`;
  return (
    <Fact label={`Early stop (${rule})`} testId="steps-saved" wide>
      {saved ? (
        <span
          title={`Each trial's steps count from the search's first step to its last; the full length is the longest trial's, ${saved.fullLength} steps.`}
        >
          <span className="pruned-share nowrap">
            {Math.round(saved.share * 100)}% of trial-steps saved
          </span>
          {/* Lines break between the figures, never inside one. */}
          <span className="muted" style={{ fontSize: 12.5, display: "block" }}>
            <span className="nowrap">{saved.trained} trained</span> ·{" "}
            <span className="nowrap">{saved.saved} saved</span> ·{" "}
            <span className="nowrap">{saved.pruned} pruned</span>
          </span>
        </span>
      ) : (
        <span className="muted">no trial has ended yet</span>
      )}
      {idle ? (
        <span className="early-idle" data-testid="early-stop-idle">
          {idle}
        </span>
      ) : null}
    </Fact>
  );
}
