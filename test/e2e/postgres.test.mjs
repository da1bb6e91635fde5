// load-postgres through its bin against a real PostgreSQL that this file starts itself: Debian's
// postgresql package, initdb into a temporary directory (as the postgres user when run as root),
// pg_ctl start on 127.0.0.1 and a free port with the socket in that directory, stopped and removed after
// the tests (also when one fails). Without PostgreSQL installed the file says so loudly and skips.
// Covered: tables from inferred types and from --schema, upsert counts (the same as load-sqlite's on the
// same input), --on-conflict ignore, --alter, bad records with their lines (the good rows of the batch
// loaded), 64-bit integers exact in BIGINT and JSONB, integers beyond 64 bits, --atomic, --post-sql with
// loaded_keys, failures of the run as one line (connection refused, a lock held past --busy-timeout),
// two loaders at once. The speed figure is bench/load-postgres.sh's.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import pg from 'pg';
import { lines, root, sh, tmpdir } from '../helpers/sh.mjs';
import { bindir, freePort, startServer } from '../helpers/postgres.mjs';

/** a bash script run in the background: resolves to { status, stderr } */
const shAsync = (script, input) => new Promise((resolve) => {
  const p = spawn('bash', ['-c', script], { env: { ...process.env, PATH: `${root}/bin:${process.env.PATH}` } });
  let stderr = '';
  p.stderr.on('data', (x) => { stderr += x; });
  p.on('close', (status) => resolve({ status, stderr }));
  p.stdin.end(input);
});

if (!bindir) {
  const why = 'PostgreSQL is not installed (Debian: apt-get install postgresql): the load-postgres tests did NOT run';
  console.error(`\n  SKIPPED test/e2e/postgres.test.mjs: ${why}\n`);
  test.skip(`load-postgres against a real PostgreSQL: ${why}`, () => {});
  test.run();
} else {
  let server;
  let client;
  let startError;

  test.before(async () => {
    try {
      server = await startServer();
      client = new pg.Client({ connectionString: server.url });
      await client.connect();
    } catch (err) {
      startError = err;
    }
  });
  test.after(async () => {
    try { await client?.end(); } catch { /* the server goes anyway */ }
    server?.stop();
  });
  test.before.each(() => { if (startError) throw startError; });

  const q = async (sql, values) => (await client.query(sql, values)).rows;
  const load = (args, opts = {}) => sh(`load-postgres --url ${server.url} ${args}`, opts);
  const ndjson = (records) => records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

  test('creates the table from inferred types; 64-bit integers exact in BIGINT and JSONB; upserts count inserted/updated/unchanged', async () => {
    const first = '{"date":"2020-01-01","n":1,"share":0.5,"ok":true,"id":9007199254740993,"max":9223372036854775807,"j":{"a":9223372036854775807,"b":[9007199254740993,1.5]}}\n' +
      '{"date":"2020-01-02","n":2,"share":1,"ok":false,"id":1,"max":-9223372036854775808,"j":[1]}\n';
    let r = load('-t daily -k date', { input: first });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stderr, 'load-postgres: created table daily ("date" DATE NOT NULL, "n" BIGINT, "share" DOUBLE PRECISION, "ok" BOOLEAN, "id" BIGINT, "max" BIGINT, "j" JSONB)\n' +
      'load-postgres: daily: inserted=2 updated=0 unchanged=0 rejected=0\n');
    assert.equal(await q(`SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS nn FROM pg_attribute a
      WHERE a.attrelid = 'daily'::regclass AND a.attnum > 0 ORDER BY a.attnum`), [
      { name: 'date', type: 'date', nn: true }, { name: 'n', type: 'bigint', nn: false }, { name: 'share', type: 'double precision', nn: false },
      { name: 'ok', type: 'boolean', nn: false }, { name: 'id', type: 'bigint', nn: false }, { name: 'max', type: 'bigint', nn: false }, { name: 'j', type: 'jsonb', nn: false },
    ]);
    assert.equal(await q(`SELECT conname FROM pg_constraint WHERE conrelid = 'daily'::regclass AND contype = 'p'`), [{ conname: 'daily_pkey' }]);
    r = load('-t daily -k date', { input: '{"date":"2020-01-01","n":1}\n{"date":"2020-01-02","n":5}\n{"date":"2020-01-03","n":3}\n' });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stderr, 'load-postgres: daily: inserted=1 updated=1 unchanged=1 rejected=0\n');
    // columns the record does not carry are kept; integers as their digits (pg gives int8 as text)
    assert.equal(await q(`SELECT date::text, n, share, ok, id, max, j::text FROM daily ORDER BY date`), [
      { date: '2020-01-01', n: '1', share: 0.5, ok: true, id: '9007199254740993', max: '9223372036854775807', j: '{"a": 9223372036854775807, "b": [9007199254740993, 1.5]}' },
      { date: '2020-01-02', n: '5', share: 1, ok: false, id: '1', max: '-9223372036854775808', j: '[1]' },
      { date: '2020-01-03', n: '3', share: null, ok: null, id: null, max: null, j: null },
    ]);
    r = load('-t daily -k date', { input: '{"date":"2020-01-01","n":1}\n{"date":"2020-01-02","n":5}\n{"date":"2020-01-03","n":3}\n' });
    assert.is(r.stderr, 'load-postgres: daily: inserted=0 updated=0 unchanged=3 rejected=0\n');
  });

  test('the same counts and the same table as load-sqlite on one input (keys repeated within and across batches, records with different columns)', async () => {
    const d = tmpdir();
    const input = ndjson(Array.from({ length: 25000 }, (_, i) => (i % 7 === 3 ? { k: `u${i % 20000}`, v: i, w: `w${i}` } : { k: `u${i % 20000}`, v: i })));
    for (let round = 1; round <= 2; round++) {
      const p = load('-t same -k k --batch 1000', { input });
      const s = sh(`load-sqlite --db ${d}/same.db -t same -k k --batch 1000`, { input });
      assert.is(p.status, 0, p.stderr);
      const counts = (text) => /inserted=\d+ updated=\d+ unchanged=\d+ rejected=\d+/.exec(text)?.[0];
      assert.is(counts(p.stderr), counts(s.stderr), `round ${round}: ${p.stderr} vs ${s.stderr}`);
      if (round === 2) assert.is(counts(p.stderr), 'inserted=0 updated=10000 unchanged=15000 rejected=0');
    }
    const fromSqlite = lines(sh(`query-sqlite --db ${d}/same.db "SELECT k, v, w FROM same ORDER BY k"`).stdout);
    const fromPg = (await q('SELECT k, v::int AS v, w FROM same ORDER BY k COLLATE "C"')).map((r) => ({ k: r.k, v: r.v, w: r.w }));
    assert.is(fromPg.length, 20000);
    assert.equal(fromPg, fromSqlite);
  });

  test('--schema, --on-conflict ignore, and --post-sql seeing the loaded keys (the same SQL text works in load-sqlite)', async () => {
    const d = tmpdir();
    fs.writeFileSync(`${d}/s.sql`, 'CREATE TABLE IF NOT EXISTS p (d TEXT, u TEXT, PRIMARY KEY (d, u));\nCREATE TABLE IF NOT EXISTS c (d TEXT PRIMARY KEY, n INTEGER);\n');
    const post = 'INSERT INTO c SELECT d, count(*) FROM p WHERE d IN (SELECT d FROM loaded_keys) GROUP BY d ON CONFLICT (d) DO UPDATE SET n = excluded.n';
    const inputs = ['{"d":"x","u":"1"}\n{"d":"x","u":"2"}\n{"d":"y","u":"1"}\n', '{"d":"x","u":"2"}\n{"d":"x","u":"3"}\n'];
    const r1 = load(`-t p -k d,u --schema ${d}/s.sql --on-conflict ignore --atomic --post-sql "${post}"`, { input: inputs[0] });
    assert.is(r1.stderr, 'load-postgres: p: inserted=3 updated=0 unchanged=0 rejected=0\n');
    const r2 = load(`-t p -k d,u --schema ${d}/s.sql --on-conflict ignore --atomic --post-sql "${post}"`, { input: inputs[1] });
    assert.is(r2.stderr, 'load-postgres: p: inserted=1 updated=0 unchanged=1 rejected=0\n');
    assert.equal(await q('SELECT d, n FROM c ORDER BY d'), [{ d: 'x', n: 3 }, { d: 'y', n: 1 }]);
    for (const input of inputs) sh(`load-sqlite --db ${d}/a.db -t p -k d,u --schema ${d}/s.sql --on-conflict ignore --atomic --post-sql "${post}"`, { input });
    assert.equal(lines(sh(`query-sqlite --db ${d}/a.db "SELECT d, n FROM c ORDER BY d"`).stdout), [{ d: 'x', n: 3 }, { d: 'y', n: 1 }]);
    // --on-conflict ignore keeps the existing row's values
    load('-t p -k d,u --on-conflict ignore', { input: '{"d":"y","u":"1"}\n' });
    assert.equal(await q(`SELECT count(*)::int AS n FROM p`), [{ n: 4 }]);
  });

  test('a key spelled two ways in a batch (a uuid in upper and lower case, "01" and "1" in a BIGINT key, a timestamptz with two offsets) applies in input order: the last record wins, the first with --on-conflict ignore, as with --batch 1', async () => {
    await q('CREATE TABLE uu (u uuid PRIMARY KEY, v int)');
    await q('CREATE TABLE ig (id bigint PRIMARY KEY, v int)');
    await q('CREATE TABLE ts (t timestamptz PRIMARY KEY, v int)');
    await q('CREATE TABLE nb (id numeric PRIMARY KEY, v int)');
    const uu = ['{"u":"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11","v":1}', '{"u":"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11","v":2}', '{"u":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","v":3}'].join('\n') + '\n';
    assert.is(load('-t uu -k u', { input: uu }).status, 0);
    assert.equal(await q('SELECT v FROM uu'), [{ v: 3 }]);
    const ig = ['{"id":"2","v":0}', '{"id":"1","v":1}', '{"id":"02","v":2}', '{"id":"01","v":3}', '{"id":"002","v":4}', '{"id":"001","v":5}'].join('\n') + '\n';
    assert.is(load('-t ig -k id --on-conflict ignore', { input: ig }).status, 0);
    assert.equal(await q('SELECT id::text, v FROM ig ORDER BY id'), [{ id: '1', v: 1 }, { id: '2', v: 0 }]);
    const ts = ['{"t":"2024-01-01 10:00:00+00","v":1}', '{"t":"2024-01-01 12:00:00+02","v":2}', '{"t":"2024-01-01T10:00:00Z","v":3}', '{"t":"2024-01-01 11:00:00+01:00","v":4}', '{"t":"2024-01-02 00:00:00+00","v":5}'].join('\n') + '\n';
    assert.is(load('-t ts -k t', { input: ts }).status, 0);
    assert.equal(await q('SELECT v FROM ts ORDER BY t'), [{ v: 4 }, { v: 5 }]);
    const nb = ['{"id":1.50,"v":1}', '{"id":"1.5","v":2}', '{"id":15e-1,"v":3}', '{"id":2,"v":4}', '{"id":"+1.500","v":5}'].join('\n') + '\n';
    assert.is(load('-t nb -k id', { input: nb }).status, 0);
    assert.equal(await q('SELECT id::text, v FROM nb ORDER BY id'), [{ id: '1.5', v: 5 }, { id: '2', v: 4 }]);
  });

  test('1.0000000000000001 into BIGINT and BOOLEAN loads as 1 and true whatever else the record holds (a JSON field or a number for a text column made it "wrong type")', async () => {
    await q('CREATE TABLE p1 (id bigint PRIMARY KEY, n bigint, b boolean, t text, j jsonb)');
    const input = ['{"id":1,"n":1.0000000000000001}', '{"id":2,"n":1.0000000000000001,"t":"x"}', '{"id":3,"n":1.0000000000000001,"j":[1]}',
      '{"id":4,"n":1.0000000000000001,"t":5}', '{"id":5,"b":1.0000000000000001}', '{"id":6,"b":1.0000000000000001,"j":{}}', '{"id":7,"b":0.5,"j":{}}'].join('\n') + '\n';
    const r = load('-t p1 -k id', { input });
    assert.is(r.stderr, 'load-postgres: -:7: wrong type: b: number for column type boolean\nload-postgres: p1: inserted=6 updated=0 unchanged=0 rejected=1\nload-postgres: 1 bad record skipped (wrong type: 1)\n');
    assert.equal(await q('SELECT id::int, n::int, b FROM p1 ORDER BY id'), [1, 2, 3, 4].map((id) => ({ id, n: 1, b: null })).concat([5, 6].map((id) => ({ id, n: null, b: true }))));
  });

  test('unknown columns are rejected unless --alter adds them (typed from the batch); names are case-sensitive', async () => {
    load('-t alt -k id', { input: '{"id":1,"a":"x"}\n' });
    let r = load('-t alt -k id', { input: '{"id":2,"a":"y","b":3}\n{"id":3,"a":"z"}\n' });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /^load-postgres: -:1: unknown column \(use --alter to add it\): b\n/);
    assert.match(r.stderr, /alt: inserted=1 updated=0 unchanged=0 rejected=1\n/);
    r = load('-t alt -k id --alter', { input: '{"id":2,"a":"y","b":3,"c":{"x":1}}\n{"id":4,"A":"upper"}\n' });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /added column\(s\) b, c, A to alt/);
    assert.equal(await q(`SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = 'alt'::regclass AND attname IN ('b', 'c', 'A') ORDER BY attnum`),
      [{ t: 'bigint' }, { t: 'jsonb' }, { t: 'text' }]);
    assert.equal(await q('SELECT id::int, a, b::int, c::text, "A" FROM alt ORDER BY id'), [
      { id: 1, a: 'x', b: null, c: null, A: null }, { id: 2, a: 'y', b: 3, c: '{"x": 1}', A: null },
      { id: 3, a: 'z', b: null, c: null, A: null }, { id: 4, a: null, b: null, c: null, A: 'upper' },
    ]);
  });

  test('bad records: one rejected record each, with its line, and every good row of the batch loaded', async () => {
    const d = tmpdir();
    fs.writeFileSync(`${d}/s.sql`, 'CREATE TABLE IF NOT EXISTS bad (id BIGINT PRIMARY KEY, v TEXT NOT NULL, u INTEGER UNIQUE, day DATE, n BIGINT);\n');
    const records = Array.from({ length: 40 }, (_, i) => ({ id: i, v: `v${i}`, u: 1000 + i }));
    records[3] = { v: 'no key' }; // line 4
    records[9] = { id: 9, v: 'x', extra: 1 }; // line 10
    records[14] = { id: 14, u: 2014 }; // line 15: NOT NULL
    records[20] = { id: 20, v: 'dup', u: 1005 }; // line 21: UNIQUE (u of line 6)
    records[25] = { id: 25, v: 'date', day: '2020-02-30' }; // line 26: not a date
    records[31] = { id: 31, v: 'text', n: 'abc' }; // line 32: not an integer
    records[36] = { id: 36, v: 'big', n: 9223372036854775808n }; // line 37: beyond BIGINT
    const input = ndjson(records.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `@${v}@` : v)).replace(/"@(\d+)@"/, '$1')));
    const r = load(`-t bad -k id --schema ${d}/s.sql --batch 20`, { input });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stderr, [
      'load-postgres: -:4: missing key: id',
      'load-postgres: -:10: unknown column (use --alter to add it): extra',
      'load-postgres: -:15: database: null value in column "v" of relation "bad" violates not-null constraint',
      'load-postgres: -:21: database: duplicate key value violates unique constraint "bad_u_key" (Key (u)=(1005) already exists)',
      'load-postgres: -:26: wrong type: day: "2020-02-30" is no date YYYY-MM-DD (column type date)',
      'load-postgres: -:32: database: invalid input syntax for type bigint: "abc"',
      'load-postgres: -:37: out of range: n: 9223372036854775808 does not fit column type bigint',
      'load-postgres: bad: inserted=33 updated=0 unchanged=0 rejected=7',
      'load-postgres: 7 bad records skipped (database: 3, missing key: 1, unknown column (use --alter to add it): 1, wrong type: 1, out of range: 1)',
    ].join('\n') + '\n');
    assert.equal(await q('SELECT count(*)::int AS n, sum(id)::int AS s FROM bad'), [{ n: 33, s: 780 - (3 + 9 + 14 + 20 + 25 + 31 + 36) }]);
  });

  test('a DATE column takes YYYY-MM-DD alone (a time and its offset were dropped, "today" read as the load\'s day); a timestamp refuses now, today, tomorrow, yesterday: a load run twice gives one table (found by a review)', async () => {
    const d = tmpdir();
    fs.writeFileSync(`${d}/s.sql`, 'CREATE TABLE IF NOT EXISTS ts_words (id BIGINT PRIMARY KEY, t TIMESTAMPTZ, u TIMESTAMP);\n');
    let r = load('-t date_only -k id', { input: '{"id":1,"d":"2024-01-01"}\n' });
    assert.match(r.stderr, /created table date_only \("id" BIGINT NOT NULL, "d" DATE\)/);
    r = load('-t date_only -k id', { input: ndjson(['{"id":2,"d":"2024-01-01T23:59:59-05:00"}', '{"id":3,"d":"Jan 7 2024"}', '{"id":4,"d":"today"}', '{"id":5,"d":20240108}', '{"id":6,"d":"infinity"}', '{"id":7,"d":"2024-02-29"}', '{"id":8,"d":"2024-01-01 BC"}', '{"id":9,"d":"10000-01-01"}', '{"id":10,"d":"-Infinity"}', '{"id":11,"d":"2023-02-29"}', '{"id":12,"d":"4714-01-01 BC"}']) });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stderr, [
      'load-postgres: -:1: wrong type: d: "2024-01-01T23:59:59-05:00" is no date YYYY-MM-DD (column type date)',
      'load-postgres: -:2: wrong type: d: "Jan 7 2024" is no date YYYY-MM-DD (column type date)',
      'load-postgres: -:3: wrong type: d: "today" is no date YYYY-MM-DD (column type date)',
      'load-postgres: -:4: wrong type: d: number for column type date',
      'load-postgres: -:10: wrong type: d: "2023-02-29" is no date YYYY-MM-DD (column type date)',
      'load-postgres: -:11: wrong type: d: "4714-01-01 BC" is no date YYYY-MM-DD (column type date)',
      'load-postgres: date_only: inserted=5 updated=0 unchanged=0 rejected=6',
      'load-postgres: 6 bad records skipped (wrong type: 6)',
    ].join('\n') + '\n');
    assert.equal(await q("SELECT id::int, d::text FROM date_only ORDER BY id"), [{ id: 1, d: '2024-01-01' }, { id: 6, d: 'infinity' }, { id: 7, d: '2024-02-29' }, { id: 8, d: '2024-01-01 BC' }, { id: 9, d: '10000-01-01' }, { id: 10, d: '-infinity' }]);
    r = load(`-t ts_words -k id --schema ${d}/s.sql`, { input: ndjson(['{"id":1,"t":"now"}', '{"id":2,"u":" Yesterday "}', '{"id":3,"t":"2024-01-01T00:00:00Z","u":"epoch"}', '{"id":4,"t":"today 12:00"}', '{"id":5,"t":"now()"}']) });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /-:1: wrong type: t: "now" is read at the time of the load \(column type timestamp with time zone\)/);
    assert.match(r.stderr, /-:2: wrong type: u: " Yesterday " is read at the time of the load/);
    assert.match(r.stderr, /-:4: wrong type: t: "today 12:00" is read at the time of the load/);
    assert.match(r.stderr, /-:5: wrong type: t: "now\(\)" is read at the time of the load/);
    assert.equal(await q("SELECT id::int, u::text FROM ts_words ORDER BY id"), [{ id: 3, u: '1970-01-01 00:00:00' }]);
  });

  test('a created column of numbers a double cannot all hold is NUMERIC: an id past 2^53 beside a fraction, a decimal of 20 digits (DOUBLE PRECISION rounded them in silence; found by a review); a double\'s own digits stay DOUBLE PRECISION', async () => {
    let r = load('-t mixw -k k', { input: '{"k":1,"v":9007199254740993,"w":1.5,"r":0.14285714285714285}\n{"k":2,"v":1.5,"w":9007199254740992,"d":12345678901234567890.123456789}\n' });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /created table mixw \("k" BIGINT NOT NULL, "v" NUMERIC, "w" DOUBLE PRECISION, "r" DOUBLE PRECISION, "d" NUMERIC\)/);
    r = load('-t mixw -k k --alter', { input: '{"k":3,"e":0.10000000000000001,"f":2.5}\n' });
    assert.match(r.stderr, /added column\(s\) e, f to mixw/);
    assert.equal(await q("SELECT k::int, v::text, d::text, e::text, format_type(a.atttypid, a.atttypmod) AS ft FROM mixw, pg_attribute a WHERE a.attrelid = 'mixw'::regclass AND a.attname = 'f' ORDER BY k"), [
      { k: 1, v: '9007199254740993', d: null, e: null, ft: 'double precision' },
      { k: 2, v: '1.5', d: '12345678901234567890.123456789', e: null, ft: 'double precision' },
      { k: 3, v: null, d: null, e: '0.10000000000000001', ft: 'double precision' },
    ]);
  });

  test('integers beyond 64 bits: a NUMERIC column of their exact digits (inferred), rejected by a BIGINT column', async () => {
    const big = '123456789012345678901234567890';
    let r = load('-t wide -k id', { input: `{"id":1,"x":${big},"y":1E400}\n{"id":2,"x":-${big},"y":0.5}\n` });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /created table wide \("id" BIGINT NOT NULL, "x" NUMERIC, "y" NUMERIC\)/);
    const rows = await q('SELECT x::text, (y = 1e400) AS huge FROM wide ORDER BY id');
    assert.equal(rows, [{ x: big, huge: true }, { x: `-${big}`, huge: false }]);
    r = load('-t wide -k id', { input: `{"id":${big}}\n` });
    assert.is(r.status, 1);
    assert.match(r.stderr, new RegExp(`-:1: out of range: id: ${big} does not fit column type bigint`));
  });

  test('decimals past a double exact: NUMERIC, TEXT and inside JSONB get the number as written (never through a double); DOUBLE PRECISION rounded once, by the server; BIGINT takes a whole decimal, refuses a fraction', async () => {
    const d = tmpdir();
    fs.writeFileSync(`${d}/s.sql`, 'CREATE TABLE dn (k BIGINT PRIMARY KEY, amt NUMERIC, t TEXT, j JSONB, f DOUBLE PRECISION, i BIGINT);\n');
    const input = '{"k":1,"amt":12345678901234567890.123456789,"t":12345678901234567890.123456789,"j":{"x":12345678901234567890.123456789,"y":[0.10000000000000001]}}\n' +
      '{"k":4,"amt":99999999999999999999999999999999999999.99,"t":-0.10000000000000001,"f":0.10000000000000001,"i":12345678901234567.0}\n' +
      '{"k":5,"amt":2.50,"t":0.14285714285714285,"j":[1.5,1E2],"f":0.5}\n{"k":6,"i":12345678901234567.5}\n';
    const r = load(`-t dn -k k --schema ${d}/s.sql`, { input });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /-:4: wrong type: i: 12345678901234567\.5 is not an integer \(column type bigint\)\n/);
    assert.match(r.stderr, /dn: inserted=3 updated=0 unchanged=0 rejected=1\n/);
    assert.equal(await q('SELECT k::int, amt::text, t, j::text, f, i::text FROM dn ORDER BY k'), [
      { k: 1, amt: '12345678901234567890.123456789', t: '12345678901234567890.123456789', j: '{"x": 12345678901234567890.123456789, "y": [0.10000000000000001]}', f: null, i: null },
      { k: 4, amt: '99999999999999999999999999999999999999.99', t: '-0.10000000000000001', j: null, f: 0.1, i: '12345678901234567' },
      { k: 5, amt: '2.5', t: '0.14285714285714285', j: '[1.5, 100]', f: 0.5, i: null },
    ]);
    // the same values again: unchanged (no update for a number the column already holds)
    assert.match(load(`-t dn -k k`, { input }).stderr, /dn: inserted=0 updated=0 unchanged=3 rejected=1\n/);
  });

  test('--atomic: an input that cannot be read loads nothing (exit 1); a failing --post-sql leaves the table as it was', async () => {
    const d = tmpdir();
    fs.writeFileSync(`${d}/good.ndjson`, ndjson(Array.from({ length: 50 }, (_, i) => ({ id: i, v: 1 }))));
    let r = load(`-t atom -k id --atomic --batch 10 ${d}/good.ndjson ${d}/missing.ndjson`);
    assert.is(r.status, 1);
    assert.match(r.stderr, /missing\.ndjson: no such file/);
    assert.match(r.stderr, /error: load failed, nothing written: an input could not be read \(--atomic\)/);
    assert.equal(await q(`SELECT to_regclass('atom') IS NULL AS gone`), [{ gone: true }]);
    load('-t atom -k id', { input: '{"id":1,"v":1}\n' });
    r = load(`-t atom -k id --atomic --post-sql 'INSERT INTO nowhere VALUES (1)'`, { input: '{"id":1,"v":9}\n{"id":2,"v":2}\n' });
    assert.is(r.status, 1);
    assert.is(r.stderr, 'load-postgres: error: load failed, nothing written: --post-sql: relation "nowhere" does not exist\n');
    assert.equal(await q('SELECT id::int, v::int FROM atom'), [{ id: 1, v: 1 }]);
  });

  test('connection refused: one line, exit 1, the password in the URL never printed', async () => {
    const port = await freePort();
    const r = sh(`load-postgres --url postgres://etl:s3cret-pw@127.0.0.1:${port}/x -t t -k id`, { input: '{"id":1}\n' });
    assert.is(r.status, 1);
    assert.is(r.stderr, `load-postgres: error: connect ECONNREFUSED 127.0.0.1:${port}\n`);
    const bad = sh(`load-postgres --url 'postgres://etl:s3cret-pw@[nonsense/x' -t t`, { input: '' });
    assert.is(bad.status, 2);
    assert.not.match(bad.stderr, /s3cret/);
    // the PG* variables, as libpq reads them
    const env = sh(`PGHOST=127.0.0.1 PGPORT=${server.port} PGUSER=postgres PGDATABASE=postgres load-postgres -t envt -k id`, { input: '{"id":1}\n' });
    assert.is(env.status, 0, env.stderr);
    assert.equal(await q('SELECT id::int FROM envt'), [{ id: 1 }]);
  });

  test('a row lock held past --busy-timeout: one line, exit 1, the table unchanged; held briefly: the loader waits', async () => {
    load('-t locked -k id', { input: '{"id":1,"v":1}\n{"id":2,"v":1}\n' });
    const holder = new pg.Client({ connectionString: server.url });
    await holder.connect();
    try {
      await holder.query('BEGIN; UPDATE locked SET v = 5 WHERE id = 1');
      const r = load('-t locked -k id --busy-timeout 300', { input: '{"id":2,"v":2}\n{"id":1,"v":2}\n' });
      assert.is(r.status, 1);
      assert.is(r.stderr, 'load-postgres: error: database is locked: another transaction held a lock longer than --busy-timeout (300 ms); nothing written\n');
      const waiting = shAsync(`load-postgres --url ${server.url} -t locked -k id --busy-timeout 10000`, '{"id":1,"v":3}\n');
      await new Promise((resolve) => setTimeout(resolve, 800));
      await holder.query('COMMIT');
      const w = await waiting;
      assert.is(w.status, 0, w.stderr);
      assert.match(w.stderr, /locked: inserted=0 updated=1 unchanged=0/);
      assert.equal(await q('SELECT id::int, v::int FROM locked ORDER BY id'), [{ id: 1, v: 3 }, { id: 2, v: 1 }]);
    } finally {
      await holder.end();
    }
  });

  test('a database that does not answer (a table lock held) holds the reader: the input is not read ahead into memory, and everything loads once the lock goes', async () => {
    load('-t stall -k id', { input: '{"id":-1,"v":"x"}\n' });
    const holder = new pg.Client({ connectionString: server.url });
    await holder.connect();
    const d = tmpdir(), progress = `${d}/progress`;
    try {
      await holder.query('BEGIN; LOCK TABLE stall IN EXCLUSIVE MODE');
      // a producer of 200,000 records (11 MB) into a pipe, noting how many the pipe has taken
      const producer = `node -e 'const fs=require("fs");let i=0;const next=()=>{while(i<200000){let b="";for(let k=0;k<1000;k++,i++)b+=JSON.stringify({id:i,v:"abcdefghijklmnopqrstuvwxyz"})+"\\n";fs.writeFileSync(process.argv[1],String(i));if(!process.stdout.write(b)){process.stdout.once("drain",next);return;}}};next();' ${progress}`;
      const running = shAsync(`${producer} | load-postgres --url ${server.url} -t stall -k id --batch 1000 --busy-timeout 60000`, '');
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const taken = Number(fs.readFileSync(progress, 'utf8'));
      assert.ok(taken < 50000, `records taken from the producer while the database does not answer: ${taken} of 200000 (a few batches and a read are held)`);
      await holder.query('COMMIT');
      const r = await running;
      assert.is(r.status, 0, r.stderr);
      assert.match(r.stderr, /stall: inserted=200000 updated=0 unchanged=0 rejected=0/);
      assert.equal(await q('SELECT count(*)::int AS n FROM stall'), [{ n: 200001 }]);
    } finally {
      await holder.end();
    }
  });

  test('two loaders at once on a table neither has created: keys overlapping and not, in opposite orders; both load everything', async () => {
    const d = tmpdir();
    const a = Array.from({ length: 30000 }, (_, i) => ({ id: i, src: 'a', v: i }));
    const b = Array.from({ length: 30000 }, (_, i) => ({ id: 45000 - i, src: 'b', v: 45000 - i })); // 15001..45000, descending
    fs.writeFileSync(`${d}/a.ndjson`, ndjson(a));
    fs.writeFileSync(`${d}/b.ndjson`, ndjson(b));
    const r = sh(`load-postgres --url ${server.url} -t two -k id --batch 2000 < ${d}/a.ndjson 2> ${d}/a.err & a=$!; ` +
      `load-postgres --url ${server.url} -t two -k id --batch 2000 < ${d}/b.ndjson 2> ${d}/b.err & b=$!; wait $a; sa=$?; wait $b; sb=$?; echo "$sa $sb"`);
    const errs = ['a', 'b'].map((w) => fs.readFileSync(`${d}/${w}.err`, 'utf8'));
    assert.is(r.stdout.trim(), '0 0', errs.join(''));
    const counts = errs.map((e) => /two: inserted=(\d+) updated=(\d+) unchanged=(\d+) rejected=0\n$/.exec(e)?.slice(1).map(Number));
    for (const c of counts) assert.is(c && c[0] + c[1] + c[2], 30000, errs.join(''));
    assert.is(counts[0][0] + counts[1][0], 45001, errs.join('')); // every key inserted once, by one of them
    assert.is(errs.filter((e) => e.includes('created table two')).length, 1, errs.join(''));
    assert.equal(await q(`SELECT count(*)::int AS n, count(*) FILTER (WHERE id < 15001 AND src = 'a')::int AS only_a,
      count(*) FILTER (WHERE id > 29999 AND src = 'b')::int AS only_b, count(*) FILTER (WHERE v <> id)::int AS wrong FROM two`),
    [{ n: 45001, only_a: 15001, only_b: 15001, wrong: 0 }]);
  });

  test('two load streams of one process (the library API) on a table neither has created, written at once: both finish, everything loaded', async () => {
    const { createStream } = await import(`${root}/dist/api.js`);
    const { Readable, Writable } = await import('node:stream');
    const { pipeline } = await import('node:stream/promises');
    async function* records(from) { // a chunk at a time, a turn of the event loop between chunks
      for (let i = 0; i < 1000; i += 50) {
        yield Array.from({ length: 50 }, (_v, j) => `{"k":${from + i + j},"v":${from}}\n`).join('');
        await new Promise((r) => setImmediate(r));
      }
    }
    const load = (from) => {
      const s = createStream('load-postgres', ['--url', server.url, '--table', 'lib2', '--key', 'k', '--batch', '100', '--busy-timeout', '3000']);
      const warnings = [];
      s.on('warning', (w) => warnings.push(w));
      return pipeline(Readable.from(records(from)), s, new Writable({ write(_c, _e, cb) { cb(); } })).then(() => warnings.at(-1), (err) => `error: ${err.message}`);
    };
    const t0 = Date.now();
    const got = await Promise.all([load(0), load(1000)]);
    assert.equal(got, ['lib2: inserted=1000 updated=0 unchanged=0 rejected=0', 'lib2: inserted=1000 updated=0 unchanged=0 rejected=0'].map((t) => `load-postgres: ${t}`));
    assert.ok(Date.now() - t0 < 2500, `took ${Date.now() - t0} ms (waited for --busy-timeout)`);
    assert.equal(await q('SELECT count(*)::int AS n, count(*) FILTER (WHERE v = 1000)::int AS b FROM lib2'), [{ n: 2000, b: 1000 }]);
  });

  test('--strict stops at the first bad record (exit 1): its batch rolled back, the batches before it kept', async () => {
    const input = ndjson(Array.from({ length: 25 }, (_, i) => (i === 13 ? { v: i } : { id: i, v: i })));
    const r = load('-t strict -k id --batch 10 --strict', { input });
    assert.is(r.status, 1);
    assert.match(r.stderr, /-:14: missing key: id\n.*stopped at the first bad record/s);
    assert.equal(await q('SELECT count(*)::int AS n, max(id)::int AS m FROM strict'), [{ n: 10, m: 9 }]);
  });

  test('strings as PostgreSQL text: escapes kept byte for byte; U+0000 rejected; values into TEXT as their JSON text', async () => {
    const weird = 'tab\there\nnew\\line\r"q" é \u2028 \ud83d\ude00';
    const r = load('-t str -k id', { input: ndjson([{ id: 1, s: weird, t: 'x' }, { id: 2, s: 'nul\u0000', t: 'x' }, { id: 3, s: 'ok', t: 7 }, { id: 4, s: 'ok', t: true },
      '{"id":5,"s":"ok","t":[1,{"a":9007199254740993}]}']) });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /-:2: bad string: s: holds U\+0000, which PostgreSQL text cannot hold/);
    assert.equal(await q('SELECT id::int, s, t FROM str ORDER BY id'), [
      { id: 1, s: weird, t: 'x' }, { id: 3, s: 'ok', t: '7' }, { id: 4, s: 'ok', t: 'true' }, { id: 5, s: 'ok', t: '[1,{"a":9007199254740993}]' },
    ]);
  });

  test('over a pipe fed now and then, a full batch is committed at once, not when the next data or the end comes (--atomic: at the end; --flush-after: a batch not full once its first record waited that long)', async () => {
    for (const [batch, extra, want] of [[1, [], [1, 2, 3]], [2, [], [0, 2, 2]], [1, ['--atomic'], [0, 0, 0]], [1000, ['--flush-after', '0.3'], [1, 2, 3]]]) {
      const table = `live_${batch}_${extra.length}`;
      const child = spawn(`${root}/bin/load-postgres`, ['--url', server.url, '-t', table, '-k', 'k', '--batch', String(batch), ...extra]);
      let err = '';
      child.stderr.on('data', (x) => { err += x; });
      const done = new Promise((resolve) => child.on('close', resolve));
      const seen = [];
      try {
        for (let i = 1; i <= 3; i++) {
          child.stdin.write(`{"k":${i}}\n`); // and nothing more until the rows expected are there (or 10 s)
          let n = -1;
          for (let t = 0; t < 200 && n !== want[i - 1]; t++) {
            await new Promise((r) => setTimeout(r, 50));
            try { n = (await q(`SELECT count(*)::int AS n FROM ${table}`))[0].n; } catch { n = 0; }
          }
          seen.push(n);
        }
      } finally { child.stdin.end(); }
      assert.is(await done, 0, err);
      assert.equal(seen, want, `--batch ${batch} ${extra.join(' ')}`);
      assert.equal(await q(`SELECT count(*)::int AS n FROM ${table}`), [{ n: 3 }]);
    }
  });

  test('a record past 1600 columns or with a system column\'s name is rejected alone; 900 columns upsert (a row past 8 kB is the database\'s own rejection)', async () => {
    const wide = (id, n, v, prefix = 'c') => { const o = { id }; for (let i = 0; i < n; i++) o[`${prefix}${i}`] = v + i; return o; };
    // one record of 1,600 fields (the table would have 1,601), one of a system column's name: the others kept
    let r = load('-t wide_a -k id', { input: ndjson([{ id: 'a', x: 1 }, wide('w', 1600, 0), { id: 'b', xmin: 2 }, { id: 'c', XMIN: 3 }]) });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /:2: too many columns: the table would have 1601 columns; a PostgreSQL table has at most 1600\n/);
    assert.match(r.stderr, /:3: bad column name: "xmin": the name of a PostgreSQL system column\n/);
    assert.match(r.stderr, /wide_a: inserted=2 updated=0 unchanged=0 rejected=2\n/);
    assert.equal(await q('SELECT id, x, "XMIN" AS y FROM wide_a ORDER BY id'), [{ id: 'a', x: '1', y: null }, { id: 'c', x: null, y: '3' }]);
    // two records that together would pass the bound: the second is rejected, the first kept
    r = load('-t wide_b -k id', { input: ndjson([wide('p', 1000, 0, 'p'), wide('q', 1000, 0, 'q'), { id: 'r', p1: 7 }]) });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /:2: too many columns: the table would have 2001 columns/);
    assert.equal(await q('SELECT id, p1 FROM wide_b ORDER BY id'), [{ id: 'p', p1: '1' }, { id: 'r', p1: '7' }]);
    // the same with --alter, a batch a record
    r = load('-t wide_c -k id --alter --batch 1', { input: ndjson([wide('p', 1000, 0, 'p'), wide('q', 1000, 0, 'q'), { id: 'r', p1: 7 }]) });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /:2: too many columns: the table would have 2001 columns/);
    assert.equal(await q('SELECT id, p1 FROM wide_c ORDER BY id'), [{ id: 'p', p1: '1' }, { id: 'r', p1: '7' }]);
    // 900 non-key BIGINT columns (7.2 kB a row: 1,000 would not fit a page): inserted, updated, unchanged
    r = load('-t wide_d -k id', { input: ndjson([wide('a', 900, 0), wide('a', 900, 1), wide('a', 900, 1)]) });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /wide_d: inserted=1 updated=1 unchanged=1 rejected=0\n/);
    assert.equal(await q('SELECT c0, c899 FROM wide_d'), [{ c0: '1', c899: '900' }]);
    // a key named like a system column: a usage error before anything is done
    r = load('-t wide_e -k ctid', { input: '{"ctid":1}\n' });
    assert.is(r.status, 2);
    assert.match(r.stderr, /bad name "ctid": the name of a PostgreSQL system column/);
    // a table may have such a name
    r = load('-t xmin -k id', { input: '{"id":1}\n' });
    assert.is(r.status, 0, r.stderr);
    // dropped columns count toward PostgreSQL's 1600: a record past them is rejected alone, with --alter
    await q(`CREATE TABLE wide_f (id text PRIMARY KEY, ${Array.from({ length: 1000 }, (_, i) => `d${i} int`).join(', ')})`);
    await q(`ALTER TABLE wide_f ${Array.from({ length: 1000 }, (_, i) => `DROP COLUMN d${i}`).join(', ')}`);
    r = load('-t wide_f -k id --alter', { input: ndjson([{ id: 'a', x: 1 }, wide('w', 700, 0, 'w'), { id: 'b', x: 2 }]) });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /:2: too many columns: the table would have 1702 columns; a PostgreSQL table has at most 1600\n/);
    assert.equal(await q('SELECT id, x FROM wide_f ORDER BY id'), [{ id: 'a', x: '1' }, { id: 'b', x: '2' }]);
  });

  test('the library stream loads as a producer that writes at once gives its records (Readable.from of a generator): the event loop turns while the writes wait, where the whole input was queued before the first write', async () => {
    const { createStream } = await import('../../dist/api.js');
    const { Readable } = await import('node:stream');
    const { pipeline } = await import('node:stream/promises');
    const N = 200000;
    let produced = 0;
    const seen = [];
    const timer = setInterval(() => seen.push(produced), 5);
    function* gen() { for (; produced < N; produced++) yield `{"id":${produced},"v":"${'y'.repeat(60)}"}\n`; }
    const s = createStream('load-postgres', ['--url', server.url, '-t', 'from_generator', '-k', 'id', '--batch', '1000']);
    try {
      await pipeline(Readable.from(gen()), s, async function* (src) { for await (const x of src) yield x; });
    } finally { clearInterval(timer); }
    assert.is(Number((await q('SELECT count(*) AS n FROM from_generator'))[0].n), N);
    assert.ok(seen.some((n) => n < N / 2), `the event loop turned only at: ${seen.slice(0, 5).join(', ')}`);
  });

test.run();
}
