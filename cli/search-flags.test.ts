/**
 * Checks that used to run too late, tried through the real command: each bad value is refused
 * with exit 2 and a line naming its flag, and nothing is stored (so nothing runs). Before, an
 * overflowing range made the search spin forever, and a NUL byte or a missing --cwd were found
 * only by the first trial, after the search was stored.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../db";
import { hyperbayes, tempDir } from "../db/testing/user-cli";
import { recordBadInput } from "../lib/testing/ledger";

const home = tempDir();
const aFile = join(tempDir(), "a-file");
writeFileSync(aFile, "not a folder\n");

// [what, flags before --, the line that must name the mistake]
const cases: [string, string[], RegExp][] = [
  [
    "an overflowing range",
    ["--param", "x=-1e308:1e308"],
    /--param x=-1e308:1e308: the range is too wide to compute with: MAX - MIN overflows/m,
  ],
  [
    "a reverse_log range whose sum overflows",
    ["--param", "x=1e307:1.7e308:reverse_log"],
    /MAX \+ MIN overflows/,
  ],
  [
    "a range of denormals",
    ["--param", "x=0:5e-324"],
    /--param x=0:5e-324: the range holds only 2 distinct numbers/m,
  ],
  [
    "an int range past 2^53",
    ["--param", "x=0:1e300:int"],
    /--param x=0:1e300:int: int range bounds must lie within/m,
  ],
  [
    "a choice too large for a number",
    ["--param", "x=1,1e309"],
    /--param x=1,1e309: value 2 \(1e309\) is too large for a number/m,
  ],
  [
    "a NUL byte in a --json-param value",
    ["--json-param", 'x=["a\\u0000b"]'],
    /--json-param x=\["a\\u0000b"\]: a value holds a NUL byte/m,
  ],
  [
    "a lone surrogate in a --json-param value",
    ["--json-param", 'x=["\\udc00"]'],
    /lone UTF-16 surrogate/,
  ],
  [
    "a --cwd that does not exist",
    ["--param", "x=1,2", "--cwd", "/no/such/dir"],
    /--cwd \/no\/such\/dir: no directory \/no\/such\/dir on this machine/m,
  ],
  [
    "a --cwd that is a file",
    ["--param", "x=1,2", "--cwd", aFile],
    /--cwd .*a-file: .*a-file is a file, not a directory/m,
  ],
  [
    "a variable Hyperbayes sets",
    ["--param", "x=1,2", "-e", "CUDA_VISIBLE_DEVICES=0", "-e", "HYPERBAYES_TRIAL=1"],
    /--env "CUDA_VISIBLE_DEVICES=0": .*\n\s+--env "HYPERBAYES_TRIAL=1": HYPERBAYES_TRIAL is set by Hyperbayes/m,
  ],
  [
    "a parameter named like a trials-table column",
    ["--param", "status=1,2"],
    /--param status: "status" names a column every trials table has/m,
  ],
  [
    "a parameter named like the metric",
    ["--param", "loss=1,2"],
    /--param loss: parameter "loss" has the metric's name/m,
  ],
  [
    "a timeout past a year",
    ["--param", "x=1,2", "--timeout", "1e308"],
    /--timeout must be at most 525600, got 1e308/m,
  ],
  [
    // An integer past 2^53: out of range, not "needs an integer" (zod's int() says both).
    "an integer setting far past its range",
    ["--param", "x=1,2", "--early-stop-min-steps", "99999999999999999999"],
    /^hyperbayes random: --early-stop-min-steps must be at most 1000000, got 99999999999999999999$/m,
  ],
];

describe("hyperbayes random: values refused before anything is stored", () => {
  it.each(cases)(
    "%s",
    async (what, flags, says) => {
      recordBadInput(`search flags: ${what}`);
      const name = /--param (\w+)=/.exec(flags.join(" "))?.[1] ?? "x";
      // In the foreground, so a search that got stored would also start running.
      const run = await hyperbayes(
        ["random", ...flags, "-n", "2", "--metric", "loss", "--", "echo", `:${name}:`],
        { HYPERBAYES_HOME: home },
      );
      const context = JSON.stringify(run);
      expect(run.code, context).toBe(2);
      expect(run.stdout, context).toBe("");
      expect(run.stderr, context).toMatch(says);
      expect(run.stderr, context).not.toMatch(/\n\s+at |node_modules/);
    },
    30_000,
  );

  it("stored nothing", async () => {
    const store = await openSqliteStore(join(home, "hyperbayes.db"));
    try {
      expect(await store.countSearches()).toBe(0);
    } finally {
      await store.close();
    }
  });
});
