/**
 * Notes: a person's markdown on a search or a trial (what they concluded, what to try next).
 * Stored as written, in both stores; shown by the console's safe renderer
 * (lib/console/markdown.ts parses, components/notes/Markdown.tsx renders), which makes React
 * elements of it and never HTML. The console's form, its server action, the store and the CLI
 * all check notes with this one schema.
 */
import { z } from "zod";

/** Longest notes one search or trial keeps: a page of text, not a log. */
export const NOTES_MAX_CHARS = 20_000;

const count = (n: number) => n.toLocaleString("en-US");

export const notesSchema = z.string().max(NOTES_MAX_CHARS, {
  error: (issue) =>
    `notes are ${typeof issue.input === "string" ? `${count(issue.input.length)} characters, ` : ""}longer than the ${count(NOTES_MAX_CHARS)} characters notes may hold`,
});

/** What is wrong with `text` as notes, in one line; undefined when it may be stored. */
export function notesProblem(text: unknown): string | undefined {
  const parsed = notesSchema.safeParse(text);
  return parsed.success ? undefined : (parsed.error.issues[0]?.message ?? "notes are not text");
}
