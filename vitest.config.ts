import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // tsconfig keeps JSX for Next.js to compile; tests that render a component need it compiled.
  oxc: { jsx: { runtime: "automatic" } },
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", ".next/**", "e2e/**", ".hyperbayes/**"],
    pool: "forks",
    // At least two files at once: vitest's default is CPUs - 1, one file at a time on CI's 2-core
    // machine, where most files spend their time waiting on child processes (the CLI, Slurm
    // jobs, PostgreSQL, npm), so two overlap well. The whole suite there: one at a time 1069 s;
    // two at once 660 s on a quiet machine, 1270 s and 918 s beside other work (load average
    // 8 to 12), all passing.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // CI also writes a JSON report, from which .ci/run prints its totals line.
    reporters: process.env.CI ? ["default", "json"] : ["default"],
    outputFile: process.env.CI ? { json: ".ci/out/vitest.json" } : undefined,
  },
});
