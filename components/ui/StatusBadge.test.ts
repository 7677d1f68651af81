/** The status badge takes its colour and title from the status table: a kill is never red. */
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import {
  SEARCH_STATUS,
  searchStatusSchema,
  TRIAL_STATUS,
  trialStatusSchema,
} from "../../lib/search/status";
import { StatusBadge } from "./StatusBadge";

describe("StatusBadge", () => {
  it("colours every status by its tone and titles it with its meaning", () => {
    for (const status of trialStatusSchema.options) {
      const html = renderToStaticMarkup(createElement(StatusBadge, { of: "trial", status }));
      expect(html).toContain(`badge-${TRIAL_STATUS[status].tone}`);
      expect(html).toContain(`title="${TRIAL_STATUS[status].meaning}"`);
    }
    for (const status of searchStatusSchema.options) {
      const html = renderToStaticMarkup(createElement(StatusBadge, { of: "search", status }));
      expect(html).toContain(`badge-${SEARCH_STATUS[status].tone}`);
    }
    const killed = renderToStaticMarkup(
      createElement(StatusBadge, { of: "trial", status: "killed" }),
    );
    expect(killed).toContain("badge-muted");
    expect(killed).not.toContain("badge-bad");
    const running = renderToStaticMarkup(
      createElement(StatusBadge, { of: "trial", status: "running" }),
    );
    expect(running).toContain('class="pulse"');
  });
});
