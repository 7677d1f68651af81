import { describe, expect, it } from "vitest";
import { UsageError } from "../lib/errors";
import { recordBadInput } from "../lib/testing/ledger";
import { consoleOptions } from "./console";

const TOKEN = "a-token-of-enough-length";

describe("consoleOptions", () => {
  it("listens on 127.0.0.1, port $PORT or 3000, with a worker", () => {
    expect(consoleOptions({}, {})).toEqual({
      host: "127.0.0.1",
      port: 3000,
      allowedHosts: [],
      worker: true,
      token: undefined,
    });
    expect(consoleOptions({}, { PORT: "4100" }).port).toBe(4100);
    expect(consoleOptions({ port: "5000", "no-worker": true }, { PORT: "4100" })).toMatchObject({
      port: 5000,
      worker: false,
    });
  });

  it("refuses --host without a token, with exit code 2", () => {
    let error: unknown;
    try {
      consoleOptions({ host: "0.0.0.0" }, {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).message).toMatch(/HYPERBAYES_TOKEN/);
    expect(consoleOptions({ host: "0.0.0.0" }, { HYPERBAYES_TOKEN: TOKEN })).toMatchObject({
      host: "0.0.0.0",
      token: TOKEN,
    });
  });

  it("rejects weak tokens and bad ports", () => {
    expect(() => consoleOptions({}, { HYPERBAYES_TOKEN: "short" })).toThrow(/at least 16/);
    expect(() => consoleOptions({}, { HYPERBAYES_TOKEN: `${TOKEN} with space` })).toThrow(
      /printable/,
    );
    for (const port of ["0", "65536", "80a", "-1", "1.5"])
      expect(() => consoleOptions({ port }, {})).toThrow(/port must be/);
  });

  it("reads each --allowed-host as NAME[:PORT], and names a bad one (exit 2)", () => {
    expect(
      consoleOptions({ "allowed-host": ["HB.example.org", "[fd00::5]:8443", "tunnel:8080"] }, {})
        .allowedHosts,
    ).toEqual([
      { name: "hb.example.org", port: undefined },
      { name: "[fd00::5]", port: 8443 },
      { name: "tunnel", port: 8080 },
    ]);
    for (const bad of [
      "http://hb.example.org",
      "hb.example.org:99999",
      "a b",
      "*.example.org",
      "",
    ]) {
      recordBadInput(`--allowed-host ${bad}`);
      expect(() => consoleOptions({ "allowed-host": [bad] }, {}), bad).toThrow(
        /--allowed-host needs a host name/,
      );
    }
  });
});
