/**
 * TrialOutput against real files: bounded reads, a log cut by its cap between reads, and
 * workers that take over a trial mid-way from output.json, at random moments.
 */
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LogCap } from "../lib/executors/log-cap.mjs";
import type { MetricPoint } from "../lib/metrics/stream";
import { recordFault } from "../lib/testing/ledger";
import { CHECKPOINT_FILE, TrialOutput } from "./tail";

const root = mkdtempSync(join(tmpdir(), "hb-tail-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;
const trialDirectory = () => {
  const dir = join(root, String(++seq));
  mkdirSync(dir);
  return dir;
};
const rng = (seed: number) => () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const key = (p: MetricPoint) => `${p.name}@${p.step}`;

/** Output in every shape the parser keeps state for: auto steps, explicit steps, Keras. */
function output(lines: number, random: () => number): string {
  const out: string[] = [];
  let epoch = 0;
  for (let i = 0; i < lines; i++) {
    const r = random();
    if (r < 0.5) out.push(`loss=${i}`);
    else if (r < 0.6) out.push(`acc=${i} step=${i * 2}`);
    else if (r < 0.65) out.push(`Epoch ${++epoch}/999`);
    else if (r < 0.7) out.push(`10/10 [====] - 1s - keras_loss: ${i}`);
    else out.push(`progress ${i} of the flood, nothing to see`);
  }
  return `${out.join("\n")}\n`;
}

describe("TrialOutput", () => {
  it("reads at most its budget per read, and in the end everything", () => {
    const dir = trialDirectory();
    writeFileSync(join(dir, "stdout.log"), output(50_000, rng(1)));
    const budgetBytes = 30_000;
    const reader = new TrialOutput(dir, { budgetBytes });
    const oneDir = trialDirectory();
    writeFileSync(join(oneDir, "stdout.log"), output(50_000, rng(1)));
    const one = new TrialOutput(oneDir);
    let reads = 0;
    const all: MetricPoint[] = [];
    for (;;) {
      const points = reader.read();
      reads++;
      // Lines of at least 6 bytes, a third of the budget per file.
      expect(points.length).toBeLessThanOrEqual(budgetBytes / 3 / 6 + 1);
      if (points.length === 0) break;
      all.push(...points);
    }
    all.push(...reader.finish());
    expect(reads).toBeGreaterThan(20);
    // The same as one unbounded parse of the file.
    expect(all).toEqual(one.finish());
  });

  it("workers taking over at random moments, from output.json, give the points and steps one reader would", () => {
    const random = rng(5);
    const text = output(20_000, rng(9));
    const reference = (() => {
      const dir = trialDirectory();
      writeFileSync(join(dir, "stdout.log"), text);
      return new TrialOutput(dir).finish();
    })();
    for (let round = 0; round < 25; round++) {
      const dir = trialDirectory();
      const log = join(dir, "stdout.log");
      writeFileSync(log, "");
      // The store: points by (metric, step), as the real one keeps them.
      const store = new Map<string, MetricPoint>();
      let written = 0;
      let reader = new TrialOutput(dir, { budgetBytes: 4_096 + Math.floor(random() * 20_000) });
      let takeovers = 0;
      for (;;) {
        // The trial writes on (in pieces that end anywhere, mid-line too).
        if (written < text.length) {
          const n = Math.min(text.length - written, Math.floor(random() * 30_000));
          appendFileSync(log, text.slice(written, written + n));
          written += n;
        }
        const done = written >= text.length && random() < 0.3;
        const points = done ? reader.finish() : reader.read();
        // A worker stores each batch; some die just before, some just after (not the last one,
        // whose trial has ended: its worker stores it with the trial's result).
        const dies = !done && random() < 0.15;
        if (!(dies && random() < 0.5)) for (const p of points) store.set(key(p), p);
        if (done) break;
        if (dies) {
          takeovers++;
          recordFault("worker replaced mid-read (output.json takeover)");
          reader = new TrialOutput(dir, { budgetBytes: 4_096 + Math.floor(random() * 20_000) });
          expect(reader.resumed || takeovers > 0).toBe(true);
          reader.alreadyStored([...store.values()]);
        }
      }
      const got = [...store.values()].sort((a, b) => key(a).localeCompare(key(b)));
      const want = [...reference].sort((a, b) => key(a).localeCompare(key(b)));
      expect(got).toEqual(want);
    }
  });

  it("goes on from where it was when its log is cut, reading no line twice", () => {
    const dir = trialDirectory();
    const log = join(dir, "stdout.log");
    writeFileSync(log, "");
    const fd = openSync(log, "a");
    const cap = new LogCap(log, fd, 256 * 1024);
    // Slower than the trial: it reads 8 kB of its log per read, the trial writes 30 kB meanwhile.
    const reader = new TrialOutput(dir, { budgetBytes: 24 * 1024 });
    const points: MetricPoint[] = [];
    recordFault("a log cut by its cap while the worker reads it");
    for (let i = 0; i < 4_000; i++) {
      let chunk = "";
      for (let j = 0; j < 50; j++) chunk += `loss=${i * 50 + j}\n`;
      appendFileSync(log, chunk);
      if (i % 7 === 0) cap.check();
      if (i % 50 === 0) points.push(...reader.read());
    }
    points.push(...reader.finish());
    cap.close();
    closeSync(fd);
    // Values in order, steps 0, 1, 2, ... with no step given twice: nothing was read twice, and
    // what the cap left out is simply absent.
    const values = points.map((p) => p.value);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]!);
    expect(points.map((p) => p.step)).toEqual(points.map((_, i) => i));
    expect(values.at(-1)).toBe(199_999);
    expect(values.length).toBeLessThan(150_000); // the cap cut out what it had not read yet
  });

  it("an adopting reader goes on from output.json, not from byte 0", () => {
    const dir = trialDirectory();
    writeFileSync(join(dir, "stdout.log"), output(20_000, rng(4)));
    const first = new TrialOutput(dir);
    expect(first.resumed).toBe(false);
    expect(first.read().length).toBeGreaterThan(0);
    first.read(); // the batch above is stored: output.json is written
    const second = new TrialOutput(dir);
    expect(second.resumed).toBe(true);
    const rest = second.read();
    appendFileSync(join(dir, "stdout.log"), "loss=123456\n");
    // Only what the first reader had not read yet, with the step numbering carried on.
    const all = [...rest, ...second.read(), ...second.finish()];
    expect(all.some((p) => p.value === 0)).toBe(false);
    expect(all.at(-1)).toMatchObject({ name: "loss", value: 123456 });
    const scratch = trialDirectory();
    writeFileSync(join(scratch, "stdout.log"), `${output(20_000, rng(4))}loss=123456\n`);
    expect(new TrialOutput(scratch).finish().at(-1)).toEqual(all.at(-1));
  });

  it("skips ahead when it falls too far behind, and its checkpoint is where it got to", () => {
    const dir = trialDirectory();
    writeFileSync(join(dir, "stdout.log"), output(200_000, rng(3)));
    const reader = new TrialOutput(dir, { budgetBytes: 30_000, maxLagBytes: 100_000 });
    const first = reader.read();
    // The first read starts 100 kB before the end, mid-line: its first line is skipped.
    expect(first.length).toBeGreaterThan(0);
    const rest = reader.finish();
    expect(first.length + rest.length).toBeLessThan(20_000);
    writeFileSync(join(dir, CHECKPOINT_FILE), "not json");
    expect(new TrialOutput(dir).resumed).toBe(false); // a damaged checkpoint: read from the start
  });
});
