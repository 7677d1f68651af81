import { describe, expect, it } from "vitest";
import { recordBadInput } from "../testing/ledger";
import { csvField, csvRow } from "./export";

/** The cell's text as a spreadsheet reads it: RFC 4180 unquoting. */
function unquote(field: string): string {
  return field.startsWith('"') ? field.slice(1, -1).replaceAll('""', '"') : field;
}

const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i;

describe("csvField", () => {
  it("neutralizes cells that start like a formula: a quote in front, and quotes around", () => {
    const hostile: [string, string][] = [
      ["=1+2", `"'=1+2"`],
      ['=HYPERLINK("http://evil.example","x")', `"'=HYPERLINK(""http://evil.example"",""x"")"`],
      ["+cmd|' /C calc'!A0", `"'+cmd|' /C calc'!A0"`],
      ["-2+3", `"'-2+3"`],
      ["@SUM(1+1)", `"'@SUM(1+1)"`],
      ["\t=1", `"'\t=1"`],
      ["\r=1", `"'\r=1"`],
      ["-", `"'-"`],
      ["-Infinity", `"'-Infinity"`],
    ];
    for (const [text, field] of hostile) {
      recordBadInput(`CSV cell ${JSON.stringify(text)}`);
      expect(csvField(text), text).toBe(field);
    }
    expect(csvField(Number.NEGATIVE_INFINITY)).toBe(`"'-Infinity"`);
  });

  it("keeps numbers as numbers, a numeric string too (decided: it cannot run anything)", () => {
    expect(csvField(-1.5)).toBe("-1.5");
    expect(csvField("-1.5")).toBe("-1.5");
    expect(csvField(-1e-7)).toBe("-1e-7");
    expect(csvField("+2")).toBe("+2");
    expect(csvField(0)).toBe("0");
    expect(csvField(null)).toBe("");
    expect(csvRow([1, "a,b", 'say "hi"', "line\nbreak"])).toBe(
      '1,"a,b","say ""hi""","line\nbreak"\r\n',
    );
  });

  it("never writes a cell a spreadsheet would read as a formula, and loses nothing", () => {
    let seed = 11;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pool = [..."=+-@\t\r\n,\"'1.5eaSUM()| "];
    for (let i = 0; i < 3000; i++) {
      let text = "";
      const n = 1 + Math.floor(next() * 8);
      for (let j = 0; j < n; j++) text += pool[Math.floor(next() * pool.length)];
      const read = unquote(csvField(text));
      if (/^[=+\-@\t\r]/.test(read)) expect(NUMBER.test(read), JSON.stringify(text)).toBe(true);
      expect(read === text || read === `'${text}`, JSON.stringify(text)).toBe(true);
    }
  });
});
