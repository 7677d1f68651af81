/**
 * A worker SIGKILLed while a trial it stopped for a --stop-condition is still in its grace period
 * (the trial deaf to SIGTERM, so the launcher SIGKILLs it when the grace ends). The worker that
 * resumes the search after the trial ended adopts it and must end it as the condition's stop
 * (complete, its reason "stopped early: ..."), as the first worker would have. A condition's stop is not written
 * to the trial's row, as a pruning's is, so before the adopting worker replayed the conditions on
 * the stored series it read the trial's SIGTERM exit as a stop by request: status `stopped`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  captureOutput,
  exited,
  makeHome,
  openTestStore,
  runCli,
  startCli,
} from "../workers/testing/cli";
import { curveSearchTail } from "../workers/testing/trial-command";

describe("a stop condition's stop across a worker's death", () => {
  it("the resuming worker ends the adopted trial complete, stopped early, not stopped by request", async () => {
    const home = makeHome();
    // loss at epoch 1 is 1.19 (workers/testing/trial.mjs curve, value 0.9): the condition holds
    // at once; the trial ignores SIGTERM and would print 100 epochs.
    const child = startCli(home, [
      "random",
      "--param",
      "x=0.9",
      "-n",
      "1",
      "--stop-condition",
      "loss < 1.5",
      "--stop-grace",
      "3",
      ...curveSearchTail({ epochs: 100, stepMs: 100, ignoreTermAbove: 0.5 }),
    ]);
    const out = captureOutput(child);
    const stopFile = join(home, "searches", "1", "trials", "1", "stop.json");
    // Killed once the stop is on record: the trial is in its grace period, deaf to it. The
    // executor writes stop.json before the worker prints that it is stopping the trial, and the
    // line reaches this process later still: both are waited for (on a loaded machine the
    // line came after the file, and a check at the file alone failed).
    const deadline = Date.now() + 60_000;
    while (!(existsSync(stopFile) && /stopping it/.test(out.stdout())) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(stopFile), out.stdout() + out.stderr()).toBe(true);
    expect(out.stdout()).toMatch(/stopping it/);
    child.kill("SIGKILL");
    await exited(child);
    const store = await openTestStore(home);
    expect((await store.listTrials(1))[0]?.status).toBe("running");
    // The launcher ends the trial when the grace is over; the next worker finds it exited, with
    // nothing more printed to judge.
    const exitFile = join(home, "searches", "1", "trials", "1", "exit.json");
    while (!existsSync(exitFile) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(exitFile)).toBe(true);

    const r = await runCli(home, ["resume", "1"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/trial 1: adopted \(exited\)/);
    const [trial] = await store.listTrials(1);
    expect(trial?.status).toBe("complete");
    expect(trial?.reason).toMatch(/^stopped early: loss < 1\.5 \(/);
    expect(Number.isFinite(trial?.value)).toBe(true);
  }, 120_000);
});
