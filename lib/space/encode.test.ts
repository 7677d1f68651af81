import { describe, expect, it } from "vitest";
import { mulberry32 } from "../testing/random";
import { makeCodec } from "./encode";
import { parseSpace } from "./parse";
import {
  type ParamSpec,
  type Params,
  type ParamValue,
  paramValueSchema,
  type Space,
} from "./schema";

const space: Space = parseSpace([
  "n=16:128:int",
  "k=1:1000:log:int",
  "r=1:64:reverse_log:int",
  "neg=-5:5:int",
  "lr=1e-5:0.1:log",
  "mom=0.8:0.999:reverse_log",
  "drop=-0.5:0.5",
  "wide=-1e6:1e9",
  "opt=adam,sgd,rmsprop",
  "bs=16,32,64",
  "mix=1,a,2.5",
  "one=only",
]);

/** A valid value of spec drawn from rnd, reaching both ends of ranges now and then. */
function randomValue(spec: ParamSpec, rnd: () => number) {
  if (spec.kind === "choice") return spec.values[Math.floor(rnd() * spec.values.length)]!;
  const r = rnd();
  if (r < 0.05) return spec.min;
  if (r < 0.1) return spec.max;
  if (spec.type === "int") return spec.min + Math.floor(rnd() * (spec.max - spec.min + 1));
  if (spec.scale === "linear") return spec.min + rnd() * (spec.max - spec.min);
  return spec.min * (spec.max / spec.min) ** rnd();
}

function randomParams(s: Space, rnd: () => number): Params {
  return Object.fromEntries(s.map((p) => [p.name, randomValue(p, rnd)]));
}

/** The ways params fails to be a valid point of s (empty when it is one). */
function invalid(s: Space, params: Params): string[] {
  const out: string[] = [];
  const names = s.map((p) => p.name);
  if (Object.keys(params).sort().join() !== [...names].sort().join())
    out.push(`names ${Object.keys(params)}`);
  for (const spec of s) {
    const v = params[spec.name];
    const bad = (why: string) => out.push(`${spec.name}=${String(v)}: ${why}`);
    if (!paramValueSchema.safeParse(v).success) bad("not a finite number or a string");
    else if (spec.kind === "choice") {
      if (!spec.values.includes(v as ParamValue)) bad("not a choice");
    } else if (typeof v !== "number") bad("not a number");
    else if (!(v >= spec.min && v <= spec.max)) bad("out of range");
    else if (spec.type === "int" && !Number.isInteger(v)) bad("not an integer");
    else if (Object.is(v, -0)) bad("-0");
  }
  return out;
}

describe("makeCodec", () => {
  const codec = makeCodec(space);

  it("has one dimension per range and one per choice value", () => {
    expect(codec.dims).toBe(8 + 3 + 3 + 3 + 1);
  });

  it("decode(encode(p)) gives p back: ints and choices exactly, floats within 1e-12", () => {
    const rnd = mulberry32(1);
    const failures: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const p = randomParams(space, rnd);
      const u = codec.encode(p);
      if (u.some((x) => !(x >= 0 && x <= 1))) failures.push(`outside the cube: ${u}`);
      const back = codec.decode(u);
      for (const spec of space) {
        const v = p[spec.name] as number;
        const w = back[spec.name] as number;
        if (spec.kind === "choice" || spec.type === "int") {
          if (w !== v) failures.push(`${spec.name}: ${v} -> ${w}`);
        } else {
          // Relative to the value on log scales, to the width on linear ones (a value near 0 of a
          // range around 0 carries the width's rounding error, not its own).
          const scale =
            spec.scale === "linear" ? Math.max(Math.abs(v), spec.max - spec.min) : Math.abs(v);
          if (!(Math.abs(w - v) <= 1e-12 * scale)) failures.push(`${spec.name}: ${v} -> ${w}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("decodes the ends of float ranges exactly", () => {
    const lo = codec.decode(new Float64Array(codec.dims).fill(0));
    const hi = codec.decode(new Float64Array(codec.dims).fill(1));
    for (const spec of space) {
      if (spec.kind !== "range") continue;
      expect(lo[spec.name]).toBe(spec.min);
      expect(hi[spec.name]).toBe(spec.max);
    }
  });

  it("accepts numbers given as strings (values read back from text)", () => {
    const p = randomParams(space, mulberry32(2));
    const asText = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, String(v)]));
    expect(codec.key(asText)).toBe(codec.key(p));
    expect(codec.encode(asText)).toEqual(codec.encode(p));
  });

  it("encodes values outside a range onto its nearer end", () => {
    for (const spec of space) {
      if (spec.kind !== "range") continue;
      const only = makeCodec([spec]);
      const below = spec.scale === "linear" ? spec.min - 1e3 : -1;
      const above = spec.max * 10 + 10;
      expect(only.encode({ [spec.name]: below })[0]).toBe(0);
      expect(only.encode({ [spec.name]: above })[0]).toBe(1);
      expect(only.decode(only.encode({ [spec.name]: above }))[spec.name]).toBe(spec.max);
      expect(only.decode(only.encode({ [spec.name]: below }))[spec.name]).toBe(spec.min);
    }
  });

  it("refuses values it cannot encode", () => {
    const p = randomParams(space, mulberry32(4));
    expect(() => codec.encode({ ...p, opt: "adagrad" })).toThrow(/not a choice of "opt"/);
    expect(() => codec.encode({ ...p, lr: "fast" })).toThrow(/"lr" needs a number/);
    const { n: _dropped, ...missing } = p;
    expect(() => codec.encode(missing)).toThrow(/missing value for parameter "n"/);
  });

  it("decodes any point, even outside the cube, to valid values", () => {
    const rnd = mulberry32(5);
    const failures: string[] = [];
    const odd = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -3, 7, 0, 1, 0.5];
    for (let i = 0; i < 2000; i++) {
      const u = Float64Array.from({ length: codec.dims }, () =>
        rnd() < 0.2 ? odd[Math.floor(rnd() * odd.length)]! : rnd() * 1.4 - 0.2,
      );
      failures.push(...invalid(space, codec.decode(u)));
    }
    // A short array decodes too (missing dimensions read as the middle).
    failures.push(...invalid(space, codec.decode([0.3])));
    expect(failures).toEqual([]);
    // The check itself catches what it should.
    expect(invalid(space, { ...codec.decode([]), n: 16.5, opt: "adagrad", lr: 1 })).toHaveLength(3);
  });

  it("snap is idempotent and leaves a point that decodes to the same values", () => {
    const rnd = mulberry32(6);
    let failures = 0;
    for (let i = 0; i < 1000; i++) {
      const u = Float64Array.from({ length: codec.dims }, () => rnd() * 1.2 - 0.1);
      const before = codec.decode(u);
      const once = codec.snap(u.slice());
      const twice = codec.snap(once.slice());
      if (codec.key(codec.decode(once)) !== codec.key(before)) failures++;
      if (twice.some((x, j) => !Object.is(x, once[j]))) failures++;
      // Snapped choice blocks are one-hot corners.
      let offset = 0;
      for (const spec of space) {
        const width = spec.kind === "choice" ? spec.values.length : 1;
        const block = [...once.subarray(offset, offset + width)];
        if (
          spec.kind === "choice" &&
          block.sort().join() !== [...Array(width - 1).fill(0), 1].join()
        )
          failures++;
        offset += width;
      }
    }
    expect(failures).toBe(0);
  });

  it("gives every int of a linear range about the same share of a uniform cube", () => {
    const small = makeCodec(parseSpace(["n=-2:3:int"]));
    const rnd = mulberry32(7);
    const draws = 60_000;
    const counts = new Map<number, number>();
    for (let i = 0; i < draws; i++) {
      const n = small.decode([rnd()]).n as number;
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2, 3]);
    // Expected 10,000 each, standard deviation about 91: 5% is more than 5 sigma. The old
    // round(min + u * (max - min)) mapping gives the ends half a share and fails this.
    for (const c of counts.values())
      expect(Math.abs(c - draws / 6)).toBeLessThan(0.05 * (draws / 6));
  });

  it("counts the distinct points in size", () => {
    expect(makeCodec(parseSpace(["a=1:4:int", "b=x,y,z"])).size).toBe(12);
    expect(makeCodec(parseSpace(["a=-3:3:int", "b=1:10:log:int", "c=7"])).size).toBe(70);
    expect(makeCodec(parseSpace(["a=1:4:int", "f=0:1"])).size).toBe(Number.POSITIVE_INFINITY);
    expect(makeCodec([]).size).toBe(1);
    expect(codec.size).toBe(Number.POSITIVE_INFINITY);
  });

  it("gives equal keys for equal values and different keys otherwise", () => {
    const rnd = mulberry32(8);
    const discrete = makeCodec(parseSpace(["a=1:6:int", "b=x,y,1"]));
    const seen = new Map<string, string>();
    for (let i = 0; i < 500; i++) {
      const p = randomParams(discrete.space, rnd);
      const key = discrete.key(p);
      const canonical = JSON.stringify([p.a, p.b]);
      expect(seen.get(key) ?? canonical).toBe(canonical);
      seen.set(key, canonical);
    }
    expect(seen.size).toBe(discrete.size);
  });
  it("lists the neighbours one discrete step away: each other choice value, the next ints", () => {
    const rnd = mulberry32(9);
    const failures: string[] = [];
    for (let i = 0; i < 300; i++) {
      // Floats round-trip within 1e-12, not exactly: compare with the decoded point itself.
      const p = codec.decode(codec.encode(randomParams(space, rnd)));
      const steps = codec.neighbours(codec.encode(p)).map((u) => codec.decode(u));
      const changed = (q: Params) => space.filter((spec) => q[spec.name] !== p[spec.name]);
      // The expected moves, counted per parameter: every other value, or the ints within range.
      const expected = new Map<string, Set<string>>();
      for (const spec of space) {
        const moves = new Set<string>();
        if (spec.kind === "choice") for (const v of spec.values) moves.add(String(v));
        else if (spec.type === "int")
          for (const v of [(p[spec.name] as number) - 1, (p[spec.name] as number) + 1])
            if (v >= spec.min && v <= spec.max) moves.add(String(v));
        moves.delete(String(p[spec.name]));
        expected.set(spec.name, moves);
      }
      for (const q of steps) {
        failures.push(...invalid(space, q));
        const c = changed(q);
        if (c.length !== 1) failures.push(`changes ${c.map((s) => s.name)} at once`);
        else if (!expected.get(c[0]!.name)!.delete(String(q[c[0]!.name])))
          failures.push(`${c[0]!.name}: ${p[c[0]!.name]} -> ${q[c[0]!.name]} is not one step`);
      }
      for (const [name, left] of expected)
        if (left.size > 0) failures.push(`${name}: missed ${[...left]}`);
    }
    expect(failures).toEqual([]);
    // Ints with more values than asked for are left to continuous moves.
    const u = codec.encode(randomParams(space, rnd));
    const few = codec.neighbours(u, 16).map((v) => codec.decode(v));
    expect(few.some((q) => q.n !== codec.decode(u).n || q.k !== codec.decode(u).k)).toBe(false);
    expect(few.some((q) => q.neg !== codec.decode(u).neg)).toBe(true);
  });
});
