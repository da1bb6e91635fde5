// load-sqlite through its bin: upserts, counts, idempotent re-runs, --alter, rejects, atomic failure.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lines, sh, tmpdir } from '../helpers/sh.mjs';

const rows = (db, sql) => lines(sh(`query-sqlite --db ${db} "${sql}"`).stdout);

test('creates the table from inferred types, upserts by key, counts inserted/updated/unchanged', () => {
  const d = tmpdir(), db = `${d}/a.db`;
  const first = '{"date":"2020-01-01","n":1,"share":0.5,"ok":true,"id":9007199254740993}\n{"date":"2020-01-02","n":2,"share":1,"ok":false,"id":1}\n';
  let r = sh(`load-sqlite --db ${db} -t daily -k date`, { input: first });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /inserted=2 updated=0 unchanged=0/);
  const [{ sql }] = rows(db, "SELECT sql FROM sqlite_master WHERE name = 'daily'");
  assert.is(sql, 'CREATE TABLE "daily" ("date" DATE NOT NULL, "n" INTEGER, "share" REAL, "ok" INTEGER, "id" INTEGER, PRIMARY KEY ("date"))');
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
  assert.match(r.stderr, /load failed, nothing written: no such table: nowhere/);
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

test('usage errors exit 2 with a one-line hint', () => {
  const r = sh('load-sqlite --table t < /dev/null');
  assert.is(r.status, 2);
  assert.is(r.stderr, "load-sqlite: missing required option --db (try 'load-sqlite --help')\n");
});

test.run();
