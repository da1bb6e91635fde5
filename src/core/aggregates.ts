// Aggregate functions for count-by (and any grouping tool). Each is a column store over group
// numbers (typed arrays where it can), so memory grows with groups and distinct values only.
// Adding a function = one entry in `ops`.
import { BigNum, NUMBER, compareCodePoints, compareDec, decInt, parseDec, stringify, toNumber, truthy } from './json.js';
import type { FieldReader } from './fields.js';
import { UsageError } from './tool.js';
import { HyperLogLog, TDigest } from './sketches.js';
import { ByteKeys } from './keyed.js';

export interface AggSpec {
  name: string; op: string; field?: string; args: number[];
  /** output records written before this column's first (its warnings name records by number): count-by
   *  --each makes a fresh set of columns every few thousand records */
  rowsBefore?: number;
}

export interface AggColumn {
  /** account the current record (fields read by `r`, this aggregate's field at index k) to group g */
  add(g: number, r: FieldReader, k: number): void;
  /** the JSON value of the aggregate for group g */
  result(g: number): unknown;
  /** a mergeable partial state of group g (count-by --partial): exact, JSON-serialisable */
  state(g: number): unknown;
  /** fold a partial state (from another process) into group g (count-by --merge); only a state bad()
   *  passed */
  merge(g: number, state: unknown): void;
  /** what is wrong with a partial state read for this aggregate (a state of another shape is a bad
   *  record, never folded in part), or undefined when it is one state() could give */
  bad(state: unknown): string | undefined;
  /** (a threaded run, where they exist) the states of groups 0..n-1 at once, as typed arrays a
   *  structured clone copies as they are (no JSON, no string a value) */
  states?(n: number): unknown;
  /** fold what another copy's states() gave: its group i is group gs[i] here */
  mergeStates?(gs: Int32Array, states: unknown): void;
}

export interface OpDef {
  field: 'none' | 'required' | 'optional';
  describe: string;
  /** checks the arguments after the field (default: none allowed); a message makes parseAgg fail */
  params?(spec: AggSpec): string | undefined;
  make(spec: AggSpec, note: (what: string) => void): AggColumn;
}

class Numbers {
  a = new Float64Array(1024);
  get(g: number): number { return g < this.a.length ? this.a[g] : 0; }
  at(g: number): Float64Array {
    if (g >= this.a.length) { const n = new Float64Array(Math.max(g + 1, this.a.length * 2)); n.set(this.a); this.a = n; }
    return this.a;
  }
}

const isNull = (v: unknown) => v === undefined || v === null;

/** numeric value of a field or NaN (non-numeric values are noted once per kind) */
function num(r: FieldReader, k: number, note: (w: string) => void, name: string): number {
  const p = r.plainInt(k); // (a plain whole number from its bytes: no text decoded)
  if (p === p) return p;
  const v = r.value(k);
  if (isNull(v)) return NaN;
  const x = typeof v === 'number' ? v : v instanceof BigNum || typeof v === 'string' ? toNumber(v) : NaN;
  if (Number.isNaN(x)) note(`${name}: non-numeric values ignored`);
  return x;
}

/** a numeric string: a JSON number, blanks around allowed (README: what toNumber reads) */
const numericText = (t: string) => NUMBER.test(t.trim());

/** min/max's order of values that are not numbers: as text, a string by its value and anything else
 *  by its JSON text (String() made an object "[object Object]" and an array "1,2", so {"z":1} was below
 *  "a" and [10] below "2"), in code point order as the keys are sorted (JavaScript's < compares UTF-16
 *  units, which put U+E000-U+FFFF after the astral planes: "\uff21" above "\ud83d\ude00") */
function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return compareCodePoints(typeof a === 'string' ? a : stringify(a), typeof b === 'string' ? b : stringify(b));
}

/** a counter column: count, count_if (states are the counts) */
function counter(add: (g: number, r: FieldReader, k: number, n: Numbers) => void): AggColumn {
  const n = new Numbers();
  return {
    add: (g, r, k) => add(g, r, k, n), result: (g) => n.get(g), state: (g) => n.get(g),
    merge(g, st) { n.at(g)[g] += st as number; },
    bad: (st) => (typeof st === 'number' && Number.isSafeInteger(st) && st >= 0 ? undefined : 'a count: a whole number >= 0'),
    states(m) { const c = new Float64Array(m); for (let g = 0; g < m; g++) c[g] = n.get(g); return c; },
    mergeStates(gs, st) { const c = st as Float64Array; for (let i = 0; i < gs.length; i++) n.at(gs[i])[gs[i]] += c[i]; },
  };
}

// ---- exact sums. A group's sum is kept as a double while every value is an integer and the sum stays
// within +-(2^53 - 1) (where a double is exact), as a BigInt once an integer sum goes beyond (or an
// integer of 16+ digits arrives: those come as BigNum, exact), and as floating point from the first
// value that is not an integer on: the exact sum of the values' doubles (and of the integers before
// them) kept as non-overlapping partials (Shewchuk's algorithm, as Python's math.fsum), rounded once
// when written, so the answer does not depend on the order the values came in, nor on how the input
// was cut (--partial/--merge, --threads). A sum that comes near the edge of the double range (a value
// or its largest partial past 2^1020, where an addition of doubles could overflow) is kept from then
// on as one BigInt: the exact sum times 2^1074 (every double is a whole multiple of 2^-1074), so one
// that passes beyond the range part-way and comes back has its value (1e308 + 1e308 - 1e308 is 1e308,
// in any order). A sum whose exact value is beyond the range has none: it is written as null with a
// warning naming the output record, never silently; so is one with a value that is no double (1e400).
const INT = 0, BIG = 1, FLOAT = 2;
/** a floating sum's partials kept in place (more, rarely: in a Map) */
const W = 8;
const MAX = Number.MAX_SAFE_INTEGER;
/** an integer of 16+ digits as JSON writes one (no "+", no leading zero: other texts are not numbers) */
const LONG_DIGITS = /^-?[1-9]\d{15,}$/;

/** the last numeric value read: in `numOut` (INT, FLOAT) or `bigOut` (BIG) */
let numOut = 0, bigOut = 0n;

/** What kind of number does the decoded value hold: INT (a safe integer), BIG (an integer beyond),
 *  FLOAT (any other finite or infinite number), or -1 (none: null, missing, not numeric). */
function kindOf(v: unknown): number {
  if (typeof v === 'number') {
    numOut = v;
    if (Number.isSafeInteger(v)) return INT;
    // (a whole double from 2^53 to below 1e21 is the integer its text says, as JavaScript writes such
    // doubles in plain digits: 1e20 + 1 was 1e20. The reader keeps numbers of 16+ significant digits as
    // text, so a number here was written with 15 or fewer, which its shortest text gives back)
    if (Number.isInteger(v) && Math.abs(v) < 1e21) { bigOut = BigInt(String(v)); return BIG; }
    return Number.isNaN(v) ? -1 : FLOAT;
  }
  let t: string;
  if (v instanceof BigNum) t = v.raw;
  else if (typeof v === 'string') t = v.trim();
  else return -1;
  if (LONG_DIGITS.test(t)) {
    bigOut = BigInt(t);
    if (bigOut >= -MAX && bigOut <= MAX) { numOut = Number(bigOut); return INT; }
    return BIG;
  }
  numOut = toNumber(t);
  if (Number.isSafeInteger(numOut)) return INT;
  if (Number.isNaN(numOut)) return -1;
  // a whole number from 2^53 to below 1e21 written otherwise than in plain digits (12345678901234567890.0,
  // 1.2345678901234567890e19): the integer it says, as its plain digits give (its double was summed,
  // while count-by's keys and min/max take the texts for one number). Past 1e21 a number in exponent
  // form is a float (1e400, 6.02e23), as JavaScript writes it
  const whole = Number.isInteger(numOut) && Math.abs(numOut) < 1e21 && NUMBER.test(t) ? decInt(parseDec(t), 21) : undefined;
  if (whole === undefined) return FLOAT;
  bigOut = whole;
  if (bigOut >= -MAX && bigOut <= MAX) { numOut = Number(bigOut); return INT; }
  return BIG;
}

/** add x to the partials p exactly (p: non-overlapping, increasing magnitude); false when the sum
 *  leaves the double range (x not finite, or an overflow) */
export function addExact(p: number[], x: number): boolean {
  let i = 0;
  for (let j = 0; j < p.length; j++) {
    let y = p[j];
    if (Math.abs(x) < Math.abs(y)) { const t = x; x = y; y = t; }
    const hi = x + y, lo = y - (hi - x);
    if (lo !== 0) p[i++] = lo;
    x = hi;
  }
  p.length = i;
  p.push(x);
  return Number.isFinite(x);
}

/** an integer added exactly, as doubles (a BigInt beyond 2^53 is more than one) */
function addBigExact(p: number[], b: bigint): boolean {
  for (let k = 0; k < 40 && b !== 0n; k++) {
    const d = Number(b);
    if (!addExact(p, d)) return false;
    b -= BigInt(d);
  }
  return true;
}

/** the partials' sum, rounded once (half to even) */
export function partialsValue(p: number[]): number {
  let n = p.length;
  if (n === 0) return 0;
  let hi = p[--n], lo = 0;
  while (n > 0) {
    const x = hi, y = p[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  // (the rest below half an ulp decides a tie: round away from the half when it points that way)
  if (n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0))) {
    const y = lo * 2, x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}

/** past this a value or a sum's largest partial brings the group to its exact BigInt form (below it no
 *  addition of the partials can overflow) */
const EDGE = 2 ** 1020;
const EDGE_BIG = 2n ** 1020n;
const SCALE = 1074n;
const f64 = new Float64Array(1), u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // (the high word's index)

/** a finite double times 2^1074, exactly */
function scaled(x: number): bigint {
  if (x === 0) return 0n;
  f64[0] = x;
  const hi = u32[HI], lo = u32[1 - HI], e = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (e !== 0) m = (m | (1n << 52n)) << BigInt(e - 1);
  return hi >>> 31 ? -m : m;
}

/** the double nearest w / 2^1074 / d (half to even; +-Infinity beyond the range): a BigInt sum's
 *  value (d 1) or mean (d its count) */
function wideValue(w: bigint, d: number): number {
  let x = 1074n; // w * 2^-x is the value
  if (d !== 1) { // the quotient with 64 more bits and a sticky bit for the remainder
    const D = BigInt(d), t = w << 64n;
    let q = t / D;
    if (t % D !== 0n) q = q * 2n + (t < 0n ? -1n : 1n); else q *= 2n;
    w = q; x += 65n;
  }
  const neg = w < 0n;
  let a = neg ? -w : w;
  if (a === 0n) return 0;
  const len = BigInt(a.toString(2).length);
  let shift = len - 53n;
  if (shift < x - 1074n) shift = x - 1074n; // (subnormal: no more bits than the smallest double has)
  if (shift > 0n) {
    const m = a >> shift, rest = a - (m << shift), half = 1n << (shift - 1n);
    a = rest > half || (rest === half && (m & 1n) === 1n) ? m + 1n : m;
  }
  const e = Number(shift - x);
  const v = e > 1023 ? Infinity : Number(a) * 2 ** e;
  return neg ? -v : v;
}

/** A column of exact sums with their counts (sum, sumsq, avg). States: {s, n} with s a number or a
 *  bare integer beyond 2^53 (exact), plus "float": true for a floating sum (with "parts": its exact
 *  partials when there are several), "wide": its exact sum times 2^1074 once it came near the edge of
 *  the double range, and "overflow": true (s null) for one beyond that range,
 *  so a merge continues exactly where one pass would. */
class Sums {
  readonly s = new Numbers();
  readonly n = new Numbers();
  mode = new Uint8Array(1024);
  readonly big = new Map<number, bigint>();
  /** a floating group's partials, smallest first: up to W in place (pc: how many; 0 once the sum left
   *  the double range), more (rarely) in `more` */
  pa = new Float64Array(1024 * W);
  pc = new Uint8Array(1024);
  readonly more = new Map<number, number[]>();
  /** a floating group near or past the edge of the double range: its exact sum times 2^1074 (pc 0) */
  readonly wide = new Map<number, bigint>();

  private modeAt(g: number): Uint8Array {
    if (g >= this.mode.length) { const m = new Uint8Array(Math.max(g + 1, this.mode.length * 2)); m.set(this.mode); this.mode = m; }
    return this.mode;
  }

  /** the partials of floating group g, smallest first */
  private partials(g: number): number[] {
    return this.more.get(g)?.slice() ?? Array.from(this.pa.subarray(g * W, g * W + this.pc[g]));
  }
  /** room for group g's partials */
  private room(g: number): void {
    if (g >= this.pc.length) {
      const n = Math.max(g + 1, this.pc.length * 2), c = new Uint8Array(n), a = new Float64Array(n * W);
      c.set(this.pc); a.set(this.pa); this.pc = c; this.pa = a;
    }
  }
  private store(g: number, p: number[], ok: boolean): void {
    this.room(g);
    if (!ok) { this.pc[g] = 0; this.more.delete(g); return; }
    if (p.length > W) { this.more.set(g, p); this.pc[g] = W + 1; return; }
    this.more.delete(g);
    this.pa.set(p, g * W); this.pc[g] = p.length;
  }

  /** group g to floating point: its integer sum so far becomes its first partials */
  private toFloat(g: number): void {
    const mode = this.modeAt(g);
    if (mode[g] !== BIG) { // (an integer within 2^53: one partial, in place)
      this.room(g);
      this.pa[g * W] = this.s.at(g)[g]; this.pc[g] = 1; mode[g] = FLOAT;
      return;
    }
    const b = this.big.get(g)!;
    mode[g] = FLOAT; this.big.delete(g);
    if (b >= EDGE_BIG || b <= -EDGE_BIG) { this.room(g); this.pc[g] = 0; this.more.delete(g); this.wide.set(g, b << SCALE); return; }
    const p: number[] = [], ok = addBigExact(p, b);
    this.store(g, p, ok);
  }

  /** add the value of kind k (in numOut / bigOut) to the floating group g, exactly */
  private addFloat(g: number, k: number): void {
    const c = this.pc[g];
    if (c === 0) { // exact BigInt form, or no value (a value that is no double came)
      const w = this.wide.get(g);
      if (w === undefined) return;
      if (k !== BIG && !Number.isFinite(numOut)) { this.wide.delete(g); return; }
      this.wide.set(g, w + (k === BIG ? bigOut << SCALE : scaled(numOut)));
      return;
    }
    if (k === BIG ? bigOut >= EDGE_BIG || bigOut <= -EDGE_BIG : Math.abs(numOut) >= EDGE && numOut - numOut === 0)
      { this.toWide(g); this.addFloat(g, k); return; }
    const top = c > W ? this.more.get(g)![this.more.get(g)!.length - 1] : this.pa[g * W + c - 1];
    if (Math.abs(top) >= EDGE) { this.toWide(g); this.addFloat(g, k); return; }
    if (k === BIG || c > W) { // the general case
      const p = this.partials(g);
      this.store(g, p, k === BIG ? addBigExact(p, bigOut) : addExact(p, numOut));
      return;
    }
    // addExact over the partials in place
    const pa = this.pa, at = g * W;
    let x = numOut, i = 0;
    for (let j = 0; j < c; j++) {
      let y = pa[at + j];
      if (Math.abs(x) < Math.abs(y)) { const t = x; x = y; y = t; }
      const h = x + y, l = y - (h - x);
      if (l !== 0) pa[at + i++] = l;
      x = h;
    }
    if (!Number.isFinite(x)) { this.pc[g] = 0; return; }
    if (i < W) { pa[at + i] = x; this.pc[g] = i + 1; return; }
    const p = Array.from(pa.subarray(at, at + i)); p.push(x);
    this.store(g, p, true);
  }

  /** floating group g (partials) to its exact BigInt form */
  private toWide(g: number): void {
    let w = 0n;
    for (const x of this.partials(g)) w += scaled(x);
    this.wide.set(g, w); this.pc[g] = 0; this.more.delete(g);
  }

  /** group g's exact sum times 2^1074 when it has that form */
  wideOf(g: number): bigint | undefined { return this.isFloat(g) && this.pc[g] === 0 ? this.wide.get(g) : undefined; }

  /** add the value of kind k (in numOut / bigOut) counted as `count` values to group g */
  add(g: number, k: number, count: number): void {
    const s = this.s.at(g), mode = this.modeAt(g);
    this.n.at(g)[g] += count;
    const m = mode[g];
    if (m === FLOAT) { this.addFloat(g, k); return; }
    if (k === FLOAT) { this.toFloat(g); this.addFloat(g, k); return; }
    if (m === INT && k === INT) {
      const t = s[g] + numOut;
      if (t <= MAX && t >= -MAX) { s[g] = t; return; } // exact: the true sum is within 2^53
    }
    // BigInt arithmetic; back to a double when the sum is small again
    const b = (m === BIG ? this.big.get(g)! : BigInt(s[g])) + (k === BIG ? bigOut : BigInt(numOut));
    if (b >= -MAX && b <= MAX) { s[g] = Number(b); mode[g] = INT; this.big.delete(g); }
    else { this.big.set(g, b); mode[g] = BIG; }
  }

  count(g: number): number { return this.n.get(g); }
  isFloat(g: number): boolean { return g < this.mode.length && this.mode[g] === FLOAT; }
  /** the sum: a number, a bigint beyond 2^53, or a non-finite number (overflow) */
  sum(g: number): number | bigint {
    if (g >= this.mode.length) return 0;
    const m = this.mode[g];
    if (m === BIG) return this.big.get(g)!;
    if (m === FLOAT) {
      const c = this.pc[g];
      if (c === 0) { const w = this.wide.get(g); return w === undefined ? NaN : wideValue(w, 1); }
      return c === 1 ? this.pa[g * W] : partialsValue(this.partials(g));
    }
    return this.s.get(g);
  }

  state(g: number): unknown {
    const x = this.sum(g), n = this.count(g);
    if (!this.isFloat(g)) return { s: x, n };
    const w = this.wideOf(g);
    if (w !== undefined) return Number.isFinite(x) ? { s: x, n, float: true, wide: w } : { s: null, n, float: true, overflow: true, wide: w };
    if (!Number.isFinite(x)) return { s: null, n, float: true, overflow: true };
    return this.pc[g] > 1 ? { s: x, n, float: true, parts: this.partials(g) } : { s: x, n, float: true };
  }

  /** {s, n} (see state()): n a whole number >= 0; with n > 0, s a number (a bare integer beyond 2^53),
   *  or null with "overflow": true; "parts", if there, finite numbers */
  static bad(st: unknown): string | undefined {
    const x = st as { s?: unknown; n?: unknown; overflow?: unknown; parts?: unknown } | null;
    const shape = 'a sum: {"s": number, "n": count}';
    if (x === null || typeof x !== 'object' || Array.isArray(x) || typeof x.n !== 'number' || !Number.isSafeInteger(x.n) || x.n < 0) return shape;
    if (x.n > 0 && x.overflow !== true && !(typeof x.s === 'number' || x.s instanceof BigNum)) return shape;
    const w = (x as { wide?: unknown }).wide;
    if (w !== undefined && !(typeof w === 'number' ? Number.isSafeInteger(w) : w instanceof BigNum && /^-?\d+$/.test(w.raw))) return shape;
    if (x.parts !== undefined && !(Array.isArray(x.parts) && x.parts.every((v) => (typeof v === 'number' || v instanceof BigNum) && Number.isFinite(partNumber(v))))) return shape;
    return undefined;
  }

  merge(g: number, st: unknown): void {
    const x = st as { s?: unknown; n?: unknown; float?: unknown; overflow?: unknown; parts?: unknown } | null;
    if (!x || typeof x !== 'object' || !Number(x.n)) return;
    const n = Number(x.n);
    const w = (x as { wide?: unknown }).wide;
    if (w !== undefined) { // the exact sum times 2^1074 into this group's
      this.n.at(g)[g] += n;
      if (this.modeAt(g)[g] !== FLOAT) this.toFloat(g);
      if (this.pc[g] !== 0) this.toWide(g);
      const cur = this.wide.get(g);
      if (cur !== undefined) this.wide.set(g, cur + BigInt(w instanceof BigNum ? w.raw : (w as number)));
      return;
    }
    if (x.overflow === true) { numOut = NaN; this.add(g, FLOAT, n); return; }
    if (x.float === true) { // the exact partials (or the one value) into this group's
      if (Array.isArray(x.parts)) {
        this.n.at(g)[g] += n;
        if (this.modeAt(g)[g] !== FLOAT) this.toFloat(g);
        for (const v of x.parts) { numOut = partNumber(v); this.addFloat(g, FLOAT); }
        return;
      }
      numOut = partNumber(x.s);
      if (Number.isNaN(numOut)) return;
      this.add(g, FLOAT, n);
      return;
    }
    const k = kindOf(x.s);
    if (k < 0) return;
    this.add(g, k, n);
  }
}

/** a double of a state as written (an integer of 16+ digits comes back as BigNum: its exact text) */
function partNumber(v: unknown): number { return typeof v === 'number' ? v : v instanceof BigNum ? toNumber(v.raw) : NaN; }

/** sum, sumsq and avg over a Sums column; `square` adds x * x (exactly for integers) */
function summing(spec: AggSpec, note: (w: string) => void, square: boolean,
  result: (sum: number | bigint, n: number) => number | bigint | null, average = false): AggColumn {
  const c = new Sums();
  let row = spec.rowsBefore ?? 0; // result() is called once per group, in output order
  return {
    add(g, r, k) {
      let kind: number;
      const p = r.plainInt(k); // (a plain whole number from its bytes: no text decoded)
      if (p === p) { numOut = p; kind = INT; } else {
        const v = r.value(k);
        if (isNull(v)) return;
        kind = kindOf(v);
        if (kind < 0) { note(`${spec.name}: non-numeric values ignored`); return; }
      }
      if (square) {
        if (kind === FLOAT) numOut *= numOut;
        else if (kind === INT && Math.abs(numOut) <= 94906265) numOut *= numOut; // below 2^26.5: exact
        else { const b = kind === BIG ? bigOut : BigInt(numOut); bigOut = b * b; kind = BIG; }
      }
      c.add(g, kind, 1);
    },
    result(g) {
      row++;
      const n = c.count(g);
      if (!n) return null;
      // (a sum kept exact near the edge of the double range: its value; the mean of that value as any
      // sum's, so the mean does not depend on whether the sum came near the edge part-way, which
      // depends on the order of the values; the exact mean only of a sum beyond the range)
      const x = c.sum(g), w = average && !Number.isFinite(x) ? c.wideOf(g) : undefined;
      const out = w !== undefined ? wideValue(w, n) : result(x, n);
      if (typeof out === 'number' && !Number.isFinite(out)) {
        note(`${spec.name}: the value of output record ${row} is beyond the double range (+-1.8e308): written as null`);
        return null;
      }
      return out;
    },
    state: (g) => c.state(g),
    merge: (g, st) => c.merge(g, st),
    bad: Sums.bad,
  };
}

/** the mean; of an integer sum beyond 2^53, exact when n divides it (the mean of equal 64-bit values is
 *  that value), else the quotient plus the remainder's fraction as a double */
function mean(s: number | bigint, n: number): number | bigint {
  if (typeof s === 'number') return s / n;
  const d = BigInt(n), q = s / d, r = s % d;
  if (r === 0n) return q >= -MAX && q <= MAX ? Number(q) : q;
  // the double nearest the exact s / n: the quotient to 57 bits or more, its last bit set when a
  // remainder is left (so that a tie is no tie), rounded once by Number(). Number(q) + r / n rounded
  // twice: the mean of 9007199254740993 and 9007199254740994 was 9007199254740992, below both
  const neg = s < 0n, a = neg ? -s : s;
  const shift = a.toString(2).length - d.toString(2).length - 57;
  let num = a, den = d;
  if (shift < 0) num <<= BigInt(-shift); else den <<= BigInt(shift);
  let x = num / den;
  if (num % den !== 0n) x |= 1n;
  const v = Number(x) * 2 ** shift;
  return neg ? -v : v;
}

/** distinct: a table per group up to this many groups (then one table of pairs); EVENT_PIPES_DISTINCT_SETS
 *  overrides it (the tests move the sets at a few hundred groups) */
const SETS_MAX = Number(process.env.EVENT_PIPES_DISTINCT_SETS) || 8192;

export const ops: Record<string, OpDef> = {
  count: {
    field: 'optional', describe: 'records in the group (with a field: records where it is not null)',
    make: (spec) => counter(spec.field === undefined ? (g, _r, _k, n) => { n.at(g)[g]++; } : (g, r, k, n) => { if (!isNull(r.value(k))) n.at(g)[g]++; }),
  },
  count_if: {
    field: 'required', describe: 'records whose field is truthy (true, non-zero, non-empty, not "false"; "0" and "0.0" are zero)',
    make: () => counter((g, r, k, n) => { if (truthy(r.value(k))) n.at(g)[g]++; }),
  },
  distinct: {
    field: 'required', describe: 'exact number of distinct non-null values (the partial state is the set itself)',
    make() {
      // The values seen, as bytes: each value's canonical token (FieldReader.tokenInto; token() is its
      // latin1 text), no string per value (JS Sets of token strings were 2-3x the time). While the
      // groups are few (and their sets not tiny), a table per group: records come in runs of a group
      // (a date, a month, in time-ordered input), so the table of the group at hand stays in cache
      // (one table for all meant a cache miss a value once it outgrew the cache: the Insights shard's
      // per-day and per-month distinct users ~4 % faster). Past SETS_MAX groups, or when the sets are
      // small (fewer than 64 values a group on average when a group past the 64th comes: a table's
      // ~2.5 KiB would outweigh its values; one row per record, --each), one table of (group number:
      // 4 bytes, token) pairs, into which the sets are moved (at most 8192 tables: ~20 MiB beside
      // their values).
      let sets: ByteKeys[] | null = [];
      let inSets = 0; // values in sets
      // (a new group's set is made with room for as many values as the last set made holds, up to 2,048,
      // for the first 1,024 groups: a day's distinct users grew from 16 by seven rehashes; the Insights
      // shard's per-day and per-month sets' rehashes ~55 -> ~21 ms. A group much smaller than the one
      // before it holds ~70 KiB of room it does not use at most)
      let made = 0, bytesInSets = 0, last: ByteKeys | undefined;
      let pairs: ByteKeys | null = null;
      let counts = new Int32Array(64);
      let pair = Buffer.allocUnsafe(256); // the token at 4 (after the group number in pairs mode)
      let byGroup: string[][] | null = null; // (state) each group's tokens, built once when asked
      const toPairs = () => {
        const all = new ByteKeys(true);
        let buf = Buffer.allocUnsafe(256);
        sets!.forEach((set, g) => {
          for (let s = 0; s < set.size; s++) {
            const a = set.keyArena(s), o = set.keyStart(s), n = set.keyLength(s);
            if (buf.length < n + 4) buf = Buffer.allocUnsafe(2 * (n + 4));
            buf.writeInt32LE(g, 0);
            a.copy(buf, 4, o, o + n);
            all.slot(buf, 0, n + 4);
          }
        });
        pairs = all; sets = null;
      };
      /** the token pair[4, end) seen in group g */
      const seen = (g: number, end: number) => {
        let added: boolean;
        if (sets !== null) {
          let set = sets[g];
          if (set === undefined && (g >= SETS_MAX || (g >= 64 && inSets < 64 * g))) toPairs();
          else {
            if (set === undefined) {
              const n = last !== undefined && made < 1024 ? Math.min(last.size, 2048) : 0;
              set = sets[g] = last = n >= 16 ? ByteKeys.sized(n, Math.ceil(n * (bytesInSets / inSets))) : ByteKeys.tiny();
              made++;
            }
            const n = set.size;
            set.slot(pair, 4, end);
            added = set.size !== n;
            if (added) { inSets++; bytesInSets += end - 4; }
          }
        }
        if (pairs !== null) {
          const n = pairs.size;
          pair.writeInt32LE(g, 0);
          pairs.slot(pair, 0, end);
          added = pairs.size !== n;
        }
        if (!added!) return;
        if (g >= counts.length) { const c = new Int32Array(Math.max(g + 1, 2 * counts.length)); c.set(counts); counts = c; }
        counts[g]++;
        byGroup = null;
      };
      const text = (a: Buffer, o: number, e: number) => (e > o && a[o] === 0 ? a.toString('utf16le', o + 1, e) : a.toString('latin1', o, e));
      return {
        add(g, r, k) {
          let end = r.tokenInto(k, pair, 4);
          while (end === -2) { const t = r.token(k); pair = Buffer.allocUnsafe(2 * (t.length + 4)); end = r.tokenInto(k, pair, 4); }
          if (end >= 0) seen(g, end); // (-1: absent or null)
        },
        result: (g) => (g < counts.length ? counts[g] : 0),
        state(g) {
          if (byGroup === null) {
            byGroup = [];
            if (sets !== null) {
              sets.forEach((set, h) => {
                const ts: string[] = byGroup![h] = [];
                for (let s = 0; s < set.size; s++) { const o = set.keyStart(s); ts.push(text(set.keyArena(s), o, o + set.keyLength(s))); }
              });
            } else {
              const all = pairs!;
              for (let s = 0; s < all.size; s++) {
                const a = all.keyArena(s), o = all.keyStart(s), e = o + all.keyLength(s);
                (byGroup[a.readInt32LE(o)] ??= []).push(text(a, o + 4, e));
              }
            }
            for (const ts of byGroup) ts?.sort();
          }
          return byGroup[g] ?? [];
        },
        // every value's token bytes one after another, their lengths, their groups (sets: no order)
        states(m) {
          let total = 0, count = 0;
          const each = (f: (g: number, a: Buffer, o: number, n: number) => void) => {
            if (sets !== null) sets.forEach((set, g) => { if (g < m) for (let s = 0; s < set.size; s++) f(g, set.keyArena(s), set.keyStart(s), set.keyLength(s)); });
            else for (let s = 0; s < pairs!.size; s++) { const a = pairs!.keyArena(s), o = pairs!.keyStart(s), g = a.readInt32LE(o); if (g < m) f(g, a, o + 4, pairs!.keyLength(s) - 4); }
          };
          each((_g, _a, _o, n) => { total += n; count++; });
          const bytes = new Uint8Array(total), lens = new Int32Array(count), groups = new Int32Array(count);
          let at = 0, k = 0;
          each((g, a, o, n) => { bytes.set(a.subarray(o, o + n), at); at += n; lens[k] = n; groups[k++] = g; });
          return { bytes, lens, groups };
        },
        mergeStates(gs, st) {
          const { bytes, lens, groups } = st as { bytes: Uint8Array; lens: Int32Array; groups: Int32Array };
          for (let k = 0, at = 0; k < lens.length; k++) {
            const n = lens[k];
            if (pair.length < n + 4) pair = Buffer.allocUnsafe(2 * (n + 4));
            const p = pair;
            for (let i = 0; i < n; i++) p[4 + i] = bytes[at + i];
            at += n;
            seen(gs[groups[k]], 4 + n);
          }
        },
        bad: (st) => (Array.isArray(st) && st.every((t) => typeof t === 'string') ? undefined : 'a distinct set: an array of strings'),
        merge(g, st) {
          for (const t of st as string[]) {
            if (pair.length < 2 * t.length + 5) pair = Buffer.allocUnsafe(2 * (2 * t.length + 5));
            // a state's tokens are latin1 text (bytes); any other string (made by hand) is kept as its
            // UTF-16 after a 0 byte, which no token starts with, so it stays itself
            if (t.length > 0 && t.charCodeAt(0) !== 0 && !/[^\x00-\xff]/.test(t)) seen(g, 4 + pair.write(t, 4, 'latin1'));
            else { pair[4] = 0; seen(g, 5 + pair.write(t, 5, 'utf16le')); }
          }
        },
      };
    },
  },
  approx_distinct: {
    field: 'required', describe: 'HyperLogLog estimate of distinct non-null values: standard error 1.6 %, 4 KiB per group, mergeable',
    make() {
      const h: HyperLogLog[] = [];
      return {
        add(g, r, k) { if (!r.found(k)) return; const t = r.token(k); if (t !== 'null') (h[g] ??= new HyperLogLog()).add(t); },
        result: (g) => h[g]?.estimate() ?? 0,
        state: (g) => (h[g] ?? new HyperLogLog()).toState(),
        merge(g, st) { (h[g] ??= new HyperLogLog()).merge(HyperLogLog.fromState(String(st))); },
        bad: (st) => (HyperLogLog.isState(st) ? undefined : `a HyperLogLog sketch: the base64 text of ${1 << HyperLogLog.P} registers`),
      };
    },
  },
  approx_quantile: {
    field: 'required', describe: 't-digest estimate of quantile q: approx_quantile(field, 0.95); within ~1 % of rank, memory bounded per group, mergeable',
    params: (spec) => fraction(spec, 'approx_quantile'),
    make(spec, note) {
      const q = spec.args[0];
      if (q === undefined || !(q >= 0 && q <= 1)) throw new UsageError(fraction(spec, 'approx_quantile'));
      const d: TDigest[] = [];
      return {
        add(g, r, k) { const x = num(r, k, note, spec.name); if (!Number.isNaN(x)) (d[g] ??= new TDigest()).add(x); },
        result: (g) => d[g]?.quantile(q) ?? null,
        state: (g) => (d[g]?.toState() ?? []).map(([m, w]) => [stateNumber(m), w]),
        merge(g, st) { (d[g] ??= new TDigest()).merge((st as [unknown, number][]).map(([m, w]) => [toNumber(m), w])); },
        bad: (st) => (Array.isArray(st) && st.every((c) => Array.isArray(c) && c.length === 2 && isStateNumber(c[0]) && typeof c[1] === 'number' && c[1] > 0 && Number.isFinite(c[1]))
          ? undefined : 'a t-digest: an array of [mean, weight > 0] pairs'),
      };
    },
  },
  sum: {
    field: 'required', describe: 'sum of numeric values (numeric strings count; null when none); integers exactly, beyond 2^53 too',
    make: (spec, note) => summing(spec, note, false, (s) => s),
  },
  sumsq: {
    field: 'required', describe: 'sum of squares of numeric values (with count and sum gives variances and effect sizes); integers exactly',
    make: (spec, note) => summing(spec, note, true, (s) => s),
  },
  avg: {
    field: 'required', describe: 'mean of numeric values (null when none)',
    make: (spec, note) => summing(spec, note, false, mean, true),
  },
  quantile: {
    field: 'required', describe: 'exact quantile q of numeric values: quantile(field, 0.95); linear interpolation between closest ranks (numpy\'s default)',
    params: (spec) => fraction(spec, 'quantile'),
    make: (spec, note) => quantileColumn(spec.args[0], spec, note),
  },
  p50: { field: 'required', describe: 'exact median (quantile 0.5)', make: (spec, note) => quantileColumn(0.5, spec, note) },
  p90: { field: 'required', describe: 'exact 90th percentile', make: (spec, note) => quantileColumn(0.9, spec, note) },
  p95: { field: 'required', describe: 'exact 95th percentile', make: (spec, note) => quantileColumn(0.95, spec, note) },
  p99: { field: 'required', describe: 'exact 99th percentile', make: (spec, note) => quantileColumn(0.99, spec, note) },
  min: { field: 'required', describe: 'smallest value (numbers numerically, else as text)', make: (spec, note) => extreme(-1, spec, note) },
  max: { field: 'required', describe: 'largest value (numbers numerically, else as text)', make: (spec, note) => extreme(1, spec, note) },
};

/** the one argument of a quantile: a fraction q with 0 <= q <= 1 */
function fraction(spec: AggSpec, op: string): string | undefined {
  const q = spec.args[0];
  if (spec.args.length === 1 && q >= 0 && q <= 1) return undefined;
  const got = spec.args.length === 0 ? 'none' : spec.args.join(', ');
  return `${op} takes one fraction q with 0 <= q <= 1 (got ${got}): ${spec.name}=${op}(${spec.field}, 0.95)`;
}

/** numpy's default ("linear"): h = (n - 1) q, between the values of ranks floor(h) and floor(h) + 1 */
export function quantileOf(sorted: Float64Array | number[], q: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const h = (n - 1) * q, lo = Math.floor(h), hi = Math.min(lo + 1, n - 1);
  return lerp(sorted[lo], sorted[hi], h - lo);
}
/** numpy's lerp between the values of ranks floor(h) and floor(h) + 1, for identical rounding; where
 *  b - a overflows (values near +-1.8e308 of both signs: numpy gives inf or nan) the weighted sum,
 *  which does not; at a whole rank (t = 0) or between equal values, the value itself (numpy: nan next
 *  to an infinity) */
const lerp = (a: number, b: number, t: number) => {
  if (t === 0 || a === b) return a; // (a rank's own value: 5 between 5 and 1e400 is 5, where 5 + inf * 0 is NaN)
  const x = t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
  return Number.isFinite(x) || !Number.isFinite(a) || !Number.isFinite(b) ? x : a * (1 - t) + b * t;
};

/**
 * Rearranges `a` (no NaN) so that a[k] holds the value of rank k (0-based, ascending), no larger value
 * before it and no smaller one after it, and returns it: a quickselect (median-of-three pivot, Hoare's
 * partition, which splits runs of equal values evenly), O(n) where a sort is O(n log n); a range still
 * large after 2 log2(n) + 8 rounds (an adversarial order) is sorted instead.
 */
export function selectKth(a: Float64Array, k: number): number {
  let lo = 0, hi = a.length - 1, rounds = 2 * (32 - Math.clz32(a.length)) + 8;
  while (hi > lo) {
    if (rounds-- === 0) { a.subarray(lo, hi + 1).sort(); break; }
    const x = a[lo], y = a[(lo + hi) >>> 1], z = a[hi];
    const p = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] < p) i++;
      while (a[j] > p) j--;
      if (i <= j) { const t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    // a[lo..j] <= p, a[i..hi] >= p, and everything between them equals p
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}

/** quantileOf() of the values of `a` in any order (rearranged): the one or two ranks it needs found by
 *  selectKth(), not by a sort */
export function quantileOfAny(a: Float64Array, q: number): number | null {
  const n = a.length;
  if (n === 0) return null;
  const h = (n - 1) * q, lo = Math.floor(h), hi = Math.min(lo + 1, n - 1);
  const x = selectKth(a, lo);
  let y = x;
  if (hi > lo) { y = a[hi]; for (let i = hi + 1; i < n; i++) if (a[i] < y) y = a[i]; } // the least after rank lo
  return lerp(x, y, h - lo);
}

/** a value of a quantile's state as JSON writes it back exactly: a double as itself, +-Infinity (from
 *  1e400) as a bare 1e400 or -1e400 token (JSON has no Infinity: it would be written null) */
const stateNumber = (x: number): number | BigNum => (x === Infinity ? INF : x === -Infinity ? MINUS_INF : x);
const INF = new BigNum('1e400'), MINUS_INF = new BigNum('-1e400');
/** a value read from a quantile's state: a number, or a number token read exactly (16+ digits, 1e400) */
const isStateNumber = (x: unknown): boolean => (typeof x === 'number' ? Number.isFinite(x) : x instanceof BigNum && !Number.isNaN(toNumber(x)));

/** exact quantiles keep every value of the group (8 bytes each) and find the ranks they need at the end */
function quantileColumn(q: number | undefined, spec: AggSpec, note: (w: string) => void): AggColumn {
  if (q === undefined || !(q >= 0 && q <= 1)) throw new UsageError(fraction(spec, 'quantile') ?? 'quantile needs a fraction');
  const values: number[][] = [];
  // the sorted runs of values merged states gave (a state is written sorted): kept as they came, their
  // ranks found by binary searches at the end (no value pushed again, no selection over all of them:
  // the Insights recipe's merges of the shards' p50 and p95 states, ~0.1 s of its tail before)
  const runs: ArrayLike<number>[][] = [];
  let row = spec.rowsBefore ?? 0; // result() is called once per group, in output order
  /** every value of group g in one sorted array (a state) */
  const sortedAll = (g: number): Float64Array => joinedRuns([...runs[g] ?? [], values[g] ?? []]).sort();
  return {
    add(g, r, k) { const x = num(r, k, note, spec.name); if (!Number.isNaN(x)) (values[g] ??= []).push(x); },
    result(g) {
      row++;
      const v = values[g], r = runs[g];
      const x = r === undefined ? (v ? quantileOfAny(Float64Array.from(v), q) : null)
        : quantileOfRuns(v !== undefined && v.length > 0 ? [...r, Float64Array.from(v).sort()] : r, q);
      if (x === null || Number.isFinite(x)) return x;
      note(`${spec.name}: the value of output record ${row} is beyond the double range (+-1.8e308): written as null`);
      return null;
    },
    // (ascending: a merge keeps it as a run)
    state: (g) => {
      const all = runs[g] !== undefined ? sortedAll(g) : undefined;
      const c = counted(all ?? values[g] ?? []); // (a group's own values counted before a sort: most are not)
      if (c !== null) return c;
      const a = all ?? sortedAll(g);
      let finite = true;
      for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) { finite = false; break; }
      return finite ? Array.from(a) : Array.from(a, stateNumber);
    },
    merge(g, st) {
      if (!Array.isArray(st)) { // {"values":[...],"counts":[...]}: ascending, a run of their repeats
        const { values: u, counts } = st as Counted;
        let n = 0;
        for (let i = 0; i < counts.length; i++) n += counts[i];
        const a = new Float64Array(n);
        for (let i = 0, at = 0; i < u.length; i++) { a.fill(toNumber(u[i]), at, at + counts[i]); at += counts[i]; }
        (runs[g] ??= []).push(a);
        return;
      }
      const w = st as (number | BigNum)[];
      let sorted = true;
      for (let i = 0; i < w.length; i++) {
        if (typeof w[i] !== 'number') w[i] = toNumber(w[i]); // (read exactly: a double now)
        if (i > 0 && (w[i] as number) < (w[i - 1] as number)) sorted = false;
      }
      if (sorted) { (runs[g] ??= []).push(w as number[]); return; } // (a state just read: taken, not copied)
      const v = values[g];
      if (v === undefined || v.length === 0) values[g] = w as number[];
      else for (let i = 0; i < w.length; i++) v.push(w[i] as number);
    },
    bad: (st) => (Array.isArray(st) ? st.every(isStateNumber) : isCounted(st)) ? undefined
      : 'exact quantile values: an array of numbers, or {"values":[...],"counts":[...]}',
  };
}

/** the quantile q of the values of sorted runs (as quantileOf() of them all in one sorted array) */
export function quantileOfRuns(runs: readonly ArrayLike<number>[], q: number): number | null {
  let n = 0;
  for (const r of runs) n += r.length;
  if (n === 0) return null;
  const h = (n - 1) * q, lo = Math.floor(h), hi = Math.min(lo + 1, n - 1);
  if (runs.length === 1) return lerp(runs[0][lo], runs[0][hi], h - lo);
  if (runs.length > RUNS_MAX) return quantileOfAny(joinedRuns(runs), q); // (many runs: one array and a selection, O(n); see kthOfRuns)
  const x = kthOfRuns(runs, lo);
  return lerp(x, hi > lo ? kthOfRuns(runs, hi) : x, h - lo);
}

/** the values of the arrays one after another, in one array */
function joinedRuns(runs: readonly ArrayLike<number>[]): Float64Array {
  let n = 0;
  for (const r of runs) n += r.length;
  const a = new Float64Array(n);
  let at = 0;
  for (const r of runs) { a.set(r, at); at += r.length; }
  return a;
}

/** runs merged by binary searches up to this many (quantileOfRuns): each round of kthOfRuns halves
 *  one run's range, so disjoint runs in value order take rounds in proportion to their number (40,000
 *  one-value states of a growing id: 49 s, against 0.2 s for a selection over one array) */
const RUNS_MAX = 16;

/** the value of rank k (0-based, ascending) among the values of sorted runs: the middle value of the
 *  run with the most values left is a pivot whose rank binary searches in each run bound; the ranges
 *  left above or below it, the largest at least halved each round (so at most the runs' number times
 *  log2 of their length rounds: for a few runs, quantileOfRuns) */
export function kthOfRuns(runs: readonly ArrayLike<number>[], k: number): number {
  const m = runs.length, lo = new Array<number>(m).fill(0), hi = runs.map((r) => r.length);
  const below = new Array<number>(m), upTo = new Array<number>(m);
  for (;;) {
    let b = 0;
    for (let j = 1; j < m; j++) if (hi[j] - lo[j] > hi[b] - lo[b]) b = j;
    const p = runs[b][(lo[b] + hi[b]) >>> 1];
    let lt = 0, le = 0;
    for (let j = 0; j < m; j++) {
      const r = runs[j];
      let a = lo[j], z = hi[j];
      while (a < z) { const c = (a + z) >>> 1; if (r[c] < p) a = c + 1; else z = c; }
      below[j] = a;
      z = hi[j];
      while (a < z) { const c = (a + z) >>> 1; if (r[c] <= p) a = c + 1; else z = c; }
      upTo[j] = a;
      lt += below[j] - lo[j]; le += upTo[j] - lo[j];
    }
    if (k < lt) for (let j = 0; j < m; j++) hi[j] = below[j];
    else if (k < le) return p;
    else { k -= le; for (let j = 0; j < m; j++) lo[j] = upTo[j]; }
  }
}

/** An exact quantile's state where its values repeat: the distinct values, ascending, and how many
 *  times each came. Written instead of the values when there are at most a quarter as many distinct
 *  ones: 500k session durations (whole seconds, most of them 0) have 31, 2 MB of JSON a state
 *  otherwise, to write, read and check again at the merge (the Insights recipe's shards) */
interface Counted { values: (number | BigNum)[]; counts: number[] }
function counted(v: ArrayLike<number>): Counted | null {
  const n = v.length;
  if (n < 64) return null;
  const seen = new Map<number, number>(), most = n >> 2;
  for (let i = 0; i < n; i++) {
    const x = v[i];
    if (x === 0 && 1 / x < 0) return null; // (-0: one key with 0 in a Map; written apart as the values)
    seen.set(x, (seen.get(x) ?? 0) + 1);
    if (seen.size > most) return null;
  }
  const keys = [...seen.keys()].sort((a, b) => a - b);
  return { values: keys.map(stateNumber), counts: keys.map((k) => seen.get(k)!) };
}
/** a state counted() could have written: values (numbers, ascending, distinct, no -0) and counts (whole,
 *  >= 1), as many; at least 64 values in all, at most a quarter of them distinct, and at most 2^27 (the
 *  values a group can hold as doubles in memory: a count of 2^32 made the merge push values until Node
 *  died, not a bad record) */
function isCounted(st: unknown): boolean {
  if (st === null || typeof st !== 'object' || Array.isArray(st)) return false;
  const keys = Object.keys(st);
  if (keys.length !== 2 || !('values' in st) || !('counts' in st)) return false;
  const { values: u, counts: c } = st as Counted;
  if (!Array.isArray(u) || !Array.isArray(c) || u.length !== c.length || !u.every(isStateNumber)) return false;
  let total = 0;
  for (let i = 0; i < c.length; i++) {
    if (!(Number.isSafeInteger(c[i]) && c[i] >= 1) || (total += c[i]) > MAX_COUNTED) return false;
    const x = toNumber(u[i]);
    if ((x === 0 && 1 / x < 0) || (i > 0 && !(toNumber(u[i - 1]) < x))) return false;
  }
  return total >= 64 && u.length <= total >> 2;
}
const MAX_COUNTED = 2 ** 27;

/** min/max keep the original value (an INT64 string stays a string) and compare numerically when both
 *  values are numeric (numbers, numeric strings, long integers exactly via BigInt), else as text. */
function extreme(sign: number, _spec: AggSpec, _note: (w: string) => void): AggColumn {
  const best: unknown[] = [];
  return {
    add(g, r, k) {
      const v = r.valueDigits(k); // (12345678901234567890.9 is not its double, nor 0.10000000000000001)
      if (isNull(v)) return;
      const cur = best[g];
      if (cur === undefined || sign * compareTotal(v, cur) > 0) best[g] = v;
    },
    result: (g) => best[g] ?? null,
    state: (g) => best[g] ?? null,
    merge(g, st) { if (isNull(st)) return; const cur = best[g]; if (cur === undefined || sign * compareTotal(st, cur) > 0) best[g] = st; },
    bad: () => undefined, // (any value, null when the group had none)
  };
}

/** compareMixed, then for values it finds equal (or cannot order: 1e400 and 2e400) that are not the
 *  same value (0 and "0", 1 and "1.0"): exactly when both are JSON numbers, else numbers before text,
 *  then by their JSON text. A total order, so min/max do not depend on which value came first (in
 *  threads, on timing). */
function compareTotal(a: unknown, b: unknown): number {
  const c = compareMixed(a, b);
  if (c) return c < 0 ? -1 : 1; // (NaN: not ordered, falls through)
  const ka = kindOfValue(a), kb = kindOfValue(b); // (a number, a BigNum: 0; text: 1; else 2)
  const ta = a instanceof BigNum ? a.raw : a, tb = b instanceof BigNum ? b.raw : b;
  if (ka === kb && ta === tb) return 0;
  const ja = typeof ta === 'number' ? String(ta) : typeof ta === 'string' && numericText(ta) ? ta.trim() : null;
  const jb = typeof tb === 'number' ? String(tb) : typeof tb === 'string' && numericText(tb) ? tb.trim() : null;
  if (ja !== null && jb !== null) { const d = compareDec(parseDec(ja), parseDec(jb)); if (d) return d; }
  if (ka !== kb) return ka - kb;
  return compareCodePoints(stringify(a), stringify(b));
}

const kindOfValue = (v: unknown) => (typeof v === 'number' || v instanceof BigNum ? 0 : typeof v === 'string' ? 1 : 2);

const LONG_INT = /^\s*-?\d{16,}\s*$/;
function compareMixed(a: unknown, b: unknown): number {
  const ta = a instanceof BigNum ? a.raw : a, tb = b instanceof BigNum ? b.raw : b;
  const na = typeof ta === 'number' || (typeof ta === 'string' && numericText(ta));
  const nb = typeof tb === 'number' || (typeof tb === 'string' && numericText(tb));
  if (na && nb) {
    if (typeof ta === 'string' && typeof tb === 'string' && LONG_INT.test(ta) && LONG_INT.test(tb)) {
      const x = BigInt(ta.trim()), y = BigInt(tb.trim());
      return x < y ? -1 : x > y ? 1 : 0;
    }
    return Number(ta) - Number(tb);
  }
  if (na !== nb) return na ? -1 : 1; // numbers sort before text
  return compare(ta, tb);
}

/** "name=op(field)" or "op(field)" or "op()"; the name defaults to op_field (or op). A name is a letter
 *  or _ then letters, digits or _, in any script (Umsätze=sum(amount), сумма=sum(v)) */
export function parseAgg(text: string): AggSpec {
  const m = /^\s*(?:([\p{L}_][\p{L}\p{M}\p{N}_]*)\s*=\s*)?([a-z_][a-z0-9_]*)\s*\(\s*([^,)]*?)\s*((?:,\s*[-\d.eE]+\s*)*)\)\s*$/u.exec(text);
  if (!m) throw new Error(`cannot read aggregate '${text}': write NAME=op(field), e.g. users=distinct(user_id)`);
  const [, name, op, field, rest] = m;
  const def = ops[op];
  if (!def) throw new Error(`unknown aggregate '${op}' in '${text}' (known: ${Object.keys(ops).join(', ')})`);
  if (def.field === 'required' && !field) throw new Error(`${op}() needs a field, e.g. ${op}(duration)`);
  if (def.field === 'none' && field) throw new Error(`${op}() takes no field`);
  const texts = rest ? rest.split(',').map((x) => x.trim()).filter(Boolean) : [];
  const bad = texts.find((x) => !/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(x));
  if (bad !== undefined) throw new Error(`cannot read '${bad}' in '${text}': arguments are numbers`);
  // (the default name keeps letters of any script, as a NAME may hold them: max(сумма) was max__)
  const spec: AggSpec = { name: name ?? (field ? `${op}_${field.replace(/[^\p{L}\p{M}\p{N}_]+/gu, '_')}` : op), op, field: field || undefined, args: texts.map(Number) };
  const problem = def.params ? def.params(spec) : spec.args.length ? `${op}() takes no argument after the field (got ${texts.join(', ')})` : undefined;
  if (problem) throw new Error(problem);
  return spec;
}
