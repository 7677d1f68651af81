/**
 * Process facts the local executor relies on, read without trusting a bare pid: a pid can be
 * reused after its process ends, and a zombie (dead, not yet reaped, e.g. under an init that
 * never reaps) still answers kill(pid, 0). On Linux /proc settles both; elsewhere the answers
 * fall back to kill(pid, 0).
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";

export interface ProcStat {
  /** One letter: R running, S sleeping, D disk wait, Z zombie, X dead, ... */
  state: string;
  pgrp: number;
  /** Field 22: start time in clock ticks since boot; with the pid, identifies one process. */
  startTime: string;
}

/** /proc/<pid>/stat, or undefined when the process (or /proc) does not exist. Never throws. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const [state, , pgrp] = f;
  const startTime = f[19];
  if (state === undefined || pgrp === undefined || startTime === undefined) return undefined;
  return { state, pgrp: Number(pgrp), startTime };
}

function signalZero(target: number): boolean {
  try {
    process.kill(target, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

const hasProc = (() => {
  try {
    readFileSync("/proc/self/stat");
    return true;
  } catch {
    return false;
  }
})();

/**
 * Is the process that started at `startTime` (from readProcStat) still alive, not a zombie?
 * Without a recorded start time (or without /proc) this is kill(pid, 0).
 */
export function processAlive(pid: number, startTime?: string): boolean {
  if (!hasProc) return signalZero(pid);
  const stat = readProcStat(pid);
  if (!stat || stat.state === "Z" || stat.state === "X") return false;
  return startTime === undefined || stat.startTime === startTime;
}

/** Does process group `pgid` hold any live (non-zombie) process? (One implementation, shared
 * with the launcher.) */
export { groupAlive } from "./trial-procs.mjs";

/**
 * The live process running `node <…>/launcher.mjs <dir>`, found by its command line: a launcher
 * started for `dir` that has not claimed it yet (a worker died right after starting it).
 * Undefined without /proc. Never throws.
 */
export function findLauncher(dir: string): { pid: number; procStart: string } | undefined {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    const code = entry.charCodeAt(0);
    if (code < 48 || code > 57) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (argv[2] !== dir || !argv[1]?.endsWith("launcher.mjs")) continue;
    const pid = Number(entry);
    const stat = readProcStat(pid);
    if (stat && stat.state !== "Z" && stat.state !== "X") return { pid, procStart: stat.startTime };
  }
  return undefined;
}

/** Sends `signal` to every process of group `pgid`; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** "/autogroup-42 nice 0" -> { group: "/autogroup-42", nice: 0 }; undefined without autogroup. */
export function readAutogroup(pid: number | "self"): { group: string; nice: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/autogroup`, "utf8");
  } catch {
    return undefined;
  }
  const m = /^(\S+) nice (-?\d+)/.exec(text);
  return m ? { group: m[1]!, nice: Number(m[2]) } : undefined;
}

/**
 * Raises the nice value of the scheduler autogroup that process `pid` leads, if it leads one of
 * its own (a process that called setsid, on a Linux kernel with autogroup on). The autogroup's
 * nice weighs the whole session against other sessions and is not inherited by a process that
 * starts a session of its own. False when nothing was changed. Never throws.
 */
export function lowerSessionPriority(pid: number, nice: number): boolean {
  const theirs = readAutogroup(pid);
  const ours = readAutogroup("self");
  if (!theirs || !ours || theirs.group === ours.group) return false;
  try {
    writeFileSync(`/proc/${pid}/autogroup`, String(nice));
    return true;
  } catch {
    return false; // autogroup off, or not ours to change
  }
}
