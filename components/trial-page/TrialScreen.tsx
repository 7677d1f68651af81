"use client";
/**
 * One trial: the command it ran, its values, how it ended, its metric curves and the tail of its
 * output. Polls every second while the trial is queued or running; output is plain text in a
 * <pre> (never HTML), scrolled to the end as it grows unless the reader scrolled up.
 */
import Link from "next/link";
import { useLayoutEffect, useMemo, useRef, useState } from "react";
import { joinShellWords } from "../../lib/console/shell-words";
import type { Curve, LogTail, TrialDetail } from "../../lib/console/views";
import { sameMetric } from "../../lib/metrics/names";
import { isFinalTrial, TRIAL_STATUS } from "../../lib/search/status";
import { StepCurves } from "../metric-charts/StepCurves";
import { type NotesAction, NotesBox } from "../notes/NotesBox";
import { CopyButton } from "../ui/CopyButton";
import { Fact } from "../ui/Fact";
import { formatDuration, formatMetric, formatParam } from "../ui/format";
import { LocalTime } from "../ui/LocalTime";
import { StatusBadge } from "../ui/StatusBadge";
import { usePoll } from "../ui/use-poll";

function CurveChart({ curve, target }: { curve: Curve; target: boolean }) {
  const series = useMemo(
    () => [
      {
        key: curve.name,
        trial: curve.trial,
        label: curve.name,
        steps: curve.steps,
        values: curve.values,
        colour: target ? "#1d3fa8" : "#5b78d6",
        width: target ? 2 : 1.5,
      },
    ],
    [curve, target],
  );
  return (
    <div className="chart-card" data-testid="trial-curve" data-metric={curve.name}>
      <h3>
        {curve.name}
        {target ? <span className="scale">target metric</span> : null}
        {curve.total > curve.steps.length ? (
          <span className="scale">
            {curve.steps.length} of {curve.total} points
          </span>
        ) : null}
      </h3>
      <StepCurves series={series} height={200} dots={curve.steps.length <= 30} legend={false} />
    </div>
  );
}

function LogView({ log }: { log: LogTail }) {
  const ref = useRef<HTMLPreElement>(null);
  const pinned = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll again whenever the text grows
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [log.text]);
  return (
    <pre
      ref={ref}
      className={`log ${log.stream}`}
      data-testid={`log-${log.stream}`}
      onScroll={(e) => {
        const el = e.currentTarget;
        pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      }}
    >
      {log.truncated
        ? `… (only the last ${Math.round(log.text.length / 1024)} KB of ${Math.round(log.size / 1024)} KB)\n`
        : ""}
      {log.text === "" ? <span style={{ opacity: 0.5 }}>(no output yet)</span> : log.text}
    </pre>
  );
}

export function TrialScreen({
  initial,
  renderedAt,
  notesAction,
}: {
  initial: TrialDetail;
  /** The server's clock when it rendered the page (see usePoll). */
  renderedAt: number;
  notesAction: NotesAction;
}) {
  const [detail, setDetail] = useState(initial);
  const [stream, setStream] = useState<"stdout" | "stderr">(
    initial.logs[0]?.text === "" && (initial.logs[1]?.text ?? "") !== "" ? "stderr" : "stdout",
  );
  const { search, trial } = detail;
  const live = !isFinalTrial(trial.status);

  const now = usePoll(live, `${search.id}/${trial.n}`, renderedAt, async (signal) => {
    const r = await fetch(`/api/searches/${search.id}/trials/${trial.n}`, {
      signal,
      cache: "no-store",
    });
    if (r.ok && !signal.aborted) setDetail((await r.json()) as TrialDetail);
  });

  const duration =
    trial.startedAt === null
      ? null
      : (trial.endedAt ?? Math.max(now, trial.startedAt)) - trial.startedAt;
  const command = detail.argv ? joinShellWords(detail.argv) : null;
  const log = detail.logs.find((l) => l.stream === stream) ?? detail.logs[0];
  const curves = [...detail.curves].sort(
    (a, b) => Number(sameMetric(b.name, search.metric)) - Number(sameMetric(a.name, search.metric)),
  );
  const base = `/searches/${search.id}/trials`;

  return (
    <div data-testid="trial-screen" data-status={trial.status}>
      <div className="crumbs">
        <Link href="/">Searches</Link> / <Link href={`/searches/${search.id}`}>#{search.id}</Link> /
        trial {trial.n}
      </div>
      <div className="page-head">
        <div>
          <h1 style={{ display: "flex", alignItems: "center", gap: 10 }}>
            Trial {trial.n}
            <StatusBadge of="trial" status={trial.status} />
          </h1>
          <div className="sub">
            of search <Link href={`/searches/${search.id}`}>#{search.id}</Link>
            {search.description ? ` — ${search.description}` : ""}
          </div>
        </div>
        <div className="button-row">
          {trial.n > 1 ? (
            <Link className="button small" href={`${base}/${trial.n - 1}`}>
              ← Trial {trial.n - 1}
            </Link>
          ) : null}
          {trial.n < search.counts.total ? (
            <Link className="button small" href={`${base}/${trial.n + 1}`}>
              Trial {trial.n + 1} →
            </Link>
          ) : null}
        </div>
      </div>

      {trial.reason ? (
        <div
          className={TRIAL_STATUS[trial.status].tone === "bad" ? "notice" : "notice info"}
          style={{ marginBottom: 12 }}
          data-testid="trial-reason"
        >
          {trial.reason}
        </div>
      ) : null}

      <div className="grid-2">
        <section className="panel">
          <div className="panel-head">
            <h2>Outcome</h2>
          </div>
          <div className="panel-body facts">
            <Fact
              label={`${search.metric} (${search.metricAgg})`}
              className="big"
              testId="trial-value"
            >
              {formatMetric(trial.value)}
            </Fact>
            <Fact label="Exit code" testId="trial-exit-code">
              {trial.exitCode ?? "—"}
              {detail.signal ? <span className="muted"> ({detail.signal})</span> : null}
            </Fact>
            <Fact label="Duration">{formatDuration(duration)}</Fact>
            <Fact label="Started" testId="trial-started">
              <LocalTime ms={trial.startedAt} />
            </Fact>
            <Fact label="Ended">
              <LocalTime ms={trial.endedAt} />
            </Fact>
            <Fact label="Machine · GPUs" testId="trial-machine">
              {detail.machineType}
              {detail.executor ? <span className="muted"> ({detail.executor})</span> : null} ·{" "}
              {detail.jobId ? (
                <span data-testid="trial-job">Slurm job {detail.jobId}</span>
              ) : detail.gpus.length > 0 ? (
                detail.gpus.join(", ")
              ) : (
                "none"
              )}
            </Fact>
          </div>
        </section>
        <section className="panel">
          <div className="panel-head">
            <h2>Parameters</h2>
          </div>
          <div className="panel-body">
            <dl className="kv" data-testid="trial-params">
              {search.space.map((s) => (
                <Param key={s.name} name={s.name} value={formatParam(trial.params[s.name], s)} />
              ))}
            </dl>
          </div>
        </section>
      </div>

      <div style={{ marginTop: 18 }}>
        <NotesBox
          notes={detail.notes}
          save={(notes) => notesAction({ search: search.id, trial: trial.n }, notes)}
          testId="trial-notes"
          what="trial"
        />
      </div>

      <section className="panel" style={{ marginTop: 18 }}>
        <div className="panel-head">
          <h2>Command as run</h2>
          {command ? <CopyButton text={command} /> : null}
        </div>
        <div className="panel-body">
          <pre className="code-block" data-testid="trial-command">
            {command ?? "(the command could not be rebuilt from this trial's values)"}
          </pre>
          <div className="muted" style={{ marginTop: 6, fontSize: 12.5 }}>
            in <span className="mono">{detail.cwd}</span>
          </div>
        </div>
      </section>

      <section className="panel">
        <div className="panel-head">
          <h2>Metrics</h2>
          <span className="hint">
            {curves.length === 0 ? "none reported yet" : `${curves.length} reported`}
          </span>
        </div>
        {curves.length > 0 ? (
          <div className="panel-body facet-grid">
            {curves.map((c) => (
              <CurveChart key={c.name} curve={c} target={sameMetric(c.name, search.metric)} />
            ))}
          </div>
        ) : null}
      </section>

      <section className="panel">
        <div className="panel-head">
          <div className="tabs" role="tablist">
            {detail.logs.map((l) => (
              <button
                key={l.stream}
                type="button"
                role="tab"
                aria-selected={l.stream === stream}
                onClick={() => setStream(l.stream)}
              >
                {l.stream}
                {l.size > 0 ? <span className="muted"> · {formatBytes(l.size)}</span> : null}
              </button>
            ))}
          </div>
          <span className="hint">{live ? "following the output" : "the end of the output"}</span>
        </div>
        {log ? <LogView log={log} /> : null}
      </section>
    </div>
  );
}

function Param({ name, value }: { name: string; value: string }) {
  return (
    <>
      <dt>{name}</dt>
      <dd className="mono">{value}</dd>
    </>
  );
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
