/**
 * Notes: a person's markdown on a search or a trial (what they concluded, what to try next).
 * Stored as written, in both stores; shown by the console's safe renderer
 * (components/notes/markdown.tsx), which makes React elements of it and never HTML.
 */
import { z } from "zod";

/** Longest notes one search or trial keeps: a page of text, not a log. */
export const NOTES_MAX_CHARS = 20_000;

export const notesSchema = z
  .string()
  .max(NOTES_MAX_CHARS, { error: `notes are longer than ${NOTES_MAX_CHARS} characters` });
