/**
 * Bayesian optimization, one ask at a time: the only place that turns trials into arrays.
 *
 * 1. Observations are encoded to the unit cube (snapped, so ints and choices sit on their valid
 *    values) and their values oriented so that lower is better, then warped (transform.ts).
 *    Failed trials are imputed at the worst warped value: a configuration that crashed is bad,
 *    and the model should steer away from its neighbourhood rather than ignore it. Pruned trials
 *    (early stopping) enter at their last value (`BayesOptions.pruned`), never as the incumbent:
 *    the search stays away from a region it stopped.
 * 2. Until the initial design is complete, points come from design.ts: a seeded Sobol sequence
 *    addressed by the number of points already issued (one coherent low-discrepancy set across
 *    asks and in-flight trials), with every choice's values stratified.
 * 3. Then a Matérn 5/2 GP with one length-scale per parameter (a Hamming-type distance over a
 *    choice's values, gp/kernel.ts) and a fitted constant mean is fitted (gp/fit.ts; warm-started
 *    from the previous ask's state, refitted on a schedule as data grows, see `shouldRefit`), the
 *    pending trials are added as hallucinated observations (GP-BUCB, gp/posterior.ts) and each
 *    new point maximizes the acquisition (acquisition/), whose search also steps between the
 *    values of choices and ints. Every chosen point is hallucinated in turn, so a batch spreads;
 *    a point whose model correlation with one in flight exceeds `maxCorrelation` is a
 *    near-duplicate and is not proposed.
 *
 * docs/decisions/optimizer.md records why each default is what it is, with measurements.
 *
 * Glossary: D = cube dims; G = parameters (one length-scale each); X = n×D encoded observations;
 * y = warped values (lower is better); θ = GP log-hyperparameters; t = number of real
 * observations the GP sees; κ = UCB weight.
 */
import type { SpaceCodec } from "../space/encode";
import type { Params } from "../space/schema";
import { type AcquisitionSpec, optimizeAcquisition, type Penalizer } from "./acquisition";
import { InitialDesign } from "./design";
import { defaultPrior, fitHyperparameters, type HyperPrior, priorMode } from "./gp/fit";
import type { LengthScaleMap } from "./gp/kernel";
import { GpPosterior } from "./gp/posterior";
import { drawUntaken } from "./random";
import { QuasiRandom, Rng } from "./rng";
import type { TakenSet } from "./taken";
import { type OutputWarp, warpOutputs } from "./transform";
import {
  type ModelState,
  modelStateSchema,
  type SuggestRequest,
  type SuggestResult,
} from "./types";

export interface BayesOptions {
  warp: OutputWarp;
  /** GP prior mean: 0 (the standardized average) or a fitted constant (gp/fit.ts). */
  constantMean: boolean;
  /** How failed trials enter the model: imputed at the worst value, or left out. */
  failed: "worst" | "ignore";
  /**
   * How pruned trials (early stopping) enter the model, from their last value v at step s
   * (warped with the other values): "last" = v; "floor" = v, but no better than the worst
   * complete trial; "worst" = the worst value told (as a failure); "step" = v moved towards the
   * worst by the fraction of steps it missed (1 - s / the most steps a told trial reached);
   * "ignore" = left out of the model (still never proposed again). A pruned trial is never the
   * incumbent while a complete one exists. docs/decisions/early-stopping.md has the measurements.
   */
  pruned: "last" | "floor" | "worst" | "step" | "ignore";
  /** Initial design size for d parameters and `parallel` = points asked + in flight. */
  initialDesign: (d: number, parallel: number) => number;
  /** Default UCB κ after t real observations of d parameters (a request's `kappa` wins). */
  kappa: (t: number, d: number) => number;
  /** Multiplies the default κ when points are in flight or asked together (see below). */
  batchKappaScale: number;
  /** κ is multiplied by 1 + tieKappa × the fraction of tied values (see `tiedFraction`). */
  tieKappa: number;
  /**
   * How points in flight shape the next one: hallucinated observations at the posterior mean
   * (GP-BUCB) or local penalization (acquisition/functions.ts).
   */
  batch: "hallucinate" | "penalize";
  prior: (D: number) => HyperPrior;
  /** Sweep candidates given m = rows of the GP's variance factor. */
  sweep: (m: number, D: number) => number;
  localAnchors: number;
  localPoints: number;
  starts: number;
  maxIter: number;
  /** A new point whose model correlation with a point in flight exceeds this is rejected. */
  maxCorrelation: number;
  /** At most this many observations enter the hyperparameter fit (a seeded subset beyond). */
  fitSubset: number;
  fitIterCold: number;
  fitIterWarm: number;
}

/**
 * κ schedule (GP-UCB as run in practice, Kandasamy et al. 2017): β_t = 0.2·d·log(2t), κ = √β_t,
 * with t the observations the model sees and d the number of parameters (not cube dimensions: a
 * choice with ten values is one question, not ten). κ grows slowly with the data (the theory's
 * widening confidence bound) and with the dimension (more room to be wrong), and needs no
 * budget, which the optimizer is never told. For d = 2..6 at t = 50, κ ≈ 1.4..2.4.
 *
 * With points in flight (or several asked at once) κ is multiplied by `batchKappaScale` (0.75):
 * GP-BUCB's hallucinated observations already push the batch apart, which is exploration of its
 * own; at the full κ a batch explored more than the same number of sequential asks would, and
 * lost precision near the optimum (docs/decisions/optimizer.md has the measurements).
 *
 * Plateaus: κ is also multiplied by 1 + the fraction of observed values that tie with another
 * (`tiedFraction`). Where many settings give the same value (trees on a metric, accuracies), a
 * confidence bound keeps choosing the level it already knows is best: the plateau it found is
 * certain and the rest of the space, reverting to the mean level, looks worse; more weight on the
 * uncertainty sends the search on. Smooth objectives never tie, so they keep the plain schedule.
 */
export function defaultKappa(t: number, d: number): number {
  return Math.sqrt(0.2 * d * Math.log(2 * Math.max(t, 1)));
}

/**
 * Initial design: max(5, d + 1) points for d parameters (d + 1 points pin down a linear trend,
 * and fewer than 5 leave the first GP fit to guesswork), and at least one full batch so the first
 * ask of a parallel search never waits on a model. 2d was measured and lost: with a 50-evaluation
 * budget the model's choices beat quasi-random ones as early as it can make them.
 */
export function defaultInitialDesign(d: number, parallel: number): number {
  return Math.max(5, d + 1, parallel);
}

export const DEFAULT_OPTIONS: BayesOptions = {
  warp: "yeo-johnson",
  constantMean: true,
  failed: "worst",
  pruned: "last",
  initialDesign: defaultInitialDesign,
  kappa: defaultKappa,
  batchKappaScale: 0.75,
  tieKappa: 1,
  batch: "hallucinate",
  prior: defaultPrior,
  // A candidate costs ~m²/2 multiply-adds (one triangular solve): keep the sweep near 1.5e7 of
  // them, between 128 and 512 + 256·D candidates.
  sweep: (m, D) =>
    Math.min(512 + 256 * D, Math.max(128, Math.floor(1.5e7 / (0.5 * m * m + 30 * m)))),
  localAnchors: 5,
  localPoints: 40,
  starts: 5,
  maxIter: 50,
  maxCorrelation: 0.999,
  fitSubset: 250,
  fitIterCold: 200,
  fitIterWarm: 50,
};

/** Fewer real observations than this: keep to the design (a GP on one point says nothing). */
export const MIN_FOR_MODEL = 2;

export interface Encoded {
  X: Float64Array;
  y: Float64Array;
  n: number;
  /**
   * Indices (into X) ordered best first, real observations only: complete trials first, then
   * pruned ones (a pruned trial's early value is no final result).
   */
  ranking: number[];
  /** How many of `ranking`'s first entries are complete trials. */
  complete: number;
  /** Fraction of the successful values equal to another one (tiedFraction). */
  ties: number;
}

/**
 * The fraction of values equal to at least one other value (to 1e-12 relative): 0 for a smooth
 * objective, near 1 on a search that sits on a plateau.
 */
export function tiedFraction(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  let tied = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    const close = (w: number | undefined) =>
      w !== undefined && Math.abs(w - v) <= 1e-12 * Math.max(1, Math.abs(v));
    if (close(sorted[i - 1]) || close(sorted[i + 1])) tied++;
  }
  return tied / sorted.length;
}

export function suggestBayesian(
  req: SuggestRequest,
  codec: SpaceCodec,
  taken: TakenSet,
  options: BayesOptions = DEFAULT_OPTIONS,
): SuggestResult {
  const D = codec.dims;
  const rng = new Rng(req.seed, req.observations.length, req.pending.length, 0xba1e5);
  const points: Float64Array[] = [];
  const out: Params[] = [];
  const issue = (u: Float64Array): boolean => {
    const p = codec.decode(u);
    if (taken.has(p)) return false;
    taken.add(p);
    points.push(u);
    out.push(p);
    return true;
  };

  const data = encodeObservations(req, codec, options);
  const nInit = options.initialDesign(req.space.length, req.n + req.pending.length);
  const history = [...req.observations.map((o) => o.params), ...req.pending];
  const design = new InitialDesign(codec, req.seed, history);
  let index = history.length;
  const issued = () => history.length + out.length;
  // Design phase. Sobol indices are consumed in order; a discrete point already taken is skipped.
  let misses = 0;
  while (out.length < req.n && (issued() < nInit || data.ranking.length < MIN_FOR_MODEL)) {
    if (taken.full()) break;
    const u = design.point(index++);
    if (issue(u)) {
      design.record(u);
      misses = 0;
    } else if (++misses > 64) {
      const p = drawUntaken(req.space, codec, taken, rng);
      if (!p) break;
      const v = codec.encode(p);
      points.push(v);
      out.push(p);
      design.record(v);
    }
  }
  if (out.length >= req.n || taken.full()) return finish(out, req, taken, req.warm);

  const map = lengthScaleMap(codec);
  const fit = fitModel(data, D, map, req.warm, options, rng);
  const pendingX = req.pending.map((p) => codec.snap(codec.encode(p)));
  const extra = pendingX.length + req.n;
  const gp = GpPosterior.create(
    data.X,
    data.y,
    data.n,
    D,
    fit.theta,
    extra,
    options.constantMean,
    map,
  );
  if (!gp) {
    // K could not be factored even with jitter (non-finite values?): fall back to random.
    while (out.length < req.n) {
      const p = drawUntaken(req.space, codec, taken, rng);
      if (!p) break;
      out.push(p);
    }
    return finish(out, req, taken, fit.state);
  }
  const inFlight: Float64Array[] = [];
  const penalize = options.batch === "penalize";
  const penalizer = penalize ? newPenalizer(gp, data, codec) : undefined;
  const enterFlight = (u: Float64Array) => {
    if (penalizer) addCentre(gp, penalizer, u);
    else gp.hallucinate(u);
    inFlight.push(u);
  };
  for (const u of [...pendingX, ...points]) enterFlight(u);

  const continuous = continuousMask(codec);
  const discrete = codec.layout.some((b) => b.spec.kind === "choice" || b.spec.type === "int");
  const best = incumbent(data);
  const spec: AcquisitionSpec = {
    kind: req.acquisition ?? "ucb",
    kappa:
      req.kappa ??
      options.kappa(data.ranking.length, req.space.length) *
        (req.pending.length + req.n > 1 ? options.batchKappaScale : 1) *
        (1 + options.tieKappa * data.ties),
    best,
  };
  const anchors = data.ranking.map((i) => data.X.slice(i * D, (i + 1) * D));
  // Past a few hundred rows every evaluation costs O(m²): thin the local clouds and starts so an
  // ask stays well under the latency targets (docs/decisions/optimizer.md).
  const thin = Math.min(1, (300 / Math.max(gp.size, 1)) ** 2);
  while (out.length < req.n && !taken.full()) {
    const choice = optimizeAcquisition({
      gp,
      spec,
      penalizer,
      continuous,
      snap: discrete ? (u) => codec.snap(u) : undefined,
      neighbours: discrete ? (u) => codec.neighbours(u, RELAXED_INT_VALUES) : undefined,
      rng,
      anchors,
      accept: (u) => {
        if (taken.has(codec.decode(u))) return false;
        for (const f of inFlight) if (gp.correlation(u, f) > options.maxCorrelation) return false;
        return true;
      },
      sweep: options.sweep(gp.size, D),
      localAnchors: options.localAnchors,
      localPoints: Math.max(8, Math.round(options.localPoints * thin)),
      starts: gp.size > 400 ? Math.min(2, options.starts) : options.starts,
      maxIter: gp.size > 400 ? Math.min(30, options.maxIter) : options.maxIter,
    });
    let u: Float64Array;
    if (choice && issue(discrete ? codec.snap(choice.x) : choice.x)) {
      u = choice.x;
    } else {
      // Nothing acceptable (a tiny space nearly used up, say): any untaken point will do.
      const p = drawUntaken(req.space, codec, taken, rng);
      if (!p) break;
      u = codec.encode(p);
      points.push(u);
      out.push(p);
    }
    enterFlight(u);
  }
  return finish(out, req, taken, fit.state);
}

/**
 * A local penalizer with no centres yet: L = the largest gradient norm of the posterior mean (in
 * the kernel's metric) over the observations and a Sobol sweep, as González et al. estimate it.
 */
function newPenalizer(gp: GpPosterior, data: Encoded, codec: SpaceCodec): Penalizer {
  const D = gp.D;
  const dmu = new Float64Array(D);
  const dvar = new Float64Array(D);
  let lipschitz = 0;
  const at = (x: Float64Array) => {
    gp.predictWithGradient(x, dmu, dvar);
    let g2 = 0;
    for (let d = 0; d < D; d++) g2 += (dmu[d]! * dmu[d]!) / gp.w[d]!;
    lipschitz = Math.max(lipschitz, Math.sqrt(g2));
  };
  for (let i = 0; i < data.n; i++) at(data.X.slice(i * D, (i + 1) * D));
  const qr = new QuasiRandom(D, new Rng(0x11b));
  for (let k = 0; k < 256; k++) at(codec.snap(qr.point(k)));
  const best = incumbent(data);
  return { centres: [], mu: [], sigma: [], lipschitz: Math.max(lipschitz, 1e-7), best, w: gp.w };
}

/** The best modelled value: of the complete trials, or of the pruned ones while none completed. */
function incumbent(data: Encoded): number {
  let best = Number.POSITIVE_INFINITY;
  const upTo = data.complete > 0 ? data.complete : data.ranking.length;
  for (let k = 0; k < upTo; k++) best = Math.min(best, data.y[data.ranking[k]!]!);
  return best;
}

function addCentre(gp: GpPosterior, pen: Penalizer, u: Float64Array): void {
  const mu = new Float64Array(1);
  const variance = new Float64Array(1);
  gp.predictMany(u, 1, mu, variance);
  pen.centres.push(u);
  pen.mu.push(mu[0]!);
  pen.sigma.push(Math.sqrt(variance[0]! + gp.sn2));
}

function finish(
  out: Params[],
  req: SuggestRequest,
  taken: TakenSet,
  state: ModelState | undefined,
): SuggestResult {
  const result: SuggestResult = { points: out };
  if (state) result.state = state;
  if (out.length < req.n && taken.full()) result.exhausted = true;
  return result;
}

/**
 * An int with more values than this moves with the float dimensions in the acquisition's
 * gradient refinement and local clouds (relaxed, then snapped): a step of one is too small a move
 * among hundreds of values. Fewer values move by discrete steps only (`SpaceCodec.neighbours`).
 */
export const RELAXED_INT_VALUES = 16;

/**
 * 1 for dimensions that move continuously in the acquisition search: float ranges and ints with
 * more than RELAXED_INT_VALUES values; choices and small ints move by discrete steps.
 */
export function continuousMask(codec: SpaceCodec): Uint8Array {
  const mask = new Uint8Array(codec.dims);
  for (const { spec, offset } of codec.layout) {
    if (spec.kind === "choice") continue;
    mask[offset] = spec.type === "float" || spec.max - spec.min + 1 > RELAXED_INT_VALUES ? 1 : 0;
  }
  return mask;
}

/**
 * One length-scale per parameter: a choice's one-hot block shares one, with its squared
 * differences halved so that any two different values are at distance 1, like the two ends of a
 * range (a Hamming-type kernel, gp/kernel.ts).
 */
export function lengthScaleMap(codec: SpaceCodec): LengthScaleMap {
  const group = new Int32Array(codec.dims);
  const factor = new Float64Array(codec.dims).fill(1);
  codec.layout.forEach(({ spec, offset, width }, g) => {
    for (let d = offset; d < offset + width; d++) {
      group[d] = g;
      if (spec.kind === "choice" && width > 1) factor[d] = 0.5;
    }
  });
  return { G: codec.layout.length, group, factor };
}

export function encodeObservations(
  req: SuggestRequest,
  codec: SpaceCodec,
  options: BayesOptions,
): Encoded {
  const D = codec.dims;
  const sign = req.goal === "maximize" ? -1 : 1;
  const okX: Float64Array[] = [];
  const okY: number[] = [];
  /** Per successful observation: the step a pruned trial stopped at (0 = unknown), or -1. */
  const prunedAt: number[] = [];
  const failedX: Float64Array[] = [];
  let maxStep = 0;
  for (const o of req.observations) {
    const u = codec.snap(codec.encode(o.params));
    if (o.value === null || !Number.isFinite(o.value)) failedX.push(u);
    else if (o.pruned && options.pruned === "ignore") continue;
    else {
      okX.push(u);
      okY.push(sign * o.value);
      const step = o.step !== undefined && o.step > 0 ? o.step : 0;
      prunedAt.push(o.pruned ? step : -1);
      maxStep = Math.max(maxStep, step);
    }
  }
  const warped = warpOutputs(okY, options.warp);
  let worst = Number.NEGATIVE_INFINITY;
  let worstComplete = Number.NEGATIVE_INFINITY;
  warped.forEach((w, i) => {
    worst = Math.max(worst, w);
    if (prunedAt[i] === -1) worstComplete = Math.max(worstComplete, w);
  });
  const floor = Number.isFinite(worstComplete) ? worstComplete : Number.NEGATIVE_INFINITY;
  const modelled = (i: number): number => {
    const w = warped[i]!;
    const step = prunedAt[i]!;
    if (step === -1) return w;
    switch (options.pruned) {
      case "last":
      case "ignore":
        return w;
      case "floor":
        return Math.max(w, floor);
      case "worst":
        return worst;
      case "step": {
        const missed = step > 0 && maxStep > 0 ? 1 - step / maxStep : 1;
        return w + (worst - w) * missed;
      }
    }
  };
  const useFailed = options.failed === "worst" && okY.length > 0 ? failedX : [];
  const n = okX.length + useFailed.length;
  const X = new Float64Array(n * D);
  const y = new Float64Array(n);
  okX.forEach((u, i) => {
    X.set(u, i * D);
    y[i] = modelled(i);
  });
  useFailed.forEach((u, j) => {
    X.set(u, (okX.length + j) * D);
    y[okX.length + j] = worst;
  });
  const isPruned = (i: number) => (prunedAt[i]! === -1 ? 0 : 1);
  const ranking = okX
    .map((_, i) => i)
    .sort((a, b) => isPruned(a) - isPruned(b) || y[a]! - y[b]! || a - b);
  const complete = prunedAt.filter((p) => p === -1).length;
  return {
    X,
    y,
    n,
    ranking,
    complete,
    ties: tiedFraction(okY.filter((_, i) => prunedAt[i] === -1)),
  };
}

/**
 * Refit policy: always refit up to 100 observations (cheap); beyond, only when the data grew by
 * a tenth since the last fit (hyperparameters drift slowly once there is much data, and a fit
 * costs O(n³) per likelihood evaluation). A missing or foreign warm state always refits.
 */
function shouldRefit(n: number, warm: ModelState | undefined): boolean {
  if (!warm) return true;
  if (n <= 100) return n !== warm.fittedAt;
  return n >= 1.1 * warm.fittedAt;
}

export function fitModel(
  data: Encoded,
  D: number,
  map: LengthScaleMap,
  warmRaw: ModelState | undefined,
  options: BayesOptions,
  rng: Rng,
): { theta: Float64Array; state: ModelState } {
  const G = map.G;
  const prior = options.prior(G);
  const parsed = warmRaw ? modelStateSchema.safeParse(warmRaw) : undefined;
  const warm =
    parsed?.success && parsed.data.dims === D && parsed.data.theta.length === G + 2
      ? parsed.data
      : undefined;
  if (warm && !shouldRefit(data.n, warm)) {
    return { theta: Float64Array.from(warm.theta), state: warm };
  }
  let { X, y, n } = data;
  if (n > options.fitSubset) {
    // A seeded random subset: hyperparameters from a few hundred points are nearly as good.
    const idx = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < options.fitSubset; i++) {
      const j = i + rng.int(n - i);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    const sub = idx.slice(0, options.fitSubset).sort((a, b) => a - b);
    const Xs = new Float64Array(sub.length * D);
    const ys = new Float64Array(sub.length);
    sub.forEach((i, k) => {
      Xs.set(X.subarray(i * D, (i + 1) * D), k * D);
      ys[k] = y[i]!;
    });
    X = Xs;
    y = ys;
    n = sub.length;
  }
  const starts: Float64Array[] = [];
  if (warm) starts.push(Float64Array.from(warm.theta));
  // With little data the likelihood is multimodal and the previous optimum may be the wrong
  // mode; a second start from the prior's mode is cheap there.
  if (!warm || data.n <= 30) starts.push(priorMode(G, prior));
  const r = fitHyperparameters(
    { X, y, n, D, constantMean: options.constantMean, map },
    {
      prior,
      starts,
      // A warm refit starts next to the optimum; past 100 observations each step costs O(n³), and
      // a few steps recover nearly all of the likelihood.
      maxIter: !warm ? options.fitIterCold : data.n > 100 ? 15 : options.fitIterWarm,
    },
  );
  return {
    theta: r.theta,
    state: { kind: "gp", version: 1, dims: D, theta: Array.from(r.theta), fittedAt: data.n },
  };
}
