import { describe, expect, it } from "vitest";
import { aggregate, finalValue, metricSeries } from "./aggregate";
import type { MetricPoint } from "./stream";

const p = (name: string, step: number, value: number): MetricPoint => ({ name, step, value });

describe("aggregate", () => {
  it("reduces a series", () => {
    const values = [3, 1, 4, 1.5];
    expect(aggregate(values, "last")).toBe(1.5);
    expect(aggregate(values, "min")).toBe(1);
    expect(aggregate(values, "max")).toBe(4);
    expect(aggregate(values, "avg")).toBeCloseTo(9.5 / 4, 15);
    expect(aggregate([-2], "max")).toBe(-2);
  });

  it("is undefined for an empty series", () => {
    for (const agg of ["last", "min", "max", "avg"] as const) {
      expect(aggregate([], agg)).toBeUndefined();
    }
  });

  it("propagates NaN wherever it stands", () => {
    for (const agg of ["min", "max", "avg"] as const) {
      expect(aggregate([1, Number.NaN, 2], agg), agg).toBeNaN();
      expect(aggregate([Number.NaN, 1], agg), agg).toBeNaN();
    }
    expect(aggregate([1, Number.NaN], "last")).toBeNaN();
    // `last` only looks at the last value.
    expect(aggregate([Number.NaN, 1], "last")).toBe(1);
  });

  it("keeps infinities", () => {
    expect(aggregate([1, Number.POSITIVE_INFINITY], "max")).toBe(Number.POSITIVE_INFINITY);
    expect(aggregate([1, Number.NEGATIVE_INFINITY], "min")).toBe(Number.NEGATIVE_INFINITY);
    expect(aggregate([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY], "avg")).toBeNaN();
  });
});

describe("metricSeries", () => {
  it("orders by step, then by arrival, and includes aliases", () => {
    const points = [
      p("keras/val_acc", 2, 0.2),
      p("keras/val_accuracy", 1, 0.1),
      p("keras/loss", 0, 9),
      p("keras/val_acc", 1, 0.15),
    ];
    expect(metricSeries(points, "keras/val_acc").map((x) => x.value)).toEqual([0.1, 0.15, 0.2]);
  });
});

describe("finalValue", () => {
  it("takes the last value by step, not by arrival", () => {
    const points = [p("loss", 2, 0.2), p("loss", 0, 1), p("loss", 1, 0.5)];
    expect(finalValue(points, "loss", "last")).toEqual({ value: 0.2 });
    expect(finalValue(points, "loss", "max")).toEqual({ value: 1 });
  });

  it("breaks step ties by arrival", () => {
    expect(finalValue([p("loss", 3, 1), p("loss", 3, 2)], "loss", "last")).toEqual({ value: 2 });
  });

  it("finds a Keras metric by either spelling", () => {
    const points = [p("keras/val_accuracy", 1, 0.6), p("keras/val_accuracy", 2, 0.7)];
    expect(finalValue(points, "keras/val_acc", "last")).toEqual({ value: 0.7 });
    expect(finalValue([p("keras/acc", 1, 0.5)], "keras/accuracy", "avg")).toEqual({ value: 0.5 });
  });

  it("names a metric that was never reported, and what was seen", () => {
    const points = [p("loss", 0, 1), p("acc", 0, 0.5), p("loss", 1, 0.9)];
    expect(finalValue(points, "keras/val_acc", "last")).toEqual({
      error: "metric keras/val_acc was never reported (saw: loss, acc)",
    });
    expect(finalValue([], "loss", "min")).toEqual({
      error: "metric loss was never reported (no metrics seen)",
    });
    const many = Array.from({ length: 25 }, (_, i) => p(`m${i}`, 0, i));
    const result = finalValue(many, "loss", "last");
    expect("error" in result && result.error).toMatch(/saw: m0, m1, .*m19, and 5 more\)$/);
  });

  it("fails a NaN or infinite value, saying at which step", () => {
    expect(finalValue([p("loss", 0, 1), p("loss", 1, Number.NaN)], "loss", "last")).toEqual({
      error: "metric loss was NaN at step 1",
    });
    expect(finalValue([p("loss", 0, Number.NaN), p("loss", 1, 2)], "loss", "min")).toEqual({
      error: "metric loss was NaN at step 0",
    });
    expect(finalValue([p("acc", 4, Number.POSITIVE_INFINITY)], "acc", "max")).toEqual({
      error: "metric acc was Infinity at step 4",
    });
    expect(
      finalValue([p("x", 0, -Number.MAX_VALUE), p("x", 1, -Number.MAX_VALUE)], "x", "avg"),
    ).toEqual({ error: "metric x was -Infinity" });
    // A NaN earlier in the series does not fail `last`.
    expect(finalValue([p("loss", 0, Number.NaN), p("loss", 1, 2)], "loss", "last")).toEqual({
      value: 2,
    });
  });
});
