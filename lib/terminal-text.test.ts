import { describe, expect, it } from "vitest";
import { printable, printableJson } from "./terminal-text";
import { recordBadInput } from "./testing/ledger";
import { mulberry32 as rng } from "./testing/random";

// What a terminal acts on rather than shows: C0 and C1 controls, DEL, bidi controls, U+2028/9.
const CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

describe("printable", () => {
  it("shows escapes, controls and bidi overrides as text, on one line", () => {
    const cases: [string, string, string][] = [
      ["\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m", "CSI colour"],
      ["\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H", "CSI clear screen"],
      ["\x1b]0;owned\x07", "\\x1b]0;owned\\x07", "OSC window title"],
      ["\x1b]52;c;cm0gLXJm\x07", "\\x1b]52;c;cm0gLXJm\\x07", "OSC 52 clipboard write"],
      [
        "\x1b]8;;http://evil.example\x1b\\ok\x1b]8;;\x1b\\",
        "\\x1b]8;;http://evil.example\\x1b\\ok\\x1b]8;;\\x1b\\",
        "OSC 8 link",
      ],
      ["\x9b31m", "\\u009b31m", "C1 CSI"],
      ["\x9d0;t\x9c", "\\u009d0;t\\u009c", "C1 OSC"],
      ["a\nb\r\tc\x00\x7f", "a\\nb\\r\\tc\\x00\\x7f", "newline, CR, tab, NUL, DEL"],
      ["rm -rf \u202e/ txt.exe", "rm -rf \\u202e/ txt.exe", "RLO"],
      ["\u2066x\u2069\u200f\u061c", "\\u2066x\\u2069\\u200f\\u061c", "isolates and marks"],
      ["a\u2028b", "a\\u2028b", "line separator"],
    ];
    for (const [input, shown, why] of cases) {
      recordBadInput(`terminal text: ${why}`);
      expect(printable(input), why).toBe(shown);
    }
  });

  it("leaves ordinary text alone: accents, CJK, emoji with joiners", () => {
    for (const text of ["loss", "Überprüfung ü", "学习率", "👩‍🔬 ok", "a\\x1b stays", "x=1 y=2"])
      expect(printable(text)).toBe(text);
  });

  it("never lets a control through, for any string", () => {
    const next = rng(7);
    const pool = [..."ab=-\\[];\x1b\x07\x9b\x9d\u202e\u2066\n\r\t\x00\x7f\u2028é😀"];
    for (let i = 0; i < 2000; i++) {
      let s = "";
      const n = Math.floor(next() * 20);
      for (let j = 0; j < n; j++) s += pool[Math.floor(next() * pool.length)];
      const shown = printable(s);
      expect(CONTROL.test(shown), JSON.stringify(s)).toBe(false);
      // Ordinary characters survive in order: only controls were rewritten.
      expect(shown.replace(/\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[nrt])/g, "")).toBe(
        s
          .replace(new RegExp(CONTROL.source, "g"), "")
          .replace(/\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[nrt])/g, ""),
      );
    }
  });
});

describe("printableJson", () => {
  it("is the same JSON value, with no control left raw", () => {
    const value = { d: "\x1b[31m\x9b\u202e\u2028ok\x7f", n: [1, "\u2066"] };
    const text = printableJson(JSON.stringify(value, null, 2));
    expect(CONTROL.test(text.replace(/\n/g, ""))).toBe(false);
    expect(JSON.parse(text)).toEqual(value);
  });
});
