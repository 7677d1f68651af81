"use client";
/**
 * Scatter points as one SVG path, drawn inside a <Plot> with its scales. A DOM node per point
 * takes seconds for the thousands of trials of a large search; a single path takes
 * milliseconds, and it is the one way points are drawn, however few. Hover and click are
 * resolved here by the nearest point within a few pixels, since a path has no per-point events.
 *
 * Glossary: px[i], py[i] are point i's pixel coordinates in the chart's SVG.
 */
import { useMemo } from "react";
import { PointerArea, usePlot } from "./Plot";

export interface PlotPoint {
  x: number;
  y: number;
  n: number;
}

export interface HoveredPoint {
  point: PlotPoint;
  /** Pixel position in the chart's SVG. */
  left: number;
  top: number;
}

const HIT_RADIUS = 10;

export function Points({
  points,
  r = 3,
  fill,
  opacity = 0.65,
  shape = "circle",
  className,
  interactive,
  onHover,
  onOpen,
}: {
  points: readonly PlotPoint[];
  r?: number;
  fill: string;
  opacity?: number;
  /** A triangle points at the edge a clipped value lies beyond. */
  shape?: "circle" | "cross" | "triangle-up" | "triangle-down";
  className?: string;
  /** Points that hover and click pick from (default `points`); only one layer should set it. */
  interactive?: readonly PlotPoint[];
  onHover?: (hovered: HoveredPoint | undefined) => void;
  onOpen?: (n: number) => void;
}) {
  const { x: xScale, y: yScale } = usePlot();

  const d = useMemo(() => {
    const parts: string[] = [];
    for (const p of points) {
      const x = xScale(p.x);
      const y = yScale(p.y);
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      parts.push(
        shape === "cross"
          ? `M${x - r},${y - r}L${x + r},${y + r}M${x - r},${y + r}L${x + r},${y - r}`
          : shape === "triangle-up"
            ? `M${x},${y - r * 1.2}L${x + r},${y + r * 0.6}L${x - r},${y + r * 0.6}Z`
            : shape === "triangle-down"
              ? `M${x},${y + r * 1.2}L${x + r},${y - r * 0.6}L${x - r},${y - r * 0.6}Z`
              : `M${x - r},${y}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`,
      );
    }
    return parts.join("");
  }, [points, xScale, yScale, r, shape]);

  const targets = interactive ?? (onHover || onOpen ? points : undefined);
  const pixels = useMemo(() => {
    if (!targets) return undefined;
    const px = new Float64Array(targets.length);
    const py = new Float64Array(targets.length);
    for (let i = 0; i < targets.length; i++) {
      const p = targets[i] as PlotPoint;
      px[i] = xScale(p.x);
      py[i] = yScale(p.y);
    }
    return { px, py };
  }, [targets, xScale, yScale]);

  const nearest = (at: DOMPoint | undefined): HoveredPoint | undefined => {
    if (!at || !pixels || !targets) return undefined;
    let best = -1;
    let bestD = HIT_RADIUS * HIT_RADIUS;
    for (let i = 0; i < targets.length; i++) {
      const dx = (pixels.px[i] as number) - at.x;
      const dy = (pixels.py[i] as number) - at.y;
      const dd = dx * dx + dy * dy;
      if (dd <= bestD) {
        bestD = dd;
        best = i;
      }
    }
    if (best < 0) return undefined;
    return {
      point: targets[best] as PlotPoint,
      left: pixels.px[best] as number,
      top: pixels.py[best] as number,
    };
  };

  return (
    <g className={className} data-count={points.length}>
      <path
        d={d}
        fill={shape === "cross" ? "none" : fill}
        fillOpacity={opacity}
        stroke={shape === "cross" ? fill : "none"}
        strokeWidth={shape === "cross" ? 1.6 : 0}
        pointerEvents="none"
      />
      {targets ? (
        <PointerArea
          cursor="crosshair"
          onPointer={(at) => onHover?.(nearest(at))}
          onPick={(at) => {
            const hit = nearest(at);
            if (hit) onOpen?.(hit.point.n);
          }}
        />
      ) : null}
    </g>
  );
}
