/**
 * Text from trials and users, made safe to print on a terminal. This module owns the rule; every
 * CLI renderer (describe, list, the foreground progress lines) passes such text through it.
 *
 * A trial's output (a metric name, the stderr line in a failure reason) and what a user typed
 * (a description, a choice value) may hold terminal controls: ESC starts CSI sequences that move
 * the cursor, recolour or clear the screen, and OSC sequences that retitle the window, write the
 * clipboard (OSC 52) or hide a link behind text (OSC 8); C1 controls (U+0080-U+009F) are the same
 * commands in one character on some terminals; bidi overrides (U+202E...) reorder what is shown,
 * so `describe` could show a command other than the one that runs. None of them is stripped
 * silently: each is shown as an escape (`\x1b`, `\u202e`, `\n`), so what printed is what was
 * there, on one line, and table columns keep their widths. Everything else, emoji and accents
 * included, prints as is.
 */

// C0 controls and DEL, C1 controls, the bidi controls (ALM, LRM, RLM, LRE..RLO, LRI..PDI), and the
// Unicode line and paragraph separators (some terminals break lines on them).
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function visible(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code < 0x80
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `text` with every terminal control shown as an escape; one line, safe to print. */
export function printable(text: string): string {
  return text.replace(UNSAFE, visible);
}

// JSON.stringify already escapes C0 controls inside strings; these it leaves as they are.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/**
 * JSON text (as JSON.stringify writes it) with the controls it leaves raw written as `\uXXXX`:
 * the same JSON value, safe on a terminal. They can occur only inside strings, where `\uXXXX`
 * means the same character.
 */
export function printableJson(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

// SGR sequences (colours, bold): ESC [ params m. Scripts colour their logs (tqdm, rich, Keras);
// shown as escapes they would bury the text, and they can do nothing but recolour.
// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is what this finds
const SGR = /\u001b\[[0-9;:]*m/g;

/**
 * One line of a trial's log, for `hyperbayes logs`: colours dropped, a progress bar's `\r`
 * rewrites shown as their last state (as the console shows them), tabs kept (XGBoost's lines are
 * tab-separated), and every other control shown as an escape, as `printable` does.
 */
export function printableLogLine(line: string): string {
  let text = line.endsWith("\r") ? line.slice(0, -1) : line;
  const cr = text.lastIndexOf("\r");
  if (cr >= 0) text = text.slice(cr + 1);
  return text.replace(SGR, "").split("\t").map(printable).join("\t");
}
