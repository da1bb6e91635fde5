// The shared field reader: checks a whole NDJSON line by JSON's grammar (RFC 8259) and finds the few
// fields a tool needs without building the record. A line is either valid and read, or rejected with
// a reason; nothing is re-parsed or re-serialised behind a tool's back.
//
// The walk: the SIMD kernel (simd-scan.ts) when it can prove the answer is the one below, else one
// strict state machine here, byte by byte: objects, arrays, strings (no raw control characters, only
// JSON's escapes), numbers (-?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?), literals, blanks (space, tab, CR), and
// nesting up to MAX_DEPTH. UTF-8 validity is checked by the input reader for whole chunks (input.ts).
// JSON's structural bytes are ASCII and UTF-8 continuation bytes are >= 0x80, so byte offsets are safe.
import { BigNum, NUMBER as NUMBER_TEXT, canonicalNumber, getPath, numberOf, parseDigits, parseJson, splitPath, stringify } from './json.js';
import { EventScan, TopScan, UNSURE } from './simd-scan.js';

/** EVENT_PIPES_BATCH=0: every line read one at a time (tests compare the two) */
const BATCH = process.env.EVENT_PIPES_BATCH !== '0';

const QUOTE = 34, BSL = 92, LBRACE = 123, RBRACE = 125, LBRACK = 91, RBRACK = 93, COMMA = 44, COLON = 58;

/** deepest nesting of arrays and objects accepted in a line (RFC 8259 section 9 allows a limit) */
export const MAX_DEPTH = 1024;

/** a walk's failure; why() tells the reason and where */
export const MALFORMED = -1;
let whyText = '';
let whyAt = 0;
function fail(text: string, at: number): number { whyText = text; whyAt = at; return MALFORMED; }
/** the reason of the last MALFORMED, with its column relative to `start` (1-based) */
export function why(start: number): string { return `${whyText} at column ${whyAt - start + 1}`; }

const isBlank = (c: number) => c === 32 || c === 9 || c === 13 || c === 10;

export function skipWs(b: Buffer, i: number, end: number): number {
  while (i < end && isBlank(b[i])) i++;
  return i;
}

// bytes inside a string: 0 plain, 1 the closing quote, 2 a backslash, 3 a control character (the
// grammar's tables, shared with the stream reader of json-stream.ts)
export const STR = new Uint8Array(256);
for (let c = 0; c < 32; c++) STR[c] = 3;
STR[QUOTE] = 1; STR[BSL] = 2;
// what may follow a backslash: 1 a one-byte escape, 2 'u'
export const ESC = new Uint8Array(256);
for (const c of '"\\/bfnrt') ESC[c.charCodeAt(0)] = 1;
ESC[117] = 2;
export const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;

/** set by stringEnd: whether the string had an escape */
let escaped = false;

/** i at an opening quote: the index after the closing quote, or MALFORMED */
function stringEnd(b: Buffer, i: number, end: number): number {
  const open = i;
  i++;
  escaped = false;
  for (;;) {
    if (i >= end) return fail('unterminated string', open);
    const k = STR[b[i]];
    if (k === 0) { i++; continue; }
    if (k === 1) return i + 1;
    if (k === 3) return fail('control character in a string (write it as \\u00XX)', i);
    // a backslash
    const e = ESC[b[i + 1]];
    if (i + 1 >= end || e === 0) return fail('bad escape in a string', i);
    escaped = true;
    if (e === 1) { i += 2; continue; }
    if (i + 5 >= end || !(HEX[b[i + 2]] & HEX[b[i + 3]] & HEX[b[i + 4]] & HEX[b[i + 5]])) return fail('bad \\u escape in a string', i);
    i += 6;
  }
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** i at '-' or a digit: the index after the number, or MALFORMED */
function numberEnd(b: Buffer, i: number, end: number): number {
  const s = i;
  if (b[i] === 45) i++;
  if (i >= end || !isDigit(b[i])) return fail('bad number', s);
  if (b[i] === 48) { i++; if (i < end && isDigit(b[i])) return fail('number with a leading zero', s); }
  else while (i < end && isDigit(b[i])) i++;
  if (i < end && b[i] === 46) {
    i++;
    if (i >= end || !isDigit(b[i])) return fail('bad number', s);
    while (i < end && isDigit(b[i])) i++;
  }
  if (i < end && (b[i] === 101 || b[i] === 69)) {
    i++;
    if (i < end && (b[i] === 43 || b[i] === 45)) i++;
    if (i >= end || !isDigit(b[i])) return fail('bad number', s);
    while (i < end && isDigit(b[i])) i++;
  }
  return i;
}

/** i at 't', 'f' or 'n': the index after the literal, or MALFORMED */
function literalEnd(b: Buffer, i: number, end: number): number {
  const c = b[i];
  if (c === 116) { if (i + 4 <= end && b[i + 1] === 114 && b[i + 2] === 117 && b[i + 3] === 101) return i + 4; }
  else if (c === 102) { if (i + 5 <= end && b[i + 1] === 97 && b[i + 2] === 108 && b[i + 3] === 115 && b[i + 4] === 101) return i + 5; }
  else if (c === 110 && i + 4 <= end && b[i + 1] === 117 && b[i + 2] === 108 && b[i + 3] === 108) return i + 4;
  return fail('unexpected character', i);
}

const stack = new Uint8Array(MAX_DEPTH + 1);
// walk states
const VALUE = 0, ARRAY_FIRST = 1, OBJECT_FIRST = 2, KEY = 3, AFTER = 4;

function describe(c: number | undefined): string {
  if (c === undefined) return 'end of line';
  return c >= 33 && c < 127 ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, '0')}`;
}

/**
 * Walk the object b[s, end) (b[s] is '{') by the grammar, in full. For each wanted top-level key,
 * starts/ends get the span of its value (the last occurrence wins, as with JSON.parse; -1 when
 * absent); escaped key names are compared by what they spell. Returns the index after the object's
 * closing brace, or MALFORMED (why() says why).
 */
export function walkObject(b: Buffer, s: number, end: number, keys: Buffer[], starts: Int32Array, ends: Int32Array): number {
  const nk = keys.length;
  for (let k = 0; k < nk; k++) starts[k] = -1;
  if (b[s] !== LBRACE) return fail(`expected '{'`, s);
  let i = s + 1, depth = 1, state = OBJECT_FIRST;
  stack[0] = LBRACE;
  let ks = 0, ke = 0, kEscaped = false, vs = 0; // the current top-level member's key and value start
  for (;;) {
    while (i < end && isBlank(b[i])) i++;
    if (i >= end) return fail('unexpected end of line', i);
    const c = b[i];
    if (state === AFTER) {
      if (c === COMMA) { i++; state = stack[depth - 1] === LBRACE ? KEY : VALUE; continue; }
      if (c === RBRACE || c === RBRACK) {
        if (stack[depth - 1] !== c - 2) return fail(`unexpected ${describe(c)}`, i); // '}' - 2 = '{', ']' - 2 = '['
        i++;
        if (--depth === 0) return i;
        if (depth === 1 && nk > 0) record(b, keys, starts, ends, ks, ke, kEscaped, vs, i);
        continue;
      }
      return fail(`expected ',' or '${stack[depth - 1] === LBRACE ? '}' : ']'}' but found ${describe(c)}`, i);
    }
    if (state === OBJECT_FIRST || state === KEY) {
      if (c === QUOTE) {
        const k0 = i;
        i = stringEnd(b, i, end);
        if (i < 0) return i;
        if (depth === 1) { ks = k0 + 1; ke = i - 1; kEscaped = escaped; }
        while (i < end && isBlank(b[i])) i++;
        if (b[i] !== COLON || i >= end) return fail(`expected ':' after a key but found ${describe(i < end ? b[i] : undefined)}`, i);
        i++;
        state = VALUE;
        continue;
      }
      if (c === RBRACE && state === OBJECT_FIRST) { state = AFTER; continue; } // closed by the AFTER branch
      return fail(state === KEY ? `expected a key after ',' but found ${describe(c)}` : `expected a key or '}' but found ${describe(c)}`, i);
    }
    // VALUE or ARRAY_FIRST
    if (depth === 1) vs = i;
    if (c === QUOTE) { i = stringEnd(b, i, end); if (i < 0) return i; }
    else if (c === LBRACE || c === LBRACK) {
      if (depth === MAX_DEPTH) return fail(`nested deeper than ${MAX_DEPTH} levels`, i);
      stack[depth++] = c; i++;
      state = c === LBRACE ? OBJECT_FIRST : ARRAY_FIRST;
      continue;
    } else if (c === 45 || isDigit(c)) { i = numberEnd(b, i, end); if (i < 0) return i; }
    else if (c === 116 || c === 102 || c === 110) { i = literalEnd(b, i, end); if (i < 0) return i; }
    else if (c === RBRACK && state === ARRAY_FIRST) { state = AFTER; continue; } // closed by the AFTER branch
    else return fail(`expected a value but found ${describe(c)}`, i);
    state = AFTER;
    if (depth === 1 && nk > 0) record(b, keys, starts, ends, ks, ke, kEscaped, vs, i);
  }
}

/** note member (key b[ks, ke), value b[vs, ve)) for every wanted key it spells */
function record(b: Buffer, keys: Buffer[], starts: Int32Array, ends: Int32Array, ks: number, ke: number, kEscaped: boolean, vs: number, ve: number): void {
  if (kEscaped) {
    const name = Buffer.from(JSON.parse(b.toString('utf8', ks - 1, ke + 1)) as string, 'utf8');
    for (let k = 0; k < keys.length; k++) if (name.equals(keys[k])) { starts[k] = vs; ends[k] = ve; }
    return;
  }
  const n = ke - ks;
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k];
    if (key.length !== n) continue;
    let j = 0;
    while (j < n && b[ks + j] === key[j]) j++;
    if (j === n) { starts[k] = vs; ends[k] = ve; }
  }
}

/**
 * Index after the value at i in text already checked by walkObject (no grammar checks: strings and
 * bracket depth only). Used to look inside nested values of a valid line.
 */
export function skipValue(b: Buffer, i: number, end: number): number {
  let depth = 0;
  while (i < end) {
    const c = b[i];
    if (c === QUOTE) {
      i++;
      for (;;) { const d = b[i++]; if (d === QUOTE) break; if (d === BSL) i++; }
      if (depth === 0) return i;
      continue;
    }
    if (c === LBRACE || c === LBRACK) { depth++; i++; continue; }
    if (c === RBRACE || c === RBRACK) { i++; if (--depth === 0) return i; if (depth < 0) return i - 1; continue; }
    if (depth === 0 && (c === COMMA || isBlank(c))) return i;
    i++;
  }
  return i;
}

/**
 * In a valid object at b[s, e) (from walkObject), the span of member `key`'s value (the last
 * occurrence wins); escaped names are compared by what they spell. Returns false when absent.
 */
export function memberSpan(b: Buffer, s: number, e: number, key: Buffer, span: Int32Array): boolean {
  oneKey[0] = key;
  memberSpans(b, s, e, oneKey, oneStart, oneEnd);
  span[0] = oneStart[0]; span[1] = oneEnd[0];
  return oneStart[0] >= 0;
}
const oneKey: Buffer[] = [Buffer.alloc(0)], oneStart = new Int32Array(1), oneEnd = new Int32Array(1);

/**
 * In a valid object at b[s, e) (from walkObject), the spans of several members' values in one walk:
 * starts[k]/ends[k] that of keys[k] (the last occurrence wins; escaped names are compared by what they
 * spell), starts[k] -1 when absent.
 */
export function memberSpans(b: Buffer, s: number, e: number, keys: readonly Buffer[], starts: Int32Array, ends: Int32Array): void {
  const nk = keys.length;
  for (let k = 0; k < nk; k++) starts[k] = -1;
  let i = skipWs(b, s + 1, e);
  if (b[i] === RBRACE) return;
  for (;;) {
    const ks = i + 1;
    let esc = false;
    for (i = ks; ; ) { const d = b[i++]; if (d === QUOTE) break; if (d === BSL) { esc = true; i++; } }
    const ke = i - 1;
    i = skipWs(b, i, e) + 1; // ':'
    i = skipWs(b, i, e);
    const vs = i;
    i = skipValue(b, i, e);
    if (esc) {
      const name = Buffer.from(JSON.parse(b.toString('utf8', ks - 1, ke + 1)) as string, 'utf8');
      for (let k = 0; k < nk; k++) if (name.equals(keys[k])) { starts[k] = vs; ends[k] = i; }
    } else {
      const n = ke - ks;
      for (let k = 0; k < nk; k++) {
        const key = keys[k];
        if (key.length !== n) continue;
        let j = 0;
        while (j < n && b[ks + j] === key[j]) j++;
        if (j === n) { starts[k] = vs; ends[k] = i; }
      }
    }
    i = skipWs(b, i, e);
    if (b[i] !== COMMA) return;
    i = skipWs(b, i + 1, e);
  }
}

/** the nested paths under one member: its wanted child names, the paths ending at each child, the
 *  node of each child's own wanted children (FieldReader walks each object on the paths once) */
interface PathNode { keys: Buffer[]; ends: number[][]; kids: (PathNode | null)[]; starts: Int32Array; stops: Int32Array; simd: TopScan | null }
function pathTree(paths: readonly (readonly Buffer[])[], depth: number, of: readonly number[]): PathNode {
  const node: PathNode = { keys: [], ends: [], kids: [], starts: new Int32Array(0), stops: new Int32Array(0), simd: null };
  const groups: number[][] = [];
  for (const k of of) {
    const seg = paths[k][depth];
    let c = node.keys.findIndex((x) => x.equals(seg));
    if (c < 0) { c = node.keys.length; node.keys.push(seg); node.ends.push([]); groups.push([]); }
    if (paths[k].length === depth + 1) node.ends[c].push(k); else groups[c].push(k);
  }
  node.kids = groups.map((g) => (g.length ? pathTree(paths, depth + 1, g) : null));
  node.starts = new Int32Array(node.keys.length); node.stops = new Int32Array(node.keys.length);
  node.simd = TopScan.create(node.keys, true);
  return node;
}

/** Call fn(valueStart, valueEnd) for each element of the valid array at b[i] ('['). */
export function forEachElement(b: Buffer, i: number, end: number, fn: (s: number, e: number) => void): void {
  i = skipWs(b, i + 1, end);
  if (b[i] === RBRACK) return;
  for (;;) {
    const vs = i;
    i = skipValue(b, i, end);
    fn(vs, i);
    i = skipWs(b, i, end);
    if (b[i] !== COMMA) return;
    i = skipWs(b, i + 1, end);
  }
}

/** does b[s, e) contain the byte? (Buffer.indexOf has no end bound and would scan the whole chunk) */
export function hasByte(b: Buffer, s: number, e: number, byte: number): boolean {
  // (a native search of the span alone: b.indexOf(byte, s) goes on to the end of b, a whole 128 KiB
  // chunk for a line in it, when the byte is not in the span)
  if (e - s > 64) return b.subarray(s, e).indexOf(byte) >= 0;
  for (let i = s; i < e; i++) if (b[i] === byte) return true;
  return false;
}

/** Decode the value at b[s, e) of a valid line: numbers exact (BigNum where a double cannot hold them). */
export function decodeValue(b: Buffer, s: number, e: number): any {
  const c = b[s];
  if (c === QUOTE) {
    if (!hasByte(b, s + 1, e - 1, BSL)) return b.toString('utf8', s + 1, e - 1);
    return JSON.parse(b.toString('utf8', s, e));
  }
  if (c === 116) return true;
  if (c === 102) return false;
  if (c === 110) return null;
  if (c === LBRACE || c === LBRACK) return parseJson(b.toString('utf8', s, e));
  return numberOf(b.toString('latin1', s, e));
}

/** keyInto: the scratch buffer is too small */
export const KEY_TOO_LONG = -1_000_000;

/** the hint for lines of JSON arrays and pretty-printed JSON (the runner's summary repeats it) */
export const FROM_JSON = '(from-json reads such files)';
const PRETTY_LINES = new Set(['{', '[', '}', ']', '},', '],', '{}', '[]', '{},', '[],']);
/** (a line that starts with a digit, '-', t, f or n, trimmed) JSON.parse refuses it, and it is not a
 *  value with a comma after it (which says: a line of a JSON array) */
const refusedValue = (t: string): boolean => !t.endsWith(',') && !NUMBER_TEXT.test(t) && t !== 'true' && t !== 'false' && t !== 'null';
/** the printable ASCII characters a JSON text may start with: { [ " - 0-9 t f n */
const VALUE_START = new Uint8Array(128);
for (const ch of '{["-0123456789tfn') VALUE_START[ch.charCodeAt(0)] = 1;

/** why read() refused a line: a reason for the bad-record report */
export type ReadReason = 'malformed JSON' | 'not a JSON object';

/**
 * Reads a fixed set of field paths (dotted, e.g. "context.os.name") from raw lines. read() checks the
 * whole line; after it, found(k) says whether path k is present, value(k) decodes it, raw(k) gives its
 * JSON text, spanStart/End(k) its bytes.
 */
export class FieldReader {
  private readonly paths: string[][];
  private readonly pathKeys: Buffer[][];
  private readonly topKeys: Buffer[];
  private readonly topIndex: number[]; // path k -> index in topKeys
  private readonly ts: Int32Array;
  private readonly te: Int32Array;
  private readonly s: Int32Array;
  private readonly e: Int32Array;
  private buf: Buffer = Buffer.alloc(0);
  /** per top-level name (by topIndex), the tree of the nested paths under it (null: none) */
  private readonly nests: (PathNode | null)[] = [];
  private readonly simd: TopScan | null;
  private readonly flat: boolean;
  /** span of the whole top-level object after read() */
  objStart = 0;
  objEnd = 0;
  /** why the last read() failed: the reason category and the specifics */
  reason: ReadReason = 'malformed JSON';
  error = '';

  constructor(paths: string[]) {
    this.paths = paths.map(splitPath);
    this.pathKeys = this.paths.map((p) => p.map((seg) => Buffer.from(seg, 'utf8')));
    const tops: string[] = [];
    this.topIndex = this.paths.map((p) => {
      let k = tops.indexOf(p[0]);
      if (k < 0) { k = tops.length; tops.push(p[0]); }
      return k;
    });
    this.topKeys = tops.map((t) => Buffer.from(t, 'utf8'));
    this.s = new Int32Array(paths.length);
    this.e = new Int32Array(paths.length);
    // every path a distinct top-level name (the common case): the walks write the paths' spans directly
    this.flat = this.paths.every((p, k) => p.length === 1 && this.topIndex[k] === k);
    this.ts = this.flat ? this.s : new Int32Array(tops.length);
    this.te = this.flat ? this.e : new Int32Array(tops.length);
    this.simd = TopScan.create(this.topKeys);
    if (!this.flat) {
      this.nests = tops.map((_t, i) => {
        const under = this.paths.map((_p, k) => k).filter((k) => this.topIndex[k] === i && this.paths[k].length > 1);
        return under.length ? pathTree(this.pathKeys, 1, under) : null;
      });
    }
  }

  /** the compiled reading of many lines a call (EventScan: paths 0..n-3 the key strings, n-2 the time,
   *  n-1 the action among `actions`), when every path is a distinct top-level name and the SIMD walk
   *  is there; else null */
  eventScan(actions: { token: Buffer; kind: number }[]): EventScan | null {
    return this.flat && this.paths.length >= 3 && BATCH ? EventScan.create(this.topKeys, actions) : null;
  }

  /** the top-level name of path k (for setting it) */
  topName(k: number): string { return this.paths[k][0]; }
  isTopLevel(k: number): boolean { return this.paths[k].length === 1; }

  /** false when the line is not one valid JSON object (reason and error say why). `trusted`: the line
   *  is known to be valid (Line.trusted): its top-level fields are found without the grammar check. */
  read(b: Buffer, start: number, end: number, trusted = false): boolean {
    this.buf = b;
    let s = start, e = end;
    while (s < e && isBlank(b[s])) s++;
    while (e > s && isBlank(b[e - 1])) e--;
    if (b[s] !== LBRACE || b[e - 1] !== RBRACE || e - s < 2) return this.notObject(b, start, end);
    this.objStart = s;
    this.objEnd = e;
    if (trusted && this.paths.length === 0) return true; // known valid, and nothing to find in it (save)
    // the SIMD walk when it is sure, else the JavaScript one (the same answers: scan-wasm.test.mjs)
    let r = this.simd === null ? UNSURE : this.simd.scan(b, s, e, this.ts, this.te, trusted);
    if (r === UNSURE && trusted && this.simd !== null) r = this.simd.scan(b, s, e, this.ts, this.te); // an escape: the full kernel
    if (r === UNSURE) {
      r = walkObject(b, s, e, this.topKeys, this.ts, this.te);
      if (r !== e) {
        this.reason = 'malformed JSON';
        if (r >= 0) r = fail(`unexpected ${describe(b[skipWs(b, r, e)])} after the object`, skipWs(b, r, e));
        this.error = why(start);
        return false;
      }
    }
    if (this.flat) return true;
    for (let k = 0; k < this.paths.length; k++) {
      if (this.paths[k].length !== 1) continue;
      const t = this.topIndex[k];
      this.s[k] = this.ts[t]; this.e[k] = this.te[t];
    }
    for (let t = 0; t < this.nests.length; t++) {
      const node = this.nests[t];
      if (node !== null) this.nested(b, node, this.ts[t], this.te[t]);
    }
    return true;
  }

  /** the spans of the paths under a member whose value is b[vs, ve) (vs -1: absent): each object on
   *  the way walked once for all the wanted names in it */
  private nested(b: Buffer, node: PathNode, vs: number, ve: number): void {
    const n = node.keys.length, st = node.starts, sp = node.stops;
    // (the SIMD walk of the member's object when it is sure, else the JavaScript one: Lingokids' second
    // chain, count-by --each over seven fields of the context and data objects of 882k events, 5 rounds
    // alternated: 5.46-6.13 -> 5.31-5.61 s, the walks 625 -> ~360 ms)
    if (vs >= 0 && b[vs] === LBRACE) {
      if (node.simd === null || node.simd.scanNested(b, vs, ve, st, sp) === UNSURE) memberSpans(b, vs, ve, node.keys, st, sp);
    } else st.fill(-1, 0, n);
    for (let c = 0; c < n; c++) {
      const ends = node.ends[c];
      for (let j = 0; j < ends.length; j++) { this.s[ends[j]] = st[c]; this.e[ends[j]] = sp[c]; }
      const kid = node.kids[c];
      if (kid !== null) this.nested(b, kid, st[c], sp[c]);
    }
  }

  /** a line that is not framed as {...}: say whether it is valid JSON of another kind, or broken, and
   *  when it looks like a line of a JSON array or of pretty-printed JSON, that from-json reads those */
  private notObject(b: Buffer, start: number, end: number): false {
    const s0 = skipWs(b, start, end), c = s0 < end ? b[s0] : -1;
    if (c > 0x20 && c < 0x7f && c !== RBRACE && c !== RBRACK && c !== QUOTE && c !== LBRACE && c !== LBRACK
      && (!VALUE_START[c] || refusedValue(b.toString('utf8', start, end).trim()))) {
      // a line that starts with a character no JSON text starts with (a CSV row, a log line), or with a
      // digit, '-', t, f or n but is no number, true, false or null and does not end with a comma (a CSV
      // row of numbers, a header "name,..."): malformed at that character, said without JSON.parse,
      // whose exception cost ~15 us a line (a CSV file of 1M rows given to count-by took 15 s to reject)
      return this.startsNoObject(b, start, s0, end);
    }
    const text = b.toString('utf8', start, end);
    const t = text.trim();
    const parses = (x: string) => { try { JSON.parse(x); return true; } catch { return false; } };
    try {
      const v = JSON.parse(text);
      this.reason = 'not a JSON object';
      this.error = Array.isArray(v) ? `a JSON array ${FROM_JSON}` : `a ${v === null ? 'null' : typeof v}`;
    } catch {
      this.reason = 'malformed JSON';
      if (PRETTY_LINES.has(t) || /^"(?:[^"\\]|\\.)*"\s*:/.test(t) || (t.endsWith(',') && parses(t.slice(0, -1))) || t[0] === '[') {
        this.error = `a line of a JSON array or of pretty-printed JSON? ${FROM_JSON}`;
      } else if (c === LBRACE) {
        // an object with something after it (a line that starts with '{' and does not end with '}'):
        // said as the other broken objects are, with the byte column (not JSON.parse's position)
        const s = s0;
        let e = end;
        while (e > s && isBlank(b[e - 1])) e--;
        const r = walkObject(b, s, e, [], this.ts, this.te);
        if (r >= 0) fail(`unexpected ${describe(r < e ? b[skipWs(b, r, e)] : undefined)} after the object`, skipWs(b, r, e));
        this.error = why(start);
      } else return this.startsNoObject(b, start, s0, end);
    }
    return false;
  }

  /** a line is one object, so its first byte other than a blank (at s) is the first error: said in the
   *  walk's words with its byte column (JSON.parse's words, which V8 words without a position for most
   *  errors, "Unexpected token 'b', \"bad\" is not valid JSON", gave no column) */
  private startsNoObject(b: Buffer, start: number, s: number, end: number): false {
    this.reason = 'malformed JSON';
    fail(`expected '{' but found ${describe(s < end ? b[s] : undefined)}`, s);
    this.error = why(start);
    return false;
  }

  found(k: number): boolean { return this.s[k] >= 0; }

  /** the first byte of field k's JSON text (" { [ t f n - or a digit), -1 when absent */
  firstByte(k: number): number { return this.s[k] < 0 ? -1 : this.buf[this.s[k]]; }

  /** is field k present and JSON null? */
  isNull(k: number): boolean {
    const s = this.s[k], b = this.buf;
    return s >= 0 && this.e[k] - s === 4 && b[s] === 110 && b[s + 1] === 117 && b[s + 2] === 108 && b[s + 3] === 108;
  }

  /** is field k's JSON text exactly these bytes (e.g. a quoted name)? no decoding, no allocation */
  rawEquals(k: number, bytes: Buffer): boolean {
    const s = this.s[k], e = this.e[k], b = this.buf;
    if (s < 0 || e - s !== bytes.length) return false;
    for (let i = 0; i < bytes.length; i++) if (b[s + i] !== bytes[i]) return false;
    return true;
  }

  /** path k as a whole number written plainly in at most 15 characters (digits, a leading minus, no
   *  leading zero), as a number token or the whole of a string; else NaN (absent, null, anything else:
   *  value() decides). Read from the bytes: no text made. */
  plainInt(k: number): number {
    let s = this.s[k], e = this.e[k];
    const b = this.buf;
    if (s < 0) return NaN;
    if (b[s] === QUOTE) { s++; e--; }
    if (e - s > 0 && e - s < 16) {
      let v = 0, i = s;
      const neg = b[i] === 45;
      if (neg) i++;
      if (i < e && !(b[i] === 48 && e - i > 1)) {
        for (; i < e; i++) { const c = b[i] - 48; if (c < 0 || c > 9) break; v = v * 10 + c; }
        if (i === e) return neg ? -v : v;
      }
    }
    return NaN;
  }

  /** field k as a number: a number, or a string holding one (JSON's number grammar); NaN otherwise.
   *  Short plain integers are read straight from the bytes. */
  number(k: number): number {
    const x = this.plainInt(k);
    if (x === x) return x;
    const v = this.value(k);
    if (typeof v === 'number') return v;
    if (v instanceof BigNum) return Number(v.raw);
    if (typeof v === 'string') { const t = v.trim(); return NUMBER_TEXT.test(t) ? Number(t) : NaN; }
    return NaN;
  }

  /** field k's number as the exact decimal it is written: a number's text, a numeric string's contents
   *  (blanks around dropped); undefined for anything else (for exact comparisons where doubles tie) */
  numberText(k: number): string | undefined {
    if (this.s[k] < 0) return undefined;
    const v = this.buf[this.s[k]] === 34 ? this.value(k) : this.raw(k);
    if (typeof v !== 'string') return undefined;
    const t = v.trim();
    return NUMBER_TEXT.test(t) ? t : undefined;
  }

  /** decoded value, undefined when absent */
  value(k: number): any {
    return this.s[k] < 0 ? undefined : decodeValue(this.buf, this.s[k], this.e[k]);
  }

  /** value(k), keeping also a decimal of more than 15 significant digits that its double writes
   *  otherwise (0.10000000000000001) as its exact text (json.ts parseDigits): for values returned as
   *  written (count-by's min and max, and their states) */
  valueDigits(k: number): any {
    return this.s[k] < 0 ? undefined : parseDigits(this.buf, this.s[k], this.e[k]) ?? decodeValue(this.buf, this.s[k], this.e[k]);
  }

  /** JSON text of the value, undefined when absent */
  raw(k: number): string | undefined {
    return this.s[k] < 0 ? undefined : this.buf.toString('utf8', this.s[k], this.e[k]);
  }

  /**
   * Append the canonical token of field k to `out` at `pos` as bytes and return the new position, or
   * -1 when the field is absent or null, -2 when `out` is too small. Plain strings and short integers
   * are copied straight from the line; anything needing canonicalisation goes through token().
   */
  tokenInto(k: number, out: Buffer, pos: number): number {
    const s = this.s[k], e = this.e[k];
    if (s < 0) return -1;
    const b = this.buf, c = b[s];
    if (c === 110) return -1; // null
    if (c === QUOTE && e - s <= 64 && pos + (e - s) <= out.length) {
      // a short string: copied while looking for a backslash (one pass); one found: canonicalised below
      let p = pos, i = s;
      for (; i < e; i++) { const x = b[i]; if (x === BSL) break; out[p++] = x; }
      if (i === e) return p;
    } else if (c === QUOTE ? !hasByte(b, s + 1, e - 1, BSL) : canonicalNumberBytes(b, s, e)) {
      if (pos + (e - s) > out.length) return -2;
      for (let i = s; i < e; i++) out[pos++] = b[i]; // short: a JS loop beats Buffer.copy's call cost
      return pos;
    }
    const t = this.token(k);
    if (pos + t.length > out.length) return -2;
    return pos + out.write(t, pos, 'latin1');
  }

  /**
   * The canonical tokens of fields 0..n-1 joined by byte 1 into `out` (a composite key as bytes; byte
   * 1 cannot occur in a token: control characters are escaped in valid strings). Returns its length;
   * -(k + 1) when field k is absent or null (unless nullsAllowed: then it is the token null);
   * KEY_TOO_LONG when `out` is too small.
   */
  keyInto(n: number, out: Buffer, nullsAllowed = false): number {
    let pos = 0;
    for (let k = 0; k < n; k++) {
      if (k) { if (pos >= out.length) return KEY_TOO_LONG; out[pos++] = 1; }
      let p = this.tokenInto(k, out, pos);
      if (p === -1 && nullsAllowed) { // a missing or null field is the token null
        if (pos + 4 > out.length) return KEY_TOO_LONG;
        out[pos] = 110; out[pos + 1] = 117; out[pos + 2] = 108; out[pos + 3] = 108;
        p = pos + 4;
      }
      if (p === -1) return -(k + 1);
      if (p === -2) return KEY_TOO_LONG;
      pos = p;
    }
    return pos;
  }

  /** canonicalToken() of the value; 'null' when absent */
  token(k: number): string {
    return this.s[k] < 0 ? 'null' : canonicalToken(this.buf, this.s[k], this.e[k]);
  }

  /** byte span of field k's value in the last line; spanStart is -1 when absent */
  spanStart(k: number): number { return this.s[k]; }
  spanEnd(k: number): number { return this.e[k]; }

  /**
   * The one edit that gives the last read line top-level field k (a top-level path of this reader)
   * the JSON text `text`: its value replaced in place, or the member appended before the closing
   * brace. Fills and returns `into` (no allocation: the per-line path of tools adding one field).
   */
  edit(k: number, text: string, into: Edit): Edit {
    into.bytes = undefined; into.names = undefined; into.spans = undefined;
    if (this.s[k] >= 0) { into.from = this.s[k]; into.to = this.e[k]; into.text = text; return into; }
    if (this.paths[k].length !== 1) throw new Error(`cannot set the nested field ${this.paths[k].join('.')}`);
    const b = this.buf, close = this.objEnd - 1;
    let i = close - 1;
    while (i > this.objStart && isBlank(b[i])) i--;
    const member = this.memberPrefix[k] ??= JSON.stringify(this.paths[k][0]) + ':';
    const empty = i === this.objStart;
    into.from = close; into.to = close; into.text = (empty ? member : ',' + member) + text;
    // the member's name and its value's span in the text (simd-scan.ts moves a walk over it unwalked)
    let spans = this.editSpans.get(into);
    if (spans === undefined) this.editSpans.set(into, spans = new Int32Array(2));
    const vs = (empty ? 0 : 1) + (this.memberBytes[k] ??= Buffer.byteLength(member, 'utf8'));
    spans[0] = vs; spans[1] = vs + Buffer.byteLength(text, 'utf8');
    into.names = this.memberName[k] ??= [this.paths[k][0]]; into.spans = spans;
    return into;
  }
  private readonly memberPrefix: string[] = [];
  private readonly memberBytes: number[] = [];
  private readonly memberName: string[][] = [];
  private readonly editSpans = new WeakMap<Edit, Int32Array>();

  /**
   * The edit that appends `members` ("name":text,... prepared by the caller, e.g. once per value)
   * before the last read line's closing brace, with a comma when the object has members: what edit()
   * and edits() append for absent fields, without building the text per line. Fills and returns `into`.
   * Given as `Members`, the edit carries their bytes (copied, not encoded, by the writers) and names.
   */
  appendEdit(members: string | Members, into: Edit): Edit {
    const b = this.buf, close = this.objEnd - 1;
    let i = close - 1;
    while (i > this.objStart && isBlank(b[i])) i--;
    const empty = i === this.objStart;
    into.from = close; into.to = close;
    if (typeof members === 'string') { into.text = empty ? members : ',' + members; into.bytes = undefined; into.names = undefined; into.spans = undefined; }
    else {
      into.text = empty ? members.text : members.comma; into.bytes = empty ? members.bytes.subarray(1) : members.bytes;
      into.names = members.names; into.spans = empty ? members.spans0 : members.spans;
    }
    return into;
  }

  /**
   * The edits that give the last read line the top-level fields of paths `ks` (top-level paths of this
   * reader) with the JSON texts `texts`: a present field's value is replaced in place, the others are
   * appended before the closing brace in the given order. Edits come sorted by position.
   */
  edits(ks: readonly number[], texts: readonly string[]): Edit[] {
    const out: Edit[] = [];
    let added = '';
    for (let j = 0; j < ks.length; j++) {
      const k = ks[j];
      if (this.paths[k].length !== 1) throw new Error(`cannot set the nested field ${this.paths[k].join('.')}`);
      if (this.s[k] >= 0) out.push({ from: this.s[k], to: this.e[k], text: texts[j] });
      else added += (added === '' ? '' : ',') + JSON.stringify(this.paths[k][0]) + ':' + texts[j];
    }
    out.sort((x, y) => x.from - y.from);
    if (added !== '') {
      const b = this.buf, close = this.objEnd - 1;
      let i = close - 1;
      while (i > this.objStart && isBlank(b[i])) i--;
      out.push({ from: close, to: close, text: i === this.objStart ? added : ',' + added });
    }
    return out;
  }
}

/** a replacement of line bytes [from, to) by text (from === to inserts); `bytes`: the text's UTF-8
 *  bytes when the stage has them at hand (the writers copy them instead of encoding the text);
 *  `names` and `spans`: the text is members with these names and nothing else, the values at these
 *  (start, end) byte offsets of it, the last one ending the text (simd-scan.ts need not walk it) */
export interface Edit { from: number; to: number; text: string; bytes?: Buffer; names?: readonly string[]; spans?: Int32Array }

/** members ("name":text,... of the given names and value texts) prepared once, to append to many
 *  lines (appendEdit): the text, and with a leading comma as text and as UTF-8 bytes; the byte spans of
 *  the values in each */
export class Members {
  readonly text: string;
  readonly comma: string;
  readonly bytes: Buffer;
  /** (start, end) of each value in `bytes` (with the comma), and in the text without it */
  readonly spans: Int32Array;
  readonly spans0: Int32Array;
  constructor(readonly names: readonly string[], texts: readonly string[]) {
    const parts = names.map((k, i) => JSON.stringify(k) + ':' + texts[i]);
    this.text = parts.join(',');
    this.comma = ',' + this.text;
    this.bytes = Buffer.from(this.comma, 'utf8');
    this.spans = new Int32Array(2 * names.length); this.spans0 = new Int32Array(2 * names.length);
    let at = 1;
    for (let i = 0; i < names.length; i++) {
      const vs = at + Buffer.byteLength(JSON.stringify(names[i]), 'utf8') + 1, ve = vs + Buffer.byteLength(texts[i], 'utf8');
      this.spans[2 * i] = vs; this.spans[2 * i + 1] = ve; this.spans0[2 * i] = vs - 1; this.spans0[2 * i + 1] = ve - 1;
      at = ve + 1;
    }
  }
}


/** digits only (no '.', exponent or sign) */
function plainDigits(b: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (b[i] < 48 || b[i] > 57) return false;
  return true;
}

/** is the JSON number b[s, e) its own canonical token (canonicalToken: the text a double gives)? A
 *  whole number of 1-15 digits with no sign or leading zero, or 0; others may be written otherwise
 *  (1.0, 1e0, -0, long digits) and are canonicalised */
export function canonicalNumberBytes(b: Buffer, s: number, e: number): boolean {
  const c = b[s];
  return (c >= 49 && c <= 57 && e - s < 16 && plainDigits(b, s, e)) || (c === 48 && e - s === 1);
}

/**
 * A canonical text of a JSON value, usable as a grouping/distinct key: the value's JSON text with
 * escapes resolved in strings ("\u0041" and "A" are one key) and numbers normalised (1.0, 1e0 and 1
 * are one key); numbers a double cannot hold keep their exact text. Returned as latin1 of the UTF-8
 * bytes, so it is cheap to build and writes back byte for byte with Buffer.from(token, 'latin1').
 */
export function canonicalToken(b: Buffer, s: number, e: number): string {
  const c = b[s];
  if (c === QUOTE) {
    if (!hasByte(b, s + 1, e - 1, BSL)) return b.toString('latin1', s, e);
    return Buffer.from(JSON.stringify(JSON.parse(b.toString('utf8', s, e))), 'utf8').toString('latin1');
  }
  if ((c >= 48 && c <= 57) || c === 45) return canonicalNumber(b.toString('latin1', s, e));
  if (c === LBRACE || c === LBRACK) return canonicalNested(b, s, e);
  return b.toString('latin1', s, e);
}

/** canonicalToken of an array or object (valid): blanks dropped, each string and number canonical */
function canonicalNested(b: Buffer, s: number, e: number): string {
  let out = '';
  let i = s;
  while (i < e) {
    const c = b[i];
    if (c === QUOTE) {
      let j = i + 1, esc = false;
      for (;;) { const d = b[j++]; if (d === QUOTE) break; if (d === BSL) { esc = true; j++; } }
      out += esc ? canonicalToken(b, i, j) : b.toString('latin1', i, j);
      i = j;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      const j = numberEnd(b, i, e);
      out += canonicalNumber(b.toString('latin1', i, j));
      i = j;
    } else {
      if (!isBlank(c)) out += String.fromCharCode(c);
      i++;
    }
  }
  return out;
}

/** a decoded value as a message shows it: its JSON text, an exact number's own digits (1E400, not the
 *  null its double would write) */
export function shownValue(v: unknown): string { return v instanceof BigNum ? v.raw : JSON.stringify(v ?? null); }

/** canonicalToken for an already decoded value */
export function canonicalOf(v: unknown): string {
  if (v instanceof BigNum) return canonicalNumber(v.raw);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  return Buffer.from(stringify(v ?? null), 'utf8').toString('latin1');
}

export { getPath };
