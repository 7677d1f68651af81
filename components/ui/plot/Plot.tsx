"use client";
/**
 * A chart's frame, drawn as plain SVG at its box's width: the grid at the ticks, the axes' tick
 * labels, and the plot area its children draw in with the frame's scales (`usePlot`). The
 * facet charts and the convergence chart are drawn with it: each is a few paths however many
 * trials it shows, so a search page with a dozen of them mounts in milliseconds. (A recharts
 * chart sets up a store, measures its container and text, and renders several passes on mount:
 * about 100 ms each on a 2-core machine, the larger part of a 10,000-trial page's load. See
 * docs/decisions/console.md, Scale.)
 *
 * Glossary: the area is the plot inside the margins, in the SVG's pixels; ticks are domain values.
 */
import { createContext, type MouseEvent, type ReactNode, useContext, useMemo, useRef } from "react";
import { type Scale, scaleOf } from "./scale";
import { useWidth } from "./use-width";

export const PLOT_COLORS = { grid: "#eceef2", axis: "#8a93a3" };

export interface Area {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface AxisSpec {
  domain: readonly [number, number];
  log?: boolean;
  ticks: readonly number[];
  format: (v: number) => string;
}

export interface PlotScales {
  x: Scale;
  y: Scale;
  area: Area;
}

const PlotContext = createContext<PlotScales | null>(null);

/** The scales and area of the plot being drawn (inside a <Plot>). */
export function usePlot(): PlotScales {
  const plot = useContext(PlotContext);
  if (!plot) throw new Error("usePlot outside a <Plot>");
  return plot;
}

export interface Margin {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export function Plot({
  height,
  margin,
  x,
  y,
  xLabel,
  label,
  children,
}: {
  /** What the chart shows, for a screen reader ("val_loss by lr"). */
  label: string;
  height: number;
  margin: Margin;
  x: AxisSpec;
  y: AxisSpec;
  /** A name at the x axis's right end ("trial"). */
  xLabel?: string;
  children: ReactNode;
}) {
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box, 0, 0);
  const plot = useMemo<PlotScales | null>(() => {
    const area = {
      x: margin.left,
      y: margin.top,
      width: width - margin.left - margin.right,
      height: height - margin.top - margin.bottom,
    };
    if (area.width <= 0 || area.height <= 0) return null;
    return {
      area,
      x: scaleOf(x.domain, [area.x, area.x + area.width], x.log),
      y: scaleOf(y.domain, [area.y + area.height, area.y], y.log),
    };
  }, [width, height, margin, x.domain, x.log, y.domain, y.log]);
  return (
    <div ref={box} className="plot" style={{ height }}>
      {plot ? (
        <svg width={width} height={height} role="img" aria-label={label} className="plot-svg">
          <Grid plot={plot} x={x} y={y} xLabel={xLabel} />
          <PlotContext.Provider value={plot}>{children}</PlotContext.Provider>
        </svg>
      ) : null}
    </div>
  );
}

function Grid({
  plot,
  x,
  y,
  xLabel,
}: {
  plot: PlotScales;
  x: AxisSpec;
  y: AxisSpec;
  xLabel?: string;
}) {
  const { area } = plot;
  const bottom = area.y + area.height;
  const right = area.x + area.width;
  const xs = x.ticks.map((v) => ({ v, px: plot.x(v) })).filter((t) => inside(t.px, area.x, right));
  const ys = y.ticks.map((v) => ({ v, px: plot.y(v) })).filter((t) => inside(t.px, area.y, bottom));
  let lines = `M${area.x},${area.y}H${right}V${bottom}H${area.x}Z`;
  for (const t of xs) lines += `M${t.px},${area.y}V${bottom}`;
  for (const t of ys) lines += `M${area.x},${t.px}H${right}`;
  return (
    <g className="plot-grid" pointerEvents="none">
      <path d={lines} fill="none" stroke={PLOT_COLORS.grid} />
      <g className="plot-x-ticks" fontSize={11} fill={PLOT_COLORS.axis} textAnchor="middle">
        {xs.map((t) => (
          <text key={t.v} x={t.px} y={bottom + 15}>
            {x.format(t.v)}
          </text>
        ))}
      </g>
      <g className="plot-y-ticks" fontSize={11} fill={PLOT_COLORS.axis} textAnchor="end">
        {ys.map((t) => (
          <text key={t.v} x={area.x - 6} y={t.px} dy="0.35em">
            {y.format(t.v)}
          </text>
        ))}
      </g>
      {xLabel ? (
        <text x={right} y={bottom + 28} fontSize={11} fill={PLOT_COLORS.axis} textAnchor="end">
          {xLabel}
        </text>
      ) : null}
    </g>
  );
}

/**
 * A transparent layer over the plot area that tells where the pointer is, in the SVG's pixels
 * (the scales' pixels): how a chart's hover and click find the point or step under it. A pointer
 * aid only: what a chart shows is also in the trials table, reachable by keyboard.
 */
export function PointerArea({
  onPointer,
  onPick,
  cursor,
}: {
  /** Each move over the area, and undefined when the pointer leaves it. */
  onPointer: (at: DOMPoint | undefined) => void;
  /** A click on the area. */
  onPick?: (at: DOMPoint) => void;
  cursor?: string;
}) {
  const { area } = usePlot();
  const at = (e: MouseEvent<SVGRectElement>): DOMPoint | undefined => {
    const ctm = e.currentTarget.ownerSVGElement?.getScreenCTM();
    return ctm ? new DOMPoint(e.clientX, e.clientY).matrixTransform(ctm.inverse()) : undefined;
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a pointer aid only, see above
    <rect
      x={area.x}
      y={area.y}
      width={area.width}
      height={area.height}
      fill="transparent"
      style={cursor ? { cursor } : undefined}
      onMouseMove={(e) => onPointer(at(e))}
      onMouseLeave={() => onPointer(undefined)}
      onClick={(e) => {
        const p = at(e);
        if (p && onPick) onPick(p);
      }}
    />
  );
}

/** Within [lo, hi], a half pixel either side allowed (a tick on the domain's edge). */
function inside(px: number, lo: number, hi: number): boolean {
  return Number.isFinite(px) && px >= lo - 0.5 && px <= hi + 0.5;
}
