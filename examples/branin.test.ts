import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { finalValue } from "../lib/metrics/aggregate";
import { createMetricParser, type MetricPoint } from "../lib/metrics/stream";

const run = promisify(execFile);
const script = join(import.meta.dirname, "branin.mjs");

// The textbook definition, written independently of the script.
function branin(x: number, y: number): number {
  const a = 1;
  const b = 5.1 / (4 * Math.PI * Math.PI);
  const c = 5 / Math.PI;
  const r = 6;
  const s = 10;
  const t = 1 / (8 * Math.PI);
  return a * (y - b * x * x + c * x - r) ** 2 + s * (1 - t) * Math.cos(x) + s;
}

/** The number after the last `loss=` or `loss: ` printed, as text, read with Number. */
function lastPrintedLoss(stdout: string): number {
  const all = [...stdout.matchAll(/(?:^|[\s-])loss[=:] ?([^\s]+)/g)];
  return Number(all.at(-1)?.[1]);
}

function expectBranin(value: number | undefined, x: number, y: number) {
  // The script and this test evaluate the formula in a different order: equal to ~1e-14.
  expect(Math.abs((value ?? Number.NaN) - branin(x, y))).toBeLessThan(1e-12 * (1 + branin(x, y)));
}

async function branin_mjs(args: string[], env: Record<string, string> = {}) {
  const { stdout, stderr } = await run(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
  });
  const parser = createMetricParser();
  const points: MetricPoint[] = [...parser.push(stdout), ...parser.end()];
  return { stdout, stderr, points };
}

async function failure(args: string[]): Promise<{ code: unknown; stderr: string }> {
  try {
    await run(process.execPath, [script, ...args], {
      env: { ...process.env, HYPERBAYES_METRICS_FILE: "" },
    });
  } catch (e) {
    const err = e as { code: unknown; stderr: string };
    return { code: err.code, stderr: err.stderr };
  }
  throw new Error(`expected ${args.join(" ")} to fail`);
}

describe("examples/branin.mjs", () => {
  it("prints loss=branin(x, y)", async () => {
    const { points, stderr, stdout } = await branin_mjs(["--x", "1.5", "--y", "2.0"]);
    expect(stderr).toBe("");
    expect(points).toEqual([{ name: "loss", step: 0, value: lastPrintedLoss(stdout) }]);
    expectBranin(points[0]?.value, 1.5, 2);
  });

  it("reaches the known minimum at (pi, 2.275)", async () => {
    const { points } = await branin_mjs([`--x=${Math.PI}`, "--y=2.275"]);
    expect(points[0]?.value).toBeCloseTo(0.397887, 6);
  });

  it("converges over --epochs and ends exactly on the value", async () => {
    const { points, stdout } = await branin_mjs(["--x", "-3", "--y", "12", "--epochs", "5"]);
    expect(points.map((p) => p.step)).toEqual([1, 2, 3, 4, 5]);
    const values = points.map((p) => p.value);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeLessThan(values[i - 1]!);
    expect(finalValue(points, "loss", "last")).toEqual({ value: lastPrintedLoss(stdout) });
    expectBranin(values.at(-1), -3, 12);
  });

  it("prints Keras progress that the parser reads as keras/loss per epoch", async () => {
    const { stdout, points } = await branin_mjs([
      "--x",
      "9",
      "--y",
      "3",
      "--epochs",
      "3",
      "--keras",
    ]);
    expect(stdout).toContain("Epoch 3/3\n");
    expect(stdout).toContain("\r");
    expect(points.filter((p) => p.name === "keras/loss").map((p) => p.step)).toEqual([1, 2, 3]);
    const final = finalValue(points, "keras/loss", "last");
    expect(final).toEqual({ value: lastPrintedLoss(stdout) });
    expect(finalValue(points, "keras/val_loss", "last")).toEqual(final);
    expectBranin("value" in final ? final.value : undefined, 9, 3);
  });

  describe("--metrics-file", () => {
    const dir = mkdtempSync(join(tmpdir(), "hyperbayes-branin-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("writes JSON lines to $HYPERBAYES_METRICS_FILE and keeps stdout clean", async () => {
      const file = join(dir, "metrics.jsonl");
      const { stdout } = await branin_mjs(
        ["--x", "2", "--y", "5", "--epochs", "2", "--metrics-file", "--sleep-ms", "5"],
        { HYPERBAYES_METRICS_FILE: file },
      );
      expect(stdout).toBe("");
      const parser = createMetricParser();
      const points = [...parser.push(readFileSync(file)), ...parser.end()];
      expect(points.map((p) => p.step)).toEqual([1, 2]);
      const final = finalValue(points, "loss", "last");
      expect(final).toEqual({
        value: JSON.parse(readFileSync(file, "utf8").trim().split("\n").at(-1)!).loss,
      });
      expectBranin("value" in final ? final.value : undefined, 2, 5);
    });
  });

  it.each([
    [[], /--x and --y are required/],
    [["--x", "1"], /--x and --y are required/],
    [["--x", "one", "--y", "2"], /--x must be a number, got "one"/],
    [["--x", "1", "--y"], /--y needs a value/],
    [["--x", "1", "--y", "2", "--epochs", "0"], /--epochs must be an integer >= 1/],
    [["--x", "1", "--y", "2", "--epochs", "2.5"], /--epochs must be an integer >= 1/],
    [["--x", "1", "--y", "2", "--sleep-ms", "-1"], /--sleep-ms must be an integer >= 0/],
    [["--x", "1", "--y", "2", "--lr", "3"], /unknown argument "--lr"/],
    [["--x", "1", "--y", "2", "--metrics-file"], /needs HYPERBAYES_METRICS_FILE/],
    [["--x", "1", "--y", "2", "--keras", "--metrics-file"], /exclude each other/],
  ])("exits 2 on bad arguments %j", async (args, message) => {
    const { code, stderr } = await failure(args as string[]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toContain("usage:");
  });
});
