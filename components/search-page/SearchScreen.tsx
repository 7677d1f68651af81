"use client";
/**
 * The search page: header, trials table, facet charts, curves, convergence and exports. It owns
 * the page's copy of the search and its trials. The HTML brings the search alone; the trials
 * come once the page is in the browser (GET /api/searches/:id/trials, packed, see
 * `useSearchTrials`), and the table and charts draw then. While the search is live it polls
 * every second from there: each poll sends the page's cursor and brings the search and only the
 * trials written since (see `pollSearch`), which `mergeTrials` puts in place. Counts come from
 * the trials the page holds (the server's until they arrive).
 */
import { useMemo, useRef, useState } from "react";
import { LINEAR_AXIS, type MetricAxisChoice } from "../../lib/console/metric-axis";
import { countByStatus, mergeTrials } from "../../lib/console/trial-changes";
import type { SearchHead, SearchPoll, SearchView, TrialRow } from "../../lib/console/views";
import { earlyStopIdle, stepsSaved } from "../../lib/pruning/savings";
import { isFinalSearch } from "../../lib/search/status";
import { ComparePanel, CompareTools } from "../compare/ComparePanel";
import { useTrialSelection } from "../compare/use-trial-selection";
import { FacetCharts, FacetLegend } from "../facet-charts/FacetCharts";
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
import { useSearchTrials } from "./use-search-trials";

const NO_TRIALS: TrialRow[] = [];

/** `next` unless it says the same as `prev`: a poll that changed nothing re-renders nothing. */
function unlessSame<T>(prev: T, next: T): T {
  return JSON.stringify(prev) === JSON.stringify(next) ? prev : next;
}

export function SearchScreen({
  initialSearch,
  renderedAt,
  stopAction,
  deleteAction,
  notesAction,
}: {
  initialSearch: SearchView;
  /** The server's clock when it rendered the page (see usePoll). */
  renderedAt: number;
  stopAction: StopAction;
  deleteAction?: DeleteAction;
  notesAction: NotesAction;
}) {
  const [head, setHead] = useState<SearchHead>(initialSearch);
  const cursor = useRef(0);
  const { first, failed } = useSearchTrials(initialSearch.id, (c) => {
    cursor.current = c;
  });
  // The trials as the polls left them; null: as they came (`first`).
  const [polled, setTrials] = useState<TrialRow[] | null>(null);
  const trials = polled ?? first?.trials ?? NO_TRIALS;
  // The table and charts draw once the trials are in (the server's markup has placeholders).
  const mounted = first !== null;
  const [stale, setStale] = useState(false);
  // The trials the insight views (parallel coordinates' brushes) leave in view; null: all.
  const [visible, setVisible] = useState<ReadonlySet<number> | null>(null);
  const counts = useMemo(
    () => (mounted ? countByStatus(trials) : initialSearch.counts),
    [mounted, trials, initialSearch.counts],
  );
  const saved = useMemo(() => stepsSaved(trials), [trials]);
  const idle = useMemo(
    () =>
      head.earlyStop
        ? earlyStopIdle(
            {
              earlyStop: head.earlyStop.rule,
              earlyStopMinSteps: head.earlyStop.minSteps,
              metric: head.metric,
            },
            trials,
          )
        : undefined,
    [head, trials],
  );
  const search: SearchView = useMemo(() => ({ ...head, counts }), [head, counts]);
  // The space only changes with the search's spec: kept as one object, so the table's columns
  // and the charts' scales are built once, not on every poll.
  const spaceKey = JSON.stringify(head.space);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the space is its JSON, see above
  const space = useMemo(() => head.space, [spaceKey]);

  const live = !isFinalSearch(search.status);
  // Polls start from the cursor the trials came with.
  const now = usePoll(live && mounted, String(search.id), renderedAt, async (signal) => {
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
      setTrials((current) => mergeTrials(current ?? first?.trials ?? NO_TRIALS, poll.trials));
      setStale(false);
    } catch {
      if (!signal.aborted) setStale(true);
    }
  });

  const bestTrial = search.best?.trialNumber ?? null;
  const best = bestTrial === null ? undefined : trials.find((t) => t.n === bestTrial);
  // The insight views: the model's view (fetched once the page shows) and the metric axis.
  // Asked for once the trials are in: the server's fit never delays them.
  const insight = useInsight(search.id, trials, bestTrial, live, mounted);
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
        stale={stale || failed}
        saved={saved}
        idle={idle}
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
            <FacetLegend pruned={counts.pruned > 0} />
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
            {first ? (
              <MetricCurves
                searchId={search.id}
                trials={trials}
                goal={search.goal}
                live={live}
                initial={first.curves}
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
