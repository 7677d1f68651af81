/**
 * Issue 9, fault 7: processes that escape the trial's process group (`setsid`, a double fork, a
 * daemon's fork + setsid + fork) end with the trial, through the trial's cgroup where one can be
 * had and through the environment marker where not (trial-procs.mjs); and the one case each way
 * leaves: a process with a fresh environment is found by the cgroup only.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recordFault } from "../testing/ledger";
import { LocalExecutor } from "./local";
import { processAlive } from "./proc";
import { launchFactory, sleep, waitExit, waitFor } from "./testing";
import type { LocalTrialHandle } from "./types";

const root = mkdtempSync(join(tmpdir(), "hb-escape-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const launch = launchFactory(root, "escape");

/** A loop that writes to the trial's log every 50 ms and records its pid in the trial dir. */
const loop = (name: string) =>
  `echo $$ > "$HYPERBAYES_TRIAL_DIR/${name}.pid"; while :; do echo ${name} alive; sleep 0.05; done`;
const ESCAPES: Record<string, string> = {
  setsid: `setsid sh -c '${loop("setsid")}' & sleep 0.3; exit 0`,
  "double fork": `( ( sh -c '${loop("double")}' & ) & ); sleep 0.3; exit 0`,
  daemon: `( setsid sh -c '( sh -c "${loop("daemon").replaceAll('"', '\\"')}" & )' & ); sleep 0.3; exit 0`,
};

const pidIn = (h: LocalTrialHandle, name: string) =>
  waitFor(() => {
    const path = join(h.dir, `${name}.pid`);
    return existsSync(path) ? Number(readFileSync(path, "utf8").trim()) || undefined : undefined;
  });

const logSize = (h: LocalTrialHandle) => statSync(join(h.dir, "stdout.log")).size;

/** Does this machine give trials a cgroup of their own? */
async function cgroupsWork(): Promise<boolean> {
  const ex = new LocalExecutor({ cgroups: true });
  const h = await ex.start(launch(["cat", "/proc/self/cgroup"]));
  await waitExit(ex, h);
  await ex.close();
  return /\/hyperbayes\/[0-9a-f]+$/m.test(readFileSync(join(h.dir, "stdout.log"), "utf8"));
}
const HAVE_CGROUPS = await cgroupsWork();
if (!HAVE_CGROUPS) {
  console.warn(
    "escape.test.ts: no writable cgroup v2 here (not root, no delegated subtree): only the " +
      "environment marker is tested",
  );
}

const modes = [
  { name: "the environment marker", cgroups: false, run: true },
  { name: "the trial's cgroup", cgroups: true, run: HAVE_CGROUPS },
];

for (const mode of modes) {
  describe.runIf(mode.run)(`escaped processes, found by ${mode.name}`, () => {
    const ex = new LocalExecutor({ cgroups: mode.cgroups, graceMs: 300 });
    afterAll(() => ex.close());

    for (const [how, script] of Object.entries(ESCAPES)) {
      it(`end with the trial: ${how}`, async () => {
        const h = await ex.start(launch(["sh", "-c", script]));
        const name = how === "double fork" ? "double" : how;
        const escaped = await pidIn(h, name);
        recordFault(`a trial's process escaping its group (${how}, ${mode.name})`);
        const exit = await waitExit(ex, h);
        expect(exit).toMatchObject({ exitCode: 0, signal: null });
        expect(exit.reason).toBeUndefined();
        // With a cgroup, gone before exit.json; by their marker, swept just after it (the sweep
        // reads every process's environment, kept off the path to the next trial), before the
        // launcher ends.
        if (!mode.cgroups)
          await waitFor(() => (processAlive(h.pid, h.procStart) ? undefined : true));
        expect(processAlive(escaped)).toBe(false);
        // Nothing writes to the log any more.
        const size = logSize(h);
        await sleep(300);
        expect(logSize(h)).toBe(size);
        expect(readFileSync(join(h.dir, "stdout.log"), "utf8")).toMatch(`${name} alive`);
        if (mode.cgroups) {
          const { cgroup } = JSON.parse(readFileSync(join(h.dir, "launcher.json"), "utf8"));
          expect(cgroup).toMatch(/\/hyperbayes\/[0-9a-f]+$/);
          expect(existsSync(cgroup)).toBe(false); // removed once empty
        }
      });
    }

    it("are ended by the executor when the launcher itself was SIGKILLed", async () => {
      const h = await ex.start(
        launch(["sh", "-c", `${ESCAPES.setsid?.replace("exit 0", "sleep 60")}`]),
      );
      const escaped = await pidIn(h, "setsid");
      await waitFor(() => (existsSync(join(h.dir, "launcher.json")) ? true : undefined));
      recordFault(`launcher SIGKILLed with an escaped process running (${mode.name})`);
      process.kill(h.pid, "SIGKILL");
      await waitFor(() => (processAlive(h.pid, h.procStart) ? undefined : true));
      expect(await ex.poll(h)).toEqual({ state: "running" });
      await ex.kill(h);
      expect(await waitExit(ex, h)).toMatchObject({ reason: "killed" });
      expect(processAlive(escaped)).toBe(false);
    });

    it(
      mode.cgroups
        ? "catch even a process with a fresh environment (env -i) that left the group"
        : "miss a process with a fresh environment (env -i) that left the group: the documented gap",
      async () => {
        const h = await ex.start(
          launch([
            "sh",
            "-c",
            `setsid env -i sh -c '${loop("clean").replace("$HYPERBAYES_TRIAL_DIR", "$0")}' "$HYPERBAYES_TRIAL_DIR" & sleep 0.3; exit 0`,
          ]),
        );
        const escaped = await pidIn(h, "clean");
        recordFault(`an escaped process with a fresh environment (${mode.name})`);
        await waitExit(ex, h);
        await waitFor(() => (processAlive(h.pid, h.procStart) ? undefined : true));
        try {
          expect(processAlive(escaped)).toBe(!mode.cgroups);
        } finally {
          if (processAlive(escaped)) process.kill(escaped, "SIGKILL");
        }
      },
    );
  });
}
