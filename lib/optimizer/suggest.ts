/**
 * `suggest` with the bayesian method's tuning knobs exposed, for the benchmarks that tune them.
 * Everything else calls `suggest` from index.ts, which uses DEFAULT_OPTIONS.
 */
import { UsageError } from "../errors";
import { makeCodec } from "../space/encode";
import type { Params } from "../space/schema";
import { type BayesOptions, DEFAULT_OPTIONS, suggestBayesian } from "./bayesian";
import { gridSize, suggestGrid } from "./grid";
import { suggestRandom } from "./random";
import { Rng } from "./rng";
import { TakenSet } from "./taken";
import type { SuggestRequest, SuggestResult } from "./types";

export function suggestWith(
  req: SuggestRequest,
  options: BayesOptions = DEFAULT_OPTIONS,
): SuggestResult {
  if (!Number.isInteger(req.n) || req.n < 0) {
    throw new UsageError(`n must be a non-negative integer (got ${req.n})`);
  }
  if (req.algorithm === "grid") gridSize(req.space); // a float range in a grid: UsageError
  const codec = makeCodec(req.space);
  const taken = new TakenSet(codec);
  const add = (params: Params, what: string) => {
    try {
      codec.encode(params);
      taken.add(params);
    } catch (e) {
      throw new UsageError(`${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  for (const [i, o] of req.observations.entries()) add(o.params, `observation ${i}`);
  for (const [i, p] of req.pending.entries()) add(p, `pending trial ${i}`);
  if (req.n === 0) return taken.full() ? { points: [], exhausted: true } : { points: [] };

  switch (req.algorithm) {
    case "grid": {
      const r = suggestGrid(req.space, codec, taken, req.n);
      return r.exhausted ? { points: r.points, exhausted: true } : { points: r.points };
    }
    case "random": {
      const rng = new Rng(req.seed, req.observations.length, req.pending.length, 0x7a4d);
      const r = suggestRandom(req.space, codec, taken, req.n, rng);
      return r.exhausted ? { points: r.points, exhausted: true } : { points: r.points };
    }
    case "bayesian":
      return suggestBayesian(req, codec, taken, options);
  }
}
