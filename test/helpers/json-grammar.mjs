// JSON (RFC 8259) for the conformance tests, written from the RFC's grammar and independent of the
// project's reader: a seeded generator of valid JSON texts (every production, insignificant whitespace
// in every legal place), a mutator that builds broken texts from valid ones, and a reference
// recursive-descent checker over bytes that decides which texts are valid (and builds their values,
// numbers kept as exact decimals, so tools' output can be compared by value).
//
//   JSON-text = ws value ws                     ws = *( %x20 / %x09 / %x0A / %x0D )
//   value = false / null / true / object / array / number / string
//   object = { [ member *( , member ) ] }       member = string : value      (ws around every token)
//   array = [ [ value *( , value ) ] ]
//   number = [ - ] int [ frac ] [ exp ]         int = 0 / ( %x31-39 *DIGIT )
//   frac = . 1*DIGIT                            exp = ( e / E ) [ - / + ] 1*DIGIT
//   string = " *char "   char = unescaped (%x20-21 / %x23-5B / %x5D-10FFFF) / \ ( " \ / b f n r t uXXXX )
//   text is UTF-8 (RFC 3629 / Unicode table 3-7: no overlongs, no encoded surrogates, nothing above U+10FFFF)
//
// Implementation-defined choices of this project (RFC 8259 says "may"): escaped lone surrogates
// ("\uD800") are accepted; numbers of any size are accepted; duplicate keys are accepted (last wins);
// nesting deeper than MAX_DEPTH (1024) is rejected.

export const MAX_DEPTH = 1024;

// ---------------------------------------------------------------------------------------------------
// seeded PRNG (mulberry32)

export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n);
  next.pick = (arr) => arr[Math.floor(next() * arr.length)];
  next.chance = (p) => next() < p;
  return next;
}

// ---------------------------------------------------------------------------------------------------
// UTF-8 (Unicode table 3-7, well-formed byte sequences)

/** length of the well-formed UTF-8 sequence at b[i], or 0 when it is not one */
export function utf8SeqLen(b, i, end = b.length) {
  const c = b[i];
  if (c < 0x80) return 1;
  const cont = (j, lo = 0x80, hi = 0xbf) => j < end && b[j] >= lo && b[j] <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(i + 1) ? 2 : 0;
  if (c === 0xe0) return cont(i + 1, 0xa0) && cont(i + 2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(i + 1) && cont(i + 2) ? 3 : 0;
  if (c === 0xed) return cont(i + 1, 0x80, 0x9f) && cont(i + 2) ? 3 : 0;
  if (c === 0xf0) return cont(i + 1, 0x90) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  if (c === 0xf4) return cont(i + 1, 0x80, 0x8f) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  return 0;
}

export function isUtf8(b) {
  for (let i = 0; i < b.length;) { const n = utf8SeqLen(b, i); if (!n) return false; i += n; }
  return true;
}

// ---------------------------------------------------------------------------------------------------
// the reference checker / parser

/** A JSON number kept exactly: `raw` token; normalized as sign, significant digits, exponent (BigInt). */
export class Num {
  constructor(raw) {
    this.raw = raw;
    const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(raw);
    this.isInt = m[3] === undefined && m[4] === undefined;
    let digits = m[2] + (m[3] ?? '');
    let exp = BigInt(m[4] ?? 0) - BigInt((m[3] ?? '').length);
    digits = digits.replace(/^0+/, '');
    const trail = digits.length - digits.replace(/0+$/, '').length;
    digits = digits.slice(0, digits.length - trail);
    exp += BigInt(trail);
    this.zero = digits === '';
    this.neg = m[1] === '-' && !this.zero; // -0 equals 0
    this.digits = digits;
    this.exp = this.zero ? 0n : exp;
    this.intDigits = m[2].replace(/^0+/, '').length;
  }
  /** the exact value as a canonical string (same value <=> same string) */
  get canon() { return this.zero ? '0' : `${this.neg ? '-' : ''}${this.digits}e${this.exp}`; }
  get double() { return Number(this.raw); }
}

export class JsonError extends Error {
  constructor(message, pos) { super(`${message} at byte ${pos}`); this.pos = pos; }
}

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) { HEX[65 + i] = 10 + i; HEX[97 + i] = 10 + i; }
const ESC = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };

/**
 * Parse a JSON text from bytes. Returns the value: null/true/false, Num, string (JS string; escaped
 * lone surrogates kept as code units), array, Map (objects; duplicate keys: last wins, first position).
 * With `spans`, a top-level object's Map carries `.spans`: key -> [start, end) of its (last) value.
 * Throws JsonError on anything outside the grammar (or nesting deeper than maxDepth).
 */
export function parse(input, { maxDepth = MAX_DEPTH, spans = false } = {}) {
  const b = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const end = b.length;
  let i = 0, depth = 0;
  const fail = (msg) => { throw new JsonError(msg, i); };
  const ws = () => { while (i < end && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0a || b[i] === 0x0d)) i++; };
  const lit = (word, v) => {
    for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) fail(`bad literal (expected ${word})`);
    i += word.length;
    return v;
  };
  const digits = () => { const s = i; while (i < end && b[i] >= 0x30 && b[i] <= 0x39) i++; return i - s; };
  const number = () => {
    const s = i;
    if (b[i] === 0x2d) i++;
    if (b[i] === 0x30) i++;
    else if (b[i] >= 0x31 && b[i] <= 0x39) digits();
    else fail('bad number (no digit)');
    if (b[i] === 0x2e) { i++; if (!digits()) fail('bad number (no digit after .)'); }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      if (b[i] === 0x2b || b[i] === 0x2d) i++;
      if (!digits()) fail('bad number (no digit in exponent)');
    }
    return new Num(b.toString('latin1', s, i));
  };
  const string = () => {
    if (b[i] !== 0x22) fail('expected a string');
    i++;
    let out = '';
    let run = i;
    for (;;) {
      if (i >= end) fail('unterminated string');
      const c = b[i];
      if (c === 0x22) { out += b.toString('utf8', run, i); i++; return out; }
      if (c < 0x20) fail('raw control character in a string');
      if (c === 0x5c) {
        out += b.toString('utf8', run, i);
        const e = b[i + 1];
        if (e === 0x75) {
          let u = 0;
          for (let k = 2; k < 6; k++) { const h = HEX[b[i + k] ?? 0]; if (h < 0 || i + k >= end) { i += k; fail('bad \\u escape'); } u = u * 16 + h; }
          out += String.fromCharCode(u);
          i += 6;
        } else if (e !== undefined && ESC[e] !== undefined && i + 1 < end) { out += ESC[e]; i += 2; }
        else { i++; fail('bad escape'); }
        run = i;
        continue;
      }
      if (c < 0x80) { i++; continue; }
      const n = utf8SeqLen(b, i, end);
      if (!n) fail('invalid UTF-8');
      i += n;
    }
  };
  const value = (top) => {
    if (i >= end) fail('expected a value');
    const c = b[i];
    if (c === 0x7b) {
      if (++depth > maxDepth) fail('nesting too deep');
      i++; ws();
      const m = new Map();
      if (top && spans) m.spans = new Map();
      if (b[i] === 0x7d) { i++; depth--; return m; }
      for (;;) {
        const k = string(); ws();
        if (b[i] !== 0x3a) fail("expected ':'");
        i++; ws();
        const vs = i;
        const v = value(false);
        if (m.spans) m.spans.set(k, [vs, i]);
        m.set(k, v);
        ws();
        if (b[i] === 0x2c) { i++; ws(); continue; }
        if (b[i] === 0x7d) { i++; depth--; return m; }
        fail("expected ',' or '}'");
      }
    }
    if (c === 0x5b) {
      if (++depth > maxDepth) fail('nesting too deep');
      i++; ws();
      const a = [];
      if (b[i] === 0x5d) { i++; depth--; return a; }
      for (;;) {
        a.push(value(false)); ws();
        if (b[i] === 0x2c) { i++; ws(); continue; }
        if (b[i] === 0x5d) { i++; depth--; return a; }
        fail("expected ',' or ']'");
      }
    }
    if (c === 0x22) return string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return number();
    if (c === 0x74) return lit('true', true);
    if (c === 0x66) return lit('false', false);
    if (c === 0x6e) return lit('null', null);
    fail(`unexpected byte 0x${c.toString(16).padStart(2, '0')}`);
  };
  ws();
  const v = value(true);
  ws();
  if (i !== end) fail('bytes after the value');
  return v;
}

/** {ok, error} for a JSON text */
export function check(input, opts) {
  try { parse(input, opts); return { ok: true }; } catch (err) {
    if (err instanceof JsonError) return { ok: false, error: err.message };
    throw err;
  }
}

export const isObject = (v) => v instanceof Map;

// ---------------------------------------------------------------------------------------------------
// value equality (a tool's output value against the input's)

/** equal numbers: the same exact value; or, for a number written with a fraction or exponent that a
 *  double holds (finite, not rounded to 0), the same double. Integers of 16+ digits must stay exact. */
export function numEqual(input, output) {
  if (input.canon === output.canon) return true;
  if (input.isInt && input.intDigits >= 16) return false;
  const d = input.double;
  if (!Number.isFinite(d) || (d === 0 && !input.zero)) return false;
  return d === output.double;
}

export function valueEqual(a, b) {
  if (a === b) return true;
  if (a instanceof Num) return b instanceof Num && numEqual(a, b);
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, k) => valueEqual(x, b[k]));
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !valueEqual(v, b.get(k))) return false;
    return true;
  }
  return false;
}

/** a canonical text for exact-value lookups (objects order-independent, numbers by exact value) */
export function canon(v) {
  if (v instanceof Num) return `#${v.canon}`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${JSON.stringify(k)}:${canon(x)}`).sort().join(',')}}`;
  return String(v);
}

/** a JSON.parse result in this module's representation (numbers as their shortest double text) */
export function fromJs(v) {
  if (typeof v === 'number') return new Num(Object.is(v, -0) ? '-0' : JSON.stringify(v).replace(/e\+/, 'e'));
  if (Array.isArray(v)) return v.map(fromJs);
  if (v && typeof v === 'object') return new Map(Object.entries(v).map(([k, x]) => [k, fromJs(x)]));
  return v;
}

/** does a string hold a lone surrogate (cannot be written as UTF-8 without an escape) */
export const hasLoneSurrogate = (s) => /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
export const anyLoneSurrogate = (v) => (typeof v === 'string' ? hasLoneSurrogate(v)
  : Array.isArray(v) ? v.some(anyLoneSurrogate)
    : v instanceof Map ? [...v].some(([k, x]) => hasLoneSurrogate(k) || anyLoneSurrogate(x)) : false);

// ---------------------------------------------------------------------------------------------------
// the generator of valid JSON texts

// insignificant whitespace: space, tab, CR (LF would end the NDJSON line)
const WS = [' ', '\t', '\r', '  ', ' \t', '\t\r', '\r ', ' \r\t '];
const ESCAPES = ['\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t'];
const RAW = ['é', 'ñ', 'ß', '\u0080', '\u07ff', '\u0800', '€', '中', '\u2028', '\u2029', '\ufeff', '\ufffd', '\uffff',
  '😀', '𝄞', '\u{10000}', '\u{10ffff}', '\x7f', '~', ' '];
const NUMBERS = ['0', '-0', '0.0', '-0.0', '0e0', '0E+0', '-0.0e-0', '1', '-1', '10', '1.5', '-3.25', '0.1', '1e5', '1E5',
  '1e+5', '1E-5', '2.5e-3', '123e45', '1E400', '-1E400', '1e-400', '-1e-400', '1.5E+308', '1.7976931348623157e308',
  '5e-324', '4.9e-324', '123456789012345678901234567890', '-123456789012345678901234567890', '9007199254740993',
  '9223372036854775807', '-9223372036854775808', '18446744073709551616', '1234567890123456', '3.141592653589793238462643383279',
  '0.10000000000000000001', '100000000000000000000', '1e0', '1E-0'];
const KEYS = ['a', 'b', 'a', 'id', 'v', 'x', '', 'event_name', 'key', 'value', '__proto__', 'constructor', 'k\\u0041', 'é', '😀'];

export class Generator {
  constructor(seed) { this.r = rng(seed); }
  ws() { return this.r.chance(0.75) ? '' : this.r.pick(WS); }
  hex4(cp) {
    const h = cp.toString(16).padStart(4, '0');
    return `\\u${this.r.chance(0.5) ? h : h.toUpperCase()}`;
  }
  char() {
    const r = this.r, k = r.int(100);
    if (k < 45) { // printable ASCII except " and backslash
      let c; do { c = 0x20 + r.int(95); } while (c === 0x22 || c === 0x5c);
      return String.fromCharCode(c);
    }
    if (k < 60) return r.pick(ESCAPES);
    if (k < 67) { let cp; do { cp = r.int(0x10000); } while (cp >= 0xd800 && cp <= 0xdfff); return this.hex4(cp); }
    if (k < 69) return this.hex4(r.int(0x20)); // escaped control characters
    if (k < 72) { const cp = 0x10000 + r.int(0x100000); const s = String.fromCodePoint(cp); return this.hex4(s.charCodeAt(0)) + this.hex4(s.charCodeAt(1)); }
    if (k < 73) return this.hex4(0xd800 + r.int(0x800)); // an escaped lone surrogate: accepted (implementation-defined)
    if (k < 90) return r.pick(RAW);
    let cp; do { cp = 0x80 + r.int(0x10ff80); } while (cp >= 0xd800 && cp <= 0xdfff);
    return String.fromCodePoint(cp);
  }
  string(max = 8) {
    let s = '"';
    const n = this.r.chance(0.1) ? 0 : this.r.int(max) + 1;
    for (let k = 0; k < n; k++) s += this.char();
    return s + '"';
  }
  number() {
    const r = this.r;
    if (r.chance(0.35)) return r.pick(NUMBERS);
    let s = r.chance(0.3) ? '-' : '';
    s += r.chance(0.2) ? '0' : String(1 + r.int(9)) + Array.from({ length: r.int(r.chance(0.1) ? 25 : 6) }, () => r.int(10)).join('');
    if (r.chance(0.4)) s += '.' + Array.from({ length: 1 + r.int(r.chance(0.1) ? 20 : 4) }, () => r.int(10)).join('');
    if (r.chance(0.3)) s += r.pick(['e', 'E']) + r.pick(['', '+', '-']) + String(r.int(r.chance(0.1) ? 1000 : 30));
    return s;
  }
  key() { return this.r.chance(0.3) ? `"${this.r.pick(KEYS)}"` : this.string(6); }
  value(depth = 0, maxDepth = 5) {
    const r = this.r;
    const k = r.int(100);
    const nest = depth < maxDepth ? 0.45 - depth * 0.07 : 0;
    if (r() < nest) {
      const n = r.chance(0.15) ? 0 : 1 + r.int(4);
      if (r.chance(0.5)) {
        if (n === 0) return `[${this.ws()}]`;
        return `[${Array.from({ length: n }, () => this.ws() + this.value(depth + 1, maxDepth) + this.ws()).join(',')}]`;
      }
      if (n === 0) return `{${this.ws()}}`;
      return `{${Array.from({ length: n }, () => `${this.ws()}${this.key()}${this.ws()}:${this.ws()}${this.value(depth + 1, maxDepth)}${this.ws()}`).join(',')}}`;
    }
    if (k < 15) return r.pick(['true', 'false', 'null']);
    if (k < 55) return this.number();
    return this.string();
  }
  /** a nested chain of arrays/objects `levels` deep (deep-but-legal documents) */
  deep(levels) {
    let s = this.value(4, 5);
    for (let k = 0; k < levels; k++) s = this.r.chance(0.5) ? `[${s}]` : `{"d":${s}}`;
    return s;
  }
}

// ---------------------------------------------------------------------------------------------------
// the mutator: broken texts from valid ones (the reference checker decides which really are broken)

/** invalid UTF-8, one list per class */
export const BAD_UTF8 = {
  'lone continuation byte': [[0x80], [0xbf], [0x80, 0x80]],
  'overlong 2-byte': [[0xc0, 0x80], [0xc1, 0xbf], [0xc0, 0xaf]],
  'overlong 3-byte': [[0xe0, 0x80, 0x80], [0xe0, 0x9f, 0xbf]],
  'overlong 4-byte': [[0xf0, 0x80, 0x80, 0x80], [0xf0, 0x8f, 0xbf, 0xbf]],
  'UTF-8-encoded surrogate': [[0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]],
  'above U+10FFFF': [[0xf4, 0x90, 0x80, 0x80], [0xf7, 0xbf, 0xbf, 0xbf]],
  'invalid lead byte': [[0xf5, 0x80, 0x80, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfc, 0x84, 0x80, 0x80, 0x80, 0x80], [0xfe], [0xff]],
  'truncated sequence': [[0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98]],
  'bad continuation': [[0xc3, 0x28], [0xe2, 0x28, 0xa1], [0xe2, 0x82, 0x28], [0xf0, 0x9f, 0x28, 0x8c]],
};

const INSERT_BYTES = [0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x20, 0x09, 0x0d, 0x00, 0x01, 0x1f, 0x0c, 0x0b,
  0x6e, 0x74, 0x66, 0x75, 0x30, 0x31, 0x2d, 0x2b, 0x2e, 0x65, 0x45, 0x78, 0x27, 0x2f, 0x80, 0xc3, 0xe2, 0xf0, 0xff];

/** byte positions inside strings (between the quotes) and outside them, for a (mostly valid) text */
function layout(b) {
  const inStr = new Uint8Array(b.length);
  let s = false;
  for (let i = 0; i < b.length; i++) {
    if (s) {
      if (b[i] === 0x5c) { inStr[i] = 1; if (i + 1 < b.length) inStr[++i] = 1; continue; }
      if (b[i] === 0x22) { s = false; continue; }
      inStr[i] = 1;
    } else if (b[i] === 0x22) s = true;
  }
  return inStr;
}

const splice = (b, at, del, ins) => Buffer.concat([b.subarray(0, at), Buffer.from(ins), b.subarray(at + del)]);

export class Mutator {
  constructor(seed) { this.r = rng(seed); }
  static KINDS = ['delete byte', 'insert byte', 'duplicate byte', 'swap bytes', 'replace byte', 'control char in string',
    'trailing comma', 'leading zero', 'bad escape', 'cut', 'invalid UTF-8', 'missing colon', 'doubled comma',
    'missing bracket', 'bad literal', 'bad number', 'illegal whitespace', 'comment', 'junk after value'];

  /** a mutant of `text` (Buffer or string): {buf, kind}; `kind` forces one mutation */
  mutate(text, kind = this.r.pick(Mutator.KINDS)) {
    const b = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
    const out = this.apply(b, kind);
    if (out) return { buf: out, kind };
    return { buf: this.apply(b, 'insert byte'), kind: 'insert byte' };
  }

  apply(b, kind) {
    const r = this.r, n = b.length;
    const inStr = layout(b);
    // char boundaries (not inside a UTF-8 sequence, not right after a backslash) inside/outside strings
    const boundary = (i) => i < n && (b[i] < 0x80 || b[i] > 0xbf) && !(i > 0 && b[i - 1] === 0x5c && inStr[i - 1]);
    const where = (pred) => { const p = []; for (let i = 0; i < n; i++) if (pred(i)) p.push(i); return p.length ? r.pick(p) : -1; };
    const inString = () => where((i) => inStr[i] && boundary(i) || (i > 0 && b[i] === 0x22 && inStr[i - 1] && !inStr[i] && boundary(i)));
    const outside = (pred) => where((i) => !inStr[i] && b[i] !== 0x22 && pred(b[i], i));
    const at = r.int(n);
    switch (kind) {
      case 'delete byte': return n > 1 ? splice(b, at, 1, []) : null;
      case 'insert byte': return splice(b, r.int(n + 1), 0, [r.pick(INSERT_BYTES)]);
      case 'duplicate byte': return splice(b, at, 0, [b[at]]);
      case 'swap bytes': { if (n < 2) return null; const c = Buffer.from(b); const j = r.chance(0.5) ? Math.min(n - 1, at + 1) : r.int(n); [c[at], c[j]] = [c[j], c[at]]; return c; }
      case 'replace byte': { const c = Buffer.from(b); c[at] = r.pick(INSERT_BYTES); return c; }
      case 'control char in string': { const p = inString(); return p < 0 ? null : splice(b, p, 0, [r.pick([0x00, 0x01, 0x09, 0x0d, 0x0b, 0x0c, 0x1b, 0x1f, 0x08])]); }
      case 'trailing comma': { const p = outside((c) => c === 0x5d || c === 0x7d); return p < 0 ? null : splice(b, p, 0, r.pick([',', ' ,', ',\t'])); }
      case 'leading zero': {
        // the first digit of a number's integer part (not of a fraction or an exponent, where 0s are legal)
        const isNumByte = (c) => (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b;
        const p = outside((c, i) => c >= 0x30 && c <= 0x39 && !(i > 0 && isNumByte(b[i - 1]))
          && !(i > 1 && b[i - 1] === 0x2d && (b[i - 2] === 0x65 || b[i - 2] === 0x45)));
        return p < 0 ? null : splice(b, p, 0, '0');
      }
      case 'bad escape': {
        const p = inString();
        return p < 0 ? null : splice(b, p, 0, Buffer.from(r.pick(['\\x', '\\a', '\\0', "\\'", '\\U0041', '\\u12', '\\u12G4', '\\uXYZW', '\\ ', '\\\t', '\\é', '\\u', '\\v', '\\e', '\\x41']), 'utf8'));
      }
      case 'cut': return n > 1 ? b.subarray(0, 1 + r.int(n - 1)) : null;
      case 'invalid UTF-8': {
        const cls = r.pick(Object.keys(BAD_UTF8));
        const seq = r.pick(BAD_UTF8[cls]);
        const p = r.chance(0.85) ? inString() : -1;
        this.lastUtf8Class = cls;
        return splice(b, p < 0 ? r.int(n + 1) : p, 0, seq);
      }
      case 'missing colon': { const p = outside((c) => c === 0x3a); return p < 0 ? null : splice(b, p, 1, []); }
      case 'doubled comma': { const p = outside((c) => c === 0x2c); return p < 0 ? null : splice(b, p, 0, r.pick([',', ' ,'])); }
      case 'missing bracket': { const p = outside((c) => c === 0x5d || c === 0x7d || c === 0x5b || c === 0x7b); return p < 0 ? null : splice(b, p, 1, []); }
      case 'bad literal': {
        const s = b.toString('latin1');
        const hits = [...s.matchAll(/true|false|null/g)].filter((m) => !inStr[m.index]);
        if (!hits.length) return null;
        const m = r.pick(hits);
        const bad = { true: ['tru', 'True', 'TRUE', 'truee', 't rue', 'tr\\u0075e'], false: ['fals', 'False', 'falsey', 'f'], null: ['nul', 'NULL', 'nil', 'nulll', 'None'] }[m[0]];
        return splice(b, m.index, m[0].length, Buffer.from(r.pick(bad), 'latin1'));
      }
      case 'bad number': {
        const s = b.toString('latin1');
        const hits = [...s.matchAll(/-?\d+(\.\d+)?([eE][+-]?\d+)?/g)].filter((m) => !inStr[m.index]);
        if (!hits.length) return null;
        const m = r.pick(hits);
        const forms = [`+${m[0]}`, `${m[0]}.`, `.${m[0].replace('-', '')}`, `${m[0]}e`, `${m[0]}E+`, `${m[0]}.e1`, `0x${m[0].replace('-', '')}`,
          'NaN', 'Infinity', '-Infinity', '-', `${m[0]}_0`, `--${m[0].replace('-', '')}`, `${m[0]}e1.5`, `${m[0]}.5.5`, `1,000`];
        return splice(b, m.index, m[0].length, Buffer.from(r.pick(forms), 'latin1'));
      }
      case 'illegal whitespace': {
        const p = outside((c) => c === 0x2c || c === 0x3a || c === 0x5b || c === 0x7b);
        const wsb = r.pick([[0x0c], [0x0b], [0xc2, 0xa0], [0xe2, 0x80, 0xa8], [0xef, 0xbb, 0xbf], [0x00], [0x1a], [0xe3, 0x80, 0x80]]);
        return p < 0 ? null : splice(b, p + 1, 0, wsb);
      }
      case 'comment': { const p = outside((c) => c === 0x2c || c === 0x5b || c === 0x7b); return p < 0 ? null : splice(b, p + 1, 0, r.pick(['/*c*/', '// c', '#c'])); }
      case 'junk after value': return Buffer.concat([b, Buffer.from(r.pick([' x', ',', '}', ']', ' {}', '\x00', ' 1', '"', ' //'] ), 'latin1')]);
      default: throw new Error(`unknown mutation ${kind}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// hand-written cases in the spirit of JSONTestSuite (y_ must be accepted, n_ rejected, i_ decided by
// this project's contract). Values are written as byte strings (latin1 escapes for raw bytes).

const raw = (s) => Buffer.from(s, 'latin1');
const u8 = (s) => Buffer.from(s, 'utf8');

/** values placed inside a record (as "v"), [name, bytes, valid] */
export const VALUE_CASES = [
  // y_: accepted
  ['y_empty_array', u8('[]'), true], ['y_empty_object', u8('{}'), true], ['y_array_ws', u8('[ \t\r ]'), true],
  ['y_object_ws', u8('{\t \r}'), true], ['y_empty_string', u8('""'), true], ['y_nested', u8('[[[[[]]]],{"a":{"b":{}}}]'), true],
  ['y_literals', u8('[null,true,false]'), true], ['y_ws_everywhere', u8(' [ 1 ,\t{ "a"\r:\tnull } , [ ] ]\r'), true],
  ['y_all_escapes', u8('"\\"\\\\\\/\\b\\f\\n\\r\\t"'), true], ['y_u_escape_lower', u8('"\\u00e9\\u20ac"'), true],
  ['y_u_escape_upper', u8('"\\u00E9\\u20AC"'), true], ['y_u_escape_nul', u8('"\\u0000"'), true],
  ['y_u_escape_pair', u8('"\\uD83D\\uDE00"'), true], ['y_raw_astral', u8('"😀𝄞"'), true], ['y_raw_max', u8('"\u{10ffff}"'), true],
  ['y_raw_2byte', u8('"é\u0080\u07ff"'), true], ['y_raw_3byte', u8('"\u0800€\uffff\ufffe"'), true],
  ['y_raw_line_separators', u8('"\u2028\u2029"'), true], ['y_raw_bom_in_string', u8('"\ufeff"'), true],
  ['y_raw_del', raw('"\x7f"'), true], ['y_escaped_slash', u8('"a\\/b"'), true], ['y_escaped_backslash_u', u8('"\\u005C"'), true],
  ['y_key_escaped', u8('{"k\\u0041":1}'), true], ['y_key_empty', u8('{"":""}'), true], ['y_key_nul_escape', u8('{"\\u0000":1}'), true],
  ['y_minus_zero', u8('-0'), true], ['y_minus_zero_frac_exp', u8('-0.0e-0'), true], ['y_zero_exp', u8('0E0'), true],
  ['y_exp_plus', u8('1E+2'), true], ['y_exp_minus', u8('1e-2'), true], ['y_big_exp', u8('123e45'), true],
  ['y_max_double', u8('1.7976931348623157e308'), true], ['y_min_subnormal', u8('5e-324'), true], ['y_neg_frac', u8('-1.5E308'), true],
  ['y_int_64', u8('9223372036854775807'), true], ['y_int_long', u8('[12345678901234567890123]'), true],
  ['y_string_of_quotes', u8('"\\"\\""'), true], ['y_many_members', u8('{"a":1,"b":[2,{"c":"d"}],"e":null}'), true],
  ['y_deep_100', u8('['.repeat(100) + ']'.repeat(100)), true],
  // i_ (implementation-defined) decided by the contract: accepted
  ['i_lone_high_surrogate', u8('"\\uD800"'), true], ['i_lone_low_surrogate', u8('"\\uDC00"'), true],
  ['i_reversed_surrogates', u8('"\\uDC00\\uD800"'), true], ['i_surrogate_then_char', u8('"\\uD800abc"'), true],
  ['i_huge_exp', u8('1E400'), true], ['i_neg_huge_exp', u8('-1E400'), true], ['i_tiny', u8('1e-400'), true],
  ['i_huge_int', u8('123456789012345678901234567890'), true], ['i_long_frac', u8('0.' + '1'.repeat(400)), true],
  ['i_exp_overflow_digits', u8('1e99999999999999999999'), true],
  ['i_duplicate_keys', u8('{"a":1,"a":2}'), true], ['i_duplicate_keys_nested', u8('{"a":{"b":1},"a":[2]}'), true],
  ['i_noncharacters', u8('"\ufdd0\u{1fffe}"'), true],
  // n_: rejected
  ['n_array_missing_comma', u8('[1 true]'), false], ['n_array_leading_comma', u8('[,1]'), false],
  ['n_object_missing_colon', u8('{"x" "y"}'), false], ['n_array_colon', u8('[1:2]'), false], ['n_leading_zero', u8('0123'), false],
  ['n_leading_zero_neg', u8('-01'), false], ['n_leading_zero_frac', u8('00.5'), false], ['n_frac_no_digits', u8('1.'), false],
  ['n_no_int', u8('.5'), false], ['n_frac_exp_no_digits', u8('1.e5'), false], ['n_exp_no_digits', u8('1e'), false],
  ['n_exp_sign_only', u8('1e+'), false], ['n_minus_only', u8('-'), false], ['n_plus', u8('+1'), false], ['n_hex', u8('0x10'), false],
  ['n_underscore', u8('1_000'), false], ['n_nan', u8('NaN'), false], ['n_infinity', u8('Infinity'), false],
  ['n_neg_infinity', u8('-Infinity'), false], ['n_minus_space', u8('- 1'), false], ['n_double_minus', u8('--1'), false],
  ['n_exp_frac', u8('1e1.5'), false], ['n_two_dots', u8('1.5.5'), false], ['n_zero_dot_e', u8('0.e1'), false],
  ['n_tru', u8('tru'), false], ['n_True', u8('True'), false], ['n_nul', u8('nul'), false], ['n_nulll', u8('[nulll]'), false],
  ['n_array_trailing_comma', u8('[1,]'), false], ['n_object_trailing_comma', u8('{"a":1,}'), false],
  ['n_array_double_comma', u8('[1,,2]'), false], ['n_object_comma_only', u8('{,}'), false], ['n_object_key_only', u8('{"a"}'), false],
  ['n_object_no_value', u8('{"a":}'), false], ['n_object_no_key', u8('{:1}'), false], ['n_object_number_key', u8('{1:1}'), false],
  ['n_object_bare_key', u8('{a:1}'), false], ['n_single_quotes', u8("{'a':1}"), false], ['n_single_quoted_string', u8("['a']"), false],
  ['n_unterminated_string', u8('"abc'), false], ['n_bad_escape_x', u8('"\\x"'), false], ['n_bad_escape_x41', u8('"\\x41"'), false],
  ['n_bad_escape_a', u8('"\\a"'), false], ['n_bad_escape_0', u8('"\\0"'), false], ['n_bad_escape_quote', u8('"\\\'"'), false],
  ['n_bad_escape_U', u8('"\\U0041"'), false], ['n_short_u', u8('"\\u12"'), false], ['n_bad_hex_u', u8('"\\u12G4"'), false],
  ['n_u_at_end', u8('"\\u"'), false], ['n_escape_at_end', u8('"\\"'), false], ['n_escaped_tab_raw', raw('"\\\t"'), false],
  ['n_surrogate_then_bad_u', u8('"\\uD800\\u"'), false], ['n_escape_space', u8('"\\ "'), false],
  ['n_raw_tab', raw('"a\tb"'), false], ['n_raw_nul', raw('"a\x00b"'), false], ['n_raw_cr', raw('"a\rb"'), false],
  ['n_raw_0x1f', raw('"\x1f"'), false], ['n_raw_0x01', raw('"\x01"'), false], ['n_raw_backspace', raw('"\x08"'), false],
  ['n_array_extra_close', u8('[1]]'), false], ['n_array_unclosed', u8('[[1]'), false], ['n_array_in_object_unclosed', u8('{"a":[}'), false],
  ['n_strings_no_comma', u8('["a" "b"]'), false], ['n_numbers_no_comma', u8('[1 2]'), false], ['n_members_no_comma', u8('{"a":1 "b":2}'), false],
  ['n_double_colon', u8('{"a"::1}'), false], ['n_colon_after_value', u8('{"a":1:2}'), false], ['n_close_only', u8(']'), false],
  ['n_minus_in_array', u8('[-]'), false], ['n_nbsp_ws', u8('[\u00a01]'), false], ['n_line_sep_ws', u8('[\u20281]'), false],
  ['n_form_feed_ws', raw('[1,\x0c2]'), false], ['n_vtab_ws', raw('[\x0b1]'), false], ['n_bom_ws', u8('[\ufeff1]'), false],
  ['n_ideographic_space_ws', u8('[\u30001]'), false], ['n_block_comment', u8('[1/*c*/]'), false], ['n_line_comment', u8('[1]//c'), false],
  ['n_hash_comment', u8('#c'), false], ['n_empty', u8(''), false], ['n_ws_only_value', u8('  '), false],
  ['n_object_in_key', u8('{{}:1}'), false], ['n_array_as_key', u8('{[]:1}'), false], ['n_two_values', u8('1 2'), false],
  ['n_unquoted_string', u8('abc'), false], ['n_undefined', u8('undefined'), false], ['n_escaped_quote_outside', u8('\\"a"'), false],
  // invalid UTF-8 of every class, inside a string
  ...Object.entries(BAD_UTF8).flatMap(([cls, seqs]) => seqs.map((seq, k) => [`n_utf8_${cls.replace(/\W+/g, '_')}_${k}`,
    Buffer.concat([raw('"a'), Buffer.from(seq), raw('b"')]), false])),
  ['n_utf8_outside_string', raw('[\xc3\xa9]'), false], ['n_utf8_latin1_e_acute', raw('"\xe9"'), false],
  ['n_utf8_in_key', raw('{"\xff":1}'), false], ['n_utf8_truncated_at_quote', raw('"\xe2\x82"'), false],
  ['n_deep_1100', u8('['.repeat(1100) + ']'.repeat(1100)), false],
];

/** whole lines, [name, bytes, kind]: kind 'object' (a valid record), 'non-object' (valid JSON, not an
 *  object: rejected too), 'invalid', 'blank' (skipped, not counted as bad) */
export const LINE_CASES = [
  ['top_array', u8('[1]'), 'non-object'], ['top_number', u8('3'), 'non-object'], ['top_string', u8('"x"'), 'non-object'],
  ['top_null', u8('null'), 'non-object'], ['top_true', u8('true'), 'non-object'], ['top_empty_array', u8('[]'), 'non-object'],
  ['top_big_number', u8('1E400'), 'non-object'], ['top_leading_zero', u8('0123'), 'invalid'],
  ['top_junk_after', u8('{"a":1}x'), 'invalid'], ['top_extra_brace', u8('{"a":1}}'), 'invalid'], ['top_two_objects', u8('{"a":1} {"b":2}'), 'invalid'],
  ['top_two_objects_nospace', u8('{"a":1}{"b":2}'), 'invalid'], ['top_trailing_comma', u8('{"a":1},'), 'invalid'],
  ['top_open_only', u8('{'), 'invalid'], ['top_close_only', u8('}'), 'invalid'], ['top_unclosed', u8('{"a":1'), 'invalid'],
  ['top_word', u8('x'), 'invalid'], ['top_trailing_nul', raw('{"a":1}\x00'), 'invalid'], ['top_leading_nul', raw('\x00{"a":1}'), 'invalid'],
  ['top_leading_ff', raw('\x0c{"a":1}'), 'invalid'], ['top_leading_vt', raw('\x0b{}'), 'invalid'], ['top_ctrl_z', raw('{"a":1}\x1a'), 'invalid'],
  ['top_bom_not_at_input_start', u8('\ufeff{"a":1}'), 'invalid'], ['top_nbsp', u8('\u00a0{"a":1}'), 'invalid'],
  ['top_cr_between_objects', raw('{"a":1}\r{"b":2}'), 'invalid'], ['top_single_quotes', u8("{'a':1}"), 'invalid'],
  ['top_comment', u8('// {"a":1}'), 'invalid'], ['top_object_key_only', u8('{"a"}'), 'invalid'],
  ['top_empty_object', u8('{}'), 'object'], ['top_ws_around', raw(' \t{"a":1}\t \r'), 'object'], ['top_ws_inside', raw('{ "a" :\t1 ,\r"b":[ ] }'), 'object'],
  ['top_dup_keys', u8('{"a":1,"a":2}'), 'object'],
  ['blank_spaces', u8('   '), 'blank'], ['blank_tab', raw('\t'), 'blank'], ['blank_cr', raw('\r'), 'blank'], ['blank_mixed', raw(' \t \r'), 'blank'],
  ['blank_empty', u8(''), 'blank'],
];
