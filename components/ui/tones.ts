/**
 * The status table's tones (lib/search/status.ts) as chart colours, beside the badges' CSS
 * (app/globals.css `.badge-<tone>`): a chart that marks a status apart reads its colour here.
 */
import type { Tone } from "../../lib/search/status";

export const TONE_COLORS: Readonly<Record<Tone, string>> = {
  wait: "#8a6a12",
  live: "#2566b0",
  good: "#1f7a4d",
  bad: "#b4372f",
  muted: "#7b8597",
  pruned: "#6b4aa8",
};
