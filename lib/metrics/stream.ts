/**
 * The metric stream parser: bytes of one trial output stream (stdout, stderr, or the file named
 * by HYPERBAYES_METRICS_FILE as it grows) in, metric points with steps out. It owns what needs
 * state across lines: splitting into lines, the current Keras epoch, and step numbering.
 *
 * Decisions (why):
 *   - `\n` and `\r` both end a line: Keras redraws its progress bar with `\r`, and each redraw is
 *     a line of its own; `\r\n` just leaves an empty line, which says nothing.
 *   - Bytes are split before decoding, so a chunk that ends inside a UTF-8 character is harmless
 *     (line breaks never occur inside a multi-byte character); invalid UTF-8 decodes to U+FFFD.
 *   - A line longer than `maxLineBytes` (64 KiB by default) is dropped as it streams by, without
 *     buffering it: a trial that prints a 10 MB line costs no memory and loses no other line.
 *   - Steps: a sample's own step when the line gave one (the Keras epoch, 1-based as printed,
 *     for Keras lines); otherwise one more than the largest step this parser has given that
 *     metric, starting at 0. One parser per stream: the counters are per parser.
 *   - Keras: only an epoch's final progress line counts (see MetricLine in parse.ts). When the
 *     final lines of an epoch come in two (Keras prints N/N, then N/N again with `val_`
 *     metrics), a metric already recorded for the epoch is not recorded again (so neither is an
 *     `evaluate()` line printed after the last epoch under the same names). With an unknown
 *     total (`782/Unknown`) no line can be known final, so the latest one is kept and recorded
 *     when the next epoch starts or the stream ends.
 *   - PyTorch Lightning: tqdm redraws an epoch's bar after every batch and once more after
 *     validation, each time with the metrics so far, so an epoch's values are those of its latest
 *     line. They are held (merged by name) and recorded at the epoch when a line of another epoch
 *     arrives or the stream ends; an epoch's validation metric is therefore seen when the next
 *     epoch's first line is, not at each of its hundreds of redraws.
 *   - The metrics file goes through the same parser with every format: a script that writes
 *     `loss=0.3` there instead of JSON is understood rather than silently ignored.
 *   - A line without any of `=`, `:`, `{` and `/` cannot hold a metric in any format (pairs need
 *     `=` or `: `, JSON `{`, Keras `N/M` or ` - name: value`), so it is counted and passed over
 *     without being decoded: a trial flooding its log with progress chatter costs a few byte
 *     scans per line (several times faster than classifying it).
 *   - Bounded readers: `cut()` says bytes of the stream went missing (a log cut by its cap, a
 *     reader that skipped ahead), so a half-read line is never glued to a stranger's end; and
 *     `snapshot()` gives the state a new parser resumes from (step counters, Keras epoch), to
 *     be fed from `pendingBytes` before the offset it was taken at, so that a reader that
 *     takes over a stream mid-way numbers steps as the first one would have.
 */
import { z } from "zod";
import { classifyMetricLine, type MetricSample } from "./parse";

/** One recorded metric value. `step` is always set (explicit or automatic). */
export type MetricPoint = { name: string; step: number; value: number };

export type MetricParserOptions = {
  /** Lines longer than this many bytes (without the line break) are skipped. Default 64 KiB. */
  maxLineBytes?: number;
  /** Resume from a snapshot() of another parser. */
  state?: MetricParserState;
};

const sampleSchema = z.object({
  name: z.string(),
  value: z.number(),
  step: z.number().optional(),
});

/** What a parser carries from one line to the next, bar the unterminated line (JSON-able). */
export const metricParserStateSchema = z.object({
  /** The largest step given to each metric. */
  steps: z.array(z.tuple([z.string(), z.number()])),
  /** The Keras epoch whose lines are arriving, the metrics recorded for it, and the latest
   * line of an epoch with an unknown total. */
  epoch: z.number().optional(),
  recorded: z.array(z.string()),
  pendingKeras: z.array(sampleSchema).optional(),
  /** The Lightning epoch whose progress lines are arriving, and its values so far. */
  pendingProgress: z.object({ epoch: z.number(), samples: z.array(sampleSchema) }).optional(),
  /** Inside an over-long line, skipping to its end. */
  skipping: z.boolean(),
});
export type MetricParserState = z.infer<typeof metricParserStateSchema>;

export type MetricParser = {
  /** Feeds the next bytes of the stream; returns the points of the lines they completed. */
  push(chunk: Buffer | Uint8Array | string): MetricPoint[];
  /**
   * The stream ended: parses the last unterminated line and records a pending Keras line.
   * The parser can be fed again afterwards (its step counters carry on).
   */
  end(): MetricPoint[];
  /**
   * Bytes of the stream went missing before the next chunk: the unterminated line is dropped,
   * and with `midLine` the next chunk starts inside a line, skipped up to its first line break.
   */
  cut(midLine: boolean): void;
  /** The state to resume from, at `pendingBytes` before the bytes fed so far. */
  snapshot(): MetricParserState;
  /** Bytes fed that belong to the unterminated line (held, not parsed yet). */
  readonly pendingBytes: number;
  /** Counts for logs and tests: lines seen, lines skipped for being too long. */
  readonly stats: { readonly lines: number; readonly skippedLongLines: number };
};

const EQUALS = 0x3d;
const COLON = 0x3a;
const BRACE = 0x7b;
const SLASH = 0x2f;

/** False when the line holds none of the bytes every metric format needs (see the header). */
function mayHoldMetric(bytes: Uint8Array): boolean {
  return (
    bytes.indexOf(EQUALS) >= 0 ||
    bytes.indexOf(COLON) >= 0 ||
    bytes.indexOf(BRACE) >= 0 ||
    bytes.indexOf(SLASH) >= 0
  );
}

export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/** A stream parser for one output stream. Never throws on any input. */
export function createMetricParser(options: MetricParserOptions = {}): MetricParser {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const decoder = new TextDecoder("utf-8", { fatal: false });
  const stats = { lines: 0, skippedLongLines: 0 };

  const state = options.state;
  // The current unterminated line, as received; `skipping` once it grew past the limit.
  let partial: Uint8Array[] = [];
  let partialBytes = 0;
  let skipping = state?.skipping ?? false;

  const lastStep = new Map<string, number>(state?.steps ?? []);

  // Keras: the epoch whose progress lines are arriving, the metrics recorded for it, and the
  // latest line of an epoch with an unknown total.
  let epoch: number | undefined = state?.epoch;
  let recordedThisEpoch = new Set<string>(state?.recorded ?? []);
  let pendingUnknownTotal: MetricSample[] | undefined = state?.pendingKeras;
  // Lightning: the epoch whose progress lines are arriving, and its latest value of each metric.
  let pendingProgress: { epoch: number; samples: MetricSample[] } | undefined =
    state?.pendingProgress;

  const record = (samples: MetricSample[], out: MetricPoint[]) => {
    for (const s of samples) {
      const previous = lastStep.get(s.name);
      const step = s.step ?? (previous === undefined ? 0 : previous + 1);
      lastStep.set(s.name, previous === undefined ? step : Math.max(previous, step));
      out.push({ name: s.name, step, value: s.value });
    }
  };

  const recordKeras = (samples: MetricSample[], out: MetricPoint[]) => {
    // Outside `fit` (evaluate before any epoch) there is no epoch to dedupe within.
    if (epoch === undefined) return record(samples, out);
    const step = epoch;
    const fresh = samples.filter((s) => !recordedThisEpoch.has(s.name));
    for (const s of fresh) recordedThisEpoch.add(s.name);
    record(
      fresh.map((s) => ({ ...s, step })),
      out,
    );
  };

  const flushPendingKeras = (out: MetricPoint[]) => {
    if (pendingUnknownTotal) recordKeras(pendingUnknownTotal, out);
    pendingUnknownTotal = undefined;
  };

  const flushPendingProgress = (out: MetricPoint[]) => {
    if (pendingProgress) {
      const { epoch, samples } = pendingProgress;
      record(
        samples.map(({ name, value }) => ({ name, value, step: epoch })),
        out,
      );
    }
    pendingProgress = undefined;
  };

  const holdProgress = (epoch: number, samples: MetricSample[], out: MetricPoint[]) => {
    if (pendingProgress && pendingProgress.epoch !== epoch) flushPendingProgress(out);
    const latest = new Map((pendingProgress?.samples ?? []).map((s) => [s.name, s]));
    for (const s of samples) latest.set(s.name, s);
    pendingProgress = { epoch, samples: [...latest.values()] };
  };

  const handleLine = (bytes: Uint8Array, out: MetricPoint[]) => {
    if (bytes.length === 0) return;
    stats.lines++;
    if (!mayHoldMetric(bytes)) return;
    const line = classifyMetricLine(decoder.decode(bytes));
    switch (line.kind) {
      case "epoch":
        flushPendingKeras(out);
        epoch = line.epoch;
        recordedThisEpoch = new Set();
        return;
      case "keras":
        if (line.final) {
          pendingUnknownTotal = undefined;
          recordKeras(line.samples, out);
        } else if (!line.totalKnown && line.samples.length > 0) {
          pendingUnknownTotal = line.samples;
        }
        return;
      case "progress":
        holdProgress(line.epoch, line.samples, out);
        return;
      case "samples":
        record(line.samples, out);
        return;
    }
  };

  const takePartial = (tail: Uint8Array): Uint8Array => {
    if (partial.length === 0) return tail;
    const whole = Buffer.concat([...partial, tail]);
    partial = [];
    partialBytes = 0;
    return whole;
  };

  const push = (chunk: Buffer | Uint8Array | string): MetricPoint[] => {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    const out: MetricPoint[] = [];
    let start = 0;
    // indexOf runs natively; a byte loop in JS costs ~5 ms per MB of a huge line.
    let nextLf = bytes.indexOf(LF);
    let nextCr = bytes.indexOf(CR);
    while (nextLf >= 0 || nextCr >= 0) {
      const i = nextCr < 0 || (nextLf >= 0 && nextLf < nextCr) ? nextLf : nextCr;
      if (i === nextLf) nextLf = bytes.indexOf(LF, i + 1);
      else nextCr = bytes.indexOf(CR, i + 1);
      const segment = bytes.subarray(start, i);
      start = i + 1;
      if (skipping) {
        skipping = false;
        continue;
      }
      if (partialBytes + segment.length > maxLineBytes) {
        stats.skippedLongLines++;
        partial = [];
        partialBytes = 0;
        continue;
      }
      handleLine(takePartial(segment), out);
    }
    const rest = bytes.subarray(start);
    if (!skipping && rest.length > 0) {
      if (partialBytes + rest.length > maxLineBytes) {
        stats.skippedLongLines++;
        skipping = true;
        partial = [];
        partialBytes = 0;
      } else {
        // Copied: the caller may reuse its buffer.
        partial.push(Uint8Array.from(rest));
        partialBytes += rest.length;
      }
    }
    return out;
  };

  const end = (): MetricPoint[] => {
    const out: MetricPoint[] = [];
    if (!skipping && partialBytes > 0) handleLine(takePartial(new Uint8Array(0)), out);
    partial = [];
    partialBytes = 0;
    skipping = false;
    flushPendingKeras(out);
    flushPendingProgress(out);
    return out;
  };

  const cut = (midLine: boolean) => {
    partial = [];
    partialBytes = 0;
    skipping = midLine;
  };

  const snapshot = (): MetricParserState => ({
    steps: [...lastStep],
    ...(epoch !== undefined ? { epoch } : {}),
    recorded: [...recordedThisEpoch],
    ...(pendingUnknownTotal ? { pendingKeras: pendingUnknownTotal } : {}),
    ...(pendingProgress ? { pendingProgress } : {}),
    skipping,
  });

  return {
    push,
    end,
    cut,
    snapshot,
    get pendingBytes() {
      return partialBytes;
    },
    stats,
  };
}
