/**
 * The look shared by every chart of a metric over steps (the search page's curves, a trial's
 * curves): recharts props for the step axis, the metric axis and the tooltip, spread onto the
 * components so each chart only says what differs.
 */
import { formatMetric } from "../ui/format";

export const tick = { fontSize: 11, fill: "#8a93a3" };
export const GRID_STROKE = "#eceef2";

export const stepXAxis = {
  type: "number" as const,
  dataKey: "step",
  domain: ["dataMin", "dataMax"] as [string, string],
  allowDecimals: false,
  tick,
  tickLine: false,
  axisLine: { stroke: GRID_STROKE },
};

export const metricYAxis = {
  type: "number" as const,
  domain: ["auto", "auto"] as [string, string],
  tick,
  tickLine: false,
  axisLine: false,
  width: 56,
  tickFormatter: (v: number) => formatMetric(v),
};

export const stepTooltip = {
  isAnimationActive: false,
  formatter: (v: unknown) => formatMetric(typeof v === "number" ? v : Number(v)),
  labelFormatter: (s: unknown) => `step ${String(s)}`,
};
