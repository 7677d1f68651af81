/**
 * How a trial ended, as a user reads it: every way an executor can report an exit maps to one
 * trial status, value and reason here, through an exhaustive switch. User failures (non-zero
 * exit, missing or NaN metric) stay apart from system ones (a launcher that vanished).
 */
import type { ExitReason, TrialExit } from "../lib/executors/types";
import { finalValue } from "../lib/metrics/aggregate";
import type { MetricPoint } from "../lib/metrics/stream";
import type { SearchSpec } from "../lib/search/spec";
import type { TrialStatus } from "../lib/search/status";

export interface TrialOutcome {
  status: Exclude<TrialStatus, "queued" | "running">;
  /** The aggregated metric when the trial reported one (kept for stopped and timed-out trials). */
  value: number | null;
  reason: string | null;
  /** What the optimizer learns: the value, or null for a trial that failed to produce one. */
  observed: number | null;
}

function assertNever(x: never): never {
  throw new Error(`unexpected exit reason ${String(x)}`);
}

/**
 * @param earlyStop the stop-condition text when the worker stopped the trial because its metrics
 *   met a --stop-condition: the trial then counts as complete with what it reported.
 */
export function trialOutcome(
  exit: TrialExit,
  points: readonly MetricPoint[],
  spec: Pick<SearchSpec, "metric" | "metricAgg" | "timeoutMinutes">,
  earlyStop?: string,
): TrialOutcome {
  const result = finalValue(points, spec.metric, spec.metricAgg);
  const value = "value" in result && Number.isFinite(result.value) ? result.value : null;
  const metricProblem =
    "error" in result
      ? result.error
      : value === null
        ? `metric ${spec.metric} is not finite`
        : null;
  const reason: ExitReason | undefined = exit.reason;

  if (reason === undefined || (reason === "stopped" && earlyStop !== undefined)) {
    if (earlyStop !== undefined && reason === "stopped") {
      if (value === null)
        return { status: "failed", value: null, reason: metricProblem, observed: null };
      return { status: "complete", value, reason: `stopped early: ${earlyStop}`, observed: value };
    }
    if (exit.message) return { status: "failed", value, reason: exit.message, observed: null };
    if (exit.exitCode !== 0) {
      const how = exit.signal
        ? `killed by ${exit.signal}`
        : `exit code ${exit.exitCode ?? "unknown"}`;
      return { status: "failed", value, reason: how, observed: null };
    }
    if (value === null)
      return { status: "failed", value: null, reason: metricProblem, observed: null };
    return { status: "complete", value, reason: null, observed: value };
  }
  switch (reason) {
    case "timeout":
      return {
        status: "timeout",
        value,
        // Where the scheduler ended it (Slurm's TIMEOUT), its own words follow.
        reason: `ran past the ${spec.timeoutMinutes ?? "?"} minute timeout${exit.message ? `: ${exit.message}` : ""}`,
        observed: null,
      };
    case "stopped":
      return { status: "stopped", value, reason: "stopped by request", observed: value };
    case "killed":
      return { status: "killed", value: null, reason: "killed by request", observed: null };
    case "lost":
      return {
        status: "failed",
        value: null,
        reason: exit.message ?? "the trial's supervisor vanished",
        observed: null,
      };
    default:
      return assertNever(reason);
  }
}
