// Side files for lookups (join): NDJSON, a JSON array, or CSV with a header row, loaded whole into
// memory under a size budget. NDJSON side files go through the one line reader and grammar check of
// every input (input.ts, fields.ts), CSV through from-csv's reader (csv.ts, csv-records.ts): its header
// rules (renamed columns said), values (numbers inferred, an empty cell null) and bad rows (reported
// with their line, skipped); gzip read transparently.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { CsvScanner } from './csv.js';
import { csvRecords } from './csv-records.js';
import { JsonStreamReader, notObject } from './json-stream.js';
import { RecordBatch } from './output.js';
import { literalPath, parseJson, putMember } from './json.js';
import { FieldReader, decodeValue } from './fields.js';
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

/** load every record of a side file (gzip read transparently); bad lines go to onBad(line, reason,
 *  detail, raw), other notes (a CSV header's renamed columns) to warn. `keep`: the fields the caller
 *  reads, its key first: a CSV side file's other columns are not written (fewer bytes written and
 *  decoded); all are when the header has no such key (its rows are then reported whole). A CSV side file's records are from-csv's (core/csv-records.ts:
 *  its header rules, values and rejects) */
export async function loadSide(file: string, format: 'auto' | 'ndjson' | 'json' | 'csv', maxBytes: number,
  onBad: OnBad, keep?: readonly string[], warn: (message: string) => void = () => {}): Promise<SideRecord[]> {
  const size = fs.statSync(file).size;
  if (size > maxBytes) throw new Error(`side file ${file} is ${size} bytes, over the --max-side budget of ${maxBytes}: raise --max-side or pre-filter it`);
  const head = Buffer.alloc(64);
  const fd = fs.openSync(file, 'r');
  const got = fs.readSync(fd, head, 0, 64, 0);
  fs.closeSync(fd);
  const gz = got >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  /** the file's bytes, unzipped (within the budget) */
  const whole = (): Buffer => {
    const raw = fs.readFileSync(file);
    if (!gz) return raw;
    try { return zlib.gunzipSync(raw, { maxOutputLength: maxBytes }); } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new Error(`side file ${file} unzips to more than the --max-side budget of ${maxBytes}: raise --max-side or pre-filter it`);
      throw new Error(`side file ${file}: ${(err as Error).message}`);
    }
  };
  let kind = format, data: Buffer | undefined;
  if (kind === 'auto') {
    if (/\.csv(\.gz)?$/i.test(file)) kind = 'csv';
    else {
      const start = gz ? (data = whole()).subarray(0, 64) : head.subarray(0, got);
      kind = start.toString('utf8').trimStart()[0] === '[' ? 'json' : 'ndjson';
    }
  }
  if (kind === 'json') return loadJson(data ?? whole(), onBad);
  if (kind === 'csv') return loadCsv(file, data ?? whole(), onBad, warn, keep);
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

/** a JSON side file (an array, or documents one after another): its records as from-json reads them
 *  (core/json-stream.ts: RFC 8259's grammar, valid UTF-8, a BOM skipped; a broken element or one that
 *  is no object reported with its line and skipped) */
function loadJson(data: Buffer, onBad: OnBad): SideRecord[] {
  const out: SideRecord[] = [];
  const reader = new JsonStreamReader({
    element(b, s, e, info) {
      if (!info.object) { onBad(info.line, 'not a JSON object', notObject(b, s, info), b.subarray(s, e)); return; }
      out.push({ rec: parseJson(b.toString('utf8', s, e)), line: info.line });
    },
    bad(raw, line, reason, detail) { onBad(line, reason, detail, raw); },
  });
  reader.push(data);
  reader.end();
  return out;
}

/** a CSV side file: its records as from-csv writes them (CsvRecords), parsed */
function loadCsv(file: string, data: Buffer, onBad: OnBad, warn: (message: string) => void, keep?: readonly string[]): SideRecord[] {
  const out: SideRecord[] = [];
  const lines: number[] = []; // where each record written starts
  let unreadable: string | null = null;
  // (each record's members decoded one by one where the writer says they lie (its walks), as a chain's
  // next stage takes them; numbers exact, as parseJson decodes them. A whole-line parseJson cost ~40 %
  // more. Names that JSON escapes: no walks, the grammar's reader)
  let names: string[] | null = null, reader = new FieldReader([]);
  const batch = new RecordBatch((b, s, e, _n, walks) => {
    if (names === null) { names = records.columns(); reader = new FieldReader(names.map(literalPath)); }
    const m = names.length, sp = walks?.spans;
    for (let i = s, r = 0; i < e; r++) {
      let nl = b.indexOf(10, i);
      if (nl < 0 || nl > e) nl = e;
      const rec: Record<string, unknown> = {};
      for (let k = 0; k < m; k++) {
        let v: unknown;
        if (sp !== undefined) v = decodeValue(b, i + sp[2 * (r * m + k)], i + sp[2 * (r * m + k) + 1]);
        else { if (k === 0) reader.read(b, i, nl, true); v = reader.value(k); }
        putMember(rec, names[k], v); // (a column named __proto__ too)
      }
      out.push({ rec, line: lines[out.length] });
      i = nl + 1;
    }
  });
  const records = csvRecords({
    out: batch, types: new Map(), infer: true, required: [], shard: null, keep, warn,
    failInput: (where, m) => { unreadable ??= `${where}: ${m}`; },
    rejectAt: (_f, line, raw, reason, detail) => onBad(line, reason, detail, raw),
    countIn() { /* (join counts its side keys) */ },
    written: (line) => { lines.push(line); },
  })(file);
  const scanner = new CsvScanner(44, records);
  scanner.push(data);
  scanner.end();
  batch.flush();
  if (unreadable !== null) throw new Error(`side file ${unreadable}`);
  if (records.header === null) throw new Error(`side file ${file}: no header row`);
  return out;
}
