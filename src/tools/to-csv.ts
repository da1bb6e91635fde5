// to-csv: NDJSON records to CSV (RFC 4180) or TSV.
//
// Decisions (the README's to-csv section states them for users):
// - Columns: with --fields, those paths in that order (dotted paths reach into nested objects), and rows
//   are written as records come (streaming, memory of one record). Without --fields, the header is every
//   top-level field of the input in first-seen order; a header needs all of the input first, so the rows
//   are kept as encoded CSV cells (never re-parsed) in memory up to SPOOL_MEM and beyond that in a
//   temporary file (in TMPDIR, deleted at once: it vanishes whatever happens to the process), then
//   written after the header. Memory is bounded either way (columns names + SPOOL_MEM).
// - Cells: a string is its text (escapes decoded), numbers exactly as written in the input (64-bit ids
//   and 1.50 stay as they are), true/false, null and a missing field empty, an object or array its JSON
//   text (insignificant whitespace removed). The empty string is written "" so that null and "" stay
//   apart (from-csv reads an empty field as null, "" as the empty string), and a row whose only cell is
//   empty is written "" (an empty line would be read as no row at all).
// - Quoting (RFC 4180): a cell is quoted when it holds the delimiter, '"', CR or LF; quotes inside are
//   doubled. Nothing else is quoted.
// - Line ends: LF (as Unix tools and most CSV writers do); --crlf for RFC 4180's CRLF. Line ends inside
//   a value are kept as they are (inside quotes).
// - TSV (--tsv) is the same format with a tab as the delimiter (quoted where needed), which from-csv --tsv
//   reads back.
// - A string or field name holding a lone surrogate (an escaped "\uD800": valid JSON text with no UTF-8 form) makes the
//   record rejected as `bad string`, as load-sqlite and to-parquet do. Lines that are not JSON objects are
//   rejected by the core's rules.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FieldReader, hasByte } from '../core/fields.js';
import { compactInto } from '../core/json-stream.js';
import { isWellFormed, splitPath } from '../core/json.js';
import { MemberCursor, hasLoneSurrogate } from '../core/members.js';
import { blankList, listOption } from '../core/options.js';
import { checkDelimiter, delimiterOf } from '../core/csv.js';
import type { Line, Tool, ToolContext } from '../core/tool.js';
import type { Options } from 'yargs';
import type { InputOptions, OptionsOf } from '../core/options.js';

const options = {
  fields: { type: 'string', array: true, default: [], describe: 'the columns, in order: field paths (a.b reaches into an object; \\. is a dot in a name), comma-separated or repeated; rows are then written as they come' },
  delimiter: { type: 'string', default: ',', describe: 'field delimiter: one ASCII character other than \'"\', CR and LF ("\\t" is a tab)' },
  tsv: { type: 'boolean', default: false, describe: 'tab-separated (same as --delimiter "\\t"; quoted where needed, as from-csv --tsv reads)' },
  crlf: { type: 'boolean', default: false, describe: 'end rows with CRLF as RFC 4180 says (default LF)' },
  header: { type: 'boolean', default: true, describe: 'write the header row (--no-header: rows only)' },
} as const satisfies Record<string, Options>;

export type ToCsvOptions = OptionsOf<typeof options> & InputOptions;

const QUOTE = 0x22, BSL = 0x5c, LF = 0x0a, CR = 0x0d;
/** rows kept in memory before they go to a temporary file */
const SPOOL_MEM = 32 << 20;
const BLOCK = 1 << 20;
const FLUSH = 1 << 18;


/** A growable byte buffer. */
class Bytes {
  buf: Buffer;
  pos = 0;
  constructor(size: number) { this.buf = Buffer.allocUnsafe(size); }
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  byte(c: number): void { this.room(1); this.buf[this.pos++] = c; }
  varint(n: number): void {
    this.room(5);
    while (n >= 0x80) { this.buf[this.pos++] = (n & 0x7f) | 0x80; n >>>= 7; }
    this.buf[this.pos++] = n;
  }
}

/**
 * Writes CSV cells from JSON value bytes. cell() returns false for a string without a UTF-8 form.
 */
export class CellEncoder {
  private scratch = Buffer.allocUnsafe(1 << 12);
  private readonly special = new Uint8Array(256);
  constructor(delim: number) {
    for (const c of [delim, QUOTE, CR, LF]) this.special[c] = 1;
  }

  private needsQuotes(b: Buffer, s: number, e: number): boolean {
    const sp = this.special;
    for (let i = s; i < e; i++) if (sp[b[i]] === 1) return true;
    return false;
  }

  /** the cell of bytes b[s, e): quoted (inner quotes doubled) when it must be */
  private text(b: Buffer, s: number, e: number, out: Bytes): void {
    if (!this.needsQuotes(b, s, e)) {
      out.room(e - s);
      out.pos += b.copy(out.buf, out.pos, s, e);
      return;
    }
    out.room(2 * (e - s) + 2);
    const o = out.buf;
    let p = out.pos;
    o[p++] = QUOTE;
    for (let i = s; i < e; i++) { const c = b[i]; o[p++] = c; if (c === QUOTE) o[p++] = QUOTE; }
    o[p++] = QUOTE;
    out.pos = p;
  }

  /** the cell for the JSON value b[vs, ve) */
  cell(b: Buffer, vs: number, ve: number, out: Bytes): boolean {
    const c = b[vs];
    if (c === QUOTE) {
      if (ve - vs === 2) { out.room(2); out.buf[out.pos++] = QUOTE; out.buf[out.pos++] = QUOTE; return true; } // ""
      if (!hasByte(b, vs + 1, ve - 1, BSL)) { this.text(b, vs + 1, ve - 1, out); return true; }
      const s = JSON.parse(b.toString('utf8', vs, ve)) as string;
      if (hasLoneSurrogate(s)) return false;
      if (s === '') { out.room(2); out.buf[out.pos++] = QUOTE; out.buf[out.pos++] = QUOTE; return true; }
      const t = Buffer.from(s, 'utf8');
      this.text(t, 0, t.length, out);
      return true;
    }
    if (c === 0x6e) return true; // null: empty
    if (c === 0x7b || c === 0x5b) { // an object or array: its JSON text
      if (this.scratch.length < ve - vs) this.scratch = Buffer.allocUnsafe(2 * (ve - vs));
      const n = compactInto(b, vs, ve, this.scratch, 0);
      this.text(this.scratch, 0, n, out);
      return true;
    }
    this.text(b, vs, ve, out); // a number or true/false, as written
    return true;
  }

  /** a header cell (a name) */
  name(n: string, out: Bytes): void {
    if (n === '') { out.room(2); out.buf[out.pos++] = QUOTE; out.buf[out.pos++] = QUOTE; return; }
    const t = Buffer.from(n, 'utf8');
    this.text(t, 0, t.length, out);
  }
}

/** rows kept for after the header: blocks of whole records in memory, then in a temporary file */
class Spool {
  private blocks: Buffer[] = [];
  private held = 0;
  private fd = -1;
  readonly cur = new Bytes(BLOCK);

  /** the current record is complete in `cur` from `start`: close the block when it is full */
  endRecord(): void {
    if (this.cur.pos >= BLOCK) this.closeBlock();
  }

  private closeBlock(): void {
    if (this.cur.pos === 0) return;
    const block = Buffer.from(this.cur.buf.subarray(0, this.cur.pos));
    this.cur.pos = 0;
    if (this.cur.buf.length > 4 * BLOCK) this.cur.buf = Buffer.allocUnsafe(BLOCK);
    if (this.fd < 0 && this.held + block.length <= SPOOL_MEM) { this.blocks.push(block); this.held += block.length; return; }
    if (this.fd < 0) this.open();
    const len = Buffer.allocUnsafe(4);
    len.writeUInt32LE(block.length);
    fs.writeSync(this.fd, len);
    fs.writeSync(this.fd, block);
  }

  private open(): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'to-csv-'));
    const file = path.join(dir, 'rows');
    this.fd = fs.openSync(file, 'w+', 0o600);
    // gone from the directory at once: the space is freed when the descriptor closes, however we end
    fs.unlinkSync(file);
    fs.rmdirSync(dir);
    for (const b of this.blocks) {
      const len = Buffer.allocUnsafe(4);
      len.writeUInt32LE(b.length);
      fs.writeSync(this.fd, len);
      fs.writeSync(this.fd, b);
    }
    this.blocks = [];
    this.held = 0;
  }

  /** every block in order (the file's, then none in memory: once a file is open all blocks go there) */
  *read(): Generator<Buffer> {
    this.closeBlock();
    if (this.fd < 0) { yield* this.blocks; this.blocks = []; return; }
    let at = 0;
    const len = Buffer.allocUnsafe(4);
    for (;;) {
      if (fs.readSync(this.fd, len, 0, 4, at) < 4) break;
      const n = len.readUInt32LE(0);
      const block = Buffer.allocUnsafe(n);
      let got = 0;
      while (got < n) { const k = fs.readSync(this.fd, block, got, n - got, at + 4 + got); if (k === 0) throw new Error('the temporary file of rows was cut short'); got += k; }
      at += 4 + n;
      yield block;
    }
    fs.closeSync(this.fd);
    this.fd = -1;
  }
}

export const tool: Tool<ToCsvOptions> = {
  name: 'to-csv',
  summary: 'NDJSON to CSV (RFC 4180) or TSV: a header of the fields in first-seen order (or --fields), quoted where needed, numbers exactly as written, nulls empty.',
  usage: 'to-csv [--fields a,b.c,...] [--tsv | --delimiter C] [--crlf] [--no-header] [FILE...]',
  examples: [
    ['echo \'{"id":1,"name":"a, b"}\' | to-csv', 'id,name and 1,"a, b"'],
    ['from-json user_engagement.examples.json | to-csv --fields event_date,user_pseudo_id,event_name', 'three columns, streaming'],
    ['to-csv events.ndjson > events.csv', 'every top-level field in first-seen order; nested values as JSON text'],
    ['to-csv --tsv --fields id,context.os.name < events.ndjson', 'tab-separated; a nested field by its dotted path'],
  ],
  options,
  check(o) {
    return blankList('fields', o.fields) ?? checkDelimiter(o);
  },
  create(o, ctx: ToolContext) {
    const delim = delimiterOf(o);
    const enc = new CellEncoder(delim);
    const eol = o.crlf ? Buffer.from('\r\n') : Buffer.from('\n');
    const out = new Bytes(FLUSH * 2);
    let rows = 0;
    const flush = () => {
      if (out.pos > 0) ctx.emitBatch(out.buf, 0, out.pos, rows);
      out.pos = 0;
      rows = 0;
    };
    /** the row in `out` is complete: rows of --fields go out one by one (the runner batches them, and
     *  flushes each with --line-buffered or on a terminal); the spooled ones in batches */
    let rowByRow = false;
    const endRow = () => {
      out.room(2);
      for (let k = 0; k < eol.length; k++) out.buf[out.pos++] = eol[k];
      rows++;
      if (rowByRow || out.pos >= FLUSH) flush();
    };
    const header = (names: string[]) => {
      if (!o.header || names.length === 0) return;
      names.forEach((n, k) => { if (k) out.byte(delim); enc.name(n, out); });
      endRow();
    };
    const badString = (line: Line, name = false) => ctx.reject(line, 'bad string', `a ${name ? 'field name' : 'string'} holds an escaped lone surrogate (\\uD800-\\uDFFF without its pair): it has no UTF-8 form`);

    const fields = listOption(o.fields);
    if (fields.length > 0) {
      // streaming: the columns are known
      const reader = new FieldReader(fields);
      const found = new Uint8Array(fields.length);
      rowByRow = true;
      return {
        // (the header names the fields: a.b for the path a\.b, the name with a dot, as for a.b into an
        // object; where two would be one name, each is its path as given)
        init() {
          const names = fields.map((f) => splitPath(f).join('.'));
          header(names.map((n, k) => (names.indexOf(n) !== names.lastIndexOf(n) ? fields[k] : n)));
          return Promise.resolve();
        },
        record(line) {
          const b = line.buf;
          if (!reader.read(b, line.start, line.end)) { ctx.reject(line, reader.reason, reader.error); return; }
          const rowStart = out.pos, rowsBefore = rows;
          for (let k = 0; k < fields.length; k++) {
            if (k) out.byte(delim);
            if (!reader.found(k)) continue;
            found[k] = 1;
            if (!enc.cell(b, reader.spanStart(k), reader.spanEnd(k), out)) { out.pos = rowStart; rows = rowsBefore; badString(line); return; }
          }
          if (fields.length === 1 && out.pos === rowStart) { out.byte(QUOTE); out.byte(QUOTE); }
          endRow();
        },
        end() {
          flush();
          const never = fields.filter((_f, k) => found[k] === 0);
          if (never.length && !ctx.willFail()) ctx.warn(`--fields names no field of the input: ${never.join(', ')} (empty columns)`);
        },
      };
    }

    // every top-level field in first-seen order: rows spooled as encoded cells until the end
    const reader = new FieldReader([]);
    const cursor = new MemberCursor();
    const columns = new Map<string, number>();
    const names: string[] = [];
    // the previous record's keys (raw bytes) and their columns: most records repeat the same layout
    let layoutKeys: Buffer[] = [];
    let layoutCols: number[] = [];
    const spool = new Spool();
    const cell = new Bytes(1 << 12);
    const colOf = (b: Buffer, j: number): number => {
      const ks = cursor.ks, ke = cursor.ke;
      const prev = layoutKeys[j];
      if (prev !== undefined && prev.length === ke - ks && b.compare(prev, 0, prev.length, ks, ke) === 0) return layoutCols[j];
      const name = cursor.key();
      if (!isWellFormed(name)) return -1; // (no UTF-8 form: two such names would be one header cell)
      let col = columns.get(name);
      if (col === undefined) { col = names.length; columns.set(name, col); names.push(name); }
      layoutKeys[j] = Buffer.from(b.subarray(ks, ke));
      layoutCols[j] = col;
      return col;
    };
    let empty = 0; // records with no field
    return {
      record(line) {
        const b = line.buf;
        if (!reader.read(b, line.start, line.end)) { ctx.reject(line, reader.reason, reader.error); return; }
        const sp = spool.cur, recStart = sp.pos;
        const namesBefore = names.length;
        cursor.reset(b, reader.objStart, reader.objEnd);
        let j = 0;
        for (; cursor.next(); j++) {
          const col = colOf(b, j);
          cell.pos = 0;
          if (col < 0 || !enc.cell(b, cursor.vs, cursor.ve, cell)) {
            sp.pos = recStart;
            // a column first seen in a rejected record is not one of the output
            for (const n of names.splice(namesBefore)) columns.delete(n);
            layoutKeys = []; layoutCols = [];
            badString(line, col < 0);
            return;
          }
          sp.varint(col);
          sp.varint(cell.pos);
          sp.room(cell.pos);
          sp.pos += cell.buf.copy(sp.buf, sp.pos, 0, cell.pos);
        }
        if (layoutKeys.length > j) { layoutKeys.length = j; layoutCols.length = j; }
        sp.varint(0xffffffff >>> 1); // the end of the record (no column has this number)
        spool.endRecord();
        if (j === 0) empty++;
      },
      async end() {
        if (names.length === 0) {
          // no record: no header either (the columns are unknown); records with no field at all make
          // no column and no row, which is said, not left to a silent empty file
          // (records read and nothing kept: the run fails, as to-parquet's does)
          if (empty > 0) throw new Error(`${empty} record${empty === 1 ? '' : 's'} with no field: no column, nothing written`);
          return;
        }
        header(names);
        const n = names.length;
        const starts = new Int32Array(n), ends = new Int32Array(n);
        const END = 0xffffffff >>> 1;
        for (const block of spool.read()) {
          let p = 0;
          while (p < block.length) {
            starts.fill(-1);
            for (;;) {
              let col = 0, shift = 0, c: number;
              do { c = block[p++]; col |= (c & 0x7f) << shift; shift += 7; } while (c & 0x80);
              if (col === END) break;
              let len = 0;
              shift = 0;
              do { c = block[p++]; len |= (c & 0x7f) << shift; shift += 7; } while (c & 0x80);
              starts[col] = p; ends[col] = p + len; // a repeated key: the last one wins (as JSON.parse)
              p += len;
            }
            const rowStart = out.pos;
            for (let k = 0; k < n; k++) {
              if (k) out.byte(delim);
              const s = starts[k];
              if (s < 0) continue;
              out.room(ends[k] - s);
              out.pos += block.copy(out.buf, out.pos, s, ends[k]);
            }
            if (n === 1 && out.pos === rowStart) { out.byte(QUOTE); out.byte(QUOTE); }
            endRow();
            if (rows === 0) { // a batch went out: wait for the reader, stop when it left
              const wait = ctx.waitDrain();
              if (wait) await wait;
              if (ctx.stopped()) return;
            }
          }
        }
        flush();
      },
    };
  },
};
export default tool;
