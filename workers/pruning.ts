/**
 * The search loop's early stopping: the series of the search metric of every trial of the search
 * (running and ended), fed as metric lines arrive, and the judgement of a running trial after
 * its new points, by the pure rules of lib/pruning. The loop (search-run.ts) ends a trial judged
 * losing as a stop does. docs/decisions/early-stopping.md has the rules.
 *
 * Each trial remembers the step it was last judged at, so ASHA judges each rung once, when the
 * trial crosses it. A trial adopted from an earlier worker starts as judged up to the step its
 * stored series reached: the rungs it passed under that worker are not judged again with later
 * data.
 */
import { sameMetric } from "../lib/metrics/names";
import { decidePruning, type EarlyStop, type PruneDecision } from "../lib/pruning/rules";
import { StepSeries } from "../lib/pruning/series";
import type { SearchSpec } from "../lib/search/spec";
import type { TrialStatus } from "../lib/search/status";

type Named = { name: string; step: number; value: number };

export class PruningJudge {
  private readonly config: EarlyStop | undefined;
  private readonly byTrial = new Map<number, StepSeries>();
  private readonly judgedTo = new Map<number, number>();
  /** The last step of the complete trials (rules.ts's end step), once one completed. */
  private endStep: number | undefined;

  constructor(
    private readonly spec: Pick<
      SearchSpec,
      "metric" | "goal" | "earlyStop" | "earlyStopMinSteps" | "reductionFactor"
    >,
  ) {
    this.config =
      spec.earlyStop === "none"
        ? undefined
        : {
            rule: spec.earlyStop,
            minSteps: spec.earlyStopMinSteps,
            reductionFactor: spec.reductionFactor,
            goal: spec.goal,
          };
  }

  get enabled(): boolean {
    return this.config !== undefined;
  }

  /** Adds a trial's points (any metric: only the search metric's are kept). */
  add(trial: number, points: readonly Named[]): void {
    if (!this.config) return;
    const s = this.byTrial.get(trial) ?? new StepSeries();
    this.byTrial.set(trial, s);
    for (const p of points) if (sameMetric(p.name, this.spec.metric)) s.add(p);
  }

  /** A trial ended: a complete one's last step may move the end step, where no rule decides. */
  ended(trial: number, status: TrialStatus): void {
    if (status !== "complete") return;
    const last = this.latestStep(trial);
    if (last !== undefined && (this.endStep === undefined || last > this.endStep))
      this.endStep = last;
  }

  /** The trial counts as judged up to the latest step it has (an adopted trial). */
  judgedSoFar(trial: number): void {
    const latest = this.latestStep(trial);
    if (latest !== undefined) this.judgedTo.set(trial, latest);
  }

  /** Whether the running trial should be pruned now, after its new points. Never throws. */
  judge(trial: number): PruneDecision {
    if (!this.config) return { prune: false };
    const points = this.byTrial.get(trial) ?? new StepSeries();
    const others = [...this.byTrial].map(([number, pts]) => ({ trial: number, points: pts }));
    const decision = decidePruning(
      this.config,
      { trial, points },
      others,
      this.judgedTo.get(trial),
      this.endStep,
    );
    this.judgedSoFar(trial);
    return decision;
  }

  /** The trial's series of the search metric so far (empty when it printed none). */
  series(trial: number): StepSeries {
    return this.byTrial.get(trial) ?? new StepSeries();
  }

  /** The latest step with a finite value of the trial's search metric, if it has one. */
  latestStep(trial: number): number | undefined {
    return this.byTrial.get(trial)?.lastStep();
  }
}
