import { describe, expect, it } from "vitest";
import { UsageError } from "../errors";
import { recordBadInput } from "../testing/ledger";
import { mulberry32 } from "../testing/random";
import {
  describeIssues,
  formatParam,
  formatSpace,
  parseJsonParam,
  parseParam,
  parseSpace,
  validateSpace,
} from "./parse";
import { type ParamSpec, type ParamValue, paramSpecSchema, spaceSchema } from "./schema";

/** The UsageError a call throws (fails the test when it throws nothing or something else). */
function usageError(f: () => unknown): UsageError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error("expected a UsageError, nothing was thrown");
}

describe("parseParam: ranges", () => {
  it.each([
    ["lr=0.001:0.1", { min: 0.001, max: 0.1, scale: "linear", type: "float" }],
    ["n=16:128:int", { min: 16, max: 128, scale: "linear", type: "int" }],
    ["lr=1e-4:1e-1:log", { min: 1e-4, max: 0.1, scale: "log", type: "float" }],
    ["x=1:100:log:int", { min: 1, max: 100, scale: "log", type: "int" }],
    ["x=1:100:int:log", { min: 1, max: 100, scale: "log", type: "int" }],
    ["m=0.9:0.999:reverse_log", { min: 0.9, max: 0.999, scale: "reverse_log", type: "float" }],
    ["x=-2:-1:linear:float", { min: -2, max: -1, scale: "linear", type: "float" }],
    ["x=1.0:8.0:int", { min: 1, max: 8, scale: "linear", type: "int" }],
    ["x=1:1e3:INT", { min: 1, max: 1000, scale: "linear", type: "int" }],
    [" x = -0 : .5 ", { min: 0, max: 0.5, scale: "linear", type: "float" }],
  ])("%s", (text, expected) => {
    const spec = parseParam(text);
    expect(spec).toEqual({ kind: "range", name: text.split("=")[0]?.trim(), ...expected });
    if (spec.kind === "range") expect(Object.is(spec.min, -0)).toBe(false);
  });
});

describe("parseParam: choices", () => {
  it.each<[string, ParamValue[]]>([
    ["opt=adam,sgd,rmsprop", ["adam", "sgd", "rmsprop"]],
    ["bs=16,32,64", [16, 32, 64]],
    ["x=1,a,-2,0.5,1e-3,.25", [1, "a", -2, 0.5, 0.001, 0.25]],
    // Number() reads these as numbers; people mean text.
    ["x=0x10,Infinity,1_000", ["0x10", "Infinity", "1_000"]],
    // -0 reads as 0: it would print as "0" in the command and JSON keeps no sign.
    ["x=-0,1", [0, 1]],
    ["x=0.5", [0.5]],
    ["x=adam", ["adam"]],
    ["x=a:b,c:d", ["a:b", "c:d"]],
    ["x= relu , tanh ", ["relu", "tanh"]],
  ])("%s", (text, values) => {
    expect(parseParam(text)).toEqual({ kind: "choice", name: text.split("=")[0], values });
  });
});

describe("parseJsonParam", () => {
  it("reads values with commas, numbers and empty strings", () => {
    expect(parseJsonParam('layers=["64,64", "128,64,32", 7, ""]')).toEqual({
      kind: "choice",
      name: "layers",
      values: ["64,64", "128,64,32", 7, ""],
    });
  });
  it("keeps strings that look like numbers as strings", () => {
    expect(parseJsonParam('x=["1", "2"]')).toEqual({
      kind: "choice",
      name: "x",
      values: ["1", "2"],
    });
  });
});

describe("grammar errors", () => {
  // [flag, text, a phrase the message must contain]
  const cases: ["--param" | "--json-param", string, string][] = [
    ["--param", "x=1:2:cubic", 'unknown scale or type "cubic"'],
    ["--param", "x=1:2:log:double", 'unknown scale or type "double"'],
    ["--param", "x=1:2:", "no scale or type after it"],
    ["--param", "x=1:2:log:reverse_log", "two scales"],
    ["--param", "x=1:2:int:float", "two types"],
    ["--param", "x=a:2", 'MIN "a" is not a number'],
    ["--param", "x=1:two", 'MAX "two" is not a number'],
    ["--param", "x=:2", "MIN is empty"],
    ["--param", "x=1:", "MAX is empty"],
    ["--param", "x=0x1:2", 'MIN "0x1" is not a number'],
    ["--param", "x=1:1e999", 'MAX "1e999" is too large'],
    ["--param", "lr=0.1:0.001", "MIN must be below MAX"],
    ["--param", "lr=1:1", "MIN must be below MAX"],
    ["--param", "lr=0:1:log", "log scale needs MIN > 0"],
    ["--param", "lr=-1:1:reverse_log", "reverse_log scale needs MIN > 0"],
    ["--param", "n=0.5:8:int", "int range needs integer bounds"],
    ["--param", "n=1:8.5:int", "int range needs integer bounds"],
    ["--param", "x=", "no values after '='"],
    ["--param", "x=,", "the choice list is empty"],
    ["--param", "x=a,,b", "value 2 of 3 is empty"],
    ["--param", "x=a,", "value 2 of 2 is empty"],
    ["--param", "x=1,1.0", "listed twice"],
    ["--param", "x=[1,2]", "--json-param x='[1,2]'"],
    ["--param", "lr", "no '=' found"],
    ["--param", "=1:2", "name before '=' is empty"],
    ["--param", "1lr=1:2", 'bad name "1lr"'],
    ["--param", "l r=1:2", 'bad name "l r"'],
    ["--param", "__proto__=1:2", "reserved"],
    ["--json-param", "x=[1,2", "not valid JSON"],
    ["--json-param", 'x={"a":1}', "expected a JSON array"],
    ["--json-param", "x=3", "expected a JSON array"],
    ["--json-param", 'x=[{"a":1}]', "is not a number or a string"],
    ["--json-param", "x=[[1]]", "is not a number or a string"],
    ["--json-param", "x=[null]", "is not a number or a string"],
    ["--json-param", "x=[true]", "is not a number or a string"],
    ["--json-param", "x=[1e999]", "is not a finite number"],
    ["--json-param", "x=[]", "the JSON array is empty"],
    ["--json-param", 'x=["a","a"]', "listed twice"],
    ["--json-param", 'x=[1,"1"]', "print the same in the command"],
    ["--json-param", "x", "no '=' found"],
    ["--json-param", "x-y!=[1]", 'bad name "x-y!"'],
    // Values the grammar reads that would break later: found here, before anything is stored.
    ["--param", "x=-1e308:1e308", "too wide to compute with: MAX - MIN overflows"],
    ["--param", "x=-1.7e308:1.7e308:int", "int range bounds must lie within"],
    ["--param", "x=1e307:1.7e308:reverse_log", "MAX + MIN overflows"],
    ["--param", "x=0:5e-324", "the range holds only 2 distinct numbers"],
    ["--param", "x=1:1.0000000000000002", "the range holds only 2 distinct numbers"],
    ["--param", "x=1:1.0000000000001:log", "the range holds only 451 distinct numbers"],
    ["--param", "n=0:1e300:int", "int range bounds must lie within ±9007199254740991"],
    ["--param", "n=-9007199254740993:0:int", "int range bounds must lie within"],
    [
      "--param",
      "x=1,1e309",
      `value 2 (1e309) is too large for a number; to pass it as text, use --json-param x='["1e309"]'`,
    ],
    ["--param", "x=-1e400,2", "value 1 (-1e400) is too large for a number"],
    ["--json-param", 'x=["a\\u0000b"]', "a value holds a NUL byte"],
    ["--json-param", 'x=["ok", "\\u0000"]', "a value holds a NUL byte"],
    ["--json-param", 'x=["\\ud800"]', "a value holds a lone UTF-16 surrogate"],
    ["--json-param", 'x=["a\\udc00"]', "a value holds a lone UTF-16 surrogate"],
  ];
  it.each(cases)("%s %s", (flag, text, phrase) => {
    recordBadInput(`${flag} grammar: ${phrase}`);
    const parse = flag === "--param" ? parseParam : parseJsonParam;
    const e = usageError(() => parse(text));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(phrase);
    for (const line of e.message.split("\n"))
      expect(line.startsWith(`${flag} ${text}: `)).toBe(true);
    // parseSpace reports the same problem under the same prefix.
    const inSpace = usageError(() =>
      flag === "--param" ? parseSpace([text]) : parseSpace([], [text]),
    );
    expect(inSpace.message).toBe(e.message);
  });

  it("reports every problem of one spec", () => {
    const e = usageError(() => parseParam("x=a:b:cubic"));
    expect(e.message.split("\n")).toEqual([
      '--param x=a:b:cubic: MIN "a" is not a number',
      '--param x=a:b:cubic: MAX "b" is not a number',
      expect.stringContaining('--param x=a:b:cubic: unknown scale or type "cubic"'),
    ]);
  });
});

describe("parseSpace", () => {
  it("keeps the order of --param then --json-param", () => {
    const space = parseSpace(["lr=1e-4:1e-1:log", "opt=adam,sgd"], ['arch=["a,b","c"]']);
    expect(space.map((p) => p.name)).toEqual(["lr", "opt", "arch"]);
    expect(spaceSchema.safeParse(space).success).toBe(true);
  });

  it("collects all errors, one line each, naming the spec text", () => {
    const e = usageError(() =>
      parseSpace(["lr=0.1:0.001", "ok=1:2", "n=1.5:3:int", "ok=3,4", "bad"], ["ok=[1]", "arch=[]"]),
    );
    expect(e.message.split("\n")).toEqual([
      expect.stringMatching(/^--param lr=0\.1:0\.001: MIN must be below MAX/),
      expect.stringMatching(/^--param n=1\.5:3:int: int range needs integer bounds/),
      '--param ok=3,4: parameter "ok" is defined twice (also --param ok=1:2)',
      "--param bad: expected NAME=MIN:MAX or NAME=V1,V2,... (no '=' found)",
      '--json-param ok=[1]: parameter "ok" is defined twice (also --param ok=1:2)',
      "--json-param arch=[]: the JSON array is empty",
    ]);
  });

  it("refuses an empty space", () => {
    expect(usageError(() => parseSpace([], [])).message).toContain("at least one --param");
  });
});

describe("formatParam", () => {
  const specs: [ParamSpec, "--param" | "--json-param", string][] = [
    [
      { kind: "range", name: "lr", min: 1e-7, max: 0.1, scale: "log", type: "float" },
      "--param",
      "lr=1e-7:0.1:log",
    ],
    [
      { kind: "range", name: "n", min: 1, max: 100, scale: "log", type: "int" },
      "--param",
      "n=1:100:log:int",
    ],
    [
      {
        kind: "range",
        name: "d",
        min: -3,
        max: 0.30000000000000004,
        scale: "linear",
        type: "float",
      },
      "--param",
      "d=-3:0.30000000000000004",
    ],
    [
      { kind: "range", name: "m", min: 0.5, max: 0.99, scale: "reverse_log", type: "float" },
      "--param",
      "m=0.5:0.99:reverse_log",
    ],
    [
      {
        kind: "range",
        name: "big",
        min: -9007199254740991,
        max: 9007199254740991,
        scale: "linear",
        type: "int",
      },
      "--param",
      "big=-9007199254740991:9007199254740991:int",
    ],
    [{ kind: "choice", name: "opt", values: ["adam", "sgd"] }, "--param", "opt=adam,sgd"],
    [{ kind: "choice", name: "bs", values: [16, 0.5, -2] }, "--param", "bs=16,0.5,-2"],
    [{ kind: "choice", name: "one", values: ["relu"] }, "--param", "one=relu"],
    [{ kind: "choice", name: "pair", values: ["a:b", "c"] }, "--param", "pair=a:b,c"],
    [{ kind: "choice", name: "c", values: ["a,b", "c"] }, "--json-param", 'c=["a,b","c"]'],
    [{ kind: "choice", name: "s", values: ["1", "2"] }, "--json-param", 's=["1","2"]'],
    [{ kind: "choice", name: "e", values: ["", "x"] }, "--json-param", 'e=["","x"]'],
    [{ kind: "choice", name: "w", values: [" x"] }, "--json-param", 'w=[" x"]'],
    [{ kind: "choice", name: "col", values: ["a:b"] }, "--json-param", 'col=["a:b"]'],
    [{ kind: "choice", name: "br", values: ["[x]"] }, "--json-param", 'br=["[x]"]'],
    [{ kind: "choice", name: "hex", values: ["0x10", 3] }, "--param", "hex=0x10,3"],
  ];
  it.each(specs)("%o -> %s %s", (spec, flag, text) => {
    expect(formatParam(spec)).toEqual({ flag, text });
    const parse = flag === "--param" ? parseParam : parseJsonParam;
    expect(parse(text)).toEqual(spec);
  });

  it("formats a space as argv", () => {
    const space = parseSpace(["lr=1e-3:1e-1:log"], ['c=["a,b"]']);
    expect(formatSpace(space)).toEqual([
      "--param",
      "lr=0.001:0.1:log",
      "--json-param",
      'c=["a,b"]',
    ]);
  });

  it("canonicalizes: the formatted text of a parse is stable", () => {
    for (const text of ["x=1:100:int:log", "x=.5:1e1", "x= a , b ", "x=1.50,2"]) {
      const once = formatParam(parseParam(text));
      expect(formatParam(parseParam(once.text))).toEqual(once);
    }
    expect(formatParam(parseParam("x=1:100:int:log")).text).toBe("x=1:100:log:int");
  });

  it("round-trips random specs through the text form", () => {
    const rnd = mulberry32(42);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const alphabet = [
      "a",
      "b",
      "1",
      "0",
      ".",
      "-",
      "e",
      ",",
      ":",
      " ",
      "[",
      "]",
      '"',
      "\\",
      "é",
      "$",
    ];
    const randomNumber = () => {
      const n = pick([
        () => Math.round(rnd() * 200 - 100),
        () => (rnd() - 0.5) * 10 ** pick([-8, 0, 8]),
      ])();
      return n === 0 ? 0 : n;
    };
    let jsonCount = 0;
    for (let i = 0; i < 2000; i++) {
      let spec: ParamSpec;
      if (rnd() < 0.3) {
        const type = pick(["float", "int"] as const);
        const scale = pick(["linear", "log", "reverse_log"] as const);
        let a = randomNumber();
        let b = randomNumber();
        if (type === "int") [a, b] = [Math.round(a) + 0, Math.round(b) + 0]; // -0 + 0 is 0
        if (scale !== "linear") [a, b] = [Math.abs(a) + 1, Math.abs(b) + 1];
        if (a === b) b = a + 1;
        spec = { kind: "range", name: "r", min: Math.min(a, b), max: Math.max(a, b), scale, type };
      } else {
        const values = new Map<string, ParamValue>();
        const k = 1 + Math.floor(rnd() * 4);
        while (values.size < k) {
          const v: ParamValue =
            rnd() < 0.4
              ? randomNumber()
              : Array.from({ length: Math.floor(rnd() * 5) }, () => pick(alphabet)).join("");
          values.set(String(v), v);
        }
        spec = { kind: "choice", name: "c", values: [...values.values()] };
      }
      expect(paramSpecSchema.safeParse(spec).success).toBe(true);
      const { flag, text } = formatParam(spec);
      if (flag === "--json-param") jsonCount++;
      const back = flag === "--param" ? parseParam(text) : parseJsonParam(text);
      expect(back).toEqual(spec);
    }
    // Both forms were exercised.
    expect(jsonCount).toBeGreaterThan(100);
    expect(jsonCount).toBeLessThan(1900);
  });
});

describe("describeIssues / validateSpace", () => {
  it("names the parameter of each spaceSchema issue", () => {
    const input = [
      { kind: "range", name: "lr", min: 1, max: 0.1 },
      { kind: "choice", name: "opt", values: ["a", "a"] },
      { kind: "range", name: "9x", min: 0, max: 1 },
      { kind: "range", min: "a", max: 1 },
    ];
    const r = spaceSchema.safeParse(input);
    expect(r.success).toBe(false);
    const issues = describeIssues(r.error!, input);
    expect(issues).toEqual([
      {
        index: 0,
        name: "lr",
        field: "max",
        message: expect.stringMatching(/^parameter "lr" \(max\): MIN must be below MAX/),
      },
      {
        index: 1,
        name: "opt",
        field: "values",
        message: 'parameter "opt" (values): value "a" is listed twice',
      },
      {
        index: 2,
        name: "9x",
        field: "name",
        message: expect.stringMatching(/^parameter 3 \(name\): a parameter name starts/),
      },
      expect.objectContaining({ index: 3, field: "name" }),
      expect.objectContaining({
        index: 3,
        field: "min",
        message: expect.stringMatching(/^parameter 4 \(min\): /),
      }),
    ]);
  });

  it("places issues of a single paramSpecSchema parse on fields", () => {
    const input = { kind: "choice", name: "act", values: ["relu", { x: 1 }] };
    const r = paramSpecSchema.safeParse(input);
    const issues = describeIssues(r.error!, input);
    expect(issues).toEqual([
      {
        name: "act",
        field: "values[1]",
        message: expect.stringMatching(/^parameter "act" \(values\[1\]\): /),
      },
    ]);
  });

  it("keeps issues of the whole space unplaced", () => {
    const r = spaceSchema.safeParse([]);
    expect(describeIssues(r.error!, [])).toEqual([
      { message: "a search needs at least one parameter" },
    ]);
    const notList = spaceSchema.safeParse("lr=1:2");
    expect(describeIssues(notList.error!, "lr=1:2")).toEqual([
      { message: expect.stringContaining("expected array") },
    ]);
  });

  it("validateSpace returns the space with defaults or throws every issue", () => {
    expect(validateSpace([{ kind: "range", name: "x", min: 0, max: 1 }])).toEqual([
      { kind: "range", name: "x", min: 0, max: 1, scale: "linear", type: "float" },
    ]);
    const e = usageError(() =>
      validateSpace([
        { kind: "range", name: "x", min: 0, max: 1, scale: "log" },
        { kind: "range", name: "x", min: 0, max: 1 },
      ]),
    );
    expect(e.message.split("\n")).toEqual([
      expect.stringMatching(/^parameter "x" \(min\): log scale needs MIN > 0/),
      expect.stringMatching(/^parameter 2 \(name\): parameter "x" is defined twice/),
    ]);
  });
});
