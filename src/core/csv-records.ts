// CSV records as NDJSON, the one conversion of from-csv and of join's CSV side files: each input's
// header (its names), then each record written as a JSON object of those names straight from its bytes
// (core/csv.ts frames the records). from-csv's "Decisions" (src/tools/from-csv.ts, the README's from-csv
// section) are what this does:
// - Names are trimmed; an empty name becomes column_N (N = its 1-based position), a repeated one gets
//   _2, _3... (a name the header already has is never reused); each renaming is said once per file. A
//   header that cannot be read (malformed, invalid UTF-8) makes the input unreadable (failInput).
// - Values: an empty unquoted field is null, a quoted empty field ("") the empty string; numbers by
//   inference or declared types (numberCell).
// - Bad records: invalid UTF-8, a wrong number of fields, a value that does not fit its declared type,
//   and the scanner's malformed ones: rejected whole at the line where they start, their raw bytes (a
//   CR before the LF too) kept.
import type { CsvMalformed, CsvRecord, CsvSink } from './csv.js';
import { fieldText } from './csv.js';
import type { RecordBatch } from './output.js';
import { isValidDate } from './time.js';
import { canonicalNumber } from './json.js';
import { canonicalNumberBytes } from './fields.js';

/** --shard K/N:COLUMN */
export interface Shard { k: number; n: number; column: string }

/** --shard K/N:COLUMN parsed, or a reason */
export function parseShard(v: string): Shard | string {
  const m = /^(\d{1,6})\/(\d{1,6}):(.+)$/.exec(v);
  if (!m || +m[2] < 1 || +m[1] >= +m[2]) return `--shard takes K/N:COLUMN with 0 <= K < N, e.g. 0/2:user_id (got '${v}')`;
  return { k: +m[1], n: +m[2], column: m[3].trim() };
}

/** the shard (0..n-1) of a value's bytes b[s, e): FNV-1a, 32 bits, unsigned, mod n */
export function shardOf(b: Uint8Array, s: number, e: number, n: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return (h >>> 0) % n;
}

// what a column's cells become
const INFER = 0, STRING = 1, INT = 2, FLOAT = 3, BOOL = 4, DATE = 5;
const KIND: Record<string, number> = { string: STRING, int: INT, float: FLOAT, bool: BOOL, date: DATE };
/** the types --types declares */
export const CSV_TYPES = Object.keys(KIND);

const QUOTE = 0x22, BACKSLASH = 0x5c, MINUS = 0x2d, DOT = 0x2e, ZERO = 0x30, NINE = 0x39;
const NOT_NUMBER = 0, INTEGER = 1, FRACTION = 2, EXPONENT = 3;

/** whether b[s, e) is a number by RFC 8259's grammar: NOT_NUMBER, INTEGER, FRACTION (no exponent) or EXPONENT */
export function jsonNumber(b: Uint8Array, s: number, e: number): number {
  let i = s;
  if (i < e && b[i] === MINUS) i++;
  if (i >= e) return NOT_NUMBER;
  let c = b[i];
  if (c === ZERO) i++;
  else if (c > ZERO && c <= NINE) { i++; while (i < e && b[i] >= ZERO && b[i] <= NINE) i++; }
  else return NOT_NUMBER;
  if (i === e) return INTEGER;
  if (b[i] === DOT) {
    i++;
    const d = i;
    while (i < e && b[i] >= ZERO && b[i] <= NINE) i++;
    if (i === d) return NOT_NUMBER;
    if (i === e) return FRACTION;
  }
  c = b[i];
  if (c !== 0x65 && c !== 0x45) return NOT_NUMBER; // e E
  i++;
  if (i < e && (b[i] === 0x2b || b[i] === MINUS)) i++;
  const d = i;
  while (i < e && b[i] >= ZERO && b[i] <= NINE) i++;
  return i === d || i !== e ? NOT_NUMBER : EXPONENT;
}

/** a JSON number's double is finite (a token of up to 308 characters without exponent always is) */
function finite(b: Buffer, s: number, e: number, kind: number): boolean {
  if (kind !== EXPONENT && e - s <= 308) return true;
  return Number.isFinite(Number(b.toString('latin1', s, e)));
}

const LENIENT_FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** (--shard) a number cell whose bytes are its canonical text */
const AS_IS = '';

/** the number a FLOAT cell of lenient spelling (1., .5, +5, 007) is written as (numberCell's 2) */
let lenientValue = '';
/**
 * How a cell of kind INFER, INT or FLOAT is written as a number, the one rule of record() and --shard:
 * 1 its own bytes (a finite JSON number), 2 lenientValue (a FLOAT spelled otherwise), 0 not as a
 * number (INFER: a string; INT and FLOAT: a bad value). The cell is not empty.
 */
function numberCell(r: CsvRecord, i: number, kind: number): number {
  const b = r.buf, s = r.starts[i], e = r.ends[i], q = r.quoted[i];
  if (kind === INFER) {
    const c = b[s];
    if (q === 2 || !(c === MINUS || (c >= ZERO && c <= NINE))) return 0;
    const num = jsonNumber(b, s, e);
    return num !== NOT_NUMBER && finite(b, s, e, num) ? 1 : 0;
  }
  const num = q === 2 ? NOT_NUMBER : jsonNumber(b, s, e);
  const fits = num === INTEGER || (kind === FLOAT && num !== NOT_NUMBER);
  if (fits && finite(b, s, e, num)) return 1;
  if (kind === FLOAT && !fits) {
    const v = fieldText(r, i), f = Number(v);
    if (LENIENT_FLOAT.test(v) && Number.isFinite(f)) { lenientValue = lenientText(v, f); return 2; }
  }
  return 0;
}
/** the JSON number text of a FLOAT cell spelled otherwise (LENIENT_FLOAT: `+1.5e3`, `.5`, `5.`, `007`),
 *  `f` its double: that double's text when it holds every digit (15 significant digits or fewer:
 *  `1500`), else the cell's own digits respelled (`+12345678901234567890` -> `12345678901234567890`,
 *  `00012345678901234567` -> `12345678901234567`; through the double they were other numbers) */
function lenientText(v: string, f: number): string {
  const m = /^([+-]?)0*(\d*)(?:\.(\d*))?(.*)$/.exec(v)!;
  const int = m[2], frac = m[3] ?? '';
  const digits = (int + frac).replace(/^0+/, '').replace(/0+$/, '');
  if (digits.length <= 15) return String(f);
  return `${m[1] === '-' ? '-' : ''}${int || '0'}${frac ? `.${frac}` : ''}${m[4]}`;
}
const TRUE = /^(true|1|yes)$/i, FALSE = /^(false|0|no)$/i;
const HEX = '0123456789abcdef';
/** bytes a JSON string holds as they are (1): not a control character, '"' or '\\' */
const PLAIN = new Uint8Array(256).fill(1, 0x20);
PLAIN[QUOTE] = 0; PLAIN[BACKSLASH] = 0;

/** a JSON string of the field's bytes (valid UTF-8) at ob[o]; doubled quotes undone when q === 2 */
function writeString(ob: Buffer, o: number, b: Buffer, s: number, e: number, q: number): number {
  ob[o++] = QUOTE;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (PLAIN[c] === 1) { ob[o++] = c; continue; }
    ob[o++] = BACKSLASH;
    if (c === QUOTE) { ob[o++] = QUOTE; if (q === 2) i++; } // inside quotes a quote is always doubled
    else if (c === BACKSLASH) ob[o++] = BACKSLASH;
    else if (c === 0x0a) ob[o++] = 0x6e; // \n
    else if (c === 0x0d) ob[o++] = 0x72; // \r
    else if (c === 0x09) ob[o++] = 0x74; // \t
    else { ob[o++] = 0x75; ob[o++] = ZERO; ob[o++] = ZERO; ob[o++] = HEX.charCodeAt(c >> 4); ob[o++] = HEX.charCodeAt(c & 15); }
  }
  ob[o++] = QUOTE;
  return o;
}

function writeAscii(ob: Buffer, o: number, s: string): number {
  for (let i = 0; i < s.length; i++) ob[o++] = s.charCodeAt(i);
  return o;
}

const NO_SPANS = new Int32Array(0);

/** header names as keys: trimmed; empty -> column_N; repeated -> NAME_2, NAME_3... (never a name the header has) */
export function headerNames(raw: string[]): { names: string[]; notes: string[] } {
  const trimmed = raw.map((h) => h.trim());
  const given = new Set(trimmed.filter((h) => h !== ''));
  const used = new Set<string>(), names: string[] = [], notes: string[] = [];
  trimmed.forEach((h, i) => {
    const base = h === '' ? `column_${i + 1}` : h;
    let name = base;
    if (used.has(name) || (h === '' && given.has(name))) {
      let k = 2;
      while (used.has(`${base}_${k}`) || given.has(`${base}_${k}`)) k++;
      name = `${base}_${k}`;
    }
    used.add(name);
    names.push(name);
    if (h === '') notes.push(`column ${i + 1} has no name: ${JSON.stringify(name)}`);
    else if (name !== h) notes.push(`column ${i + 1} repeats ${JSON.stringify(h)}: ${JSON.stringify(name)}`);
  });
  return { names, notes };
}

/** what a CsvRecords needs of its run */
export interface CsvRecordsEnv {
  /** where the records are written */
  readonly out: RecordBatch;
  /** declared kinds by column name (columnTypes: int, float, bool, string, date) */
  readonly types: ReadonlyMap<string, string>;
  /** undeclared columns: numbers inferred (else strings) */
  readonly infer: boolean;
  /** columns each header must have: an input without one is not read (failInput) */
  readonly required: readonly string[];
  /** only the rows of this shard (bad rows without a key cell are shard 0's) */
  readonly shard: Shard | null;
  /** only these columns are written, when the header has the first (a lookup's key and fields) */
  readonly keep?: readonly string[];
  warn(message: string): void;
  /** the input cannot be read (at `where`: FILE:LINE); the rest of it is skipped */
  failInput(where: string, message: string): void;
  rejectAt(file: string, line: number, raw: Uint8Array, reason: string, detail: string): void;
  /** a record read (of this shard) */
  countIn(): void;
  /** a header read: its names; `skipped`: the input is not read (a required column missing) */
  header?(names: readonly string[], skipped: boolean): void;
  /** a record written: the line where it starts */
  written?(line: number): void;
}

/** the header of one input and what each of its columns becomes (kindOf[column]); cols[j] is the
 *  column written j-th, under keys[j], as kinds[j] */
interface Header { names: string[]; cols: Int32Array; keys: Buffer[]; kinds: Uint8Array; kindOf: Uint8Array; keyBytes: number; shardCol: number }

/** a CsvScanner's sink that writes an input's records */
export interface CsvRecords extends CsvSink {
  /** the input's header, once read (null before, or when it could not be read) */
  readonly header: unknown;
  /** the rest of the input is skipped (its header could not be read) */
  skip: boolean;
  /** the names of the columns written (after the header) */
  columns(): string[];
}

/** the sinks of a run's inputs: csvRecords(env)(file) is the sink of one input, header first. (The
 *  class is made once a run, its values constants of its closure, as from-csv's own class was: as a
 *  module-level class reading them from fields, the record loop ran ~17 % more instructions; made once
 *  an input, its code was compiled again for every file) */
export function csvRecords(env: CsvRecordsEnv): (file: string) => CsvRecords {
  const out = env.out, shard = env.shard, countIn = env.countIn;
  /** diagnostics about headers: said by shard 0 alone, so that N runs say each thing once */
  const first = shard === null || shard.k === 0;
  class Records implements CsvRecords {
    constructor(private readonly file: string) {}
    header: Header | null = null;
    /** the header could not be read: the rest of the input is skipped */
    skip = false;

    /** the names of the columns written (after the header) */
    columns(): string[] { const h = this.header; return h === null ? [] : Array.from(h.cols, (c) => h.names[c]); }

    private readHeader(r: CsvRecord): void {
      // (UTF-16 said as such: its byte order mark, or the NUL byte beside each ASCII character, which no
      // header name holds; read as UTF-8 it was "invalid UTF-8", or names full of NULs without a mark)
      const b = r.buf, s = r.start;
      if ((r.end - s >= 2 && ((b[s] === 0xff && b[s + 1] === 0xfe) || (b[s] === 0xfe && b[s + 1] === 0xff))) || b.subarray(s, r.end).includes(0)) {
        this.unreadable(r.line, 'UTF-16 or NUL bytes: convert the file to UTF-8, e.g. iconv -f UTF-16 -t UTF-8');
        return;
      }
      if (!r.utf8) { this.unreadable(r.line, 'invalid UTF-8'); return; }
      const raw: string[] = [];
      for (let i = 0; i < r.count; i++) raw.push(fieldText(r, i));
      const { names, notes } = headerNames(raw);
      if (notes.length && first) env.warn(`${this.file}:${r.line}: header: ${notes.join('; ')}`);
      const missing = env.required.filter((c) => !names.includes(c));
      env.header?.(names, missing.length > 0);
      if (missing.length) {
        env.failInput(`${this.file}:${r.line}`, `the header has no column ${missing.map((c) => JSON.stringify(c)).join(', ')} (--require)`);
        this.skip = true;
        return;
      }
      // (env.keep: those columns alone, when the header has the first)
      const keep = env.keep !== undefined && env.keep.length > 0 && names.includes(env.keep[0]) ? env.keep : null;
      const cols = Int32Array.from(names.keys()).filter((i) => keep === null || keep.includes(names[i]));
      const kindOf = Uint8Array.from(names, (n) => { const t = env.types.get(n); return t !== undefined ? KIND[t] : env.infer ? INFER : STRING; });
      const kinds = Uint8Array.from(cols, (c) => kindOf[c]);
      const keys = Array.from(cols, (c, j) => Buffer.from((j === 0 ? '{' : ',') + JSON.stringify(names[c]) + ':'));
      const shardCol = shard ? names.indexOf(shard.column) : -1;
      if (shard && shardCol < 0 && first) env.warn(`${this.file}:${r.line}: no column ${JSON.stringify(shard.column)} to shard by: its rows all belong to shard 0`);
      this.header = { names, cols, keys, kinds, kindOf, keyBytes: keys.reduce((a, k) => a + k.length, 0), shardCol };
      // (the rows' members are the header's names: where a row's values lie is known as it is written,
      // and a chain's next stage takes that instead of walking the row; names that JSON writes with an
      // escape are left to the walk)
      const written = this.columns();
      out.members(written.every((n) => JSON.stringify(n) === `"${n}"`) ? written : null);
    }

    private unreadable(line: number, why: string): void {
      env.failInput(`${this.file}:${line}`, `cannot read the header (${why})`);
      this.skip = true;
    }

    private reject(r: CsvRecord, reason: string, detail: string): void {
      out.flush(); // the records before it are out, even if --strict stops here
      if (r.endLine > r.line) detail += ` (record on lines ${r.line}-${r.endLine})`;
      env.rejectAt(this.file, r.line, r.buf.subarray(r.start, r.cr ? r.end + 1 : r.end), reason, detail);
    }

    /** the row belongs to this run's shard: by its key cell's value (its bytes, doubled quotes undone;
     *  a cell written as a number, by that number's canonical text, as distinct() and count-by compare
     *  it: 1, 1.0 and 1e0 are one key, so they must be in one shard) */
    private mine(r: CsvRecord, col: number): boolean {
      const sh = shard!;
      if (col < 0 || col >= r.count) return sh.k === 0;
      const num = this.numberKey(r, col);
      if (num === AS_IS) return shardOf(r.buf, r.starts[col], r.ends[col], sh.n) === sh.k;
      if (num !== null) { const v = Buffer.from(num, 'latin1'); return shardOf(v, 0, v.length, sh.n) === sh.k; }
      if (r.quoted[col] === 2) { const v = Buffer.from(fieldText(r, col)); return shardOf(v, 0, v.length, sh.n) === sh.k; }
      return shardOf(r.buf, r.starts[col], r.ends[col], sh.n) === sh.k;
    }

    /** the canonical number text of cell `col` when record() writes it as a number (AS_IS: its own
     *  bytes are that text, as for most ids: no string made), else null */
    private numberKey(r: CsvRecord, col: number): string | null {
      const kind = this.header!.kindOf[col];
      const s = r.starts[col], e = r.ends[col];
      if (s === e || !(kind === INFER || kind === INT || kind === FLOAT)) return null;
      const w = numberCell(r, col, kind);
      if (w === 1) return canonicalNumberBytes(r.buf, s, e) ? AS_IS : canonicalNumber(r.buf.toString('latin1', s, e));
      return w === 2 ? canonicalNumber(lenientValue) : null;
    }

    malformed(m: CsvMalformed): void {
      if (this.skip) return;
      // (the finding only: a row's "reading resumes on the next line" is not so for the header, whose file is skipped)
      if (this.header === null) { this.unreadable(m.line, `${m.problem}: ${m.finding}`); return; }
      if (!first) return; // a malformed record has no key cell: shard 0's
      countIn();
      out.flush();
      env.rejectAt(this.file, m.line, m.buf.subarray(m.start, m.cr ? m.end + 1 : m.end), m.problem, m.detail);
    }

    record(r: CsvRecord): void {
      if (this.skip) return;
      const h = this.header;
      if (h === null) { this.readHeader(r); return; }
      if (shard !== null && !this.mine(r, h.shardCol)) return;
      countIn();
      if (!r.utf8) { this.reject(r, 'invalid UTF-8', 'the row holds bytes that are not UTF-8'); return; }
      if (r.count !== h.names.length) { this.reject(r, 'wrong number of fields', `${r.count} instead of ${h.names.length}`); return; }
      const n = h.keys.length;
      out.room(h.keyBytes + 6 * (r.end - r.start) + 8 * n + 2);
      const ob = out.buf, b = r.buf, starts = r.starts, ends = r.ends, quoted = r.quoted, kinds = h.kinds, cols = h.cols;
      let o = out.pos;
      // each value's span from the record's start: it begins after its key, ends where the next key
      // (or the closing brace) begins
      const from = o, at = out.spansAt(), sp = at >= 0 ? out.spans() : NO_SPANS;
      for (let j = 0; j < n; j++) {
        const key = h.keys[j], i = cols[j];
        if (at >= 0 && j > 0) sp[at + 2 * j - 1] = o - from;
        for (let k = 0; k < key.length; k++) ob[o++] = key[k];
        if (at >= 0) sp[at + 2 * j] = o - from;
        const s = starts[i], e = ends[i], q = quoted[i], kind = kinds[j];
        if (s === e && (q === 0 || kind > STRING)) { o = writeAscii(ob, o, 'null'); continue; }
        if (kind === INFER) {
          if (numberCell(r, i, kind) === 1) { for (let k = s; k < e; k++) ob[o++] = b[k]; continue; }
          o = writeString(ob, o, b, s, e, q);
        } else if (kind === STRING) {
          o = writeString(ob, o, b, s, e, q);
        } else {
          if (kind === INT || kind === FLOAT) {
            const w = numberCell(r, i, kind);
            if (w === 1) { for (let k = s; k < e; k++) ob[o++] = b[k]; continue; }
            if (w === 2) { o = writeAscii(ob, o, lenientValue); continue; }
            const num = q === 2 ? NOT_NUMBER : jsonNumber(b, s, e), fits = num === INTEGER || (kind === FLOAT && num !== NOT_NUMBER);
            this.reject(r, 'bad value', `${h.names[i]}=${JSON.stringify(fieldText(r, i))} is not ${kind === INT ? 'int' : 'float'}${fits ? ' (beyond the range of a double)' : ''}`);
            return;
          }
          const v = fieldText(r, i);
          if (kind === BOOL && (TRUE.test(v) || FALSE.test(v))) { o = writeAscii(ob, o, TRUE.test(v) ? 'true' : 'false'); continue; }
          if (kind === DATE && isValidDate(v)) { o = writeString(ob, o, b, s, e, q); continue; }
          this.reject(r, 'bad value', `${h.names[i]}=${JSON.stringify(v)} is not ${kind === BOOL ? 'bool' : 'date'}`);
          return;
        }
      }
      if (at >= 0 && n > 0) sp[at + 2 * n - 1] = o - from;
      ob[o++] = 0x7d; // }
      ob[o++] = 0x0a;
      out.pos = o;
      out.end(false);
      env.written?.(r.line);
    }
  }
  return (file) => new Records(file);
}
