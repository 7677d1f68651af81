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

/**
 * `current` with trial `n` ticked or unticked, and the note to show: a tick past `limit` leaves
 * the selection as it is and says why.
 */
export function toggleTrial(
  current: readonly number[],
  n: number,
  limit = COMPARE_LIMIT,
): { trials: readonly number[]; note: string | null } {
  if (current.includes(n)) return { trials: current.filter((t) => t !== n), note: null };
  if (current.length >= limit)
    return {
      trials: current,
      note: `At most ${limit} trials can be compared; untick one to add trial ${n}.`,
    };
  return { trials: [...current, n], note: null };
}

export function useTrialSelection(): TrialSelection {
  const [state, setState] = useState<{ trials: readonly number[]; note: string | null }>({
    trials: [],
    note: null,
  });
  const toggle = useCallback((n: number) => setState((s) => toggleTrial(s.trials, n)), []);
  const clear = useCallback(() => setState({ trials: [], note: null }), []);
  const has = useMemo(() => new Set(state.trials), [state.trials]);
  return { trials: state.trials, has, toggle, clear, note: state.note };
}
