// The top-level members of a record in turn, as byte spans, for tools that need every field of a line
// without knowing the names beforehand (to-csv, to-table): the line is checked by the core's reader
// first (FieldReader.read), so this walk only follows what is known to be valid text. Values stay bytes:
// numbers exactly as written, strings decoded only when asked.
import { skipValue, skipWs } from './fields.js';

const QUOTE = 34, BSL = 92, COMMA = 44, RBRACE = 125;

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
