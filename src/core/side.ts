// Side files for lookups (join): NDJSON, a JSON array, or CSV with a header row, loaded whole into
// memory under a size budget. NDJSON side files go through the one line reader and grammar check of
// every input (input.ts, fields.ts), CSV through from-csv's reader (csv.ts, csv-records.ts): its header
// rules (renamed columns said), values (numbers inferred, an empty cell null) and bad rows (reported
// with their line, skipped); gzip read transparently.
import fs from 'node:fs';
import { gunzipMembers } from './gzip.js';
import { CsvScanner } from './csv.js';
import { csvRecords } from './csv-records.js';
import { JsonStreamReader, notObject } from './json-stream.js';
import { RecordBatch } from './output.js';
import { FieldReader } from './fields.js';
import { readInput, Splitter } from './input.js';
import type { LineSink } from './input.js';
import type { Line } from './tool.js';

/** a side file whose gzip data is damaged or cut: a failed run (status 1), not a usage error */
export class SideFileDamaged extends Error {}

/** a side record: its JSON object text b[s, e), valid JSON (read as a chain reads a line an earlier
 *  stage wrote: trusted), its line in the side file, and b[rs, re), the bytes it was read from where
 *  they are not b[s, e): an NDJSON line with its blanks and CR (a CSV row's record is its JSON text); b
 *  is reused after the call */
export type OnSideRecord = (b: Buffer, s: number, e: number, line: number, rs?: number, re?: number) => void;

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

/** read every record of a side file (gzip read transparently), each handed to onRecord as JSON text
 *  in the file's order; bad lines go to onBad(line, reason, detail, raw), other notes (a CSV header's
 *  renamed columns) to warn. `keep`: the fields the caller reads, its key first: a CSV side file's
 *  other columns are not written; all are when the header has no such key (its rows are then
 *  reported whole). A CSV side file's records are from-csv's (core/csv-records.ts: its header rules,
 *  values and rejects) */
export async function readSide(file: string, format: 'auto' | 'ndjson' | 'json' | 'csv', maxBytes: number,
  onBad: OnBad, onRecord: OnSideRecord, keep?: readonly string[], warn: (message: string) => void = () => {}): Promise<void> {
  const size = fs.statSync(file).size;
  if (size > maxBytes) throw new Error(`side file ${file} is ${size} bytes, over the --max-side budget of ${maxBytes}: raise --max-side or pre-filter it`);
  const head = Buffer.alloc(64);
  const fd = fs.openSync(file, 'r');
  const got = fs.readSync(fd, head, 0, 64, 0);
  fs.closeSync(fd);
  const gz = got >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  /** the file's bytes, unzipped (within the budget) as every gzip input is (core/gzip.ts): bytes after
   *  the data said and ignored; damaged or cut data fails the run (a lookup table read in part would
   *  give records the wrong side fields, or none, without a word) */
  const whole = async (): Promise<Buffer> => {
    if (!gz) return fs.readFileSync(file);
    const src = fs.createReadStream(file, { highWaterMark: 1 << 20 });
    const z = gunzipMembers(Buffer.alloc(0), src, 1 << 20);
    const parts: Buffer[] = [];
    let n = 0;
    try {
      for await (const c of z as AsyncIterable<Buffer>) {
        if ((n += c.length) > maxBytes) throw new Error(`side file ${file} unzips to more than the --max-side budget of ${maxBytes}: raise --max-side or pre-filter it`);
        parts.push(c);
      }
    } finally { z.destroy(); src.destroy(); }
    const failure = z.inputFailure() as (Error & { whole?: boolean }) | undefined;
    if (failure?.whole) warn(`${file}: ${failure.message}`);
    else if (failure) throw new SideFileDamaged(`side file ${file}: ${failure.message} (the file is damaged: nothing was joined)`);
    return Buffer.concat(parts, n);
  };
  let kind = format, data: Buffer | undefined;
  if (kind === 'auto') {
    if (/\.csv(\.gz)?$/i.test(file)) kind = 'csv';
    else {
      const start = gz ? (data = await whole()).subarray(0, 64) : head.subarray(0, got);
      kind = start.toString('utf8').trimStart()[0] === '[' ? 'json' : 'ndjson';
    }
  }
  if (kind === 'json') return loadJson(data ?? await whole(), onBad, onRecord);
  if (kind === 'csv') return loadCsv(file, data ?? await whole(), onBad, onRecord, warn, keep);
  const checker = new FieldReader([]);
  const sink: LineSink = {
    line(l: Line) {
      if (!checker.read(l.buf, l.start, l.end)) { onBad(l.no, checker.reason, checker.error, rawOf(l)); return; }
      onRecord(l.buf, checker.objStart, checker.objEnd, l.no, l.start, l.cr ? l.end + 1 : l.end);
    },
    skipped() { /* no needle: never called */ },
    tooLong(l: Line) { onBad(l.no, 'line too long', undefined, rawOf(l)); },
    invalid(l: Line, why: string) { onBad(l.no, 'malformed JSON', why, rawOf(l)); },
  };
  if (!gz) { await readInput(file, undefined, sink, () => null, () => false); return; }
  // (gzip: unzipped whole first, so that damaged data fails the run before any line is used)
  const lines = new Splitter(file, undefined, sink);
  lines.chunk(data ?? await whole(), () => false);
  lines.finish();
}

/** a JSON side file (an array, or documents one after another): its records as from-json reads them
 *  (core/json-stream.ts: RFC 8259's grammar, valid UTF-8, a BOM skipped; a broken element or one that
 *  is no object reported with its line and skipped) */
function loadJson(data: Buffer, onBad: OnBad, onRecord: OnSideRecord): void {
  const reader = new JsonStreamReader({
    element(b, s, e, info) {
      if (!info.object) { onBad(info.line, 'not a JSON object', notObject(b, s, info), b.subarray(s, e)); return; }
      onRecord(b, s, e, info.line);
    },
    bad(raw, line, reason, detail) { onBad(line, reason, detail, raw); },
  });
  reader.push(data);
  reader.end();
}

/** a CSV side file: its records as from-csv writes them (CsvRecords) */
function loadCsv(file: string, data: Buffer, onBad: OnBad, onRecord: OnSideRecord, warn: (message: string) => void, keep?: readonly string[]): void {
  const lines: number[] = []; // the line each record written starts on
  let unreadable: string | null = null, done = 0;
  const batch = new RecordBatch((b, s, e) => {
    for (let i = s; i < e;) {
      let nl = b.indexOf(10, i);
      if (nl < 0 || nl > e) nl = e;
      onRecord(b, i, nl, lines[done++]);
      i = nl + 1;
    }
    if (done === lines.length) { lines.length = 0; done = 0; }
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
}
