/**
 * --early-stop under SIGKILL: the real CLI runs an ASHA search (`resume`) and is SIGKILLed again
 * and again at random moments, each time followed by another `resume`, until the search ends.
 * A kill can land between a decision and its stop (the reason is on the trial's row, the SIGTERM
 * not yet sent), during a stop's grace period, or while a trial prints with no worker to read it.
 * The invariants, from what the trials themselves record: every trial started exactly once; each
 * ended complete or pruned (never failed, killed or lost); a pruned one names its rung and
 * step, judged where a rung is, and holds every point it printed; the steps saved add up.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rungSteps } from "../lib/pruning/rules";
import { stepsSaved } from "../lib/pruning/savings";
import { isFinalSearch } from "../lib/search/status";
import { recordFault, recordTrials } from "../lib/testing/ledger";
import { mulberry32 as rng } from "../lib/testing/random";
import {
  countRuns,
  exited,
  makeHome,
  missingPoints,
  openTestStore,
  printedPoints,
  readStarts,
  runCli,
  startCli,
} from "../workers/testing/cli";
import { curveSearchTail } from "../workers/testing/trial-command";

const TRIALS = 16;
const EPOCHS = 9;
const KILLS = 8;

describe("--early-stop asha under a storm of SIGKILLs and resumes", () => {
  it("runs every trial once; each ends complete or pruned with its rung, keeping what it printed", async () => {
    const seed = Number(process.env.HB_STORM_SEED ?? Date.now() % 1_000_000);
    const random = rng(seed);
    const home = makeHome();
    const record = join(home, "starts.jsonl");
    const created = await runCli(home, [
      "random",
      "--param",
      "x=0:1",
      "-n",
      String(TRIALS),
      "-r",
      "4",
      "--early-stop",
      "asha",
      "--stop-grace",
      "2",
      "--seed",
      String(seed),
      "--detach",
      ...curveSearchTail({ epochs: EPOCHS, stepMs: 120, record }),
    ]);
    expect(created.code, created.stderr).toBe(0);
    const store = await openTestStore(home);
    const [entry] = await store.listSearches();
    const id = entry!.id;

    const kills: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const child = startCli(home, ["resume", String(id)]);
      const ms = 300 + Math.floor(random() * 1_500);
      const timer = setTimeout(() => child.kill("SIGKILL"), ms);
      const exit = await exited(child);
      clearTimeout(timer);
      if (exit.signal === "SIGKILL") {
        kills.push(ms);
        recordFault("SIGKILL of the CLI running an ASHA search (storm)");
      }
      const now = await store.getSearch(id);
      if (now && isFinalSearch(now.status)) break;
    }
    const last = await store.getSearch(id);
    if (last && !isFinalSearch(last.status)) {
      const r = await runCli(home, ["resume", String(id)]);
      expect(r.code, r.stderr).toBe(0);
    }

    const context = `seed ${seed}; kills at ${kills.join(", ")} ms`;
    const search = await store.getSearch(id);
    const trials = await store.listTrials(id);
    const runs = countRuns(trials, readStarts(record));
    let lost = runs.lost;
    for (const t of trials) {
      const stored = await store.listMetricPoints(id, { trial: t.number });
      const missing = missingPoints(printedPoints(home, id, t.number), stored);
      if (missing.length > 0) lost++;
      expect(missing, `${context}: trial ${t.number}`).toEqual([]);
    }
    recordTrials("SIGKILL storm of an ASHA search", { ...runs, lost });
    expect(kills.length, context).toBeGreaterThan(0);
    expect(search?.status, context).toBe("complete");
    expect(trials.map((t) => t.number)).toEqual(Array.from({ length: TRIALS }, (_, i) => i + 1));
    expect({ twice: runs.twice, lost }, context).toEqual({ twice: 0, lost: 0 });
    const rungs = rungSteps(1, 3, EPOCHS);
    for (const t of trials) {
      expect(["complete", "pruned"], `${context}: trial ${t.number} ${t.reason}`).toContain(
        t.status,
      );
      if (t.status !== "pruned") continue;
      const m = /^ASHA rung (\d+) at step (\d+): /.exec(t.reason ?? "");
      expect(m, `${context}: trial ${t.number} ${t.reason}`).not.toBeNull();
      expect(Number(m![2])).toBe(rungs[Number(m![1])]);
      expect(t.lastStep!, context).toBeGreaterThanOrEqual(Number(m![2]));
      // Its value is what it printed last (the metric's last value: --metric-agg last).
      const losses = printedPoints(home, id, t.number).filter((p) => p.name === "loss");
      expect(t.value, context).toBe(losses.at(-1)?.value);
    }
    // What the header says adds up: trained and saved make every trial run to the end.
    const saved = stepsSaved(trials);
    const rows = trials.map((t) => `${t.number} ${t.status} ${t.firstStep}-${t.lastStep}`);
    expect(saved, context).toBeDefined();
    expect(saved!.trained + saved!.saved, `${context}; ${rows.join(", ")}`).toBe(TRIALS * EPOCHS);
    console.info(
      `ASHA kill storm (seed ${seed}): ${kills.length} SIGKILLs, ${trials.filter((t) => t.status === "pruned").length} of ${TRIALS} pruned, ${Math.round(saved!.share * 100)}% of trial-steps saved`,
    );
  }, 240_000);
});

describe("a pruning decided just before the worker's death", () => {
  it("the resuming worker stops the adopted trial and records it pruned, not run to its end", async () => {
    const home = makeHome();
    const record = join(home, "starts.jsonl");
    // One trial, alone at every rung (never pruned by the rule itself), 100 epochs of 100 ms.
    const child = startCli(home, [
      "random",
      "--param",
      "x=0.9",
      "-n",
      "1",
      "--early-stop",
      "asha",
      ...curveSearchTail({ epochs: 100, stepMs: 100, record }),
    ]);
    const store = await openTestStore(home);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const [t] = await store.listTrials(1).catch(() => []);
      if (t?.handle && (await store.listMetricPoints(1, { trial: 1 })).length >= 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGKILL");
    await exited(child);
    recordFault("SIGKILL of the worker between a pruning's reason and its stop");
    // What a worker killed between writing the decision and sending its stop leaves: the reason
    // on the running trial's row (stopByWorker writes it first), no stop requested.
    const reason =
      "ASHA rung 1 at step 3: 1.2 not in the top 1/3 (the best of 3 trials at step 3 goes on; 2 are better)";
    await store.updateTrial(1, 1, { reason });
    expect((await store.listTrials(1))[0]?.status).toBe("running");

    const r = await runCli(home, ["resume", "1"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/trial 1: adopted \(running\)/);
    expect(r.stdout).toContain("trial 1: pruned (ASHA rung 1 at step 3), stopping it");
    const [trial] = await store.listTrials(1);
    expect(trial?.status).toBe("pruned");
    expect(trial?.reason).toBe(reason);
    // Stopped where the resume found it, not after its 100 epochs.
    expect(trial?.lastStep).toBeLessThan(60);
    expect(countRuns([trial!], readStarts(record))).toEqual({ checked: 1, lost: 0, twice: 0 });
  }, 120_000);
});
