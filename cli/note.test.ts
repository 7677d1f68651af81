/**
 * Notes through the real command: `hyperbayes note` sets, prints and clears a search's and a
 * trial's notes (refusing notes over the limit with exit code 2, storing nothing), `describe`
 * prints the search's notes, and both exports carry them: the JSON export the search's and each
 * trial's notes as written, the trials CSV a notes column quoted as RFC 4180 says.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../db";
import { makeSpec } from "../db/testing/fixtures";
import { hyperbayes, tempDir } from "../db/testing/user-cli";
import { NOTES_MAX_CHARS } from "../lib/search/notes";
import { parseCsv as csvRows } from "../lib/testing/csv";
import { recordBadInput } from "../lib/testing/ledger";

const cwd = tempDir();

describe("notes from the command line", () => {
  it("note sets, prints and clears; describe and both exports carry the notes", async () => {
    const home = tempDir();
    const env = { HYPERBAYES_HOME: home };
    const store = await openSqliteStore(join(home, "hyperbayes.db"));
    const search = await store.createSearch(makeSpec({ cwd }), { status: "running" });
    for (const number of [1, 2]) {
      await store.createTrial(search.id, { number, params: { lr: 0.01, units: 32, opt: "adam" } });
      await store.updateTrial(search.id, number, { status: "complete", value: number / 10 });
    }
    await store.updateSearch(search.id, { status: "complete" });
    await store.close();

    const searchNotes =
      "# Findings\n\n- **x** mattered, see [docs](https://example.com)\n- <script>x</script> stays text";
    const set = await hyperbayes(["note", "1", searchNotes], env);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain("search 1: notes saved");
    const file = join(tempDir(), "trial-notes.md");
    const trialNotes = 'try `x` lower, "quoted", with a comma\nand a second line';
    writeFileSync(file, trialNotes);
    expect((await hyperbayes(["note", "1", "--trial", "2", "--file", file], env)).code).toBe(0);

    const [shown, described, json, csv] = await Promise.all([
      hyperbayes(["note", "1", "--trial", "2"], env),
      hyperbayes(["describe", "1"], env),
      hyperbayes(["export", "1", "--format", "json"], env),
      hyperbayes(["export", "1", "--format", "csv"], env),
    ]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toBe(`${trialNotes}\n`);
    expect(described.code).toBe(0);
    expect(described.stdout).toContain(
      "  notes\n    # Findings\n    \n    - **x** mattered, see [docs](https://example.com)\n",
    );

    expect(json.code, json.stderr).toBe(0);
    const exported = JSON.parse(json.stdout) as {
      search: { notes: string };
      trials: { number: number; notes: string }[];
    };
    expect(exported.search.notes).toBe(searchNotes);
    expect(exported.trials.map((t) => [t.number, t.notes])).toEqual([
      [1, ""],
      [2, trialNotes],
    ]);

    expect(csv.code, csv.stderr).toBe(0);
    const [header, ...rows] = csvRows(csv.stdout);
    const at = header?.indexOf("notes") ?? -1;
    expect(at).toBe((header?.length ?? 0) - 1);
    expect(rows.map((r) => [r[0], r[at]])).toEqual([
      ["1", ""],
      ["2", trialNotes],
    ]);

    // Clearing, and a search without notes says so.
    expect((await hyperbayes(["note", "1", "--clear"], env)).stdout).toContain("notes cleared");
    const [none, plain] = await Promise.all([
      hyperbayes(["note", "1"], env),
      hyperbayes(["describe", "1"], env),
    ]);
    expect(none.code).toBe(0);
    expect(none.stderr).toContain("search 1 has no notes");
    expect(plain.stdout).not.toContain("  notes");
  }, 120_000);

  it("refuses notes over the limit, a missing trial and two ways at once: exit 2, nothing stored", async () => {
    const home = tempDir();
    const env = { HYPERBAYES_HOME: home };
    const store = await openSqliteStore(join(home, "hyperbayes.db"));
    const search = await store.createSearch(makeSpec({ cwd }));
    await store.updateSearch(search.id, { notes: "kept" });
    await store.close();

    const file = join(tempDir(), "long.md");
    writeFileSync(file, "x".repeat(NOTES_MAX_CHARS + 1));
    const cases: [string, string[], RegExp][] = [
      [
        "notes over the limit",
        ["note", "1", "--file", file],
        /20,001 characters, longer than the 20,000/,
      ],
      [
        "a trial that does not exist",
        ["note", "1", "--trial", "9", "x"],
        /search 1 has no trial 9/,
      ],
      [
        "a trial number that is no number",
        ["note", "1", "--trial", "two", "x"],
        /--trial needs an integer/,
      ],
      ["TEXT and --clear", ["note", "1", "x", "--clear"], /give the notes one way/],
      ["two TEXTs", ["note", "1", "a", "b"], /unexpected argument "b"/],
      [
        "a missing file",
        ["note", "1", "--file", "/no/such/notes.md"],
        /cannot read \/no\/such\/notes.md: no such file/,
      ],
    ];
    const runs = await Promise.all(cases.map(([, args]) => hyperbayes(args, env)));
    for (const [k, [name, , message]] of cases.entries()) {
      recordBadInput(`hyperbayes note: ${name}`);
      const r = runs[k] as (typeof runs)[number];
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toMatch(message);
      expect(r.stderr, name).not.toMatch(/\n\s+at /);
    }
    const after = await openSqliteStore(join(home, "hyperbayes.db"));
    expect((await after.getSearch(search.id))?.notes).toBe("kept");
    await after.close();
  }, 120_000);
});
