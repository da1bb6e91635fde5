// query-postgres's rows as query-sqlite prints them (core/result-rows.ts), against a real PostgreSQL
// started here (test/helpers/postgres.mjs; without PostgreSQL installed the file says so loudly and
// skips): columns of one name keep their own values in every format (NDJSON renames a later one),
// the query's column order, BYTEA as \x and hex; arrays element by element as the type alone. (The
// values of each type: postgres-recipes.test.mjs.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { sh } from '../helpers/sh.mjs';
import { bindir, startServer } from '../helpers/postgres.mjs';

if (!bindir) {
  const why = 'PostgreSQL is not installed (Debian: apt-get install postgresql): query-postgres was NOT run';
  console.error(`\n  SKIPPED test/e2e/query-postgres.test.mjs: ${why}\n`);
  test.skip(`query-postgres against a real PostgreSQL: ${why}`, () => {});
  test('JSON and JSONB numbers exact: a decimal of more than 15 significant digits as stored (it was its double: 12345678901234567000, 0.1)', () => {
    const r = sh(`query-postgres --url ${server.url} "SELECT '[12345678901234567890.5, 0.10000000000000001, 1.5]'::jsonb AS j, '{\\"a\\":12345678901234567890.5}'::json AS k"`);
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, '{"j":[12345678901234567890.5,0.10000000000000001,1.5],"k":{"a":12345678901234567890.5}}\n');
  });

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

  test.run();
}
