// The trial launcher: the small supervisor the local executor leaves behind for each trial (and
// the program each Slurm job runs), so a trial's outcome is recorded even when no worker is
// watching. Plain JavaScript run by `node launcher.mjs DIR`, no tsx and no imports beyond node:,
// so it starts fast.
//
// It reads DIR/launch.json ({argv, cwd, startedAt, timeoutMs?, graceMs, env?}), runs argv
// without a shell in a process group of its own (pgid = child pid; the launcher sits in another
// group, so it can SIGKILL the whole trial and still live to write the result), enforces the
// timeout, and writes DIR/exit.json ({exitCode, signal, endedAt, reason?, message?}) atomically
// once every process of the trial's group is gone. DIR/launcher.json ({pid, childPid, startedAt})
// tells the executor which group to signal should the launcher itself be killed.
//
// Signals to the launcher: SIGTERM/SIGINT/SIGHUP = stop politely (the same signal to the trial's
// group, SIGKILL after graceMs), SIGUSR2 = kill now. Its stdio is the trial's: stdin /dev/null,
// stdout and stderr the log files, inherited by the trial.
import { spawn } from "node:child_process";
import {
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

const DRAIN_POLL_MS = 5;
const DRAIN_LIMIT_MS = 2_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: launcher.mjs TRIAL_DIR\n");
  process.exit(2);
}

function writeJsonAtomic(name, value) {
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(value)}\n`);
  renameSync(tmp, join(dir, name));
}

function readJson(name) {
  try {
    return JSON.parse(readFileSync(join(dir, name), "utf8"));
  } catch {
    return undefined;
  }
}

// Kept in sync with lib/executors/proc.ts (this file cannot import TypeScript). A group whose
// members are all zombies counts as gone: an init that does not reap (some containers) would
// otherwise keep it "alive" forever.
function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    return e.code === "EPERM";
  }
  let pids;
  try {
    pids = readdirSync("/proc");
  } catch {
    return true;
  }
  for (const p of pids) {
    if (p.charCodeAt(0) < 48 || p.charCodeAt(0) > 57) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${p}/stat`, "utf8");
    } catch {
      continue;
    }
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(f[2]) === pgid && f[0] !== "Z" && f[0] !== "X") return true;
  }
  return false;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let launch;
try {
  launch = JSON.parse(readFileSync(join(dir, "launch.json"), "utf8"));
} catch (e) {
  writeJsonAtomic("exit.json", {
    exitCode: null,
    signal: null,
    endedAt: new Date().toISOString(),
    message: `the launcher could not read launch.json: ${e.message}`,
  });
  process.exit(1);
}

const graceMs = Math.min(launch.graceMs ?? 10_000, MAX_TIMER_MS);
/** @type {"timeout" | "stopped" | "killed" | undefined} */
let reason;
let childPid;
let done = false;
let stopping = false;
let killTimer;
let timeoutTimer;

function signalGroup(sig) {
  if (childPid === undefined) return;
  try {
    process.kill(-childPid, sig);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function terminate(why, sig) {
  if (why === "killed") {
    reason = "killed";
    signalGroup("SIGKILL");
    return;
  }
  reason ??= why;
  // One polite signal per process: a second SIGTERM makes some trainers abandon their checkpoint.
  if (stopping) return;
  stopping = true;
  signalGroup(sig);
  killTimer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
}

async function finish(result) {
  if (done) return;
  done = true;
  const endedAt = new Date().toISOString();
  clearTimeout(killTimer);
  clearTimeout(timeoutTimer);
  if (childPid !== undefined) {
    // Whatever the trial left behind (data loader workers, a stray server holding stdout) goes
    // with it, and the result is written only once the group is empty, so the trial's GPUs are
    // free when the worker hands them to the next trial.
    signalGroup("SIGKILL");
    const deadline = Date.now() + DRAIN_LIMIT_MS;
    while (groupAlive(childPid) && Date.now() < deadline) await sleep(DRAIN_POLL_MS);
  }
  // A stop the executor asked for whose signal lost the race with the trial's end.
  reason ??= readJson("stop.json")?.reason;
  writeJsonAtomic("exit.json", { ...result, endedAt, ...(reason ? { reason } : {}) });
  process.exit(0);
}

// setTimeout fires at once for delays past 2^31-1 ms (24.8 days): long timeouts go in steps.
function armTimeout(deadline) {
  const left = deadline - Date.now();
  timeoutTimer =
    left > MAX_TIMER_MS
      ? setTimeout(() => armTimeout(deadline), MAX_TIMER_MS)
      : setTimeout(() => terminate("timeout", "SIGTERM"), Math.max(0, left));
}

function spawnFailure(err, file, cwd) {
  let exitCode = 126;
  let message = `cannot run ${file}: ${err.message}`;
  if (err.code === "ENOENT") {
    exitCode = 127;
    if (!isDirectory(cwd)) message = `working directory not found: ${cwd}`;
    else if (!file.includes("/")) message = `command not found: ${file}`;
    else if (existsSync(join(cwd, file)) || existsSync(file))
      message = `cannot run ${file}: the interpreter on its #! line was not found`;
    else message = `no such file: ${file}`;
  } else if (err.code === "EACCES") {
    message = `permission denied: ${file} (not executable?)`;
  }
  process.stderr.write(`hyperbayes: ${message}\n`);
  return { exitCode, signal: null, message };
}

function isDirectory(p) {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

process.on("SIGTERM", () => terminate("stopped", "SIGTERM"));
process.on("SIGINT", () => terminate("stopped", "SIGINT"));
process.on("SIGHUP", () => terminate("stopped", "SIGHUP"));
process.on("SIGUSR2", () => terminate("killed", "SIGKILL"));

const marker = readJson("stop.json");
if (marker) {
  reason = marker.reason ?? "stopped";
  await finish({ exitCode: null, signal: null, message: "stopped before it started" });
}

const [file, ...args] = launch.argv;
// launch.env: the trial's own variables, for executors whose launcher starts from an environment
// they do not control (a Slurm job's); the local executor passes them in the launcher's own.
const env = {
  ...process.env,
  ...(launch.env !== null && typeof launch.env === "object" ? launch.env : {}),
};
// The executor parks the trial's NODE_OPTIONS so they do not apply to this launcher.
delete env.NODE_OPTIONS;
if (env.HYPERBAYES_NODE_OPTIONS !== undefined) env.NODE_OPTIONS = env.HYPERBAYES_NODE_OPTIONS;
delete env.HYPERBAYES_NODE_OPTIONS;

let child;
try {
  child = spawn(file, args, {
    cwd: launch.cwd,
    env,
    stdio: "inherit",
    shell: false,
    detached: true,
  });
} catch (e) {
  // Synchronous failures: invalid arguments (the executor validates them, so a bug if seen).
  await finish({ exitCode: 126, signal: null, message: `cannot run ${file}: ${e.message}` });
}
childPid = child.pid;
child.on("error", (err) => {
  if (childPid === undefined) finish(spawnFailure(err, file, launch.cwd));
});
child.on("exit", (exitCode, signal) => finish({ exitCode, signal }));

if (childPid !== undefined) {
  writeJsonAtomic("launcher.json", {
    pid: process.pid,
    childPid,
    startedAt: new Date().toISOString(),
  });
  if (launch.timeoutMs !== undefined) armTimeout(launch.startedAt + launch.timeoutMs);
}
