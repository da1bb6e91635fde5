// from-csv: CSV (or TSV) with a header row to NDJSON, on csv-parse (quoted fields, embedded commas,
// quotes and newlines). Column types come from --types (int, float, bool, string, date) or, by default,
// from each value: integers (16+ digits kept exact), decimals, and text; an empty field is null.
// A row with the wrong number of fields or a value that does not fit its declared type is reported
// with its line number and skipped.
import fs from 'node:fs';
import { parse } from 'csv-parse';
import { BigNum, stringify } from '../core/json.js';
import { isValidDate } from '../core/time.js';
import { columnTypes } from '../core/options.js';
import type { Tool } from '../core/tool.js';

export interface FromCsvOptions { files: string[]; types: string[]; delimiter: string; infer: boolean; tsv: boolean }

const INT = /^-?(0|[1-9]\d*)$/, DEC = /^-?(0|[1-9]\d*)?\.\d+([eE][+-]?\d+)?$|^-?(0|[1-9]\d*)[eE][+-]?\d+$/;

/** a field's value by declared type; undefined when it does not fit */
export function typed(v: string, type: string | undefined, infer: boolean): unknown {
  if (v === '') return null;
  switch (type) {
    case 'string': return v;
    case 'int': return INT.test(v) ? (v.replace('-', '').length >= 16 ? new BigNum(v) : Number(v)) : undefined;
    case 'float': return INT.test(v) || DEC.test(v) ? Number(v) : undefined;
    case 'bool': return /^(true|1|yes)$/i.test(v) ? true : /^(false|0|no)$/i.test(v) ? false : undefined;
    case 'date': return isValidDate(v) ? v : undefined;
  }
  if (!infer) return v;
  const c = v.charCodeAt(0); // a number starts with '-', '.' or a digit
  if (c !== 45 && c !== 46 && (c < 48 || c > 57)) return v;
  if (INT.test(v)) return v.replace('-', '').length >= 16 ? new BigNum(v) : Number(v);
  if (DEC.test(v)) return Number(v);
  return v;
}

export const tool: Tool<FromCsvOptions> = {
  name: 'from-csv',
  summary: 'CSV/TSV with a header row to NDJSON: quoted fields, typed columns (--types or inference), bad rows reported with their line.',
  usage: 'from-csv [--types col=int,col=float,...] [--tsv] [FILE...]',
  noInput: true,
  examples: [
    ['from-csv user_interactions.csv | head -2', '{"user_id":"u123","timestamp":"2023-07-01 14:30:15",...,"duration_ms":12000,...}'],
    ['from-csv --types duration_ms=int,app_version=string --tsv data.tsv', 'declared types, tab-separated'],
  ],
  options: {
    types: { type: 'string', array: true, default: [], describe: 'COL=int|float|bool|string|date (comma-separated or repeated); others are inferred' },
    infer: { type: 'boolean', default: true, describe: 'infer numbers from values (--no-infer: undeclared columns stay strings)' },
    delimiter: { type: 'string', default: ',', describe: 'field delimiter' },
    tsv: { type: 'boolean', default: false, describe: 'tab-separated (same as --delimiter "\\t")' },
  },
  create(o, ctx) {
    const types = columnTypes(o.types, ['int', 'float', 'bool', 'string', 'date']);
    const files = o.files.length ? o.files : ['-'];
    const sep = o.tsv ? '\t' : o.delimiter;
    /** the JSON text of a typed value (numbers as they print, BigNum digits exact) */
    const json = (v: unknown): string =>
      v === null ? 'null' : typeof v === 'string' ? JSON.stringify(v) : v instanceof BigNum ? v.raw : String(v);
    /** one reader per file: the header, then each record with the line it starts on */
    const reader = (file: string) => {
      let header: string[] | null = null, colTypes: (string | undefined)[] = [], keys: string[] = [];
      let uniqueHeader = true;
      return (record: string[], at: number) => {
        if (record.length === 1 && record[0] === '') return; // a blank line
        if (header === null) {
          header = record.map((h) => h.trim());
          colTypes = header.map((h) => types.get(h));
          keys = header.map((h) => JSON.stringify(h) + ':');
          uniqueHeader = new Set(header).size === header.length;
          return;
        }
        ctx.countIn();
        const raw = () => record.join(sep);
        if (record.length !== header.length) { ctx.rejectAt(file, at, raw(), 'wrong number of fields', `${record.length} instead of ${header.length}`); return; }
        let text = '{', bad = '';
        const out: Record<string, unknown> = {}; // only for a header that repeats a name (the last one wins, as in JSON)
        for (let i = 0; i < header.length; i++) {
          const v = typed(record[i], colTypes[i], o.infer);
          if (v === undefined) { bad = `${header[i]}=${JSON.stringify(record[i])} is not ${colTypes[i]}`; break; }
          if (uniqueHeader) text += (i === 0 ? keys[i] : ',' + keys[i]) + json(v);
          else out[header[i]] = v;
        }
        if (bad) { ctx.rejectAt(file, at, raw(), 'bad value', bad); return; }
        ctx.emit(uniqueHeader ? text + '}' : stringify(out));
      };
    };
    /**
     * A file without a single '"' byte has no quoting: records are its lines and fields split at the
     * delimiter, exactly as csv-parse would split them, ~3x faster. Anything else (and stdin, and
     * files over 64 MiB) goes through csv-parse.
     */
    const readPlain = (file: string): boolean => {
      if (file === '-') return false;
      let buf: Buffer;
      try { if (fs.statSync(file).size > 64 << 20) return false; buf = fs.readFileSync(file); } catch { return false; }
      if (buf.indexOf(34) >= 0) return false;
      ctx.countIn(0, buf.length);
      const text = buf.toString('utf8', buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0);
      const each = reader(file);
      let s = 0, no = 0;
      while (s < text.length) {
        let nl = text.indexOf('\n', s);
        if (nl < 0) nl = text.length;
        no++;
        const line = text.charCodeAt(nl - 1) === 13 && nl > s ? text.slice(s, nl - 1) : text.slice(s, nl);
        each(line.split(sep), no);
        s = nl + 1;
      }
      return true;
    };
    const readOne = (file: string) => new Promise<void>((resolve, reject) => {
      if (readPlain(file)) { resolve(); return; }
      const src = file === '-' ? process.stdin : fs.createReadStream(file);
      const each = reader(file);
      // line numbers are counted here (csv-parse's per-record `info` objects cost ~40% of its time):
      // a record spans one line plus the newlines inside its quoted fields, and is reported by the line
      // it ends on; blank lines come through as one empty field and are skipped
      let line = 0;
      const parser = parse({ delimiter: sep, relax_column_count: true, skip_empty_lines: false, bom: true });
      parser.on('readable', () => {
        let record: string[] | null;
        while ((record = parser.read()) !== null) {
          line++;
          for (let i = 0; i < record.length; i++) {
            const f = record[i];
            for (let k = f.indexOf('\n'); k >= 0; k = f.indexOf('\n', k + 1)) line++;
          }
          each(record, line); // the line the record ends on (as csv-parse's info.lines)
        }
      });
      parser.on('error', (err) => { ctx.warn(`${file}: ${err.message}`); resolve(); });
      parser.on('end', resolve);
      src.on('error', reject);
      src.on('data', (chunk: Buffer) => ctx.countIn(0, chunk.length));
      src.pipe(parser);
    });
    return {
      record() { /* reads its own input */ },
      async end() { for (const f of files) await readOne(f); },
    };
  },
};
export default tool;
