/**
 * The search list's filter, as the page's URL holds it (`/?status=running&label=cifar`), so a
 * filtered list survives a reload and can be shared. Read with zod; a value that does not read
 * (a status this version does not know, a label past a label's length) is dropped and said, never
 * an error page.
 */
import { z } from "zod";
import { type SearchStatus, searchStatusSchema } from "../search/status";

export interface SearchListFilter {
  status?: SearchStatus;
  label?: string;
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() ?? "";

const labelSchema = z.string().min(1).max(100);

/** The filter in the query, and the parts of the query that were not a filter it can apply. */
export function readListFilter(query: Record<string, string | string[] | undefined>): {
  filter: SearchListFilter;
  ignored: string[];
} {
  const filter: SearchListFilter = {};
  const ignored: string[] = [];
  const status = one(query.status);
  if (status !== "") {
    const r = searchStatusSchema.safeParse(status);
    if (r.success) filter.status = r.data;
    else ignored.push(`status "${status}"`);
  }
  const label = one(query.label);
  if (label !== "") {
    const r = labelSchema.safeParse(label);
    if (r.success) filter.label = r.data;
    else ignored.push("a label longer than 100 characters");
  }
  return { filter, ignored };
}

/** The list's URL for `filter` (the form's GET writes the same). */
export function listHref(filter: SearchListFilter): string {
  const q = new URLSearchParams();
  if (filter.status) q.set("status", filter.status);
  if (filter.label) q.set("label", filter.label);
  const s = q.toString();
  return s === "" ? "/" : `/?${s}`;
}
