// Record rules for `validate`: from options (--require, --type, --enum) or from a schema file, which is
// either a JSON Schema or — like the Loco case study's files — a commented sample record ("// ..."
// comments, values showing each field's type), turned into a JSON Schema that requires every field
// of the sample with the sample value's type.
import fs from 'node:fs';

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

export function loadSchema(file: string): { schema: object | boolean; fromSample: boolean } {
  const raw = fs.readFileSync(file, 'utf8');
  const doc = JSON.parse(stripComments(raw));
  // true and false are JSON Schemas (every record valid, none valid); another value that is not an
  // object is neither a schema nor a sample record (an array was read as a sample of fields "0", "1"...,
  // and [] or a number as a sample of no field: every record passed)
  if (typeof doc === 'boolean') return { schema: doc, fromSample: false };
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new Error(`${Array.isArray(doc) ? 'an array' : doc === null ? 'null' : `a ${typeof doc}`} is neither a JSON Schema nor a sample record (an object)`);
  }
  const isSchema = doc && typeof doc === 'object' && ('$schema' in doc || 'properties' in doc || ('type' in doc && typeof doc.type === 'string' && ['object', 'array'].includes(doc.type)));
  return isSchema ? { schema: doc, fromSample: false } : { schema: schemaFromSample(doc), fromSample: true };
}
