// to-parquet through its bin, every file read back with hyparquet and compared value by value: columns
// first seen after the first row group, widening of mixed kinds, exact 64-bit integers in INT64 and JSON
// columns, numbers beyond int64, --types violations as rejected records, failed runs leaving no file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { sh, tmpdir } from '../helpers/sh.mjs';

const decoder = new TextDecoder();
/** the file's columns ("name TYPE", our names for the types) and rows; JSON columns as their exact text,
 *  timestamps as µs (bigint), int64 as bigint */
async function readParquet(file) {
  const b = fs.readFileSync(file);
  const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.length);
  const kind = (e) => (e.converted_type === 'JSON' ? 'JSON' : e.converted_type === 'UTF8' ? 'STRING'
    : e.converted_type === 'TIMESTAMP_MICROS' ? 'TIMESTAMP' : e.type);
  const columns = parquetMetadata(ab).schema.slice(1).map((e) => `${e.name} ${kind(e)}`);
  const rows = await parquetReadObjects({
    file: ab,
    parsers: { jsonFromBytes: (x) => x && decoder.decode(x), timestampFromMicroseconds: (us) => us },
  });
  return { columns, rows: rows.map((r) => ({ ...r })) };
}

/** run to-parquet on `input` into a fresh folder; returns the run, the file name and the folder */
function toParquet(args, input) {
  const d = tmpdir('ep-pq-'), file = `${d}/out.parquet`;
  const r = sh(`to-parquet ${args} ${file}`, { input });
  return { ...r, file, d };
}

const ndjson = (recs) => recs.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

test('a column first seen after the first row group is in the file, with its values', async () => {
  const recs = Array.from({ length: 40 }, (_, i) => (i >= 25 ? { id: i, late: `v${i}` } : { id: i }));
  const r = toParquet('--row-group-size 10', ndjson(recs));
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /did not hold \(new column late at -:26\)/);
  assert.match(r.stderr, /40 rows, id INT64, late STRING/);
  const { columns, rows } = await readParquet(r.file);
  assert.equal(columns, ['id INT64', 'late STRING']);
  assert.equal(rows, recs.map((x, i) => ({ id: BigInt(i), late: x.late ?? null })));
  assert.equal(fs.readdirSync(r.d), ['out.parquet']); // no temporary or spill file left
});

test('--types columns come first, in --types order, whatever the row group size; one first seen late rewrites nothing', async () => {
  const recs = Array.from({ length: 20 }, (_, i) => (i < 15 ? { a: i, b: 'x' } : { a: i, b: 'y', p: i % 2 === 0 }));
  const small = toParquet('--row-group-size 4 --types p=boolean,q=int64', ndjson(recs));
  const big = toParquet('--types p=boolean,q=int64', ndjson(recs));
  assert.is(small.status, 0, small.stderr);
  assert.not.match(small.stderr, /did not hold/);
  const a = await readParquet(small.file);
  assert.equal(a, await readParquet(big.file));
  assert.equal(a.columns, ['p BOOLEAN', 'q INT64', 'a INT64', 'b STRING']);
  assert.equal(a.rows, recs.map((x) => ({ p: x.p ?? null, q: null, a: BigInt(x.a), b: x.b })));
});

test('a type that widens after the first row group rewrites the file; the schema does not depend on --row-group-size', async () => {
  const recs = Array.from({ length: 30 }, (_, i) => ({ n: i, x: i % 3 === 0 ? null : i * 2, s: `s${i}` }));
  recs[22].n = 'twenty-two';
  recs[27].x = 1.5;
  const input = ndjson(recs);
  const small = toParquet('--row-group-size 4', input), big = toParquet('--row-group-size 1000', input);
  assert.is(small.status, 0, small.stderr);
  assert.is(big.status, 0, big.stderr);
  const a = await readParquet(small.file), b = await readParquet(big.file);
  assert.equal(a, b);
  assert.equal(a.columns, ['n STRING', 'x DOUBLE', 's STRING']);
  assert.equal(a.rows[20], { n: '20', x: 40, s: 's20' });
  assert.equal(a.rows[22], { n: 'twenty-two', x: 44, s: 's22' });
  assert.equal(a.rows[27], { n: '27', x: 1.5, s: 's27' });
  assert.match(small.stderr, /column n: int64 \(first at -:1\), string \(first at -:23\): written as STRING \(exact text\)/);
});

test('widening rules: each mix of kinds and the type it gets, no value lost', async () => {
  const recs = [
    { ints: 1, mixnum: 1, wide: 9007199254740993, nested: 'a', boolint: true, ts: '2024-01-01T10:00:00Z', naive: '2024-01-01T10:00:00', nulls: null },
    { ints: -9223372036854775808n, mixnum: 2.5, wide: 0.5, nested: { k: [1, 'x'] }, boolint: 7, ts: 'soon', naive: '2024-01-02T10:00:00', nulls: null },
    { ints: 9223372036854775807n, mixnum: 1e300, wide: 3, nested: 12, boolint: false, ts: '2024-01-01T10:00:00.5+02:00', naive: null },
  ];
  // BigInt has no JSON: write 64-bit literals by hand
  const input = recs.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `@@${v}@@` : v)).replace(/"@@(-?\d+)@@"/g, '$1'))
    .join('\n').replace('"wide":9007199254740992', '"wide":9007199254740993') + '\n';
  assert.match(input, /9007199254740993/);
  const r = toParquet('', input);
  assert.is(r.status, 0, r.stderr);
  const { columns, rows } = await readParquet(r.file);
  assert.equal(columns, ['ints INT64', 'mixnum DOUBLE', 'wide STRING', 'nested JSON', 'boolint STRING', 'ts STRING', 'naive STRING', 'nulls STRING']);
  assert.equal(rows.map((x) => x.ints), [1n, -9223372036854775808n, 9223372036854775807n]);
  assert.equal(rows.map((x) => x.mixnum), [1, 2.5, 1e300]);
  assert.equal(rows.map((x) => x.wide), ['9007199254740993', '0.5', '3']); // a double cannot hold ...993: text
  assert.equal(rows.map((x) => x.nested), ['"a"', '{"k":[1,"x"]}', '12']);
  assert.equal(rows.map((x) => x.boolint), ['true', '7', 'false']);
  assert.equal(rows.map((x) => x.ts), ['2024-01-01T10:00:00Z', 'soon', '2024-01-01T10:00:00.5+02:00']);
  assert.equal(rows.map((x) => x.naive), ['2024-01-01T10:00:00', '2024-01-02T10:00:00', null]);
  assert.equal(rows.map((x) => x.nulls), [null, null, null]);
  assert.match(r.stderr, /column wide: int64 \(first at -:1\), int64 a double cannot hold \(first at -:1\), double \(first at -:2\): written as STRING/);
  assert.match(r.stderr, /column nested: int64 \(first at -:3\), string \(first at -:1\), object\/array \(first at -:2\): written as JSON\n/);
  assert.not.match(r.stderr, /column (ints|mixnum|naive|nulls):/); // one kind, or ints + doubles: nothing to say
});

test('timestamps with a zone become TIMESTAMP (µs UTC); 6 fraction digits stay exact', async () => {
  const r = toParquet('', ndjson([
    { t: '2024-03-31T01:59:59.123456Z' }, { t: '2024-03-31T03:00:00+02:00' }, { t: '1969-12-31T23:59:59.999999Z' }, { t: null },
  ]));
  assert.is(r.status, 0, r.stderr);
  const { columns, rows } = await readParquet(r.file);
  assert.equal(columns, ['t TIMESTAMP']);
  assert.equal(rows.map((x) => x.t), [BigInt(Date.UTC(2024, 2, 31, 1, 59, 59)) * 1000n + 123456n, BigInt(Date.UTC(2024, 2, 31, 1)) * 1000n, -1n, null]);
});

test('9007199254740993 stays exact in an INT64 column and in JSON text, also past the first row group', async () => {
  const lines = [];
  for (let i = 0; i < 12; i++) lines.push(`{"id":${9007199254740993n + BigInt(i)},"doc":{"id":9007199254740993,"big":123456789012345678901234567890,"f":0.1,"list":[-9223372036854775809]}}`);
  const r = toParquet('--row-group-size 5', lines.join('\n') + '\n');
  assert.is(r.status, 0, r.stderr);
  const { columns, rows } = await readParquet(r.file);
  assert.equal(columns, ['id INT64', 'doc JSON']);
  assert.equal(rows.map((x) => x.id), Array.from({ length: 12 }, (_, i) => 9007199254740993n + BigInt(i)));
  for (const x of rows) assert.is(x.doc, '{"id":9007199254740993,"big":123456789012345678901234567890,"f":0.1,"list":[-9223372036854775809]}');
});

test('an integer beyond int64 makes its column STRING (exact digits), the rest of the file is written', async () => {
  const r = toParquet('', '{"id":1,"v":"a"}\n{"id":18446744073709551615,"v":"b"}\n{"id":-3,"v":"c"}\n');
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /column id: int64 \(first at -:1\), number neither int64 nor a double holds \(first at -:2\): written as STRING \(exact text\)/);
  const { columns, rows } = await readParquet(r.file);
  assert.equal(columns, ['id STRING', 'v STRING']);
  assert.equal(rows, [{ id: '1', v: 'a' }, { id: '18446744073709551615', v: 'b' }, { id: '-3', v: 'c' }]);
});

test('a value that does not fit a --types column is one rejected record: reported with its line, counted, kept in --rejects', async () => {
  const d = tmpdir('ep-pq-');
  const input = ndjson([
    { n: 1, r: 0.5, t: '2024-01-01T00:00:00Z' },
    { n: 'abc', r: 0.25, t: '2024-01-01T00:00:01Z' },
    { n: '42', r: 1, t: '2024-01-01T00:00:02.123456789Z' },
    { n: 3, r: '0.5', t: '2024-01-01T00:00:03Z' },
    '{"n":4,"r":9007199254740993,"t":null}',
    { n: 5, r: null, t: 20240101 },
    { n: 9.5, r: 2, t: null },
  ]);
  const r = toParquet(`--types n=int64,r=double,t=timestamp --rejects ${d}/rej.ndjson`, input);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /-:2: type mismatch: n is int64: "abc" does not fit/);
  assert.match(r.stderr, /-:4: type mismatch: r is double: "0.5" does not fit/);
  assert.match(r.stderr, /-:5: type mismatch: r is double: 9007199254740993 does not fit/);
  assert.match(r.stderr, /-:6: type mismatch: t is timestamp: 20240101 does not fit/);
  assert.match(r.stderr, /-:7: type mismatch: n is int64: 9.5 does not fit/);
  assert.match(r.stderr, /5 bad records skipped \(type mismatch: 5\)/);
  assert.match(r.stderr, /column t: 1 timestamp\(s\) had digits below a microsecond, cut to µs \(first at -:3\)/);
  assert.is(fs.readFileSync(`${d}/rej.ndjson`, 'utf8').split('\n').filter(Boolean).length, 5);
  const { columns, rows } = await readParquet(r.file);
  assert.equal(columns, ['n INT64', 'r DOUBLE', 't TIMESTAMP']);
  const sec = BigInt(Date.UTC(2024, 0, 1)) * 1000n;
  assert.equal(rows, [{ n: 1n, r: 0.5, t: sec }, { n: 42n, r: 1, t: sec + 2_123_456n }]);
});

test('a failed run leaves no output file and an existing one untouched', () => {
  const bad = '{"a":1}\n{"a":2}\n[3]\n{"a":4}\n';
  // --strict: stops at the bad record (after the spill started: --row-group-size 1)
  let r = toParquet('--strict --row-group-size 1', bad);
  assert.is(r.status, 1);
  assert.match(r.stderr, /-:3: not a JSON object/);
  assert.equal(fs.readdirSync(r.d), []);
  // an input that cannot be read
  const d = tmpdir('ep-pq-');
  fs.writeFileSync(`${d}/out.parquet`, 'previous');
  fs.writeFileSync(`${d}/in.ndjson`, '{"a":1}\n');
  r = sh(`to-parquet ${d}/out.parquet -i ${d}/in.ndjson -i ${d}/missing.ndjson`);
  assert.is(r.status, 1);
  assert.match(r.stderr, /not written/);
  assert.equal(fs.readdirSync(d).sort(), ['in.ndjson', 'out.parquet']);
  assert.is(fs.readFileSync(`${d}/out.parquet`, 'utf8'), 'previous');
  // every record rejected
  r = sh(`to-parquet --types a=boolean ${d}/out.parquet`, { input: '{"a":1}\n{"a":"x"}\n' });
  assert.is(r.status, 1);
  assert.match(r.stderr, /not written: every record was rejected/);
  assert.is(fs.readFileSync(`${d}/out.parquet`, 'utf8'), 'previous');
  // a folder that does not exist: a usage error, before reading (as save's)
  r = sh(`to-parquet ${d}/nope/out.parquet`, { input: '{"a":1}\n' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /no such folder: .*nope/);
});

test('no NaN, Infinity or broken string is written: numbers beyond a double keep their exact text, a lone surrogate is rejected', async () => {
  const r = toParquet('', '{"x":1.5,"s":"ok"}\n{"x":1E400,"s":"big"}\n{"x":2,"s":"\\ud800"}\n{"x":-1e-400,"s":"tiny"}\n');
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /column x: double \(first at -:1\), number neither int64 nor a double holds \(first at -:2\): written as STRING/);
  assert.match(r.stderr, /-:3: bad string: field s: not valid Unicode/);
  const { columns, rows } = await readParquet(r.file);
  assert.equal(columns, ['x STRING', 's STRING']);
  assert.equal(rows, [{ x: '1.5', s: 'ok' }, { x: '1E400', s: 'big' }, { x: '-1e-400', s: 'tiny' }]);
});

test('a lone surrogate inside an object or array (a string or a name) rejects its record: a JSON column never holds "\\ud800", which DuckDB refuses to read', async () => {
  const r = toParquet('', '{"o":{"k":"ok"}}\n{"o":{"k":"\\ud800"}}\n{"o":["x",["\\udc00"]]}\n{"o":{"\\ud800":1}}\n{"o":{"k":"\\ud83d\\ude00"}}\n');
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /-:2: bad string: field o: /);
  assert.match(r.stderr, /-:3: bad string: field o: /);
  assert.match(r.stderr, /-:4: bad string: field o: /);
  const { columns, rows } = await readParquet(r.file);
  assert.equal(columns, ['o JSON']);
  assert.equal(rows.map((x) => JSON.parse(x.o)), [{ k: 'ok' }, { k: '😀' }]);
});

test('random records: the same file contents whatever the row group size, and each value as written', async () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const pools = {
    a: [1, 2, null, -9007199254740991], // INT64
    b: [0, -5, 2.25, 1e-7, null], // DOUBLE
    c: ['x', '', 'ü€𝄞', '2024-05-05T05:05:05Z', 'a\nb"c'], // STRING
    d: [null, 0, 2.25, 'x', true, [1, 2], { a: null }, []], // JSON
    e: [1, true, false, 'yes'], // STRING
    f: [true, false, null], // BOOLEAN
  };
  const recs = Array.from({ length: 300 }, () => {
    const rec = {};
    for (const k of Object.keys(pools)) if (rnd() < 0.7) rec[k] = pick(pools[k]);
    return rec;
  });
  const input = ndjson(recs);
  const results = [];
  for (const size of [1, 7, 100, 100000]) {
    const r = toParquet(`--row-group-size ${size}`, input);
    assert.is(r.status, 0, r.stderr);
    results.push(await readParquet(r.file));
  }
  for (const x of results.slice(1)) assert.equal(x, results[0]);
  const { columns, rows } = results[0];
  const types = Object.fromEntries(columns.map((c) => c.split(' ')));
  assert.equal(types, { a: 'INT64', b: 'DOUBLE', c: 'STRING', d: 'JSON', e: 'STRING', f: 'BOOLEAN' });
  rows.forEach((row, i) => {
    for (const [k, type] of Object.entries(types)) {
      const v = recs[i][k] ?? null;
      const want = v === null ? null : type === 'JSON' ? JSON.stringify(v) : type === 'INT64' ? BigInt(v)
        : type === 'STRING' ? (typeof v === 'string' ? v : JSON.stringify(v)) : v;
      assert.equal(row[k], want, `row ${i} column ${k} (${type})`);
    }
  });
});

test.run();
