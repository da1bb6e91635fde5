// from-csv: CSV (or TSV) with a header row to NDJSON, on csv-parse (quoted fields, embedded commas,
// quotes and newlines). Column types come from --types (int, float, bool, string, date) or, by default,
// from each value: integers (16+ digits kept exact), decimals, and text; an empty field is null.
// A row with the wrong number of fields or a value that does not fit its declared type is reported
// with its line number and skipped.
import fs from 'node:fs';
import { parse } from 'csv-parse';
import { BigNum, stringify } from '../core/json.js';
import { isValidDate } from '../core/time.js';
import { UsageError } from '../core/tool.js';
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
    const types = new Map<string, string>();
    for (const t of o.types.flatMap((x) => x.split(','))) {
      const [c, ty] = t.split('=');
      if (!c || !['int', 'float', 'bool', 'string', 'date'].includes(ty)) throw new UsageError(`--types takes COL=int|float|bool|string|date (got '${t}')`);
      types.set(c.trim(), ty);
    }
    const files = o.files.length ? o.files : ['-'];
    const readOne = (file: string) => new Promise<void>((resolve, reject) => {
      const src = file === '-' ? process.stdin : fs.createReadStream(file);
      let header: string[] | null = null;
      const parser = parse({ delimiter: o.tsv ? '\t' : o.delimiter, relax_column_count: true, skip_empty_lines: true, info: true, bom: true });
      parser.on('readable', () => {
        let row: { record: string[]; info: { lines: number } } | null;
        while ((row = parser.read()) !== null) {
          const { record, info } = row;
          if (header === null) { header = record.map((h) => h.trim()); continue; }
          const raw = () => record.join(o.tsv ? '\t' : o.delimiter);
          if (record.length !== header.length) { ctx.rejectAt(file, info.lines, raw(), 'wrong number of fields', `${record.length} instead of ${header.length}`); continue; }
          const out: Record<string, unknown> = {};
          let bad = '';
          for (let i = 0; i < header.length; i++) {
            const v = typed(record[i], types.get(header[i]), o.infer);
            if (v === undefined) { bad = `${header[i]}=${JSON.stringify(record[i])} is not ${types.get(header[i])}`; break; }
            out[header[i]] = v;
          }
          if (bad) { ctx.rejectAt(file, info.lines, raw(), 'bad value', bad); continue; }
          ctx.emit(stringify(out));
        }
      });
      parser.on('error', (err) => { ctx.warn(`${file}: ${err.message}`); resolve(); });
      parser.on('end', resolve);
      src.on('error', reject);
      src.pipe(parser);
    });
    return {
      record() { /* reads its own input */ },
      async end() { for (const f of files) await readOne(f); },
    };
  },
};
export default tool;
