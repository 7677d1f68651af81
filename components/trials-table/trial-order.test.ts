/**
 * `sortTrials` orders the trials table as TanStack's own sorted row model does
 * with the table's columns (their sort functions, missing values last), for random trials with
 * ties, missing values, choices and job ids, in both directions; and `sortOrder` is the order
 * of `compareValues` on random mixed values.
 */
import {
  constructTable,
  createSortedRowModel,
  type SortingState,
  tableFeatures,
} from "@tanstack/react-table";
import { storeReactivityBindings } from "@tanstack/table-core/store-reactivity-bindings";
import { describe, expect, it } from "vitest";
import type { TrialRow } from "../../lib/console/views";
import { type TrialStatus, trialStatusSchema } from "../../lib/search/status";
import type { ParamSpec, ParamValue } from "../../lib/space/schema";
import { mulberry32 as rng } from "../../lib/testing/random";
import { compareValues, features, partialValueColumn, sortingOf, trialColumns } from "./columns";
import { sortKeys, sortOrder, sortTrials } from "./trial-order";

const SPACE: ParamSpec[] = [
  { kind: "range", name: "lr", min: 1e-5, max: 0.1, scale: "log", type: "float" },
  { kind: "range", name: "layers", min: 1, max: 4, scale: "linear", type: "int" },
  { kind: "choice", name: "opt", values: ["adam", "sgd", 3, "Zeta"] },
];

function randomTrials(rand: () => number, count: number): TrialRow[] {
  const statuses = trialStatusSchema.options;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;
  return Array.from({ length: count }, (_, i) => {
    const startedAt = rand() < 0.1 ? null : 1_700_000_000_000 + Math.floor(rand() * 50) * 1000;
    const params: Record<string, ParamValue> = {};
    if (rand() < 0.9) params.lr = pick([1e-4, 1e-3, 0.01, 10 ** (-5 + 4 * rand())]);
    if (rand() < 0.9) params.layers = 1 + Math.floor(rand() * 4);
    if (rand() < 0.9) params.opt = pick(["adam", "sgd", 3, "Zeta"] as const);
    return {
      n: i + 1,
      status: pick(statuses) as TrialStatus,
      params,
      value: rand() < 0.2 ? null : pick([0.5, 1, -2, rand()]),
      startedAt,
      endedAt:
        startedAt === null || rand() < 0.2 ? null : startedAt + Math.floor(rand() * 5) * 1000,
      exitCode: null,
      reason: null,
      jobId:
        rand() < 0.1 ? null : pick(["9", "10", "100", "12_3", String(Math.floor(rand() * 50))]),
      firstStep: null,
      lastStep: null,
    };
  });
}

const NOW = 1_700_000_100_000;

/** TanStack's own order: a table of all the rows with its sorted row model. */
function theirOrder(data: TrialRow[], sorting: SortingState): number[] {
  const table = constructTable({
    features: tableFeatures({
      ...features,
      sortedRowModel: createSortedRowModel(),
      coreReactivityFeature: storeReactivityBindings(),
    } as typeof features),
    columns: [...trialColumns(SPACE, "loss", () => NOW, true), partialValueColumn] as ReturnType<
      typeof trialColumns
    >,
    data,
    getRowId: (row) => String(row.n),
    state: { sorting: sortingOf(sorting) },
    enableSortingRemoval: false,
  });
  return table.getRowModel().rows.map((r) => r.original.n);
}

const ourOrder = (data: TrialRow[], sorting: SortingState): number[] =>
  sortTrials(data, sortingOf(sorting), [
    ...trialColumns(SPACE, "loss", () => NOW, true),
    partialValueColumn,
  ]).map((t) => t.n);

describe("the trials table's sort", () => {
  it("orders rows as TanStack's sorted row model does, for every column and direction", () => {
    const rand = rng(13);
    const ids = [
      "n",
      "status",
      "value",
      "param_lr",
      "param_layers",
      "param_opt",
      "job",
      "duration",
      "started",
    ];
    let reordered = 0;
    for (let round = 0; round < 12; round++) {
      const data = randomTrials(rand, 40 + Math.floor(rand() * 300));
      for (const id of ids) {
        for (const desc of [false, true]) {
          const sorting: SortingState = [{ id, desc }];
          // A second key now and then: ties on the first are broken by it, then by position.
          if (rand() < 0.4)
            sorting.push({
              id: ids[Math.floor(rand() * ids.length)] as string,
              desc: rand() < 0.5,
            });
          const ours = ourOrder(data, sorting);
          const theirs = theirOrder(data, sorting);
          expect(ours, JSON.stringify(sorting)).toEqual(theirs);
          if (theirs.some((n, i) => n !== i + 1)) reordered++;
        }
      }
    }
    // The sorting state took hold (all but the sorts by number, ascending, moved rows).
    expect(reordered).toBeGreaterThan(12 * 16);
  });

  it("by the metric: results first, then the values of trials that are no result (pruned), then none", () => {
    const row = (n: number, status: TrialStatus, value: number | null): TrialRow => ({
      ...randomTrials(rng(n), 1)[0]!,
      n,
      status,
      value,
    });
    const data = [
      row(1, "pruned", 0.3),
      row(2, "complete", 0.5),
      row(3, "failed", null),
      row(4, "pruned", 0.1),
      row(5, "complete", 0.2),
      row(6, "stopped", 0.25),
      row(7, "running", null),
    ];
    expect(ourOrder(data, [{ id: "value", desc: false }])).toEqual([5, 2, 4, 6, 1, 3, 7]);
    expect(ourOrder(data, [{ id: "value", desc: true }])).toEqual([2, 5, 1, 6, 4, 3, 7]);
    expect(theirOrder(data, [{ id: "value", desc: false }])).toEqual([5, 2, 4, 6, 1, 3, 7]);
  });

  it("puts values in compareValues' order, missing ones last either way, ties by position", () => {
    const rand = rng(7);
    const pool: unknown[] = [
      0,
      -1,
      2.5,
      1e-9,
      Number.POSITIVE_INFINITY,
      "a",
      "B",
      "b",
      "",
      undefined,
      null,
      Number.NaN,
    ];
    for (let round = 0; round < 200; round++) {
      const values = Array.from(
        { length: Math.floor(rand() * 60) },
        () => pool[Math.floor(rand() * pool.length)],
      );
      for (const desc of [false, true]) {
        const got = [...sortOrder(values.length, [{ keys: sortKeys(values), desc }])];
        const missing = (v: unknown) => v === undefined || v === null || Number.isNaN(v);
        const want = values
          .map((_, i) => i)
          .sort((a, b) => {
            const va = values[a];
            const vb = values[b];
            if (missing(va) || missing(vb))
              return missing(va) === missing(vb) ? a - b : missing(va) ? 1 : -1;
            const c = compareValues(va as ParamValue, vb as ParamValue);
            return (desc ? -c : c) || a - b;
          });
        expect(got).toEqual(want);
      }
    }
  });
});
