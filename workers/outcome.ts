/**
 * How a trial ended, as a user reads it: every way an executor can report an exit maps to one
 * trial status, value and reason here, through an exhaustive switch. User failures (non-zero
 * exit, missing or NaN metric) stay apart from system ones (a launcher that vanished). What the
 * optimizer learns from it follows from its status, through the status table (policy.ts).
 */
import type { ExitReason, TrialExit } from "../lib/executors/types";
import { finalValue } from "../lib/metrics/aggregate";
import type { MetricPoint } from "../lib/metrics/stream";
import { observedValue } from "../lib/search/observation";
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
  throw new Error(`unexpected case ${JSON.stringify(x)}`);
}

function ended(
  status: TrialOutcome["status"],
  value: number | null,
  reason: string | null,
): TrialOutcome {
  return { status, value, reason, observed: observedValue({ status, value }) };
}

/**
 * Why the worker itself stopped a running trial, when it did:
 *   condition  its metrics met a --stop-condition (`text`): it counts as complete with what it
 *              reported
 *   pruning    --early-stop judged it losing (`reason`: the rule or rung and the step,
 *              lib/pruning): it is `pruned`, keeping its value and series
 */
export type WorkerStop = { by: "condition"; text: string } | { by: "pruning"; reason: string };

/**
 * @param workerStop why the worker stopped the trial, if it did (a stop-condition's text is
 *   accepted as is, for callers that predate pruning).
 * @param windingDown the reason of a trial stopped as its search wound down (policy.ts
 *   `windDown`: a request, or --max-failures reached); "stopped by request" when not given.
 */
export function trialOutcome(
  exit: TrialExit,
  points: readonly MetricPoint[],
  spec: Pick<SearchSpec, "metric" | "metricAgg" | "timeoutMinutes">,
  workerStop?: WorkerStop | string,
  windingDown = "stopped by request",
): TrialOutcome {
  const why: WorkerStop | undefined =
    typeof workerStop === "string" ? { by: "condition", text: workerStop } : workerStop;
  const result = finalValue(points, spec.metric, spec.metricAgg);
  const value = "value" in result && Number.isFinite(result.value) ? result.value : null;
  const metricProblem =
    "error" in result
      ? result.error
      : value === null
        ? `metric ${spec.metric} is not finite`
        : null;
  const reason: ExitReason | undefined = exit.reason;

  if (reason === "stopped" && why !== undefined) {
    switch (why.by) {
      case "condition":
        if (value === null) return ended("failed", null, metricProblem);
        return ended("complete", value, `stopped early: ${why.text}`);
      case "pruning":
        // Its value is what it reached when it was judged losing; a pruned trial with no finite
        // aggregate (an avg over a NaN) keeps its status and says so.
        return ended(
          "pruned",
          value,
          value === null ? `${why.reason} (${metricProblem})` : why.reason,
        );
      default:
        return assertNever(why);
    }
  }
  // A trial the worker meant to stop that ended on its own first (exit 0 before the SIGTERM
  // came) ran to its end: it is judged as any other.
  if (reason === undefined) {
    if (exit.message) return ended("failed", value, exit.message);
    if (exit.exitCode !== 0) {
      const how = exit.signal
        ? `killed by ${exit.signal}`
        : `exit code ${exit.exitCode ?? "unknown"}`;
      return ended("failed", value, how);
    }
    if (value === null) return ended("failed", null, metricProblem);
    return ended("complete", value, null);
  }
  switch (reason) {
    case "timeout":
      // Where the scheduler ended it (Slurm's TIMEOUT), its own words follow.
      return ended(
        "timeout",
        value,
        `ran past the ${spec.timeoutMinutes ?? "?"} minute timeout${exit.message ? `: ${exit.message}` : ""}`,
      );
    case "stopped":
      return ended("stopped", value, windingDown);
    case "killed":
      return ended("killed", null, "killed by request");
    case "lost":
      return ended("failed", null, exit.message ?? "the trial's supervisor vanished");
    default:
      return assertNever(reason);
  }
}

/**
 * The reason stored for `outcome`: a crash the executor has no words for (a non-zero exit with
 * no message) gets the last line the trial wrote to stderr after it, since a traceback's last
 * line says why. `lastStderrLine` is read only then.
 */
export function reasonWithStderr(
  outcome: TrialOutcome,
  exit: TrialExit,
  lastStderrLine: () => string | undefined,
): string | null {
  if (outcome.status !== "failed" || exit.exitCode === 0 || exit.message) return outcome.reason;
  const last = lastStderrLine();
  return last ? `${outcome.reason}: ${last}` : outcome.reason;
}
