"use server";
/**
 * Save the notes of a search, or of one of its trials (`trial` given): the console's Notes box.
 * Guarded as stop-search.ts is (the request guard's rules first), then read by zod with the one
 * notes schema (lib/search/notes.ts): notes over the limit come back as a message and nothing is
 * stored. Returns the notes as stored ("" for none: whitespace alone clears them).
 */
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { isHyperbayesError } from "../../../lib/errors";
import { notesProblem } from "../../../lib/search/notes";
import { assertActionAllowed, ForbiddenError } from "../../_server/auth";
import { getStore } from "../../_server/store";

const target = z.object({
  search: z.number().int().positive(),
  trial: z.number().int().positive().optional(),
});

export type NotesTarget = z.infer<typeof target>;

export async function saveNotes(
  to: NotesTarget,
  notes: string,
): Promise<{ ok: true; notes: string } | { ok: false; message: string }> {
  try {
    await assertActionAllowed();
  } catch (e) {
    if (e instanceof ForbiddenError) return { ok: false, message: e.message };
    throw e;
  }
  const parsed = target.safeParse(to);
  if (!parsed.success) return { ok: false, message: "bad notes request" };
  const problem = notesProblem(notes);
  if (problem) return { ok: false, message: problem };
  const { search, trial } = parsed.data;
  let stored: string;
  try {
    const store = await getStore();
    if (trial === undefined) stored = (await store.updateSearch(search, { notes })).notes;
    else stored = (await store.updateTrial(search, trial, { notes })).notes;
  } catch (e) {
    if (isHyperbayesError(e)) return { ok: false, message: e.message };
    throw e;
  }
  revalidatePath(
    trial === undefined ? `/searches/${search}` : `/searches/${search}/trials/${trial}`,
  );
  return { ok: true, notes: stored };
}
