"use client";
/**
 * The search's metric over steps for a handful of trials: the best ones (curveTrials) and those
 * running now. Curves are fetched for just those trials (thinned on the server), and refetched
 * while any of them runs, so a search with half a million points sends a few thousand.
 */
import { useEffect, useMemo, useState } from "react";
import { curveKey, curveTrials } from "../../lib/console/curve-trials";
import type { Curve, TrialRow } from "../../lib/console/views";
import type { Goal } from "../../lib/metrics/schema";
import { trialColour } from "../ui/trial-colour";
import { StepCurves, type StepSeries } from "./StepCurves";

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

  const series = useMemo((): StepSeries[] => {
    const runningSet = new Set(running);
    const prunedSet = new Set(pruned);
    return (curves ?? []).map((c, i) => {
      const isRunning = runningSet.has(c.trial);
      const isPruned = prunedSet.has(c.trial);
      return {
        key: `${c.trial}:${c.name}`,
        trial: c.trial,
        label: `trial ${c.trial}${isRunning ? " (running)" : isPruned ? " (pruned)" : ""}`,
        steps: c.steps,
        values: c.values,
        // The trial's own colour (the same in every chart); pruned curves thin and faded: they
        // end at their rung; the best trial's (the first) stands out.
        colour: trialColour(c.trial),
        opacity: isPruned ? 0.6 : 1,
        width: isPruned ? 1.1 : i === 0 && !isRunning ? 2.2 : 1.4,
        dash: isRunning ? "4 3" : undefined,
      };
    });
  }, [curves, running, pruned]);
  if (curves === null) return <div className="chart-box tall muted" data-testid="curves-loading" />;
  if (curves.length === 0) return <div className="empty">No metric points yet.</div>;
  return (
    <div data-testid="metric-curves" data-curves={curves.length}>
      <StepCurves series={series} height={244} />
    </div>
  );
}
