// The trial launcher: the small supervisor the local executor leaves behind for each trial (and
// the program each Slurm job runs), so a trial's outcome is recorded even when no worker is
// watching. Plain JavaScript run by `node launcher.mjs DIR`, no tsx and no imports beyond node:
// and its sibling modules (trial-procs.mjs, log-cap.mjs), so it starts fast.
//
// Before anything else it claims DIR: it creates DIR/claim.json ({pid, procStart, token, gpus,
// ...}) with O_EXCL. A second launcher in the same directory (a worker that died right after
// starting the first, and a worker that started the trial again) finds the claim taken and exits
// at once with REFUSED, having written nothing: a trial directory runs its command at most once.
// The executor follows claim.json to the launcher that owns the trial.
//
// It then reserves the space of the records it must write later (launcher.json, exit.json: a
// file of RESERVE_BYTES each, rewritten in place and renamed), reads DIR/launch.json ({argv, cwd,
// startedAt, timeoutMs?, graceMs, env?, logCapBytes?, cgroup?}), runs argv without a shell in a
// process group of its own (pgid = child pid; the launcher sits in another group, so it can
// SIGKILL the whole trial and still live to write the result) and, where it can, in a cgroup of
// its own (trial-procs.mjs), with HYPERBAYES_TRIAL_MARK=<token> in its environment; enforces the
// timeout (recorded in DIR/stop.json, as the executor records its stops, before its SIGTERM); keeps stdout.log and stderr.log under their cap (log-cap.mjs); and writes
// DIR/exit.json ({exitCode, signal, endedAt, reason?, message?}) atomically once every process
// of the trial is gone, escaped ones (setsid, double forks) included. Should that write fail (a
// full disk the reserve did not cover), it stays alive and tries again until it succeeds, so the
// executor sees a running trial rather than a lost one. DIR/launcher.json ({pid, childPid,
// startedAt, cgroup?, mark}) tells the executor what to signal should the launcher itself be
// killed.
//
// Signals to the launcher: SIGTERM/SIGINT/SIGHUP = stop politely (the same signal to the trial's
// group, SIGKILL after graceMs), SIGUSR2 = kill now. Its stdio is the trial's: stdin /dev/null,
// stdout and stderr the log files (opened O_APPEND), inherited by the trial.
//
// Every file it writes is 0600: the directory holds the trial's environment and output.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  fchmodSync,
  fstatSync,
  ftruncateSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { CHECK_MS, LogCap } from "./log-cap.mjs";
import {
  createTrialCgroup,
  holdTrial,
  MARK_VARIABLE,
  releaseTrial,
  removeCgroup,
  signalTrial,
  spawnInCgroup,
} from "./trial-procs.mjs";

const DRAIN_POLL_MS = 5;
const DRAIN_LIMIT_MS = 2_000;
const MAX_TIMER_MS = 2 ** 31 - 1;
/** The launcher's exit status when another launcher holds the trial directory. */
const REFUSED = 75;
/** Room kept for each record written after launch; exit.json with a long message fits. */
const RESERVE_BYTES = 4096;
const RETRY_FIRST_MS = 200;
const RETRY_MAX_MS = 5_000;

const dir = process.argv[2];
if (!dir) {
  process.stderr.write("usage: launcher.mjs TRIAL_DIR\n");
  process.exit(2);
}

function writeJsonAtomic(name, value) {
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(value)}\n`, { mode: 0o600 });
  renameSync(tmp, join(dir, name));
}

function readJson(name) {
  try {
    return JSON.parse(readFileSync(join(dir, name), "utf8"));
  } catch {
    return undefined;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- the claim -------------------------------------------------------------------------------

const token = randomBytes(8).toString("hex");

function ownStartTime() {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

function claim() {
  let fd;
  try {
    fd = openSync(join(dir, "claim.json"), "wx", 0o600);
  } catch (e) {
    if (e.code === "EEXIST") process.exit(REFUSED);
    process.stderr.write(`hyperbayes: the launcher cannot claim ${dir}: ${e.message}\n`);
    process.exit(1);
  }
  const procStart = ownStartTime();
  const record = {
    pid: process.pid,
    ...(procStart !== undefined ? { procStart } : {}),
    token,
    host: hostname(),
    claimedAt: new Date().toISOString(),
    gpus: process.env.CUDA_VISIBLE_DEVICES ?? "",
    ...(process.env.SLURM_JOB_ID ? { slurmJobId: process.env.SLURM_JOB_ID } : {}),
  };
  try {
    writeSync(fd, `${JSON.stringify(record)}\n`);
  } catch (e) {
    // The claim is ours (the file exists), but says nothing: with a disk this full, the trial
    // could not keep its output either. Nobody else starts it; the executor calls it lost.
    process.stderr.write(`hyperbayes: the launcher cannot write its claim: ${e.message}\n`);
    process.exit(1);
  } finally {
    closeSync(fd);
  }
}

claim();

// --- records written after launch ------------------------------------------------------------

const reserved = new Set();
for (const name of ["launcher.json", "exit.json"]) {
  try {
    writeFileSync(join(dir, `.${name}.reserve`), Buffer.alloc(RESERVE_BYTES, 0x20), {
      flag: "wx",
      mode: 0o600,
    });
    reserved.add(name);
  } catch {
    // No room even now: the record is written the ordinary way, retried until it succeeds.
  }
}

/** Writes `name` into its reserved space when it has one, else atomically. Throws on failure. */
function writeRecord(name, value) {
  const text = Buffer.from(`${JSON.stringify(value)}\n`);
  const reserve = join(dir, `.${name}.reserve`);
  if (reserved.has(name) && text.length <= RESERVE_BYTES) {
    try {
      const fd = openSync(reserve, "r+");
      try {
        writeSync(fd, text, 0, text.length, 0);
        ftruncateSync(fd, text.length);
      } finally {
        closeSync(fd);
      }
      renameSync(reserve, join(dir, name));
      reserved.delete(name);
      return;
    } catch {
      // Fall back to a fresh file.
    }
  }
  writeJsonAtomic(name, value);
}

/** Writes `name`, retrying until it succeeds (a disk that fills can also empty). */
async function persist(name, value) {
  let wait = RETRY_FIRST_MS;
  for (;;) {
    try {
      writeRecord(name, value);
      return;
    } catch {
      await sleep(wait);
      wait = Math.min(RETRY_MAX_MS, wait * 2);
    }
  }
}

let launch;
try {
  launch = JSON.parse(readFileSync(join(dir, "launch.json"), "utf8"));
} catch (e) {
  await persist("exit.json", {
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
/** What belongs to the trial, once started: its group, its cgroup, its marker. */
const procs = { mark: token };
let cgroup;
let done = false;
let stopping = false;
let killTimer;
let timeoutTimer;

// The logs are private whoever opened them (a Slurm batch script's `>>` follows the job's
// umask); the trial's own files are left to the umask.
for (const [fd, name] of [
  [1, "stdout.log"],
  [2, "stderr.log"],
]) {
  try {
    const theirs = fstatSync(fd);
    const ours = statSync(join(dir, name));
    if (theirs.ino === ours.ino && theirs.dev === ours.dev) fchmodSync(fd, 0o600);
  } catch {
    // Not the trial directory's log (a launcher run by hand): not ours to change.
  }
}

// Logs are cut only through descriptors opened O_APPEND (LogCap checks), so the trial's next
// write lands after the cut, not past a hole.
// The trial is held still while a log is cut, so that nothing it writes meanwhile is lost.
const writers = {
  hold: () => holdTrial(procs),
  release: () => releaseTrial(procs),
};
const caps =
  launch.logCapBytes === 0
    ? []
    : [
        new LogCap(join(dir, "stdout.log"), 1, launch.logCapBytes, writers),
        new LogCap(join(dir, "stderr.log"), 2, launch.logCapBytes, writers),
      ];
const capTimer = setInterval(() => {
  for (const cap of caps) cap.check();
}, CHECK_MS);
capTimer.unref();

/** Creates stop.json unless one exists: a stop the executor recorded first stands. */
function recordStop(why) {
  const tmp = join(dir, `.stop.json.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, `${JSON.stringify({ reason: why, at: new Date().toISOString() })}\n`, {
      mode: 0o600,
    });
    linkSync(tmp, join(dir, "stop.json"));
  } catch {
    // EEXIST: the executor's record stands. Anything else: the timeout goes on unrecorded.
  } finally {
    rmSync(tmp, { force: true });
  }
}

function signalGroup(sig) {
  if (procs.pgid === undefined) return;
  try {
    process.kill(-procs.pgid, sig);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function terminate(why, sig) {
  if (why === "killed") {
    reason = "killed";
    signalTrial(procs, "SIGKILL");
    return;
  }
  reason ??= why;
  // One polite signal per process: a second SIGTERM makes some trainers abandon their checkpoint.
  if (stopping) return;
  stopping = true;
  // The executor's own stops are on record already; a timeout is recorded here, before its
  // signal, so that an executor taking over from a launcher killed during the grace period
  // SIGKILLs when the grace ends rather than sending a second SIGTERM.
  if (why === "timeout") recordStop("timeout");
  signalGroup(sig);
  killTimer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
}

async function finish(result) {
  if (done) return;
  done = true;
  const endedAt = new Date().toISOString();
  clearTimeout(killTimer);
  clearTimeout(timeoutTimer);
  // Whatever the trial left behind goes with it: data loader workers and a stray server in its
  // group, and what escaped the group (setsid, double forks) through its cgroup. The result is
  // written only once they are gone, so the trial's GPUs are free when the worker hands them to
  // the next trial, and nothing writes to its log any more. Usually nothing is left: one look,
  // no wait (this is on the path from a trial's end to the next trial's start).
  const inside = procs.cgroup !== undefined ? procs : { pgid: procs.pgid };
  await drain(inside, DRAIN_POLL_MS);
  clearInterval(capTimer);
  for (const cap of caps) {
    cap.check();
    cap.close();
  }
  // What the executor asked for (stop.json is written before any signal is sent): a stop whose
  // signal lost the race with the trial's end; and a kill, which overrides a stop or a timeout
  // already under way. The local executor SIGKILLs the trial itself as well as sending SIGUSR2,
  // so the trial's end can reach this process before the SIGUSR2 does.
  const asked = readJson("stop.json")?.reason;
  reason = asked === "killed" ? asked : (reason ?? asked);
  await persist("exit.json", { ...result, endedAt, ...(reason ? { reason } : {}) });
  // Without a cgroup, what left the group is found by its marker, a look at every process's
  // environment: done just after the result, so that it does not delay the next trial (whose
  // own start takes far longer than this sweep).
  if (procs.cgroup === undefined) await drain(procs, DRAIN_POLL_MS * 4);
  if (cgroup) removeCgroup(cgroup.path);
  process.exit(0);
}

/** SIGKILLs `what` until none of it is left (or DRAIN_LIMIT_MS). */
async function drain(what, pollMs) {
  if (procs.pgid === undefined) return;
  const deadline = Date.now() + DRAIN_LIMIT_MS;
  while (signalTrial(what, "SIGKILL") && Date.now() < deadline) await sleep(pollMs);
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
  [MARK_VARIABLE]: token,
};
// The executor parks the trial's NODE_OPTIONS so they do not apply to this launcher.
delete env.NODE_OPTIONS;
if (env.HYPERBAYES_NODE_OPTIONS !== undefined) env.NODE_OPTIONS = env.HYPERBAYES_NODE_OPTIONS;
delete env.HYPERBAYES_NODE_OPTIONS;

const start = () =>
  spawn(file, args, { cwd: launch.cwd, env, stdio: "inherit", shell: false, detached: true });
let child;
try {
  // launch.cgroup false: the executor's choice (a Slurm job, which Slurm confines already).
  cgroup = launch.cgroup === false ? undefined : createTrialCgroup(token);
  if (cgroup) {
    const { result, inside } = spawnInCgroup(cgroup, start);
    child = result;
    if (inside) procs.cgroup = cgroup.path;
    else cgroup = undefined;
  } else {
    child = start();
  }
} catch (e) {
  // Synchronous failures: invalid arguments (the executor validates them, so a bug if seen).
  await finish({ exitCode: 126, signal: null, message: `cannot run ${file}: ${e.message}` });
}
procs.pgid = child.pid;
child.on("error", (err) => {
  if (procs.pgid === undefined) finish(spawnFailure(err, file, launch.cwd));
});
child.on("exit", (exitCode, signal) => finish({ exitCode, signal }));

if (procs.pgid !== undefined) {
  if (launch.timeoutMs !== undefined) armTimeout(launch.startedAt + launch.timeoutMs);
  persist("launcher.json", {
    pid: process.pid,
    childPid: procs.pgid,
    startedAt: new Date().toISOString(),
    mark: token,
    ...(procs.cgroup !== undefined ? { cgroup: procs.cgroup } : {}),
  });
} else if (cgroup) {
  removeCgroup(cgroup.path);
}
