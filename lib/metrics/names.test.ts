import { describe, expect, it } from "vitest";
import { isMetricName, metricAliases, sameMetric } from "./names";

describe("Keras metric aliases", () => {
  it("makes acc and accuracy one metric under keras/", () => {
    expect(sameMetric("keras/val_acc", "keras/val_accuracy")).toBe(true);
    expect(sameMetric("keras/val_accuracy", "keras/val_acc")).toBe(true);
    expect(sameMetric("keras/acc", "keras/accuracy")).toBe(true);
    expect(sameMetric("keras/dense_1_acc", "keras/dense_1_accuracy")).toBe(true);
    expect(sameMetric("keras/loss", "keras/loss")).toBe(true);
  });

  it("keeps other names apart", () => {
    expect(sameMetric("keras/val_acc", "keras/acc")).toBe(false);
    expect(sameMetric("val_acc", "val_accuracy")).toBe(false);
    expect(sameMetric("keras/val_acc", "val_acc")).toBe(false);
    expect(sameMetric("keras/top_k_acc_x", "keras/top_k_accuracy_x")).toBe(false);
    expect(sameMetric("keras/macc", "keras/maccuracy")).toBe(false);
  });

  it("lists every spelling, the given one first", () => {
    expect(metricAliases("keras/val_acc")).toEqual(["keras/val_acc", "keras/val_accuracy"]);
    expect(metricAliases("keras/val_accuracy")).toEqual(["keras/val_accuracy", "keras/val_acc"]);
    expect(metricAliases("keras/loss")).toEqual(["keras/loss"]);
    expect(metricAliases("val_acc")).toEqual(["val_acc"]);
    for (const name of ["keras/acc", "keras/accuracy", "keras/x_acc"]) {
      for (const alias of metricAliases(name)) expect(sameMetric(name, alias)).toBe(true);
    }
  });
});

describe("isMetricName", () => {
  it("follows the metric name schema", () => {
    expect(isMetricName("keras/val_acc")).toBe(true);
    expect(isMetricName("a b")).toBe(false);
    expect(isMetricName("a=b")).toBe(false);
    expect(isMetricName("")).toBe(false);
    expect(isMetricName("x".repeat(201))).toBe(false);
    expect(isMetricName("a\u0000b")).toBe(false);
    expect(isMetricName("a\u001bb")).toBe(false);
    expect(isMetricName("\ud800")).toBe(false);
    expect(isMetricName("val_accuracy\u00e9")).toBe(true);
  });
});
