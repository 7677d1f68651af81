// Every process of one trial, found and ended wherever it went. Plain JavaScript with node:
// imports only, shared by the launcher (launcher.mjs) and the local executor (local.ts, through
// trial-procs.d.mts), so both mean the same thing by "the trial is still alive".
//
// A trial's processes are found three ways, strongest first:
//   1. its process group (pgid = the command's pid): the command and whatever it starts without
//      leaving the group. Always there.
//   2. its own cgroup v2: the launcher creates `<its own cgroup>/hyperbayes/<token>` and forks
//      the command inside it (it moves itself in, spawns, moves itself back), so every
//      descendant is born in it, whatever it does afterwards: `setsid`, a double fork, a daemon.
//      Only a process allowed to write another cgroup's cgroup.procs (root, mostly) can leave it.
//      Needs a writable cgroup v2: root, or a systemd-delegated subtree (a user service). Ended
//      with cgroup.kill (Linux 5.14+), else by signalling every pid in cgroup.procs.
//   3. where no cgroup can be had, a marker in the environment: the command starts with
//      HYPERBAYES_TRIAL_MARK=<token>, which every descendant inherits unless it replaces its
//      environment, and /proc/<pid>/environ is scanned for it. This also finds `setsid` escapes.
//
// The trial can also be held still for a moment (holdTrial/releaseTrial: its cgroup frozen, or
// its group stopped with SIGSTOP), which the log cap uses to cut a log without losing what the
// trial writes meanwhile.
//
// When none of them works, a descendant outlives the trial: without a writable cgroup, a process
// that starts with a fresh environment (`env -i`, sudo, setuid programs, whose environ cannot be
// read) and leaves the group (setsid) is not found; nor is anything a daemon starts on the
// trial's behalf (`docker run`: the container is the Docker daemon's child, not the trial's), nor
// anything without /proc (not Linux). Such a process keeps its GPU and may keep writing to the
// trial's log, until it ends on its own.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

export const MARK_VARIABLE = "HYPERBAYES_TRIAL_MARK";
const CGROUP_PARENT = "hyperbayes";

/** @param {string} s */
const isPid = (s) => s.length > 0 && s.charCodeAt(0) >= 48 && s.charCodeAt(0) <= 57;

/** /proc's numeric entries, or undefined without /proc. */
function procPids() {
  try {
    return readdirSync("/proc").filter(isPid);
  } catch {
    return undefined;
  }
}

/** State letter and pgrp of a process, from /proc/<pid>/stat. */
function statOf(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: f[0], pgrp: Number(f[2]) };
}

const dead = (stat) => !stat || stat.state === "Z" || stat.state === "X";

/**
 * Does process group `pgid` hold any live process? A group whose members are all zombies counts
 * as gone: an init that does not reap (some containers) would otherwise keep it alive forever.
 * @param {number} pgid
 */
export function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    return e.code === "EPERM";
  }
  const pids = procPids();
  if (!pids) return true;
  for (const p of pids) {
    const stat = statOf(p);
    if (stat && stat.pgrp === pgid && !dead(stat)) return true;
  }
  return false;
}

// --- cgroup v2 -------------------------------------------------------------------------------

/** Where cgroup v2 is mounted, from /proc/self/mountinfo (`/sys/fs/cgroup`, or `.../unified`). */
function cgroup2Mount() {
  let text;
  try {
    text = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return undefined;
  }
  for (const line of text.split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0 || !line.slice(sep + 3).startsWith("cgroup2 ")) continue;
    const mountPoint = line.split(" ")[4];
    if (mountPoint)
      return mountPoint.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
  }
  return undefined;
}

/** This process's cgroup v2 directory, e.g. /sys/fs/cgroup/user.slice/.../session-1.scope. */
function ownCgroup() {
  const mount = cgroup2Mount();
  if (!mount) return undefined;
  let text;
  try {
    text = readFileSync("/proc/self/cgroup", "utf8");
  } catch {
    return undefined;
  }
  const line = text.split("\n").find((l) => l.startsWith("0::"));
  if (line === undefined) return undefined;
  return join(mount, line.slice(3));
}

/**
 * Creates the trial's cgroup under this process's own. Undefined when there is no writable
 * cgroup v2 (then the environment marker is all there is). Never throws.
 * @param {string} token
 * @returns {{ path: string, origin: string } | undefined}
 */
export function createTrialCgroup(token) {
  const origin = ownCgroup();
  if (!origin) return undefined;
  const parent = join(origin, CGROUP_PARENT);
  const path = join(parent, token);
  try {
    mkdirSync(parent, { recursive: true });
    mkdirSync(path);
    return { path, origin };
  } catch {
    return undefined;
  }
}

/**
 * Runs `spawn` with this process inside `cgroup`, so what it forks is born there, then moves
 * this process back. Returns spawn's result and whether the child is in the cgroup. Should
 * moving in fail (no permission on the origin's cgroup.procs), the cgroup is removed and the
 * child starts where this process is.
 * @template T
 * @param {{ path: string, origin: string }} cgroup
 * @param {() => T} spawn
 * @returns {{ result: T, inside: boolean }}
 */
export function spawnInCgroup(cgroup, spawn) {
  try {
    writeFileSync(join(cgroup.path, "cgroup.procs"), String(process.pid));
  } catch {
    removeCgroup(cgroup.path);
    return { result: spawn(), inside: false };
  }
  let result;
  try {
    result = spawn();
  } finally {
    try {
      writeFileSync(join(cgroup.origin, "cgroup.procs"), String(process.pid));
    } catch {
      // Stuck inside: killing the cgroup would take this process too. signalTrial() never
      // signals its caller, so the trial is still ended; only cgroup.kill is not used.
    }
  }
  return { result, inside: true };
}

/** @param {string} path */
function cgroupPids(path) {
  try {
    return readFileSync(join(path, "cgroup.procs"), "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map(Number);
  } catch {
    return [];
  }
}

/** @param {string} path */
export function removeCgroup(path) {
  try {
    rmdirSync(path);
  } catch {
    // Still populated, or already gone.
  }
}

// --- the environment marker -----------------------------------------------------------------

/** Live processes whose environment holds MARK_VARIABLE=mark (never this one). */
function markedPids(mark) {
  const pids = procPids();
  if (!pids) return [];
  const entry = Buffer.from(`${MARK_VARIABLE}=${mark}\0`);
  const inner = Buffer.concat([Buffer.from([0]), entry]);
  const found = [];
  for (const p of pids) {
    const pid = Number(p);
    if (pid === process.pid) continue;
    let env;
    try {
      env = readFileSync(`/proc/${p}/environ`);
    } catch {
      continue; // gone, or another user's
    }
    // A zombie's environ reads empty: it never matches.
    if (env.subarray(0, entry.length).equals(entry) || env.includes(inner)) {
      if (!dead(statOf(p))) found.push(pid);
    }
  }
  return found;
}

// --- one trial -----------------------------------------------------------------------------

/**
 * @typedef {{ pgid?: number, cgroup?: string, mark?: string }} TrialProcs
 * pgid: the command's process group; cgroup: the trial's cgroup directory, when the command was
 * started inside one; mark: the environment marker's value (scanned for only without a cgroup).
 */

/**
 * The trial's live processes other than the caller, by every means it has. With a cgroup, the
 * cgroup and the group; otherwise the group and the marker.
 * @param {TrialProcs} t
 */
export function trialAlive(t) {
  if (t.pgid !== undefined && groupAlive(t.pgid)) return true;
  if (t.cgroup !== undefined) {
    if (existsSync(t.cgroup)) {
      return cgroupPids(t.cgroup).some((pid) => pid !== process.pid && !dead(statOf(pid)));
    }
    // Its cgroup is gone (removed once empty): nothing of the trial can be left in it.
    return false;
  }
  return t.mark !== undefined && markedPids(t.mark).length > 0;
}

/**
 * Sends `signal` to every process of the trial (never to the caller). Returns false when it
 * found none to signal: the trial is gone (with one look at /proc, where trialAlive() after it
 * would take a second). Never throws.
 * @param {TrialProcs} t
 * @param {NodeJS.Signals} signal
 */
export function signalTrial(t, signal) {
  let found = false;
  if (t.pgid !== undefined) {
    try {
      process.kill(-t.pgid, signal);
      // A group of zombies still takes signals: only a live member counts.
      found = groupAlive(t.pgid);
    } catch {
      // ESRCH: the group is gone.
    }
  }
  let pids = [];
  if (t.cgroup !== undefined) {
    pids = cgroupPids(t.cgroup).filter((pid) => pid !== process.pid);
    if (pids.length === 0) return found;
    if (signal === "SIGKILL" && !cgroupPids(t.cgroup).includes(process.pid)) {
      try {
        writeFileSync(join(t.cgroup, "cgroup.kill"), "1");
        return true;
      } catch {
        // Before Linux 5.14: one pid at a time below.
      }
    }
  } else if (t.mark !== undefined) {
    pids = markedPids(t.mark);
  }
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
      found = true;
    } catch {
      // Ended meanwhile.
    }
  }
  return found;
}

const spinWait = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
/** How long holdTrial waits for the trial to be still: a process stops only once it runs, which
 * on a loaded machine can take a while. Past it, the cut goes ahead. */
const HOLD_WAIT_MS = 2_000;

/** Every live member of group `pgid` is stopped ('T', 't'), or gone. */
function groupStopped(pgid) {
  const pids = procPids();
  if (!pids) return true;
  for (const p of pids) {
    const stat = statOf(p);
    if (stat && stat.pgrp === pgid && !dead(stat) && stat.state !== "T" && stat.state !== "t") {
      return false;
    }
  }
  return true;
}

/**
 * Holds the trial still: its cgroup frozen, else its group stopped (SIGSTOP); returns once it
 * is (at most HOLD_WAIT_MS: a write under way finishes first, and a process must be given a
 * CPU to stop), true when it saw the trial still. Processes that left the group
 * without a cgroup are not held. Always pair with releaseTrial(). Never throws.
 * @param {TrialProcs} t
 * @returns {boolean}
 */
export function holdTrial(t) {
  const deadline = Date.now() + HOLD_WAIT_MS;
  // Never the caller's own cgroup: a launcher that could not move back out would freeze itself.
  if (t.cgroup !== undefined && !cgroupPids(t.cgroup).includes(process.pid)) {
    try {
      writeFileSync(join(t.cgroup, "cgroup.freeze"), "1");
      while (Date.now() < deadline) {
        if (/^frozen 1$/m.test(readFileSync(join(t.cgroup, "cgroup.events"), "utf8"))) return true;
        spinWait(0.2);
      }
      return false;
    } catch {
      // No freezer (before Linux 5.2): the group is stopped instead.
    }
  }
  if (t.pgid === undefined) return false;
  try {
    process.kill(-t.pgid, "SIGSTOP");
  } catch {
    return false;
  }
  for (;;) {
    if (groupStopped(t.pgid)) return true;
    if (Date.now() >= deadline) return false;
    spinWait(0.2);
  }
}

/** Lets a held trial go on. Never throws.
 * @param {TrialProcs} t */
export function releaseTrial(t) {
  if (t.cgroup !== undefined) {
    try {
      writeFileSync(join(t.cgroup, "cgroup.freeze"), "0");
    } catch {
      // Gone, or no freezer: the group was stopped.
    }
  }
  if (t.pgid !== undefined) {
    try {
      process.kill(-t.pgid, "SIGCONT");
    } catch {
      // Gone.
    }
  }
}
