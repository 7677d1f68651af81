/**
 * Random search: points uniform in the unit cube (so log parameters are log-uniform and every
 * int and choice value equally likely), decoded. In a finite space a point already taken is
 * redrawn, and when redraws keep colliding the untaken points are enumerated and one is picked
 * uniformly, so random search also never repeats while untried points remain.
 */
import type { SpaceCodec } from "../space/encode";
import type { Params, Space } from "../space/schema";
import { gridPoint } from "./grid";
import type { Rng } from "./rng";
import type { TakenSet } from "./taken";

const REDRAWS = 64;
/** Above this many points a finite space is not enumerated (redraws are then near-certain). */
const ENUMERATE_LIMIT = 1_000_000;

/**
 * One untaken point drawn uniformly, or undefined when the space is exhausted. The point is
 * added to `taken`.
 */
export function drawUntaken(
  space: Space,
  codec: SpaceCodec,
  taken: TakenSet,
  rng: Rng,
): Params | undefined {
  if (taken.full()) return undefined;
  for (let i = 0; i < REDRAWS; i++) {
    const p = codec.decode(rng.cube(codec.dims));
    if (!taken.has(p)) {
      taken.add(p);
      return p;
    }
  }
  if (!Number.isFinite(codec.size) || codec.size > ENUMERATE_LIMIT) return undefined;
  const free: number[] = [];
  for (let i = 0; i < codec.size; i++) if (!taken.has(gridPoint(space, i))) free.push(i);
  if (free.length === 0) return undefined;
  const p = codec.decode(codec.encode(gridPoint(space, free[rng.int(free.length)]!)));
  taken.add(p);
  return p;
}

export function suggestRandom(
  space: Space,
  codec: SpaceCodec,
  taken: TakenSet,
  n: number,
  rng: Rng,
): { points: Params[]; exhausted: boolean } {
  const points: Params[] = [];
  while (points.length < n) {
    const p = drawUntaken(space, codec, taken, rng);
    if (!p) break;
    points.push(p);
  }
  return { points, exhausted: points.length < n };
}
