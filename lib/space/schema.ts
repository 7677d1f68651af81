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

export const paramValueSchema = z.union([z.number().refine(Number.isFinite), z.string()]);
export type ParamValue = z.infer<typeof paramValueSchema>;

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
