// 64-bit-safe JSON. JSON.parse turns 9007199254740993 into 9007199254740992 and would merge distinct
// ids; here integer literals of 16 digits or more are kept as their exact text (BigNum) and written
// back unchanged by stringify(). The fast path is plain JSON.parse: the lossless path only runs for a
// line that has such a literal outside a string.

/** An integer literal too long for a double, kept as its decimal text. */
export class BigNum {
  constructor(readonly raw: string) {}
  toString(): string { return this.raw; }
  valueOf(): number { return Number(this.raw); }
}

const MARK = '\u0000bignum:';
let bigNumsSeen = false;

// A digit run of 16+ right after a JSON structural character (not inside a string, in practice).
const BIG_CANDIDATE = /[:\[,]\s*-?\d{16}/;
const STRING_OR_BIG = /"(?:[^"\\]|\\.)*"|-?\d{16,}(?![.eE\d])/g;

function revive(_key: string, value: unknown): unknown {
  return typeof value === 'string' && value.startsWith(MARK) ? new BigNum(value.slice(MARK.length)) : value;
}

/** JSON.parse that keeps long integers exact. Throws SyntaxError like JSON.parse. */
export function parseJson(text: string): any {
  if (!BIG_CANDIDATE.test(text)) return JSON.parse(text);
  const marked = text.replace(STRING_OR_BIG, (tok) => (tok.charCodeAt(0) === 34 ? tok : `"\\u0000bignum:${tok}"`));
  if (marked === text) return JSON.parse(text);
  bigNumsSeen = true;
  return JSON.parse(marked, revive);
}

function replace(_key: string, value: unknown): unknown {
  if (value instanceof BigNum) return MARK + value.raw;
  if (typeof value === 'bigint') return MARK + value.toString();
  return value;
}
const MARKED = new RegExp(`"${MARK.replace('\u0000', '\\\\u0000')}(-?\\d+)"`, 'g');

/** JSON.stringify that writes BigNum and bigint values as bare integer literals. */
export function stringify(value: unknown): string {
  if (!bigNumsSeen && !hasBigint(value)) return JSON.stringify(value);
  return JSON.stringify(value, replace).replace(MARKED, '$1');
}

function hasBigint(v: unknown): boolean {
  if (typeof v === 'bigint') return true;
  if (v === null || typeof v !== 'object') return false;
  if (v instanceof BigNum) return true;
  for (const x of Array.isArray(v) ? v : Object.values(v)) if (hasBigint(x)) return true;
  return false;
}

/** A number from a JSON value: numbers, BigNum, numeric strings ("25622", " 1.5e3"). NaN otherwise. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v instanceof BigNum) return Number(v.raw);
  if (typeof v === 'string') {
    const t = v.trim();
    return t === '' ? NaN : Number(t);
  }
  if (typeof v === 'bigint') return Number(v);
  return NaN;
}

/** Look up a dotted path (a.b.0.c) in a parsed record. */
export function getPath(obj: any, path: string[]): unknown {
  let cur = obj;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[seg];
  }
  return cur;
}

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
