// query-postgres's rows as query-sqlite prints them (core/result-rows.ts), against a real PostgreSQL
// started here (test/helpers/postgres.mjs; without PostgreSQL installed the file says so loudly and
// skips): columns of one name keep their own values in every format (NDJSON renames a later one),
// the query's column order, BYTEA as \x and hex; arrays element by element as the type alone. (The
// values of each type: postgres-recipes.test.mjs.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { root, sh } from '../helpers/sh.mjs';
import { bindir, startServer } from '../helpers/postgres.mjs';

if (!bindir) {
  const why = 'PostgreSQL is not installed (Debian: apt-get install postgresql): query-postgres was NOT run';
  console.error(`\n  SKIPPED test/e2e/query-postgres.test.mjs: ${why}\n`);
  test.skip(`query-postgres against a real PostgreSQL: ${why}`, () => {});
  test.run();
} else {
  let server, startError;
  test.before(async () => {
    try {
      server = await startServer();
      const c = new pg.Client({ connectionString: server.url });
      await c.connect();
      await c.query(`CREATE TABLE u (id int, name text); CREATE TABLE o (id int, uid int, name text);
        INSERT INTO u VALUES (1, 'ann'); INSERT INTO o VALUES (10, 1, 'book'), (11, 1, 'pen')`);
      await c.end();
    } catch (err) { startError = err; }
  });
  test.after(() => server?.stop());
  test.before.each(() => { if (startError) throw startError; });

  /** stdout and stderr of the query in each format */
  const query = (sql) => Object.fromEntries(['ndjson', 'csv', 'table'].map((f) => {
    const r = sh(`query-postgres --url ${server.url} --format ${f} "${sql.replace(/["\\$`]/g, '\\$&')}"`);
    assert.is(r.status, 0, r.stderr);
    return [f, r.stdout + r.stderr];
  }));

  test('columns of one name keep their own values, in order; NDJSON gives a later one the first free name_N, said on stderr', () => {
    assert.equal(query('SELECT 1 AS a, 2 AS a, 3 AS b, 4 AS a_1'), {
      ndjson: '{"a":1,"a_2":2,"b":3,"a_1":4}\nquery-postgres: column 2 (a) written as a_2: another column has its name\n',
      csv: 'a,a,b,a_1\n1,2,3,4\n',
      table: 'a  a  b  a_1\n-  -  -  ---\n1  2  3  4\n',
    });
    assert.equal(query('SELECT * FROM u JOIN o ON o.uid = u.id ORDER BY o.id'), {
      ndjson: '{"id":1,"name":"ann","id_1":10,"uid":1,"name_1":"book"}\n{"id":1,"name":"ann","id_1":11,"uid":1,"name_1":"pen"}\n' +
        'query-postgres: column 3 (id) written as id_1: another column has its name\nquery-postgres: column 5 (name) written as name_1: another column has its name\n',
      csv: 'id,name,id,uid,name\n1,ann,10,1,book\n1,ann,11,1,pen\n',
      table: 'id  name  id  uid  name\n--  ----  --  ---  ----\n1   ann   10  1    book\n1   ann   11  1    pen\n',
    });
  });

  test('the query\'s column order, names like array indexes too', () => {
    assert.equal(query('SELECT 1 AS b, 2 AS "0", 3 AS "10"'), { ndjson: '{"b":1,"0":2,"10":3}\n', csv: 'b,0,10\n1,2,3\n', table: 'b  0  10\n-  -  --\n1  2  3\n' });
  });

  test('BYTEA as \\x and its bytes in hex in every format, beside a 64-bit integer or not', () => {
    assert.equal(query("SELECT '\\x00ff'::bytea AS b, 9007199254740993::int8 AS big UNION ALL SELECT '', 1 UNION ALL SELECT NULL, NULL"), {
      ndjson: '{"b":"\\\\x00ff","big":9007199254740993}\n{"b":"\\\\x","big":1}\n{"b":null,"big":null}\n',
      csv: 'b,big\n\\x00ff,9007199254740993\n\\x,1\n,\n',
      table: 'b       big\n------  ----------------\n\\x00ff  9007199254740993\n\\x      1\nNULL    NULL\n',
    });
  });

  test('arrays: each element as the type alone (BIGINT and NUMERIC exact, NaN and infinities as strings, DATE and timestamps as PostgreSQL writes them, JSONB as its value)', () => {
    const r = sh(`query-postgres --url ${server.url} "SELECT ARRAY['Infinity'::float8, 1.5, NULL] AS fs, ARRAY[9007199254740993, NULL]::int8[] AS ia, ` +
      `ARRAY[0.1234567890123456789, 'NaN']::numeric[] AS na, ARRAY[DATE '2020-01-02'] AS da, ARRAY[TIMESTAMP '2020-01-02 03:04:05'] AS ta, ` +
      `ARRAY['{\\"id\\":9223372036854775807}'::jsonb] AS ja, ARRAY[[1,2],[3,4]]::int8[] AS m, '{}'::int8[] AS e"`);
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, '{"fs":["Infinity",1.5,null],"ia":[9007199254740993,null],"na":[0.1234567890123456789,"NaN"],"da":["2020-01-02"],' +
      '"ta":["2020-01-02 03:04:05"],"ja":[{"id":9223372036854775807}],"m":[[1,2],[3,4]],"e":[]}\n');
    assert.is(r.stderr, '');
  });

  test('JSON and JSONB numbers exact: a decimal of more than 15 significant digits as stored (it was its double: 12345678901234567000, 0.1)', () => {
    const r = sh(`query-postgres --url ${server.url} "SELECT '[12345678901234567890.5, 0.10000000000000001, 1.5]'::jsonb AS j, '{\\"a\\":12345678901234567890.5}'::json AS k"`);
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, '{"j":[12345678901234567890.5,0.10000000000000001,1.5],"k":{"a":12345678901234567890.5}}\n');
  });

  test('connections as libpq makes them: sslmode=require encrypts without checking a self-signed certificate (pg took it for verify-full and failed, with a 9-line warning), prefer falls back where the server has no TLS, an unknown mode is a usage error; the password from ~/.pgpass without pg\'s deprecation warning; no USER: the system\'s user name', async () => {
    const tls = await startServer({ ssl: true, password: 'sekrit' }), plain = await startServer();
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ep-pgpass-'));
    try {
      fs.writeFileSync(`${home}/.pgpass`, `127.0.0.1:${tls.port}:*:postgres:sekrit\n`, { mode: 0o600 });
      const base = `postgres://postgres@127.0.0.1:${tls.port}/postgres`;
      for (const mode of ['require', 'prefer', 'allow']) {
        const r = sh(`query-postgres --url '${base}?sslmode=${mode}' "SELECT ssl AS s FROM pg_stat_ssl WHERE pid = pg_backend_pid()"`, { env: { HOME: home } });
        assert.is(r.status, 0, `${mode}: ${r.stderr}`);
        assert.is(r.stdout, '{"s":true}\n', mode);
        assert.is(r.stderr, '', `${mode}: nothing on stderr (no warning of sslmode, none of pgpass)`);
        const load = sh(`load-postgres --url '${base}?sslmode=${mode}' --table t_${mode} --key a`, { env: { HOME: home }, input: '{"a":1}\n' });
        assert.is(load.status, 0, `load-postgres ${mode}: ${load.stderr}`);
      }
      const full = sh(`query-postgres --url '${base}?sslmode=verify-full' "SELECT 1 AS a"`, { env: { HOME: home } });
      assert.is(full.status, 1, 'verify-full checks the certificate');
      assert.match(full.stderr, /self-signed certificate/);
      const bogus = sh(`query-postgres --url '${base}?sslmode=bogus' "SELECT 1 AS a"`, { env: { HOME: home } });
      assert.is(bogus.status, 2, bogus.stderr);
      assert.match(bogus.stderr, /sslmode=bogus is not one of disable, allow, prefer, require, verify-ca, verify-full/);
      const fallback = sh(`query-postgres --url '${plain.url}?sslmode=prefer' "SELECT 1 AS a"`);
      assert.is(fallback.status, 0, fallback.stderr);
      assert.is(fallback.stdout, '{"a":1}\n');
      // (no user in the URL, no PGUSER, no USER: the system's name for this user, as libpq asks it; the
      // server has no such role, which says the name was sent: pg sent none)
      const me = os.userInfo().username;
      const anon = sh(`env -i PATH="$PATH" HOME=${home} query-postgres --url 'postgres://127.0.0.1:${plain.port}/postgres' "SELECT current_user AS u"`);
      if (me === 'postgres') assert.is(anon.stdout, '{"u":"postgres"}\n', anon.stderr);
      else assert.match(anon.stderr, `role "${me}" does not exist`);
    } finally { tls.stop(); plain.stop(); fs.rmSync(home, { recursive: true, force: true }); }
  });

  test('PGSSLMODE as libpq reads it (pg checked the certificate for require, failed prefer on a server without TLS, took an unknown one silently); a password given as ?password= (pgpass overrode it); none anywhere said plainly; load-postgres: an unknown sslmode and its own temp tables\' names are usage errors; a query with $1 is wrong as written (exit 2)', async () => {
    const tls = await startServer({ ssl: true }), locked = await startServer({ password: 'sekrit' });
    try {
      const ssl = 'SELECT ssl AS s FROM pg_stat_ssl WHERE pid = pg_backend_pid()';
      for (const mode of ['require', 'prefer']) {
        const r = sh(`query-postgres --url ${tls.url} "${ssl}"`, { env: { PGSSLMODE: mode } });
        assert.equal([r.status, r.stdout, r.stderr], [0, '{"s":true}\n', ''], mode);
      }
      const bare = sh(`query-postgres "${ssl}"`, { env: { PGSSLMODE: 'require', PGHOST: '127.0.0.1', PGPORT: String(tls.port), PGUSER: 'postgres', PGDATABASE: 'postgres' } });
      assert.equal([bare.status, bare.stdout], [0, '{"s":true}\n'], bare.stderr);
      const fallback = sh(`query-postgres --url ${server.url} "SELECT 1 AS a"`, { env: { PGSSLMODE: 'prefer' } });
      assert.equal([fallback.status, fallback.stdout], [0, '{"a":1}\n'], fallback.stderr);
      for (const tool of ['query-postgres --url URL "SELECT 1"', 'load-postgres --url URL -t t -k a']) {
        const env = sh(tool.replace('URL', server.url), { env: { PGSSLMODE: 'bogus' }, input: '{"a":1}\n' });
        assert.is(env.status, 2, env.stderr);
        assert.match(env.stderr, /PGSSLMODE=bogus is not one of disable/);
        const url = sh(tool.replace('URL', `'${server.url}?sslmode=bogus'`), { input: '{"a":1}\n' });
        assert.is(url.status, 2, url.stderr);
        assert.match(url.stderr, /sslmode=bogus is not one of disable/);
      }
      const base = `postgres://postgres@127.0.0.1:${locked.port}/postgres`;
      const given = sh(`query-postgres --url '${base}?password=sekrit' "SELECT 1 AS a"`, { env: { PGPASSFILE: '/nonexistent' } });
      assert.equal([given.status, given.stdout], [0, '{"a":1}\n'], given.stderr);
      for (const url of [base, `${base}?password=`]) {
        // (ended at once: the client's socket stayed open until the server's authentication_timeout, a
        // minute, the run held with it; found by a review. 30 s: a hang, not a speed, is what is caught)
        const none = spawnSync('bash', ['-c', `query-postgres --url '${url}' "SELECT 1 AS a"`], { encoding: 'utf8', timeout: 30000, env: { ...process.env, PATH: `${root}/bin:${process.env.PATH}`, PGPASSFILE: '/nonexistent' } });
        assert.is(none.signal, null, 'query-postgres ended by itself');
        assert.is(none.status, 1);
        assert.match(none.stderr, /no password supplied/);
      }
      // over a Unix socket no TLS, whatever the mode (as libpq): pg tried it and failed
      const dir = fs.readdirSync('/tmp').map((d) => `/tmp/${d}`).find((d) => d.startsWith('/tmp/ep-pg-') && fs.existsSync(`${d}/.s.PGSQL.${tls.port}`));
      const overSocket = `postgres://postgres@localhost/postgres?host=${dir}&port=${tls.port}`;
      for (const [url, env] of [[overSocket, { PGSSLMODE: 'require' }], [`${overSocket}&sslmode=require`, {}], [`socket:${dir}?db=postgres&port=${tls.port}`, { PGSSLMODE: 'require', PGUSER: 'postgres' }]]) {
        const r = sh(`query-postgres --url '${url}' "SELECT 1 AS a"`, { env });
        assert.equal([r.status, r.stdout], [0, '{"a":1}\n'], `${url}: ${r.stderr}`);
      }
      const postFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ep-post-')), 'post.sql');
      fs.writeFileSync(postFile, 'SELECT count(*) FROM loaded_keys');
      for (const [t, post] of [['ep_stage_2', "'SELECT 1'"], ['loaded_keys', "'SELECT count(*) FROM loaded_keys'"], ['loaded_keys', `@${postFile}`]]) {
        const own = sh(`load-postgres --url ${server.url} -t ${t} -k a --post-sql ${post}`, { input: '{"a":1}\n' });
        assert.is(own.status, 2, own.stderr);
        assert.match(own.stderr, /the loader's own temporary tables/);
      }
      const param = sh(`query-postgres --url ${server.url} 'SELECT $1::int AS x'`);
      assert.is(param.status, 2, param.stderr);
      const nested = sh(`load-postgres --url ${server.url} -t nested_json -k a`, { input: '{"a":1,"j":{"x":"\\ud800"}}\n{"a":2,"j":{"x":1}}\n' });
      // (said as a top-level string's: it was the server's "database: ... low surrogate must follow a
      // high surrogate" for a lone high one; found by a review)
      assert.match(nested.stderr, /-:1: bad string: j: a string or name inside it is not valid Unicode \(a lone surrogate\)/);
      assert.match(nested.stderr, /inserted=1 /);
    } finally { tls.stop(); locked.stop(); }
  });

  test('a JSON or JSONB string or null is its JSON text in a CSV or table cell (it printed as the text abc, and as SQL NULL); rows through a cursor, printed as they come: | head ends at once, and a statement no cursor holds (SHOW) runs as it is', () => {
    const csv = sh(`query-postgres --url ${server.url} --format csv "SELECT '\\"abc\\"'::jsonb j1, 'null'::jsonb j2, NULL::jsonb j3, 'abc'::text t"`);
    assert.is(csv.status, 0, csv.stderr);
    assert.is(csv.stdout, 'j1,j2,j3,t\n"""abc""",null,,abc\n');
    const table = sh(`query-postgres --url ${server.url} --format table "SELECT '\\"abc\\"'::jsonb j1, 'null'::jsonb j2, NULL::jsonb j3"`);
    assert.is(table.stdout, 'j1     j2    j3\n-----  ----  ----\n"abc"  null  NULL\n');
    const nd = sh(`query-postgres --url ${server.url} "SELECT '\\"abc\\"'::jsonb j1, 'null'::jsonb j2, ARRAY['\\"a\\"'::jsonb, 'null'::jsonb] ja"`);
    assert.is(nd.stdout, '{"j1":"abc","j2":null,"ja":["a",null]}\n');
    const head = sh(`query-postgres --url ${server.url} "SELECT x FROM generate_series(1, 200000000) x" | head -2; echo "status \${PIPESTATUS[0]}"`);
    assert.is(head.stdout, '{"x":1}\n{"x":2}\nstatus 0\n', head.stderr);
    const many = sh(`query-postgres --url ${server.url} --format csv "SELECT x FROM generate_series(1, 25001) x" | sed -n '1p;2p;$p'`);
    assert.is(many.stdout, 'x\n1\n25001\n');
    const show = sh(`query-postgres --url ${server.url} "SHOW client_encoding"`);
    assert.is(show.stdout, '{"client_encoding":"UTF8"}\n', show.stderr);
    const two = sh(`query-postgres --url ${server.url} "SELECT 1; SELECT 2"`);
    assert.is(two.status, 2);
  });

  test('JSON nested past 1,000 levels (5,000 ended the run: "Maximum call stack size exceeded") is printed as PostgreSQL\'s text without blanks, alone and in an array, in every format', () => {
    const deep = (n, inner) => '['.repeat(n) + inner + ']'.repeat(n);
    const sql = `SELECT '${deep(5000, '{"a": 1.50}')}'::jsonb AS j, '${deep(5000, '1.50 ')}'::json AS t, ARRAY['${deep(5000, '2')}'::jsonb, '{"b": [1, 2]}'] AS a, 1 AS k`;
    const got = query(sql);
    assert.is(got.ndjson, `{"j":${deep(5000, '{"a":1.50}')},"t":${deep(5000, '1.50')},"a":[${deep(5000, '2')},{"b":[1,2]}],"k":1}\n`);
    assert.is(got.csv, `j,t,a,k\n${deep(5000, '{""a"":1.50}').replace(/^/, '"').replace(/$/, '"')},${deep(5000, '1.50')},"[${deep(5000, '2')},{""b"":[1,2]}]",1\n`);
    assert.ok(got.table.split('\n')[2].startsWith(deep(5000, '{"a":1.50}') + '  '));
    // 1,000 levels are walked as before (the numbers as the tools write them)
    assert.is(query(`SELECT '${deep(1000, '1.50')}'::jsonb AS j`).ndjson, `{"j":${deep(1000, '1.5')}}\n`);
  });

  test.run();
}
