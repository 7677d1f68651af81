/**
 * `/searches/new`: the form. Defaults the working directory to the one `hyperbayes console` was
 * started in (lib/home: the server itself runs from the repository), and offers the
 * machine types `hyperbayes machines` lists (a broken config file leaves the local ones, and says
 * why under the field). The machine type starts at the one the CLI takes without -t.
 */
import type { Metadata } from "next";
import Link from "next/link";
import { SearchForm } from "../../../components/search-form/SearchForm";
import { defaultFormValues, type MachineChoice } from "../../../lib/console/search-form";
import { workingDirectory } from "../../../lib/home";
import { detectGpus } from "../../../lib/machines/gpus";
import { defaultAmong, listMachineTypes, localMachineTypes } from "../../../lib/machines/types";
import { createSearch } from "./create-search";

export const metadata: Metadata = { title: "New search" };

async function machineChoices(): Promise<{
  choices: MachineChoice[];
  /** What the CLI would take without -t, so the form starts where the command would. */
  fallback: string;
  problem?: string;
}> {
  const choice = (t: MachineChoice) => ({ name: t.name, description: t.description });
  try {
    const types = await listMachineTypes();
    return { choices: types.map(choice), fallback: defaultAmong(types) };
  } catch (e) {
    const problem = e instanceof Error ? e.message : String(e);
    const types = localMachineTypes(await detectGpus());
    return { choices: types.map(choice), fallback: defaultAmong(types), problem };
  }
}

export default async function NewSearchPage() {
  const machines = await machineChoices();
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
      <SearchForm
        action={createSearch}
        initialValues={defaultFormValues(workingDirectory(), { machineType: machines.fallback })}
        machineTypes={machines.choices}
        {...(machines.problem ? { machineProblem: machines.problem } : {})}
      />
    </>
  );
}
