import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createMetricParser, DEFAULT_MAX_LINE_BYTES, type MetricPoint } from "./stream";

function parseAll(chunks: Array<Buffer | string>, maxLineBytes?: number): MetricPoint[] {
  const parser = createMetricParser({ maxLineBytes });
  const points = chunks.flatMap((c) => parser.push(c));
  return [...points, ...parser.end()];
}

/** What a real trial's output looks like: several formats, \r redraws, colours, UTF-8. */
const RECORDED = Buffer.concat([
  Buffer.from("Using TensorFlow backend — données prêtes ✓ 🚀\n"),
  Buffer.from("Epoch 1/2\n"),
  Buffer.from("  1/3 [=========>....................] - ETA: 2s - loss: 2.3000 - acc: 0.1000\r"),
  Buffer.from("  2/3 [===================>..........] - ETA: 1s - loss: 2.2000 - acc: 0.1500\r"),
  Buffer.from("3/3 [==============================] - 3s 1s/step - loss: 2.1000 - acc: 0.2000"),
  Buffer.from(" - val_loss: 2.0500 - val_acc: 0.2500\n"),
  Buffer.from("Epoch 2/2\r\n"),
  Buffer.from(
    "\x1b[1m1/3\x1b[0m \x1b[32m━━━━━━\x1b[0m\x1b[37m━━━━━━━━━━━━━━\x1b[0m \x1b[1m2s\x1b[0m 1s/step - acc: 0.3 - loss: 1.9\r",
  ),
  Buffer.from(
    "\x1b[1m3/3\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m \x1b[1m3s\x1b[0m 1s/step - acc: 0.4 - loss: 1.8 - val_acc: 0.45 - val_loss: 1.75\n",
  ),
  Buffer.from('{"test_acc": 0.44, "step": 9}\r\n'),
  Buffer.from([0xff, 0xfe, 0x0a]), // invalid UTF-8 on its own line
  Buffer.from("naïve=1 loss=0.5 ok=NaN\n"),
  Buffer.from("Error: nothing here\n"),
  Buffer.from("loss=0.25"), // unterminated last line
]);

const RECORDED_POINTS: MetricPoint[] = [
  { name: "keras/loss", step: 1, value: 2.1 },
  { name: "keras/acc", step: 1, value: 0.2 },
  { name: "keras/val_loss", step: 1, value: 2.05 },
  { name: "keras/val_acc", step: 1, value: 0.25 },
  { name: "keras/acc", step: 2, value: 0.4 },
  { name: "keras/loss", step: 2, value: 1.8 },
  { name: "keras/val_acc", step: 2, value: 0.45 },
  { name: "keras/val_loss", step: 2, value: 1.75 },
  { name: "test_acc", step: 9, value: 0.44 },
  // `naïve` is not a metric name the pair reader knows (ASCII names only), so it is skipped.
  { name: "loss", step: 0, value: 0.5 },
  { name: "ok", step: 0, value: Number.NaN },
  { name: "loss", step: 1, value: 0.25 },
];

describe("createMetricParser", () => {
  it("reads a recorded stream of every format", () => {
    expect(parseAll([RECORDED])).toEqual(RECORDED_POINTS);
  });

  it("gives the same points wherever the stream is cut into two chunks", () => {
    for (let cut = 0; cut <= RECORDED.length; cut++) {
      const points = parseAll([RECORDED.subarray(0, cut), RECORDED.subarray(cut)]);
      expect(points, `cut at byte ${cut}`).toEqual(RECORDED_POINTS);
    }
  });

  it("gives the same points when fed one byte at a time", () => {
    const bytes = [...RECORDED].map((b) => Buffer.from([b]));
    expect(parseAll(bytes)).toEqual(RECORDED_POINTS);
  });

  it("accepts strings as well as bytes", () => {
    expect(parseAll(["loss=1\nlo", "ss=2\n"])).toEqual([
      { name: "loss", step: 0, value: 1 },
      { name: "loss", step: 1, value: 2 },
    ]);
  });

  it("does not keep a reference to the caller's buffer", () => {
    const parser = createMetricParser();
    const chunk = Buffer.from("loss=1");
    expect(parser.push(chunk)).toEqual([]);
    chunk.write("xxxxxx");
    expect(parser.push("\n")).toEqual([{ name: "loss", step: 0, value: 1 }]);
  });

  it("numbers steps per metric, continuing after explicit steps", () => {
    expect(parseAll(["a=1\nb=1\na=2\nstep=10 a=3\na=4\nstep=2 a=5\na=6\n"])).toEqual([
      { name: "a", step: 0, value: 1 },
      { name: "b", step: 0, value: 1 },
      { name: "a", step: 1, value: 2 },
      { name: "a", step: 10, value: 3 },
      { name: "a", step: 11, value: 4 },
      { name: "a", step: 2, value: 5 },
      // Never behind a step already given to the metric.
      { name: "a", step: 12, value: 6 },
    ]);
  });

  it("decodes invalid and cut UTF-8 without crashing", () => {
    const points = parseAll([
      Buffer.from([0xc3]), // first half of "é"...
      Buffer.from("\nloss=1 "),
      Buffer.from([0xe2, 0x94]), // ...and two thirds of "━", then the line ends
      Buffer.from("\n"),
      Buffer.from([0xf0, 0x9f, 0x9a]), // a cut emoji at the very end
    ]);
    expect(points).toEqual([{ name: "loss", step: 0, value: 1 }]);
  });

  describe("over-long lines", () => {
    const before = "loss=1\n";
    const after = "loss=2\nacc=0.5";
    const expected = [
      { name: "loss", step: 0, value: 1 },
      { name: "loss", step: 1, value: 2 },
      { name: "acc", step: 0, value: 0.5 },
    ];
    // A 10 MB line that would parse as a metric if it were read.
    const huge = `big=1 ${"x".repeat(10 * 1024 * 1024)}`;

    it("skips a 10 MB line in one chunk and keeps the lines around it", () => {
      const parser = createMetricParser();
      const points = [...parser.push(`${before}${huge}\n${after}`), ...parser.end()];
      expect(points).toEqual(expected);
      expect(parser.stats.skippedLongLines).toBe(1);
    });

    it("skips a 10 MB line arriving in 64 KiB chunks", () => {
      const stream = Buffer.from(`${before}${huge}\r${after}`);
      const chunks: Buffer[] = [];
      for (let i = 0; i < stream.length; i += 65536) chunks.push(stream.subarray(i, i + 65536));
      const parser = createMetricParser();
      const points = [...chunks.flatMap((c) => parser.push(c)), ...parser.end()];
      expect(points).toEqual(expected);
      expect(parser.stats.skippedLongLines).toBe(1);
    });

    it("keeps a line of exactly the limit and skips one byte more", () => {
      const exact = (n: number) => `a=1 ${"y".repeat(n - 4)}`;
      expect(Buffer.byteLength(exact(100))).toBe(100);
      expect(parseAll([`${exact(100)}\n`], 100)).toEqual([{ name: "a", step: 0, value: 1 }]);
      expect(parseAll([`${exact(101)}\nb=2\n`], 100)).toEqual([{ name: "b", step: 0, value: 2 }]);
      // The same, split across chunks, and as an unterminated last line.
      expect(parseAll([exact(101).slice(0, 50), exact(101).slice(50), "\nb=2\n"], 100)).toEqual([
        { name: "b", step: 0, value: 2 },
      ]);
      expect(parseAll(["b=2\n", exact(101)], 100)).toEqual([{ name: "b", step: 0, value: 2 }]);
    });

    it("defaults to 64 KiB", () => {
      expect(DEFAULT_MAX_LINE_BYTES).toBe(65536);
      const line = (n: number) => `a=1 ${"y".repeat(n - 4)}\n`;
      expect(parseAll([line(65536)])).toHaveLength(1);
      expect(parseAll([line(65537)])).toHaveLength(0);
    });
  });

  describe("Keras", () => {
    it("records only the final line of each epoch, with the epoch as step", () => {
      const out = [
        "Epoch 1/2",
        " 1/2 [==============>...............] - ETA: 1s - loss: 9.0",
        "2/2 [==============================] - 1s 1ms/step - loss: 5.0 - val_loss: 6.0",
        "Epoch 2/2",
        " 1/2 [==============>...............] - ETA: 1s - loss: 8.0",
        "2/2 [==============================] - 1s 1ms/step - loss: 4.0 - val_loss: 5.0",
        "",
      ].join("\r");
      expect(parseAll([out])).toEqual([
        { name: "keras/loss", step: 1, value: 5 },
        { name: "keras/val_loss", step: 1, value: 6 },
        { name: "keras/loss", step: 2, value: 4 },
        { name: "keras/val_loss", step: 2, value: 5 },
      ]);
    });

    it("records a metric once per epoch when the final line comes twice", () => {
      // Keras prints N/N at the last batch, then N/N again with validation metrics.
      const out = [
        "Epoch 1/1",
        "3/3 ━━━━━━━━━━━━━━━━━━━━ 0s 1ms/step - accuracy: 0.5 - loss: 1.0",
        "3/3 ━━━━━━━━━━━━━━━━━━━━ 1s 2ms/step - accuracy: 0.5 - loss: 1.0 - val_accuracy: 0.4 - val_loss: 1.2",
        // evaluate() after fit prints the same names: not a second value for epoch 1.
        "2/2 ━━━━━━━━━━━━━━━━━━━━ 0s 1ms/step - accuracy: 0.45 - loss: 1.1",
        "",
      ].join("\n");
      expect(parseAll([out])).toEqual([
        { name: "keras/accuracy", step: 1, value: 0.5 },
        { name: "keras/loss", step: 1, value: 1 },
        { name: "keras/val_accuracy", step: 1, value: 0.4 },
        { name: "keras/val_loss", step: 1, value: 1.2 },
      ]);
    });

    it("keeps the latest line of an epoch with an unknown total", () => {
      const out = [
        "Epoch 1/2",
        "      1/Unknown 1s 1s/step - loss: 3.0",
        "      5/Unknown 2s 1s/step - loss: 2.0",
        "Epoch 2/2",
        "      5/Unknown 2s 1s/step - loss: 1.0",
      ].join("\n");
      const parser = createMetricParser();
      // Not recorded until the epoch is known to be over.
      expect(parser.push(`${out}\n`)).toEqual([{ name: "keras/loss", step: 1, value: 2 }]);
      expect(parser.end()).toEqual([{ name: "keras/loss", step: 2, value: 1 }]);
    });

    it("gives automatic steps to progress lines outside fit", () => {
      const line = "2/2 [==============================] - 0s 1ms/step - loss: 1.5\n";
      expect(parseAll([line, line])).toEqual([
        { name: "keras/loss", step: 0, value: 1.5 },
        { name: "keras/loss", step: 1, value: 1.5 },
      ]);
    });
  });

  describe("tailing a growing metrics file", () => {
    const dir = mkdtempSync(join(tmpdir(), "hyperbayes-metrics-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("reads new bytes as they are appended, including half-written lines", () => {
      const file = join(dir, "metrics.jsonl");
      const writer = openSync(file, "a");
      const reader = openSync(file, "r");
      const parser = createMetricParser();
      let offset = 0;
      const readNew = (): MetricPoint[] => {
        const buf = Buffer.alloc(64);
        const points: MetricPoint[] = [];
        for (let n = readSync(reader, buf, 0, buf.length, offset); n > 0; ) {
          offset += n;
          points.push(...parser.push(buf.subarray(0, n)));
          n = readSync(reader, buf, 0, buf.length, offset);
        }
        return points;
      };
      try {
        writeSync(writer, '{"loss": 0.9, "step": 1}\n{"loss": 0.');
        expect(readNew()).toEqual([{ name: "loss", step: 1, value: 0.9 }]);
        writeSync(writer, '7, "step": 2}\n');
        expect(readNew()).toEqual([{ name: "loss", step: 2, value: 0.7 }]);
        writeSync(writer, `{"name": "loss", "value": NaN, "step": 3}\n{"acc": 1}`);
        expect(readNew()).toEqual([{ name: "loss", step: 3, value: Number.NaN }]);
        expect(parser.end()).toEqual([{ name: "acc", step: 0, value: 1 }]);
      } finally {
        closeSync(writer);
        closeSync(reader);
      }
    });
  });
});

describe("bounded parsing", () => {
  // A seeded generator: these tests draw random streams.
  const rng = (seed: number) => () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };

  it("passes over lines without = : { / unread, and none of them could have held a metric", async () => {
    const { classifyMetricLine } = await import("./parse");
    const random = rng(7);
    // Every printable ASCII byte but the four, plus tabs, escapes and multi-byte characters.
    const alphabet = [
      ..." !\"#$%&'()*+,-.0123456789;<>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz|}~",
    ].concat(["\t", "\x1b[0m", "é", "━", "Epoch", "loss", "nan", "1e-3"]);
    for (let i = 0; i < 5_000; i++) {
      let line = "";
      const n = Math.floor(random() * 40);
      for (let j = 0; j < n; j++) line += alphabet[Math.floor(random() * alphabet.length)];
      const parsed = classifyMetricLine(line);
      expect({ line, parsed }).toEqual({ line, parsed: { kind: "samples", samples: [] } });
    }
    const parser = createMetricParser();
    expect(parser.push("loss 0.5 here\nEpoch 3 of 5\nstep 12 ok\nloss=0.5\n")).toEqual([
      { name: "loss", step: 0, value: 0.5 },
    ]);
    expect(parser.stats.lines).toBe(4);
  });

  it("a parser resumed from a snapshot, fed from pendingBytes back, gives what one parser would", () => {
    const random = rng(11);
    const stream = Buffer.concat([
      RECORDED,
      Buffer.from("\nloss=0.1\nloss=0.2 step=7\nloss=0.3\nacc: 0.9\n"),
      Buffer.from("Epoch 1/3\n782/Unknown - loss: 0.7\n782/Unknown - loss: 0.6\nEpoch 2/3\n"),
      Buffer.from(`${"y".repeat(70_000)}\nloss=0.05\n`),
    ]);
    const whole = parseAll([stream]);
    for (let trial = 0; trial < 200; trial++) {
      const a = createMetricParser();
      const at = Math.floor(random() * stream.length);
      const first: MetricPoint[] = [];
      for (let o = 0; o < at; o += 977)
        first.push(...a.push(stream.subarray(o, Math.min(at, o + 977))));
      const state = JSON.parse(JSON.stringify(a.snapshot()));
      const b = createMetricParser({ state });
      const rest = [...b.push(stream.subarray(at - a.pendingBytes)), ...b.end()];
      expect([...first, ...rest]).toEqual(whole);
    }
  });

  it("cut() drops the half-read line, and with midLine also the start of the next chunk's line", () => {
    const p = createMetricParser();
    expect(p.push("loss=0.5\nloss=0.")).toEqual([{ name: "loss", step: 0, value: 0.5 }]);
    p.cut(false);
    expect(p.pendingBytes).toBe(0);
    // Without the cut, "loss=0." + "9\n" would have been read as 0.9.
    expect(p.push("acc=1\n")).toEqual([{ name: "acc", step: 0, value: 1 }]);
    p.cut(true);
    expect(p.push("ss=0.7\nloss=0.25\n")).toEqual([{ name: "loss", step: 1, value: 0.25 }]);
  });
});
