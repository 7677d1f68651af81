/** Trials done out of the planned number, as a thin bar with the count beside it. */
export function Progress({
  done,
  running,
  total,
}: {
  done: number;
  running: number;
  total: number;
}) {
  const pct = total > 0 ? Math.min(100, (done / total) * 100) : 0;
  const live = total > 0 ? Math.min(100 - pct, (running / total) * 100) : 0;
  return (
    <span className="progress" title={`${done} done, ${running} running, ${total} planned`}>
      <span className="progress-track" aria-hidden>
        <span className="progress-done" style={{ width: `${pct}%` }} />
        <span className="progress-live" style={{ width: `${live}%` }} />
      </span>
      <span className="progress-text" data-testid="progress-text">
        {done}/{total}
      </span>
    </span>
  );
}
