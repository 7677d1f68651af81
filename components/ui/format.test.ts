import { describe, expect, it } from "vitest";
import { formatDuration, formatMetric, formatParam, formatTime } from "./format";

describe("format", () => {
  it("shows metrics to five significant digits, exponents only at the extremes", () => {
    expect(formatMetric(0.41074405)).toBe("0.41074");
    expect(formatMetric(123456.7)).toBe("123460");
    expect(formatMetric(1e-5)).toBe("1e-5");
    expect(formatMetric(6.62114e-5)).toBe("6.6211e-5");
    expect(formatMetric(2.5e7)).toBe("2.5e+7");
    expect(formatMetric(null)).toBe("—");
    expect(formatMetric(Number.NaN)).toBe("NaN");
  });

  it("shows int parameters as integers and choices as given", () => {
    expect(
      formatParam(64, { kind: "range", name: "n", min: 1, max: 100, scale: "linear", type: "int" }),
    ).toBe("64");
    expect(formatParam(3, { kind: "choice", name: "c", values: [3, "a"] })).toBe("3");
    expect(formatParam("adam")).toBe("adam");
  });

  it("shows durations at a useful grain", () => {
    expect(formatDuration(1500)).toBe("1.5s");
    expect(formatDuration(75_000)).toBe("1m 15s");
    expect(formatDuration(3_725_000)).toBe("1h 02m");
    expect(formatDuration(null)).toBe("—");
  });

  it("writes times in the local zone, or in UTC the same everywhere", () => {
    const ms = Date.UTC(2026, 11, 2, 23, 5, 9);
    expect(formatTime(ms, "utc")).toBe("2026-12-02 23:05:09 UTC");
    const d = new Date(ms);
    const pad = (n: number) => String(n).padStart(2, "0");
    expect(formatTime(ms)).toBe(
      `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`,
    );
    expect(formatTime(null)).toBe("—");
  });
});
