/**
 * The reliability ledger: what the test suite tried against DESIGN.md's promise ("Reliability
 * and security"), counted across every test process (vitest forks, Playwright workers) so that
 * `npm test` can print one line of totals when it ends (bin/test.mjs):
 *
 *   reliability: 41 faults injected, 57 bad inputs tried, 33 security probes made,
 *                0 trials lost, 0 trials run twice
 *
 * Each entry is one JSON line appended to a file of the test process's own (no locking needed)
 * in `HB_LEDGER_DIR` (set by bin/test.mjs; default .ledger in the repository, for a test run
 * by hand). A test records what it
 * did and, for the invariants, what it counted: a test that checks "every trial ran exactly
 * once" records the trials it found lost or run twice, so a regression shows up both as a failed
 * assertion and as a non-zero total. Recording is a side channel: it never throws.
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export type LedgerKind = "fault" | "bad-input" | "probe";

export type LedgerEntry =
  | { kind: LedgerKind; name: string }
  | { kind: "trials"; name: string; checked: number; lost: number; twice: number };

const ROOT = resolve(import.meta.dirname, "..", "..");

export function ledgerDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const dir = env.HB_LEDGER_DIR;
  return dir !== undefined && dir !== "" ? resolve(dir) : join(ROOT, ".ledger");
}

function append(entry: LedgerEntry): void {
  try {
    const dir = ledgerDir();
    mkdirSync(dir, { recursive: true });
    appendFileSync(join(dir, `${process.pid}.jsonl`), `${JSON.stringify(entry)}\n`);
  } catch {
    // The ledger is a report, not a test: a read-only checkout must not fail the suite.
  }
}

/** A fault the test injected (a SIGKILL, a full disk, a stalled worker...); `count` of them. */
export function recordFault(name: string, count = 1): void {
  for (let i = 0; i < count; i++) append({ kind: "fault", name });
}

/** A malformed or hostile input the test fed to a boundary (a flag, a file, a request body). */
export function recordBadInput(name: string, count = 1): void {
  for (let i = 0; i < count; i++) append({ kind: "bad-input", name });
}

/** A request made as an attacker would (a foreign Host, a cross-origin write, a traversal). */
export function recordProbe(name: string, count = 1): void {
  for (let i = 0; i < count; i++) append({ kind: "probe", name });
}

/**
 * The outcome of an exactly-once check: of `checked` trials, how many were recorded but never
 * ran or lost their result (`lost`), and how many ran more than once (`twice`).
 */
export function recordTrials(
  name: string,
  counts: { checked: number; lost: number; twice: number },
): void {
  append({ kind: "trials", name, ...counts });
}

export interface LedgerTotals {
  faults: number;
  badInputs: number;
  probes: number;
  trialsChecked: number;
  lost: number;
  twice: number;
}

/** Sums every entry under `dir`; lines that do not parse are skipped. */
export function readLedger(dir = ledgerDir()): LedgerTotals {
  const totals: LedgerTotals = {
    faults: 0,
    badInputs: 0,
    probes: 0,
    trialsChecked: 0,
    lost: 0,
    twice: 0,
  };
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".jsonl"));
  } catch {
    return totals;
  }
  for (const file of files) {
    for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
      if (line === "") continue;
      let entry: LedgerEntry;
      try {
        entry = JSON.parse(line) as LedgerEntry;
      } catch {
        continue;
      }
      switch (entry.kind) {
        case "fault":
          totals.faults++;
          break;
        case "bad-input":
          totals.badInputs++;
          break;
        case "probe":
          totals.probes++;
          break;
        case "trials":
          totals.trialsChecked += entry.checked;
          totals.lost += entry.lost;
          totals.twice += entry.twice;
          break;
      }
    }
  }
  return totals;
}

export function formatLedger(t: LedgerTotals): string {
  return (
    `reliability: ${t.faults} faults injected, ${t.badInputs} bad inputs tried, ` +
    `${t.probes} security probes made, ${t.trialsChecked} trials checked: ` +
    `${t.lost} trials lost, ${t.twice} trials run twice`
  );
}
