/**
 * A setting that another setting's value leaves unused (`appliesWith` in the settings table) is
 * kept, with a warning, when it was given other than its default: `--reduction-factor 4` without
 * `--early-stop asha` would otherwise be taken without a word, and the search would run without
 * the early stopping its author meant to tune. The CLI (defineSearch's warnings) and the form
 * (the same, placed at the field) say the same.
 */
import { describe, expect, it } from "vitest";
import { checkSearchForm, defaultFormValues } from "../console/search-form";
import { defineSearch, type SearchInput } from "./define";
import { SETTING_ROWS, settingOf } from "./settings";

const base: SearchInput = {
  kind: "bayesian",
  params: [{ flag: "--param", text: "x=0:1" }],
  cwd: "/tmp",
  command: ["run", ":x:"],
  metric: "loss",
  numRuns: "3",
  seed: "7",
};

const warningsOf = (input: Partial<SearchInput>) => {
  const defined = defineSearch({ ...base, ...input } as SearchInput);
  expect(defined.ok).toBe(true);
  return defined.warnings.map((w) => `${String(w.path[0])}: ${w.message}`);
};

describe("a setting given where another's value leaves it unused", () => {
  it.each([
    [{ reductionFactor: "4" }, ["reductionFactor: only applies with --early-stop asha"]],
    [
      { earlyStop: "median", reductionFactor: "4", numRuns: "4" },
      ["reductionFactor: only applies with --early-stop asha"],
    ],
    [
      { earlyStopMinSteps: "2" },
      ["earlyStopMinSteps: only applies with --early-stop median or asha"],
    ],
    [
      { earlyStop: "none", earlyStopMinSteps: "2", reductionFactor: "5" },
      [
        "earlyStopMinSteps: only applies with --early-stop median or asha",
        "reductionFactor: only applies with --early-stop asha",
      ],
    ],
    [{ acquisition: "ei", kappa: "2" }, ["kappa: only applies with --acquisition ucb"]],
    // Used: no warning.
    [{ earlyStop: "asha", earlyStopMinSteps: "2", reductionFactor: "4" }, []],
    [{ earlyStop: "median", earlyStopMinSteps: "2", numRuns: "4" }, []],
    [{ kappa: "2" }, []],
    // Its default, written out or not, changes nothing either way (the form sends defaults).
    [{ reductionFactor: "3" }, []],
    [{ reductionFactor: " 3 " }, []],
    [{ earlyStopMinSteps: "1" }, []],
  ] as [Partial<SearchInput>, string[]][])("%j warns %j", (input, expected) => {
    expect(warningsOf(input)).toEqual(expected);
  });

  it.each([
    [
      { earlyStop: "median", numRuns: "3" },
      [
        "earlyStop: median never prunes with 3 runs: it judges a trial once 3 other trials reached its step",
      ],
    ],
    [{ earlyStop: "median", numRuns: "4" }, []],
    [
      { earlyStop: "asha", numRuns: "1" },
      ["earlyStop: asha never prunes with 1 run: the first trial at a rung always goes on"],
    ],
    [{ earlyStop: "asha", numRuns: "2" }, []],
    [{ earlyStop: "none", numRuns: "1" }, []],
    // A grid's runs are its points when fewer.
    [
      {
        kind: "grid",
        params: [{ flag: "--param", text: "x=1,2" }],
        earlyStop: "median",
        numRuns: "10",
      },
      [
        "earlyStop: median never prunes with 2 runs: it judges a trial once 3 other trials reached its step",
      ],
    ],
  ] as [Partial<SearchInput>, string[]][])(
    "early stopping that can never prune: %j warns %j",
    (input, expected) => {
      expect(warningsOf(input)).toEqual(expected);
    },
  );

  it("keeps the value in the spec (a rerun with --early-stop asha finds it)", () => {
    const defined = defineSearch({ ...base, reductionFactor: "4" });
    expect(defined.ok && defined.spec).toMatchObject({ earlyStop: "none", reductionFactor: 4 });
  });

  it("leaves a bad value to its own error, not a warning", () => {
    const defined = defineSearch({ ...base, reductionFactor: "1" });
    expect(defined.ok).toBe(false);
    expect(defined.warnings).toEqual([]);
  });

  it("the form places the same warning at the field, and none for its defaults", () => {
    const values = {
      ...defaultFormValues("/tmp"),
      params: [
        {
          name: "x",
          kind: "range",
          min: "0",
          max: "1",
          scale: "linear",
          type: "float",
          values: "",
        },
      ],
      command: "run :x:",
      metric: "loss",
    } as ReturnType<typeof defaultFormValues>;
    expect(checkSearchForm(values).warnings).toEqual({});
    const check = checkSearchForm({ ...values, reductionFactor: "4" });
    expect(check.spec).toBeDefined();
    expect(check.warnings.reductionFactor).toEqual([
      expect.stringContaining("only applies with --early-stop asha"),
    ]);
  });

  it("names settings that exist, by values they can take", () => {
    for (const [, row] of SETTING_ROWS) {
      const w = row.appliesWith;
      if (!w) continue;
      const other = settingOf(w.key);
      expect(other?.input).toBe("text");
      const choices = other?.input === "text" ? Object.keys(other.choices ?? {}) : [];
      for (const v of w.values) expect(choices).toContain(v);
    }
  });
});
