"use client";
/**
 * Convergence: every value the optimizer learned from by trial number (faint dots, one path
 * however many) and the best value so far (a step line, by the status table's rule of best: it
 * ends on the search's best trial), so one sees at a glance whether later trials still improve.
 * Hovering shows the best so far at the trial under the pointer. Plain SVG (components/ui/plot).
 */
import { useMemo, useState } from "react";
import { bestSoFarLine, observedTrials, sampleObserved } from "../../lib/console/downsample";
import type { TrialRow } from "../../lib/console/views";
import type { Goal } from "../../lib/metrics/schema";
import { niceTicks } from "../facet-charts/facet-data";
import { formatMetric } from "../ui/format";
import { type AxisSpec, PLOT_COLORS, Plot, PointerArea, usePlot } from "../ui/plot/Plot";
import { Points } from "../ui/plot/Points";

const HEIGHT = 280;
const MARGIN = { top: 8, right: 16, bottom: 34, left: 56 };
const LINE_COLOR = "#1d3fa8";

interface Step {
  n: number;
  best: number;
}

/** The step under the pointer, and where it is in the SVG's pixels. */
interface Hovered extends Step {
  left: number;
  top: number;
}

export function BestSoFarChart({
  trials,
  goal,
  metric,
}: {
  trials: TrialRow[];
  goal: Goal;
  metric: string;
}) {
  const [hovered, setHovered] = useState<Hovered | undefined>();
  const { line, bestTrial, dots, x, y } = useMemo(() => {
    const { finished } = observedTrials(trials, goal);
    const convergence = bestSoFarLine(trials, goal);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const t of finished) {
      lo = Math.min(lo, t.value);
      hi = Math.max(hi, t.value);
    }
    const yTicks = finished.length > 0 ? niceTicks(lo, hi) : [0, 1];
    const maxN = trials.reduce((m, t) => Math.max(m, t.n), 1);
    const x: AxisSpec = {
      domain: [1, Math.max(2, maxN)],
      ticks: niceTicks(1, Math.max(2, maxN)).filter((t) => Number.isInteger(t) && t >= 1),
      format: (v) => String(v),
    };
    const y: AxisSpec = {
      domain: [yTicks[0] as number, yTicks[yTicks.length - 1] as number],
      ticks: yTicks,
      format: formatMetric,
    };
    return {
      line: convergence.points,
      bestTrial: convergence.trial,
      dots: sampleObserved(trials, goal, 2000).map((t) => ({ n: t.n, x: t.n, y: t.value })),
      x,
      y,
    };
  }, [trials, goal]);
  if (line.length === 0) return <div className="empty">No complete trial yet.</div>;
  return (
    <div
      className="chart-box tall"
      data-testid="best-so-far-chart"
      data-points={line.length}
      data-best-trial={bestTrial}
      style={{ position: "relative" }}
    >
      <Plot
        label={`best ${metric} so far by trial`}
        height={HEIGHT}
        margin={MARGIN}
        x={x}
        y={y}
        xLabel="trial"
      >
        <Points points={dots} fill="#7d93d8" opacity={0.55} r={3} />
        <StepLine line={line} hovered={hovered} onHover={setHovered} />
      </Plot>
      {hovered ? (
        <div
          className="chart-tip-float"
          style={{ left: hovered.left + 12, top: Math.max(0, hovered.top - 20) }}
        >
          <div className="chart-tip">
            <div className="t">trial {hovered.n}</div>
            <dl>
              <dt>best {metric}</dt>
              <dd>{formatMetric(hovered.best)}</dd>
            </dl>
          </div>
        </div>
      ) : null}
    </div>
  );
}

/** The best so far as a step line (each value holds until the trial that improves on it). */
function StepLine({
  line,
  hovered,
  onHover,
}: {
  line: readonly Step[];
  hovered: Hovered | undefined;
  onHover: (hovered: Hovered | undefined) => void;
}) {
  const { x, y, area } = usePlot();
  const d = useMemo(() => {
    let path = "";
    for (const [i, p] of line.entries()) {
      const px = x(p.n);
      const py = y(p.best);
      path += i === 0 ? `M${px},${py}` : `H${px}V${py}`;
    }
    return path;
  }, [line, x, y]);
  // The step in force at trial n: the last point at or before it.
  const stepAt = (n: number): Hovered | undefined => {
    let lo = 0;
    let hi = line.length - 1;
    if (hi < 0 || (line[0] as Step).n > n) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((line[mid] as Step).n <= n) lo = mid;
      else hi = mid - 1;
    }
    const trial = Math.round(n);
    const best = (line[lo] as Step).best;
    return { n: trial, best, left: x(trial), top: y(best) };
  };
  return (
    <g className="best-so-far">
      <path className="best-so-far-line" d={d} fill="none" stroke={LINE_COLOR} strokeWidth={2} />
      {hovered ? (
        <g pointerEvents="none">
          <path
            d={`M${hovered.left},${area.y}V${area.y + area.height}`}
            stroke={PLOT_COLORS.axis}
            strokeDasharray="3 3"
          />
          <circle cx={hovered.left} cy={hovered.top} r={4} fill={LINE_COLOR} />
        </g>
      ) : null}
      <PointerArea onPointer={(at) => onHover(at ? stepAt(x.invert(at.x)) : undefined)} />
    </g>
  );
}
