/**
 * The log cap (log-cap.mjs) against real concurrency: a writer process appending numbered lines
 * as fast as it can, a cutter process cutting the log past a small cap over and over, and this
 * process reading through readSlice/readTail at the same time. And the launcher's own cap on a
 * flooding trial.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs, { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recordFault } from "../testing/ledger";
import { mulberry32 } from "../testing/random";
import { LocalExecutor } from "./local";
import { LogCap, readCut, readSlice, readTail } from "./log-cap.mjs";
import { launchFactory, sleep, waitExit } from "./testing";

const root = mkdtempSync(join(tmpdir(), "hb-logcap-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const LOG_CAP = resolve(import.meta.dirname, "log-cap.mjs");
const MARKER = /^\[hyperbayes\] \d+ bytes of output were cut here/;
const exited = (c: ChildProcess) => new Promise((r) => c.once("exit", r));

/**
 * Appends `line N` (N = 0, 1, 2, ...) through its own O_APPEND descriptor until the file `stop`
 * exists. It stops itself rather than being killed: a SIGKILL landing during a write cuts the
 * write short at a page boundary, which leaves a torn last line in the file.
 */
function writer(path: string, stop: string): ChildProcess {
  return spawn(
    process.execPath,
    [
      "-e",
      `const fs=require("fs");const fd=fs.openSync(${JSON.stringify(path)},"a");let n=0;
       for(let k=1;k%20!==0||!fs.existsSync(${JSON.stringify(stop)});k++){
         let s="";for(let i=0;i<200;i++)s+="line "+(n++)+"\\n";fs.writeSync(fd,s);}`,
    ],
    { stdio: "ignore" },
  );
}

/** Cuts the log past `cap` as often as it can, until killed. */
function cutter(path: string, cap: number): ChildProcess {
  return spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { openSync } from "node:fs";
       const { LogCap } = await import(${JSON.stringify(LOG_CAP)});
       const cap = new LogCap(${JSON.stringify(path)}, openSync(${JSON.stringify(path)}, "a"), ${cap});
       let stop = false;
       process.on("SIGTERM", () => { stop = true; });
       while (!stop) { cap.check(); await new Promise((r) => setTimeout(r, 1)); }`,
    ],
    { stdio: "ignore" },
  );
}

describe("the log cap's seqlock", () => {
  it("a reader never sees a torn or misordered line while a log is cut under it, over and over", async () => {
    const path = join(root, "seqlock.log");
    closeSync(openSync(path, "a"));
    const cap = 256 * 1024;
    const stop = join(root, "seqlock.stop");
    const w = writer(path, stop);
    const c = cutter(path, cap);
    recordFault("a log cut in place while it is written and read");
    const buffer = Buffer.alloc(16 * 1024);
    let cursor = { pos: 0, gen: 0 };
    let partial = "";
    let skipping = false;
    let last = -1;
    let lines = 0;
    let markers = 0;
    let jumps = 0;
    const bad: string[] = [];
    // At least 3 s, and on until the cutter (a process that may take seconds to start on a
    // loaded machine) has cut it a dozen times under the reader.
    const start = Date.now();
    const enough = () =>
      Date.now() - start >= 3_000 && lines > 1000 && jumps > 0 && readCut(path).gen > 24;
    try {
      while (Date.now() - start < 20_000 && !enough()) {
        const slice = readSlice(path, cursor, buffer, buffer.length, 128 * 1024);
        if (slice.jumped) {
          partial = ""; // the half-read line's end is gone
          skipping = slice.jumped === "lag"; // and a lag jump lands mid-line
          jumps++;
        }
        cursor = slice.cursor;
        if (!slice.bytes || slice.bytes.length === 0) {
          await sleep(1);
          continue;
        }
        let text = partial + slice.bytes.toString("utf8");
        if (skipping) {
          const nl = text.indexOf("\n");
          if (nl < 0) continue;
          text = text.slice(nl + 1);
          skipping = false;
        }
        const parts = text.split("\n");
        partial = parts.pop() ?? "";
        for (const line of parts) {
          if (line === "") continue;
          if (MARKER.test(line)) {
            markers++;
            continue;
          }
          const m = /^line (\d+)$/.exec(line);
          if (!m) {
            bad.push(line.slice(0, 80));
            continue;
          }
          const n = Number(m[1]);
          if (n <= last) bad.push(`line ${n} after line ${last}`);
          last = n;
          lines++;
        }
      }
    } finally {
      // The writer done, then the cutter between two cuts (a launcher killed in the middle of
      // one is another test).
      const done = w.exitCode === null ? exited(w) : undefined;
      writeFileSync(stop, "");
      await done;
      c.kill("SIGTERM");
      await exited(c);
    }
    expect(bad).toEqual([]);
    expect(readCut(path).gen).toBeGreaterThan(10); // it was cut many times
    expect(jumps).toBeGreaterThan(0);
    expect(markers).toBe(0); // readers never parse the marker: it has no position
    expect(lines).toBeGreaterThan(1000);
    // The file itself: the head (from line 0), one marker, then a tail of consecutive lines.
    const final = readTail(path, 1 << 30);
    const text = final.bytes
      .toString("utf8")
      .split("\n")
      .filter((l) => l !== "");
    expect(text[0]).toBe("line 0");
    const at = text.findIndex((l) => MARKER.test(l));
    expect(at).toBeGreaterThan(0);
    expect(text.filter((l) => MARKER.test(l))).toHaveLength(1);
    // In order; consecutive but for one seam: the writes that landed while the last cut ran.
    const tail = text.slice(at + 1).map((l) => Number(/^line (\d+)$/.exec(l)?.[1]));
    const gaps = tail.filter((n, i) => i > 0 && n !== tail[i - 1]! + 1);
    expect(tail.every((n, i) => i === 0 || n > tail[i - 1]!)).toBe(true);
    expect(gaps.length).toBeLessThanOrEqual(1);
  }, 30_000);

  it("a slice read while a cut is marked under way, or across one, is given back unread", () => {
    const path = join(root, "busy.log");
    writeFileSync(path, "a\nb\n");
    // A cut log: head "a\n", a marker "M\n", its tail "b\n" (pos 10 to 12), then "c\n".
    writeFileSync(path, "a\nM\nb\nc\n");
    const record = { head: 2, tailAt: 4, tailFrom: 10, tailEnd: 12, cut: 8 };
    writeFileSync(`${path}.cut`, JSON.stringify({ ...record, gen: 3 }));
    const buffer = Buffer.alloc(64);
    const cursor = { pos: 0, gen: 2 };
    expect(readSlice(path, cursor, buffer, 64)).toMatchObject({ busy: true, cursor });
    writeFileSync(`${path}.cut`, JSON.stringify({ ...record, gen: 4 }));
    // The head, up to the marker, unmoved; then past the marker into the tail, told it jumped.
    const head = readSlice(path, { pos: 0, gen: 2 }, buffer, 64);
    expect(head).toMatchObject({ busy: false, cursor: { pos: 2, gen: 4 } });
    expect(head.jumped).toBeUndefined();
    expect(head.bytes?.toString()).toBe("a\n");
    const next = readSlice(path, head.cursor, buffer, 64);
    expect(next).toMatchObject({ jumped: "cut", cursor: { pos: 14, gen: 4 } });
    expect(next.bytes?.toString()).toBe("b\nc\n");
    // A reader whose place was cut out goes on from the tail; one already in the tail goes on
    // where it was, reading nothing twice.
    expect(readSlice(path, { pos: 7, gen: 2 }, buffer, 64).bytes?.toString()).toBe("b\nc\n");
    const inTail = readSlice(path, { pos: 12, gen: 4 }, buffer, 64);
    expect(inTail.jumped).toBeUndefined();
    expect(inTail.bytes?.toString()).toBe("c\n");
  });
});

describe("a cut of a log whose trial could not be held still", () => {
  // The trial's writes, placed between the cut's own calls on the log: before and after each
  // fstat, read, pwrite and truncate. The kernel orders every O_APPEND write against each of
  // those calls (the inode lock), so these are the interleavings a trial running on another
  // CPU can produce, bar a write seen half-written by a read; placed here, each one happens
  // every run instead of once in a while on a loaded machine. Real file, real LogCap: only
  // the moment of each write is chosen.
  it("keeps every line written after it truncated, whole and in order, whatever lands mid-cut", () => {
    const path = join(root, "interleaved.log");
    writeFileSync(path, "");
    const fd = openSync(path, "a");
    const cap = new LogCap(path, fd, 64 * 1024);
    const real = {
      fstatSync: fs.fstatSync,
      readSync: fs.readSync,
      writeSync: fs.writeSync,
      ftruncateSync: fs.ftruncateSync,
    };
    const random = mulberry32(20261202);
    let next = 0; // the next line's number
    const write = (lines: number) => {
      for (let done = 0; done < lines; ) {
        const k = Math.min(lines - done, 1 + Math.floor(random() * 400));
        let s = "";
        for (let i = 0; i < k; i++) s += `line ${next++}\n`;
        real.writeSync(fd, s);
        done += k;
      }
    };
    // Mostly nothing; a few lines; now and then more than the marker and the whole tail (the
    // last 16 KiB, some 1,400 lines).
    const burst = () => {
      const r = random();
      if (r < 0.6) return;
      write(r < 0.95 ? 1 + Math.floor(random() * 100) : 1_500 + Math.floor(random() * 1_500));
    };
    let truncatedAt = -1; // the first line written after the cut's last truncate
    const around =
      <A extends unknown[], R>(name: keyof typeof real, call: (...args: A) => R) =>
      (...args: A): R => {
        const ours = args[0] === cap.rw;
        if (ours) burst();
        const result = call(...args);
        if (ours && name === "ftruncateSync") truncatedAt = next;
        if (ours) burst();
        return result;
      };
    Object.assign(fs, {
      fstatSync: around("fstatSync", real.fstatSync),
      readSync: around("readSync", real.readSync),
      writeSync: around("writeSync", real.writeSync),
      ftruncateSync: around("ftruncateSync", real.ftruncateSync),
    });
    syncBuiltinESMExports();
    const bad: string[] = [];
    let cuts = 0;
    const seams = new Set<number>(); // the first line written after each truncate
    try {
      for (let round = 0; round < 200 && bad.length === 0; round++) {
        write(500 + Math.floor(random() * 4_000));
        truncatedAt = -1;
        if (!cap.check()) continue;
        cuts++;
        seams.add(truncatedAt);
        const lines = readFileSync(path, "utf8").split("\n");
        const last = lines.pop();
        if (last !== "") bad.push(`cut ${cuts}: the file ends mid-line: ${JSON.stringify(last)}`);
        const at = lines.findIndex((l) => MARKER.test(l));
        const head = lines.slice(0, at).map((l) => /^line (\d+)$/.exec(l)?.[1]);
        const tail = lines.slice(at + 1).map((l) => /^line (\d+)$/.exec(l)?.[1]);
        if (at <= 0 || lines.slice(at + 1).some((l) => MARKER.test(l))) {
          bad.push(`cut ${cuts}: not one marker after a head`);
        } else if (!head.every((n, i) => n === String(i))) {
          bad.push(`cut ${cuts}: the head is not lines 0 to ${at - 1}`);
        } else if (tail.some((n) => n === undefined)) {
          const torn = lines.slice(at + 1).find((l) => !/^line \d+$/.test(l));
          bad.push(`cut ${cuts}: a torn line after the marker: ${JSON.stringify(torn)}`);
        } else {
          const nums = tail.map(Number);
          const order = nums.findIndex((n, i) => i > 0 && n <= nums[i - 1]!);
          if (order >= 0) bad.push(`cut ${cuts}: line ${nums[order]} after ${nums[order - 1]}`);
          // Everything written after the truncate is there, in order, up to the last line.
          const after = next - truncatedAt;
          const kept = after > 0 ? nums.slice(-after) : [];
          if (
            truncatedAt < 0 ||
            (after > 0 && (kept[0] !== truncatedAt || kept.at(-1) !== next - 1))
          ) {
            bad.push(
              `cut ${cuts}: lines ${truncatedAt} to ${next - 1} (after its truncate) are not all kept`,
            );
          }
          // A gap only where the lines written after some cut's truncate begin (this one's, or
          // an older one's, kept in this tail).
          const gap = nums.findIndex((n, i) => i > 0 && n !== nums[i - 1]! + 1 && !seams.has(n));
          if (gap >= 0)
            bad.push(`cut ${cuts}: lines ${nums[gap - 1]! + 1} to ${nums[gap]! - 1} are missing`);
        }
      }
    } finally {
      Object.assign(fs, real);
      syncBuiltinESMExports();
      cap.close();
      closeSync(fd);
    }
    expect(bad).toEqual([]);
    expect(cuts).toBeGreaterThan(100);
  });
});

describe("the launcher's log cap", () => {
  const launch = launchFactory(root, "cap");
  it.each([
    ["its cgroup frozen", true],
    ["its group stopped", false],
  ])(
    "keeps a flooding trial's log under its cap: its head, a marker, its end (held still: %s)",
    async (_how, cgroups) => {
      const cap = 1024 * 1024;
      const ex = new LocalExecutor({ logCapBytes: cap, cgroups });
      // 40 MB of numbered lines, as fast as a shell pipeline prints them, then a last line.
      const h = await ex.start(
        launch(["sh", "-c", "seq 1 5000000 | sed 's/^/flood /'; echo the last line"]),
      );
      recordFault("a trial printing 40 MB to stdout, log cap 1 MiB");
      const exit = await waitExit(ex, h, 60_000);
      await ex.close();
      expect(exit).toMatchObject({ exitCode: 0 });
      const log = readFileSync(join(h.dir, "stdout.log"), "utf8");
      expect(log.length).toBeLessThanOrEqual(cap);
      const lines = log.split("\n");
      expect(lines[0]).toBe("flood 1");
      expect(lines.filter((l) => MARKER.test(l))).toHaveLength(1);
      expect(lines.at(-2)).toBe("the last line");
      expect(lines.at(-3)).toBe("flood 5000000");
      // The trial was held still during each cut: after the marker, not one line is missing.
      const at = lines.findIndex((l) => MARKER.test(l));
      const tail = lines.slice(at + 1, -2).map((l) => Number(/^flood (\d+)$/.exec(l)?.[1]));
      expect(tail.length).toBeGreaterThan(1000);
      expect(tail.filter((n, i) => i > 0 && n !== tail[i - 1]! + 1)).toEqual([]);
      const cut = readCut(join(h.dir, "stdout.log"));
      expect(cut.gen % 2).toBe(0);
      expect(cut.gen).toBeGreaterThan(0);
      expect(cut.cut).toBeGreaterThan(30_000_000);
    },
    90_000,
  );
});
