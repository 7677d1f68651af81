/** `hyperbayes machines`: the machine types -t can name. */
import { DEFAULT_MACHINE_TYPE_WORDS } from "../lib/machines/default";
import { defaultAmong, listMachineTypes } from "../lib/machines/types";
import { parseFlags } from "./_args";
import { table } from "./_common";

const USAGE = "usage: hyperbayes machines [--json]\n";

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(
    argv,
    { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const types = await listMachineTypes();
  if (values.json) {
    process.stdout.write(`${JSON.stringify(types, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(
    table(
      ["NAME", "EXECUTOR", "GPUS", "SOURCE", "DESCRIPTION"],
      types.map((t) => [t.name, t.executor, String(t.gpus), t.source, t.description]),
    ),
  );
  process.stdout.write(`\nwithout -t: ${defaultAmong(types)} (${DEFAULT_MACHINE_TYPE_WORDS})\n`);
  return 0;
}
