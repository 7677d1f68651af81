"use client";
/**
 * Metric curves over steps: one line per series (a trial's metric), drawn as plain SVG on the
 * console's plot frame (components/ui/plot), with a legend under the plot and, on hover, the
 * step under the pointer with every series' value at it. The one way curves are drawn: the
 * search page's best and running trials, the compare panel, a trial's own metrics. A value of
 * null breaks its line (a step the trial did not report).
 *
 * Glossary: a series is one line; its steps and values run side by side (a `Curve`'s).
 */
import { useMemo, useState } from "react";
import { niceTicks } from "../facet-charts/facet-data";
import { formatMetric } from "../ui/format";
import { type AxisSpec, PLOT_COLORS, Plot, PointerArea, usePlot } from "../ui/plot/Plot";

export interface StepSeries {
  /** Unique among the series drawn (React's key). */
  key: string;
  /** The trial, for its class name `curve-trial-N` (tests and styles find a trial's line). */
  trial: number;
  label: string;
  steps: readonly number[];
  values: readonly (number | null)[];
  colour: string;
  width: number;
  opacity?: number;
  dash?: string;
}

const MARGIN = { top: 8, right: 16, bottom: 30, left: 56 };

/** The step under the pointer and where it is in the SVG. */
interface Hovered {
  step: number;
  left: number;
}

export function StepCurves({
  series,
  height,
  dots = false,
  legend = true,
}: {
  series: readonly StepSeries[];
  height: number;
  /** A dot at every point (a short curve reads better with them). */
  dots?: boolean;
  legend?: boolean;
}) {
  const [hovered, setHovered] = useState<Hovered | undefined>();
  const axes = useMemo(() => axesOf(series), [series]);
  if (!axes) return <div className="empty">No metric points yet.</div>;
  return (
    <div className="step-curves">
      <div style={{ position: "relative" }}>
        <Plot
          label={series.map((s) => s.label).join(", ")}
          height={height}
          margin={MARGIN}
          x={axes.x}
          y={axes.y}
        >
          {series.map((s) => (
            <SeriesLine key={s.key} series={s} dots={dots} />
          ))}
          <HoverLayer steps={axes.steps} hovered={hovered} onHover={setHovered} />
        </Plot>
        {hovered ? (
          <div className="chart-tip-float" style={{ left: hovered.left + 12, top: MARGIN.top + 4 }}>
            <StepTip series={series} step={hovered.step} />
          </div>
        ) : null}
      </div>
      {legend ? (
        <ul className="curve-legend">
          {series.map((s) => (
            <li key={s.key}>
              <i
                style={{ borderTopColor: s.colour, borderTopStyle: s.dash ? "dashed" : "solid" }}
              />
              {s.label}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** The axes for all the series: steps from the first to the last, values on round ticks. */
function axesOf(
  series: readonly StepSeries[],
): { x: AxisSpec; y: AxisSpec; steps: number[] } | undefined {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  const steps = new Set<number>();
  for (const s of series)
    s.steps.forEach((step, i) => {
      const v = s.values[i];
      if (v === null || v === undefined || !Number.isFinite(v)) return;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      steps.add(step);
    });
  if (steps.size === 0) return undefined;
  const sorted = [...steps].sort((a, b) => a - b);
  const first = sorted[0] as number;
  const last = sorted[sorted.length - 1] as number;
  const xTicks = niceTicks(first, last).filter((t) => Number.isInteger(t));
  const yTicks = niceTicks(lo, hi);
  return {
    x: {
      domain: [first, last > first ? last : first + 1],
      ticks: xTicks,
      format: (v) => String(v),
    },
    y: {
      domain: [yTicks[0] as number, yTicks[yTicks.length - 1] as number],
      ticks: yTicks,
      format: formatMetric,
    },
    steps: sorted,
  };
}

function SeriesLine({ series, dots }: { series: StepSeries; dots: boolean }) {
  const { x, y } = usePlot();
  const { line, points } = useMemo(() => {
    let line = "";
    let points = "";
    let open = false;
    const r = 2.5;
    series.steps.forEach((step, i) => {
      const v = series.values[i];
      const px = x(step);
      const py = v === null || v === undefined ? Number.NaN : y(v);
      if (!Number.isFinite(px) || !Number.isFinite(py)) {
        open = false;
        return;
      }
      line += `${open ? "L" : "M"}${px},${py}`;
      open = true;
      if (dots) points += `M${px - r},${py}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`;
    });
    return { line, points };
  }, [series, dots, x, y]);
  return (
    <g className={`curve-trial-${series.trial}`} pointerEvents="none">
      <path
        className="curve-line"
        d={line}
        fill="none"
        stroke={series.colour}
        strokeWidth={series.width}
        strokeOpacity={series.opacity ?? 1}
        strokeDasharray={series.dash}
        strokeLinejoin="round"
      />
      {points ? <path d={points} fill={series.colour} stroke="none" /> : null}
    </g>
  );
}

/** Finds the step nearest the pointer and draws a cursor at it. */
function HoverLayer({
  steps,
  hovered,
  onHover,
}: {
  steps: readonly number[];
  hovered: Hovered | undefined;
  onHover: (h: Hovered | undefined) => void;
}) {
  const { x, area } = usePlot();
  const nearest = (at: number): number => {
    let lo = 0;
    let hi = steps.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((steps[mid] as number) < at) lo = mid + 1;
      else hi = mid;
    }
    const after = steps[lo] as number;
    const before = steps[Math.max(0, lo - 1)] as number;
    return Math.abs(before - at) <= Math.abs(after - at) ? before : after;
  };
  return (
    <g>
      {hovered ? (
        <path
          d={`M${hovered.left},${area.y}V${area.y + area.height}`}
          stroke={PLOT_COLORS.axis}
          strokeDasharray="3 3"
          pointerEvents="none"
        />
      ) : null}
      <PointerArea
        onPointer={(at) => {
          if (!at) return onHover(undefined);
          const step = nearest(x.invert(at.x));
          onHover({ step, left: x(step) });
        }}
      />
    </g>
  );
}

/** Every series' value at one step (those that have one). */
function StepTip({ series, step }: { series: readonly StepSeries[]; step: number }) {
  const rows = series.flatMap((s) => {
    const i = s.steps.indexOf(step);
    const v = i < 0 ? null : s.values[i];
    return v === null || v === undefined ? [] : [{ s, v }];
  });
  return (
    <div className="chart-tip">
      <div className="t">step {step}</div>
      <dl>
        {rows.map(({ s, v }) => (
          <StepRow key={s.key} label={s.label} colour={s.colour} value={v} />
        ))}
      </dl>
    </div>
  );
}

function StepRow({ label, colour, value }: { label: string; colour: string; value: number }) {
  return (
    <>
      <dt style={{ color: colour }}>{label}</dt>
      <dd>{formatMetric(value)}</dd>
    </>
  );
}
