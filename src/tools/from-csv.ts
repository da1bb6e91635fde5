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
import { CHUNK, readOwnInput } from '../core/input.js';
import { RecordBatch } from '../core/output.js';
import { CsvScanner, checkDelimiter, delimiterOf } from '../core/csv.js';
import { CSV_TYPES, csvRecords, parseShard } from '../core/csv-records.js';
import type { CsvRecordsEnv, Shard } from '../core/csv-records.js';
import { blankList, columnTypes, listOption } from '../core/options.js';
import type { InputOptions, OptionsOf } from '../core/options.js';
import type { Options } from 'yargs';
import type { Tool } from '../core/tool.js';

const options = {
  types: { type: 'string', array: true, default: [], describe: 'COL=int|float|bool|string|date (comma-separated or repeated); others are inferred' },
  infer: { type: 'boolean', default: true, describe: 'infer numbers from values (--no-infer: undeclared columns stay strings)' },
  delimiter: { type: 'string', default: ',', describe: 'field delimiter: one ASCII character other than \'"\' ("\\t" is a tab)' },
  tsv: { type: 'boolean', default: false, describe: 'tab-separated (same as --delimiter "\\t")' },
  'max-record-bytes': { type: 'number', default: 16 << 20, describe: 'the longest record (bytes) read; a longer one is rejected as "record too long" and only its first line is given up' },
  'lazy-quotes': { type: 'boolean', default: false, describe: 'a \'"\' inside an unquoted field is one of its characters (37\'36"N), as Python\'s csv reads it (Go\'s LazyQuotes also takes text after a closing quote: this does not); by default (RFC 4180) such a row is rejected as a stray quote' },
  require: { type: 'string', array: true, default: [], describe: 'columns each input\'s header must have (comma-separated or repeated): an input without one is not read (said; exit 1)' },
  shard: { type: 'string', describe: 'K/N:COLUMN: only the rows whose COLUMN value hashes to K of N (0 <= K < N): N runs over the same files split the rows by that key, each row (and each bad row) in exactly one run; a run whose rows were all rejected says so and exits 0 (the N runs together decide)' },
} as const satisfies Record<string, Options>;

export type FromCsvOptions = OptionsOf<typeof options> & InputOptions;

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
    const types = columnTypes(o.types, CSV_TYPES);
    const files = o.files.length ? o.files : ['-'];
    const delim = delimiterOf(o);
    const out = new RecordBatch((b, s, e, n, walks) => ctx.emitBatch(b, s, e, n, walks));
    const typedSeen = new Set<string>();
    let headers = 0;
    // --shard: this run keeps the rows of shard k (bad rows that have no key cell belong to shard 0);
    // diagnostics about headers come from shard 0 alone, so N runs say each thing once
    const shard = o.shard === undefined ? null : parseShard(String(o.shard)) as Shard;
    const first = shard === null || shard.k === 0;
    const env: CsvRecordsEnv = {
      out, types, infer: o.infer, required: listOption(o.require), shard,
      warn: (m) => ctx.warn(m),
      failInput: (where, m) => ctx.failInput(where, `${m}: file skipped`),
      rejectAt: (file, line, raw, reason, detail) => ctx.rejectAt(file, line, raw, reason, detail),
      countIn: () => ctx.countIn(),
      header(names, skipped) { for (const n of names) if (types.has(n)) typedSeen.add(n); if (!skipped) headers++; },
    };
    const recordsOf = csvRecords(env);

    const readOne = async (file: string) => {
      const records = recordsOf(file);
      const scanner = new CsvScanner(delim, records, o.maxRecordBytes, undefined, o.lazyQuotes);
      const done = await readOwnInput(file, {
        space: () => ({ ...scanner.space(CHUNK), want: CHUNK }),
        commit: (n) => scanner.commit(n),
        push: (chunk) => scanner.push(chunk),
        skipped: () => records.skip,
        flush: () => out.flush(),
      }, ctx);
      if (done === true) scanner.end();
      else if (done === 'cut') scanner.cut();
      out.flush();
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
