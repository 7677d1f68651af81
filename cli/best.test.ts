/**
 * "Best" is the same trial everywhere, on real searches run by the real CLI: each search has two
 * complete trials, one that crashes and one stopped by Ctrl-C, and both of those printed a
 * better value than either complete trial. The progress lines' "← best", the summary line,
 * `describe`, `export --format json` and its CSV, the store's best, and the console's page data
 * (its header, table, best-so-far line and curves) must all name the same complete trial: the
 * one lib/search/status.ts's bestTrial picks. Goals, values, ties and the order in which the
 * trials end are random.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { curveTrials } from "../lib/console/curve-trials";
import { bestSoFarLine } from "../lib/console/downsample";
import { decodeSearchTrials } from "../lib/console/trials-wire";
import { waitFor } from "../lib/executors/testing";
import { bestTrial, type TrialStatus } from "../lib/search/status";
import { recordFault } from "../lib/testing/ledger";
import {
  captureOutput,
  exited,
  makeHome,
  openTestStore,
  runCli,
  startCli,
} from "../workers/testing/cli";

// The console's page data is server-only for Next.js; here it runs as plain Node.
vi.mock("server-only", () => ({}));

/** A training script: prints loss=<its case's value>; `crash` then exits 3, `stop` waits. */
const SCRIPT = `
const [which, ...pairs] = process.argv.slice(2);
const values = Object.fromEntries(pairs.map((p) => p.split("=")));
await new Promise((r) => setTimeout(r, Math.random() * 400));
console.log("loss=" + values[which]);
if (which === "crash") { console.error("Traceback: boom"); process.exit(3); }
if (which === "stop") setInterval(() => {}, 1000);
`;

const ROUNDS = 3;

/** RFC 4180 enough for these files: no field holds a comma, quote or line break. */
const csvRows = (text: string) =>
  text
    .split("\r\n")
    .filter((l) => l !== "")
    .map((l) => l.split(","));

const home = makeHome();
const consoleStore = globalThis as {
  __hyperbayesConsoleStore?: Promise<{ close(): Promise<void> }>;
};
afterAll(async () => {
  await (await consoleStore.__hyperbayesConsoleStore)?.close();
});

describe("the best trial", () => {
  it("is the same complete trial in progress, summary, describe, exports, store and console", async () => {
    const script = join(home, "train.mjs");
    writeFileSync(script, SCRIPT);
    for (let round = 0; round < ROUNDS; round++) {
      const goal = Math.random() < 0.5 ? "minimize" : "maximize";
      // Complete trials in [2, 3]; the crash and the stop print values beyond them.
      const far = (x: number) => (goal === "minimize" ? x : 5 - x);
      const a = far(2 + Math.random());
      const b = round === 0 ? a : far(2 + Math.random()); // a tie once: the lower number wins
      const crash = far(Math.random());
      const stop = far(Math.random());
      const child = startCli(home, [
        "grid",
        "--param",
        "case=a,b,crash,stop",
        "-r",
        "4",
        "--metric",
        "loss",
        "--goal",
        goal,
        "--",
        "node",
        script,
        ":case:",
        `a=${a}`,
        `b=${b}`,
        `crash=${crash}`,
        `stop=${stop}`,
      ]);
      const out = captureOutput(child);
      const id = await waitFor(() => {
        const m = /^search (\d+):/m.exec(out.stdout());
        return m ? Number(m[1]) : undefined;
      }, 30_000);
      const store = await openTestStore(home);
      // Ctrl-C once three trials have ended and the fourth has printed its value.
      await waitFor(async () => {
        const trials = await store.listTrials(id);
        const waiting = trials.find((t) => t.params.case === "stop");
        if (trials.filter((t) => t.status !== "running").length < 3 || !waiting) return undefined;
        const points = await store.listMetricPoints(id, { trial: waiting.number });
        return points.length > 0 ? true : undefined;
      }, 60_000);
      child.kill("SIGINT");
      recordFault("Ctrl-C to a search whose stopped trial printed the best value");
      const exit = await exited(child);
      const context = `round ${round} (${goal}): ${out.stdout()}\n${out.stderr()}`;
      expect(exit.code, context).toBe(1);

      const trials = await store.listTrials(id);
      const byCase = new Map(trials.map((t) => [t.params.case, t]));
      // The premise: the stopped and the crashed trial hold values better than the complete ones.
      expect(byCase.get("stop")?.status, context).toBe("stopped");
      expect(byCase.get("crash")?.status, context).toBe("failed");
      expect(byCase.get("stop")?.value, context).toBe(stop);
      expect(byCase.get("crash")?.value, context).toBe(crash);
      const expected = bestTrial(trials, goal);
      expect(expected?.status, context).toBe("complete");
      const n = expected?.number as number;
      const aTrial = byCase.get("a")?.number as number;
      const bTrial = byCase.get("b")?.number as number;
      expect(n, context).toBe(
        a === b
          ? Math.min(aTrial, bTrial)
          : (goal === "minimize" ? a < b : a > b)
            ? aTrial
            : bTrial,
      );

      // The progress lines: the last trial marked "← best" is the best.
      const marked = [...out.stdout().matchAll(/^\s+trial\s+(\d+)\s.*← best$/gm)].map((m) =>
        Number(m[1]),
      );
      expect(marked.at(-1), context).toBe(n);
      expect(marked, context).not.toContain(byCase.get("stop")?.number);
      expect(marked, context).not.toContain(byCase.get("crash")?.number);
      // The summary.
      expect(out.stdout(), context).toMatch(
        /^search \d+ stopped: 2 complete, 1 failed, 1 stopped$/m,
      );
      expect(/^best: trial (\d+),/m.exec(out.stdout())?.[1], context).toBe(String(n));

      // describe.
      const described = await runCli(home, ["describe", String(id)]);
      expect(described.code).toBe(0);
      expect(/^ {2}best {7}trial (\d+):/m.exec(described.stdout)?.[1], described.stdout).toBe(
        String(n),
      );

      // The JSON export, and the CSV read by the table's rule.
      const json = await runCli(home, ["export", String(id), "--format", "json"]);
      expect(json.code).toBe(0);
      const exported = JSON.parse(json.stdout) as { search: { best: { trialNumber: number } } };
      expect(exported.search.best.trialNumber).toBe(n);
      const csv = await runCli(home, ["export", String(id), "--format", "csv"]);
      expect(csv.code).toBe(0);
      const [header, ...rows] = csvRows(csv.stdout);
      const col = (name: string) => header?.indexOf(name) as number;
      const fromCsv = bestTrial(
        rows.map((r) => ({
          number: Number(r[col("trial")]),
          status: r[col("status")] as TrialStatus,
          value: r[col("loss")] === "" ? null : Number(r[col("loss")]),
        })),
        goal,
      );
      expect(fromCsv?.number).toBe(n);

      // The store's own best (db/).
      expect((await store.getSearch(id))?.best).toEqual({ trialNumber: n, value: expected?.value });

      // The console: what the search page is sent, and what its parts draw from it.
      process.env.HYPERBAYES_HOME = home;
      const data = await import("../app/_server/data");
      const page = await data.loadSearchPage(id);
      expect(page?.search.best?.trialNumber).toBe(n); // header, table row, facet charts
      const body = await data.loadSearchTrials(id);
      const read = body && decodeSearchTrials(body.slice().buffer);
      if (!read?.ok) throw new Error(read ? read.error : "no such search");
      const sent = read.value;
      const rows2 = sent.trials;
      expect(bestSoFarLine(rows2, goal).trial).toBe(n);
      expect(bestSoFarLine(rows2, goal).points.at(-1)?.best).toBe(expected?.value);
      expect(curveTrials(rows2, goal).best[0]).toBe(n);
      expect(sent.curves.curves[0]?.trial).toBe(n);
      const poll = await data.pollSearch(id, 0);
      expect(poll?.search.best?.trialNumber).toBe(n);
      const list = await data.loadSearchList();
      const item = list.items.find((s) => s.id === id);
      expect(item && "best" in item ? item.best : undefined).toBe(expected?.value);
      expect(item && "done" in item ? item.done : undefined).toBe(4);
    }
  }, 240_000);
});
