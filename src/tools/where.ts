// where: keep the records whose fields satisfy every condition. A condition is FIELD OP VALUE with OP
// one of = != < <= > >= ~ ~* !~ !~* (the first unescaped operator character ends the field, so
// 'duration_ms>=100000' is the field duration_ms, never "duration_ms>"). Numbers compare as numbers,
// exactly (1e1 = 10; 1234567890123456789 and 1234567890123456788 differ: decimal texts are compared
// digit by digit, never through doubles); everything else as text. The kept lines pass byte for byte;
// the others are counted, not reported (they are not bad, just not wanted). The full rules are in the
// README ("where") and in `where --help`.
import { FieldReader, hasByte } from '../core/fields.js';
import { BigNum, NUMBER, compareCodePoints, compareDec, parseDec, stringify } from '../core/json.js';
import type { Dec } from '../core/json.js';
import { UsageError } from '../core/tool.js';
import { namesFile } from '../core/options.js';
import type { Line, Tool } from '../core/tool.js';
import type { InputOptions } from '../core/options.js';

export type Op = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~' | '~*' | '!~' | '!~*';

export interface Cond {
  /** the condition as written (for messages) */
  text: string;
  /** the field path in FieldReader's syntax (dotted; backslash escapes kept) */
  path: string;
  op: Op;
  /** =, !=: the alternatives; <, <=, >, >=: one value; ~: the pattern text */
  values: string[];
  /** the numeric values (JSON numbers) exactly, with their short form for the fast comparison (NaN
   *  when not usable) */
  nums: { d: Dec; q: number }[];
  /** the other values (text) */
  texts: Set<string>;
  re: RegExp | null;
}

/** what a user may mean as a number although JSON would not write it so (.5, 5., +5, 007) */
const LOOSE_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const OP_CHARS = '=!<>~';

export function isJsonNumber(t: string): boolean { return NUMBER.test(t); }

/** A short plain decimal (at most 15 characters, no exponent) has at most 15 significant digits, so
 *  its double is exact enough: distinct such decimals give distinct doubles, in the same order. */
function quickOf(t: string): number {
  if (t.length > 15) return NaN;
  for (let i = 0; i < t.length; i++) { const c = t.charCodeAt(i); if (c === 101 || c === 69) return NaN; }
  return Number(t);
}

/** -1, 0 or 1: two JSON number texts compared exactly (the second also as Dec and quick form) */
function compareNumberText(t: string, d: Dec, q: number): number {
  if (q === q) { const x = quickOf(t); if (x === x) return x < q ? -1 : x > q ? 1 : 0; }
  return compareDec(parseDec(t), d);
}

/** -1, 0 or 1: strings by code point (= UTF-8 byte order), not by UTF-16 code unit (the core's) */
export const compareText = compareCodePoints;

const isBlank = (c: string) => c === ' ' || c === '\t';

/** characters after a backslash, each with whether it was escaped; unescaped blanks trimmed at both ends */
function unescape(s: string, escapable: (c: string) => boolean): { c: string; esc: boolean }[] {
  const out: { c: string; esc: boolean }[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length && escapable(s[i + 1])) { out.push({ c: s[++i], esc: true }); continue; }
    out.push({ c: s[i], esc: false });
  }
  let a = 0, b = out.length;
  while (a < b && !out[a].esc && isBlank(out[a].c)) a++;
  while (b > a && !out[b - 1].esc && isBlank(out[b - 1].c)) b--;
  return out.slice(a, b);
}

const VALUE_ESCAPES = (c: string) => c === '\\' || c === '|' || isBlank(c) || OP_CHARS.includes(c);

/** Read one condition (throws UsageError with a hint). */
export function parseCondition(text: string): Cond {
  // the field ends at the first operator character not escaped by a backslash
  let i = 0;
  for (; i < text.length; i++) {
    if (text[i] === '\\') { i++; continue; }
    if (OP_CHARS.includes(text[i])) break;
  }
  const hint = 'write FIELD=V, FIELD!=V, FIELD<V, FIELD<=V, FIELD>V, FIELD>=V, FIELD~REGEX or FIELD!~REGEX';
  if (i >= text.length) throw new UsageError(`cannot read condition '${text}': no operator; ${namesFile(text) ? `'${text}' is a file: read it with -i ${text}` : hint}`);
  // the field: escapes kept for the path syntax (a\.b is the key "a.b"), blanks around it trimmed
  const fieldChars = unescape(text.slice(0, i), () => true);
  if (fieldChars.length === 0) throw new UsageError(`cannot read condition '${text}': no field before the operator; ${hint}`);
  const path = fieldChars.map((x) => (x.esc ? '\\' + x.c : x.c)).join('');
  let op: Op | undefined;
  for (const cand of ['!~*', '~*', '!~', '!=', '<=', '>=', '=', '<', '>', '~'] as Op[]) if (text.startsWith(cand, i)) { op = cand; break; }
  if (op === undefined) throw new UsageError(`cannot read condition '${text}': '${text[i]}' is no operator (to use it in a field name, write \\${text[i]}); ${hint}`);
  const rest = text.slice(i + op.length).replace(/^[ \t]+/, '');
  if (rest !== '' && OP_CHARS.includes(rest[0])) {
    throw new UsageError(`cannot read condition '${text}': '${op}${rest[0]}' is no operator (a value starting with '${rest[0]}' is written \\${rest[0]}); ${hint}`);
  }
  const cond: Cond = { text, path, op, values: [], nums: [], texts: new Set(), re: null };
  if (op === '~' || op === '~*' || op === '!~' || op === '!~*') {
    const pattern = rest.replace(/(?<!\\)[ \t]+$/, '');
    try { cond.re = new RegExp(pattern, op.endsWith('*') ? 'i' : ''); } catch (err) {
      throw new UsageError(`cannot read condition '${text}': bad regular expression: ${(err as Error).message}`);
    }
    cond.values = [pattern];
    return cond;
  }
  // values: a backslash makes \ | = ! < > ~ and blanks literal (other backslashes are themselves)
  const chars = unescape(rest, VALUE_ESCAPES);
  const alts: string[] = [];
  let cur: { c: string; esc: boolean }[] = [];
  const flush = () => { alts.push(unescape(cur.map((x) => (x.esc ? '\\' + x.c : x.c)).join(''), VALUE_ESCAPES).map((x) => x.c).join('')); cur = []; };
  for (const x of chars) {
    if (x.c !== '|' || x.esc) { cur.push(x); continue; }
    if (op !== '=' && op !== '!=') throw new UsageError(`cannot read condition '${text}': alternatives (|) are for = and != only (a literal | is written \\|)`);
    flush();
  }
  flush();
  if (op !== '=' && op !== '!=') {
    if (alts[0] === '') throw new UsageError(`cannot read condition '${text}': '${op}' needs a value`);
    if (!isJsonNumber(alts[0]) && LOOSE_NUMBER.test(alts[0])) {
      throw new UsageError(`cannot read condition '${text}': '${alts[0]}' is not a JSON number (write it as JSON does, e.g. ${String(Number(alts[0]))})`);
    }
  }
  cond.values = alts;
  for (const v of alts) {
    if (isJsonNumber(v)) cond.nums.push({ d: parseDec(v), q: quickOf(v) });
    else cond.texts.add(v);
  }
  return cond;
}

/**
 * Does the condition hold for a field? `v` is its decoded value (undefined: missing), `raw` its JSON
 * text (needed for numbers only: read lazily).
 */
export function holds(c: Cond, v: unknown, raw: () => string | undefined): boolean {
  const op = c.op;
  if (v === undefined) return op === '!=' || op === '!~' || op === '!~*';
  // the field's text, and its number text when a numeric value needs it (a JSON number, or a string
  // that is one)
  const wantNum = c.nums.length > 0;
  let num: string | null = null, text: string;
  if (typeof v === 'string') { text = v; if (wantNum) { const t = v.trim(); if (NUMBER.test(t)) num = t; } } // (blanks around a numeric string: README, what toNumber reads)
  else if (typeof v === 'number' || v instanceof BigNum) {
    text = raw() ?? String(v);
    // the number's text as written (a reader that decoded it through a double could give "null" for
    // 1E400: then it is no number to compare)
    if (wantNum && NUMBER.test(text)) num = text;
  }
  else if (v === null || typeof v === 'boolean') text = String(v);
  else text = stringify(v);
  if (c.re !== null) return c.re.test(text) === (op === '~' || op === '~*');
  if (op === '=' || op === '!=') {
    // a text value can only equal a field's text (a number's text is a JSON number, never a text
    // value); a numeric value only a number
    let hit = c.texts.has(text);
    if (!hit && num !== null) for (let a = 0; a < c.nums.length && !hit; a++) hit = compareNumberText(num, c.nums[a].d, c.nums[a].q) === 0;
    return hit === (op === '=');
  }
  // ordering: numbers with a numeric value, strings with a text value; nothing else
  let cmp: number;
  if (c.nums.length) { if (num === null) return false; cmp = compareNumberText(num, c.nums[0].d, c.nums[0].q); }
  else { if (typeof v !== 'string') return false; cmp = compareText(text, c.values[0]); }
  return op === '<' ? cmp < 0 : op === '<=' ? cmp <= 0 : op === '>' ? cmp > 0 : cmp >= 0;
}

export type WhereOptions = InputOptions & { cond: string[] };

export const tool: Tool<WhereOptions> = {
  name: 'where',
  parallel: 'local',
  summary: 'Keep records whose fields satisfy every condition: = != < <= > >= (numbers exactly, else text) and ~ !~ (regular expressions); lines pass byte for byte.',
  usage: 'where FIELD{=,!=,<,<=,>,>=}VALUE|FIELD{~,~*,!~,!~*}REGEX ... [-i FILE]',
  positional: {
    name: 'cond',
    describe: 'conditions, all of which must hold. = and != take alternatives (name=a|b); numbers (JSON numbers, or strings holding one) compare exactly as numbers, other values as text; <, <=, >, >= order numbers against a numeric value and strings (by code point) against a text value; ~ is an unanchored JavaScript regular expression (~* ignores case); a missing field satisfies only != and !~. A backslash makes the next character literal: in a field (a\\>b, a\\.b) and in a value (\\| \\= \\\\)',
    demand: true,
  },
  examples: [
    ['where name=activity_exit -i events.json', 'only activity_exit events'],
    ["where 'context.os.name=iOS|Android' 'data.source!=launcher' -i events.json", 'alternatives and exclusions'],
    ["where 'duration_ms>=100000' 'timestamp>=2023-03-01' 'timestamp<2023-04-01' -i interactions.ndjson", 'long interactions in March (ISO dates order as text)'],
    ["where 'event_timestamp>=1577750400000000' -i events.ndjson", 'INT64 strings compare as exact numbers (µs): events from 2019-12-31 UTC on'],
    ["where 'data.activity_id~^song_' 'context.device.brand!~*samsung' -i events.json", 'regular expressions; ~* ignores case'],
  ],
  options: {},
  create(o, ctx) {
    const conds = o.cond.map(parseCondition);
    // (an = value a number written as JSON does not, .5, 5., +5: text, said once: it matched no number
    // silently; a leading zero, 007, is an id's text as documented and not said)
    for (const c of conds) {
      if (c.op !== '=' && c.op !== '!=') continue;
      for (const v of c.values) {
        if (!isJsonNumber(v) && LOOSE_NUMBER.test(v) && /^[+-]?\.|^\+|\.(?:[eE]|$)/.test(v)) {
          ctx.warn(`'${c.text}': ${v} is no JSON number, so it is compared as text (write ${String(Number(v))} for the number)`);
        }
      }
    }
    const reader = new FieldReader(conds.map((c) => c.path));
    let k = 0;
    const raw = () => reader.raw(k);
    // = and != with text values only: a field that is a string without escapes is compared as bytes
    // with each value's JSON text (no string decoded per record); anything else goes through holds()
    const asBytes = conds.map((c) => ((c.op === '=' || c.op === '!=') && c.nums.length === 0 ? c.values.map((v) => Buffer.from(JSON.stringify(v), 'utf8')) : null));
    /** the condition k decided from the field's bytes, or undefined (holds() decides) */
    const byBytes = (b: Buffer, alts: Buffer[], eq: boolean): boolean | undefined => {
      const s = reader.spanStart(k), e = reader.spanEnd(k);
      if (s < 0 || b[s] !== 34) return undefined;
      for (const a of alts) if (reader.rawEquals(k, a)) return eq;
      return hasByte(b, s + 1, e - 1, 92) ? undefined : !eq; // (an escape: the same text may be written otherwise)
    };
    return {
      record(line: Line) {
        if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
        for (k = 0; k < conds.length; k++) {
          const alts = asBytes[k];
          const fast = alts === null ? undefined : byBytes(line.buf, alts, conds[k].op === '=');
          if (!(fast ?? holds(conds[k], reader.value(k), raw))) { ctx.count('not kept'); return; }
        }
        ctx.emitLine(line);
      },
    };
  },
};
export default tool;
