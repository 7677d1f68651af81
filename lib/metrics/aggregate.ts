/**
 * Aggregation: how a trial's series of one metric becomes the single value the optimizer sees.
 * `last` | `min` | `max` | `avg` over the series ordered by step, then by arrival.
 *
 * NaN propagates through every aggregate (and `last` of a series ending in NaN is NaN) so the
 * worker can fail the trial with a reason instead of feeding NaN to the Gaussian process.
 */
import { sameMetric } from "./names";
import type { MetricAgg } from "./schema";
import type { MetricPoint } from "./stream";

/** The aggregate of `values` (in series order); undefined when there are none. */
export function aggregate(values: readonly number[], agg: MetricAgg): number | undefined {
  if (values.length === 0) return undefined;
  switch (agg) {
    case "last":
      return values[values.length - 1];
    case "min":
    case "max": {
      let best = values[0]!;
      for (const v of values) {
        if (Number.isNaN(v)) return Number.NaN;
        if (agg === "min" ? v < best : v > best) best = v;
      }
      return best;
    }
    case "avg": {
      let sum = 0;
      for (const v of values) sum += v;
      return sum / values.length;
    }
  }
}

/** The points of `metric` (aliases included), ordered by step, ties kept in arrival order. */
export function metricSeries(points: readonly MetricPoint[], metric: string): MetricPoint[] {
  // Array.prototype.sort is stable, so equal steps keep their arrival order.
  return points.filter((p) => sameMetric(p.name, metric)).sort((a, b) => a.step - b.step);
}

// The names listed in a "never reported" reason; more would drown the message.
const MAX_NAMES_SHOWN = 20;

function nonFiniteWord(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  return value > 0 ? "Infinity" : "-Infinity";
}

/**
 * A trial's final value of `metric`, or why it has none: the metric was never reported, or its
 * aggregate is NaN or infinite. Never throws.
 */
export function finalValue(
  points: readonly MetricPoint[],
  metric: string,
  agg: MetricAgg,
): { value: number } | { error: string } {
  const series = metricSeries(points, metric);
  const value = aggregate(
    series.map((p) => p.value),
    agg,
  );
  if (value === undefined) {
    const seen = [...new Set(points.map((p) => p.name))];
    if (seen.length === 0)
      return { error: `metric ${metric} was never reported (no metrics seen)` };
    const shown = seen.slice(0, MAX_NAMES_SHOWN).join(", ");
    const more = seen.length > MAX_NAMES_SHOWN ? `, and ${seen.length - MAX_NAMES_SHOWN} more` : "";
    return { error: `metric ${metric} was never reported (saw: ${shown}${more})` };
  }
  if (!Number.isFinite(value)) {
    // The point to blame: the last one for `last`, else the first non-finite one.
    const culprit =
      agg === "last" ? series[series.length - 1] : series.find((p) => !Number.isFinite(p.value));
    if (!culprit) return { error: `metric ${metric} was ${nonFiniteWord(value)}` };
    return {
      error: `metric ${metric} was ${nonFiniteWord(culprit.value)} at step ${culprit.step}`,
    };
  }
  return { value };
}
