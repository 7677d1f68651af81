import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recordBadInput } from "../testing/ledger";
import { workingDirectoryProblem } from "./working-directory";

const root = mkdtempSync(join(tmpdir(), "hb-cwd-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("workingDirectoryProblem", () => {
  it("accepts a directory, and a link to one", () => {
    mkdirSync(join(root, "ok"));
    symlinkSync(join(root, "ok"), join(root, "link"));
    expect(workingDirectoryProblem(join(root, "ok"))).toBeUndefined();
    expect(workingDirectoryProblem(join(root, "link"))).toBeUndefined();
  });

  it("names what is wrong with one trials could not start in", () => {
    writeFileSync(join(root, "file"), "x");
    symlinkSync(join(root, "gone"), join(root, "dangling"));
    const cases: [string, string][] = [
      [join(root, "missing"), `no directory ${join(root, "missing")} on this machine`],
      [join(root, "dangling"), `no directory ${join(root, "dangling")} on this machine`],
      [join(root, "file"), `${join(root, "file")} is a file, not a directory`],
      [join(root, "file", "below"), "is not a directory (a file is in its path)"],
      [`${root}/a\u0000b`, "the path holds a NUL byte"],
      [`${root}/\ud800`, "the path holds a lone UTF-16 surrogate"],
    ];
    for (const [path, says] of cases) {
      recordBadInput(`working directory: ${says.replace(root, "")}`);
      expect(workingDirectoryProblem(path), path).toContain(says);
    }
  });

  it.skipIf(process.getuid?.() === 0 && spawnSync("id", ["-u", "nobody"]).status !== 0)(
    "names one this user may not enter",
    () => {
      const locked = join(root, "locked");
      mkdirSync(locked);
      chmodSync(locked, 0o600);
      recordBadInput("working directory without search permission");
      // Root enters anything: ask as nobody, the way a trial of that user would start.
      const script = `import("${join(import.meta.dirname, "working-directory.ts")}").then(m => process.stdout.write(String(m.workingDirectoryProblem(${JSON.stringify(locked)}))))`;
      if (process.getuid?.() === 0) {
        chmodSync(root, 0o755);
        const r = spawnSync(
          "runuser",
          ["-u", "nobody", "--", process.execPath, "--import", "tsx", "-e", script],
          { encoding: "utf8", cwd: join(import.meta.dirname, "../..") },
        );
        expect(r.stdout, r.stderr).toBe(`${locked} cannot be entered (no permission)`);
      } else {
        expect(workingDirectoryProblem(locked)).toBe(`${locked} cannot be entered (no permission)`);
      }
    },
  );
});
