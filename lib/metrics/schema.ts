/**
 * Metric vocabulary shared by the CLI, the form, the store and the worker: how a trial's series
 * is reduced to one value, which direction is better, and the early-stop conditions.
 */
import { z } from "zod";
import { processTextProblem } from "../space/schema";

export const metricAggSchema = z.enum(["last", "min", "max", "avg"]);
export type MetricAgg = z.infer<typeof metricAggSchema>;

export const goalSchema = z.enum(["maximize", "minimize"]);
export type Goal = z.infer<typeof goalSchema>;

export const metricNameSchema = z
  .string()
  .min(1, "a metric name cannot be empty")
  .max(200)
  .regex(/^[^\s=:]+$/, "a metric name holds no spaces, '=' or ':'")
  // A trial's JSON line can name a metric "a\u0000b": a control character is no name anyone
  // means, and PostgreSQL refuses to store a NUL (the whole batch of points with it).
  .regex(/^\P{Cc}*$/u, "a metric name holds no control characters")
  .superRefine((name, ctx) => {
    const problem = processTextProblem(name);
    if (problem !== undefined)
      ctx.addIssue({ code: "custom", message: `a metric name ${problem}` });
  });

export const comparisonSchema = z.enum(["<", ">", "<=", ">="]);
export type Comparison = z.infer<typeof comparisonSchema>;

/**
 * `METRIC OP VALUE[:MIN_STEP]`: stop the trial once METRIC OP VALUE holds at a step >= MIN_STEP.
 * Conditions with the same `group` (one `--stop-condition` flag joining several with `&&`) must
 * hold together; groups are alternatives. A condition without a group is a group of its own.
 * See docs/decisions/stop-conditions.md.
 */
export const stopConditionSchema = z.object({
  metric: metricNameSchema,
  op: comparisonSchema,
  value: z.number().refine(Number.isFinite, "a stop condition needs a finite value"),
  minStep: z.number().int().nonnegative().default(0),
  group: z.number().int().nonnegative().optional(),
});
export type StopCondition = z.infer<typeof stopConditionSchema>;
