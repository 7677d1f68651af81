/**
 * Stop conditions: the `--stop-condition "METRIC OP VALUE[:MIN_STEP]"` grammar and the watcher
 * that tells the worker when a running trial should be stopped early.
 *
 * Semantics (docs/decisions/stop-conditions.md has the why):
 *   - A condition holds when the latest value of METRIC (highest step, then latest arrival) among
 *     steps >= MIN_STEP satisfies OP VALUE. NaN never satisfies anything.
 *   - One flag may join conditions with `&&`: they must hold at the same time (a group).
 *     Separate flags are alternatives: the trial stops when any group holds.
 *   - At most 5 conditions in all. METRIC matches its aliases (`keras/val_acc` and
 *     `keras/val_accuracy`).
 */
import { UsageError } from "../errors";
import { sameMetric } from "./names";
import {
  type Comparison,
  metricNameSchema,
  type StopCondition,
  stopConditionSchema,
} from "./schema";
import type { MetricPoint } from "./stream";

export const MAX_STOP_CONDITIONS = 5;

const EXAMPLE = `e.g. "keras/val_acc >= 0.95:3"`;
const OPERATOR = /<=|>=|==|!=|=<|=>|<|>|=/;
const SUPPORTED: ReadonlySet<string> = new Set(["<", ">", "<=", ">="]);
/** A finite number as a user writes it: `3`, `-0.5`, `.5`, `1e-3` (no `Infinity`, no hex). */
export const FINITE_NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i;
const STEP = /^\d+$/;

function fail(text: string, why: string, whole?: string): never {
  const where = whole !== undefined && whole !== text ? ` (in "${whole}")` : "";
  throw new UsageError(`bad stop condition "${text}"${where}: ${why}`);
}

function parseOne(text: string, group: number | undefined, whole?: string): StopCondition {
  const trimmed = text.trim();
  if (trimmed === "")
    fail(text, `it is empty; write METRIC OP VALUE[:MIN_STEP], ${EXAMPLE}`, whole);
  const found = OPERATOR.exec(trimmed);
  if (!found) {
    fail(
      text,
      `no comparison; write METRIC OP VALUE[:MIN_STEP] with OP one of < > <= >=, ${EXAMPLE}`,
      whole,
    );
  }
  const op = found[0];
  if (!SUPPORTED.has(op)) fail(text, `unsupported operator "${op}"; use one of < > <= >=`, whole);

  const metric = trimmed.slice(0, found.index).trim();
  if (metric === "") fail(text, `no metric before "${op}", ${EXAMPLE}`, whole);
  const name = metricNameSchema.safeParse(metric);
  if (!name.success) fail(text, name.error.issues[0]?.message ?? "bad metric name", whole);

  const rest = trimmed.slice(found.index + op.length).split(":");
  if (rest.length > 2) fail(text, `more than one ":" after the value, ${EXAMPLE}`, whole);
  const valueText = rest[0]!.trim();
  if (!FINITE_NUMBER.test(valueText) || !Number.isFinite(Number(valueText))) {
    fail(text, `"${valueText}" is not a finite number`, whole);
  }
  let minStep = 0;
  if (rest.length === 2) {
    const stepText = rest[1]!.trim();
    if (!STEP.test(stepText) || !Number.isSafeInteger(Number(stepText))) {
      fail(text, `MIN_STEP "${stepText}" is not a non-negative integer`, whole);
    }
    minStep = Number(stepText);
  }
  const condition = {
    metric,
    op: op as Comparison,
    value: Number(valueText),
    minStep,
    ...(group === undefined ? {} : { group }),
  };
  const checked = stopConditionSchema.safeParse(condition);
  if (!checked.success) fail(text, checked.error.issues[0]?.message ?? "invalid", whole);
  return checked.data;
}

/** One condition without `&&`, e.g. `val_loss<0.2` or `keras/val_acc >= 0.95:3`. */
export function parseStopCondition(text: string): StopCondition {
  if (text.includes("&&")) {
    fail(text, "joins several conditions with &&; give them to --stop-condition instead");
  }
  return parseOne(text, undefined);
}

/**
 * The conditions of several `--stop-condition` flags; flag i becomes group i, and a flag may
 * join conditions with `&&`. Throws UsageError naming the text at fault.
 */
export function parseStopConditions(texts: readonly string[]): StopCondition[] {
  const conditions = texts.flatMap((text, group) =>
    text.split("&&").map((part) => parseOne(part, group, text)),
  );
  if (conditions.length > MAX_STOP_CONDITIONS) {
    throw new UsageError(
      `at most ${MAX_STOP_CONDITIONS} stop conditions are allowed (got ${conditions.length})`,
    );
  }
  return conditions;
}

/** The condition as the user would write it: `keras/val_acc >= 0.95:3`. */
export function formatStopCondition(c: StopCondition): string {
  return `${c.metric} ${c.op} ${c.value}${c.minStep > 0 ? `:${c.minStep}` : ""}`;
}

export function compare(left: number, op: Comparison, right: number): boolean {
  switch (op) {
    case "<":
      return left < right;
    case ">":
      return left > right;
    case "<=":
      return left <= right;
    case ">=":
      return left >= right;
  }
}

export type StopWatcher = {
  /** Takes new points of the trial; true once a group of conditions holds (and from then on). */
  observe(points: readonly MetricPoint[]): boolean;
  /** Why the trial should stop, e.g. `val_loss < 0.2 (0.15 at step 7)`; undefined until then. */
  readonly reason: string | undefined;
};

/** A watcher over one trial's points. With no conditions it never says stop. */
export function createStopWatcher(conditions: readonly StopCondition[]): StopWatcher {
  const latest: Array<MetricPoint | undefined> = conditions.map(() => undefined);
  const groups = new Map<string, number[]>();
  conditions.forEach((c, i) => {
    const key = c.group === undefined ? `alone:${i}` : `group:${c.group}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  let reason: string | undefined;

  const holds = (i: number): boolean => {
    const point = latest[i];
    const c = conditions[i]!;
    return point !== undefined && compare(point.value, c.op, c.value);
  };

  const observe = (points: readonly MetricPoint[]): boolean => {
    if (reason !== undefined) return true;
    for (const p of points) {
      conditions.forEach((c, i) => {
        if (p.step < c.minStep || !sameMetric(p.name, c.metric)) return;
        const previous = latest[i];
        if (previous === undefined || p.step >= previous.step) latest[i] = p;
      });
    }
    for (const members of groups.values()) {
      if (!members.every(holds)) continue;
      reason = members
        .map((i) => {
          const p = latest[i]!;
          return `${formatStopCondition(conditions[i]!)} (${p.value} at step ${p.step})`;
        })
        .join(" && ");
      return true;
    }
    return false;
  };

  return {
    observe,
    get reason() {
      return reason;
    },
  };
}
