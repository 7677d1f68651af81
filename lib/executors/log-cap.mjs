// The log cap: a trial's stdout.log and stderr.log never grow past a cap on disk, and every
// reader (the worker's TrialOutput, the console's log tail) reads them through one primitive
// that cannot mistake a cut log for new output. Plain JavaScript with node: imports only: the
// launcher (the writer) imports it, and TypeScript readers through log-cap.d.mts.
//
// Writer (the launcher, which holds the log's descriptors). The trial writes its log directly,
// through descriptors the launcher inherited and passed on, opened with O_APPEND, so every write
// lands at the file's current end whatever happened to it. Every CHECK_MS the launcher looks at
// the size; past the cap it cuts the log in place:
//     keep [0, head)          the head: the first cap/8 bytes, up to the last line break in them,
//                             fixed at the first cut and never touched again;
//     write at head           a marker line saying how much was left out, then the last cap/4
//                             bytes the log had (from a line start), written with pwrite on a
//                             descriptor of its own, after ftruncate(head).
// A trial's write that lands between the launcher's read of the tail and its ftruncate (a few
// microseconds) is left out with the middle; one that lands between ftruncate and pwrite is
// overwritten by the tail, and is left out too. Later writes append after the tail, in order.
// A log whose descriptor is not O_APPEND (say, a batch script's `>` instead of `>>`) is never
// cut: its next write would land at its old offset, leaving a hole of zeros.
//
// Readers: a seqlock through a sidecar file, `<log>.cut` = {"gen", "head", "cut"}, written
// atomically (temp file, rename) around each cut: gen odd while a cut is under way, even and
// larger after; head as above; cut = the bytes left out so far. A reader holds a cursor
// {offset, gen} and, for each slice: reads the sidecar (odd: try again later); when its gen
// differs from the cursor's, the log was cut since the last slice: bytes below head are as they
// were, everything from head on was replaced, so a cursor past head moves back to head (the
// caller drops its half-read line); reads the slice; reads the sidecar again, and throws the
// slice away if the gen changed meanwhile. A log without a sidecar was never cut (gen 0). On a
// network file system this relies on close-to-open consistency: both files are opened afresh
// for each slice.
//
// A reader that has fallen further behind than it is willing to parse (maxLag) jumps to the
// last maxLag bytes: a flood it could not keep up with is left out of what it parses, as the
// cap leaves it out of the file.
import {
  closeSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";

export const DEFAULT_LOG_CAP_BYTES = 64 * 1024 * 1024;
/** The smallest cap the launcher accepts: below it the head, tail and marker do not fit. */
export const MIN_LOG_CAP_BYTES = 64 * 1024;
/** How often the launcher looks at its logs' sizes. */
export const CHECK_MS = 100;
const O_APPEND = 0o2000;

/** @param {string} log */
export const sidecarPath = (log) => `${log}.cut`;

/**
 * The sidecar of `log`: {gen: 0, head: 0, cut: 0} for a log never cut (or without a valid
 * sidecar, which a cut always writes first). Never throws.
 * @param {string} log
 */
export function readCut(log) {
  let value;
  try {
    value = JSON.parse(readFileSync(sidecarPath(log), "utf8"));
  } catch {
    return { gen: 0, head: 0, cut: 0 };
  }
  const n = (x) => (Number.isSafeInteger(x) && x >= 0 ? x : 0);
  return { gen: n(value?.gen), head: n(value?.head), cut: n(value?.cut) };
}

// --- the writer ----------------------------------------------------------------------------

/** Is `fd` a regular file opened with O_APPEND? Unknown (no /proc) counts as no. */
function appendOnly(fd) {
  try {
    if (!fstatSync(fd).isFile()) return false;
    const info = readFileSync(`/proc/self/fdinfo/${fd}`, "utf8");
    const flags = /^flags:\s*([0-7]+)/m.exec(info);
    return flags !== null && (parseInt(flags[1], 8) & O_APPEND) !== 0;
  } catch {
    return false;
  }
}

function writeAtomic(path, text) {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

/**
 * Keeps one log under its cap. `fd` is the descriptor the trial writes through (the launcher's
 * own stdout or stderr); `path` the log's name. A log that cannot be cut safely is left alone.
 */
export class LogCap {
  /**
   * @param {string} path
   * @param {number} fd
   * @param {number} [cap]
   */
  constructor(path, fd, cap = DEFAULT_LOG_CAP_BYTES) {
    this.path = path;
    this.cap = Math.max(MIN_LOG_CAP_BYTES, cap);
    this.gen = 0;
    this.cutBytes = 0;
    /** @type {number | undefined} */
    this.head = undefined;
    /** A sidecar write that failed after a cut: readers wait until it is written. */
    this.unpublished = false;
    /** @type {number | undefined} */
    this.rw = undefined;
    try {
      const theirs = fstatSync(fd);
      const ours = statSync(path);
      if (appendOnly(fd) && theirs.ino === ours.ino && theirs.dev === ours.dev) {
        this.rw = openSync(path, "r+");
      }
    } catch {
      this.rw = undefined;
    }
  }

  /** Cuts the log when it is past its cap. True when it cut. Never throws. */
  check() {
    if (this.rw === undefined) return false;
    try {
      if (this.unpublished) this.publish();
      const size = fstatSync(this.rw).size;
      if (size <= this.cap) return false;
      return this.cut(size);
    } catch {
      return false; // a full disk for the sidecar, say: the next check tries again
    }
  }

  close() {
    if (this.rw !== undefined) closeSync(this.rw);
    this.rw = undefined;
  }

  /** @param {number} size */
  cut(size) {
    const rw = /** @type {number} */ (this.rw);
    this.head ??= this.headEnd(rw);
    const head = this.head;
    const tailMax = Math.floor(this.cap / 4);
    const tailFrom = Math.max(head, size - tailMax);
    const raw = Buffer.allocUnsafe(size - tailFrom);
    const got = readSync(rw, raw, 0, raw.length, tailFrom);
    let tail = raw.subarray(0, got);
    // Start the tail on a whole line (unless one line is the whole tail).
    const nl = tail.indexOf(0x0a);
    if (nl >= 0 && nl + 1 < tail.length) tail = tail.subarray(nl + 1);
    const left = size - head - tail.length;
    const cut = this.cutBytes + left;
    const opening = head > 0 && this.headEndsLine(rw, head) ? "" : "\n";
    const marker = Buffer.from(
      `${opening}[hyperbayes] ${cut} bytes of output were cut here, to keep this log under ` +
        `its cap of ${this.cap} bytes; what follows is the log's end\n`,
    );
    // Readers see an odd gen before anything changes, and an even one once it is done (should
    // that write fail, check() writes it before anything else).
    writeAtomic(
      sidecarPath(this.path),
      `${JSON.stringify({ gen: this.gen + 1, head, cut: this.cutBytes })}\n`,
    );
    this.gen += 1;
    try {
      ftruncateSync(rw, head);
      const out = Buffer.concat([marker, tail]);
      writeSync(rw, out, 0, out.length, head);
      this.cutBytes = cut;
    } finally {
      this.gen += 1;
      this.publish();
    }
    return true;
  }

  publish() {
    this.unpublished = true;
    writeAtomic(
      sidecarPath(this.path),
      `${JSON.stringify({ gen: this.gen, head: this.head ?? 0, cut: this.cutBytes })}\n`,
    );
    this.unpublished = false;
  }

  /** The head's end: just after the last line break in the first cap/8 bytes. */
  headEnd(rw) {
    const max = Math.floor(this.cap / 8);
    const buf = Buffer.allocUnsafe(max);
    const got = readSync(rw, buf, 0, max, 0);
    const nl = buf.subarray(0, got).lastIndexOf(0x0a);
    return nl >= 0 ? nl + 1 : got;
  }

  headEndsLine(rw, head) {
    const b = Buffer.alloc(1);
    return readSync(rw, b, 0, 1, head - 1) === 1 && b[0] === 0x0a;
  }
}

// --- the reader ----------------------------------------------------------------------------

/**
 * Reads the next slice of `log` from `cursor` into `buffer` (at most maxBytes). Returns the
 * bytes (a view of `buffer`), the cursor after them, and `jumped` when bytes before them are
 * missing: "cut" (the log was cut: drop the half-read line) or "lag" (the reader was more than
 * maxLag behind: the slice starts mid-line). `busy` when a cut is under way or happened during
 * the read: nothing was read, try again later. A missing log reads as empty. Never throws.
 * @param {string} log
 * @param {{ offset: number, gen: number }} cursor
 * @param {Buffer} buffer
 * @param {number} maxBytes
 * @param {number} [maxLag]
 */
export function readSlice(log, cursor, buffer, maxBytes, maxLag = Number.POSITIVE_INFINITY) {
  const before = readCut(log);
  if (before.gen % 2 === 1) return { bytes: undefined, cursor, busy: true };
  let offset = cursor.offset;
  /** @type {"cut" | "lag" | undefined} */
  let jumped;
  if (before.gen !== cursor.gen && offset > before.head) {
    offset = before.head;
    jumped = "cut";
  }
  let fd;
  try {
    fd = openSync(log, "r");
  } catch {
    return { bytes: undefined, cursor, busy: false };
  }
  let got;
  try {
    const size = fstatSync(fd).size;
    if (offset > size) {
      // Shorter than we have read, with no cut recorded: truncated by someone else.
      offset = 0;
      jumped = "cut";
    }
    if (size - offset > maxLag) {
      offset = size - maxLag;
      jumped = "lag";
    }
    got = readSync(fd, buffer, 0, Math.min(maxBytes, buffer.length, size - offset), offset);
  } catch {
    return { bytes: undefined, cursor, busy: false };
  } finally {
    closeSync(fd);
  }
  if (readCut(log).gen !== before.gen) return { bytes: undefined, cursor, busy: true };
  return {
    bytes: buffer.subarray(0, got),
    cursor: { offset: offset + got, gen: before.gen },
    busy: false,
    ...(jumped ? { jumped } : {}),
  };
}

/**
 * The last `maxBytes` of `log` as one consistent snapshot, its size, and the bytes cut from it
 * so far. Empty when the log does not exist. Never throws.
 * @param {string} log
 * @param {number} maxBytes
 */
export function readTail(log, maxBytes) {
  for (let attempt = 0; ; attempt++) {
    const before = readCut(log);
    let fd;
    try {
      fd = openSync(log, "r");
    } catch {
      return { bytes: Buffer.alloc(0), size: 0, start: 0, cut: before.cut };
    }
    let result;
    try {
      const size = fstatSync(fd).size;
      const start = Math.max(0, size - maxBytes);
      const buf = Buffer.allocUnsafe(size - start);
      const got = readSync(fd, buf, 0, buf.length, start);
      result = { bytes: buf.subarray(0, got), size, start, cut: before.cut };
    } catch {
      result = { bytes: Buffer.alloc(0), size: 0, start: 0, cut: before.cut };
    } finally {
      closeSync(fd);
    }
    // A cut takes microseconds: one that overlapped the read is over by the next attempt.
    const stable = before.gen % 2 === 0 && readCut(log).gen === before.gen;
    if (stable || attempt >= 20) return result;
  }
}
