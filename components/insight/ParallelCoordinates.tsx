"use client";
/**
 * Parallel coordinates: one axis per parameter and one for the metric, each trial a line. Lines
 * are drawn on a canvas (10,000 SVG paths would take seconds to lay out; a canvas draws them in
 * milliseconds) and coloured by the metric, the best on top and the best trial darkest; axes,
 * labels and brushes are SVG above it. Drag along an axis to brush a range: the trials whose
 * lines pass inside every brush are the selection, which the search screen hands to the trials
 * table (a filter) and the facet charts (a highlight). A click on an axis clears its brush.
 * Beyond `MAX_LINES` lines an even sample by rank is drawn (the selection still counts them all).
 */
import { type PointerEvent, useEffect, useMemo, useRef, useState } from "react";
import { type MetricAxisChoice, metricAxis } from "../../lib/console/metric-axis";
import type { TrialRow } from "../../lib/console/views";
import type { Goal } from "../../lib/metrics/schema";
import type { ParamSpec } from "../../lib/space/schema";
import { useWidth } from "../ui/plot/use-width";
import { goodColor } from "./palette";
import { type Brushes, brushedTrials, pcData } from "./parallel-data";

/** Most lines drawn in each layer (selected, the rest); beyond, an even sample by rank. */
export const MAX_LINES = 4000;
/** While a brush is being dragged, fewer: the lines follow the pointer. */
const DRAG_LINES = 1200;
const HEIGHT = 320;
const M = { top: 42, bottom: 26, left: 36, right: 56 };
/** At most `max` of `items`, evenly spaced, in their order. */
function thin<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(items[Math.floor((i * items.length) / max)] as T);
  return out;
}

export function ParallelCoordinates({
  space,
  metric,
  goal,
  trials,
  bestTrial,
  axis: axisChoice,
  selected,
  onSelect,
}: {
  space: readonly ParamSpec[];
  metric: string;
  goal: Goal;
  trials: readonly TrialRow[];
  bestTrial: number | null;
  axis: MetricAxisChoice;
  /** The selection in force (null: none); when it is dropped elsewhere, the brushes go too. */
  selected: ReadonlySet<number> | null;
  onSelect: (selection: Set<number> | null) => void;
}) {
  const boxRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [brushes, setBrushes] = useState<Brushes>(new Map());
  const drag = useRef<{ axis: string; from: number; moved: boolean } | null>(null);
  const [dragging, setDragging] = useState(false);

  const width = useWidth(boxRef, 320, 900);

  // The selection was dropped elsewhere (the table's "show all"): so are the brushes.
  useEffect(() => {
    if (selected === null && drag.current === null) setBrushes((b) => (b.size ? new Map() : b));
  }, [selected]);

  const axis = useMemo(() => {
    const values: number[] = [];
    for (const t of trials) if (t.value !== null && Number.isFinite(t.value)) values.push(t.value);
    return metricAxis(values, goal, axisChoice);
  }, [trials, goal, axisChoice]);
  const data = useMemo(() => pcData(space, metric, trials, axis), [space, metric, trials, axis]);
  const A = data.axes.length;
  // Trial indices from worst to best: the best are drawn last, on top.
  const order = useMemo(() => {
    // On keys in a typed array (100,000 lines): worst first, so the best are drawn on top.
    const count = data.trials.length;
    const sign = goal === "minimize" ? -1 : 1;
    const key = new Float64Array(count);
    for (let i = 0; i < count; i++) key[i] = sign * (data.pos[i * A + A - 1] as number);
    const idx = new Uint32Array(count);
    for (let i = 0; i < count; i++) idx[i] = i;
    return Array.from(idx.sort((a, b) => key[a]! - key[b]! || a - b));
  }, [data, A, goal]);
  const selection = useMemo(() => brushedTrials(data, brushes), [data, brushes]);

  const plotW = width - M.left - M.right;
  const plotH = HEIGHT - M.top - M.bottom;
  const xOf = (a: number) => M.left + (A === 1 ? plotW / 2 : (a * plotW) / (A - 1));
  const yOf = (p: number) => M.top + (1 - p) * plotH;

  useEffect(() => {
    const canvas = canvasRef.current;
    const ctx = canvas?.getContext("2d");
    if (!canvas || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(HEIGHT * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, HEIGHT);
    const n = data.trials.length;
    const inSel = (i: number) =>
      selection === null || selection.has((data.trials[i] as TrialRow).n);
    const most = dragging ? DRAG_LINES : MAX_LINES;
    const chosen = thin(
      order.filter((i) => inSel(i)),
      most,
    );
    const others =
      selection === null
        ? []
        : thin(
            order.filter((i) => !inSel(i)),
            most,
          );
    const line = (i: number) => {
      let started = false;
      for (let a = 0; a < A; a++) {
        const p = data.pos[i * A + a] as number;
        if (!Number.isFinite(p)) {
          started = false;
          continue;
        }
        const x = M.left + (A === 1 ? plotW / 2 : (a * plotW) / (A - 1));
        const y = M.top + (1 - p) * plotH;
        if (started) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
        started = true;
      }
    };
    ctx.lineJoin = "round";
    // The rest, faint and grey, under the selection.
    if (others.length > 0) {
      ctx.globalAlpha = Math.min(0.5, Math.max(0.05, 6 / Math.sqrt(others.length)));
      ctx.strokeStyle = "#b9bfca";
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (const i of others) line(i);
      ctx.stroke();
    }
    // The selection (or every trial), coloured by the metric in buckets, worst first.
    ctx.globalAlpha = Math.min(0.8, Math.max(0.1, 14 / Math.sqrt(Math.max(chosen.length, 1))));
    ctx.lineWidth = chosen.length > 2000 ? 0.8 : 1.2;
    // Coloured by rank, not by value: a skewed metric (most trials near the best, a few far
    // off) would otherwise paint nearly every line one colour.
    const BUCKETS = 16;
    const rank = new Float32Array(n);
    order.forEach((i, k) => {
      rank[i] = n > 1 ? k / (n - 1) : 1;
    });
    const buckets: number[][] = Array.from({ length: BUCKETS }, () => []);
    for (const i of chosen)
      buckets[Math.min(BUCKETS - 1, Math.floor((rank[i] as number) * BUCKETS))]?.push(i);
    buckets.forEach((list, b) => {
      if (list.length === 0) return;
      ctx.strokeStyle = goodColor((b + 0.5) / BUCKETS);
      ctx.beginPath();
      for (const i of list) line(i);
      ctx.stroke();
    });
    // The best trial, on top.
    const best = data.trials.findIndex((t) => t.n === bestTrial);
    if (best >= 0 && n > 0) {
      ctx.globalAlpha = inSel(best) ? 1 : 0.35;
      ctx.strokeStyle = "#0f1f5c";
      ctx.lineWidth = 2.4;
      ctx.beginPath();
      line(best);
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
  }, [data, order, selection, width, A, plotW, plotH, bestTrial, dragging]);

  const fractionAt = (e: PointerEvent<SVGElement>) => {
    const svg =
      (e.currentTarget as SVGElement).ownerSVGElement ?? (e.currentTarget as SVGSVGElement);
    const rect = svg.getBoundingClientRect();
    const y = e.clientY - rect.top;
    return Math.min(1, Math.max(0, 1 - (y - M.top) / plotH));
  };
  const setBrush = (name: string, b: readonly [number, number] | undefined) =>
    setBrushes((old) => {
      const next = new Map(old);
      if (b) next.set(name, b);
      else next.delete(name);
      return next;
    });
  const finish = (next: Brushes) => onSelect(brushedTrials(data, next));

  const onDown = (name: string) => (e: PointerEvent<SVGRectElement>) => {
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { axis: name, from: fractionAt(e), moved: false };
  };
  const onMove = (e: PointerEvent<SVGRectElement>) => {
    const d = drag.current;
    if (!d) return;
    const at = fractionAt(e);
    if (Math.abs(at - d.from) * plotH < 3 && !d.moved) return;
    d.moved = true;
    setDragging(true);
    setBrush(d.axis, [Math.min(d.from, at), Math.max(d.from, at)]);
  };
  const onUp = (e: PointerEvent<SVGRectElement>) => {
    const d = drag.current;
    drag.current = null;
    setDragging(false);
    if (!d) return;
    const next = new Map(brushes);
    if (d.moved) {
      const at = fractionAt(e);
      next.set(d.axis, [Math.min(d.from, at), Math.max(d.from, at)]);
    } else next.delete(d.axis);
    setBrushes(next);
    finish(next);
  };
  const clear = () => {
    setBrushes(new Map());
    onSelect(null);
  };

  const selectedCount = selection?.size ?? data.trials.length;
  return (
    <div
      className="pc"
      data-testid="parallel-coordinates"
      data-lines={data.trials.length}
      data-selected={selection === null ? "" : selection.size}
      data-brushes={brushes.size}
    >
      <div className="pc-bar">
        <span>
          {selection === null ? (
            <>Drag along an axis to select a range; the table and charts follow.</>
          ) : (
            <>
              <b data-testid="pc-selected">{selectedCount.toLocaleString("en-US")}</b> of{" "}
              {data.trials.length.toLocaleString("en-US")} trials in the brushed ranges
            </>
          )}
        </span>
        {brushes.size > 0 ? (
          <button type="button" className="linkish pc-clear" onClick={clear} data-testid="pc-clear">
            clear brushes
          </button>
        ) : null}
      </div>
      <div ref={boxRef} className="pc-box" style={{ height: HEIGHT }}>
        <canvas ref={canvasRef} style={{ width, height: HEIGHT }} />
        <svg width={width} height={HEIGHT} role="img" aria-label="parallel coordinates">
          {data.axes.map((ax, a) => {
            const x = xOf(a);
            const b = brushes.get(ax.name);
            const isMetric = ax.kind === "metric";
            return (
              <g key={ax.name} data-testid="pc-axis" data-axis={ax.name} data-kind={ax.kind}>
                <line x1={x} x2={x} y1={M.top} y2={M.top + plotH} className="pc-axis-line" />
                {ax.ticks.map((t) => (
                  <g key={`${t.at}:${t.label}`}>
                    <line x1={x - 3} x2={x} y1={yOf(t.at)} y2={yOf(t.at)} className="pc-tick" />
                    <text
                      x={x - 6}
                      y={yOf(t.at)}
                      className="pc-tick-label"
                      textAnchor="end"
                      dominantBaseline="middle"
                    >
                      {t.label}
                    </text>
                  </g>
                ))}
                <text
                  x={x}
                  y={M.top - 22}
                  textAnchor="middle"
                  className={isMetric ? "pc-name pc-metric" : "pc-name"}
                >
                  {ax.name.length > 18 ? `${ax.name.slice(0, 17)}…` : ax.name}
                  <title>{ax.name}</title>
                </text>
                <text x={x} y={M.top - 9} textAnchor="middle" className="pc-kind">
                  {ax.kind === "metric"
                    ? `${goal}${axis.log ? " · log" : ""}${axis.clipped ? ` · ${axis.clipped} clipped` : ""}`
                    : ax.kind === "category"
                      ? "choice"
                      : ax.kind}
                </text>
                {b ? (
                  <rect
                    x={x - 10}
                    width={20}
                    y={yOf(b[1])}
                    height={Math.max(2, yOf(b[0]) - yOf(b[1]))}
                    className="pc-brush"
                    data-testid="pc-brush"
                    data-from={ax.valueAt ? ax.valueAt(b[0]) : undefined}
                    data-to={ax.valueAt ? ax.valueAt(b[1]) : undefined}
                  />
                ) : null}
                {/* A pointer aid: the same selection is a filter in the table, by keyboard. */}
                <rect
                  x={x - 14}
                  width={28}
                  y={M.top - 4}
                  height={plotH + 8}
                  className="pc-hit"
                  onPointerDown={onDown(ax.name)}
                  onPointerMove={onMove}
                  onPointerUp={onUp}
                />
              </g>
            );
          })}
        </svg>
      </div>
    </div>
  );
}
