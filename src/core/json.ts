// Lossless JSON values and the one writer of values.
//
// JSON.parse turns 9007199254740993 into 9007199254740992 (and would merge distinct ids), 1E400 into
// Infinity and 1e-400 into 0. Here a number token that a double cannot hold exactly as written (an
// integer of 16 digits or more, also written with a fraction or an exponent, 12345678901234567890.0:
// a number of 1e15 or more whose double writes other digits; or a number whose double is not finite or
// underflows to zero) is kept
// as its exact text, a BigNum, and written back unchanged by stringify(). Decimals of ordinary range
// are doubles (shortest round-trip text, as JSON.parse gives), except for the database sinks, which
// store numbers exactly: parseDigits also keeps a decimal of more than 15 significant digits that its
// double would write otherwise (0.10000000000000001). The fast path is plain JSON.parse; the
// exact decoder below only runs for a text holding a 16-digit run or a 3-digit exponent somewhere.

/** A JSON number kept as its exact token text (see above). Number(x) is the nearest double. */
export class BigNum {
  constructor(readonly raw: string) {}
  toString(): string { return this.raw; }
  valueOf(): number { return Number(this.raw); }
  toJSON(): number { return Number(this.raw); } // only reached through a bare JSON.stringify
}

/** does the text hold a number token that plain JSON.parse could alter? A cheap over-approximation:
 *  16 digits or more before any '.' (a run not after a digit or '.': the 16 or 17 digits of a double
 *  written out, 0.5454545454545454, are a decimal JSON.parse reads as written; 12345678901234567890.0
 *  is an integer of 20 digits), 17 digits and dots before a positive exponent (1.2345678901234567890e19),
 *  a run of 300 digits (a decimal whose double overflows or underflows to zero), or an exponent of 3
 *  digits or more after a digit and before what can end a number (hex ids such as "9f3e4561..." inside
 *  strings do not count). Texts that match go to the exact decoder, which decides number by number. */
const MAY_ALTER = /(?<![\d.])\d{16,}(?!\d)|[\d.]{17,}[eE]\+?\d|\d{300}|\d[eE][-+]?\d{3,}(?=[\s,\]}]|$)/;

/** is the text valid Unicode, no lone surrogate (an escaped "\uD800" is valid JSON text with no UTF-8
 *  form: the tools that write UTF-8 reject such strings, names too) */
export const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** the path (a.b.0) of the first string or member name in v that is not valid Unicode (a lone
 *  surrogate), `NAME (its name)` for a name, '' for v itself; undefined when there is none */
export function loneSurrogatePath(v: unknown): string | undefined {
  const stack: [unknown, string][] = [[v, '']]; // (no recursion: a record may nest deep)
  while (stack.length) {
    const [x, at] = stack.pop()!;
    if (typeof x === 'string') { if (!isWellFormed(x)) return at; continue; }
    if (x === null || typeof x !== 'object' || x instanceof BigNum) continue;
    const entries: [string, unknown][] = Array.isArray(x) ? x.map((y, i) => [String(i), y]) : Object.entries(x);
    for (let i = entries.length - 1; i >= 0; i--) { // (in order: the first one found is the first in the text)
      const [k, y] = entries[i], p = at ? `${at}.${k}` : k;
      if (!Array.isArray(x) && !isWellFormed(k)) return `${p} (its name)`;
      stack.push([y, p]);
    }
  }
  return undefined;
}

/** a text for a message: its first `max` characters (code points: never half of an emoji) and '…' when
 *  it has more */
export function clipChars(s: string, max: number): string {
  if (s.length <= max) return s;
  const chars = Array.from(s);
  return chars.length <= max ? s : chars.slice(0, max).join('') + '…';
}

/** JSON.parse that keeps numbers exact (BigNum, see above). Throws SyntaxError like JSON.parse. */
export function parseJson(text: string): any {
  const v = JSON.parse(text); // validates (and is the answer when no number could be altered)
  return suspect(v) && MAY_ALTER.test(text) ? decodeExact(text, numberOf) : v;
}

/** The valid JSON text b[s, e) (UTF-8) decoded as parseJson does, but keeping also a decimal of more
 *  than 15 significant digits whose double writes another text (12345678901234567890.123456789,
 *  0.10000000000000001: the text the tools write back, writtenNumber), for a sink that stores numbers
 *  exactly (the loaders' NUMERIC, TEXT and JSON columns); undefined when it has no such number
 *  (parseJson's value holds). */
export function parseDigits(b: Buffer, s: number, e: number): any {
  return longDecimal(b, s, e) ? decodeExact(b.toString('utf8', s, e), digitsOf) : undefined;
}

/** does b[s, e) hold a number past 15 significant digits whose double writes another text? Its number
 *  tokens are looked at, strings skipped (GA4's "1197596843.1673515749" is no number); a double's own
 *  17 digits, 0.14285714285714285, are written back as they came. (A loop over the bytes: a regular
 *  expression over the text took 1.1 us a 170-byte record.) */
function longDecimal(b: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e;) {
    const c = b[i];
    if (c === 34) { // a string: past its closing quote
      for (i++; i < e; i++) { const d = b[i]; if (d === 34) break; if (d === 92) i++; }
      i++;
    } else if (c === 45 || (c >= 48 && c <= 57)) { // a number token
      const t = i;
      while (++i < e && inNumber(b[i]));
      if (i - t >= 16 && keepsText(b.toString('latin1', t, i))) return true;
    } else i++;
  }
  return false;
}

/** a byte of a number token: a digit . e E + - */
const inNumber = (d: number) => (d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45;

const keepsText = (t: string) => significantDigits(t) > 15 && String(Number(t)) !== t;

/** numberOf, keeping also the text of a decimal a double does not write back (parseDigits; a numeric
 *  string made a number, validate --coerce): 12345678901234567890.5 stays itself */
export function digitsOf(t: string): number | BigNum {
  const n = numberOf(t);
  return typeof n === 'number' && keepsText(t) ? new BigNum(t) : n;
}

/** could a number in the parsed value be one JSON.parse altered? Only a double of 1e15 or more (what
 *  a token of 16 digits or more before its point becomes), a non-finite one, or a zero (what an
 *  underflowing token becomes) can be; the text is then looked at (MAY_ALTER). Cheaper than the
 *  pattern for the common record whose numbers are small or fractional. */
function suspect(v: unknown): boolean {
  if (typeof v === 'number') return v === 0 || !Number.isFinite(v) || Math.abs(v) >= 1e15;
  if (v === null || typeof v !== 'object') return false;
  const stack: object[] = [v as object];
  while (stack.length) {
    const o = stack.pop()!;
    const values = Array.isArray(o) ? o : Object.values(o);
    for (let i = 0; i < values.length; i++) {
      const x = values[i];
      if (typeof x === 'number') { if (x === 0 || !Number.isFinite(x) || Math.abs(x) >= 1e15) return true; }
      else if (x !== null && typeof x === 'object') stack.push(x);
    }
  }
  return false;
}

/** the value of a number token: a double when it holds the token exactly enough, else a BigNum */
export function numberOf(t: string): number | BigNum {
  let exp = false, frac = false, nonzero = false, digits = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) { if (!exp) { digits++; if (c !== 48) nonzero = true; } }
    else if (c === 46) frac = true;
    else if (c === 101 || c === 69) exp = true;
  }
  if (!exp && !frac && digits >= 16) return new BigNum(t);
  const n = Number(t);
  if (!Number.isFinite(n) || (n === 0 && nonzero)) return new BigNum(t);
  // (an integer written with a fraction or an exponent, 12345678901234567890.0 or 1.2345678901234567890e19,
  // is an integer of 16 digits or more too: from 1e15 on, digits a double drops are units or more, not
  // a decimal's last places: kept as written, as the plain integer is)
  if ((exp || frac) && (n >= 1e15 || n <= -1e15) && keepsText(t)) return new BigNum(t);
  return n;
}

/** the double of a number token when it is finite and does not underflow to zero, else undefined */
export function doubleOf(raw: string): number | undefined {
  const n = Number(raw);
  return Number.isFinite(n) && (n !== 0 || !/[1-9]/.test(raw.replace(/[eE].*$/, ''))) ? n : undefined;
}

/**
 * A number token as a grouping key: the shortest double text when the token has at most 15
 * significant digits (any such decimal survives a double: 1.0, 1e0 and 1 are one key), else the
 * exact decimal (decText): 12345678901234567890.0 and 12345678901234567890 are one key, 1E400 and
 * 1e+400 another (written 1e400), but a double would merge
 * 390843300297759264.15 with its neighbours, so they stay apart. (A number of more than 15 significant
 * digits never equals one of 15 or fewer: the two kinds of key cannot meet.)
 */
export function canonicalNumber(t: string): string { return shortText(t) ?? decText(parseDec(t)); }

/** A number token as the tools write a value back: the shortest double text when the token has at most
 *  15 significant digits and a double holds it (1.50 as 1.5, 1E2 as 100), else its own text, exact. */
export function writtenNumber(t: string): string { return shortText(t) ?? t; }

/** the shortest double text of a number token of at most 15 significant digits a double holds, else
 *  undefined (a double writes such a decimal back as the same number) */
function shortText(t: string): string | undefined {
  if (significantDigits(t) > 15) return undefined;
  const n = doubleOf(t);
  if (n === undefined) return undefined;
  // (below the normal doubles, 2.2e-308, a double holds fewer digits: 3e-324 and 5e-324 are one double,
  // and were one key, written 5e-324; such a number keeps its own text unless its double's is the same)
  if (n !== 0 && Math.abs(n) < 2.2250738585072014e-308 && compareDec(parseDec(String(n)), parseDec(t)) !== 0) return undefined;
  return String(n);
}

/** the significant digits of a number token (leading and trailing zeros not counted) */
function significantDigits(t: string): number {
  let sig = 0, started = false, zeros = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 101 || c === 69) break;
    if (c < 48 || c > 57) continue;
    if (c === 48) { if (started) zeros++; continue; }
    started = true; sig += zeros + 1; zeros = 0;
  }
  return sig;
}

/** an exact decimal as a JSON number: an integer plain when it ends in at most 21 zeros (an id of any
 *  length), other numbers plain from 1e-6 to below 1e21 (as JavaScript writes them), else d.ddde400,
 *  d.ddde-400 */
export function decText(d: Dec): string {
  if (d.sign === 0) return '0';
  const s = d.sign < 0 ? '-' : '', k = d.digits.length, digits = d.digits;
  if (k <= d.exp && d.exp - BigInt(k) <= 21n) return s + digits + '0'.repeat(Number(d.exp) - k);
  if (d.exp >= -5n && d.exp <= 21n) {
    const n = Number(d.exp);
    if (n > 0) return s + digits.slice(0, n) + '.' + digits.slice(n);
    return s + '0.' + '0'.repeat(-n) + digits;
  }
  const e = d.exp - 1n;
  return s + digits[0] + (k > 1 ? '.' + digits.slice(1) : '') + 'e' + e.toString();
}

/** Decode a valid JSON text (already checked by JSON.parse or the field reader) keeping numbers exact
 *  (each number token's value by `num`). Iterative: any depth. */
function decodeExact(t: string, num: (token: string) => number | BigNum): any {
  const stack: any[] = []; // containers being filled
  const keys: (string | null)[] = []; // pending key per container (null for arrays)
  let i = 0, root: any;
  const n = t.length;
  const ws = () => { while (i < n) { const c = t.charCodeAt(i); if (c === 32 || c === 9 || c === 10 || c === 13) i++; else break; } };
  const put = (v: any) => {
    if (stack.length === 0) { root = v; return; }
    const top = stack[stack.length - 1];
    const k = keys[keys.length - 1]!;
    if (Array.isArray(top)) top.push(v);
    else putMember(top, k, v);
  };
  const str = (): string => {
    const s = i;
    i++;
    let esc = false;
    for (;;) { const c = t.charCodeAt(i++); if (c === 34) break; if (c === 92) { esc = true; i++; } }
    return esc ? JSON.parse(t.slice(s, i)) : t.slice(s + 1, i - 1);
  };
  for (;;) {
    ws();
    // a value starts here (or a container closes, handled below)
    const c = t.charCodeAt(i);
    if (c === 123 || c === 91) {
      const box: any = c === 123 ? {} : [];
      put(box);
      stack.push(box); keys.push(null);
      i++; ws();
      const d = t.charCodeAt(i);
      if (d === 125 || d === 93) { i++; stack.pop(); keys.pop(); }
      else if (c === 123) { keys[keys.length - 1] = str(); ws(); i++; /* ':' */ continue; }
      else continue;
    } else if (c === 34) put(str());
    else if (c === 116) { put(true); i += 4; }
    else if (c === 102) { put(false); i += 5; }
    else if (c === 110) { put(null); i += 4; }
    else {
      const s = i;
      i++;
      while (i < n) { const d = t.charCodeAt(i); if ((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45) i++; else break; }
      put(num(t.slice(s, i)));
    }
    // after a value: ',' continues the container, a closing bracket ends it (maybe several)
    for (;;) {
      ws();
      if (stack.length === 0) return root;
      const d = t.charCodeAt(i++);
      if (d === 44) {
        if (!Array.isArray(stack[stack.length - 1])) { ws(); keys[keys.length - 1] = str(); ws(); i++; }
        break;
      }
      stack.pop(); keys.pop(); // '}' or ']'
    }
  }
}

/** A finite number as a JSON token; null for NaN and ±Infinity (which JSON cannot write). */
export function numberToken(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

/**
 * The one writer of values: JSON text with BigNum and bigint as bare number tokens, never NaN or
 * Infinity (written as null, as JSON.stringify does). Otherwise what JSON.stringify writes, whatever
 * else the value holds: toJSON honoured (a Date is its ISO text), a cycle a TypeError. Recursive, as
 * JSON.stringify is.
 */
export function stringify(value: unknown): string {
  if (!needsExact(value)) return JSON.stringify(value) ?? 'null';
  const open: object[] = []; // the containers being written: one met again is a cycle
  // JSON.stringify's SerializeJSONProperty: toJSON(key) first, then the value
  const member = (key: string | number, v: unknown): string | undefined =>
    v !== null && typeof v === 'object' && !(v instanceof BigNum) && typeof (v as ToJson).toJSON === 'function' ? write((v as ToJson).toJSON(String(key))) : write(v);
  // undefined where JSON.stringify writes nothing (undefined, a function, a symbol)
  const write = (v: unknown): string | undefined => {
    switch (typeof v) {
      case 'string': return JSON.stringify(v);
      case 'number': return Number.isFinite(v) ? String(v) : 'null';
      case 'boolean': return v ? 'true' : 'false';
      case 'bigint': return v.toString();
      case 'object': break;
      default: return undefined;
    }
    if (v === null) return 'null';
    if (v instanceof BigNum) { // (the library exports BigNum: one made of any text must not write invalid JSON)
      if (!NUMBER.test(v.raw)) throw new TypeError(`a BigNum holds no JSON number: ${JSON.stringify(v.raw)}`);
      return v.raw;
    }
    if (v instanceof Number || v instanceof String || v instanceof Boolean) return JSON.stringify(v);
    if (open.includes(v)) throw new TypeError('Converting circular structure to JSON');
    open.push(v);
    let s: string;
    if (Array.isArray(v)) {
      s = '[';
      for (let k = 0; k < v.length; k++) s += (k ? ',' : '') + (member(k, v[k]) ?? 'null');
      s += ']';
    } else {
      s = '{';
      for (const k of Object.keys(v)) {
        const x = member(k, (v as Record<string, unknown>)[k]);
        if (x !== undefined) s += (s.length > 1 ? ',' : '') + JSON.stringify(k) + ':' + x;
      }
      s += '}';
    }
    open.pop();
    return s;
  };
  return member('', value) ?? 'null';
}

type ToJson = { toJSON(key: string): unknown };

/** does the value hold a BigNum or bigint anywhere? (iterative; past the first containers it keeps
 *  the ones it saw, so a cycle, which JSON.stringify then refuses, or a shared part ends the walk) */
function needsExact(v: unknown): boolean {
  if (typeof v === 'bigint' || v instanceof BigNum) return true;
  if (v === null || typeof v !== 'object') return false;
  const todo: unknown[] = [v];
  let walked = 0, seen: Set<unknown> | undefined;
  while (todo.length) {
    const x = todo.pop();
    if (typeof x === 'bigint' || x instanceof BigNum) return true;
    if (x === null || typeof x !== 'object') continue;
    if (++walked > 256) { // (a small record never gets here: no set to allocate on the hot path)
      // (past 4M containers the exact writer is taken, which writes any value: a set of 16.7M ended
      // the run, "Set maximum size exceeded", on one line of 50 MB of {})
      if (walked > 1 << 22) return true;
      seen ??= new Set();
      if (seen.has(x)) continue;
      seen.add(x);
    }
    if (Array.isArray(x)) { for (const y of x) if (y !== null && (typeof y === 'object' || typeof y === 'bigint')) todo.push(y); }
    else for (const k in x) { const y = (x as Record<string, unknown>)[k]; if (y !== null && (typeof y === 'object' || typeof y === 'bigint')) todo.push(y); }
  }
  return false;
}

/** A number from a JSON value: numbers, BigNum, numeric strings in JSON's number grammar with
 *  optional surrounding blanks ("25622", " 1.5e3"). NaN otherwise ("0x1388", "Infinity", "1_000"). */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v instanceof BigNum) return Number(v.raw);
  if (typeof v === 'string') {
    const t = v.trim();
    return NUMBER.test(t) ? Number(t) : NaN;
  }
  if (typeof v === 'bigint') return Number(v);
  return NaN;
}

/** a value that counts as true (count-by's count_if, filter-engaged's --require-param): not missing,
 *  null, false, 0, "", "false", nor a numeric string whose number is 0 ("0", "-0", "0.0", " 0 ", as
 *  every tool reads a numeric string: "0.0" counted as true where 0.0 did not) */
export function truthy(v: unknown): boolean {
  // (a numeric string's number is 0 by its exact decimal: "1e-400" is not 0, as the number 1e-400 is not,
  // though its double is)
  if (typeof v === 'string') { if (v === '' || v === 'false' || v === '0') return false; const t = v.trim(); return !(NUMBER.test(t) ? parseDec(t).sign === 0 : toNumber(v) === 0); }
  return !(v === undefined || v === null || v === false || v === 0);
}

/** JSON's number grammar (RFC 8259 section 6) */
export const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$/;

/** an exact decimal: sign * 0.digits * 10^exp, digits without leading or trailing zeros ('' for 0) */
export interface Dec { sign: number; digits: string; exp: bigint }

/** The exact decimal value of a JSON number text (NUMBER). */
export function parseDec(t: string): Dec {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(t);
  if (!m) throw new Error(`not a number: ${t}`);
  const frac = m[3] ?? '', all = m[2] + frac;
  let lead = 0;
  while (lead < all.length && all.charCodeAt(lead) === 48) lead++;
  if (lead === all.length) return { sign: 0, digits: '', exp: 0n };
  let end = all.length;
  while (all.charCodeAt(end - 1) === 48) end--;
  const e = m[4] === undefined ? 0n : BigInt(m[4].replace('+', ''));
  return { sign: m[1] ? -1 : 1, digits: all.slice(lead, end), exp: BigInt(all.length - lead - frac.length) + e };
}

/** -1, 0 or 1: the order of two exact decimals */
/** The exact decimal of a whole number: a number with no fraction, or a BigNum (a number past a
 *  double's digits, as the decoder gives it) whose decimal has none (12345678901234567890.0, 1e400,
 *  not 12345678901234567.5); else undefined. */
export function wholeDec(v: unknown): Dec | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? parseDec(String(v)) : undefined;
  if (!(v instanceof BigNum)) return undefined;
  const d = parseDec(v.raw);
  return BigInt(d.digits.length) <= d.exp ? d : undefined;
}

/** the integer of an exact decimal that is a whole number of at most `maxDigits` digits (20: every
 *  64-bit integer and past it), else undefined (a fraction, or a longer number): no 10^n made, whatever
 *  its exponent */
export function decInt(d: Dec, maxDigits = 20): bigint | undefined {
  if (d.sign === 0) return 0n;
  if (d.exp > BigInt(maxDigits) || d.exp < BigInt(d.digits.length)) return undefined;
  const n = BigInt(d.digits + '0'.repeat(Number(d.exp) - d.digits.length));
  return d.sign < 0 ? -n : n;
}

export function compareDec(a: Dec, b: Dec): number {
  if (a.sign !== b.sign) return a.sign < b.sign ? -1 : 1;
  if (a.sign === 0) return 0;
  const c = a.exp !== b.exp ? (a.exp < b.exp ? -1 : 1) : a.digits === b.digits ? 0 : a.digits < b.digits ? -1 : 1;
  return a.sign * c;
}

/** Set a dotted path (as splitPath gives it) in a record to v, making the objects on the way (a
 *  member that is not an object is replaced); a member keeps its place (own properties only). */
export function setPath(obj: any, path: string[], v: unknown): void {
  let cur = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i], x = Object.prototype.hasOwnProperty.call(cur, seg) ? cur[seg] : undefined;
    if (x === null || typeof x !== 'object') define(cur, seg, {});
    cur = cur[seg];
  }
  define(cur, path[path.length - 1], v);
}
const define = (o: object, k: string, v: unknown) => Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
/** o[k] = v as a member of its own, as JSON.parse makes it (a "__proto__" member too, not the object's
 *  prototype); plain assignment otherwise: objects built by defineProperty are slower to read */
export function putMember(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') define(o, k, v); else o[k] = v;
}

/** Look up a dotted path (a.b.0.c) in a parsed record. */
export function getPath(obj: any, path: string[]): unknown {
  let cur = obj;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
    if (Array.isArray(cur) && !/^(?:0|[1-9]\d*)$/.test(seg)) return undefined; // (an array's own "length" is no member)
    cur = cur[seg];
  }
  return cur;
}

/** a key name as a path of one segment (its dots and backslashes escaped for splitPath) */
export const literalPath = (name: string): string => name.replace(/[\\.]/g, '\\$&');

/**
 * Strings in code point order (which is UTF-8 byte order, the order of the keys, of where's '<' and of
 * SQLite), not JavaScript's UTF-16 order, in which a character past U+FFFF (its surrogates, D800-DFFF)
 * sorts below U+E000-U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
  const x = a.charCodeAt(i), y = b.charCodeAt(i);
  if (x < 0xd800 && y < 0xd800) return x < y ? -1 : 1;
  // a surrogate: code point by code point from the character the first difference is in. A surrogate
  // without its pair (an escaped "\ud800" is valid JSON) is the code point it names, between U+D7FF
  // and U+E000, so "\udfff" sorts below U+E000 and below 😀 (U+1F600), as code point order has it
  if (i > 0) { const p = a.charCodeAt(i - 1); if (p >= 0xd800 && p <= 0xdbff) i--; } // (a shared high surrogate)
  let ia = i, ib = i;
  while (ia < a.length && ib < b.length) {
    const cx = a.codePointAt(ia)!, cy = b.codePointAt(ib)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
    ia += cx > 0xffff ? 2 : 1; ib += cy > 0xffff ? 2 : 1;
  }
  return ia < a.length ? 1 : ib < b.length ? -1 : 0;
}

/** the name under which a tool writes the value of a path: its last name (`context.os.name` -> `name`;
 *  `a\.b`, one name with a dot, -> `a.b`) */
export const pathName = (path: string): string => splitPath(path).pop()!;

/** "context.os.name" -> ["context","os","name"]; a backslash escapes a dot in a key name. */
export function splitPath(path: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\' && i + 1 < path.length) cur += path[++i];
    else if (c === '.') { out.push(cur); cur = ''; }
    else cur += c;
  }
  out.push(cur);
  return out;
}
