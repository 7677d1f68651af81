/**
 * Metric lines: what one line of a trial's output says about its metrics. A trial reports by
 * printing; nothing to import. This module reads one line at a time and holds no state; the
 * stream parser (stream.ts) adds line splitting, the current Keras epoch and step numbering.
 *
 * Formats, tried in this order:
 *   Keras `fit`  `Epoch 3/25` sets the epoch; a progress line `782/782 [====] - 12s 15ms/step -
 *                loss: 1.23 - val_loss: 1.1` (Keras 2) or `782/782 ━━━━ 12s 15ms/step - loss: ...`
 *                (Keras 3) yields `keras/<name>`. Only an epoch's final line counts (see `final`).
 *   boosting     XGBoost's `[9]\tvalidation_0-logloss:0.1234\tvalidation_1-logloss:0.2` yields
 *   rounds       `validation_0-logloss` and `validation_1-logloss` at step 9; LightGBM's
 *                `[20]\tvalid_0's binary_logloss: 0.234` yields `valid_0/binary_logloss` at step 20
 *                (the round as printed: XGBoost counts from 0, LightGBM from 1).
 *   Lightning    PyTorch Lightning's progress bar `Epoch 3: 100%|███| 50/50 [00:01<00:00, 30.1it/s,
 *                v_num=0, val_loss=0.123]` yields `val_loss` at step 3 (the epoch, not the batch
 *                counter); the latest line of an epoch counts (see `progress`).
 *   JSON lines   `{"val_acc": 0.82, "step": 3}`: every numeric field (nested objects flattened
 *                with `/`) except step keys, timestamp-like keys and keys starting with `_`; or
 *                `{"name": "val_acc", "value": 0.82, "step": 3}`. Python's bare `NaN`/`Infinity`
 *                (what `json.dumps` writes) are read as numbers, so a NaN loss fails the trial.
 *   pairs        `val_acc=0.82 loss=0.41`, `loss: 0.41`, `{'loss': 0.41}` (a Python dict).
 *
 * Decisions (why):
 *   - A step key (`step`, `global_step`, `iteration`, `iter`, `epoch`, any case; first one in that
 *     order wins) gives the step of the other metrics on its line and is never a metric itself.
 *     `epoch` counts because scripts print `epoch=3 loss=0.4` far more often than they want a
 *     curve of the epoch number. A step that is not a non-negative integer (Hugging Face prints
 *     `'epoch': 0.5`) is ignored and the metric gets the next automatic step.
 *   - `name=value` is accepted anywhere on a line: `=` between a name and a number is rarely prose.
 *     `name: value` is how prose is written too (`Error: 5 files left`, `Exit code: 1`), so a colon
 *     pair counts only when the text before it is the line start, another pair or a separator
 *     (`-`, `,`, `;`, `|`, `:`, brackets), and the text after it up to the next pair is separators
 *     only. `Train loss: 0.3` is not read (it would be ambiguous with `Val loss: 0.4` anyway).
 *   - A value is a whole number token: `0.82`, `-1e-3`, `nan`, `NaN`, `inf`, `-inf`, `Infinity`.
 *     `82%` and `12s` are not values. Non-finite values are returned as NaN/±Infinity, never
 *     dropped: the worker must see them to fail the trial.
 *   - Terminal escapes (Keras 3 colours its progress bar even into a pipe) and control characters
 *     are removed before parsing.
 */
import { isMetricName, KERAS_PREFIX } from "./names";

/** One metric value read from a line; `step` only when the line gave one. */
export type MetricSample = { name: string; value: number; step?: number };

/** What a line is, for the stream parser. */
export type MetricLine =
  /** `Epoch 3/25`: the following Keras progress lines belong to epoch 3 (1-based, as printed). */
  | { kind: "epoch"; epoch: number; total: number }
  /**
   * A Keras progress line. `final`: the epoch's last word (it has `val_` metrics, or reached
   * N/N without an ETA). `totalKnown`: false for `782/Unknown`, where no line can be known final.
   */
  | { kind: "keras"; final: boolean; totalKnown: boolean; samples: MetricSample[] }
  /**
   * A PyTorch Lightning progress line of epoch `epoch` (0-based, as printed). tqdm redraws it
   * after every batch and once more after validation, with the metrics so far: the latest line
   * of an epoch holds its values, so the stream parser records that one, at the epoch.
   */
  | { kind: "progress"; epoch: number; samples: MetricSample[] }
  | { kind: "samples"; samples: MetricSample[] };

/** Keys that give the step of a line's metrics, by priority. Never metrics themselves. */
export const STEP_KEYS: readonly string[] = ["step", "global_step", "iteration", "iter", "epoch"];

/** JSON keys that loggers add on their own and that are not metrics. */
const JSON_IGNORED_KEYS: ReadonlySet<string> = new Set([
  "time",
  "timestamp",
  "ts",
  "wall_time",
  "walltime",
  "datetime",
  "date",
  "pid",
]);

// Flattening stops here: a deeper object is a payload, not a metric group.
const MAX_JSON_DEPTH = 3;

const NUM = String.raw`[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?|nan|inf(?:inity)?)`;
const NAME = String.raw`[A-Za-z_][\w./-]*`;

// group 1: what precedes the name; 2: optional quote; 3: name; 4: `=` or `: `; 5: value.
const PAIR = new RegExp(
  String.raw`(^|[\s,;|:(\[{])(['"]?)(${NAME})\2(\s*=\s*|:\s+)(${NUM})(?=$|[\s,;|)\]}])`,
  "gi",
);
const COLON_SEPARATORS = "-,;|:[](){}";
const COLON_AFTER_OK = /^[\s,;|)\]}-]*$/;

const KERAS_EPOCH = /^\s*Epoch\s+(\d+)\s*\/\s*(\d+)\s*$/;
const KERAS_PROGRESS = /^\s*(\d+)\/(\d+|Unknown)(?=\s|$)/;
// Keras 2.2 with verbose=2 printed one line per epoch without a counter: ` - 12s - loss: ...`.
const KERAS_V22_VERBOSE2 = /^\s*-\s+\d+s(?=\s|$)/;
const KERAS_BAR = /\[[=>.]*\]|━/;
const KERAS_ETA = /\bETA:/;
const KERAS_PAIR = new RegExp(String.raw`(?:^|\s)-\s+(${NAME}):\s+(${NUM})(?=\s|$)`, "gi");

// `[9]` then the round's results; a line that is not all results is not a boosting round.
const BOOSTING_ROUND = /^\s*\[(\d+)\]\s+(\S.*?)\s*$/;
// XGBoost: `validation_0-logloss:0.1234`; xgb.cv adds the standard deviation, `:0.48+0.01`.
const XGBOOST_RESULT = new RegExp(String.raw`^([^\s:]+-[^\s:]+):(${NUM})(?:\+${NUM})?$`, "i");
// LightGBM: `valid_0's binary_logloss: 0.234`; lgb.cv: `cv_agg's valid binary_logloss: 0.2 + 0.01`.
const LIGHTGBM_RESULT = new RegExp(
  String.raw`\s*(\S+)'s\s+([^:]+?):\s*(${NUM})(?:\s*\+\s*${NUM})?(?=\s|$)`,
  "iy",
);
// Lightning's tqdm bar: `Epoch 3: 100%|` (`Epoch 3: 50it [` when the length is unknown).
const LIGHTNING_EPOCH = /^\s*Epoch\s+(\d+)(?:\/\d+)?:\s+(?:\d+%\||\d+it\s+\[)/;
// Lightning's logger version in the bar's postfix: not a metric.
const LIGHTNING_IGNORED = "v_num";

// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes are what this removes
const TERMINAL_ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
const CONTROL_CHARS = /[\x00-\x08\x0a-\x1f\x7f]/g;

/** The line without terminal escapes and control characters (tabs become spaces). */
export function cleanLine(line: string): string {
  return line.replace(TERMINAL_ESCAPES, "").replace(/\t/g, " ").replace(CONTROL_CHARS, "");
}

/** Reads a value token matched by NUM. */
function parseNumber(text: string): number {
  const lower = text.toLowerCase();
  const negative = lower.startsWith("-");
  const unsigned = lower.replace(/^[-+]/, "");
  if (unsigned === "nan") return Number.NaN;
  if (unsigned === "inf" || unsigned === "infinity") {
    return negative ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  return Number(text);
}

function asStep(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

function isStepKey(key: string): boolean {
  return STEP_KEYS.includes(key.toLowerCase());
}

/** The step named by the first step key present (by STEP_KEYS priority), if it is valid. */
function stepFrom(entries: ReadonlyArray<readonly [string, unknown]>): number | undefined {
  for (const key of STEP_KEYS) {
    const entry = entries.find(([k]) => k.toLowerCase() === key);
    if (entry) return asStep(entry[1]);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Keras

function kerasSamples(line: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const m of line.matchAll(KERAS_PAIR)) {
    const name = KERAS_PREFIX + m[1]!;
    if (isMetricName(name)) samples.push({ name, value: parseNumber(m[2]!) });
  }
  return samples;
}

function classifyKeras(line: string): MetricLine | undefined {
  const epoch = KERAS_EPOCH.exec(line);
  if (epoch) return { kind: "epoch", epoch: Number(epoch[1]), total: Number(epoch[2]) };

  const progress = KERAS_PROGRESS.exec(line);
  if (progress) {
    const samples = kerasSamples(line);
    if (samples.length === 0 && !KERAS_BAR.test(line)) return undefined;
    const totalKnown = progress[2] !== "Unknown";
    const hasValidation = samples.some((s) => s.name.startsWith(`${KERAS_PREFIX}val_`));
    const reachedEnd = totalKnown && progress[1] === progress[2] && !KERAS_ETA.test(line);
    return { kind: "keras", final: hasValidation || reachedEnd, totalKnown, samples };
  }

  if (KERAS_V22_VERBOSE2.test(line)) {
    const samples = kerasSamples(line);
    if (samples.length > 0) return { kind: "keras", final: true, totalKnown: true, samples };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Boosting rounds (XGBoost, LightGBM) and Lightning's progress bar

function xgboostSamples(results: string, step: number): MetricSample[] | undefined {
  const samples: MetricSample[] = [];
  for (const token of results.split(/\s+/)) {
    const m = XGBOOST_RESULT.exec(token);
    if (!m) return undefined;
    samples.push({ name: m[1]!, value: parseNumber(m[2]!), step });
  }
  return samples;
}

function lightgbmSamples(results: string, step: number): MetricSample[] | undefined {
  const samples: MetricSample[] = [];
  LIGHTGBM_RESULT.lastIndex = 0;
  while (LIGHTGBM_RESULT.lastIndex < results.length) {
    const m = LIGHTGBM_RESULT.exec(results);
    if (!m) return undefined;
    // `valid binary_logloss` (lgb.cv) has a space: every blank becomes a `/`.
    const name = `${m[1]}/${m[2]!.trim().replace(/\s+/g, "/")}`;
    samples.push({ name, value: parseNumber(m[3]!), step });
  }
  return samples;
}

function classifyBoostingRound(line: string): MetricLine | undefined {
  const round = BOOSTING_ROUND.exec(line);
  if (!round) return undefined;
  const step = Number(round[1]);
  if (!Number.isSafeInteger(step)) return undefined;
  const samples = xgboostSamples(round[2]!, step) ?? lightgbmSamples(round[2]!, step);
  if (!samples) return undefined;
  return { kind: "samples", samples: samples.filter((s) => isMetricName(s.name)) };
}

function classifyLightning(line: string): MetricLine | undefined {
  const epoch = LIGHTNING_EPOCH.exec(line);
  if (!epoch) return undefined;
  const samples = pairSamples(line)
    .filter((s) => s.name !== LIGHTNING_IGNORED)
    .map(({ name, value }) => ({ name, value }));
  return { kind: "progress", epoch: Number(epoch[1]), samples };
}

// ---------------------------------------------------------------------------------------------
// JSON lines

const SENTINEL = "\u0000hyperbayes:";
const NON_FINITE_TOKENS: ReadonlyArray<readonly [string, number]> = [
  ["-Infinity", Number.NEGATIVE_INFINITY],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["NaN", Number.NaN],
];

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[\w$]/.test(c);
}

/**
 * JSON.parse, but bare `NaN`, `Infinity` and `-Infinity` outside strings (Python's json.dumps
 * writes them) become sentinel strings that `jsonNumber` turns back into numbers.
 */
function parseJsonLenient(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // fall through to the lenient pass
  }
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === "\\") {
        out += text[i + 1] ?? "";
        i++;
      } else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      continue;
    }
    const token = NON_FINITE_TOKENS.find(
      ([t]) =>
        text.startsWith(t, i) && !isIdentChar(text[i - 1]) && !isIdentChar(text[i + t.length]),
    );
    if (token) {
      out += JSON.stringify(SENTINEL + token[0]);
      i += token[0].length - 1;
    } else out += c;
  }
  try {
    return JSON.parse(out);
  } catch {
    return undefined;
  }
}

function jsonNumber(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.startsWith(SENTINEL)) {
    return NON_FINITE_TOKENS.find(([t]) => SENTINEL + t === value)?.[1];
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function jsonSamples(obj: Record<string, unknown>): MetricSample[] {
  const entries = Object.entries(obj);
  const step = stepFrom(entries);
  const withStep = (name: string, value: number): MetricSample =>
    step === undefined ? { name, value } : { name, value, step };

  const named = obj.name ?? obj.metric;
  if (typeof named === "string" && "value" in obj) {
    const value = jsonNumber(obj.value);
    return value !== undefined && isMetricName(named) ? [withStep(named, value)] : [];
  }

  const samples: MetricSample[] = [];
  const walk = (o: Record<string, unknown>, prefix: string, depth: number) => {
    for (const [key, raw] of Object.entries(o)) {
      if (key.startsWith("_")) continue;
      if (depth === 0 && (isStepKey(key) || JSON_IGNORED_KEYS.has(key.toLowerCase()))) continue;
      const name = prefix + key;
      const value = jsonNumber(raw);
      if (value !== undefined) {
        if (isMetricName(name)) samples.push(withStep(name, value));
      } else if (isPlainObject(raw) && depth + 1 < MAX_JSON_DEPTH) {
        walk(raw, `${name}/`, depth + 1);
      }
    }
  };
  walk(obj, "", 0);
  return samples;
}

// ---------------------------------------------------------------------------------------------
// name=value and name: value pairs

/**
 * True when the text of `line` from `from` to `to` is blank or ends with a separator (and
 * blanks). Looks only at the tail: `from` may lie far back after rejected pairs.
 */
function colonBeforeOk(line: string, from: number, to: number): boolean {
  let i = to - 1;
  while (i >= from && /\s/.test(line[i]!)) i--;
  return i < from || COLON_SEPARATORS.includes(line[i]!);
}

function pairSamples(line: string): MetricSample[] {
  const matches = [...line.matchAll(PAIR)].map((m) => {
    const start = m.index + m[1]!.length;
    return {
      name: m[3]!,
      value: parseNumber(m[5]!),
      colon: m[4]!.trimStart().startsWith(":"),
      start,
      end: m.index + m[0].length,
    };
  });
  const accepted: Array<readonly [string, number]> = [];
  let previousEnd = 0;
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i]!;
    if (m.colon) {
      const after = line.slice(m.end, matches[i + 1]?.start ?? line.length);
      if (!colonBeforeOk(line, previousEnd, m.start) || !COLON_AFTER_OK.test(after)) continue;
    }
    accepted.push([m.name, m.value]);
    previousEnd = m.end;
  }

  const step = stepFrom(accepted);
  const samples: MetricSample[] = [];
  for (const [name, value] of accepted) {
    if (isStepKey(name) || !isMetricName(name)) continue;
    samples.push(step === undefined ? { name, value } : { name, value, step });
  }
  return samples;
}

// ---------------------------------------------------------------------------------------------

/** Classifies one line (without its line break). Never throws. */
export function classifyMetricLine(rawLine: string): MetricLine {
  const line = cleanLine(rawLine);
  const framework = classifyKeras(line) ?? classifyBoostingRound(line) ?? classifyLightning(line);
  if (framework) return framework;

  const trimmed = line.trim();
  if (trimmed.startsWith("{") && trimmed.endsWith("}")) {
    const parsed = parseJsonLenient(trimmed);
    if (isPlainObject(parsed)) return { kind: "samples", samples: jsonSamples(parsed) };
    // Not JSON: maybe a Python dict (`{'loss': 0.4}`), which the pair reader understands.
  }
  return { kind: "samples", samples: pairSamples(line) };
}

/**
 * The metrics one line reports, without state: a Keras progress line counts only when it is
 * final and then has no step (the stream parser supplies the epoch); a Lightning progress line
 * gives its values at its epoch (the stream parser keeps only an epoch's latest). Never throws.
 */
export function parseMetricLine(line: string): MetricSample[] {
  const parsed = classifyMetricLine(line);
  switch (parsed.kind) {
    case "epoch":
      return [];
    case "keras":
      return parsed.final ? parsed.samples : [];
    case "progress":
      return parsed.samples.map((sample) => ({ ...sample, step: parsed.epoch }));
    case "samples":
      return parsed.samples;
  }
}
