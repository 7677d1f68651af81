/**
 * The lines training frameworks print, read with the framework's own step. XGBoost's are the
 * library's real output (Debian's python3-xgboost): a committed capture, and, where XGBoost is
 * installed, a fresh one, each held against the numbers XGBoost itself recorded. LightGBM and
 * PyTorch Lightning are not in Debian: their lines are written as their sources format them
 * (LightGBM's `callback._format_eval_result` and `log_evaluation`, 2.x to 4.x; Lightning 2's
 * TQDMProgressBar, which draws tqdm's `{desc}: {percentage}%|{bar}| {n}/{total} [{elapsed}<
 * {remaining}, {rate}{postfix}]` with `desc` = `Epoch {current_epoch}`).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { finalValue } from "./aggregate";
import { classifyMetricLine, parseMetricLine } from "./parse";
import { createMetricParser, type MetricPoint } from "./stream";

const FIXTURES = join(import.meta.dirname, "fixtures");

function parseAll(chunks: string[]): MetricPoint[] {
  const parser = createMetricParser();
  return [...chunks.flatMap((c) => parser.push(c)), ...parser.end()];
}

/** Each metric's series as [step, value] pairs, in the order read. */
function series(points: MetricPoint[]): Record<string, Array<[number, number]>> {
  const out: Record<string, Array<[number, number]>> = {};
  for (const p of points) {
    out[p.name] ??= [];
    out[p.name]!.push([p.step, p.value]);
  }
  return out;
}

/** XGBoost prints `:.5f`: the parsed series must be the recorded ones to half a unit of that. */
function expectXgboostSeries(output: string, recorded: Record<string, number[]>) {
  const got = series(parseAll([output]));
  expect(Object.keys(got).sort()).toEqual(Object.keys(recorded).sort());
  for (const [name, values] of Object.entries(recorded)) {
    const points = got[name]!;
    expect(
      points.map(([step]) => step),
      name,
    ).toEqual(values.map((_, round) => round));
    for (const [round, value] of points)
      expect(Math.abs(value - values[round]!)).toBeLessThan(6e-6);
  }
}

/** The first python3 that can import `module`: the one on PATH, else Debian's. */
function pythonWith(module: string): string | undefined {
  for (const python of ["python3", "/usr/bin/python3"]) {
    const r = spawnSync(python, ["-c", `import ${module}`], { stdio: "ignore" });
    if (r.status === 0) return python;
  }
  return undefined;
}

describe("XGBoost's evaluation lines", () => {
  it("reads a round as its printed names at step N", () => {
    expect(parseMetricLine("[9]\tvalidation_0-logloss:0.1234\tvalidation_1-logloss:0.2")).toEqual([
      { name: "validation_0-logloss", value: 0.1234, step: 9 },
      { name: "validation_1-logloss", value: 0.2, step: 9 },
    ]);
    // xgb.cv: mean+std, the mean is the value; a metric with `@`; a NaN is kept to fail the trial.
    expect(parseMetricLine("[0]\ttrain-auc:0.99622+0.00250\ttest-ndcg@10:nan")).toEqual([
      { name: "train-auc", value: 0.99622, step: 0 },
      { name: "test-ndcg@10", value: Number.NaN, step: 0 },
    ]);
  });

  it("reads the committed capture as XGBoost recorded it (sklearn API, named evals, cv)", () => {
    const recorded = JSON.parse(readFileSync(join(FIXTURES, "xgboost-evals.json"), "utf8")) as {
      series: Record<string, number[]>;
    };
    const output = readFileSync(join(FIXTURES, "xgboost-output.txt"), "utf8");
    expect(output).toContain("[3]\tvalidation_0-logloss:0.19060\t");
    expectXgboostSeries(output, recorded.series);
    const points = parseAll([output]);
    expect(finalValue(points, "validation_1-logloss", "last")).toEqual({ value: 0.21943 });
    expect(finalValue(points, "test-auc", "max")).toEqual({ value: 0.971 });
  });

  const python = pythonWith("xgboost");
  it.skipIf(python === undefined)(
    python
      ? `reads what the installed XGBoost prints now (${python})`
      : "reads what the installed XGBoost prints now: SKIPPED, no python3 imports xgboost (apt install python3-xgboost)",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "hb-xgboost-"));
      try {
        const json = join(dir, "evals.json");
        const run = spawnSync(python!, [join(FIXTURES, "xgboost-lines.py"), json], {
          encoding: "utf8",
          timeout: 60_000,
        });
        expect(run.status, run.stderr).toBe(0);
        const recorded = JSON.parse(readFileSync(json, "utf8")) as {
          series: Record<string, number[]>;
        };
        expectXgboostSeries(run.stdout, recorded.series);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});

describe("LightGBM's evaluation lines", () => {
  it("reads `[N]\\tdata's metric: value` as data/metric at step N", () => {
    expect(parseMetricLine("[20]\tvalid_0's binary_logloss: 0.234")).toEqual([
      { name: "valid_0/binary_logloss", value: 0.234, step: 20 },
    ]);
    // Several datasets and metrics on one line, as log_evaluation joins them with tabs.
    expect(
      parseMetricLine("[3]\ttraining's l2: 0.512\ttraining's l1: 0.6\tvalid_1's l2: 0.71"),
    ).toEqual([
      { name: "training/l2", value: 0.512, step: 3 },
      { name: "training/l1", value: 0.6, step: 3 },
      { name: "valid_1/l2", value: 0.71, step: 3 },
    ]);
  });

  it("reads every version's format: 4.x `:g`, repr floats, 2.x without a space, lgb.cv's mean + std", () => {
    expect(parseMetricLine("[5]\tvalid_0's auc: 0.912345678901")).toEqual([
      { name: "valid_0/auc", value: 0.912345678901, step: 5 },
    ]);
    expect(parseMetricLine("[5]\tvalid_0's ndcg@5:0.8\tvalid_0's l2:1e-05")).toEqual([
      { name: "valid_0/ndcg@5", value: 0.8, step: 5 },
      { name: "valid_0/l2", value: 1e-5, step: 5 },
    ]);
    expect(parseMetricLine("[7]\tcv_agg's valid binary_logloss: 0.31 + 0.012")).toEqual([
      { name: "cv_agg/valid/binary_logloss", value: 0.31, step: 7 },
    ]);
    expect(parseMetricLine("[7]\tcv_agg's binary_logloss:0.31+0.012")).toEqual([
      { name: "cv_agg/binary_logloss", value: 0.31, step: 7 },
    ]);
  });

  it("reads an early stop's best round as that round again (so `last` is the best model's)", () => {
    const points = parseAll([
      "[LightGBM] [Info] Number of positive: 212, number of negative: 357\n",
      "Training until validation scores don't improve for 2 rounds\n",
      "[1]\tvalid_0's binary_logloss: 0.5\n",
      "[2]\tvalid_0's binary_logloss: 0.4\n",
      "[3]\tvalid_0's binary_logloss: 0.45\n",
      "[4]\tvalid_0's binary_logloss: 0.47\n",
      "Early stopping, best iteration is:\n",
      "[2]\tvalid_0's binary_logloss: 0.4\n",
    ]);
    expect(series(points)).toEqual({
      "valid_0/binary_logloss": [
        [1, 0.5],
        [2, 0.4],
        [3, 0.45],
        [4, 0.47],
        [2, 0.4],
      ],
    });
    expect(finalValue(points, "valid_0/binary_logloss", "min")).toEqual({ value: 0.4 });
  });
});

describe("bracketed lines that are not boosting rounds", () => {
  it.each([
    ["[1] loss=0.3", [{ name: "loss", value: 0.3 }]],
    ["[LightGBM] [Info] Total Bins 3860", []],
    ["[12] finished: 3 files", []],
    ["[3]\ttrain-logloss:0.2\tdone", []],
    ["[2024] eval-auc: 0.9 seen", []],
  ])("%j", (line, samples) => {
    expect(parseMetricLine(line)).toEqual(samples);
  });
});

// Lightning 2's TQDMProgressBar as it draws into a pipe: `\r` before each redraw, the postfix
// with v_num and the metrics logged with prog_bar=True, validation's own bar between.
const BAR = "██████████";
const lightningRun = [
  "GPU available: False (cuda), used: False\n",
  "  | Name | Type   | Params\n",
  "0 | net  | Linear | 650   \n",
  "Sanity Checking: |          | 0/? [00:00<?, ?it/s]",
  `\rSanity Checking DataLoader 0: 100%|${BAR}| 2/2 [00:00<00:00, 150.29it/s]`,
  "\r                                                                           \r",
  "\rTraining: |          | 0/? [00:00<?, ?it/s]",
  "\rEpoch 0:   0%|          | 0/50 [00:00<?, ?it/s] ",
  "\rEpoch 0:  50%|█████     | 25/50 [00:00<00:00, 61.20it/s, v_num=0, train_loss=0.910]",
  `\rEpoch 0: 100%|${BAR}| 50/50 [00:00<00:00, 63.07it/s, v_num=0, train_loss=0.700]`,
  "\nValidation: |          | 0/? [00:00<?, ?it/s]",
  `\rValidation DataLoader 0: 100%|${BAR}| 10/10 [00:00<00:00, 158.66it/s]`,
  `\r                                                                    \r\rEpoch 0: 100%|${BAR}| 50/50 [00:00<00:00, 52.12it/s, v_num=0, train_loss=0.700, val_loss=0.650, val_acc=0.812]`,
  `\rEpoch 0: 100%|${BAR}| 50/50 [00:00<00:00, 51.63it/s, v_num=0, train_loss=0.700, val_loss=0.650, val_acc=0.812]`,
  "\rEpoch 0:   0%|          | 0/50 [00:00<?, ?it/s, v_num=0, train_loss=0.700, val_loss=0.650, val_acc=0.812]        ",
  "\rEpoch 1:   0%|          | 0/50 [00:00<?, ?it/s, v_num=0, train_loss=0.700, val_loss=0.650, val_acc=0.812]",
  "\rEpoch 1:  50%|█████     | 25/50 [00:00<00:00, 60.99it/s, v_num=0, train_loss=0.420, val_loss=0.650, val_acc=0.812]",
  `\rEpoch 1: 100%|${BAR}| 50/50 [00:00<00:00, 62.50it/s, v_num=0, train_loss=0.380, val_loss=0.650, val_acc=0.812]`,
  `\nValidation DataLoader 0: 100%|${BAR}| 10/10 [00:00<00:00, 160.10it/s]`,
  `\r\rEpoch 1: 100%|${BAR}| 50/50 [00:00<00:00, 50.01it/s, v_num=0, train_loss=0.380, val_loss=0.410, val_acc=0.897]`,
  "\n`Trainer.fit` stopped: `max_epochs=2` reached.\n",
];

describe("PyTorch Lightning's progress bar", () => {
  it("classifies an epoch's bar by its epoch, without v_num and the batch counter", () => {
    expect(
      classifyMetricLine(
        "Epoch 3: 100%|██████████| 50/50 [00:01<00:00, 30.1it/s, v_num=0, val_loss=0.123, train_loss=0.2]",
      ),
    ).toEqual({
      kind: "progress",
      epoch: 3,
      samples: [
        { name: "val_loss", value: 0.123 },
        { name: "train_loss", value: 0.2 },
      ],
    });
    // An iterable dataset: no total, no percentage; a custom description `Epoch 3/9`.
    expect(classifyMetricLine("Epoch 4: 50it [00:01, 30.10it/s, v_num=3, loss=1.23e-5]")).toEqual({
      kind: "progress",
      epoch: 4,
      samples: [{ name: "loss", value: 1.23e-5 }],
    });
    expect(
      classifyMetricLine("Epoch 3/9:  40%|████      | 2/5 [00:00<00:00, val_loss=0.5]"),
    ).toEqual({ kind: "progress", epoch: 3, samples: [{ name: "val_loss", value: 0.5 }] });
    expect(classifyMetricLine("Epoch 3: finished, loss=0.2").kind).toBe("samples");
  });

  it("records each epoch's latest values once, at the epoch, from hundreds of redraws", () => {
    const points = parseAll(lightningRun);
    expect(series(points)).toEqual({
      train_loss: [
        [0, 0.7],
        [1, 0.38],
      ],
      val_loss: [
        [0, 0.65],
        [1, 0.41],
      ],
      val_acc: [
        [0, 0.812],
        [1, 0.897],
      ],
    });
    expect(finalValue(points, "val_loss", "last")).toEqual({ value: 0.41 });
  });

  it("gives the same points whatever the chunks, and across a snapshot taken mid-epoch", () => {
    const text = lightningRun.join("");
    const whole = parseAll([text]);
    for (const size of [1, 7, 64, 333]) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      expect(parseAll(chunks)).toEqual(whole);
    }
    // A reader that takes over after the first epoch's validation, before epoch 1's first line.
    const bytes = Buffer.from(text);
    const cut = Buffer.byteLength(text.slice(0, text.indexOf("\rEpoch 1:   0%")));
    const first = createMetricParser();
    const before = first.push(bytes.subarray(0, cut));
    const state = JSON.parse(JSON.stringify(first.snapshot()));
    expect(state.pendingProgress.epoch).toBe(0);
    // As workers/tail resumes: from the start of the line the first reader had not finished.
    const second = createMetricParser({ state });
    const after = [...second.push(bytes.subarray(cut - first.pendingBytes)), ...second.end()];
    expect([...before, ...after]).toEqual(whole);
  });
});
