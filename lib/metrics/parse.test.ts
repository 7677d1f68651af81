import { describe, expect, it } from "vitest";
import { classifyMetricLine, cleanLine, type MetricSample, parseMetricLine } from "./parse";

describe("parseMetricLine: name=value and name: value pairs", () => {
  const cases: Array<[string, MetricSample[]]> = [
    [
      "val_acc=0.82 loss=0.41",
      [
        { name: "val_acc", value: 0.82 },
        { name: "loss", value: 0.41 },
      ],
    ],
    ["loss: 0.41", [{ name: "loss", value: 0.41 }]],
    ["keras/val_acc=0.9", [{ name: "keras/val_acc", value: 0.9 }]],
    ["lr=-1e-3", [{ name: "lr", value: -0.001 }]],
    ["lr = 2E+2", [{ name: "lr", value: 200 }]],
    [
      "x=.5 y=5.",
      [
        { name: "x", value: 0.5 },
        { name: "y", value: 5 },
      ],
    ],
    [
      "a=nan b=NaN c=inf d=-inf e=+Infinity",
      [
        { name: "a", value: Number.NaN },
        { name: "b", value: Number.NaN },
        { name: "c", value: Number.POSITIVE_INFINITY },
        { name: "d", value: Number.NEGATIVE_INFINITY },
        { name: "e", value: Number.POSITIVE_INFINITY },
      ],
    ],
    [
      "loss=0.4,acc=0.9;f1=0.7|auc=0.8",
      [
        { name: "loss", value: 0.4 },
        { name: "acc", value: 0.9 },
        { name: "f1", value: 0.7 },
        { name: "auc", value: 0.8 },
      ],
    ],
    ["saved checkpoint ckpt-3 (loss=0.41)", [{ name: "loss", value: 0.41 }]],
    [
      "Epoch 3: loss: 0.4, acc: 0.9",
      [
        { name: "loss", value: 0.4 },
        { name: "acc", value: 0.9 },
      ],
    ],
    ["2024-01-01 12:00:01,123 - INFO - loss: 0.3", [{ name: "loss", value: 0.3 }]],
    ["INFO:root:loss: 0.5", [{ name: "loss", value: 0.5 }]],
    [
      "[epoch 3] train_loss: 0.31 | val_acc: 0.9",
      [
        { name: "train_loss", value: 0.31 },
        { name: "val_acc", value: 0.9 },
      ],
    ],
    // A Python dict (Hugging Face Trainer logs): a fractional epoch is not a step.
    [
      "{'loss': 0.41, 'learning_rate': 5e-05, 'epoch': 0.5}",
      [
        { name: "loss", value: 0.41 },
        { name: "learning_rate", value: 5e-5 },
      ],
    ],
  ];
  it.each(cases)("%j", (line, expected) => {
    expect(parseMetricLine(line)).toEqual(expected);
  });

  it("takes step and epoch keys as the step of the other pairs, never as metrics", () => {
    expect(parseMetricLine("step=3 a=1 b=2")).toEqual([
      { name: "a", value: 1, step: 3 },
      { name: "b", value: 2, step: 3 },
    ]);
    expect(parseMetricLine("epoch=7 loss=0.5")).toEqual([{ name: "loss", value: 0.5, step: 7 }]);
    expect(parseMetricLine("Epoch: 2, loss: 0.5")).toEqual([{ name: "loss", value: 0.5, step: 2 }]);
    // `step` outranks `epoch`, wherever they stand on the line.
    expect(parseMetricLine("epoch=1 step=40 loss=0.5")).toEqual([
      { name: "loss", value: 0.5, step: 40 },
    ]);
    expect(parseMetricLine("step=3")).toEqual([]);
    // A step that is not a non-negative integer leaves the metrics without a step.
    expect(parseMetricLine("step=-1 loss=2")).toEqual([{ name: "loss", value: 2 }]);
    expect(parseMetricLine("step=nan loss=2")).toEqual([{ name: "loss", value: 2 }]);
  });

  const prose = [
    "Error: something",
    "Error: 5 files left",
    "Exit code: 1",
    "Train loss: 0.31",
    "Listening on localhost:8080",
    "http://example.com/?a=1",
    "acc=82%",
    "took 12s, ETA: 3s",
    "12:30:45",
    "x==3",
    "loss=",
    "=0.5",
    "Epoch 3/25 done",
    "",
    "   ",
  ];
  it.each(prose)("reads no metric from prose %j", (line) => {
    expect(parseMetricLine(line)).toEqual([]);
  });

  it("keeps the valid pairs of a line that also holds prose", () => {
    expect(parseMetricLine("Error: 5 files left, loss: 0.3")).toEqual([
      { name: "loss", value: 0.3 },
    ]);
    expect(parseMetricLine("warning: acc=82% loss=0.2")).toEqual([{ name: "loss", value: 0.2 }]);
  });
});

describe("parseMetricLine: JSON lines", () => {
  it("reads every numeric field except step and timestamp-like keys", () => {
    expect(
      parseMetricLine(
        '{"val_acc": 0.82, "step": 3, "time": 1700000000, "_runtime": 4, "pid": 12, "ok": true, "tag": "x"}',
      ),
    ).toEqual([{ name: "val_acc", value: 0.82, step: 3 }]);
  });

  it("reads the name/value form", () => {
    expect(parseMetricLine('{"name": "val_acc", "value": 0.82, "step": 3}')).toEqual([
      { name: "val_acc", value: 0.82, step: 3 },
    ]);
    expect(parseMetricLine('{"metric": "loss", "value": 2}')).toEqual([{ name: "loss", value: 2 }]);
    // A name/value line whose value is not a number says nothing (and `value` is no metric).
    expect(parseMetricLine('{"name": "loss", "value": "high"}')).toEqual([]);
    expect(parseMetricLine('{"name": "bad name", "value": 1}')).toEqual([]);
  });

  it("passes over names with a NUL, another control character or a lone surrogate", () => {
    // JSON can spell any of them; PostgreSQL refuses a NUL, and the batch of points with it.
    for (const bad of ["a\\u0000b", "a\\u001bb", "a\\u007fb", "\\ud800x", "x\\udc00"]) {
      expect(parseMetricLine(`{"name": "${bad}", "value": 1}`), bad).toEqual([]);
      expect(parseMetricLine(`{"${bad}": 1, "loss": 2}`), bad).toEqual([
        { name: "loss", value: 2 },
      ]);
    }
    // A pair of surrogates is one character, and a fine name.
    expect(parseMetricLine('{"name": "acc\\ud83d\\ude00", "value": 1}')).toEqual([
      { name: "acc\u{1F600}", value: 1 },
    ]);
  });

  it("reads Python's bare NaN and Infinity, but not inside strings", () => {
    expect(parseMetricLine('{"loss": NaN, "a": Infinity, "b": -Infinity, "step": 2}')).toEqual([
      { name: "loss", value: Number.NaN, step: 2 },
      { name: "a", value: Number.POSITIVE_INFINITY, step: 2 },
      { name: "b", value: Number.NEGATIVE_INFINITY, step: 2 },
    ]);
    expect(parseMetricLine('{"name": "loss", "value": NaN}')).toEqual([
      { name: "loss", value: Number.NaN },
    ]);
    expect(parseMetricLine('{"note": "NaN \\" NaN", "x": NaN}')).toEqual([
      { name: "x", value: Number.NaN },
    ]);
    // Identifiers that merely contain NaN are not NaN.
    expect(parseMetricLine('{"x": NaNa}')).toEqual([]);
  });

  it("flattens nested objects with /", () => {
    expect(parseMetricLine('{"val": {"acc": 0.9, "f1": {"macro": 0.5}}, "epoch": 2}')).toEqual([
      { name: "val/acc", value: 0.9, step: 2 },
      { name: "val/f1/macro", value: 0.5, step: 2 },
    ]);
  });

  it("says nothing for JSON that is not an object, or holds no numbers", () => {
    expect(parseMetricLine("[1, 2, 3]")).toEqual([]);
    expect(parseMetricLine('{"loss": "0.3"}')).toEqual([]);
    expect(parseMetricLine("{}")).toEqual([]);
  });
});

describe("classifyMetricLine: Keras", () => {
  it("reads an epoch header", () => {
    expect(classifyMetricLine("Epoch 3/25")).toEqual({ kind: "epoch", epoch: 3, total: 25 });
    // ModelCheckpoint's message is not a header.
    expect(classifyMetricLine("Epoch 00003: val_acc improved from 0.5 to 0.6").kind).toBe(
      "samples",
    );
  });

  it("reads a Keras 2 final line as keras/<name>", () => {
    const line =
      "782/782 [==============================] - 12s 15ms/step - loss: 1.2345 - accuracy: 0.5678 - val_loss: 1.1 - val_accuracy: 0.6123";
    expect(classifyMetricLine(line)).toEqual({
      kind: "keras",
      final: true,
      totalKnown: true,
      samples: [
        { name: "keras/loss", value: 1.2345 },
        { name: "keras/accuracy", value: 0.5678 },
        { name: "keras/val_loss", value: 1.1 },
        { name: "keras/val_accuracy", value: 0.6123 },
      ],
    });
  });

  it("reads a Keras 3 final line, colours and all", () => {
    const line =
      "\x1b[1m782/782\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m \x1b[1m12s\x1b[0m 15ms/step - accuracy: 0.5678 - loss: 1.2345 - val_accuracy: 0.6123 - val_loss: 1.1";
    expect(parseMetricLine(line)).toEqual([
      { name: "keras/accuracy", value: 0.5678 },
      { name: "keras/loss", value: 1.2345 },
      { name: "keras/val_accuracy", value: 0.6123 },
      { name: "keras/val_loss", value: 1.1 },
    ]);
  });

  it("tells final lines from progress updates", () => {
    const final = (line: string) => {
      const c = classifyMetricLine(line);
      return c.kind === "keras" ? c.final : `not keras: ${c.kind}`;
    };
    expect(final(" 100/782 [==>......] - ETA: 10s - loss: 2.1 - accuracy: 0.2")).toBe(false);
    // Keras 2 prints N/N with an ETA before the epoch ends.
    expect(final("782/782 [==============================] - ETA: 0s - loss: 2.1")).toBe(false);
    expect(final("782/782 [==============================] - 12s 15ms/step - loss: 2.1")).toBe(
      true,
    );
    expect(final("100/782 ━━━━━━━━━━━━━━━━━━━━ 5s 8ms/step - accuracy: 0.3 - loss: 1.9")).toBe(
      false,
    );
    expect(final("782/782 ━━━━━━━━━━━━━━━━━━━━ 12s 15ms/step - loss: 1.9")).toBe(true);
    // verbose=2
    expect(final("782/782 - 12s - 15ms/step - loss: 1.2 - val_loss: 1.3")).toBe(true);
    expect(final(" - 12s - loss: 1.2 - acc: 0.5 - val_loss: 1.1 - val_acc: 0.6")).toBe(true);
    // Unknown total: never known final.
    const unknown = classifyMetricLine("    782/Unknown - 12s 15ms/step - loss: 1.2");
    expect(unknown).toMatchObject({ kind: "keras", final: false, totalKnown: false });
    // A fraction followed by pairs of another format is not Keras.
    expect(final("3/4 done loss=0.3")).toBe("not keras: samples");
    expect(parseMetricLine("3/4 done loss=0.3")).toEqual([{ name: "loss", value: 0.3 }]);
  });

  it("never reads a Keras progress line as plain pairs", () => {
    expect(parseMetricLine(" 100/782 [==>......] - ETA: 10s - loss: 2.1")).toEqual([]);
  });
});

describe("cleanLine", () => {
  it("removes terminal escapes and control characters", () => {
    expect(cleanLine("\b\b\b\x1b[1mloss\x1b[0m=\x1b]0;title\x07 1\x00")).toBe("loss= 1");
    expect(cleanLine("a\tb")).toBe("a b");
  });
});
