/**
 * The initial design of a bayesian search: the points it tries before its model takes over.
 *
 * Float and int dimensions come from a seeded, digitally shifted Sobol sequence addressed by the
 * number of points already issued, so the design stays one low-discrepancy set across asks and
 * trials in flight. Choices (booleans too) are stratified instead: each design point takes, for
 * every choice, one of its least-used values so far (counting observed, failed and pending trials
 * and the points already chosen in this ask); among those combinations, the one whose pairs of
 * values (one pair per two choices) were used least, then the least-used combination of all the
 * choices; the Sobol point's own one-hot coordinates break the remaining ties, so the design
 * stays seeded. So every value of a choice appears as soon as the design has room for it, two
 * booleans cover their 4 combinations in 4 points, and a value is never left to the luck of the
 * draw: with the arg-max of Sobol coordinates, a 2-valued choice listed third got one value only
 * in 31 of 200 five-point designs (docs/decisions/optimizer.md).
 *
 * Glossary: u = a point of the unit cube (codec.dims); a choice's value index = the hot
 * coordinate of its one-hot block; a combination = the value indices of all choices.
 */
import type { DimBlock, SpaceCodec } from "../space/encode";
import type { Params } from "../space/schema";
import { QuasiRandom, Rng } from "./rng";

/** Above this many combinations of choices, each choice is balanced on its own. */
const MAX_COMBINATIONS = 4096;

export class InitialDesign {
  private readonly sobol: QuasiRandom;
  private readonly choices: DimBlock[];
  /** counts[j][v] = points so far whose choice j holds value v. */
  private readonly counts: number[][];
  /** pairs[j][l][v * width_l + w] = points so far with value v of choice j and w of l (j < l). */
  private readonly pairs: Float64Array[][];
  /** Points so far per combination (mixed-radix index), when there are few enough of them. */
  private readonly combos: Map<number, number> | undefined;

  constructor(
    private readonly codec: SpaceCodec,
    seed: number,
    history: Params[],
  ) {
    this.sobol = new QuasiRandom(codec.dims, new Rng(seed, 0x5eed));
    this.choices = codec.layout.filter((b) => b.spec.kind === "choice" && b.width > 1);
    this.counts = this.choices.map((b) => new Array<number>(b.width).fill(0));
    this.pairs = this.choices.map((b, j) =>
      this.choices.map((c, l) => new Float64Array(l > j ? b.width * c.width : 0)),
    );
    let total = 1;
    for (const b of this.choices) total *= b.width;
    this.combos = total <= MAX_COMBINATIONS ? new Map() : undefined;
    for (const p of history) this.record(codec.encode(p));
  }

  /** The design point with this index, snapped, its choices balanced against the history. */
  point(index: number): Float64Array {
    const u = this.codec.snap(this.sobol.point(index));
    if (this.choices.length === 0) return u;
    const pick = this.combos
      ? this.bestCombination(u)
      : this.choices.map((b, j) => this.bestValue(u, b, j));
    this.choices.forEach((b, j) => {
      u.fill(0, b.offset, b.offset + b.width);
      u[b.offset + pick[j]!] = 1;
    });
    return u;
  }

  /** Counts a point that was issued (or observed) towards the balance. */
  record(u: ArrayLike<number>): void {
    const values = this.choices.map((b) => hot(u, b));
    values.forEach((v, j) => {
      this.counts[j]![v] = this.counts[j]![v]! + 1;
      for (let l = j + 1; l < values.length; l++) {
        const pair = this.pairs[j]![l]!;
        const k = v * this.choices[l]!.width + values[l]!;
        pair[k] = pair[k]! + 1;
      }
    });
    if (this.combos) {
      const key = this.comboIndex(values);
      this.combos.set(key, (this.combos.get(key) ?? 0) + 1);
    }
  }

  private comboIndex(values: number[]): number {
    let key = 0;
    this.choices.forEach((b, j) => {
      key = key * b.width + values[j]!;
    });
    return key;
  }

  /**
   * The Sobol point's preference for value v of choice j: 0 for the value it would pick (its
   * arg-max), then the values in order after it, cyclically, so ties break pseudo-randomly.
   */
  private preference(u: Float64Array, b: DimBlock, v: number): number {
    return (v - hot(u, b) + b.width) % b.width;
  }

  private bestValue(u: Float64Array, b: DimBlock, j: number): number {
    const counts = this.counts[j]!;
    let best = 0;
    for (let v = 1; v < b.width; v++) {
      const c = counts[v]! - counts[best]!;
      if (c < 0 || (c === 0 && this.preference(u, b, v) < this.preference(u, b, best))) best = v;
    }
    return best;
  }

  /**
   * Among the combinations whose every value is one of its choice's least-used (the sum of the
   * values' counts is separable, so its minimum is exactly those): the fewest uses of its pairs
   * of values, then of the combination itself, then the one the Sobol point prefers.
   */
  private bestCombination(u: Float64Array): number[] {
    const least = this.choices.map((b, j) => {
      const counts = this.counts[j]!;
      const min = Math.min(...counts);
      const vs: number[] = [];
      for (let v = 0; v < b.width; v++) if (counts[v] === min) vs.push(v);
      return vs;
    });
    let best: number[] = [];
    let bestScore = [Number.POSITIVE_INFINITY, 0, 0];
    const current: number[] = [];
    const visit = (j: number) => {
      if (j === this.choices.length) {
        let pairs = 0;
        let pref = 0;
        current.forEach((v, k) => {
          pref += this.preference(u, this.choices[k]!, v);
          for (let l = k + 1; l < current.length; l++) {
            pairs += this.pairs[k]![l]![v * this.choices[l]!.width + current[l]!]!;
          }
        });
        const score = [pairs, this.combos!.get(this.comboIndex(current)) ?? 0, pref];
        if (lexLess(score, bestScore)) {
          bestScore = score;
          best = [...current];
        }
        return;
      }
      for (const v of least[j]!) {
        current.push(v);
        visit(j + 1);
        current.pop();
      }
    };
    visit(0);
    return best;
  }
}

function lexLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

/** The value index a one-hot block holds (its arg-max). */
function hot(u: ArrayLike<number>, b: DimBlock): number {
  let best = 0;
  for (let j = 1; j < b.width; j++) if (u[b.offset + j]! > u[b.offset + best]!) best = j;
  return best;
}
