"use client";
/**
 * The metric axis's two switches, shared by the facet charts and the parallel coordinates: a log
 * scale, and clipping the bad side's outliers (lib/console/metric-axis.ts says how).
 */
import type { MetricAxisChoice } from "../../lib/console/metric-axis";

export function MetricAxisControls({
  value,
  onChange,
}: {
  value: MetricAxisChoice;
  onChange: (next: MetricAxisChoice) => void;
}) {
  return (
    <span className="axis-toggles" data-testid="metric-axis-controls">
      <label title="a log scale for the metric (positive values only)">
        <input
          type="checkbox"
          checked={value.log}
          onChange={(e) => onChange({ ...value, log: e.target.checked })}
          data-testid="metric-log"
        />
        log scale
      </label>
      <label title="clip the worst outliers (past Q3 + 1.5 IQR on the bad side) to the axis's edge">
        <input
          type="checkbox"
          checked={value.clip}
          onChange={(e) => onChange({ ...value, clip: e.target.checked })}
          data-testid="metric-clip"
        />
        clip outliers
      </label>
    </span>
  );
}
