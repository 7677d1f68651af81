/**
 * The searches table with a search the store could not read among readable ones: it renders
 * (no page error), shows the others in full, and marks the bad one with what is wrong.
 */
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { SearchListItem, UnreadableSearchItem } from "../../lib/console/views";
import { anyLive, SearchList } from "./SearchList";

const readable = (id: number, status: SearchListItem["status"]): SearchListItem => ({
  id,
  kind: "bayesian",
  status,
  description: `search number ${id}`,
  metric: "loss",
  goal: "minimize",
  numRuns: 10,
  done: 4,
  running: 1,
  best: 0.25,
  createdAt: 1_800_000_000_000,
  labels: ["cifar", "<b>x</b>"],
});

describe("SearchList", () => {
  it("renders an unreadable search in its place, flagged, beside the others", () => {
    const bad: UnreadableSearchItem = {
      id: 2,
      unreadable:
        'search 2 was written by a newer Hyperbayes (spec kind is "tpe", which this version does not know): upgrade Hyperbayes to read it <script>',
      createdAt: null,
    };
    const html = renderToStaticMarkup(
      createElement(SearchList, { items: [readable(3, "complete"), bad, readable(1, "complete")] }),
    );
    const rows = html.split("<tr").slice(2);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain("search number 3");
    expect(rows[1]).toContain('data-unreadable=""');
    expect(rows[1]).toContain("unreadable: search 2 was written by a newer Hyperbayes");
    // Escaped like every other text the console shows.
    expect(rows[1]).toContain("&lt;script&gt;");
    expect(rows[2]).toContain("search number 1");
    expect(anyLive([readable(3, "complete"), bad])).toBe(false);
    expect(anyLive([bad, readable(1, "running")])).toBe(true);
  });

  it("shows labels as escaped tags linking to the list filtered by each; an empty filtered list says so", () => {
    const html = renderToStaticMarkup(
      createElement(SearchList, { items: [readable(1, "complete")] }),
    );
    expect(html).toContain('href="/?label=cifar"');
    expect(html).toContain(
      `href="/?label=${encodeURIComponent("<b>x</b>").replaceAll("%20", "+")}"`,
    );
    expect(html).toContain("&lt;b&gt;x&lt;/b&gt;");
    expect(html).not.toContain("<b>x</b>");
    const none = renderToStaticMarkup(createElement(SearchList, { items: [], filtered: true }));
    expect(none).toContain("No search matches");
  });
});
