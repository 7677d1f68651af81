import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatLedger, readLedger } from "./ledger";

describe("the reliability ledger", () => {
  it("sums every process's entries and skips lines that do not parse", () => {
    const dir = mkdtempSync(join(tmpdir(), "hb-ledger-"));
    writeFileSync(
      join(dir, "1.jsonl"),
      [
        JSON.stringify({ kind: "fault", name: "sigkill" }),
        JSON.stringify({ kind: "probe", name: "foreign host" }),
        "{half a line",
        JSON.stringify({ kind: "trials", name: "storm", checked: 40, lost: 0, twice: 1 }),
      ].join("\n"),
    );
    writeFileSync(join(dir, "2.jsonl"), `${JSON.stringify({ kind: "bad-input", name: "x" })}\n`);
    const totals = readLedger(dir);
    expect(totals).toEqual({
      faults: 1,
      badInputs: 1,
      probes: 1,
      trialsChecked: 40,
      lost: 0,
      twice: 1,
    });
    expect(formatLedger(totals)).toContain("0 trials lost, 1 trials run twice");
  });

  it("reads a missing folder as nothing tried", () => {
    expect(readLedger(join(tmpdir(), "hb-no-such-ledger")).faults).toBe(0);
  });
});
