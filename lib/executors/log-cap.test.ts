/**
 * The log cap (log-cap.mjs) against real concurrency: a writer process appending numbered lines
 * as fast as it can, a cutter process cutting the log past a small cap over and over, and this
 * process reading through readSlice/readTail at the same time. And the launcher's own cap on a
 * flooding trial.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recordFault } from "../testing/ledger";
import { LocalExecutor } from "./local";
import { readCut, readSlice, readTail } from "./log-cap.mjs";
import { launchFactory, sleep, waitExit } from "./testing";

const root = mkdtempSync(join(tmpdir(), "hb-logcap-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const LOG_CAP = resolve(import.meta.dirname, "log-cap.mjs");
const MARKER = /^\[hyperbayes\] \d+ bytes of output were cut here/;
const exited = (c: ChildProcess) => new Promise((r) => c.once("exit", r));

/** Appends `line N` (N = 0, 1, 2, ...) through its own O_APPEND descriptor until killed. */
function writer(path: string): ChildProcess {
  return spawn(
    process.execPath,
    [
      "-e",
      `const fs=require("fs");const fd=fs.openSync(${JSON.stringify(path)},"a");let n=0;
       for(;;){let s="";for(let i=0;i<200;i++)s+="line "+(n++)+"\\n";fs.writeSync(fd,s);}`,
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
    const w = writer(path);
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
    const deadline = Date.now() + 3_000;
    try {
      while (Date.now() < deadline) {
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
      // The cutter between two cuts (a launcher killed in the middle of one is another test).
      c.kill("SIGTERM");
      await exited(c);
      w.kill("SIGKILL");
      await exited(w);
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
