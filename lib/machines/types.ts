/**
 * Machine types: the names `-t/--machine-type` picks from, and what each means for a trial
 * (which executor runs it, how many GPUs it gets, for Slurm how it is submitted). Built in:
 * `cpu` (a local process, no GPU) and one local type per GPU model that detection finds (e.g.
 * `H100`), one GPU per trial. More come from the config file (lib/machines/config.ts); a
 * configured type replaces a built-in one of the same name.
 */
import { type Env, UsageError } from "../errors";
import { workingDirectory } from "../home";
import type { SlurmSettings } from "./config";
import { configMachineTypes, loadConfig } from "./config";
import { CPU_MACHINE_NAME, defaultAmong } from "./default";
import { detectGpus, type Gpu } from "./gpus";

interface MachineTypeBase {
  name: string;
  /** GPUs each trial gets. */
  gpus: number;
  /** Where the type came from, for `hyperbayes machines`. */
  source: "built-in" | "detected" | "config";
  description: string;
}

export interface LocalMachineType extends MachineTypeBase {
  executor: "local";
}

export interface SlurmMachineType extends MachineTypeBase {
  executor: "slurm";
  /** How each trial is submitted (sbatch options, setup lines). */
  slurm: SlurmSettings;
}

export type MachineType = LocalMachineType | SlurmMachineType;

/** "NVIDIA H100 80GB HBM3" -> "H100", "Tesla K80" -> "K80", "NVIDIA GeForce RTX 4090" -> "RTX4090". */
export function gpuModelName(name: string): string {
  const words = name
    .split(/\s+/)
    .filter((w) => w !== "" && !/^(nvidia|tesla|geforce|quadro)$/i.test(w))
    .map((w) => w.split("-")[0] ?? w);
  const first = words[0];
  if (first === undefined || first === "") return "GPU";
  const second = words[1];
  return /\d/.test(first) || second === undefined ? first : `${first}${second}`;
}

export const CPU_MACHINE: LocalMachineType = {
  name: CPU_MACHINE_NAME,
  executor: "local",
  gpus: 0,
  source: "built-in",
  description: "this machine, no GPU",
};

export function localMachineTypes(gpus: readonly Gpu[]): LocalMachineType[] {
  const byModel = new Map<string, number>();
  for (const g of gpus) {
    const model = gpuModelName(g.name);
    byModel.set(model, (byModel.get(model) ?? 0) + 1);
  }
  return [
    CPU_MACHINE,
    ...[...byModel].map(([name, count]) => ({
      name,
      executor: "local" as const,
      gpus: 1,
      source: "detected" as const,
      description: `this machine, one of ${count} ${name} GPU${count === 1 ? "" : "s"} per trial`,
    })),
  ];
}

/**
 * Every machine type -t can name: built-in, detected, then the config file's (`cwd` is where
 * hyperbayes.config.json is looked for; default lib/home's working directory, which is the
 * user's, not the console server's). Throws UsageError for a bad config file.
 */
export async function listMachineTypes(
  env: Env = process.env,
  cwd: string = workingDirectory(env),
): Promise<MachineType[]> {
  return (await machinesHere(env, cwd)).types;
}

/** The machine types, and the GPUs detection found that local ones share. */
async function machinesHere(
  env: Env,
  cwd: string,
): Promise<{ types: MachineType[]; gpus: readonly Gpu[] }> {
  const loaded = loadConfig(env, cwd);
  const configured = loaded ? configMachineTypes(loaded.config) : [];
  const taken = new Set(configured.map((t) => t.name.toLowerCase()));
  const gpus = await detectGpus({ env });
  const local = localMachineTypes(gpus);
  return { types: [...local.filter((t) => !taken.has(t.name.toLowerCase())), ...configured], gpus };
}

export { defaultAmong } from "./default";

/** The type a search gets without -t on this machine (see defaultAmong). */
export async function defaultMachineType(
  env: Env = process.env,
  cwd: string = workingDirectory(env),
): Promise<string> {
  return defaultAmong(await listMachineTypes(env, cwd));
}

/**
 * The machine type `name` (case-insensitive when no exact match). Throws UsageError for a name it
 * does not know, and for a local type that gives each trial more GPUs than this machine has: its
 * trials would wait for GPUs for ever.
 */
export async function resolveMachineType(
  name: string,
  env: Env = process.env,
  cwd: string = workingDirectory(env),
): Promise<MachineType> {
  const { types, gpus } = await machinesHere(env, cwd);
  const found =
    types.find((t) => t.name === name) ??
    types.find((t) => t.name.toLowerCase() === name.toLowerCase());
  if (!found) {
    throw new UsageError(
      `unknown machine type "${name}"; known: ${types.map((t) => t.name).join(", ")}`,
    );
  }
  if (found.executor === "local" && found.gpus > gpus.length) {
    const has = gpus.length === 0 ? "none" : String(gpus.length);
    throw new UsageError(
      `machine type ${found.name} gives each trial ${found.gpus} GPU${found.gpus === 1 ? "" : "s"}; this machine has ${has} (nvidia-smi, or HYPERBAYES_GPUS=0,1 to name them)`,
    );
  }
  return found;
}
