/** `/searches/new`: the form. Defaults the working directory to the console's own. */
import type { Metadata } from "next";
import Link from "next/link";
import { SearchForm } from "../../../components/search-form/SearchForm";
import { defaultFormValues } from "../../../lib/console/search-form";
import { createSearch } from "./create-search";

export const metadata: Metadata = { title: "New search" };

export default function NewSearchPage() {
  return (
    <>
      <div className="crumbs">
        <Link href="/">Searches</Link> / new
      </div>
      <div className="page-head">
        <div>
          <h1>New search</h1>
          <div className="sub">
            Trials run on this machine's worker. Every field matches a flag of the{" "}
            <code>hyperbayes</code> command.
          </div>
        </div>
      </div>
      <SearchForm action={createSearch} initialValues={defaultFormValues(process.cwd())} />
    </>
  );
}
