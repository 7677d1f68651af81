"use client";
/**
 * The top of a search's page: what it is, how far it got, its best trial's values, the stop and
 * kill buttons (each asks first), and the exports.
 */
import Link from "next/link";
import { useState } from "react";
import type { SearchView, TrialRow } from "../../lib/console/views";
import type { StepsSaved } from "../../lib/pruning/savings";
import { countWhere, isFinalSearch } from "../../lib/search/status";
import { LabelTags } from "../search-list/SearchFilters";
import { ConfirmButton } from "../ui/ConfirmButton";
import { Fact } from "../ui/Fact";
import { formatDuration, formatMetric, formatParam } from "../ui/format";
import { LocalTime } from "../ui/LocalTime";
import { Progress } from "../ui/Progress";
import { StatusBadge } from "../ui/StatusBadge";
import { type DeleteAction, DeleteSearchButton } from "./DeleteSearchButton";
import { EarlyStopFact } from "./EarlyStopFact";

export type StopAction = (
  id: number,
  mode: "stop" | "kill",
) => Promise<{ ok: true } | { ok: false; message: string }>;

export function SearchHeader({
  search,
  best,
  stopAction,
  deleteAction,
  now,
  stale,
  saved,
  idle,
}: {
  search: SearchView;
  best: TrialRow | undefined;
  stopAction: StopAction;
  /** Offered once the search has ended; absent: no Delete button. */
  deleteAction?: DeleteAction;
  now: number;
  stale: boolean;
  /** Trial-steps saved by early stopping, from the page's trials. */
  saved?: StepsSaved | undefined;
  /** Why early stopping cannot act on this search, if it cannot (lib/pruning/savings). */
  idle?: string | undefined;
}) {
  const [actionError, setActionError] = useState<string | null>(null);
  const final = isFinalSearch(search.status);
  const c = search.counts;
  const done = countWhere(c, (info) => info.final);
  const failed = countWhere(c, (info) => info.failure);
  const elapsed =
    search.startedAt === null
      ? null
      : (search.endedAt ?? Math.max(now, search.startedAt)) - search.startedAt;

  const act = async (mode: "stop" | "kill") => {
    const result = await stopAction(search.id, mode);
    setActionError(result.ok ? null : result.message);
  };

  return (
    <>
      <div className="crumbs">
        <Link href="/">Searches</Link> / #{search.id}
      </div>
      <div className="page-head">
        <div style={{ minWidth: 0 }}>
          <h1 style={{ display: "flex", alignItems: "center", gap: 10 }}>
            Search #{search.id}
            <StatusBadge of="search" status={search.status} />
            <span className="tag">{search.kind}</span>
          </h1>
          <div className="sub" data-testid="search-description">
            {search.description ?? `${search.goal} ${search.metric}`}
          </div>
          {search.labels.length > 0 ? (
            <div style={{ marginTop: 6 }}>
              <LabelTags labels={search.labels} />
            </div>
          ) : null}
        </div>
        <div className="button-row">
          {!final ? (
            <>
              <ConfirmButton
                label="Stop"
                question="Stop running trials (SIGTERM: they keep what they reported) and start no more?"
                confirmLabel="Stop search"
                disabled={search.stopRequested !== "none"}
                onConfirm={() => act("stop")}
                testId="stop-search"
              />
              <ConfirmButton
                label="Kill"
                tone="danger"
                question="Kill running trials now (SIGKILL: no time to finish or save) and start no more?"
                confirmLabel="Kill search"
                disabled={search.stopRequested === "kill"}
                onConfirm={() => act("kill")}
                testId="kill-search"
              />
            </>
          ) : null}
          {final && deleteAction ? (
            <DeleteSearchButton id={search.id} trials={c.total} deleteAction={deleteAction} />
          ) : null}
          <span className="button-row">
            <a className="button small" href={`/api/searches/${search.id}/export/json`} download>
              JSON
            </a>
            <a className="button small" href={`/api/searches/${search.id}/export/csv`} download>
              CSV
            </a>
            <a
              className="button small"
              href={`/api/searches/${search.id}/export/metrics`}
              download
              title="Every metric point, as Spell's download-metrics"
            >
              Metrics CSV
            </a>
          </span>
        </div>
      </div>

      {actionError ? (
        <div className="notice" style={{ marginBottom: 12 }}>
          {actionError}
        </div>
      ) : null}
      {search.failureReason ? (
        <div className="notice" style={{ marginBottom: 12 }} data-testid="failure-reason">
          {search.failureReason}
        </div>
      ) : null}
      {stale ? (
        <div className="notice info" style={{ marginBottom: 12 }}>
          Lost contact with the console; retrying…
        </div>
      ) : null}

      <section className="panel">
        <div className="panel-body facts">
          <Fact label="Progress">
            <Progress done={done} running={c.running} total={search.numRuns} />
          </Fact>
          <Fact label="Running · failed" testId="running-count">
            {c.running} · {failed}
          </Fact>
          <Fact
            label={`Best ${search.metric} (${search.goal})`}
            className="big"
            testId="best-value"
          >
            {search.best ? formatMetric(search.best.value) : "—"}
            {search.best ? (
              <Link
                href={`/searches/${search.id}/trials/${search.best.trialNumber}`}
                style={{ fontSize: 13, fontWeight: 500, marginLeft: 8 }}
              >
                trial {search.best.trialNumber}
              </Link>
            ) : null}
          </Fact>
          <Fact label="Runs">
            {search.numRuns} total, {search.parallelRuns} at once
          </Fact>
          <Fact label="Machine · aggregation">
            {search.machineType} · {search.metricAgg}
          </Fact>
          <Fact label="Created" testId="search-created">
            <LocalTime ms={search.createdAt} />
          </Fact>
          <Fact label="Elapsed">{formatDuration(elapsed)}</Fact>
          {search.earlyStop ? (
            <EarlyStopFact earlyStop={search.earlyStop} saved={saved} idle={idle} />
          ) : null}
          {search.stopConditions.length > 0 ? (
            <Fact label="Stop conditions" className="mono">
              {search.stopConditions.join(" · ")}
            </Fact>
          ) : null}
        </div>
        <div className="panel-body" style={{ borderTop: "1px solid var(--line)" }}>
          <dl className="kv">
            <dt>Command</dt>
            <dd className="mono">{search.command.join(" ")}</dd>
            <dt>Best values</dt>
            <dd data-testid="best-params">
              {best ? (
                search.space.map((s) => (
                  <span key={s.name} style={{ marginRight: 18 }}>
                    <span className="muted">{s.name}</span>{" "}
                    <span className="mono">{formatParam(best.params[s.name], s)}</span>
                  </span>
                ))
              ) : (
                <span className="muted">no finished trial yet</span>
              )}
            </dd>
          </dl>
        </div>
      </section>
    </>
  );
}
