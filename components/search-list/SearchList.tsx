/** The searches table of the home page: newest first, one row per search. */
import Link from "next/link";
import type { SearchListItem, UnreadableSearchItem } from "../../lib/console/views";
import { isFinalSearch } from "../../lib/search/status";
import { formatMetric } from "../ui/format";
import { LocalTime } from "../ui/LocalTime";
import { Progress } from "../ui/Progress";
import { StatusBadge } from "../ui/StatusBadge";
import { LabelTags } from "./SearchFilters";

export function SearchList({
  items,
  filtered = false,
}: {
  items: (SearchListItem | UnreadableSearchItem)[];
  /** The list is filtered: an empty one says so, rather than "no searches yet". */
  filtered?: boolean;
}) {
  if (items.length === 0 && filtered)
    return (
      <div className="empty" data-testid="no-match">
        <strong>No search matches</strong>
        <Link href="/">Show every search</Link>
      </div>
    );
  if (items.length === 0)
    return (
      <div className="empty">
        <strong>No searches yet</strong>
        Start one with <Link href="/searches/new">New search</Link>, or from a terminal with{" "}
        <code>hyperbayes bayesian …</code>
      </div>
    );
  return (
    <table className="list" data-testid="searches-table">
      <thead>
        <tr>
          <th style={{ width: 64 }}>ID</th>
          <th>Kind</th>
          <th>Description</th>
          <th>Labels</th>
          <th>Status</th>
          <th>Trials</th>
          <th className="num">Best</th>
          <th>Created</th>
        </tr>
      </thead>
      <tbody>
        {items.map((s) =>
          "unreadable" in s ? (
            <tr key={s.id} data-search-id={s.id} data-unreadable="">
              <td>#{s.id}</td>
              <td colSpan={6} className="muted">
                unreadable: {s.unreadable}
              </td>
              <td className="muted">
                {s.createdAt === null ? "" : <LocalTime ms={s.createdAt} />}
              </td>
            </tr>
          ) : (
            <tr key={s.id} data-search-id={s.id}>
              <td>
                <Link href={`/searches/${s.id}`}>#{s.id}</Link>
              </td>
              <td>
                <span className="tag">{s.kind}</span>
              </td>
              <td className="desc" title={s.description ?? undefined}>
                <Link href={`/searches/${s.id}`} style={{ color: "inherit" }}>
                  {s.description ?? <span className="muted">{s.metric}</span>}
                </Link>
              </td>
              <td>
                <LabelTags labels={s.labels} />
              </td>
              <td>
                <StatusBadge of="search" status={s.status} />
              </td>
              <td>
                <Progress done={s.done} running={s.running} total={s.numRuns} />
              </td>
              <td className="num" title={`${s.goal} ${s.metric}`}>
                {formatMetric(s.best)}
                <span className="muted" style={{ marginLeft: 6, fontSize: 12 }}>
                  {s.metric}
                </span>
              </td>
              <td className="muted" data-column="created">
                <LocalTime ms={s.createdAt} />
              </td>
            </tr>
          ),
        )}
      </tbody>
    </table>
  );
}

export function anyLive(items: (SearchListItem | UnreadableSearchItem)[]): boolean {
  return items.some((s) => !("unreadable" in s) && !isFinalSearch(s.status));
}
