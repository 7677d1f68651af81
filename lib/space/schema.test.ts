/**
 * The range rules as a promise about everything after them: a range the schema accepts encodes
 * and decodes to finite values inside its bounds, with room for many distinct values, so no
 * accepted range can make a search spin later; and every range it refuses breaks a stated rule.
 * Bounds are drawn from random bit patterns, so denormals, -0, huge and tiny magnitudes all come.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../optimizer/rng";
import { recordBadInput } from "../testing/ledger";
import { makeCodec } from "./encode";
import {
  doublesBetween,
  MIN_FLOAT_RANGE_VALUES,
  paramValueSchema,
  processTextProblem,
  rangeSpecSchema,
} from "./schema";

/** Numbers where ranges break: the ends of the doubles, the denormals, 2^53, 0 and 1. */
const EDGES = [
  Number.MAX_VALUE,
  1e308,
  8.98846567431158e307, // 2^1023: twice it overflows
  Number.MIN_VALUE,
  2.2250738585072014e-308, // the smallest normal
  2 ** 53,
  2 ** 53 - 1,
  0,
  -0,
  1,
  1e-300,
];

/** `x` moved by `n` doubles (a few ulps either way). */
function nudge(x: number, n: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigInt64(0) + BigInt(x < 0 ? -n : n);
  if (bits < 0n) return -nudge(0, -Number(bits));
  view.setBigInt64(0, bits);
  const y = view.getFloat64(0);
  return x < 0 ? -y : y;
}

/** An edge (maybe nudged, maybe negated), a power of ten, a small integer, or random bits. */
function anyNumber(rng: Rng): number {
  const pick = rng.int(5);
  if (pick <= 1) {
    const edge = EDGES[rng.int(EDGES.length)]! * (rng.int(2) ? -1 : 1);
    const moved = pick === 1 ? nudge(edge, rng.int(2001) - 1000) : edge;
    return Number.isFinite(moved) ? moved : edge;
  }
  if (pick === 2) return rng.int(2001) - 1000;
  if (pick === 3) return (rng.int(2) ? -1 : 1) * 10 ** (rng.int(640) - 330);
  const view = new DataView(new ArrayBuffer(8));
  for (;;) {
    view.setUint32(0, rng.uint32());
    view.setUint32(4, rng.uint32());
    const x = view.getFloat64(0);
    if (Number.isFinite(x)) return x;
  }
}

const SCALES = ["linear", "log", "reverse_log"] as const;
const TYPES = ["float", "int"] as const;

describe("rangeSpecSchema", () => {
  it("accepts only ranges that encode and decode to finite, distinct values in bounds", () => {
    const seed = Date.now();
    const rng = new Rng(seed);
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 2500; i++) {
      let [min, max] = [anyNumber(rng), anyNumber(rng)];
      if (rng.uniform() < 0.8 && min > max) [min, max] = [max, min];
      const type = TYPES[rng.int(2)]!;
      if (type === "int" && rng.uniform() < 0.7) [min, max] = [Math.round(min), Math.round(max)];
      const spec = { kind: "range", name: "x", min, max, scale: SCALES[rng.int(3)]!, type };
      const context = `seed ${seed}: ${JSON.stringify(spec)}`;
      const r = rangeSpecSchema.safeParse(spec);
      if (!r.success) {
        refused++;
        const why = r.error.issues.map((x) => x.message).join("; ");
        const broken =
          !(min < max) ||
          (spec.scale !== "linear" && min <= 0) ||
          (type === "int" && !(Number.isSafeInteger(min) && Number.isSafeInteger(max))) ||
          !Number.isFinite(max - min) ||
          !Number.isFinite(max + min) ||
          (type === "float" && doublesBetween(min, max) < MIN_FLOAT_RANGE_VALUES);
        expect(broken, `${context} refused for no rule: ${why}`).toBe(true);
        continue;
      }
      accepted++;
      const codec = makeCodec([r.data]);
      const seen = new Set<number>();
      for (let k = 0; k <= 64; k++) {
        const v = codec.decode([k / 64]).x as number;
        expect(Number.isFinite(v), context).toBe(true);
        expect(v >= min && v <= max, `${context}: decoded ${v}`).toBe(true);
        if (type === "int") expect(Number.isSafeInteger(v), context).toBe(true);
        const u = codec.encode({ x: v })[0]!;
        expect(u >= 0 && u <= 1, `${context}: ${v} encodes to ${u}`).toBe(true);
        seen.add(v);
      }
      // The ends and something between them, at the least: room for the optimizer to move.
      const room = type === "int" ? Math.min(3, max - min + 1) : 3;
      expect(seen.size, context).toBeGreaterThanOrEqual(room);
    }
    recordBadInput("random range bounds", refused);
    expect(accepted).toBeGreaterThan(250);
    expect(refused).toBeGreaterThan(250);
  });

  it("counts doubles exactly, across zero and into denormals", () => {
    expect(doublesBetween(1, 1)).toBe(1n);
    expect(doublesBetween(0, 5e-324)).toBe(2n);
    expect(doublesBetween(-5e-324, 5e-324)).toBe(3n);
    expect(doublesBetween(-0, 0)).toBe(1n);
    expect(doublesBetween(1, 1 + Number.EPSILON)).toBe(2n);
    expect(doublesBetween(0, 1)).toBe(4607182418800017409n);
  });
});

describe("text that reaches a process", () => {
  it("refuses a NUL byte or a lone surrogate anywhere, accepts any other text", () => {
    const seed = Date.now();
    const rng = new Rng(seed);
    const pieces = ["a", " ", "é", "日本", "😀", "\n", "\t", '"', "\\", "=", ":"];
    for (let i = 0; i < 500; i++) {
      const parts = Array.from({ length: rng.int(8) }, () => pieces[rng.int(pieces.length)]!);
      const text = parts.join("");
      expect(processTextProblem(text), `seed ${seed}: ${JSON.stringify(text)}`).toBeUndefined();
      const at = rng.int(parts.length + 1);
      const bad = ["\u0000", "\ud800", "\udfff", "\ud83d"][rng.int(4)]!;
      const broken = [...parts.slice(0, at), bad, ...parts.slice(at)].join("");
      // A high surrogate right before "😀"'s own high surrogate is still alone.
      expect(processTextProblem(broken), `seed ${seed}: ${JSON.stringify(broken)}`).toBeDefined();
      expect(paramValueSchema.safeParse(broken).success).toBe(false);
    }
    recordBadInput("choice value with a NUL or a lone surrogate", 500);
  });
});
