/**
 * The optimizer's request and result shapes, shared by every algorithm (bayesian, random, grid)
 * and by the callers (the worker, `hyperbayes optimize --stdio`, the benchmarks).
 */
import { z } from "zod";
import type { Params, Space } from "../space/schema";

export type Algorithm = "bayesian" | "random" | "grid";

/**
 * A finished trial; value null = the trial failed (no usable metric).
 *
 * A trial ended by early stopping (status `pruned`) is told with `pruned: true` and its last
 * reported value: a value at an early step, not a final one. The optimizer decides how that
 * enters the model (bayesian.ts `BayesOptions.pruned`, docs/decisions/early-stopping.md); the
 * caller only says what happened. A pruned trial without a value (it printed none) is told as
 * failed: value null.
 */
export interface Observation {
  params: Params;
  value: number | null;
  pruned?: boolean;
  /**
   * The metric step of `value`, where known: a pruned trial's, or the model step of a trial told
   * at one (lib/pruning/model-step.ts). Informational.
   */
  step?: number;
}

export interface SuggestRequest {
  algorithm: Algorithm;
  space: Space;
  goal: "minimize" | "maximize";
  /** Finished trials, in order. */
  observations: Observation[];
  /** Trials in flight. */
  pending: Params[];
  /** How many new points to propose. */
  n: number;
  seed: number;
  /** Fixed UCB kappa; default: the schedule in bayesian.ts (docs/decisions/optimizer.md). */
  kappa?: number;
  /** Default "ucb". */
  acquisition?: "ucb" | "ei";
  /** The previous ask's state (GP hyperparameters), for a warm start. */
  warm?: ModelState;
}

export interface SuggestResult {
  points: Params[];
  state?: ModelState;
  /** Every point of a finite space is observed or in flight: fewer (maybe no) points came back. */
  exhausted?: boolean;
}

/**
 * What one bayesian ask hands to the next: the fitted GP hyperparameters, so the next fit starts
 * where this one ended (and may skip refitting). Plain JSON, so the worker can store it.
 */
export const modelStateSchema = z.object({
  kind: z.literal("gp"),
  version: z.literal(1),
  /** Cube dimensions the state was fitted for; a state for another space is ignored. */
  dims: z.number().int().positive(),
  /** [log ℓ_1..log ℓ_D, log sf2, log sn2]. */
  theta: z.array(z.number().refine(Number.isFinite)),
  /** Observations (successful or imputed) the hyperparameters were last fitted on. */
  fittedAt: z.number().int().nonnegative(),
});
export type ModelState = z.infer<typeof modelStateSchema>;
