/**
 * Notes' markdown as React elements: the tree of lib/console/markdown.ts, one element per node.
 * Text reaches the page only as React text children (escaped by React), never as HTML; a link's
 * href is the one URL `safeHref` let through, and opens in a new tab without the opener.
 */
import { Fragment, type ReactNode, useMemo } from "react";
import { type Block, type Inline, parseMarkdown } from "../../lib/console/markdown";

export function Markdown({ source, testId }: { source: string; testId?: string }) {
  const blocks = useMemo(() => parseMarkdown(source), [source]);
  return (
    <div className="markdown" data-testid={testId}>
      {blocks.map(block)}
    </div>
  );
}

// Headings sit under the page's h1 and the panels' h2: a note's `#` is an h3.
const HEADINGS = ["h3", "h4", "h5", "h6", "h6", "h6"] as const;

function block(b: Block, key: number): ReactNode {
  switch (b.type) {
    case "paragraph":
      return <p key={key}>{b.children.map(inline)}</p>;
    case "heading": {
      const H = HEADINGS[b.level - 1] ?? "h6";
      return (
        <H key={key} className={`md-h${b.level}`}>
          {b.children.map(inline)}
        </H>
      );
    }
    case "code":
      return (
        <pre key={key} className="code-block" data-lang={b.lang ?? undefined}>
          <code>{b.text}</code>
        </pre>
      );
    case "list": {
      const items = b.items.map((item, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the items of one parse, in order
        <li key={i}>{item.map(block)}</li>
      ));
      return b.ordered ? (
        <ol key={key} start={b.start === 1 ? undefined : b.start}>
          {items}
        </ol>
      ) : (
        <ul key={key}>{items}</ul>
      );
    }
    case "quote":
      return <blockquote key={key}>{b.children.map(block)}</blockquote>;
    case "rule":
      return <hr key={key} />;
  }
}

function inline(n: Inline, key: number): ReactNode {
  switch (n.type) {
    case "text":
      return <Fragment key={key}>{n.text}</Fragment>;
    case "code":
      return <code key={key}>{n.text}</code>;
    case "strong":
      return <strong key={key}>{n.children.map(inline)}</strong>;
    case "em":
      return <em key={key}>{n.children.map(inline)}</em>;
    case "link":
      return (
        <a key={key} href={n.href} target="_blank" rel="noopener noreferrer nofollow">
          {n.children.map(inline)}
        </a>
      );
    case "break":
      return <br key={key} />;
  }
}
