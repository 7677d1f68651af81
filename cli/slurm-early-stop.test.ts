/**
 * End to end on Slurm: --early-stop asha prunes a job on the real single-node Slurm that
 * .ci/slurm-setup.sh starts (cli/slurm.test.ts has the set-up and the other Slurm searches). A
 * pruned job ends through the Slurm executor's stop (the launcher passes SIGTERM to the trial and
 * SIGKILLs it after the grace period; scancel backs it up), is recorded `pruned` with its rung
 * and step, keeps its series, and leaves nothing in squeue. Skips, saying so, without `sbatch`.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sbatchOnPath } from "../lib/executors/slurm";
import { slurmTrialHandleSchema } from "../lib/executors/types";
import { recordFault } from "../lib/testing/ledger";
import { makeHome, maxConcurrent, openTestStore, runCli } from "../workers/testing/cli";
import { curveSearchTail } from "../workers/testing/trial-command";

const HAVE_SLURM = sbatchOnPath();
if (!HAVE_SLURM) {
  console.warn(
    "cli/slurm-early-stop.test.ts: sbatch is not on PATH, skipping (run `sudo bash .ci/slurm-setup.sh`)",
  );
}

const EPOCHS = 60;

/** Jobs squeue still lists as active. */
function activeJobs(jobIds: readonly string[]): string[] {
  let out = "";
  try {
    out = execFileSync("squeue", ["-h", "-t", "all", "-j", jobIds.join(","), "-o", "%i %T"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
  } catch {
    // every id purged: squeue exits 1
  }
  const active = new Set(["PENDING", "RUNNING", "COMPLETING", "CONFIGURING", "SUSPENDED"]);
  return out
    .trim()
    .split("\n")
    .filter((l) => active.has(l.split(" ")[1] ?? ""))
    .map((l) => l.split(" ")[0]!);
}

describe.skipIf(!HAVE_SLURM)("hyperbayes --early-stop on Slurm", () => {
  it("ASHA prunes jobs: pruned with rung and step, series kept, a SIGTERM-deaf job SIGKILLed after the grace period, none left in squeue", async () => {
    const home = makeHome();
    const config = join(home, "cluster.json");
    writeFileSync(
      config,
      JSON.stringify({
        machines: { fake: { executor: "slurm", partition: "gpu", gres: "gpu:fake:1" } },
      }),
    );
    // Grid order: 0.9 (best from step 2 on), 0.1, 0.2, 0.3. 0.2 reaches rung 0 (step 2) behind
    // 0.9 and 0.1 (keep 1 of 3): pruned there. 0.3 passes rung 0 (2nd of 4, keep 2) and reaches
    // rung 1 (step 6) behind 0.9: pruned there; it ignores SIGTERM, so only SIGKILL ends it.
    const r = await runCli(
      home,
      [
        "grid",
        "--param",
        "x=0.9,0.1,0.2,0.3",
        "-r",
        "2",
        "-t",
        "fake",
        "--early-stop",
        "asha",
        "--early-stop-min-steps",
        "2",
        ...curveSearchTail({ epochs: EPOCHS, stepMs: 300, ignoreTermAbove: 0.25 }),
      ],
      { HYPERBAYES_CONFIG: config, HYPERBAYES_GPUS: "" },
    );
    expect(r.code, r.stderr).toBe(0);
    const store = await openTestStore(home);
    const [search] = await store.listSearches();
    const trials = await store.listTrials(search!.id);
    expect(trials).toHaveLength(4);
    expect(maxConcurrent(trials)).toBeLessThanOrEqual(2);
    const byX = new Map(trials.map((t) => [t.params.x, t]));
    expect(byX.get(0.9)?.status).toBe("complete");
    expect(byX.get(0.9)?.lastStep).toBe(EPOCHS);
    expect(search!.best?.trialNumber).toBe(byX.get(0.9)?.number);

    const early = byX.get(0.2)!;
    expect(early.status).toBe("pruned");
    expect(early.reason).toMatch(/^ASHA rung 0 at step 2: /);
    const deaf = byX.get(0.3)!;
    expect(deaf.status).toBe("pruned");
    expect(deaf.reason).toMatch(/^ASHA rung 1 at step 6: /);
    for (const t of [early, deaf]) {
      recordFault("--early-stop asha on Slurm: a pruned job");
      expect(t.lastStep!).toBeLessThan(EPOCHS);
      const points = await store.listMetricPoints(search!.id, { trial: t.number });
      expect(Math.max(...points.map((p) => p.step))).toBe(t.lastStep);
    }
    // The deaf one was ended by SIGKILL after the grace period (the launcher's, or scancel's).
    expect(deaf.signal).toBe("SIGKILL");
    recordFault("--early-stop on Slurm: a pruned job deaf to SIGTERM, SIGKILLed after the grace");
    const jobIds = trials.map((t) => slurmTrialHandleSchema.parse(t.handle).jobId);
    expect(activeJobs(jobIds)).toEqual([]);
    expect(r.stdout).toMatch(/early stop: asha .*% of trial-steps saved/);
  }, 240_000);
});
