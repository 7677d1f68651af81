/**
 * Issue 9, fault 5 (the launcher's half): a full disk must not turn a trial that ended normally
 * into a lost one. The trial directories here live on a real 1 MiB tmpfs, filled for real by the
 * trial itself (`cat /dev/zero`). Mounting needs root: elsewhere these tests are skipped, with a
 * warning (no other way to get a truly full file system without privileges was found: a user
 * namespace mount would hide the trial from the executor's /proc checks).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recordFault } from "../testing/ledger";
import { LocalExecutor } from "./local";
import { launchFactory, sleep, waitExit, waitFor } from "./testing";

const mountPoint = mkdtempSync(join(tmpdir(), "hb-full-"));
function mountTmpfs(): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", mountPoint], {
      stdio: "ignore",
    });
    return true;
  } catch {
    return false;
  }
}
const MOUNTED = mountTmpfs();
if (!MOUNTED) {
  console.warn("disk-full.test.ts: cannot mount a tmpfs here (not root): skipping");
}
afterAll(() => {
  if (MOUNTED) execFileSync("umount", ["-l", mountPoint], { stdio: "ignore" });
  rmSync(mountPoint, { recursive: true, force: true });
});

describe.runIf(MOUNTED)("a full disk", () => {
  const trials = join(mountPoint, "trials");
  if (MOUNTED) mkdirSync(trials);
  const launch = launchFactory(trials, "full");
  const filler = join(mountPoint, "filler");
  const ex = new LocalExecutor({ graceMs: 300 });
  afterAll(() => ex.close());
  const fill = `cat /dev/zero > '${filler}' 2>/dev/null`;

  it("a trial that fills the disk and exits 0 is recorded as exit 0, from the space reserved at launch", async () => {
    const h = await ex.start(launch(["sh", "-c", `echo started; ${fill}; exit 0`]));
    recordFault("disk full when the launcher writes exit.json");
    try {
      const exit = await waitExit(ex, h);
      expect(exit).toMatchObject({ exitCode: 0, signal: null });
      expect(exit.reason).toBeUndefined();
      expect(existsSync(filler)).toBe(true); // still full when it was written
    } finally {
      rmSync(filler, { force: true });
    }
  });

  it("without the reserve, the launcher stays, seen running, and records the exit once there is room", async () => {
    // The trial takes the reserve away first (as a copy-on-write file system would, where an
    // overwrite needs new space), then fills the disk and exits 3.
    const h = await ex.start(
      launch(["sh", "-c", `rm "$HYPERBAYES_TRIAL_DIR/.exit.json.reserve"; ${fill}; exit 3`]),
    );
    recordFault("disk full, no reserved space for exit.json");
    try {
      await waitFor(() => (existsSync(filler) ? true : undefined));
      // Long enough for the command to have ended and the launcher to have tried and failed.
      await sleep(1_500);
      expect(existsSync(join(h.dir, "exit.json"))).toBe(false);
      expect(await ex.poll(h)).toEqual({ state: "running" });
    } finally {
      unlinkSync(filler);
    }
    const exit = await waitExit(ex, h, 15_000);
    expect(exit).toMatchObject({ exitCode: 3, signal: null });
    expect(exit.reason).toBeUndefined();
  });
});
