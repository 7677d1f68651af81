/**
 * The search page's copy of its trials, kept current from polls: a poll brings the trials written
 * after the page's cursor (see the store's change sequence, db/rules.ts), and `mergeTrials` puts
 * them in place. The page's rows stay ordered by number; a row that did not change keeps its
 * object, so the table and charts can tell what moved. Counts come from the rows the page holds,
 * so a poll need not count the search's trials on the server.
 */
import { trialStatusSchema } from "../search/status";
import type { TrialCounts } from "../search/types";
import type { TrialRow } from "./views";

/** Index of the row numbered `n` in rows ordered by number, or where it would go (-(i + 1)). */
function find(rows: readonly TrialRow[], n: number): number {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const m = (rows[mid] as TrialRow).n;
    if (m === n) return mid;
    if (m < n) lo = mid + 1;
    else hi = mid - 1;
  }
  return -(lo + 1);
}

function sameRow(a: TrialRow, b: TrialRow): boolean {
  if (
    a.status !== b.status ||
    a.value !== b.value ||
    a.startedAt !== b.startedAt ||
    a.endedAt !== b.endedAt ||
    a.exitCode !== b.exitCode ||
    a.reason !== b.reason ||
    a.jobId !== b.jobId ||
    a.firstStep !== b.firstStep ||
    a.lastStep !== b.lastStep
  )
    return false;
  const ka = Object.keys(a.params);
  if (ka.length !== Object.keys(b.params).length) return false;
  for (const k of ka) if (a.params[k] !== b.params[k]) return false;
  return true;
}

/**
 * `current` (ordered by number) with `changed` put in place: replaced, or inserted by number.
 * Returns `current` itself when nothing differs, so React sees no change. O(changed × log n) to
 * find, plus one copy of the array when something did change.
 */
export function mergeTrials(
  current: readonly TrialRow[],
  changed: readonly TrialRow[],
): TrialRow[] {
  let next: TrialRow[] | undefined;
  for (const t of changed) {
    const rows = next ?? current;
    const i = find(rows, t.n);
    if (i >= 0 && sameRow(rows[i] as TrialRow, t)) continue;
    next ??= current.slice();
    if (i >= 0) next[i] = t;
    else if (-(i + 1) === next.length) next.push(t);
    else next.splice(-(i + 1), 0, t);
  }
  return next ?? (current as TrialRow[]);
}

/** Trials per status, and the total: what the search view's counts hold, from the page's rows. */
export function countByStatus(rows: readonly TrialRow[]): TrialCounts {
  const counts = { total: rows.length } as TrialCounts;
  for (const s of trialStatusSchema.options) counts[s] = 0;
  for (const r of rows) counts[r.status] += 1;
  return counts;
}
