/**
 * The examples' short searches (6 trials, 2 at once, a fixed seed), run through the real
 * `hyperbayes` command from a fresh project directory holding a copy of the example's folder,
 * with no HYPERBAYES_* variable: used by examples.test.ts and by check-seeds.ts.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const EXAMPLES_DIR = import.meta.dirname;
const ROOT = join(EXAMPLES_DIR, "..");
const BIN = join(ROOT, "bin", "hyperbayes.mjs");
/** Where the projects go; `removeProjects` deletes them. */
const work = mkdtempSync(join(tmpdir(), "hb-examples-"));
export function removeProjects(): void {
  rmSync(work, { recursive: true, force: true });
}

/** The first python3 that imports every one of `modules`. */
export function pythonWith(modules: readonly string[]): string | undefined {
  for (const python of ["python3", "/usr/bin/python3"]) {
    const r = spawnSync(python, ["-c", modules.map((m) => `import ${m}`).join("; ")], {
      stdio: "ignore",
      timeout: 60_000,
    });
    if (r.status === 0) return python;
  }
  return undefined;
}

/** A shell's environment: nothing of Hyperbayes' own, nothing of npm's. */
export function userEnv(): NodeJS.ProcessEnv {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !/^(HYPERBAYES_|npm_)/i.test(k)) env[k] = v;
  return env as NodeJS.ProcessEnv;
}

function hyperbayes(cwd: string, args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: userEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
  });
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
    child.on("close", (code) => done({ code, stdout, stderr })),
  );
}

export interface Example {
  folder: string;
  modules: string[];
  apt: string;
  /** The search's flags before `--` (the README's, shortened) and the script's argv after it. */
  flags: string[];
  command: string[];
  seed: number;
}

/** The short searches; each README gives the full one. Seeds: see examples/README.md. */
export const EXAMPLES: Example[] = [
  {
    folder: "sklearn-digits",
    modules: ["sklearn"],
    apt: "python3-sklearn",
    flags: [
      "--param",
      "C=0.01:1000:log",
      "--param",
      "gamma=0.00001:0.1:log",
      "--param",
      "width=4:64:int",
      "--metric",
      "val_acc",
      "--metric-agg",
      "avg",
    ],
    command: ["train.py", "--C", ":C:", "--gamma", ":gamma:", "--width", ":width:"],
    seed: 1,
  },
  {
    folder: "pytorch-digits",
    modules: ["torch", "sklearn"],
    apt: "python3-torch python3-sklearn",
    flags: [
      "--param",
      "lr=0.0001:0.1:log",
      "--param",
      "channels=4:32:int",
      "--param",
      "dropout=0:0.7",
      "--metric",
      "keras/val_acc",
      "--env",
      "OMP_NUM_THREADS=1",
    ],
    command: [
      "train.py",
      "--lr",
      ":lr:",
      "--channels",
      ":channels:",
      "--dropout",
      ":dropout:",
      "--epochs",
      "5",
    ],
    seed: 1,
  },
  {
    folder: "xgboost",
    modules: ["xgboost", "sklearn"],
    apt: "python3-xgboost python3-sklearn",
    flags: [
      "--param",
      "max_depth=1:8:int",
      "--param",
      "learning_rate=0.01:0.5:log",
      "--param",
      "subsample=0.5:1",
      "--metric",
      "valid-logloss",
      "--metric-agg",
      "min",
    ],
    command: [
      "train.py",
      "--max_depth",
      ":max_depth:",
      "--learning_rate",
      ":learning_rate:",
      "--subsample",
      ":subsample:",
    ],
    seed: 1,
  },
];

export interface Exported {
  search: {
    goal: "minimize" | "maximize";
    status: string;
    best: { trialNumber: number; value: number } | null;
  };
  trials: Array<{ number: number; status: string; value: number | null; reason: string | null }>;
}

/** Runs `example`'s short search from a fresh project directory; returns its JSON export and
 *  what the search printed. `options.flags` adds flags; `options.runs`: 6 where absent. */
export async function shortSearch(
  example: Example,
  python: string,
  seed = example.seed,
  options: { flags?: string[]; runs?: number } = {},
): Promise<Exported & { stdout: string }> {
  const project = mkdtempSync(join(work, `${example.folder}-`));
  cpSync(join(EXAMPLES_DIR, example.folder), project, { recursive: true });
  const search = await hyperbayes(project, [
    "bayesian",
    ...example.flags,
    ...(options.flags ?? []),
    "--num-runs",
    String(options.runs ?? 6),
    "--parallel-runs",
    "2",
    "--seed",
    String(seed),
    "--",
    python,
    ...example.command,
  ]);
  if (search.code !== 0)
    throw new Error(`the search exited ${search.code}:\n${search.stdout}\n${search.stderr}`);
  if (!existsSync(join(project, ".hyperbayes", "hyperbayes.db")))
    throw new Error(`no .hyperbayes/hyperbayes.db in the project directory ${project}`);
  const exported = await hyperbayes(project, ["export", "1", "--format", "json"]);
  if (exported.code !== 0) throw new Error(`export exited ${exported.code}: ${exported.stderr}`);
  return { ...(JSON.parse(exported.stdout) as Exported), stdout: search.stdout };
}
