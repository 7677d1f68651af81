"use client";
/**
 * One scatter chart per parameter: the parameter's value against the trial's final metric.
 * Log-scaled parameters get a log axis, choices a category axis. The best trial is the large
 * ringed point; failed trials are red crosses on a line below the rest. Hovering a point shows
 * its trial; clicking opens it. With the model's view (`model`), the GP's mean and 95% band run
 * under the points (ModelBand); with a selection (`highlight`, the parallel coordinates'
 * brushes), the selected trials stand out and the rest fade. The metric axis may be log or
 * clipped (`axis`, lib/console/metric-axis.ts): clipped values are triangles on the edge.
 * Drawn as plain SVG (components/ui/plot): a few paths per chart, however many trials.
 */
import { useRouter } from "next/navigation";
import { memo, useMemo, useState } from "react";
import type { ModelSlice } from "../../lib/console/insight";
import { LINEAR_AXIS, type MetricAxisChoice } from "../../lib/console/metric-axis";
import type { TrialRow } from "../../lib/console/views";
import type { Goal } from "../../lib/metrics/schema";
import type { ParamSpec } from "../../lib/space/schema";
import { formatMetric, formatParam } from "../ui/format";
import { type AxisSpec, PLOT_COLORS, Plot, usePlot } from "../ui/plot/Plot";
import { type HoveredPoint, Points } from "../ui/plot/Points";
import { TONE_COLORS } from "../ui/tones";
import { type Facet, type FacetPoint, facetsOf, highlightPoints } from "./facet-data";
import { MODEL_COLORS, ModelBand } from "./ModelBand";

export const COLORS = {
  point: "#5b78d6",
  best: "#1d3fa8",
  failed: "#c2453b",
  faded: "#c3c8d2",
  clipped: "#8b5cf6",
  pruned: TONE_COLORS.pruned,
  ...PLOT_COLORS,
};

/**
 * What the charts' marks mean, drawn with the charts' own colours. `pruned` is listed when some
 * trial was pruned (a search without early stopping has none to explain).
 */
export function FacetLegend({ pruned }: { pruned: boolean }) {
  return (
    <>
      <span>
        <i style={{ background: COLORS.point }} />
        trial
      </span>
      {pruned ? (
        <span data-testid="legend-pruned">
          <i style={{ background: COLORS.pruned }} />
          pruned (its value when stopped)
        </span>
      ) : null}
      <span>
        <i style={{ background: COLORS.best, boxShadow: "0 0 0 2px #c9d3f0" }} />
        best
      </span>
      <span>
        <i className="x" />
        failed
      </span>
      <span>
        <i style={{ background: MODEL_COLORS.band, borderRadius: 2, width: 14 }} />
        model mean ± 95%
      </span>
    </>
  );
}

/** The plot inside a chart card: 240 px high, room for the metric's ticks on the left. */
const HEIGHT = 240;
const MARGIN = { top: 8, right: 14, bottom: 34, left: 52 };
/** Up to this many points in a chart, each is drawn larger. */
const FEW_POINTS = 400;

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

/**
 * The best trial: larger, darker, ringed, so it stands out among hundreds of points. The
 * pointer goes through it to the points' layer below, which picks it as it picks any point.
 */
function BestDot({ point }: { point: FacetPoint }) {
  const { x, y } = usePlot();
  const cx = x(point.x);
  const cy = y(point.y);
  if (!Number.isFinite(cx) || !Number.isFinite(cy)) return null;
  return (
    <g className="facet-best" data-trial={point.n} pointerEvents="none">
      <circle
        cx={cx}
        cy={cy}
        r={9}
        fill="none"
        stroke={COLORS.best}
        strokeOpacity={0.35}
        strokeWidth={3}
      />
      <circle cx={cx} cy={cy} r={5.5} fill={COLORS.best} stroke="#fff" strokeWidth={1.5} />
    </g>
  );
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
  /** The trial of a number (for the hover tip). */
  byNumber: (n: number) => TrialRow | undefined;
  space: readonly ParamSpec[];
  onOpen: (n: number) => void;
  slice: ModelSlice | undefined;
  highlight: ReadonlySet<number> | null;
}) {
  const { spec, axis } = facet;
  const drawn =
    facet.complete.length + facet.pruned.length + facet.clipped.length + (facet.best ? 1 : 0);
  // A few points are drawn larger; thousands smaller, so they do not merge into a blot.
  const r = drawn + facet.failed.length > FEW_POINTS ? 3 : 4.5;
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
  const shown = useMemo(() => highlightPoints(facet, highlight), [facet, highlight]);
  const { x, y } = useMemo((): { x: AxisSpec; y: AxisSpec } => {
    const categories = facet.categories;
    return {
      x: {
        domain: facet.xDomain,
        log: facet.log,
        ticks: facet.xTicks,
        format: (v) => (categories ? (categories[Math.round(v)] ?? "") : formatMetric(v)),
      },
      y: {
        domain: facet.yDomain,
        log: facet.axis.log,
        ticks: facet.yTicks,
        format: (v) => (v === facet.band ? "failed" : formatMetric(v)),
      },
    };
  }, [facet]);
  const scale =
    spec.kind === "choice"
      ? "choices"
      : spec.scale === "linear"
        ? "linear"
        : spec.scale.replace("_", " ");
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
          : shown.complete.length +
            shown.pruned.length +
            shown.clipped.length +
            (facet.best && highlight.has(facet.best.n) ? 1 : 0)
      }
      data-model={slice ? "true" : "false"}
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
        <Plot label={`${metric} by ${spec.name}`} height={HEIGHT} margin={MARGIN} x={x} y={y}>
          {slice ? <ModelBand slice={slice} categorical={spec.kind === "choice"} /> : null}
          {shown.faded.length > 0 ? (
            <Points
              points={shown.faded}
              fill={COLORS.faded}
              opacity={0.45}
              r={r}
              className="facet-faded"
            />
          ) : null}
          <Points
            points={shown.complete}
            fill={COLORS.point}
            r={r}
            opacity={0.7}
            className="facet-complete"
          />
          {shown.clipped.length > 0 ? (
            <Points
              points={shown.clipped}
              fill={COLORS.clipped}
              shape={axis.clippedAt === "lo" ? "triangle-down" : "triangle-up"}
              r={4}
              opacity={0.85}
              className="facet-clipped"
            />
          ) : null}
          {shown.pruned.length > 0 ? (
            <Points points={shown.pruned} fill={COLORS.pruned} r={r} className="facet-pruned" />
          ) : null}
          <Points
            points={facet.failed}
            fill={COLORS.failed}
            shape="cross"
            opacity={1}
            r={r}
            className="facet-failed"
            interactive={everyPoint}
            onHover={setHovered}
            onOpen={onOpen}
          />
          {facet.best ? <BestDot point={facet.best} /> : null}
        </Plot>
        {hovered ? (
          <div
            className="chart-tip-float"
            style={{ left: hovered.left + 12, top: Math.max(0, hovered.top - 20) }}
          >
            <TrialTip trial={byNumber(hovered.point.n)} space={space} metric={metric} />
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
  // Indexed on the first hover, not on every poll of 100,000 trials.
  const byNumber = useMemo(() => {
    let index: Map<number, TrialRow> | undefined;
    return (n: number) => {
      if (!index) {
        index = new Map();
        for (const t of trials) index.set(t.n, t);
      }
      return index.get(n);
    };
  }, [trials]);
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
