/**
 * The set of points a search has already used: observed (failed ones too) or in flight. Keys
 * come from the codec, so two encodings of the same values are the same point. Every algorithm
 * consults it before proposing, which is how a finite space is never asked twice for a point
 * while untried ones remain.
 */
import type { SpaceCodec } from "../space/encode";
import type { Params } from "../space/schema";

export class TakenSet {
  private readonly keys = new Set<string>();
  constructor(private readonly codec: SpaceCodec) {}

  get size(): number {
    return this.keys.size;
  }

  add(params: Params): void {
    this.keys.add(this.codec.key(params));
  }

  has(params: Params): boolean {
    return this.keys.has(this.codec.key(params));
  }

  /** True when a finite space has no untaken point left. */
  full(): boolean {
    return Number.isFinite(this.codec.size) && this.keys.size >= this.codec.size;
  }
}
