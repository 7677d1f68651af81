"use client";
/**
 * One scatter chart per parameter: the parameter's value against the trial's final metric.
 * Log-scaled parameters get a log axis, choices a category axis. The best trial is the large
 * ringed point; failed trials are red crosses on a line below the rest. Hovering a point shows
 * its trial; clicking opens it. With the model's view (`model`), the GP's mean and 95% band run
 * under the points (ModelBand); with a selection (`highlight`, the parallel coordinates'
 * brushes), the selected trials stand out and the rest fade. The metric axis may be log or
 * clipped (`axis`, lib/console/metric-axis.ts): clipped values are triangles on the edge.
 */
import { useRouter } from "next/navigation";
import { memo, useMemo, useState } from "react";
import {
  CartesianGrid,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import type { ModelSlice } from "../../lib/console/insight";
import { LINEAR_AXIS, type MetricAxisChoice } from "../../lib/console/metric-axis";
import type { TrialRow } from "../../lib/console/views";
import type { Goal } from "../../lib/metrics/schema";
import type { ParamSpec } from "../../lib/space/schema";
import { DensePoints, type HoveredPoint } from "../ui/DensePoints";
import { formatMetric, formatParam } from "../ui/format";
import { TONE_COLORS } from "../ui/tones";
import { type Facet, type FacetPoint, facetsOf } from "./facet-data";
import { ModelBand } from "./ModelBand";

export const COLORS = {
  point: "#5b78d6",
  best: "#1d3fa8",
  failed: "#c2453b",
  faded: "#c3c8d2",
  clipped: "#8b5cf6",
  grid: "#eceef2",
  axis: "#8a93a3",
};

const tick = { fontSize: 11, fill: COLORS.axis };

/** Up to this many points a chart draws recharts symbols (one DOM node each); beyond, one path. */
export const DOM_POINT_LIMIT = 400;

function TrialTip({
  trial,
  space,
  metric,
}: {
  trial: TrialRow | undefined;
  space: readonly ParamSpec[];
  metric: string;
}) {
  if (!trial) return null;
  return (
    <div className="chart-tip">
      <div className="t">
        Trial {trial.n} <span className="muted">· {trial.status}</span>
      </div>
      <dl>
        <dt>{metric}</dt>
        <dd>{formatMetric(trial.value)}</dd>
        {space.map((s) => (
          <FragmentRow key={s.name} k={s.name} v={formatParam(trial.params[s.name], s)} />
        ))}
      </dl>
    </div>
  );
}

function FragmentRow({ k, v }: { k: string; v: string }) {
  return (
    <>
      <dt>{k}</dt>
      <dd>{v}</dd>
    </>
  );
}

/** The best trial: larger, darker, ringed, so it stands out among hundreds of points. */
function BestDot(props: { cx?: number; cy?: number }) {
  if (props.cx === undefined || props.cy === undefined) return <g />;
  return (
    <g>
      <circle
        cx={props.cx}
        cy={props.cy}
        r={9}
        fill="none"
        stroke={COLORS.best}
        strokeOpacity={0.35}
        strokeWidth={3}
      />
      <circle
        cx={props.cx}
        cy={props.cy}
        r={5.5}
        fill={COLORS.best}
        stroke="#fff"
        strokeWidth={1.5}
      />
    </g>
  );
}

/** A value past the clipped axis: a triangle on the edge, pointing where the value lies. */
function ClippedMark({ cx, cy, down }: { cx?: number; cy?: number; down: boolean }) {
  if (cx === undefined || cy === undefined) return <g />;
  const r = 4.5;
  const d = down
    ? `M${cx},${cy + r * 1.2}L${cx + r},${cy - r * 0.6}L${cx - r},${cy - r * 0.6}Z`
    : `M${cx},${cy - r * 1.2}L${cx + r},${cy + r * 0.6}L${cx - r},${cy + r * 0.6}Z`;
  return <path d={d} fill={COLORS.clipped} fillOpacity={0.85} />;
}

const FacetChart = memo(function FacetChart({
  facet,
  metric,
  byNumber,
  space,
  onOpen,
  slice,
  highlight,
}: {
  facet: Facet;
  metric: string;
  byNumber: Map<number, TrialRow>;
  space: readonly ParamSpec[];
  onOpen: (n: number) => void;
  slice: ModelSlice | undefined;
  highlight: ReadonlySet<number> | null;
}) {
  const { spec, axis } = facet;
  const drawn =
    facet.complete.length + facet.pruned.length + facet.clipped.length + (facet.best ? 1 : 0);
  const dense = drawn + facet.failed.length > DOM_POINT_LIMIT;
  const [hovered, setHovered] = useState<HoveredPoint | undefined>();
  const everyPoint = useMemo(
    () => [
      ...facet.complete,
      ...facet.pruned,
      ...facet.clipped,
      ...facet.failed,
      ...(facet.best ? [facet.best] : []),
    ],
    [facet],
  );
  // The brushed trials stand out; the rest fade (all of them stand out without a brush).
  const { shown, faded } = useMemo(() => {
    if (highlight === null) return { shown: facet.complete, faded: [] as FacetPoint[] };
    const shown: FacetPoint[] = [];
    const faded: FacetPoint[] = [];
    for (const p of facet.complete) (highlight.has(p.n) ? shown : faded).push(p);
    return { shown, faded };
  }, [facet, highlight]);
  const clipShape = axis.clippedAt === "lo" ? "triangle-down" : "triangle-up";
  const scale =
    spec.kind === "choice"
      ? "choices"
      : spec.scale === "linear"
        ? "linear"
        : spec.scale.replace("_", " ");
  const open = (d: unknown) => {
    const n =
      (d as { payload?: FacetPoint } | undefined)?.payload?.n ?? (d as FacetPoint | undefined)?.n;
    if (typeof n === "number") onOpen(n);
  };
  return (
    <div
      className="chart-card"
      data-testid="facet-chart"
      data-param={spec.name}
      data-points={drawn}
      data-failed={facet.failed.length}
      data-scale={facet.log ? "log" : spec.kind === "choice" ? "category" : "linear"}
      data-metric-scale={axis.log ? "log" : "linear"}
      data-clipped={facet.clipped.length}
      data-highlighted={
        highlight === null
          ? undefined
          : shown.length + (facet.best && highlight.has(facet.best.n) ? 1 : 0)
      }
      data-model={slice ? "true" : "false"}
      data-dense={dense}
    >
      <h3>
        {spec.name}
        <span className="scale">{scale}</span>
        {facet.totalComplete > drawn ? (
          <span className="scale">
            {" "}
            · {drawn} of {facet.totalComplete} trials drawn
          </span>
        ) : null}
        {facet.clipped.length > 0 ? (
          <span className="scale" style={{ color: COLORS.clipped }}>
            {" "}
            · {facet.clipped.length} clipped {axis.clippedAt === "lo" ? "▼" : "▲"}
          </span>
        ) : null}
      </h3>
      <div className="chart-box" style={{ position: "relative" }}>
        <ResponsiveContainer width="100%" height="100%">
          <ScatterChart margin={{ top: 8, right: 14, bottom: 4, left: 0 }}>
            <CartesianGrid stroke={COLORS.grid} />
            <XAxis
              type="number"
              dataKey="x"
              name={spec.name}
              scale={facet.log ? "log" : "auto"}
              domain={facet.xDomain}
              allowDataOverflow
              tick={tick}
              tickLine={false}
              axisLine={{ stroke: COLORS.grid }}
              ticks={facet.xTicks}
              interval={0}
              tickFormatter={(v: number) =>
                facet.categories ? (facet.categories[Math.round(v)] ?? "") : formatMetric(v)
              }
            />
            <YAxis
              type="number"
              dataKey="y"
              name={metric}
              scale={axis.log ? "log" : "auto"}
              domain={facet.yDomain}
              ticks={facet.yTicks}
              interval={0}
              allowDataOverflow
              tick={tick}
              tickLine={false}
              axisLine={false}
              width={52}
              tickFormatter={(v: number) => (v === facet.band ? "failed" : formatMetric(v))}
            />
            {dense ? null : (
              <Tooltip
                cursor={{ strokeDasharray: "3 3", stroke: COLORS.axis }}
                isAnimationActive={false}
                content={(props) => {
                  const p = (props.payload as readonly { payload?: FacetPoint }[] | undefined)?.[0]
                    ?.payload;
                  return props.active && p ? (
                    <TrialTip trial={byNumber.get(p.n)} space={space} metric={metric} />
                  ) : null;
                }}
              />
            )}
            {slice ? <ModelBand slice={slice} categorical={spec.kind === "choice"} /> : null}
            {dense ? (
              <>
                {faded.length > 0 ? (
                  <DensePoints
                    points={faded}
                    fill={COLORS.faded}
                    opacity={0.45}
                    className="facet-faded"
                  />
                ) : null}
                <DensePoints points={shown} fill={COLORS.point} className="facet-complete" />
                {facet.clipped.length > 0 ? (
                  <DensePoints
                    points={facet.clipped}
                    fill={COLORS.clipped}
                    shape={clipShape}
                    r={4}
                    opacity={0.85}
                    className="facet-clipped"
                  />
                ) : null}
                <DensePoints
                  points={facet.pruned}
                  fill={TONE_COLORS.pruned}
                  className="facet-pruned"
                />
                <DensePoints
                  points={facet.failed}
                  fill={COLORS.failed}
                  shape="cross"
                  opacity={1}
                  className="facet-failed"
                  interactive={everyPoint}
                  onHover={setHovered}
                  onOpen={onOpen}
                />
              </>
            ) : null}
            {dense || faded.length === 0 ? null : (
              <Scatter
                name="other trials"
                data={faded}
                fill={COLORS.faded}
                fillOpacity={0.5}
                isAnimationActive={false}
                onClick={open}
                shape="circle"
                className="facet-faded"
              />
            )}
            {dense ? null : (
              <Scatter
                name="trials"
                data={shown}
                fill={COLORS.point}
                fillOpacity={0.7}
                isAnimationActive={false}
                onClick={open}
                shape="circle"
                className="facet-complete"
              />
            )}
            {!dense && facet.pruned.length > 0 ? (
              <Scatter
                name="pruned"
                data={facet.pruned}
                fill={TONE_COLORS.pruned}
                fillOpacity={0.7}
                isAnimationActive={false}
                onClick={open}
                shape="diamond"
                className="facet-pruned"
              />
            ) : null}
            {!dense && facet.clipped.length > 0 ? (
              <Scatter
                name="clipped"
                data={facet.clipped}
                fill={COLORS.clipped}
                isAnimationActive={false}
                onClick={open}
                shape={(props: { cx?: number; cy?: number }) => (
                  <ClippedMark cx={props.cx} cy={props.cy} down={axis.clippedAt === "lo"} />
                )}
                className="facet-clipped"
              />
            ) : null}
            {!dense && facet.failed.length > 0 ? (
              <Scatter
                name="failed"
                data={facet.failed}
                fill={COLORS.failed}
                isAnimationActive={false}
                onClick={open}
                shape="cross"
                className="facet-failed"
              />
            ) : null}
            {facet.best ? (
              <Scatter
                name="best"
                data={[facet.best]}
                fill={COLORS.best}
                isAnimationActive={false}
                onClick={open}
                shape={BestDot}
                className="facet-best"
              />
            ) : null}
          </ScatterChart>
        </ResponsiveContainer>
        {dense && hovered ? (
          <div
            className="chart-tip-float"
            style={{ left: hovered.left + 12, top: Math.max(0, hovered.top - 20) }}
          >
            <TrialTip trial={byNumber.get(hovered.point.n)} space={space} metric={metric} />
          </div>
        ) : null}
      </div>
    </div>
  );
});

export function FacetCharts({
  searchId,
  space,
  trials,
  metric,
  goal,
  bestTrial,
  model = null,
  highlight = null,
  axis = LINEAR_AXIS,
}: {
  searchId: number;
  space: ParamSpec[];
  trials: TrialRow[];
  metric: string;
  goal: Goal;
  bestTrial: number | null;
  /** The model's mean and band per parameter (lib/console/insight.ts); null: not drawn. */
  model?: readonly ModelSlice[] | null;
  /** Trials to stand out (the parallel coordinates' brushes); null: all. */
  highlight?: ReadonlySet<number> | null;
  /** The metric axis: log, clipped (lib/console/metric-axis.ts). */
  axis?: MetricAxisChoice;
}) {
  const router = useRouter();
  const facets = useMemo(
    () => facetsOf(space, trials, goal, bestTrial, undefined, axis),
    [space, trials, goal, bestTrial, axis],
  );
  const slices = useMemo(() => new Map((model ?? []).map((m) => [m.name, m])), [model]);
  const byNumber = useMemo(() => new Map(trials.map((t) => [t.n, t])), [trials]);
  const onOpen = useMemo(
    () => (n: number) => router.push(`/searches/${searchId}/trials/${n}`),
    [router, searchId],
  );
  const refused = facets[0]?.axis.logRefused;
  return (
    <>
      {refused ? (
        <p className="facet-note" data-testid="log-refused">
          Linear axis: {refused}.
        </p>
      ) : null}
      <div className="facet-grid">
        {facets.map((facet) => (
          <FacetChart
            key={facet.spec.name}
            facet={facet}
            metric={metric}
            byNumber={byNumber}
            space={space}
            onOpen={onOpen}
            slice={slices.get(facet.spec.name)}
            highlight={highlight}
          />
        ))}
      </div>
    </>
  );
}
