// Types of log-cap.mjs (plain JavaScript, so the launcher can import it without tsx).

export const DEFAULT_LOG_CAP_BYTES: number;
export const MIN_LOG_CAP_BYTES: number;
export const CHECK_MS: number;

/** Where a reader is: `pos` in the log's own coordinates (as if it had never been cut), and
 * the sidecar's gen when it got there. */
export interface LogCursor {
  pos: number;
  gen: number;
}

export interface CutRecord {
  /** Odd while a cut is under way. */
  gen: number;
  /** Bytes below this offset are never changed by a cut. */
  head: number;
  /** The file offset of the tail (after the marker), and the pos range it holds. */
  tailAt: number;
  tailFrom: number;
  tailEnd: number;
  /** Bytes left out so far. */
  cut: number;
}

export function sidecarPath(log: string): string;
export function readCut(log: string): CutRecord;

export class LogCap {
  constructor(
    path: string,
    fd: number,
    cap?: number,
    writers?: { hold(): boolean; release(): void },
  );
  readonly path: string;
  readonly cap: number;
  /** The cut's own descriptor on the log (read-write); undefined for a log it leaves alone. */
  readonly rw: number | undefined;
  check(): boolean;
  close(): void;
}

export interface Slice {
  bytes: Buffer | undefined;
  cursor: LogCursor;
  busy: boolean;
  jumped?: "cut" | "lag";
}

export function readSlice(
  log: string,
  cursor: LogCursor,
  buffer: Buffer,
  maxBytes: number,
  maxLag?: number,
): Slice;

export function readTail(
  log: string,
  maxBytes: number,
): { bytes: Buffer; size: number; start: number; cut: number };
