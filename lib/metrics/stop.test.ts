import { describe, expect, it } from "vitest";
import { UsageError } from "../errors";
import type { StopCondition } from "./schema";
import {
  createStopWatcher,
  formatStopCondition,
  parseStopCondition,
  parseStopConditions,
} from "./stop";
import type { MetricPoint } from "./stream";

const p = (name: string, step: number, value: number): MetricPoint => ({ name, step, value });

function usageError(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as UsageError).message;
  }
  throw new Error("expected a UsageError");
}

describe("parseStopCondition", () => {
  it.each([
    ["val_loss<0.2", { metric: "val_loss", op: "<", value: 0.2, minStep: 0 }],
    ["keras/val_acc >= 0.95:3", { metric: "keras/val_acc", op: ">=", value: 0.95, minStep: 3 }],
    ["  loss   <=   -1e-3 : 10 ", { metric: "loss", op: "<=", value: -0.001, minStep: 10 }],
    ["acc>.5", { metric: "acc", op: ">", value: 0.5, minStep: 0 }],
    ["a-b > -2", { metric: "a-b", op: ">", value: -2, minStep: 0 }],
  ])("%j", (text, expected) => {
    expect(parseStopCondition(text)).toEqual(expected);
  });

  it.each([
    ["", /it is empty/],
    ["val_loss", /no comparison/],
    ["val_loss == 0.2", /unsupported operator "=="/],
    ["val_loss = 0.2", /unsupported operator "="/],
    ["val_loss != 0.2", /unsupported operator "!="/],
    ["val_loss => 0.2", /unsupported operator "=>"/],
    ["< 0.2", /no metric before "<"/],
    ["val_loss <", /"" is not a finite number/],
    ["val_loss < nan", /"nan" is not a finite number/],
    ["val_loss < inf", /"inf" is not a finite number/],
    ["val_loss < 0.2x", /"0.2x" is not a finite number/],
    ["val_loss < 1e999", /finite/],
    ["val_loss < 0.2:", /MIN_STEP "" is not a non-negative integer/],
    ["val_loss < 0.2:-1", /MIN_STEP "-1" is not a non-negative integer/],
    ["val_loss < 0.2:1.5", /MIN_STEP "1.5" is not a non-negative integer/],
    ["val_loss < 0.2:1:2", /more than one ":"/],
    ["val loss < 0.2", /no spaces/],
    ["a<1 && b<2", /&&/],
  ])("rejects %j", (text, why) => {
    const message = usageError(() => parseStopCondition(text));
    expect(message).toContain(`"${text}"`);
    expect(message).toMatch(why);
  });
});

describe("parseStopConditions", () => {
  it("makes each flag a group, joining && within a flag", () => {
    expect(parseStopConditions(["val_loss<0.2", "acc>=0.9:2 && loss<1"])).toEqual([
      { metric: "val_loss", op: "<", value: 0.2, minStep: 0, group: 0 },
      { metric: "acc", op: ">=", value: 0.9, minStep: 2, group: 1 },
      { metric: "loss", op: "<", value: 1, minStep: 0, group: 1 },
    ]);
    expect(parseStopConditions([])).toEqual([]);
  });

  it("allows five conditions and no more", () => {
    expect(parseStopConditions(["a<1 && b<1 && c<1", "d<1", "e<1"])).toHaveLength(5);
    expect(
      usageError(() => parseStopConditions(["a<1 && b<1 && c<1", "d<1 && e<1", "f<1"])),
    ).toMatch(/at most 5 stop conditions .*got 6/);
  });

  it("names the part and the flag at fault", () => {
    const message = usageError(() => parseStopConditions(["a<1", "b<1 && c"]));
    expect(message).toContain('" c"');
    expect(message).toContain('(in "b<1 && c")');
    expect(usageError(() => parseStopConditions(["a<1 &&"]))).toMatch(/it is empty/);
  });

  it("round-trips through formatStopCondition", () => {
    for (const text of ["keras/val_acc >= 0.95:3", "loss < -0.001", "x > 10"]) {
      expect(formatStopCondition(parseStopCondition(text))).toBe(text);
    }
  });
});

describe("createStopWatcher", () => {
  it("stops once a condition holds at a step >= MIN_STEP, and stays stopped", () => {
    const watcher = createStopWatcher(parseStopConditions(["val_loss < 0.2:3"]));
    expect(watcher.observe([p("val_loss", 0, 0.1)])).toBe(false); // before MIN_STEP
    expect(watcher.observe([p("val_loss", 3, 0.5)])).toBe(false);
    expect(watcher.reason).toBeUndefined();
    expect(watcher.observe([p("loss", 4, 0.1)])).toBe(false); // another metric
    expect(watcher.observe([p("val_loss", 4, 0.15)])).toBe(true);
    expect(watcher.reason).toBe("val_loss < 0.2:3 (0.15 at step 4)");
    expect(watcher.observe([p("val_loss", 5, 0.9)])).toBe(true);
  });

  it("applies each operator exactly", () => {
    const at = (text: string, value: number) =>
      createStopWatcher([parseStopCondition(text)]).observe([p("m", 0, value)]);
    expect([at("m < 1", 1), at("m < 1", 0.999)]).toEqual([false, true]);
    expect([at("m <= 1", 1), at("m <= 1", 1.001)]).toEqual([true, false]);
    expect([at("m > 1", 1), at("m > 1", 1.001)]).toEqual([false, true]);
    expect([at("m >= 1", 1), at("m >= 1", 0.999)]).toEqual([true, false]);
  });

  it("judges the latest value, by step then arrival", () => {
    const watcher = createStopWatcher([parseStopCondition("acc > 0.9")]);
    // In one batch, a good value followed by a worse, later one: no stop.
    expect(watcher.observe([p("acc", 1, 0.95), p("acc", 2, 0.5)])).toBe(false);
    // A late point for an older step does not replace the newer one.
    expect(watcher.observe([p("acc", 1, 0.99)])).toBe(false);
    expect(watcher.observe([p("acc", 2, 0.91)])).toBe(true);
  });

  it("never stops on NaN", () => {
    const watcher = createStopWatcher(parseStopConditions(["loss < 1", "loss > 1"]));
    expect(watcher.observe([p("loss", 0, Number.NaN)])).toBe(false);
  });

  it("needs every condition of a group, and any one group", () => {
    const watcher = createStopWatcher(
      parseStopConditions(["acc > 0.9 && loss < 0.5", "epochs_bad > 3"]),
    );
    expect(watcher.observe([p("acc", 1, 0.95), p("loss", 1, 0.7)])).toBe(false);
    expect(watcher.observe([p("loss", 2, 0.4)])).toBe(true);
    expect(watcher.reason).toBe("acc > 0.9 (0.95 at step 1) && loss < 0.5 (0.4 at step 2)");

    const other = createStopWatcher(parseStopConditions(["acc > 0.9 && loss < 0.5", "bad > 3"]));
    expect(other.observe([p("acc", 1, 0.95)])).toBe(false);
    expect(other.observe([p("bad", 1, 4)])).toBe(true);
    expect(other.reason).toBe("bad > 3 (4 at step 1)");
  });

  it("treats conditions without a group as alternatives", () => {
    const conditions: StopCondition[] = [
      { metric: "a", op: ">", value: 1, minStep: 0 },
      { metric: "b", op: ">", value: 1, minStep: 0 },
    ];
    const watcher = createStopWatcher(conditions);
    expect(watcher.observe([p("b", 0, 2)])).toBe(true);
  });

  it("matches Keras aliases", () => {
    const watcher = createStopWatcher([parseStopCondition("keras/val_acc >= 0.95")]);
    expect(watcher.observe([p("keras/val_accuracy", 1, 0.96)])).toBe(true);
  });

  it("never stops without conditions", () => {
    expect(createStopWatcher([]).observe([p("loss", 0, 0)])).toBe(false);
  });
});
