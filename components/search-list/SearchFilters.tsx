/**
 * The search list's filters: a status and a label, sent as the page's query (a GET form, so it
 * works before any script runs, and the filtered list's URL survives a reload).
 */
import Link from "next/link";
import type { SearchListFilter } from "../../lib/console/search-list-filter";
import { SEARCH_STATUS, searchStatusSchema } from "../../lib/search/status";

export function SearchFilters({
  filter,
  ignored,
}: {
  filter: SearchListFilter;
  ignored: readonly string[];
}) {
  const active = filter.status !== undefined || filter.label !== undefined;
  return (
    <form method="get" action="/" className="list-filters" data-testid="search-filters">
      <label>
        <span className="muted">Status</span>
        <select name="status" defaultValue={filter.status ?? ""} data-testid="filter-status">
          <option value="">any</option>
          {searchStatusSchema.options.map((s) => (
            <option key={s} value={s} title={SEARCH_STATUS[s].meaning}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span className="muted">Label</span>
        <input
          name="label"
          defaultValue={filter.label ?? ""}
          placeholder="e.g. cifar"
          maxLength={100}
          data-testid="filter-label"
        />
      </label>
      <button type="submit" className="button small" data-testid="filter-apply">
        Filter
      </button>
      {active ? (
        <Link href="/" className="button small ghost" data-testid="filter-clear">
          Clear
        </Link>
      ) : null}
      {ignored.length > 0 ? (
        <span className="muted" data-testid="filter-ignored">
          Ignored: {ignored.join(", ")}
        </span>
      ) : null}
    </form>
  );
}

/** A search's labels as tags, each a link to the list filtered by it. */
export function LabelTags({ labels }: { labels: readonly string[] }) {
  if (labels.length === 0) return null;
  return (
    <span className="label-tags" data-testid="labels">
      {labels.map((l) => (
        <Link
          key={l}
          className="tag label-tag"
          href={`/?${new URLSearchParams({ label: l }).toString()}`}
          title={`searches labelled ${l}`}
        >
          {l}
        </Link>
      ))}
    </span>
  );
}
