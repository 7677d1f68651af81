"use client";
/**
 * The notes of a search or a trial: shown rendered (components/notes/Markdown.tsx), and edited
 * in place: Edit opens a textarea with the text as stored, Save sends it through the page's
 * server action (checked there and here with the one notes schema), Cancel drops the draft.
 *
 * A live page's polls keep bringing the notes as stored; they never touch a draft being edited
 * (the draft is this box's own state, read from the notes once, when Edit is clicked). Once a
 * save succeeds the box shows what was saved until the polls bring a change of the notes: a
 * poll that left before the save cannot put the old text back.
 */
import { useEffect, useRef, useState } from "react";
import { NOTES_MAX_CHARS, notesProblem } from "../../lib/search/notes";
import { Markdown } from "./Markdown";

export type SaveNotes = (
  notes: string,
) => Promise<{ ok: true; notes: string } | { ok: false; message: string }>;

/** The server action a page hands down (app/searches/[id]/save-notes.ts). */
export type NotesAction = (
  to: { search: number; trial?: number },
  notes: string,
) => ReturnType<SaveNotes>;

export function NotesBox({
  notes,
  save,
  testId,
  what,
}: {
  /** The notes as the page last read them ("" when none). */
  notes: string;
  save: SaveNotes;
  testId: string;
  /** "search" or "trial": the empty box's words. */
  what: string;
}) {
  const [draft, setDraft] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);

  // A change of the notes the page reads (a poll, a reload) replaces what this box saved.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the page's notes change
  useEffect(() => setSaved(null), [notes]);
  const shown = saved ?? notes;

  const edit = () => {
    setDraft(shown);
    setError(null);
  };
  const editing = draft !== null;
  useEffect(() => {
    if (editing) area.current?.focus();
  }, [editing]);

  const submit = async () => {
    if (draft === null) return;
    const problem = notesProblem(draft);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    try {
      const result = await save(draft);
      if (result.ok) {
        setSaved(result.notes);
        setDraft(null);
        setError(null);
      } else setError(result.message);
    } catch {
      setError("the console could not be reached; the notes were not saved");
    } finally {
      setBusy(false);
    }
  };

  const over = draft !== null && draft.length > NOTES_MAX_CHARS;
  return (
    <section className="panel notes" data-testid={testId}>
      <div className="panel-head">
        <h2>Notes</h2>
        {draft === null ? (
          <button
            type="button"
            className="button small"
            onClick={edit}
            data-testid={`${testId}-edit`}
          >
            {shown === "" ? "Add notes" : "Edit"}
          </button>
        ) : (
          <span className="hint">
            Markdown: # heading, **bold**, *italic*, `code`, - lists, [link](https://…)
          </span>
        )}
      </div>
      <div className="panel-body">
        {draft === null ? (
          shown === "" ? (
            <div className="muted" data-testid={`${testId}-empty`}>
              No notes on this {what} yet.
            </div>
          ) : (
            <Markdown source={shown} testId={`${testId}-text`} />
          )
        ) : (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void submit();
            }}
          >
            <textarea
              ref={area}
              className="notes-input"
              value={draft}
              rows={Math.min(24, Math.max(6, draft.split("\n").length + 1))}
              onChange={(e) => setDraft(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
                  e.preventDefault();
                  void submit();
                } else if (e.key === "Escape") setDraft(null);
              }}
              aria-label={`Notes on this ${what}`}
              aria-invalid={over || error !== null ? true : undefined}
              data-testid={`${testId}-input`}
            />
            {error ? (
              <div className="field-error" role="alert" data-testid={`${testId}-error`}>
                {error}
              </div>
            ) : null}
            <div className="notes-actions">
              <button
                type="submit"
                className="button primary small"
                disabled={busy}
                data-testid={`${testId}-save`}
              >
                {busy ? "Saving…" : "Save"}
              </button>
              <button
                type="button"
                className="button ghost small"
                onClick={() => setDraft(null)}
                data-testid={`${testId}-cancel`}
              >
                Cancel
              </button>
              <span className={over ? "notes-count over" : "notes-count"}>
                {draft.length.toLocaleString("en-US")} / {NOTES_MAX_CHARS.toLocaleString("en-US")}
              </span>
            </div>
          </form>
        )}
      </div>
    </section>
  );
}
