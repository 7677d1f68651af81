/**
 * The worker loop's decisions, as pure functions of what the loop knows: when a search winds
 * down and ends (and with which status), what the optimizer learns from an ended trial, how many
 * trials to start and how many points to ask for. The loop (`worker.ts`, SearchRun) only carries
 * them out. Every question about a trial's status goes to the status table
 * (lib/search/status.ts): a new status (e.g. `pruned`) is one row there, not a case here.
 */
import type { Observation } from "../lib/optimizer";
import { atModelStep, type OptimizerInput } from "../lib/pruning/model-step";
import type { SeriesInput } from "../lib/pruning/series";
import { observationOf } from "../lib/search/observation";
import { countsAsFailure, type TrialStatus } from "../lib/search/status";
import type { StopRequest, Trial } from "../lib/search/types";

/** What the loop sends a running trial: SIGTERM then SIGKILL after a grace, or SIGKILL now. */
export type StopMode = Exclude<StopRequest, "none">;

export type SearchEndStatus = "complete" | "stopped" | "killed" | "failed";

export interface SearchEnd {
  status: SearchEndStatus;
  /** The search's failure reason (only for `failed`). */
  reason?: string;
}

/** Where a search stands at the end of one turn of its loop. */
export interface SearchProgress {
  numRuns: number;
  maxFailures: number;
  stopRequested: StopRequest;
  /** Statuses of the ended trials: this worker's, and those an earlier worker left ended. */
  ended: readonly TrialStatus[];
  /** Trials running now. */
  running: number;
  /** Trials created but never started (left by a worker that died): they are started first. */
  waiting: number;
  /** The optimizer said every point of the space has been tried. */
  exhausted: boolean;
  /** This turn's ask got no point, without the space being used up. */
  optimizerGaveNothing: boolean;
}

/** Ended trials that count toward --max-failures (the status table says which). */
export function failureCount(ended: readonly TrialStatus[]): number {
  let n = 0;
  for (const s of ended) if (countsAsFailure(s)) n++;
  return n;
}

/** The status a trial, or the search, ends with when stopped in `mode`. */
export function stoppedStatus(mode: StopMode): "stopped" | "killed" {
  return mode === "kill" ? "killed" : "stopped";
}

/** How a search that stops taking new trials winds down. */
export interface WindDown {
  /** Sent to every running trial not yet sent it (or a kill). */
  mode: StopMode;
  /** The reason a running trial it stops or kills ends with. */
  running: string;
  /** The status and reason of trials created but never started: they never will be. */
  unstarted: { status: "stopped" | "killed"; reason: string };
}

/**
 * Whether the search stops taking new trials, and how its trials end: a stop or kill request
 * (Ctrl-C, the CLI, the console), else --max-failures reached (its running trials are stopped,
 * so their partial results are kept). Undefined: the search goes on, and free slots are refilled.
 */
export function windDown(
  p: Pick<SearchProgress, "stopRequested" | "ended" | "maxFailures">,
): WindDown | undefined {
  if (p.stopRequested !== "none") {
    return {
      mode: p.stopRequested,
      running: `${stoppedStatus(p.stopRequested)} by request`,
      unstarted: {
        status: stoppedStatus(p.stopRequested),
        reason: "the search was stopped before it started",
      },
    };
  }
  const failures = failureCount(p.ended);
  if (failures < p.maxFailures) return undefined;
  return {
    mode: "stop",
    running: `stopped as the search ended: ${failedTrials(failures, p.maxFailures)}`,
    unstarted: {
      status: "stopped",
      reason: `the search ended before it started: ${failedTrials(failures, p.maxFailures)}`,
    },
  };
}

/** `1 trial failed (--max-failures 1)`, `3 trials failed ...`. */
function failedTrials(failures: number, maxFailures: number): string {
  return `${failures} trial${failures === 1 ? "" : "s"} failed (--max-failures ${maxFailures})`;
}

/**
 * Whether the search has ended, and with which status; undefined while it goes on. Nothing ends
 * while a trial runs or waits to start. Then, in order: --max-failures reached fails it (even
 * when a stop was asked for meanwhile), a stop or kill request ends it so, `numRuns` ended trials
 * (or a space used up) complete it, and an optimizer that gave no point, with nothing in flight
 * that could change its answer, fails it (asking again would spin forever).
 */
export function searchEnd(p: SearchProgress): SearchEnd | undefined {
  if (p.running > 0 || p.waiting > 0) return undefined;
  const failures = failureCount(p.ended);
  if (failures >= p.maxFailures) {
    return {
      status: "failed",
      reason: failedTrials(failures, p.maxFailures),
    };
  }
  if (p.stopRequested !== "none") return { status: stoppedStatus(p.stopRequested) };
  if (p.ended.length >= p.numRuns || p.exhausted) return { status: "complete" };
  if (p.optimizerGaveNothing) {
    return {
      status: "failed",
      reason: `the optimizer proposed no new point after ${p.ended.length} trials, without the space being used up (a range too narrow to tell its values apart?)`,
    };
  }
  return undefined;
}

/**
 * What the optimizer is given: every ended trial's observation (`observationsOf`) and the running
 * trials as pending, in trial-number order. With early stopping (`pruning`: the trials' series of
 * the search metric), until a few trials completed, every trial at one step, running ones
 * included (lib/pruning/model-step.ts).
 */
export function optimizerInput(
  ended: readonly Pick<Trial, "number" | "params" | "status" | "value">[],
  running: readonly Pick<Trial, "number" | "params">[],
  pruning?: {
    series(trial: number): SeriesInput;
    latestStep(trial: number): number | undefined;
  },
): OptimizerInput {
  const byNumber = (a: { number: number }, b: { number: number }) => a.number - b.number;
  const live = [...running].sort(byNumber);
  if (!pruning) {
    return { observations: observationsOf(ended), pending: live.map((t) => t.params) };
  }
  const told = new Map<number, Observation>();
  for (const t of ended)
    told.set(
      t.number,
      observationOf(t, t.status === "pruned" ? pruning.latestStep(t.number) : undefined),
    );
  const trials = [...ended, ...live].sort(byNumber).map((t) => ({
    params: t.params,
    series: pruning.series(t.number),
    ...(told.has(t.number) ? { told: told.get(t.number)! } : {}),
  }));
  return atModelStep(trials);
}

/**
 * What the optimizer is told: every ended trial's observation (lib/search/observation.ts), whether
 * this worker saw it end or an earlier one did, in trial-number order.
 */
export function observationsOf(
  ended: readonly Pick<Trial, "number" | "params" | "status" | "value">[],
  /** The latest step of a trial's search metric, where known (said of pruned trials). */
  stepOf: (trial: number) => number | undefined = () => undefined,
): Observation[] {
  return [...ended]
    .sort((a, b) => a.number - b.number)
    .map((t) => observationOf(t, t.status === "pruned" ? stepOf(t.number) : undefined));
}

/**
 * The signal a running trial gets now when the search winds down in `mode`, given the one it was
 * already sent: none twice, and nothing after a kill (a kill upgrades an earlier stop).
 */
export function signalToSend(sent: StopMode | undefined, mode: StopMode): StopMode | undefined {
  return sent === "kill" || sent === mode ? undefined : mode;
}

/** Trials that can start now: the search's parallel runs left over, within the executor's room. */
export function freeSlots(p: { parallelRuns: number; running: number; capacity: number }): number {
  return Math.max(0, Math.min(p.parallelRuns - p.running, p.capacity));
}

/**
 * Points to ask the optimizer for: the slots left once waiting trials are started, up to the
 * trials the search still lacks (`created` counts every trial it has: ended, running, waiting).
 */
export function pointsToAsk(p: {
  room: number;
  numRuns: number;
  created: number;
  exhausted: boolean;
}): number {
  if (p.exhausted) return 0;
  return Math.max(0, Math.min(p.room, p.numRuns - p.created));
}
