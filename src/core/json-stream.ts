// A streaming reader of JSON texts over bytes, fed in chunks (from-json's engine): a JSON array, JSON
// documents one after another (pretty-printed or not, with or without whitespace between them) or
// NDJSON, split into their top-level elements, each checked by RFC 8259's grammar exactly as the core
// checks a line (core/fields.ts): strings without raw control characters and with JSON's escapes only,
// numbers without leading zeros, literals, nesting up to MAX_DEPTH within an element, valid UTF-8
// (RFC 3629), a byte order mark skipped at the start of the input.
//
// What an element is: the input is a sequence of top-level JSON values separated by optional
// whitespace (and RFC 7464's record separator, 0x1E, which `jq --seq` writes before each document). A top-level array is opened and each of its elements is an element; any other top-level
// value (an object, or a scalar) is one element itself. Only the top level is split: an array inside a
// top-level array is one element (not an object).
//
// Memory: the buffer holds the element being read (and the chunk it ends in), never the whole input;
// an element longer than `maxRecord` bytes is skipped (its first `maxRecord` bytes kept for the report).
// The reader is resumable at token boundaries: an element cut by a chunk end is read on from the token
// it stopped at when more bytes come.
//
// Errors and where reading resumes (RESYNCHRONISATION; README "from-json" states it for users). A
// broken element (or text between elements that is no JSON value, or an element not preceded by its
// comma) is reported once and skipped from its first byte up to the first of:
//   (1) BRACKETS, only for an element that starts in the middle of a line (single-line arrays,
//       concatenated documents on one line): the end of the element as its brackets and strings say
//       (followed as written, from the error on); for stray text (no open bracket), the next '{' (or,
//       outside an array, '['), or the array's next ',' or its ']';
//   (2) LINES, always: the next line that starts, after blanks, with '{' (or, outside an array, '[')
//       and is indented no deeper than the line where the broken element began, or in an array than
//       the line of its last element that began one (NDJSON lines, arrays with one element per line,
//       pretty-printed arrays and documents: jq ., JSON.stringify(x, null, 2)).
// While skipping, a string never runs past the end of its line (a valid string holds no raw LF), so a
// stray quote cannot swallow the lines after it. The reader goes on there as if an element had ended
// (after a '}' or ']'), a ',' had been read, or a new element or document starts.
import { isUtf8 } from 'node:buffer';
import { ESC, FieldReader, HEX, MAX_DEPTH, STR } from './fields.js';
import { badUtf8At } from './input.js';

const QUOTE = 34, BSL = 92, LBRACE = 123, RBRACE = 125, LBRACK = 91, RBRACK = 93, COMMA = 44, COLON = 58;
const LF = 10, CR = 13, SP = 32, TAB = 9, MINUS = 45, RS = 0x1e;

/** 1 for bytes that can start a JSON value */
const VALUE_START = new Uint8Array(256);
/** 1 for {}[],: */
const STRUCTURAL = new Uint8Array(256);
for (const c of '{}[],:') STRUCTURAL[c.charCodeAt(0)] = 1;
for (const c of '"-0123456789tfn{[') VALUE_START[c.charCodeAt(0)] = 1;

const isDigit = (c: number) => c >= 48 && c <= 57;

/** the core's reader that checks a whole object at once (fastElement), one for every stream reader: each
 *  FieldReader takes room in the SIMD kernel's fixed memory, and its read() leaves nothing behind that
 *  the next call needs */
const wholeReader = new FieldReader([]);

/** what a broken element is reported as */
export type StreamReason = 'malformed JSON' | 'record too long';

/** where a complete element lies (the object is reused between calls) */
export interface ElementInfo {
  /** 1-based line and byte column of its first byte */
  line: number;
  column: number;
  /** 0-based index in the top-level array, -1 for a top-level document */
  index: number;
  /** its first byte is '{' */
  object: boolean;
  /** it holds insignificant whitespace (a compact copy differs from its bytes) */
  ws: boolean;
}

export interface JsonStreamSink {
  /** a complete, valid element: buf[start, end) (valid until the next call) */
  element(buf: Buffer, start: number, end: number, info: ElementInfo): void;
  /** a broken element or stray text: its raw text (at most maxRecord bytes), the line of the error */
  bad(raw: Buffer, line: number, reason: StreamReason, detail: string): void;
}

// where the reader is between elements
const TOP = 0, A_FIRST = 1, A_AFTER = 2, A_NEXT = 3;
// inside an element: what comes next
const VALUE = 0, ARRAY_FIRST = 1, OBJECT_FIRST = 2, KEY = 3, COLON_NEXT = 4, AFTER = 5;
/** scan results */
const MORE = -1, DONE = -2, GO = -3;
/** token ends: incomplete (more bytes needed), malformed */
const INCOMPLETE = -1, BAD = -2;

function describe(c: number | undefined): string {
  if (c === undefined) return 'the end of the input';
  return c >= 33 && c < 127 ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}


/** what an element that is not an object is, and where (a `not a JSON object` rejection's detail) */
export function notObject(b: Buffer, s: number, info: ElementInfo): string {
  const c = b[s];
  const kind = c === LBRACK ? 'an array' : c === QUOTE ? 'a string' : c === 0x74 || c === 0x66 ? 'a boolean' : c === 0x6e ? 'null' : 'a number';
  return `${kind} (${info.index >= 0 ? `element ${info.index + 1} of the array, ` : ''}column ${info.column})`;
}

/**
 * Copy the valid JSON text b[s, e) to out[o...] without its insignificant whitespace (everything else
 * byte for byte: numbers, escapes and key order as written). Returns the new position in out (which
 * must have room for e - s bytes).
 */
export function compactInto(b: Buffer, s: number, e: number, out: Buffer, o: number): number {
  let i = s;
  while (i < e) {
    const c = b[i++];
    if (c === SP || c === LF || c === TAB || c === CR) continue;
    out[o++] = c;
    if (c !== QUOTE) continue;
    for (;;) { // a string, copied whole
      const d = b[i++];
      out[o++] = d;
      if (d === QUOTE) break;
      if (d === BSL) out[o++] = b[i++];
    }
  }
  return o;
}

/** is the valid JSON text b holds nested more than `levels` deep (arrays and objects)? */
export function nestedDeeper(b: Buffer, levels: number): boolean {
  let depth = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === QUOTE) { for (i++; b[i] !== QUOTE; i++) if (b[i] === BSL) i++; }
    else if (c === LBRACE || c === LBRACK) { if (++depth > levels) return true; }
    else if (c === RBRACE || c === RBRACK) depth--;
  }
  return false;
}

/** the valid JSON text b[s, e) without insignificant whitespace, as a Buffer */
export function compact(b: Buffer, s: number, e: number): Buffer {
  const out = Buffer.allocUnsafe(e - s);
  return out.subarray(0, compactInto(b, s, e, out, 0));
}

/**
 * The streaming reader. Feed it with space()/commit() (or push()), then end(). Elements and errors go
 * to the sink as they complete.
 */
export class JsonStreamReader {
  private buf: Buffer;
  private len = 0;
  /** scan position (a token boundary) */
  private pos = 0;
  /** absolute input offset of buf[0] */
  private base = 0;
  private line = 1;
  /** absolute offset where the current line starts */
  private lineStart = 0;
  /** only blanks so far on the current line; lineIndent counts them */
  private head = true;
  private lineIndent = 0;
  private bomChecked = false;
  private ended = false;

  // between elements
  private outer = TOP;
  private arrayLine = 0;
  /** the indentation of the line where the array opened */
  private arrayIndent = 0;
  private index = 0;

  // the element being read
  private inElem = false;
  private es = 0;
  private eLine = 0;
  private eCol = 0;
  private eAtHead = false;
  private eIndent = 0;
  /** the indentation of the array's last element that began a line (-1: none yet): a broken element
   *  indented less than its siblings is skipped up to the next line that starts like them too */
  private sibIndent = -1;
  private eWs = false;
  private depth = 0;
  private vstate = VALUE;
  private readonly stack = new Uint8Array(MAX_DEPTH + 1);
  /** where the last token that started a line (after blanks) in the element is */
  private headTok = -1;
  /** a broken token: what, where, inside a string */
  private errText = '';
  private errAt = 0;
  private errInStr = false;
  /** the fast way (fastElement): where no LF is before */
  private noLfBefore = 0;

  // skipping a broken element (see the file comment)
  private skipping = false;
  private kDepth = 0;
  private kInStr = false;
  private kEsc = false;
  /** where the string being skipped opened (-1: unknown), and whether the byte after a skipped string
   *  is yet to be seen: a string followed by anything but blanks, ':', ',', '}', ']' or a line end was no
   *  string (its opening quote was a stray one): skipping goes back to just after that quote */
  private kStrOpen = -1;
  private kAfterStr = false;
  /** rule (1) applies (else lines only) */
  private kBrackets = false;
  private kIndent = 0;
  private kStartLine = 0;
  /** the skipped text is an element (counted in the array's index), not stray text */
  private kElement = true;
  /** the broken text starts at buf[rawStart]; -1 once it was longer than maxRecord (rawHead holds its start) */
  private rawStart = -1;
  private rawHead: Buffer | null = null;
  private errLine = 0;
  private errReason: StreamReason = 'malformed JSON';
  private errDetail = '';

  private readonly info: ElementInfo = { line: 0, column: 0, index: -1, object: false, ws: false };

  /**
   * @param maxRecord the longest element (bytes) read; a longer one is skipped and reported
   * @param initial the buffer's first size
   */
  constructor(private readonly sink: JsonStreamSink, private readonly maxRecord = 16 << 20, initial = 1 << 18) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** bytes held that the reader has not finished with (the element being read and what follows it) */
  pending(): number { return this.len - this.keepFrom(); }

  /** the buffer's size (for tests of boundedness) */
  capacity(): number { return this.buf.length; }

  private keepFrom(): number {
    if (this.skipping) {
      const from = this.rawStart >= 0 ? this.rawStart : this.pos;
      return this.kStrOpen >= 0 && this.kStrOpen < from ? this.kStrOpen : from;
    }
    return this.inElem ? this.es : this.pos;
  }

  /** Room for at least n more bytes: returns the buffer and the offset to read into; then commit(count). */
  space(n: number): { buf: Buffer; at: number } {
    if (this.len + n > this.buf.length) {
      const from = this.keepFrom();
      const keep = this.len - from;
      if (keep + n <= this.buf.length && from > 0) {
        this.buf.copyWithin(0, from, this.len);
      } else {
        const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, keep + n));
        this.buf.copy(next, 0, from, this.len);
        this.buf = next;
      }
      this.shift(from);
      this.len = keep;
    }
    return { buf: this.buf, at: this.len };
  }

  /** the buffer's bytes before `from` were dropped: move the buffer indexes */
  private shift(from: number): void {
    this.base += from;
    this.pos -= from;
    this.es -= from;
    if (this.rawStart >= 0) this.rawStart -= from;
    if (this.kStrOpen >= 0) this.kStrOpen -= from;
  }

  /** n bytes were written at the offset space() gave */
  commit(n: number): void {
    this.len += n;
    this.run(false);
  }

  /** a chunk of input (copied) */
  push(chunk: Buffer): void {
    const { buf, at } = this.space(chunk.length);
    chunk.copy(buf, at);
    this.commit(chunk.length);
  }

  /** the end of the input */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.run(true);
  }

  private run(eof: boolean): void {
    if (!this.bomChecked) {
      if (this.len < 3 && !eof) return;
      this.bomChecked = true;
      const b = this.buf;
      if (this.len >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) { this.pos = 3; this.lineStart = 3; }
    }
    for (;;) {
      const r = this.skipping ? this.skip(eof) : this.inElem ? this.element(eof) : this.between(eof);
      if (r !== GO) break;
    }
    // nothing to keep between elements: start the buffer over (keeps the buffer small)
    if (!this.inElem && !this.skipping && this.pos === this.len) { this.shift(this.pos); this.len = 0; }
    // a broken text longer than maxRecord: keep its head only; a skipped string that long is not
    // gone back over
    if (this.skipping && this.rawStart >= 0 && this.len - this.rawStart > this.maxRecord) {
      this.rawHead = Buffer.from(this.buf.subarray(this.rawStart, this.rawStart + this.maxRecord));
      this.rawStart = -1;
    }
    if (this.skipping && this.kStrOpen >= 0 && this.len - this.kStrOpen > this.maxRecord) this.kStrOpen = -1;
  }

  private column(at: number): number { return this.base + at - this.lineStart + 1; }

  // ---- between elements ----

  private between(eof: boolean): number {
    const b = this.buf, len = this.len;
    let i = this.pos;
    for (;;) {
      while (i < len) {
        const c = b[i];
        if (c === SP || c === TAB || c === CR) { if (this.head) this.lineIndent++; i++; }
        else if (c === RS && this.outer === TOP) i++; // RFC 7464 JSON text sequences (jq --seq): RS before each document
        else if (c === 0xef && this.outer === TOP) {
          // a UTF-8 BOM between documents, as at the start: files saved with one and joined (`cat a.json
          // b.json`); its rest yet to come: wait for it
          if (i + 2 >= len && !eof) { this.pos = i; return DONE; }
          if (i + 2 < len && b[i + 1] === 0xbb && b[i + 2] === 0xbf) i += 3;
          else break;
        }
        else if (c === LF) { i++; this.line++; this.lineStart = this.base + i; this.head = true; this.lineIndent = 0; }
        else break;
      }
      this.pos = i;
      if (i >= len) {
        if (eof && this.outer !== TOP) {
          const raw = Buffer.from(this.outer === A_NEXT ? ',' : '');
          this.outer = TOP;
          this.sink.bad(raw, this.line, 'malformed JSON', `unexpected end of input: the array opened on line ${this.arrayLine} is not closed`);
        }
        return DONE;
      }
      const c = b[i];
      const outer = this.outer;
      if (outer === TOP) {
        if (c === LBRACK) { this.outer = A_FIRST; this.arrayLine = this.line; this.arrayIndent = this.lineIndent; this.sibIndent = -1; this.index = 0; this.head = false; i++; continue; }
        if (VALUE_START[c] === 1) { this.startElement(i); return GO; }
        return this.junk(i, `expected a JSON value but found ${describe(c)}`);
      }
      if (outer === A_AFTER) {
        if ((c === LBRACE || c === LBRACK) && this.head && this.lineIndent <= this.arrayIndent) {
          // a line that starts like the array's own line, where a ',' or ']' should be: the array is
          // not closed and a new document starts here (a stray '[' must not make the rest of an NDJSON
          // file its elements)
          this.outer = TOP;
          this.sink.bad(Buffer.alloc(0), this.line, 'malformed JSON', `the array opened on line ${this.arrayLine} is not closed before line ${this.line}, which starts a new document`);
          return GO;
        }
        if (c === COMMA) { this.outer = A_NEXT; this.head = false; i++; continue; }
        if (c === RBRACK) { this.outer = TOP; this.head = false; i++; continue; }
        if (VALUE_START[c] === 1) { // an element without its comma: rejected whole
          this.startElement(i);
          this.fail(`expected ',' or ']' after element ${this.index} of the array but found ${describe(c)}`, i, false);
          return GO;
        }
        return this.junk(i, `expected ',' or ']' after element ${this.index} of the array but found ${describe(c)}`);
      }
      // A_FIRST or A_NEXT: a value
      if (VALUE_START[c] === 1) { this.startElement(i); return GO; }
      if (c === RBRACK) {
        this.head = false;
        i++;
        this.pos = i;
        if (outer === A_FIRST) { this.outer = TOP; continue; }
        // a trailing comma: [1,]
        this.outer = TOP;
        this.sink.bad(Buffer.from(',]'), this.line, 'malformed JSON', `expected a value after ',' but found ']' at column ${this.column(i - 1)} (a trailing comma)`);
        return GO;
      }
      return this.junk(i, `expected a value but found ${describe(c)}`);
    }
  }

  private startElement(i: number): void {
    this.inElem = true;
    this.es = i;
    this.eLine = this.line;
    this.eCol = this.column(i);
    this.eAtHead = this.head;
    this.eIndent = this.lineIndent;
    this.eWs = false;
    this.depth = 0;
    this.vstate = VALUE;
    this.headTok = this.head ? i : -1;
    this.head = false;
    this.pos = i;
  }

  /** text that is no value where a value or separator should be: skip it by the rules */
  private junk(i: number, message: string): number {
    this.startElement(i);
    this.inElem = false;
    this.beginSkip(i, 0, false, 'malformed JSON', `${message} at column ${this.column(i)}`);
    this.kElement = false;
    return GO;
  }

  // ---- inside an element ----

  /** the element b[es, ...) is broken at `at` (inString: inside a string): report and skip it */
  private fail(text: string, at: number, inString: boolean): void {
    this.inElem = false;
    if (this.cutAt(text, at)) return;
    const where = this.line === this.eLine ? '' : ` (in the element from line ${this.eLine})`;
    let depth = this.depth, from = at;
    // the error is the element's first byte (a misplaced element): skip it whole
    if (at === this.es && !inString && (this.buf[at] === LBRACE || this.buf[at] === LBRACK)) { depth = 1; from = at + 1; }
    this.beginSkip(from, depth, inString, 'malformed JSON', `${text} at column ${this.column(at)}${where}`);
    // the error stands at the head of a later line: that line may be where reading resumes
    if (at === this.headTok && this.line > this.kStartLine) this.head = true;
  }

  /**
   * A broken element that spans lines, one of which (before the error) starts with '{' (or, outside an
   * array, '[') no deeper than the element's own line: the element was cut off there (a truncated NDJSON
   * line, a pretty-printed element missing its end) and that line starts the next element. Report the
   * element up to that line and read on from it. Only a broken element is looked at this way, so valid
   * JSON laid out in any way is read as the grammar says.
   */
  private cutAt(text: string, at: number): boolean {
    const b = this.buf, es = this.es, inArray = this.outer !== TOP;
    const errLine = this.line, errCol = this.column(at);
    let lf = b.indexOf(LF, es);
    while (lf >= 0 && lf < at) {
      let k = lf + 1;
      while (k < at && (b[k] === SP || b[k] === TAB || b[k] === CR)) k++;
      const c = b[k];
      if (k < at && k - lf - 1 <= this.resumeIndent(this.eIndent, inArray) && (c === LBRACE || (c === LBRACK && !inArray))) {
        let line = this.eLine;
        for (let j = es; j < lf; j++) if (b[j] === LF) line++;
        let e = lf;
        while (e > es && (b[e - 1] === SP || b[e - 1] === TAB || b[e - 1] === CR)) e--;
        const raw = Buffer.from(b.subarray(es, e));
        this.pos = k;
        this.line = line + 1;
        this.lineStart = this.base + lf + 1;
        this.head = true;
        this.lineIndent = k - lf - 1;
        this.outer = inArray ? A_NEXT : TOP;
        this.index++;
        this.sink.bad(raw, line, 'malformed JSON', `the element from line ${this.eLine} is not closed at the end of line ${line}, and line ${line + 1} starts the next one (read on as one element it fails: ${text} at line ${errLine}, column ${errCol})`);
        return true;
      }
      lf = b.indexOf(LF, lf + 1);
    }
    return false;
  }

  /** how deep a line that starts an element after a broken one (indented `own`) may be indented: no
   *  deeper than the broken one's line, or than its siblings' in an array (one indented less than
   *  them cost every element after it: no later line was that shallow) */
  private resumeIndent(own: number, inArray: boolean): number {
    return inArray && this.sibIndent > own ? this.sibIndent : own;
  }

  private beginSkip(from: number, depth: number, inString: boolean, reason: StreamReason, detail: string): void {
    this.skipping = true;
    this.kElement = true;
    this.kDepth = depth;
    this.kInStr = inString;
    this.kEsc = false;
    this.kStrOpen = -1;
    this.kAfterStr = false;
    this.kBrackets = !this.eAtHead;
    this.kIndent = this.eIndent;
    this.kStartLine = this.eLine;
    this.rawStart = this.es;
    this.rawHead = null;
    this.errLine = this.line;
    this.errReason = reason;
    this.errDetail = detail;
    this.head = false;
    this.pos = from;
  }

  private element(eof: boolean): number {
    const b = this.buf, stack = this.stack, es = this.es;
    const limit = es + this.maxRecord + 1;
    const end = Math.min(this.len, limit);
    const hard = eof && end === this.len; // the end of the input is the end
    let i = this.pos, depth = this.depth, state = this.vstate;
    if (depth === 0 && state === VALUE && b[i] === LBRACE) { // the whole object at once
      const e = this.fastElement(i, end);
      if (e > 0) return this.complete(e);
    }
    for (;;) {
      // blanks between tokens (none before the element's first byte)
      let c = b[i];
      if (depth > 0 && i < end && (c === SP || c === LF || c === TAB || c === CR)) {
        this.eWs = true;
        do {
          if (c === LF) { this.line++; this.lineStart = this.base + i + 1; this.head = true; this.lineIndent = 0; }
          else if (this.head) this.lineIndent++;
          c = b[++i];
        } while (i < end && (c === SP || c === LF || c === TAB || c === CR));
      }
      if (this.head && i < end) { this.headTok = i; this.head = false; } // (the blanks may have ended a chunk)
      if (i >= end) {
        this.pos = i; this.depth = depth; this.vstate = state;
        if (hard) { this.fail('unexpected end of input (the element is not closed)', i, false); return GO; }
        return this.needMore(end === limit);
      }
      let j: number;
      if (state === AFTER) {
        if (c === COMMA) { i++; state = stack[depth - 1] === LBRACE ? KEY : VALUE; continue; }
        if (c === RBRACE || c === RBRACK) {
          if (stack[depth - 1] === c - 2) { // '}' - 2 = '{', ']' - 2 = '['
            i++;
            if (--depth === 0) return this.complete(i);
            continue;
          }
          j = this.tokenError(`unexpected ${describe(c)}`, i, false);
        } else j = this.tokenError(`expected ',' or '${stack[depth - 1] === LBRACE ? '}' : ']'}' but found ${describe(c)}`, i, false);
      } else if (state === COLON_NEXT) {
        if (c === COLON) { i++; state = VALUE; continue; }
        j = this.tokenError(`expected ':' after a key but found ${describe(c)}`, i, false);
      } else if (state === OBJECT_FIRST || state === KEY) {
        if (c === QUOTE) {
          j = this.stringEnd(i, end, hard);
          if (j >= 0) { i = j; state = COLON_NEXT; continue; }
        } else if (c === RBRACE && state === OBJECT_FIRST) {
          i++;
          if (--depth === 0) return this.complete(i);
          state = AFTER; continue;
        } else j = this.tokenError(state === KEY ? `expected a key after ',' but found ${describe(c)}` : `expected a key or '}' but found ${describe(c)}`, i, false);
      } else { // VALUE or ARRAY_FIRST
        if (c === QUOTE) j = this.stringEnd(i, end, hard);
        else if (c === LBRACE || c === LBRACK) {
          if (depth < MAX_DEPTH) {
            stack[depth++] = c; i++;
            state = c === LBRACE ? OBJECT_FIRST : ARRAY_FIRST;
            continue;
          }
          j = this.tokenError(`nested deeper than ${MAX_DEPTH} levels`, i, false);
        } else if (c === MINUS || isDigit(c)) j = this.numberEnd(i, end, hard);
        else if (c === 116 || c === 102 || c === 110) j = this.literalEnd(i, end, hard);
        else if (c === RBRACK && state === ARRAY_FIRST) {
          i++;
          if (--depth === 0) return this.complete(i);
          state = AFTER; continue;
        } else j = this.tokenError(`expected a value but found ${describe(c)}`, i, false);
        if (j >= 0) {
          i = j;
          if (depth === 0) return this.complete(i);
          state = AFTER;
          continue;
        }
      }
      // the token at i is incomplete or broken
      this.pos = i; this.depth = depth; this.vstate = state;
      if (j === INCOMPLETE) return this.needMore(end === limit);
      this.fail(this.errText, this.errAt, this.errInStr);
      return GO;
    }
  }

  /**
   * The fast way for an object: find its end without checking (the line's end for an object that is a
   * line of its own, NDJSON or an array of lines; else its closing brace by brackets and quotes, strings
   * crossed by native searches for '"'), then check the whole of it at once with the core's reader (its
   * SIMD walk: the same answers as the byte walk, test/unit/scan-wasm.test.mjs). Returns its end, or 0
   * when that does not give one valid object: then the byte walk reads the element and finds where and
   * why it is broken.
   */
  private fastElement(s: number, end: number): number {
    const b = this.buf, reader = wholeReader;
    let e = 0;
    if (this.base + s >= this.noLfBefore) {
      const lf = b.indexOf(LF, s);
      if (lf < 0 || lf >= this.len) this.noLfBefore = this.base + this.len;
      else if (lf < end) {
        e = lf;
        while (e > s && (b[e - 1] === SP || b[e - 1] === TAB || b[e - 1] === CR)) e--;
        if (this.outer !== TOP && b[e - 1] === COMMA) {
          e--;
          while (e > s && (b[e - 1] === SP || b[e - 1] === TAB || b[e - 1] === CR)) e--;
        }
        if (b[e - 1] !== RBRACE || !reader.read(b, s, e) || reader.objEnd !== e) e = 0;
      }
    }
    if (e === 0) {
      e = this.objectEnd(s, end);
      if (e === 0 || !reader.read(b, s, e) || reader.objEnd !== e) return 0;
    }
    // insignificant whitespace: an LF, TAB or CR (never raw in a valid string), or a run of spaces next
    // to one of {}[],: (between two tokens there always is one; a space inside a string that sits next
    // to one only costs the compacting copy)
    const text = b.subarray(s, e);
    let lf = text.indexOf(LF), ws = lf >= 0 || text.indexOf(TAB) >= 0 || text.indexOf(CR) >= 0;
    for (let k = ws ? -1 : text.indexOf(SP); k >= 0; k = text.indexOf(SP, k)) {
      let r = k + 1;
      while (text[r] === SP) r++;
      if (STRUCTURAL[text[k - 1]] === 1 || STRUCTURAL[text[r]] === 1) { ws = true; break; }
      k = r;
    }
    this.eWs = ws;
    if (lf >= 0) { // lines inside the element: where the line after its last LF starts
      let last = lf;
      for (; lf >= 0; lf = text.indexOf(LF, lf + 1)) { this.line++; last = lf; }
      const ls = s + last + 1;
      this.lineStart = this.base + ls;
      let k = ls;
      while (b[k] === SP || b[k] === TAB || b[k] === CR) k++;
      this.lineIndent = k - ls;
    }
    return e;
  }

  /** b[s] is '{' or '[': the index after its closing bracket by brackets and quotes only, 0 when it does
   *  not close before `end` */
  private objectEnd(s: number, end: number): number {
    const b = this.buf;
    let depth = 0, i = s;
    while (i < end) {
      const c = b[i];
      if (c === QUOTE) {
        let j = i + 1;
        for (;;) {
          j = b.indexOf(QUOTE, j);
          if (j < 0 || j >= end) return 0;
          let k = j - 1;
          while (b[k] === BSL) k--;
          if (((j - 1 - k) & 1) === 0) break; // not escaped
          j++;
        }
        i = j + 1;
        continue;
      }
      if (c === LBRACE || c === LBRACK) depth++;
      else if ((c === RBRACE || c === RBRACK) && --depth === 0) return i + 1;
      i++;
    }
    return 0;
  }

  /** a broken token: note the error for fail() */
  private tokenError(text: string, at: number, inString: boolean): number {
    this.errText = text; this.errAt = at; this.errInStr = inString;
    return BAD;
  }

  /** the element goes on past the bytes at hand: wait for more, or (past maxRecord) skip it */
  private needMore(atLimit: boolean): number {
    if (!atLimit) return MORE;
    this.inElem = false;
    this.beginSkip(this.pos, this.depth, false, 'record too long', `the element does not end within ${this.maxRecord} bytes (--max-record-bytes): skipped, its first ${this.maxRecord} bytes kept`);
    this.kBrackets = true; // a valid element ends where its brackets say
    this.errLine = this.eLine;
    return GO;
  }

  /** i at an opening quote: the index after the closing quote, INCOMPLETE or BAD (noted) */
  private stringEnd(i: number, end: number, hard: boolean): number {
    const b = this.buf;
    let j = i + 1;
    for (;;) {
      if (j >= end) { if (hard) return this.tokenError('unterminated string', i, false); return INCOMPLETE; }
      const k = STR[b[j]];
      if (k === 0) { j++; continue; }
      if (k === 1) return j + 1;
      if (k === 3) return this.tokenError('control character in a string (write it as \\u00XX)', j, true);
      // a backslash
      if (j + 1 >= end) { if (hard) return this.tokenError('unterminated string', i, false); return INCOMPLETE; }
      const e = ESC[b[j + 1]];
      if (e === 0) return this.tokenError('bad escape in a string', j, true);
      if (e === 1) { j += 2; continue; }
      for (let h = 2; h < 6; h++) {
        if (j + h >= end) { if (hard) return this.tokenError('bad \\u escape in a string', j, true); return INCOMPLETE; }
        if (HEX[b[j + h]] === 0) return this.tokenError('bad \\u escape in a string', j, true);
      }
      j += 6;
    }
  }

  /** i at '-' or a digit: the index after the number, INCOMPLETE or BAD (noted); a number needs the
   *  byte after it (or the end of the input) to be complete */
  private numberEnd(i: number, end: number, hard: boolean): number {
    const b = this.buf, s = i;
    if (b[i] === MINUS) i++;
    if (i >= end) return hard ? this.badNumber(s) : INCOMPLETE;
    if (b[i] === 48) {
      i++;
      if (i < end && isDigit(b[i])) return this.tokenError('number with a leading zero', s, false);
    } else if (isDigit(b[i])) {
      while (i < end && isDigit(b[i])) i++;
    } else return this.badNumber(s);
    if (i >= end) return hard ? i : INCOMPLETE;
    if (b[i] === 46) {
      i++;
      if (i >= end) return hard ? this.badNumber(s) : INCOMPLETE;
      if (!isDigit(b[i])) return this.badNumber(s);
      while (i < end && isDigit(b[i])) i++;
      if (i >= end) return hard ? i : INCOMPLETE;
    }
    if (b[i] === 101 || b[i] === 69) {
      i++;
      if (i < end && (b[i] === 43 || b[i] === MINUS)) i++;
      if (i >= end) return hard ? this.badNumber(s) : INCOMPLETE;
      if (!isDigit(b[i])) return this.badNumber(s);
      while (i < end && isDigit(b[i])) i++;
      if (i >= end) return hard ? i : INCOMPLETE;
    }
    return i;
  }

  private badNumber(s: number): number { return this.tokenError('bad number', s, false); }

  /** i at 't', 'f' or 'n': the index after the literal, INCOMPLETE or BAD (noted) */
  private literalEnd(i: number, end: number, hard: boolean): number {
    const b = this.buf, c = b[i];
    const word = c === 116 ? 'true' : c === 102 ? 'false' : 'null';
    for (let k = 1; k < word.length; k++) {
      if (i + k >= end) { if (hard) break; return INCOMPLETE; }
      if (b[i + k] !== word.charCodeAt(k)) break;
      if (k === word.length - 1) return i + word.length;
    }
    return this.tokenError('unexpected character', i, false);
  }

  /** the element b[es, e) is complete and valid by the grammar: check UTF-8, hand it over */
  private complete(e: number): number {
    const b = this.buf, es = this.es;
    this.inElem = false;
    this.pos = e;
    this.head = false;
    const index = this.outer === TOP ? -1 : this.index;
    if (this.outer !== TOP && this.eAtHead) this.sibIndent = this.eIndent;
    this.outer = this.outer === TOP ? TOP : A_AFTER;
    if (e - es > this.maxRecord) {
      this.index++;
      this.sink.bad(Buffer.from(b.subarray(es, es + this.maxRecord)), this.eLine, 'record too long', `the element does not end within ${this.maxRecord} bytes (--max-record-bytes): skipped, its first ${this.maxRecord} bytes kept`);
      return GO;
    }
    if (!isUtf8(b.subarray(es, e))) {
      const at = badUtf8At(b, es, e);
      let line = this.eLine, ls = es - this.eCol + 1;
      for (let k = es; k < at; k++) if (b[k] === LF) { line++; ls = k + 1; }
      this.index++;
      this.sink.bad(Buffer.from(b.subarray(es, e)), line, 'malformed JSON', `invalid UTF-8 at column ${at - ls + 1}${line === this.eLine ? '' : ` (in the element from line ${this.eLine})`}`);
      return GO;
    }
    const info = this.info;
    info.line = this.eLine; info.column = this.eCol; info.index = index; info.object = b[es] === LBRACE; info.ws = this.eWs;
    this.index++;
    this.sink.element(b, es, e, info);
    return GO;
  }

  // ---- skipping a broken element ----

  private skip(eof: boolean): number {
    const b = this.buf, len = this.len, inArray = this.outer !== TOP;
    let i = this.pos;
    while (i < len) {
      const c = b[i];
      if (this.head) { // the head of a line after the one where the broken element began
        if (c === SP || c === TAB || c === CR) { this.lineIndent++; i++; continue; }
        if (c !== LF) {
          this.head = false;
          if ((c === LBRACE || (c === LBRACK && !inArray)) && this.lineIndent <= this.resumeIndent(this.kIndent, inArray)) {
            this.head = true; // the element starts a line
            return this.resync(i, i, inArray ? A_NEXT : TOP);
          }
        }
      }
      if (this.kInStr) {
        if (c === LF) { this.kInStr = false; this.kEsc = false; this.kStrOpen = -1; } // a string never runs past its line
        else {
          i++;
          if (this.kEsc) this.kEsc = false;
          else if (c === BSL) this.kEsc = true;
          else if (c === QUOTE) { this.kInStr = false; this.kAfterStr = this.kStrOpen >= 0; }
          continue;
        }
      }
      if (this.kAfterStr) {
        if (c === SP || c === TAB || c === CR) { i++; continue; }
        this.kAfterStr = false;
        if (c !== COLON && c !== COMMA && c !== RBRACE && c !== RBRACK && c !== LF) { i = this.kStrOpen + 1; this.kStrOpen = -1; continue; }
        this.kStrOpen = -1;
      }
      if (c === LF) { i++; this.line++; this.lineStart = this.base + i; this.head = true; this.lineIndent = 0; continue; }
      i++;
      if (!this.kBrackets) continue;
      if (c === QUOTE) { this.kInStr = true; this.kStrOpen = i - 1; continue; }
      if (this.kDepth === 0) { // stray text: up to where an element or separator can stand
        if (c === LBRACE || (c === LBRACK && !inArray)) return this.resync(i - 1, i - 1, inArray ? A_NEXT : TOP);
        if (inArray && c === COMMA) return this.resync(i - 1, i, A_NEXT);
        if (inArray && c === RBRACK) return this.resync(i - 1, i, TOP);
        continue;
      }
      if (c === LBRACE || c === LBRACK) this.kDepth++;
      else if ((c === RBRACE || c === RBRACK) && --this.kDepth === 0) return this.resync(i, i, inArray ? A_AFTER : TOP);
    }
    this.pos = i;
    if (!eof) return MORE;
    return this.resync(len, len, TOP); // the error already says the input ended; no second report for the array
  }

  /** the broken text ends at `rawEnd`; reading goes on at `next` in state `outer` */
  private resync(rawEnd: number, next: number, outer: number): number {
    const b = this.buf;
    let raw: Buffer;
    if (this.rawStart >= 0) {
      // (the broken text without the blanks after it; when those end its line, the line's own bytes up
      // to its LF: a CR before the LF kept, as every tool keeps a rejected line's bytes)
      const end = Math.min(rawEnd, this.rawStart + this.maxRecord);
      let e = end;
      while (e > this.rawStart && (b[e - 1] === SP || b[e - 1] === TAB || b[e - 1] === CR || b[e - 1] === LF)) e--;
      const nl = b.indexOf(LF, e);
      if (nl >= 0 && nl < end) e = nl;
      raw = Buffer.from(b.subarray(this.rawStart, e));
    } else raw = this.rawHead ?? Buffer.alloc(0);
    this.skipping = false;
    this.kStrOpen = -1;
    this.rawStart = -1;
    this.rawHead = null;
    this.pos = next;
    this.outer = outer;
    if (this.kElement) this.index++;
    this.sink.bad(raw, this.errLine, this.errReason, this.errDetail);
    return GO;
  }
}
