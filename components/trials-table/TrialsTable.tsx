"use client";
/**
 * The trials of a search as a sortable, filterable table that draws only the rows in view
 * (TanStack Virtual), so 100,000 trials scroll and re-sort without delay. The table filters and
 * sorts the trials itself (./trial-order) and gives TanStack Table only the rows in view to draw,
 * with its sorting state and header clicks (manual sorting). Sorted by
 * the metric, best first, until the user picks another column. A row opens its trial; its
 * checkbox selects it for the compare panel (the selection is the page's, kept by trial number,
 * so it survives polls, sorting and filtering). The filter box takes conditions and free text
 * (lib/console/trial-filter.ts); a term it cannot read is named under the box and left out.
 */
import { type SortingState, useTable } from "@tanstack/react-table";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useRouter } from "next/navigation";
import { type ReactNode, useMemo, useRef, useState } from "react";
import { FILTER_HINT, matchesFilter, parseTrialFilter } from "../../lib/console/trial-filter";
import type { TrialRow } from "../../lib/console/views";
import type { Goal } from "../../lib/metrics/schema";
import { higherIsBetter, trialStatusSchema } from "../../lib/search/status";
import type { ParamSpec } from "../../lib/space/schema";
import { BreakableName } from "../ui/BreakableName";
import { features, partialValueColumn, sortingOf, trialColumns } from "./columns";
import { sortTrials } from "./trial-order";

const ROW_HEIGHT = 34;
/** The selection checkbox's column. */
const SELECT_WIDTH = 36;

/** Fixed columns keep their width; the metric and parameters share what is left. */
function cellStyle(meta: { width: number; grow?: boolean } | undefined) {
  const width = meta?.width ?? 120;
  return { flex: `${meta?.grow ? 1 : 0} 0 ${width}px`, minWidth: width };
}

export function TrialsTable({
  searchId,
  trials,
  space,
  metric,
  goal,
  bestTrial,
  now,
  visible = null,
  onShowAll,
  selected,
  onToggleSelected,
  selectionTools,
}: {
  searchId: number;
  trials: TrialRow[];
  /**
   * Only these trial numbers are shown (a brush on the parallel coordinates, say); null: all.
   * Applied before the table's own filters, and counted in "N of M trials".
   */
  visible?: ReadonlySet<number> | null;
  /** Drops `visible` (the "show all" beside the count); absent: no such button. */
  onShowAll?: () => void;
  /** Trials ticked for the compare panel; absent: no checkbox column. */
  selected?: ReadonlySet<number>;
  onToggleSelected?: (n: number) => void;
  /** Shown in the tools row after the filters (the compare button). */
  selectionTools?: ReactNode;
  space: ParamSpec[];
  metric: string;
  goal: Goal;
  bestTrial: number | null;
  now: number;
}) {
  const router = useRouter();
  const [sorting, setSorting] = useState<SortingState>([
    { id: "value", desc: higherIsBetter(goal) },
  ]);
  const [statusFilter, setStatusFilter] = useState("");
  const [query, setQuery] = useState("");
  // Durations of running trials tick with `now`, read through a ref: the columns are built once
  // per space and metric, not on every poll (a new set of columns makes the table read and sort
  // every row again). The cells in view are drawn again on each render anyway.
  const clock = useRef(now);
  clock.current = now;
  const withJobs = useMemo(() => trials.some((t) => t.jobId !== null), [trials]);
  const columns = useMemo(
    () => trialColumns(space, metric, () => clock.current, withJobs),
    [space, metric, withJobs],
  );

  // Parsed once per query; the rows are tested against its terms.
  const filter = useMemo(() => parseTrialFilter(query, { space, metric }), [query, space, metric]);

  const shown = useMemo(() => {
    const terms = filter.terms;
    if (visible === null && statusFilter === "" && terms.length === 0) return trials;
    return trials.filter(
      (t) =>
        (visible === null || visible.has(t.n)) &&
        (statusFilter === "" || t.status === statusFilter) &&
        (terms.length === 0 || matchesFilter(t, terms)),
    );
  }, [trials, visible, statusFilter, filter]);
  const ordered = useMemo(
    () => sortTrials(shown, sortingOf(sorting), [...columns, partialValueColumn]),
    [shown, sorting, columns],
  );

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: ordered.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    // Keyed by position (the default): a key function made anew each render, or keys that
    // move with a sort, had it lay out all 100,000 rows again on every render.
    // Before the browser measures (and on the server) draw the first screenful.
    initialRect: { width: 1000, height: 520 },
  });
  const items = virtualizer.getVirtualItems();
  // TanStack draws the rows in view, in order: its row k is items[k]'s trial.
  const inView = items.map((item) => ordered[item.index] as TrialRow);
  const table = useTable({
    features,
    columns,
    data: inView,
    getRowId: (row) => String(row.n),
    state: { sorting },
    onSortingChange: setSorting,
    manualSorting: true,
    enableSortingRemoval: false,
    // A first click sorts ascending, whatever the column holds.
    sortDescFirst: false,
    autoResetAll: false,
  });
  const rows = table.getRowModel().rows;

  const counts = useMemo(() => {
    const c = new Map<string, number>();
    for (const t of trials) c.set(t.status, (c.get(t.status) ?? 0) + 1);
    return c;
  }, [trials]);
  const selecting = selected !== undefined && onToggleSelected !== undefined;
  const totalWidth = table
    .getAllLeafColumns()
    .reduce((w, c) => w + (c.columnDef.meta?.width ?? 120), selecting ? SELECT_WIDTH : 0);

  return (
    <div>
      <div className="table-tools">
        <input
          type="text"
          placeholder={FILTER_HINT}
          title="Conditions on a column (x > 9, val_loss <= 0.5, optimizer = adam, status = failed) or any text; join them with and or a comma"
          aria-label="Filter trials: conditions such as x > 9, or text"
          aria-invalid={filter.issues.length > 0}
          aria-describedby={filter.issues.length > 0 ? "trials-filter-issue" : undefined}
          style={{ maxWidth: 380 }}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          data-testid="trials-filter"
        />
        <select
          aria-label="Filter trials by status"
          style={{ maxWidth: 180 }}
          value={statusFilter}
          onChange={(e) => setStatusFilter(e.target.value)}
          data-testid="trials-status-filter"
        >
          <option value="">All statuses</option>
          {trialStatusSchema.options
            .filter((s) => counts.has(s))
            .map((s) => (
              <option key={s} value={s}>
                {s} ({counts.get(s)})
              </option>
            ))}
        </select>
        <span className="count" data-testid="trials-count">
          {ordered.length === trials.length
            ? `${trials.length} trial${trials.length === 1 ? "" : "s"}`
            : `${ordered.length} of ${trials.length} trials`}
        </span>
        {selectionTools}
        {visible !== null && onShowAll ? (
          <button
            type="button"
            className="linkish"
            onClick={onShowAll}
            data-testid="trials-show-all"
          >
            show all
          </button>
        ) : null}
      </div>
      {filter.issues.length > 0 ? (
        <div className="filter-issue" id="trials-filter-issue" data-testid="trials-filter-issue">
          {filter.issues.map((issue) => (
            <div key={issue.term}>
              <code>{issue.term}</code>: {issue.message}
              {filter.terms.length > 0 ? " (left out; the other terms apply)" : " (left out)"}
            </div>
          ))}
        </div>
      ) : null}
      <div className="vt-scroll" ref={scrollRef}>
        <table
          className="vt"
          data-testid="trials-table"
          data-sort={sorting.map((s) => `${s.id}:${s.desc ? "desc" : "asc"}`).join(",")}
          style={{ minWidth: totalWidth }}
        >
          <thead>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {selecting ? (
                  <th className="select" style={{ flex: `0 0 ${SELECT_WIDTH}px` }}>
                    <span className="sr-only">Compare</span>
                  </th>
                ) : null}
                {group.headers.map((header) => {
                  const sorted = header.column.getIsSorted();
                  const numeric = header.column.columnDef.meta?.numeric === true;
                  return (
                    <th
                      key={header.id}
                      className={numeric ? "num" : undefined}
                      style={cellStyle(header.column.columnDef.meta)}
                      aria-sort={
                        sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : "none"
                      }
                      data-column={header.column.id}
                    >
                      <button
                        type="button"
                        onClick={header.column.getToggleSortingHandler()}
                        title={`Sort by ${String(header.column.columnDef.header)}`}
                      >
                        <span className="th-text">
                          <BreakableName name={String(header.column.columnDef.header)} />
                        </span>
                        <span className="sort-mark" aria-hidden>
                          {sorted === "asc" ? "▲" : sorted === "desc" ? "▼" : ""}
                        </span>
                      </button>
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody style={{ height: virtualizer.getTotalSize() }}>
            {items.map((item, k) => {
              const row = rows[k];
              if (!row) return null;
              const n = row.original.n;
              const href = `/searches/${searchId}/trials/${n}`;
              return (
                <tr
                  key={row.id}
                  data-index={item.index}
                  data-trial={n}
                  className={n === bestTrial ? "is-best" : undefined}
                  style={{ transform: `translateY(${item.start}px)` }}
                  onClick={() => router.push(href)}
                  onKeyDown={(e) => {
                    if (e.key === "Enter") router.push(href);
                  }}
                  tabIndex={0}
                >
                  {selecting ? (
                    <td className="select" style={{ flex: `0 0 ${SELECT_WIDTH}px` }}>
                      {/* The whole cell toggles the box; a click there never opens the trial. */}
                      <label
                        className="select-hit"
                        onClick={(e) => e.stopPropagation()}
                        onKeyDown={(e) => e.stopPropagation()}
                      >
                        <input
                          type="checkbox"
                          aria-label={`Select trial ${n} to compare`}
                          checked={selected.has(n)}
                          onChange={() => onToggleSelected(n)}
                          data-testid="trial-select"
                        />
                      </label>
                    </td>
                  ) : null}
                  {row.getAllCells().map((cell) => (
                    <td
                      key={cell.id}
                      data-column={cell.column.id}
                      className={cell.column.columnDef.meta?.numeric ? "num" : undefined}
                      style={cellStyle(cell.column.columnDef.meta)}
                    >
                      <table.FlexRender cell={cell} />
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
        {trials.length === 0 ? (
          <div className="empty">
            No trials yet: the worker starts them once it picks up the search.
          </div>
        ) : null}
      </div>
    </div>
  );
}
