/**
 * The executors a worker process shares between its searches, by machine type (for starting
 * trials) and by handle kind (for polling, stopping and adopting them).
 */
import { type Env, HyperbayesError } from "../lib/errors";
import { createLocalExecutor } from "../lib/executors/local";
import { SlurmExecutor } from "../lib/executors/slurm";
import type { TrialExecutor, TrialHandle } from "../lib/executors/types";
import type { MachineType } from "../lib/machines/types";

/**
 * The executors a worker process shares between its searches: one local executor (GPU slots are
 * per machine), and one Slurm executor per machine type (its sbatch settings; each polls squeue
 * once per interval for all of its jobs).
 */
export class Executors {
  private local?: Promise<TrialExecutor>;
  /** By machine type name and settings; "" for the one forKind("slurm") hands out. */
  private readonly slurm = new Map<string, SlurmExecutor>();
  constructor(private readonly env: Env = process.env) {}

  /** The executor that starts a machine type's trials (and adopts the ones it started). */
  forMachine(machine: MachineType): Promise<TrialExecutor> {
    if (machine.executor === "local") return this.forKind("local");
    // By name and settings: a config file edited while the worker runs applies to new searches.
    const key = JSON.stringify([machine.name, machine.slurm]);
    let executor = this.slurm.get(key);
    if (!executor) {
      executor = new SlurmExecutor({
        machineType: machine.name,
        settings: machine.slurm,
        env: this.env,
      });
      this.slurm.set(key, executor);
    }
    return Promise.resolve(executor);
  }

  /** An executor that can poll, stop, kill and adopt any handle of this kind (a Slurm job needs
   * no machine type settings once submitted). */
  forKind(kind: TrialHandle["kind"]): Promise<TrialExecutor> {
    if (kind === "local") {
      this.local ??= createLocalExecutor({ env: this.env });
      return this.local;
    }
    if (kind === "slurm") {
      let executor = this.slurm.get("");
      if (!executor) {
        executor = new SlurmExecutor({ env: this.env });
        this.slurm.set("", executor);
      }
      return Promise.resolve(executor);
    }
    throw new HyperbayesError("internal", `no ${kind satisfies never} executor in this worker`);
  }

  async close(): Promise<void> {
    if (this.local) await (await this.local).close();
    for (const executor of this.slurm.values()) await executor.close();
  }
}
