/**
 * Fault 11: the console restarted mid-search. A console of its own (`hyperbayes console`: the
 * server and its worker, on its own port and HYPERBAYES_HOME, so the shared e2e console's worker
 * never touches this search) runs a search while its page is open in Chromium; the console is
 * killed (SIGTERM, as systemd or `docker stop` would, or SIGKILL) with trials running, and
 * started again on the same home and port. The search must finish with every trial's command
 * started exactly once and every printed value kept, and the page, never reloaded, must follow
 * it to the end.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect, test } from "@playwright/test";
import { REPO_ROOT } from "../cli/_console-server";
import { openStore, type Store } from "../db";
import { recordFault, recordTrials } from "../lib/testing/ledger";
import { bayesianSpec, untilEnded } from "./searches";

test.describe.configure({ mode: "serial" });

const RUNS = 8;
const STEPS = 8;
// A training script that says it started (trial number and pid, in a file of its own), then
// prints STEPS losses a quarter of a second apart: the last one is x*x/STEPS.
const SCRIPT = `
import { appendFileSync } from "node:fs";
const [x, starts] = process.argv.slice(2);
appendFileSync(starts, JSON.stringify({ trial: Number(process.env.HYPERBAYES_TRIAL), pid: process.pid }) + "\\n");
for (let step = 0; step < ${STEPS}; step++) {
  console.log("step=" + step + " loss=" + (Number(x) * Number(x)) / (step + 1));
  await new Promise((r) => setTimeout(r, 250));
}
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}

/** Resolves once nothing accepts connections on `port` (the old server has let it go). */
async function untilPortFree(port: number, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (!open) return;
    if (Date.now() > deadline) throw new Error(`port ${port} was still taken after ${ms} ms`);
    await sleep(200);
  }
}

/** `hyperbayes console --port PORT` on `home`; resolves once it printed its address. */
async function startConsole(home: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, "bin", "hyperbayes.mjs"), "console", "--port", String(port)],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        HYPERBAYES_HOME: home,
        HYPERBAYES_DATABASE_URL: "",
        HYPERBAYES_TOKEN: "",
        PORT: "",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the console did not start in time:\n${output}`)),
      300_000,
    );
    const onData = (d: Buffer) => {
      output += d;
      if (output.includes("Hyperbayes console:")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (d: Buffer) => {
      output += d;
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the console exited (${code ?? signal}) before it started:\n${output}`));
    });
  });
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Polls until `f` is true; throws after `ms` naming `what`. */
async function until(what: string, f: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

for (const signal of ["SIGTERM", "SIGKILL"] as const) {
  test(`the console ${signal}ed mid-search and started again: the search and its page carry on`, async ({
    page,
  }) => {
    test.setTimeout(600_000);
    const home = mkdtempSync(join(tmpdir(), "hyperbayes-restart-"));
    const port = await freePort();
    const script = join(home, "train.mjs");
    const starts = join(home, "starts.jsonl");
    writeFileSync(script, SCRIPT);
    const consoles: ChildProcess[] = [];
    let store: Store | undefined;
    try {
      consoles.push(await startConsole(home, port));
      store = await openStore({ home, databaseUrl: "" });
      const s = store;
      const search = await s.createSearch(
        bayesianSpec([
          "--param",
          "x=-3:3",
          "-n",
          String(RUNS),
          "-r",
          "2",
          "--metric",
          "loss",
          "-d",
          `restart: ${signal}`,
          "--cwd",
          home,
          "--",
          "node",
          script,
          ":x:",
          starts,
        ]),
      );
      const url = `http://127.0.0.1:${port}/searches/${search.id}`;
      await page.goto(url);
      const screen = page.getByTestId("search-screen");
      await expect(screen).toHaveAttribute("data-status", "running");

      // Kill it with trials running and some already ended.
      const trials = () => s.listTrials(search.id);
      await until("two ended trials and one running", async () => {
        const ts = await trials();
        const ended = ts.filter((t) => t.endedAt !== null).length;
        return ended >= 2 && ts.some((t) => t.status === "running");
      });
      recordFault(`console ${signal} mid-search`);
      const first = consoles[0] as ChildProcess;
      first.kill(signal);
      await exited(first);
      await untilPortFree(port);
      // Down for a while: the page's polls fail, trials go on without a worker.
      await sleep(1500);
      await expect(screen).toHaveAttribute("data-status", "running");

      consoles.push(await startConsole(home, port));
      // The page was never reloaded: its polls pick up where they stopped.
      await expect(screen).toHaveAttribute("data-status", "complete", { timeout: 120_000 });
      await expect(page.getByTestId("progress-text").first()).toHaveText(`${RUNS}/${RUNS}`);
      await expect(page.getByTestId("trials-table").locator("tbody tr")).toHaveCount(RUNS);

      const ended = await untilEnded(s, search.id);
      expect(ended.status).toBe("complete");
      const rows = await trials();
      const started = existsSync(starts)
        ? readFileSync(starts, "utf8")
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => (JSON.parse(l) as { trial: number }).trial)
        : [];
      const runs = new Map<number, number>();
      for (const n of started) runs.set(n, (runs.get(n) ?? 0) + 1);
      const twice = [...runs.values()].filter((n) => n > 1).length;
      const lost = rows.filter((t) => (runs.get(t.number) ?? 0) === 0).length;
      recordTrials(`console ${signal} and restart`, { checked: rows.length, lost, twice });
      expect({ lost, twice }).toEqual({ lost: 0, twice: 0 });
      expect(rows).toHaveLength(RUNS);
      for (const t of rows) {
        expect(t.status, `trial ${t.number}`).toBe("complete");
        // The last loss it printed, however the restart fell across its run.
        const x = t.params.x as number;
        expect(t.value, `trial ${t.number}`).toBeCloseTo((x * x) / STEPS, 10);
      }
    } finally {
      await store?.close();
      for (const c of consoles) {
        if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
        await Promise.race([exited(c), sleep(15_000)]);
        if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
      }
    }
  });
}
