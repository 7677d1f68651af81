/**
 * The machine types file: `hyperbayes.config.json` in the directory the command ran in, or the
 * file named by `HYPERBAYES_CONFIG` (where it is looked for is lib/home's `configLocation`). It
 * names machine types beyond the built-in ones, most often Slurm partitions with GPUs:
 *
 *   {"machines": {"K80": {"executor": "slurm", "partition": "gpu", "gres": "gpu:k80:1"}}}
 *
 * Strict: an unknown field is a mistake (a misspelt "partiton" would otherwise submit to the
 * default partition), reported with the file and the field, like every other bad value.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { type Env, UsageError } from "../errors";
import { configLocation, workingDirectory } from "../home";
import type { MachineType } from "./types";

export { CONFIG_FILE_NAME } from "../home";

/** Names `-t` accepts: what a shell, a URL and a Slurm job name take without quoting. */
export const MACHINE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/;

const noControl = (what: string) =>
  z
    .string()
    .min(1, `${what} is empty`)
    .refine((s) => !/[\0\n\r]/.test(s), `${what} cannot contain a NUL byte or a line break`);

/** Slurm's --time formats: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, or UNLIMITED. */
const SLURM_TIME =
  /^(?:\d+|\d+:\d+|\d+:\d+:\d+|\d+-\d+|\d+-\d+:\d+|\d+-\d+:\d+:\d+|UNLIMITED|INFINITE)$/i;

/** sbatch options hyperbayes sets itself: changing them would break how a trial is found,
 * where its output goes, or that it runs once. */
const RESERVED_LONG = new Set([
  "--output",
  "--error",
  "--chdir",
  "--job-name",
  "--parsable",
  "--requeue",
  "--wrap",
  "--array",
  "--open-mode",
  "--input",
]);
const RESERVED_SHORT = /^-[oeDJai]/;

const sbatchArg = z
  .string()
  .refine((a) => a.startsWith("-"), {
    message: 'each entry is one option with its value attached, e.g. "--nodelist=n01"',
  })
  .refine((a) => !RESERVED_LONG.has(a.split("=")[0] ?? "") && !RESERVED_SHORT.test(a), {
    message: "hyperbayes sets this option itself",
  })
  .refine((a) => !a.includes("\0"), { message: "cannot contain a NUL byte" });

const description = z.string().max(200).optional();

export const localMachineSchema = z.strictObject({
  executor: z.literal("local"),
  description,
  /** GPUs of this machine each trial gets (default 0). */
  gpus: z.number().int().min(0).max(64).optional(),
});

export const slurmMachineSchema = z.strictObject({
  executor: z.literal("slurm"),
  description,
  /** `--partition`. */
  partition: noControl("partition").optional(),
  /** `--gres`, e.g. "gpu:k80:1". */
  gres: noControl("gres")
    .refine((s) => !/\s/.test(s), "gres cannot contain spaces (e.g. gpu:k80:1)")
    .optional(),
  /** `--constraint`, node features, e.g. "k80". */
  constraint: noControl("constraint").optional(),
  /** `--cpus-per-task`. */
  cpusPerTask: z.number().int().min(1).optional(),
  /** `--mem`, e.g. "16G". */
  mem: z
    .string()
    .regex(/^\d+(?:[KMGT]B?)?$/i, 'mem is a size Slurm reads, e.g. "16G" or "4000" (megabytes)')
    .optional(),
  /** `--time` for searches without `--timeout` (Slurm's format, e.g. "4:00:00"). */
  time: z
    .string()
    .regex(SLURM_TIME, 'time is a Slurm time limit, e.g. "60" (minutes), "4:00:00" or "1-00:00:00"')
    .optional(),
  /** `--account`. */
  account: noControl("account").optional(),
  /** `--qos`. */
  qos: noControl("qos").optional(),
  /** Shell lines run by the batch script before the launcher, e.g. "module load cuda". */
  setup: z
    .array(z.string().refine((s) => !s.includes("\0"), "a setup line cannot contain a NUL byte"))
    .optional(),
  /** The Node.js binary on the compute nodes (default: the worker's own, process.execPath). */
  node: noControl("node").optional(),
  /** More sbatch arguments, passed as they are (no shell), before the script. */
  sbatchArgs: z.array(sbatchArg).optional(),
  /** GPUs each trial gets, as shown to users (default: counted from gres). */
  gpus: z.number().int().min(0).max(64).optional(),
});

/** How a machine type submits its trials to Slurm (every field optional: the cluster's
 * defaults): the Slurm executor's settings, read from the config file. */
export type SlurmSettings = Omit<
  z.infer<typeof slurmMachineSchema>,
  "executor" | "description" | "gpus"
>;

export const machineConfigSchema = z.discriminatedUnion("executor", [
  localMachineSchema,
  slurmMachineSchema,
]);
export type MachineConfig = z.infer<typeof machineConfigSchema>;

export const configFileSchema = z.strictObject({
  $schema: z.string().optional(),
  machines: z
    .record(
      z.string().regex(MACHINE_NAME, {
        message:
          "a machine type name is 1-64 letters, digits and _ . + - (starting with a letter or digit)",
      }),
      machineConfigSchema,
    )
    .optional(),
});
export type ConfigFile = z.infer<typeof configFileSchema>;

export interface LoadedConfig {
  path: string;
  config: ConfigFile;
}

/** The config file, or null when there is none. Throws UsageError naming the file and field. */
export function loadConfig(
  env: Env = process.env,
  cwd: string = workingDirectory(env),
): LoadedConfig | null {
  const { path, explicit } = configLocation(env, cwd);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !explicit) return null;
    throw new UsageError(
      code === "ENOENT"
        ? `${path}: no such file (named by HYPERBAYES_CONFIG)`
        : `${path}: cannot read it: ${(e as Error).message}`,
    );
  }
  return { path, config: parseConfig(text, path) };
}

/** Parses and validates the file's text; `path` names it in errors. */
export function parseConfig(text: string, path: string): ConfigFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path}: not valid JSON: ${(e as Error).message}`);
  }
  const parsed = configFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => `${path}: ${describeIssue(i)}`).join("\n"));
  }
  return parsed.data;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const at = issue.path.map(String).join(".");
  const where = at === "" ? "" : `${at}: `;
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((k) => `"${k}"`).join(", ");
    return `${where}unknown field${issue.keys.length === 1 ? "" : "s"} ${keys}`;
  }
  if (issue.code === "invalid_key") return `${where}${issue.issues[0]?.message ?? issue.message}`;
  if (issue.path.at(-1) === "executor") return `${where}must be "local" or "slurm"`;
  return `${where}${issue.message}`;
}

/** GPUs per trial a gres request gives: "gpu:k80:2" -> 2, "gpu" -> 1, "gpu:1,shard:2" -> 1. */
export function gpusInGres(gres: string | undefined): number {
  if (gres === undefined) return 0;
  let total = 0;
  for (const part of gres.split(",")) {
    const [name, ...rest] = part.replace(/^gres[:/]/, "").split(":");
    if (name !== "gpu") continue;
    const last = rest.at(-1);
    // gpu:type:count, gpu:count, gpu:type (one), or gpu.
    total += last !== undefined && /^\d+$/.test(last) ? Number(last) : 1;
  }
  return total;
}

/** The Slurm executor's settings for a configured type. */
export function slurmSettings(m: z.infer<typeof slurmMachineSchema>): SlurmSettings {
  const { executor: _e, description: _d, gpus: _g, ...settings } = m;
  return settings;
}

function describeSlurm(m: z.infer<typeof slurmMachineSchema>): string {
  const parts = [
    m.partition !== undefined ? `partition ${m.partition}` : "default partition",
    ...(m.gres !== undefined ? [`gres ${m.gres}`] : []),
    ...(m.constraint !== undefined ? [`constraint ${m.constraint}`] : []),
    ...(m.cpusPerTask !== undefined ? [`${m.cpusPerTask} CPUs`] : []),
    ...(m.mem !== undefined ? [`mem ${m.mem}`] : []),
  ];
  return `Slurm: ${parts.join(", ")}`;
}

/** The machine types a config file names, in its order. */
export function configMachineTypes(config: ConfigFile): MachineType[] {
  return Object.entries(config.machines ?? {}).map(([name, m]): MachineType => {
    if (m.executor === "local") {
      const gpus = m.gpus ?? 0;
      return {
        name,
        executor: "local",
        gpus,
        source: "config",
        description:
          m.description ??
          `this machine, ${gpus === 0 ? "no GPU" : `${gpus} GPU${gpus === 1 ? "" : "s"} per trial`}`,
      };
    }
    return {
      name,
      executor: "slurm",
      gpus: m.gpus ?? gpusInGres(m.gres),
      source: "config",
      description: m.description ?? describeSlurm(m),
      slurm: slurmSettings(m),
    };
  });
}
