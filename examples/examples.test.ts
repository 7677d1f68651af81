/**
 * Each runnable example as a user runs it: its folder copied into a temporary project
 * directory, a short Bayesian search (6 trials, 2 at once) through the real `hyperbayes`
 * command from there with no HYPERBAYES_* variable, its data in that folder's ./.hyperbayes.
 * Every trial must complete, and the best must beat the first trial: the first is the initial
 * design's first point, fixed by the seed (and each script is deterministic), so the check
 * cannot flake on timing; examples/README.md lists, per example, how many of seeds 1-8 it
 * held for. keras-cifar10 needs a GPU and the internet: it is only compiled.
 *
 * The Python is the first python3 (PATH, then Debian's /usr/bin/python3) that imports the
 * example's modules; without one the example's test is skipped and its title says which
 * package to install. CI installs them (.ci/run).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXAMPLES, pythonWith, removeProjects, shortSearch } from "./_short-search";

afterAll(removeProjects);

describe("examples: a short search of each through the real command", () => {
  for (const example of EXAMPLES) {
    const python = pythonWith(example.modules);
    const title = python
      ? `${example.folder}: 6 trials, 2 at once, all complete, the best beats the first`
      : `${example.folder}: SKIPPED, no python3 imports ${example.modules.join(", ")} (apt install ${example.apt})`;
    it.skipIf(python === undefined)(
      title,
      async () => {
        const { search, trials } = await shortSearch(example, python!);
        expect(search.status).toBe("complete");
        expect(trials.map((t) => [t.number, t.status, t.reason])).toEqual(
          [1, 2, 3, 4, 5, 6].map((n) => [n, "complete", null]),
        );
        const values = trials.map((t) => t.value!);
        for (const v of values) expect(Number.isFinite(v)).toBe(true);
        const first = values[0]!;
        const best = search.goal === "minimize" ? Math.min(...values) : Math.max(...values);
        if (search.goal === "minimize") expect(best).toBeLessThan(first);
        else expect(best).toBeGreaterThan(first);
      },
      240_000,
    );
  }

  // A real framework's epoch lines (Keras-style, from PyTorch) driving ASHA: epochs 1-based, so
  // with 5 epochs the rungs are at epochs 1 and 3. Which trials are pruned depends on the order
  // trials report in; what must hold does not.
  const pytorch = EXAMPLES.find((e) => e.folder === "pytorch-digits")!;
  const torch = pythonWith(pytorch.modules);
  it.skipIf(torch === undefined)(
    "pytorch-digits with --early-stop asha: 12 trials, 2 at once; losers pruned at a rung (epoch 1 or 3 of 5), the best complete, the saving printed and whole",
    async () => {
      const { search, trials, stdout } = await shortSearch(pytorch, torch!, pytorch.seed, {
        flags: ["--early-stop", "asha"],
        runs: 12,
      });
      expect(search.status).toBe("complete");
      expect(trials.map((t) => t.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      const pruned = trials.filter((t) => t.status === "pruned");
      expect(
        trials.filter((t) => t.status !== "pruned").every((t) => t.status === "complete"),
      ).toBe(true);
      expect(pruned.length).toBeGreaterThan(0);
      for (const t of pruned) {
        const m = /^ASHA rung (\d) at step (\d+): /.exec(t.reason ?? "");
        expect(m, t.reason ?? "no reason").not.toBeNull();
        expect(Number(m![2])).toBe(3 ** Number(m![1]));
        expect(Number(m![2])).toBeLessThan(5);
      }
      const best = trials.find((t) => t.number === search.best?.trialNumber);
      expect(best?.status).toBe("complete");
      // Every trial counts 5 epochs, trained or saved: the complete ones trained them all.
      const line = /(\d+) trial-steps trained, (\d+) saved by pruning (\d+) trials/.exec(stdout);
      expect(line, stdout).not.toBeNull();
      expect(Number(line![3])).toBe(pruned.length);
      expect(Number(line![1]) + Number(line![2])).toBe(12 * 5);
      expect(Number(line![2])).toBeGreaterThan(0);
    },
    240_000,
  );

  it("keras-cifar10 compiles (it needs a GPU and the internet to run)", () => {
    const python = pythonWith([]) ?? "python3";
    const dir = mkdtempSync(join(tmpdir(), "hb-keras-"));
    const r = spawnSync(
      python,
      [
        "-c",
        "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)",
        join(import.meta.dirname, "keras-cifar10", "cifar10_cnn.py"),
        join(dir, "cifar10_cnn.pyc"),
      ],
      { encoding: "utf8" },
    );
    expect(r.status, r.stderr).toBe(0);
  });
});
