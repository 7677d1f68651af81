// Prints one line of totals, "N passed, N failed", from the JSON reports the test runners wrote
// (vitest: vitest.json; Playwright: playwright.json) in the folder given as the first argument.
// A runner that crashed before writing its report counts as one failure.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? ".ci/out";
let passed = 0;
let failed = 0;
let skipped = 0;

const vitest = join(dir, "vitest.json");
if (existsSync(vitest)) {
  const r = JSON.parse(readFileSync(vitest, "utf8"));
  passed += r.numPassedTests ?? 0;
  failed +=
    (r.numFailedTests ?? 0) +
    (r.numFailedTestSuites && !r.numFailedTests ? r.numFailedTestSuites : 0);
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
} else {
  failed += 1;
}

const playwright = join(dir, "playwright.json");
if (existsSync(playwright)) {
  const s = JSON.parse(readFileSync(playwright, "utf8")).stats ?? {};
  passed += (s.expected ?? 0) + (s.flaky ?? 0);
  failed += s.unexpected ?? 0;
  skipped += s.skipped ?? 0;
}

console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
