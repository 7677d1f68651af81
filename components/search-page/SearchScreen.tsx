"use client";
/**
 * The search page: header, trials table, facet charts, curves, convergence and exports. It owns
 * the page's copy of the search and its trials and keeps it current by polling every second
 * while the search is live: each poll sends the page's cursor and brings the search and only the
 * trials written since (see `pollSearch`), which `mergeTrials` puts in place. Counts come from
 * the trials the page holds.
 */
import { useEffect, useMemo, useRef, useState } from "react";
import { LINEAR_AXIS, type MetricAxisChoice } from "../../lib/console/metric-axis";
import { type PackedTrials, unpackTrials } from "../../lib/console/pack";
import { countByStatus, mergeTrials } from "../../lib/console/trial-changes";
import type { Curve, SearchHead, SearchPoll, SearchView } from "../../lib/console/views";
import { stepsSaved } from "../../lib/pruning/savings";
import { isFinalSearch } from "../../lib/search/status";
import { ComparePanel, CompareTools } from "../compare/ComparePanel";
import { useTrialSelection } from "../compare/use-trial-selection";
import { FacetCharts } from "../facet-charts/FacetCharts";
import { MODEL_COLORS } from "../facet-charts/ModelBand";
import { ModelPanels, ParallelPanel } from "../insight/InsightPanels";
import { MetricAxisControls } from "../insight/MetricAxisControls";
import { useInsight } from "../insight/use-insight";
import { BestSoFarChart } from "../metric-charts/BestSoFarChart";
import { MetricCurves } from "../metric-charts/MetricCurves";
import { type NotesAction, NotesBox } from "../notes/NotesBox";
import { TrialsTable } from "../trials-table/TrialsTable";
import { usePoll } from "../ui/use-poll";
import type { DeleteAction } from "./DeleteSearchButton";
import { SearchHeader, type StopAction } from "./SearchHeader";

/** `next` unless it says the same as `prev`: a poll that changed nothing re-renders nothing. */
function unlessSame<T>(prev: T, next: T): T {
  return JSON.stringify(prev) === JSON.stringify(next) ? prev : next;
}

export function SearchScreen({
  initialSearch,
  initialTrials,
  initialCursor,
  initialCurves,
  renderedAt,
  stopAction,
  deleteAction,
  notesAction,
}: {
  initialSearch: SearchView;
  initialTrials: PackedTrials;
  /** The poll cursor the page's trials were read at. */
  initialCursor: number;
  initialCurves: { key: string; curves: Curve[] };
  /** The server's clock when it rendered the page (see usePoll). */
  renderedAt: number;
  stopAction: StopAction;
  deleteAction?: DeleteAction;
  notesAction: NotesAction;
}) {
  const [head, setHead] = useState<SearchHead>(initialSearch);
  const [trials, setTrials] = useState(() => unpackTrials(initialTrials));
  const [stale, setStale] = useState(false);
  const cursor = useRef(initialCursor);
  // The trials the insight views (parallel coordinates' brushes) leave in view; null: all.
  const [visible, setVisible] = useState<ReadonlySet<number> | null>(null);
  const counts = useMemo(() => countByStatus(trials), [trials]);
  const saved = useMemo(() => stepsSaved(trials), [trials]);
  const search: SearchView = useMemo(() => ({ ...head, counts }), [head, counts]);
  // The space only changes with the search's spec: kept as one object, so the table's columns
  // and the charts' scales are built once, not on every poll.
  const spaceKey = JSON.stringify(head.space);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the space is its JSON, see above
  const space = useMemo(() => head.space, [spaceKey]);

  const live = !isFinalSearch(search.status);
  // The table and charts render in the browser only: the server would sort and lay out every
  // trial once more just to produce markup the browser redraws at its own size anyway.
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  const now = usePoll(live, String(search.id), renderedAt, async (signal) => {
    try {
      const r = await fetch(`/api/searches/${search.id}/poll?cursor=${cursor.current}`, {
        signal,
        cache: "no-store",
      });
      if (!r.ok) throw new Error(String(r.status));
      const poll = (await r.json()) as SearchPoll;
      if (signal.aborted) return;
      cursor.current = poll.cursor;
      setHead((prev) => unlessSame(prev, poll.search));
      setTrials((current) => mergeTrials(current, poll.trials));
      setStale(false);
    } catch {
      if (!signal.aborted) setStale(true);
    }
  });

  const bestTrial = search.best?.trialNumber ?? null;
  const best = bestTrial === null ? undefined : trials.find((t) => t.n === bestTrial);
  // The insight views: the model's view (fetched once the page shows) and the metric axis.
  const insight = useInsight(search.id, trials, bestTrial, live);
  const [axis, setAxis] = useState<MetricAxisChoice>(LINEAR_AXIS);
  // The trials ticked in the table, and whether the compare panel is open.
  const selection = useTrialSelection();
  const [comparing, setComparing] = useState(false);

  return (
    <div data-testid="search-screen" data-status={search.status}>
      <SearchHeader
        search={search}
        best={best}
        stopAction={stopAction}
        deleteAction={deleteAction}
        now={now}
        stale={stale}
        saved={saved}
      />
      <NotesBox
        notes={search.notes}
        save={(notes) => notesAction({ search: search.id }, notes)}
        testId="search-notes"
        what="search"
      />

      <div style={{ marginTop: 18 }} />
      <ParallelPanel
        space={space}
        metric={search.metric}
        goal={search.goal}
        trials={trials}
        bestTrial={bestTrial}
        axis={axis}
        selected={visible}
        onSelect={setVisible}
        mounted={mounted}
      />

      <section className="panel">
        <div className="panel-head">
          <h2>Trials</h2>
          <span className="hint">
            Click a column to sort; click a row to open the trial; tick rows to compare them
          </span>
        </div>
        {mounted ? (
          <TrialsTable
            searchId={search.id}
            trials={trials}
            space={space}
            metric={search.metric}
            goal={search.goal}
            bestTrial={bestTrial}
            now={now}
            visible={visible}
            onShowAll={() => setVisible(null)}
            selected={selection.has}
            onToggleSelected={selection.toggle}
            selectionTools={
              <CompareTools
                selection={selection}
                comparing={comparing}
                onCompare={() => setComparing(true)}
              />
            }
          />
        ) : (
          <div className="placeholder" style={{ height: 560 }} />
        )}
      </section>

      {comparing && selection.trials.length > 0 ? (
        <ComparePanel
          searchId={search.id}
          trials={trials}
          selected={selection.trials}
          space={space}
          metric={search.metric}
          live={live}
          now={now}
          onRemove={selection.toggle}
          onClose={() => setComparing(false)}
        />
      ) : null}

      <section className="panel">
        <div className="panel-head">
          <h2>{search.metric} by parameter</h2>
          <span className="legend">
            <span>
              <i style={{ background: "#5b78d6" }} />
              trial
            </span>
            <span>
              <i style={{ background: "#1d3fa8", boxShadow: "0 0 0 2px #c9d3f0" }} />
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
            <MetricAxisControls value={axis} onChange={setAxis} />
          </span>
        </div>
        <div className="panel-body">
          {mounted ? (
            <FacetCharts
              searchId={search.id}
              space={space}
              trials={trials}
              metric={search.metric}
              goal={search.goal}
              bestTrial={bestTrial}
              model={insight.state === "ready" ? insight.view.slices : null}
              highlight={visible}
              axis={axis}
            />
          ) : (
            <div className="placeholder" style={{ height: 262 }} />
          )}
        </div>
      </section>

      <ModelPanels
        insight={insight}
        trials={trials}
        goal={search.goal}
        bestTrial={bestTrial}
        metric={search.metric}
      />

      <div className="grid-2" style={{ marginTop: 18 }}>
        <section className="panel">
          <div className="panel-head">
            <h2>{search.metric} per step</h2>
            <span className="hint">best trials, and running ones dashed</span>
          </div>
          <div className="panel-body">
            {mounted ? (
              <MetricCurves
                searchId={search.id}
                trials={trials}
                goal={search.goal}
                live={live}
                initial={initialCurves}
              />
            ) : (
              <div className="placeholder" style={{ height: 280 }} />
            )}
          </div>
        </section>
        <section className="panel">
          <div className="panel-head">
            <h2>Best {search.metric} so far</h2>
            <span className="hint">by trial number ({search.goal})</span>
          </div>
          <div className="panel-body">
            {mounted ? (
              <BestSoFarChart trials={trials} goal={search.goal} metric={search.metric} />
            ) : (
              <div className="placeholder" style={{ height: 280 }} />
            )}
          </div>
        </section>
      </div>
    </div>
  );
}
