// The log cap: a trial's stdout.log and stderr.log never grow past a cap on disk, and every
// reader (the worker's TrialOutput, the console's log tail) reads them through one primitive
// that cannot mistake a cut log for new output, nor read a line twice. Plain JavaScript with
// node: imports only: the launcher (the writer) imports it, and TypeScript readers through
// log-cap.d.mts.
//
// Writer (the launcher, which holds the log's descriptors). The trial writes its log directly,
// through descriptors the launcher inherited and passed on, opened with O_APPEND, so every write
// lands at the file's current end whatever happened to it. Every CHECK_MS the launcher looks at
// the size; past the cap it cuts the log in place:
//     keep [0, head)          the head: the first cap/8 bytes, up to the last line break in them,
//                             fixed at the first cut and never touched again;
//     write at head           a marker line saying how much was left out, then the whole lines
//                             among the last cap/4 bytes (the tail), written with pwrite over
//                             the middle, on a descriptor of its own; then ftruncate right
//                             after them.
// A log whose descriptor is not O_APPEND (a batch script's `>` instead of `>>`) is never cut:
// its next write would land at its old offset, past a hole of zeros.
//
// The trial is held still meanwhile (`hold`: the launcher freezes its cgroup or stops its
// group, trial-procs.mjs), so nothing it writes lands between the read of the tail and the
// truncate, however long the launcher waits for a CPU in between. A held trial's unfinished
// last line is kept in the tail: it goes on with it. Later writes append after the tail.
//
// A trial that is not held (a process that left the group and has no cgroup, or one that did
// not stop within HOLD_WAIT_MS) gets this: after the marker the file holds the tail, then every
// byte written after the cut's truncate, in order. Left out are the middle, up to the tail's
// start, and what reached the file between the tail's end and the truncate: the rest of a write
// under way during the last read of the tail, and the writes after it (a gap right after the
// tail, which the marker's count and `cut` do not include). Nothing is reordered or kept twice:
// the kernel orders each O_APPEND write against the pwrite and the truncate (one inode lock, on
// a local file system), so a write landing before the truncate lands past the bytes the tail
// was read from and is cut with the middle, and one after it follows the tail. The tail ends a
// line and the gap ends where a write begins: a trial whose writes all end lines gets whole
// lines only; one whose writes end mid-line (block-buffered stdio) may have its unfinished
// line's start left out, its rest then a torn line after the tail.
//
// Positions: readers count in the log's own coordinates, `pos`, which a cut does not move: the
// bytes the log held, as if it had never been cut. The head is pos [0, head); the tail is pos
// [tailFrom, tailEnd), at file offset tailAt (after the marker, which has no pos: readers never
// parse it; the console shows it); what was appended since follows it.
//
// Readers: a seqlock through a sidecar file, `<log>.cut` = {gen, head, tailAt, tailFrom,
// tailEnd, cut}, written atomically (temp file, rename) around each cut: gen odd while a cut is
// under way, even and larger after; cut = bytes left out so far. A reader holds a cursor
// {pos, gen}. For each slice it reads the sidecar (odd: try again later), maps pos to a file
// offset (a pos the cut left out moves to the tail's start, and the caller is told to drop its
// half-read line: `jumped` "cut"), reads, and reads the sidecar again: if the gen changed
// meanwhile, the slice is thrown away. A log without a sidecar was never cut (gen 0, pos =
// offset). On a network file system this relies on close-to-open consistency: both files are
// opened afresh for each slice.
//
// A reader that has fallen further behind than it is willing to parse (maxLag) jumps to the
// last maxLag bytes (`jumped` "lag": the slice starts mid-line): a flood it could not keep up
// with is left out of what it parses, as the cap leaves it out of the file.
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
 * The sidecar of `log`; gen 0 for a log never cut (or without a valid sidecar, which a cut
 * always writes first). Never throws.
 * @param {string} log
 */
export function readCut(log) {
  let value;
  try {
    value = JSON.parse(readFileSync(sidecarPath(log), "utf8"));
  } catch {
    return { gen: 0, head: 0, tailAt: 0, tailFrom: 0, tailEnd: 0, cut: 0 };
  }
  const n = (x) => (Number.isSafeInteger(x) && x >= 0 ? x : 0);
  return {
    gen: n(value?.gen),
    head: n(value?.head),
    tailAt: n(value?.tailAt),
    tailFrom: n(value?.tailFrom),
    tailEnd: n(value?.tailEnd),
    cut: n(value?.cut),
  };
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
   * @param {{ hold(): boolean, release(): void }} [writers] holds the log's writers still during
   *   a cut (true: they are still)
   */
  constructor(path, fd, cap = DEFAULT_LOG_CAP_BYTES, writers = undefined) {
    this.path = path;
    this.writers = writers;
    this.cap = Math.max(MIN_LOG_CAP_BYTES, cap);
    /** The last published record; gen 0 before the first cut. */
    this.record = { gen: 0, head: 0, tailAt: 0, tailFrom: 0, tailEnd: 0, cut: 0 };
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
      if (this.unpublished) this.publish(this.record);
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

  /** The pos of file offset `offset` (at or after the tail, or in a log never cut). */
  posOf(offset) {
    const r = this.record;
    return r.gen === 0 ? offset : r.tailFrom + (offset - r.tailAt);
  }

  /** @param {number} size */
  cut(size) {
    const rw = /** @type {number} */ (this.rw);
    const before = this.record;
    const head = before.gen === 0 ? this.headEnd(rw) : before.head;
    const from = Math.max(before.gen === 0 ? head : before.tailAt, size - Math.floor(this.cap / 4));
    // Readers see an odd gen before anything changes, and an even one once it is done (should
    // that write fail, check() writes it before anything else).
    this.publish({ ...before, gen: before.gen + 1 });
    let after = before;
    const held = this.writers?.hold() === true;
    try {
      // The tail, read up to the end, and again what was appended meanwhile, so that as little
      // as possible is written between the last read and the truncate.
      const chunks = [];
      let end = from;
      for (let round = 0; round < 8; round++) {
        const now = fstatSync(rw).size;
        if (now <= end) break;
        const chunk = Buffer.allocUnsafe(now - end);
        const got = readSync(rw, chunk, 0, chunk.length, end);
        chunks.push(chunk.subarray(0, got));
        end += got;
      }
      const raw = Buffer.concat(chunks);
      // From just after the first line break (the slice began mid-line). A held trial's
      // unfinished last line is kept: the trial goes on with the rest of it, which then lands
      // right after it. A trial that is not held may be in the middle of a write whose rest the
      // truncate will cut: whole lines only then.
      const first = raw.indexOf(0x0a);
      const last = held ? raw.length - 1 : raw.lastIndexOf(0x0a);
      const tail = first >= 0 && last > first ? raw.subarray(first + 1, last + 1) : Buffer.alloc(0);
      const tailFrom = this.posOf(from + (first >= 0 ? first + 1 : raw.length));
      const left = tailFrom - head;
      const opening = head > 0 && !this.headEndsLine(rw, head) ? "\n" : "";
      const marker = Buffer.from(
        `${opening}[hyperbayes] ${left} bytes of output were cut here, to keep this log under ` +
          `its cap of ${this.cap} bytes; what follows is the log's end\n`,
      );
      const out = Buffer.concat([marker, tail]);
      // The marker and tail are written over the middle first, then the file is cut right after
      // them: a write that lands meanwhile lands at the file's end, past them, and is cut whole
      // with the middle; one landing after the truncate follows the tail. (The other way round,
      // a write landing between the truncate and the pwrite lands where the marker goes, and
      // is overwritten, its end left after the tail as a torn line when it was the longer.) The
      // pwrite stays inside the file: head + marker < cap/8 + 1 KiB <= size - cap/4 <= from,
      // and the tail is bytes read from [from, end).
      // From here the file changes: should the marker and tail not be written whole, or the file
      // not be cut after them, everything after the head is cut.
      const gone = this.posOf(end);
      after = {
        gen: before.gen + 2,
        head,
        tailAt: head,
        tailFrom: gone,
        tailEnd: gone,
        cut: gone - head,
      };
      try {
        if (writeSync(rw, out, 0, out.length, head) !== out.length) throw new Error("short write");
        ftruncateSync(rw, head + out.length);
      } catch (error) {
        ftruncateSync(rw, head);
        throw error;
      }
      after = {
        gen: before.gen + 2,
        head,
        tailAt: head + marker.length,
        tailFrom,
        tailEnd: tailFrom + tail.length,
        cut: left,
      };
    } finally {
      this.writers?.release();
      // A failure before the truncate changed nothing: the old record stands, at a new gen.
      this.publish(after === before ? { ...before, gen: before.gen + 2 } : after);
    }
    return true;
  }

  publish(record) {
    this.record = record;
    this.unpublished = true;
    writeAtomic(sidecarPath(this.path), `${JSON.stringify(record)}\n`);
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
 * missing: "cut" (the cap left them out: drop the half-read line; the slice starts a line) or
 * "lag" (the reader was more than maxLag behind: the slice starts mid-line). `busy` when a cut
 * is under way or happened during the read: nothing was read, try again later. A missing log
 * reads as empty. Never throws.
 * @param {string} log
 * @param {{ pos: number, gen: number }} cursor
 * @param {Buffer} buffer
 * @param {number} maxBytes
 * @param {number} [maxLag]
 */
export function readSlice(log, cursor, buffer, maxBytes, maxLag = Number.POSITIVE_INFINITY) {
  const m = readCut(log);
  if (m.gen % 2 === 1) return { bytes: undefined, cursor, busy: true };
  const cut = m.gen > 0;
  let pos = cursor.pos;
  /** @type {"cut" | "lag" | undefined} */
  let jumped;
  if (cut && pos >= m.head) {
    if (pos < m.tailFrom) {
      pos = m.tailFrom;
      jumped = "cut";
    } else if (cursor.gen !== m.gen && pos > m.tailEnd) {
      // It had read bytes that were written during the cut and left out with the middle.
      pos = m.tailEnd;
      jumped = "cut";
    }
  }
  const offsetOf = (p) => (!cut || p < m.head ? p : m.tailAt + (p - m.tailFrom));
  let fd;
  try {
    fd = openSync(log, "r");
  } catch {
    return { bytes: undefined, cursor, busy: false };
  }
  let got;
  try {
    const size = fstatSync(fd).size;
    if (offsetOf(pos) > size) {
      // Shorter than we have read, with no cut recorded: truncated by someone else.
      pos = 0;
      jumped = "cut";
    }
    const end = cut ? m.tailFrom + (size - m.tailAt) : size;
    if (end - pos > maxLag) {
      pos = Math.max(cut ? m.tailFrom : 0, end - maxLag);
      jumped = "lag";
    }
    // The head ends where the marker begins: a slice stops there.
    const limit = cut && pos < m.head ? m.head - pos : size - offsetOf(pos);
    got = readSync(
      fd,
      buffer,
      0,
      Math.max(0, Math.min(maxBytes, buffer.length, limit)),
      offsetOf(pos),
    );
  } catch {
    return { bytes: undefined, cursor, busy: false };
  } finally {
    closeSync(fd);
  }
  if (readCut(log).gen !== m.gen) return { bytes: undefined, cursor, busy: true };
  return {
    bytes: buffer.subarray(0, got),
    cursor: { pos: pos + got, gen: m.gen },
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
