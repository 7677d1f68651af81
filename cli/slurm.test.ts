/**
 * End to end on Slurm: the real `hyperbayes` command with machine types from a config file,
 * every trial a job on the real single-node Slurm that .ci/slurm-setup.sh starts (two fake GPUs,
 * two CPUs, accounting off). The tests that need Slurm skip, saying so, without `sbatch`.
 *
 * The time-limit test costs a minute or more (Slurm checks limits every ~30 s), so it starts
 * first and is awaited last; the other searches run meanwhile.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { sbatchOnPath } from "../lib/executors/slurm";
import { slurmTrialHandleSchema } from "../lib/executors/types";
import { trialDir } from "../lib/home";
import type { SearchExport } from "../lib/search/export";
import {
  type CliResult,
  makeHome,
  maxConcurrent,
  openTestStore,
  runCli,
  startCli,
  TRIAL,
  trialStdout,
} from "../workers/testing/cli";

const HAVE_SLURM = sbatchOnPath();
if (!HAVE_SLURM) {
  console.warn(
    "cli/slurm.test.ts: sbatch is not on PATH, skipping the searches on a real Slurm " +
      "(run `sudo bash .ci/slurm-setup.sh` to start a single-node one)",
  );
}

/** A config file in a fresh home; returns the home and the environment naming the file. */
function configured(): { home: string; env: Record<string, string> } {
  const home = makeHome();
  const path = join(home, "cluster.json");
  writeFileSync(
    path,
    JSON.stringify({
      machines: {
        fake: { executor: "slurm", partition: "gpu", gres: "gpu:fake:1" },
        cpu1: { executor: "slurm", partition: "debug", cpusPerTask: 1 },
        nopart: { executor: "slurm", partition: "no-such-partition" },
        badsetup: { executor: "slurm", setup: ["echo loading cuda failed >&2", "exit 7"] },
      },
    }),
  );
  // No local GPU detection: the machine types are the config's and cpu.
  return { home, env: { HYPERBAYES_CONFIG: path, HYPERBAYES_GPUS: "" } };
}

const ACTIVE = new Set(["PENDING", "RUNNING", "COMPLETING", "CONFIGURING", "SUSPENDED"]);

/** squeue's state of each job ("" once squeue no longer lists it). */
function jobStates(jobIds: readonly string[]): Map<string, string> {
  const states = new Map(jobIds.map((id) => [id, ""]));
  let out = "";
  try {
    out = execFileSync("squeue", ["-h", "-t", "all", "-j", jobIds.join(","), "-o", "%i %T"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
  } catch {
    // Every id purged: squeue exits 1.
  }
  for (const line of out.trim().split("\n")) {
    const [id, state] = line.split(" ");
    if (id && states.has(id)) states.set(id, state ?? "");
  }
  return states;
}

const jobIdOf = (handle: unknown) => slurmTrialHandleSchema.parse(handle).jobId;

function lastLoss(home: string, searchId: number, number: number): number {
  const matches = [...trialStdout(home, searchId, number).matchAll(/loss=(\S+)/g)];
  return Number(matches.at(-1)?.[1]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const BRANIN = ["node", "examples/branin.mjs", "--x", ":x:", "--y", ":y:"];
const SPACE = ["--param", "x=-5:10", "--param", "y=0:15", "--metric", "loss"];

describe("machine types from the config file", () => {
  it("lists them, rejects an unknown -t with the known names, and a bad file with exit 2", async () => {
    const { home, env } = configured();
    const list = await runCli(home, ["machines", "--json"], env);
    expect(list.code).toBe(0);
    const types = JSON.parse(list.stdout) as { name: string; executor: string; gpus: number }[];
    expect(types.map((t) => [t.name, t.executor, t.gpus])).toEqual([
      ["cpu", "local", 0],
      ["fake", "slurm", 1],
      ["cpu1", "slurm", 0],
      ["nopart", "slurm", 0],
      ["badsetup", "slurm", 0],
    ]);

    const unknown = await runCli(
      home,
      ["bayesian", ...SPACE, "-n", "1", "-t", "K80", "--", "true"],
      env,
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /unknown machine type "K80"; known: cpu, fake, cpu1, nopart, badsetup/,
    );

    const bad = join(home, "bad.json");
    writeFileSync(
      bad,
      JSON.stringify({ machines: { K80: { executor: "slurm", cpusPerTask: "4" } } }),
    );
    for (const args of [["machines"], ["bayesian", ...SPACE, "-n", "1", "--", "true"]]) {
      const r = await runCli(home, args, { ...env, HYPERBAYES_CONFIG: bad });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${bad}: machines.K80.cpusPerTask:`);
    }
  });
});

describe.skipIf(!HAVE_SLURM)("hyperbayes on Slurm", () => {
  // Started first, awaited last: a job past its one-minute limit, ended by Slurm.
  let timeoutRun: Promise<{ home: string; r: CliResult; seconds: number }>;
  beforeAll(() => {
    const { home, env } = configured();
    const began = Date.now();
    timeoutRun = runCli(
      home,
      [
        "random",
        "--param",
        "x=0:1",
        "--metric",
        "loss",
        "-n",
        "1",
        "-t",
        "cpu1",
        "--timeout",
        "1",
        "--",
        "node",
        TRIAL,
        "--mode",
        "ok",
        "--value",
        ":x:",
        "--sleep-ms",
        "600000",
      ],
      env,
    ).then((r) => ({ home, r, seconds: (Date.now() - began) / 1000 }));
  });

  it("runs a bayesian search with every trial a Slurm job, at most 2 at once", async () => {
    const { home, env } = configured();
    const r = await runCli(
      home,
      ["bayesian", ...SPACE, "-n", "8", "-r", "2", "-t", "fake", "--seed", "3", "--", ...BRANIN],
      env,
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/8 trials, 2 at once on fake/);
    const store = await openTestStore(home);
    const [search] = await store.listSearches();
    expect(search?.status).toBe("complete");
    const trials = await store.listTrials(search!.id);
    expect(trials.map((t) => t.status)).toEqual(Array(8).fill("complete"));
    for (const t of trials) expect(t.value).toBe(lastLoss(home, search!.id, t.number));
    expect(maxConcurrent(trials)).toBeLessThanOrEqual(2);

    const exported = await runCli(home, ["export", String(search!.id), "--format", "json"], env);
    const json = JSON.parse(exported.stdout) as SearchExport;
    expect(json.search.machineType).toBe("fake");
    const jobIds = json.trials.map((t) => t.executor?.jobId ?? "");
    for (const t of json.trials)
      expect(t.executor).toEqual({
        kind: "slurm",
        machineType: "fake",
        jobId: expect.stringMatching(/^\d+$/),
      });
    expect(new Set(jobIds).size).toBe(8);
    for (const t of trials) {
      const dir = trialDir(home, search!.id, t.number);
      expect(existsSync(join(dir, `slurm-${jobIdOf(t.handle)}.out`))).toBe(true);
      expect(JSON.parse(readFileSync(join(dir, "handle.json"), "utf8"))).toMatchObject({
        machineType: "fake",
      });
    }
    expect([...jobStates(jobIds).values()].filter((s) => ACTIVE.has(s))).toEqual([]);
  }, 120_000);

  it("kill cancels the running and the pending jobs; none is left in squeue", async () => {
    const { home, env } = configured();
    // Three at once on a node with two CPUs: at least one job waits.
    const child = startCli(
      home,
      [
        "random",
        "--param",
        "x=0:1",
        "--metric",
        "loss",
        "-n",
        "6",
        "-r",
        "3",
        "-t",
        "cpu1",
        "--",
        "node",
        TRIAL,
        "--mode",
        "ok",
        "--value",
        ":x:",
        "--sleep-ms",
        "120000",
      ],
      env,
    );
    const store = await openTestStore(home);
    let jobIds: string[] = [];
    for (;;) {
      await sleep(200);
      const [s] = await store.listSearches();
      if (!s) continue;
      const running = (await store.listTrials(s.id)).filter((t) => t.handle);
      jobIds = running.map((t) => jobIdOf(t.handle));
      const states = [...jobStates(jobIds).values()];
      if (jobIds.length === 3 && states.includes("RUNNING") && states.includes("PENDING")) break;
    }
    const [search] = await store.listSearches();
    const kill = await runCli(home, ["kill", String(search!.id)], env);
    expect(kill.code).toBe(0);
    const code = await new Promise((done) => child.on("close", done));
    expect(code).not.toBe(0);
    expect((await store.getSearch(search!.id))?.status).toBe("killed");
    const trials = await store.listTrials(search!.id);
    expect(trials.map((t) => t.status)).toEqual(["killed", "killed", "killed"]);
    expect([...jobStates(jobIds).values()].filter((s) => ACTIVE.has(s))).toEqual([]);
  }, 120_000);

  it("a worker SIGKILLed mid-search is resumed: running jobs adopted, 8 trials, none twice", async () => {
    const { home, env } = configured();
    const child = startCli(
      home,
      [
        "bayesian",
        ...SPACE,
        "-n",
        "8",
        "-r",
        "2",
        "-t",
        "fake",
        "--",
        ...BRANIN,
        "--epochs",
        "3",
        "--sleep-ms",
        "500",
      ],
      env,
    );
    const store = await openTestStore(home);
    let running: { number: number; jobId: string }[] = [];
    for (;;) {
      await sleep(100);
      const [s] = await store.listSearches();
      if (!s || s.trialCounts.complete < 2) continue;
      running = (await store.listTrials(s.id))
        .filter((t) => t.status === "running" && t.handle)
        .map((t) => ({ number: t.number, jobId: jobIdOf(t.handle) }));
      if (running.length >= 1) break;
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.on("close", r));
    const [search] = await store.listSearches();
    expect(search?.status).toBe("running");

    const r = await runCli(home, ["resume", String(search!.id)], env);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/adopted/);
    const trials = await store.listTrials(search!.id);
    expect(trials.map((t) => t.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(trials.every((t) => t.status === "complete")).toBe(true);
    for (const { number, jobId } of running) {
      expect(jobIdOf(trials.find((t) => t.number === number)!.handle)).toBe(jobId);
    }
    expect(new Set(trials.map((t) => jobIdOf(t.handle))).size).toBe(8);
    for (const t of trials) {
      const dir = trialDir(home, search!.id, t.number);
      expect(readdirSync(dir).filter((n) => /^slurm-\d+\.out$/.test(n))).toHaveLength(1);
      expect(t.value).toBe(lastLoss(home, search!.id, t.number));
    }
  }, 120_000);

  it("records Slurm's refusal and a job that failed before the trial ran, with Slurm's words", async () => {
    const a = configured();
    const b = configured();
    const [refused] = await Promise.all([
      runCli(
        a.home,
        ["bayesian", ...SPACE, "-n", "2", "--max-failures", "2", "-t", "nopart", "--", ...BRANIN],
        a.env,
      ),
      runCli(b.home, ["bayesian", ...SPACE, "-n", "1", "-t", "badsetup", "--", ...BRANIN], b.env),
    ]);
    expect(refused.code).not.toBe(0);
    const sa = await openTestStore(a.home);
    const [searchA] = await sa.listSearches();
    expect(searchA?.status).toBe("failed");
    for (const t of await sa.listTrials(searchA!.id)) {
      expect(t.status).toBe("failed");
      expect(t.reason).toMatch(
        /^sbatch refused the job: invalid partition specified: no-such-partition/,
      );
    }
    const sb = await openTestStore(b.home);
    const [searchB] = await sb.listSearches();
    const [trial] = await sb.listTrials(searchB!.id);
    expect(trial?.status).toBe("failed");
    expect(trial?.reason).toMatch(
      /^Slurm job \d+ FAILED \(NonZeroExitCode\), exit status 7:0 before the trial's launcher recorded a result; loading cuda failed$/,
    );
  }, 120_000);

  it("records a job Slurm ended at its time limit as a timeout, with Slurm's reason", async () => {
    const { home, r, seconds } = await timeoutRun;
    expect(r.stderr).toBe("");
    const store = await openTestStore(home);
    const [search] = await store.listSearches();
    const [trial] = await store.listTrials(search!.id);
    expect(trial?.status).toBe("timeout");
    expect(trial?.reason).toMatch(
      /^ran past the 1 minute timeout: Slurm job \d+ TIMEOUT \(TimeLimit\)/,
    );
    const exit = JSON.parse(readFileSync(join(trialDir(home, search!.id, 1), "exit.json"), "utf8"));
    expect(exit).toMatchObject({ reason: "timeout", slurmState: "TIMEOUT" });
    expect(exit.message).toMatch(/^Slurm job \d+ TIMEOUT \(TimeLimit\)/);
    // Slurm checks limits about every 30 s.
    expect(seconds).toBeGreaterThan(60);
    expect(seconds).toBeLessThan(150);
  }, 180_000);
});
