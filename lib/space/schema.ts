/**
 * Parameter specs: the one schema for a search space, shared by the CLI grammar, the form,
 * the API, the worker and the optimizer.
 *
 * Glossary:
 *   ParamSpec  one parameter: a numeric `range` or a list of `choice` values
 *   Space      the ordered list of a search's ParamSpecs (order = column order everywhere)
 *   Params     one trial's values, by parameter name
 */
import { z } from "zod";

export const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export const paramName = z
  .string()
  .regex(PARAM_NAME, "a parameter name starts with a letter or _ and holds letters, digits, _ . -")
  // Params are plain objects keyed by name; this one key would be swallowed by the prototype.
  .refine((name) => name !== "__proto__", "__proto__ cannot be a parameter name");

export const scaleSchema = z.enum(["linear", "log", "reverse_log"]);
export type Scale = z.infer<typeof scaleSchema>;

export const numberTypeSchema = z.enum(["float", "int"]);
export type NumberType = z.infer<typeof numberTypeSchema>;

/**
 * Why `text` cannot be handed to a process or stored, or undefined when it can. A NUL byte ends
 * a C string, so `spawn` refuses an argument or variable holding one and PostgreSQL refuses to
 * store it; a lone UTF-16 surrogate is not Unicode, so it would reach the process (or the
 * database) as a different character. Text from JSON (`"\u0000"`, `"\ud800"`) can hold either.
 */
export function processTextProblem(text: string): string | undefined {
  if (text.includes("\0")) return "holds a NUL byte, which no process argument or stored text can";
  if (LONE_SURROGATE.test(text)) return "holds a lone UTF-16 surrogate (not valid Unicode text)";
  return undefined;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const paramValueSchema = z.union([
  z.number().refine(Number.isFinite, "a number value must be finite"),
  z.string().superRefine((text, ctx) => {
    const problem = processTextProblem(text);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: `a value ${problem}` });
  }),
]);
export type ParamValue = z.infer<typeof paramValueSchema>;

/**
 * The fewest distinct numbers a float range must hold. Fewer (`0:5e-324`, `1:1.0000000000000002`)
 * and the optimizer soon has nothing new to propose; no one means such a range.
 */
export const MIN_FLOAT_RANGE_VALUES = 1024;

/** The position of a double among all doubles, in order (-0 and 0 are one position). */
function ordinal(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigInt64(0);
  return x < 0 ? -bits : bits;
}

/** How many doubles lie in [min, max], both included (min <= max). */
export function doublesBetween(min: number, max: number): bigint {
  return ordinal(max) - ordinal(min) + 1n;
}

export const rangeSpecSchema = z
  .object({
    kind: z.literal("range"),
    name: paramName,
    min: z.number().refine(Number.isFinite, "min must be a finite number"),
    max: z.number().refine(Number.isFinite, "max must be a finite number"),
    scale: scaleSchema.default("linear"),
    type: numberTypeSchema.default("float"),
  })
  .superRefine((p, ctx) => {
    if (!(p.min < p.max)) {
      ctx.addIssue({
        code: "custom",
        path: ["max"],
        message: `MIN must be below MAX (got ${p.min} >= ${p.max})`,
      });
    }
    if (p.scale !== "linear" && p.min <= 0) {
      ctx.addIssue({
        code: "custom",
        path: ["min"],
        message: `${p.scale} scale needs MIN > 0 (got ${p.min})`,
      });
    }
    if (p.type === "int" && (!Number.isInteger(p.min) || !Number.isInteger(p.max))) {
      ctx.addIssue({
        code: "custom",
        path: ["min"],
        message: `int range needs integer bounds (got ${p.min}:${p.max})`,
      });
    } else if (p.type === "int" && (!Number.isSafeInteger(p.min) || !Number.isSafeInteger(p.max))) {
      // Past 2^53 doubles skip integers: values would print as other numbers than were drawn.
      ctx.addIssue({
        code: "custom",
        path: [Number.isSafeInteger(p.min) ? "max" : "min"],
        message: `int range bounds must lie within ±${Number.MAX_SAFE_INTEGER} (got ${p.min}:${p.max})`,
      });
    }
    if (!(p.min < p.max)) return;
    // Encoding works with MAX - MIN (linear) and MAX + MIN (reverse_log): both must be numbers.
    if (!Number.isFinite(p.max - p.min) || !Number.isFinite(p.max + p.min)) {
      ctx.addIssue({
        code: "custom",
        path: ["max"],
        message: `the range is too wide to compute with: MAX ${p.max - p.min === Infinity ? "-" : "+"} MIN overflows (got ${p.min}:${p.max})`,
      });
    } else if (p.type === "float" && doublesBetween(p.min, p.max) < MIN_FLOAT_RANGE_VALUES) {
      ctx.addIssue({
        code: "custom",
        path: ["max"],
        message: `the range holds only ${doublesBetween(p.min, p.max)} distinct numbers (got ${p.min}:${p.max}); widen it`,
      });
    }
  });
export type RangeSpec = z.infer<typeof rangeSpecSchema>;

export const choiceSpecSchema = z
  .object({
    kind: z.literal("choice"),
    name: paramName,
    values: z.array(paramValueSchema).min(1, "a choice list needs at least one value"),
  })
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    for (const v of p.values) {
      const key = `${typeof v}:${v}`;
      if (seen.has(key))
        ctx.addIssue({
          code: "custom",
          path: ["values"],
          message: `value ${JSON.stringify(v)} is listed twice`,
        });
      seen.add(key);
    }
  });
export type ChoiceSpec = z.infer<typeof choiceSpecSchema>;

export const paramSpecSchema = z.discriminatedUnion("kind", [rangeSpecSchema, choiceSpecSchema]);
export type ParamSpec = z.infer<typeof paramSpecSchema>;

export const spaceSchema = z
  .array(paramSpecSchema)
  .min(1, "a search needs at least one parameter")
  .superRefine((specs, ctx) => {
    const seen = new Set<string>();
    specs.forEach((p, i) => {
      if (seen.has(p.name))
        ctx.addIssue({
          code: "custom",
          path: [i, "name"],
          message: `parameter "${p.name}" is defined twice`,
        });
      seen.add(p.name);
    });
  });
export type Space = ParamSpec[];

export const paramsSchema = z.record(z.string(), paramValueSchema);
export type Params = Record<string, ParamValue>;
