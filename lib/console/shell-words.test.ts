import { describe, expect, it } from "vitest";
import { joinShellWords, splitShellWords } from "./shell-words";

describe("shell words", () => {
  it("splits like a shell: quotes group, backslashes escape, nothing expands", () => {
    expect(splitShellWords(`python  train.py --name "a b" 'c "d"' e\\ f $HOME ""`)).toEqual({
      ok: true,
      argv: ["python", "train.py", "--name", "a b", 'c "d"', "e f", "$HOME", ""],
    });
    expect(splitShellWords(`"a\\"b\\\\c\\x"`)).toEqual({ ok: true, argv: ['a"b\\c\\x'] });
    expect(splitShellWords("  ")).toEqual({ ok: true, argv: [] });
    expect(splitShellWords("a \\\n  b\\\nc")).toEqual({ ok: true, argv: ["a", "bc"] });
  });

  it("fails on unterminated quotes and a trailing backslash", () => {
    expect(splitShellWords("a 'b").ok).toBe(false);
    expect(splitShellWords('a "b').ok).toBe(false);
    expect(splitShellWords("a \\").ok).toBe(false);
  });

  it("joins any argv into a line that splits back to it", () => {
    const cases = [
      ["plain", "--lr=:lr:", "a,b"],
      ["it's", 'say "hi"', "$(rm -rf /)", "semi;colon", "new\nline", "tab\there", "", "*"],
      ["back\\slash", "'", "''", "ünïcode"],
    ];
    for (const argv of cases) {
      const line = joinShellWords(argv);
      expect(splitShellWords(line)).toEqual({ ok: true, argv });
    }
    expect(joinShellWords(["node", "x.mjs", "--x", ":x:"])).toBe("node x.mjs --x :x:");
  });
});
