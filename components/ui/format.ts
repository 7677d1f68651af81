/**
 * How numbers, times and durations read on every page: metric values to five significant
 * digits (exponent form only when very large or small), durations as `1h 02m`, times local.
 */
import type { ParamSpec, ParamValue } from "../../lib/space/schema";

export function formatMetric(v: number | null | undefined): string {
  if (v === null || v === undefined) return "—";
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : "−∞";
  if (v === 0) return "0";
  const a = Math.abs(v);
  // Shortest exponent form of the 5-digit value: 1e-5, 6.6211e-5.
  if (a >= 1e6 || a < 1e-4) return Number(v.toPrecision(5)).toExponential();
  return String(Number(v.toPrecision(5)));
}

export function formatParam(v: ParamValue | undefined, spec?: ParamSpec): string {
  if (v === undefined) return "—";
  if (typeof v === "string") return v;
  if (spec?.kind === "range" && spec.type === "int") return String(Math.round(v));
  if (spec?.kind === "choice") return String(v);
  return formatMetric(v);
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "—";
  const s = Math.round(ms / 1000);
  if (s < 60) return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, "0")}m`;
}

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * `2024-05-01 14:03:22` in the local time zone (sortable, unambiguous), or with `utc`,
 * `2024-05-01 14:03:22 UTC`: the same text on the server and in any browser. Pages show times
 * through `LocalTime`, which renders the UTC form until it is in the browser, then the viewer's.
 */
export function formatTime(ms: number | null | undefined, zone: "local" | "utc" = "local"): string {
  if (ms === null || ms === undefined) return "—";
  const d = new Date(ms);
  if (zone === "utc")
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `14:03:22` for times today-ish in dense tables. */
export function formatClock(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
