import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { UsageError } from "../errors";
import { parseSpace } from "../space/parse";
import type { ParamSpec } from "../space/schema";
import { checkCommand, formatValue, placeholders, substituteCommand } from "./substitute";

const space = parseSpace([
  "conv2_filter=16:128:int",
  "lr=1e-5:0.1:log",
  "opt=adam,sgd",
  "arch.depth=1:8:int",
  "drop-out=0:0.9",
]);

const int: ParamSpec = {
  kind: "range",
  name: "n",
  min: -10,
  max: 1e22,
  scale: "linear",
  type: "int",
};
const float: ParamSpec = {
  kind: "range",
  name: "f",
  min: -1,
  max: 1e22,
  scale: "linear",
  type: "float",
};

describe("placeholders", () => {
  it.each<[string[], string[]]>([
    [["--lr", ":lr:"], ["lr"]],
    [
      ["--lr=:lr:", "--opt=:opt:,:lr:"],
      ["lr", "opt"],
    ],
    [[":a::b:"], ["a", "b"]],
    [["::a::"], ["a"]],
    [
      [":arch.depth:", ":drop-out:", ":_x9:"],
      ["arch.depth", "drop-out", "_x9"],
    ],
    // Not name-shaped between the colons: no placeholder.
    [["http://host:80/", "a::b", "1:2:3", "C:\\x", "::", ":", ": a :", ":9x:"], []],
    [["http://x:80:"], []],
    // Name-shaped, so these count (and checkCommand will reject them unless defined).
    [["db:main:5432"], ["main"]],
    [["12:30:lr:"], ["lr"]],
    [[], []],
  ])("%j -> %j", (argv, names) => {
    expect(placeholders(argv)).toEqual(names);
  });
});

describe("checkCommand", () => {
  it("accepts the Spell example with no errors or warnings", () => {
    const s = parseSpace(["conv2_filter=16:128:int", "dropout_3=0.001:0.999"]);
    const argv = [
      "python",
      "cifar10_cnn.py",
      "--conv2_filter",
      ":conv2_filter:",
      "--dropout_3",
      ":dropout_3:",
    ];
    expect(checkCommand(argv, s)).toEqual({ errors: [], warnings: [] });
  });

  it("rejects placeholders with no parameter and warns of parameters never used", () => {
    const argv = ["train", "--lr=:lr:", ":foo:", "--o=:opt::foo:", ":Opt:", ":conv2_filtr:"];
    const { errors, warnings } = checkCommand(argv, space);
    expect(errors).toEqual([
      ":foo: in the command has no --param foo",
      ":Opt: in the command has no --param Opt (did you mean :opt:?)",
      ":conv2_filtr: in the command has no --param conv2_filtr (did you mean :conv2_filter:?)",
    ]);
    expect(warnings).toEqual([
      "--param conv2_filter is never used in the command (no :conv2_filter: in it)",
      "--param arch.depth is never used in the command (no :arch.depth: in it)",
      "--param drop-out is never used in the command (no :drop-out: in it)",
    ]);
  });

  it("rejects an empty command", () => {
    expect(checkCommand([], space).errors).toContain("the command after -- is empty");
  });
});

describe("formatValue", () => {
  it.each<[number | string, ParamSpec | undefined, string]>([
    [64, int, "64"],
    [-3, int, "-3"],
    [-0, int, "0"],
    [1e21, int, "1000000000000000000000"],
    [64, float, "64"],
    [64, undefined, "64"],
    [0.1, float, "0.1"],
    [0.1 + 0.2, float, "0.30000000000000004"],
    [1e-7, float, "1e-7"],
    [-0, float, "0"],
    [-0, undefined, "0"],
    [1 / 3, undefined, "0.3333333333333333"],
    ["adam", undefined, "adam"],
    [" a b ", undefined, " a b "],
  ])("%s as %o -> %s", (v, spec, text) => {
    expect(formatValue(v, spec)).toBe(text);
  });

  it("prints floats in a form that reads back to the same number", () => {
    for (let i = 1; i <= 1000; i++) {
      const x = Math.sin(i) * 10 ** ((i % 40) - 20);
      const text = formatValue(x, float);
      expect(Number(text)).toBe(x);
      expect(text).not.toMatch(/^-0$|\.0$/);
    }
  });

  it("refuses values no command should get", () => {
    expect(() => formatValue(64.5, int)).toThrow(/int parameter "n" got 64.5/);
    expect(() => formatValue(Number.NaN)).toThrow(/NaN/);
    expect(() => formatValue(Number.POSITIVE_INFINITY, float)).toThrow(/Infinity/);
  });
});

describe("substituteCommand", () => {
  const params = { conv2_filter: 64, lr: 0.001, opt: "adam", "arch.depth": 3, "drop-out": 0.25 };

  it("replaces every placeholder in every argument", () => {
    const argv = [
      "python",
      "train.py",
      "--filters",
      ":conv2_filter:",
      "--lr=:lr:",
      "--tag=:opt:-:lr:-:opt:",
      ":arch.depth::drop-out:",
      "http://host:80/:opt:",
    ];
    expect(substituteCommand(argv, params, space)).toEqual([
      "python",
      "train.py",
      "--filters",
      "64",
      "--lr=0.001",
      "--tag=adam-0.001-adam",
      "30.25",
      "http://host:80/adam",
    ]);
    // The input is left as it was.
    expect(argv[3]).toBe(":conv2_filter:");
  });

  it("prints int parameters as integers", () => {
    const s = parseSpace(["n=0:9007199254740991:int", "f=0:1e22"]);
    expect(substituteCommand([":n:", ":f:"], { n: 9007199254740991, f: 1e21 }, s)).toEqual([
      "9007199254740991",
      "1e+21",
    ]);
  });

  it("throws a UsageError naming every unknown placeholder", () => {
    let error: unknown;
    try {
      substituteCommand(["--a=:nope:", ":lr:", ":also_nope:"], params, space);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message.split("\n")).toEqual([
      ":nope: in the command has no --param nope",
      ":also_nope: in the command has no --param also_nope",
    ]);
  });

  it("throws when a used parameter has no value (inherited keys do not count)", () => {
    const s = parseSpace(["constructor=1:2:int"]);
    expect(() => substituteCommand([":constructor:"], {}, s)).toThrow(
      /no value for parameter "constructor"/,
    );
  });

  const hostile = [
    "a b",
    "it's",
    '"quoted"',
    "x; rm -rf /tmp/nothing",
    "$(echo pwned)",
    "`echo pwned`",
    "line1\nline2",
    "$HOME",
    "$&$1$$",
    ":lr:",
    "*",
    "",
  ];

  it("inserts values verbatim, without quoting or rescanning", () => {
    const s = parseSpace(["lr=0.1:1"], [`v=${JSON.stringify(hostile)}`]);
    for (const v of hostile) {
      expect(substituteCommand(["--v=:v:", ":v:"], { lr: 0.5, v }, s)).toEqual([`--v=${v}`, v]);
    }
  });

  it("delivers each value to a real process as one unchanged argument", () => {
    const s = parseSpace([], [`v=${JSON.stringify(hostile)}`]);
    const script = "process.stdout.write(JSON.stringify(process.argv.slice(1)))";
    for (const v of hostile) {
      const argv = substituteCommand(
        [process.execPath, "-e", script, "--", ":v:", "--v=:v:"],
        { v },
        s,
      );
      const [file, ...args] = argv;
      const out = execFileSync(file as string, args, { encoding: "utf8" });
      expect(JSON.parse(out)).toEqual([v, `--v=${v}`]);
    }
  });
});
