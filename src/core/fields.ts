// The shared field reader: finds the few fields a tool needs in a raw NDJSON line without building
// the whole object. It walks every line in full: the SIMD kernel (simd-scan.ts) when it can prove the
// answer below is the same, else byte by byte through a byte-class table (strings inline), checking
// the top-level grammar, brackets and literals as it goes; a line it cannot read plainly (escaped
// keys, deep nesting) is UNUSUAL and the caller falls back to JSON.parse. JSON's structural bytes are
// ASCII and UTF-8 continuation bytes are >= 0x80, so byte offsets are safe.
import { BigNum, getPath, parseJson, splitPath } from './json.js';
import { TopScan, UNSURE } from './simd-scan.js';

const QUOTE = 34, BSL = 92, LBRACE = 123, RBRACE = 125, LBRACK = 91, RBRACK = 93, COMMA = 44, COLON = 58;

/** scanner results */
export const MALFORMED = -1;
export const UNUSUAL = -2;

export function skipWs(b: Buffer, i: number, end: number): number {
  while (i < end) {
    const c = b[i];
    if (c === 32 || c === 9 || c === 13 || c === 10) i++;
    else break;
  }
  return i;
}

function skipLiteral(b: Buffer, i: number, end: number): number {
  const c = b[i];
  if (c === 116 /* t */) return i + 4 <= end && b[i + 1] === 114 && b[i + 2] === 117 && b[i + 3] === 101 ? i + 4 : MALFORMED;
  if (c === 102 /* f */) return i + 5 <= end && b[i + 1] === 97 && b[i + 2] === 108 && b[i + 3] === 115 && b[i + 4] === 101 ? i + 5 : MALFORMED;
  if (c === 110 /* n */) return i + 4 <= end && b[i + 1] === 117 && b[i + 2] === 108 && b[i + 3] === 108 ? i + 4 : MALFORMED;
  // number: -?digits[.digits][e[+-]digits]
  let j = i;
  if (b[j] === 45) j++;
  const d0 = j;
  while (j < end && b[j] >= 48 && b[j] <= 57) j++;
  if (j === d0) return MALFORMED;
  if (j < end && b[j] === 46) { j++; const f0 = j; while (j < end && b[j] >= 48 && b[j] <= 57) j++; if (j === f0) return MALFORMED; }
  if (j < end && (b[j] === 101 || b[j] === 69)) {
    j++;
    if (j < end && (b[j] === 43 || b[j] === 45)) j++;
    const e0 = j;
    while (j < end && b[j] >= 48 && b[j] <= 57) j++;
    if (j === e0) return MALFORMED;
  }
  return j;
}

const stack = new Uint8Array(256);

// byte classes for the nested-value walk: 0 passes (blanks, ',' and ':' inside nested values), 1 a
// quote, 2 an opening bracket, 3 a closing one, 4 starts a literal, 5 cannot appear outside a string
const CLASS = new Uint8Array(256).fill(5);
for (const c of [32, 9, 13, 10, COMMA, COLON]) CLASS[c] = 0;
CLASS[QUOTE] = 1; CLASS[LBRACE] = 2; CLASS[LBRACK] = 2; CLASS[RBRACE] = 3; CLASS[RBRACK] = 3;
for (const c of '-0123456789tfn') CLASS[c.charCodeAt(0)] = 4;

/** i at an opening quote: index after the closing quote, or MALFORMED (escapes skip the next byte) */
function endOfString(b: Buffer, i: number, end: number): number {
  i++;
  for (;;) {
    if (i >= end) return MALFORMED;
    const d = b[i++];
    if (d === QUOTE) return i;
    if (d === BSL) i++;
  }
}

/**
 * i at the first byte of a value: index after it, or MALFORMED / UNUSUAL (nesting > 256). Nested
 * values are walked in one tight loop over a byte-class table (strings inline, brackets matched,
 * literals checked), about 1.4 ns a byte here: a function call per string cost a third more.
 */
export function skipValue(b: Buffer, i: number, end: number): number {
  const c0 = b[i];
  if (c0 === QUOTE) return endOfString(b, i, end);
  if (c0 !== LBRACE && c0 !== LBRACK) return skipLiteral(b, i, end);
  let depth = 0;
  while (i < end) {
    const x = b[i];
    const k = CLASS[x];
    if (k === 0) { i++; continue; }
    if (k === 1) {
      i++;
      for (;;) {
        if (i >= end) return MALFORMED;
        const d = b[i++];
        if (d === QUOTE) break;
        if (d === BSL) i++;
      }
      continue;
    }
    if (k === 2) {
      if (depth === 256) return UNUSUAL;
      stack[depth++] = x; i++; continue;
    }
    if (k === 3) {
      // '}' - 2 === '{' and ']' - 2 === '['
      if (depth === 0 || stack[depth - 1] !== x - 2) return MALFORMED;
      i++;
      if (--depth === 0) return i;
      continue;
    }
    if (k === 4) { i = skipLiteral(b, i, end); if (i < 0) return MALFORMED; continue; }
    return MALFORMED;
  }
  return MALFORMED;
}

/** does b[s, e) contain the byte? (Buffer.indexOf has no end bound and would scan the whole chunk) */
export function hasByte(b: Buffer, s: number, e: number, byte: number): boolean {
  if (e - s > 64) { const i = b.indexOf(byte, s); return i >= 0 && i < e; }
  for (let i = s; i < e; i++) if (b[i] === byte) return true;
  return false;
}

function keyEquals(b: Buffer, ks: number, ke: number, key: Buffer): boolean {
  const n = key.length;
  if (ke - ks !== n) return false;
  for (let k = 0; k < n; k++) if (b[ks + k] !== key[k]) return false;
  return true;
}

/** keyInto: the scratch buffer is too small */
export const KEY_TOO_LONG = -1_000_000;

/**
 * Walk the object starting at `i` (its '{'), recording for each wanted key the span of its value
 * (last occurrence wins, as with JSON.parse). Returns the index after the closing '}', or
 * MALFORMED / UNUSUAL. starts[k] = -1 when key k is absent.
 */
export function scanObject(b: Buffer, i: number, end: number, keys: Buffer[], starts: Int32Array, ends: Int32Array): number {
  const nk = keys.length;
  for (let k = 0; k < nk; k++) starts[k] = -1;
  if (b[i] !== LBRACE) return MALFORMED;
  i = skipWs(b, i + 1, end);
  if (b[i] === RBRACE) return i + 1;
  for (;;) {
    if (b[i] !== QUOTE) return MALFORMED;
    const ks = i + 1;
    let escaped = false;
    for (i = ks; ; ) {
      if (i >= end) return MALFORMED;
      const d = b[i++];
      if (d === QUOTE) break;
      if (d === BSL) { escaped = true; i++; }
    }
    const ke = i - 1;
    if (b[i] !== COLON) { i = skipWs(b, i, end); if (b[i] !== COLON) return MALFORMED; }
    i++;
    if (CLASS[b[i]] === 0) i = skipWs(b, i, end);
    const vs = i;
    i = skipValue(b, i, end);
    if (i < 0) return i;
    for (let k = 0; k < nk; k++) {
      if (keyEquals(b, ks, ke, keys[k])) { starts[k] = vs; ends[k] = i; }
    }
    // an escaped key could spell a wanted one: let JSON.parse decide
    if (escaped && nk > 0) return UNUSUAL;
    i = skipWs(b, i, end);
    const c = b[i];
    if (c === COMMA) { i = skipWs(b, i + 1, end); continue; }
    if (c === RBRACE) return i + 1;
    return MALFORMED;
  }
}

/** Call fn(valueStart, valueEnd) for each element of the array at i; index after ']' or error. */
export function forEachElement(b: Buffer, i: number, end: number, fn: (s: number, e: number) => void): number {
  if (b[i] !== LBRACK) return MALFORMED;
  i = skipWs(b, i + 1, end);
  if (b[i] === RBRACK) return i + 1;
  for (;;) {
    const vs = i;
    i = skipValue(b, i, end);
    if (i < 0) return i;
    fn(vs, i);
    i = skipWs(b, i, end);
    if (b[i] === COMMA) { i = skipWs(b, i + 1, end); continue; }
    if (b[i] === RBRACK) return i + 1;
    return MALFORMED;
  }
}

/** Is the line [start, end) one JSON object (structurally)? Returns the object's span or MALFORMED. */
export function lineObject(b: Buffer, start: number, end: number): { s: number; e: number } | number {
  const s = skipWs(b, start, end);
  let e = end;
  while (e > s && (b[e - 1] === 32 || b[e - 1] === 9 || b[e - 1] === 13)) e--;
  if (b[s] !== LBRACE || b[e - 1] !== RBRACE) return MALFORMED;
  return { s, e };
}

/** Decode a value span to a JS value (strings without escapes are decoded directly). */
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
  if (e - s >= 16) {
    const t = b.toString('latin1', s, e);
    if (/^-?\d+$/.test(t)) return new BigNum(t);
    return Number(t);
  }
  return Number(b.toString('latin1', s, e));
}

/**
 * Reads a fixed set of field paths (dotted, e.g. "context.os.name") from raw lines. After read():
 * found(k) says whether path k is present, value(k) decodes it, raw(k) gives its JSON text.
 * Lines the byte scanner finds unusual are parsed with JSON.parse instead (same answers).
 */
export class FieldReader {
  private readonly paths: string[][];
  private readonly pathKeys: Buffer[][][];
  private readonly topKeys: Buffer[];
  private readonly topIndex: number[]; // path k -> index in topKeys
  private readonly ts: Int32Array;
  private readonly te: Int32Array;
  private readonly s: Int32Array;
  private readonly e: Int32Array;
  private buf: Buffer = Buffer.alloc(0);
  private parsed: any = undefined; // fallback record
  private readonly subStarts = new Int32Array(1);
  private readonly subEnds = new Int32Array(1);
  private readonly simd: TopScan | null;
  /** span of the whole top-level object after read() */
  objStart = 0;
  objEnd = 0;
  /** why the last read() failed */
  error = '';

  constructor(paths: string[]) {
    this.paths = paths.map(splitPath);
    this.pathKeys = this.paths.map((p) => p.map((seg) => [Buffer.from(seg, "utf8")]));
    const tops: string[] = [];
    this.topIndex = this.paths.map((p) => {
      let k = tops.indexOf(p[0]);
      if (k < 0) { k = tops.length; tops.push(p[0]); }
      return k;
    });
    this.topKeys = tops.map((t) => Buffer.from(t, 'utf8'));
    this.ts = new Int32Array(tops.length);
    this.te = new Int32Array(tops.length);
    this.s = new Int32Array(paths.length);
    this.e = new Int32Array(paths.length);
    this.simd = TopScan.create(this.topKeys);
  }

  /** false when the line is not one JSON object (this.error says why) */
  read(b: Buffer, start: number, end: number): boolean {
    this.buf = b;
    this.parsed = undefined;
    const obj = lineObject(b, start, end);
    if (typeof obj === 'number') return this.fallback(b, start, end);
    this.objStart = obj.s;
    this.objEnd = obj.e;
    // the SIMD walk when it is sure, else the JavaScript one (the same answers: scan-wasm.test.mjs)
    let r = this.simd === null ? UNSURE : this.simd.scan(b, obj.s, obj.e, this.ts, this.te);
    if (r === UNSURE) r = scanObject(b, obj.s, obj.e, this.topKeys, this.ts, this.te);
    if (r !== obj.e) return this.fallback(b, start, end);
    for (let k = 0; k < this.paths.length; k++) {
      const t = this.topIndex[k];
      let vs = this.ts[t], ve = this.te[t];
      const p = this.paths[k];
      for (let d = 1; d < p.length && vs >= 0; d++) {
        if (b[vs] !== LBRACE) { vs = -1; break; }
        const sub = scanObject(b, vs, ve, this.pathKeys[k][d], this.subStarts, this.subEnds);
        if (sub === UNUSUAL) return this.fallback(b, start, end);
        vs = this.subStarts[0]; ve = this.subEnds[0];
      }
      this.s[k] = vs; this.e[k] = ve;
    }
    return true;
  }

  private fallback(b: Buffer, start: number, end: number): boolean {
    try {
      const v = parseJson(b.toString('utf8', start, end));
      if (v === null || typeof v !== 'object' || Array.isArray(v)) { this.error = 'not a JSON object'; return false; }
      this.parsed = v;
      const obj = lineObject(b, start, end);
      if (typeof obj !== 'number') { this.objStart = obj.s; this.objEnd = obj.e; }
      return true;
    } catch (err) {
      this.error = (err as Error).message;
      return false;
    }
  }

  found(k: number): boolean {
    if (this.parsed !== undefined) return getPath(this.parsed, this.paths[k]) !== undefined;
    return this.s[k] >= 0;
  }

  /** is field k's JSON text exactly these bytes (e.g. a quoted name)? no decoding, no allocation */
  rawEquals(k: number, bytes: Buffer): boolean {
    if (this.parsed !== undefined) { const r = this.raw(k); return r !== undefined && r === bytes.toString('utf8'); }
    const s = this.s[k], e = this.e[k], b = this.buf;
    if (s < 0 || e - s !== bytes.length) return false;
    for (let i = 0; i < bytes.length; i++) if (b[s + i] !== bytes[i]) return false;
    return true;
  }

  /** field k as a number: a number, or a string holding one; NaN otherwise (plain integers parsed from the bytes) */
  number(k: number): number {
    if (this.parsed === undefined) {
      let s = this.s[k], e = this.e[k];
      const b = this.buf;
      if (s < 0) return NaN;
      if (b[s] === QUOTE) { s++; e--; }
      if (e - s > 0 && e - s < 16) {
        let v = 0, i = s;
        const neg = b[i] === 45;
        if (neg) i++;
        if (i < e) {
          for (; i < e; i++) { const c = b[i] - 48; if (c < 0 || c > 9) break; v = v * 10 + c; }
          if (i === e) return neg ? -v : v;
        }
      }
    }
    const v = this.value(k);
    if (v === null || v === undefined || typeof v === 'boolean' || typeof v === 'object' && !(v instanceof BigNum)) return NaN;
    if (typeof v === 'string' && v.trim() === '') return NaN;
    return Number(v instanceof BigNum ? v.raw : v);
  }

  /** decoded value, undefined when absent */
  value(k: number): any {
    if (this.parsed !== undefined) return getPath(this.parsed, this.paths[k]);
    return this.s[k] < 0 ? undefined : decodeValue(this.buf, this.s[k], this.e[k]);
  }

  /** JSON text of the value, undefined when absent */
  raw(k: number): string | undefined {
    if (this.parsed !== undefined) {
      const v = getPath(this.parsed, this.paths[k]);
      return v === undefined ? undefined : v instanceof BigNum ? v.raw : JSON.stringify(v);
    }
    return this.s[k] < 0 ? undefined : this.buf.toString('utf8', this.s[k], this.e[k]);
  }

  /**
   * Append the canonical token of field k to `out` at `pos` as bytes and return the new position, or
   * -1 when the field is absent or null. Plain strings and short numbers are copied straight from the
   * line; anything needing canonicalisation goes through token().
   */
  tokenInto(k: number, out: Buffer, pos: number): number {
    if (this.parsed === undefined) {
      const s = this.s[k], e = this.e[k];
      if (s < 0) return -1;
      const b = this.buf, c = b[s];
      if (c === 110) return -1; // null
      if (c === QUOTE ? !hasByte(b, s + 1, e - 1, BSL) : (c >= 48 && c <= 57 && e - s < 16 && !hasByte(b, s, e, 46) && !hasByte(b, s, e, 101) && !hasByte(b, s, e, 69) && !(c === 48 && e - s > 1))) {
        if (pos + (e - s) > out.length) return -2;
        for (let i = s; i < e; i++) out[pos++] = b[i]; // short: a JS loop beats Buffer.copy's call cost
        return pos;
      }
    }
    const t = this.token(k);
    if (t === 'null') return -1;
    if (pos + t.length > out.length) return -2;
    return pos + out.write(t, pos, 'latin1');
  }

  /**
   * The canonical tokens of fields 0..n-1 joined by byte 1 into `out` (a composite key as bytes).
   * Returns its length; -(k + 1) when field k is absent or null (unless nullsAllowed: then it is the
   * token null); KEY_TOO_LONG when `out` is too small.
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

  /**
   * Where a new top-level member goes (before the closing brace of the last read line) and the text to
   * insert there for `member` ('"name":value'), with the separating comma when the object is not empty.
   */
  insertion(member: string): { at: number; text: string } {
    const b = this.buf, close = this.objEnd - 1;
    let i = close - 1;
    while (i > this.objStart && (b[i] === 32 || b[i] === 9 || b[i] === 10 || b[i] === 13)) i--;
    return { at: close, text: i === this.objStart ? member : ',' + member };
  }

  /** canonicalToken() of the value; 'null' when absent */
  token(k: number): string {
    if (this.parsed !== undefined) return canonicalOf(getPath(this.parsed, this.paths[k]));
    return this.s[k] < 0 ? 'null' : canonicalToken(this.buf, this.s[k], this.e[k]);
  }

  /** byte span of a top-level value (for splicing), or -1 when absent or read by the fallback */
  spanStart(k: number): number { return this.parsed !== undefined ? -2 : this.s[k]; }
  spanEnd(k: number): number { return this.e[k]; }
}

/**
 * A canonical text of a JSON value, usable as a grouping/distinct key: the value's JSON text with
 * escapes resolved in strings ("\u0041" and "A" are one key) and short numbers normalised (1.0 and 1
 * are one key); integers of 16+ digits are kept exactly. Returned as latin1 of the UTF-8 bytes, so it
 * is cheap to build and writes back byte for byte with Buffer.from(token, 'latin1').
 */
export function canonicalToken(b: Buffer, s: number, e: number): string {
  const c = b[s];
  if (c === QUOTE) {
    if (!hasByte(b, s + 1, e - 1, BSL)) return b.toString('latin1', s, e);
    return Buffer.from(JSON.stringify(JSON.parse(b.toString('utf8', s, e))), 'utf8').toString('latin1');
  }
  if ((c >= 48 && c <= 57) || c === 45) {
    const t = b.toString('latin1', s, e);
    if (e - s >= 16 && /^-?\d+$/.test(t)) return t;
    return String(Number(t));
  }
  if (c === LBRACE || c === LBRACK) return Buffer.from(JSON.stringify(JSON.parse(b.toString('utf8', s, e))), 'utf8').toString('latin1');
  return b.toString('latin1', s, e);
}

/** canonicalToken for an already decoded value */
export function canonicalOf(v: unknown): string {
  if (v instanceof BigNum) return v.raw;
  return Buffer.from(JSON.stringify(v ?? null), 'utf8').toString('latin1');
}
