/**
 * Notes' markdown, parsed into a tree that the console renders as React elements
 * (components/notes/Markdown.tsx). There is no HTML anywhere on this path: the parser has no
 * node for raw HTML, so `<script>` or `<img onerror=…>` typed into a note is text, and a link is
 * a node only when its address parses as an absolute http, https or mailto URL (what
 * `safeHref` returns is that URL's normalized form, the one the browser will follow).
 *
 * The subset (docs/decisions/console.md, "Notes"):
 *   blocks   paragraphs (a blank line between), headings `#`..`######`, fenced code (``` or ~~~,
 *            an optional language word), lists (`-`, `*`, `+`, or `1.` / `1)`; nested by
 *            indenting), block quotes `>`, rules `---`
 *   inline   **strong** / __strong__, *em* / _em_ (underscores only at word edges, so
 *            conv2_filter stays a name), `code`, [text](url), bare http(s) addresses, a line
 *            break for each newline inside a paragraph, backslash escapes (\*)
 * Anything else is text as typed, HTML entities included (`&lt;` shows as `&lt;`).
 *
 * Linear in the input (NOTES_MAX_CHARS is 20,000): a delimiter's closer is looked for once per
 * position (searches that failed are remembered), and nesting stops at MAX_DEPTH.
 */

export type Inline =
  | { type: "text"; text: string }
  | { type: "code"; text: string }
  | { type: "strong"; children: Inline[] }
  | { type: "em"; children: Inline[] }
  | { type: "link"; href: string; children: Inline[] }
  | { type: "break" };

export type Block =
  | { type: "paragraph"; children: Inline[] }
  | { type: "heading"; level: 1 | 2 | 3 | 4 | 5 | 6; children: Inline[] }
  | { type: "code"; lang: string | null; text: string }
  | { type: "list"; ordered: boolean; start: number; items: Block[][] }
  | { type: "quote"; children: Block[] }
  | { type: "rule" };

/** Deepest nesting of quotes, lists and inline spans; deeper markup is read as text. */
const MAX_DEPTH = 16;

const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/** The address a link may have: an absolute http, https or mailto URL, normalized; else null. */
export function safeHref(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
}

export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, "\n").split("\n").map(expandLeadingTabs);
  return parseBlocks(lines, 0);
}

function expandLeadingTabs(line: string): string {
  return line.replace(/^[ \t]+/, (ws) => ws.replace(/\t/g, "    "));
}

// --- blocks ------------------------------------------------------------------------------------

const FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const ITEM = /^( {0,3})([-*+]|\d{1,9}[.)])([ \t]+|$)(.*)$/;

const isBlank = (line: string) => line.trim() === "";

/** A line that starts a block of its own, so it ends a paragraph above it. */
function startsBlock(line: string): boolean {
  return (
    FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || ITEM.test(line)
  );
}

interface Marker {
  ordered: boolean;
  /** The bullet character, or the ordered delimiter (`.` or `)`): a change starts a new list. */
  kind: string;
  start: number;
  /** Columns before the item's text: continuation lines are indented at least this much. */
  indent: number;
  text: string;
}

function itemMarker(line: string): Marker | undefined {
  const m = ITEM.exec(line);
  if (!m) return undefined;
  const [, lead = "", mark = "", gap = "", text = ""] = m;
  const ordered = /\d/.test(mark);
  return {
    ordered,
    kind: ordered ? mark.slice(-1) : mark,
    start: ordered ? Number(mark.slice(0, -1)) : 1,
    // A gap of more than 4 spaces is the text's own indentation (CommonMark): count one.
    indent: lead.length + mark.length + (gap.length > 4 || gap.length === 0 ? 1 : gap.length),
    text: gap.length > 4 ? gap.slice(1) + text : text,
  };
}

function parseBlocks(lines: readonly string[], depth: number): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    if (isBlank(line)) {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const mark = fence[1] as string;
      const close = new RegExp(`^ {0,3}${mark[0] === "`" ? "`" : "~"}{${mark.length},}[ \\t]*$`);
      const body: string[] = [];
      i++;
      while (i < lines.length && !close.test(lines[i] as string)) body.push(lines[i++] as string);
      i++; // the closing fence (or the end: an unclosed fence runs to the end, as in CommonMark)
      blocks.push({ type: "code", lang: fence[2] || null, text: body.join("\n") });
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const level = (heading[1] as string).length as 1 | 2 | 3 | 4 | 5 | 6;
      blocks.push({ type: "heading", level, children: parseInline(heading[2] ?? "", depth) });
      i++;
      continue;
    }
    if (RULE.test(line)) {
      blocks.push({ type: "rule" });
      i++;
      continue;
    }
    if (depth < MAX_DEPTH && QUOTE.test(line)) {
      const inner: string[] = [];
      while (i < lines.length) {
        const q = QUOTE.exec(lines[i] as string);
        if (!q) break;
        inner.push(q[1] as string);
        i++;
      }
      blocks.push({ type: "quote", children: parseBlocks(inner, depth + 1) });
      continue;
    }
    const marker = depth < MAX_DEPTH ? itemMarker(line) : undefined;
    if (marker) {
      i = parseList(lines, i, marker, depth, blocks);
      continue;
    }
    const para: string[] = [line];
    i++;
    while (i < lines.length && !isBlank(lines[i] as string) && !startsBlock(lines[i] as string))
      para.push(lines[i++] as string);
    blocks.push({ type: "paragraph", children: parseInline(para.join("\n").trim(), depth) });
  }
  return blocks;
}

/** Reads the list starting at `lines[at]` into `out`; returns the index after it. */
function parseList(
  lines: readonly string[],
  at: number,
  first: Marker,
  depth: number,
  out: Block[],
): number {
  const items: Block[][] = [];
  let i = at;
  let marker: Marker | undefined = first;
  while (marker) {
    const body: string[] = [marker.text];
    const indent = marker.indent;
    i++;
    for (;;) {
      if (i >= lines.length) break;
      const line = lines[i] as string;
      if (isBlank(line)) {
        // A blank line keeps the item open only if what follows belongs to the list.
        let j = i;
        while (j < lines.length && isBlank(lines[j] as string)) j++;
        const next = lines[j];
        if (next === undefined) break;
        if (leadingSpaces(next) >= indent) {
          for (; i < j; i++) body.push("");
          continue;
        }
        const m = itemMarker(next);
        if (m && m.ordered === first.ordered && m.kind === first.kind) i = j;
        break;
      }
      if (leadingSpaces(line) >= indent) body.push(line.slice(indent));
      else if (!startsBlock(line) && !isBlank(body[body.length - 1] ?? ""))
        body.push(line); // a lazy continuation of the item's paragraph
      else break;
      i++;
    }
    items.push(parseBlocks(body, depth + 1));
    const next = i < lines.length ? itemMarker(lines[i] as string) : undefined;
    marker = next && next.ordered === first.ordered && next.kind === first.kind ? next : undefined;
  }
  out.push({ type: "list", ordered: first.ordered, start: first.start, items });
  return i;
}

function leadingSpaces(line: string): number {
  return line.length - line.trimStart().length;
}

// --- inline ------------------------------------------------------------------------------------

const ESCAPABLE = /[\\`*_{}[\]()#+\-.!<>~|"'&]/;
const AUTOLINK = /^https?:\/\/[^\s<>]*[^\s<>.,;:!?'")\]]/;
const WORD = /[\p{L}\p{N}]/u;

function parseInline(source: string, depth: number, inLink = false): Inline[] {
  const out: Inline[] = [];
  let text = "";
  const flush = () => {
    if (text !== "") out.push({ type: "text", text });
    text = "";
  };
  const push = (node: Inline) => {
    flush();
    out.push(node);
  };
  // Where a search for a delimiter's closer found none: no later opener of that kind can close.
  const noCloserFrom = new Map<string, number>();
  // Each `]`'s link tail, found once.
  const scan = new Scanner(source);
  const tails = new Map<number, { href: string | null; end: number } | null>();

  let i = 0;
  const s = source;
  while (i < s.length) {
    const c = s[i] as string;
    if (c === "\\" && s[i + 1] === "\n") {
      push({ type: "break" });
      i += 2;
      continue;
    }
    if (c === "\\" && i + 1 < s.length && ESCAPABLE.test(s[i + 1] as string)) {
      text += s[i + 1];
      i += 2;
      continue;
    }
    if (c === "\n") {
      text = text.replace(/[ \t]+$/, "");
      push({ type: "break" });
      i++;
      while (s[i] === " " || s[i] === "\t") i++;
      continue;
    }
    if (c === "`") {
      const run = runLength(s, i, "`");
      const key = "`".repeat(run);
      const dead = noCloserFrom.get(key);
      const close = dead !== undefined && i >= dead ? -1 : findRun(s, i + run, "`", run);
      if (close < 0) {
        if (dead === undefined || i < dead) noCloserFrom.set(key, i);
        text += s.slice(i, i + run);
        i += run;
        continue;
      }
      let code = s.slice(i + run, close).replace(/\n/g, " ");
      if (code.length > 2 && code.startsWith(" ") && code.endsWith(" ") && code.trim() !== "")
        code = code.slice(1, -1);
      push({ type: "code", text: code });
      i = close + run;
      continue;
    }
    if (c === "[" && !inLink && depth < MAX_DEPTH) {
      const close = scan.next("]", i + 1);
      if (close >= 0) {
        let tail = tails.get(close);
        if (tail === undefined) {
          tail = linkTail(scan, close + 1);
          tails.set(close, tail);
        }
        if (tail) {
          const children = parseInline(s.slice(i + 1, close), depth + 1, true);
          // A link to anywhere else (javascript:, data:, a relative path) keeps only its text.
          if (tail.href === null) {
            flush();
            out.push(...children);
          } else push({ type: "link", href: tail.href, children });
          i = tail.end;
          continue;
        }
      }
    }
    if ((c === "*" || c === "_") && depth < MAX_DEPTH) {
      const run = runLength(s, i, c);
      const span = run <= 3 ? emphasis(s, i, c, run, noCloserFrom) : undefined;
      if (span) {
        const inner = parseInline(s.slice(i + run, span), depth + 1, inLink);
        const node: Inline =
          run === 1
            ? { type: "em", children: inner }
            : run === 2
              ? { type: "strong", children: inner }
              : { type: "strong", children: [{ type: "em", children: inner }] };
        push(node);
        i = span + run;
        continue;
      }
      text += s.slice(i, i + run);
      i += run;
      continue;
    }
    if (
      c === "h" &&
      !inLink &&
      s.startsWith("http", i) &&
      (i === 0 || !WORD.test(s[i - 1] as string))
    ) {
      const auto = AUTOLINK.exec(s.slice(i, i + 2048));
      const href = auto ? safeHref(auto[0]) : null;
      if (auto && href) {
        push({ type: "link", href, children: [{ type: "text", text: auto[0] }] });
        i += auto[0].length;
        continue;
      }
    }
    text += c;
    i++;
  }
  flush();
  return out;
}

function runLength(s: string, at: number, ch: string): number {
  let n = 0;
  while (s[at + n] === ch) n++;
  return n;
}

/** The start of the next run of exactly `n` `ch`s at or after `from`, or -1. */
function findRun(s: string, from: number, ch: string, n: number): number {
  let j = s.indexOf(ch, from);
  while (j >= 0) {
    const run = runLength(s, j, ch);
    if (run === n) return j;
    j = s.indexOf(ch, j + run);
  }
  return -1;
}

/**
 * Where the emphasis opened by `run` `ch`s at `at` closes (the closing run's start), or
 * undefined when it does not open one: an opener is followed by a non-space, a closer follows a
 * non-space, and `_` only opens and closes at a word's edge.
 */
function emphasis(
  s: string,
  at: number,
  ch: string,
  run: number,
  noCloserFrom: Map<string, number>,
): number | undefined {
  const after = s[at + run];
  if (after === undefined || /\s/.test(after)) return undefined;
  if (ch === "_" && at > 0 && WORD.test(s[at - 1] as string)) return undefined;
  const key = ch.repeat(run);
  const dead = noCloserFrom.get(key);
  if (dead !== undefined && at >= dead) return undefined;
  let j = findRun(s, at + run + 1, ch, run);
  while (j >= 0) {
    const before = s[j - 1] as string;
    const next = s[j + run];
    const wordEdge = ch !== "_" || next === undefined || !WORD.test(next);
    if (!/\s/.test(before) && wordEdge) return j;
    j = findRun(s, j + run, ch, run);
  }
  noCloserFrom.set(key, at);
  return undefined;
}

/**
 * Finds, in one string, the next occurrence of a character after a position, and where a link
 * address starting at a position ends: each answer is remembered, so the many tries of a note
 * full of `[`, `](` or `<` cost one pass, not one pass each.
 */
class Scanner {
  private readonly last = new Map<string, { from: number; at: number }>();
  private ends: Int32Array | undefined;
  constructor(readonly s: string) {}

  /** `s.indexOf(ch, from)`, remembered: queries that move forward cost one pass in all. */
  next(ch: string, from: number): number {
    const memo = this.last.get(ch);
    if (memo && from >= memo.from && (memo.at < 0 || from <= memo.at)) return memo.at;
    const at = this.s.indexOf(ch, from);
    this.last.set(ch, { from, at });
    return at;
  }

  /**
   * Where an address starting at `from` ends: at the first whitespace or control character, or
   * at the first `)` that closes no `(` opened since `from` (a backslash escapes the next
   * character). Computed for every position at once, the first time it is asked.
   */
  addressEnd(from: number): number {
    this.ends ??= addressEnds(this.s);
    return this.ends[from] ?? this.s.length;
  }
}

function addressEnds(s: string): Int32Array {
  const n = s.length;
  // plain[k]: the character at k is escaped (no whitespace, no parenthesis); depth[k]: the
  // parentheses open before k.
  const escaped = new Uint8Array(n);
  const depth = new Int32Array(n + 1);
  for (let k = 0; k < n; k++) {
    const c = s.charCodeAt(k);
    depth[k + 1] = depth[k] as number;
    if (escaped[k]) continue;
    if (c === 92 /* \\ */ && k + 1 < n) escaped[k + 1] = 1;
    else if (c === 40 /* ( */) depth[k + 1] = (depth[k] as number) + 1;
    else if (c === 41 /* ) */) depth[k + 1] = (depth[k] as number) - 1;
  }
  const ends = new Int32Array(n + 1).fill(n);
  let space = n;
  // The nearest `)` to the right whose depth before it is d: it closes an address at depth d.
  const closeAt = new Map<number, number>();
  for (let k = n - 1; k >= 0; k--) {
    const c = s.charCodeAt(k);
    if (!escaped[k]) {
      if (c <= 32) space = k;
      else if (c === 41) closeAt.set(depth[k] as number, k);
    }
    ends[k] = Math.min(space, closeAt.get(depth[k] as number) ?? n);
  }
  return ends;
}

/**
 * The `(url "title")` after a link's `]` at `from`: the address (null when it is not one a
 * link may have, see safeHref) and the index after the `)`; null when there is no such tail.
 */
function linkTail(scan: Scanner, from: number): { href: string | null; end: number } | null {
  const s = scan.s;
  if (s[from] !== "(") return null;
  let i = from + 1;
  while (s[i] === " ") i++;
  // Sliced only once the tail is known to be one: a note of many `](` tries stays linear.
  let dest: [number, number];
  let escapes = false;
  if (s[i] === "<") {
    const close = scan.next(">", i + 1);
    if (close < 0) return null;
    const lt = scan.next("<", i + 1);
    const nl = scan.next("\n", i + 1);
    if ((lt >= 0 && lt < close) || (nl >= 0 && nl < close)) return null;
    dest = [i + 1, close];
    i = close + 1;
  } else {
    const end = scan.addressEnd(i);
    dest = [i, end];
    escapes = true;
    i = end;
  }
  while (s[i] === " ") i++;
  const quote = s[i];
  if (quote === '"' || quote === "'") {
    const close = scan.next(quote, i + 1);
    if (close < 0) return null;
    i = close + 1;
    while (s[i] === " ") i++;
  }
  if (s[i] !== ")") return null;
  let address = s.slice(dest[0], dest[1]);
  if (escapes) address = address.replace(/\\(.)/g, "$1");
  return { href: address === "" ? null : safeHref(address), end: i + 1 };
}
