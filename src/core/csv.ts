// A strict RFC 4180 reader over bytes, fed in chunks (memory bounded by the longest record).
//
// Grammar (RFC 4180, plus what real files need):
//   record  = field *(DELIM field), ended by CRLF, LF, or the end of the input (a last line without a
//             terminator is a record); CRLF and LF may be mixed in one file. A CR anywhere else outside
//             quotes is an error: no CR ever ends up in a value unless it was inside quotes.
//   field   = quoted / unquoted; quoted = '"' *(any byte except '"', or '""') '"', followed directly by
//             DELIM, the record's end or the input's end; unquoted = bytes other than DELIM, '"', CR, LF.
//   blank lines (nothing between two terminators) are skipped; a UTF-8 BOM at the input's start is skipped.
//
// Bad input and how the reader recovers (no bad record can cost another record):
//   - a MALFORMED record (a quote inside an unquoted field, text after a closing quote, a stray CR, a
//     quoted field not closed by the end of the input) rejects the text of the line where the record
//     starts, alone, and reading starts again on the next line. So a stray opening quote that would
//     otherwise swallow everything up to the next quote (or the end of the file) costs exactly one
//     line: the lines after it are read again as records of their own.
//   - a record is TOO LONG when the reader has to look more than `maxRecord` + 1 bytes past its start
//     to find its end or its flaw (a record of up to `maxRecord` bytes without its line end is always
//     read); it is handled like a malformed one, and a first line longer than `maxRecord` is skipped to
//     its end (its first `maxRecord` bytes are reported). Decided by byte positions only, so the same
//     input gives the same records however it is cut into chunks (a property the tests check).
//   - a well-formed record is handed over whole (lines `line`..`endLine`), with `utf8` telling whether its
//     bytes are valid UTF-8; the caller decides about field counts and values.
import { isUtf8 } from 'node:buffer';
import { clipChars } from './json.js';

const QUOTE = 0x22, LF = 0x0a, CR = 0x0d;

/** why a record is malformed (the counted reason) */
export type CsvProblem = 'stray quote' | 'text after closing quote' | 'stray CR' | 'unclosed quote' | 'record too long' | 'cut record';

/** One well-formed record; the object and its arrays are reused: copy what you keep. */
export interface CsvRecord {
  /** the bytes; the record is buf[start, end) without its terminator */
  buf: Buffer;
  start: number;
  end: number;
  /** 1-based lines where the record starts and ends (they differ when a quoted field holds a newline) */
  line: number;
  endLine: number;
  /** number of fields; field i is buf[starts[i], ends[i]) (inside the quotes for a quoted field) */
  count: number;
  starts: Int32Array;
  ends: Int32Array;
  /** per field: 0 unquoted, 1 quoted, 2 quoted and holding doubled quotes ("") to undo */
  quoted: Uint8Array;
  /** the record's bytes are valid UTF-8 */
  utf8: boolean;
  /** it was ended by CR LF (--rejects keeps the CR: buf[start, end + 1)) */
  cr: boolean;
}

/** A malformed record: buf[start, end) is the text of its first line (without the terminator). */
export interface CsvMalformed {
  buf: Buffer;
  start: number;
  end: number;
  line: number;
  problem: CsvProblem;
  detail: string;
  /** the detail without what the reader does next (a header that cannot be read skips its file) */
  finding: string;
  /** its line was ended by CR LF */
  cr: boolean;
}

export interface CsvSink {
  record(r: CsvRecord): void;
  malformed(m: CsvMalformed): void;
}

/** the text of field i (UTF-8, doubled quotes undone) */
export function fieldText(r: CsvRecord, i: number): string {
  const s = r.buf.toString('utf8', r.starts[i], r.ends[i]);
  return r.quoted[i] === 2 ? s.replaceAll('""', '"') : s;
}

/** rejectLine(): the line's end is not at hand yet */
const MORE = -1;

export class CsvScanner {
  private buf: Buffer;
  private len = 0;
  private pos = 0;
  private line = 1;
  /** bytes [pos, validTo) are known to be valid UTF-8; records ending before checkTo are checked one by one */
  private validTo = 0;
  private checkTo = 0;
  private atStart = true;
  /** skipping the rest of a too-long line */
  private discarding = false;
  private ended = false;
  private readonly rec: CsvRecord;
  /** the bytes that end an unquoted field's text: the delimiter, '"' (unless lazyQuotes), CR, LF */
  private readonly stop = new Uint8Array(256);
  private readonly bad: CsvMalformed;

  /**
   * @param delim the delimiter byte (not '"', CR or LF)
   * @param maxRecord the longest record (bytes) the reader buffers before it gives up on it
   */
  constructor(private readonly delim: number, private readonly sink: CsvSink, private readonly maxRecord = 16 << 20, initial = 1 << 18, lazyQuotes = false) {
    if (delim === QUOTE || delim === CR || delim === LF || delim < 0 || delim > 0x7f) throw new RangeError('the delimiter must be one ASCII character other than \'"\', CR and LF');
    this.buf = Buffer.allocUnsafe(initial);
    // (lazyQuotes: a '"' inside an unquoted field is one of its characters, as Go's LazyQuotes and
    // Python's csv read it; a field that starts with one is quoted as ever)
    for (const c of lazyQuotes ? [delim, CR, LF] : [delim, QUOTE, CR, LF]) this.stop[c] = 1;
    this.rec = { buf: this.buf, start: 0, end: 0, line: 0, endLine: 0, count: 0, starts: new Int32Array(64), ends: new Int32Array(64), quoted: new Uint8Array(64), utf8: true, cr: false };
    this.bad = { buf: this.buf, start: 0, end: 0, line: 0, problem: 'stray quote', detail: '', finding: '', cr: false };
  }

  /** Room for at least n more bytes: returns the buffer and the offset to read into; then commit(count). */
  space(n: number): { buf: Buffer; at: number } {
    if (this.len + n > this.buf.length) {
      const keep = this.len - this.pos;
      if (keep + n <= this.buf.length && this.pos > 0) {
        this.buf.copyWithin(0, this.pos, this.len);
      } else {
        const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, keep + n));
        this.buf.copy(next, 0, this.pos, this.len);
        this.buf = next;
        this.rec.buf = next;
        this.bad.buf = next;
      }
      this.validTo = Math.max(0, this.validTo - this.pos);
      this.checkTo = Math.max(0, this.checkTo - this.pos);
      this.len = keep;
      this.pos = 0;
    }
    return { buf: this.buf, at: this.len };
  }

  /** n bytes were written at the offset space() gave: read the records they complete */
  commit(n: number): void {
    this.len += n;
    this.scan(false);
  }

  /** a chunk of input (copied) */
  push(chunk: Buffer): void {
    const { buf, at } = this.space(chunk.length);
    chunk.copy(buf, at);
    this.commit(chunk.length);
  }

  /** the end of the input: the rest is the last record */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.scan(true);
    this.len = this.pos = this.validTo = this.checkTo = 0;
  }

  /** the input failed midway (a damaged gzip file): the records it ended are read; the rest, a record
   *  without its end, is rejected by its first line (it may be cut inside a value: `196` of `1961234`,
   *  which reads as well as the whole) */
  cut(): void {
    if (this.ended) return;
    this.scan(false);
    this.ended = true;
    if (!this.discarding && this.pos < this.len) {
      const start = this.pos;
      this.rejectLine(start, this.line, 'cut record', 'the input failed before the end of this record', true);
    }
    this.len = this.pos = this.validTo = this.checkTo = 0;
  }

  /** whether the record ending at `end` (starting at `start`) is valid UTF-8; validates ahead in bulk */
  private utf8(start: number, end: number, eof: boolean): boolean {
    if (end <= this.validTo) return true;
    if (end <= this.checkTo) return isUtf8(this.buf.subarray(start, end));
    // validate from this record up to the last newline in the buffer (a LF is never inside a UTF-8
    // sequence) in one call; a failure there leaves the records to be checked one by one
    const from = Math.max(start, this.validTo);
    let to = eof ? this.len : this.buf.lastIndexOf(LF, this.len - 1);
    if (to < end) to = end;
    if (isUtf8(this.buf.subarray(from, to))) { this.validTo = to; return true; }
    this.checkTo = to;
    return isUtf8(this.buf.subarray(start, end));
  }

  /**
   * Reject the record starting at `start` by its first line alone and resume on the next line; a first
   * line longer than maxRecord is rejected as too long (its first maxRecord bytes kept) and skipped to
   * its end, however far that is. MORE when that line's end is not at hand yet.
   */
  private rejectLine(start: number, line: number, problem: CsvProblem, detail: string, eof: boolean, finding = detail): number {
    const b = this.buf, len = this.len, max = this.maxRecord;
    let lf = b.indexOf(LF, start);
    if (lf >= len) lf = -1;
    if (lf < 0 && !eof && len - start <= max) return MORE;
    const m = this.bad;
    m.line = line; m.start = start; m.cr = false;
    if ((lf < 0 ? len : lf) - start > max) {
      m.end = start + max; m.problem = 'record too long';
      m.detail = m.finding = `line longer than ${max} bytes (--max-record-bytes): skipped, its first ${max} bytes kept`;
      if (lf < 0 && !eof) { this.discarding = true; this.pos = len; this.line = line; this.sink.malformed(m); return MORE; }
    } else {
      m.end = lf < 0 ? len : lf;
      if (m.end > start && b[m.end - 1] === CR) { m.end--; m.cr = true; }
      m.problem = problem; m.detail = detail; m.finding = finding;
    }
    const next = lf < 0 ? len : lf + 1;
    this.pos = next; this.line = line + 1;
    this.sink.malformed(m);
    return next;
  }

  private grow(): void {
    const r = this.rec, n = r.starts.length * 2;
    const s = new Int32Array(n); s.set(r.starts); r.starts = s;
    const e = new Int32Array(n); e.set(r.ends); r.ends = e;
    const q = new Uint8Array(n); q.set(r.quoted); r.quoted = q;
  }

  private scan(eof: boolean): void {
    const b = this.buf, len = this.len, delim = this.delim, rec = this.rec, stop = this.stop;
    if (this.discarding) {
      const lf = b.indexOf(LF, this.pos);
      if (lf < 0 || lf >= len) { this.pos = this.len = this.validTo = this.checkTo = 0; return; }
      this.discarding = false;
      this.pos = lf + 1;
      this.line++;
    }
    if (this.atStart) {
      if (len - this.pos < 3 && !eof && (len === this.pos || b[this.pos] === 0xef)) return;
      this.atStart = false;
      if (len - this.pos >= 3 && b[this.pos] === 0xef && b[this.pos + 1] === 0xbb && b[this.pos + 2] === 0xbf) {
        this.pos += 3;
        if (this.validTo < this.pos) this.validTo = this.pos;
      }
    }
    let pos = this.pos, line = this.line;
    records: while (pos < len) {
      if (this.discarding) return;
      // a blank line
      let c = b[pos];
      if (c === LF) { pos++; line++; continue; }
      if (c === CR) {
        if (pos + 1 >= len) { if (!eof) break; pos++; continue; }
        if (b[pos + 1] === LF) { pos += 2; line++; continue; }
      }
      const start = pos;
      let p = pos, ln = line, nf = 0, end = 0, next = 0;
      let problem: CsvProblem | null = null, detail = '', k = 0; // k: the last byte looked at (len for the end of the input)
      fields: for (;;) {
        if (nf === rec.starts.length) this.grow();
        if (p < len && b[p] === QUOTE) {
          let q = p + 1, flag = 1;
          for (;;) {
            while (q < len) {
              const x = b[q];
              if (x === QUOTE) break;
              if (x === LF) ln++;
              q++;
            }
            if (q + 1 >= len && !eof) break fields; // the closing quote (or what follows it) is yet to come
            if (q >= len) {
              problem = 'unclosed quote'; k = len;
              detail = `the quoted field ${nf + 1} is not closed by the end of the input`;
              if (b[len - 1] === LF) ln--; // the input's last line is the one before its final newline
              break fields;
            }
            if (q + 1 < len && b[q + 1] === QUOTE) { flag = 2; q += 2; continue; }
            break;
          }
          rec.starts[nf] = p + 1; rec.ends[nf] = q; rec.quoted[nf] = flag; nf++;
          p = q + 1;
          if (p >= len) { end = next = len; break; } // the end of the input
          c = b[p];
          if (c === delim) { p++; continue; }
          if (c === LF) { end = p; next = p + 1; break; }
          if (c === CR && p + 1 < len && b[p + 1] === LF) { end = p; next = p + 2; break; }
          if (c === CR && p + 1 >= len) { if (!eof) break fields; end = p; next = len; break; }
          problem = 'text after closing quote'; k = c === CR ? p + 1 : p;
          detail = `${show(b, p, len)} after the closing quote of field ${nf}`;
          break;
        } else {
          let q = p;
          while (q < len && stop[b[q]] === 0) q++;
          rec.starts[nf] = p; rec.ends[nf] = q; rec.quoted[nf] = 0; nf++;
          if (q >= len) { if (!eof) break fields; end = next = len; break; }
          c = b[q];
          if (c === delim) { p = q + 1; continue; }
          if (c === LF) { end = q; next = q + 1; break; }
          if (c === CR) {
            if (q + 1 >= len) { if (!eof) break fields; end = q; next = len; break; }
            if (b[q + 1] === LF) { end = q; next = q + 2; break; }
            problem = 'stray CR'; k = q + 1;
            detail = `a CR not followed by LF in field ${nf} (a CR belongs inside quotes or before LF)`;
            break;
          }
          problem = 'stray quote'; k = q;
          detail = `'"' inside the unquoted field ${nf} (a field with quotes must be quoted whole, its quotes doubled)`;
          break;
        }
      }
      // a record is too long when the reader has to look more than maxRecord + 1 bytes past its start
      // to find its end (or its flaw): decided by positions, so the same whatever the chunks. A record
      // of up to maxRecord bytes (without its terminator) is always read.
      const max = this.maxRecord;
      if (problem === null) {
        if (next === 0) {
          // the record goes on past the bytes at hand (a CR last may be a CRLF's: the LF decides)
          if (len - start <= max + 1 || (len - start === max + 2 && b[len - 1] === CR)) break records;
          problem = 'record too long'; k = len;
        } else k = next === len && b[len - 1] !== LF ? len : next - 1; // ended by the end of the input: looked at len
      }
      // (the CR of a CRLF ending is the line end's: the same record was read with LF and too long with
      // CRLF at the bound)
      if ((problem === null && k > start && k < len && b[k] === LF && b[k - 1] === CR ? k - 1 : k) - start > max + 1) {
        problem = 'record too long';
        detail = `the record does not end within ${max} bytes (--max-record-bytes)`;
      }
      if (problem === 'record too long') {
        // (the line on which the bound was passed: the lines counted so far ran to the end of the bytes at
        // hand, so the "found on line" said depended on how the input came, a file or a pipe)
        ln = line;
        for (let i = start, e = Math.min(len, start + max + 1); i < e; i++) if (b[i] === LF) ln++;
      }
      if (problem !== null) {
        let finding = detail;
        if (ln > line) {
          const stray = `${detail}, found on line ${ln} (a quote opened on line ${line} may be stray`;
          finding = `${stray})`;
          detail = `${stray}: line ${line} is rejected alone, reading resumes on line ${line + 1})`;
        }
        const r = this.rejectLine(start, line, problem, detail, eof, finding);
        if (r === MORE) break records;
        pos = r; line++;
        continue;
      }
      rec.start = start; rec.end = end; rec.line = line; rec.endLine = ln; rec.count = nf;
      rec.cr = next === end + 2;
      rec.utf8 = this.utf8(start, end, eof);
      pos = next; line = ln + 1;
      this.pos = pos; this.line = line;
      this.sink.record(rec);
    }
    if (!this.discarding) { this.pos = pos; this.line = line; }
  }
}

/** a few characters at p, for a message: up to 10, whole (a 12-byte window cut the character at its
 *  end in half, "a日本語�", and said nothing of the text after it) */
function show(b: Buffer, p: number, len: number): string {
  return JSON.stringify(clipChars(b.toString('utf8', p, Math.min(len, p + 48)).split(/[\r\n]/)[0], 10));
}

/** the delimiter byte of the options (check() has vetted them) */
export function delimiterOf(o: { delimiter: string; tsv: boolean }): number {
  return (o.tsv || o.delimiter === '\\t' ? '\t' : o.delimiter).charCodeAt(0);
}

/** the check of --delimiter/--tsv (from-csv and to-csv) */
export function checkDelimiter(o: { delimiter: string; tsv: boolean }): string | undefined {
  const d = o.delimiter;
  if (typeof d !== 'string' || d === '') return `--delimiter takes one character (got '')`;
  if (o.tsv && d !== ',' && d !== '\t' && d !== '\\t') return `--tsv and --delimiter '${d}' disagree: give one of them`;
  const c = d === '\\t' ? '\t' : d;
  if (c.length !== 1) return `--delimiter takes one character (got '${d}'; "\\t" is a tab)`;
  if (c === '"' || c === '\r' || c === '\n' || c.charCodeAt(0) > 0x7f) return `--delimiter must be one ASCII character other than '"', CR and LF (got ${JSON.stringify(d)})`;
  return undefined;
}
