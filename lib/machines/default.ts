/**
 * The machine type a search gets without `-t`: the rule and its words, in one place. The words
 * reach the help, the README's flag table and the form through the machineType row of
 * lib/search/settings.ts (its `otherwise`); the rule runs in the CLI (lib/machines/types
 * defaultMachineType) and in the form's page (app/searches/new). Pure: the form ships it.
 */

/** The built-in machine type: a local process, no GPU. */
export const CPU_MACHINE_NAME = "cpu";

/** What `defaultAmong` picks, as the help, the README and the form say it. */
export const DEFAULT_MACHINE_TYPE_WORDS = "this machine's first GPU model, else cpu";

/**
 * The type a search gets without -t, among `types` (in `listMachineTypes`'s order: detected GPU
 * models first): the first GPU model detection found on this machine, else cpu. A Slurm type is
 * never the default (a search sent to a cluster is one the user asked for), nor a configured
 * local type with GPUs: on a machine without them it could never start a trial.
 */
export function defaultAmong(
  types: readonly {
    name: string;
    executor: "local" | "slurm";
    gpus: number;
    source: "built-in" | "detected" | "config";
  }[],
): string {
  return (
    types.find((t) => t.executor === "local" && t.gpus > 0 && t.source === "detected")?.name ??
    CPU_MACHINE_NAME
  );
}
