"use client";
/**
 * The trials ticked for comparison, by trial number in the order they were ticked (so a trial
 * added later joins on the right). Kept by the search page, apart from the table's rows, so it
 * survives polls, sorting and filtering. At most COMPARE_LIMIT: one more is refused with a note.
 */
import { useCallback, useMemo, useState } from "react";
import { COMPARE_LIMIT } from "../../lib/console/curve-trials";

export interface TrialSelection {
  /** In the order they were ticked. */
  trials: readonly number[];
  has: ReadonlySet<number>;
  toggle: (n: number) => void;
  clear: () => void;
  /** Why the last tick was refused (the limit), until the selection changes. */
  note: string | null;
}

export function useTrialSelection(): TrialSelection {
  const [trials, setTrials] = useState<readonly number[]>([]);
  const [note, setNote] = useState<string | null>(null);
  const toggle = useCallback((n: number) => {
    setTrials((current) => {
      if (current.includes(n)) {
        setNote(null);
        return current.filter((t) => t !== n);
      }
      if (current.length >= COMPARE_LIMIT) {
        setNote(`At most ${COMPARE_LIMIT} trials can be compared; untick one to add trial ${n}.`);
        return current;
      }
      setNote(null);
      return [...current, n];
    });
  }, []);
  const clear = useCallback(() => {
    setTrials([]);
    setNote(null);
  }, []);
  const has = useMemo(() => new Set(trials), [trials]);
  return { trials, has, toggle, clear, note };
}
