import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../errors";
import { detectGpus, parseGpuList, parseNvidiaSmi } from "./gpus";

const root = mkdtempSync(join(tmpdir(), "hb-gpus-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A directory holding an `nvidia-smi` shell script with this body; returns its path. */
function fakeSmi(name: string, body: string): string {
  const dir = join(root, name);
  const bin = join(dir, "nvidia-smi");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(bin, `#!/bin/sh\n${body}\n`);
  chmodSync(bin, 0o755);
  return dir;
}

const TWO_GPUS = [
  "0, NVIDIA H100 80GB HBM3, 81559 MiB, GPU-aaa",
  "1, NVIDIA H100 80GB HBM3, 81559 MiB, GPU-bbb",
].join("\n");

const envWithPath = (dir: string, extra: Record<string, string> = {}) => ({
  ...process.env,
  HYPERBAYES_GPUS: undefined,
  PATH: `${dir}:/usr/bin:/bin`,
  ...extra,
});

describe("parseNvidiaSmi", () => {
  it("reads index, name, memory and uuid, skipping noise", () => {
    const gpus = parseNvidiaSmi(
      `${TWO_GPUS}\n\nWARNING: infoROM is corrupted at gpu 0000:04:00.0\n2, Tesla K80, [N/A], [N/A]\n`,
    );
    expect(gpus).toEqual([
      { index: "0", name: "NVIDIA H100 80GB HBM3", memoryMiB: 81559, uuid: "GPU-aaa" },
      { index: "1", name: "NVIDIA H100 80GB HBM3", memoryMiB: 81559, uuid: "GPU-bbb" },
      { index: "2", name: "Tesla K80" },
    ]);
  });

  it("keeps a model name that holds a comma", () => {
    expect(parseNvidiaSmi("3, Odd, Model, 1024 MiB, GPU-c")[0]).toEqual({
      index: "3",
      name: "Odd, Model",
      memoryMiB: 1024,
      uuid: "GPU-c",
    });
  });
});

describe("parseGpuList", () => {
  it("accepts indexes and UUIDs, empty means none", () => {
    expect(parseGpuList(" 0, 2 ")).toEqual(["0", "2"]);
    expect(parseGpuList("GPU-aaa,MIG-GPU-aaa/1/0")).toEqual(["GPU-aaa", "MIG-GPU-aaa/1/0"]);
    expect(parseGpuList("")).toEqual([]);
    expect(parseGpuList("none")).toEqual([]);
  });

  it("rejects duplicates and junk with a message naming them", () => {
    expect(() => parseGpuList("0,0")).toThrow(/GPU 0 twice/);
    expect(() => parseGpuList("0,,1")).toThrow(UsageError);
    expect(() => parseGpuList("0;rm -rf")).toThrow(/"0;rm -rf"/);
  });
});

describe("detectGpus", () => {
  it("runs nvidia-smi from PATH and parses its answer", async () => {
    const dir = fakeSmi("two", `printf '%s\\n' "${TWO_GPUS.replace(/\n/g, '" "')}"`);
    const gpus = await detectGpus({ env: envWithPath(dir) });
    expect(gpus.map((g) => [g.index, g.name, g.memoryMiB, g.uuid])).toEqual([
      ["0", "NVIDIA H100 80GB HBM3", 81559, "GPU-aaa"],
      ["1", "NVIDIA H100 80GB HBM3", 81559, "GPU-bbb"],
    ]);
  });

  it("passes the query flags nvidia-smi needs", async () => {
    const dir = fakeSmi(
      "args",
      `[ "$1" = "--query-gpu=index,name,memory.total,uuid" ] && [ "$2" = "--format=csv,noheader" ] && echo "0, Checked, 1 MiB, GPU-x"`,
    );
    expect((await detectGpus({ env: envWithPath(dir) })).map((g) => g.name)).toEqual(["Checked"]);
  });

  it("finds no GPUs without nvidia-smi, when it fails, or when it hangs", async () => {
    const empty = fakeSmi("none", "exit 0");
    rmSync(join(empty, "nvidia-smi"));
    expect(await detectGpus({ env: envWithPath(empty) })).toEqual([]);

    const failing = fakeSmi("fail", "echo 'NVIDIA-SMI has failed'; exit 9");
    expect(await detectGpus({ env: envWithPath(failing) })).toEqual([]);

    const hanging = fakeSmi("hang", `echo "0, Slow, 1 MiB, GPU-s"; exec sleep 10`);
    const t0 = Date.now();
    expect(await detectGpus({ env: envWithPath(hanging), timeoutMs: 300 })).toEqual([]);
    expect(Date.now() - t0).toBeLessThan(3_000);
  });

  it("HYPERBAYES_GPUS overrides detection, keeping known names", async () => {
    const dir = fakeSmi("override", `printf '%s\\n' "${TWO_GPUS.replace(/\n/g, '" "')}"`);
    const gpus = await detectGpus({ env: envWithPath(dir, { HYPERBAYES_GPUS: "1,3" }) });
    expect(gpus).toEqual([
      { index: "1", name: "NVIDIA H100 80GB HBM3", memoryMiB: 81559, uuid: "GPU-bbb" },
      { index: "3", name: "GPU" },
    ]);
    expect(await detectGpus({ env: envWithPath(dir, { HYPERBAYES_GPUS: "" }) })).toEqual([]);
    await expect(detectGpus({ env: envWithPath(dir, { HYPERBAYES_GPUS: "1,1" }) })).rejects.toThrow(
      UsageError,
    );
  });

  it("HYPERBAYES_GPUS works where nvidia-smi is absent", async () => {
    const empty = fakeSmi("absent", "exit 0");
    rmSync(join(empty, "nvidia-smi"));
    const gpus = await detectGpus({ env: envWithPath(empty, { HYPERBAYES_GPUS: "0,1" }) });
    expect(gpus).toEqual([
      { index: "0", name: "GPU" },
      { index: "1", name: "GPU" },
    ]);
  });
});
