/**
 * Grid search: the Cartesian product of the parameters' values in a stable order (the first
 * parameter varies slowest, like nested loops written in the order the user listed them).
 * A point is addressed by its index in that order, so the grid is never materialized.
 */
import { UsageError } from "../errors";
import type { SpaceCodec } from "../space/encode";
import type { ParamSpec, Params, Space } from "../space/schema";
import type { TakenSet } from "./taken";

function valueCount(spec: ParamSpec): number {
  if (spec.kind === "choice") return spec.values.length;
  if (spec.type === "int") return spec.max - spec.min + 1;
  throw new UsageError(
    `grid search takes choices or int ranges; "${spec.name}" is a float range (${spec.min}:${spec.max}): list its values, e.g. ${spec.name}=${spec.min},${spec.max}`,
  );
}

/** Number of grid points. Throws UsageError when a float range makes the grid infinite. */
export function gridSize(space: Space): number {
  let size = 1;
  for (const spec of space) size *= valueCount(spec);
  return size;
}

/** Grid point number `index` (0-based, first parameter slowest). */
export function gridPoint(space: Space, index: number): Params {
  const out: Params = {};
  let rest = index;
  for (let i = space.length - 1; i >= 0; i--) {
    const spec = space[i]!;
    const count = valueCount(spec);
    const digit = rest % count;
    rest = Math.floor(rest / count);
    out[spec.name] = spec.kind === "choice" ? spec.values[digit]! : spec.min + digit;
  }
  // Keep the object's key order the space's order, for predictable JSON.
  const ordered: Params = {};
  for (const spec of space) ordered[spec.name] = out[spec.name]!;
  return ordered;
}

/** The first `n` grid points not yet taken; fewer (and exhausted) at the end of the grid. */
export function suggestGrid(
  space: Space,
  codec: SpaceCodec,
  taken: TakenSet,
  n: number,
): { points: Params[]; exhausted: boolean } {
  const size = gridSize(space);
  const points: Params[] = [];
  for (let i = 0; i < size && points.length < n; i++) {
    const p = gridPoint(space, i);
    if (taken.has(p)) continue;
    taken.add(p);
    points.push(codec.decode(codec.encode(p)));
  }
  return { points, exhausted: points.length < n };
}
