/**
 * Reads a trial's output files as they grow (stdout.log, stderr.log, metrics.jsonl) and turns
 * new bytes into metric points. Each file has its own parser, so a line split across reads is
 * reassembled and auto-incremented steps stay per stream. After a worker restart the files are
 * read again from the start: the store replaces points with the same (metric, step).
 *
 * Reads are synchronous: the files are small increments on a local or network disk, and each
 * asynchronous open/read/close is a round trip through libuv's thread pool, which on a machine
 * whose cores are busy with trials costs milliseconds of waiting apiece, all of it on the path
 * from one trial's end to the next trial's start (bench/dispatch.ts). Files are opened afresh on
 * each read, so a network file system revalidates them (close-to-open consistency).
 */
import { closeSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { createMetricParser, type MetricParser, type MetricPoint } from "../lib/metrics/stream";

export const OUTPUT_FILES = ["stdout.log", "stderr.log", "metrics.jsonl"] as const;
const CHUNK = 256 * 1024;
/** The last bytes of stderr kept for a failed trial's reason. */
const STDERR_TAIL = 4096;

interface FileTail {
  path: string;
  offset: number;
  parser: MetricParser;
}

export class TrialOutput {
  private readonly files: FileTail[];
  private readonly buffer = Buffer.allocUnsafe(CHUNK);
  private stderrTail = Buffer.alloc(0);

  constructor(dir: string) {
    this.files = OUTPUT_FILES.map((name) => ({
      path: join(dir, name),
      offset: 0,
      parser: createMetricParser(),
    }));
  }

  /** New metric points since the last read. A missing file is simply not there yet. */
  read(): MetricPoint[] {
    const out: MetricPoint[] = [];
    for (const file of this.files) {
      let fd: number;
      try {
        fd = openSync(file.path, "r");
      } catch {
        continue;
      }
      try {
        for (;;) {
          const bytesRead = readSync(fd, this.buffer, 0, CHUNK, file.offset);
          if (bytesRead === 0) break;
          const chunk = this.buffer.subarray(0, bytesRead);
          file.offset += bytesRead;
          if (file.path.endsWith("stderr.log")) this.keepStderr(chunk);
          for (const p of file.parser.push(chunk)) out.push(p);
        }
      } finally {
        closeSync(fd);
      }
    }
    return out;
  }

  /** Reads what is left and flushes unterminated last lines: call once, after the trial ended. */
  finish(): MetricPoint[] {
    const out = this.read();
    for (const file of this.files) for (const p of file.parser.end()) out.push(p);
    return out;
  }

  /** The last non-empty line of stderr, for a failure reason. */
  lastStderrLine(): string | undefined {
    const lines = this.stderrTail
      .toString("utf8")
      .split(/[\r\n]+/)
      .map((l) => l.trim())
      .filter((l) => l !== "");
    const last = lines.at(-1);
    return last === undefined ? undefined : last.length > 300 ? `${last.slice(0, 300)}…` : last;
  }

  private keepStderr(chunk: Buffer): void {
    const joined = Buffer.concat([
      this.stderrTail,
      chunk.subarray(Math.max(0, chunk.length - STDERR_TAIL)),
    ]);
    this.stderrTail = joined.subarray(Math.max(0, joined.length - STDERR_TAIL));
  }
}
