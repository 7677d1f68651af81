"use client";
/**
 * Parameter importance: one row per parameter, best first, with the share of the model's
 * variance it explains alone (a functional ANOVA of the GP's posterior mean, lib/console/insight)
 * as a bar, and beside it the correlation of its values with the metric, as W&B shows it
 * (Spearman's ρ for ranges, signed; the correlation ratio η for choices, 0..1).
 */
import type { InsightView } from "../../lib/console/insight";
import type { Goal } from "../../lib/metrics/schema";

const pct = (v: number) => `${(100 * v).toFixed(v >= 0.1 ? 0 : 1)}%`;

function Correlation({
  value,
  kind,
  goal,
}: {
  value: number | null;
  kind: "spearman" | "eta";
  goal: Goal;
}) {
  if (value === null) return <span className="muted">—</span>;
  // Green where larger values go with a better metric, red where with a worse one.
  const helps = kind === "spearman" && (goal === "maximize" ? value > 0 : value < 0);
  const tone = kind === "eta" ? "imp-corr-eta" : helps ? "imp-corr-good" : "imp-corr-bad";
  const w = Math.min(1, Math.abs(value)) * 50;
  return (
    <span className="imp-corr" title={kind === "eta" ? "correlation ratio η" : "Spearman's ρ"}>
      <span className="imp-corr-track">
        <span
          className={`imp-corr-fill ${tone}`}
          style={
            kind === "eta" || value >= 0
              ? { left: "50%", width: `${w}%` }
              : { left: `${50 - w}%`, width: `${w}%` }
          }
        />
      </span>
      <span className="num">
        {kind === "eta" ? "η " : "ρ "}
        {value >= 0 && kind === "spearman" ? "+" : ""}
        {value.toFixed(2)}
      </span>
    </span>
  );
}

export function ParamImportance({ view, goal }: { view: InsightView; goal: Goal }) {
  const top = view.importance[0]?.importance ?? 0;
  return (
    <div data-testid="param-importance" data-method={view.method}>
      <table className="imp">
        <thead>
          <tr>
            <th>parameter</th>
            <th>importance</th>
            <th title="with the metric, over every finished trial">correlation</th>
          </tr>
        </thead>
        <tbody>
          {view.importance.map((r, i) => (
            <tr
              key={r.name}
              data-testid="importance-row"
              data-param={r.name}
              data-importance={r.importance.toFixed(4)}
              data-rank={i + 1}
            >
              <td className="imp-name" title={r.name}>
                {r.name}
              </td>
              <td className="imp-bar-cell">
                <span className="imp-bar-track">
                  <span
                    className="imp-bar"
                    style={{ width: `${top > 0 ? (100 * r.importance) / top : 0}%` }}
                  />
                </span>
                <span className="num imp-pct">{pct(r.importance)}</span>
              </td>
              <td>
                <Correlation value={r.correlation} kind={r.correlationKind} goal={goal} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="imp-note">
        <b>Method:</b> {view.method} (first-order Sobol indices of the model the optimizer fits),
        fitted to {view.fitted.toLocaleString("en-US")}
        {view.fitted < view.finished ? ` of ${view.finished.toLocaleString("en-US")}` : ""} trials.
        {view.importance.length > 1 && view.interactions >= 0.02
          ? ` ${pct(view.interactions)} of the model's variance comes from parameters acting together.`
          : ""}{" "}
        Correlation: Spearman's ρ (ranges), η (choices).
      </p>
    </div>
  );
}
