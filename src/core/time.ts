// Time for event data: epoch numbers in s/ms/µs/ns and ISO-8601 strings to epoch ms, and the local
// calendar of an IANA zone, DST-correct and fast. Offsets come from Intl (the ICU zone database) and
// are cached per 15-minute bucket of UTC time; a bucket that contains a transition stores the exact
// instant of the change, found by bisection. Calendar arithmetic uses days since 1970-01-01
// (Howard Hinnant's civil-from-days), never Date objects on the hot path.

import { BigNum, NUMBER, parseDec } from './json.js';

const DAY = 86_400_000;
const BUCKET = 900_000; // 15 min: no zone has changed offset twice within 15 minutes

// ---------------------------------------------------------------- calendar (days since epoch)
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [era * 400 + yoe + (m <= 2 ? 1 : 0), m, d];
}

const p2 = (n: number) => (n < 10 ? '0' : '') + n;
const p4 = (n: number) => (n >= 0 && n < 10000 ? String(n).padStart(4, '0') : String(n));

export function epochDaysToDate(days: number): string {
  const [y, m, d] = civilFromDays(days);
  return `${p4(y)}-${p2(m)}-${p2(d)}`;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const daysInMonth = (y: number, m: number) => (m === 2 ? ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28) : [31, 0, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]);

export function isValidDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const y = +m[1], mo = +m[2], d = +m[3];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

export function dateToEpochDays(date: string): number {
  if (!isValidDate(date)) throw new RangeError(`not a date (YYYY-MM-DD): ${date}`);
  return daysFromCivil(+date.slice(0, 4), +date.slice(5, 7), +date.slice(8, 10));
}

export const addDays = (date: string, n: number) => epochDaysToDate(dateToEpochDays(date) + n);
export const daysBetween = (a: string, b: string) => dateToEpochDays(b) - dateToEpochDays(a);
/** 0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday) */
const weekday = (days: number) => (((days + 3) % 7) + 7) % 7;

export function weekStart(date: string, start: 'monday' | 'sunday' = 'monday'): string {
  const d = dateToEpochDays(date);
  return epochDaysToDate(d - ((weekday(d) + (start === 'sunday' ? 1 : 0)) % 7));
}
export const monthStart = (date: string) => { dateToEpochDays(date); return date.slice(0, 8) + '01'; };
export const quarterStart = (date: string) => { dateToEpochDays(date); const m = Math.floor((+date.slice(5, 7) - 1) / 3) * 3 + 1; return `${date.slice(0, 5)}${p2(m)}-01`; };
export const yearStart = (date: string) => { dateToEpochDays(date); return date.slice(0, 5) + '01-01'; };

/** ISO-8601 week: weeks start Monday; week 1 holds the year's first Thursday */
export function isoWeek(date: string): { year: number; week: number } {
  const d = dateToEpochDays(date);
  const thursday = d - weekday(d) + 3;
  const year = civilFromDays(thursday)[0];
  return { year, week: Math.floor((thursday - daysFromCivil(year, 1, 1)) / 7) + 1 };
}
export const isoWeekLabel = (date: string) => { const w = isoWeek(date); return `${p4(w.year)}-W${p2(w.week)}`; };

export function formatUtc(ms: number): string { return new Date(ms).toISOString(); }

// ---------------------------------------------------------------- zones
interface Change { at: number; before: number; after: number }

export class ZoneClock {
  readonly zone: string;
  private readonly fmt: Intl.DateTimeFormat | null;
  private readonly cache = new Map<number, number | Change>();
  /** the offset at the start of bucket b, by b */
  private readonly edges = new Map<number, number>();
  private lastDays = NaN;
  private lastDate = '';

  constructor(zone: string) {
    this.zone = zone;
    try {
      this.fmt = /^(UTC|Etc\/UTC|GMT|Etc\/GMT|Z)$/i.test(zone) ? null : new Intl.DateTimeFormat('en-US', {
        timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short',
      });
    } catch {
      throw new RangeError(`unknown time zone '${zone}' (give an IANA name such as America/Chicago or UTC)`);
    }
  }

  /** offset in ms computed by Intl (whole seconds) */
  private exactOffset(ms: number): number {
    const t = Math.floor(ms / 1000) * 1000;
    let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, bc = false;
    for (const p of this.fmt!.formatToParts(t)) {
      switch (p.type) {
        case 'year': y = +p.value; break;
        case 'month': mo = +p.value; break;
        case 'day': d = +p.value; break;
        case 'hour': h = +p.value; break;
        case 'minute': mi = +p.value; break;
        case 'second': s = +p.value; break;
        case 'era': bc = p.value === 'BC' || p.value === 'B'; break;
      }
    }
    if (bc) y = 1 - y;
    return (daysFromCivil(y, mo, d) * DAY + h * 3_600_000 + mi * 60_000 + s * 1000) - t;
  }

  /** the offset at the start of bucket b (asked of Intl once) */
  private edge(b: number): number {
    let o = this.edges.get(b);
    if (o === undefined) { o = this.exactOffset(b * BUCKET); this.edges.set(b, o); }
    return o;
  }

  offsetMs(ms: number): number {
    if (this.fmt === null) return 0;
    const b = Math.floor(ms / BUCKET);
    let c = this.cache.get(b);
    if (c === undefined) {
      // the offsets at the bucket's start and at the next one's (each edge asked once, shared by the
      // two buckets it bounds): equal, the offset holds over the bucket (a zone changes at most once
      // in 15 minutes); else the second of the change by halving
      const lo = b * BUCKET, hi = lo + BUCKET;
      const before = this.edge(b), after = this.edge(b + 1);
      if (before === after) c = before;
      else {
        let a = lo, z = hi; // offset(a) = before, offset(z) = after
        while (z - a > 1000) { const mid = a + Math.floor((z - a) / 2000) * 1000; if (this.exactOffset(mid) === before) a = mid; else z = mid; }
        c = { at: z, before, after };
      }
      if (this.cache.size > 1_000_000) { this.cache.clear(); this.edges.clear(); }
      this.cache.set(b, c);
    }
    return typeof c === 'number' ? c : ms < c.at ? c.before : c.after;
  }

  localDays(ms: number): number { return Math.floor((ms + this.offsetMs(ms)) / DAY); }

  localDate(ms: number): string {
    const days = this.localDays(ms);
    if (days !== this.lastDays) { this.lastDays = days; this.lastDate = epochDaysToDate(days); }
    return this.lastDate;
  }

  localDateTime(ms: number): string {
    const local = ms + this.offsetMs(ms);
    const days = Math.floor(local / DAY);
    const sod = Math.floor((local - days * DAY) / 1000);
    return `${epochDaysToDate(days)} ${p2(Math.floor(sod / 3600))}:${p2(Math.floor(sod / 60) % 60)}:${p2(sod % 60)}`;
  }

  periodStart(ms: number, grain: 'day' | 'week' | 'month' | 'quarter' | 'year', start: 'monday' | 'sunday' = 'monday'): string {
    const date = this.localDate(ms);
    switch (grain) {
      case 'day': return date;
      case 'week': return weekStart(date, start);
      case 'month': return monthStart(date);
      case 'quarter': return quarterStart(date);
      case 'year': return yearStart(date);
    }
  }

  /** the local text of `grain` at ms (YYYY-MM-DD, or YYYY-MM-DD HH:MM:SS for 'second', the same with
   *  the seconds, or the minutes and seconds, 0 for 'minute' and 'hour'), or '' when the
   *  local date (or the period's start) has no four-digit year: before 0000-01-01 or after 9999-12-31 */
  localText(ms: number, grain: 'day' | 'week' | 'month' | 'quarter' | 'year' | 'hour' | 'minute' | 'second', start: 'monday' | 'sunday' = 'monday'): string {
    let t: string;
    try {
      t = grain === 'day' ? this.localDate(ms) : grain === 'second' ? this.localDateTime(ms)
        : grain === 'minute' ? this.localDateTime(ms).slice(0, 16) + ':00' : grain === 'hour' ? this.localDateTime(ms).slice(0, 13) + ':00:00'
        : this.periodStart(ms, grain, start);
    } catch { return ''; }
    return t.charCodeAt(0) !== 45 && t.charCodeAt(4) === 45 ? t : '';
  }

  /** the instant of a local wall-clock time: gaps (spring forward) shift forward, overlaps take the earlier */
  fromLocal(localMs: number): number {
    if (this.fmt === null) return localMs;
    const oBefore = this.offsetMs(localMs - DAY), oAfter = this.offsetMs(localMs + DAY);
    const tA = localMs - oBefore, tB = localMs - oAfter;
    const okA = this.offsetMs(tA) === oBefore, okB = this.offsetMs(tB) === oAfter;
    if (okA && okB) return Math.min(tA, tB);
    if (okA) return tA;
    if (okB) return tB;
    return tA; // in a gap: the wall time read with the offset before the change = shifted forward
  }
}

const clocks = new Map<string, ZoneClock>();
export function zoneClock(zone: string): ZoneClock {
  let c = clocks.get(zone);
  if (!c) { c = new ZoneClock(zone); clocks.set(zone, c); }
  return c;
}

// ---------------------------------------------------------------- parsing
export type Unit = 'auto' | 's' | 'ms' | 'us' | 'ns';
const SCALE: Record<Exclude<Unit, 'auto'>, number> = { s: 1000, ms: 1, us: 1e-3, ns: 1e-6 };
const US: Record<Exclude<Unit, 'auto'>, number> = { s: 1e6, ms: 1e3, us: 1, ns: 1e-3 };
const MIN_MS = -2_208_988_800_000; // 1900-01-01
const MAX_MS = 10_413_792_000_000; // 2300-01-01
const TENS_OF_1973 = 1e11; // ms: 1e8 s, 1973-03-03T09:46:40Z (-1e8 s: 1966-10-31)
/** the times that tools keeping a time to the µs as a double of epoch seconds hold exactly (sessionize,
 *  match-points): 1900-01-01 up to 2^32 s, 2106-02-07T06:28:16Z, past which two µs apart can round to
 *  one double and a gap of exactly --gap be read a µs longer or shorter */
export const US_EXACT_FROM_S = MIN_MS / 1000, US_EXACT_TO_S = 2 ** 32;
/** why a time in epoch seconds is beyond those (for a reject's detail), or undefined */
export const outsideUsRange = (s: number): string | undefined =>
  (s >= US_EXACT_FROM_S && s < US_EXACT_TO_S ? undefined : `${s < US_EXACT_FROM_S ? 'before 1900' : 'from 2106-02-07T06:28:16Z on'}: times are kept to the microsecond as epoch seconds, exact from 1900 to 2106`);

/** auto: |x| < 1e11 -> s (to year 5138), < 1e14 -> ms, < 1e17 -> µs, else ns */
function unitOf(abs: number): Exclude<Unit, 'auto'> {
  return abs < 1e11 ? 's' : abs < 1e14 ? 'ms' : abs < 1e17 ? 'us' : 'ns';
}

/** the unit of an epoch by magnitude: from the digits of an integer's text (exact: 99999999999999993
 *  is below 1e17, though its double is 1e17), else from the number, but for a decimal whose double
 *  is a bound itself from its digits (99999999999.9999999 is below 1e11: seconds; its double 1e11 said
 *  ms, a time in 1973) */
function unitOfText(x: number, digits: string, text: string): Exclude<Unit, 'auto'> {
  if (digits === '') {
    const abs = Math.abs(x);
    if ((abs === 1e11 || abs === 1e14 || abs === 1e17) && NUMBER.test(text)) {
      const n = Number(parseDec(text).exp); // (the value is below 10^n, at least 10^(n-1))
      return n <= 11 ? 's' : n <= 14 ? 'ms' : n <= 17 ? 'us' : 'ns';
    }
    return unitOf(abs);
  }
  let i = digits.charCodeAt(0) === 45 ? 1 : 0;
  while (i < digits.length - 1 && digits.charCodeAt(i) === 48) i++;
  const n = digits.length - i; // digits without leading zeros: the value is below 10^n
  return n <= 11 ? 's' : n <= 14 ? 'ms' : n <= 17 ? 'us' : 'ns';
}

/** powers of ten of a ms in each unit (ms = value x 10^MS_TENS[u]) */
const MS_TENS: Record<Exclude<Unit, 'auto'>, number> = { s: 3, ms: 0, us: -3, ns: -6 };

/** the epoch ms of a decimal of more than 15 significant digits, floored from its digits: its double
 *  can round up across a second (1710115199.9999999 s, 100 ns before midnight, is the double
 *  1710115200: the next day); undefined for any other text (its double floors right) */
function floorDecimal(text: string, u: Exclude<Unit, 'auto'>): number | undefined {
  let sig = 0, lead = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 101 || c === 69) break; // e, E
    if (c < 48 || c > 57 || (lead && c === 48)) continue;
    lead = false; sig++;
  }
  return sig <= 15 ? undefined : floorScaled(text, MS_TENS[u]);
}

/** floor(v x 10^k) of the JSON number text's value v, exactly from its digits (a decimal's double can
 *  lie on either side of a µs: 1700000000.0000009 s is the double of 1700000000.000001); undefined when
 *  the text is no number or the result is not a safe integer */
export function floorScaled(text: string, k: number): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const d = parseDec(text);
  if (d.sign === 0) return 0;
  const e = d.exp + BigInt(k) - BigInt(d.digits.length); // v x 10^k = digits x 10^e
  if (e > 30n || e < -60n) return undefined;
  const m = BigInt(d.digits);
  let q: bigint;
  if (e >= 0n) q = m * 10n ** e;
  else { const p = 10n ** -e; q = m / p; if (d.sign < 0 && q * p !== m) q += 1n; }
  const v = Number(d.sign < 0 ? -q : q);
  return Number.isSafeInteger(v) ? v : undefined;
}


function fromEpoch(x: number, text: string, unit: Unit, fine = false): number | string {
  if (!Number.isFinite(x)) return `timestamp '${text}' is not a finite number`;
  const digits = /^-?\d+$/.test(text) ? text : '';
  const u = unit === 'auto' ? unitOfText(x, digits, text) : unit;
  let ms: number, us = 0; // (us: the µs within the ms, with `fine`)
  if (digits && (u === 'us' || u === 'ns') && digits.replace('-', '').length > 15) {
    // long integer strings: cut the digits instead of rounding the whole number through a double
    const cut = u === 'us' ? 3 : 6;
    const neg = digits.startsWith('-');
    const abs = neg ? digits.slice(1) : digits;
    const whole = Number(abs.slice(0, abs.length - cut)), tail = abs.slice(abs.length - cut);
    if (!fine) ms = neg ? -whole - (/[1-9]/.test(tail) ? 1 : 0) : whole;
    else {
      // the µs: the tail's first three digits (floored: a negative time with more below counts one more)
      const k = Number(tail.slice(0, 3)) + (neg && /[1-9]/.test(tail.slice(3)) ? 1 : 0);
      ms = neg ? (k === 0 ? -whole : -whole - 1) : whole;
      us = neg ? (k === 0 ? 0 : 1000 - k) : k;
    }
  } else if (!fine) ms = (digits === '' ? floorDecimal(text, u) : undefined) ?? Math.floor(x * SCALE[u]);
  // (an integer's text only: the double of 1699999999.9999999 is the integer 1700000000)
  else if (Number.isInteger(x) && u !== 'ns' && digits !== '') { ms = u === 'us' ? Math.floor(x / 1000) : x * SCALE[u]; us = u === 'us' ? x - ms * 1000 : 0; }
  else {
    // a fraction: floored to the µs from its digits, as an ISO fraction's and a long integer's digits
    // are (rounding its double dated 1700000000.0000009 s 1 µs after "2023-11-14T22:13:20.0000009Z");
    // without them (a text no double's shortest form gives): the nearest µs of the double
    const whole = floorScaled(text, MS_TENS[u] + 3) ?? Math.round(x * US[u]);
    ms = Math.floor(whole / 1000); us = whole - ms * 1000;
  }
  if (ms < MIN_MS || ms > MAX_MS) {
    const likely = unitOfText(x, digits, text);
    return `epoch ${text} is out of range for unit ${u}${unit !== 'auto' && likely !== u ? ` (it looks like ${likely})` : ''}`;
  }
  // an explicit unit finer than the value's size says (seconds given as ms, ms as µs): a time within
  // ~3 years of 1970 that, in the unit its size says, is one of 1973-2300 (a modern time): refused, as
  // a value too big for its unit is, not loaded as a day in 1970 (a value of under 1e8 is left alone)
  if (unit !== 'auto' && Math.abs(ms) < TENS_OF_1973) {
    const likely = unitOfText(x, digits, text);
    const asLikely = x * SCALE[likely];
    if (SCALE[likely] > SCALE[u] && Math.abs(asLikely) >= TENS_OF_1973 && asLikely >= MIN_MS && asLikely <= MAX_MS)
      return `epoch ${text} read as ${u} is a time in ${new Date(ms).toISOString().slice(0, 4)} (it looks like ${likely})`;
  }
  return us === 0 ? ms : ms + us / 1000;
}

// (after the time: Z, an offset, or " UTC" / " GMT" as BigQuery's CSV exports and many SQL tools write
// a UTC time: "2023-01-01 04:17:40.123456 UTC"; spaces before it, no-break ones too, not a tab or a line break)
const ISO = /^(\d{4})-?(\d{2})-?(\d{2})(?:[Tt ](\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?[ \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/;

function fromIso(text: string, inputTz: string, fine = false): number | string {
  const m = ISO.exec(text);
  const bad = `timestamp '${text}' is not a number or an ISO-8601 date`;
  if (!m) return bad;
  const [, ys, mos, ds, hs, mis, ss, frac, off] = m;
  const y = +ys, mo = +mos, d = +ds, h = hs ? +hs : 0, mi = mis ? +mis : 0, s = ss ? +ss : 0;
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 60) return bad;
  if (!hs && off) return bad;
  const fracMs = frac ? Number((frac + '00').slice(0, 3)) : 0;
  const sub = fine && frac && frac.length > 3 ? Number((frac + '00').slice(3, 6)) / 1000 : 0; // the µs, with `fine`
  const local = daysFromCivil(y, mo, d) * DAY + h * 3_600_000 + mi * 60_000 + s * 1000 + fracMs;
  if (off) {
    if (off === 'Z' || off === 'z' || off === 'UTC' || off === 'GMT') return local + sub;
    const sign = off[0] === '-' ? -1 : 1;
    const digits = off.slice(1).replace(':', '');
    const oh = +digits.slice(0, 2), om = digits.length > 2 ? +digits.slice(2, 4) : 0;
    if (oh > 23 || om > 59) return bad;
    return local - sign * (oh * 3_600_000 + om * 60_000) + sub;
  }
  return zoneClock(inputTz).fromLocal(local) + sub;
}

/** the common case, an unsigned epoch of 10-19 digits with --unit auto: ms without regexes, or -1 */
function plainEpochMs(t: string, fine = false): number {
  const n = t.length;
  if (n < 10 || n > 19 || t.charCodeAt(0) === 48) return -1;
  for (let i = 0; i < n; i++) { const c = t.charCodeAt(i) - 48; if (c < 0 || c > 9) return -1; }
  // unit by magnitude as in unitOf(): < 1e11 s, < 1e14 ms, < 1e17 µs, else ns (no leading zero: n digits < 10^n)
  const keep = n - (n <= 17 ? 3 : 6);
  const ms = n <= 11 ? Number(t) * 1000 : n <= 14 ? Number(t) : Number(t.slice(0, keep));
  if (ms < MIN_MS || ms > MAX_MS) return -1;
  const us = fine && n > 14 ? Number(t.slice(keep, keep + 3)) : 0;
  return us === 0 ? ms : ms + us / 1000;
}

/** a decoded field value (a number, a BigNum's exact text, a string) as a time to the µs: epoch ms with
 *  the µs as a fraction (parseTimestamp, `fine`), or a reason; `text`: a number's own JSON text */
export function valueMs(v: unknown, opts: { inputTz?: string; text?: string } = {}): number | string {
  const raw = v instanceof BigNum ? v.raw : v; // (a 16+ digit epoch, µs or ns: its exact text)
  if (typeof raw !== 'string' && typeof raw !== 'number') return `not a timestamp: ${JSON.stringify(raw) ?? String(raw)}`;
  return parseTimestamp(raw, { inputTz: opts.inputTz, fine: true, text: typeof raw === 'number' ? opts.text : undefined });
}
/** epoch ms (to the µs) as epoch seconds, through whole µs: the double of their decimal (1728494830.1,
 *  never ...30.099999904; .0009 stays .0009) */
export const msSeconds = (ms: number): number => Math.round(ms * 1000) / 1e6;

/** epoch ms (integer, floored) of an epoch number/numeric string or an ISO-8601 string; else a reason.
 *  `fine`: to the µs (whole ms plus the µs as a fraction; finer digits dropped, from a number's text:
 *  pass a decoded number's own JSON text as `text`), for tools comparing times rather than finding their day */
export function parseTimestamp(raw: string | number, opts: { unit?: Unit; inputTz?: string; fine?: boolean; text?: string } = {}): number | string {
  const unit = opts.unit ?? 'auto', fine = opts.fine === true;
  if (unit === 'auto' && typeof raw === 'string') { const ms = plainEpochMs(raw, fine); if (ms >= 0) return ms; }
  // (`text`: a number's own JSON text, whose digits its double may not keep)
  if (typeof raw === 'number') return fromEpoch(raw, opts.text ?? String(raw), unit, fine);
  if (typeof raw !== 'string') return `timestamp ${JSON.stringify(raw)} is not a number or a string`;
  const t = raw.trim();
  if (t === '') return 'empty timestamp';
  // a number as JSON writes one (not .5, 1. or 0123), but 8 digits are a basic ISO date (20240309)
  if (NUMBER.test(t) && !/^\d{8}$/.test(t)) return fromEpoch(Number(t), t, unit, fine);
  return fromIso(t, opts.inputTz ?? 'UTC', fine);
}

// ---------------------------------------------------------------- parsing from bytes (hot paths)
// The shapes almost every record has, read straight from a line's bytes without a string or a regex:
// each returns exactly what parseTimestamp gives for that text, or NaN for any other text (the caller
// then falls back to parseTimestamp, which accepts more and words the refusals).

/** two ASCII digits at b[i] as a number, or -1 */
function two(b: Uint8Array, i: number): number {
  const x = b[i] - 48, y = b[i + 1] - 48;
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1;
}

/**
 * Epoch ms of the ISO-8601 text b[s, e) (the string's contents, without quotes) when it has one of the
 * plain shapes YYYY-MM-DD, YYYY-MM-DD[T ]HH:MM[:SS[.f…]] with an optional Z/z or +HH[[:]MM]/-HH[[:]MM]
 * right after the time; times without an offset are wall-clock times of `inputTz` (a clock). NaN for
 * anything else, including shapes parseTimestamp would refuse (out-of-range fields).
 */
export function isoBytesMs(b: Uint8Array, s: number, e: number, inputTz: ZoneClock, fine = false): number {
  const n = e - s;
  if (n < 10 || b[s + 4] !== 45 || b[s + 7] !== 45) return NaN;
  const y1 = two(b, s), y2 = two(b, s + 2), mo = two(b, s + 5), d = two(b, s + 8);
  if (y1 < 0 || y2 < 0 || mo < 1 || mo > 12 || d < 1) return NaN;
  const y = y1 * 100 + y2;
  if (d > daysInMonth(y, mo)) return NaN;
  let ms = daysFromCivil(y, mo, d) * DAY, sub = 0; // (sub: the µs as a fraction of a ms, with `fine`)
  if (n === 10) return inputTz.fromLocal(ms);
  let i = s + 10;
  if ((b[i] !== 84 && b[i] !== 116 && b[i] !== 32) || e - i < 6 || b[i + 3] !== 58) return NaN; // 'T', 't' or ' ', HH:MM
  const h = two(b, i + 1), mi = two(b, i + 4);
  if (h < 0 || h > 23 || mi < 0 || mi > 59) return NaN;
  ms += h * 3_600_000 + mi * 60_000;
  i += 6;
  if (i < e && b[i] === 58) { // :SS
    const sec = i + 3 <= e ? two(b, i + 1) : -1;
    if (sec < 0 || sec > 60) return NaN;
    ms += sec * 1000;
    i += 3;
    if (i < e && (b[i] === 46 || b[i] === 44)) { // .f… or ,f…: the first three digits are ms
      let j = i + 1, f = 0, u = 0;
      while (j < e && b[j] >= 48 && b[j] <= 57) { if (j - i <= 3) f = f * 10 + (b[j] - 48); else if (j - i <= 6) u = u * 10 + (b[j] - 48); j++; }
      if (j === i + 1) return NaN;
      for (let k = j - i - 1; k < 3; k++) f *= 10;
      ms += f;
      if (fine && j - i > 4) { for (let k = j - i - 1; k < 6; k++) u *= 10; sub = u / 1000; }
      i = j;
    }
  }
  if (i === e) return inputTz.fromLocal(ms) + sub;
  const c = b[i];
  if (c === 90 || c === 122) return i + 1 === e ? ms + sub : NaN; // Z, z
  if (c !== 43 && c !== 45) return NaN;
  const oh = i + 3 <= e ? two(b, i + 1) : -1;
  if (oh < 0 || oh > 23) return NaN;
  let om = 0;
  i += 3;
  if (i < e) {
    if (b[i] === 58) i++;
    om = i + 2 === e ? two(b, i) : -1;
    if (om < 0 || om > 59) return NaN;
  }
  return ms - (c === 45 ? -1 : 1) * (oh * 3_600_000 + om * 60_000) + sub;
}

/** As plainEpochMs on the text b[s, e): an unsigned epoch of 10-19 digits with --unit auto, or -1 */
export function epochBytesMs(b: Uint8Array, s: number, e: number, fine = false): number {
  const n = e - s;
  if (n < 10 || n > 19 || b[s] === 48) return -1;
  // unit by magnitude: 10-11 digits s, 12-14 ms, 15-17 µs, 18-19 ns; whole ms = the leading digits
  // (with `fine`, the next three are the µs)
  const keep = n <= 14 ? n : n - (n <= 17 ? 3 : 6);
  let v = 0, u = 0;
  for (let i = s; i < e; i++) {
    const c = b[i] - 48;
    if (c < 0 || c > 9) return -1;
    if (i < s + keep) v = v * 10 + c;
    else if (i < s + keep + 3) u = u * 10 + c;
  }
  const ms = n <= 11 ? v * 1000 : v;
  if (ms < MIN_MS || ms > MAX_MS) return -1;
  return fine && u !== 0 ? ms + u / 1000 : ms;
}

/**
 * The epoch ms of a timestamp field read from its JSON value's bytes b[s, e) (s < 0: absent) for the
 * common shapes: a string without escapes holding ISO-8601 (times without an offset in `inputTz`) or,
 * with unit auto, epoch digits; a bare positive integer of 10-14 or 16-19 digits with unit auto. What
 * parseTimestamp gives the decoded value; NaN when it steps aside (then decode and parseTimestamp it).
 */
export function valueBytesMs(b: Uint8Array, s: number, e: number, unit: Unit, inputTz: ZoneClock, fine = false): number {
  if (s < 0) return NaN;
  const q = b[s] === 34;
  if (q) { s++; e--; for (let i = s; i < e; i++) if (b[i] === 92) return NaN; } // an escape: decode first
  else if (b[s] < 49 || b[s] > 57 || e - s === 15) return NaN; // (a 15-digit number: µs or ms by value, decoded)
  if (unit === 'auto') { const ms = epochBytesMs(b, s, e, fine); if (ms >= 0) return ms; }
  return q ? isoBytesMs(b, s, e, inputTz, fine) : NaN;
}

/** days since 1970-01-01 of the date YYYY-MM-DD at b[i, i + 10) (years 0001-9999), or NaN */
export function dateBytesDays(b: Uint8Array, i: number): number {
  if (b[i + 4] !== 45 || b[i + 7] !== 45) return NaN;
  const y1 = two(b, i), y2 = two(b, i + 2), mo = two(b, i + 5), d = two(b, i + 8);
  if (y1 < 0 || y2 < 0 || mo < 1 || mo > 12 || d < 1) return NaN;
  const y = y1 * 100 + y2;
  if (y === 0 || d > daysInMonth(y, mo)) return NaN;
  return daysFromCivil(y, mo, d);
}

/** what is wrong with a --tz or --input-tz value (an unknown zone), or undefined: a tool's check, so
 *  that a library stream says it with its options, before any input */
export function zoneProblem(...zones: (string | undefined)[]): string | undefined {
  for (const z of zones) {
    if (z === undefined) continue;
    try { new ZoneClock(z); } catch (err) { return (err as Error).message; }
  }
  return undefined;
}
