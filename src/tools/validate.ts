// validate: keep the records that follow the rules, reject the others with the reason (line number,
// counted, --rejects). Rules from options — required fields, types (numeric strings accepted for
// numbers with --coerce, and converted in the output), enums — and/or a JSON Schema (ajv) or a
// commented sample record (the Loco schema files) given with --schema.
import { FieldReader, shownValue } from '../core/fields.js';
import type { Edit } from '../core/fields.js';
import { getPath, isWellFormed, loneSurrogatePath, parseDigits, parseJson, putMember, setPath, splitPath, stringify, BigNum, NUMBER, compareDec, digitsOf, doubleOf, parseDec, toNumber, wholeDec } from '../core/json.js';
import type { Dec } from '../core/json.js';
import { loadSchema, withOriginals, DIALECTS } from '../core/schema.js';
import type { Dialect, LoadedSchema } from '../core/schema.js';
import { UsageError } from '../core/tool.js';
import type { Line, Tool } from '../core/tool.js';
import { blankName, fileProblem, listOption, unreadable } from '../core/options.js';
import type { InputOptions, OptionsOf } from '../core/options.js';
import type { Options } from 'yargs';

const KINDS = ['number', 'integer', 'string', 'boolean', 'object', 'array'];

const options = {
  require: { alias: 'r', type: 'string', array: true, default: [], describe: 'fields that must be present and not null (dotted paths; comma-separated or repeated)' },
  type: { type: 'string', array: true, default: [], describe: `FIELD=KIND, KIND one of ${KINDS.join(', ')}` },
  enum: { type: 'string', array: true, default: [], describe: 'FIELD=a|b|c: allowed values (compared as text)' },
  range: { type: 'string', array: true, default: [], describe: 'FIELD=MIN..MAX: numbers (or numeric strings) within the bounds, inclusive; either bound may be left out' },
  coerce: { type: 'boolean', default: false, describe: 'accept numeric strings for numbers (and "true"/"false" for booleans; with --type F=string, a number or true/false for text, as written: 2.50 is "2.50"); the output carries the converted values' },
  schema: { type: 'string', describe: 'JSON Schema file (draft-04, -06, -07, 2019-09 or 2020-12, by its $schema; $refs to files beside it are read), or a sample record with // comments (every field required, typed like the sample)' },
  draft: { type: 'string', choices: DIALECTS, default: 'draft-07', describe: "the JSON Schema dialect of a --schema without $schema" },
  'non-empty': { type: 'boolean', default: false, describe: 'required string fields must not be empty' },
  unicode: { type: 'boolean', default: false, describe: 'every string and member name of the record valid Unicode: one holding a lone surrogate (an escaped \\ud800 alone, which no database or Parquet file stores) is a bad string' },
  'unicode-fields': { type: 'string', array: true, default: [], describe: 'as --unicode, for these fields only (their values, whatever kind, and the strings and names inside them): the fields a load stores (comma-separated or repeated)' },
} as const satisfies Record<string, Options>;

export type ValidateOptions = OptionsOf<typeof options> & InputOptions;

type Kind = 'number' | 'integer' | 'string' | 'boolean' | 'object' | 'array';

function pairs(list: string[], what: string): [string, string][] {
  return list.flatMap((x) => x.split(/,(?=[^,=]+=)/)).map((x) => {
    const eq = x.indexOf('=');
    if (eq < 1) throw new UsageError(`${what} takes FIELD=VALUE (got '${x}')`);
    return [x.slice(0, eq).trim(), x.slice(eq + 1).trim()];
  });
}

/** `--type F=string`'s refusal of a string holding a lone surrogate (an escaped "\ud800" without its
 *  pair: valid JSON text with no UTF-8 form, which no sink stores: SQLite, PostgreSQL and Parquet refuse
 *  the record, so the outputs of one run disagreed, NDJSON keeping what the others lost) */
const LONE = (f: string) => `${f}: not valid Unicode (a lone surrogate)`;
/** --unicode: the path of the record's first string or name holding a lone surrogate, else undefined;
 *  only a line with an escape \uD800-\uDFFF is decoded to find out (`rec`: the record, if decoded) */
const ESCAPE_U = Buffer.from('\\u');
function loneSurrogateAt(line: Line, rec?: unknown): string | undefined {
  if (!mayHoldLone(line.buf, line.start, line.end)) return undefined;
  return loneSurrogatePath(rec ?? parseJson(line.buf.toString('utf8', line.start, line.end)));
}
/** --unicode-fields: the path of the first of `fields` in `rec` whose value holds a lone surrogate */
function loneSurrogateIn(rec: unknown, fields: { f: string; path: string[] }[]): string | undefined {
  for (const { f, path } of fields) {
    const at = loneSurrogatePath(getPath(rec, path));
    if (at !== undefined) return at ? `${f}.${at}` : f;
  }
  return undefined;
}
/** does b[s, e) hold an escape \uD800-\uDFFF (one that may be a lone surrogate)? */
function mayHoldLone(buf: Buffer, s: number, e: number): boolean {
  const b = buf.subarray(s, e);
  for (let i = b.indexOf(ESCAPE_U); i >= 0; i = b.indexOf(ESCAPE_U, i + 2)) {
    const c = b[i + 2] | 0x20, d = b[i + 3] | 0x20; // (lower case)
    if (c === 0x64 && (d === 0x38 || d === 0x39 || (d >= 0x61 && d <= 0x66))) return true; // d8-df
  }
  return false;
}
/** does the string token buf[s, e) hold a lone surrogate? (only a token with such an escape can) */
const loneSurrogate = (buf: Buffer, s: number, e: number, value: () => unknown): boolean =>
  mayHoldLone(buf, s, e) && !isWellFormed(value() as string);

/** does v have the kind (numeric strings count as numbers when coercing)? returns the coerced value or undefined */
function fits(v: unknown, kind: Kind, coerce: boolean): unknown {
  switch (kind) {
    case 'string': return typeof v === 'string' ? v : undefined;
    case 'boolean': return typeof v === 'boolean' ? v : coerce && (v === 'true' || v === 'false') ? v === 'true' : undefined;
    case 'object': return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof BigNum) ? v : undefined;
    case 'array': return Array.isArray(v) ? v : undefined;
    case 'number': case 'integer': {
      // (a numeric string's number exact where a double is not: 12345678901234567890.5 and 1e-400 stay
      // themselves, as BigNum; they were rounded to 12345678901234567000 and 0)
      let x = v;
      if (coerce && typeof v === 'string') { const t = v.trim(); x = NUMBER.test(t) ? digitsOf(t) : NaN; }
      if (x instanceof BigNum) return kind === 'number' || wholeDec(x) !== undefined ? x : undefined; // (12345678901234567.5 is no integer)
      if (typeof x !== 'number' || !Number.isFinite(x) || (kind === 'integer' && !Number.isInteger(x))) return undefined;
      return x;
    }
  }
}

/**
 * Is a number within --range's bounds? As doubles, exactly, except where the value's double equals a
 * bound's: then the exact decimals decide (9007199254740993 is above 9007199254740992, which its double
 * equals), when both are written as JSON numbers. `text`: the value's own decimal text.
 */
function inRange(n: number, r: { lo: number; hi: number; loDec?: Dec; hiDec?: Dec }, text: () => string | undefined): boolean {
  if (!(n >= r.lo && n <= r.hi)) return false;
  if (n !== r.lo && n !== r.hi) return true;
  const t = text(), d = t !== undefined && NUMBER.test(t) ? parseDec(t) : undefined;
  if (d === undefined) return true;
  return (n !== r.lo || r.loDec === undefined || compareDec(d, r.loDec) >= 0) && (n !== r.hi || r.hiDec === undefined || compareDec(d, r.hiDec) <= 0);
}

/**
 * The record as ajv is to see it, which knows numbers only as doubles: an exact number (BigNum: 16+
 * digit integers, numbers beyond a double) as a double of the same kind: its value, or beyond the
 * range ±Number.MAX_VALUE (an integer, above any bound), or, for one too small for a double,
 * ±MIN_VALUE (not an integer, as 1e-400 is not). (ajv called such values "must be integer"/"must be
 * number".) The value itself where it holds no BigNum (most records: nothing copied), else a copy of
 * the containers on the way to one.
 */
function forAjv(v: unknown, originals?: WeakMap<object, object>): unknown {
  if (v instanceof BigNum) {
    const n = doubleOf(v.raw);
    if (n !== undefined) return n;
    const neg = v.raw.startsWith('-');
    return Number.isFinite(Number(v.raw)) ? (neg ? -Number.MIN_VALUE : Number.MIN_VALUE) : neg ? -Number.MAX_VALUE : Number.MAX_VALUE;
  }
  if (v === null || typeof v !== 'object') return v;
  let out: any;
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k], y = forAjv(x, originals);
    if (y !== x && out === undefined) { out = Array.isArray(v) ? [...v] : { ...v }; originals?.set(out, v); }
    if (out !== undefined) putMember(out, k, y);
  }
  return out ?? v;
}

/**
 * A copy of the record (decoded with its exact numbers) where each number that is no whole number but
 * whose double is one (12345678901234567.5, a double of 17 digits has no fraction) is 0.5, a number that
 * no schema calls an integer, and those numbers' JSON pointers; undefined when it holds none. ajv,
 * seeing the doubles, called such a number an integer; a second look at this copy finds that it is not.
 */
function hiddenFractions(v: unknown, at: string, paths: string[]): unknown {
  if (v instanceof BigNum) {
    if (wholeDec(v) !== undefined) return v;
    const n = doubleOf(v.raw) ?? Number(v.raw);
    if (!Number.isInteger(n)) return v;
    paths.push(at);
    return 0.5;
  }
  if (v === null || typeof v !== 'object') return v;
  let out: any;
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k], y = hiddenFractions(x, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, paths);
    if (y !== x && out === undefined) out = Array.isArray(v) ? [...v] : { ...v };
    if (out !== undefined) putMember(out, k, y);
  }
  return out ?? v;
}

/**
 * The record after a schema's coercion (ajv changed `shadow`, forAjv's copy): ajv's values, but exact
 * where a double is not: a numeric string it made a number is the string's number (a BigNum where a
 * double would change it: "12345678901234567891", "1e400"), an exact number it left a number is itself,
 * one it made a string is its own digits.
 */
function coerced(orig: unknown, shadow: unknown): unknown {
  if (orig instanceof BigNum) return typeof shadow === 'number' ? orig : typeof shadow === 'string' ? orig.raw : shadow;
  if (typeof orig === 'string' && typeof shadow === 'number') { const t = orig.trim(); return NUMBER.test(t) ? digitsOf(t) : shadow; }
  if (Array.isArray(orig) && Array.isArray(shadow)) return shadow.map((x, i) => coerced(orig[i], x));
  if (orig !== null && typeof orig === 'object' && shadow !== null && typeof shadow === 'object' && !Array.isArray(shadow)) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(shadow)) putMember(o, k, coerced((orig as Record<string, unknown>)[k], (shadow as Record<string, unknown>)[k]));
    return o;
  }
  return shadow;
}

/**
 * The first of a schema's coercions that --coerce does not allow, as "PATH: VALUE is not a KIND", or
 * null. Allowed (README): a numeric string (a JSON number, blanks around) made a number, "true" and
 * "false" made booleans. ajv coerces more: null to 0, "" or "false", "" and " " to 0, "0x10" to 16,
 * "Infinity" to a number no JSON can hold, numbers to strings, 1 to true; each is refused, as the
 * schema refuses the value without coercion. `orig`: the record before ajv, `shadow`: after. (The
 * path is made only for a refusal: `at` holds the keys and indexes down to the value looked at.)
 */
function refusedCoercion(orig: unknown, shadow: unknown, at: (string | number)[] = []): string | null {
  const no = () => {
    const path = at.map((k) => `/${String(k).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('') || '/';
    const kind = shadow === null ? 'null' : Array.isArray(shadow) ? 'an array' : typeof shadow === 'object' ? 'an object' : typeof shadow === 'number' ? 'a number' : `a ${typeof shadow}`;
    return `${path}: ${shownValue(orig)} is not ${kind}`;
  };
  if (orig instanceof BigNum) return typeof shadow === 'number' ? null : no(); // (forAjv's double of it)
  if (Array.isArray(orig)) {
    if (!Array.isArray(shadow) || shadow.length !== orig.length) return no();
    for (let i = 0; i < orig.length; i++) {
      at.push(i); const r = refusedCoercion(orig[i], shadow[i], at); at.pop();
      if (r) return r;
    }
    return null;
  }
  if (orig !== null && typeof orig === 'object') {
    if (shadow === null || typeof shadow !== 'object' || Array.isArray(shadow)) return no();
    for (const k of Object.keys(orig)) {
      at.push(k); const r = refusedCoercion((orig as Record<string, unknown>)[k], (shadow as Record<string, unknown>)[k], at); at.pop();
      if (r) return r;
    }
    return null;
  }
  if (Object.is(orig, shadow)) return null;
  if (typeof orig === 'string' && typeof shadow === 'number' && NUMBER.test(orig.trim())) return null;
  if ((orig === 'true' && shadow === true) || (orig === 'false' && shadow === false)) return null;
  return no();
}

/** an enum compares a scalar's text; an array or object is never an allowed value (String(["US"]) is "US") */
const enumAllows = (allowed: Set<string>, v: unknown): boolean =>
  (v === null || typeof v !== 'object' || v instanceof BigNum) && allowed.has(String(v));

export const tool: Tool<ValidateOptions> = {
  name: 'validate',
  parallel: 'local',
  summary: 'Keep records that have the required fields, types and allowed values (options or a JSON Schema / commented sample record); reject the rest with the reason.',
  usage: 'validate [--require F,...] [--type F=KIND]... [--enum F=a|b|c]... [--coerce] [--schema FILE] [FILE...]',
  examples: [
    ['validate --require user_uid,reel_uid,timestamp --type timestamp=number --enum origin_platform="android|ios" --coerce reel_liked_data', 'clean like/unlike events'],
    ['validate --schema reel_watched_schema.json --coerce < reel_watched_data', "the case study's own commented schema file as the rule"],
  ],
  options,
  check(o) {
    const blank = blankName('schema', o.schema, 'a file');
    if (blank) return blank;
    const why = o.schema === undefined ? undefined : unreadable(o.schema);
    if (why !== undefined) return `--schema ${o.schema}: ${why}`;
    o.require = listOption(o.require);
    o.unicodeFields = listOption(o.unicodeFields);
    try {
      for (const [, k] of pairs(o.type, '--type')) if (!KINDS.includes(k)) return `--type: unknown kind '${k}' (${KINDS.join(', ')})`;
      pairs(o.enum, '--enum');
      for (const [f, r] of pairs(o.range, '--range')) if (!/^-?[\d.eE+-]*\.\.-?[\d.eE+-]*$/.test(r)) return `--range ${f}: write MIN..MAX (got '${r}')`;
    } catch (err) { return (err as Error).message; }
    if (!o.require.length && !o.type.length && !o.enum.length && !o.range.length && !o.schema && !o.unicode && !o.unicodeFields.length) return 'give at least one rule (--require, --type, --enum, --range, --unicode, --unicode-fields or --schema)';
    return undefined;
  },
  create(o, ctx) {
    const required = o.require.map((p) => ({ p, path: splitPath(p) }));
    const types = pairs(o.type, '--type').map(([f, k]) => ({ f, path: splitPath(f), kind: k as Kind }));
    const enums = pairs(o.enum, '--enum').map(([f, vals]) => ({ f, path: splitPath(f), allowed: new Set(vals.split('|')) }));
    const ranges = pairs(o.range, '--range').map(([f, r]) => {
      const [lo, hi] = r.split('..');
      const dec = (t: string) => (NUMBER.test(t) ? parseDec(t) : undefined);
      return { f, path: splitPath(f), bounds: r, lo: lo === '' ? -Infinity : Number(lo), hi: hi === '' ? Infinity : Number(hi), loDec: dec(lo), hiDec: dec(hi) };
    });
    // No --schema, and no --coerce where a --type would convert a value: the fields are found in the
    // line's bytes (FieldReader; paths through objects only: a later segment of digits may index an
    // array, which getPath below does), decoded only where a rule needs the value (an enum, a number's
    // kind, a rejection's detail), and the record passes on as it came. The same answers as the
    // decoding below (test/unit/validate.test.mjs holds the two to that).
    const unicodeFields = (o.unicodeFields as string[]).map((f) => ({ f, path: splitPath(f) }));
    const paths = [...required.map((r) => r.path), ...types.map((t) => t.path), ...enums.map((e) => e.path), ...ranges.map((r) => r.path), ...unicodeFields.map((u) => u.path)];
    // (--coerce to text, an id sent as a number, here too: the token quoted in place, when no --enum or
    // --range reads the field, which compare the value after the coercion)
    const coercesHere = types.every((t) => t.kind === 'string' && !enums.some((e) => e.f === t.f) && !ranges.some((r) => r.f === t.f));
    if (!o.schema && !(o.coerce && types.length && !coercesHere) && !paths.some((p) => p.slice(1).some((seg) => /^\d+$/.test(seg)))) {
      const fields: string[] = [];
      const at = (f: string) => { let i = fields.indexOf(f); if (i < 0) { i = fields.length; fields.push(f); } return i; };
      const req = required.map((r) => ({ ...r, k: at(r.p) })), typ = types.map((t) => ({ ...t, k: at(t.f) }));
      const enu = enums.map((e) => ({ ...e, k: at(e.f) })), ran = ranges.map((r) => ({ ...r, k: at(r.f) }));
      const reader = new FieldReader(fields);
      const EMPTY = Buffer.from('""');
      const NUMBER_START = (c: number) => c === 45 || (c >= 48 && c <= 57);
      return {
        record(line: Line) {
          if (!reader.read(line.buf, line.start, line.end, line.trusted)) return ctx.reject(line, reader.reason, reader.error);
          if (o.unicode) { const at = loneSurrogateAt(line); if (at !== undefined) return ctx.reject(line, 'bad string', LONE(at)); }
          // (the line searched once for an escape that may be a lone surrogate; only one that has it is
          // decoded and its fields looked at: the fields found by the reader cost ~1.6 s a million events)
          if (unicodeFields.length && mayHoldLone(line.buf, line.start, line.end)) {
            const at = loneSurrogateIn(parseJson(line.buf.toString('utf8', line.start, line.end)), unicodeFields);
            if (at !== undefined) return ctx.reject(line, 'bad string', LONE(at));
          }
          for (const { p, k } of req) {
            if (!reader.found(k)) return ctx.reject(line, `missing ${p}`);
            if (reader.isNull(k)) return ctx.reject(line, `null ${p}`);
            if (o.nonEmpty && reader.rawEquals(k, EMPTY)) return ctx.reject(line, `empty ${p}`);
          }
          let quoted: Edit[] | undefined;
          for (const { f, k, kind } of typ) {
            const c = reader.firstByte(k);
            if (c < 0 || c === 110) continue; // absent or null
            if (kind === 'string' && o.coerce && (NUMBER_START(c) || c === 116 || c === 102)) {
              const from = reader.spanStart(k);
              if (!quoted?.some((e) => e.from === from)) (quoted ??= []).push({ from, to: reader.spanEnd(k), text: JSON.stringify(reader.raw(k)) });
              continue;
            }
            if (kind === 'string' && c === 34 && loneSurrogate(line.buf, reader.spanStart(k), reader.spanEnd(k), () => reader.value(k))) return ctx.reject(line, 'bad string', LONE(f));
            const ok = kind === 'string' ? c === 34 : kind === 'boolean' ? c === 116 || c === 102 : kind === 'object' ? c === 123
              : kind === 'array' ? c === 91 : NUMBER_START(c) && fits(reader.valueDigits(k), kind, false) !== undefined;
            // (valueDigits: a decimal of 16+ significant digits as written, whose double may be whole)
            if (!ok) return ctx.reject(line, `${f} is not ${kind === 'integer' ? 'an' : 'a'} ${kind}`, shownValue(reader.valueDigits(k)));
          }
          for (const { f, k, allowed } of enu) {
            const c = reader.firstByte(k);
            if (c < 0 || c === 110) continue;
            const v = reader.value(k);
            if (!enumAllows(allowed, v)) return ctx.reject(line, `${f} not allowed`, shownValue(reader.valueDigits(k)));
          }
          for (const r of ran) {
            const { f, k } = r;
            const c = reader.firstByte(k);
            if (c < 0 || c === 110) continue;
            let n: number;
            if (NUMBER_START(c)) n = reader.number(k);
            else { const v = reader.value(k); n = typeof v === 'string' ? toNumber(v) : NaN; }
            if (!inRange(n, r, () => reader.numberText(k))) return ctx.reject(line, `${f} out of range`, `${shownValue(reader.valueDigits(k))} not in ${r.bounds}`);
          }
          if (quoted) return ctx.emitEdits(line, quoted.sort((a, b) => a.from - b.from));
          ctx.emitLine(line);
        },
      };
    }
    let ajvCheck: ((rec: unknown, at: string) => string | null) | null = null;
    let integerCheck: ((line: Line) => string | null) | null = null;
    let loaded: LoadedSchema | undefined;
    // (ajv's own notes, e.g. an unknown format it ignores, said once each as this tool's warnings)
    const said = new Set<string>();
    const note = (...args: unknown[]) => { const m = args.map(String).join(' '); if (!said.has(m)) { said.add(m); ctx.warn(`--schema ${o.schema}: ${m}`); } };
    if (o.schema) {
      try { loaded = loadSchema(o.schema, o.draft as Dialect, note); } catch (err) {
        const e = err as NodeJS.ErrnoException; // (a file that cannot be read said in words, not Node's `ENOENT: ..., open`)
        throw new UsageError(`--schema ${o.schema}: ${e.code !== undefined && e.syscall !== undefined ? fileProblem(e, o.schema) : e.message}`);
      }
    }
    // ajv is loaded only for --schema (importing it costs ~70 ms per process)
    const coercing = o.coerce || loaded?.fromSample === true;
    const compile = async () => {
      if (!loaded) return;
      // the formats are checked (date, date-time, time, email, uri, uuid, ipv4, ...: ajv-formats' full
      // mode, RFC 3339 dates and times); a format it does not know is said once and not checked
      let validateFn: ReturnType<LoadedSchema['compile']>;
      try { validateFn = loaded.compile({ allErrors: false, coerceTypes: coercing }); } catch (err) { throw new UsageError(`--schema ${o.schema}: ${(err as Error).message}`); }
      // ajv's coercion turns null into 0 or "": a sample record's fields must not be null
      const sampleFields = loaded.fromSample ? (loaded.schema as { required: string[] }).required : [];
      // (a schema whose $ref comes back to itself with nothing between, {"$ref": "#"}, recursed until
      // the stack ran out: "error: Maximum call stack size exceeded" at the first record, no file named)
      const loops = (err: unknown, at: string) => {
        if (!(err instanceof RangeError)) return err;
        return new UsageError(`--schema ${o.schema}: the schema refers to itself without end (a $ref that comes back to it, checking ${at}: ajv's recursion ran out of stack)`);
      };
      try { validateFn({}); } catch (err) { throw loops(err, 'an empty object'); }
      ajvCheck = (rec, at) => {
        for (const f of sampleFields) if ((rec as Record<string, unknown>)[f] === null) return `/${f} is null`;
        let ok: boolean;
        try { ok = validateFn(rec); } catch (err) { throw loops(err, at); }
        if (ok) return null;
        const e = validateFn.errors![0];
        return `${e.instancePath || '/'} ${e.message}`;
      };
      // (a schema that names the integer type: a record's numbers past a double's digits that are no
      // whole numbers, though their doubles are, are looked at again: every error of the record with
      // them as 0.5, of which a type error at one of them is the one that counts)
      if (loaded.mentions('"integer"')) {
        let all: ReturnType<LoadedSchema['compile']> | undefined;
        integerCheck = (line) => {
          const exact = parseDigits(line.buf, line.start, line.end);
          if (exact === undefined) return null;
          const paths: string[] = [];
          const copy = hiddenFractions(exact, '', paths);
          if (paths.length === 0) return null;
          all ??= loaded!.compile({ allErrors: true, coerceTypes: coercing, logger: false });
          let ok: boolean;
          try { ok = all(copy); } catch (err) { throw loops(err, `${line.file}:${line.no}`); }
          if (ok) return null;
          const e = all.errors!.find((x) => x.keyword === 'type' && paths.includes(x.instancePath) && String((x.params as { type?: unknown }).type).includes('integer'));
          return e ? `${e.instancePath} ${e.message}` : null;
        };
      }
    };
    // --coerce by --type: the converted values are spliced into the line's text, the rest of it passes
    // byte for byte (a schema's coercion, anywhere in the record, writes the record again)
    const typeFields = [...new Set(types.map((t) => t.f))];
    const typeReader = types.some((t) => t.path.slice(1).some((seg) => /^\d+$/.test(seg))) ? null : new FieldReader(typeFields);
    const typeK = types.map((t) => typeFields.indexOf(t.f));
    const converted = new Map<number, unknown>();
    // the copies forAjv makes of a record's containers -> the record's own (one map for the run: its
    // keys are the copies, gone with their record; no map made a record)
    const originals = new WeakMap<object, object>();
    return {
      init: compile,
      record(line: Line) {
        const rec = ctx.parse(line);
        if (rec === undefined) return;
        if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) return ctx.reject(line, 'not a JSON object');
        if (o.unicode) { const at = loneSurrogateAt(line, rec); if (at !== undefined) return ctx.reject(line, 'bad string', LONE(at)); }
        if (unicodeFields.length) { const at = loneSurrogateIn(rec, unicodeFields); if (at !== undefined) return ctx.reject(line, 'bad string', LONE(at)); }
        for (const { p, path } of required) {
          const v = getPath(rec, path);
          if (v === undefined) return ctx.reject(line, `missing ${p}`);
          if (v === null) return ctx.reject(line, `null ${p}`);
          if (o.nonEmpty && v === '') return ctx.reject(line, `empty ${p}`);
        }
        let changed = false, rewrite = false;
        converted.clear();
        // (a number of 16+ significant digits as written, where its double may be whole: from the line)
        let exact: boolean | undefined;
        for (let t = 0; t < types.length; t++) {
          const { f, path, kind } = types[t];
          let v = getPath(rec, path);
          if (v === undefined || v === null) continue;
          if (typeof v === 'number' && typeReader !== null && (exact ??= typeReader.read(line.buf, line.start, line.end, line.trusted))) {
            const d = typeReader.valueDigits(typeK[t]);
            if (d instanceof BigNum) v = d;
          }
          let c = fits(v, kind, o.coerce);
          if (c === undefined && kind === 'string' && o.coerce && (typeof v === 'number' || v instanceof BigNum || typeof v === 'boolean')) {
            // a number or true/false where text is wanted (an id sent as a number): its text as written
            let raw: string | undefined;
            if (typeReader !== null && (exact ??= typeReader.read(line.buf, line.start, line.end, line.trusted))) raw = typeReader.raw(typeK[t]);
            c = raw ?? (v instanceof BigNum ? v.raw : String(v));
          }
          if (c === undefined) return ctx.reject(line, `${f} is not ${kind === 'integer' ? 'an' : 'a'} ${kind}`, shownValue(v));
          if (kind === 'string' && !isWellFormed(c as string)) return ctx.reject(line, 'bad string', LONE(f));
          if (c !== v) { setPath(rec, path, c); changed = true; converted.set(typeK[t], c); }
          else if (c !== getPath(rec, path)) setPath(rec, path, c); // (the exact number: the record's text unchanged)
        }
        for (const { f, path, allowed } of enums) {
          const v = getPath(rec, path);
          if (v === undefined || v === null) continue;
          if (!enumAllows(allowed, v)) return ctx.reject(line, `${f} not allowed`, shownValue(v));
        }
        for (const r of ranges) {
          const { f, path } = r;
          const v = getPath(rec, path);
          if (v === undefined || v === null) continue;
          const n = typeof v === 'number' ? v : v instanceof BigNum ? Number(v.raw) : typeof v === 'string' ? toNumber(v) : NaN;
          if (!inRange(n, r, () => (v instanceof BigNum ? v.raw : typeof v === 'string' ? v.trim() : String(v)))) return ctx.reject(line, `${f} out of range`, `${shownValue(v)} not in ${r.bounds}`);
        }
        let out = rec;
        if (ajvCheck) {
          // ajv sees the record itself where it holds no exact number (its coercion may change it: the
          // record is written again only with --coerce, from its text before, `before`); a sample
          // record's schema coerces too, but without --coerce the line passes as it came
          const before = coercing ? stringify(rec) : '';
          // (the containers ajv sees as copies with doubles: the record's own, for the exact keywords)
          const shadow = forAjv(rec, originals);
          const problem = withOriginals(shadow === rec ? undefined : originals, () => ajvCheck!(shadow, `${line.file}:${line.no}`)) ?? integerCheck?.(line);
          if (problem) return ctx.reject(line, 'schema', problem);
          // (the record as ajv left it: the same text, nothing was coerced; else the record before it is
          // read again from its text, for the coercions --coerce refuses and for the exact values)
          if (coercing && stringify(shadow) !== before) { // (coerced, or an exact number seen as a double)
            const orig = parseJson(before);
            const refused = refusedCoercion(orig, shadow);
            if (refused) return ctx.reject(line, 'schema', refused);
            if (o.coerce) {
              const after = coerced(orig, shadow) as Record<string, unknown>;
              if (stringify(after) !== before) { out = after; changed = true; rewrite = true; }
            }
          }
        }
        if (!changed) return ctx.emitLine(line);
        if (rewrite || typeReader === null || !typeReader.read(line.buf, line.start, line.end, line.trusted)) return ctx.emit(stringify(out));
        const edits = [...converted].map(([k, v]) => ({ from: typeReader.spanStart(k), to: typeReader.spanEnd(k), text: stringify(v) }));
        if (edits.some((e) => e.from < 0)) return ctx.emit(stringify(out));
        edits.sort((a, b) => a.from - b.from);
        ctx.emitEdits(line, edits);
      },
    };
  },
};
export default tool;
