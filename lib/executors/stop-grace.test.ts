/**
 * A trial's own grace period (the search's --stop-grace), against real processes: it replaces the
 * executor's for that trial, in the launcher (SIGTERM, the grace, SIGKILL) and where the launcher
 * is gone (poll enforces it from the handle). The executor's grace here is two minutes, far past
 * every wait, so a trial that is SIGKILLed in time was given its own.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LocalExecutor } from "./local";
import { groupAlive } from "./proc";
import { launchFactory, waitExit, waitFor } from "./testing";
import type { LocalTrialHandle } from "./types";

const root = mkdtempSync(join(tmpdir(), "hb-grace-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const launch = launchFactory(root, "search-1");
const ex = new LocalExecutor({ graceMs: 120_000 });
afterAll(() => ex.close());

const DEAF = ["sh", "-c", "trap '' TERM; echo ready; sleep 60"];
const read = (h: LocalTrialHandle, name: string) => readFileSync(join(h.dir, name), "utf8");
const started = (h: LocalTrialHandle) =>
  waitFor(() =>
    existsSync(join(h.dir, "stdout.log")) &&
    read(h, "stdout.log").includes("ready") &&
    existsSync(join(h.dir, "launcher.json"))
      ? (JSON.parse(read(h, "launcher.json")) as { childPid: number }).childPid
      : undefined,
  );

describe("a trial's own stop grace", () => {
  it("is the launcher's: a SIGTERM-deaf trial is SIGKILLed after it, and ends stopped", async () => {
    const h = await ex.start(launch(DEAF, { graceMs: 200 }));
    expect(h.graceMs).toBe(200);
    expect(JSON.parse(read(h, "launch.json")).graceMs).toBe(200);
    await started(h);
    await ex.stop(h);
    const exit = await waitExit(ex, h, 20_000);
    expect(exit).toMatchObject({ reason: "stopped", signal: "SIGKILL" });
  });

  it("is enforced by poll from the handle once the launcher is gone", async () => {
    const h = await ex.start(launch(DEAF, { graceMs: 200 }));
    const group = await started(h);
    process.kill(h.pid, "SIGKILL");
    await ex.stop(h);
    // A later executor, as after a worker's restart: it knows the grace from the handle alone.
    const later = new LocalExecutor({ graceMs: 120_000 });
    try {
      const exit = await waitExit(later, h, 20_000);
      expect(exit).toMatchObject({ reason: "stopped" });
      expect(groupAlive(group)).toBe(false);
    } finally {
      await later.close();
    }
  });

  it("0 means SIGKILL at once; without one the executor's stands", async () => {
    const h = await ex.start(launch(DEAF, { graceMs: 0 }));
    await started(h);
    await ex.stop(h);
    expect(await waitExit(ex, h, 20_000)).toMatchObject({ reason: "stopped", signal: "SIGKILL" });
    const plain = await ex.start(launch(DEAF));
    expect(plain.graceMs).toBeUndefined();
    expect(JSON.parse(read(plain, "launch.json")).graceMs).toBe(120_000);
    await ex.kill(plain);
    expect(await waitExit(ex, plain, 20_000)).toMatchObject({ reason: "killed" });
  });
});
