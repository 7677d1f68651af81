/** `/`: every search, newest first. Refreshes itself while any search is queued or running. */
import { anyLive, SearchList } from "../components/search-list/SearchList";
import { AutoRefresh } from "../components/ui/AutoRefresh";
import { loadSearchList } from "./_server/data";

export default async function SearchesPage() {
  const { items, total } = await loadSearchList();
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Searches</h1>
          <div className="sub">
            {total === 0
              ? "Nothing has run yet."
              : total > items.length
                ? `The newest ${items.length} of ${total}`
                : `${total} search${total === 1 ? "" : "es"}`}
          </div>
        </div>
      </div>
      <div className="panel">
        <SearchList items={items} />
      </div>
      <AutoRefresh active={anyLive(items)} />
    </>
  );
}
