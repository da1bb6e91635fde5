// load-sqlite through its bin: upserts, counts, idempotent re-runs, --alter, rejects, atomic failure,
// real concurrency (two loaders at once, a lock held by another process), failures of the run vs bad records.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { lines, sh, tmpdir } from '../helpers/sh.mjs';

const rows = (db, sql) => lines(sh(`query-sqlite --db ${db} "${sql}"`).stdout);

test('creates the table from inferred types, upserts by key, counts inserted/updated/unchanged', () => {
  const d = tmpdir(), db = `${d}/a.db`;
  const first = '{"date":"2020-01-01","n":1,"share":0.5,"ok":true,"id":9007199254740993}\n{"date":"2020-01-02","n":2,"share":1,"ok":false,"id":1}\n';
  let r = sh(`load-sqlite --db ${db} -t daily -k date`, { input: first });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /inserted=2 updated=0 unchanged=0/);
  const [{ sql }] = rows(db, "SELECT sql FROM sqlite_master WHERE name = 'daily'");
  assert.is(sql, 'CREATE TABLE "daily" ("date" TEXT NOT NULL, "n" INTEGER, "share" REAL, "ok" INTEGER, "id" INTEGER, PRIMARY KEY ("date"))');
  r = sh(`load-sqlite --db ${db} -t daily -k date`, { input: '{"date":"2020-01-01","n":1}\n{"date":"2020-01-02","n":5}\n{"date":"2020-01-03","n":3}\n' });
  assert.match(r.stderr, /inserted=1 updated=1 unchanged=1/);
  // columns the record does not carry are kept (never REPLACE); 64-bit ids exact
  const got = sh(`query-sqlite --db ${db} "SELECT * FROM daily ORDER BY date"`).stdout.trim().split('\n');
  assert.equal(got, [
    '{"date":"2020-01-01","n":1,"share":0.5,"ok":1,"id":9007199254740993}',
    '{"date":"2020-01-02","n":5,"share":1,"ok":0,"id":1}',
    '{"date":"2020-01-03","n":3,"share":null,"ok":null,"id":null}',
  ]);
});

test('decimals past a double\'s digits: a TEXT column keeps the number as written, a JSON (TEXT) column its exact numbers, an INTEGER column a whole one exactly; REAL and NUMERIC columns a double', () => {
  const d = tmpdir(), db = `${d}/dn.db`;
  fs.writeFileSync(`${d}/s.sql`, 'CREATE TABLE dn (k INTEGER PRIMARY KEY, t TEXT, j TEXT, r REAL, n NUMERIC, i INTEGER);');
  const input = '{"k":1,"t":12345678901234567890.123456789,"j":{"x":12345678901234567890.123456789,"y":[0.10000000000000001]},"r":0.10000000000000001,"n":99999999999999999999999999999999999999.99}\n' +
    '{"k":2,"t":-0.10000000000000001,"j":[2.50,1E2,0.14285714285714285],"r":2.50}\n{"k":3,"t":12345678901234567890.0,"j":[1.0000000000000000],"i":12345678901234567.0}\n';
  const r = sh(`load-sqlite --db ${db} -t dn -k k --schema ${d}/s.sql`, { input });
  assert.is(r.status, 0, r.stderr);
  assert.equal(sh(`query-sqlite --db ${db} "SELECT i FROM dn WHERE k = 3"`).stdout, '{"i":12345678901234567}\n'); // (not ...568)
  assert.equal(rows(db, 'SELECT k, t, j, r, typeof(n) AS n FROM dn ORDER BY k'), [
    { k: 1, t: '12345678901234567890.123456789', j: '{"x":12345678901234567890.123456789,"y":[0.10000000000000001]}', r: 0.1, n: 'real' },
    // (15 significant digits or fewer: the double's shortest text; a whole number as an integer)
    { k: 2, t: '-0.10000000000000001', j: '[2.5,100,0.14285714285714285]', r: 2.5, n: 'null' },
    { k: 3, t: '12345678901234567890', j: '[1]', r: null, n: 'null' },
  ]);
  assert.match(sh(`load-sqlite --db ${db} -t dn -k k`, { input }).stderr, /dn: inserted=0 updated=0 unchanged=3 rejected=0\n/);
});

test('running the same load twice gives the same table', () => {
  const d = tmpdir(), db = `${d}/b.db`;
  const input = Array.from({ length: 25000 }, (_, i) => JSON.stringify({ k: `u${i % 20000}`, v: i })).join('\n') + '\n';
  sh(`load-sqlite --db ${db} -t t -k k --batch 1000`, { input });
  const once = sh(`query-sqlite --db ${db} "SELECT k, v FROM t ORDER BY k"`).stdout;
  const again = sh(`load-sqlite --db ${db} -t t -k k --batch 1000`, { input });
  // 5000 keys come twice in the input: each is set to its first value, then back to its last
  assert.match(again.stderr, /inserted=0 updated=10000 unchanged=15000/);
  assert.is(sh(`query-sqlite --db ${db} "SELECT k, v FROM t ORDER BY k"`).stdout, once);
  assert.equal(rows(db, 'SELECT count(*) AS n, max(v) AS m FROM t'), [{ n: 20000, m: 24999 }]);
});

test('unknown columns are rejected unless --alter adds them; missing keys are rejected', () => {
  const d = tmpdir(), db = `${d}/c.db`;
  sh(`load-sqlite --db ${db} -t t -k id`, { input: '{"id":1,"a":"x"}\n' });
  let r = sh(`load-sqlite --db ${db} -t t -k id`, { input: '{"id":2,"a":"y","b":3}\n{"a":"no key"}\n' });
  assert.match(r.stderr, /-:1: unknown column \(use --alter to add it\): b/);
  assert.match(r.stderr, /-:2: missing key: id/);
  assert.equal(rows(db, 'SELECT count(*) AS n FROM t'), [{ n: 1 }]);
  r = sh(`load-sqlite --db ${db} -t t -k id --alter`, { input: '{"id":2,"a":"y","b":3}\n' });
  assert.is(r.status, 0, r.stderr);
  assert.equal(rows(db, 'SELECT id, a, b FROM t ORDER BY id'), [{ id: 1, a: 'x', b: null }, { id: 2, a: 'y', b: 3 }]);
});

test('--atomic: a failing --post-sql leaves the database as it was, exit 1', () => {
  const d = tmpdir(), db = `${d}/d.db`;
  sh(`load-sqlite --db ${db} -t t -k id`, { input: '{"id":1,"v":1}\n' });
  const r = sh(`load-sqlite --db ${db} -t t -k id --atomic --post-sql 'INSERT INTO nowhere VALUES (1)'`, { input: '{"id":1,"v":9}\n{"id":2,"v":2}\n' });
  assert.is(r.status, 1);
  assert.match(r.stderr, /^load-sqlite: error: load failed, nothing written: --post-sql: no such table: nowhere\n$/);
  assert.equal(rows(db, 'SELECT id, v FROM t'), [{ id: 1, v: 1 }]);
});

test('--schema, --on-conflict ignore and --post-sql see temp.loaded_keys', () => {
  const d = tmpdir(), db = `${d}/e.db`;
  sh(`printf 'CREATE TABLE IF NOT EXISTS p (d TEXT, u TEXT, PRIMARY KEY (d, u));\\nCREATE TABLE IF NOT EXISTS c (d TEXT PRIMARY KEY, n INTEGER);\\n' > ${d}/s.sql`);
  const post = `INSERT INTO c SELECT d, count(*) FROM p WHERE d IN (SELECT d FROM temp.loaded_keys) GROUP BY d ON CONFLICT (d) DO UPDATE SET n = excluded.n`;
  const load = (input) => sh(`load-sqlite --db ${db} -t p -k d,u --schema ${d}/s.sql --on-conflict ignore --atomic --post-sql "${post}"`, { input });
  load('{"d":"x","u":"1"}\n{"d":"x","u":"2"}\n{"d":"y","u":"1"}\n');
  load('{"d":"x","u":"2"}\n{"d":"x","u":"3"}\n');
  assert.equal(rows(db, 'SELECT d, n FROM c ORDER BY d'), [{ d: 'x', n: 3 }, { d: 'y', n: 1 }]);
});

test('a reader holding the database does not block the loader (WAL)', () => {
  const d = tmpdir(), db = `${d}/f.db`;
  sh(`load-sqlite --db ${db} -t t -k id`, { input: '{"id":1}\n' });
  const r = sh(`node -e "const D=require('better-sqlite3'); const db=new D('${db}'); db.exec('BEGIN'); db.prepare('SELECT * FROM t').all(); setTimeout(()=>{}, 1500)" & sleep 0.3; echo '{"id":2}' | load-sqlite --db ${db} -t t -k id; s=$?; wait; exit $s`);
  assert.is(r.status, 0, r.stderr);
  assert.equal(rows(db, 'SELECT count(*) AS n FROM t'), [{ n: 2 }]);
});

test('another writer holding the lock past --busy-timeout: one line on stderr, exit 1, table unchanged', () => {
  const d = tmpdir(), db = `${d}/g.db`;
  sh(`load-sqlite --db ${db} -t t -k id`, { input: '{"id":1,"v":1}\n' });
  const r = sh(`node -e "const D=require('better-sqlite3'); const db=new D('${db}'); db.exec('BEGIN IMMEDIATE'); setTimeout(()=>db.exec('COMMIT'), 2000)" & sleep 0.5; echo '{"id":1,"v":2}' | load-sqlite --db ${db} -t t -k id --atomic --busy-timeout 200; s=$?; wait; exit $s`);
  assert.is(r.status, 1, r.stderr);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^load-sqlite: error: database is locked/);
  assert.equal(rows(db, 'SELECT v FROM t'), [{ v: 1 }]);
});

test('two loaders starting at once on a new database, 20 times: both exit 0 every time (switching the file to WAL is retried while the other opens it)', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/one.ndjson`, '{"id":"x","v":1}\n');
  const r = sh(`for i in $(seq 20); do rm -f ${d}/r.db*; load-sqlite --db ${d}/r.db -t t -k id < ${d}/one.ndjson 2>> ${d}/err & a=$!; ` +
    `load-sqlite --db ${d}/r.db -t t -k id < ${d}/one.ndjson 2>> ${d}/err & b=$!; wait $a || echo fail; wait $b || echo fail; done`);
  assert.is(r.stdout, '', fs.readFileSync(`${d}/err`, 'utf8').split('\n').filter((l) => !/inserted=|created table/.test(l)).join('\n'));
});

test('two loaders at once into one database (not atomic, --batch 500, 40,000 records each): 80,000 rows, both exit 0', () => {
  const d = tmpdir(), db = `${d}/two.db`;
  for (const w of ['a', 'b']) fs.writeFileSync(`${d}/${w}.ndjson`, Array.from({ length: 40000 }, (_, i) => JSON.stringify({ id: `${w}${i}`, v: i })).join('\n') + '\n');
  // both start on a database that does not exist yet: each creates the table unless the other did
  const r = sh(`load-sqlite --db ${db} -t t -k id --batch 500 < ${d}/a.ndjson 2> ${d}/a.err & a=$!; ` +
    `load-sqlite --db ${db} -t t -k id --batch 500 < ${d}/b.ndjson 2> ${d}/b.err & b=$!; wait $a; sa=$?; wait $b; sb=$?; echo "$sa $sb"`);
  const errs = ['a', 'b'].map((w) => fs.readFileSync(`${d}/${w}.err`, 'utf8'));
  assert.is(r.stdout.trim(), '0 0', errs.join(''));
  for (const e of errs) assert.match(e, /t: inserted=40000 updated=0 unchanged=0 rejected=0\n$/);
  assert.equal(rows(db, "SELECT count(*) AS n, count(DISTINCT id) AS k, sum(id LIKE 'a%') AS a FROM t"), [{ n: 80000, k: 80000, a: 40000 }]);
});

test('a batch that fails while a live input is quiet: the failure is said then, not when the next line comes; over a pipe the run ends (exit 1) then too (load-sqlite, a chain; --flush-after)', async () => {
  const { spawn } = await import('node:child_process');
  const { default: Database } = await import('better-sqlite3');
  const d = tmpdir();
  const cases = [];
  for (const [name, cmd, args] of [
    ['load-sqlite', 'bin/load-sqlite', ['--batch', '1']],
    ['a chain', 'bin/event-pipes', ['where', 'id>0', 'then', 'load-sqlite', '--batch', '1']],
    ['--flush-after', 'bin/load-sqlite', ['--batch', '1000', '--flush-after', '0.2']],
  ]) {
    // over a shell pipe (as `tail -F log | load-sqlite`), and over the socket Node's spawn gives
    cases.push([`${name}, a pipe`, cmd, args, true]);
    cases.push([`${name}, a socket`, cmd, args, false]);
  }
  for (const [name, cmd, args, pipe] of cases) {
    const db = `${d}/quiet-${name.replace(/\W/g, '')}.db`, fifo = `${d}/quiet-${name.replace(/\W/g, '')}.fifo`;
    const all = [...args, '--db', db, '-t', 't', '-k', 'id', '--busy-timeout', '300'];
    if (pipe) sh(`mkfifo ${fifo}`);
    const child = pipe ? spawn('sh', ['-c', `exec "$0" "$@" < ${fifo}`, cmd, ...all]) : spawn(cmd, all);
    const input = pipe ? fs.createWriteStream(fifo) : child.stdin;
    let err = '';
    child.stderr.on('data', (x) => { err += x; });
    const done = new Promise((resolve) => child.on('close', resolve));
    let holder;
    try {
      input.write('{"id":1}\n');
      for (let i = 0; ; i++) { // the first batch committed (the table made)
        assert.ok(i < 200, `${name}: the first record committed (${err})`);
        await new Promise((r) => setTimeout(r, 50));
        const other = new Database(db, { timeout: 5000 });
        let n = 0;
        try { n = other.prepare('SELECT count(*) AS n FROM t').get().n; } catch { /* no table yet */ } finally { other.close(); }
        if (n === 1) break;
      }
      holder = new Database(db);
      holder.exec('BEGIN IMMEDIATE'); // another writer holds the lock for longer than --busy-timeout
      input.write('{"id":2}\n'); // then the input stays open and quiet
      const said = /load-sqlite: error: database is locked: another writer held .* longer than --busy-timeout \(300 ms\); batches committed before stay \(inserted=1 /;
      for (let i = 0; !said.test(err); i++) {
        assert.ok(i < 160, `${name}: the failure said while the input is quiet (${err})`);
        await new Promise((r) => setTimeout(r, 50));
      }
      if (pipe) assert.is(await Promise.race([done, new Promise((r) => setTimeout(() => r('still running after 8 s'), 8000))]), 1, `${name}: ${err}`);
      else { input.end('{"id":3}\n'); assert.is(await done, 1, `${name}: ${err}`); } // (a read of a socket cannot be given up)
      assert.is(err.match(/error:/g).length, 1, err);
    } finally {
      holder?.exec('ROLLBACK'); holder?.close();
      child.kill();
      if (pipe) input.destroy();
    }
  }
});

const holdLock = (db, ms) => `node -e "const D=require('better-sqlite3'); const db=new D('${db}'); db.exec('BEGIN IMMEDIATE'); setTimeout(()=>db.exec('COMMIT'), ${ms})" & sleep 0.5;`;

test('not atomic, a lock held past --busy-timeout: one line, exit 1, no bad records, the table unchanged', () => {
  const d = tmpdir(), db = `${d}/h.db`;
  sh(`load-sqlite --db ${db} -t t -k id`, { input: '{"id":1,"v":1}\n' });
  const input = Array.from({ length: 100 }, (_, i) => JSON.stringify({ id: i, v: 2 })).join('\n') + '\n';
  fs.writeFileSync(`${d}/in.ndjson`, input);
  const r = sh(`${holdLock(db, 2500)} load-sqlite --db ${db} -t t -k id --batch 10 --busy-timeout 300 < ${d}/in.ndjson; s=$?; wait; exit $s`);
  assert.is(r.status, 1, r.stderr);
  assert.is(r.stderr, `load-sqlite: error: database is locked: another writer held ${db} longer than --busy-timeout (300 ms); nothing written\n`);
  assert.equal(rows(db, 'SELECT id, v FROM t'), [{ id: 1, v: 1 }]);
});

test('a lock held for less than --busy-timeout: the loader waits for it and loads everything', () => {
  const d = tmpdir(), db = `${d}/w.db`;
  sh(`load-sqlite --db ${db} -t t -k id`, { input: '{"id":1,"v":1}\n' });
  const r = sh(`${holdLock(db, 1500)} printf '{"id":1,"v":2}\\n{"id":2,"v":2}\\n' | load-sqlite --db ${db} -t t -k id --busy-timeout 10000; s=$?; wait; exit $s`);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /t: inserted=1 updated=1 unchanged=0 rejected=0/);
  assert.equal(rows(db, 'SELECT id, v FROM t ORDER BY id'), [{ id: 1, v: 2 }, { id: 2, v: 2 }]);
});

test('--strict: the first bad record stops the run (exit 1); its batch is rolled back, earlier batches stay', () => {
  const d = tmpdir(), db = `${d}/s.db`;
  const input = Array.from({ length: 25 }, (_, i) => JSON.stringify(i === 13 ? { v: i } : { id: i, v: i })).join('\n') + '\n';
  const r = sh(`load-sqlite --db ${db} -t t -k id --batch 10 --strict`, { input });
  assert.is(r.status, 1);
  assert.match(r.stderr, /-:14: missing key: id\n.*stopped at the first bad record/s);
  assert.equal(rows(db, 'SELECT count(*) AS n, max(id) AS m FROM t'), [{ n: 10, m: 9 }]);
});

test('every record rejected: exit status as for any tool (the rule of the runner); empty input: exit 0', () => {
  const d = tmpdir(), db = `${d}/r.db`;
  const expected = sh('where a=1', { input: '{"a":\n' }).status; // the runner's status for a run that rejected all it read
  const r = sh(`load-sqlite --db ${db} -t t -k id`, { input: '{"v":1}\n{"v":2}\n' });
  assert.is(r.status, expected, r.stderr);
  assert.match(r.stderr, /t: inserted=0 updated=0 unchanged=0 rejected=2\n/);
  const e = sh(`load-sqlite --db ${db} -t t -k id < /dev/null`);
  assert.is(e.status, 0, e.stderr);
  assert.is(e.stderr, 'load-sqlite: t: inserted=0 updated=0 unchanged=0 rejected=0\n');
});

test('a schema whose constraint rolls back the transaction (ON CONFLICT ROLLBACK) fails the run instead of losing the batch silently', () => {
  const d = tmpdir(), db = `${d}/rb.db`;
  fs.writeFileSync(`${d}/s.sql`, 'CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL ON CONFLICT ROLLBACK);\n');
  const r = sh(`load-sqlite --db ${db} -t t -k id --schema ${d}/s.sql`, { input: '{"id":1,"v":1}\n{"id":2,"v":null}\n{"id":3,"v":3}\n' });
  assert.is(r.status, 1);
  assert.is(r.stderr, 'load-sqlite: error: load failed, nothing written: the database rolled back the whole transaction on one record (NOT NULL constraint failed: t.v)\n');
  assert.equal(rows(db, 'SELECT count(*) AS n FROM t'), [{ n: 0 }]);
});

test('without --atomic, --post-sql runs in the last batch\'s transaction: when it fails that batch is rolled back, earlier ones stay', () => {
  const d = tmpdir(), db = `${d}/p.db`;
  const input = Array.from({ length: 25 }, (_, i) => JSON.stringify({ id: i })).join('\n') + '\n';
  const r = sh(`load-sqlite --db ${db} -t t -k id --batch 10 --post-sql 'INSERT INTO nowhere VALUES (1)'`, { input });
  assert.is(r.status, 1);
  assert.is(r.stderr.split('\n').filter((l) => l.includes('error')).length, 1, r.stderr);
  assert.match(r.stderr, /load-sqlite: error: load failed, batches committed before stay \(inserted=20 updated=0 unchanged=0\): --post-sql: no such table: nowhere\n$/);
  assert.equal(rows(db, 'SELECT count(*) AS n FROM t'), [{ n: 20 }]);
});

test('record keys name columns as SQLite does (ASCII case ignored); --alter adds a column once with the type of all its values', () => {
  const d = tmpdir(), db = `${d}/c.db`;
  sh(`load-sqlite --db ${db} -t t -k id`, { input: '{"id":1,"name":"a"}\n' });
  const r = sh(`load-sqlite --db ${db} -t t -k ID --alter`, { input: '{"ID":2,"Name":"b","Extra":1}\n{"Id":3,"extra":2.5}\n{"id":4,"é":"x","É":"y"}\n' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /added column\(s\) Extra, é, É to t/);
  assert.equal(rows(db, 'SELECT * FROM t ORDER BY id'), [
    { id: 1, name: 'a', Extra: null, 'é': null, 'É': null },
    { id: 2, name: 'b', Extra: 1, 'é': null, 'É': null },
    { id: 3, name: null, Extra: 2.5, 'é': null, 'É': null },
    { id: 4, name: null, Extra: null, 'é': 'x', 'É': 'y' },
  ]);
  assert.match(rows(db, "SELECT sql FROM sqlite_master WHERE name = 't'")[0].sql, /"Extra" REAL/);
});

test('records refused by the database (a CHECK) long after they were read: --rejects keeps their lines exactly, with their numbers', () => {
  // 30,000 records over several --batch 1000 batches: the input's buffers and the kept lines' blocks
  // (1 MiB) are reused and renewed many times before a batch is written
  const d = tmpdir(), db = `${d}/c.db`;
  fs.writeFileSync(`${d}/schema.sql`, 'CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v INTEGER CHECK (v >= 0), s TEXT);');
  const input = [], bad = [];
  for (let i = 0; i < 30000; i++) {
    const line = JSON.stringify({ id: i, v: i % 997 === 5 ? -i : i, s: `café ☕ ${'x'.repeat(i % 50)} ${i}` });
    input.push(line);
    if (i % 997 === 5) bad.push({ no: i + 1, line });
  }
  const r = sh(`load-sqlite --db ${db} -t t -k id --schema ${d}/schema.sql --batch 1000 --rejects ${d}/rej.ndjson --rejects-format json --max-reports 0`, { input: input.join('\n') + '\n' });
  assert.is(r.status, 0, r.stderr);
  const rej = lines(fs.readFileSync(`${d}/rej.ndjson`, 'utf8'));
  assert.equal(rej.map((x) => [x.line, x.raw]), bad.map((b) => [b.no, b.line]));
  assert.equal(rows(db, 'SELECT count(*) AS n FROM t'), [{ n: 30000 - bad.length }]);
});

test('usage errors exit 2 with a one-line hint', () => {
  const r = sh('load-sqlite --table t < /dev/null');
  assert.is(r.status, 2);
  assert.is(r.stderr, "load-sqlite: missing required option --db (try 'load-sqlite --help')\n");
});

test('an empty record ({}) is one rejected record, first in a batch or later, with --atomic or not: the others are loaded', () => {
  const d = tmpdir();
  for (const [i, input] of ['{}\n{"a":1}\n{"a":2}\n', '{"a":1}\n{}\n{"a":2}\n'].entries()) {
    for (const extra of ['', '--atomic', '-k a']) {
      const db = `${d}/e${i}${extra.replace(/\W/g, '')}.db`;
      const r = sh(`load-sqlite --db ${db} -t t ${extra}`, { input });
      assert.is(r.status, 0, r.stderr);
      assert.match(r.stderr, new RegExp(`-:${i + 1}: empty record: no fields to load`));
      assert.match(r.stderr, /inserted=2 updated=0 unchanged=0 rejected=1/);
      assert.equal(rows(db, 'SELECT a FROM t ORDER BY a'), [{ a: 1 }, { a: 2 }]);
    }
  }
});

test('upserts against a model: inserted/updated/unchanged/refused per row, affinities, NULLs, repeats in a batch; loaded_keys holds the keys written', () => {
  // (one insert a row, an update only after a conflict; the loaded keys go in many a statement:
  // checked here across batches of 7 and runs longer than a statement's worth of keys)
  const d = tmpdir(), db = `${d}/m.db`;
  const schema = `${d}/s.sql`;
  fs.writeFileSync(schema, "CREATE TABLE IF NOT EXISTS t (a INTEGER NOT NULL, b TEXT NOT NULL, x INTEGER, y TEXT CHECK (y IS NULL OR y <> 'bad'), z, PRIMARY KEY (a, b));");
  const post = 'DROP TABLE IF EXISTS kk; CREATE TABLE kk AS SELECT * FROM temp.loaded_keys';
  const model = new Map(); // key -> {x, y, z} as SQLite stores them (x: INTEGER affinity, y: TEXT)
  let seed = 7;
  const rnd = (n) => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) % n; }; // xorshift32
  const norm = (col, v) => (v === undefined ? null : col === 'x' && typeof v === 'string' && /^-?[0-9]+$/.test(v) ? Number(v) : col === 'y' && typeof v === 'number' ? String(v) : v);
  for (const [round, n, batch] of [[0, 3000, 7], [1, 9000, 1000], [2, 9000, 10000]]) {
    const recs = [], want = { inserted: 0, updated: 0, unchanged: 0, rejected: 0 }, keys = new Set();
    for (let i = 0; i < n; i++) {
      const a = rnd(round === 0 ? 4000 : 6000), b = `k${a % 3}`;
      const rec = { a, b };
      const xv = rnd(5), yv = rnd(6);
      if (xv > 0) rec.x = xv === 1 ? null : xv === 2 ? String(rnd(3)) : rnd(3);
      if (yv > 0) rec.y = yv === 1 ? null : yv === 2 ? 'bad' : yv === 3 ? rnd(2) : `v${rnd(2)}`;
      rec.z = rnd(3);
      recs.push(rec);
      const row = { x: norm('x', rec.x), y: norm('y', rec.y), z: rec.z }, k = `${a}|${b}`, old = model.get(k);
      if (row.y === 'bad') { want.rejected++; continue; }
      keys.add(k);
      if (!old) { model.set(k, row); want.inserted++; continue; }
      // a column the record does not carry keeps its value
      const next = { x: 'x' in rec ? row.x : old.x, y: 'y' in rec ? row.y : old.y, z: row.z };
      if (next.x === old.x && next.y === old.y && next.z === old.z) want.unchanged++;
      else { want.updated++; model.set(k, next); }
    }
    const r = sh(`load-sqlite --db ${db} -t t -k a,b --batch ${batch} --schema ${schema} --post-sql '${post}'`, { input: recs.map((x) => JSON.stringify(x)).join('\n') + '\n' });
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    assert.match(r.stderr, new RegExp(`t: inserted=${want.inserted} updated=${want.updated} unchanged=${want.unchanged} rejected=${want.rejected}\n`), `round ${round}`);
    const got = new Map(rows(db, 'SELECT a, b, x, y, z FROM t').map((o) => [`${o.a}|${o.b}`, { x: o.x, y: o.y, z: o.z }]));
    assert.equal(Object.fromEntries([...got].sort()), Object.fromEntries([...model].sort()), `round ${round}: the table`);
    const kk = rows(db, 'SELECT a, b FROM kk').map((o) => `${o.a}|${o.b}`).sort();
    assert.equal(kk, [...keys].sort(), `round ${round}: loaded_keys`);
  }
});

test('tables with triggers, collations or a WITHOUT ROWID integer key load as before (the look-up and upsert way where the fast way would differ)', () => {
  const d = tmpdir();
  const make = (db, sql) => sh(`query-sqlite --db ${db} "SELECT 1" >/dev/null; node -e 'new (require("better-sqlite3"))(process.argv[1]).exec(process.argv[2])' ${db} "${sql}"`, { env: { NODE_PATH: `${process.cwd()}/node_modules` } });
  // a key index with its own collation: "A" conflicts with "a" and updates it
  make(`${d}/b.db`, 'CREATE TABLE t (k TEXT NOT NULL, v TEXT, PRIMARY KEY (k COLLATE NOCASE))');
  let r = sh(`load-sqlite --db ${d}/b.db --table t --key k`, { input: '{"k":"a","v":"1"}\n{"k":"A","v":"2"}\n' });
  assert.is(r.status, 0, r.stderr);
  assert.equal(rows(`${d}/b.db`, 'SELECT * FROM t'), [{ k: 'a', v: '2' }]);
  // a BEFORE INSERT trigger that vetoes a row: the row stays as it was
  make(`${d}/c.db`, "CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT); CREATE TRIGGER veto BEFORE INSERT ON t WHEN NEW.v = 'skip' BEGIN SELECT RAISE(IGNORE); END");
  r = sh(`load-sqlite --db ${d}/c.db --table t --key k`, { input: '{"k":1,"v":"a"}\n{"k":1,"v":"skip"}\n' });
  assert.match(r.stderr, /inserted=1 updated=0 unchanged=1 rejected=0/);
  assert.equal(rows(`${d}/c.db`, 'SELECT * FROM t'), [{ k: 1, v: 'a' }]);
  // an INTEGER key of a WITHOUT ROWID table holds "x" (affinity, not a rowid): so does loaded_keys
  make(`${d}/a.db`, 'CREATE TABLE t (k INTEGER NOT NULL, v TEXT, PRIMARY KEY (k)) WITHOUT ROWID');
  r = sh(`load-sqlite --db ${d}/a.db --table t --key k --post-sql 'CREATE TABLE n AS SELECT count(*) AS c FROM temp.loaded_keys'`, { input: '{"k":1,"v":"a"}\n{"k":"x","v":"b"}\n' });
  assert.is(r.status, 0, r.stderr);
  assert.equal(rows(`${d}/a.db`, 'SELECT c FROM n'), [{ c: 2 }]);
});

test('records written a few at a time (EVENT_PIPES_SQLITE_WRITE_UNIT) or a --batch at once: the same tables, types, counts, rejects, transactions and exit status', () => {
  // the write unit is SQLite's (Driver.writeUnit, 1000 by default): writes of fewer records than --batch
  // while the table has its columns; the batches (transactions), the new table's and --alter's column
  // types (from a whole batch) must not depend on it
  const d = tmpdir();
  fs.writeFileSync(`${d}/schema.sql`, 'CREATE TABLE IF NOT EXISTS c (id INTEGER PRIMARY KEY, v INTEGER CHECK (v >= 0), s TEXT);');
  const recs = [];
  for (let i = 0; i < 95; i++) {
    if (i % 17 === 4) recs.push({ v: i });                      // no key
    else if (i % 13 === 6) recs.push({ id: i, v: -i });         // refused by the CHECK
    else if (i % 11 === 7) recs.push({ id: i, v: i, extra: 1 }); // unknown column
    else recs.push({ id: i % 40, v: i, s: `s${i}` });           // repeats: updates
  }
  const input = recs.map((r) => JSON.stringify(r)).join('\n') + '\n';
  // a new table: types from the first batch (n is an integer until its 5th record); --alter: b too
  const fresh = [1, 2, 3, 4].map((i) => ({ id: i, n: i })).concat([{ id: 5, n: 5.5 }], Array.from({ length: 10 }, (_, i) => ({ id: 6 + i, n: i })));
  const alter = [{ id: 100, b: 1 }, { id: 101, b: 2 }, { id: 102, b: 2.5 }, { id: 103 }];
  const strict = Array.from({ length: 25 }, (_, i) => JSON.stringify(i === 13 ? { v: i } : { id: i, v: i })).join('\n') + '\n';
  fs.writeFileSync(`${d}/rollback.sql`, 'CREATE TABLE IF NOT EXISTS r (id INTEGER PRIMARY KEY, a INTEGER); CREATE TRIGGER IF NOT EXISTS r15 BEFORE INSERT ON r WHEN new.a = 15 BEGIN SELECT RAISE(ROLLBACK, \'no 15\'); END;');
  const rollback = Array.from({ length: 30 }, (_, i) => JSON.stringify(i === 12 ? { a: i } : { id: i, a: i })).join('\n') + '\n';
  fs.writeFileSync(`${d}/m.ndjson`, Array.from({ length: 1500 }, (_, i) => JSON.stringify(i === 0 ? { a: 0 } : { id: i, a: i })).join('\n') + '\n');
  const run = (unit) => {
    const e = fs.mkdtempSync(`${d}/u${unit}-`), env = { env: { EVENT_PIPES_SQLITE_WRITE_UNIT: String(unit) } };
    const out = [];
    // (DB and E/ put in in one pass: the folder's random name may hold "E/" or "DB" once put in)
    const go = (cmd, text) => { const r = sh(cmd.replace(/\bDB\b|\bE\//g, (m) => (m === 'DB' ? `${e}/x.db` : `${e}/`)), { input: text, ...env }); out.push([r.status, r.stdout, r.stderr.replaceAll(e, 'E')]); };
    go(`load-sqlite --db DB -t c -k id --schema ${d}/schema.sql --batch 10 --rejects E/rej.ndjson`, input);
    go(`load-sqlite --db DB -t c -k id --batch 7 --atomic --post-sql "CREATE TABLE seen AS SELECT id FROM loaded_keys"`, input);
    go('load-sqlite --db DB -t f -k id --batch 10', fresh.map((r) => JSON.stringify(r)).join('\n') + '\n');
    go('load-sqlite --db DB -t f -k id --batch 10 --alter', alter.map((r) => JSON.stringify(r)).join('\n') + '\n');
    go('load-sqlite --db DB -t s -k id --batch 10 --strict', strict);
    go('load-sqlite --db DB -t s -k id --batch 10', strict);
    // a batch the database rolls back whole (RAISE(ROLLBACK) at a = 15) holding a record without a key
    // (line 13): the run fails, that batch's refused record is not reported, the batch before stays
    go(`load-sqlite --db DB -t r -k id --schema ${d}/rollback.sql --batch 10 --rejects E/rej-r.ndjson`, rollback);
    // --atomic and an input that cannot be read after a record without a key: nothing reported
    go('load-sqlite --db DB -t m -k id --atomic --rejects E/rej-m.ndjson -i E/../m.ndjson -i E/missing.ndjson', '');
    const dump = (sql) => sh(`query-sqlite --db ${e}/x.db "${sql}"`).stdout;
    const file = (f) => (fs.existsSync(`${e}/${f}`) ? fs.readFileSync(`${e}/${f}`, 'utf8') : null);
    out.push(dump('SELECT * FROM c ORDER BY id'), dump('SELECT id FROM seen ORDER BY id'), dump('SELECT * FROM f ORDER BY id'), dump('SELECT * FROM s ORDER BY id'),
      dump("SELECT name, sql FROM sqlite_master WHERE name IN ('f', 'c') ORDER BY name"), file('rej.ndjson'), dump('SELECT count(*) AS n FROM r'), file('rej-r.ndjson'),
      dump("SELECT count(*) AS n FROM sqlite_master WHERE name = 'm'"), file('rej-m.ndjson'));
    return out;
  };
  const whole = run(100000);
  // the outcomes themselves (so that equal runs are also right ones)
  assert.equal(whole.slice(0, 8).map((x) => x[0]), [0, 0, 0, 0, 1, 0, 1, 1]);
  assert.match(whole[0][2], /c: inserted=38 updated=37 unchanged=0 rejected=20/);
  assert.match(whole[4][2], /-:14: missing key: id\n.*stopped at the first bad record/s);
  assert.match(lines(whole[12]).find((t) => t.name === 'f').sql, /"n" REAL, "b" REAL/);
  assert.equal(lines(whole[11]).length, 24);
  assert.equal(whole.slice(6, 8).map((x) => x[0]), [1, 1]);
  assert.match(whole[6][2], /rolled back the whole transaction on one record \(no 15\)/);
  assert.not.match(whole[6][2] + whole[7][2], /missing key/);
  assert.equal([lines(whole[14]), whole[15], lines(whole[16]), whole[17]], [[{ n: 10 }], '', [{ n: 0 }], '']);
  for (const unit of [1, 3, 7]) assert.equal(run(unit), whole, `write unit ${unit}`);
});


test('a table another writer drops between two batches is made again from the whole next batch, whatever the write unit', async () => {
  // the loader sizes its writes for a table that has its columns; when the next transaction finds the
  // table gone, the records wait for the rest of their batch, whose types make the new table (the last
  // 500 records carry a text `a` and a new column `b`)
  const { spawn } = await import('node:child_process');
  const { default: Database } = await import('better-sqlite3');
  const d = tmpdir();
  const first = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ id: i, a: i })).join('\n') + '\n';
  const second = Array.from({ length: 2000 }, (_, i) => JSON.stringify(i < 1500 ? { id: 2000 + i, a: i } : { id: 2000 + i, a: `s${i}`, b: 1 })).join('\n') + '\n';
  const load = async (unit) => {
    const db = `${d}/u${unit}.db`;
    const child = spawn('bin/load-sqlite', ['--db', db, '-t', 't', '-k', 'id', '--batch', '2000'], { env: { ...process.env, EVENT_PIPES_SQLITE_WRITE_UNIT: String(unit) } });
    let err = '';
    child.stderr.on('data', (x) => { err += x; });
    const done = new Promise((resolve) => child.on('close', resolve));
    child.stdin.write(first);
    // the first batch committed (the loader holds no transaction between batches), then the table dropped
    // by another connection
    const other = new Database(db, { timeout: 5000 });
    for (let i = 0; ; i++) {
      let n = 0;
      try { n = other.prepare('SELECT count(*) AS n FROM t').get().n; } catch { /* not made yet */ }
      if (n === 2000) break;
      assert.ok(i < 400, 'the first batch was committed');
      child.stdin.write('\n'); // (a blank line, skipped: the reader blocks on its input, and writes between reads)
      await new Promise((r) => setTimeout(r, 50));
    }
    other.exec('DROP TABLE t');
    other.close();
    child.stdin.end(second);
    const status = await done;
    const rows = new Database(db, { readonly: true });
    const got = [status, err, rows.prepare("SELECT sql FROM sqlite_master WHERE name = 't'").get().sql, rows.prepare('SELECT count(*) AS n, sum(b) AS b FROM t').get()];
    rows.close();
    return got;
  };
  const whole = await load(100000);
  assert.equal(whole[0], 0, whole[1]);
  assert.match(whole[1], /created table t \("id" INTEGER NOT NULL, "a" TEXT, "b" INTEGER\)/);
  assert.match(whole[1], /inserted=4000 updated=0 unchanged=0 rejected=0/);
  assert.equal(whole[3], { n: 2000, b: 500 });
  for (const unit of [1, 7, 1000]) assert.equal(await load(unit), whole, `write unit ${unit}`);
});

test('over a pipe fed now and then, a full batch is written at once, not when the next data or the end comes', async () => {
  const { spawn } = await import('node:child_process');
  const { default: Database } = await import('better-sqlite3');
  const d = tmpdir();
  // (the third: eight full batches in one write of 93 KB, read whole from the socket Node's spawn gives,
  // more than a pipe's 64 KiB: the reader must not block before their commits)
  const burst = Array.from({ length: 8000 }, (_v, i) => `{"id":${i + 1}}`);
  for (const [batch, feeds] of [[1, [['{"id":1}'], ['{"id":2}']]], [3, [['{"id":1}', '{"id":2}', '{"id":3}'], ['{"id":4}', '{"id":5}', '{"id":6}']]], [1000, [burst]]]) {
    const db = `${d}/live${batch}.db`;
    const child = spawn('bin/load-sqlite', ['--db', db, '-t', 't', '-k', 'id', '--batch', String(batch)]);
    let err = '';
    child.stderr.on('data', (x) => { err += x; });
    const done = new Promise((resolve) => child.on('close', resolve));
    let want = 0;
    try {
      for (const feed of feeds) {
        child.stdin.write(feed.join('\n') + '\n'); // and nothing more until the batch is in the table
        want += feed.length;
        let n = 0;
        for (let i = 0; n < want; i++) {
          assert.ok(i < 200, `batch ${batch}: ${want} rows written while the pipe stays open (${n} after 10 s)`);
          await new Promise((r) => setTimeout(r, 50));
          const other = new Database(db, { timeout: 5000 });
          try { n = other.prepare('SELECT count(*) AS n FROM t').get().n; } catch { /* not made yet */ }
          other.close();
        }
      }
    } catch (e) { child.kill(); throw e; }
    child.stdin.end();
    assert.is(await done, 0, err);
    assert.match(err, new RegExp(`inserted=${want} updated=0`));
  }
});

test('--flush-after: over a live pipe a batch not yet full is committed once its first record has waited that long (load-sqlite, in a chain, the library API); usage checks', async () => {
  const { spawn } = await import('node:child_process');
  const { default: Database } = await import('better-sqlite3');
  const d = tmpdir();
  const count = (db) => {
    const other = new Database(db, { timeout: 5000 });
    try { return other.prepare('SELECT count(*) AS n FROM t').get().n; } catch { return 0; } finally { other.close(); } // (no table yet: 0)
  };
  const waitFor = async (db, want, what) => {
    let n = 0;
    for (let i = 0; n < want; i++) {
      assert.ok(i < 200, `${what}: ${want} rows written while the pipe stays open (${n} after 10 s)`);
      await new Promise((r) => setTimeout(r, 50));
      n = count(db);
    }
    assert.is(n, want, what);
  };
  for (const [name, cmd, args] of [
    ['load-sqlite', 'bin/load-sqlite', []],
    ['a chain', 'bin/event-pipes', ['where', 'id>0', 'then', 'load-sqlite']],
  ]) {
    const db = `${d}/flush-${name.replace(' ', '-')}.db`;
    // batches of 1000: without --flush-after these records would wait for the end of the input
    const child = spawn(cmd, [...args, '--db', db, '-t', 't', '-k', 'id', '--batch', '1000', '--flush-after', '0.3']);
    let err = '';
    child.stderr.on('data', (x) => { err += x; });
    const done = new Promise((resolve) => child.on('close', resolve));
    try {
      child.stdin.write('{"id":1}\n{"id":2}\n');
      await waitFor(db, 2, name);
      child.stdin.write('{"id":3}\n');
      await waitFor(db, 3, name);
      // a burst read whole (a read of 64 KiB or more, as a pipe or socket may give), then nothing
      const burst = [];
      for (let i = 0; i < 8000; i++) burst.push(`{"id":${100000 + i}}`);
      child.stdin.write(burst.join('\n') + '\n');
      await waitFor(db, 8003, `${name}, a burst of ${burst.join('\n').length + 1} bytes`);
    } catch (e) { child.kill(); throw e; }
    child.stdin.end('{"id":4}\n');
    assert.is(await done, 0, err);
    assert.match(err, /inserted=8004 updated=0 unchanged=0 rejected=0/);
    assert.is(count(db), 8004);
  }
  // the library API: the timer runs between the chunks written
  const api = await import(new URL('../../dist/api.js', import.meta.url).href);
  const db = `${d}/flush-api.db`;
  const s = api.createStream('load-sqlite', ['--db', db, '-t', 't', '-k', 'id', '--flush-after', '0.2']);
  s.on('warning', () => {});
  s.resume();
  const finished = new Promise((resolve, reject) => { s.on('finish', resolve); s.on('error', reject); });
  s.write('{"id":1}\n{"id":2}\n');
  await waitFor(db, 2, 'the library API');
  s.end('{"id":3}\n');
  await finished;
  await new Promise((r) => setTimeout(r, 50));
  assert.is(count(db), 3);
  // the default: a batch is committed when full or at the end
  const plain = spawn('bin/load-sqlite', ['--db', `${d}/plain.db`, '-t', 't', '-k', 'id', '--batch', '1000']);
  const closed = new Promise((resolve) => plain.on('close', resolve));
  plain.stdin.write('{"id":1}\n');
  await new Promise((r) => setTimeout(r, 800));
  assert.is(count(`${d}/plain.db`), 0, 'without --flush-after the record waits for its batch');
  plain.stdin.end();
  assert.is(await closed, 0);
  assert.is(count(`${d}/plain.db`), 1);
  for (const bad of [['--flush-after', '0'], ['--flush-after', '-1'], ['--flush-after', 'soon'], ['--flush-after', '1', '--atomic']]) {
    const r = sh(`load-sqlite --db ${d}/u.db -t t ${bad.join(' ')}`, { input: '{"id":1}\n' });
    assert.is(r.status, 2, bad.join(' '));
    assert.match(r.stderr, /--flush-after/);
  }
});

test('the closing line\'s rejected= counts every record refused: the loader\'s and the lines never handed to it (not UTF-8, not one object, too long)', () => {
  const d = tmpdir(), db = `${d}/r.db`;
  fs.writeFileSync(`${d}/in.ndjson`, Buffer.concat([Buffer.from('{"k":"1"}\n{"k":"'), Buffer.from([0xff]), Buffer.from('"}\n{"k":"2"}x\n[1]\n{"k":"3","v":{"a":1}}\n{"k":"4"}\n')]));
  const r = sh(`load-sqlite --db ${db} -t t -k k < ${d}/in.ndjson`);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /t: inserted=3 updated=0 unchanged=0 rejected=3\n/);
  assert.match(r.stderr, /3 bad records skipped \(malformed JSON: 2, not a JSON object: 1\)/);
});

test('wide records: 1,999 non-key columns upsert (a chain of 1,000 comparisons was past SQLite\'s expression depth: the whole load failed); a record that would make the table pass 2,000 columns is rejected alone', () => {
  const d = tmpdir();
  const wide = (id, n, v, prefix = 'c') => { const o = { id }; for (let i = 0; i < n; i++) o[`${prefix}${i}`] = v + i; return JSON.stringify(o); };
  const ups = [wide('a', 1999, 0), wide('a', 1999, 1), wide('a', 1999, 1)].join('\n') + '\n';
  // the plain way (UPDATE, then INSERT) and the upsert way (a table with a trigger)
  let r = sh(`load-sqlite --db ${d}/p.db -t t -k id`, { input: ups });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /t: inserted=1 updated=1 unchanged=1 rejected=0\n/);
  assert.equal(rows(`${d}/p.db`, 'SELECT c0, c1998 FROM t'), [{ c0: 1, c1998: 1999 }]);
  const cols = Array.from({ length: 1999 }, (_, i) => `c${i} INTEGER`).join(', ');
  fs.writeFileSync(`${d}/s.sql`, `CREATE TABLE t (id TEXT PRIMARY KEY, ${cols}); CREATE TABLE n (k INTEGER); CREATE TRIGGER tr AFTER UPDATE ON t BEGIN INSERT INTO n VALUES (1); END;`);
  r = sh(`load-sqlite --db ${d}/u.db -t t -k id --schema ${d}/s.sql`, { input: ups });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /t: inserted=1 updated=1 unchanged=1 rejected=0\n/);
  assert.equal(rows(`${d}/u.db`, 'SELECT c0, c1998, (SELECT count(*) FROM n) AS fired FROM t'), [{ c0: 1, c1998: 1999, fired: 1 }]);
  // 2,000 fields and the key: that record alone
  r = sh(`load-sqlite --db ${d}/w.db -t t -k id`, { input: `{"id":"x","a":1}\n${wide('w', 2000, 0)}\n{"id":"y","a":2}\n` });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /-:2: too many columns: the table would have 2001 columns; a SQLite table has at most 2000\n/);
  assert.equal(rows(`${d}/w.db`, 'SELECT id, a FROM t ORDER BY id'), [{ id: 'x', a: 1 }, { id: 'y', a: 2 }]);
  // two records that together would: the second, in the first batch and with --alter a batch a record
  for (const extra of ['', '--alter --batch 1']) {
    const db = `${d}/b${extra ? 'a' : ''}.db`;
    r = sh(`load-sqlite --db ${db} -t t -k id ${extra}`, { input: `${wide('p', 1200, 0, 'p')}\n${wide('q', 1200, 0, 'q')}\n{"id":"r","p1":7}\n` });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /-:2: too many columns: the table would have 2401 columns/, extra);
    assert.match(r.stderr, /inserted=2 updated=0 unchanged=0 rejected=1\n/, extra);
    assert.equal(rows(db, 'SELECT id, p1 FROM t ORDER BY id'), [{ id: 'p', p1: 1 }, { id: 'r', p1: 7 }], extra);
  }
});

test.run();
