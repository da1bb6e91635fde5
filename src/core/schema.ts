// Record rules for `validate`: from options (--require, --type, --enum) or from a schema file, which is
// either a JSON Schema or — like the Loco case study's files — a commented sample record ("// ..."
// comments, values showing each field's type), turned into a JSON Schema that requires every field
// of the sample with the sample value's type.
import fs from 'node:fs';
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
const KEYWORDS = new Set(('$schema $id id $ref $defs definitions $comment $anchor $dynamicRef $dynamicAnchor $recursiveRef ' +
  '$recursiveAnchor $vocabulary type enum const multipleOf maximum exclusiveMaximum minimum exclusiveMinimum maxLength ' +
  'minLength pattern maxItems minItems uniqueItems maxContains minContains maxProperties minProperties required ' +
  'dependentRequired allOf anyOf oneOf not if then else dependentSchemas prefixItems items additionalItems contains ' +
  'properties patternProperties additionalProperties propertyNames unevaluatedItems unevaluatedProperties dependencies ' +
  'format contentEncoding contentMediaType contentSchema title description default deprecated readOnly writeOnly examples').split(' '));
// the keywords that say something of a value but assert nothing (a sample record of only these is no schema)
const ANNOTATIONS = new Set(['$comment', 'title', 'description', 'default', 'deprecated', 'readOnly', 'writeOnly', 'examples']);

const require = createRequire(import.meta.url);
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
  else {
    ajv = new (require('ajv').default)(opts);
    if (dialect === 'draft-06') ajv.addSchema(require('ajv/dist/refs/json-schema-draft-06.json'), META['draft-06']);
  }
  require('ajv-formats').default(ajv);
  return ajv;
}

/** the schema's `$schema` as ajv knows it (https for the draft-0N ones, and the like: the same dialect) */
function withMeta(doc: object | boolean, dialect: Dialect): object | boolean {
  if (typeof doc !== 'object' || !('$schema' in doc)) return doc;
  return { ...doc, $schema: META[dialect] };
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
        try { sub = JSON.parse(stripComments(text)); } catch (err) { throw new Error(`$ref ${ref}: ${where} is not JSON: ${(err as Error).message}`); }
        if (sub === null || typeof sub !== 'object' || Array.isArray(sub)) throw new Error(`$ref ${ref}: ${where} holds no schema (an object)`);
        texts.push(JSON.stringify(sub));
        // (known by the URL the reference resolves to; its own $id, when it has one, is resolved by ajv)
        ajv.addSchema(withMeta(sub, dialect) as object, typeof (sub as Record<string, unknown>)[idKey] === 'string' ? undefined : key.href);
        const own = (sub as Record<string, unknown>)[idKey];
        addReferenced(ajv, sub, disk.href, typeof own === 'string' ? new URL(own, key.href).href : key.href, dialect, seen, texts);
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
 * The rules of a --schema file: a JSON Schema, or a commented sample record. A JSON Schema is a
 * document with a `$schema`, `properties`, a `type` of object or array, or one whose every member is
 * a keyword of JSON Schema (not only annotations such as `title`) and that is a valid schema; true and
 * false too. Anything else is a sample record. `fallback`: the dialect of a schema without `$schema`.
 */
export function loadSchema(file: string, fallback: Dialect = 'draft-07', warn: (m: string) => void = () => {}): LoadedSchema {
  const raw = fs.readFileSync(file, 'utf8');
  const doc = JSON.parse(stripComments(raw));
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
    return ajv.compile(typeof ownId === 'string' || typeof meta !== 'object' ? meta : { ...meta, [idKey]: url });
  };
  let schema: object | boolean = doc, fromSample = false;
  if (typeof doc === 'object') {
    const keys = Object.keys(doc);
    const signals = '$schema' in doc || ('properties' in doc && typeof doc.properties === 'object') ||
      ('type' in doc && typeof doc.type === 'string' && ['object', 'array'].includes(doc.type));
    const keywordsOnly = !signals && keys.length > 0 && keys.every((k) => KEYWORDS.has(k)) && keys.some((k) => !ANNOTATIONS.has(k)) &&
      newAjv(dialect, { logger: false }).validateSchema(doc) === true;
    if (!signals && !keywordsOnly) { schema = schemaFromSample(doc); fromSample = true; dialect = 'draft-07'; }
  }
  return { schema, fromSample, dialect, compile: make, mentions: (t) => JSON.stringify(schema).includes(t) || texts.some((x) => x.includes(t)) };
}
