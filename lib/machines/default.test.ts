/**
 * The default machine type is said in one place and done in one place: the rule picks the first
 * detected GPU model (never a Slurm or configured type), else cpu, and the words the help, the README's flag table
 * and the form show are that rule's (DEFAULT_MACHINE_TYPE_WORDS through the settings row).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { searchUsage } from "../../cli/_search-flags";
import { defaultText, flagTable, SETTINGS } from "../search/settings";
import { DEFAULT_MACHINE_TYPE_WORDS, defaultAmong } from "./default";

type Source = "built-in" | "detected" | "config";
const local = (
  name: string,
  gpus: number,
  source: Source = gpus > 0 ? "detected" : "built-in",
) => ({
  name,
  executor: "local" as const,
  gpus,
  source,
});
const slurm = (name: string, gpus: number) => ({
  name,
  executor: "slurm" as const,
  gpus,
  source: "config" as const,
});

describe("the default machine type", () => {
  it.each([
    ["cpu alone", [local("cpu", 0)], "cpu"],
    ["a local GPU model", [local("H100", 1), local("cpu", 0)], "H100"],
    ["the first of two models", [local("A100", 1), local("T4", 1), local("cpu", 0)], "A100"],
    ["a Slurm GPU type only", [local("cpu", 0), slurm("K80", 1)], "cpu"],
    ["a configured local type without GPUs", [local("big", 0, "config"), local("cpu", 0)], "cpu"],
    // `hyperbayes machines` on a machine without GPUs said "without -t: two-gpus", whose trials
    // then waited for GPUs for ever.
    ["a configured GPU type, no GPU here", [local("cpu", 0), local("two", 2, "config")], "cpu"],
    [
      "a detected model before a configured GPU type",
      [local("cpu", 0), local("T4", 1), local("two", 2, "config")],
      "T4",
    ],
    ["nothing at all", [], "cpu"],
  ])("%s", (_, types, expected) => {
    expect(defaultAmong(types)).toBe(expected);
  });

  it("is said in the same words by the help, the README and the form", () => {
    const words = DEFAULT_MACHINE_TYPE_WORDS;
    expect(defaultText(SETTINGS.machineType)).toBe(words);
    expect(searchUsage("bayesian")).toContain(`(default: ${words})`);
    expect(flagTable()).toContain(`(default: ${words})`);
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme).toContain(`(default: ${words})`);
    const form = readFileSync(
      new URL("../../components/search-form/SearchForm.tsx", import.meta.url),
      "utf8",
    );
    expect(form).toContain("default: {defaultText(row)}");
  });
});
