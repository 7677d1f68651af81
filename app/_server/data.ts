/**
 * The console's reads: store objects in, the JSON-safe views of ./views out. Pages, route
 * handlers and the poll endpoints all load through here, so what reaches the browser is decided
 * in one place (never an executor handle's paths, never a trial's environment).
 */
import "server-only";
import type { Store } from "../../db/store";
import { substituteCommand } from "../../lib/command/substitute";
import { curveKey, curveNumbers, curveTrials } from "../../lib/console/curve-trials";
import { thinSeries } from "../../lib/console/downsample";
import { type InsightView, insightOf } from "../../lib/console/insight";
import type { SearchListFilter } from "../../lib/console/search-list-filter";
import { mergeTrials } from "../../lib/console/trial-changes";
import { encodeSearchTrials } from "../../lib/console/trials-wire";
import type {
  Curve,
  SearchHead,
  SearchListItem,
  SearchPoll,
  SearchTrials,
  SearchView,
  TrialDetail,
  TrialRow,
  UnreadableSearchItem,
} from "../../lib/console/views";
import { trialHandleSchema } from "../../lib/executors/types";
import { sameMetric } from "../../lib/metrics/names";
import { formatStopCondition } from "../../lib/metrics/stop";
import { executorSummary } from "../../lib/search/export";
import { countWhere } from "../../lib/search/status";
import type { Search, SearchSummary, Trial, TrialCounts } from "../../lib/search/types";
import { getStore } from "./store";
import { readLogTail } from "./trial-files";

/** Most searches the list page shows. */
export const SEARCH_LIST_LIMIT = 200;
/** Most trials whose curves one request may ask for. */
export const CURVE_TRIALS_LIMIT = 24;
/** Points per curve sent to the browser. */
export const CURVE_POINTS = 200;

const ms = (d: Date | null): number | null => (d === null ? null : d.getTime());

export function trialRow(t: Trial): TrialRow {
  return {
    n: t.number,
    status: t.status,
    params: t.params,
    value: t.value,
    startedAt: ms(t.startedAt),
    endedAt: ms(t.endedAt),
    exitCode: t.exitCode,
    reason: t.reason,
    jobId: executorSummary(t.handle)?.jobId ?? null,
    firstStep: t.firstStep,
    lastStep: t.lastStep,
  };
}

export function searchView(s: Search, counts: TrialCounts): SearchView {
  return { ...searchHead(s), counts };
}

/** The search view without its trial counts (which cost a pass over the trials). */
export function searchHead(s: Search): SearchHead {
  return {
    id: s.id,
    kind: s.kind,
    status: s.status,
    description: s.description,
    space: s.spec.params,
    command: s.spec.command,
    metric: s.spec.metric,
    metricAgg: s.spec.metricAgg,
    goal: s.goal,
    numRuns: s.spec.numRuns,
    parallelRuns: s.spec.parallelRuns,
    machineType: s.spec.machineType,
    stopConditions: s.spec.stopConditions.map(formatStopCondition),
    earlyStop:
      s.spec.earlyStop === "none"
        ? null
        : {
            rule: s.spec.earlyStop,
            minSteps: s.spec.earlyStopMinSteps,
            reductionFactor: s.spec.reductionFactor,
          },
    createdAt: s.createdAt.getTime(),
    startedAt: ms(s.startedAt),
    endedAt: ms(s.endedAt),
    failureReason: s.failureReason,
    stopRequested: s.stopRequested,
    best: s.best,
    notes: s.notes,
    labels: s.spec.labels,
  };
}

export function searchListItem(s: SearchSummary): SearchListItem {
  const c = s.trialCounts;
  return {
    id: s.id,
    kind: s.kind,
    status: s.status,
    description: s.description,
    metric: s.spec.metric,
    goal: s.goal,
    numRuns: s.spec.numRuns,
    done: countWhere(c, (info) => info.final),
    running: c.running,
    best: s.best?.value ?? null,
    createdAt: s.createdAt.getTime(),
    labels: s.spec.labels,
  };
}

/** The list's searches (those `filter` takes: lib/console/search-list-filter), and how many it takes. */
export async function loadSearchList(filter: SearchListFilter = {}): Promise<{
  items: (SearchListItem | UnreadableSearchItem)[];
  total: number;
}> {
  const store = await getStore();
  const where = {
    ...(filter.status ? { status: [filter.status] } : {}),
    ...(filter.label ? { label: filter.label } : {}),
  };
  const [entries, total] = await Promise.all([
    store.listSearches({ limit: SEARCH_LIST_LIMIT, withUnreadable: true, ...where }),
    store.countSearches(where),
  ]);
  // A row this version cannot read is shown flagged in its place, not as a page that fails.
  const items = entries.map((s) =>
    "unreadable" in s
      ? { id: s.id, unreadable: s.unreadable, createdAt: s.createdAt?.getTime() ?? null }
      : searchListItem(s),
  );
  return { items, total };
}

async function viewOf(store: Store, id: number): Promise<SearchView | undefined> {
  const search = await store.getSearch(id);
  if (!search) return undefined;
  return searchView(search, await store.countTrials(id));
}

/**
 * The search page's HTML carries the search alone (a few KB, whatever its size); its trials come
 * apart, by `loadSearchTrials` (GET /api/searches/:id/trials), which the page asks for once it
 * is in the browser. Embedded, 100,000 trials made a 13 MB page that the browser had to take in
 * as React's payload before drawing anything; fetched, they are typed arrays over the body's
 * columns (lib/console/trials-wire). See docs/decisions/console.md.
 */
export async function loadSearchPage(id: number): Promise<{ search: SearchView } | undefined> {
  const store = await getStore();
  const search = await viewOf(store, id);
  return search && { search };
}

/**
 * The trials the server keeps per search for the page, as the browser keeps its own: brought up
 * to date by the change cursor (the trials written since, one indexed read, put in place by
 * `mergeTrials`), so a search's page opened again costs what changed since, not a read of every
 * trial (two seconds at 100,000). Their encoded body is kept with them until the next change.
 * Bounded by trials held, the least recently asked search dropped first.
 */
interface KeptTrials {
  cursor: number;
  rows: TrialRow[];
  /** The answer of GET /api/searches/:id/trials for these rows (lib/console/trials-wire; made on first use). */
  body?: Uint8Array<ArrayBuffer>;
}
/** Most trials kept, all searches together (at least the last search asked for is kept). */
export const KEPT_TRIALS = 250_000;
const keptTrials = new Map<number, KeptTrials>();

async function pageTrials(store: Store, id: number): Promise<KeptTrials> {
  const kept = keptTrials.get(id);
  const changes = await store.listTrialChanges(id, kept?.cursor ?? 0);
  let next = kept;
  if (!next || changes.trials.length > 0) {
    const changed = changes.trials.map(trialRow);
    next = { cursor: changes.cursor, rows: next ? mergeTrials(next.rows, changed) : changed };
  }
  keptTrials.delete(id);
  keptTrials.set(id, next);
  let held = 0;
  for (const k of keptTrials.values()) held += k.rows.length;
  for (const [other, k] of keptTrials) {
    if (held <= KEPT_TRIALS || other === id) break;
    keptTrials.delete(other);
    held -= k.rows.length;
  }
  return next;
}

/**
 * GET /api/searches/:id/trials (a `SearchTrials`, encoded by lib/console/trials-wire): every
 * trial, the poll's cursor after them and the curves the page draws first. Made once per change
 * of the search's trials and kept with them (see pageTrials). A running trial's curve may grow
 * while it is kept; the page fetches running trials' curves again as it polls (MetricCurves).
 */
export async function loadSearchTrials(id: number): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const store = await getStore();
  const search = await store.getSearch(id);
  if (!search) {
    keptTrials.delete(id);
    return undefined;
  }
  const kept = await pageTrials(store, id);
  if (!kept.body) {
    const picked = curveTrials(kept.rows, search.goal);
    const answer: SearchTrials = {
      trials: kept.rows,
      cursor: kept.cursor,
      curves: {
        key: curveKey(picked),
        curves: await curvesOf(store, id, search.spec.metric, curveNumbers(picked)),
      },
    };
    kept.body = encodeSearchTrials(
      answer,
      search.spec.params.map((p) => p.name),
    );
  }
  return kept.body;
}

/**
 * What changed since the browser's cursor: the search (one row) and the trials written after
 * the cursor (the store's change sequence), with the cursor to ask with next. Its cost and size
 * follow the changed trials, not the search's: no trial list, no counts (the page counts the
 * trials it holds; see lib/console/trial-changes).
 */
export async function pollSearch(id: number, cursor: number): Promise<SearchPoll | undefined> {
  const store = await getStore();
  const search = await store.getSearch(id);
  if (!search) return undefined;
  const changes = await store.listTrialChanges(id, cursor);
  return {
    search: searchHead(search),
    trials: changes.trials.map(trialRow),
    cursor: changes.cursor,
  };
}

/**
 * One metric (and its aliases) for the given trials, each thinned to `CURVE_POINTS`: the
 * search's target metric unless `metric` names another (the compare panel's picker). Read trial
 * by trial: a few short indexed reads, where listing the search's metric names would scan every
 * point it has.
 */
export async function loadCurves(
  id: number,
  trials: readonly number[],
  metric?: string,
): Promise<Curve[] | undefined> {
  const store = await getStore();
  const search = await store.getSearch(id);
  if (!search) return undefined;
  return curvesOf(store, id, metric ?? search.spec.metric, trials);
}

/**
 * The metric names the given trials printed, sorted (the compare panel's picker), read trial by
 * trial as `loadCurves` reads them; undefined for no such search.
 */
export async function loadMetricNames(
  id: number,
  trials: readonly number[],
): Promise<string[] | undefined> {
  const store = await getStore();
  if (!(await store.getSearch(id))) return undefined;
  const names = new Set<string>();
  for (const trial of trials.slice(0, CURVE_TRIALS_LIMIT))
    for (const p of await store.listMetricPoints(id, { trial })) names.add(p.name);
  return [...names].sort();
}

async function curvesOf(
  store: Store,
  id: number,
  metric: string,
  trials: readonly number[],
): Promise<Curve[]> {
  const curves: Curve[] = [];
  for (const trial of trials.slice(0, CURVE_TRIALS_LIMIT)) {
    const byName = new Map<string, { step: number; value: number }[]>();
    for (const p of await store.listMetricPoints(id, { trial })) {
      if (!sameMetric(p.name, metric)) continue;
      const list = byName.get(p.name);
      if (list) list.push(p);
      else byName.set(p.name, [p]);
    }
    for (const [name, points] of byName) curves.push(curveOf(trial, name, points));
  }
  return curves;
}

function curveOf(
  trial: number,
  name: string,
  points: readonly { step: number; value: number }[],
): Curve {
  const thin = thinSeries(
    points.map((p) => p.step),
    // NaN and infinities cannot be drawn; they leave a gap.
    points.map((p) => (Number.isFinite(p.value) ? p.value : null)),
    CURVE_POINTS,
  );
  return { trial, name, steps: thin.steps, values: thin.values, total: points.length };
}

export async function loadTrialDetail(id: number, n: number): Promise<TrialDetail | undefined> {
  const store = await getStore();
  const [search, trial] = await Promise.all([store.getSearch(id), store.getTrial(id, n)]);
  if (!search || !trial) return undefined;
  const counts = await store.countTrials(id);
  let argv: string[] | null = null;
  try {
    argv = substituteCommand(search.spec.command, trial.params, search.spec.params);
  } catch {
    // A trial whose values no longer fit the command (it cannot happen for a stored search,
    // whose command was checked) is shown without one rather than failing the page.
    argv = null;
  }
  const handle = trialHandleSchema.safeParse(trial.handle);
  const points = await store.listMetricPoints(id, { trial: n });
  const byName = new Map<string, { step: number; value: number }[]>();
  for (const p of points) {
    const list = byName.get(p.name);
    if (list) list.push(p);
    else byName.set(p.name, [p]);
  }
  const curves = [...byName].map(([name, list]) => curveOf(n, name, list));
  const logs = await Promise.all([readLogTail(id, n, "stdout"), readLogTail(id, n, "stderr")]);
  return {
    search: searchView(search, counts),
    trial: trialRow(trial),
    argv,
    cwd: search.spec.cwd,
    machineType: search.spec.machineType,
    gpus: handle.success && handle.data.kind === "local" ? handle.data.gpus : [],
    executor: handle.success ? handle.data.kind : null,
    jobId: executorSummary(trial.handle)?.jobId ?? null,
    signal: trial.signal,
    notes: trial.notes,
    curves,
    logs,
  };
}

/** Searches whose model view is kept, most recent last: a view costs a GP fit (about a second). */
const INSIGHT_CACHE = 8;
const insightCache = new Map<string, Promise<InsightView | null>>();

/**
 * The model's view of a search (lib/console/insight.ts), or undefined for no such search; null
 * while there is no model yet. Computed off the page's critical path (the page asks for it once
 * it shows) and kept per search until a trial ends or the best changes.
 */
export async function loadInsight(id: number): Promise<InsightView | null | undefined> {
  const store = await getStore();
  const search = await store.getSearch(id);
  if (!search) return undefined;
  // The key from the trials' counts (one indexed read), so a view already fitted is found
  // without reading the search's trials: at 100,000 that read alone held the server for a second.
  const counts = await store.countTrials(id);
  const ended = countWhere(counts, (info) => info.final);
  const key = `${id}:${counts.total}:${ended}:${search.best?.trialNumber ?? ""}`;
  let view = insightCache.get(key);
  if (!view) {
    // The trials the server keeps for the page (see pageTrials): no second read of them all.
    view = pageTrials(store, id).then((kept) =>
      insightOf(search.spec.params, search.goal, kept.rows, search.best?.trialNumber ?? null),
    );
    for (const k of insightCache.keys()) if (k.startsWith(`${id}:`)) insightCache.delete(k);
    insightCache.set(key, view);
    while (insightCache.size > INSIGHT_CACHE)
      insightCache.delete(insightCache.keys().next().value!);
    view.catch(() => insightCache.delete(key));
  }
  return view;
}
