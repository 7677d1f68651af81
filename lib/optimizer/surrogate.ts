/**
 * The GP a bayesian search fits, for callers that want the model's own view of a search rather
 * than its next points: parameter importance (one length-scale per parameter), the console's mean
 * and band over a parameter. The same encoding, warping and fit as `suggest` (bayesian.ts), so
 * the view is the optimizer's, not a look-alike.
 *
 * Units: the GP models warped, standardized values oriented so that lower is better (a maximized
 * metric is negated first), so `predict` answers in those units; the warp is monotone, so an
 * ordering of points, or where a mean is lowest, carries over to the metric.
 */
import { makeCodec, type SpaceCodec } from "../space/encode";
import type { Params } from "../space/schema";
import {
  type BayesOptions,
  DEFAULT_OPTIONS,
  encodeObservations,
  fitModel,
  lengthScaleMap,
  MIN_FOR_MODEL,
} from "./bayesian";
import { GpPosterior } from "./gp/posterior";
import { Rng } from "./rng";
import { warpInverse } from "./transform";
import type { ModelState, SuggestRequest } from "./types";

export interface Surrogate {
  codec: SpaceCodec;
  gp: GpPosterior;
  /** Length-scale of each parameter, in space order (cube units; a choice: between any two values). */
  lengthScales: number[];
  /** The fitted state, to warm-start the next fit or ask. */
  state: ModelState;
  /** Posterior mean and sd of the latent function at each point (warped, lower is better). */
  predict(points: Params[]): { mean: Float64Array; sd: Float64Array };
  /**
   * Mean and sd at encoded cube points (C×D row-major, snapped by the caller): the hot path of
   * the console's views, which sweep thousands of points without building Params.
   */
  predictEncoded(xs: Float64Array, C: number): { mean: Float64Array; sd: Float64Array };
  /**
   * A model value (warped, lower is better) in the metric's own units and direction: the
   * inverse of the warp and of the orientation, monotone (a quantile maps to the same quantile).
   * ±Infinity beyond what the warp can reach.
   */
  toMetric(z: number): number;
}

/**
 * Fits the model to the observations; null with fewer than two successful ones (the search is
 * still on its initial design then). Throws as `encode` does for a point outside the space.
 */
export function fitSurrogate(
  req: Pick<SuggestRequest, "space" | "goal" | "observations" | "seed" | "warm">,
  options: BayesOptions = DEFAULT_OPTIONS,
): Surrogate | null {
  const codec = makeCodec(req.space);
  const full: SuggestRequest = { ...req, algorithm: "bayesian", pending: [], n: 0 };
  const data = encodeObservations(full, codec, options);
  if (data.ranking.length < MIN_FOR_MODEL) return null;
  const map = lengthScaleMap(codec);
  const rng = new Rng(req.seed, req.observations.length, 0, 0xba1e5);
  const fit = fitModel(data, codec.dims, map, req.warm, options, rng);
  const gp = GpPosterior.create(
    data.X,
    data.y,
    data.n,
    codec.dims,
    fit.theta,
    0,
    options.constantMean,
    map,
  );
  if (!gp) return null;
  const sign = req.goal === "maximize" ? -1 : 1;
  const oriented = req.observations.flatMap((o) =>
    o.value !== null && Number.isFinite(o.value) ? [sign * o.value] : [],
  );
  const unwarp = warpInverse(oriented, options.warp);
  const predictEncoded = (xs: Float64Array, C: number) => {
    const mean = new Float64Array(C);
    const variance = new Float64Array(C);
    gp.predictMany(xs, C, mean, variance);
    return { mean, sd: variance.map(Math.sqrt) };
  };
  const lengthScales = Array.from({ length: map.G }, (_, g) => Math.exp(fit.theta[g]!));
  return {
    codec,
    gp,
    lengthScales,
    state: fit.state,
    predict(points) {
      const D = codec.dims;
      const xs = new Float64Array(points.length * D);
      points.forEach((p, i) => {
        xs.set(codec.snap(codec.encode(p)), i * D);
      });
      return predictEncoded(xs, points.length);
    },
    predictEncoded,
    toMetric: (z) => sign * unwarp(z),
  };
}
