"use client";
/**
 * The search's metric over steps for a handful of trials: the best ones (curveTrials) and those
 * running now. Curves are fetched for just those trials (thinned on the server), and refetched
 * while any of them runs, so a search with half a million points sends a few thousand.
 */
import { useEffect, useMemo, useState } from "react";
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { curveKey, curveTrials } from "../../lib/console/curve-trials";
import type { Curve, TrialRow } from "../../lib/console/views";
import type { Goal } from "../../lib/metrics/schema";
import { trialColour } from "../ui/trial-colour";
import { GRID_STROKE, metricYAxis, stepTooltip, stepXAxis } from "./step-axes";

export function MetricCurves({
  searchId,
  trials,
  goal,
  live,
  initial,
}: {
  searchId: number;
  trials: TrialRow[];
  goal: Goal;
  live: boolean;
  /** Curves sent with the page, for the trials `curveTrials` picked then. */
  initial: { key: string; curves: Curve[] };
}) {
  const picked = useMemo(() => curveTrials(trials, goal), [trials, goal]);
  const { running, pruned } = picked;
  const wanted = useMemo(() => curveKey(picked), [picked]);
  const [curves, setCurves] = useState<Curve[] | null>(
    wanted === initial.key ? initial.curves : null,
  );
  const [tick2, setTick] = useState(0);

  useEffect(() => {
    if (!live || running.length === 0) return;
    const timer = setInterval(() => setTick((t) => t + 1), 2000);
    return () => clearInterval(timer);
  }, [live, running.length]);

  useEffect(() => {
    if (wanted === "") {
      setCurves([]);
      return;
    }
    // The page came with these; a running trial's grow, so those are fetched again on ticks.
    if (wanted === initial.key && tick2 === 0) return;
    const controller = new AbortController();
    fetch(`/api/searches/${searchId}/curves?trials=${wanted}`, { signal: controller.signal })
      .then((r) =>
        r.ok ? (r.json() as Promise<Curve[]>) : Promise.reject(new Error(String(r.status))),
      )
      .then(setCurves)
      .catch(() => {
        // Aborted (a newer request replaced it) or the server is gone: keep what is drawn.
      });
    return () => controller.abort();
  }, [searchId, wanted, tick2, initial.key]);

  const runningSet = useMemo(() => new Set(running), [running]);
  const prunedSet = useMemo(() => new Set(pruned), [pruned]);
  if (curves === null) return <div className="chart-box tall muted" data-testid="curves-loading" />;
  if (curves.length === 0) return <div className="empty">No metric points yet.</div>;
  return (
    <div className="chart-box tall" data-testid="metric-curves" data-curves={curves.length}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke={GRID_STROKE} />
          <XAxis {...stepXAxis} />
          <YAxis {...metricYAxis} />
          <Tooltip {...stepTooltip} />
          <Legend iconType="plainline" wrapperStyle={{ fontSize: 12 }} />
          {curves.map((c, i) => (
            <Line
              key={`${c.trial}:${c.name}`}
              className={`curve-trial-${c.trial}`}
              name={`trial ${c.trial}${runningSet.has(c.trial) ? " (running)" : prunedSet.has(c.trial) ? " (pruned)" : ""}`}
              data={c.steps.map((step, j) => ({ step, value: c.values[j] }))}
              dataKey="value"
              // The trial's own colour (the same in every chart); pruned curves thin and faded:
              // they end at their rung.
              stroke={trialColour(c.trial)}
              strokeOpacity={prunedSet.has(c.trial) ? 0.6 : 1}
              strokeWidth={
                prunedSet.has(c.trial) ? 1.1 : i === 0 && !runningSet.has(c.trial) ? 2.2 : 1.4
              }
              strokeDasharray={runningSet.has(c.trial) ? "4 3" : undefined}
              dot={false}
              connectNulls={false}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
