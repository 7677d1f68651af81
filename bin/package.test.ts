/**
 * package.json's runtime dependencies are exact versions, the lockfile's. A global install of the
 * package resolves them afresh: npm ignores a package-lock.json inside a package, and ignores the
 * npm-shrinkwrap.json that prepack ships when the package is installed from a tarball
 * (npm/cli#5325, #5349; seen here on npm 11: `^16.4.6` installed Next.js 16.5.0 the day it came
 * out, and the console, built with 16.4.6, answered 500). docs/decisions/install.md.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version: string; dependencies?: Record<string, string> }>;
};

describe("the package's runtime dependencies", () => {
  it.each(Object.entries(pkg.dependencies))(
    "%s is pinned to the lockfile's version",
    (dep, range) => {
      expect(range, `${dep}: an exact version, not a range`).toMatch(/^\d+\.\d+\.\d+$/);
      expect(range).toBe(lock.packages[`node_modules/${dep}`]?.version);
      expect(lock.packages[""]?.dependencies?.[dep]).toBe(range);
    },
  );

  it("keep better-sqlite3 on 12.x", () => {
    expect(pkg.dependencies["better-sqlite3"]).toMatch(/^12\./);
  });
});
