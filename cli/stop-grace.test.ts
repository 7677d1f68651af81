/**
 * --stop-grace from the real `hyperbayes` command: the search's grace reaches every trial's
 * launch (launch.json), and a trial that ignores SIGTERM is SIGKILLed after it when the worker
 * stops it (here by a stop condition at epoch 2); lib/executors/stop-grace.test.ts shows the
 * executors honour it. Bad values are refused with exit 2 before anything runs.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { trialDir } from "../lib/home";
import { recordBadInput } from "../lib/testing/ledger";
import { makeHome, openTestStore, runCli } from "../workers/testing/cli";
import { curveTrial } from "../workers/testing/trial-command";

const search = (flags: string[]) => [
  "random",
  "--param",
  "x=0.5:1",
  "-n",
  "3",
  "-r",
  "3",
  "--metric",
  "loss",
  "--goal",
  "minimize",
  "--stop-condition",
  "loss < 100:2",
  ...flags,
  "--",
  ...curveTrial({ epochs: 200, stepMs: 100, ignoreTermAbove: 0 }),
];

describe("hyperbayes --stop-grace", () => {
  it("gives every trial the search's grace: SIGTERM-deaf trials are SIGKILLed after it", async () => {
    const home = makeHome();
    const r = await runCli(home, search(["--stop-grace", "0.5"]));
    expect(r.code, r.stderr).toBe(0);
    const store = await openTestStore(home);
    try {
      const [s] = await store.listSearches();
      expect(s!.spec.stopGraceSeconds).toBe(0.5);
      const d = await runCli(home, ["describe", String(s!.id)]);
      expect(d.stdout).toContain("  grace      0.5 s from SIGTERM to SIGKILL\n");
      const trials = await store.listTrials(s!.id);
      expect(trials).toHaveLength(3);
      for (const t of trials) {
        const launch = JSON.parse(
          readFileSync(join(trialDir(home, s!.id, t.number), "launch.json"), "utf8"),
        );
        expect(launch.graceMs).toBe(500);
        // Stopped by the condition, deaf to SIGTERM: ended by the SIGKILL after the grace.
        expect(t).toMatchObject({ status: "complete", signal: "SIGKILL" });
        expect(t.reason).toMatch(/stopped early/);
      }
    } finally {
      await store.close();
    }
  }, 90_000);

  it.each([
    [["--stop-grace=-1"], /--stop-grace must be at least 0, got -1/],
    [["--stop-grace", "7200"], /--stop-grace must be at most 3600, got 7200/],
    [["--stop-grace", "soon"], /--stop-grace needs a number, got "soon"/],
  ])("refuses %j with exit 2, naming the flag, before anything runs", async (flags, says) => {
    const home = makeHome();
    const r = await runCli(home, search(flags));
    recordBadInput(`bad stop grace ${flags.join(" ")}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(says);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
