/**
 * The unit-cube view of a search space, used by every optimizer.
 *
 * Each range parameter is one dimension in [0, 1] (log parameters in log space); a choice
 * parameter with k values is k one-hot dimensions. Ints map through the bin centres of
 * [min - 0.5, max + 0.5], so a uniform point in the cube gives every integer the same mass.
 * `snap` rounds a point to the nearest valid encoded point (ints to their bin centre, one-hot
 * blocks to the arg-max corner): the optimizer models discrete parameters on snapped points.
 * `layout` says which dimensions belong to which parameter, and `neighbours` lists the valid
 * points one discrete step away (another value of one choice, the next int up or down), the moves
 * an optimizer needs to search over discrete parameters, which no gradient reaches.
 *
 * Glossary: u = a point of the cube (Float64Array of length `dims`); D = dims.
 */
import type { ChoiceSpec, ParamSpec, Params, ParamValue, RangeSpec, Space } from "./schema";

export interface SpaceCodec {
  readonly space: Space;
  /** Number of cube dimensions. */
  readonly dims: number;
  /** Number of distinct valid points, or Infinity when a float parameter is present. */
  readonly size: number;
  encode(params: Params): Float64Array;
  /** Never throws: any u (even outside the cube) decodes to valid values. */
  decode(u: ArrayLike<number>): Params;
  /** Rounds u in place to the encoding of decode(u); returns u. */
  snap(u: Float64Array): Float64Array;
  /** A canonical string for a set of values, equal for equal values (dedupe key). */
  key(params: Params): string;
  /** One block per parameter, in space order: its dimensions are offset..offset + width - 1. */
  readonly layout: readonly DimBlock[];
  /**
   * The snapped points that differ from snap(u) in one discrete parameter by one step: each other
   * value of a choice, the int value just below and just above (for ints with at most
   * `intValuesUpTo` values). Float dimensions are copied.
   */
  neighbours(u: ArrayLike<number>, intValuesUpTo?: number): Float64Array[];
}

export interface DimBlock {
  spec: ParamSpec;
  offset: number;
  width: number;
}

const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : Number.isNaN(x) ? 0.5 : x);

/** Bounds of the continuous variable a range is sampled in (ints widened by half a bin). */
function effectiveBounds(p: RangeSpec): [number, number] {
  return p.type === "int" ? [p.min - 0.5, p.max + 0.5] : [p.min, p.max];
}

function rangeToUnit(p: RangeSpec, raw: number): number {
  const [lo, hi] = effectiveBounds(p);
  // Clamp before the logs: an out-of-range value must land on the nearer edge, not on the NaN
  // that log of a non-positive number gives (which clamp01 would read as the middle).
  const v = Math.min(hi, Math.max(lo, raw));
  if (v === lo) return 0; // exactly, as unitToRange decodes the ends exactly
  if (v === hi) return 1;
  switch (p.scale) {
    case "linear":
      return clamp01((v - lo) / (hi - lo));
    case "log":
      return clamp01((Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)));
    case "reverse_log":
      return clamp01(1 - (Math.log(hi + lo - v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)));
  }
}

function unitToRange(p: RangeSpec, u: number): number {
  const [lo, hi] = effectiveBounds(p);
  const t = clamp01(u);
  let v: number;
  // The ends exactly: exp(log(0.1)) is 0.10000000000000002, and optimizers often pick an end.
  if (t === 0) v = lo;
  else if (t === 1) v = hi;
  else
    switch (p.scale) {
      case "linear":
        v = lo + t * (hi - lo);
        break;
      case "log":
        v = Math.exp(Math.log(lo) + t * (Math.log(hi) - Math.log(lo)));
        break;
      case "reverse_log":
        v = hi + lo - Math.exp(Math.log(lo) + (1 - t) * (Math.log(hi) - Math.log(lo)));
        break;
    }
  if (p.type === "int") v = Math.round(v);
  v = Math.min(p.max, Math.max(p.min, v));
  // Math.round(-0.3) is -0, which compares equal to 0 yet is a different value to Object.is.
  return v === 0 ? 0 : v;
}

function choiceIndex(p: ChoiceSpec, v: ParamValue): number {
  const exact = p.values.indexOf(v);
  if (exact >= 0) return exact;
  // Values read back from JSON or a command line may arrive as strings of numbers.
  return p.values.findIndex((c) => String(c) === String(v));
}

export function makeCodec(space: Space): SpaceCodec {
  const blocks: DimBlock[] = [];
  let dims = 0;
  let size = 1;
  for (const spec of space) {
    const width = spec.kind === "choice" ? spec.values.length : 1;
    blocks.push({ spec, offset: dims, width });
    dims += width;
    if (spec.kind === "choice") size *= spec.values.length;
    else if (spec.type === "int") size *= spec.max - spec.min + 1;
    else size = Number.POSITIVE_INFINITY;
  }

  function encode(params: Params): Float64Array {
    const u = new Float64Array(dims);
    for (const { spec, offset } of blocks) {
      const v = params[spec.name];
      if (v === undefined) throw new Error(`missing value for parameter "${spec.name}"`);
      if (spec.kind === "choice") {
        const i = choiceIndex(spec, v);
        if (i < 0) throw new Error(`${JSON.stringify(v)} is not a choice of "${spec.name}"`);
        u[offset + i] = 1;
      } else {
        const x = typeof v === "number" ? v : Number(v);
        if (!Number.isFinite(x))
          throw new Error(`"${spec.name}" needs a number, got ${JSON.stringify(v)}`);
        u[offset] = rangeToUnit(spec, x);
      }
    }
    return u;
  }

  function decode(u: ArrayLike<number>): Params {
    const out: Params = {};
    for (const { spec, offset, width } of blocks) {
      if (spec.kind === "choice") {
        let best = 0;
        for (let j = 1; j < width; j++)
          if ((u[offset + j] ?? 0) > (u[offset + best] ?? 0)) best = j;
        out[spec.name] = spec.values[best] as ParamValue;
      } else {
        out[spec.name] = unitToRange(spec, u[offset] ?? 0.5);
      }
    }
    return out;
  }

  function snap(u: Float64Array): Float64Array {
    u.set(encode(decode(u)));
    return u;
  }

  function key(params: Params): string {
    return JSON.stringify(
      blocks.map(({ spec }) => {
        const v = params[spec.name];
        if (spec.kind === "choice") return v === undefined ? null : choiceIndex(spec, v);
        return typeof v === "number" ? v : Number(v);
      }),
    );
  }

  function neighbours(
    u: ArrayLike<number>,
    intValuesUpTo = Number.POSITIVE_INFINITY,
  ): Float64Array[] {
    const base = snap(Float64Array.from(u));
    const out: Float64Array[] = [];
    for (const { spec, offset, width } of blocks) {
      if (spec.kind === "choice") {
        const current = base.subarray(offset, offset + width).indexOf(1);
        for (let j = 0; j < width; j++) {
          if (j === current) continue;
          const v = base.slice();
          v.fill(0, offset, offset + width);
          v[offset + j] = 1;
          out.push(v);
        }
      } else if (spec.type === "int" && spec.max - spec.min + 1 <= intValuesUpTo) {
        const value = unitToRange(spec, base[offset]!);
        for (const next of [value - 1, value + 1]) {
          if (next < spec.min || next > spec.max) continue;
          const v = base.slice();
          v[offset] = rangeToUnit(spec, next);
          out.push(v);
        }
      }
    }
    return out;
  }

  return { space, dims, size, encode, decode, snap, key, layout: blocks, neighbours };
}
