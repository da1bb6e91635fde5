// Record rules for `validate`: from options (--require, --type, --enum) or from a schema file, which is
// either a JSON Schema or — like the Loco case study's files — a commented sample record ("// ..."
// comments, values showing each field's type), turned into a JSON Schema that requires every field
// of the sample with the sample value's type.
import fs from 'node:fs';
import { isValidDate, parseTimestamp } from './time.js';
import { BigNum, NUMBER, compareDec, numberOf, parseDec, parseJson } from './json.js';
import type { Dec } from './json.js';
import { shownValue } from './fields.js';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** drop // comments outside strings */
export function stripComments(text: string): string {
  let out = '', inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inStr) { out += c; if (c === '\\') { out += text[++i] ?? ''; } else if (c === '"') inStr = false; continue; }
    if (c === '"') { inStr = true; out += c; continue; }
    if (c === '/' && text[i + 1] === '/') { while (i < text.length && text[i] !== '\n') i++; out += '\n'; continue; }
    out += c;
  }
  return out;
}

const JSON_TYPE = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v);

/** a JSON Schema from a sample record: every field required, typed like the sample's value */
export function schemaFromSample(sample: Record<string, unknown>): object {
  const properties: Record<string, object> = {};
  for (const [k, v] of Object.entries(sample)) {
    const t = JSON_TYPE(v);
    properties[k] = t === 'integer' ? { type: 'number' } : t === 'null' ? {} : { type: t }; // integers in a sample: any number is fine
  }
  return { type: 'object', required: Object.keys(sample), properties };
}

/** is the document a Spark schema (StructType's JSON: `{"type": "struct", "fields": [{"name", "type",
 *  "nullable", "metadata"}...]}`, as `df.schema.json()` writes it, or with a field's struct written
 *  `"type": "struct", "fields": [...]` in the field itself)? */
export function isSparkSchema(doc: unknown): doc is { type: 'struct'; fields: unknown[] } {
  const d = doc as { type?: unknown; fields?: unknown };
  return d !== null && typeof d === 'object' && d.type === 'struct' && Array.isArray(d.fields) && d.fields.length > 0 &&
    d.fields.every((f) => f !== null && typeof f === 'object' && typeof (f as { name?: unknown }).name === 'string' &&
      ((f as { type?: unknown }).type !== null && ['string', 'object'].includes(typeof (f as { type?: unknown }).type)));
}

/** the format of a Spark schema's timestamp strings: a time the tools read (ISO-8601, epoch digits) */
const TIMESTAMP = 'ISO-8601 or epoch time';

/** a schema that also lets null through (a nullable field, an array's element that may be null) */
function orNull(s: Record<string, unknown>): Record<string, unknown> {
  if (typeof s.type === 'string') return { ...s, type: [s.type, 'null'] };
  if (Array.isArray(s.type)) return s.type.includes('null') ? s : { ...s, type: [...s.type, 'null'] };
  return Object.keys(s).length === 0 ? s : { anyOf: [s, { type: 'null' }] };
}

/**
 * A Spark schema as a JSON Schema, as Spark's JSON reader reads records with it: a field that is not
 * nullable must be there and not null, a nullable one may be null or absent; other fields are let be.
 * Types: string, char/varchar and binary are strings; byte, short, int(eger), long (tinyint, smallint,
 * bigint) integers within their ranges; float, double, real and decimal(p,s) numbers; boolean; date a YYYY-MM-DD string;
 * timestamp (and _ntz, _ltz) a string the tools read as a time (ISO-8601, epoch digits) or a number
 * (epoch seconds, as Spark reads a number); struct, array and
 * map nested, as JSON objects (`{"type": "array", "elementType": ..., "containsNull": ...}`) or as
 * Spark's type strings (`array<string>`, `map<string,int>`, `struct<a:int,b:array<string>>`).
 */
export function schemaFromSpark(doc: { fields: unknown[] }): object {
  const fail = (m: string): never => { throw new Error(`a Spark schema: ${m}`); };
  const struct = (fields: unknown[], at: string): Record<string, unknown> => {
    const properties: Record<string, unknown> = {}, required: string[] = [];
    for (const f of fields) {
      const x = f as { name?: unknown; type?: unknown; nullable?: unknown; fields?: unknown; elementType?: unknown; containsNull?: unknown; keyType?: unknown; valueType?: unknown; valueContainsNull?: unknown };
      if (x === null || typeof x !== 'object' || typeof x.name !== 'string') fail(`${at}: a field without a name`);
      const name = x.name as string, where = at ? `${at}.${name}` : name;
      // (a field's own struct, array or map may be written in the field: "type": "struct", "fields": [...])
      const t = typeof x.type === 'string' && ['struct', 'array', 'map'].includes(x.type.trim().toLowerCase()) ? { ...x, type: x.type.trim().toLowerCase() } : x.type;
      const s = type(t, where);
      const nullable = x.nullable !== false;
      properties[name] = nullable ? orNull(s) : s;
      if (!nullable) required.push(name);
    }
    return required.length ? { type: 'object', properties, required } : { type: 'object', properties };
  };
  const type = (t: unknown, at: string): Record<string, unknown> => {
    if (typeof t === 'string') return text(t, at);
    if (t === null || typeof t !== 'object') return fail(`${at}: no type`);
    const o = t as { type?: unknown; fields?: unknown; elementType?: unknown; containsNull?: unknown; valueType?: unknown; valueContainsNull?: unknown };
    if (o.type === 'struct') return Array.isArray(o.fields) ? struct(o.fields, at) : fail(`${at}: a struct without its fields`);
    if (o.type === 'array') {
      if (o.elementType === undefined) return fail(`${at}: an array without its elementType`);
      const e = type(o.elementType, `${at}[]`);
      return { type: 'array', items: o.containsNull === false ? e : orNull(e) };
    }
    if (o.type === 'map') {
      if (o.valueType === undefined) return fail(`${at}: a map without its valueType`);
      const v = type(o.valueType, `${at}{}`);
      return { type: 'object', additionalProperties: o.valueContainsNull === false ? v : orNull(v) };
    }
    if (o.type === 'udt') return {};
    return fail(`${at}: type ${JSON.stringify(o.type)} is no Spark type`);
  };
  // a type string: a simple type, or array<T>, map<K,V>, struct<name:T,...> (Spark's DDL form)
  const text = (src: string, at: string): Record<string, unknown> => {
    let i = 0;
    const ws = () => { while (i < src.length && /\s/.test(src[i])) i++; };
    const expect = (c: string) => { ws(); if (src[i] !== c) fail(`${at}: '${c}' expected at ${i + 1} of the type "${src}"`); i++; };
    const name = (): string => {
      ws();
      if (src[i] === '`') { const e = src.indexOf('`', i + 1); if (e < 0) fail(`${at}: an unclosed \` in the type "${src}"`); const n = src.slice(i + 1, e); i = e + 1; return n; }
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
      if (!m) return fail(`${at}: a name expected at ${i + 1} of the type "${src}"`);
      i += m[0].length;
      return m[0];
    };
    const one = (): Record<string, unknown> => {
      const w = name().toLowerCase();
      if (w === 'array') { expect('<'); const e = one(); expect('>'); return { type: 'array', items: orNull(e) }; }
      if (w === 'map') { expect('<'); one(); expect(','); const v = one(); expect('>'); return { type: 'object', additionalProperties: orNull(v) }; }
      if (w === 'struct') {
        expect('<');
        const properties: Record<string, unknown> = {};
        ws();
        if (src[i] !== '>') {
          for (;;) { const n = name(); expect(':'); properties[n] = orNull(one()); ws(); if (src[i] !== ',') break; i++; }
        }
        expect('>');
        return { type: 'object', properties };
      }
      ws();
      if (src[i] === '(') { const e = src.indexOf(')', i); if (e < 0) fail(`${at}: an unclosed ( in the type "${src}"`); i = e + 1; } // decimal(10,2), varchar(20)
      switch (w) {
        case 'string': case 'char': case 'varchar': case 'binary': return { type: 'string' };
        case 'date': return { type: 'string', format: 'date' };
        // (within the type's range, as Spark reads it: 3000000000 is no int)
        case 'byte': case 'tinyint': return { type: 'integer', minimum: -128, maximum: 127 };
        case 'short': case 'smallint': return { type: 'integer', minimum: -32768, maximum: 32767 };
        case 'int': case 'integer': return { type: 'integer', minimum: -2147483648, maximum: 2147483647 };
        // (the bounds exact: their doubles are ±2^63, and 9223372036854775808 passed)
        case 'long': case 'bigint': return exactly({ type: 'integer', minimum: -9223372036854775808, maximum: 9223372036854775807 },
          { minimum: new BigNum('-9223372036854775808'), maximum: new BigNum('9223372036854775807') });
        case 'float': case 'double': case 'real': case 'decimal': case 'dec': case 'numeric': return { type: 'number' };
        case 'boolean': return { type: 'boolean' };
        case 'timestamp': case 'timestamp_ntz': case 'timestamp_ltz': return { type: ['string', 'number'], format: TIMESTAMP };
        case 'null': case 'void': return { type: 'null' };
        default: return fail(`${at}: type "${src}" is no Spark type validate knows`);
      }
    };
    const r = one();
    ws();
    if (i !== src.length) fail(`${at}: the type "${src}" goes on after ${src.slice(0, i)}`);
    return r;
  };
  return struct(doc.fields, '');
}

/** the JSON Schema dialects validate knows, by the name --draft takes */
export const DIALECTS = ['draft-04', 'draft-06', 'draft-07', '2019-09', '2020-12'] as const;
export type Dialect = (typeof DIALECTS)[number];
/** each dialect's meta-schema URI as ajv knows it */
const META: Record<Dialect, string> = {
  'draft-04': 'http://json-schema.org/draft-04/schema#',
  'draft-06': 'http://json-schema.org/draft-06/schema#',
  'draft-07': 'http://json-schema.org/draft-07/schema#',
  '2019-09': 'https://json-schema.org/draft/2019-09/schema',
  '2020-12': 'https://json-schema.org/draft/2020-12/schema',
};
/** the dialect a `$schema` URI names (http or https, with or without the empty fragment), else undefined */
export function dialectOf(uri: string): Dialect | undefined {
  const u = uri.trim().replace(/#$/, '').replace(/^https?:\/\//, '');
  return DIALECTS.find((d) => META[d].replace(/#$/, '').replace(/^https?:\/\//, '') === u);
}

// every keyword of the five dialects (a document of these names only, valid as a schema, is read as one)
const KEYWORDS = new Set(('$schema $id $ref $defs definitions $comment $anchor $dynamicRef $dynamicAnchor $recursiveRef ' +
  '$recursiveAnchor $vocabulary type enum const multipleOf maximum exclusiveMaximum minimum exclusiveMinimum maxLength ' +
  'minLength pattern maxItems minItems uniqueItems maxContains minContains maxProperties minProperties required ' +
  'dependentRequired allOf anyOf oneOf not if then else dependentSchemas prefixItems items additionalItems contains ' +
  'properties patternProperties additionalProperties propertyNames unevaluatedItems unevaluatedProperties dependencies ' +
  'format contentEncoding contentMediaType contentSchema title description default deprecated readOnly writeOnly examples').split(' '));
// the keywords that say something of a value but assert nothing (a sample record of only these is no schema)
const ANNOTATIONS = new Set(['$comment', 'title', 'description', 'default', 'deprecated', 'readOnly', 'writeOnly', 'examples']);
// the keywords that can judge an object (a record): a schema of keywords without one lets every record pass
const ABOUT_OBJECTS = new Set(('type enum const required properties patternProperties additionalProperties propertyNames ' +
  'minProperties maxProperties dependencies dependentRequired dependentSchemas unevaluatedProperties allOf anyOf oneOf not if ' +
  '$ref $dynamicRef $recursiveRef').split(' '));

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------- exact numbers under a schema
// ajv knows numbers as doubles: a 64-bit id past 2^53 and a bound, a const or an enum member beside it
// share a double (9007199254740993 passed "maximum": 9007199254740992, a const matched an id one away,
// a Spark long took 2^63). The numeric keywords (maximum, minimum, the exclusive ones, multipleOf,
// const, enum) are this module's own, on the exact values: the schema's as written (each schema object
// given to ajv has a twin read with exact numbers) and the record's (validate hands the record's
// exact containers beside the doubles ajv sees: withOriginals).

/** a schema object given to ajv -> its twin with exact numbers (BigNum where a double is not the number) */
const EXACT_SCHEMA = new WeakMap<object, object>();
const own = (o: object, k: string | number): unknown => Object.getOwnPropertyDescriptor(o, k)?.value;
/** link every object of `plain` (JSON.parse's) to its place in `exact` (the same text read exactly) */
function twin(plain: unknown, exact: unknown): void {
  if (plain === null || typeof plain !== 'object' || exact === null || typeof exact !== 'object' || exact instanceof BigNum) return;
  EXACT_SCHEMA.set(plain, exact);
  for (const k of Object.keys(plain)) twin(own(plain, k), own(exact, k));
}
/** a schema object made here whose numbers `exact` says exactly */
function exactly<T extends object>(node: T, exact: Record<string, unknown>): T { EXACT_SCHEMA.set(node, { ...node, ...exact }); return node; }
/** a copy of a schema object (withMeta's, a file's body without its $id) shares its twin */
function sameTwin<T>(copy: T, of: unknown): T {
  const t = of !== null && typeof of === 'object' ? EXACT_SCHEMA.get(of) : undefined;
  if (t !== undefined && copy !== null && typeof copy === 'object') EXACT_SCHEMA.set(copy, t);
  return copy;
}
/** JSON.parse of a schema text, its objects twinned with the exact reading */
function parseSchema(text: string): any {
  const plain = JSON.parse(text);
  twin(plain, parseJson(text));
  distinctEnums(plain);
  return plain;
}
/** an enum's members that only their doubles make the same (12345678901234567891 and ...892) once
 *  each on ajv's side, whose meta-schema said "must NOT have duplicate items" (the twin keeps all) */
function distinctEnums(v: unknown): void {
  if (v === null || typeof v !== 'object') return;
  for (const k of Object.keys(v)) {
    const x = own(v, k);
    if (k === 'enum' && Array.isArray(x) && x.some((m) => typeof m === 'number')) {
      const t = EXACT_SCHEMA.get(v), all = t === undefined ? undefined : own(t, 'enum');
      const texts = x.map((m) => JSON.stringify(m));
      if (new Set(texts).size < x.length && Array.isArray(all) && all.every((m, i) => all.findIndex((n) => exactEqual(m, n)) === i)) {
        (v as Record<string, unknown>)[k] = x.filter((_, i) => texts.indexOf(texts[i]) === i);
      }
    }
    distinctEnums(x);
  }
}

/** the record's containers ajv sees (copies where they hold exact numbers) -> the record's own */
let originals: WeakMap<object, object> | undefined;
/** run `f` (ajv on a record) with the map from the containers ajv sees to the record's exact ones */
export function withOriginals<T>(map: WeakMap<object, object> | undefined, f: () => T): T {
  const was = originals;
  originals = map;
  try { return f(); } finally { originals = was; }
}
interface DataCxt { parentData?: unknown; parentDataProperty?: string | number }
/** the exact value of the data ajv gives a keyword: the record's own where ajv sees a double of it */
function exactData(data: unknown, cxt: DataCxt | undefined): unknown {
  const parent = cxt?.parentData;
  if (originals === undefined || parent === null || typeof parent !== 'object' || cxt?.parentDataProperty === undefined) return data;
  const orig = originals.get(parent);
  if (orig === undefined) return data;
  const o = own(orig, cxt.parentDataProperty);
  if (typeof data !== 'number') return o !== null && typeof o === 'object' && typeof data === 'object' ? o : data;
  // (a numeric string ajv coerced: its exact number)
  return o instanceof BigNum ? o : typeof o === 'string' && NUMBER.test(o.trim()) ? numberOf(o.trim()) : data;
}
const isNum = (v: unknown): v is number | BigNum => typeof v === 'number' || v instanceof BigNum;
const decOf = (v: number | BigNum): Dec => parseDec(v instanceof BigNum ? v.raw : String(v));
/** the order of two exact numbers (two doubles: as doubles; their shortest texts order alike) */
function cmp(a: number | BigNum, b: number | BigNum): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  return compareDec(decOf(a), decOf(b));
}
/** JSON Schema's equality: numbers by value (exactly), arrays in order, objects by members */
export function exactEqual(a: unknown, b: unknown): boolean {
  if (isNum(a) || isNum(b)) return isNum(a) && isNum(b) && cmp(a, b) === 0;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => exactEqual(x, b[i]));
  }
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && exactEqual(own(a, k), own(b, k)));
}
/** is `v` a whole multiple of `m` (> 0), exactly (0.3 of 0.1 is: ajv's doubles said no) */
export function isMultiple(v: number | BigNum, m: number | BigNum): boolean {
  if (typeof v === 'number' && typeof m === 'number' && Number.isSafeInteger(v) && Number.isSafeInteger(m)) return v % m === 0;
  const a = decOf(v), b = decOf(m);
  if (a.sign === 0) return true;
  if (b.sign === 0) return false;
  const d = (a.exp - BigInt(a.digits.length)) - (b.exp - BigInt(b.digits.length)); // v / m = (A / B) x 10^d
  if (d < 0n && -d > BigInt(a.digits.length) + 20n) return false; // (smaller than m: B x 10^-d > A)
  if (d > 100_000n) return Number.isInteger(Number(v) / Number(m)); // (1e100000 of 7: its double's answer)
  let A = BigInt(a.digits), B = BigInt(b.digits);
  if (d >= 0n) A *= 10n ** d; else B *= 10n ** -d;
  return A % B === 0n;
}
/** the exact value of keyword `kw` of schema object `parent` (ajv's `value`, its double, otherwise) */
function exactSchema(parent: object, kw: string, value: unknown): unknown {
  const t = EXACT_SCHEMA.get(parent);
  const v = t === undefined ? undefined : own(t, kw);
  return v === undefined ? value : v;
}
type KeywordFn = { (schema: any, data: any, parent: any, cxt?: DataCxt): boolean; errors?: unknown[] };
/** ajv's numeric keywords replaced by exact ones, with ajv's own messages and params */
function exactKeywords(ajv: { removeKeyword(k: string): unknown; addKeyword(d: object): unknown; RULES: { keywords: Record<string, unknown> } }, dialect: Dialect): void {
  const limit = (kw: string, op: '<=' | '>=' | '<' | '>', exclusiveKw?: string) => {
    const fn: KeywordFn = (schema, data, parent, cxt) => {
      const x = exactData(data, cxt), l = exactSchema(parent, kw, schema);
      if (!isNum(x) || !isNum(l)) return true;
      // (draft-04: a boolean exclusiveMaximum/-Minimum beside makes the bound exclusive)
      const o = exclusiveKw !== undefined && parent[exclusiveKw] === true ? (op === '<=' ? '<' : '>') : op;
      const c = cmp(x, l);
      if (o === '<=' ? c <= 0 : o === '>=' ? c >= 0 : o === '<' ? c < 0 : c > 0) return true;
      fn.errors = [{ keyword: kw, message: `must be ${o} ${shownValue(l)}`, params: { comparison: o, limit: schema } }];
      return false;
    };
    return { keyword: kw, type: 'number', schemaType: 'number', errors: true, validate: fn };
  };
  const multipleOf: KeywordFn = (schema, data, parent, cxt) => {
    const x = exactData(data, cxt), m = exactSchema(parent, 'multipleOf', schema);
    if (!isNum(x) || !isNum(m) || isMultiple(x, m)) return true;
    multipleOf.errors = [{ keyword: 'multipleOf', message: `must be multiple of ${shownValue(m)}`, params: { multipleOf: schema } }];
    return false;
  };
  const constant: KeywordFn = (schema, data, parent, cxt) => {
    if (exactEqual(exactData(data, cxt), exactSchema(parent, 'const', schema))) return true;
    constant.errors = [{ keyword: 'const', message: 'must be equal to constant', params: { allowedValue: schema } }];
    return false;
  };
  const oneOfEnum: KeywordFn = (schema, data, parent, cxt) => {
    const x = exactData(data, cxt), all = exactSchema(parent, 'enum', schema) as unknown[];
    if (Array.isArray(all) && all.some((v) => exactEqual(x, v))) return true;
    oneOfEnum.errors = [{ keyword: 'enum', message: 'must be equal to one of the allowed values', params: { allowedValues: schema } }];
    return false;
  };
  const d4 = dialect === 'draft-04';
  const defs = [
    limit('maximum', '<=', d4 ? 'exclusiveMaximum' : undefined), limit('minimum', '>=', d4 ? 'exclusiveMinimum' : undefined),
    ...(d4 ? [] : [limit('exclusiveMaximum', '<'), limit('exclusiveMinimum', '>')]),
    { keyword: 'multipleOf', type: 'number', schemaType: 'number', errors: true, validate: multipleOf },
    { keyword: 'const', errors: true, validate: constant },
    { keyword: 'enum', schemaType: 'array', errors: true, validate: oneOfEnum },
  ];
  for (const d of defs) {
    if (!(d.keyword in ajv.RULES.keywords)) continue;
    ajv.removeKeyword(d.keyword);
    ajv.addKeyword(d);
  }
}
type AjvLike = { compile(s: object | boolean): any; validateSchema(s: object | boolean): boolean | Promise<unknown>; addSchema(s: object, key?: string): unknown };

/**
 * An ajv for the dialect (ajv's own classes: Ajv for draft-07, with draft-06's meta-schema added for
 * draft-06; Ajv2019, Ajv2020; ajv-draft-04), with the formats of ajv-formats (full mode), `required`
 * and the other keywords on a record's own members only (not `toString` of every object). Loaded as
 * the first schema is (importing ajv costs ~70 ms a process).
 */
export function newAjv(dialect: Dialect, options: Record<string, unknown>): AjvLike {
  const opts = { strict: false, ownProperties: true, ...options };
  let ajv: AjvLike;
  if (dialect === 'draft-04') ajv = new (require('ajv-draft-04').default)(opts);
  else if (dialect === '2019-09') ajv = new (require('ajv/dist/2019').default)(opts);
  else if (dialect === '2020-12') ajv = new (require('ajv/dist/2020').default)(opts);
  else ajv = new (require('ajv').default)(opts);
  require('ajv-formats').default(ajv);
  exactKeywords(ajv as unknown as Parameters<typeof exactKeywords>[0], dialect);
  // (after the formats: its own uri and regex formats were said unknown on every run)
  if (dialect === 'draft-06') ajv.addSchema(require('ajv/dist/refs/json-schema-draft-06.json'), META['draft-06']);
  (ajv as unknown as { addFormat(n: string, f: object): void }).addFormat(TIMESTAMP, { type: 'string', validate: (t: string) => typeof parseTimestamp(t) === 'number' });
  (ajv as unknown as { addFormat(n: string, f: object): void }).addFormat('date-time', { type: 'string', validate: isDateTime });
  return ajv;
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;
/**
 * RFC 3339's date-time (section 5.6; a space for the T, as its note allows and ajv-formats took): a
 * real calendar date, hours 00-23, minutes 00-59, a second of 60 only where the UTC time is 23:59 (a
 * leap second), a fraction of any length, an offset of Z or ±HH:MM within 23:59. ajv-formats took an
 * offset of "+01", hour 24 ("24:59:60+01:00") and refused a fraction of fifteen digits.
 */
export function isDateTime(t: string): boolean {
  const m = DATE_TIME.exec(t);
  if (!m || !isValidDate(m[1])) return false;
  const h = +m[2], mi = +m[3], sec = +m[4];
  if (h > 23 || mi > 59 || sec > 60) return false;
  const oh = m[6] === undefined ? 0 : +m[6], om = m[7] === undefined ? 0 : +m[7];
  if (oh > 23 || om > 59) return false;
  if (sec < 60) return true;
  const sign = m[5] === '-' ? -1 : 1, utc = (((h * 60 + mi - sign * (oh * 60 + om)) % 1440) + 1440) % 1440;
  return utc === 23 * 60 + 59;
}

/** the schema's `$schema` as ajv knows it (https for the draft-0N ones, and the like: the same dialect) */
function withMeta(doc: object | boolean, dialect: Dialect): object | boolean {
  if (typeof doc !== 'object' || !('$schema' in doc)) return doc;
  return sameTwin({ ...doc, $schema: META[dialect] }, doc);
}

/**
 * The schema files `doc` (the schema at the file URL `file`, known by `base`) refers to by `$ref`, and
 * theirs, added to `ajv` under the URLs the references resolve to: a relative reference is resolved
 * against the referring schema's `$id` for ajv, and read from the disk relative to the referring file
 * (schemas with an https `$id` kept in files side by side); a file: URL is read where it points. The
 * network is never asked, and a reference with no file there is left to ajv (a resource of the same
 * document with that `$id`, else "can't resolve reference"). `texts`: the files' JSON, for mentions().
 */
function addReferenced(ajv: AjvLike, doc: unknown, file: string, base: string, dialect: Dialect, seen: Set<string>, texts: string[]): void {
  const idKey = dialect === 'draft-04' ? 'id' : '$id';
  const walk = (v: unknown, base: string): void => {
    if (Array.isArray(v)) { for (const x of v) walk(x, base); return; }
    if (v === null || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (typeof o[idKey] === 'string') { try { base = new URL(o[idKey] as string, base).href; } catch { /* ajv judges it */ } }
    const ref = o.$ref;
    if (typeof ref === 'string' && !ref.startsWith('#')) {
      let key: URL | undefined, disk: URL | undefined;
      try {
        key = new URL(ref, base); key.hash = '';
        // (an absolute reference elsewhere than a file is not read: no network)
        disk = key.protocol === 'file:' ? key : /^[A-Za-z][A-Za-z0-9+.-]*:/.test(ref) ? undefined : new URL(ref, file);
        if (disk) disk.hash = '';
      } catch { key = undefined; }
      if (key !== undefined && disk !== undefined && !seen.has(key.href) && fs.existsSync(disk) && fs.statSync(disk).isFile()) {
        seen.add(key.href);
        const where = fileURLToPath(disk);
        let text: string;
        try { text = fs.readFileSync(disk, 'utf8'); } catch (err) { throw new Error(`$ref ${ref}: cannot read ${where}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`); }
        let sub: unknown;
        // (JSON.parse's words only to the position: not the file's first bytes in a message)
        try { sub = parseSchema(stripComments(text)); } catch (err) { throw new Error(`$ref ${ref}: ${where} is not JSON (${String((err as Error).message).replace(/, ".*$/s, '')})`); }
        if (sub === null || typeof sub !== 'object' || Array.isArray(sub)) throw new Error(`$ref ${ref}: ${where} holds no schema (an object)`);
        texts.push(JSON.stringify(sub));
        // known by the URL the reference resolves to (its own $id set aside: a file reached under two
        // names, or named otherwise by its $id, is found under each), its references resolved from there
        const { [idKey]: _own, ...body } = sub as Record<string, unknown>;
        sameTwin(body, sub);
        try { ajv.addSchema(withMeta(body, dialect) as object, key.href); } catch (err) { throw new Error(`$ref ${ref}: ${where}: ${(err as Error).message}`); }
        addReferenced(ajv, body, disk.href, key.href, dialect, seen, texts);
      }
    }
    for (const [k, x] of Object.entries(o)) if (k !== 'enum' && k !== 'const' && k !== 'default' && k !== 'examples') walk(x, base);
  };
  walk(doc, base);
}

export interface LoadedSchema {
  /** the JSON Schema (a sample record's made from it) */
  schema: object | boolean;
  fromSample: boolean;
  /** its dialect: its $schema's, else the one given */
  dialect: Dialect;
  /** the validator of a record (ajv's compiled function: errors on it after a false) */
  compile(options?: Record<string, unknown>): { (rec: unknown): boolean; errors?: Array<{ instancePath: string; message?: string; keyword: string; params: Record<string, unknown> }> | null };
  /** does the schema's text, or a file it refers to (once compiled), hold this text? */
  mentions(text: string): boolean;
}

/**
 * The rules of a --schema file: a JSON Schema, a Spark schema (schemaFromSpark), or a commented sample
 * record. A JSON Schema is a document with a `$schema`, `properties`, a `type` of object or array, or
 * one whose every member is a keyword of JSON Schema (not only annotations such as `title`) and that
 * is a valid schema; true and false too. Anything else is a sample record. `fallback`: the dialect of
 * a schema without `$schema`; `warn`: ajv's notes (an unknown format), said by the caller.
 */
export function loadSchema(file: string, fallback: Dialect = 'draft-07', warn: (m: string) => void = () => {}): LoadedSchema {
  const raw = fs.readFileSync(file, 'utf8');
  const doc = parseSchema(stripComments(raw));
  // true and false are JSON Schemas (every record valid, none valid); another value that is not an
  // object is neither a schema nor a sample record (an array was read as a sample of fields "0", "1"...,
  // and [] or a number as a sample of no field: every record passed)
  if (typeof doc !== 'boolean' && (doc === null || typeof doc !== 'object' || Array.isArray(doc))) {
    throw new Error(`${Array.isArray(doc) ? 'an array' : doc === null ? 'null' : `a ${typeof doc}`} is neither a JSON Schema nor a sample record (an object)`);
  }
  let dialect = fallback;
  if (typeof doc === 'object' && '$schema' in doc) {
    const d = typeof doc.$schema === 'string' ? dialectOf(doc.$schema) : undefined;
    if (d === undefined) throw new Error(`$schema ${JSON.stringify(doc.$schema)} is no dialect validate knows (${DIALECTS.map((x) => META[x]).join(', ')})`);
    dialect = d;
  }
  const url = pathToFileURL(path.resolve(file)).href;
  const texts: string[] = [];
  const make = (options: Record<string, unknown>) => {
    const ajv = newAjv(dialect, { logger: { log: () => {}, warn, error: warn }, ...options });
    const idKey = dialect === 'draft-04' ? 'id' : '$id';
    const ownId = typeof schema === 'object' ? (schema as Record<string, unknown>)[idKey] : undefined;
    let base = url;
    try { if (typeof ownId === 'string') base = new URL(ownId, url).href; } catch { /* ajv judges it */ }
    texts.length = 0;
    addReferenced(ajv, schema, url, base, dialect, new Set([url, base.replace(/#.*$/, '')]), texts);
    // (a schema with no $id of its own is known by its file's URL: its relative $refs are files beside it)
    const meta = withMeta(schema, dialect);
    return ajv.compile(typeof ownId === 'string' || typeof meta !== 'object' ? meta : sameTwin({ ...meta, [idKey]: url }, meta));
  };
  let schema: object | boolean = doc, fromSample = false;
  if (isSparkSchema(doc)) schema = schemaFromSpark(doc);
  else if (typeof doc === 'object') {
    const keys = Object.keys(doc);
    const signals = '$schema' in doc || ('properties' in doc && typeof doc.properties === 'object') ||
      ('type' in doc && typeof doc.type === 'string' && ['object', 'array'].includes(doc.type));
    const keywordsOnly = !signals && keys.length > 0 && keys.every((k) => KEYWORDS.has(k) || (k === 'id' && dialect === 'draft-04')) &&
      keys.some((k) => !ANNOTATIONS.has(k)) && newAjv(dialect, { logger: false }).validateSchema(doc) === true;
    if (!signals && !keywordsOnly) { schema = schemaFromSample(doc); fromSample = true; dialect = 'draft-07'; }
    // (a document of keywords that judge no object, {"format": "mp3", "title": "Song"}: a schema every
    // record passes, or a sample record whose fields are all named like keywords; read as the schema,
    // and said)
    else if (keywordsOnly && !keys.some((k) => ABOUT_OBJECTS.has(k))) {
      warn(`read as a JSON Schema (every member is a JSON Schema keyword: ${keys.join(', ')}) that judges no member of a record: every record passes. A sample record needs a field that is no keyword; a schema can say so with $schema`);
    }
  }
  return { schema, fromSample, dialect, compile: make, mentions: (t) => JSON.stringify(schema).includes(t) || texts.some((x) => x.includes(t)) };
}
