// node norm.mjs [--csv] [--digits D] [--cols a,b,c] [FILE ...]: rows -> canonical TSV lines on stdout
// (unsorted: the bench sorts them), so that the answers of event-pipes and DuckDB compare as text.
// Input: NDJSON (the default; e.g. query-sqlite's or DuckDB's rows) or CSV with a header (--csv; RFC
// 4180: an unquoted empty field is NULL, a quoted one the empty string, as DuckDB's COPY writes them).
// Each value: NULL -> \N; true/false (JSON booleans, or those words in CSV) -> 1/0 (SQLite's booleans);
// a number, or a string that reads as one (DuckDB's node API gives BIGINT as strings), -> the number
// rounded to D significant digits (default 12: sums added in another order differ in the last bits),
// integers of digits only kept exactly; other strings as they are, with \t \n \\ escaped.
// --cols: the columns, in this order (default: the first row's keys, or the CSV header).
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

const args = process.argv.slice(2);
let csv = false, digits = 12, cols = null;
const files = [];
while (args.length) {
  const a = args.shift();
  if (a === '--csv') csv = true;
  else if (a === '--digits') digits = Number(args.shift());
  else if (a === '--cols') cols = args.shift().split(',');
  else files.push(a);
}
if (!files.length) files.push('-');

const NUM = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
function value(v, fromCsv) {
  if (v === null || v === undefined) return '\\N';
  if (v === true || (fromCsv && v === 'true')) return '1';
  if (v === false || (fromCsv && v === 'false')) return '0';
  if (typeof v === 'number') return num(v, String(v));
  if (typeof v === 'string') {
    if (/^-?\d+$/.test(v)) return v.length < 16 ? String(Number(v)) : v;
    if (NUM.test(v)) return num(Number(v), v);
    return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
  }
  return JSON.stringify(v);
}
function num(n, text) {
  if (!Number.isFinite(n)) return text;
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  return String(Number(n.toPrecision(digits)));
}

/** RFC 4180 records of a CSV text: arrays of fields, null for an unquoted empty field */
function* csvRecords(text) {
  let i = 0, row = [], field = '', quoted = false, any = false;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '"' && !any) {
      quoted = true; any = true; i++;
      for (;;) {
        const j = text.indexOf('"', i);
        if (j < 0) throw new Error('unterminated quote');
        field += text.slice(i, j);
        if (text[j + 1] === '"') { field += '"'; i = j + 2; } else { i = j + 1; break; }
      }
    } else if (c === ',') { row.push(!quoted && field === '' ? null : field); field = ''; quoted = false; any = false; i++; }
    else if (c === '\n' || c === '\r') {
      row.push(!quoted && field === '' ? null : field); field = ''; quoted = false; any = false;
      yield row; row = [];
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else { field += c; any = true; i++; }
  }
  if (any || row.length) { row.push(!quoted && field === '' ? null : field); yield row; }
}

/** the complete lines of a file (for CSV: records, whose quoted fields may hold newlines), read in chunks */
function* records(f, quotes) {
  const fd = f === '-' ? 0 : fs.openSync(f, 'r');
  const buf = Buffer.allocUnsafe(1 << 22);
  const dec = new StringDecoder('utf8');
  let rest = '', inQuote = false, scanned = 0;
  for (;;) {
    const n = fs.readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    rest += dec.write(buf.subarray(0, n));
    let from = 0;
    for (let i = scanned; i < rest.length; i++) {
      const c = rest.charCodeAt(i);
      if (quotes && c === 34) inQuote = !inQuote;
      else if (c === 10 && !inQuote) { yield rest.slice(from, i); from = i + 1; }
    }
    rest = rest.slice(from); scanned = rest.length;
  }
  if (rest.trim()) yield rest;
}

let out = '';
const put = (s) => { out += s + '\n'; if (out.length > 1 << 16) { fs.writeSync(1, out); out = ''; } };
for (const f of files) {
  if (csv) {
    let header = null, idx = null;
    for (const line of records(f, true)) {
      if (line === '' || line === '\r') continue;
      const [rec] = [...csvRecords(line.endsWith('\r') ? line.slice(0, -1) : line)];
      if (!header) { header = rec; idx = (cols ?? header).map((c) => header.indexOf(c)); continue; }
      put(idx.map((k) => (k < 0 ? '\\N' : value(rec[k], true))).join('\t'));
    }
  } else {
    for (let line of records(f, false)) {
      line = line.trim();
      if (!line) continue;
      const r = JSON.parse(line);
      put((cols ?? (cols = Object.keys(r))).map((c) => value(r[c], false)).join('\t'));
    }
  }
}
if (out) fs.writeSync(1, out);
