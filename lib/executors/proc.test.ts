import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { groupAlive, processAlive, readProcStat, signalGroup } from "./proc";

const linux = existsSync("/proc/self/stat");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(linux)("proc", () => {
  it("reads this process's stat and tells a reused pid apart", () => {
    const stat = readProcStat(process.pid);
    expect(stat?.state).toMatch(/^[RS]$/);
    expect(stat?.pgrp).toBeGreaterThan(0);
    expect(processAlive(process.pid, stat?.startTime)).toBe(true);
    expect(processAlive(process.pid, "1")).toBe(false);
    expect(readProcStat(2 ** 30)).toBeUndefined();
  });

  it("counts a group holding only a zombie as gone, though kill(-pgid, 0) still answers", async () => {
    // `sleep 5` (exec'd by sh) never reaps its child: the child, alone in its own group after
    // setsid, stays a zombie once it exits.
    const parent = spawn("sh", ["-c", "setsid sleep 0.2 & echo $!; exec sleep 5"], {
      stdio: ["ignore", "pipe", "ignore"],
      detached: true,
    });
    const pid = await new Promise<number>((r) => parent.stdout.once("data", (d) => r(Number(d))));
    for (let i = 0; i < 200 && readProcStat(pid)?.pgrp !== pid; i++) await sleep(5);
    expect(groupAlive(pid)).toBe(true);
    for (let i = 0; i < 200 && readProcStat(pid)?.state !== "Z"; i++) await sleep(10);
    expect(readProcStat(pid)?.state).toBe("Z");
    expect(() => process.kill(-pid, 0)).not.toThrow();
    expect(groupAlive(pid)).toBe(false);
    expect(processAlive(pid)).toBe(false);
    expect(signalGroup(parent.pid!, "SIGKILL")).toBe(true);
  });
});
