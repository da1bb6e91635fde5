// validate --schema against the JSON Schema dialects, through the real bin: each dialect chosen by its
// $schema (http or https, with or without the empty fragment) or by --draft, a keyword each dialect
// reads its own way; documents of keywords only read as schemas, sample records still read as samples;
// `required` on a record's own members; $refs to files beside the schema (nested, relative, by $id),
// never the network. Written from the dialects' texts (json-schema.org), one record a line: kept or not.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { sh, tmpdir, real, hasReal, withReal } from '../helpers/sh.mjs';

const dir = tmpdir('ep-schema-');
const URI = {
  'draft-04': 'http://json-schema.org/draft-04/schema#',
  'draft-06': 'http://json-schema.org/draft-06/schema#',
  'draft-07': 'http://json-schema.org/draft-07/schema#',
  '2019-09': 'https://json-schema.org/draft/2019-09/schema',
  '2020-12': 'https://json-schema.org/draft/2020-12/schema',
};
let n = 0;
/** the records of `records` that validate keeps with this schema file text (and args), with its status and stderr */
function run(schema, records, args = '', files = {}) {
  const d = path.join(dir, String(n++));
  fs.mkdirSync(d);
  for (const [name, text] of Object.entries(files)) { fs.mkdirSync(path.dirname(path.join(d, name)), { recursive: true }); fs.writeFileSync(path.join(d, name), typeof text === 'string' ? text : JSON.stringify(text)); }
  fs.writeFileSync(path.join(d, 'schema.json'), typeof schema === 'string' ? schema : JSON.stringify(schema));
  const input = records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';
  const r = sh(`validate --schema schema.json --max-reports 0 ${args}`, { input, cwd: d });
  return { status: r.status, stderr: r.stderr, kept: r.stdout.split('\n').filter(Boolean) };
}
const kept = (schema, records, args, files) => {
  const r = run(schema, records, args, files);
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  return r.kept.map((l) => JSON.parse(l));
};

test('each dialect by its $schema reads its own keywords', () => {
  // draft-04: exclusiveMinimum is a boolean beside minimum
  assert.equal(kept({ $schema: URI['draft-04'], properties: { n: { minimum: 0, exclusiveMinimum: true } } }, [{ n: 0 }, { n: 1 }]), [{ n: 1 }]);
  // draft-06 on: exclusiveMinimum is the bound itself; const and propertyNames
  for (const d of ['draft-06', 'draft-07', '2019-09', '2020-12']) {
    assert.equal(kept({ $schema: URI[d], properties: { n: { exclusiveMinimum: 0 } } }, [{ n: 0 }, { n: 1 }]), [{ n: 1 }], d);
    assert.equal(kept({ $schema: URI[d], properties: { k: { const: 'a' } }, propertyNames: { maxLength: 1 } }, [{ k: 'a' }, { k: 'b' }, { kk: 'a' }]), [{ k: 'a' }], d);
  }
  // draft-07 on: if / then / else
  for (const d of ['draft-07', '2019-09', '2020-12']) {
    assert.equal(kept({ $schema: URI[d], if: { properties: { kind: { const: 'sub' } }, required: ['kind'] }, then: { required: ['plan'] }, else: { not: { required: ['plan'] } } },
      [{ kind: 'sub', plan: 'p' }, { kind: 'sub' }, { kind: 'free' }, { kind: 'free', plan: 'p' }]), [{ kind: 'sub', plan: 'p' }, { kind: 'free' }], d);
  }
  // 2019-09 on: dependentRequired, unevaluatedProperties (through allOf)
  for (const d of ['2019-09', '2020-12']) {
    assert.equal(kept({ $schema: URI[d], dependentRequired: { card: ['cvv'] } }, [{ card: 1, cvv: 2 }, { card: 1 }, { cvv: 2 }]), [{ card: 1, cvv: 2 }, { cvv: 2 }], d);
    assert.equal(kept({ $schema: URI[d], allOf: [{ properties: { a: true } }], properties: { b: true }, unevaluatedProperties: false }, [{ a: 1, b: 2 }, { a: 1, c: 3 }]), [{ a: 1, b: 2 }], d);
  }
  // 2020-12: prefixItems, and items for the rest
  assert.equal(kept({ $schema: URI['2020-12'], properties: { t: { prefixItems: [{ type: 'string' }, { type: 'integer' }], items: false } } },
    [{ t: ['a', 1] }, { t: ['a', 'b'] }, { t: ['a', 1, 2] }, { t: ['a'] }]), [{ t: ['a', 1] }, { t: ['a'] }]);
  // draft-07: items as an array is the tuple, additionalItems the rest
  assert.equal(kept({ $schema: URI['draft-07'], properties: { t: { items: [{ type: 'string' }], additionalItems: false } } }, [{ t: ['a'] }, { t: ['a', 'b'] }, { t: [1] }]), [{ t: ['a'] }]);
});

test('$schema written with https, without its fragment: the same dialect; an unknown one is a usage error', () => {
  for (const uri of ['https://json-schema.org/draft-07/schema#', 'http://json-schema.org/draft-07/schema', 'http://json-schema.org/draft/2020-12/schema#']) {
    assert.equal(kept({ $schema: uri, required: ['a'] }, [{ a: 1 }, { b: 1 }]), [{ a: 1 }], uri);
  }
  const r = run({ $schema: 'http://json-schema.org/draft-03/schema#', required: ['a'] }, [{ a: 1 }]);
  assert.is(r.status, 2);
  assert.match(r.stderr, /\$schema "http:\/\/json-schema.org\/draft-03\/schema#" is no dialect validate knows/);
  assert.match(r.stderr, /2020-12/);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.equal(r.kept, []);
});

test('--draft: the dialect of a schema without $schema (draft-07 unless given); a $schema wins', () => {
  const tuple = { properties: { t: { prefixItems: [{ type: 'string' }] } } };
  // (draft-07 knows no prefixItems: nothing asserted)
  assert.equal(kept(tuple, [{ t: ['a'] }, { t: [1] }]), [{ t: ['a'] }, { t: [1] }]);
  assert.equal(kept(tuple, [{ t: ['a'] }, { t: [1] }], '--draft 2020-12'), [{ t: ['a'] }]);
  assert.equal(kept({ properties: { n: { minimum: 0, exclusiveMinimum: true } } }, [{ n: 0 }, { n: 1 }], '--draft draft-04'), [{ n: 1 }]);
  assert.equal(kept({ $schema: URI['2020-12'], ...tuple }, [{ t: ['a'] }, { t: [1] }], '--draft draft-04'), [{ t: ['a'] }]);
  // draft-07's tuple form is no 2020-12 schema: said, exit 2
  const r = run({ properties: { t: { items: [{ type: 'string' }] } } }, [{ t: ['a'] }], '--draft 2020-12');
  assert.is(r.status, 2);
  assert.match(r.stderr, /schema is invalid/);
  const bad = run({ required: ['a'] }, [{ a: 1 }], '--draft 3');
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /draft/);
});

test('a document of JSON Schema keywords only is a schema; sample records stay samples', () => {
  // (these read as sample records before: every record "must have required property 'required'")
  assert.equal(kept({ required: ['a'] }, [{ a: 1 }, { b: 1 }]), [{ a: 1 }]);
  assert.equal(kept({ anyOf: [{ required: ['a'] }, { required: ['b'] }] }, [{ a: 1 }, { b: 1 }, { c: 1 }]), [{ a: 1 }, { b: 1 }]);
  // (keywords that judge no member of a record: the schema every record passes, said on stderr)
  const f = run({ format: 'email' }, [{}, { a: 1 }]);
  assert.equal(f.kept.map((l) => JSON.parse(l)), [{}, { a: 1 }]);
  assert.match(f.stderr, /read as a JSON Schema \(every member is a JSON Schema keyword: format\) that judges no member of a record: every record passes/);
  const m = run({ minimum: 0, maximum: 10 }, [{ a: 1 }]);
  assert.match(m.stderr, /keyword: minimum, maximum\) that judges no member/);
  assert.not.match(run({ required: ['a'] }, [{ a: 1 }]).stderr, /judges no member/);
  // said once on two threads too (each thread's copy said it: the main thread's stand-in outside the
  // copies' dedupe)
  const big = path.join(dir, 'big.ndjson'), fmt = path.join(dir, 'fmt.json');
  fs.writeFileSync(fmt, '{"format":"email"}');
  fs.writeFileSync(big, '{"a":1,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}\n'.repeat(300000)); // (19 MB: two pieces)
  const t2 = sh(`event-pipes --threads 2 validate --schema ${fmt} -i ${big} | wc -l`, { env: { EVENT_PIPES_TRACE: '1' } });
  assert.is(t2.stdout.trim(), '300000', t2.stderr);
  assert.match(t2.stderr, /2 threads over \d+ pieces: validate in threads/, t2.stderr);
  assert.is(t2.stderr.split('\n').filter((l) => l.includes('judges no member')).length, 1, t2.stderr);
  // `id` is draft-04's keyword only: elsewhere a field of a sample record
  assert.equal(kept({ id: 'u1', description: 'x' }, [{ id: 'u2', description: 'y' }, { id: 'u3' }]), [{ id: 'u2', description: 'y' }]);
  assert.equal(kept({ additionalProperties: false, patternProperties: { '^x_': { type: 'integer' } } }, [{ x_a: 1 }, { x_a: 'a' }, { y: 1 }]), [{ x_a: 1 }]);
  assert.equal(kept({ minProperties: 2, title: 'two or more' }, [{ a: 1 }, { a: 1, b: 2 }]), [{ a: 1, b: 2 }]);
  // a sample record whose fields happen to be keywords: not a valid schema, or annotations only
  assert.equal(kept({ type: 'click', title: 'x' }, [{ type: 'view', title: 'y' }, { type: 'view' }]), [{ type: 'view', title: 'y' }]);
  assert.equal(kept({ title: 'a', description: 'b' }, [{ title: 'c', description: 'd' }, { title: 'c' }]), [{ title: 'c', description: 'd' }]);
  // a commented sample record (the Loco case study's form), a field named like a keyword among others
  assert.equal(kept('// a sample\n{\n  "format": "mp4", // the file\'s\n  "size": 10\n}\n', [{ format: 'webm', size: 3 }, { format: 'webm' }, { format: 1, size: 3 }]), [{ format: 'webm', size: 3 }]);
});

test('required and properties judge a record\'s own members, not those every object inherits', () => {
  const schema = { $schema: URI['2020-12'], required: ['toString', 'constructor'] };
  assert.equal(kept(schema, [{}, { toString: 1 }, { toString: 1, constructor: 2 }]), [{ toString: 1, constructor: 2 }]);
  assert.equal(kept({ properties: { toString: { type: 'object', required: ['length'] } } }, [{}, { toString: {} }, { toString: { length: 1 } }]), [{}, { toString: { length: 1 } }]);
});

test('date-time as RFC 3339 has it: offsets ±HH:MM, hours to 23, a leap second only at 23:59 UTC, any fraction', () => {
  const schema = { properties: { t: { format: 'date-time' } } };
  const ok = ['1985-04-12T23:20:50.52Z', '1996-12-19T16:39:57-08:00', '1963-06-19t08:30:06.283185z', '1998-12-31T23:59:60Z',
    '1998-12-31T15:59:60.123-08:00', '1985-04-12T00:59:59.999999999999999Z', '2024-02-29 12:00:00+05:30'];
  // (ajv-formats took the first two: an offset of hours alone, hour 24)
  const bad = ['1985-04-12T23:20:50+01', '2016-12-31T24:59:60+01:00', '1998-12-31T22:59:60Z', '1998-12-31T23:59:61Z',
    '1990-12-31T15:59:59-24:00', '1990-12-31T10:00:00+10:60', '1990-02-31T15:59:59Z', '2013-350T01:01:01', '1963-6-19T08:30:06Z',
    '2024-01-01T00:00:00', '1963-06-1\u09eaT00:00:00Z', '1963-06-19T08:30:06.28123+01:00Z'];
  assert.equal(kept(schema, [...ok, ...bad].map((t) => ({ t }))).map((r) => r.t), ok);
});

test('a schema that refers to itself without end is a usage error naming it, not a stack overflow at a record', () => {
  let r = run({ $ref: '#' }, [{ x: 1 }]);
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /--schema schema.json: the schema refers to itself without end/);
  // a loop only some records reach: said at that record
  r = run({ if: { required: ['a'] }, then: { $ref: '#' } }, [{ x: 1 }, { a: 1 }]);
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /checking -:2/);
  assert.equal(r.kept, ['{"x":1}']);
  // a recursive schema that follows the data ends
  assert.equal(kept({ properties: { a: { $ref: '#' } } }, [{ a: { a: { a: 1 } } }]), [{ a: { a: { a: 1 } } }]);
});

test('numeric keywords on exact numbers: 64-bit ids and bounds past 2^53 compared by their digits, not their doubles', () => {
  // an oracle on BigInts: random integers near 2^53 and 2^63, bounds of the same kind, every keyword
  let seed = 7;
  const rnd = (n) => { seed = (seed * 16807) % 2147483647; return seed % n; };
  const near = () => [2n ** 53n, 2n ** 63n, 10n ** 19n, 2n ** 70n][rnd(4)] + BigInt(rnd(9) - 4);
  const num = () => (rnd(4) === 0 ? -near() : near());
  for (let round = 0; round < 12; round++) {
    const kw = ['maximum', 'minimum', 'exclusiveMaximum', 'exclusiveMinimum', 'multipleOf', 'const', 'enum'][round % 7];
    const bound = kw === 'multipleOf' ? BigInt([2, 3, 7, 9, 10][rnd(5)]) : near();
    const allowed = [bound, bound + 2n];
    const prop = kw === 'enum' ? `[${allowed.join(',')}]` : String(bound);
    const schema = `{"properties":{"n":{"${kw}":${prop}}}}`;
    const values = Array.from({ length: 40 }, () => (rnd(3) === 0 ? bound + BigInt(rnd(5) - 2) : num()));
    const holds = (v) => kw === 'maximum' ? v <= bound : kw === 'minimum' ? v >= bound : kw === 'exclusiveMaximum' ? v < bound
      : kw === 'exclusiveMinimum' ? v > bound : kw === 'multipleOf' ? v % bound === 0n : kw === 'const' ? v === bound : allowed.includes(v);
    const want = values.filter(holds).map((v) => `{"n":${v}}`);
    assert.equal(run(schema, values.map((v) => `{"n":${v}}`)).kept, want, schema);
  }
  // a Spark long: its range exactly (9223372036854775808 took 2^63's double and passed)
  const spark = { type: 'struct', fields: [{ name: 'n', type: 'long', nullable: false, metadata: {} }] };
  assert.equal(run(spark, ['{"n":9223372036854775808}', '{"n":-9223372036854775809}', '{"n":9223372036854775807}', '{"n":-9223372036854775808}']).kept,
    ['{"n":9223372036854775807}', '{"n":-9223372036854775808}']);
  // messages name the bound as written; multipleOf of decimals exactly (0.3 of 0.1: ajv's doubles said no)
  assert.match(run('{"properties":{"n":{"maximum":9007199254740993}}}', ['{"n":9007199254740994}'], '--max-reports 1').stderr, /must be <= 9007199254740993/);
  assert.equal(kept({ properties: { n: { multipleOf: 0.1 } } }, ['{"n":0.3}', '{"n":0.35}']), [{ n: 0.3 }]);
  // members of an enum that share a double are members still (ajv's meta-schema called them duplicates)
  assert.equal(run('{"properties":{"n":{"enum":[1180591620717411303420,1180591620717411303422]}}}',
    ['{"n":1180591620717411303421}', '{"n":1180591620717411303422}']).kept, ['{"n":1180591620717411303422}']);
  // draft-04's boolean exclusive bounds
  assert.equal(run(`{"$schema":"${URI['draft-04']}","properties":{"n":{"maximum":9007199254740993,"exclusiveMaximum":true}}}`,
    ['{"n":9007199254740993}', '{"n":9007199254740992}']).kept, ['{"n":9007199254740992}']);
});

test('$ref to files beside the schema: read (nested, relative to the file that refers), never fetched', () => {
  const files = {
    'defs/ids.json': { $schema: URI['2020-12'], $defs: { id: { type: 'string', pattern: '^u[0-9]+$' }, when: { $ref: 'time.json' } } },
    'defs/time.json': '// epoch seconds\n{ "type": "integer", "minimum": 0 }\n',
  };
  const schema = { $schema: URI['2020-12'], required: ['user', 'ts'], properties: { user: { $ref: 'defs/ids.json#/$defs/id' }, ts: { $ref: 'defs/ids.json#/$defs/when' } } };
  assert.equal(kept(schema, [{ user: 'u1', ts: 5 }, { user: 'x', ts: 5 }, { user: 'u1', ts: -1 }, { user: 'u1', ts: 1.5 }], '', files), [{ user: 'u1', ts: 5 }]);
  // an integer named only in a referred file: a 17-digit number with a fraction is still no integer
  assert.equal(kept(schema, ['{"user":"u1","ts":12345678901234567.5}', '{"user":"u1","ts":12345678901234567}'], '', files).length, 1);
  // a file that is not there: said, exit 2
  const missing = run({ properties: { a: { $ref: 'nope.json' } } }, [{ a: 1 }]);
  assert.is(missing.status, 2);
  assert.match(missing.stderr, /can't resolve reference nope\.json/);
  // a file that is no JSON: said, naming it
  const broken = run({ properties: { a: { $ref: 'b.json' } } }, [{ a: 1 }], '', { 'b.json': '{"type": ' });
  assert.is(broken.status, 2);
  assert.match(broken.stderr, /\$ref b\.json: .*b\.json is not JSON/);
  // a schema with an https $id, its files side by side on the disk: found there, known by their URLs
  assert.equal(kept({ $schema: URI['2020-12'], $id: 'https://example.com/schemas/event.json', properties: { user: { $ref: 'common.json#/$defs/id' } } },
    [{ user: 'u1' }, { user: 2 }], '', { 'common.json': { $id: 'https://example.com/schemas/common.json', $defs: { id: { type: 'string' } } } }), [{ user: 'u1' }]);
  // a file with an $id of its own, reached by its path, and by two names: found under each
  assert.equal(kept({ properties: { d: { $ref: 'defs.json' }, e: { $ref: './sub/../defs.json' } } }, [{ d: 1, e: 2 }, { d: 'x' }, { e: 'x' }], '',
    { 'defs.json': { $id: 'https://ex.com/defs.json', type: 'integer' } }), [{ d: 1, e: 2 }]);
  // a referred file that is no valid schema: said, naming it
  const invalid = run({ $schema: URI['2020-12'], properties: { t: { $ref: 'old.json' } } }, [{ t: [1] }], '', { 'old.json': { items: [{ type: 'string' }] } });
  assert.is(invalid.status, 2);
  assert.match(invalid.stderr, /\$ref old\.json: .*old\.json: schema is invalid/);
  // a resource of the same document with its own $id is no file to read
  assert.equal(kept({ $schema: URI['2020-12'], properties: { a: { $ref: 'item.json' } }, $defs: { item: { $id: 'item.json', type: 'integer' } } }, [{ a: 1 }, { a: 'x' }]), [{ a: 1 }]);
  // a schema with an $id of its own: its file refs resolve against that $id (a file: URL here)
  const idDir = path.join(dir, 'withid');
  fs.mkdirSync(path.join(idDir, 'lib'), { recursive: true });
  fs.writeFileSync(path.join(idDir, 'lib', 'n.json'), '{"type":"number"}');
  assert.equal(kept({ $id: `file://${idDir}/lib/main.json`, properties: { a: { $ref: 'n.json' } } }, [{ a: 1 }, { a: 'x' }]), [{ a: 1 }]);
  // draft-04's id alike
  assert.equal(kept({ $schema: URI['draft-04'], id: `file://${idDir}/lib/main.json`, properties: { a: { $ref: 'n.json' } } }, [{ a: 1 }, { a: 'x' }]), [{ a: 1 }]);
  // the network is never asked: a ref to http(s) is unresolved, a usage error
  const remote = run({ properties: { a: { $ref: 'http://127.0.0.1:9/x.json' } } }, [{ a: 1 }]);
  assert.is(remote.status, 2);
  assert.match(remote.stderr, /can't resolve reference http:\/\/127\.0\.0\.1:9\/x\.json/);
});

test('a Spark schema (StructType JSON) is read as Spark reads records with it', () => {
  const spark = {
    type: 'struct',
    fields: [
      { name: 'id', type: 'long', nullable: false, metadata: {} },
      { name: 'at', type: 'timestamp', nullable: false, metadata: {} },
      { name: 'day', type: 'date', nullable: true, metadata: {} },
      { name: 'price', type: 'decimal(10,2)', nullable: true, metadata: {} },
      { name: 'tags', type: { type: 'array', elementType: 'string', containsNull: false }, nullable: true, metadata: {} },
      { name: 'attrs', type: { type: 'map', keyType: 'string', valueType: 'integer', valueContainsNull: true }, nullable: true, metadata: {} },
      { name: 'geo', type: { type: 'struct', fields: [{ name: 'lat', type: 'double', nullable: false, metadata: {} }] }, nullable: true, metadata: {} },
      { name: 'ddl', type: 'array<struct<a:int,`b c`:map<string,array<boolean>>>>', nullable: true, metadata: {} },
      // (a field's own struct written in the field, as the Lingokids sample's schemas have it)
      { name: 'ctx', type: 'struct', nullable: true, fields: [{ name: 'os', type: 'string', nullable: false }] },
    ],
  };
  const ok = { id: 1, at: '2021-01-24 15:40:33.636' };
  const records = [
    ok,
    { id: 1, at: 1611502833, day: '2021-01-24', price: 9.99, tags: ['a'], attrs: { x: 1, y: null }, geo: { lat: 1.5 }, ddl: [{ a: 1, 'b c': { k: [true, null] } }, null], ctx: { os: 'iOS' }, other: 'let be' },
    { at: '2021-01-24' }, // id missing
    { id: null, at: '2021-01-24' },
    { id: 1.5, at: '2021-01-24' }, // long: an integer
    { id: 1, at: 'yesterday' }, // no time the tools read
    { id: 1, at: '2021-01-24', day: '2021-02-30' },
    { id: 1, at: '2021-01-24', tags: ['a', null] }, // containsNull false
    { id: 1, at: '2021-01-24', attrs: { x: 'one' } },
    { id: 1, at: '2021-01-24', geo: {} }, // lat not nullable
    { id: 1, at: '2021-01-24', ddl: [{ a: 'x' }] },
    { id: 1, at: '2021-01-24', ctx: {} },
    { id: 1, at: '2021-01-24', price: '9.99' }, // a string: not without --coerce
  ];
  assert.equal(kept(spark, records), [records[0], records[1]]);
  assert.equal(kept(spark, [records[12]], '--coerce'), [{ id: 1, at: '2021-01-24', price: 9.99 }]);
  // integers within their type's range, as Spark reads them
  const ranges = { type: 'struct', fields: [{ name: 'i', type: 'int', nullable: true }, { name: 'b', type: 'byte', nullable: true }] };
  assert.equal(kept(ranges, [{ i: 2147483647, b: -128 }, { i: 3000000000 }, { b: 128 }]), [{ i: 2147483647, b: -128 }]);
  // a type it does not know: said, exit 2
  const r = run({ type: 'struct', fields: [{ name: 'x', type: 'interval', nullable: true }] }, [{ x: 1 }]);
  assert.is(r.status, 2);
  assert.match(r.stderr, /a Spark schema: x: type "interval" is no Spark type validate knows/);
});

withReal(test)('the real Lingokids samples pass the Spark schemas that came with them; generated events too, broken ones said', () => {
  const lk = path.join(real, 'lingokids'), sch = path.join(lk, 'schemas_psanchezarmas');
  for (const [data, schema, n] of [['users.json', 'users_schema.json', 409], ['activities.json', 'activities_schema.json', 1492]]) {
    const r = sh(`validate --schema ${sch}/${schema} --stats < ${lk}/${data} | wc -l`);
    assert.is(r.status, 0, r.stderr);
    assert.is(Number(r.stdout.trim()), n, r.stderr);
    assert.match(r.stderr, new RegExp(`in=${n} out=${n} rejected=0`));
  }
  // the raw events are not in the samples (ORIGIN.md): the generator's, on the real users and activities
  const r = sh(`generate-lingokids --seed 5 --events 3000 --users ${lk}/users.json --activities ${lk}/activities.json | validate --schema ${sch}/events_schema.json --stats | wc -l`);
  assert.is(r.status, 0, r.stderr);
  assert.is(Number(r.stdout.trim()), 3000, r.stderr);
  const bad = sh(`printf '%s\\n' '{"event_id":"e","name":"activity_exit","occurred_at":"soon","user_id":"u"}' '{"event_id":"e","name":"activity_exit","occurred_at":"2021-01-01 00:00:00.000","user_id":"u","data":{"duration":"long"}}' | validate --schema ${sch}/events_schema.json`);
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /-:1: schema: \/occurred_at must match format "ISO-8601 or epoch time"/);
  assert.match(bad.stderr, /-:2: schema: \/data\/duration must be number,null/);
});

test.run();
