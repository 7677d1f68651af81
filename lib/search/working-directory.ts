/**
 * The one check of a search's working directory that needs the file system, so it cannot live
 * in the spec's schema (which the browser runs too): the CLI (`--cwd`) and the console's
 * create-search action both call it before anything is stored, and say the same words.
 */
import { accessSync, constants, statSync } from "node:fs";
import { processTextProblem } from "../space/schema";

/**
 * Why trials could not start in `cwd` (an absolute path) on this machine, or undefined when they
 * can: it must exist, be a directory, and be one this user may enter. Never throws.
 */
export function workingDirectoryProblem(cwd: string): string | undefined {
  const text = processTextProblem(cwd);
  if (text !== undefined) return `the path ${text}`;
  let isDirectory: boolean;
  try {
    isDirectory = statSync(cwd).isDirectory();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === "ENOENT") return `no directory ${cwd} on this machine`;
    if (code === "ENOTDIR") return `${cwd} is not a directory (a file is in its path)`;
    return `${cwd} cannot be read (${typeof code === "string" ? code : String(e)})`;
  }
  if (!isDirectory) return `${cwd} is a file, not a directory`;
  try {
    accessSync(cwd, constants.X_OK);
  } catch {
    return `${cwd} cannot be entered (no permission)`;
  }
  return undefined;
}
