/**
 * The CLI and the form accept and refuse the same definitions, for the same reason. Each row is
 * one input written both ways: through the real `hyperbayes` command (a child process: exit code,
 * stderr, what it stored) and through the form's check (checkSearchForm, the function the browser
 * runs on every keystroke). Both must give the same verdict; a refusal must name the same issue
 * path on both sides, the CLI must print that issue's line (its flag, found from the path) with
 * exit code 2 and store nothing, and an acceptance must store the spec the form built.
 *
 * Before one definition, the CLI took `--num-runs 0x10` (Number()) where the form refused it, and
 * both took `--kappa 0` past their own checks.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkSearchForm,
  defaultFormValues,
  fieldOf,
  type ParamRow,
  type SearchFormValues,
} from "../lib/console/search-form";
import { Rng } from "../lib/optimizer/rng";
import { defineSearch } from "../lib/search/define";
import type { IssuePath, SearchKind } from "../lib/search/settings";
import { workingDirectoryProblem } from "../lib/search/working-directory";
import { recordBadInput } from "../lib/testing/ledger";
import { makeHome, openTestStore, runCli } from "../workers/testing/cli";
import { issueLine, parseSearchArgs, searchInput } from "./_search-flags";

const cwd = mkdtempSync(join(tmpdir(), "hb-parity-cwd-"));
const home = makeHome();

const range = (name: string, min: string, max: string, type: "float" | "int" = "float") =>
  ({ name, kind: "range", min, max, scale: "linear", type, values: "" }) satisfies ParamRow;
const choice = (name: string, values: string) =>
  ({ ...range(name, "", ""), kind: "choice", values }) satisfies ParamRow;

interface Row {
  what: string;
  kind?: SearchKind;
  /** Flags before `--`, replacing the base's flag of the same name (or added). */
  cli: string[];
  /** The command after `--` (the base's when absent). */
  argv?: string[];
  form: Partial<SearchFormValues>;
  /** The issue both must name; undefined: both accept. */
  path: IssuePath | undefined;
}

// One valid search, written both ways; each row changes it in one place.
const BASE_FLAGS: [string, string][] = [
  ["--param", "x=0:1"],
  ["-n", "3"],
  ["--metric", "loss"],
  ["--seed", "7"],
  ["-t", "cpu"],
  ["--cwd", cwd],
];
const BASE_ARGV = ["run", ":x:"];
const baseForm = (): SearchFormValues => ({
  ...defaultFormValues(cwd),
  params: [range("x", "0", "1")],
  command: "run :x:",
  metric: "loss",
  numRuns: "3",
  seed: "7",
  machineType: "cpu",
});

const ROWS: Row[] = [
  { what: "hex runs", cli: ["-n", "0x10"], form: { numRuns: "0x10" }, path: ["numRuns"] },
  { what: "runs in exponent form", cli: ["-n", "1e3"], form: { numRuns: "1e3" }, path: undefined },
  { what: "a space before the runs", cli: ["-n", " 5"], form: { numRuns: " 5" }, path: undefined },
  { what: "a space after the runs", cli: ["-n", "5 "], form: { numRuns: "5 " }, path: undefined },
  { what: "a plus sign", cli: ["-n", "+5"], form: { numRuns: "+5" }, path: undefined },
  { what: "blank runs", cli: ["-n", ""], form: { numRuns: "" }, path: ["numRuns"] },
  { what: "NaN runs", cli: ["-n", "NaN"], form: { numRuns: "NaN" }, path: ["numRuns"] },
  { what: "runs with _", cli: ["-n", "1_000"], form: { numRuns: "1_000" }, path: ["numRuns"] },
  { what: "zero runs", cli: ["-n", "0"], form: { numRuns: "0" }, path: ["numRuns"] },
  {
    what: "fractional parallel runs",
    cli: ["-r", "1.5"],
    form: { parallelRuns: "1.5" },
    path: ["parallelRuns"],
  },
  { what: "kappa 0", cli: ["--kappa", "0"], form: { kappa: "0" }, path: ["kappa"] },
  { what: "kappa -0", cli: ["--kappa=-0"], form: { kappa: "-0" }, path: ["kappa"] },
  { what: "kappa 2.5", cli: ["--kappa", "2.5"], form: { kappa: "2.5" }, path: undefined },
  {
    what: "kappa for a random search (left out, with a warning)",
    kind: "random",
    cli: ["--kappa", "2"],
    form: { kind: "random", kappa: "2" },
    path: undefined,
  },
  {
    what: "an infinite timeout",
    cli: ["--timeout", "Infinity"],
    form: { timeoutMinutes: "Infinity" },
    path: ["timeoutMinutes"],
  },
  {
    what: "a timeout under a second",
    cli: ["--timeout", "0.001"],
    form: { timeoutMinutes: "0.001" },
    path: ["timeoutMinutes"],
  },
  {
    what: "a one-second timeout",
    cli: ["--timeout", "0.017"],
    form: { timeoutMinutes: "0.017" },
    path: undefined,
  },
  { what: "a negative seed", cli: ["--seed=-1"], form: { seed: "-1" }, path: ["seed"] },
  {
    what: "a seed past 31 bits",
    cli: ["--seed", "2147483648"],
    form: { seed: "2147483648" },
    path: ["seed"],
  },
  {
    what: "no failures allowed",
    cli: ["--max-failures", "0"],
    form: { maxFailures: "0" },
    path: ["maxFailures"],
  },
  {
    what: "a metric with a space",
    cli: ["--metric", "val loss"],
    form: { metric: "val loss" },
    path: ["metric"],
  },
  {
    what: "an unknown aggregation",
    cli: ["-a", "median"],
    form: { metricAgg: "median" },
    path: ["metricAgg"],
  },
  { what: "an unknown goal", cli: ["--goal", "up"], form: { goal: "up" }, path: ["goal"] },
  {
    what: "a grid with a float range",
    kind: "grid",
    cli: ["-n", "2"],
    form: { kind: "grid", numRuns: "2" },
    path: ["params", 0],
  },
  {
    what: "a grid of choices and an int range",
    kind: "grid",
    cli: ["--param", "x=1:3:int", "--json-param", 'y=["a,b","c"]'],
    argv: ["run", ":x:", ":y:"],
    form: {
      kind: "grid",
      params: [range("x", "1", "3", "int"), choice("y", '["a,b","c"]')],
      command: "run :x: :y:",
    },
    path: undefined,
  },
  {
    what: "a :placeholder: with no parameter",
    cli: [],
    argv: ["run", ":x:", ":y:"],
    form: { command: "run :x: :y:" },
    path: ["command"],
  },
  {
    what: "a parameter defined twice",
    cli: ["--param", "x=0:1", "--json-param", "x=[1,2]"],
    form: { params: [range("x", "0", "1"), choice("x", "[1,2]")] },
    path: ["params", 1, "name"],
  },
  {
    what: "a NUL byte in a choice",
    cli: ["--json-param", 'x=["a\\u0000b"]'],
    form: { params: [choice("x", '["a\\u0000b"]')] },
    path: ["params", 0, "values"],
  },
  {
    what: "a hex bound",
    cli: ["--param", "x=0x1:2"],
    form: { params: [range("x", "0x1", "2")] },
    path: ["params", 0, "min"],
  },
  {
    what: "a bound of -0",
    cli: ["--param", "x=-0:1"],
    form: { params: [range("x", "-0", "1")] },
    path: undefined,
  },
  {
    what: "an int range with fractional bounds",
    cli: ["--param", "x=0.5:3:int"],
    form: { params: [range("x", "0.5", "3", "int")] },
    path: ["params", 0, "min"],
  },
  {
    what: "a parameter named like the metric",
    cli: ["--param", "loss=0:1"],
    argv: ["run", ":loss:"],
    form: { params: [range("loss", "0", "1")], command: "run :loss:" },
    path: ["params", 0, "name"],
  },
  {
    what: "a variable Hyperbayes sets",
    cli: ["-e", "CUDA_VISIBLE_DEVICES=0"],
    form: { env: "CUDA_VISIBLE_DEVICES=0" },
    path: ["env", 0],
  },
  { what: "an env item with no =", cli: ["-e", "FOO"], form: { env: "FOO" }, path: ["env", 0] },
  {
    what: "a label too long",
    cli: ["--label", "x".repeat(101)],
    form: { labels: "x".repeat(101) },
    path: ["labels", 0],
  },
  {
    what: "a stop condition with ==",
    cli: ["--stop-condition", "loss == 1"],
    form: { stopConditions: ["loss == 1"] },
    path: ["stopConditions", 0],
  },
  {
    what: "stop conditions joined by &&",
    cli: ["--stop-condition", "loss < 0.1 && epoch >= 2"],
    form: { stopConditions: ["loss < 0.1 && epoch >= 2"] },
    path: undefined,
  },
];

/**
 * The row's command line: the base flags, each replaced where the row gives it (its parameters
 * replace the base's, --param or --json-param), then its own; queued, not run.
 */
function cliArgs(row: Row): string[] {
  const flagOf = (a: string) => (a.split("=")[0] === "--json-param" ? "--param" : a.split("=")[0]);
  const given = new Set(row.cli.filter((a) => a.startsWith("-")).map(flagOf));
  const base = BASE_FLAGS.filter(([flag]) => !given.has(flag)).flat();
  return [...base, ...row.cli, "--detach", "--", ...(row.argv ?? BASE_ARGV)];
}

const samePath = (a: IssuePath, b: IssuePath) => JSON.stringify(a) === JSON.stringify(b);

describe("the CLI and the form define the same searches", () => {
  let accepted = 0;

  it.each(ROWS)(
    "$what",
    async (row) => {
      recordBadInput(`search definition, CLI and form alike: ${row.what}`);
      const kind = row.kind ?? "bayesian";
      const args = cliArgs(row);
      const form = checkSearchForm({ ...baseForm(), ...row.form });
      const run = await runCli(home, [kind, ...args]);
      const context = JSON.stringify({ args, run, form: form.errors });

      if (row.path === undefined) {
        expect(form.errors, context).toEqual({});
        expect(run.code, context).toBe(0);
        accepted++;
        const store = await openTestStore(home);
        const [stored] = await store.listSearches({ limit: 1 });
        expect(stored?.spec, context).toEqual(form.spec);
        return;
      }
      // The form names the path, and shows it at the field the path leads to.
      expect(form.spec, context).toBeUndefined();
      expect(
        form.issues.some((i) => samePath(i.path, row.path as IssuePath)),
        context,
      ).toBe(true);
      expect(form.errors[fieldOf(row.path)], context).toBeDefined();
      // The CLI refuses with exit 2 and prints the line of an issue at that same path.
      expect(run.code, context).toBe(2);
      expect(run.stdout, context).toBe("");
      expect(run.stderr, context).not.toMatch(/\n\s+at |node_modules/);
      const input = searchInput(kind, parseSearchArgs(kind, args));
      const defined = defineSearch(input, { workingDirectoryProblem });
      const issues = defined.ok ? [] : defined.issues;
      const atPath = issues.filter((i) => samePath(i.path, row.path as IssuePath));
      expect(atPath.length, context).toBeGreaterThan(0);
      for (const issue of atPath) expect(run.stderr, context).toContain(issueLine(issue, input));
    },
    30_000,
  );

  it("stored the accepted searches and nothing else", async () => {
    const store = await openTestStore(home);
    expect(await store.countSearches()).toBe(accepted);
    expect(accepted).toBe(ROWS.filter((r) => r.path === undefined).length);
  });
});

describe("the CLI and the form read every number alike", () => {
  // Pieces of numbers people type, and of ones they should not.
  const PIECES = [
    "0",
    "1",
    "5",
    "9",
    "12",
    ".",
    "e",
    "E",
    "-",
    "+",
    "x",
    "0x",
    " ",
    "_",
    ",",
    "Infinity",
    "NaN",
    "1e400",
    "ab",
  ];
  const NUMERIC: [string, keyof SearchFormValues][] = [
    ["--num-runs", "numRuns"],
    ["--parallel-runs", "parallelRuns"],
    ["--timeout", "timeoutMinutes"],
    ["--seed", "seed"],
    ["--kappa", "kappa"],
    ["--max-failures", "maxFailures"],
  ];

  it("gives the same verdict and the same issue paths for random number texts", () => {
    const seed = Date.now();
    const rng = new Rng(seed);
    let refused = 0;
    for (let n = 0; n < 400; n++) {
      const [flag, key] = NUMERIC[rng.int(NUMERIC.length)] as [string, keyof SearchFormValues];
      const text = Array.from(
        { length: 1 + rng.int(4) },
        () => PIECES[rng.int(PIECES.length)],
      ).join("");
      const args = [
        ...BASE_FLAGS.filter(([f]) => f !== flag && !(flag === "--num-runs" && f === "-n")).flat(),
        `${flag}=${text}`,
        "--",
        ...BASE_ARGV,
      ];
      const input = searchInput("bayesian", parseSearchArgs("bayesian", args));
      const cli = defineSearch(input, { randomSeed: () => 7 });
      // The same draw for a blank seed on both sides (blank is no value: the seed is drawn).
      const form = checkSearchForm({ ...baseForm(), [key]: text }, { randomSeed: () => 7 });
      const context = `seed ${seed}: ${flag} ${JSON.stringify(text)}`;
      const paths = (issues: readonly { path: IssuePath }[]) =>
        issues.map((i) => JSON.stringify(i.path)).sort();
      expect(form.spec === undefined, context).toBe(!cli.ok);
      expect(paths(form.issues), context).toEqual(paths(cli.ok ? [] : cli.issues));
      if (cli.ok) expect(form.spec, context).toEqual(cli.spec);
      else refused++;
    }
    recordBadInput("number texts read alike by the CLI and the form", refused);
    expect(refused).toBeGreaterThan(100);
  });
});
