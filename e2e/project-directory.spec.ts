/**
 * Issue 10: the console started outside the install folder opened a different database. A user
 * with no HYPERBAYES_* variable runs the CLI and `hyperbayes console` from a project directory
 * of their own (a temporary one, outside the repository): both must use that directory's
 * `.hyperbayes`, its `hyperbayes.config.json`, and the form must default to it, although the
 * console's web server runs from the repository. A search made with the CLI shows on the
 * console's page; one made in the form runs, and its trials' files land in the project's data
 * directory, where the console reads them back.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { expect, type Page, test } from "@playwright/test";
import { REPO_ROOT } from "../cli/_console-server";
import { BIN, freePort, startCliConsole, withoutHyperbayesVariables } from "./cli-console";

const field = (page: Page, name: string) => page.locator(`[data-field="${name}"]`);

test("the CLI and a console started in a project directory share its data, config and cwd", async ({
  page,
}) => {
  test.setTimeout(600_000);
  const project = realpathSync(mkdtempSync(join(tmpdir(), "hyperbayes-project-")));
  expect(relative(REPO_ROOT, project).startsWith("..")).toBe(true);
  const tag = `${Date.now().toString(36)}`;
  writeFileSync(
    join(project, "hyperbayes.config.json"),
    JSON.stringify({
      machines: { "project-box": { executor: "local", description: "this project's machine" } },
    }),
  );
  // Relative to the project: it runs only where the trial's cwd is the project directory.
  writeFileSync(
    join(project, "train.mjs"),
    'const x = Number(process.argv[2]); console.log("loss=" + x * x);\n',
  );
  const port = await freePort();
  const env = { ...withoutHyperbayesVariables(process.env), PORT: String(port) };

  // A search run with the CLI, in the foreground, from the project directory.
  const cli = spawnSync(
    process.execPath,
    [
      BIN,
      "random",
      "--param",
      "x=1,2",
      "-n",
      "2",
      "--metric",
      "loss",
      "-t",
      "project-box",
      "-d",
      `from the CLI ${tag}`,
      "--",
      "node",
      "train.mjs",
      ":x:",
    ],
    { cwd: project, env, encoding: "utf8", timeout: 120_000 },
  );
  expect(cli.status, cli.stderr).toBe(0);
  expect(existsSync(join(project, ".hyperbayes", "hyperbayes.db"))).toBe(true);

  const running = await startCliConsole({ cwd: project, env });
  try {
    const base = `http://127.0.0.1:${port}`;
    await page.goto(`${base}/`);
    // Soft, so that a console opening another directory shows every one of its symptoms.
    await expect
      .soft(page.getByTestId("searches-table"), "the CLI's search on the console's page")
      .toContainText(`from the CLI ${tag}`);

    await page.goto(`${base}/searches/new`);
    await expect.soft(field(page, "cwd"), "the form's working directory").toHaveValue(project);
    await expect
      .soft(field(page, "machineType").locator("option"), "the project's machine types")
      .toContainText(["project-box"]);

    // A search made in the form runs, in its default directory (the project: train.mjs is
    // relative), on the project's machine type.
    await field(page, "description").fill(`from the form ${tag}`);
    await field(page, "params.0.name").fill("x");
    await field(page, "params.0.min").fill("-2");
    await field(page, "params.0.max").fill("2");
    await field(page, "command").fill("node train.mjs :x:");
    await field(page, "metric").fill("loss");
    await field(page, "numRuns").fill("3");
    await field(page, "machineType").selectOption("project-box");
    await page.getByTestId("submit-search").click();
    await page.waitForURL(/\/searches\/\d+$/);
    const id = Number(new URL(page.url()).pathname.split("/").pop());
    await expect(page.getByTestId("search-screen")).toHaveAttribute("data-status", "complete", {
      timeout: 120_000,
    });
    await expect(page.getByTestId("progress-text").first()).toHaveText("3/3");

    // Its trials' files are in the project's data directory, and the console reads them there.
    for (const n of [1, 2, 3]) {
      const log = join(project, ".hyperbayes", "searches", String(id), "trials", String(n));
      expect(readFileSync(join(log, "stdout.log"), "utf8")).toMatch(/^loss=\d/);
    }
    await page.goto(`${base}/searches/${id}/trials/1`);
    await expect(page.getByTestId("log-stdout")).toContainText("loss=");
  } finally {
    await running.stop();
  }
});
