/**
 * The trials table's order and filter, worked out here on the page's trials rather than by
 * TanStack Table's row models: TanStack builds a row object (and two filter maps) per row for
 * its models, 100,000 of them on every change of a large search, while the table only draws
 * the rows in view. So the table sorts and filters its trials itself and hands TanStack only
 * the rows in view to draw (manual sorting and filtering; TanStack still holds the sorting
 * state and the header clicks).
 *
 * The sort reads each sorted column's values once into typed arrays and sorts the rows' order
 * on those. The order is the table's one rule for every column (`compareValues` in ./columns):
 * numbers before strings, numbers by value, strings in code-unit order; a missing value
 * (undefined, null, or a number that is NaN) last in either direction; equal rows keep their
 * order in the data. Its test holds it to TanStack's own sorted row model.
 *
 * Glossary: cls[i] = 0 number, 1 string, 2 missing; val[i] = the number, or the string's rank.
 */

// A number's class is 0, the arrays' initial value.
const STRING = 1;
const MISSING = 2;

export interface SortKeys {
  cls: Uint8Array;
  val: Float64Array;
}

/** The keys of one column's values (see the glossary). */
export function sortKeys(values: readonly unknown[]): SortKeys {
  const cls = new Uint8Array(values.length);
  const val = new Float64Array(values.length);
  const strings = new Set<string>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "number" && !Number.isNaN(v)) {
      val[i] = v;
    } else if (typeof v === "string") {
      cls[i] = STRING;
      strings.add(v);
    } else {
      cls[i] = MISSING;
    }
  }
  if (strings.size > 0) {
    const rank = new Map(
      [...strings].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((s, r) => [s, r]),
    );
    for (let i = 0; i < values.length; i++)
      if (cls[i] === STRING) val[i] = rank.get(values[i] as string) as number;
  }
  return { cls, val };
}

/**
 * The order of `count` rows by `columns` (each its keys and direction), ties by position: an
 * array of row positions.
 */
export function sortOrder(
  count: number,
  columns: readonly { keys: SortKeys; desc: boolean }[],
): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  const cls = columns.map((c) => c.keys.cls);
  const val = columns.map((c) => c.keys.val);
  const sign = columns.map((c) => (c.desc ? -1 : 1));
  // Missing values go last whichever the direction; numbers and strings turn with it.
  const byOne = (c: number, a: number, b: number): number => {
    const ca = (cls[c] as Uint8Array)[a] as number;
    const cb = (cls[c] as Uint8Array)[b] as number;
    if (ca !== cb) {
      if (ca === MISSING) return 1;
      if (cb === MISSING) return -1;
      return (ca - cb) * (sign[c] as number);
    }
    if (ca === MISSING) return 0;
    const va = (val[c] as Float64Array)[a] as number;
    const vb = (val[c] as Float64Array)[b] as number;
    return va === vb ? 0 : va < vb ? -(sign[c] as number) : (sign[c] as number);
  };
  if (columns.length === 1) {
    // The usual case, kept to plain reads of the typed arrays (a re-sort of 100,000 rows).
    const c0 = cls[0] as Uint8Array;
    const v0 = val[0] as Float64Array;
    const s0 = sign[0] as number;
    order.sort((a, b) => {
      const ca = c0[a] as number;
      if (ca === c0[b] && ca !== MISSING) {
        const va = v0[a] as number;
        const vb = v0[b] as number;
        return va === vb ? a - b : va < vb ? -s0 : s0;
      }
      return byOne(0, a, b) || a - b;
    });
    return order;
  }
  order.sort((a, b) => {
    for (let c = 0; c < columns.length; c++) {
      const d = byOne(c, a, b);
      if (d !== 0) return d;
    }
    return a - b;
  });
  return order;
}

export interface SortEntry {
  id: string;
  desc: boolean;
}

/** What the sort reads of a column definition (TanStack's `accessor` columns). */
export interface SortableColumn<T> {
  id?: string;
  accessorKey?: unknown;
  accessorFn?: (row: T, index: number) => unknown;
  enableSorting?: boolean;
}

/**
 * `rows` in the order of `sorting` (each entry a column id and a direction), ties by position;
 * an entry naming no sortable column is passed over. A new array; `rows` is left as it is.
 */
export function sortTrials<T>(
  rows: readonly T[],
  sorting: readonly SortEntry[],
  columns: readonly SortableColumn<T>[],
): T[] {
  const keyed = sorting.flatMap((s) => {
    const read = accessorOf(columns, s.id);
    const keys = read ? sortKeys(rows.map(read)) : undefined;
    // A column with no value at all ties every row: it is left out (and the sort by one column
    // keeps its fast path: the value column's second key, in a search with no partial values).
    return keys && !keys.cls.every((c) => c === MISSING) ? [{ keys, desc: s.desc }] : [];
  });
  if (rows.length === 0 || keyed.length === 0) return [...rows];
  return Array.from(sortOrder(rows.length, keyed), (i) => rows[i] as T);
}

function accessorOf<T>(
  columns: readonly SortableColumn<T>[],
  id: string,
): ((row: T, index: number) => unknown) | undefined {
  const column = columns.find(
    (c) => (c.id ?? (typeof c.accessorKey === "string" ? c.accessorKey : undefined)) === id,
  );
  if (!column || column.enableSorting === false) return undefined;
  if (column.accessorFn) return column.accessorFn;
  const key = column.accessorKey;
  return typeof key === "string" ? (row) => (row as Record<string, unknown>)[key] : undefined;
}
