/**
 * What trials and users write, printed back safely: a real search whose choice values, metric
 * names, description and stderr carry formulas and terminal escapes, through the real
 * `hyperbayes` command (the foreground progress, describe, list, both CSVs); and the output's
 * own failures: a reader that leaves early (EPIPE) and an output file in a missing folder.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseCsv } from "../lib/testing/csv";
import { recordBadInput, recordFault } from "../lib/testing/ledger";
import { BIN, makeHome, openTestStore, ROOT, runCli, startCli } from "../workers/testing/cli";

// What a terminal acts on rather than shows (a line feed aside): C0/C1 controls, DEL, bidi.
const CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;
const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i;

const DESCRIPTION = "hostile \x1b[31mred\x1b]0;owned\x07 \u202eevil";
const CELLS = [
  "=1+2",
  "@SUM(1)",
  "-1.5",
  "+cmd|x",
  "fail",
  "\x1b]8;;http://evil.example\x07ok",
  "\u202eRLO",
];
// A training script that prints what a careless or hostile one might: metric names that read as
// formulas, escapes around its metric line, and for the value `fail`, escapes on stderr (which
// the failure reason quotes).
const SCRIPT = `
const cell = process.argv[2];
console.log(JSON.stringify({ "@SUM(1+1)": 1, "-2+3": 2, "+cmd|calc": 3, "\\u202eacc": 4 }));
// The best trials (loss 0) are those whose value holds controls: the summary line shows it.
const loss = /[\\x1b\\u202e]/.test(cell) ? 0 : cell.length;
console.log("\\x1b]0;owned\\x07\\x1b[2J loss=" + loss);
if (cell === "fail") {
  console.error("\\x1b[31mboom\\x1b]52;c;cm0gLXJm\\x07\\u009b2J\\u202eevil");
  process.exit(1);
}
`;

/** Every cell a spreadsheet would run as a formula. */
const formulas = (rows: string[][]) =>
  rows.flat().filter((cell) => /^[=+\-@\t\r]/.test(cell) && !NUMBER.test(cell));

let home: string;
let id: number;
let run: { code: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  home = makeHome();
  const script = join(home, "hostile.mjs");
  writeFileSync(script, SCRIPT);
  for (const c of CELLS) recordBadInput(`choice value ${JSON.stringify(c)}`);
  recordBadInput("description with terminal escapes");
  recordBadInput("metric names that read as formulas, printed by a trial");
  recordBadInput("stderr with escapes quoted in a failure reason");
  run = await runCli(home, [
    "grid",
    "--param",
    "x=-1.5,3",
    "--json-param",
    `cell=${JSON.stringify(CELLS)}`,
    "-n",
    String(2 * CELLS.length),
    "-r",
    "3",
    "--metric",
    "loss",
    "--max-failures",
    "100",
    "-d",
    DESCRIPTION,
    "--",
    "node",
    script,
    ":cell:",
    ":x:",
  ]);
  const store = await openTestStore(home);
  const [search] = await store.listSearches();
  id = search?.id as number;
}, 120_000);

describe("text from trials and users, on a terminal", () => {
  it("the search ran for real, with the hostile values and reasons stored as written", async () => {
    expect(run.stderr).toBe("");
    const store = await openTestStore(home);
    const search = await store.getSearch(id);
    expect(search?.description).toBe(DESCRIPTION);
    const trials = await store.listTrials(id);
    expect(trials).toHaveLength(2 * CELLS.length);
    const failed = trials.filter((t) => t.params.cell === "fail");
    expect(failed.map((t) => t.status)).toEqual(["failed", "failed"]);
    expect(failed[0]?.reason).toContain("\x1b[31mboom");
  });

  it("the foreground progress lines show escapes as text", () => {
    expect(run.stdout).toContain("  trial ");
    expect(run.stdout).toContain("\\x1b[31mboom");
    expect(run.stdout).toMatch(/^best: trial \d+, loss=0 .*(\\x1b|\\u202e)/m);
    expect(CONTROL.test(run.stdout), JSON.stringify(run.stdout.match(CONTROL))).toBe(false);
  });

  it("describe and list show them as text, and list --json keeps the values", async () => {
    const describeOut = await runCli(home, ["describe", String(id)]);
    expect(describeOut.code).toBe(0);
    expect(CONTROL.test(describeOut.stdout)).toBe(false);
    expect(describeOut.stdout).toContain("hostile \\x1b[31mred\\x1b]0;owned\\x07 \\u202eevil");
    expect(describeOut.stdout).toContain("\\x1b]8;;http://evil.example\\x07ok");
    expect(describeOut.stdout).toContain("\\u009b2J\\u202eevil");

    const list = await runCli(home, ["list"]);
    expect(list.code).toBe(0);
    expect(CONTROL.test(list.stdout)).toBe(false);
    expect(list.stdout).toContain("hostile \\x1b[31mred");

    const json = await runCli(home, ["list", "--json"]);
    expect(CONTROL.test(json.stdout.replaceAll("\n", ""))).toBe(false);
    expect((JSON.parse(json.stdout) as { description: string }[])[0]?.description).toBe(
      DESCRIPTION,
    );
  });

  it("both CSVs neutralize formula cells and keep numbers as numbers", async () => {
    // A trial's notes are a person's text: a formula there is neutralized too.
    const note = await runCli(home, ["note", String(id), "--trial", "1", '=HYPERLINK("x")']);
    expect(note.code, note.stderr).toBe(0);
    const trials = await runCli(home, ["export", String(id), "--format", "csv"]);
    expect(trials.code).toBe(0);
    const rows = parseCsv(trials.stdout);
    expect(rows[0]).toEqual([
      "trial",
      "status",
      "x",
      "cell",
      "loss",
      "started_at",
      "ended_at",
      "exit_code",
      "reason",
      "notes",
    ]);
    expect(formulas(rows)).toEqual([]);
    expect(rows.find((r) => r[0] === "1")?.[9]).toBe(`'=HYPERLINK("x")`);
    const cells = new Set(rows.slice(1).map((r) => r[3]));
    for (const c of ["'=1+2", "'@SUM(1)", "-1.5", "'+cmd|x"]) expect(cells, c).toContain(c);
    expect(new Set(rows.slice(1).map((r) => r[2]))).toEqual(new Set(["-1.5", "3"]));

    const metrics = await runCli(home, ["download-metrics", String(id)]);
    expect(metrics.code).toBe(0);
    const points = parseCsv(metrics.stdout);
    expect(formulas(points)).toEqual([]);
    const names = new Set(points.slice(1).map((r) => r[1]));
    expect(names).toEqual(new Set(["'@SUM(1+1)", "'-2+3", "'+cmd|calc", "\u202eacc", "loss"]));
  });
});

describe("output failures", () => {
  it("a reader that leaves early ends the command quietly, exit code 0", async () => {
    // Many metric points, so download-metrics is still writing when its reader goes.
    const many = join(home, "many.mjs");
    writeFileSync(many, 'for (let i = 0; i < 20000; i++) console.log("loss=" + i);\n');
    const big = await runCli(home, [
      "random",
      "--param",
      "x=0:1",
      "-n",
      "2",
      "--metric",
      "loss",
      "--",
      "node",
      many,
    ]);
    expect(big.code).toBe(0);
    const store = await openTestStore(home);
    const bigId = (await store.listSearches())[0]?.id as number;

    for (const args of [
      ["describe", String(id)],
      ["list"],
      ["list", "--json"],
      ["download-metrics", String(bigId)],
      ["export", String(id)],
    ]) {
      recordFault(`stdout closed before ${args[0]} wrote`);
      const child = startCli(home, args);
      child.stdout?.destroy(); // the reader is gone before the first write
      let stderr = "";
      child.stderr?.on("data", (d) => {
        stderr += d;
      });
      const code = await new Promise((done) => child.on("close", done));
      expect(stderr, args.join(" ")).toBe("");
      expect(code, args.join(" ")).toBe(0);
    }

    // Mid-stream, as `| head -1` does it: a shell pipeline, its status the command's own.
    recordFault("stdout closed mid-stream: download-metrics | head -1");
    const piped = spawn(
      "bash",
      ["-c", `set -o pipefail; node "${BIN}" download-metrics ${bigId} | head -1`],
      {
        cwd: ROOT,
        env: { ...process.env, HYPERBAYES_HOME: home },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    piped.stdout.on("data", (d) => {
      out += d;
    });
    piped.stderr.on("data", (d) => {
      err += d;
    });
    const status = await new Promise((done) => piped.on("close", done));
    expect(out).toBe("run_id,metric_name,timestamp,index,value\n".replace("\n", "\r\n"));
    expect(err).toBe("");
    expect(status).toBe(0);
  }, 120_000);

  it("an output file in a missing folder, or one that exists, is a one-line error, exit 2", async () => {
    mkdirSync(join(home, "a-folder"));
    writeFileSync(join(home, "taken.csv"), "keep me");
    const cases: [string[], RegExp][] = [
      [
        ["export", String(id), "-o", "missing/dir/file.csv"],
        /cannot write missing\/dir\/file\.csv: the folder missing\/dir does not exist/,
      ],
      [["export", String(id), "--format", "csv", "-o", join(home, "a-folder")], /it is a folder/],
      [
        ["export", String(id), "-o", join(home, "taken.csv", "x.csv")],
        /a part of its path is not a folder/,
      ],
      [
        ["download-metrics", String(id), "-d", "missing/dir/m.csv"],
        /the folder missing\/dir does not exist/,
      ],
      [
        ["download-metrics", String(id), "-d", join(home, "taken.csv")],
        /exists; add -f to overwrite it/,
      ],
    ];
    for (const [args, message] of cases) {
      recordBadInput(`${args[0]} into ${args.at(-1)}`);
      const r = await runCli(home, args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.stdout).toBe("");
    }
  });

  it("a file written says so on stderr, and stdout stays empty", async () => {
    for (const args of [
      ["export", String(id), "-o", join(home, "out.json")],
      ["export", String(id), "--format", "csv", "-o", join(home, "out.csv")],
      ["download-metrics", String(id), "-d", join(home, "metrics.csv")],
    ]) {
      const file = args.at(-1) as string;
      const r = await runCli(home, args);
      expect(r.code, args.join(" ")).toBe(0);
      expect(r.stderr).toBe(`wrote ${file}\n`);
      expect(r.stdout).toBe("");
      expect(readFileSync(file, "utf8").length).toBeGreaterThan(10);
    }
  });
});
