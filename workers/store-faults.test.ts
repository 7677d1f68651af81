/**
 * How a worker loop reads store failures, and the store wrapper that waits outages out: against
 * real errors (a PostgreSQL server that is not there, pg's own connection errors) and a real
 * SQLite store whose replies the test loses (the write happens, the answer never arrives).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore, StateConflictError, type Store } from "../db";
import { makeSpec } from "../db/testing/fixtures";
import { StorageError } from "../lib/errors";
import { recordFault } from "../lib/testing/ledger";
import { openPatiently, patientStore, storeFault } from "./store-faults";
import { openTestStore } from "./testing/cli";

const connectionReset = () => Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });

/** `store`, failing its next `failures[method]` calls with a reset connection, after the call
 * itself ran when `afterWrite` (a reply lost on its way back), else before it. */
function flaky(store: Store, failures: Record<string, number>, afterWrite = false): Store {
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== "function" || typeof key !== "string") return value;
      return async (...args: unknown[]) => {
        if ((failures[key] ?? 0) > 0) {
          failures[key]!--;
          if (afterWrite)
            await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          throw connectionReset();
        }
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}

describe("storeFault", () => {
  it("calls a PostgreSQL server that is not there unreachable", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hb-nopg-"));
    const url = `postgresql://nobody@localhost/none?host=${encodeURIComponent(dir)}`;
    const e = await openStore({ home: dir, databaseUrl: url }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeDefined();
    expect(storeFault(e)).toBe("unreachable");
  });

  it("tells a full disk, a dropped connection, and what is not for waiting out apart", () => {
    const full = new StorageError("disk_full", "full", {
      cause: Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" }),
    });
    expect(storeFault(full)).toBe("full");
    expect(storeFault(Object.assign(new Error("no space"), { code: "ENOSPC" }))).toBe("full");
    // pg's own errors carry no code.
    expect(storeFault(new Error("Connection terminated unexpectedly"))).toBe("unreachable");
    expect(storeFault({ message: "Failed query", cause: connectionReset() })).toBe("unreachable");
    expect(storeFault(Object.assign(new Error("busy"), { code: "SQLITE_BUSY_SNAPSHOT" }))).toBe(
      "unreachable",
    );
    expect(storeFault(Object.assign(new Error("shutting down"), { code: "57P01" }))).toBe(
      "unreachable",
    );
    expect(storeFault(new StateConflictError("leased by someone else"))).toBeUndefined();
    expect(storeFault(new TypeError("x is undefined"))).toBeUndefined();
    expect(storeFault(Object.assign(new Error("corrupt"), { code: "SQLITE_CORRUPT" }))).toBe(
      undefined,
    );
  });
});

describe("patientStore", () => {
  it("retries a call until the database answers, telling of the outage once", async () => {
    recordFault("store unreachable for a few calls");
    const store = await openTestStore(mkdtempSync(join(tmpdir(), "hb-patient-")));
    const events: string[] = [];
    const patient = patientStore(flaky(store, { getSearch: 3 }), {
      minDelayMs: 1,
      onOutage: () => events.push("outage"),
      onRecovered: () => events.push("recovered"),
    });
    const search = await store.createSearch(makeSpec());
    expect((await patient.getSearch(search.id))?.id).toBe(search.id);
    expect(events).toEqual(["outage", "recovered"]);
  });

  it("a trial whose reply was lost is not created twice: the retry returns the one written", async () => {
    recordFault("createTrial reply lost");
    const store = await openTestStore(mkdtempSync(join(tmpdir(), "hb-patient-")));
    const search = await store.createSearch(makeSpec(), {
      status: "running",
      lease: { owner: "w", ttlMs: 60_000 },
    });
    const patient = patientStore(flaky(store, { createTrial: 1 }, true), { minDelayMs: 1 });
    const params = { lr: 0.1, units: 32, opt: "adam" };
    const trial = await patient.createTrial(search.id, { number: 1, params }, { leaseOwner: "w" });
    expect(trial).toMatchObject({ number: 1, params, status: "queued" });
    expect(await store.listTrials(search.id)).toHaveLength(1);
  });

  it("gives up waiting when told to, with the outage's error", async () => {
    const store = await openTestStore(mkdtempSync(join(tmpdir(), "hb-patient-")));
    const controller = new AbortController();
    const patient = patientStore(flaky(store, { getSearch: 1_000_000 }), {
      signal: controller.signal,
      minDelayMs: 5,
    });
    const pending = patient.getSearch(1);
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow(/ECONNRESET/);
  });
});

describe("openPatiently", () => {
  const noServer = () => {
    const dir = mkdtempSync(join(tmpdir(), "hb-nopg-"));
    return openStore({
      home: dir,
      databaseUrl: `postgresql://nobody@localhost/none?host=${encodeURIComponent(dir)}`,
    });
  };

  it("waits for a database that is not there yet, and opens it once it answers", async () => {
    recordFault("database unreachable at the worker's start");
    const home = mkdtempSync(join(tmpdir(), "hb-patient-"));
    const events: string[] = [];
    let attempts = 0;
    const store = await openPatiently(() => (++attempts <= 3 ? noServer() : openTestStore(home)), {
      minDelayMs: 1,
      onOutage: (e) => events.push(`outage: ${(e as Error).message}`),
      onRecovered: () => events.push("recovered"),
    });
    expect(attempts).toBe(4);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatch(/^outage: cannot reach the PostgreSQL server/);
    expect(events[1]).toBe("recovered");
    expect((await store.createSearch(makeSpec())).id).toBeGreaterThan(0);
    await store.close();
  });

  it("throws what is not an outage at once: a URL that is not PostgreSQL's", async () => {
    let attempts = 0;
    const opening = openPatiently(
      () => {
        attempts++;
        return openStore({
          home: mkdtempSync(join(tmpdir(), "hb-patient-")),
          databaseUrl: "mysql://x",
        });
      },
      { minDelayMs: 1 },
    );
    await expect(opening).rejects.toThrow(/must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(attempts).toBe(1);
  });

  it("stops waiting when told to, with the outage's error", async () => {
    const controller = new AbortController();
    const opening = openPatiently(noServer, { signal: controller.signal, minDelayMs: 5 });
    setTimeout(() => controller.abort(), 50);
    await expect(opening).rejects.toThrow(/cannot reach the PostgreSQL server/);
  });
});
