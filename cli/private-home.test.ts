/**
 * Issue 9, security 3: the data directory is private. The real CLI runs under a permissive umask
 * (022) and every directory under its home must be 0700 and every file 0600: the database and
 * its -wal/-shm, trial directories, logs, launch/claim/handle/launcher/exit/stop records. A home
 * left open by an older version is tightened; a folder of the user's is left as it is, with
 * what Hyperbayes puts in it private. And a Slurm trial's directory, where Slurm runs here.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SlurmExecutor, sbatchOnPath } from "../lib/executors/slurm";
import { launchFactory, waitExit } from "../lib/executors/testing";
import { recordProbe } from "../lib/testing/ledger";
import { BIN, type CliResult, makeHome, openTestStore, ROOT, TRIAL } from "../workers/testing/cli";

/** The CLI under umask 022, as a user with a default shell runs it. */
function runWithUmask(home: string, args: string[]): Promise<CliResult> {
  const child = spawn(
    "sh",
    ["-c", 'umask 022 && exec "$@"', "sh", process.execPath, BIN, ...args],
    {
      cwd: ROOT,
      env: { ...process.env, HYPERBAYES_HOME: home },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  return new Promise((done) => child.on("close", (code) => done({ code, stdout, stderr })));
}

/** Every path under `dir` whose mode is not 0700 (directories) or 0600 (files). */
function openModes(dir: string, skip: (name: string) => boolean = () => false): string[] {
  const wrong: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      if (skip(name)) continue;
      const path = join(d, name);
      const st = statSync(path);
      const mode = st.mode & 0o777;
      if (st.isDirectory()) {
        if (mode !== 0o700) wrong.push(`${path} ${mode.toString(8)}`);
        walk(path);
      } else if (mode !== 0o600) {
        wrong.push(`${path} ${mode.toString(8)}`);
      }
    }
  };
  walk(dir);
  return wrong;
}
const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe("the data directory under umask 022", () => {
  it("is 0700 with every file 0600, from the database to each trial's records", async () => {
    const parent = makeHome();
    const home = join(parent, "fresh", "home"); // parents created too
    // Three trials, one of them stopped, so stop.json is written too.
    const search = runWithUmask(home, [
      "grid",
      "--param",
      "mode=ok,hang,crash",
      "-r",
      "3",
      "-e",
      "API_KEY=secret",
      "--metric",
      "loss",
      "--",
      "node",
      TRIAL,
      "--mode",
      ":mode:",
    ]);
    const store = await (async () => {
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 200));
        try {
          statSync(join(home, "hyperbayes.db"));
          return await openTestStore(home);
        } catch {
          // not created yet
        }
      }
      throw new Error("the search never created its database");
    })();
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      const trials = await store.listTrials(1);
      const ended = trials.filter((t) => t.status !== "running" && t.status !== "queued");
      if (trials.length === 3 && ended.length === 2) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const stop = await runWithUmask(home, ["stop", "1"]);
    expect(stop.code, stop.stderr).toBe(0);
    await search;
    expect((await store.getSearch(1))?.status).toBe("stopped");
    recordProbe("data directory modes under umask 022 (another user reading secrets)");
    const names = new Set<string>();
    const collect = (d: string) => {
      for (const n of readdirSync(d)) {
        names.add(n);
        if (statSync(join(d, n)).isDirectory()) collect(join(d, n));
      }
    };
    collect(home);
    for (const expected of [
      "hyperbayes.db",
      "hyperbayes.db-wal",
      "hyperbayes.db-shm",
      "launch.json",
      "claim.json",
      "handle.json",
      "launcher.json",
      "exit.json",
      "stop.json",
      "stdout.log",
      "stderr.log",
    ]) {
      expect(names, expected).toContain(expected);
    }
    expect(openModes(home)).toEqual([]);
    expect(modeOf(join(parent, "fresh"))).toBe("700");
  }, 120_000);

  it("tightens a home an older version left open; leaves a folder of the user's as it is", async () => {
    const home = makeHome();
    expect((await runWithUmask(home, ["list"])).code).toBe(0);
    mkdirSync(join(home, "searches", "1", "trials", "1"), { recursive: true });
    for (const p of [home, join(home, "searches")]) chmodSync(p, 0o755);
    chmodSync(join(home, "hyperbayes.db"), 0o644);
    recordProbe("a data directory left 0755 by an older version");
    expect((await runWithUmask(home, ["list"])).code).toBe(0);
    expect(modeOf(home)).toBe("700");
    expect(modeOf(join(home, "searches"))).toBe("700");
    expect(modeOf(join(home, "hyperbayes.db"))).toBe("600");

    const users = mkdtempSync(join(tmpdir(), "hb-users-"));
    chmodSync(users, 0o755);
    writeFileSync(join(users, "notes.txt"), "mine");
    expect((await runWithUmask(users, ["list"])).code).toBe(0);
    expect(modeOf(users)).toBe("755");
    expect(modeOf(join(users, "notes.txt"))).toBe("644");
    expect(modeOf(join(users, "hyperbayes.db"))).toBe("600");
  }, 60_000);
});

describe.skipIf(!sbatchOnPath())("a Slurm trial's directory", () => {
  it("is 0700 with the executor's and launcher's files 0600 (Slurm's own output files aside)", async () => {
    const root = makeHome();
    const ex = new SlurmExecutor({ machineType: "test", pollIntervalMs: 500 });
    const launch = launchFactory(join(root, "searches", "1", "trials"), "private");
    const h = await ex.start(launch(["sh", "-c", "echo hello; echo oops >&2"]));
    expect(await waitExit(ex, h, 60_000)).toMatchObject({ exitCode: 0 });
    await ex.close();
    // slurm-<job>.out/.err are created by slurmstepd with the job's umask: the 0700 directory
    // keeps them private.
    // The batch script is the one file that must be executable: 0700.
    expect(
      openModes(root, (n) => /^slurm-\d+\.(out|err)$/.test(n) || n === "slurm-job.sh"),
    ).toEqual([]);
    expect(modeOf(join(h.dir, "slurm-job.sh"))).toBe("700");
  }, 90_000);
});
