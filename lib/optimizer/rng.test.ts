import { describe, expect, it } from "vitest";
import { QuasiRandom, Rng, SOBOL_MAX_DIMS } from "./rng";

describe("Rng", () => {
  it("repeats its stream for the same seeds and differs for others", () => {
    const a = new Rng(42, 7);
    const b = new Rng(42, 7);
    const c = new Rng(42, 8);
    const sa = Array.from({ length: 20 }, () => a.uint32());
    const sb = Array.from({ length: 20 }, () => b.uint32());
    const sc = Array.from({ length: 20 }, () => c.uint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
    // Seeds above 2^32 are not truncated to their low bits.
    expect(new Rng(2 ** 32 + 5).uint32()).not.toBe(new Rng(5).uint32());
  });

  it("draws uniforms in [0, 1) and standard normals with the right moments", () => {
    const rng = new Rng(1);
    const N = 50_000;
    let su = 0;
    let sn = 0;
    let sn2 = 0;
    for (let i = 0; i < N; i++) {
      const u = rng.uniform();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      su += u;
      const z = rng.normal();
      sn += z;
      sn2 += z * z;
    }
    expect(su / N).toBeCloseTo(0.5, 2);
    expect(sn / N).toBeCloseTo(0, 1);
    expect(sn2 / N).toBeCloseTo(1, 1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[rng.int(3)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(900);
  });
});

describe("QuasiRandom", () => {
  it("stratifies every coordinate: each of 2^k bins holds one of the first 2^k points", () => {
    const D = SOBOL_MAX_DIMS;
    const qr = new QuasiRandom(D, new Rng(3));
    for (const k of [3, 6]) {
      const N = 2 ** k;
      for (let d = 0; d < D; d++) {
        const bins = new Set<number>();
        for (let i = 0; i < N; i++) bins.add(Math.floor(qr.point(i)[d]! * N));
        expect(bins.size).toBe(N);
      }
    }
  });

  it("is a (0, m, 2)-net in its first two dimensions", () => {
    // Every elementary box of area 2^-m (2^a by 2^(m-a) cells) holds exactly one point.
    const qr = new QuasiRandom(2, new Rng(9));
    const m = 6;
    const N = 2 ** m;
    const pts = Array.from({ length: N }, (_, i) => qr.point(i));
    for (let a = 0; a <= m; a++) {
      const cells = new Set<string>();
      for (const p of pts)
        cells.add(`${Math.floor(p[0]! * 2 ** a)},${Math.floor(p[1]! * 2 ** (m - a))}`);
      expect(cells.size).toBe(N);
    }
  });

  it("depends on its seed and stays inside the open cube in high dimensions", () => {
    const a = new QuasiRandom(4, new Rng(1)).point(5);
    const b = new QuasiRandom(4, new Rng(2)).point(5);
    expect(Array.from(a)).not.toEqual(Array.from(b));
    const hi = new QuasiRandom(60, new Rng(1));
    for (let i = 0; i < 100; i++) {
      for (const v of hi.point(i)) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThan(1);
      }
    }
    // Above the Sobol table coordinates are uniform and differ from point to point.
    const bins = new Set<number>();
    for (let i = 0; i < 100; i++) bins.add(Math.floor(hi.point(i)[59]! * 10));
    expect(bins.size).toBeGreaterThanOrEqual(8);
    expect(hi.point(3)[40]).toBe(hi.point(3)[40]);
    expect(hi.point(3)[40]).not.toBe(hi.point(4)[40]);
  });
});
