/**
 * `/`: every search, newest first, or those the query's filter takes (`?status=running&label=x`,
 * lib/console/search-list-filter). Refreshes itself while any search shown is queued or running.
 */
import { SearchFilters } from "../components/search-list/SearchFilters";
import { anyLive, SearchList } from "../components/search-list/SearchList";
import { AutoRefresh } from "../components/ui/AutoRefresh";
import { readListFilter } from "../lib/console/search-list-filter";
import { loadSearchList } from "./_server/data";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function SearchesPage({ searchParams }: Props) {
  const { filter, ignored } = readListFilter(await searchParams);
  const filtered = filter.status !== undefined || filter.label !== undefined;
  const { items, total } = await loadSearchList(filter);
  const what = filtered ? "matching" : "";
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Searches</h1>
          <div className="sub" data-testid="list-count">
            {total === 0
              ? filtered
                ? "No search matches the filter."
                : "Nothing has run yet."
              : total > items.length
                ? `The newest ${items.length} of ${total}${what ? ` ${what}` : ""}`
                : `${total} search${total === 1 ? "" : "es"}${what ? ` ${what}` : ""}`}
          </div>
        </div>
      </div>
      <div className="panel">
        <SearchFilters filter={filter} ignored={ignored} />
        <SearchList items={items} filtered={filtered} />
      </div>
      <AutoRefresh active={anyLive(items)} />
    </>
  );
}
