"use client";
/**
 * The compare panel: the ticked trials' curves of one metric overlaid (each in its own colour,
 * components/ui/trial-colour.ts), and their parameters side by side, one column per trial, with
 * the rows whose values differ highlighted. The metric picker offers the metrics those trials
 * printed (GET /api/searches/:id/metrics); the curves come from the curves route with `metric`.
 * Curves of running trials are fetched again every two seconds while the search is live.
 */
import { type ReactNode, useEffect, useMemo, useState } from "react";
import type { Curve, TrialRow } from "../../lib/console/views";
import type { ParamSpec } from "../../lib/space/schema";
import { StepCurves, type StepSeries } from "../metric-charts/StepCurves";
import { durationOf } from "../trials-table/columns";
import { BreakableName } from "../ui/BreakableName";
import { formatDuration, formatMetric, formatParam } from "../ui/format";
import { StatusBadge } from "../ui/StatusBadge";
import { trialColour } from "../ui/trial-colour";
import type { TrialSelection } from "./use-trial-selection";

const REFRESH_MS = 2000;
/** More trials than this: the side-by-side table goes under the curves, at the panel's width. */
const STACK_ABOVE = 4;

/** Fetches JSON from `url` (null: nothing to fetch) again whenever `url` or `tick` changes. */
function useJson<T>(url: string | null, tick: number): { data: T | null; failed: boolean } {
  const [state, setState] = useState<{ url: string | null; data: T | null; failed: boolean }>({
    url: null,
    data: null,
    failed: false,
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: tick asks for the same url again
  useEffect(() => {
    if (url === null) return;
    const controller = new AbortController();
    fetch(url, { signal: controller.signal, cache: "no-store" })
      .then((r) => (r.ok ? (r.json() as Promise<T>) : Promise.reject(new Error(String(r.status)))))
      .then((data) => setState({ url, data, failed: false }))
      .catch(() => {
        // Aborted (a newer request replaced it), or the server is gone: say so, keep what is drawn.
        if (!controller.signal.aborted) setState((s) => ({ ...s, failed: true }));
      });
    return () => controller.abort();
  }, [url, tick]);
  return { data: state.data, failed: state.failed };
}

export function ComparePanel({
  searchId,
  trials,
  selected,
  space,
  metric,
  live,
  now,
  onRemove,
  onClose,
}: {
  searchId: number;
  trials: readonly TrialRow[];
  /** Trial numbers, in the order they were ticked. */
  selected: readonly number[];
  space: readonly ParamSpec[];
  /** The search's metric: the curves' first choice, and the value row. */
  metric: string;
  live: boolean;
  now: number;
  onRemove: (n: number) => void;
  onClose: () => void;
}) {
  const [chosen, setChosen] = useState(metric);
  const byNumber = useMemo(() => new Map(trials.map((t) => [t.n, t])), [trials]);
  const rows = selected.flatMap((n) => byNumber.get(n) ?? []);
  const key = selected.join(",");
  const anyRunning = rows.some((t) => t.status === "running");

  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!live || !anyRunning) return;
    const timer = setInterval(() => setTick((t) => t + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, [live, anyRunning]);

  const names = useJson<{ metrics: string[] }>(
    key === "" ? null : `/api/searches/${searchId}/metrics?trials=${key}`,
    tick,
  );
  const metrics = useMemo(() => {
    const list = names.data?.metrics ?? [];
    return list.includes(metric) ? list : [metric, ...list];
  }, [names.data, metric]);
  // A metric none of the trials printed any more (one was unticked) falls back to the search's.
  const shownMetric = metrics.includes(chosen) ? chosen : metric;
  const curves = useJson<Curve[]>(
    key === ""
      ? null
      : `/api/searches/${searchId}/curves?trials=${key}&metric=${encodeURIComponent(shownMetric)}`,
    tick,
  );

  return (
    <section className="panel compare" data-testid="compare-trials" data-trials={key}>
      <div className="panel-head">
        <h2>
          Compare {selected.length} trial{selected.length === 1 ? "" : "s"}
        </h2>
        <span className="compare-tools">
          <label className="compare-metric">
            <span>Curves of</span>
            <select
              value={shownMetric}
              onChange={(e) => setChosen(e.target.value)}
              data-testid="compare-metric"
            >
              {metrics.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="button small" onClick={onClose}>
            Close
          </button>
        </span>
      </div>
      <div className={selected.length > STACK_ABOVE ? "compare-body stacked" : "compare-body"}>
        <CompareCurves
          curves={curves.data}
          failed={curves.failed}
          metric={shownMetric}
          selected={selected}
        />
        <CompareParams
          rows={rows}
          space={space}
          metric={metric}
          now={now}
          searchId={searchId}
          onRemove={onRemove}
        />
      </div>
    </section>
  );
}

function CompareCurves({
  curves,
  failed,
  metric,
  selected,
}: {
  curves: Curve[] | null;
  failed: boolean;
  metric: string;
  selected: readonly number[];
}) {
  // Only the ticked trials' curves (a response for an earlier selection may still be shown).
  const drawn = useMemo(
    () => (curves ?? []).filter((c) => selected.includes(c.trial)),
    [curves, selected],
  );
  const series = useMemo(
    (): StepSeries[] =>
      drawn.map((c) => ({
        key: `${c.trial}:${c.name}`,
        trial: c.trial,
        label: `trial ${c.trial}${c.name === metric ? "" : ` (${c.name})`}`,
        steps: c.steps,
        values: c.values,
        colour: trialColour(c.trial),
        width: 1.6,
      })),
    [drawn, metric],
  );
  if (curves === null)
    return <div className="chart-box tall muted">{failed ? "Curves unavailable." : ""}</div>;
  const without = selected.filter((n) => !drawn.some((c) => c.trial === n));
  return (
    <div>
      <div data-testid="compare-curves" data-metric={metric} data-curves={drawn.length}>
        {drawn.length === 0 ? (
          <div className="empty">No trial printed {metric}.</div>
        ) : (
          <StepCurves series={series} height={244} />
        )}
      </div>
      {without.length > 0 && drawn.length > 0 ? (
        <div className="hint compare-note">
          No {metric} from trial{without.length === 1 ? "" : "s"} {without.join(", ")}.
        </div>
      ) : null}
    </div>
  );
}

type Cell = { key: string; text: string; node?: ReactNode };

function CompareParams({
  rows,
  space,
  metric,
  now,
  searchId,
  onRemove,
}: {
  rows: readonly TrialRow[];
  space: readonly ParamSpec[];
  metric: string;
  now: number;
  searchId: number;
  onRemove: (n: number) => void;
}) {
  const lines: { id: string; label: string; cells: Cell[]; compared: boolean }[] = [
    ...space.map((spec) => ({
      id: `param:${spec.name}`,
      label: spec.name,
      compared: true,
      cells: rows.map((t) => ({
        key: String(t.n),
        text: formatParam(t.params[spec.name], spec),
      })),
    })),
    {
      id: "value",
      label: metric,
      compared: true,
      cells: rows.map((t) => ({ key: String(t.n), text: formatMetric(t.value) })),
    },
    {
      id: "status",
      label: "status",
      compared: true,
      cells: rows.map((t) => ({
        key: String(t.n),
        text: t.status,
        node: <StatusBadge of="trial" status={t.status} />,
      })),
    },
    {
      // Durations differ nearly always: not highlighted, it would mark every comparison.
      id: "duration",
      label: "duration",
      compared: false,
      cells: rows.map((t) => ({ key: String(t.n), text: formatDuration(durationOf(t, now)) })),
    },
  ];
  return (
    <div className="compare-table-scroll">
      <table className="compare-table" data-testid="compare-params">
        <thead>
          <tr>
            <th scope="col">
              <span className="sr-only">Parameter</span>
            </th>
            {rows.map((t) => (
              <th key={t.n} scope="col" data-trial={t.n}>
                <span className="compare-trial">
                  <i style={{ background: trialColour(t.n) }} aria-hidden />
                  <a href={`/searches/${searchId}/trials/${t.n}`}>trial {t.n}</a>
                  <button
                    type="button"
                    className="compare-remove"
                    aria-label={`Remove trial ${t.n} from the comparison`}
                    title="Remove from the comparison"
                    onClick={() => onRemove(t.n)}
                  >
                    ×
                  </button>
                </span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {lines.map((line) => {
            const differs = line.compared && new Set(line.cells.map((c) => c.text)).size > 1;
            return (
              <tr
                key={line.id}
                data-row={line.id}
                data-differs={differs}
                className={differs ? "differs" : undefined}
              >
                <th scope="row">
                  <BreakableName name={line.label} />
                </th>
                {line.cells.map((c) => (
                  <td key={c.key} className="num" data-trial={c.key}>
                    {c.node ?? c.text}
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** The table's compare button, its clear button, and the note when the limit refused a tick. */
export function CompareTools({
  selection,
  comparing,
  onCompare,
}: {
  selection: TrialSelection;
  comparing: boolean;
  onCompare: () => void;
}) {
  const k = selection.trials.length;
  if (k === 0 && selection.note === null) return null;
  return (
    <span className="compare-tools">
      <button
        type="button"
        className="button small primary"
        disabled={k === 0 || comparing}
        onClick={onCompare}
        data-testid="compare-open"
      >
        Compare ({k})
      </button>
      <button
        type="button"
        className="button small"
        onClick={selection.clear}
        data-testid="compare-clear"
      >
        Clear selection
      </button>
      {selection.note ? (
        <span className="compare-limit" role="status" data-testid="compare-limit">
          {selection.note}
        </span>
      ) : null}
    </span>
  );
}
