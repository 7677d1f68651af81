import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CONFIG_FILE_NAME,
  configLocation,
  defaultHome,
  pathsEnvironment,
  resolvePaths,
  trialDir,
  workingDirectory,
} from "./home";
import { recordBadInput } from "./testing/ledger";

describe("lib/home", () => {
  it("resolves everything under the directory the command ran in", () => {
    const cwd = "/projects/cifar";
    expect(resolvePaths({}, cwd)).toEqual({
      cwd,
      home: "/projects/cifar/.hyperbayes",
      config: { path: `/projects/cifar/${CONFIG_FILE_NAME}`, explicit: false },
    });
    expect(
      resolvePaths({ HYPERBAYES_HOME: "data", HYPERBAYES_CONFIG: "conf/m.json" }, cwd),
    ).toEqual({
      cwd,
      home: "/projects/cifar/data",
      config: { path: "/projects/cifar/conf/m.json", explicit: true },
    });
    // Absolute values stay as they are; empty ones mean unset.
    expect(defaultHome({ HYPERBAYES_HOME: "/srv/hb" }, cwd)).toBe("/srv/hb");
    expect(defaultHome({ HYPERBAYES_HOME: "" }, cwd)).toBe("/projects/cifar/.hyperbayes");
    expect(configLocation({ HYPERBAYES_CONFIG: "" }, cwd).explicit).toBe(false);
  });

  it("defaults to the process's cwd, or HYPERBAYES_CWD when the CLI handed one", () => {
    expect(workingDirectory({})).toBe(process.cwd());
    expect(defaultHome({})).toBe(join(process.cwd(), ".hyperbayes"));
    expect(workingDirectory({ HYPERBAYES_CWD: "/projects/cifar" })).toBe("/projects/cifar");
    expect(defaultHome({ HYPERBAYES_CWD: "/projects/cifar", HYPERBAYES_HOME: "d" })).toBe(
      "/projects/cifar/d",
    );
  });

  it("hands a server elsewhere the same paths, whatever its own cwd", () => {
    for (const env of [
      {},
      { HYPERBAYES_HOME: "rel/home" },
      { HYPERBAYES_HOME: "/abs/home", HYPERBAYES_CONFIG: "m.json" },
      { HYPERBAYES_CONFIG: "" },
    ]) {
      const paths = resolvePaths(env, "/projects/cifar");
      const handed = pathsEnvironment(paths);
      for (const value of Object.values(handed))
        expect(value === "" || value.startsWith("/"), value).toBe(true);
      // The server sees the user's environment overlaid with what was handed, and its own cwd
      // (this test's: the repository) is not /projects/cifar.
      expect(resolvePaths({ ...env, ...handed })).toEqual(paths);
    }
  });

  it("builds a trial's directory from two positive integers only", () => {
    expect(trialDir("/h", 3, 12)).toBe("/h/searches/3/trials/12");
    for (const [id, n] of [
      [0, 1],
      [1, 0],
      [-1, 1],
      [1.5, 1],
      [1, Number.NaN],
      [2 ** 60, 1],
    ] as const) {
      recordBadInput(`trial directory of search ${id}, trial ${n}`);
      expect(() => trialDir("/h", id, n)).toThrow(/bad (search id|trial number)/);
    }
  });
});
