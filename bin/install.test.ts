/**
 * The installed command, as a user gets it: `npm pack` (which builds the console into the
 * package, bin/prepack.ts), `npm install -g` of the tarball into a temporary prefix, then, from
 * another temporary directory with no HYPERBAYES_* variable, a search and the console through
 * the `hyperbayes` on PATH. Nothing in it comes from this repository at run time: the search's
 * script is the installed package's examples/branin.mjs, the console its shipped build.
 *
 * The install is the documented one (`--allow-scripts=better-sqlite3,esbuild`), from npm's cache
 * where it has the packages. better-sqlite3's install script runs; it finds a prebuilt binary in
 * prebuild-install's local-prebuilds folder, made from the one `npm ci` built here, instead of
 * compiling sqlite for a minute or two (a user's install downloads one, or compiles; both
 * measured in docs/decisions/install.md). HB_INSTALL_TEST_COMPILE=1 makes it compile.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const work = mkdtempSync(join(tmpdir(), "hb-install-"));
const prefix = join(work, "prefix");
const project = join(work, "project");
const installed = join(prefix, "lib", "node_modules", "hyperbayes");
const timings: Record<string, number> = {};
let tarball = "";

/** This process's environment without npm's lifecycle variables and HYPERBAYES_*: a shell's. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(npm_|HYPERBAYES_|HB_)/i.test(k) || k === "INIT_CWD") continue;
    env[k] = v;
  }
  env.PATH = `${join(prefix, "bin")}${delimiter}${env.PATH ?? ""}`;
  return { ...env, ...extra } as NodeJS.ProcessEnv;
}

function timed<T>(name: string, f: () => T): T {
  const start = Date.now();
  try {
    return f();
  } finally {
    timings[name] = Date.now() - start;
  }
}

function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const r = spawnSync("npm", args, { cwd, env, encoding: "utf8", timeout: 540_000 });
  if (r.status !== 0)
    throw new Error(
      `npm ${args.join(" ")} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`,
    );
  return r;
}

/** prebuild-install's local prebuild of better-sqlite3, from the binary `npm ci` built here. */
function localPrebuilds(): Record<string, string> {
  if (process.env.HB_INSTALL_TEST_COMPILE === "1") return {};
  const pkg = join(ROOT, "node_modules", "better-sqlite3");
  const { version } = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")) as {
    version: string;
  };
  const dir = join(work, "prebuilds");
  mkdirSync(dir);
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  const tar = spawnSync("tar", [
    "czf",
    join(dir, name),
    "-C",
    pkg,
    "build/Release/better_sqlite3.node",
  ]);
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  return { npm_config_better_sqlite3_local_prebuilds: dir };
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.once("error", rej);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => res(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function run(cmd: string, args: string[]) {
  return spawnSync(cmd, args, { cwd: project, env: userEnv(), encoding: "utf8", timeout: 120_000 });
}

beforeAll(() => {
  const packed = timed("npm pack", () =>
    npm(["pack", "--json", "--pack-destination", work], ROOT, userEnv()),
  );
  // The report is the last thing npm prints: a JSON array starting on a line of its own.
  const report = packed.stdout.slice(Math.max(0, packed.stdout.lastIndexOf("\n[") + 1));
  const [info] = JSON.parse(report) as Array<{
    filename: string;
  }>;
  tarball = join(work, info!.filename);
  timed("npm install -g", () =>
    npm(
      [
        "install",
        "-g",
        "--prefix",
        prefix,
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        "--allow-scripts=better-sqlite3,esbuild",
        tarball,
      ],
      work,
      userEnv(localPrebuilds()),
    ),
  );
  mkdirSync(project);
}, 600_000);

afterAll(() => {
  process.stdout.write(
    `install test: ${Object.entries(timings)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
      .join(", ")}${tarball ? `; tarball ${(statSync(tarball).size / 1e6).toFixed(1)} MB` : ""}\n`,
  );
  rmSync(work, { recursive: true, force: true });
});

describe("the package installed by npm install -g", () => {
  it("holds the console's build, its examples and the pinned dependencies, and no tests", () => {
    expect(existsSync(join(installed, ".next", "BUILD_ID"))).toBe(true);
    expect(existsSync(join(installed, ".next", "cache"))).toBe(false);
    expect(existsSync(join(installed, "examples", "branin.mjs"))).toBe(true);
    expect(existsSync(join(installed, "npm-shrinkwrap.json"))).toBe(true);
    expect(existsSync(join(installed, "bin", "install.test.ts"))).toBe(false);
    expect(existsSync(join(installed, "db", "migrations", "sqlite", "meta", "_journal.json"))).toBe(
      true,
    );
    // Only the runtime dependencies, at the versions of package-lock.json (package.json pins
    // them: bin/package.test.ts).
    const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { version: string }>;
    };
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    for (const dep of Object.keys(pkg.dependencies)) {
      const got = JSON.parse(
        readFileSync(join(installed, "node_modules", dep, "package.json"), "utf8"),
      ) as { version: string };
      expect(got.version, dep).toBe(lock.packages[`node_modules/${dep}`]?.version);
    }
    const deps = readdirSync(join(installed, "node_modules"));
    for (const dev of ["typescript", "vitest", "@biomejs", "@playwright"])
      expect(deps).not.toContain(dev);
    // The repository's own checkout is left as it was: the shrinkwrap copy is gone again.
    expect(existsSync(join(ROOT, "npm-shrinkwrap.json"))).toBe(false);
  });

  it("runs a search from a project directory, its data in ./.hyperbayes", () => {
    copyFileSync(join(installed, "examples", "branin.mjs"), join(project, "branin.mjs"));
    const search = timed("search", () =>
      run("hyperbayes", [
        "bayesian",
        "--param",
        "x=-5:10",
        "--param",
        "y=0:15",
        "--metric",
        "loss",
        "--num-runs",
        "4",
        "--parallel-runs",
        "2",
        "--",
        "node",
        "branin.mjs",
        "--x",
        ":x:",
        "--y",
        ":y:",
      ]),
    );
    expect(search.status, search.stderr).toBe(0);
    expect(search.stdout).toMatch(/search 1 complete: 4 complete/);
    expect(existsSync(join(project, ".hyperbayes", "hyperbayes.db"))).toBe(true);
    const list = run("hyperbayes", ["list"]);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/complete/);
  });

  it("serves the console from its shipped build, showing that search", async () => {
    const port = await freePort();
    const child: ChildProcess = spawn("hyperbayes", ["console", "--port", String(port)], {
      cwd: project,
      env: userEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d) => {
      stdout += d;
    });
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
    try {
      const started = Date.now();
      while (!stdout.includes("Hyperbayes console: ")) {
        if (child.exitCode !== null) throw new Error(`console exited: ${stderr}`);
        if (Date.now() - started > 90_000) throw new Error(`console not ready: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      timings.console = Date.now() - started;
      expect(stderr).not.toMatch(/Building the console/);
      const home = await fetch(`http://127.0.0.1:${port}/`);
      expect(home.status).toBe(200);
      const list = await home.text();
      expect(list).toContain('href="/searches/1"');
      const page = await fetch(`http://127.0.0.1:${port}/searches/1`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("branin.mjs");
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited).toBe(0);
  }, 120_000);

  it("says in one line how to build SQLite's native module when npm did not", () => {
    // What `npm install -g --ignore-scripts` (or a policy that blocks the script) leaves.
    const binary = join(
      installed,
      "node_modules",
      "better-sqlite3",
      "build",
      "Release",
      "better_sqlite3.node",
    );
    renameSync(binary, `${binary}.away`);
    try {
      const list = run("hyperbayes", ["list"]);
      expect(list.status).toBe(1);
      expect(list.stderr).toContain(`\`npm rebuild better-sqlite3\` in ${installed}`);
      expect(list.stderr).not.toMatch(/^\s+at /m);
      expect(list.stderr.trim().split("\n")).toHaveLength(1);
    } finally {
      renameSync(`${binary}.away`, binary);
    }
    expect(run("hyperbayes", ["list"]).status).toBe(0);
  });
});
