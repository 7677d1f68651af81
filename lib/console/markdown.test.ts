import { describe, expect, it } from "vitest";
import { Rng } from "../optimizer/rng";
import { recordBadInput } from "../testing/ledger";
import { type Block, type Inline, parseMarkdown, safeHref } from "./markdown";

const t = (text: string): Inline => ({ type: "text", text });
const p = (...children: Inline[]): Block => ({ type: "paragraph", children });

describe("parseMarkdown: the subset", () => {
  const cases: [string, string, Block[]][] = [
    ["empty", "", []],
    ["a paragraph", "hello world", [p(t("hello world"))]],
    ["two paragraphs", "one\n\ntwo", [p(t("one")), p(t("two"))]],
    [
      "a newline is a line break",
      "one\ntwo  \nthree",
      [p(t("one"), { type: "break" }, t("two"), { type: "break" }, t("three"))],
    ],
    [
      "headings",
      "# Big\n### Small ###",
      [
        { type: "heading", level: 1, children: [t("Big")] },
        { type: "heading", level: 3, children: [t("Small")] },
      ],
    ],
    ["#tag is no heading", "#tag", [p(t("#tag"))]],
    [
      "strong and em",
      "**bold** and *it* and __b__ _i_",
      [
        p(
          { type: "strong", children: [t("bold")] },
          t(" and "),
          { type: "em", children: [t("it")] },
          t(" and "),
          { type: "strong", children: [t("b")] },
          t(" "),
          { type: "em", children: [t("i")] },
        ),
      ],
    ],
    [
      "em inside strong",
      "**a *b* c**",
      [p({ type: "strong", children: [t("a "), { type: "em", children: [t("b")] }, t(" c")] })],
    ],
    [
      "strong inside em",
      "*a **b** c*",
      [p({ type: "em", children: [t("a "), { type: "strong", children: [t("b")] }, t(" c")] })],
    ],
    ["triple", "***x***", [p({ type: "strong", children: [{ type: "em", children: [t("x")] }] })]],
    [
      "snake_case names stay names",
      "conv2_filter and dropout_3_rate",
      [p(t("conv2_filter and dropout_3_rate"))],
    ],
    ["a lone star", "2 * 3 * 4", [p(t("2 * 3 * 4"))]],
    [
      "inline code keeps markup as text",
      "use `**lr** < 0.1` here",
      [p(t("use "), { type: "code", text: "**lr** < 0.1" }, t(" here"))],
    ],
    ["double backticks", "`` a`b ``", [p({ type: "code", text: "a`b" })]],
    ["an unclosed backtick", "a ` b", [p(t("a ` b"))]],
    ["escapes", "\\*not em\\* \\`x\\`", [p(t("*not em* `x`"))]],
    [
      "fenced code",
      "```python\nx = 1 < 2\n<b>\n```\nafter",
      [{ type: "code", lang: "python", text: "x = 1 < 2\n<b>" }, p(t("after"))],
    ],
    [
      "an unclosed fence runs to the end",
      "~~~\na\n\nb",
      [{ type: "code", lang: null, text: "a\n\nb" }],
    ],
    [
      "a bullet list",
      "- one\n- **two**\n* other kind",
      [
        {
          type: "list",
          ordered: false,
          start: 1,
          items: [[p(t("one"))], [p({ type: "strong", children: [t("two")] })]],
        },
        { type: "list", ordered: false, start: 1, items: [[p(t("other kind"))]] },
      ],
    ],
    [
      "an ordered list with a start and a loose item",
      "3. three\n\n4. four\n   more",
      [
        {
          type: "list",
          ordered: true,
          start: 3,
          items: [[p(t("three"))], [p(t("four"), { type: "break" }, t("more"))]],
        },
      ],
    ],
    [
      "a nested list",
      "- a\n  - b\n  - c\n- d",
      [
        {
          type: "list",
          ordered: false,
          start: 1,
          items: [
            [
              p(t("a")),
              { type: "list", ordered: false, start: 1, items: [[p(t("b"))], [p(t("c"))]] },
            ],
            [p(t("d"))],
          ],
        },
      ],
    ],
    [
      "a paragraph then a list",
      "Findings:\n- x mattered",
      [
        p(t("Findings:")),
        { type: "list", ordered: false, start: 1, items: [[p(t("x mattered"))]] },
      ],
    ],
    ["-5 is no item", "-5 was the minimum", [p(t("-5 was the minimum"))]],
    [
      "a quote and a rule",
      "> quoted *x*\n> more\n\n---",
      [
        {
          type: "quote",
          children: [
            p(t("quoted "), { type: "em", children: [t("x")] }, { type: "break" }, t("more")),
          ],
        },
        { type: "rule" },
      ],
    ],
    [
      "links",
      '[docs](https://example.com/a_b?q=1) and [mail](mailto:me@example.com "title")',
      [
        p(
          { type: "link", href: "https://example.com/a_b?q=1", children: [t("docs")] },
          t(" and "),
          { type: "link", href: "mailto:me@example.com", children: [t("mail")] },
        ),
      ],
    ],
    [
      "a link with parentheses",
      "[w](https://en.wikipedia.org/wiki/Kernel_(statistics))",
      [
        p({
          type: "link",
          href: "https://en.wikipedia.org/wiki/Kernel_(statistics)",
          children: [t("w")],
        }),
      ],
    ],
    [
      "a bare address",
      "see https://example.com/x.",
      [
        p(
          t("see "),
          { type: "link", href: "https://example.com/x", children: [t("https://example.com/x")] },
          t("."),
        ),
      ],
    ],
    ["brackets that are no link", "[a] [b](", [p(t("[a] [b]("))]],
    ["CRLF", "a\r\n\r\nb", [p(t("a")), p(t("b"))]],
  ];
  for (const [name, input, tree] of cases)
    it(name, () => {
      expect(parseMarkdown(input)).toEqual(tree);
    });
});

/** Every node type in a tree, and every link's href. */
function walk(blocks: Block[]): { types: Set<string>; hrefs: string[]; text: string } {
  const types = new Set<string>();
  const hrefs: string[] = [];
  let text = "";
  const inline = (n: Inline) => {
    types.add(n.type);
    if (n.type === "text" || n.type === "code") text += n.text;
    if (n.type === "link") hrefs.push(n.href);
    if ("children" in n) n.children.forEach(inline);
  };
  const block = (b: Block) => {
    types.add(b.type);
    if (b.type === "paragraph" || b.type === "heading") b.children.forEach(inline);
    if (b.type === "code") text += b.text;
    if (b.type === "quote") b.children.forEach(block);
    if (b.type === "list") for (const item of b.items) item.forEach(block);
  };
  blocks.forEach(block);
  return { types, hrefs, text };
}

describe("parseMarkdown: no HTML, no unsafe link", () => {
  const payloads: [string, string][] = [
    ["a script tag", "<script>window.__xss=1</script>"],
    ["an img with onerror", '<img src=x onerror="window.__xss=1">'],
    ["a raw anchor", '<a href="javascript:alert(1)">x</a>'],
    ["an svg", "<svg onload=alert(1)>"],
    ["entities", "&lt;script&gt;alert(1)&lt;/script&gt; &#106;avascript:"],
    ["an iframe in a list", "- <iframe src=javascript:alert(1)>"],
    ["html in a heading", "# <b onclick=x>hi</b>"],
  ];
  for (const [name, input] of payloads)
    it(`${name} stays text`, () => {
      recordBadInput(`notes: ${name}`);
      const { types, hrefs, text } = walk(parseMarkdown(input));
      expect(hrefs).toEqual([]);
      // The typed characters are all there, as text: nothing was read as markup.
      expect(text.replace(/\s/g, "")).toBe(input.replace(/^[-#] /, "").replace(/\s/g, ""));
      for (const type of types) expect(["paragraph", "heading", "list", "text"]).toContain(type);
    });

  const links: [string, string][] = [
    ["javascript:", "[x](javascript:alert(1))"],
    ["JavaScript: in capitals with spaces", "[x]( JaVaScRiPt:alert(1) )"],
    ["an entity-encoded scheme", "[x](&#106;avascript:alert(1))"],
    ["a tab inside the scheme", "[x](java\tscript:alert(1))"],
    ["a data: URL", "[x](data:text/html,<script>alert(1)</script>)"],
    ["vbscript:", "[x](vbscript:msgbox(1))"],
    ["a relative path", "[x](/searches/1)"],
    ["a protocol-relative URL", "[x](//evil.example/)"],
    ["an angle-bracketed javascript:", "[x](<javascript:alert(1)>)"],
    ["the issue's payload", "[click](javascript:window.__xss=1)"],
  ];
  for (const [name, input] of links)
    it(`a link to ${name} keeps its text and no link`, () => {
      recordBadInput(`notes: a link to ${name}`);
      const { types, hrefs } = walk(parseMarkdown(input));
      expect(hrefs).toEqual([]);
      expect(types.has("link")).toBe(false);
    });

  it("safeHref: only absolute http, https and mailto, normalized", () => {
    expect(safeHref("https://example.com")).toBe("https://example.com/");
    expect(safeHref("HTTP://EXAMPLE.com/A")).toBe("http://example.com/A");
    expect(safeHref("mailto:a@b.c")).toBe("mailto:a@b.c");
    for (const bad of [
      "javascript:alert(1)",
      " javascript:x",
      "\u0000javascript:x",
      "data:,x",
      "file:///etc/passwd",
      "ftp://x",
      "/a",
      "a.html",
      "",
    ])
      expect(safeHref(bad)).toBeNull();
  });

  it("random markdown-ish text: never a link outside http/https/mailto, never a throw, linear time", () => {
    const rng = new Rng(13);
    const rand = () => rng.uniform();
    const atoms = [
      "*",
      "**",
      "_",
      "`",
      "[",
      "]",
      "(",
      ")",
      "<",
      ">",
      "\n",
      "\n\n",
      "- ",
      "1. ",
      "# ",
      "> ",
      "```",
      "  ",
      "\\",
      "a",
      "b c",
      "javascript:",
      "https://x.y/",
      "mailto:q@r.s",
      "data:",
      "&lt;",
      '"',
      "\t",
    ];
    for (let round = 0; round < 400; round++) {
      let s = "";
      const n = 1 + Math.floor(rand() * 60);
      for (let k = 0; k < n; k++) s += atoms[Math.floor(rand() * atoms.length)];
      const { hrefs } = walk(parseMarkdown(s));
      for (const h of hrefs) expect(h).toMatch(/^(https?:\/\/|mailto:)/);
    }
  });

  it("pathological inputs of the longest notes parse quickly", () => {
    const n = 20_000;
    for (const s of [
      "*".repeat(n),
      "*a ".repeat(n / 3),
      `${"[".repeat(n - 10)}](x`,
      "[a](".repeat(n / 4),
      "`` `".repeat(n / 4),
      "_a".repeat(n / 2),
      `${"*_".repeat(n / 4)}x${"_*".repeat(n / 4)}`,
      "> ".repeat(n / 2),
      `${"  ".repeat(n / 6)}- x\n`.repeat(3),
      "- ".repeat(n / 2),
    ]) {
      const start = performance.now();
      parseMarkdown(s);
      // Generous for a loaded CI machine; a quadratic parse takes seconds here.
      expect(performance.now() - start).toBeLessThan(1000);
    }
  });
});
