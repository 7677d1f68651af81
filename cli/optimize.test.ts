/** `hyperbayes optimize --stdio`, driven as a real process the way another program would. */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { BIN, ROOT } from "../workers/testing/cli";
import { createOptimizeSession } from "./optimize";

/** Sends the lines, returns one parsed response per line. */
function session(
  lines: string[],
): Promise<{ code: number | null; responses: Record<string, unknown>[] }> {
  const child = spawn(process.execPath, [BIN, "optimize", "--stdio"], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  child.stdin.end(`${lines.join("\n")}\n`);
  return new Promise((done) =>
    child.on("close", (code) =>
      done({
        code,
        responses: out
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l)),
      }),
    ),
  );
}

type Asked = { trials: { params: unknown }[]; exhausted?: boolean };

const INIT = {
  op: "init",
  params: ["x=-5:10", "y=0:15", "n=1:8:int", "act=relu,tanh"],
  goal: "minimize",
  algorithm: "bayesian",
  seed: 0,
};

describe("optimize --stdio", () => {
  it("answers one line per request, asks, tells, and goes on after bad requests", async () => {
    const { code, responses } = await session([
      JSON.stringify(INIT),
      JSON.stringify({ op: "ask", n: 4 }),
      JSON.stringify({ op: "tell", id: 0, value: 12.7 }),
      JSON.stringify({ op: "tell", id: 0, value: 1 }),
      "not json",
      JSON.stringify({ op: "fly" }),
      JSON.stringify({ op: "tell", id: 1, value: null }),
      JSON.stringify({ op: "tell", params: { x: 1, y: 2, n: 3, act: "tanh" }, value: 0.5 }),
      JSON.stringify({ op: "tell", params: { x: 100, y: 2, n: 3, act: "tanh" }, value: 0.5 }),
      JSON.stringify({ op: "ask", n: 2 }),
      JSON.stringify({ op: "best" }),
    ]);
    expect(code).toBe(0);
    expect(responses).toHaveLength(11);
    const [init, ask, tell, again, junk, fly, failed, outside, outOfRange, ask2, best] = responses;
    expect(init).toEqual({ ok: true });
    const trials = ask?.trials as { id: number; params: Record<string, unknown> }[];
    expect(trials.map((t) => t.id)).toEqual([0, 1, 2, 3]);
    for (const t of trials) {
      expect(t.params.x).toBeGreaterThanOrEqual(-5);
      expect(t.params.x).toBeLessThanOrEqual(10);
      expect(Number.isInteger(t.params.n)).toBe(true);
      expect(["relu", "tanh"]).toContain(t.params.act);
    }
    expect(tell).toEqual({ ok: true });
    expect(again).toEqual({ ok: false, error: "trial 0 was already told" });
    expect(junk).toMatchObject({ ok: false });
    expect(fly).toMatchObject({ ok: false });
    expect(failed).toEqual({ ok: true });
    expect(outside).toEqual({ ok: true });
    expect(outOfRange).toMatchObject({
      ok: false,
      error: expect.stringMatching(/"x" must be a number in \[-5, 10\]/),
    });
    const next = ask2?.trials as { id: number }[];
    expect(next.map((t) => t.id)).toEqual([4, 5]);
    expect(best).toEqual({ ok: true, params: { x: 1, y: 2, n: 3, act: "tanh" }, value: 0.5 });
  });

  it("counts asked-but-not-told trials as pending, and is deterministic for a seed", () => {
    const run = (seed: number) => {
      const s = createOptimizeSession();
      s.line(JSON.stringify({ ...INIT, seed }));
      const a = s.line(JSON.stringify({ op: "ask", n: 3 }));
      const b = s.line(JSON.stringify({ op: "ask", n: 3 }));
      return [a, b];
    };
    const [a, b] = run(7);
    expect(run(7)).toEqual([a, b]);
    expect(run(8)).not.toEqual([a, b]);
    // The second batch, asked while the first is pending, repeats none of its points.
    const keys = [a, b].flatMap((r) =>
      (r as unknown as Asked).trials.map((t) => JSON.stringify(t.params)),
    );
    expect(new Set(keys).size).toBe(6);
  });

  it("walks a grid in order and says when it is used up", () => {
    const s = createOptimizeSession();
    expect(s.line(JSON.stringify({ op: "ask" }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/init/),
    });
    s.line(JSON.stringify({ op: "init", params: ["a=1,2", "b=x,y"], algorithm: "grid" }));
    const first = s.line(JSON.stringify({ op: "ask", n: 3 })) as unknown as Asked;
    const rest = s.line(JSON.stringify({ op: "ask", n: 3 })) as unknown as Asked;
    expect([...first.trials, ...rest.trials].map((t) => t.params)).toEqual([
      { a: 1, b: "x" },
      { a: 1, b: "y" },
      { a: 2, b: "x" },
      { a: 2, b: "y" },
    ]);
    expect(rest.exhausted).toBe(true);
    expect(s.line(JSON.stringify({ op: "init", params: ["a=1:0"] }))).toMatchObject({
      ok: false,
      error: expect.stringMatching(/a=1:0: MIN must be below MAX/),
    });
  });
});
