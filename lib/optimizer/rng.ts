/**
 * Seeded randomness for the optimizers: a small PRNG and quasi-random point sets. Nothing here
 * reads Math.random or the clock, so a request always gives the same points.
 *
 * - `Rng`: xoshiro128** seeded through splitmix32 from any number of integers (the search seed,
 *   the number of observations, ...), with uniform, normal and integer draws.
 * - `QuasiRandom`: a low-discrepancy sequence in [0,1)^D addressed by index, so the initial design
 *   can continue across asks: Sobol (Joe-Kuo direction numbers, digitally shifted by the seed) in
 *   the first 31 dimensions; beyond the table, independent uniform coordinates (a space that wide
 *   is mostly one-hot choice blocks, where low discrepancy buys little).
 *
 * Glossary: D = dimensions; V[d][k] = Sobol direction number k of dimension d, scaled by 2^32.
 */

/** splitmix32 step: a strong 32-bit mixer, used only to expand seeds into generator state. */
function splitmix32(state: number): [number, number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [next, z >>> 0];
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  /** Mixes every seed in (integers up to 2^53; fractions are dropped). */
  constructor(...seeds: number[]) {
    let st = 0x243f6a88;
    for (const seed of seeds) {
      const s = Number.isFinite(seed) ? Math.trunc(Math.abs(seed)) : 0;
      const lo = s % 0x100000000;
      const hi = Math.floor(s / 0x100000000);
      let z: number;
      [st, z] = splitmix32(st ^ lo);
      [st, z] = splitmix32(st ^ hi ^ z);
    }
    const out: number[] = [];
    for (let i = 0; i < 4; i++) {
      let z: number;
      [st, z] = splitmix32(st);
      out.push(z);
    }
    this.s0 = out[0]!;
    this.s1 = out[1]!;
    this.s2 = out[2]!;
    this.s3 = out[3]!;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // xoshiro's one bad state
  }

  /** xoshiro128**: a uniform 32-bit unsigned integer. */
  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.uint32() >>> 5;
    const b = this.uint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Standard normal (Marsaglia's polar method; the second draw is kept for the next call). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        this.spare = v * f;
        return u * f;
      }
    }
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A point uniform in [0, 1)^D. */
  cube(dims: number): Float64Array {
    const u = new Float64Array(dims);
    for (let d = 0; d < dims; d++) u[d] = this.uniform();
    return u;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Joe & Kuo (2008) "new-joe-kuo-6" primitive polynomials and initial direction numbers for
 * dimensions 2..31 (dimension 1 is van der Corput): [s = degree, a = coefficients, m_1..m_s].
 */
const JOE_KUO: ReadonlyArray<readonly [number, number, readonly number[]]> = [
  [1, 0, [1]],
  [2, 1, [1, 3]],
  [3, 1, [1, 3, 1]],
  [3, 2, [1, 1, 1]],
  [4, 1, [1, 1, 3, 3]],
  [4, 4, [1, 3, 5, 13]],
  [5, 2, [1, 1, 5, 5, 17]],
  [5, 4, [1, 1, 5, 5, 5]],
  [5, 7, [1, 1, 7, 11, 19]],
  [5, 11, [1, 1, 5, 1, 1]],
  [5, 13, [1, 1, 1, 3, 11]],
  [5, 14, [1, 3, 5, 5, 31]],
  [6, 1, [1, 3, 3, 9, 7, 49]],
  [6, 13, [1, 1, 1, 15, 21, 21]],
  [6, 16, [1, 3, 1, 13, 27, 49]],
  [6, 19, [1, 1, 1, 15, 7, 5]],
  [6, 22, [1, 3, 1, 15, 13, 25]],
  [6, 25, [1, 1, 5, 5, 19, 61]],
  [7, 1, [1, 3, 7, 11, 23, 15, 103]],
  [7, 4, [1, 3, 7, 13, 13, 15, 69]],
  [7, 7, [1, 1, 3, 13, 7, 35, 63]],
  [7, 8, [1, 3, 5, 9, 1, 25, 53]],
  [7, 14, [1, 3, 1, 13, 9, 35, 107]],
  [7, 19, [1, 3, 1, 5, 27, 61, 31]],
  [7, 21, [1, 1, 5, 11, 19, 41, 61]],
  [7, 28, [1, 3, 5, 3, 3, 13, 69]],
  [7, 31, [1, 1, 7, 13, 1, 19, 1]],
  [7, 32, [1, 3, 7, 5, 13, 19, 59]],
  [7, 37, [1, 1, 3, 9, 25, 29, 41]],
  [7, 41, [1, 3, 5, 13, 23, 1, 55]],
];

export const SOBOL_MAX_DIMS = JOE_KUO.length + 1;
const BITS = 32;

/** Direction numbers V[d][k-1] (k = 1..32), scaled by 2^32, as unsigned integers. */
function sobolDirections(dims: number): Uint32Array[] {
  const out: Uint32Array[] = [];
  for (let d = 0; d < dims; d++) {
    const v = new Uint32Array(BITS);
    if (d === 0) {
      for (let k = 0; k < BITS; k++) v[k] = 2 ** (BITS - 1 - k);
    } else {
      const [s, a, m] = JOE_KUO[d - 1]!;
      for (let k = 0; k < BITS; k++) {
        if (k < s) {
          v[k] = (m[k]! * 2 ** (BITS - 1 - k)) >>> 0;
        } else {
          let x = v[k - s]! ^ (v[k - s]! >>> s);
          for (let j = 1; j < s; j++) if ((a >>> (s - 1 - j)) & 1) x ^= v[k - j]!;
          v[k] = x >>> 0;
        }
      }
    }
    out.push(v);
  }
  return out;
}

/**
 * A low-discrepancy sequence in [0,1)^D, randomized once from `rng` and then addressed by index.
 * Any 2^k consecutive Sobol points starting at a multiple of 2^k stratify every coordinate.
 */
export class QuasiRandom {
  readonly dims: number;
  private readonly directions: Uint32Array[];
  private readonly shiftBits: Uint32Array;

  constructor(dims: number, rng: Rng) {
    this.dims = dims;
    this.shiftBits = new Uint32Array(dims);
    for (let d = 0; d < dims; d++) this.shiftBits[d] = rng.uint32();
    this.directions = sobolDirections(Math.min(dims, SOBOL_MAX_DIMS));
  }

  /** Point number `index` (0-based) of the randomized sequence, written into `out`. */
  point(index: number, out: Float64Array = new Float64Array(this.dims)): Float64Array {
    const dirs = this.directions;
    for (let d = 0; d < dirs.length; d++) {
      const v = dirs[d]!;
      let x = this.shiftBits[d]!;
      let i = index;
      for (let k = 0; i > 0 && k < BITS; k++, i = Math.floor(i / 2)) if (i % 2 === 1) x ^= v[k]!;
      // Half a bin off the grid keeps points strictly inside the cube, off its faces.
      out[d] = ((x >>> 0) + 0.5) / 4294967296;
    }
    for (let d = SOBOL_MAX_DIMS; d < this.dims; d++) {
      out[d] = new Rng(this.shiftBits[d]!, index).uniform();
    }
    return out;
  }
}
