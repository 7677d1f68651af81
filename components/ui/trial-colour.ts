/**
 * Each trial's one colour, wherever its curve is drawn (the search page's curves, the compare
 * panel): a function of the trial number alone, so a trial keeps its colour across polls and
 * whichever other trials share the chart. Hues step by the golden angle, so trials with nearby
 * numbers get hues far apart and no two numbers share a hue exactly; three lightness levels (by
 * n mod 3) keep two trials whose hues happen to be close apart. See docs/decisions/console.md.
 */

const GOLDEN_ANGLE = 137.508;
const LIGHTNESS = [44, 34, 52] as const;

/** The colour of trial `n` as a CSS `hsl()` string. */
export function trialColour(n: number): string {
  const i = Math.abs(Math.trunc(n));
  const hue = (i * GOLDEN_ANGLE) % 360;
  return `hsl(${hue.toFixed(1)} 68% ${LIGHTNESS[i % 3]}%)`;
}
