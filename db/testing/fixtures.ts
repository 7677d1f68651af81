/** Valid search specs for store tests, built the way the CLI would resolve them. */
import type { SearchSpec } from "../../lib/search/spec";

export function makeSpec(overrides: Partial<SearchSpec> = {}): SearchSpec {
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
