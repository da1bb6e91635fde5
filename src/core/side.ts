// Side files for lookups (join): NDJSON, a JSON array, or CSV with a header row, loaded whole into
// memory under a size budget. NDJSON side files go through the one line reader and grammar check of
// every input (input.ts, fields.ts), CSV through the strict CSV reader of from-csv (csv.ts): a header
// row, values as text, a malformed row reported with its line and skipped.
import fs from 'node:fs';
import { CsvScanner, fieldText } from './csv.js';
import type { CsvMalformed, CsvRecord } from './csv.js';
import { parseJson } from './json.js';
import { FieldReader } from './fields.js';
import { readInput } from './input.js';
import type { Line } from './tool.js';

export interface SideRecord { rec: Record<string, unknown>; line: number }

export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*$/i.exec(text);
  if (!m) return NaN;
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  return Math.round(Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1));
}

/** a bad line of a side file: its number, why, and its raw bytes (or text) for --rejects */
export type OnBad = (line: number, reason: string, detail?: string, raw?: string | Uint8Array) => void;
/** the raw bytes of an input line (its CR before the LF too) */
const rawOf = (l: Line) => l.buf.subarray(l.start, l.cr ? l.end + 1 : l.end);

/** load every record of a side file; bad lines go to onBad(line, reason, detail, raw). `keep`: the
 *  fields the caller reads, its key first: a CSV side file's other columns are not decoded (100k rows of
 *  metadata with five columns, two of them joined on and added: 0.33 -> ~0.2 s); all are when the header
 *  has no such key (its rows are then reported whole) */
export async function loadSide(file: string, format: 'auto' | 'ndjson' | 'json' | 'csv', maxBytes: number,
  onBad: OnBad, keep?: readonly string[]): Promise<SideRecord[]> {
  const size = fs.statSync(file).size;
  if (size > maxBytes) throw new Error(`side file ${file} is ${size} bytes, over the --max-side budget of ${maxBytes}: raise --max-side or pre-filter it`);
  let kind = format;
  if (kind === 'auto') {
    const head = Buffer.alloc(64);
    const fd = fs.openSync(file, 'r');
    const n = fs.readSync(fd, head, 0, 64, 0);
    fs.closeSync(fd);
    const first = head.subarray(0, n).toString('utf8').trimStart()[0];
    kind = /\.csv$/i.test(file) ? 'csv' : first === '[' ? 'json' : 'ndjson';
  }
  if (kind === 'json') {
    const all = parseJson(fs.readFileSync(file, 'utf8'));
    if (!Array.isArray(all)) throw new Error(`side file ${file}: a JSON file must hold an array of records`);
    return all.map((rec, i) => ({ rec, line: i + 1 }));
  }
  if (kind === 'csv') return loadCsv(file, onBad, keep);
  const out: SideRecord[] = [];
  const checker = new FieldReader([]);
  await readInput(file, undefined, {
    line(l: Line) {
      if (!checker.read(l.buf, l.start, l.end)) { onBad(l.no, checker.reason, checker.error, rawOf(l)); return; }
      out.push({ rec: parseJson(l.buf.toString('utf8', checker.objStart, checker.objEnd)), line: l.no });
    },
    skipped() { /* no needle: never called */ },
    tooLong(l: Line) { onBad(l.no, 'line too long', undefined, rawOf(l)); },
    invalid(l: Line, why: string) { onBad(l.no, 'malformed JSON', why, rawOf(l)); },
  }, () => null, () => false);
  return out;
}

/** a CSV side file: the header names the fields; each well-formed row a record of text values */
function loadCsv(file: string, onBad: OnBad, keep?: readonly string[]): SideRecord[] {
  const out: SideRecord[] = [];
  let names: string[] | null = null;
  let cols: number[] = []; // the columns decoded
  const scanner = new CsvScanner(44, {
    record(r: CsvRecord) {
      if (r.count === 1 && r.end === r.start) return; // a blank line
      if (!r.utf8) { onBad(r.line, 'malformed CSV', 'invalid UTF-8', r.buf.subarray(r.start, r.end)); return; }
      if (names === null) {
        const ns = names = Array.from({ length: r.count }, (_x, i) => fieldText(r, i).trim());
        cols = ns.map((_n, i) => i);
        if (keep !== undefined && keep.length > 0 && ns.includes(keep[0])) cols = cols.filter((i) => keep.includes(ns[i]));
        return;
      }
      if (r.count !== names.length) { onBad(r.line, 'malformed CSV', `${r.count} fields, the header has ${names.length}`, r.buf.subarray(r.start, r.end)); return; }
      const rec: Record<string, unknown> = {};
      for (let j = 0; j < cols.length; j++) { const i = cols[j]; rec[names[i]] = fieldText(r, i); }
      out.push({ rec, line: r.line });
    },
    malformed(m: CsvMalformed) { onBad(m.line, 'malformed CSV', `${m.problem}: ${m.detail}`, m.buf.subarray(m.start, m.end)); },
  });
  const data = fs.readFileSync(file);
  scanner.push(data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? data.subarray(3) : data);
  scanner.end();
  if (names === null) throw new Error(`side file ${file}: no header row`);
  return out;
}
