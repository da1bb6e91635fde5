// The top-level members of a record in turn, as byte spans, for tools that need every field of a line
// without knowing the names beforehand (to-csv, to-table): the line is checked by the core's reader
// first (FieldReader.read), so this walk only follows what is known to be valid text. Values stay bytes:
// numbers exactly as written, strings decoded only when asked.
import { skipValue, skipWs } from './fields.js';
import { parseJson, stringify, writtenNumber } from './json.js';

const QUOTE = 34, BSL = 92, COLON = 58, COMMA = 44, LBRACE = 123, RBRACE = 125;

/** One member of a valid object: key b[ks, ke) without its quotes (kEscaped: holds an escape), value b[vs, ve). */
export class MemberCursor {
  b: Buffer = Buffer.alloc(0);
  ks = 0;
  ke = 0;
  kEscaped = false;
  vs = 0;
  ve = 0;
  private i = 0;
  private end = 0;

  /** start on the valid object b[s, e) ('{' at s, '}' at e - 1) */
  reset(b: Buffer, s: number, e: number): this {
    this.b = b;
    this.end = e;
    this.i = skipWs(b, s + 1, e);
    return this;
  }

  /** the next member; false after the last */
  next(): boolean {
    const b = this.b, end = this.end;
    let i = this.i;
    if (b[i] === RBRACE || i >= end) return false;
    // the key: i at its opening quote
    let j = i + 1, esc = false;
    for (;;) { const c = b[j++]; if (c === QUOTE) break; if (c === BSL) { esc = true; j++; } }
    this.ks = i + 1; this.ke = j - 1; this.kEscaped = esc;
    i = skipWs(b, j, end) + 1; // ':'
    i = skipWs(b, i, end);
    this.vs = i;
    i = skipValue(b, i, end);
    this.ve = i;
    i = skipWs(b, i, end);
    this.i = b[i] === COMMA ? skipWs(b, i + 1, end) : end;
    return true;
  }

  /** the key as text */
  key(): string {
    return this.kEscaped ? JSON.parse(this.b.toString('utf8', this.ks - 1, this.ke + 1)) as string : this.b.toString('utf8', this.ks, this.ke);
  }
}

/** does the string hold a UTF-16 surrogate without its pair (a text that has no UTF-8 form)? */
export function hasLoneSurrogate(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff && i + 1 < s.length) { const d = s.charCodeAt(i + 1); if (d >= 0xdc00 && d <= 0xdfff) { i++; continue; } }
    return true;
  }
  return false;
}

// ---- records as their members' texts (merge-keys, reel-interest): [name, text, name, text, ...] ----

/** a value's JSON text b[s, e) as decoding it and writing it with the one writer gives: strings
 *  without escapes, literals and numbers already in the writer's form as they are, the rest through
 *  the exact decoder and the writer */
export function valueText(b: Buffer, s: number, e: number): string {
  const c = b[s];
  if (c === QUOTE) {
    const t = b.toString('utf8', s, e);
    return t.indexOf('\\') < 0 ? t : stringify(parseJson(t));
  }
  if (c === 116 || c === 102 || c === 110) return b.toString('latin1', s, e); // true, false, null
  if (c !== 123 && c !== 91) return writtenNumber(b.toString('latin1', s, e)); // a number: 1.50 as 1.5, 1E2 as 100; past 15 significant digits as written (0.10000000000000001, a key apart from 0.1, stays)
  return stringify(parseJson(b.toString('utf8', s, e)));
}

/** where a member's name is in [name, text, ...] (-1: absent) */
export const memberAt = (rec: string[], name: string): number => {
  for (let i = 0; i < rec.length; i += 2) if (rec[i] === name) return i;
  return -1;
};
/** a later value wins, in the first one's place */
export function setMember(rec: string[], name: string, text: string): void {
  const i = memberAt(rec, name);
  if (i < 0) rec.push(name, text); else rec[i + 1] = text;
}

/** {"name":value,...} with the keys in the order a JavaScript object of these members would give */
export function objectText(rec: string[]): string {
  let text = '{', first = true, indexed: number[] | undefined;
  for (let i = 0; i < rec.length; i += 2) if (nameOf(rec[i]).index) (indexed ??= []).push(i);
  if (indexed) {
    indexed.sort((a, b) => Number(rec[a]) - Number(rec[b]));
    for (const i of indexed) { text += (first ? '' : ',') + nameOf(rec[i]).quoted + rec[i + 1]; first = false; }
  }
  for (let i = 0; i < rec.length; i += 2) {
    const n = nameOf(rec[i]);
    if (n.index) continue;
    text += (first ? '' : ',') + n.quoted + rec[i + 1];
    first = false;
  }
  return text + '}';
}

/** a member name as written ("name":) and whether it is an array index; the names a run sees repeat,
 *  so they are kept (up to 4096 of them) */
const names = new Map<string, { quoted: string; index: boolean }>();
function nameOf(name: string): { quoted: string; index: boolean } {
  let n = names.get(name);
  if (n === undefined) {
    n = { quoted: JSON.stringify(name) + ':', index: isIndex(name) };
    if (names.size < 4096) names.set(name, n);
  }
  return n;
}

/** an array index (JavaScript puts these keys first in an object, ascending) */
const INDEX = /^(0|[1-9][0-9]{0,9})$/;
const isIndex = (k: string) => INDEX.test(k) && Number(k) < 4294967295;

/**
 * Are the bytes of the valid object b[s, e) what objectText of its members (valueText of each)
 * gives, so that they can be written back as they are? No blank between tokens; each name without
 * escapes, not an array index (objectText writes those first), and once; each value a string without
 * escapes, a literal, or a number already in the writer's form (an object or an array: no, to be sure).
 */
export function writtenAsIs(b: Buffer, s: number, e: number, cursor: MemberCursor): boolean {
  if (b[s] !== LBRACE || b[e - 1] !== RBRACE) return false;
  if (e - s === 2) return true; // {}
  cursor.reset(b, s, e);
  let at = s + 1, n = 0; // where the next member's name must begin
  while (cursor.next()) {
    const ks = cursor.ks, ke = cursor.ke, vs = cursor.vs, ve = cursor.ve;
    if (cursor.kEscaped || ks !== at + 1 || b[ke + 1] !== COLON || vs !== ke + 2) return false;
    if (isIndexBytes(b, ks, ke)) return false;
    const c = b[vs];
    if (c === QUOTE) { for (let i = vs + 1; i < ve - 1; i++) if (b[i] === BSL) return false; }
    else if (c === 116 || c === 102 || c === 110) { /* true, false, null */ }
    else if (c === LBRACE || c === 91) return false;
    else { const t = b.toString('latin1', vs, ve); if (writtenNumber(t) !== t) return false; }
    // a name seen before in this record (the records of a source have a handful of members)
    for (let k = 0; k < n; k++) {
      const q = seenAt[k], l = seenEnd[k] - q;
      if (l === ke - ks && b.compare(b, q, q + l, ks, ke) === 0) return false;
    }
    if (n === seenAt.length) return false; // (a record of very many members: through its members)
    seenAt[n] = ks; seenEnd[n] = ke; n++;
    if (ve === e - 1) return true; // the closing brace right after the last value
    if (b[ve] !== COMMA) return false;
    at = ve + 1;
  }
  return false;
}
const seenAt = new Int32Array(64), seenEnd = new Int32Array(64); // (the names of the record so far)

/** isIndex() of the name whose bytes are b[s, e) */
function isIndexBytes(b: Buffer, s: number, e: number): boolean {
  const l = e - s;
  if (l === 0 || l > 10 || (b[s] === 48 && l > 1)) return false;
  let v = 0;
  for (let i = s; i < e; i++) { const d = b[i] - 48; if (d < 0 || d > 9) return false; v = v * 10 + d; }
  return v < 4294967295;
}

const isWs = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;

/** Where members go at the end of a record's bytes (top's rank, anomalies' figures): the offset of its
 *  closing brace from `start`, negated minus one when the object is empty (no comma needed); null when
 *  the bytes do not end with an object. */
export function closingBrace(b: Buffer, start: number, end: number): number | null {
  let close = end - 1;
  while (close > start && isWs(b[close])) close--;
  if (close <= start || b[close] !== 125) return null;
  let j = close - 1;
  while (j > start && isWs(b[j])) j--;
  return b[j] === 123 ? -(close - start) - 1 : close - start;
}
