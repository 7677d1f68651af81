import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../errors";
import {
  CONFIG_FILE_NAME,
  configMachineTypes,
  gpusInGres,
  loadConfig,
  parseConfig,
} from "./config";
import { defaultMachineType, listMachineTypes, resolveMachineType } from "./types";

const root = mkdtempSync(join(tmpdir(), "hb-config-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const FILE = "/etc/hb/hyperbayes.config.json";

/** The UsageError message parseConfig throws for this config. */
function problem(config: unknown): string {
  try {
    parseConfig(JSON.stringify(config), FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error("the config was accepted");
}

describe("the config file", () => {
  it("turns the issue's example into a Slurm machine type with every setting", () => {
    const config = parseConfig(
      JSON.stringify({
        machines: {
          K80: {
            executor: "slurm",
            partition: "gpu",
            gres: "gpu:k80:1",
            constraint: "k80",
            cpusPerTask: 4,
            mem: "16G",
            time: "4:00:00",
            setup: ["module load cuda"],
            sbatchArgs: ["--nodelist=n01"],
          },
          big: { executor: "local", gpus: 2, description: "the workstation" },
        },
      }),
      FILE,
    );
    expect(configMachineTypes(config)).toEqual([
      {
        name: "K80",
        executor: "slurm",
        gpus: 1,
        source: "config",
        description: "Slurm: partition gpu, gres gpu:k80:1, constraint k80, 4 CPUs, mem 16G",
        slurm: {
          partition: "gpu",
          gres: "gpu:k80:1",
          constraint: "k80",
          cpusPerTask: 4,
          mem: "16G",
          time: "4:00:00",
          setup: ["module load cuda"],
          sbatchArgs: ["--nodelist=n01"],
        },
      },
      { name: "big", executor: "local", gpus: 2, source: "config", description: "the workstation" },
    ]);
  });

  it("names the file and the field of every mistake", () => {
    expect(problem({ machines: { K80: { executor: "slurm", cpusPerTask: "4" } } })).toMatch(
      /^\/etc\/hb\/hyperbayes\.config\.json: machines\.K80\.cpusPerTask: .*number/,
    );
    expect(problem({ machines: { K80: { executor: "slurm", partiton: "gpu" } } })).toBe(
      `${FILE}: machines.K80: unknown field "partiton"`,
    );
    expect(problem({ machines: { K80: { executor: "kubernetes" } } })).toMatch(
      /^\/etc\/hb\/hyperbayes\.config\.json: machines\.K80\.executor: /,
    );
    expect(problem({ machines: { K80: { partition: "gpu" } } })).toMatch(
      /machines\.K80\.executor: /,
    );
    expect(problem({ machines: { "a b": { executor: "local" } } })).toMatch(
      /machines\.a b: a machine type name is/,
    );
    expect(problem({ machines: { K: { executor: "slurm", mem: "16 GB" } } })).toMatch(
      /machines\.K\.mem: mem is a size/,
    );
    expect(problem({ machines: { K: { executor: "slurm", time: "soon" } } })).toMatch(
      /machines\.K\.time: time is a Slurm time limit/,
    );
    expect(problem({ machines: { K: { executor: "slurm", gres: "gpu: 1" } } })).toMatch(
      /machines\.K\.gres: /,
    );
    expect(
      problem({ machines: { K: { executor: "slurm", sbatchArgs: ["--output=/tmp/x"] } } }),
    ).toMatch(/machines\.K\.sbatchArgs\.0: hyperbayes sets this option itself/);
    expect(problem({ machines: { K: { executor: "slurm", sbatchArgs: ["n01"] } } })).toMatch(
      /machines\.K\.sbatchArgs\.0: each entry is one option/,
    );
    expect(problem({ machine: {} })).toBe(`${FILE}: unknown field "machine"`);
    expect(() => parseConfig("{machines:", FILE)).toThrow(
      /^\/etc\/hb\/hyperbayes\.config\.json: not valid JSON/,
    );
  });

  it("counts the GPUs a gres request gives each trial", () => {
    expect(gpusInGres(undefined)).toBe(0);
    expect(gpusInGres("gpu")).toBe(1);
    expect(gpusInGres("gpu:2")).toBe(2);
    expect(gpusInGres("gpu:k80:4")).toBe(4);
    expect(gpusInGres("gpu:a100")).toBe(1);
    expect(gpusInGres("gpu:1,shard:2")).toBe(1);
    expect(gpusInGres("mps:50")).toBe(0);
  });
});

describe("finding the config file", () => {
  const noGpus = { HYPERBAYES_GPUS: "" };

  it("refuses a local type with more GPUs per trial than this machine has, never the default", async () => {
    const dir = join(root, "gpu-types");
    mkdirSync(dir);
    writeFileSync(
      join(dir, CONFIG_FILE_NAME),
      JSON.stringify({ machines: { "two-gpus": { executor: "local", gpus: 2 } } }),
    );
    // What `hyperbayes bayesian -t two-gpus` met on a machine without GPUs: trials that waited
    // for GPUs for ever; now a UsageError before anything is stored (CLI, form and worker alike).
    await expect(resolveMachineType("two-gpus", noGpus, dir)).rejects.toThrow(
      /^machine type two-gpus gives each trial 2 GPUs; this machine has none \(/,
    );
    await expect(
      resolveMachineType("two-gpus", { ...noGpus, HYPERBAYES_GPUS: "0" }, dir),
    ).rejects.toThrow("this machine has 1 (");
    expect(
      await resolveMachineType("two-gpus", { ...noGpus, HYPERBAYES_GPUS: "0,1" }, dir),
    ).toMatchObject({ name: "two-gpus", gpus: 2 });
    expect(await defaultMachineType(noGpus, dir)).toBe("cpu");
    expect(await defaultMachineType({ ...noGpus, HYPERBAYES_GPUS: "0,1" }, dir)).toBe("GPU");
  });

  it("is optional in the working directory, required where HYPERBAYES_CONFIG names it", () => {
    const empty = join(root, "empty");
    mkdirSync(empty);
    expect(loadConfig(noGpus, empty)).toBeNull();
    expect(() => loadConfig({ HYPERBAYES_CONFIG: "missing.json" }, empty)).toThrow(
      `${join(empty, "missing.json")}: no such file (named by HYPERBAYES_CONFIG)`,
    );
  });

  it("adds configured types to the built-in ones; -t finds them, or lists what it knows", async () => {
    const dir = join(root, "project");
    mkdirSync(dir);
    writeFileSync(
      join(dir, CONFIG_FILE_NAME),
      JSON.stringify({ machines: { K80: { executor: "slurm", gres: "gpu:k80:1" } } }),
    );
    const types = await listMachineTypes(noGpus, dir);
    expect(types.map((t) => [t.name, t.executor, t.source])).toEqual([
      ["cpu", "local", "built-in"],
      ["K80", "slurm", "config"],
    ]);
    expect(await resolveMachineType("k80", noGpus, dir)).toMatchObject({
      name: "K80",
      slurm: { gres: "gpu:k80:1" },
    });
    await expect(resolveMachineType("V100", noGpus, dir)).rejects.toThrow(
      'unknown machine type "V100"; known: cpu, K80',
    );
    // The same file named from elsewhere.
    const elsewhere = await listMachineTypes(
      { ...noGpus, HYPERBAYES_CONFIG: join(dir, CONFIG_FILE_NAME) },
      root,
    );
    expect(elsewhere.map((t) => t.name)).toEqual(["cpu", "K80"]);
  });

  it("lets a configured type replace a built-in one of the same name", async () => {
    const dir = join(root, "override");
    mkdirSync(dir);
    writeFileSync(
      join(dir, CONFIG_FILE_NAME),
      JSON.stringify({ machines: { CPU: { executor: "slurm", partition: "cpu" } } }),
    );
    const types = await listMachineTypes(noGpus, dir);
    expect(types.map((t) => [t.name, t.executor])).toEqual([["CPU", "slurm"]]);
  });

  it("rejects a bad file when listing, naming the file", async () => {
    const dir = join(root, "bad");
    mkdirSync(dir);
    writeFileSync(join(dir, CONFIG_FILE_NAME), JSON.stringify({ machines: { K: { gres: 1 } } }));
    await expect(listMachineTypes(noGpus, dir)).rejects.toThrow(
      `${join(dir, CONFIG_FILE_NAME)}: machines.K.executor`,
    );
  });
});
