import { describe, expect, it } from "vitest";
import type { TrialExit } from "../lib/executors/types";
import type { MetricPoint } from "../lib/metrics/stream";
import { reasonWithStderr, trialOutcome } from "./outcome";

const spec = { metric: "loss", metricAgg: "last" as const, timeoutMinutes: 2 };
const exit = (over: Partial<TrialExit> = {}): TrialExit => ({
  state: "exited",
  exitCode: 0,
  signal: null,
  endedAt: new Date(0),
  ...over,
});
const loss = (...values: number[]): MetricPoint[] =>
  values.map((value, step) => ({ name: "loss", step, value }));

describe("trialOutcome", () => {
  it("completes a clean exit with the aggregated metric", () => {
    expect(trialOutcome(exit(), loss(3, 2, 1), spec)).toEqual({
      status: "complete",
      value: 1,
      reason: null,
      observed: 1,
    });
    expect(trialOutcome(exit(), loss(3, 2, 1), { ...spec, metricAgg: "max" }).value).toBe(3);
  });

  it("fails a clean exit without the metric, or with NaN, naming why", () => {
    const missing = trialOutcome(exit(), [{ name: "acc", step: 0, value: 1 }], spec);
    expect(missing).toMatchObject({ status: "failed", value: null, observed: null });
    expect(missing.reason).toMatch(/never reported.*acc/);
    const nan = trialOutcome(exit(), loss(1, Number.NaN), spec);
    expect(nan).toMatchObject({ status: "failed", value: null });
    expect(nan.reason).toMatch(/NaN/);
  });

  it("fails a non-zero exit or a signal, keeping the value for display but not for the optimizer", () => {
    expect(trialOutcome(exit({ exitCode: 3 }), loss(5), spec)).toEqual({
      status: "failed",
      value: 5,
      reason: "exit code 3",
      observed: null,
    });
    expect(trialOutcome(exit({ exitCode: null, signal: "SIGSEGV" }), [], spec).reason).toBe(
      "killed by SIGSEGV",
    );
    expect(
      trialOutcome(exit({ exitCode: 127, message: "command not found: pyhton" }), [], spec).reason,
    ).toBe("command not found: pyhton");
  });

  it("maps every exit reason to its status", () => {
    expect(
      trialOutcome(exit({ reason: "timeout", exitCode: null, signal: "SIGTERM" }), loss(2), spec),
    ).toMatchObject({
      status: "timeout",
      value: 2,
      observed: null,
    });
    expect(
      trialOutcome(
        exit({ reason: "timeout", message: "Slurm job 7 TIMEOUT (TimeLimit)" }),
        [],
        spec,
      ).reason,
    ).toBe("ran past the 2 minute timeout: Slurm job 7 TIMEOUT (TimeLimit)");
    expect(trialOutcome(exit({ reason: "stopped" }), loss(2), spec)).toMatchObject({
      status: "stopped",
      value: 2,
      observed: 2,
    });
    expect(trialOutcome(exit({ reason: "killed" }), loss(2), spec)).toMatchObject({
      status: "killed",
      value: null,
    });
    expect(
      trialOutcome(exit({ reason: "lost", message: "launcher vanished" }), loss(2), spec),
    ).toMatchObject({
      status: "failed",
      reason: "launcher vanished",
    });
  });

  it("counts a trial stopped by a stop condition as complete with what it reported", () => {
    const o = trialOutcome(
      exit({ reason: "stopped", exitCode: null, signal: "SIGTERM" }),
      loss(4, 0.1),
      spec,
      "loss < 0.2",
    );
    expect(o).toEqual({
      status: "complete",
      value: 0.1,
      reason: "stopped early: loss < 0.2",
      observed: 0.1,
    });
  });

  it("a trial pruned by --early-stop is pruned, keeping its value and the rule's reason", () => {
    const why = {
      by: "pruning",
      reason: "ASHA rung 1 at step 3: 0.41 not in the top 1/3",
    } as const;
    const o = trialOutcome(
      exit({ reason: "stopped", exitCode: null, signal: "SIGTERM" }),
      loss(0.9, 0.41),
      spec,
      why,
    );
    expect(o).toEqual({ status: "pruned", value: 0.41, reason: why.reason, observed: 0.41 });
    // a SIGKILL after the grace period: still pruned (the executor reports the stop)
    expect(
      trialOutcome(
        exit({ reason: "stopped", exitCode: null, signal: "SIGKILL" }),
        loss(1),
        spec,
        why,
      ).status,
    ).toBe("pruned");
    // no finite aggregate: pruned all the same, and the reason says what the metric lacked
    const nan = trialOutcome(exit({ reason: "stopped" }), loss(1, Number.NaN), spec, why);
    expect(nan).toMatchObject({ status: "pruned", value: null, observed: null });
    expect(nan.reason).toMatch(/^ASHA rung 1 .*\(metric loss was NaN at step 1\)$/);
  });

  it("a trial that ended on its own before the worker's stop reached it is judged as any other", () => {
    const why = { by: "pruning", reason: "median rule at step 2" } as const;
    expect(trialOutcome(exit(), loss(3, 2), spec, why)).toMatchObject({ status: "complete" });
    expect(trialOutcome(exit({ exitCode: 1 }), loss(3), spec, why).status).toBe("failed");
    // a kill or a timeout is stronger than the worker's stop
    expect(trialOutcome(exit({ reason: "killed" }), loss(3), spec, why).status).toBe("killed");
    expect(trialOutcome(exit({ reason: "timeout" }), loss(3), spec, why).status).toBe("timeout");
  });

  it("a crash with no words of its own ends its reason with stderr's last line, read only then", () => {
    const rows: [string, TrialExit, readonly MetricPoint[], string | null, boolean][] = [
      ["a non-zero exit", exit({ exitCode: 1 }), loss(1), "exit code 1: ValueError: bad lr", true],
      [
        "a signal",
        exit({ exitCode: null, signal: "SIGSEGV" }),
        [],
        "killed by SIGSEGV: ValueError: bad lr",
        true,
      ],
      [
        "the executor's own words",
        exit({ exitCode: 127, message: "command not found: x" }),
        [],
        "command not found: x",
        false,
      ],
      ["a clean exit without the metric", exit(), [], "metric loss was never reported", false],
      ["a complete trial", exit(), loss(1), null, false],
      [
        "a stopped trial",
        exit({ reason: "stopped", exitCode: null, signal: "SIGTERM" }),
        loss(1),
        "stopped by request",
        false,
      ],
    ];
    for (const [what, e, points, expected, reads] of rows) {
      let read = false;
      const reason = reasonWithStderr(trialOutcome(e, points, spec), e, () => {
        read = true;
        return "ValueError: bad lr";
      });
      if (expected?.startsWith("metric")) expect(reason, what).toMatch(/never reported/);
      else expect(reason, what).toBe(expected);
      expect(read, what).toBe(reads);
    }
    const silent = exit({ exitCode: 2 });
    expect(reasonWithStderr(trialOutcome(silent, [], spec), silent, () => undefined)).toBe(
      "exit code 2",
    );
  });
});
