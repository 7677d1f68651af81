"use client";
/**
 * The search page: header, trials table, facet charts, curves, convergence and exports. It owns
 * the page's copy of the search and its trials and keeps it current by polling every second
 * while the search is live: the poll brings the search and only the trials that are new or were
 * still running (see `pollSearch`), so the page is never more than about a second behind.
 */
import { useEffect, useRef, useState } from "react";
import { type PackedTrials, unpackTrials } from "../../lib/console/pack";
import type { Curve, SearchPoll, SearchView, TrialRow } from "../../lib/console/views";
import { isFinalSearch, isFinalTrial } from "../../lib/search/status";
import { FacetCharts } from "../facet-charts/FacetCharts";
import { BestSoFarChart } from "../metric-charts/BestSoFarChart";
import { MetricCurves } from "../metric-charts/MetricCurves";
import { TrialsTable } from "../trials-table/TrialsTable";
import { usePoll } from "../ui/use-poll";
import { SearchHeader, type StopAction } from "./SearchHeader";

function merge(current: TrialRow[], changed: readonly TrialRow[]): TrialRow[] {
  if (changed.length === 0) return current;
  const byNumber = new Map(current.map((t) => [t.n, t]));
  let differs = false;
  for (const t of changed) {
    const old = byNumber.get(t.n);
    if (!old || JSON.stringify(old) !== JSON.stringify(t)) {
      byNumber.set(t.n, t);
      differs = true;
    }
  }
  if (!differs) return current;
  return [...byNumber.values()].sort((a, b) => a.n - b.n);
}

export function SearchScreen({
  initialSearch,
  initialTrials,
  initialCurves,
  stopAction,
}: {
  initialSearch: SearchView;
  initialTrials: PackedTrials;
  initialCurves: { key: string; curves: Curve[] };
  stopAction: StopAction;
}) {
  const [search, setSearch] = useState(initialSearch);
  const [trials, setTrials] = useState(() => unpackTrials(initialTrials));
  const [stale, setStale] = useState(false);
  // The trials the insight views (parallel coordinates' brushes) leave in view; null: all.
  const [visible, setVisible] = useState<ReadonlySet<number> | null>(null);
  const trialsRef = useRef(trials);
  trialsRef.current = trials;

  const live = !isFinalSearch(search.status);
  // The table and charts render in the browser only: the server would sort and lay out every
  // trial once more just to produce markup the browser redraws at its own size anyway.
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  const now = usePoll(live, String(search.id), async (signal) => {
    const held = trialsRef.current;
    const after = held.reduce((m, t) => Math.max(m, t.n), 0);
    const liveNumbers = held.filter((t) => !isFinalTrial(t.status)).map((t) => t.n);
    try {
      const r = await fetch(
        `/api/searches/${search.id}/poll?after=${after}&live=${liveNumbers.join(",")}`,
        { signal, cache: "no-store" },
      );
      if (!r.ok) throw new Error(String(r.status));
      const poll = (await r.json()) as SearchPoll;
      if (signal.aborted) return;
      setSearch(poll.search);
      setTrials((current) => merge(current, poll.trials));
      setStale(false);
    } catch {
      if (!signal.aborted) setStale(true);
    }
  });

  const bestTrial = search.best?.trialNumber ?? null;
  const best = bestTrial === null ? undefined : trials.find((t) => t.n === bestTrial);

  return (
    <div data-testid="search-screen" data-status={search.status}>
      <SearchHeader search={search} best={best} stopAction={stopAction} now={now} stale={stale} />

      <section className="panel" style={{ marginTop: 18 }}>
        <div className="panel-head">
          <h2>Trials</h2>
          <span className="hint">Click a column to sort; click a row to open the trial</span>
        </div>
        {mounted ? (
          <TrialsTable
            searchId={search.id}
            trials={trials}
            space={search.space}
            metric={search.metric}
            goal={search.goal}
            bestTrial={bestTrial}
            now={now}
            visible={visible}
            onShowAll={() => setVisible(null)}
          />
        ) : (
          <div className="placeholder" style={{ height: 560 }} />
        )}
      </section>

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
          </span>
        </div>
        <div className="panel-body">
          {mounted ? (
            <FacetCharts
              searchId={search.id}
              space={search.space}
              trials={trials}
              metric={search.metric}
              goal={search.goal}
              bestTrial={bestTrial}
            />
          ) : (
            <div className="placeholder" style={{ height: 262 }} />
          )}
        </div>
      </section>

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
