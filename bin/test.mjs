#!/usr/bin/env node
// `npm test`: typecheck, lint, unit and integration tests (vitest), browser tests (Playwright),
// in that order, stopping at the first step that fails; then one line of reliability totals
// from the ledger every test process wrote to (lib/testing/ledger.ts). Trials lost or run twice
// fail the run even when every assertion passed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { register } from "tsx/esm/api";

const root = resolve(import.meta.dirname, "..");
// Outside test-results/, which Playwright empties when it starts.
const ledger = mkdtempSync(join(tmpdir(), "hyperbayes-ledger-"));
const env = { ...process.env, HB_LEDGER_DIR: ledger };
const bin = (name) => join(root, "node_modules", ".bin", name);

const steps = [
  ["typecheck", bin("tsc"), ["--noEmit"]],
  ["lint", bin("biome"), ["check", "."]],
  ["unit and integration tests", bin("vitest"), ["run"]],
  ["browser tests", bin("playwright"), ["test"]],
];
let status = 0;
for (const [name, cmd, args] of steps) {
  process.stdout.write(`\n== ${name}\n`);
  const r = spawnSync(cmd, args, { cwd: root, env, stdio: "inherit" });
  status = r.status ?? 1;
  if (status !== 0) {
    process.stdout.write(`\n${name} failed (exit code ${r.status ?? r.signal})\n`);
    break;
  }
}

register();
const { readLedger, formatLedger } = await import("../lib/testing/ledger.ts");
const totals = readLedger(ledger);
process.stdout.write(`\n${formatLedger(totals)}\n`);
if (status === 0 && (totals.lost > 0 || totals.twice > 0)) status = 1;
rmSync(ledger, { recursive: true, force: true });
process.exit(status);
