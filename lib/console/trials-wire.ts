/**
 * The body of GET /api/searches/:id/trials, the search page's trials, as bytes: the page waits
 * for it before it draws anything, so it is laid out to be read fast. Columns of typed arrays the
 * browser views in place (no text to parse for the numbers), in the narrowest encoding that holds
 * each column's values exactly, so it is about as small as the gzipped JSON it replaces with no
 * compression at all: the server sends kept bytes, and neither side gzips or parses 13 MB of
 * text. See docs/decisions/console.md (the trials' wire format).
 *
 * Layout (little-endian, as typed arrays are on every platform a browser runs on):
 *
 *   0    "HBT" and the format's version, one byte (VERSION)
 *   4    u32: H, the header's length in bytes
 *   8    the header: UTF-8 JSON (`Header`): the trials' count, the poll's cursor, the first
 *        curves, the parameters' names, the status list, a descriptor per column, and the
 *        columns' length in bytes
 *   D    the columns (D = 8 + H rounded up to 8), each at an offset from D that is a multiple
 *        of 8, so a typed array views it where it lies
 *
 * A column holds one field of every trial, in the encoding its descriptor names (the encoder
 * picks the narrowest that is exact for the values it has):
 *
 *   none   every trial's value is null: no bytes
 *   seq    trial i's value is `base + i`: no bytes (trial numbers, as they nearly always are)
 *   f64    a Float64Array
 *   int    integers as `base` plus an unsigned offset of 1, 2 or 4 bytes (times in ms, exit
 *          codes, steps, integer parameters, trial numbers with gaps)
 *   ref    values from a table in the header (choices, reasons, job ids): an unsigned index of
 *          1, 2 or 4 bytes, 0 for null and k for table[k - 1]
 *
 * f64 and int columns with some nulls carry a bitmap (bit i % 8 of byte i / 8 set: trial i's
 * value is null). The status is one byte per trial, its index in `trialStatusSchema.options`;
 * the header lists them, so a page built with another list refuses the body instead of misreading
 * it. `decodeSearchTrials` checks every length, offset, index and code before it builds a row:
 * a truncated or damaged body is refused with what is wrong, never half read.
 */
import { z } from "zod";
import { type TrialStatus, trialStatusSchema } from "../search/status";
import type { ParamValue } from "../space/schema";
import type { SearchTrials, TrialRow } from "./views";

/** The format's version, the fourth byte: a body of another version is refused. */
export const VERSION = 1;
const MAGIC = [0x48, 0x42, 0x54] as const; // "HBT"
const PREFIX_BYTES = 8;
const STATUSES = trialStatusSchema.options;

type Width = 1 | 2 | 4;
type Column =
  | { kind: "none" }
  | { kind: "seq"; base: number }
  | { kind: "f64"; at: number; nulls?: number }
  | { kind: "int"; width: Width; base: number; at: number; nulls?: number }
  | { kind: "ref"; width: Width; table: ParamValue[]; at: number };

/** The trial fields that travel as columns, besides the status and the parameters. */
const NUMBER_FIELDS = [
  "n",
  "value",
  "startedAt",
  "endedAt",
  "exitCode",
  "firstStep",
  "lastStep",
] as const;
const TEXT_FIELDS = ["reason", "jobId"] as const;
type NumberField = (typeof NUMBER_FIELDS)[number];
type TextField = (typeof TEXT_FIELDS)[number];

interface Header {
  count: number;
  cursor: number;
  curves: SearchTrials["curves"];
  /** Parameter names, in the order of `params`. */
  names: string[];
  /** The status codes' meaning: `trialStatusSchema.options` of the build that wrote the body. */
  statuses: string[];
  /** Offset of the status bytes. */
  status: number;
  fields: Record<NumberField | TextField, Column>;
  params: Column[];
  /** The columns' length in bytes, from D. */
  bytes: number;
}

// ---------------------------------------------------------------------------------------------
// Encoding (the server)

const align8 = (x: number) => (x + 7) & ~7;
const widthFor = (max: number): Width => (max <= 0xff ? 1 : max <= 0xffff ? 2 : 4);

/** One column's bytes, before they have a place: the descriptor gets `at` and `nulls` then. */
interface Planned {
  column: Column;
  data?: Uint8Array;
  nulls?: Uint8Array;
}

function nullBitmap(values: readonly (ParamValue | null)[]): Uint8Array | undefined {
  let bits: Uint8Array | undefined;
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== null) continue;
    bits ??= new Uint8Array((values.length + 7) >> 3);
    bits[i >> 3] = (bits[i >> 3] as number) | (1 << (i & 7));
  }
  return bits;
}

function unsigned(width: Width, count: number): Uint8Array | Uint16Array | Uint32Array {
  return width === 1
    ? new Uint8Array(count)
    : width === 2
      ? new Uint16Array(count)
      : new Uint32Array(count);
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** A column of values, in the narrowest encoding that gives every value back exactly. */
function planColumn(values: readonly (ParamValue | null)[]): Planned {
  let numbers = 0;
  let texts = 0;
  let integers = true;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v === null) continue;
    if (typeof v === "string") {
      texts += 1;
      continue;
    }
    numbers += 1;
    if (!Number.isSafeInteger(v) || Object.is(v, -0)) integers = false;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (numbers === 0 && texts === 0) return { column: { kind: "none" } };
  if (texts > 0) return planRef(values);
  const nulls = nullBitmap(values);
  if (
    integers &&
    !nulls &&
    max - min === values.length - 1 &&
    values.every((v, i) => v === min + i)
  )
    return { column: { kind: "seq", base: min } };
  if (integers && max - min <= 0xffff_ffff) {
    const width = widthFor(max - min);
    const data = unsigned(width, values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typeof v === "number") data[i] = v - min;
    }
    return {
      column: { kind: "int", width, base: min, at: 0 },
      data: bytesOf(data),
      ...(nulls ? { nulls } : {}),
    };
  }
  const data = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "number") data[i] = v;
  }
  return { column: { kind: "f64", at: 0 }, data: bytesOf(data), ...(nulls ? { nulls } : {}) };
}

/**
 * Values from a table: each distinct value once, in the header. The table travels as JSON, as
 * the store keeps parameter values, so its numbers must be finite (a parameter value is:
 * `paramValueSchema`); -0 reads back as 0, as it does from the store.
 */
function planRef(values: readonly (ParamValue | null)[]): Planned {
  const index = new Map<ParamValue, number>();
  const table: ParamValue[] = [];
  const codes = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    let k = index.get(v);
    if (k === undefined) {
      if (typeof v === "number" && !Number.isFinite(v))
        throw new Error(`a trial value beside text is not a finite number: ${v}`);
      table.push(v);
      k = table.length;
      index.set(v, k);
    }
    codes[i] = k;
  }
  const width = widthFor(table.length);
  const data = width === 4 ? codes : unsigned(width, values.length);
  if (width !== 4) data.set(codes);
  return { column: { kind: "ref", width, table, at: 0 }, data: bytesOf(data) };
}

/**
 * The body for `answer`, its trials' parameters in the order of `names` (a value for a
 * parameter not named does not travel).
 */
export function encodeSearchTrials(
  answer: SearchTrials,
  names: readonly string[],
): Uint8Array<ArrayBuffer> {
  const rows = answer.trials;
  const count = rows.length;
  const status = new Uint8Array(count);
  const codeOf = new Map<TrialStatus, number>(STATUSES.map((s, i) => [s, i]));
  for (let i = 0; i < count; i++) status[i] = codeOf.get((rows[i] as TrialRow).status) as number;

  const column = (pick: (r: TrialRow) => ParamValue | null) => {
    const values = new Array<ParamValue | null>(count);
    for (let i = 0; i < count; i++) values[i] = pick(rows[i] as TrialRow);
    return planColumn(values);
  };
  const fields = {} as Record<NumberField | TextField, Planned>;
  for (const f of [...NUMBER_FIELDS, ...TEXT_FIELDS]) fields[f] = column((r) => r[f]);
  const params = names.map((name) => column((r) => r.params[name] ?? null));

  // Places, from D: the status bytes, then each column's data and bitmap.
  let end = 0;
  const place = (bytes: Uint8Array) => {
    const at = end;
    end = align8(end + bytes.byteLength);
    return at;
  };
  const parts: [number, Uint8Array][] = [];
  const statusAt = place(status);
  parts.push([statusAt, status]);
  const settle = (p: Planned): Column => {
    if (p.column.kind === "none" || p.column.kind === "seq" || !p.data) return p.column;
    const at = place(p.data);
    parts.push([at, p.data]);
    if (!p.nulls || p.column.kind === "ref") return { ...p.column, at };
    const nulls = place(p.nulls);
    parts.push([nulls, p.nulls]);
    return { ...p.column, at, nulls };
  };
  const header: Header = {
    count,
    cursor: answer.cursor,
    curves: answer.curves,
    names: [...names],
    statuses: [...STATUSES],
    status: statusAt,
    fields: Object.fromEntries(
      Object.entries(fields).map(([f, p]) => [f, settle(p)]),
    ) as Header["fields"],
    params: params.map(settle),
    bytes: end,
  };

  const head = new TextEncoder().encode(JSON.stringify(header));
  const start = align8(PREFIX_BYTES + head.byteLength);
  const body = new Uint8Array(start + end);
  body.set(MAGIC, 0);
  body[3] = VERSION;
  new DataView(body.buffer).setUint32(4, head.byteLength, true);
  body.set(head, PREFIX_BYTES);
  for (const [at, bytes] of parts) body.set(bytes, start + at);
  return body;
}

// ---------------------------------------------------------------------------------------------
// Decoding (the browser)

export type DecodedTrials = { ok: true; value: SearchTrials } | { ok: false; error: string };

const offset = z.int().nonnegative();
const width = z.union([z.literal(1), z.literal(2), z.literal(4)]);
const columnSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("none") }),
  z.object({
    kind: z.literal("seq"),
    base: z.number().refine(Number.isSafeInteger, "not a safe integer"),
  }),
  z.object({ kind: z.literal("f64"), at: offset, nulls: offset.optional() }),
  z.object({
    kind: z.literal("int"),
    width,
    base: z.number().refine(Number.isSafeInteger, "not a safe integer"),
    at: offset,
    nulls: offset.optional(),
  }),
  z.object({
    kind: z.literal("ref"),
    width,
    table: z.array(z.union([z.string(), z.number()])),
    at: offset,
  }),
]);
const curveSchema = z.object({
  trial: z.number(),
  name: z.string(),
  steps: z.array(z.number()),
  values: z.array(z.number().nullable()),
  total: z.number(),
});
const headerSchema = z.object({
  count: offset,
  cursor: z.number(),
  curves: z.object({ key: z.string(), curves: z.array(curveSchema) }),
  names: z.array(z.string()),
  statuses: z.array(z.string()),
  status: offset,
  fields: z.object(
    Object.fromEntries([...NUMBER_FIELDS, ...TEXT_FIELDS].map((f) => [f, columnSchema])) as Record<
      NumberField | TextField,
      typeof columnSchema
    >,
  ),
  params: z.array(columnSchema),
  bytes: offset,
});

/** Why a body cannot be read; thrown inside the decoder only, and returned by it as an error. */
class Unreadable extends Error {}

/** The bytes [at, at + length) of the columns, checked to lie inside them and be aligned. */
function region(
  columns: Uint8Array,
  at: number,
  length: number,
  align: number,
  what: string,
): number {
  if (at % 8 !== 0 || at % align !== 0)
    throw new Unreadable(`${what}: offset ${at} is not aligned`);
  if (at + length > columns.byteLength)
    throw new Unreadable(
      `${what}: bytes ${at}..${at + length} lie past the end (${columns.byteLength})`,
    );
  return columns.byteOffset + at;
}

function view(columns: Uint8Array, width: Width, at: number, count: number, what: string) {
  const start = region(columns, at, width * count, width, what);
  return width === 1
    ? new Uint8Array(columns.buffer, start, count)
    : width === 2
      ? new Uint16Array(columns.buffer, start, count)
      : new Uint32Array(columns.buffer, start, count);
}

type ColumnOf = z.infer<typeof columnSchema>;
/** Trial i's value in one column. */
type Reader<T> = (i: number) => T | null;

/**
 * One column's reader, over typed arrays viewing the body where it lies. Every offset, length
 * and table index is checked here, before any row is built.
 */
function reader(columns: Uint8Array, c: ColumnOf, count: number, what: string): Reader<ParamValue> {
  if (c.kind === "none") return () => null;
  if (c.kind === "seq") {
    const base = c.base;
    return (i) => base + i;
  }
  if (c.kind === "ref") {
    const codes = view(columns, c.width, c.at, count, what);
    const table = c.table;
    for (let i = 0; i < count; i++)
      if ((codes[i] as number) > table.length)
        throw new Unreadable(
          `${what}: trial ${i}'s index ${codes[i]} is past its table (${table.length})`,
        );
    return (i) => {
      const k = codes[i] as number;
      return k === 0 ? null : (table[k - 1] as ParamValue);
    };
  }
  let get: (i: number) => number;
  if (c.kind === "f64") {
    const data = new Float64Array(columns.buffer, region(columns, c.at, 8 * count, 8, what), count);
    get = (i) => data[i] as number;
  } else {
    const data = view(columns, c.width, c.at, count, what);
    const base = c.base;
    get = (i) => base + (data[i] as number);
  }
  if (c.nulls === undefined) return get;
  const bytes = (count + 7) >> 3;
  const nulls = new Uint8Array(
    columns.buffer,
    region(columns, c.nulls, bytes, 1, `${what} (nulls)`),
    bytes,
  );
  return (i) => ((nulls[i >> 3] as number) & (1 << (i & 7)) ? null : get(i));
}

/** A column of a number field: a table, if it has one, holds numbers only. */
function numberReader(columns: Uint8Array, c: ColumnOf, count: number, what: string) {
  if (c.kind === "ref" && c.table.some((v) => typeof v !== "number"))
    throw new Unreadable(`${what}: holds text where a number belongs`);
  return reader(columns, c, count, what) as Reader<number>;
}

/** A column of a text field: a table of text, or nothing. */
function textReader(columns: Uint8Array, c: ColumnOf, count: number, what: string) {
  if (c.kind !== "none" && (c.kind !== "ref" || c.table.some((v) => typeof v !== "string")))
    throw new Unreadable(`${what}: holds a number where text belongs`);
  return reader(columns, c, count, what) as Reader<string>;
}

function readBody(body: ArrayBuffer): SearchTrials {
  if (body.byteLength < PREFIX_BYTES)
    throw new Unreadable(`${body.byteLength} bytes, shorter than the format's prefix`);
  const prefix = new Uint8Array(body, 0, PREFIX_BYTES);
  if (MAGIC.some((b, i) => prefix[i] !== b))
    throw new Unreadable("not a trials body (no HBT mark)");
  if (prefix[3] !== VERSION)
    throw new Unreadable(
      `format version ${prefix[3]}, this page reads ${VERSION}: reload the page`,
    );
  const headLength = new DataView(body).getUint32(4, true);
  if (PREFIX_BYTES + headLength > body.byteLength)
    throw new Unreadable(`the header's ${headLength} bytes run past the body's ${body.byteLength}`);
  let json: unknown;
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(
      new Uint8Array(body, PREFIX_BYTES, headLength),
    );
    json = JSON.parse(text);
  } catch (e) {
    throw new Unreadable(`the header is not JSON text (${(e as Error).message})`);
  }
  const parsed = headerSchema.safeParse(json);
  if (!parsed.success) throw new Unreadable(`the header: ${z.prettifyError(parsed.error)}`);
  const h = parsed.data;
  const start = align8(PREFIX_BYTES + headLength);
  if (start + h.bytes !== body.byteLength)
    throw new Unreadable(
      `${body.byteLength} bytes where the header announces ${start + h.bytes} (truncated or padded)`,
    );
  if (h.statuses.length !== STATUSES.length || h.statuses.some((s, i) => s !== STATUSES[i]))
    throw new Unreadable(
      `the server's statuses (${h.statuses.join(", ")}) are not this page's: reload the page`,
    );
  if (h.params.length !== h.names.length)
    throw new Unreadable(`${h.params.length} parameter columns for ${h.names.length} names`);

  const columns = new Uint8Array(body, start, h.bytes);
  const count = h.count;
  const status = new Uint8Array(body, region(columns, h.status, count, 1, "status"), count);
  for (let i = 0; i < count; i++)
    if ((status[i] as number) >= STATUSES.length)
      throw new Unreadable(`status: trial ${i}'s code ${status[i]} is not a status`);
  const f = h.fields;
  // Every trial has a number (an empty search's column is "none").
  const unnumbered =
    f.n.kind === "none"
      ? count > 0
      : f.n.kind === "ref" || ("nulls" in f.n && f.n.nulls !== undefined);
  if (unnumbered) throw new Unreadable("n: trials without a number");
  const num = (name: NumberField) => numberReader(columns, f[name], count, name);
  const text = (name: TextField) => textReader(columns, f[name], count, name);
  const n = num("n") as (i: number) => number;
  const value = num("value");
  const startedAt = num("startedAt");
  const endedAt = num("endedAt");
  const exitCode = num("exitCode");
  const firstStep = num("firstStep");
  const lastStep = num("lastStep");
  const reason = text("reason");
  const jobId = text("jobId");
  const names = h.names;
  const params = h.params.map((c, j) => reader(columns, c, count, `parameter ${names[j]}`));

  const rows: TrialRow[] = [];
  for (let i = 0; i < count; i++) {
    const p: Record<string, ParamValue> = {};
    for (let j = 0; j < names.length; j++) {
      const v = (params[j] as Reader<ParamValue>)(i);
      if (v !== null) p[names[j] as string] = v;
    }
    rows.push({
      n: n(i),
      status: STATUSES[status[i] as number] as TrialStatus,
      params: p,
      value: value(i),
      startedAt: startedAt(i),
      endedAt: endedAt(i),
      exitCode: exitCode(i),
      reason: reason(i),
      jobId: jobId(i),
      firstStep: firstStep(i),
      lastStep: lastStep(i),
    });
  }
  return { trials: rows, cursor: h.cursor, curves: h.curves };
}

/**
 * The trials in a body made by `encodeSearchTrials`, or what is wrong with it (truncated,
 * damaged, another format's version, another build's statuses). Never throws.
 */
export function decodeSearchTrials(body: ArrayBuffer): DecodedTrials {
  try {
    return { ok: true, value: readBody(body) };
  } catch (e) {
    if (e instanceof Unreadable) return { ok: false, error: `unreadable trials: ${e.message}` };
    return { ok: false, error: `unreadable trials: ${String(e)}` };
  }
}
