/**
 * The settings table is the one home of a search's settings: every row reaches the CLI's
 * options and usage, the spec's schema for the kinds it applies to, the form's values and caps,
 * and README's flag table, with nothing written again by hand. A row added to the table shows up
 * in all of them, or one of these fails.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultFormValues, searchFormSchema } from "../lib/console/search-form";
import {
  appliesTo,
  defaultText,
  flagTable,
  SETTING_ROWS,
  type SearchKind,
  searchKindSchema,
} from "../lib/search/settings";
import { searchSpecSchema } from "../lib/search/spec";
import { ROOT } from "../workers/testing/cli";
import { parseSearchArgs, resolveSearch, SEARCH_OPTIONS, searchUsage } from "./_search-flags";

const KINDS = searchKindSchema.options;

/** The spec's object for `kind`: its fields, and which of them may be left out. */
function specShape(kind: SearchKind) {
  const variant = searchSpecSchema.options.find((o) => o.shape.kind.value === kind);
  if (!variant) throw new Error(`no spec object for ${kind}`);
  return variant.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
}

describe("the settings table", () => {
  it("gives every setting its CLI flag, and a short one where it has one", () => {
    for (const [key, row] of SETTING_ROWS) {
      if (row.input === "argv") continue;
      expect(SEARCH_OPTIONS[row.flag], key).toBeDefined();
      if (row.short) expect(SEARCH_OPTIONS[row.flag]?.short, key).toBe(row.short);
      if (row.input === "space") expect(SEARCH_OPTIONS[row.jsonFlag], key).toBeDefined();
    }
    // Flags and short flags are each one setting's.
    const flags = Object.keys(SEARCH_OPTIONS);
    const shorts = Object.values(SEARCH_OPTIONS).flatMap((o) => (o.short ? [o.short] : []));
    expect(new Set(flags).size).toBe(flags.length);
    expect(new Set(shorts).size).toBe(shorts.length);
  });

  it("puts each setting in the usage of the kinds it applies to, with its default", () => {
    for (const kind of KINDS) {
      const usage = searchUsage(kind);
      for (const [key, row] of SETTING_ROWS) {
        if (row.input === "argv" || row.input === "space") continue;
        const line = usage.split("\n").find((l) => l.includes(`--${row.flag} `));
        if (!appliesTo(row, kind)) {
          expect(line, `${kind} ${key}`).toBeUndefined();
          continue;
        }
        expect(line, `${kind} ${key}`).toBeDefined();
        const fallback = defaultText(row, kind);
        if (fallback !== undefined) expect(line, `${kind} ${key}`).toContain(fallback);
      }
    }
  });

  it("gives the spec of each kind one field per setting, optional where it does not apply", () => {
    for (const kind of KINDS) {
      const shape = specShape(kind);
      for (const [key, row] of SETTING_ROWS) {
        expect(shape[key], `${kind} ${key}`).toBeDefined();
        // A setting that does not apply may be left out, and one with a default (it fills in);
        // one whose value is always derived may not.
        const optional =
          !appliesTo(row, kind) ||
          (row.input === "text" && (row.optional === true || row.default !== undefined));
        expect(shape[key]?.safeParse(undefined).success, `${kind} ${key}`).toBe(optional);
      }
      expect(Object.keys(shape).sort()).toEqual(
        ["kind", ...SETTING_ROWS.map(([key]) => key)].sort(),
      );
    }
  });

  it("reads a stored spec that lacks a setting with a default (one added later) with that default", () => {
    const spec = {
      kind: "bayesian",
      params: [{ kind: "range", name: "x", min: 0, max: 1, scale: "linear", type: "float" }],
      command: ["run", ":x:"],
      cwd: "/tmp",
      numRuns: 3,
      parallelRuns: 2,
      metric: "loss",
      metricAgg: "max",
      goal: "minimize",
      machineType: "cpu",
      env: {},
      stopConditions: [],
      labels: [],
      seed: 1,
      acquisition: "ei",
      maxFailures: 3,
    };
    expect(searchSpecSchema.safeParse(spec).success).toBe(true);
    let defaults = 0;
    for (const [key, row] of SETTING_ROWS) {
      if (row.input !== "text" || row.default === undefined || !appliesTo(row, "bayesian"))
        continue;
      const { [key]: _, ...without } = spec as Record<string, unknown>;
      const read = searchSpecSchema.safeParse(without);
      const value = row.read(row.default);
      expect(read.success && value.ok, key).toBe(true);
      if (read.success && value.ok)
        expect((read.data as Record<string, unknown>)[key], key).toEqual(value.value);
      defaults++;
    }
    expect(defaults).toBeGreaterThanOrEqual(3);
  });

  it("gives the form a value and a cap for every setting", () => {
    const values = defaultFormValues("/tmp") as Record<string, unknown>;
    for (const [key, row] of SETTING_ROWS) {
      expect(values[key], key).toBeDefined();
      const cap = row.form?.maxLength ?? 0;
      expect(cap, key).toBeGreaterThan(0);
      if (typeof values[key] !== "string") continue;
      const over = { ...values, [key]: "x".repeat(cap + 1) };
      expect(searchFormSchema.safeParse(over).success, key).toBe(false);
    }
    expect(searchFormSchema.safeParse(values).success).toBe(true);
    // The form starts where the table says: a setting's default, else its suggestion.
    for (const [key, row] of SETTING_ROWS)
      if (row.input === "text" && row.default !== undefined && row.form?.initial === undefined)
        expect(values[key], key).toBe(row.default);
  });

  it("is README's flag table, word for word", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    // On a mismatch: paste flagTable()'s output into README.md.
    expect(readme).toContain(flagTable());
  });
});

describe("a flag typed with nothing in it (an unset shell variable)", () => {
  const base = ["--param", "x=0:1", "--metric", "loss", "-n", "3", "--seed", "5"];
  const command = ["--", "run", ":x:"];
  const resolve = (argv: string[], baseSpec?: Record<string, unknown>) =>
    resolveSearch("bayesian", parseSearchArgs("bayesian", [...argv, ...command]), {
      randomSeed: () => 7,
      machineType: "cpu",
      ...(baseSpec ? { base: { source: "s.json", spec: baseSpec, masked: false } } : {}),
    });

  it("takes the setting's default, as a form's empty field does, and says so by the flag's name", () => {
    const warned: string[] = [];
    const refused: string[] = [];
    for (const [key, row] of SETTING_ROWS) {
      if (row.input !== "text" || !appliesTo(row, "bayesian")) continue;
      // The base without this setting's flag (long or short) and its value.
      const names = [`--${row.flag}`, ...(row.short ? [`-${row.short}`] : [])];
      const argv = base.filter(
        (a, at) => !names.includes(a) && !names.includes(base[at - 1] ?? ""),
      );
      const typedBlank = [...argv, `--${row.flag}`, ""];
      let left: Record<string, unknown>;
      try {
        left = resolve(argv).spec as Record<string, unknown>;
      } catch {
        // Required: left out it is refused, and typed empty too, saying so.
        expect(() => resolve(typedBlank), key).toThrow(
          new RegExp(`--${row.flag}\\b.* is required.*; it was given empty`),
        );
        refused.push(key);
        continue;
      }
      const r = resolve(typedBlank);
      const warning = r.warnings.find((w) => w.startsWith(`--${row.flag} is empty`));
      expect(warning, key).toMatch(/it takes its default/);
      // The spec is the one the flag left out gives (the seed: the one drawn).
      expect((r.spec as Record<string, unknown>)[key], key).toEqual(left[key]);
      warned.push(key);
    }
    expect(refused.sort()).toEqual(["metric", "numRuns"]);
    expect(warned).toEqual(expect.arrayContaining(["seed", "timeoutMinutes", "earlyStop", "cwd"]));
    // A blank label is left out, and said.
    expect(resolve([...base, "--label", " "]).warnings).toContain("--label is empty: left out");
    // Nothing typed blank, nothing said.
    expect(resolve(base).warnings).toEqual([]);
  });

  it("beside a base (--from, rerun), clears the base's setting back to its default, and says so", () => {
    const spec = { ...resolve([...base, "--timeout", "30"]).spec } as Record<string, unknown>;
    expect(spec.timeoutMinutes).toBe(30);
    const r = resolve(["--timeout", ""], spec);
    expect(r.warnings).toContain("--timeout is empty: it takes its default (none)");
    expect(r.spec.timeoutMinutes).toBeUndefined();
  });
});
