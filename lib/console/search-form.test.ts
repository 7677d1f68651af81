import { describe, expect, it } from "vitest";
import { parseSearchArgs, resolveSearch } from "../../cli/_search-flags";
import { UsageError } from "../errors";
import type { SearchKind } from "../search/spec";
import { recordBadInput } from "../testing/ledger";
import {
  checkSearchForm,
  defaultFormValues,
  type ParamRow,
  type SearchFormValues,
  searchFormSchema,
} from "./search-form";
import { splitShellWords } from "./shell-words";

const range = (
  name: string,
  min: string,
  max: string,
  extra: Partial<ParamRow> = {},
): ParamRow => ({
  name,
  kind: "range",
  min,
  max,
  scale: "linear",
  type: "float",
  values: "",
  ...extra,
});
const choice = (name: string, values: string): ParamRow => ({
  ...range(name, "", ""),
  kind: "choice",
  values,
});

function form(patch: Partial<SearchFormValues>): SearchFormValues {
  return {
    ...defaultFormValues("/tmp"),
    params: [range("lr", "0.0001", "0.1", { scale: "log" }), choice("opt", "adam, sgd")],
    command: "python train.py --lr :lr: --opt=:opt:",
    metric: "val_loss",
    numRuns: "12",
    parallelRuns: "3",
    seed: "7",
    ...patch,
  };
}

/** The spec the CLI builds from the form's own equivalent command. */
function cliSpec(command: string) {
  const split = splitShellWords(command);
  if (!split.ok) throw new Error(split.error);
  const [bin, kind, ...args] = split.argv;
  expect(bin).toBe("hyperbayes");
  return resolveSearch(kind as SearchKind, parseSearchArgs(kind as SearchKind, args), {
    randomSeed: () => 1,
  }).spec;
}

describe("checkSearchForm", () => {
  it("builds the same spec as the CLI given the equivalent command", () => {
    const cases: Partial<SearchFormValues>[] = [
      {},
      {
        kind: "random",
        goal: "maximize",
        metricAgg: "max",
        timeoutMinutes: "2.5",
        stopConditions: ["val_loss > 5:3", "val_loss < 0.1 && epoch >= 2"],
        description: 'it\'s a "test" with $HOME and spaces',
        env: "A=1\nB=two words",
        labels: "x, y",
        acquisition: "ei",
        maxFailures: "4",
        machineType: "K80",
      },
      {
        kind: "grid",
        numRuns: "",
        params: [
          choice("a", "1, 2, 3"),
          choice("b", '["x,y", "z"]'),
          range("n", "1", "3", { type: "int" }),
        ],
        command: "sh -c 'echo :a: :b: :n:'",
      },
      {
        kind: "bayesian",
        kappa: "2.5",
        params: [range("x", "-5", "10"), choice("s", "a:b")],
        command: "run :x: :s:",
      },
    ];
    for (const patch of cases) {
      const check = checkSearchForm(form(patch));
      expect(check.errors).toEqual({});
      expect(check.spec).toBeDefined();
      expect(cliSpec(check.command)).toEqual(check.spec);
      expect(cliSpec(check.commandLines)).toEqual(check.spec);
    }
  });

  it("infers the goal from the metric's name, as the CLI does", () => {
    expect(checkSearchForm(form({ metric: "keras/val_loss" })).goal).toEqual({
      goal: "minimize",
      inferred: true,
    });
    expect(checkSearchForm(form({ metric: "val_acc" })).goal?.goal).toBe("maximize");
    expect(checkSearchForm(form({ metric: "val_acc", goal: "minimize" })).goal).toEqual({
      goal: "minimize",
      inferred: false,
    });
  });

  it("places range mistakes at the bound they concern", () => {
    const check = checkSearchForm(
      form({
        params: [
          range("a", "5", "1"),
          range("b", "0", "1", { scale: "log" }),
          range("c", "x", ""),
          range("d", "0.5", "3", { type: "int" }),
        ],
        command: "run :a: :b: :c: :d:",
      }),
    );
    expect(check.spec).toBeUndefined();
    expect(check.errors["params.0.max"]?.[0]).toMatch(/MIN must be below MAX/);
    expect(check.errors["params.1.min"]?.[0]).toMatch(/log scale needs MIN > 0/);
    expect(check.errors["params.2.min"]?.[0]).toMatch(/"x" is not a number/);
    expect(check.errors["params.2.max"]?.[0]).toMatch(/max is required/);
    expect(check.errors["params.3.min"]?.[0]).toMatch(/integer bounds/);
  });

  it("reports unknown placeholders at the command and unused parameters at the parameter", () => {
    const check = checkSearchForm(
      form({
        params: [range("lr", "0.1", "1"), range("unused", "0", "1")],
        command: "run --lr :lr: --m :mom:",
      }),
    );
    expect(check.errors.command?.[0]).toMatch(/:mom: in the command has no --param mom/);
    expect(check.warnings["params.1.name"]?.[0]).toMatch(/unused is never used/);
    expect(check.warnings["params.0.name"]).toBeUndefined();
  });

  it("rejects duplicate names, bad names, empty choices and duplicate choices", () => {
    const check = checkSearchForm(
      form({
        params: [
          range("lr", "0", "1"),
          range("lr", "0", "2"),
          choice("9bad", "a"),
          choice("c", " "),
          choice("d", "a, a"),
        ],
        command: "run :lr:",
      }),
    );
    expect(check.errors["params.1.name"]?.[0]).toMatch(/defined twice/);
    expect(check.errors["params.2.name"]?.[0]).toMatch(/starts with a letter/);
    expect(check.errors["params.3.values"]?.[0]).toMatch(/at least one value/);
    expect(check.errors["params.4.values"]?.[0]).toMatch(/listed twice/);
  });

  it("checks the other fields with the CLI's rules", () => {
    const check = checkSearchForm(
      form({
        command: "run 'unclosed",
        cwd: "relative/dir",
        numRuns: "0",
        parallelRuns: "1.5",
        metric: "has space",
        timeoutMinutes: "-1",
        stopConditions: ["val_loss = 3"],
        env: "no equals sign",
        seed: "-1",
      }),
    );
    expect(Object.keys(check.errors).sort()).toEqual(
      [
        "command",
        "cwd",
        "env",
        "metric",
        "numRuns",
        "parallelRuns",
        "seed",
        "stopConditions.0",
        "timeoutMinutes",
      ].sort(),
    );
    expect(check.errors.stopConditions?.length ?? 0).toBe(0);
    expect(check.spec).toBeUndefined();
  });

  it("requires runs except for grid, whose default is every point", () => {
    expect(checkSearchForm(form({ numRuns: "" })).errors.numRuns).toBeDefined();
    const grid = checkSearchForm(
      form({
        kind: "grid",
        numRuns: "",
        params: [choice("a", "1,2,3"), choice("b", "x,y")],
        command: "r :a: :b:",
      }),
    );
    expect(grid.spec?.numRuns).toBe(6);
    const float = checkSearchForm(form({ kind: "grid", numRuns: "" }));
    expect(float.errors.params?.[0]).toMatch(/float range/);
  });

  it("draws the seed only when the field is blank", () => {
    expect(checkSearchForm(form({ seed: "" }), { randomSeed: () => 99 }).spec?.seed).toBe(99);
    expect(checkSearchForm(form({ seed: "5" }), { randomSeed: () => 99 }).spec?.seed).toBe(5);
  });

  it("caps what a submission may hold", () => {
    const many = Array.from({ length: 51 }, (_, i) => range(`p${i}`, "0", "1"));
    expect(searchFormSchema.safeParse(form({ params: many })).success).toBe(false);
    expect(searchFormSchema.safeParse(form({ command: "x".repeat(20_001) })).success).toBe(false);
    expect(
      searchFormSchema.safeParse(form({ stopConditions: Array(6).fill("a < 1") })).success,
    ).toBe(false);
    expect(searchFormSchema.safeParse(form({})).success).toBe(true);
  });
});

describe("checkSearchForm placement", () => {
  it("does not call a placeholder unknown when only its parameter's bounds are wrong", () => {
    const check = checkSearchForm(form({ params: [range("x", "5", "1")], command: "run :x:" }));
    expect(check.errors["params.0.max"]).toBeDefined();
    expect(check.errors.command).toBeUndefined();
  });
});

describe("checkSearchForm: values that would break a search later", () => {
  /** The CLI's verdict on the form's equivalent command: its UsageError, if it refuses it. */
  function cliRefusal(command: string): string | undefined {
    const split = splitShellWords(command);
    if (!split.ok) throw new Error(split.error);
    const [, kind, ...args] = split.argv;
    try {
      resolveSearch(kind as SearchKind, parseSearchArgs(kind as SearchKind, args), {
        randomSeed: () => 1,
      });
      return undefined;
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      return e.message;
    }
  }

  // [what, the form's values, the field that must say so, the words, the CLI's words or
  // undefined where no command line can hold the value (a NUL byte)]
  const cases: [string, Partial<SearchFormValues>, string, RegExp, RegExp | undefined][] = [
    [
      "a range whose width overflows",
      { params: [range("x", "-1e308", "1e308")], command: "run :x:" },
      "params.0.max",
      /too wide to compute with/,
      /--param x=-1e\+?308:1e\+?308: the range is too wide/,
    ],
    [
      "a range of denormals",
      { params: [range("x", "0", "5e-324")], command: "run :x:" },
      "params.0.max",
      /holds only 2 distinct numbers/,
      /holds only 2 distinct numbers/,
    ],
    [
      "an int range past 2^53",
      { params: [range("n", "0", "1e300", { type: "int" })], command: "run :n:" },
      "params.0.max",
      /int range bounds must lie within/,
      /int range bounds must lie within/,
    ],
    [
      "a choice too large for a number",
      { params: [choice("c", "1, 1e309")], command: "run :c:" },
      "params.0.values",
      /\(1e309\) is too large for a number/,
      /\(1e309\) is too large for a number/,
    ],
    [
      "a NUL byte in a JSON choice",
      { params: [choice("c", '["a\\u0000b", "x"]')], command: "run :c:" },
      "params.0.values",
      /holds a NUL byte/,
      /--json-param c=.*holds a NUL byte/,
    ],
    [
      "a lone surrogate in a JSON choice",
      { params: [choice("c", '["\\ud800"]')], command: "run :c:" },
      "params.0.values",
      /lone UTF-16 surrogate/,
      /lone UTF-16 surrogate/,
    ],
    [
      "CUDA_VISIBLE_DEVICES in the environment",
      { env: "A=1\nCUDA_VISIBLE_DEVICES=0" },
      "env",
      /CUDA_VISIBLE_DEVICES is set by Hyperbayes for each trial/,
      /--env "CUDA_VISIBLE_DEVICES=0": CUDA_VISIBLE_DEVICES is set by Hyperbayes/,
    ],
    [
      "a HYPERBAYES_ variable in the environment",
      { env: "HYPERBAYES_TRIAL=7" },
      "env",
      /HYPERBAYES_TRIAL is set by Hyperbayes/,
      /--env "HYPERBAYES_TRIAL=7"/,
    ],
    [
      "a timeout past a year",
      { timeoutMinutes: "1e308" },
      "timeoutMinutes",
      /at most 525600/,
      /--timeout must be at most 525600/,
    ],
    [
      "a parameter named like a column of the trials table",
      { params: [range("status", "0", "1")], command: "run :status:" },
      "params.0.name",
      /names a column every trials table has/,
      /--param status: "status" names a column/,
    ],
    [
      // The spec lists --param before --json-param: the message must still find its row.
      "a parameter named like the metric, after a JSON choice",
      {
        params: [choice("c", '["a,b"]'), range("val_loss", "0", "1")],
        command: "run :c: :val_loss:",
      },
      "params.1.name",
      /has the metric's name/,
      /--param val_loss: parameter "val_loss" has the metric's name/,
    ],
    [
      "a NUL byte in the command",
      { command: "run :lr: :opt: a\u0000b" },
      "command",
      /NUL byte/,
      undefined,
    ],
    ["a NUL byte in an env value", { env: "A=x\u0000y" }, "env", /NUL byte/, undefined],
    [
      "a NUL byte in the description",
      { description: "a\u0000b" },
      "description",
      /NUL byte/,
      undefined,
    ],
    ["a NUL byte in the working directory", { cwd: "/tmp/a\u0000b" }, "cwd", /NUL byte/, undefined],
  ];

  it.each(cases)(
    "%s: refused at its field, as the CLI refuses it",
    (what, patch, field, says, cli) => {
      recordBadInput(`search form: ${what}`);
      const check = checkSearchForm(form(patch));
      expect(check.spec).toBeUndefined();
      expect(check.errors[field]?.join("\n"), JSON.stringify(check.errors)).toMatch(says);
      if (cli !== undefined) expect(cliRefusal(check.command)).toMatch(cli);
    },
  );
});

describe("checkSearchForm: the equivalent command", () => {
  it("writes a value that starts with a dash after = so the CLI reads it as the value", () => {
    recordBadInput("search form: a value that starts with a dash");
    const check = checkSearchForm(form({ description: "-n 5 is not a flag", labels: "-x, y" }));
    expect(check.errors).toEqual({});
    expect(check.command).toContain("'--description=-n 5 is not a flag'");
    expect(cliSpec(check.command)).toEqual(check.spec);
    expect(check.spec?.labels).toEqual(["-x", "y"]);
  });

  it("leaves out what does not apply to the kind, and what holds its default", () => {
    const check = checkSearchForm(
      form({ kind: "random", kappa: "2", acquisition: "ei", parallelRuns: "1", metricAgg: "last" }),
    );
    expect(check.errors).toEqual({});
    expect(check.command).not.toMatch(/--kappa|--acquisition|--parallel-runs|--metric-agg/);
    expect(check.spec?.kappa).toBeUndefined();
    expect(cliSpec(check.command)).toEqual(check.spec);
  });
});
