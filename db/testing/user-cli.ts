/**
 * The real `hyperbayes` command run as a user would run it: from a fresh directory of its own,
 * with no HYPERBAYES_* variable but the ones a test gives, optionally as another (unprivileged)
 * user. Folders it makes are removed after the importing test file's tests.
 */
import { type SpawnOptions, spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { BIN } from "../../workers/testing/cli";

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs.splice(0)) {
    // A test may have left a folder read-only; root could delete it anyway, a user could not.
    spawnSync("chmod", ["-R", "u+rwX", dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A fresh folder, readable by the unprivileged user (see `unprivileged`). */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "hb-user-"));
  chmodSync(dir, 0o755);
  dirs.push(dir);
  return dir;
}

/**
 * `nobody`, when the tests run as root: root writes through any mode bits, so a read-only
 * folder or file is only read-only to another user. Undefined when not root, or no such user.
 */
export const unprivileged: { uid: number; gid: number } | undefined = (() => {
  if (process.getuid?.() !== 0) return undefined;
  const uid = spawnSync("id", ["-u", "nobody"], { encoding: "utf8" });
  const gid = spawnSync("id", ["-g", "nobody"], { encoding: "utf8" });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
})();

/** The real command, from a fresh directory, with only the HYPERBAYES_* variables given. */
export function hyperbayes(
  args: string[],
  env: Record<string, string>,
  as?: { uid: number; gid: number },
): Promise<Run> {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("HYPERBAYES_")) clean[k] = v;
  }
  const options: SpawnOptions = {
    cwd: tempDir(),
    env: { ...clean, ...env } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
    ...(as ?? {}),
  };
  const child = spawn(process.execPath, [BIN, ...args], options);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  return new Promise((done) => child.on("close", (code) => done({ code, stdout, stderr })));
}
