/**
 * End to end: --early-stop on a real search from the real `hyperbayes` command, 4 trials in
 * flight, each a real process printing a learning curve per epoch that crosses the others'
 * (workers/testing/trial.mjs `curve`). The invariants: pruned trials really stopped early (fewer
 * steps than the epochs, their processes gone), none ran twice, the best is no pruned trial,
 * and the progress lines, the summary and describe say which were pruned and what was saved.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { processAlive } from "../lib/executors/proc";
import { stepsSaved } from "../lib/pruning/savings";
import { bestTrial } from "../lib/search/status";
import { recordBadInput, recordFault } from "../lib/testing/ledger";
import {
  countRuns,
  makeHome,
  maxConcurrent,
  openTestStore,
  readStarts,
  runCli,
} from "../workers/testing/cli";
import { curveSearchTail, trialSearchTail } from "../workers/testing/trial-command";

const EPOCHS = 12;

/** A random search of `n` trials over x in [0, 1]: the tests' flags and command follow. */
const xSearch = (n: number, ...flags: string[]) => [
  "random",
  "--param",
  "x=0:1",
  "-n",
  String(n),
  ...flags,
];

describe("hyperbayes --early-stop", () => {
  it.each(["asha", "median"] as const)(
    "%s: prunes trials of a real search with 4 in flight; pruned ones stopped early and are gone, none ran twice, the best is not pruned",
    async (rule) => {
      const home = makeHome();
      const record = join(home, "starts.jsonl");
      const r = await runCli(home, [
        ...xSearch(12, "-r", "4"),
        "--early-stop",
        rule,
        "--early-stop-min-steps",
        "2",
        "--seed",
        "7",
        ...curveSearchTail({ epochs: EPOCHS, stepMs: 150, record }),
      ]);
      expect(r.code, r.stderr).toBe(0);
      const store = await openTestStore(home);
      const [search] = await store.listSearches();
      const trials = await store.listTrials(search!.id);
      expect(trials).toHaveLength(12);
      expect(maxConcurrent(trials)).toBe(4);

      const pruned = trials.filter((t) => t.status === "pruned");
      expect(pruned.length, r.stdout).toBeGreaterThan(0);
      const starts = readStarts(record);
      expect(countRuns(trials, starts)).toEqual({ checked: 12, lost: 0, twice: 0 });
      for (const t of pruned) {
        recordFault(`--early-stop ${rule}: a pruned trial of a CLI search, 4 in flight`);
        // judged before its last epoch, and stopped from there, in the store and in its own
        // series. The median rule judges every step: judged at epoch 11, a trial can print its
        // 12th (150 ms later) before the stop reaches it, as CI once saw. The saving below
        // checks that pruning stopped trials early.
        const judged = Number(/ at step (\d+)/.exec(t.reason ?? "")?.[1]);
        expect(judged, t.reason ?? "no reason").toBeLessThan(EPOCHS);
        expect(t.lastStep).not.toBeNull();
        expect(t.lastStep!).toBeGreaterThanOrEqual(judged);
        expect(t.lastStep!).toBeLessThanOrEqual(EPOCHS);
        const points = await store.listMetricPoints(search!.id, { trial: t.number });
        expect(points.length).toBeGreaterThan(0);
        expect(Math.max(...points.map((p) => p.step))).toBe(t.lastStep);
        // its process is gone
        const start = starts.find((s) => s.trial === t.number)!;
        expect(processAlive(start.pid)).toBe(false);
        expect(t.reason).toMatch(
          rule === "asha"
            ? /^ASHA rung \d+ at step \d+: /
            : /^median rule at step \d+: best so far /,
        );
        // the progress line names it pruned, with its reason
        expect(r.stdout).toMatch(
          new RegExp(`trial +${t.number} +pruned +loss=\\S+ +\\((ASHA rung|median rule)`),
        );
      }
      for (const t of trials.filter((x) => x.status === "complete"))
        expect(t.lastStep).toBe(EPOCHS);
      // the best is a complete trial, and the store, the summary and describe agree
      const best = bestTrial(trials, "minimize")!;
      expect(best.status).toBe("complete");
      expect(search!.best?.trialNumber).toBe(best.number);
      expect(r.stdout).toMatch(new RegExp(`best: trial ${best.number}, loss=`));

      const saved = stepsSaved(trials)!;
      expect(saved.fullLength).toBe(EPOCHS);
      expect(saved.saved).toBeGreaterThan(0);
      const share = `${Math.round(saved.share * 100)}% of trial-steps saved`;
      expect(r.stdout).toContain(`early stop: ${rule}`);
      expect(r.stdout).toContain(share);
      const d = await runCli(home, ["describe", String(search!.id)]);
      expect(d.code).toBe(0);
      expect(d.stdout).toContain(`early stop ${rule} (min steps 2`);
      expect(d.stdout).toContain(share);
      expect(d.stdout.match(/ pruned /g)?.length).toBe(pruned.length);
    },
    120_000,
  );

  it.each([
    [
      ["--early-stop", "hyperband"],
      /--early-stop must be one of none, median, asha, got "hyperband"/,
    ],
    [["--reduction-factor", "1"], /--reduction-factor must be at least 2, got 1/],
    [["--early-stop-min-steps", "0"], /--early-stop-min-steps must be at least 1, got 0/],
    [["--early-stop-min-steps", "2.5"], /--early-stop-min-steps needs an integer, got "2.5"/],
  ])("refuses %j with exit 2, naming the flag, before anything runs", async (flags, says) => {
    const home = makeHome();
    const r = await runCli(home, [...xSearch(2, ...flags), ...trialSearchTail([])]);
    recordBadInput(`bad early-stop flag ${flags.join(" ")}`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(says);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    // A script that prints its metric once, at the end (cross-validation, a final eval).
    [["--mode", "ok"], [], /each trial reports loss at one step only/],
    // A grace period past the trials' last epoch.
    [
      ["--mode", "curve", "--epochs", "3", "--step-ms", "20"],
      ["--early-stop-min-steps", "5"],
      /no trial reached step 5 \(--early-stop-min-steps 5; the last step reported was 3\)/,
    ],
  ])(
    "says at the first complete trial, once, when early stopping has nothing to judge (%j)",
    async (trial, flags, says) => {
      const home = makeHome();
      const r = await runCli(home, [
        ...xSearch(3, "-r", "1", "--early-stop", "asha", ...flags),
        ...trialSearchTail(trial),
      ]);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.split("\n");
      const notice = lines.findIndex((l) => /^ {2}early stop: /.test(l));
      expect(notice, r.stdout).toBeGreaterThan(-1);
      expect(lines[notice]).toMatch(says);
      // Right after the first trial's end, before the second starts; and said once.
      expect(lines.slice(0, notice).filter((l) => / complete /.test(l))).toHaveLength(1);
      expect(lines.filter((l) => /^ {2}early stop: /.test(l))).toHaveLength(1);
      // The summary says it too, as describe does.
      expect(r.stdout).toMatch(new RegExp(`\\nearly stop: asha .*; ${says.source}`));
      const d = await runCli(home, ["describe", "1"]);
      expect(d.stdout).toMatch(says);
    },
  );
});
