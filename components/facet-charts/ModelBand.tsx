"use client";
/**
 * The model's view on a facet chart: the GP's mean along the parameter (a line) and its 95% band
 * (a shaded area), the other parameters held at the best trial's values (lib/console/insight.ts
 * `ModelSlice`). Drawn with the chart's own scales, under the points and clipped to the plot; a
 * choice gets one short level and box per value instead of a line.
 */
import { useId, useMemo } from "react";
import type { ModelSlice } from "../../lib/console/insight";
import { usePlot } from "../ui/plot/Plot";

export const MODEL_COLORS = { line: "#d9822b", band: "#f5c58f" };

export function ModelBand({ slice, categorical }: { slice: ModelSlice; categorical: boolean }) {
  const { x: sx, y: sy, area } = usePlot();
  const clip = useId().replace(/:/g, "");

  const paths = useMemo(() => {
    const ok = (...vs: number[]) => vs.every(Number.isFinite);
    if (categorical) {
      let band = "";
      let line = "";
      slice.x.forEach((x, i) => {
        const a = sx(x - 0.3);
        const b = sx(x + 0.3);
        const lo = sy(slice.lo[i] as number);
        const hi = sy(slice.hi[i] as number);
        const m = sy(slice.mean[i] as number);
        if (!ok(a, b, lo, hi, m)) return;
        band += `M${a},${hi}H${b}V${lo}H${a}Z`;
        line += `M${a},${m}H${b}`;
      });
      return { band, line };
    }
    const top: string[] = [];
    const bottom: string[] = [];
    const line: string[] = [];
    slice.x.forEach((x, i) => {
      const px = sx(x);
      const lo = sy(slice.lo[i] as number);
      const hi = sy(slice.hi[i] as number);
      const m = sy(slice.mean[i] as number);
      if (!ok(px, lo, hi, m)) return;
      top.push(`${px},${hi}`);
      bottom.unshift(`${px},${lo}`);
      line.push(`${px},${m}`);
    });
    if (line.length < 2) return undefined;
    return {
      band: `M${top.join("L")}L${bottom.join("L")}Z`,
      line: `M${line.join("L")}`,
    };
  }, [slice, categorical, sx, sy]);

  if (!paths) return null;
  return (
    <g className="facet-model" data-testid="model-band" pointerEvents="none">
      <defs>
        <clipPath id={clip}>
          <rect x={area.x} y={area.y} width={area.width} height={area.height} />
        </clipPath>
      </defs>
      <g clipPath={`url(#${clip})`}>
        <path d={paths.band} fill={MODEL_COLORS.band} fillOpacity={0.45} stroke="none" />
        <path
          d={paths.line}
          fill="none"
          stroke={MODEL_COLORS.line}
          strokeWidth={2}
          strokeLinejoin="round"
        />
      </g>
    </g>
  );
}
