/**
 * `hyperbayes delete`, `hyperbayes logs` and the Spell-flag hints, through the real command from
 * a fresh directory (and `followTrial` with an injected clock):
 *   - delete asks (no answer: exit 2, "n": nothing deleted), removes the rows and the trial
 *     files of that search only, and refuses a running search saying how to end it;
 *   - logs prints a trial's log with colours dropped, progress rewrites at their last state, tabs
 *     kept and every other control shown as an escape; -f prints each line once, in order, up to
 *     the trial's end (its last unfinished line too), and stops cleanly when aborted;
 *   - every Spell-only flag is answered with its hint (exit 2), on every command, and each one is
 *     on docs/spell.md.
 */
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../db";
import { makeSpec } from "../db/testing/fixtures";
import { hyperbayes, tempDir } from "../db/testing/user-cli";
import { UsageError } from "../lib/errors";
import { searchDir, trialDir } from "../lib/home";
import type { TrialStatus } from "../lib/search/status";
import { recordBadInput } from "../lib/testing/ledger";
import { BIN } from "../workers/testing/cli";
import { parseFlags } from "./_args";
import { SPELL_ONLY_FLAGS } from "./_spell-flags";
import { followTrial } from "./logs";

const cwd = tempDir();

/** A finished search of two trials, run in the foreground by the real command. */
async function finishedSearch(home: string): Promise<void> {
  const run = await hyperbayes(
    ["grid", "--param", "x=1,2", "--metric", "v", "--cwd", cwd, "--", "echo", "v=:x:"],
    { HYPERBAYES_HOME: home },
  );
  expect(run.code, JSON.stringify(run)).toBe(0);
}

/** The real command with `input` on its standard input. */
function withInput(args: string[], home: string, input: string) {
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd: tempDir(),
    env: { ...process.env, HYPERBAYES_HOME: home },
    input,
    encoding: "utf8",
  });
}

describe("hyperbayes delete", () => {
  it("asks, then removes that search's rows and files only", async () => {
    const home = tempDir();
    await finishedSearch(home);
    await finishedSearch(home);
    expect(existsSync(trialDir(home, 1, 2))).toBe(true);

    const noAnswer = withInput(["delete", "1"], home, "");
    expect(noAnswer.status).toBe(2);
    expect(noAnswer.stderr).toMatch(
      /delete search 1, its 2 trials and their files in .*\? \[y\/N\]/,
    );
    expect(noAnswer.stderr).toMatch(/no answer on standard input: add --yes/);
    const no = withInput(["delete", "1"], home, "n\n");
    expect(no.status).toBe(1);
    expect(no.stdout).toBe("nothing deleted\n");
    expect(existsSync(searchDir(home, 1))).toBe(true);

    const yes = withInput(["delete", "1"], home, "y\n");
    expect(yes.status, yes.stderr).toBe(0);
    expect(yes.stdout).toMatch(/^deleted search 1, its 2 trials/);
    expect(existsSync(searchDir(home, 1))).toBe(false);
    expect(existsSync(trialDir(home, 2, 1))).toBe(true);
    const store = await openSqliteStore(join(home, "hyperbayes.db"));
    try {
      expect(await store.getSearch(1)).toBeUndefined();
      expect(await store.listTrials(1)).toEqual([]);
      expect(await store.listMetricPoints(1)).toEqual([]);
      expect((await store.listTrials(2)).length).toBe(2);
      expect((await store.listMetricPoints(2)).length).toBe(2);
    } finally {
      await store.close();
    }
    const again = await hyperbayes(["delete", "1", "--yes"], { HYPERBAYES_HOME: home });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/search 1 does not exist/);
    const list = await hyperbayes(["list"], { HYPERBAYES_HOME: home });
    expect(list.stdout).not.toMatch(/^\s*1\s/m);
  }, 60_000);

  it("refuses a running search, saying how to end it, and deletes nothing", async () => {
    const home = tempDir();
    const store = await openSqliteStore(join(home, "hyperbayes.db"));
    try {
      const s = await store.createSearch(makeSpec({ cwd }), {
        status: "running",
        lease: { owner: "someone", ttlMs: 600_000 },
      });
      await store.createTrial(s.id, { number: 1, params: { lr: 0.1, units: 20, opt: "sgd" } });
      mkdirSync(trialDir(home, s.id, 1), { recursive: true });
      recordBadInput("delete: a running search");
      const run = await hyperbayes(["delete", String(s.id), "--yes"], { HYPERBAYES_HOME: home });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        /search 1 is running: stop it first, then delete it once it has ended \(hyperbayes stop 1, or kill 1\)/,
      );
      expect(await store.getSearch(s.id)).toBeDefined();
      expect(existsSync(trialDir(home, s.id, 1))).toBe(true);
      for (const bad of [["delete"], ["delete", "0"], ["delete", "x1"], ["delete", "1", "2"]]) {
        recordBadInput(`delete: ${bad.join(" ")}`);
        const r = await hyperbayes(bad, { HYPERBAYES_HOME: home });
        expect(r.code, JSON.stringify(r)).toBe(2);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
    } finally {
      await store.close();
    }
  }, 60_000);
});

describe("hyperbayes logs", () => {
  it("prints a trial's log: colours dropped, \\r rewrites at their last state, other controls escaped", async () => {
    const home = tempDir();
    const store = await openSqliteStore(join(home, "hyperbayes.db"));
    try {
      const s = await store.createSearch(makeSpec({ cwd }));
      await store.createTrial(s.id, { number: 1, params: { lr: 0.1, units: 20, opt: "sgd" } });
    } finally {
      await store.close();
    }
    const dir = trialDir(home, 1, 1);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "stdout.log"),
      "\u001b[32mEpoch 1/2\u001b[0m\n10%\r50%\r100%\r\n[9]\tvalidation_0-logloss:0.1\n\u001b]52;c;aGk=\u0007 \u202eevil\nno newline at the end",
    );
    writeFileSync(join(dir, "stderr.log"), "Traceback: oops\n");
    const run = await hyperbayes(["logs", "1", "1"], { HYPERBAYES_HOME: home });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(
      "Epoch 1/2\n100%\n[9]\tvalidation_0-logloss:0.1\n\\x1b]52;c;aGk=\\x07 \\u202eevil\nno newline at the end\nTraceback: oops\n",
    );
    const only = await hyperbayes(["logs", "1", "1", "--stderr"], { HYPERBAYES_HOME: home });
    expect(only.stdout).toBe("Traceback: oops\n");
    for (const [args, says] of [
      [["logs", "1"], /a trial number is required/],
      [["logs", "1", "0"], /the trial number must be at least 1/],
      [["logs", "1", "2"], /search 1 has no trial 2/],
      [["logs", "1", "1", "--stdout", "--stderr"], /give one, or neither/],
    ] as const) {
      recordBadInput(`logs: ${args.join(" ")}`);
      const r = await hyperbayes([...args], { HYPERBAYES_HOME: home });
      expect(r.code, JSON.stringify(r)).toBe(2);
      expect(r.stderr).toMatch(says);
    }
  }, 60_000);

  it("-f prints each line once, in order, up to the trial's end, the last unfinished line too", async () => {
    const dir = tempDir();
    const out = join(dir, "stdout.log");
    const err = join(dir, "stderr.log");
    let polls = 0;
    let status: TrialStatus = "queued";
    const store = {
      getTrial: async () => ({ status }) as never,
    };
    const expected: string[] = [];
    const printed: string[] = [];
    // Each wait, the trial writes more: whole lines, a line in two halves, a multibyte
    // character split across writes; then it ends with a line without a break.
    const sleep = async () => {
      polls++;
      if (polls === 1) status = "running";
      if (polls <= 20 && ![6, 7, 8].includes(polls)) {
        appendFileSync(out, `line ${polls}\n`);
        expected.push(`line ${polls}`);
      }
      if (polls === 5) appendFileSync(out, "half ");
      if (polls === 6) appendFileSync(out, "a line in two writes\n");
      if (polls === 7) appendFileSync(out, Buffer.from([0xc3]));
      if (polls === 8) appendFileSync(out, Buffer.from([0xa9, 0x20, 0x64, 0x6f, 0x6e, 0x65, 0x0a]));
      if (polls === 21) {
        appendFileSync(err, "the end, no newline");
        status = "complete";
      }
    };
    const ended = await followTrial({
      store,
      searchId: 1,
      number: 1,
      files: [out, err],
      write: (t) => printed.push(t),
      pollMs: 1,
      signal: new AbortController().signal,
      sleep,
    });
    expect(ended).toBe(true);
    const lines = printed.join("").split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.filter((l) => l.startsWith("line "))).toEqual(expected);
    expect(lines).toContain("half a line in two writes");
    expect(lines).toContain("\u00e9 done");
    expect(lines[lines.length - 1]).toBe("the end, no newline");
    expect(polls).toBe(21);
  });

  it("-f stops when aborted (Ctrl-C), with the trial still running", async () => {
    const dir = tempDir();
    const stop = new AbortController();
    let polls = 0;
    const ended = await followTrial({
      store: { getTrial: async () => ({ status: "running" }) as never },
      searchId: 1,
      number: 1,
      files: [join(dir, "stdout.log")],
      write: () => {},
      pollMs: 1,
      signal: stop.signal,
      sleep: async () => {
        if (++polls === 3) stop.abort();
      },
    });
    expect(ended).toBe(false);
    expect(polls).toBe(3);
  });

  it("-f on a real search follows trial 1 to its end; Ctrl-C on another ends quietly", async () => {
    const home = tempDir();
    const env = { ...process.env, HYPERBAYES_HOME: home };
    const search = spawn(
      process.execPath,
      [
        BIN,
        "grid",
        "--param",
        "x=1,2",
        "--metric",
        "v",
        "--cwd",
        cwd,
        "--",
        "sh",
        "-c",
        "for i in 1 2 3 4 5; do echo step$i; sleep 0.2; done; echo v=:x:; sleep :x:",
      ],
      { env, stdio: "ignore" },
    );
    try {
      const db = join(home, "hyperbayes.db");
      for (let i = 0; i < 200 && !existsSync(join(trialDir(home, 1, 1), "stdout.log")); i++)
        await new Promise((r) => setTimeout(r, 50));
      const follow = spawnSync(process.execPath, [BIN, "logs", "1", "1", "-f", "--poll-ms", "20"], {
        env,
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(follow.status, follow.stderr).toBe(0);
      expect(follow.stdout).toBe("step1\nstep2\nstep3\nstep4\nstep5\nv=1\n");
      const store = await openSqliteStore(db);
      try {
        expect((await store.getTrial(1, 1))?.status).toBe("complete");
      } finally {
        await store.close();
      }
      // Trial 2 sleeps 2 s after its output: follow it, then Ctrl-C.
      const f2 = spawn(process.execPath, [BIN, "logs", "1", "2", "-f", "--poll-ms", "20"], {
        env,
      });
      let text = "";
      let errText = "";
      f2.stdout.on("data", (d) => {
        text += d;
      });
      f2.stderr.on("data", (d) => {
        errText += d;
      });
      for (let i = 0; i < 200 && !text.includes("v=2"); i++)
        await new Promise((r) => setTimeout(r, 50));
      f2.kill("SIGINT");
      const code = await new Promise((r) => f2.on("close", r));
      expect(code).toBe(130);
      expect(text).toContain("step5\nv=2\n");
      expect(errText).toBe("");
    } finally {
      search.kill("SIGKILL");
    }
  }, 90_000);
});

describe("Spell's flags that do not apply", () => {
  const page = readFileSync(new URL("../docs/spell.md", import.meta.url), "utf8");
  it.each(Object.keys(SPELL_ONLY_FLAGS))(
    "--%s: a hint naming docs/spell.md, and on that page",
    (flag) => {
      recordBadInput(`Spell flag --${flag}`);
      expect(() => parseFlags([`--${flag}`, "x"], {}, "usage")).toThrow(UsageError);
      expect(() => parseFlags([`--${flag}=x`], {}, "usage")).toThrow(
        new RegExp(`^--${flag} is a Spell flag: .+; see docs/spell\\.md$`),
      );
      expect(page).toContain(`\`--${flag}`);
    },
  );

  it("through the real command, on a search and on another command", async () => {
    const home = tempDir();
    for (const args of [
      [
        "bayesian",
        "--param",
        "x=1:2",
        "--pip",
        "torch",
        "-n",
        "2",
        "--metric",
        "v",
        "--",
        "echo",
        ":x:",
      ],
      ["random", "--apt=ffmpeg"],
      ["list", "--docker-image", "tensorflow/tensorflow"],
    ]) {
      const run = await hyperbayes(args, { HYPERBAYES_HOME: home });
      expect(run.code, JSON.stringify(run)).toBe(2);
      expect(run.stderr).toMatch(/is a Spell flag: .*; see docs\/spell\.md\n$/);
      expect(run.stderr).not.toMatch(/usage:/);
    }
    // Another unknown flag keeps parseArgs's words.
    const other = await hyperbayes(["list", "--bogus"], { HYPERBAYES_HOME: home });
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/Unknown option '--bogus'/);
  }, 60_000);
});
