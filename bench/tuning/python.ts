/**
 * The bench's link to its Python half (evaluate.py): one long-lived process per job slot, spoken
 * to in JSON lines, one request at a time. Starting Python with scikit-learn and Optuna costs
 * about two seconds, and a run makes thousands of evaluations, so a process lives for the whole
 * benchmark run.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const PYTHON_ENV = "HB_BENCH_PYTHON";

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "evaluate.py");

/** The interpreter from HB_BENCH_PYTHON, or a message saying how to make one. */
export function pythonPath(): { path: string } | { error: string } {
  const path = process.env[PYTHON_ENV];
  const howTo =
    "create the venv (outside the repository) with\n" +
    "  python3 -m venv /work/venvs/tuning\n" +
    "  /work/venvs/tuning/bin/pip install --retries 0 optuna scikit-learn numpy torch\n" +
    `and run with ${PYTHON_ENV}=/work/venvs/tuning/bin/python`;
  if (!path) return { error: `bench/tuning needs ${PYTHON_ENV}: ${howTo}` };
  if (!existsSync(path)) return { error: `${PYTHON_ENV}=${path} does not exist: ${howTo}` };
  return { path };
}

export class PythonWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: ((line: string) => void)[] = [];
  private stderrTail = "";
  private exited: string | undefined;

  /** `script`: another bench's Python half (bench/early-stop/curves.py), same protocol. */
  constructor(python: string, script = SCRIPT, extraEnv: Record<string, string> = {}) {
    // One thread per process: the bench runs beside others on a shared machine, and BLAS or
    // torch threads would only fight over the same cores.
    const env = {
      ...process.env,
      OMP_NUM_THREADS: "1",
      OPENBLAS_NUM_THREADS: "1",
      MKL_NUM_THREADS: "1",
      PYTHONWARNINGS: "ignore",
      ...extraEnv,
    };
    this.child = spawn(python, [script], { env, stdio: ["pipe", "pipe", "pipe"] });
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      this.waiting.shift()?.(line);
    });
    this.child.stderr.on("data", (b: Buffer) => {
      this.stderrTail = (this.stderrTail + b.toString()).slice(-2000);
    });
    this.child.on("exit", (code, signal) => {
      this.exited = `evaluate.py exited (${signal ?? code}): ${this.stderrTail}`;
      for (const w of this.waiting.splice(0)) w(JSON.stringify({ error: this.exited }));
    });
  }

  request<T>(req: object): Promise<T> {
    if (this.exited) return Promise.reject(new Error(this.exited));
    return new Promise((resolve, reject) => {
      this.waiting.push((line) => {
        const out = JSON.parse(line) as T & { error?: string };
        if (out.error) reject(new Error(out.error));
        else resolve(out);
      });
      this.child.stdin.write(`${JSON.stringify(req)}\n`);
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}
