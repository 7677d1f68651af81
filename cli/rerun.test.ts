/**
 * Running a search again from its export (`--from FILE`) and from the store (`rerun ID`):
 *   - round trips: searches defined by the CLI's own flags (every setting, choices that need
 *     --json-param, grouped stop conditions, env values with spaces and `=`), exported as JSON,
 *     read back with the masked values given again: the same spec, seed included;
 *   - flags given beside the file override it (-e one key, --param the space, -- the command);
 *   - hostile files: 400 random mutations of a real export (a field removed, retyped, replaced
 *     by junk, NUL bytes, huge numbers, nesting) are each either a valid spec or a UsageError
 *     whose every line names the file and a field, never another error; a few through the real
 *     command (exit 2, one message, no stack trace, nothing stored);
 *   - `rerun ID` through the real command: the stored env values, unmasked, and a new search.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../db";
import { hyperbayes, tempDir } from "../db/testing/user-cli";
import { HyperbayesError, UsageError } from "../lib/errors";
import { inferGoal } from "../lib/metrics/goal";
import { Rng } from "../lib/optimizer/rng";
import { exportSearchJson } from "../lib/search/export";
import { maskedSpec } from "../lib/search/rerun";
import { type SearchSpec, searchSpecSchema } from "../lib/search/spec";
import type { Search } from "../lib/search/types";
import { recordBadInput } from "../lib/testing/ledger";
import { parseSearchArgs, resolveSearch, type SearchBase } from "./_search-flags";

const cwd = tempDir();
const seed = () => 12345;

/** A spec as the CLI defines it from `argv`. */
function define(kind: "bayesian" | "grid" | "random", argv: string[]): SearchSpec {
  return resolveSearch(kind, parseSearchArgs(kind, argv), { randomSeed: seed }).spec;
}

/** The JSON an export writes of `spec`, as text (the real export function over a fake store). */
async function exportText(spec: SearchSpec): Promise<string> {
  const search: Search = {
    id: 7,
    kind: spec.kind,
    status: "complete",
    goal: spec.goal,
    spec,
    description: spec.description ?? null,
    createdAt: new Date(0),
    startedAt: null,
    endedAt: null,
    failureReason: null,
    stopRequested: "none",
    lease: null,
    best: null,
    notes: "",
  };
  const store = {
    getSearch: async () => search,
    listTrials: async () => [],
    exportMetricPoints: async function* () {},
  };
  return JSON.stringify(await exportSearchJson(store, 7), null, 2);
}

function baseOf(text: string, source = "s.json"): SearchBase {
  const json = JSON.parse(text) as { search: { spec: Record<string, unknown> } };
  return { source, spec: json.search.spec, masked: true };
}

function fromFile(kind: "bayesian" | "grid" | "random", text: string, argv: string[] = []) {
  return resolveSearch(kind, parseSearchArgs(kind, argv), {
    randomSeed: () => 999,
    base: baseOf(text),
  }).spec;
}

const cmd = ["--", "python", "train.py", "--lr", ":lr:", "--act", ":act:"];
const SEARCHES: [string, "bayesian" | "grid" | "random", string[]][] = [
  [
    "every setting of a bayesian search",
    "bayesian",
    [
      "--param",
      "lr=0.0001:0.1:log",
      "--json-param",
      'act=["relu,6","tanh"," x",""]',
      "--param",
      "units=16:512:log:int",
      "-n",
      "30",
      "-r",
      "3",
      "--metric",
      "keras/val_acc",
      "-a",
      "max",
      "--goal",
      "minimize",
      "--timeout",
      "2.5",
      "--stop-condition",
      "loss > 10:2 && keras/val_acc < 0.2",
      "--stop-condition",
      "loss >= 1e9",
      "-d",
      "a search, with ünïcode and 'quotes'",
      "--label",
      "cifar",
      "--label",
      "team a",
      "-e",
      "API_KEY=s3cret=with=equals ",
      "-e",
      "EMPTY=",
      "--seed",
      "42",
      "--acquisition",
      "ei",
      "--kappa",
      "1.5",
      "--max-failures",
      "4",
      "--cwd",
      cwd,
      "--",
      "python",
      "train.py",
      "--lr",
      ":lr:",
      "--act",
      ":act:",
      "--units",
      ":units:",
      "a b; $(c)",
    ],
  ],
  [
    "a grid over choices and an int range",
    "grid",
    ["--param", "lr=0.1,0.01,1e-7", "--param", "act=relu,tanh", "--metric", "loss", ...cmd],
  ],
  [
    "a random search with defaults only",
    "random",
    ["--param", "lr=-5:10", "--param", "act=1,2,3", "-n", "5", "--metric", "acc", ...cmd],
  ],
];

describe("export -> --from: the same spec", () => {
  it.each(SEARCHES)("%s", async (_, kind, argv) => {
    const spec = define(kind, ["--cwd", cwd, ...argv]);
    const text = await exportText(spec);
    const exported = JSON.parse(text).search;
    expect(exported.spec).toEqual(maskedSpec(spec));
    expect(exported.labels).toEqual(spec.labels);
    // No env value leaves in the export.
    for (const value of Object.values(spec.env))
      if (value !== "") expect(text).not.toContain(value);
    const again = Object.entries(spec.env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    expect(fromFile(kind, text, again)).toEqual(spec);
    // Read back again (an export of the rerun): still the same.
    expect(fromFile(kind, await exportText(fromFile(kind, text, again)), again)).toEqual(spec);
  });

  it("refuses masked values not given again, naming each", async () => {
    const spec = define("bayesian", ["--cwd", cwd, ...SEARCHES[0]![2]]);
    const text = await exportText(spec);
    expect(() => fromFile("bayesian", text)).toThrow(UsageError);
    expect(() => fromFile("bayesian", text, ["-e", "API_KEY=x"])).toThrow(
      /^s\.json: env "EMPTY": the value of EMPTY is masked in the export: give it again with -e EMPTY=VALUE$/,
    );
  });

  it("takes the flags given beside the file over it", async () => {
    const spec = define("bayesian", [
      "--cwd",
      cwd,
      "--param",
      "lr=0.001:1",
      "--param",
      "act=a,b",
      "-n",
      "8",
      "--metric",
      "loss",
      "-e",
      "A=1",
      "-e",
      "B=2",
      "--label",
      "old",
      ...cmd,
    ]);
    const text = await exportText(spec);
    const got = fromFile("random", text, [
      "-e",
      "A=one",
      "-e",
      "B=two",
      "-e",
      "C=3",
      "-n",
      "3",
      "--label",
      "new",
      "--param",
      "lr=1:2",
      "--param",
      "act=z",
    ]);
    expect(got.kind).toBe("random");
    expect(got.numRuns).toBe(3);
    expect(got.labels).toEqual(["new"]);
    expect(got.env).toEqual({ A: "one", B: "two", C: "3" });
    expect(got.params.map((p) => p.name)).toEqual(["lr", "act"]);
    expect(got.params[0]).toMatchObject({ min: 1, max: 2 });
    expect(got.seed).toBe(spec.seed);
    expect(got.command).toEqual(spec.command);
    const cmdOver = fromFile("bayesian", text, [
      "-e",
      "A=1",
      "-e",
      "B=2",
      "--",
      "echo",
      ":lr:",
      ":act:",
    ]);
    expect(cmdOver.command).toEqual(["echo", ":lr:", ":act:"]);
  });
});

describe("defaults that derive from a flag given beside the file", () => {
  const METRICS = ["loss", "val_acc", "keras/val_loss", "f1", "top5Error"];
  it("-n derives max-failures again and --metric the goal, unless the file set them (300 draws)", async () => {
    const rng = new Rng(11);
    const between = (lo: number, hi: number) => lo + rng.int(hi - lo + 1);
    const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)] as T;
    const lrCmd = ["--", "python", "train.py", "--lr", ":lr:"];
    for (let i = 0; i < 300; i++) {
      const n = between(1, 30);
      const metric = pick(METRICS);
      const argv = ["--cwd", cwd, "--param", "lr=0.001:1", "-n", String(n), "--metric", metric];
      // The file's max-failures: the default, a value typed (possibly equal to -n), or none.
      const setMax = pick([undefined, n, between(1, 30)]);
      if (setMax !== undefined) argv.push("--max-failures", String(setMax));
      const setGoal = pick([undefined, "maximize", "minimize"] as const);
      if (setGoal !== undefined) argv.push("--goal", setGoal);
      const spec = define("bayesian", [...argv, ...lrCmd]);
      const text = await exportText(spec);

      const over: string[] = [];
      const newN = pick([undefined, between(1, 60)]);
      if (newN !== undefined) over.push("-n", String(newN));
      const newMax = pick([undefined, undefined, between(1, 60)]);
      if (newMax !== undefined) over.push("--max-failures", String(newMax));
      const newMetric = pick([undefined, ...METRICS]);
      if (newMetric !== undefined) over.push("--metric", newMetric);
      const newGoal = pick([undefined, undefined, "maximize", "minimize"] as const);
      if (newGoal !== undefined) over.push("--goal", newGoal);
      const got = fromFile("bayesian", text, over);

      const where = `file ${argv.join(" ")}; flags ${over.join(" ")}`;
      expect(got.numRuns, where).toBe(newN ?? n);
      // The file's value is kept when it differs from what its default gave; a value equal to
      // the default is the default (rederived), which is what it would have been anyway.
      const fileMaxSet = spec.maxFailures !== n;
      expect(got.maxFailures, where).toBe(
        newMax ?? (newN !== undefined && !fileMaxSet ? newN : spec.maxFailures),
      );
      const fileGoalSet = spec.goal !== inferGoal(metric);
      expect(got.goal, where).toBe(
        newGoal ?? (newMetric !== undefined && !fileGoalSet ? inferGoal(newMetric) : spec.goal),
      );
      expect(got.metric).toBe(newMetric ?? metric);
      expect(got.seed).toBe(spec.seed);
    }
  });
});

/** JSON paths of every value in `v`. */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) out.push(...paths(x, [...at, i]));
  } else if (v !== null && typeof v === "object")
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

const JUNK: unknown[] = [
  null,
  "",
  "x",
  "\u0000",
  "\ud800",
  -1,
  0,
  1.5,
  1e308,
  -1e308,
  2 ** 53 + 2,
  true,
  [],
  {},
  [null],
  { kind: "range" },
  "=HYPERLINK(1)",
  "\u001b[2J",
  "a".repeat(5000),
  [[[[[]]]]],
];

describe("hostile files: a field naming every refusal", () => {
  it("400 random mutations of a real export: a valid spec or a UsageError naming the file", async () => {
    const spec = define("bayesian", ["--cwd", cwd, ...SEARCHES[0]![2]]);
    const text = await exportText(spec);
    const again = Object.entries(spec.env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    const rng = new Rng(11);
    let refused = 0;
    for (let round = 0; round < 400; round++) {
      const file = JSON.parse(text);
      const all = paths(file.search.spec, ["search", "spec"]).slice(1);
      const edits = 1 + rng.int(3);
      for (let e = 0; e < edits; e++) {
        const path = all[rng.int(all.length)]!;
        let parent = file;
        for (const k of path.slice(0, -1)) parent = parent?.[k];
        if (parent === null || typeof parent !== "object") continue;
        const last = path[path.length - 1]!;
        if (rng.uniform() < 0.2) delete parent[last];
        else parent[last] = JUNK[rng.int(JUNK.length)];
      }
      const context = `round ${round}: ${JSON.stringify(file.search.spec).slice(0, 400)}`;
      try {
        const got = fromFile("bayesian", JSON.stringify(file), again);
        expect(searchSpecSchema.safeParse(got).success, context).toBe(true);
      } catch (err) {
        refused++;
        expect(err, context).toBeInstanceOf(HyperbayesError);
        expect((err as HyperbayesError).code, context).toBe("usage");
        for (const line of (err as Error).message.split("\n"))
          expect(line, context).toMatch(
            /^(s\.json: [\w"[\].]+|--[a-z-]+|parameter|the trial's command)/,
          );
      }
    }
    recordBadInput("--from: random mutations of an export", refused);
    expect(refused).toBeGreaterThan(300);
  });

  const cliHome = tempDir();
  const files: [string, string, RegExp][] = [
    ["not JSON", "{ search: ", /--from .*bad\.json: not JSON \(/],
    ["an array", "[1,2]", /--from .*bad\.json: the file: .*\(an export has search\.spec\)/],
    ["no spec", '{"search":{"id":3}}', /--from .*bad\.json: search\.spec: /],
    [
      "a negative number of runs",
      JSON.stringify({ search: { spec: { kind: "bayesian", numRuns: -3 } } }),
      /bad\.json: numRuns must be at least 1, got -3/,
    ],
    [
      "a parameter with a string bound",
      JSON.stringify({
        search: {
          spec: {
            params: [{ kind: "range", name: "x", min: "zero", max: 1 }],
            command: ["echo", ":x:"],
            metric: "loss",
            numRuns: 2,
            cwd,
          },
        },
      }),
      /bad\.json: params\[0\]\.min: /,
    ],
    [
      "a command that is not a list",
      JSON.stringify({ search: { spec: { command: "rm -rf /" } } }),
      /bad\.json: command is missing/,
    ],
  ];
  it.each(files)("through the real command: %s", async (what, content, says) => {
    recordBadInput(`--from: ${what}`);
    const file = join(tempDir(), "bad.json");
    writeFileSync(file, content);
    const run = await hyperbayes(["bayesian", "--from", file], { HYPERBAYES_HOME: cliHome });
    const context = JSON.stringify(run);
    expect(run.code, context).toBe(2);
    expect(run.stdout, context).toBe("");
    expect(run.stderr, context).toMatch(says);
    expect(run.stderr, context).not.toMatch(/\n\s+at |node_modules|usage:/);
  });

  it("a missing file and a folder", async () => {
    for (const [file, says] of [
      ["/no/such.json", /cannot read it \(no such file\)/],
      [tempDir(), /cannot read it \(it is a folder\)/],
    ] as const) {
      const run = await hyperbayes(["bayesian", "--from", file], { HYPERBAYES_HOME: cliHome });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(says);
    }
    const store = await openSqliteStore(join(cliHome, "hyperbayes.db"));
    try {
      expect(await store.countSearches()).toBe(0);
    } finally {
      await store.close();
    }
  });
});

describe("the real command: export, --from, rerun", () => {
  it("runs a search again from its export and from the store, env values kept out of the file", async () => {
    const home = tempDir();
    const env = { HYPERBAYES_HOME: home };
    const first = await hyperbayes(
      [
        "random",
        "--param",
        "x=1,2,3",
        "-n",
        "2",
        "--metric",
        "v",
        "--seed",
        "5",
        "-e",
        "TOKEN=abc123",
        "--label",
        "l1",
        "--cwd",
        cwd,
        "--",
        "sh",
        "-c",
        'echo "v=:x: token=$TOKEN"',
      ],
      env,
    );
    expect(first.code, JSON.stringify(first)).toBe(0);
    const file = join(tempDir(), "s1.json");
    expect((await hyperbayes(["export", "1", "-o", file], env)).code).toBe(0);
    const masked = await hyperbayes(["random", "--from", file], env);
    expect(masked.code).toBe(2);
    expect(masked.stderr).toMatch(/env "TOKEN": the value of TOKEN is masked/);
    const fromFile = await hyperbayes(["random", "--from", file, "-e", "TOKEN=abc123"], env);
    expect(fromFile.code, JSON.stringify(fromFile)).toBe(0);
    const rerun = await hyperbayes(["rerun", "1", "-n", "1"], env);
    expect(rerun.code, JSON.stringify(rerun)).toBe(0);
    expect(rerun.stdout).toMatch(/^search 3: random, 1 trial, /m);
    const store = await openSqliteStore(join(home, "hyperbayes.db"));
    try {
      const [one, two, three] = await Promise.all([1, 2, 3].map((id) => store.getSearch(id)));
      expect(two?.spec).toEqual(one?.spec);
      // -n 1 brings the default max-failures (the number of runs) along.
      expect(three?.spec).toEqual({ ...one?.spec, numRuns: 1, maxFailures: 1 });
      expect(three?.spec.env).toEqual({ TOKEN: "abc123" });
      // The same seed and space: the same values, in the same order.
      const values = async (id: number) => (await store.listTrials(id)).map((t) => t.params.x);
      expect(await values(2)).toEqual(await values(1));
      expect((await values(3))[0]).toEqual((await values(1))[0]);
    } finally {
      await store.close();
    }
    const bad = await hyperbayes(["rerun", "99"], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/search 99 does not exist/);
    expect(JSON.stringify(await hyperbayes(["export", "1"], env))).not.toContain("abc123");
  }, 60_000);
});
