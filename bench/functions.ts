/**
 * Standard synthetic test functions for the optimizer benchmark (all minimized), with their
 * domains and known optima, as defined in Surjanovic & Bingham's Virtual Library of Simulation
 * Experiments. The optimizer never sees these definitions: it gets a space and values.
 */
import type { Space } from "../lib/space/schema";

export interface TestFunction {
  name: string;
  /** [min, max] per dimension. */
  domain: [number, number][];
  /** The global minimum value. */
  optimum: number;
  f: (x: number[]) => number;
}

const branin: TestFunction = {
  name: "Branin",
  domain: [
    [-5, 10],
    [0, 15],
  ],
  optimum: 0.397887,
  f: ([x1 = 0, x2 = 0]) => {
    const b = 5.1 / (4 * Math.PI ** 2);
    const c = 5 / Math.PI;
    const t = 1 / (8 * Math.PI);
    return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
  },
};

const H6_ALPHA = [1.0, 1.2, 3.0, 3.2];
const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((v) => v * 1e-4));

const hartmann6: TestFunction = {
  name: "Hartmann-6",
  domain: Array.from({ length: 6 }, () => [0, 1] as [number, number]),
  optimum: -3.32237,
  f: (x) => {
    let s = 0;
    for (let i = 0; i < 4; i++) {
      let inner = 0;
      for (let j = 0; j < 6; j++) inner += H6_A[i]![j]! * (x[j]! - H6_P[i]![j]!) ** 2;
      s += H6_ALPHA[i]! * Math.exp(-inner);
    }
    return -s;
  },
};

function cube(d: number, lo: number, hi: number): [number, number][] {
  return Array.from({ length: d }, () => [lo, hi] as [number, number]);
}

const ackley5: TestFunction = {
  name: "Ackley-5",
  domain: cube(5, -32.768, 32.768),
  optimum: 0,
  f: (x) => {
    const d = x.length;
    let sq = 0;
    let cs = 0;
    for (const v of x) {
      sq += v * v;
      cs += Math.cos(2 * Math.PI * v);
    }
    return -20 * Math.exp(-0.2 * Math.sqrt(sq / d)) - Math.exp(cs / d) + 20 + Math.E;
  },
};

const rosenbrock4: TestFunction = {
  name: "Rosenbrock-4",
  domain: cube(4, -5, 10),
  optimum: 0,
  f: (x) => {
    let s = 0;
    for (let i = 0; i + 1 < x.length; i++) {
      s += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (x[i]! - 1) ** 2;
    }
    return s;
  },
};

const levy4: TestFunction = {
  name: "Levy-4",
  domain: cube(4, -10, 10),
  optimum: 0,
  f: (x) => {
    const w = x.map((v) => 1 + (v - 1) / 4);
    const d = w.length;
    let s = Math.sin(Math.PI * w[0]!) ** 2;
    for (let i = 0; i < d - 1; i++) {
      s += (w[i]! - 1) ** 2 * (1 + 10 * Math.sin(Math.PI * w[i]! + 1) ** 2);
    }
    s += (w[d - 1]! - 1) ** 2 * (1 + Math.sin(2 * Math.PI * w[d - 1]!) ** 2);
    return s;
  },
};

const styblinskiTang4: TestFunction = {
  name: "Styblinski-Tang-4",
  domain: cube(4, -5, 5),
  optimum: -39.16599 * 4,
  f: (x) => {
    let s = 0;
    for (const v of x) s += v ** 4 - 16 * v ** 2 + 5 * v;
    return s / 2;
  },
};

export const TEST_FUNCTIONS: TestFunction[] = [
  branin,
  hartmann6,
  ackley5,
  rosenbrock4,
  levy4,
  styblinskiTang4,
];

/** The function's domain as a search space of linear float ranges x0, x1, ... */
export function spaceOf(fn: TestFunction): Space {
  return fn.domain.map(([min, max], i) => ({
    kind: "range" as const,
    name: `x${i}`,
    min,
    max,
    scale: "linear" as const,
    type: "float" as const,
  }));
}
