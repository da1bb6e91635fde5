// Query results as query-sqlite and query-postgres print them. A row is an array in the query's
// column order, so two columns of one name (a join's two `id`s) keep their own values and a name such
// as "0" keeps its place. One form of each value in every format:
// - 64-bit integers exact (a number of their digits), given as bigint or digits (exactInteger);
// - a BLOB/bytea as the text \x and its bytes in hex, as PostgreSQL writes bytea;
// - a number JSON cannot hold (an infinite REAL) as null, said on stderr with its column;
// - NULL as null, an empty CSV cell (the empty string ""), NULL in a table; JSON values as their JSON text in a cell.
// In NDJSON a name already used takes the first free of name_1, name_2... (DuckDB's rule for result
// columns), said on stderr: a JSON object cannot hold one key twice.
import { BigNum, stringify } from './json.js';
import type { ToolContext } from './tool.js';
import { displayWidth, safe } from './display.js';

export type Format = 'ndjson' | 'table' | 'csv';

/** a JSON or JSONB value (query-postgres): in a CSV or table cell its JSON text, a string or null too
 *  (`"abc"` printed as the text abc, JSON null as SQL NULL's empty cell) */
export class JsonCell {
  /** `text`: the value's JSON text instead (without blanks), printed as it is: a value nested deeper
   *  than the writers walk (JSON.stringify recurses: ~5,000 levels ended the run) */
  constructor(readonly value: unknown, readonly text?: string) {}
}

/** an integer (bigint or its digits) as the value printed: a number, or a BigNum past 2^53 */
export function exactInteger(v: bigint | string): number | BigNum {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : new BigNum(v.toString());
}

/** the NDJSON keys of the columns: a name met before takes the first name_N (N = 1, 2...) that is no
 *  column's name and not taken */
export function uniqueNames(names: readonly string[]): string[] {
  const all = new Set(names), taken = new Set<string>();
  return names.map((name) => {
    let key = name;
    for (let n = 1; taken.has(key) || (key !== name && all.has(key)); n++) key = `${name}_${n}`;
    taken.add(key);
    return key;
  });
}

/** the rows of `rows` in batches of up to `n` (a database's rows printed a batch at a time) */
export function* batched<T>(rows: Iterable<T>, n = 4096): Generator<T[]> {
  let batch: T[] = [];
  for (const r of rows) { batch.push(r); if (batch.length === n) { yield batch; batch = []; } }
  if (batch.length) yield batch;
}

/** print the rows (arrays in the order of `columns`), given in batches, in the format, each as it comes
 *  (a table's column widths need every row first: its cells are held, its lines written one by one) */
export async function printRows(ctx: Pick<ToolContext, 'emit' | 'warn'> & Partial<Pick<ToolContext, 'stopped'>>, format: Format, columns: readonly string[], batches: Iterable<unknown[][]> | AsyncIterable<unknown[][]>): Promise<void> {
  const stopped = () => ctx.stopped?.() === true; // (the reader went away, | head: the rows left unread)
  async function* each(): AsyncGenerator<unknown[][]> { for await (const b of batches) { if (stopped()) return; yield b; } }
  const infinite = new Array<number>(columns.length).fill(0);
  // a value as printed (see above; infinite numbers counted per column)
  const plain = (v: unknown, col: number): unknown => {
    if (typeof v === 'number') { if (Number.isFinite(v)) return v; infinite[col]++; return null; }
    if (typeof v === 'bigint') return exactInteger(v);
    if (v instanceof Uint8Array) return '\\x' + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
    if (Array.isArray(v)) { // (PostgreSQL arrays; one of a JSON value printed as its text is so too)
      const xs = v.map((x) => plain(x, col));
      return xs.some((x) => x instanceof RawJson) ? new RawJson(`[${xs.map(json).join(',')}]`) : xs;
    }
    if (v instanceof JsonCell) return v.text === undefined ? v.value : new RawJson(v.text);
    return v;
  };
  const text = (v: unknown) => (v !== null && typeof v === 'object' && !(v instanceof BigNum) ? json(v) : String(v));
  /** a value's cell: null for SQL NULL, else its text (a JSON value's JSON text) */
  const cell = (v: unknown, i: number): string | null => {
    const p = plain(v, i);
    if (v instanceof JsonCell) return json(p);
    return p === null || p === undefined ? null : text(p);
  };
  if (format === 'ndjson') {
    const keys = uniqueNames(columns);
    keys.forEach((k, i) => { if (k !== columns[i]) ctx.warn(`column ${i + 1} (${columns[i]}) written as ${k}: another column has its name`); });
    const quoted = keys.map((k) => JSON.stringify(k) + ':');
    for await (const rows of each()) {
      for (const row of rows) {
        let line = '{';
        for (let i = 0; i < quoted.length; i++) line += (i ? ',' : '') + quoted[i] + json(plain(row[i], i));
        ctx.emit(line + '}');
      }
    }
  } else if (format === 'csv') {
    // (as to-csv writes: NULL an empty cell, the empty string "", and a line that would be empty "", since
    // CSV readers skip an empty line: the row would be lost)
    const line = (cells: string[]) => (cells.length === 1 && cells[0] === '' ? '""' : cells.join(','));
    ctx.emit(line(columns.map(csvCell)));
    for await (const rows of each()) {
      for (const row of rows) ctx.emit(line(row.map((v, i) => { const c = cell(v, i); return c === null ? '' : csvCell(c); })));
    }
  } else {
    // (as to-table shows text: control characters escaped, so data never drives the terminal; columns
    // sized by display width, so wide and combining characters keep them aligned)
    const cells: string[][] = [];
    for await (const rows of each()) for (const row of rows) cells.push(row.map((v, i) => { const c = cell(v, i); return c === null ? 'NULL' : safe(c); }));
    const names = columns.map(safe);
    const width = names.map(displayWidth);
    for (const row of cells) row.forEach((v, i) => { const w = displayWidth(v); if (w > width[i]) width[i] = w; });
    const line = (vals: readonly string[]) => vals.map((v, i) => v + ' '.repeat(width[i] - displayWidth(v))).join('  ').trimEnd();
    // (a line at a time: one string of the whole table failed past ~512M characters, nothing printed)
    ctx.emit(line(names));
    ctx.emit(line(width.map((w) => '-'.repeat(w))));
    for (let r = 0; r < cells.length && !stopped(); r++) { ctx.emit(line(cells[r])); cells[r] = []; }
  }
  infinite.forEach((n, i) => { if (n) ctx.warn(`column ${i + 1} (${columns[i]}): ${n} infinite ${n === 1 ? 'number' : 'numbers'} printed as null (JSON has no Infinity)`); });
}

/** a JsonCell's text, written as it is */
class RawJson { constructor(readonly text: string) {} }
/** a printed value's JSON text */
const json = (p: unknown): string => (p instanceof RawJson ? p.text : stringify(p));

const csvCell = (s: string) => (s === '' || /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s);
