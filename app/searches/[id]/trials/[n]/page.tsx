/** `/searches/:id/trials/:n`: one trial, live while it runs (see TrialScreen). */
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { TrialScreen } from "../../../../../components/trial-page/TrialScreen";
import { loadTrialDetail } from "../../../../_server/data";
import { idParam } from "../../../../_server/guard";
import { saveNotes } from "../../save-notes";

type Props = { params: Promise<{ id: string; n: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const p = await params;
  return { title: `Trial ${p.n} of search #${p.id}` };
}

export default async function TrialPage({ params }: Props) {
  const p = await params;
  const id = idParam(p.id);
  const n = idParam(p.n);
  const detail = id !== undefined && n !== undefined ? await loadTrialDetail(id, n) : undefined;
  if (!detail) notFound();
  return <TrialScreen initial={detail} renderedAt={Date.now()} notesAction={saveNotes} />;
}
