"use client";
/**
 * The search page's insight panels, each a whole panel the search screen places: the parallel
 * coordinates (whose brushes select trials for the table and the facet charts), and the model's
 * view (parameter importance beside the map over the two most important parameters).
 */
import type { InsightView } from "../../lib/console/insight";
import type { MetricAxisChoice } from "../../lib/console/metric-axis";
import type { TrialRow } from "../../lib/console/views";
import type { Goal } from "../../lib/metrics/schema";
import type { ParamSpec } from "../../lib/space/schema";
import { ModelMap } from "./ModelMap";
import { ParallelCoordinates } from "./ParallelCoordinates";
import { ParamImportance } from "./ParamImportance";
import type { InsightState } from "./use-insight";
import "./insight.css";

export function ParallelPanel(props: {
  space: readonly ParamSpec[];
  metric: string;
  goal: Goal;
  trials: readonly TrialRow[];
  bestTrial: number | null;
  axis: MetricAxisChoice;
  selected: ReadonlySet<number> | null;
  onSelect: (selection: Set<number> | null) => void;
  mounted: boolean;
}) {
  const { mounted, ...rest } = props;
  return (
    <section className="panel">
      <div className="panel-head">
        <h2>Parallel coordinates</h2>
        <span className="hint">
          each line a trial, coloured by its rank in {props.metric} (darker is better)
        </span>
      </div>
      <div className="panel-body">
        {mounted ? (
          <ParallelCoordinates {...rest} />
        ) : (
          <div className="placeholder" style={{ height: 346 }} />
        )}
      </div>
    </section>
  );
}

function Waiting({ insight }: { insight: InsightState }) {
  const text =
    insight.state === "loading"
      ? "Fitting the model…"
      : insight.state === "none"
        ? "The model needs two finished trials with a value."
        : insight.state === "error"
          ? `The model could not be loaded (${insight.message}).`
          : "";
  return (
    <div className="insight-wait" data-testid="insight-wait" data-state={insight.state}>
      {text}
    </div>
  );
}

export function ModelPanels({
  insight,
  trials,
  goal,
  bestTrial,
  metric,
}: {
  insight: InsightState;
  trials: readonly TrialRow[];
  goal: Goal;
  bestTrial: number | null;
  metric: string;
}) {
  const view: InsightView | undefined = insight.state === "ready" ? insight.view : undefined;
  return (
    <div className="grid-2" style={{ marginTop: 18 }}>
      <section className="panel">
        <div className="panel-head">
          <h2>Parameter importance</h2>
          <span className="hint">fANOVA of the GP posterior mean</span>
        </div>
        <div className="panel-body">
          {view ? <ParamImportance view={view} goal={goal} /> : <Waiting insight={insight} />}
        </div>
      </section>
      <section className="panel">
        <div className="panel-head">
          <h2>
            Model of {metric}
            {view?.map ? ` over ${view.map.x.name} and ${view.map.y.name}` : ""}
          </h2>
          <span className="hint">
            {view?.heldAt ? `other parameters at trial ${view.heldAt} (best)` : "the GP's mean"}
          </span>
        </div>
        <div className="panel-body">
          {view?.map ? (
            <ModelMap
              map={view.map}
              trials={trials}
              goal={goal}
              bestTrial={bestTrial}
              metric={metric}
            />
          ) : view ? (
            <div className="insight-wait">A map needs two parameters.</div>
          ) : (
            <Waiting insight={insight} />
          )}
        </div>
      </section>
    </div>
  );
}
