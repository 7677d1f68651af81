/**
 * How robust the examples test's "the best beats the first trial" is: each example's short
 * search under seeds 1..N (default 8), with the first trial's value, the best, and whether it
 * held. The result is in examples/README.md.
 *
 *     node bin/run-ts.mjs examples/check-seeds.ts [N]
 */
import { EXAMPLES, pythonWith, removeProjects, shortSearch } from "./_short-search";

const seeds = Number(process.argv[2] ?? 8);
try {
  for (const example of EXAMPLES) {
    const python = pythonWith(example.modules);
    if (!python) {
      process.stdout.write(`${example.folder}: skipped, no python3 imports ${example.modules}\n`);
      continue;
    }
    let held = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      const { search, trials } = await shortSearch(example, python, seed);
      const values = trials.map((t) => t.value ?? Number.NaN);
      const best = search.goal === "minimize" ? Math.min(...values) : Math.max(...values);
      const first = values[0]!;
      const ok = search.goal === "minimize" ? best < first : best > first;
      if (ok) held++;
      const complete = trials.filter((t) => t.status === "complete").length;
      process.stdout.write(
        `${example.folder} seed ${seed}: ${complete}/6 complete, first ${first}, best ${best}${ok ? "" : "  (best is the first)"}\n`,
      );
    }
    process.stdout.write(`${example.folder}: held for ${held} of ${seeds} seeds\n`);
  }
} finally {
  removeProjects();
}
