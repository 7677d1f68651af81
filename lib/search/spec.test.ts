/**
 * The spec's own rules, the ones that catch values the flags and the form let through but that
 * would break a search later (at spawn, in PostgreSQL, in an export): text no process can take,
 * variables Hyperbayes sets itself, names that collide with a table's columns, a timeout no
 * executor can count to.
 */
import { describe, expect, it } from "vitest";
import { Rng } from "../optimizer/rng";
import { recordBadInput } from "../testing/ledger";
import {
  envKeyProblem,
  MAX_TIMEOUT_MINUTES,
  type SearchSpec,
  searchSpecSchema,
  TRIAL_COLUMNS,
} from "./spec";

/** A valid spec, the way the CLI would resolve one (lib/ takes nothing from db/, fixtures included). */
function makeSpec(overrides: Partial<SearchSpec> = {}): SearchSpec {
  return {
    kind: "bayesian",
    params: [
      { kind: "range", name: "lr", min: 1e-4, max: 1, scale: "log", type: "float" },
      { kind: "range", name: "units", min: 16, max: 512, scale: "linear", type: "int" },
      { kind: "choice", name: "opt", values: ["adam", "sgd", 3] },
    ],
    command: ["python", "train.py", "--lr", ":lr:", "--units", ":units:", "--opt", ":opt:"],
    cwd: "/tmp",
    numRuns: 10,
    parallelRuns: 2,
    metric: "keras/val_acc",
    metricAgg: "last",
    goal: "maximize",
    machineType: "cpu",
    env: { SEED_NOTE: "a b; $(c)" },
    stopConditions: [{ metric: "loss", op: "<", value: 0.01, minStep: 2 }],
    labels: ["test"],
    seed: 7,
    acquisition: "ucb",
    earlyStop: "none",
    earlyStopMinSteps: 1,
    reductionFactor: 3,
    stopGraceSeconds: 10,
    maxFailures: 3,
    ...overrides,
  };
}

const issuesOf = (spec: unknown) =>
  searchSpecSchema.safeParse(spec).error?.issues.map((i) => ({
    path: i.path.join("."),
    message: i.message,
  })) ?? [];

/** Each string field of a spec, as a way to put `text` there and the path it must be named by. */
const PLACES: [string, (spec: SearchSpec, text: string) => SearchSpec][] = [
  ["command.1", (s, t) => ({ ...s, command: [s.command[0]!, t, ...s.command.slice(2)] })],
  ["cwd", (s, t) => ({ ...s, cwd: `/tmp/${t}` })],
  ["env.SEED_NOTE", (s, t) => ({ ...s, env: { SEED_NOTE: t } })],
  ["description", (s, t) => ({ ...s, description: t })],
  ["labels.0", (s, t) => ({ ...s, labels: [t] })],
  ["machineType", (s, t) => ({ ...s, machineType: `gpu${t}` })],
  ["metric", (s, t) => ({ ...s, metric: `m${t}` })],
  [
    "stopConditions.0.metric",
    (s, t) => ({ ...s, stopConditions: [{ ...s.stopConditions[0]!, metric: `m${t}` }] }),
  ],
  [
    "params.2.values.0",
    (s, t) => ({
      ...s,
      params: [...s.params.slice(0, 2), { kind: "choice", name: "opt", values: [t, "sgd"] }],
    }),
  ],
];

describe("searchSpecSchema: text every process and store can take", () => {
  it("names the field of a NUL byte or a lone surrogate, wherever it is", () => {
    const seed = Date.now();
    const rng = new Rng(seed);
    for (let i = 0; i < 300; i++) {
      const [path, put] = PLACES[rng.int(PLACES.length)]!;
      const bad = ["\u0000", "\ud800", "\udc00"][rng.int(3)]!;
      const text = `${"ab".repeat(rng.int(3))}${bad}${"é😀".repeat(rng.int(2))}`;
      const issues = issuesOf(put(makeSpec(), text));
      const context = `seed ${seed}: ${path} = ${JSON.stringify(text)}: ${JSON.stringify(issues)}`;
      expect(
        issues.some((x) => x.path === path && /NUL byte|lone UTF-16 surrogate/.test(x.message)),
        context,
      ).toBe(true);
    }
    recordBadInput("spec text with a NUL byte or a lone surrogate", 300);
    for (const [, put] of PLACES) expect(issuesOf(put(makeSpec(), "ok_é😀"))).toEqual([]);
  });

  it("names an env key with a NUL byte", () => {
    recordBadInput("env key with a NUL byte");
    expect(issuesOf(makeSpec({ env: { "A\u0000B": "1" } }))).toContainEqual({
      path: "env.A\u0000B",
      message: expect.stringMatching(/a variable name holds letters/),
    });
  });
});

describe("searchSpecSchema: names Hyperbayes uses itself", () => {
  it("refuses the variables it sets for each trial, and only those", () => {
    for (const key of [
      "HYPERBAYES_TRIAL",
      "HYPERBAYES_METRICS_FILE",
      "HYPERBAYES_X",
      "CUDA_VISIBLE_DEVICES",
    ]) {
      recordBadInput(`env key ${key}`);
      expect(envKeyProblem(key)).toMatch(/is set by Hyperbayes for each trial/);
      expect(issuesOf(makeSpec({ env: { [key]: "0" } }))).toEqual([
        {
          path: `env.${key}`,
          message: `${key} is set by Hyperbayes for each trial; it cannot be given`,
        },
      ]);
    }
    for (const key of ["PATH", "CUDA_DEVICE_ORDER", "hyperbayes_x", "_X1", "NODE_OPTIONS"])
      expect(envKeyProblem(key), key).toBeUndefined();
    for (const key of ["", "1A", "A-B", "A=B", "A B"])
      expect(envKeyProblem(key), key).toBeDefined();
  });

  it("refuses a parameter named like the metric or a fixed column of the trials table", () => {
    const named = (name: string, metric = "val_acc") =>
      makeSpec({
        metric,
        params: [{ kind: "range", name, min: 0, max: 1, scale: "linear", type: "float" }],
        command: ["run", `:${name}:`],
      });
    for (const column of TRIAL_COLUMNS) {
      recordBadInput(`parameter named ${column}`);
      expect(issuesOf(named(column))).toEqual([
        {
          path: "params.0.name",
          message: expect.stringMatching(/names a column every trials table has/),
        },
      ]);
    }
    recordBadInput("parameter named like the metric");
    expect(issuesOf(named("loss", "loss"))).toEqual([
      { path: "params.0.name", message: expect.stringMatching(/has the metric's name/) },
    ]);
    // Near misses are fine: only the very names collide.
    for (const name of ["Status", "trials", "lossy", "reason_code"])
      expect(issuesOf(named(name, "loss"))).toEqual([]);
  });
});

describe("searchSpecSchema: a timeout the executors can count to", () => {
  it("takes up to a year, no more", () => {
    expect(issuesOf(makeSpec({ timeoutMinutes: MAX_TIMEOUT_MINUTES }))).toEqual([]);
    for (const t of [MAX_TIMEOUT_MINUTES + 1, 1e308]) {
      recordBadInput(`timeout ${t} minutes`);
      expect(issuesOf(makeSpec({ timeoutMinutes: t })).map((x) => x.path)).toEqual([
        "timeoutMinutes",
      ]);
    }
  });
});
