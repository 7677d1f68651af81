/**
 * Browser tests: Debian's Chromium against the real console (`hyperbayes console`: the built
 * Next.js app and a worker) on a free port with a fresh HYPERBAYES_HOME. The first run builds
 * the app (`next build`, a minute or two); later runs reuse the build while the sources are
 * unchanged. Screenshots of every page land in test-results/<test>/.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "@playwright/test";

function freePort(): string {
  return execFileSync(process.execPath, [
    "-e",
    "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})",
  ]).toString();
}

// Chosen once, in the runner; its worker processes read the same values from the environment.
process.env.HB_E2E_PORT ||= freePort();
process.env.HB_E2E_HOME ||= mkdtempSync(join(tmpdir(), "hyperbayes-e2e-"));
const baseURL = `http://127.0.0.1:${process.env.HB_E2E_PORT}`;
// A Slurm machine type for the console's worker (used where this machine runs Slurm).
const machinesFile = join(process.env.HB_E2E_HOME, "hyperbayes.config.json");
writeFileSync(
  machinesFile,
  JSON.stringify({ machines: { "slurm-debug": { executor: "slurm", partition: "debug" } } }),
);

export default defineConfig({
  testDir: "e2e",
  testMatch: "**/*.spec.ts",
  outputDir: "test-results",
  timeout: 120_000,
  expect: { timeout: 20_000 },
  // One console and one worker serve every test; they run in order.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: process.env.CI
    ? [["list"], ["json", { outputFile: ".ci/out/playwright.json" }]]
    : [["list"]],
  use: {
    baseURL,
    browserName: "chromium",
    viewport: { width: 1400, height: 1000 },
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
  webServer: {
    // HB_E2E_SERVER lets a checkout without the `console` subcommand wired up run the same code.
    command: process.env.HB_E2E_SERVER || "node bin/hyperbayes.mjs console",
    url: `${baseURL}/`,
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
    env: {
      PORT: process.env.HB_E2E_PORT,
      HYPERBAYES_HOME: process.env.HB_E2E_HOME,
      HYPERBAYES_DATABASE_URL: "",
      HYPERBAYES_TOKEN: "",
      HYPERBAYES_CONFIG: machinesFile,
      NEXT_TELEMETRY_DISABLED: "1",
    },
  },
});
