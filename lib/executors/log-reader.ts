/**
 * Reading a trial's log from its start as it grows, for people (`hyperbayes logs`): whole lines,
 * through the log cap's reader (log-cap.mjs readSlice), so a log cut in place while it is read
 * is never shown half old, half new, and the part the cap left out is said, not silently skipped.
 */
import { type LogCursor, readSlice } from "./log-cap.mjs";

const SLICE_BYTES = 256 * 1024;

export type LogPiece = { line: string } | { leftOut: "cut" | "lag" };

export class LogReader {
  private cursor: LogCursor = { pos: 0, gen: 0 };
  private partial = "";
  private decoder = new TextDecoder("utf-8");
  private readonly buffer = Buffer.allocUnsafe(SLICE_BYTES);

  constructor(readonly path: string) {}

  /**
   * The whole lines written since the last call (and where the cap left some out). With
   * `flush`, the last line too, though it has no line break yet (the trial has ended). Never throws.
   */
  read(flush = false): LogPiece[] {
    const out: LogPiece[] = [];
    for (let round = 0; round < 4096; round++) {
      const slice = readSlice(this.path, this.cursor, this.buffer, SLICE_BYTES);
      if (slice.busy) continue;
      if (slice.jumped) {
        // What was half read before the gap does not go on after it.
        this.partial = "";
        this.decoder = new TextDecoder("utf-8");
        out.push({ leftOut: slice.jumped });
      }
      this.cursor = slice.cursor;
      if (slice.bytes === undefined || slice.bytes.length === 0) break;
      const text = this.partial + this.decoder.decode(slice.bytes, { stream: true });
      const lines = text.split("\n");
      this.partial = lines.pop() ?? "";
      for (const line of lines) out.push({ line });
    }
    if (flush) {
      const rest = this.partial + this.decoder.decode();
      this.partial = "";
      if (rest !== "") out.push({ line: rest });
    }
    return out;
  }
}
