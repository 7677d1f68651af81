/**
 * The trials table's columns: trial number, status, the aggregated metric, one column per
 * parameter (ids `param_<name>`), duration and start time. Missing values (a metric not known
 * yet, a failed trial) always sort last, whichever the direction. A value that is not a result
 * (what a pruned, stopped or failed trial printed: shown muted) sorts after the results, by
 * value in the same direction (`sortingOf`), before the trials with none.
 */
import {
  createColumnHelper,
  metaHelper,
  type Row,
  rowSortingFeature,
  tableFeatures,
} from "@tanstack/react-table";
import type { TrialRow } from "../../lib/console/views";
import { mayBeBest } from "../../lib/search/status";
import type { ParamSpec, ParamValue } from "../../lib/space/schema";
import { formatClock, formatDuration, formatMetric, formatParam } from "../ui/format";
import { StatusBadge } from "../ui/StatusBadge";

/**
 * Sorting state and header clicks only: the table sorts and filters its trials itself and gives
 * TanStack the rows in view (./trial-order).
 */
export const features = tableFeatures({
  rowSortingFeature,
  columnMeta: metaHelper<{ numeric?: boolean; width: number; grow?: boolean }>(),
});
export type Features = typeof features;

const helper = createColumnHelper<Features, TrialRow>();

/**
 * Numbers before strings; numbers by value, strings alphabetically (choice parameters). The
 * table's one order for every column, missing values last: the table's sort applies it on keys
 * (./trial-order, which its test holds to this function).
 */
export function compareValues(a: ParamValue, b: ParamValue): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortByValue(rowA: Row<Features, TrialRow>, rowB: Row<Features, TrialRow>, id: string) {
  return compareValues(rowA.getValue(id) as ParamValue, rowB.getValue(id) as ParamValue);
}

/**
 * The value column's second key, never drawn: the value of a trial that may not be best (a
 * pruned trial's value when it was stopped), so that among the rows the value column leaves
 * unordered (it sorts results only) those with a partial value come first, in its order.
 */
export const partialValueColumn = helper.accessor(
  (row) => (mayBeBest(row) ? undefined : (row.value ?? undefined)),
  { id: "value_partial", sortUndefined: "last", sortFn: sortByValue, meta: { width: 0 } },
);

/** The keys the table sorts by for the header's sorting: the value column brings its second. */
export function sortingOf<S extends { id: string; desc: boolean }>(sorting: readonly S[]): S[] {
  return sorting.flatMap((s) =>
    s.id === "value" ? [s, { ...s, id: partialValueColumn.id }] : [s],
  );
}

/** Column widths in px; the table lays rows out as flex rows of these widths. */
export const WIDTH = {
  n: 72,
  status: 112,
  value: 132,
  param: 128,
  job: 96,
  duration: 96,
  started: 96,
};

/**
 * `now`: the clock running trials' durations are measured with (read when a cell is drawn or
 * sorted). `withJobs`: add the Slurm job id column (the search's trials run as cluster jobs).
 */
export function trialColumns(
  space: readonly ParamSpec[],
  metric: string,
  now: () => number,
  withJobs = false,
) {
  return helper.columns([
    helper.accessor("n", {
      id: "n",
      header: "#",
      meta: { width: WIDTH.n },
      cell: (info) => <span className="mono">{info.getValue()}</span>,
    }),
    helper.accessor("status", {
      id: "status",
      header: "Status",
      meta: { width: WIDTH.status },
      cell: (info) => <StatusBadge of="trial" status={info.getValue()} />,
    }),
    // Sorted by results only (what may be best), so best-first puts the best trial on top; a
    // value a trial printed before it failed or was stopped is shown, muted, and sorts with
    // the trials that have none.
    helper.accessor((row) => (mayBeBest(row) ? row.value : undefined), {
      id: "value",
      header: metric,
      sortUndefined: "last",
      sortFn: sortByValue,
      meta: { width: WIDTH.value, numeric: true, grow: true },
      cell: (info) => {
        const t = info.row.original;
        const partial = t.value !== null && !mayBeBest(t);
        return (
          <span
            data-value={t.value ?? ""}
            className={partial ? "muted" : undefined}
            title={partial ? `${t.status}: not a result, never the best` : undefined}
          >
            {formatMetric(t.value)}
          </span>
        );
      },
    }),
    ...space.map((spec) =>
      helper.accessor((row) => row.params[spec.name], {
        id: `param_${spec.name}`,
        header: spec.name,
        sortUndefined: "last",
        sortFn: sortByValue,
        meta: { width: WIDTH.param, numeric: spec.kind === "range", grow: true },
        cell: (info) => (
          <span data-value={String(info.getValue() ?? "")}>
            {formatParam(info.getValue(), spec)}
          </span>
        ),
      }),
    ),
    ...(withJobs
      ? [
          // A job id that is a number sorts as one (job 9 before job 10).
          helper.accessor((row) => (row.jobId === null ? undefined : jobKey(row.jobId)), {
            id: "job",
            header: "Slurm job",
            sortUndefined: "last",
            sortFn: sortByValue,
            meta: { width: WIDTH.job, numeric: true },
            cell: (info) => <span className="mono">{info.getValue() ?? "-"}</span>,
          }),
        ]
      : []),
    helper.accessor((row) => durationOf(row, now()), {
      id: "duration",
      header: "Duration",
      sortUndefined: "last",
      meta: { width: WIDTH.duration, numeric: true },
      // From the clock, not the table's cached value: a running trial's duration grows while
      // its row stays the same.
      cell: (info) => formatDuration(durationOf(info.row.original, now())),
    }),
    helper.accessor((row) => row.startedAt ?? undefined, {
      id: "started",
      header: "Started",
      sortUndefined: "last",
      meta: { width: WIDTH.started, numeric: true },
      cell: (info) => <span suppressHydrationWarning>{formatClock(info.getValue())}</span>,
    }),
  ]);
}

function jobKey(jobId: string): number | string {
  return /^\d{1,15}$/.test(jobId) ? Number(jobId) : jobId;
}

/** How long `row` ran (or has run, by `now`); undefined before it started. */
export function durationOf(row: TrialRow, now: number): number | undefined {
  return row.startedAt === null
    ? undefined
    : (row.endedAt ?? Math.max(now, row.startedAt)) - row.startedAt;
}
