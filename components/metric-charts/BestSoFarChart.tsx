"use client";
/**
 * Convergence: every value the optimizer learned from by trial number (faint dots, one path
 * however many) and the best value so far (a step line, by the status table's rule of best: it
 * ends on the search's best trial), so one sees at a glance whether later trials still improve.
 */
import { useMemo } from "react";
import {
  CartesianGrid,
  ComposedChart,
  Line,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { bestSoFarLine } from "../../lib/console/downsample";
import type { TrialRow } from "../../lib/console/views";
import type { Goal } from "../../lib/metrics/schema";
import { hasValue, niceTicks, sampleTrials } from "../facet-charts/facet-data";
import { DensePoints } from "../ui/DensePoints";
import { formatMetric } from "../ui/format";
import { tick } from "./step-axes";

export function BestSoFarChart({
  trials,
  goal,
  metric,
}: {
  trials: TrialRow[];
  goal: Goal;
  metric: string;
}) {
  const { line, bestTrial, dots, maxN, yTicks } = useMemo(() => {
    const finished = trials.filter(hasValue);
    const convergence = bestSoFarLine(trials, goal);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const t of finished) {
      lo = Math.min(lo, t.value);
      hi = Math.max(hi, t.value);
    }
    return {
      // The dots are drawn outside recharts' data, so the axis is told their range.
      yTicks: finished.length > 0 ? niceTicks(lo, hi) : [0, 1],
      line: convergence.points,
      bestTrial: convergence.trial,
      dots: sampleTrials(finished, goal, 2000).map((t) => ({ n: t.n, x: t.n, y: t.value })),
      maxN: trials.reduce((m, t) => Math.max(m, t.n), 1),
    };
  }, [trials, goal]);
  if (line.length === 0) return <div className="empty">No complete trial yet.</div>;
  return (
    <div
      className="chart-box tall"
      data-testid="best-so-far-chart"
      data-points={line.length}
      data-best-trial={bestTrial}
    >
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#eceef2" />
          <XAxis
            type="number"
            dataKey="n"
            domain={[1, Math.max(2, maxN)]}
            allowDecimals={false}
            tick={tick}
            tickLine={false}
            axisLine={{ stroke: "#eceef2" }}
            label={{
              value: "trial",
              position: "insideBottomRight",
              offset: -2,
              fontSize: 11,
              fill: "#8a93a3",
            }}
          />
          <YAxis
            type="number"
            domain={[yTicks[0] as number, yTicks[yTicks.length - 1] as number]}
            ticks={yTicks}
            interval={0}
            tick={tick}
            tickLine={false}
            axisLine={false}
            width={56}
            tickFormatter={(v: number) => formatMetric(v)}
          />
          <Tooltip
            isAnimationActive={false}
            formatter={(v) => [
              formatMetric(typeof v === "number" ? v : Number(v)),
              `best ${metric}`,
            ]}
            labelFormatter={(n) => `trial ${n}`}
          />
          <DensePoints points={dots} fill="#7d93d8" opacity={0.55} r={3} />
          <Line
            name="best so far"
            data={line}
            dataKey="best"
            type="stepAfter"
            stroke="#1d3fa8"
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
