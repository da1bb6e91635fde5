// from-csv: CSV (or TSV) with a header row to NDJSON, on the strict RFC 4180 byte reader of
// core/csv.ts (quoted fields with delimiters, doubled quotes, LF and CRLF; CRLF and LF record ends,
// mixed; blank lines skipped; a BOM skipped). JSON is written straight from the input bytes.
//
// Decisions (the README's from-csv section states them for users):
// - Every file (and stdin) has its own header: the first non-blank record. Names are trimmed; an empty
//   name becomes column_N (N = its 1-based position), a repeated one gets _2, _3... (a name the header
//   already has is never reused); each renaming is reported once per file on stderr. A header that
//   cannot be read (malformed, invalid UTF-8) makes the file unreadable: reported, the file skipped,
//   exit 1 at the end; the other files are read.
// - Values: an empty unquoted field is null, a quoted empty field ("") the empty string. An undeclared
//   column (inference on) gives a number only for a cell that is a JSON number (RFC 8259 grammar) whose
//   double is finite, written as its exact text (1.50 stays 1.50, 20-digit ids stay exact); anything
//   else is a string: 007, 1E400, Infinity, NaN, 0x10, 1_000, " 12", +5, .5. Declared types: int = a
//   JSON integer within a double's range (exact text); float = a JSON number (exact text) or a plain
//   decimal such as .5, 5. or +1.5 (written as the number); bool = true/false/1/0/yes/no (any case);
//   date = YYYY-MM-DD; string. A typed column's empty cell is null. NaN or Infinity are never written.
// - Bad records (the project's policy: reported as from-csv: FILE:LINE: reason, counted, skipped,
//   --strict, --rejects): the scanner's malformed records (one line each, see core/csv.ts), and for a
//   well-formed record, in this order: invalid UTF-8, a wrong number of fields, a value that does not
//   fit its declared type. Those are rejected whole, reported at the line where they start (the lines
//   they span in the detail), their raw text (all their lines) kept in --rejects.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { CHUNK, INPUT_ERRORS, sleep, tick, turnDue } from '../core/input.js';
import { RecordBatch } from '../core/output.js';
import { CsvScanner, checkDelimiter, delimiterOf, fieldText } from '../core/csv.js';
import type { CsvMalformed, CsvRecord, CsvSink } from '../core/csv.js';
import { isValidDate } from '../core/time.js';
import { canonicalNumber } from '../core/json.js';
import { canonicalNumberBytes } from '../core/fields.js';
import { blankList, columnTypes, listOption } from '../core/options.js';
import type { InputOptions, OptionsOf } from '../core/options.js';
import type { Options } from 'yargs';
import type { Tool, ToolContext } from '../core/tool.js';

const options = {
  types: { type: 'string', array: true, default: [], describe: 'COL=int|float|bool|string|date (comma-separated or repeated); others are inferred' },
  infer: { type: 'boolean', default: true, describe: 'infer numbers from values (--no-infer: undeclared columns stay strings)' },
  delimiter: { type: 'string', default: ',', describe: 'field delimiter: one ASCII character other than \'"\' ("\\t" is a tab)' },
  tsv: { type: 'boolean', default: false, describe: 'tab-separated (same as --delimiter "\\t")' },
  'max-record-bytes': { type: 'number', default: 16 << 20, describe: 'the longest record (bytes) read; a longer one is rejected as "record too long" and only its first line is given up' },
  require: { type: 'string', array: true, default: [], describe: 'columns each input\'s header must have (comma-separated or repeated): an input without one is not read (said; exit 1)' },
  shard: { type: 'string', describe: 'K/N:COLUMN: only the rows whose COLUMN value hashes to K of N (0 <= K < N): N runs over the same files split the rows by that key, each row (and each bad row) in exactly one run; a run whose rows were all rejected says so and exits 0 (the N runs together decide)' },
} as const satisfies Record<string, Options>;

/** --shard K/N:COLUMN parsed, or a reason */
export function parseShard(v: string): { k: number; n: number; column: string } | string {
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

export type FromCsvOptions = OptionsOf<typeof options> & InputOptions;

// what a column's cells become
const INFER = 0, STRING = 1, INT = 2, FLOAT = 3, BOOL = 4, DATE = 5;
const KIND: Record<string, number> = { string: STRING, int: INT, float: FLOAT, bool: BOOL, date: DATE };

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
let lenientValue = 0;
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
    if (LENIENT_FLOAT.test(v) && Number.isFinite(f)) { lenientValue = f; return 2; }
  }
  return 0;
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

/** the header of one input and what each of its columns becomes */
interface Header { names: string[]; keys: Buffer[]; kinds: Uint8Array; keyBytes: number; shardCol: number }


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

export const tool: Tool<FromCsvOptions> = {
  name: 'from-csv',
  summary: 'CSV/TSV with a header row to NDJSON (strict RFC 4180): quoted fields, typed columns (--types or inference), bad rows reported with their line and skipped.',
  partOfRun: (o) => o.shard !== undefined,
  usage: 'from-csv [--types col=int,col=float,...] [--no-infer] [--tsv | --delimiter C] [--max-record-bytes N] [--shard K/N:COLUMN] [FILE...]',
  noInput: true,
  examples: [
    ['from-csv user_interactions.csv | head -2', '{"user_id":"u123","timestamp":"2023-07-01 14:30:15",...,"duration_ms":12000,...}'],
    ['from-csv --types duration_ms=int,app_version=string --rejects bad.csv day1.csv day2.csv', 'declared types; bad rows kept in bad.csv'],
    ['from-csv --tsv interactions.tsv', 'tab-separated'],
    ['from-csv --shard 1/2:user_id user_interactions.csv', 'the rows of the users of shard 1 of 2 (a second run with 0/2 has the others)'],
  ],
  options,
  check(o) {
    const bad = blankList('require', o.require, 'a column') ?? checkDelimiter(o);
    if (bad) return bad;
    const m = o.maxRecordBytes;
    if (!Number.isInteger(m) || m < 1024) return `--max-record-bytes takes a whole number of bytes, at least 1024 (got ${m})`;
    if (o.shard !== undefined) { const sh = parseShard(String(o.shard)); if (typeof sh === 'string') return sh; }
    return undefined;
  },
  create(o, ctx) {
    const types = columnTypes(o.types, Object.keys(KIND));
    const required = listOption(o.require);
    const files = o.files.length ? o.files : ['-'];
    const delim = delimiterOf(o);
    const out = new RecordBatch((b, s, e, n, walks) => ctx.emitBatch(b, s, e, n, walks));
    const typedSeen = new Set<string>();
    let headers = 0;
    // --shard: this run keeps the rows of shard k (bad rows that have no key cell belong to shard 0);
    // diagnostics about headers come from shard 0 alone, so N runs say each thing once
    const shard = o.shard === undefined ? null : parseShard(String(o.shard)) as { k: number; n: number; column: string };
    const first = shard === null || shard.k === 0;

    const cannotRead = (file: string, err: NodeJS.ErrnoException) => {
      ctx.failInput(file, err.code === 'ENOENT' ? 'no such file' : err.message);
    };

    /** the records of one input, header first */
    class FileSink implements CsvSink {
      header: Header | null = null;
      /** the header could not be read: the rest of the input is skipped */
      skip = false;
      constructor(private readonly file: string) {}

      private readHeader(r: CsvRecord): void {
        if (!r.utf8) { this.unreadable(r.line, 'invalid UTF-8'); return; }
        const raw: string[] = [];
        for (let i = 0; i < r.count; i++) raw.push(fieldText(r, i));
        const { names, notes } = headerNames(raw);
        if (notes.length && first) ctx.warn(`${this.file}:${r.line}: header: ${notes.join('; ')}`);
        const kinds = new Uint8Array(names.length);
        names.forEach((n, i) => {
          const t = types.get(n);
          if (t !== undefined) typedSeen.add(n);
          kinds[i] = t !== undefined ? KIND[t] : o.infer ? INFER : STRING;
        });
        const missing = required.filter((c) => !names.includes(c));
        if (missing.length) {
          ctx.failInput(`${this.file}:${r.line}`, `the header has no column ${missing.map((c) => JSON.stringify(c)).join(', ')} (--require): file skipped`);
          this.skip = true;
          return;
        }
        const keys = names.map((n, i) => Buffer.from((i === 0 ? '{' : ',') + JSON.stringify(n) + ':'));
        headers++;
        const shardCol = shard ? names.indexOf(shard.column) : -1;
        if (shard && shardCol < 0 && first) ctx.warn(`${this.file}:${r.line}: no column ${JSON.stringify(shard.column)} to shard by: its rows all belong to shard 0`);
        this.header = { names, keys, kinds, keyBytes: keys.reduce((a, k) => a + k.length, 0), shardCol };
        // (the rows' members are the header's names: where a row's values lie is known as it is written,
        // and a chain's next stage takes that instead of walking the row; names that JSON writes with an
        // escape are left to the walk)
        out.members(names.every((n) => JSON.stringify(n) === `"${n}"`) ? names : null);
      }

      private unreadable(line: number, why: string): void {
        ctx.failInput(`${this.file}:${line}`, `cannot read the header (${why}): file skipped`);
        this.skip = true;
      }

      private reject(r: CsvRecord, reason: string, detail: string): void {
        out.flush(); // the records before it are out, even if --strict stops here
        if (r.endLine > r.line) detail += ` (record on lines ${r.line}-${r.endLine})`;
        ctx.rejectAt(this.file, r.line, r.buf.subarray(r.start, r.cr ? r.end + 1 : r.end), reason, detail);
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
        const kind = this.header!.kinds[col];
        const s = r.starts[col], e = r.ends[col];
        if (s === e || !(kind === INFER || kind === INT || kind === FLOAT)) return null;
        const w = numberCell(r, col, kind);
        if (w === 1) return canonicalNumberBytes(r.buf, s, e) ? AS_IS : canonicalNumber(r.buf.toString('latin1', s, e));
        return w === 2 ? canonicalNumber(String(lenientValue)) : null;
      }

      malformed(m: CsvMalformed): void {
        if (this.skip) return;
        if (this.header === null) { this.unreadable(m.line, `${m.problem}: ${m.detail}`); return; }
        if (!first) return; // a malformed record has no key cell: shard 0's
        ctx.countIn();
        out.flush();
        ctx.rejectAt(this.file, m.line, m.buf.subarray(m.start, m.cr ? m.end + 1 : m.end), m.problem, m.detail);
      }

      record(r: CsvRecord): void {
        if (this.skip) return;
        const h = this.header;
        if (h === null) { this.readHeader(r); return; }
        if (shard !== null && !this.mine(r, h.shardCol)) return;
        ctx.countIn();
        if (!r.utf8) { this.reject(r, 'invalid UTF-8', 'the row holds bytes that are not UTF-8'); return; }
        const n = h.keys.length;
        if (r.count !== n) { this.reject(r, 'wrong number of fields', `${r.count} instead of ${n}`); return; }
        out.room(h.keyBytes + 6 * (r.end - r.start) + 8 * n + 2);
        const ob = out.buf, b = r.buf, starts = r.starts, ends = r.ends, quoted = r.quoted, kinds = h.kinds;
        let o = out.pos;
        // each value's span from the record's start: it begins after its key, ends where the next key
        // (or the closing brace) begins
        const from = o, at = out.spansAt(), sp = at >= 0 ? out.spans() : NO_SPANS;
        for (let i = 0; i < n; i++) {
          const key = h.keys[i];
          if (at >= 0 && i > 0) sp[at + 2 * i - 1] = o - from;
          for (let j = 0; j < key.length; j++) ob[o++] = key[j];
          if (at >= 0) sp[at + 2 * i] = o - from;
          const s = starts[i], e = ends[i], q = quoted[i], kind = kinds[i];
          if (s === e && (q === 0 || kind > STRING)) { o = writeAscii(ob, o, 'null'); continue; }
          if (kind === INFER) {
            if (numberCell(r, i, kind) === 1) { for (let j = s; j < e; j++) ob[o++] = b[j]; continue; }
            o = writeString(ob, o, b, s, e, q);
          } else if (kind === STRING) {
            o = writeString(ob, o, b, s, e, q);
          } else {
            if (kind === INT || kind === FLOAT) {
              const w = numberCell(r, i, kind);
              if (w === 1) { for (let j = s; j < e; j++) ob[o++] = b[j]; continue; }
              if (w === 2) { o = writeAscii(ob, o, String(lenientValue)); continue; }
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
      }
    }

    /** a gzip input: the rest of the descriptor through zlib (the stream owns and closes the descriptor) */
    const gunzip = async (fd: number, head: Buffer, scanner: CsvScanner, sink: FileSink) => {
      const rest = fs.createReadStream('', { fd, highWaterMark: CHUNK, autoClose: fd !== 0 });
      const z = zlib.createGunzip({ chunkSize: CHUNK });
      rest.on('error', (e) => z.destroy(e));
      z.write(head);
      rest.pipe(z);
      try {
        for await (const chunk of z as AsyncIterable<Buffer>) {
          ctx.countIn(0, chunk.length);
          if (!sink.skip) scanner.push(chunk);
          const wait = ctx.waitDrain();
          if (wait) await wait;
          if (ctx.stopped()) { sink.skip = true; break; }
        }
      } finally {
        rest.unpipe(z);
        if (fd !== 0) rest.destroy(); // closes the descriptor once no read is pending
      }
    };

    const readOne = async (file: string) => {
      let fd: number;
      try { fd = file === '-' ? 0 : fs.openSync(file, 'r'); } catch (err) { cannotRead(file, err as NodeJS.ErrnoException); return; }
      const sink = new FileSink(file);
      const scanner = new CsvScanner(delim, sink, o.maxRecordBytes);
      let owned = true; // the descriptor is ours to close (not after it went to the gzip stream)
      try {
        for (let chunks = 0; ; chunks++) {
          const { buf, at } = scanner.space(CHUNK);
          let n: number;
          try {
            n = fs.readSync(fd, buf, at, CHUNK, null);
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            if (code === 'EAGAIN') { await sleep(1); chunks--; continue; } // a non-blocking pipe with nothing yet
            if (code === 'EOF') n = 0; else throw err;
          }
          if (n === 0) break;
          if (chunks === 0 && n >= 2 && buf[at] === 0x1f && buf[at + 1] === 0x8b) {
            owned = false;
            await gunzip(fd, Buffer.from(buf.subarray(at, at + n)), scanner, sink);
            break;
          }
          ctx.countIn(0, n);
          scanner.commit(n);
          if (sink.skip) break;
          // wait while the output waits for its reader; stop when the reader went away (| head); now and
          // then let the event loop run (a non-blocking stdout drains and notices a closed pipe only then)
          out.flush();
          const wait = ctx.waitDrain();
          if (wait) await wait;
          if (ctx.stopped()) { sink.skip = true; break; }
          if (turnDue()) await tick();
        }
        if (!sink.skip) scanner.end();
        out.flush();
      } catch (err) {
        out.flush();
        if (INPUT_ERRORS.has((err as NodeJS.ErrnoException).code ?? '')) cannotRead(file, err as NodeJS.ErrnoException);
        else throw err;
      } finally {
        if (fd !== 0 && owned) fs.closeSync(fd);
      }
    };

    return {
      record() { /* reads its own input */ },
      async end() {
        for (const f of files) {
          if (ctx.stopped()) break; // (the reader went away: | head)
          await readOne(f);
        }
        const unused = [...types.keys()].filter((c) => !typedSeen.has(c));
        if (unused.length && headers > 0 && first) ctx.warn(`--types names no column of the input: ${unused.join(', ')}`);
      },
    };
  },
};
export default tool;
