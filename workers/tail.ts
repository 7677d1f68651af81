/**
 * Reads a trial's output files as they grow (stdout.log, stderr.log, metrics.jsonl) and turns
 * new bytes into metric points, in bounded slices, so that no trial's output, however large,
 * holds up the worker: its heartbeats, its signal handling, the other searches it runs.
 *
 *   - Each read() takes at most READ_BUDGET_BYTES of new output per trial, and stops after
 *     READ_BUDGET_MS of parsing (a share of each per file), whatever is waiting; the rest waits
 *     for the next tick. (Lines of metrics parse ten times slower than chatter, and a loaded
 *     machine slower still: bytes alone do not bound the time.)
 *   - A reader more than MAX_LAG_BYTES behind a file skips ahead to its last MAX_LAG_BYTES:
 *     what a flood printed faster than it could be parsed is left out (so finish(), which reads
 *     what is left at the trial's end, is bounded too). Skipped lines are not counted: automatic
 *     steps go on from the last line read.
 *   - Logs are read through the log cap's seqlock (lib/executors/log-cap.mjs), which cuts them in
 *     place past their cap: a slice that overlapped a cut is thrown away and read again, and a
 *     reader whose place was cut out goes on from the cut's marker.
 *   - Where it got to is kept in the trial directory (output.json: each file's position and cut
 *     generation, and its parser's state), so a worker that adopts the trial goes on from there
 *     instead of reading everything again from byte 0 (each adopting worker would otherwise
 *     freeze in turn on a large log). It is written when the points returned so far are stored:
 *     a read() says that the points of the previous one have been stored (the worker stores
 *     each batch before it reads again), so output.json never runs ahead of the store. It may
 *     lag by one batch (a worker killed in between): the adopter reads that batch again, gets
 *     the same points with the same steps (the parser's state is restored with the offset), and
 *     the store replaces points with the same (metric, step); alreadyStored() keeps them out of
 *     the adopter's own series.
 *
 * Reads are synchronous: the files are small increments on a local or network disk, and each
 * asynchronous open/read/close is a round trip through libuv's thread pool, which on a machine
 * whose cores are busy with trials costs milliseconds of waiting apiece, all of it on the path
 * from one trial's end to the next trial's start (bench/dispatch.ts). Files are opened afresh on
 * each read, so a network file system revalidates them (close-to-open consistency).
 */
import { join } from "node:path";
import { z } from "zod";
import { type LogCursor, readSlice, readTail } from "../lib/executors/log-cap.mjs";
import { readJson, tryWriteJsonAtomic } from "../lib/executors/trial-files";
import {
  createMetricParser,
  type MetricParser,
  type MetricPoint,
  metricParserStateSchema,
} from "../lib/metrics/stream";

export const OUTPUT_FILES = ["stdout.log", "stderr.log", "metrics.jsonl"] as const;
/** New output parsed per trial per read(), over all its files. */
export const READ_BUDGET_BYTES = 256 * 1024;
/** Time spent parsing per trial per read(), over all its files. */
export const READ_BUDGET_MS = 15;
/** The furthest a reader falls behind before it skips ahead. */
export const MAX_LAG_BYTES = 1024 * 1024;
/** Bytes per slice: the time budget is checked between slices. */
const SLICE_BYTES = 32 * 1024;
/** Where a reader got to, for the worker that adopts the trial. */
export const CHECKPOINT_FILE = "output.json";
/** Without new points, the checkpoint is written after this many bytes read. */
const CHECKPOINT_EVERY_BYTES = 1024 * 1024;
/** The last bytes of stderr read for a failed trial's reason. */
const STDERR_TAIL = 4096;

const checkpointSchema = z.object({
  files: z.record(
    z.string(),
    z.object({
      pos: z.number().int().nonnegative(),
      gen: z.number().int().nonnegative(),
      parser: metricParserStateSchema,
    }),
  ),
});
type Checkpoint = z.infer<typeof checkpointSchema>;

export interface TrialOutputOptions {
  budgetBytes?: number;
  budgetMs?: number;
  maxLagBytes?: number;
}

interface FileTail {
  name: string;
  path: string;
  cursor: LogCursor;
  parser: MetricParser;
}

const key = (p: { name: string; step: number }) => `${p.step}\0${p.name}`;

export class TrialOutput {
  /** True when this reader went on from where an earlier one got to (output.json). */
  readonly resumed: boolean;
  private readonly dir: string;
  private readonly files: FileTail[];
  private readonly budget: number;
  private readonly budgetMs: number;
  private readonly maxLag: number;
  private readonly buffer: Buffer;
  /** The state after the last read that returned points, written once they are stored. */
  private unstored?: Checkpoint;
  private readSinceCheckpoint = 0;
  /** (name, step) -> value of points the store already has (adoption). */
  private stored?: Map<string, number>;

  constructor(dir: string, options: TrialOutputOptions = {}) {
    this.dir = dir;
    this.budget = options.budgetBytes ?? READ_BUDGET_BYTES;
    this.budgetMs = options.budgetMs ?? READ_BUDGET_MS;
    this.maxLag = options.maxLagBytes ?? MAX_LAG_BYTES;
    this.buffer = Buffer.allocUnsafe(SLICE_BYTES);
    const saved = readJson(join(dir, CHECKPOINT_FILE), checkpointSchema);
    this.resumed = saved !== undefined;
    this.files = OUTPUT_FILES.map((name) => {
      const at = saved?.files[name];
      return {
        name,
        path: join(dir, name),
        cursor: at ? { pos: at.pos, gen: at.gen } : { pos: 0, gen: 0 },
        parser: createMetricParser(at ? { state: at.parser } : {}),
      };
    });
  }

  /**
   * New metric points since the last read, from at most the byte budget of new output. Calling
   * it again says the points it returned last time have been stored. A missing file is simply
   * not there yet.
   */
  read(): MetricPoint[] {
    this.commit();
    const n = this.files.length;
    return this.take(Math.floor(this.budget / n), this.budgetMs / n);
  }

  /** Reads what is left (at most MAX_LAG_BYTES per file) and flushes unterminated last lines:
   * call once, after the trial ended. */
  finish(): MetricPoint[] {
    // No commit: the trial has ended, and its worker records it with these points. A worker
    // that dies first leaves the last batch to be read again, and alreadyStored() drops it.
    const out = this.take(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
    for (const file of this.files) for (const p of file.parser.end()) out.push(p);
    return this.fresh(out);
  }

  /**
   * Points the store already holds for this trial (a worker that adopts it): read again, they
   * are not returned a second time.
   */
  alreadyStored(points: readonly { name: string; step: number; value: number }[]): void {
    this.stored ??= new Map();
    for (const p of points) this.stored.set(key(p), p.value);
  }

  /** The last non-empty line of stderr, for a failure reason. */
  lastStderrLine(): string | undefined {
    const tail = readTail(join(this.dir, "stderr.log"), STDERR_TAIL).bytes;
    const lines = tail
      .toString("utf8")
      .split(/[\r\n]+/)
      .map((l) => l.trim())
      .filter((l) => l !== "");
    const last = lines.at(-1);
    return last === undefined ? undefined : last.length > 300 ? `${last.slice(0, 300)}…` : last;
  }

  /** Reads up to `perFile` bytes of each file, for up to `msPerFile` (Infinity: to its end). */
  private take(perFile: number, msPerFile: number): MetricPoint[] {
    const out: MetricPoint[] = [];
    let bytes = 0;
    let busyTries = 0;
    for (const file of this.files) {
      let left = perFile;
      const until = performance.now() + msPerFile;
      while (left > 0 && performance.now() < until) {
        const slice = readSlice(file.path, file.cursor, this.buffer, left, this.maxLag);
        if (slice.jumped) file.parser.cut(slice.jumped === "lag");
        file.cursor = slice.cursor;
        // A cut under way takes microseconds: the last read of a trial waits it out (a bounded
        // number of tries); the others leave it to the next tick.
        if (slice.busy && perFile === Number.POSITIVE_INFINITY && ++busyTries < 1_000) continue;
        if (!slice.bytes || slice.bytes.length === 0) break;
        left -= slice.bytes.length;
        bytes += slice.bytes.length;
        for (const p of file.parser.push(slice.bytes)) out.push(p);
      }
    }
    const points = this.fresh(out);
    this.readSinceCheckpoint += bytes;
    if (points.length > 0) {
      this.unstored = this.checkpoint();
    } else if (this.readSinceCheckpoint >= CHECKPOINT_EVERY_BYTES) {
      // Nothing to store: where it got to can be kept at once (an adopter need not re-read it).
      this.write(this.checkpoint());
    }
    return points;
  }

  private fresh(points: MetricPoint[]): MetricPoint[] {
    const stored = this.stored;
    if (!stored) return points;
    return points.filter((p) => {
      const value = stored.get(key(p));
      return value === undefined || !Object.is(value, p.value);
    });
  }

  private checkpoint(): Checkpoint {
    const files: Checkpoint["files"] = {};
    for (const f of this.files) {
      files[f.name] = {
        // The unterminated line is read again by whoever goes on from here.
        pos: f.cursor.pos - f.parser.pendingBytes,
        gen: f.cursor.gen,
        parser: f.parser.snapshot(),
      };
    }
    return { files };
  }

  private commit(): void {
    if (!this.unstored) return;
    this.write(this.unstored);
    this.unstored = undefined;
  }

  private write(checkpoint: Checkpoint): void {
    tryWriteJsonAtomic(this.dir, CHECKPOINT_FILE, checkpoint);
    this.readSinceCheckpoint = 0;
  }
}
