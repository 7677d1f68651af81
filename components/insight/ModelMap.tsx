"use client";
/**
 * The model's map over the two most important parameters: the GP's mean on a grid (the other
 * parameters at the best trial's values, lib/console/insight.ts `ModelMap`), interpolated and
 * drawn in ten levels as filled contours on a canvas, with the trials as dots and the best trial
 * ringed. Axes run as the optimizer sees them: log parameters per decade, choices as columns.
 */
import { useEffect, useMemo, useRef } from "react";
import { sampleObserved } from "../../lib/console/downsample";
import type { MapAxis, ModelMap as ModelMapView } from "../../lib/console/insight";
import type { TrialRow } from "../../lib/console/views";
import type { Goal } from "../../lib/metrics/schema";
import { niceTicks } from "../facet-charts/facet-data";
import { formatMetric } from "../ui/format";
import { useWidth } from "../ui/plot/use-width";
import { goodColor, goodRgb } from "./palette";

const HEIGHT = 300;
const M = { top: 10, right: 16, bottom: 40, left: 60 };
const LEVELS = 10;
const DOTS = 800;

/** Where a value sits along the axis, 0..1: by its place among the grid's values. */
function fractionOf(axis: MapAxis, v: unknown): number {
  if (axis.categories) {
    const i = axis.categories.indexOf(String(v));
    return i < 0 ? Number.NaN : (i + 0.5) / axis.categories.length;
  }
  if (typeof v !== "number") return Number.NaN;
  const xs = axis.values;
  const n = xs.length;
  if (n < 2) return 0.5;
  const t = (a: number) => (axis.log ? Math.log(a) : a);
  if (v <= (xs[0] as number)) return 0;
  if (v >= (xs[n - 1] as number)) return 1;
  let i = 0;
  while (i < n - 2 && (xs[i + 1] as number) < v) i++;
  const a = t(xs[i] as number);
  const b = t(xs[i + 1] as number);
  return (i + (b > a ? (t(v) - a) / (b - a) : 0)) / (n - 1);
}

/** z at fraction (fx, fy): bilinear between grid points, or a choice's own column. */
function sample(map: ModelMapView, fx: number, fy: number): number {
  const nx = map.x.values.length;
  const ny = map.y.values.length;
  const grid = (axis: MapAxis, f: number, n: number): [number, number, number] => {
    if (axis.categories) {
      const i = Math.min(n - 1, Math.floor(f * n));
      return [i, i, 0];
    }
    const p = f * (n - 1);
    const i = Math.min(n - 2, Math.max(0, Math.floor(p)));
    return [i, Math.min(n - 1, i + 1), n === 1 ? 0 : p - i];
  };
  const [x0, x1, tx] = grid(map.x, fx, nx);
  const [y0, y1, ty] = grid(map.y, fy, ny);
  const z = (i: number, j: number) => map.z[j * nx + i] as number;
  const top = z(x0, y0) * (1 - tx) + z(x1, y0) * tx;
  const bottom = z(x0, y1) * (1 - tx) + z(x1, y1) * tx;
  return top * (1 - ty) + bottom * ty;
}

/** 0 the worst, 1 the best, quantized to LEVELS bands (the level's middle). */
function levelOf(z: number, range: { lo: number; hi: number }, goal: Goal): number {
  const t = (z - range.lo) / (range.hi - range.lo);
  const good = goal === "minimize" ? 1 - t : t;
  return (Math.min(LEVELS - 1, Math.floor(good * LEVELS)) + 0.5) / LEVELS;
}

function ticksOf(axis: MapAxis): { at: number; label: string }[] {
  if (axis.categories) {
    const k = axis.categories.length;
    return axis.categories.map((c, i) => ({ at: (i + 0.5) / k, label: c }));
  }
  const lo = axis.values[0] as number;
  const hi = axis.values[axis.values.length - 1] as number;
  let values: number[];
  if (axis.log) {
    values = [];
    for (let e = Math.ceil(Math.log10(lo)); e <= Math.floor(Math.log10(hi)); e++)
      values.push(Number((10 ** e).toPrecision(12)));
    if (values.length < 2) values = [lo, hi];
  } else values = niceTicks(lo, hi, 5).filter((v) => v >= lo && v <= hi);
  return values.map((v) => ({ at: fractionOf(axis, v), label: formatMetric(v) }));
}

export function ModelMap({
  map,
  trials,
  goal,
  bestTrial,
  metric,
}: {
  map: ModelMapView;
  trials: readonly TrialRow[];
  goal: Goal;
  bestTrial: number | null;
  metric: string;
}) {
  const boxRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const width = useWidth(boxRef, 280, 520);
  const plotW = width - M.left - M.right;
  const plotH = HEIGHT - M.top - M.bottom;

  const range = useMemo(() => {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const z of map.z) {
      lo = Math.min(lo, z);
      hi = Math.max(hi, z);
    }
    return { lo, hi: hi > lo ? hi : lo + 1 };
  }, [map]);

  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext("2d");
    if (!canvas || !ctx) return;
    const w = Math.max(1, Math.round(plotW));
    const h = Math.max(1, Math.round(plotH));
    canvas.width = w;
    canvas.height = h;
    const img = ctx.createImageData(w, h);
    for (let py = 0; py < h; py++) {
      const fy = 1 - (py + 0.5) / h;
      for (let px = 0; px < w; px++) {
        const [r, g, b] = goodRgb(levelOf(sample(map, (px + 0.5) / w, fy), range, goal));
        const o = 4 * (py * w + px);
        img.data[o] = r;
        img.data[o + 1] = g;
        img.data[o + 2] = b;
        img.data[o + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
  }, [map, range, plotW, plotH, goal]);

  const dots = useMemo(() => {
    return sampleObserved(trials, goal, DOTS).map((t) => ({
      n: t.n,
      fx: fractionOf(map.x, t.params[map.x.name]),
      fy: fractionOf(map.y, t.params[map.y.name]),
    }));
  }, [trials, goal, map]);
  const best = dots.find((d) => d.n === bestTrial);
  const sx = (f: number) => M.left + f * plotW;
  const sy = (f: number) => M.top + (1 - f) * plotH;
  const bestZ = goal === "minimize" ? range.lo : range.hi;
  const worstZ = goal === "minimize" ? range.hi : range.lo;

  return (
    <div className="mm" data-testid="model-map" data-x={map.x.name} data-y={map.y.name}>
      <div ref={boxRef} className="mm-box" style={{ height: HEIGHT }}>
        <canvas ref={canvasRef} style={{ left: M.left, top: M.top, width: plotW, height: plotH }} />
        <svg width={width} height={HEIGHT} role="img" aria-label={`model of ${metric}`}>
          <rect x={M.left} y={M.top} width={plotW} height={plotH} className="mm-frame" />
          {ticksOf(map.x).map((t) => (
            <text
              key={`x${t.at}`}
              x={sx(t.at)}
              y={M.top + plotH + 15}
              textAnchor="middle"
              className="mm-tick"
            >
              {t.label}
            </text>
          ))}
          {ticksOf(map.y).map((t) => (
            <text
              key={`y${t.at}`}
              x={M.left - 6}
              y={sy(t.at)}
              textAnchor="end"
              dominantBaseline="middle"
              className="mm-tick"
            >
              {t.label}
            </text>
          ))}
          <text x={M.left + plotW / 2} y={HEIGHT - 4} textAnchor="middle" className="mm-name">
            {map.x.name}
            {map.x.log ? " (log)" : ""}
          </text>
          <text
            transform={`translate(12 ${M.top + plotH / 2}) rotate(-90)`}
            textAnchor="middle"
            className="mm-name"
          >
            {map.y.name}
            {map.y.log ? " (log)" : ""}
          </text>
          <g pointerEvents="none">
            {dots.map((d) =>
              Number.isFinite(d.fx) && Number.isFinite(d.fy) ? (
                <circle key={d.n} cx={sx(d.fx)} cy={sy(d.fy)} r={2.2} className="mm-dot" />
              ) : null,
            )}
            {best && Number.isFinite(best.fx) && Number.isFinite(best.fy) ? (
              <g>
                <circle cx={sx(best.fx)} cy={sy(best.fy)} r={7} className="mm-best-ring" />
                <circle cx={sx(best.fx)} cy={sy(best.fy)} r={3.5} className="mm-best" />
              </g>
            ) : null}
          </g>
        </svg>
      </div>
      <div className="mm-scale">
        <span className="num">best {formatMetric(bestZ)}</span>
        <span className="mm-ramp">
          {Array.from({ length: LEVELS }, (_, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: fixed levels
            <i key={i} style={{ background: goodColor(1 - (i + 0.5) / LEVELS) }} />
          ))}
        </span>
        <span className="num">{formatMetric(worstZ)} worst</span>
        <span className="muted">· model mean of {metric}; dots: trials</span>
      </div>
    </div>
  );
}
