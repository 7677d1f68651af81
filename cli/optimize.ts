/**
 * `hyperbayes optimize --stdio`: the optimizer as an ask/tell service over JSON lines, so any
 * language (benchmarks, notebooks, other schedulers) can drive it. One response line per request
 * line; a bad request gets `{"ok":false,"error":...}` and the session goes on.
 */
import { createInterface } from "node:readline";
import { z } from "zod";
import { goalSchema } from "../lib/metrics/schema";
import { type Algorithm, type ModelState, type Observation, suggest } from "../lib/optimizer";
import { acquisitionSchema } from "../lib/search/spec";
import { isBetter } from "../lib/search/status";
import { parseSpace } from "../lib/space/parse";
import type { Params, Space } from "../lib/space/schema";
import { paramsSchema } from "../lib/space/schema";
import { parseFlags } from "./_args";

const initRequest = z.strictObject({
  op: z.literal("init"),
  params: z.array(z.string()).default([]),
  jsonParams: z.array(z.string()).default([]),
  goal: goalSchema.default("maximize"),
  algorithm: z.enum(["bayesian", "random", "grid"]).default("bayesian"),
  seed: z.number().int().nonnegative().default(0),
  kappa: z.number().positive().optional(),
  acquisition: acquisitionSchema.default("ucb"),
});
const askRequest = z.strictObject({
  op: z.literal("ask"),
  n: z.number().int().min(1).max(1000).default(1),
});
const tellRequest = z.strictObject({
  op: z.literal("tell"),
  id: z.number().int().nonnegative().optional(),
  params: paramsSchema.optional(),
  value: z.number().nullable(),
});
const bestRequest = z.strictObject({ op: z.literal("best") });
const request = z.discriminatedUnion("op", [initRequest, askRequest, tellRequest, bestRequest]);
type Request = z.infer<typeof request>;

type Response = { ok: true; [key: string]: unknown } | { ok: false; error: string };

interface Session {
  init: z.infer<typeof initRequest>;
  space: Space;
  observations: Observation[];
  /** Asked and not yet told, by id. */
  pending: Map<number, Params>;
  /** Every id handed out, so a second tell of the same id is an error. */
  told: Set<number>;
  nextId: number;
  warm?: ModelState;
}

/** Keeps the state of one stdio session; `handle` never throws. */
export function createOptimizeSession() {
  let session: Session | undefined;

  function handle(req: Request): Response {
    if (req.op === "init") {
      const space = parseSpace(req.params, req.jsonParams);
      session = {
        init: req,
        space,
        observations: [],
        pending: new Map(),
        told: new Set(),
        nextId: 0,
      };
      return { ok: true };
    }
    if (!session) return { ok: false, error: 'send {"op":"init",...} first' };
    const s = session;
    switch (req.op) {
      case "ask": {
        const result = suggest({
          algorithm: s.init.algorithm as Algorithm,
          space: s.space,
          goal: s.init.goal,
          observations: s.observations,
          pending: [...s.pending.values()],
          n: req.n,
          seed: s.init.seed,
          kappa: s.init.kappa,
          acquisition: s.init.acquisition,
          warm: s.warm,
        });
        s.warm = result.state ?? s.warm;
        const trials = result.points.map((params) => {
          const id = s.nextId++;
          s.pending.set(id, params);
          return { id, params };
        });
        return result.exhausted ? { ok: true, trials, exhausted: true } : { ok: true, trials };
      }
      case "tell": {
        if (req.value !== null && !Number.isFinite(req.value)) {
          return { ok: false, error: "value must be a finite number, or null for a failed trial" };
        }
        if (req.id !== undefined) {
          const params = s.pending.get(req.id);
          if (!params) {
            return {
              ok: false,
              error: s.told.has(req.id)
                ? `trial ${req.id} was already told`
                : `no trial with id ${req.id} was asked`,
            };
          }
          s.pending.delete(req.id);
          s.told.add(req.id);
          s.observations.push({ params, value: req.value });
          return { ok: true };
        }
        if (!req.params)
          return {
            ok: false,
            error: 'tell needs "id" (a trial you asked) or "params" (an outside observation)',
          };
        const params = checkParams(s.space, req.params);
        s.observations.push({ params, value: req.value });
        return { ok: true };
      }
      case "best": {
        // The first of equal values stays best, as the lower trial number does in a search.
        let best: Observation | undefined;
        for (const o of s.observations) if (isBetter(s.init.goal, o.value, best?.value)) best = o;
        return best
          ? { ok: true, params: best.params, value: best.value }
          : { ok: true, params: null, value: null };
      }
    }
  }

  return {
    /** Handles one request line; never throws. */
    line(text: string): Response {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return { ok: false, error: "not a JSON object" };
      }
      const parsed = request.safeParse(json);
      if (!parsed.success) {
        const error = parsed.error.issues
          .map((i) => (i.path.length > 0 ? `${i.path.join(".")}: ${i.message}` : i.message))
          .join("; ");
        return { ok: false, error };
      }
      try {
        return handle(parsed.data);
      } catch (e) {
        return { ok: false, error: e instanceof Error ? e.message : String(e) };
      }
    },
  };
}

/** Outside observations must name every parameter with a valid value. */
function checkParams(space: Space, params: Params): Params {
  const out: Params = {};
  for (const spec of space) {
    const v = params[spec.name];
    if (v === undefined) throw new Error(`params lacks "${spec.name}"`);
    if (spec.kind === "choice") {
      if (!spec.values.some((c) => String(c) === String(v))) {
        throw new Error(`${JSON.stringify(v)} is not a choice of "${spec.name}"`);
      }
      out[spec.name] = spec.values.find((c) => String(c) === String(v)) ?? v;
    } else {
      if (typeof v !== "number" || v < spec.min || v > spec.max) {
        throw new Error(`"${spec.name}" must be a number in [${spec.min}, ${spec.max}]`);
      }
      if (spec.type === "int" && !Number.isInteger(v))
        throw new Error(`"${spec.name}" must be an integer`);
      out[spec.name] = v;
    }
  }
  const extra = Object.keys(params).filter((k) => !space.some((p) => p.name === k));
  if (extra.length > 0) throw new Error(`unknown parameter(s): ${extra.join(", ")}`);
  return out;
}

const HELP = `usage: hyperbayes optimize --stdio

Ask/tell over JSON lines on stdin/stdout, one response line per request line:
  {"op":"init","params":["x=-5:10","n=1:8:int","act=relu,tanh"],"goal":"minimize","algorithm":"bayesian","seed":0}
  {"op":"ask","n":4}                      -> {"ok":true,"trials":[{"id":0,"params":{...}},...]}
  {"op":"tell","id":0,"value":12.7}       (value null: the trial failed)
  {"op":"tell","params":{...},"value":3}  (an observation made elsewhere)
  {"op":"best"}                           -> {"ok":true,"params":{...},"value":...}
init also takes "jsonParams" (--json-param texts), "kappa" and "acquisition" ("ucb"|"ei").
`;

export async function run(argv: string[]): Promise<number> {
  const flags = parseFlags(
    argv,
    { stdio: { type: "boolean" }, help: { type: "boolean", short: "h" } },
    HELP,
  );
  if (flags.values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!flags.values.stdio) {
    process.stderr.write(`hyperbayes optimize: --stdio is required\n\n${HELP}`);
    return 2;
  }
  const session = createOptimizeSession();
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const text of lines) {
    if (text.trim() === "") continue;
    process.stdout.write(`${JSON.stringify(session.line(text))}\n`);
  }
  return 0;
}
