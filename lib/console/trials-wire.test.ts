import { describe, expect, it } from "vitest";
import { trialStatusSchema } from "../search/status";
import type { ParamValue } from "../space/schema";
import { mulberry32 } from "../testing/random";
import { decodeSearchTrials, encodeSearchTrials, VERSION } from "./trials-wire";
import type { SearchTrials, TrialRow } from "./views";

const NAMES = ["lr", "layers", "optimizer", "mixed", "sparse", "empty"];
const TEXTS = ["adam", "sgd", "", "ünïcödé", "名前", "emoji 🧪", "a,b", 'quote "x"', "line\nbreak"];
/** Reasons may hold what parameter values may not: a NUL, a lone surrogate. */
const REASONS = [...TEXTS, "exit code 1", "\0", "half \ud800 a pair", "x".repeat(300)];

function randomAnswer(seed: number, count: number): SearchTrials {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const maybe = <T>(p: number, v: () => T): T | null => (rand() < p ? v() : null);
  // Each column's values reach a different encoding: widths 1, 2 and 4, and past 32 bits.
  const spread = pick([10, 1000, 100_000, 2 ** 40]);
  const rows: TrialRow[] = [];
  let n = Math.floor(rand() * 5);
  for (let i = 0; i < count; i++) {
    // Numbered 1, 2, 3... (as trials are) for half the seeds, with gaps for the others.
    n += seed % 2 === 0 ? 1 : 1 + Math.floor(rand() * 3);
    const params: Record<string, ParamValue> = {};
    const set = (name: string, v: ParamValue | null) => {
      if (v !== null) params[name] = v;
    };
    set(
      "lr",
      maybe(0.9, () => 10 ** (-8 + 8 * rand())),
    );
    set(
      "layers",
      maybe(0.95, () => Math.floor(rand() * spread) - 3),
    );
    set(
      "optimizer",
      maybe(0.9, () => pick(TEXTS)),
    );
    // A choice of numbers and strings (`--param x=1,2.5,auto`).
    set(
      "mixed",
      maybe(0.8, () => pick<ParamValue>([1, 2.5, -7, 1e300, "auto", "1", "名"])),
    );
    set(
      "sparse",
      maybe(0.05, () => rand()),
    );
    const start = maybe(0.9, () => 1_700_000_000_000 + Math.floor(rand() * spread));
    rows.push({
      n,
      status: pick(trialStatusSchema.options),
      params,
      value: maybe(0.8, () =>
        pick([rand(), -rand() * 1e9, 0, -0, Number.MAX_VALUE, Number.MIN_VALUE, 42]),
      ),
      startedAt: start,
      endedAt: start === null ? null : maybe(0.7, () => start + Math.floor(rand() * 1e6)),
      exitCode: maybe(0.7, () => pick([0, 1, -9, 137, 255])),
      reason: maybe(0.2, () => pick(REASONS)),
      jobId: maybe(0.5, () => String(100_000 + Math.floor(rand() * spread))),
      firstStep: maybe(0.6, () => Math.floor(rand() * 3)),
      lastStep: maybe(0.6, () => Math.floor(rand() * spread)),
    });
  }
  return {
    trials: rows,
    cursor: Math.floor(rand() * 1e9),
    curves: {
      key: "1,2",
      curves: rows.slice(0, 2).map((r) => ({
        trial: r.n,
        name: "val/loss",
        steps: [1, 2, 3],
        values: [0.5, null, 0.25],
        total: 3,
      })),
    },
  };
}

function decoded(body: Uint8Array): SearchTrials {
  // The browser's copy: an ArrayBuffer of its own, as Response.arrayBuffer() gives.
  const read = decodeSearchTrials(body.slice().buffer);
  if (!read.ok) throw new Error(read.error);
  return read.value;
}

describe("the trials' wire format", () => {
  it("gives back the rows it was given: random trials, nulls, every kind of value", () => {
    for (let seed = 1; seed <= 60; seed++) {
      const count = seed <= 3 ? seed - 1 : Math.floor(mulberry32(seed)() * 400);
      const answer = randomAnswer(seed, count);
      expect(decoded(encodeSearchTrials(answer, NAMES))).toEqual(answer);
    }
  });

  it("keeps every float exactly, -0, NaN and infinities included", () => {
    const answer = randomAnswer(7, 5);
    const values = [-0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.1 + 0.2];
    answer.trials.forEach((r, i) => {
      r.value = values[i] as number;
    });
    // toEqual compares numbers as Object.is does: -0 is not 0, NaN is NaN.
    expect(decoded(encodeSearchTrials(answer, NAMES)).trials.map((r) => r.value)).toEqual(values);
  });

  it("carries the empty search and a single trial", () => {
    const empty: SearchTrials = { trials: [], cursor: 0, curves: { key: "", curves: [] } };
    expect(decoded(encodeSearchTrials(empty, []))).toEqual(empty);
    expect(decoded(encodeSearchTrials(empty, NAMES))).toEqual(empty);
    const one = randomAnswer(3, 1);
    expect(decoded(encodeSearchTrials(one, NAMES))).toEqual(one);
  });

  it("sends only the named parameters", () => {
    const answer = randomAnswer(5, 20);
    const back = decoded(encodeSearchTrials(answer, ["lr"]));
    expect(back.trials.map((r) => r.params)).toEqual(
      answer.trials.map((r) => (r.params.lr === undefined ? {} : { lr: r.params.lr })),
    );
  });

  it("is smaller than the same trials as JSON (100,000 trials of the bench's shape)", () => {
    const rand = mulberry32(1);
    const trials: TrialRow[] = Array.from({ length: 100_000 }, (_, i) => ({
      n: i + 1,
      status: rand() < 0.03 ? "failed" : "complete",
      params: {
        lr: 10 ** (-5 + 4 * rand()),
        dropout: 0.9 * rand(),
        layers: 1 + Math.floor(12 * rand()),
        optimizer: ["adam", "sgd", "rmsprop"][Math.floor(3 * rand())] as string,
      },
      value: rand(),
      startedAt: 1_704_067_200_000 + i * 10_000,
      endedAt: 1_704_067_202_000 + i * 10_000,
      exitCode: 0,
      reason: null,
      jobId: i % 2 === 0 ? String(5_000_000 + i) : null,
      firstStep: null,
      lastStep: null,
    }));
    const answer = { trials, cursor: 1, curves: { key: "", curves: [] } };
    const body = encodeSearchTrials(answer, ["lr", "dropout", "layers", "optimizer"]);
    // 8 + 8 + 8 bytes of random floats, 4 + 4 of times, none for the numbers (1, 2, 3...), 4 of
    // job id (and its table's text in the header), 1 + 1 + 1 + 1 of the rest: a third of the JSON.
    expect(body.byteLength).toBeLessThan(100_000 * 46);
    expect(body.byteLength).toBeLessThan(JSON.stringify(answer).length / 3);
    expect(decoded(body)).toEqual(answer);
  });
});

/** A body with its header rewritten by `edit` (the columns as they were). */
function rewritten(body: Uint8Array, edit: (header: Record<string, unknown>) => void): Uint8Array {
  const length = new DataView(body.buffer, body.byteOffset).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(body.subarray(8, 8 + length)));
  const columns = body.subarray((8 + length + 7) & ~7);
  edit(header);
  const head = new TextEncoder().encode(JSON.stringify(header));
  const start = (8 + head.byteLength + 7) & ~7;
  const out = new Uint8Array(start + columns.byteLength);
  out.set(body.subarray(0, 4));
  new DataView(out.buffer).setUint32(4, head.byteLength, true);
  out.set(head, 8);
  out.set(columns, start);
  return out;
}

describe("a body the page cannot read", () => {
  const answer = randomAnswer(11, 40);
  const body = encodeSearchTrials(answer, NAMES);
  const refused = (bytes: Uint8Array | ArrayBuffer) => {
    const read = decodeSearchTrials(bytes instanceof Uint8Array ? bytes.slice().buffer : bytes);
    if (read.ok) throw new Error("read a body it should have refused");
    expect(read.error).toMatch(/^unreadable trials: /);
    return read.error;
  };

  it("is refused at every length short of the whole", () => {
    for (let length = 0; length < body.byteLength; length++) refused(body.subarray(0, length));
    expect(refused(body.subarray(0, body.byteLength - 1))).toMatch(/truncated/);
    const padded = new Uint8Array(body.byteLength + 8);
    padded.set(body);
    expect(refused(padded)).toMatch(/truncated or padded/);
  });

  it("says what it is when it is something else", () => {
    const text = (s: string) => new TextEncoder().encode(s);
    expect(refused(text('{"trials":{"n":[]},"cursor":0}'))).toMatch(/no HBT mark/);
    expect(refused(text("<!DOCTYPE html><html>502 Bad Gateway</html>"))).toMatch(/no HBT mark/);
    const later = body.slice();
    later[3] = VERSION + 1;
    expect(refused(later)).toMatch(/version 2, this page reads 1/);
    const long = body.slice();
    new DataView(long.buffer).setUint32(4, 0xffff_ffff, true);
    expect(refused(long)).toMatch(/header's 4294967295 bytes run past/);
    const garbled = body.slice();
    garbled[9] = 0xff; // inside the header's JSON: not UTF-8
    expect(refused(garbled)).toMatch(/header is not JSON/);
  });

  it("names a header that does not hold together", () => {
    const cases: [(h: Record<string, unknown>) => void, RegExp][] = [
      [(h) => delete h.cursor, /cursor/],
      [(h) => (h.count = -1), /count/],
      [(h) => (h.count = 1e6), /past the end/],
      [(h) => (h.statuses = ["queued", "done"]), /statuses .* are not this page's/],
      [(h) => (h.names = ["lr"]), /parameter columns for 1 names/],
      [
        (h) => ((h.fields as { n: unknown }).n = { kind: "f64", at: 3 }),
        /n: offset 3 is not aligned/,
      ],
      [
        (h) => ((h.fields as { n: unknown }).n = { kind: "f64", at: 1 << 30 }),
        /n: bytes .* past the end/,
      ],
      [(h) => ((h.fields as { n: unknown }).n = { kind: "none" }), /n: trials without a number/],
      [(h) => ((h.fields as { n: unknown }).n = { kind: "seq", base: 0.5 }), /not a safe integer/],
      [(h) => ((h.fields as { value: unknown }).value = { kind: "bits", at: 0 }), /fields\.value/],
      [
        (h) => {
          const p = (h.params as { kind: string; table?: unknown[] }[])[2];
          if (p?.kind !== "ref") throw new Error("optimizer is not a ref column");
          p.table = (p.table ?? []).slice(0, 1);
        },
        /parameter optimizer: trial \d+'s index \d+ is past its table \(1\)/,
      ],
      [
        (h) => {
          const f = h.fields as Record<string, unknown>;
          f.value = f.reason;
        },
        /value: holds text where a number belongs/,
      ],
    ];
    for (const [edit, message] of cases) expect(refused(rewritten(body, edit))).toMatch(message);
    // The unedited header is read, so the refusals above are the edits'.
    expect(decoded(rewritten(body, () => {}))).toEqual(answer);
  });

  it("refuses a status code outside the status list", () => {
    const bad = rewritten(body, () => {});
    const length = new DataView(bad.buffer).getUint32(4, true);
    const header = JSON.parse(new TextDecoder().decode(bad.subarray(8, 8 + length)));
    bad[((8 + length + 7) & ~7) + header.status + 5] = trialStatusSchema.options.length;
    expect(refused(bad)).toMatch(/status: trial 5's code 8 is not a status/);
  });

  it("never throws, whatever bytes it is given", () => {
    const rand = mulberry32(99);
    for (let k = 0; k < 2000; k++) {
      const bytes = body.slice();
      const flips = 1 + Math.floor(rand() * 4);
      for (let f = 0; f < flips; f++)
        bytes[Math.floor(rand() * bytes.byteLength)] = Math.floor(rand() * 256);
      const read = decodeSearchTrials(bytes.buffer);
      // A flip in a float is a different float, and one in the count's digits a shorter search:
      // either way a body that holds together, read as it says.
      if (read.ok) expect(Array.isArray(read.value.trials)).toBe(true);
      else expect(read.error).toMatch(/^unreadable trials: /);
    }
  });
});
