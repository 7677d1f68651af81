import { describe, expect, it } from "vitest";
import { inferGoal, metricWords, resolveGoal } from "./goal";

describe("inferGoal", () => {
  const minimize = [
    "loss",
    "val_loss",
    "keras/val_loss",
    "test/mse",
    "error_rate",
    "err",
    "top5Error",
    "valMSE",
    "RMSE",
    "mae",
    "perplexity",
    "val-ppl",
    "wer",
    "dev.cer",
    "mean_squared_error",
    "sparse_categorical_crossentropy",
    "kl_divergence",
    "train/nll",
    "loss2",
  ];
  const maximize = [
    "accuracy",
    "keras/val_acc",
    "keras/val_accuracy",
    "f1",
    "auc",
    "reward",
    "terrible_acc",
    "lossless_ratio",
    "errand_score",
    "mser",
    "bleu",
    "career",
    "answer",
  ];
  it.each(minimize)("%s is minimized", (metric) => {
    expect(inferGoal(metric)).toBe("minimize");
  });
  it.each(maximize)("%s is maximized", (metric) => {
    expect(inferGoal(metric)).toBe("maximize");
  });

  it("cuts names into words at separators, humps and digits", () => {
    expect(metricWords("keras/val_loss")).toEqual(["keras", "val", "loss"]);
    expect(metricWords("valMSE")).toEqual(["val", "mse"]);
    expect(metricWords("HTTPError")).toEqual(["http", "error"]);
    expect(metricWords("top5Error")).toEqual(["top", "5", "error"]);
    expect(metricWords("a1b")).toEqual(["a", "1", "b"]);
  });
});

describe("resolveGoal", () => {
  it("keeps the user's goal and infers one otherwise", () => {
    expect(resolveGoal("val_loss", "maximize")).toEqual({ goal: "maximize", inferred: false });
    expect(resolveGoal("val_loss")).toEqual({ goal: "minimize", inferred: true });
    expect(resolveGoal("val_acc")).toEqual({ goal: "maximize", inferred: true });
  });
});
