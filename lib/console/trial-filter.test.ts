import { describe, expect, it } from "vitest";
import { Rng } from "../optimizer/rng";
import { type TrialStatus, trialStatusSchema } from "../search/status";
import type { ParamSpec } from "../space/schema";
import { recordBadInput } from "../testing/ledger";
import { type FilterColumns, matchesFilter, parseTrialFilter } from "./trial-filter";
import type { TrialRow } from "./views";

const space: ParamSpec[] = [
  { kind: "range", name: "x", min: 0, max: 20, scale: "linear", type: "float" },
  { kind: "range", name: "learning_rate", min: 1e-5, max: 1, scale: "log", type: "float" },
  { kind: "choice", name: "optimizer", values: ["adam", "sgd", "rmsprop"] },
  { kind: "choice", name: "batch", values: [16, 32, 64] },
] as ParamSpec[];
const columns: FilterColumns = { space, metric: "val_loss" };

const row = (n: number, over: Partial<TrialRow> = {}): TrialRow => ({
  n,
  status: "complete",
  params: { x: 10, learning_rate: 0.01, optimizer: "adam", batch: 32 },
  value: 0.4,
  startedAt: 1000,
  endedAt: 2000,
  exitCode: 0,
  reason: null,
  jobId: null,
  firstStep: null,
  lastStep: null,
  ...over,
});

const matches = (query: string, r: TrialRow) => {
  const parsed = parseTrialFilter(query, columns);
  expect(parsed.issues).toEqual([]);
  return matchesFilter(r, parsed.terms);
};

describe("parseTrialFilter and matchesFilter", () => {
  it.each([
    ["x > 9", {}, true],
    ["x > 10", {}, false],
    ["x >= 10", {}, true],
    ["x<=9.5", {}, false],
    ["x = 10", {}, true],
    ["x != 10", {}, false],
    ["x == 10", {}, true],
    ["val_loss < 0.5", {}, true],
    ["value < 0.3", {}, false],
    ["learning_rate <= 1e-2", {}, true],
    ["learning_rate < 1e-3", {}, false],
    ["LEARNING_RATE < 1", {}, true],
    ["optimizer = adam", {}, true],
    ["optimizer = ADAM", {}, true],
    ["optimizer != adam", {}, false],
    ["optimizer = sgd", {}, false],
    ["batch > 16", {}, true],
    ["batch = 32", {}, true],
    ["status = complete", {}, true],
    ["status != failed", {}, true],
    ["status = failed", { status: "failed" as TrialStatus }, true],
    ["n > 3", {}, true],
    ["trial < 3", {}, false],
    ["x > 9 and val_loss < 0.5", {}, true],
    ["x > 9 AND val_loss < 0.3", {}, false],
    ["x > 9, optimizer = adam", {}, true],
    ["x > 9 && optimizer = sgd", {}, false],
    // Free text: the old filter, and combined with a condition.
    ["adam", {}, true],
    ["rmsprop", {}, false],
    ["#5", {}, true],
    ["adam, x < 11", {}, true],
    ["", {}, true],
    // A trial with no result satisfies no condition on the metric, != included.
    ["val_loss < 1", { value: null }, false],
    ["val_loss != 1", { value: null }, false],
    ["val_loss < 1", { status: "failed" as TrialStatus, value: 0.2 }, false],
    // A numeric choice against a word choice: only = and != can hold.
    ["optimizer != 3", {}, true],
    ["optimizer = 3", {}, false],
  ])("%s on a trial %j: %s", (query, over, expected) => {
    expect(matches(query, row(5, over))).toBe(expected);
  });

  it.each([
    ["x >", `"x >": a value is missing after ">"`],
    ["> 3", `"> 3": a column name is missing before ">"`],
    [
      "foo > 1",
      `"foo > 1": no column "foo"; the columns are x, learning_rate, optimizer, batch, val_loss, value, status, n`,
    ],
    ["x > abc", `"x > abc": "abc" is not a number (x is numeric)`],
    [
      "optimizer > adam",
      `"optimizer > adam": "adam" is not a number; a word takes = or != (optimizer = adam)`,
    ],
    [
      "status = done",
      `"status = done": no status "done"; the statuses are ${trialStatusSchema.options.join(", ")}`,
    ],
    ["status < 3", `"status < 3": status takes = or != (status = failed)`],
    ["x => 3", `"x => 3": "=>" is not a comparison; use one of < > <= >= = !=`],
    ["x > 3 > 4", `"x > 3 > 4": one comparison per term; join terms with "and"`],
  ])("%s is an issue naming the mistake", (query, message) => {
    recordBadInput(`trials filter: ${query}`);
    const parsed = parseTrialFilter(query, columns);
    expect(parsed.terms).toEqual([]);
    expect(parsed.issues.map((i) => `"${i.term}": ${i.message}`)).toEqual([message]);
  });

  it("keeps the good terms of a query with a bad one", () => {
    const parsed = parseTrialFilter("x > 9, foo > 1", columns);
    expect(parsed.issues.map((i) => i.term)).toEqual(["foo > 1"]);
    expect(parsed.terms).toHaveLength(1);
    expect(matchesFilter(row(1, { params: { x: 5 } }), parsed.terms)).toBe(false);
  });

  it("a parameter named like a built-in column wins", () => {
    const own: FilterColumns = {
      space: [
        { kind: "range", name: "n", min: 0, max: 1, scale: "linear", type: "float" },
      ] as ParamSpec[],
      metric: "loss",
    };
    const parsed = parseTrialFilter("n > 0.5", own);
    expect(matchesFilter(row(1, { params: { n: 0.7 } }), parsed.terms)).toBe(true);
    expect(matchesFilter(row(9, { params: { n: 0.2 } }), parsed.terms)).toBe(false);
  });

  it("agrees with a reference evaluation on random trials and random conditions", () => {
    const rng = new Rng(13);
    const statuses = trialStatusSchema.options;
    const ops = ["<", ">", "<=", ">=", "=", "!="] as const;
    const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)] as T;
    const reference = (a: number, op: (typeof ops)[number], b: number) =>
      ({ "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b, "=": a === b, "!=": a !== b })[op];
    for (let round = 0; round < 500; round++) {
      const trials = Array.from({ length: 30 }, (_, i) => {
        const status = pick(statuses);
        return row(i + 1, {
          status,
          // Values on a coarse grid so that = and != hit.
          value: rng.uniform() < 0.2 ? null : Math.round(rng.uniform() * 10) / 10,
          params: {
            x: Math.round(rng.uniform() * 20),
            learning_rate: 10 ** -rng.int(5),
            optimizer: pick(["adam", "sgd", "rmsprop"]),
            batch: pick([16, 32, 64]),
          },
        });
      });
      // Random conditions as data, written out as a user would, joined by a random separator.
      const conds = Array.from({ length: 1 + rng.int(3) }, () => {
        const column = pick([
          "x",
          "learning_rate",
          "val_loss",
          "n",
          "batch",
          "optimizer",
          "status",
        ]);
        if (column === "optimizer") {
          const op = pick(["=", "!="] as const);
          const v = pick(["adam", "sgd", "rmsprop"]);
          return {
            text: `${column} ${op} ${v}`,
            holds: (t: TrialRow) => (t.params.optimizer === v) === (op === "="),
          };
        }
        if (column === "status") {
          const op = pick(["=", "!="] as const);
          const v = pick(statuses);
          return {
            text: `status${op}${v}`,
            holds: (t: TrialRow) => (t.status === v) === (op === "="),
          };
        }
        const op = pick(ops);
        const v =
          column === "learning_rate"
            ? 10 ** -rng.int(5)
            : column === "val_loss"
              ? rng.int(11) / 10
              : rng.int(30);
        const text = `${column}${pick([" ", ""])}${op}${pick([" ", ""])}${column === "learning_rate" ? v.toExponential() : v}`;
        const holds = (t: TrialRow) => {
          const cell =
            column === "n"
              ? t.n
              : column === "val_loss"
                ? t.status === "complete"
                  ? t.value
                  : null
                : (t.params[column] as number);
          return cell !== null && reference(cell, op, v);
        };
        return { text, holds };
      });
      const query = conds.map((c) => c.text).join(pick([", ", " and ", " && ", ","]));
      const parsed = parseTrialFilter(query, columns);
      expect(parsed.issues, query).toEqual([]);
      for (const t of trials) {
        expect(matchesFilter(t, parsed.terms), `${query} on ${JSON.stringify(t)}`).toBe(
          conds.every((c) => c.holds(t)),
        );
      }
    }
  });
});
