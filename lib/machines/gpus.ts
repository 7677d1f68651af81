/**
 * GPU detection: which GPUs this machine can hand to trials. The local executor turns this list
 * into GPU slots (one trial per GPU index, named in its CUDA_VISIBLE_DEVICES); machine types are
 * derived from the model names.
 *
 * Sources, first match wins:
 *   1. `HYPERBAYES_GPUS=0,1,...` (empty = no GPUs): the user's word, for machines where
 *      detection fails or to keep some GPUs out of the searches. Indexes or GPU/MIG UUIDs, as
 *      CUDA_VISIBLE_DEVICES accepts them. Names come from `nvidia-smi` when it knows the index.
 *   2. `nvidia-smi --query-gpu=...`; a missing, failing or hanging binary means no GPUs.
 */
import { execFile } from "node:child_process";
import { type Env, UsageError } from "../errors";

export interface Gpu {
  /** What goes into CUDA_VISIBLE_DEVICES: the nvidia-smi index (PCI bus order) or a UUID. */
  index: string;
  /** Model name, e.g. "NVIDIA H100 80GB HBM3"; "GPU" when unknown. */
  name: string;
  memoryMiB?: number;
  uuid?: string;
}

export const NVIDIA_SMI_ARGS = [
  "--query-gpu=index,name,memory.total,uuid",
  "--format=csv,noheader",
] as const;

const DEFAULT_TIMEOUT_MS = 5_000;
const UNKNOWN_NAME = "GPU";

/**
 * Parses `nvidia-smi --query-gpu=index,name,memory.total,uuid --format=csv,noheader` output.
 * Lines that do not start with an index (warnings, blank lines) are skipped.
 */
export function parseNvidiaSmi(csv: string): Gpu[] {
  const gpus: Gpu[] = [];
  for (const line of csv.split(/\r?\n/)) {
    const fields = line.split(",").map((f) => f.trim());
    if (fields.length < 4 || !/^\d+$/.test(fields[0] ?? "")) continue;
    // A model name holding a comma would split in two: the last two fields are always memory and uuid.
    const uuid = fields[fields.length - 1] ?? "";
    const memory = fields[fields.length - 2] ?? "";
    const name = fields.slice(1, -2).join(", ");
    const mib = /^(\d+)\s*MiB$/i.exec(memory);
    gpus.push({
      index: fields[0]!,
      name: name || UNKNOWN_NAME,
      ...(mib ? { memoryMiB: Number(mib[1]) } : {}),
      ...(/^GPU-/i.test(uuid) ? { uuid } : {}),
    });
  }
  return gpus;
}

const GPU_ID = /^[A-Za-z0-9][A-Za-z0-9_:/.-]*$/;

/** Parses the `HYPERBAYES_GPUS` value into the ids it names; throws UsageError on a bad list. */
export function parseGpuList(value: string): string[] {
  const trimmed = value.trim();
  if (trimmed === "" || trimmed.toLowerCase() === "none") return [];
  const ids = trimmed.split(",").map((s) => s.trim());
  const seen = new Set<string>();
  for (const id of ids) {
    if (!GPU_ID.test(id)) {
      throw new UsageError(
        `HYPERBAYES_GPUS: "${id}" is not a GPU index or UUID (expected e.g. HYPERBAYES_GPUS=0,1)`,
      );
    }
    if (seen.has(id)) throw new UsageError(`HYPERBAYES_GPUS names GPU ${id} twice`);
    seen.add(id);
  }
  return ids;
}

/** Runs nvidia-smi; resolves [] when it is absent, fails or exceeds the timeout. Never throws. */
export function queryNvidiaSmi(opts: { env?: Env; timeoutMs?: number } = {}): Promise<Gpu[]> {
  return new Promise((resolve) => {
    execFile(
      "nvidia-smi",
      [...NVIDIA_SMI_ARGS],
      {
        // Env allows undefined values, which execFile drops; the cast only silences Next's NODE_ENV.
        env: (opts.env ?? process.env) as NodeJS.ProcessEnv,
        timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        killSignal: "SIGKILL",
        maxBuffer: 1 << 20,
        windowsHide: true,
      },
      (err, stdout) => resolve(err ? [] : parseNvidiaSmi(String(stdout))),
    );
  });
}

/**
 * The GPUs trials may use on this machine. Throws UsageError only for a malformed
 * HYPERBAYES_GPUS; a machine without NVIDIA tools simply has no GPUs.
 */
export async function detectGpus(opts: { env?: Env; timeoutMs?: number } = {}): Promise<Gpu[]> {
  const env = opts.env ?? process.env;
  const override = env.HYPERBAYES_GPUS;
  if (override === undefined) return queryNvidiaSmi(opts);
  const ids = parseGpuList(override);
  if (ids.length === 0) return [];
  const known = await queryNvidiaSmi(opts);
  return ids.map((id) => {
    const match = known.find((g) => g.index === id || g.uuid === id);
    return match ? { ...match, index: id } : { index: id, name: UNKNOWN_NAME };
  });
}
