/**
 * Where Hyperbayes keeps things, resolved in one place: the data directory (the SQLite database
 * and every trial's files), the machine types file, the working directory a search made in the
 * console defaults to, and the layout of a trial's directory under the data directory.
 *
 * All of them are relative to the directory the user ran the command in. The console's web
 * server runs elsewhere (`next start`, with the repository as its cwd so that Next finds its
 * build), so the CLI resolves them once and hands them to the server as absolute values in its
 * environment (`pathsEnvironment`); the server reads them back through this module, never from
 * its own cwd. Every reader (the store, the worker, the console's pages and routes, the machine
 * types) goes through here.
 *
 *   HYPERBAYES_HOME    the data directory (default `.hyperbayes` in the working directory)
 *   HYPERBAYES_CONFIG  the machine types file (default `hyperbayes.config.json` in the working
 *                      directory); a file named here must exist
 *   HYPERBAYES_CWD     the working directory itself (default: the process's); the CLI sets it for
 *                      the console's server
 */
import { join, resolve } from "node:path";
import type { Env } from "./errors";

export const HOME_DIR_NAME = ".hyperbayes";
export const CONFIG_FILE_NAME = "hyperbayes.config.json";
export const CWD_ENV = "HYPERBAYES_CWD";

/** What one command works with, every path absolute. */
export interface HyperbayesPaths {
  /** The directory the user ran the command in. */
  cwd: string;
  /** The data directory. */
  home: string;
  /** The machine types file, and whether the user named it (then it must exist). */
  config: ConfigLocation;
}

export interface ConfigLocation {
  path: string;
  explicit: boolean;
}

const given = (value: string | undefined): value is string => value !== undefined && value !== "";

/** The directory the user ran the command in, absolute. */
export function workingDirectory(env: Env = process.env): string {
  const cwd = env[CWD_ENV];
  return given(cwd) ? resolve(cwd) : process.cwd();
}

/** The data directory, absolute: `HYPERBAYES_HOME`, else `.hyperbayes`, under `cwd`. */
export function defaultHome(env: Env = process.env, cwd: string = workingDirectory(env)): string {
  const home = env.HYPERBAYES_HOME;
  return resolve(cwd, given(home) ? home : HOME_DIR_NAME);
}

/** Where the machine types file is looked for: `HYPERBAYES_CONFIG`, else `hyperbayes.config.json`, under `cwd`. */
export function configLocation(
  env: Env = process.env,
  cwd: string = workingDirectory(env),
): ConfigLocation {
  const named = env.HYPERBAYES_CONFIG;
  if (given(named)) return { path: resolve(cwd, named), explicit: true };
  return { path: join(resolve(cwd), CONFIG_FILE_NAME), explicit: false };
}

/** All of the above, resolved once. */
export function resolvePaths(
  env: Env = process.env,
  cwd: string = workingDirectory(env),
): HyperbayesPaths {
  const at = resolve(cwd);
  return { cwd: at, home: defaultHome(env, at), config: configLocation(env, at) };
}

/**
 * The environment that hands `paths` to another process (the console's server) whatever its
 * cwd: every value absolute, and HYPERBAYES_CONFIG empty (unset) unless the user named a file,
 * so that a missing default file stays "no machine types file", not an error.
 */
export function pathsEnvironment(paths: HyperbayesPaths): Record<string, string> {
  return {
    [CWD_ENV]: paths.cwd,
    HYPERBAYES_HOME: paths.home,
    HYPERBAYES_CONFIG: paths.config.explicit ? paths.config.path : "",
  };
}

/**
 * A trial's directory: `<home>/searches/<id>/trials/<n>/`, where its launcher, logs and exit
 * status live. Built from two positive integers only (it throws on anything else), so no path
 * taken from a request or a stored row can lead anywhere else.
 */
export function trialDir(home: string, searchId: number, trialNumber: number): string {
  if (!Number.isSafeInteger(trialNumber) || trialNumber < 1) throw new Error("bad trial number");
  return join(searchDir(home, searchId), "trials", String(trialNumber));
}

/** A search's directory, `<home>/searches/<id>/`: every trial directory of it is inside. */
export function searchDir(home: string, searchId: number): string {
  if (!Number.isSafeInteger(searchId) || searchId < 1) throw new Error("bad search id");
  return join(home, "searches", String(searchId));
}
