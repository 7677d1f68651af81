import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { buildIsCurrent, urlHost } from "./_console-server";

describe("buildIsCurrent", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function project(): string {
    const root = mkdtempSync(join(tmpdir(), "hb-launch-"));
    dirs.push(root);
    mkdirSync(join(root, "app", "searches"), { recursive: true });
    mkdirSync(join(root, "lib"), { recursive: true });
    writeFileSync(join(root, "app", "searches", "page.tsx"), "x");
    writeFileSync(join(root, "lib", "a.ts"), "x");
    writeFileSync(join(root, "lib", "a.test.ts"), "x");
    writeFileSync(join(root, "proxy.ts"), "x");
    return root;
  }
  const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);

  it("is stale without a build, current after one, stale after a source changes", () => {
    const root = project();
    for (const f of ["app/searches/page.tsx", "lib/a.ts", "lib/a.test.ts", "proxy.ts"])
      at(join(root, f), 1000);
    expect(buildIsCurrent(root)).toBe(false);
    mkdirSync(join(root, ".next"));
    writeFileSync(join(root, ".next", "BUILD_ID"), "id");
    at(join(root, ".next", "BUILD_ID"), 2000);
    expect(buildIsCurrent(root)).toBe(true);
    // Tests never reach the build.
    at(join(root, "lib", "a.test.ts"), 3000);
    expect(buildIsCurrent(root)).toBe(true);
    at(join(root, "app", "searches", "page.tsx"), 3000);
    expect(buildIsCurrent(root)).toBe(false);
    at(join(root, "app", "searches", "page.tsx"), 1000);
    at(join(root, "proxy.ts"), 3000);
    expect(buildIsCurrent(root)).toBe(false);
  });
});

describe("urlHost", () => {
  it("brackets IPv6 addresses", () => {
    expect(urlHost("127.0.0.1")).toBe("127.0.0.1");
    expect(urlHost("::1")).toBe("[::1]");
  });
});
