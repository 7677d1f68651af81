/** `/searches/:id`: the search's live page (see SearchScreen). */
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { preloadTrials } from "../../../components/search-page/early-trials";
import { SearchScreen } from "../../../components/search-page/SearchScreen";
import { loadSearchPage } from "../../_server/data";
import { idParam } from "../../_server/guard";
import { deleteSearch } from "./delete-search";
import { saveNotes } from "./save-notes";
import { stopSearch } from "./stop-search";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: `Search #${(await params).id}` };
}

export default async function SearchPage({ params }: Props) {
  const id = idParam((await params).id);
  const page = id === undefined ? undefined : await loadSearchPage(id);
  if (!page) notFound();
  // The trials start to travel while the page's JavaScript loads (see early-trials.ts).
  preloadTrials(page.search.id);
  return (
    <SearchScreen
      initialSearch={page.search}
      renderedAt={Date.now()}
      stopAction={stopSearch}
      deleteAction={deleteSearch}
      notesAction={saveNotes}
    />
  );
}
