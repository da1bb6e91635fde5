// NDJSON records -> Parquet with hyparquet-writer (pure JavaScript: nothing native to build or download,
// a streaming row-group writer, snappy built in; gzip and brotli here through node:zlib).
//
// The schema is decided from ALL accepted records, never from the first row group alone. Up to one row
// group, records are held in memory. Past it, the first row group's schema is a guess that row groups
// are written with, and every accepted line is also spilled (as its NDJSON text) to an anonymous
// temporary file beside the output; when a later record brings a new column or widens a type, the file
// is written again from the spill with the final schema. Memory stays one row group; the price is the
// spill's disk (about the input's size) and, when the guess fails, one more parse of the input.
//
// Column types, from the kinds of a column's non-null values (the rules in README.md, "to-parquet"):
//   booleans -> BOOLEAN; integers within int64 -> INT64 (exact, as BigInt); other numbers -> DOUBLE;
//   ISO-8601 date-times with a zone (Z or ±hh:mm) and at most 6 fractional digits -> TIMESTAMP (µs UTC);
//   other strings -> STRING; objects and arrays -> JSON (the text, numbers exact).
// Mixed kinds widen, never lose a value: int64 + double -> DOUBLE when every integer is exact as a double;
// anything with an object/array -> JSON; any other mix, and a number that neither int64 nor a double holds
// exactly (beyond int64, 1E400) -> STRING holding each value's exact JSON text. Only nulls -> STRING.
// A column pinned with --types keeps its type (and comes first, in --types order): a value that does not
// fit it rejects its record.
import { fileTarget } from './files.js';
import type { FileTarget } from './files.js';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { ParquetWriter } from 'hyparquet-writer';
import { fileWriter } from 'hyparquet-writer/src/node.js';
import { BigNum, clipChars, compareDec, decInt, doubleOf, isWellFormed, loneSurrogatePath, parseDec, parseDigits, parseJson, putMember, stringify, wholeDec } from './json.js';
import { fileProblem } from './options.js';
import { parseTimestamp } from './time.js';
import type { Line } from './tool.js';

export type ColumnType = 'BOOLEAN' | 'INT64' | 'DOUBLE' | 'STRING' | 'TIMESTAMP' | 'JSON';
export interface Column { name: string; type: ColumnType }
export type Codec = 'SNAPPY' | 'GZIP' | 'BROTLI' | 'UNCOMPRESSED';
export interface ParquetOptions { codec: Codec; rowGroupSize: number; declared?: Map<string, ColumnType> }
/** why a record cannot be written: reported by the tool as a rejected record */
export interface Rejection { reason: string; detail: string }

// ---------------------------------------------------------------- kinds of values
// One bit each; a column's kinds are the OR over its non-null values.
const BOOL = 1;
const INT = 2; // an integer within int64
const INT_WIDE = 4; // (with INT) an int64 value a double cannot hold exactly, e.g. 9007199254740993
const DOUBLE = 8; // a number a double holds: fractions below 2^53, and beyond it numbers whose double
// is written as the same number (1e20, 18446744073709552000, 1.2345678901234566E25)
const BIG = 16; // a number kept as exact text that neither int64 nor a double holds (18446744073709551615, 1E400)
const TIME = 32; // an ISO-8601 date-time with a zone and at most µs precision
const STRING = 64;
const NESTED = 128; // an object or an array
const KIND_NAMES: [number, string][] = [[BOOL, 'boolean'], [INT, 'int64'], [INT_WIDE, 'int64 a double cannot hold'], [DOUBLE, 'double'],
  [BIG, 'number neither int64 nor a double holds'], [TIME, 'timestamp'], [STRING, 'string'], [NESTED, 'object/array']];

const INT64_MIN = -(2n ** 63n), INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^-?\d+$/;

/** a lone surrogate in a string or name anywhere inside an object/array: its JSON text would hold the
 *  escape "\ud800", which has no UTF-8 form and which JSON readers of Parquet (DuckDB) refuse */
const loneSurrogateIn = (v: unknown): boolean => loneSurrogatePath(v) !== undefined;

/** the record as the reader decoded it, or read again exactly from its line b[s, e) where it holds a
 *  whole double of 2^53 or more (what 12345678901234567.0 or 9.007199254740993e15 become): an INT64 of
 *  its integer, never its double's. Asked of that double first: the exact reading costs a scan of the
 *  line, and the 17-digit doubles of most records need none */
export function exactly<T>(rec: T, b: Buffer, s: number, e: number): T {
  const stack: unknown[] = [rec]; // (no recursion: a record may nest deep)
  while (stack.length) {
    const x = stack.pop();
    if (typeof x === 'number') { if (Number.isInteger(x) && Math.abs(x) >= 9007199254740992) return parseDigits(b, s, e) ?? rec; }
    else if (x !== null && typeof x === 'object' && !(x instanceof BigNum)) for (const y of Array.isArray(x) ? x : Object.values(x)) stack.push(y);
  }
  return rec;
}

/** the kind of a JSON value (0 for null) */
function kindOf(v: unknown): number {
  if (v === null || v === undefined) return 0;
  switch (typeof v) {
    case 'boolean': return BOOL;
    case 'number':
      // a double already: integers within int64 are INT (and exact as doubles), everything else DOUBLE
      return Number.isInteger(v) && v >= -9223372036854775808 && v < 9223372036854775808 ? INT : DOUBLE;
    case 'string': return looksLikeTime(v) && isoTime(v) && !iso.truncated && iso.zoned && !iso.leap ? TIME : STRING;
    case 'bigint': { const k = intKind(v); return k === BIG ? beyond(String(v)) : k; }
    case 'object':
      if (v instanceof BigNum) {
        const w = wholeOf(v);
        if (typeof w === 'bigint') { const k = intKind(w); return k === BIG ? beyond(v.raw) : k; }
        if (w === BIG) return beyond(v.raw);
        const d = doubleOf(v.raw); // (a fraction: below 2^53 a double rounds it as any decimal; past it, where
        // its double has no fraction, only a number the double is written as)
        return d === undefined ? BIG : Math.abs(d) < 9007199254740992 ? DOUBLE : beyond(v.raw);
      }
      return NESTED;
    default: return STRING;
  }
}

/** the integer a BigNum is (its digits, or a whole decimal: 12345678901234567.0, 9.007199254740993e15);
 *  BIG for a whole number of more than 20 digits (beyond int64 either way); undefined for a fraction */
function wholeOf(v: BigNum): bigint | typeof BIG | undefined {
  const d = wholeDec(v);
  return d === undefined ? undefined : decInt(d) ?? BIG;
}

/** a number past int64 or past 2^53 (its text): DOUBLE when its double, written shortest, is the same
 *  number (1e19, 18446744073709552000 as JSON.stringify writes 2^64, 1.2345678901234566E25 as Java
 *  writes it), else BIG (2^64 - 1, 12345678901234567.5, 1E400): a double would change it */
function beyond(raw: string): number {
  const d = doubleOf(raw);
  return d !== undefined && compareDec(parseDec(raw), parseDec(String(d))) === 0 ? DOUBLE : BIG;
}

function intKind(b: bigint): number {
  if (b < INT64_MIN || b > INT64_MAX) return BIG;
  return BigInt(Number(b)) === b ? INT : INT | INT_WIDE;
}

/** the column type of a set of kinds */
function typeOf(kinds: number): ColumnType {
  if (kinds & NESTED) return 'JSON';
  const k = kinds & ~INT_WIDE;
  if (k === 0) return 'STRING';
  if (k === BOOL) return 'BOOLEAN';
  if (k === INT) return 'INT64';
  if (k === DOUBLE || (k === (INT | DOUBLE) && !(kinds & INT_WIDE))) return 'DOUBLE';
  if (k === TIME) return 'TIMESTAMP';
  return 'STRING';
}

// ---------------------------------------------------------------- ISO-8601 date-times to µs
// (RFC 3339 takes t and z in lower case, ISO 8601 a comma before the fraction: as time.ts reads them)
const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;
/** the last isoTime() result (one object, no allocation per value) */
const iso = { micros: 0n, zoned: false, truncated: false, leap: false };

const looksLikeTime = (s: string) => s.length >= 16 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45;

/** parse an ISO-8601 date-time (extended format) into `iso`; false when it is not one. A time without a
 *  zone is read as UTC; digits below a microsecond are dropped (iso.truncated says so). */
function isoTime(s: string): boolean {
  const m = ISO_DATETIME.exec(s);
  if (!m) return false;
  const ms = parseTimestamp(s);
  if (typeof ms !== 'number') return false;
  const frac = m[7] ?? '';
  iso.micros = BigInt(ms) * 1000n + BigInt((frac.slice(3, 6) + '000').slice(0, 3));
  iso.truncated = /[1-9]/.test(frac.slice(6));
  iso.zoned = m[8] !== undefined;
  iso.leap = m[6] === '60';
  return true;
}

// ---------------------------------------------------------------- values for a column
/** "does v fit a pinned column type": false, true, or 'truncated' (a timestamp below µs) */
function fitsPinned(v: unknown, type: ColumnType, kind: number): boolean | 'truncated' {
  switch (type) {
    case 'BOOLEAN': return kind === BOOL;
    case 'INT64': return (kind & INT) !== 0 || (typeof v === 'string' && isInt64Text(v));
    case 'DOUBLE': return kind === INT || kind === DOUBLE;
    case 'STRING': return kind !== NESTED;
    case 'TIMESTAMP': return typeof v === 'string' && isoTime(v) ? (iso.truncated ? 'truncated' : true) : false;
    case 'JSON': return true;
  }
}

/** an INT64-as-string value ("-42"; no sign +, no leading zeros, within int64) */
function isInt64Text(s: string): boolean {
  if (!/^-?(0|[1-9]\d{0,18})$/.test(s)) return false;
  const b = BigInt(s);
  return b >= INT64_MIN && b <= INT64_MAX && s !== '-0';
}

class NoFit extends Error {}

/** a value as the writer wants it for a column of `type`; throws NoFit when it does not fit (a bug: the
 *  schema was decided from these very values) */
function convert(v: unknown, type: ColumnType): unknown {
  switch (type) {
    case 'BOOLEAN': if (typeof v === 'boolean') return v; break;
    case 'INT64':
      if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
      if (v instanceof BigNum) { const w = wholeOf(v); if (typeof w === 'bigint') return w; }
      if (typeof v === 'bigint') return v;
      if (typeof v === 'string' && isInt64Text(v)) return BigInt(v);
      break;
    case 'DOUBLE': {
      const d = typeof v === 'number' ? v : v instanceof BigNum ? Number(v.raw) : typeof v === 'bigint' ? Number(v) : NaN;
      if (Number.isFinite(d)) return d;
      break;
    }
    case 'STRING':
      if (typeof v === 'string') return v;
      if (typeof v === 'number' && Number.isFinite(v)) return JSON.stringify(v);
      if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
      // (an integer its digits; a fraction its double's text, as every record's fractions are, whether or
      // not its record was read exactly; a number no double holds, 1E400, its text)
      if (v instanceof BigNum) { const w = wholeOf(v); return typeof w === 'bigint' ? String(w) : w === undefined && kindOf(v) === DOUBLE ? JSON.stringify(Number(v.raw)) : v.raw; }
      break;
    case 'TIMESTAMP': if (typeof v === 'string' && isoTime(v)) return iso.micros; break;
    case 'JSON': return Buffer.from(stringify(doublesShort(v)), 'utf8');
  }
  throw new NoFit(`${preview(v)} does not fit ${type}`);
}

/** v with its fractions a double holds as those doubles (a JSON column's numbers: integers exact, other
 *  decimals as doubles written shortest, whether or not their record was read exactly: a 1e16 elsewhere
 *  in a record kept 0.10000000000000001 as written, the same value in another record became 0.1) */
function doublesShort(v: unknown): unknown {
  if (v instanceof BigNum) return wholeOf(v) === undefined && kindOf(v) === DOUBLE ? Number(v.raw) : v;
  if (v === null || typeof v !== 'object') return v;
  // (a copy only where a member changes: most values hold no such decimal and are written as they are)
  if (Array.isArray(v)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < v.length; i++) { const x = doublesShort(v[i]); if (x !== v[i]) (out ??= v.slice())[i] = x; }
    return out ?? v;
  }
  const r = v as Record<string, unknown>;
  let out: Record<string, unknown> | null = null;
  for (const k of Object.keys(r)) {
    const x = doublesShort(r[k]);
    if (x === r[k]) continue;
    if (out === null) { out = {}; for (const m of Object.keys(r)) putMember(out, m, r[m]); } // (__proto__ an own member)
    putMember(out, k, x);
  }
  return out ?? v;
}

/** a value's JSON text for a message, cut to 60 characters (on a character boundary) */
function preview(v: unknown): string {
  return clipChars(stringify(v), 60);
}


// ---------------------------------------------------------------- what we learn of each column
class ColumnStat {
  kinds = 0;
  /** where each kind was first seen ("file:line"), for the warnings */
  readonly firstAt = new Map<number, string>();
  truncated = 0;
  truncatedAt = '';
}

/** the Parquet schema element of each column type. JSON is written as bytes we encode ourselves
 *  (hyparquet-writer would re-serialise values through doubles); its converted type is set at the end. */
function schemaElement(c: Column): Record<string, unknown> {
  const base = { name: c.name, repetition_type: 'OPTIONAL' };
  switch (c.type) {
    case 'BOOLEAN': return { ...base, type: 'BOOLEAN' };
    case 'INT64': return { ...base, type: 'INT64' };
    case 'DOUBLE': return { ...base, type: 'DOUBLE' };
    case 'STRING': return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
    case 'TIMESTAMP': return { ...base, type: 'INT64', converted_type: 'TIMESTAMP_MICROS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } };
    case 'JSON': return { ...base, type: 'BYTE_ARRAY', logical_type: { type: 'JSON' } };
  }
}

const compressors = {
  GZIP: (b: Uint8Array) => new Uint8Array(zlib.gzipSync(b)),
  BROTLI: (b: Uint8Array) => new Uint8Array(zlib.brotliCompressSync(b)),
};

// ---------------------------------------------------------------- the spill file
/** Accepted lines as NDJSON in an anonymous temporary file (unlinked as soon as it is open, so nothing is
 *  left behind even if the process is killed), written in 1 MiB blocks and read back line by line. */
class Spill {
  private readonly fd: number;
  private readonly block = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  private size = 0;
  private linked: string | null;

  constructor(path: string) {
    this.fd = fs.openSync(path, 'wx+', 0o600);
    this.linked = path;
    try { fs.unlinkSync(path); this.linked = null; } catch { /* a system that cannot unlink an open file: removed in close() */ }
  }

  put(buf: Buffer, start: number, end: number): void {
    const len = end - start;
    if (this.used + len + 1 > this.block.length) this.flush();
    if (len + 1 > this.block.length) {
      this.write(buf.subarray(start, end));
      this.write(Buffer.from('\n'));
      return;
    }
    buf.copy(this.block, this.used, start, end);
    this.block[this.used + len] = 10;
    this.used += len + 1;
  }


  private write(b: Buffer): void {
    let off = 0;
    while (off < b.length) { const n = fs.writeSync(this.fd, b, off, b.length - off, this.size); off += n; this.size += n; }
  }

  private flush(): void { if (this.used > 0) { this.write(this.block.subarray(0, this.used)); this.used = 0; } }

  /** the spilled records, parsed again, in order */
  *records(): Generator<Record<string, unknown>> {
    this.flush();
    const chunk = this.block;
    let pos = 0;
    let rest: Buffer = Buffer.alloc(0);
    while (pos < this.size) {
      const n = fs.readSync(this.fd, chunk, 0, chunk.length, pos);
      if (n <= 0) throw new Error('spill file ended early');
      pos += n;
      const data = rest.length > 0 ? Buffer.concat([rest, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let s = 0;
      for (let nl = data.indexOf(10, s); nl >= 0; nl = data.indexOf(10, s)) {
        yield exactly(parseJson(data.toString('utf8', s, nl)), data, s, nl); // (whole numbers past a double's exact again)
        s = nl + 1;
      }
      rest = Buffer.from(data.subarray(s)); // a copy: `chunk` is read into again
    }
  }

  private closed = false;
  close(): void {
    // (once: the descriptor's number, closed, may be another file's by a second call)
    if (!this.closed) { this.closed = true; try { fs.closeSync(this.fd); } catch { /* closed */ } }
    if (this.linked) fs.rmSync(this.linked, { force: true });
    this.linked = null;
  }
}

// ---------------------------------------------------------------- the row-group writer
/** Writes records in row groups of a known schema to `file`. */
class RowGroupWriter {
  private rows: Record<string, unknown>[] = [];
  private readonly writer: any;
  private readonly elements: Record<string, unknown>[];
  rowsWritten = 0;

  constructor(private readonly file: string, private readonly schema: Column[], private readonly opts: ParquetOptions) {
    this.elements = schema.map(schemaElement);
    this.writer = new ParquetWriter({
      writer: fileWriter(file), codec: opts.codec, compressors,
      schema: [{ name: 'root', num_children: schema.length }, ...this.elements] as any,
      createdBy: 'event-pipes to-parquet',
    });
  }

  add(rec: Record<string, unknown>): void {
    this.rows.push(rec);
    if (this.rows.length >= this.opts.rowGroupSize) this.flush();
  }

  private flush(): void {
    const rows = this.rows, n = rows.length;
    if (n === 0 || this.schema.length === 0) { this.rows = []; return; }
    const columnData = this.schema.map((c) => {
      const data = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = rows[i][c.name];
        try {
          data[i] = v === null || v === undefined ? null : convert(v, c.type);
        } catch (err) {
          if (err instanceof NoFit) throw new Error(`internal error: column ${c.name}: ${err.message}`);
          throw err;
        }
      }
      return { name: c.name, data };
    });
    this.writer.write({ columnData, rowGroupSize: n });
    this.rowsWritten += n;
    this.rows = [];
  }

  /** the last row group and the footer */
  finish(): void {
    this.flush();
    for (const e of this.elements) if ((e.logical_type as any)?.type === 'JSON') e.converted_type = 'JSON';
    this.writer.finish();
    if (this.rowsWritten === 0) typeEmptyRowGroups(this.file);
  }
}

/** hyparquet-writer (0.17) writes the footer's list of row groups, when there is none (a table of no
 *  row), with the element type 0 (its getCompactTypeForList returns `elemType ?? BYTE` of a 0), which
 *  strict Thrift readers refuse (arrow-rs: "Expected list element type of Struct but got Byte"; DuckDB
 *  and hyparquet read it): that one byte is set to STRUCT (12), the footer's length unchanged */
function typeEmptyRowGroups(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    const size = fs.fstatSync(fd).size, tail = Buffer.alloc(8);
    fs.readSync(fd, tail, 0, 8, size - 8);
    const len = tail.readUInt32LE(0), at = size - 8 - len, meta = Buffer.alloc(len);
    fs.readSync(fd, meta, 0, len, at);
    const list = fieldAt(meta, 4); // FileMetaData.row_groups
    if (list >= 0 && meta[list] === 0x00) fs.writeSync(fd, Buffer.from([0x0c]), 0, 1, at + list);
  } finally { fs.closeSync(fd); }
}

/** where the value of a Thrift compact-protocol struct's field `id` (of type list) begins in `b` (the
 *  struct at 0), or -1: the fields before it are skipped by their types */
export function fieldAt(b: Buffer, want: number): number {
  let p = 0;
  const varint = (): number => { let v = 0, f = 1; for (;;) { const x = b[p++]; v += (x & 0x7f) * f; if (x < 0x80) return v; f *= 128; } };
  const skip = (t: number): void => {
    switch (t) {
      case 1: case 2: return; // a boolean field: its value is its type
      case 3: p++; return;
      case 4: case 5: case 6: varint(); return;
      case 7: p += 8; return;
      case 8: { const n = varint(); p += n; return; }
      case 9: case 10: {
        const h = b[p++], et = h & 15;
        const n = h >> 4 === 15 ? varint() : h >> 4;
        for (let i = 0; i < n; i++) { if (et === 1 || et === 2) p++; else skip(et); }
        return;
      }
      case 11: { const n = varint(); if (n > 0) { const kv = b[p++]; for (let i = 0; i < n; i++) { skip(kv >> 4); skip(kv & 15); } } return; }
      case 12: for (;;) { const h = b[p++]; if (h === 0) return; if (h >> 4 === 0) varint(); skip(h & 15); }
      default: throw new Error(`Thrift type ${t} unknown`);
    }
  };
  for (let id = 0; p < b.length;) {
    const h = b[p++];
    if (h === 0) return -1;
    id = h >> 4 === 0 ? (v => (v >>> 1) ^ -(v & 1))(varint()) : id + (h >> 4);
    if (id === want) return (h & 15) === 9 ? p : -1;
    skip(h & 15);
  }
  return -1;
}

// ---------------------------------------------------------------- the sink
/** Takes records, decides the schema from all of them, writes FILE under a temporary name and renames it
 *  into place only when complete.
 *
 *  Up to one row group, records are held in memory and written at close. When the input is longer, the
 *  schema of the first row group is taken as a guess: row groups are written with it as they fill, and
 *  every accepted line also goes to the spill file. If the guess holds to the end (no new column, no
 *  column's type widened) the spill is dropped: its cost was writing it. If it fails, writing stops
 *  there and, at close, the whole file is written again from the spill with the final schema. */
export class ParquetSink {
  private readonly cols = new Map<string, ColumnStat>();
  private held: Record<string, unknown>[] = [];
  /** the held records' lines, each with a newline */
  private heldLines = Buffer.alloc(0);
  private heldBytes = 0;
  private spill: Spill | null = null;
  /** the row groups written with the first row group's schema, while it holds */
  private guess: { schema: Column[]; writer: RowGroupWriter } | null = null;
  /** why the first row group's schema did not hold (the file is written again from the spill) */
  rewriteCause = '';
  private readonly tmp: string;
  private readonly target: FileTarget;
  private readonly declared: Map<string, ColumnType>;
  /** per-record scratch: the kind of each field, in Object.keys order */
  private readonly kinds: number[] = [];
  /** records accepted */
  accepted = 0;

  constructor(private readonly path: string, private readonly opts: ParquetOptions) {
    this.declared = opts.declared ?? new Map();
    this.target = fileTarget(path, `${process.pid}`, true);
    this.tmp = this.target.write;
    // fail now, not after reading the input, when FILE's folder is not writable; said of FILE (the
    // temporary name, .FILE.PID.N.tmp, is the run's own business)
    if (!this.target.inPlace) {
      try { fs.writeFileSync(this.tmp, ''); } catch (err) {
        throw new Error(`cannot write ${path}: ${fileProblem(err as NodeJS.ErrnoException, path, true)}`);
      }
    }
  }

  /** take one record; a Rejection when it cannot be written (nothing of it is kept then) */
  add(rec: Record<string, unknown>, line: Line): Rejection | undefined {
    const keys = Object.keys(rec), kinds = this.kinds;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i], v = rec[k];
      if (!isWellFormed(k)) return { reason: 'bad string', detail: `field name ${JSON.stringify(k)} is not valid Unicode (lone surrogate)` };
      if (typeof v === 'string' && !isWellFormed(v)) return { reason: 'bad string', detail: `field ${k}: not valid Unicode (lone surrogate)` };
      if (typeof v === 'object' && v !== null && !(v instanceof BigNum) && loneSurrogateIn(v)) return { reason: 'bad string', detail: `field ${k}: a string or name inside it is not valid Unicode (lone surrogate)` };
      // (JSON.parse makes 1E400 Infinity; the core is to keep such a number as its text, a BigNum)
      if (typeof v === 'number' && !Number.isFinite(v)) return { reason: 'number out of range', detail: `field ${k}: beyond a double` };
      const kind = kinds[i] = kindOf(v);
      const pinned = this.declared.get(k);
      if (pinned !== undefined && kind !== 0) {
        const fit = fitsPinned(v, pinned, kind);
        if (!fit) return { reason: 'type mismatch', detail: `${k} is ${pinned.toLowerCase()}: ${preview(v)} does not fit` };
        if (fit === 'truncated') kinds[i] = -1;
      }
    }
    let changed = false; // a column is new or has a new kind of value
    for (let i = 0; i < keys.length; i++) {
      let c = this.cols.get(keys[i]);
      if (c === undefined) { c = new ColumnStat(); this.cols.set(keys[i], c); changed = true; }
      let kind = kinds[i];
      if (kind === -1) { // a pinned timestamp cut to µs (the kinds of a pinned column only place it)
        if (c.truncated++ === 0) c.truncatedAt = `${line.file}:${line.no}`;
        kind = STRING;
      }
      if ((c.kinds | kind) !== c.kinds) {
        for (const [bit] of KIND_NAMES) if (kind & bit && !(c.kinds & bit)) c.firstAt.set(bit, `${line.file}:${line.no}`);
        c.kinds |= kind;
        changed = true;
      }
    }
    this.accepted++;
    if (this.spill === null) {
      if (this.held.length < this.opts.rowGroupSize) { this.held.push(rec); this.holdLine(line); return undefined; }
      this.startSpill(); // (its guess includes this record)
    } else if (changed && this.guess) {
      const now = this.schema(), was = this.guess.schema;
      const i = now.findIndex((c, j) => j >= was.length || c.name !== was[j].name || c.type !== was[j].type);
      if (i >= 0) {
        this.guess = null; // (its writer is dropped; the file is truncated when written again)
        this.rewriteCause = `${i < was.length ? `column ${now[i].name} became ${now[i].type}` : `new column ${now[i].name}`} at ${line.file}:${line.no}`;
      }
    }
    this.spill!.put(line.buf, line.start, line.end);
    this.guess?.writer.add(rec);
    return undefined;
  }

  /** a held record's line, kept for the spill (one buffer, grown by doubling) */
  private holdLine(line: Line): void {
    const len = line.end - line.start;
    if (this.heldBytes + len + 1 > this.heldLines.length) {
      const x = Buffer.allocUnsafe(Math.max(1 << 16, 2 * (this.heldBytes + len + 1)));
      this.heldLines.copy(x, 0, 0, this.heldBytes);
      this.heldLines = x;
    }
    this.heldBytes += line.buf.copy(this.heldLines, this.heldBytes, line.start, line.end);
    this.heldLines[this.heldBytes++] = 10;
  }

  /** the first row group is full: guess the schema from it, write it, and spill from now on */
  private startSpill(): void {
    const schema = this.schema();
    this.guess = { schema, writer: new RowGroupWriter(this.tmp, schema, this.opts) };
    // (beside the temporary file: beside FILE, or in the temporary folder for a FILE that is a device or a
    // pipe, /dev/stdout or /dev/fd/63, beside which nothing can be made)
    this.spill = new Spill(`${this.tmp}.spill`);
    // (the held records' lines as they came: their records written as JSON again lost -0.0 and the
    // digits a record's exact reading kept, so the file depended on --row-group-size)
    if (this.heldBytes > 0) this.spill.put(this.heldLines, 0, this.heldBytes - 1); // (put adds the last newline)
    for (const r of this.held) this.guess.writer.add(r);
    this.held = [];
    this.heldLines = Buffer.alloc(0);
  }

  /** the columns: the declared ones first (in --types order: seeing them late changes nothing), then the
   *  others in first-seen order with their inferred types */
  schema(): Column[] {
    const cols: Column[] = [...this.declared].map(([name, type]) => ({ name, type }));
    for (const [name, c] of this.cols) if (!this.declared.has(name)) cols.push({ name, type: typeOf(c.kinds) });
    return cols;
  }

  /** what the user should know about the schema: widened columns (with where each kind was first seen)
   *  and timestamps cut to microseconds */
  notes(): string[] {
    const notes: string[] = [];
    for (const [name, c] of this.cols) {
      const pinned = this.declared.get(name);
      if (pinned === 'TIMESTAMP' && c.truncated > 0) {
        notes.push(`column ${name}: ${c.truncated} timestamp(s) had digits below a microsecond, cut to µs (first at ${c.truncatedAt})`);
      }
      if (pinned !== undefined) continue;
      const type = typeOf(c.kinds), k = c.kinds & ~INT_WIDE;
      if (((k & (k - 1)) === 0 && k !== BIG) || type === 'DOUBLE') continue; // one kind (or only nulls), or ints + doubles
      const seen = KIND_NAMES.filter(([bit]) => c.kinds & bit && (bit !== INT_WIDE || k === (INT | DOUBLE)));
      notes.push(`column ${name}: ${seen.map(([bit, what]) => `${what} (first at ${c.firstAt.get(bit)})`).join(', ')}: written as ${type}${type === 'STRING' ? ' (exact text)' : ''}`);
    }
    if (this.rewriteCause) notes.push(`the first row group's schema did not hold (${this.rewriteCause}): the file was written again from the spill file`);
    return notes;
  }

  /** write what is left (all of it again from the spill when the guess failed) and move the file into place */
  close(): { schema: Column[]; rows: number } {
    const schema = this.schema();
    if (schema.length === 0) { // (a file of no column: DuckDB and others refuse to read it)
      throw new Error(`${this.path}: not written: ${this.accepted > 0 ? 'the records have no fields' : 'no record came'} and a Parquet file needs a column (declare ${this.accepted > 0 ? 'one' : 'the columns'} with --types${this.accepted > 0 ? '' : ' to write an empty table'})`);
    }
    try {
      let writer: RowGroupWriter;
      if (this.guess) {
        if (!sameSchema(schema, this.guess.schema)) throw new Error('internal error: the schema changed unnoticed');
        writer = this.guess.writer;
      } else {
        writer = new RowGroupWriter(this.tmp, schema, this.opts);
        if (this.spill) for (const rec of this.spill.records()) writer.add(rec);
        else for (const rec of this.held) writer.add(rec);
      }
      this.held = [];
      writer.finish();
      if (writer.rowsWritten !== this.accepted) throw new Error(`internal error: ${writer.rowsWritten} rows written of ${this.accepted}`);
      try { this.target.commit(); } catch (err) { throw new Error(`cannot write ${this.path}: ${fileProblem(err as NodeJS.ErrnoException, this.path, true)}`); }
      return { schema, rows: writer.rowsWritten };
    } finally {
      this.spill?.close();
    }
  }

  /** drop the temporary files (nothing is renamed into place) */
  abort(): void {
    this.held = [];
    this.guess = null;
    this.spill?.close();
    this.target.abort();
  }
}

function sameSchema(a: Column[], b: Column[]): boolean {
  return a.length === b.length && a.every((c, i) => c.name === b[i].name && c.type === b[i].type);
}
