/**
 * The optimizer's public face: `suggest` proposes the next points of a search from its finished
 * and in-flight trials. Pure and deterministic: no I/O, no clock, no Math.random; the same
 * request always gives the same points (randomness is seeded from the search seed and the number
 * of observations and pending trials).
 */
import { suggestWith } from "./suggest";
import type { SuggestRequest, SuggestResult } from "./types";

export { gridSize } from "./grid";
export { fitSurrogate, type Surrogate } from "./surrogate";
export type {
  Algorithm,
  ModelState,
  Observation,
  SuggestRequest,
  SuggestResult,
} from "./types";
export { modelStateSchema } from "./types";

/**
 * Proposes up to `req.n` new points, never one already observed or in flight in a finite space.
 * Fewer come back only when a finite space is used up (`exhausted: true`). Throws UsageError
 * for a malformed request (an observation that is not a point of the space, a float range in a
 * grid, a negative n); odd but valid histories (none, all failed, constant, repeated) never
 * throw.
 */
export function suggest(req: SuggestRequest): SuggestResult {
  return suggestWith(req);
}
