// The recipes with --pg URL (scripts/active-users.sh, reel-interest.sh, game-stats.sh) against a real
// PostgreSQL started here (test/helpers/postgres.mjs: initdb into a temporary directory, stopped and
// removed after the tests; without PostgreSQL installed the file says so loudly and skips). For each
// recipe: the same input loaded with --db and with --pg gives the same tables, row for row (every
// table the recipe keeps, its state included; booleans compared as 0/1, DATE as its text, ids kept as
// JSONB compared as the JSON value, 64-bit integers exact); loading twice gives the tables of one
// load; and for the incremental recipes, a split loaded in a random order with repeats, and pieces
// loaded at the same time, give the tables of one load.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import Database from 'better-sqlite3';
import { hasReal, real, root, sh, tmpdir, withReal } from '../helpers/sh.mjs';
import { bindir, startServer } from '../helpers/postgres.mjs';
import { plan } from '../helpers/incremental.mjs';
import { TABLES as GAME_TABLES, generateGame } from '../helpers/game.mjs';

/** one value as the tests compare it: integers beyond 2^53 as "Nn" (exact), booleans as 0/1 */
const norm = (v) => (typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : `${v}n`) : typeof v === 'boolean' ? (v ? 1 : 0) : v);
const rowText = (r) => JSON.stringify(Object.fromEntries(Object.entries(r).map(([k, v]) => [k, norm(v)])));

/** the rows of each table of a SQLite database, one JSON text a row, sorted */
function sqliteTables(file, tables) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}"`).safeIntegers(true).all().map(rowText).sort().join('\n')]));
  } finally { db.close(); }
}

// PostgreSQL values as the tests compare them: BIGINT/NUMERIC integers exact, DATE as text, JSONB as
// its JSON value with integers exact (an id 7 stays 7, "7" stays "7")
const exactInt = (s) => (/^-?\d+$/.test(s) ? BigInt(s) : Number(s));
const jsonExact = (s) => (/^-?\d+$/.test(s) ? exactInt(s) : JSON.parse(s)); // ids and goals: scalars
const PARSERS = { 20: exactInt, 1700: exactInt, 1082: (s) => s, 3802: jsonExact, 114: jsonExact };
const types = { getTypeParser: (oid, format) => PARSERS[oid] ?? pg.types.getTypeParser(oid, format) };

/** a bash script run in the background (PATH with bin/ and scripts/): resolves to { status, stderr } */
const shAsync = (script) => new Promise((resolve) => {
  const p = spawn('bash', ['-o', 'pipefail', '-c', script], { cwd: root, env: { ...process.env, PATH: `${root}/bin:${root}/scripts:${process.env.PATH}` } });
  let stderr = '';
  p.stderr.on('data', (x) => { stderr += x; });
  p.on('close', (status) => resolve({ status, stderr }));
  p.stdin.end();
});

if (!bindir) {
  const why = 'PostgreSQL is not installed (Debian: apt-get install postgresql): the recipes were NOT run with --pg';
  console.error(`\n  SKIPPED test/e2e/postgres-recipes.test.mjs: ${why}\n`);
  test.skip(`the recipes with --pg against a real PostgreSQL: ${why}`, () => {});
  test.run();
} else {
  let server, admin, startError;
  let n = 0;
  test.before(async () => {
    try {
      server = await startServer();
      admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
    } catch (err) { startError = err; }
  });
  test.after(async () => {
    try { await admin?.end(); } catch { /* the server goes anyway */ }
    server?.stop();
  });
  test.before.each(() => { if (startError) throw startError; });

  /** a new empty database: its URL */
  const newDb = async () => {
    const name = `t${++n}`;
    await admin.query(`CREATE DATABASE ${name}`);
    return server.url.replace(/\/postgres$/, `/${name}`);
  };
  /** the rows of each table of a PostgreSQL database, as sqliteTables gives them */
  const pgTables = async (url, tables) => {
    const c = new pg.Client({ connectionString: url, types });
    await c.connect();
    try {
      const out = {};
      for (const t of tables) out[t] = (await c.query(`SELECT * FROM "${t}"`)).rows.map(rowText).sort().join('\n');
      return out;
    } finally { await c.end(); }
  };
  const run = (script) => {
    const r = sh(script);
    assert.is(r.status, 0, `${script}\n${r.stderr}`);
    return r;
  };
  // (fractions compared to 12 significant digits: a mean or ratio of doubles may differ in the last
  // digit between the two databases; integers, ids and text exactly; the Lingokids durations' sums,
  // whole microseconds, exactly below)
  const fractions = (text) => text?.replace(/(?<![\w."])-?\d+\.\d+(?:[eE][-+]?\d+)?(?![\w"])/g, (x) => String(Number(Number(x).toPrecision(12))));
  const sameTables = (got, want, what) => {
    for (const t of Object.keys(want)) assert.is(fractions(got[t]), fractions(want[t]), `${what}: table ${t}`);
  };

  // ---- active-users.sh ----------------------------------------------------------------------------
  const AU = ['active_user_table', 'active_user_pairs'];

  test('active-users.sh: --db and --pg give the same tables; twice = once; a split in any order with repeats, and pieces loaded at once, = one load', async () => {
    const d = tmpdir();
    const gen = run('generate-ga4 --seed 5 --events 3000 --users 120 --days 4 --start 2020-03-06 --bad-lines 3').stdout.trim().split('\n');
    const inputs = [['generated, across the DST switch', gen]];
    if (hasReal) inputs.unshift(['the real sample', fs.readFileSync(path.join(real, 'sliide', 'bq-results-sample-data.jsons'), 'utf8').trim().split('\n')]);
    else console.log('  (the real sample skipped: ../shared/data/real not present)');
    for (const [name, text] of inputs) {
      fs.writeFileSync(`${d}/all.jsons`, text.join('\n') + '\n');
      const url = await newDb();
      run(`active-users.sh --quiet --db ${d}/${n}.db ${d}/all.jsons`);
      const printed = run(`active-users.sh --pg ${url} ${d}/all.jsons`);
      const want = sqliteTables(`${d}/${n}.db`, AU);
      assert.ok(want.active_user_table.length > 0);
      sameTables(await pgTables(url, AU), want, `${name}: --pg vs --db`);
      if (name === 'the real sample') {
        assert.is(want.active_user_table, '{"date":"2019-12-29","active_user_count":11}\n{"date":"2019-12-30","active_user_count":31}\n{"date":"2019-12-31","active_user_count":22}');
        assert.match(printed.stdout, /^date {8}active_user_count\n-{10} {2}-{17}\n2019-12-29 {2}11\n2019-12-30 {2}31\n2019-12-31 {2}22\n$/);
      }
      if (name === 'the real sample') continue; // the rest on the generated export (more days, more users)
      // twice = once (nothing written the second time)
      const again = run(`active-users.sh --quiet --pg ${url} ${d}/all.jsons`);
      assert.match(again.stderr, /active_user_pairs: inserted=0 updated=0 unchanged=\d+ rejected=0/);
      sameTables(await pgTables(url, AU), want, `${name}: loaded twice`);
      // a split, loaded in a random order with repeats
      const { pieces, runs, how } = plan(text, 7, 3);
      pieces.forEach((p, i) => fs.writeFileSync(`${d}/p${i}.jsons`, p.join('\n') + (p.length ? '\n' : '')));
      const split = await newDb();
      for (const r of runs) run(`active-users.sh --quiet --pg ${split} ${r.map((i) => `${d}/p${i}.jsons`).join(' ')}`);
      sameTables(await pgTables(split, AU), want, `${name}: split (${how}, loads ${JSON.stringify(runs)})`);
      // the pieces loaded at the same time into a new database (the tables created once, the
      // concurrent transactions recount one after the other)
      const together = await newDb();
      const rs = await Promise.all(pieces.map((_p, i) => shAsync(`active-users.sh --quiet --pg ${together} ${d}/p${i}.jsons`)));
      for (const r of rs) assert.is(r.status, 0, r.stderr);
      sameTables(await pgTables(together, AU), want, `${name}: pieces loaded at once`);
    }
  });

  test('active-users.sh: --db and --pg together, a URL that is not one, a server that is not there: one line each', async () => {
    let r = sh('active-users.sh --db x.db --pg postgres://u@h/d < /dev/null');
    assert.is(r.status, 2);
    assert.is(r.stderr, "active-users.sh: --db and --pg: give one of them (try 'active-users.sh --help')\n");
    r = sh('active-users.sh --pg analytics.db < /dev/null');
    assert.is(r.status, 2);
    assert.match(r.stderr, /^active-users\.sh: --pg takes postgres:\/\/USER@HOST:PORT\/DB .*\n$/);
    r = sh('active-users.sh < /dev/null');
    assert.is(r.stderr, "active-users.sh: missing --db FILE or --pg URL (try 'active-users.sh --help')\n");
    r = sh(`echo '{}' | active-users.sh --pg postgres://etl:secret@127.0.0.1:${server.port + 1}/x`);
    assert.is(r.status, 1);
    assert.not.match(r.stderr, /secret/);
    assert.match(r.stderr, /load-postgres: error: connect ECONNREFUSED/);
  });

  // ---- reel-interest.sh ---------------------------------------------------------------------------
  test('reel-interest.sh: --db and --pg give the same table reel_interest; twice = once', async () => {
    const d = tmpdir();
    run(`generate-loco --seed 3 --events 3000 > ${d}/events.ndjson`);
    const files = [`${d}/events.ndjson`];
    if (hasReal) files.push(path.join(real, 'loco', 'reel_liked_data'), path.join(real, 'loco', 'reel_unliked_data'));
    const url = await newDb();
    run(`reel-interest.sh --out ${d}/a --db ${d}/l.db ${files.join(' ')}`);
    const r = run(`reel-interest.sh --out ${d}/b --pg ${url} ${files.join(' ')}`);
    assert.match(r.stderr, /table reel_interest in postgres:\/\/postgres@127\.0\.0\.1:\d+\/t\d+\n$/);
    const want = sqliteTables(`${d}/l.db`, ['reel_interest']);
    const rows = want.reel_interest.split('\n');
    assert.ok(rows.length > 100 && rows.some((l) => l.includes('"watched_ratio":null')) && rows.some((l) => /"watched_ratio":0\.\d/.test(l)), 'a table with ratios and nulls');
    sameTables(await pgTables(url, ['reel_interest']), want, '--pg vs --db');
    assert.equal(fs.readFileSync(`${d}/b/reel_interest.ndjson`, 'utf8'), fs.readFileSync(`${d}/a/reel_interest.ndjson`, 'utf8'));
    const again = run(`reel-interest.sh --out ${d}/b --pg ${url} ${files.join(' ')}`);
    assert.match(again.stderr, new RegExp(`reel_interest: inserted=0 updated=0 unchanged=${rows.length} rejected=0`));
    sameTables(await pgTables(url, ['reel_interest']), want, 'loaded twice');
  });

  // ---- game-stats.sh ------------------------------------------------------------------------------
  test('game-stats.sh: --db and --pg give the same tables and state; twice = once; a split with repeats, and two loads at once, = one load', async () => {
    const d = tmpdir();
    const tz = `${d}/timezones.jsonl`;
    fs.writeFileSync(tz, ['US:America/New_York', 'JP:Asia/Tokyo', 'DE:Europe/Berlin', 'IT:Europe/Rome']
      .map((x) => JSON.stringify({ country: x.split(':')[0], timezone: x.split(':')[1] })).join('\n') + '\n');
    const text = generateGame(21);
    fs.writeFileSync(`${d}/all.jsonl`, text.join('\n') + '\n');
    const load = (sink, files) => run(`game-stats.sh ${sink} --timezones ${tz} ${files.join(' ')}`);
    load(`--db ${d}/g.db`, [`${d}/all.jsonl`]);
    const want = sqliteTables(`${d}/g.db`, GAME_TABLES);
    assert.ok(want.session_data && want.match_data && want.registration_data, 'tables with rows');
    assert.match(want.game_registrations, /"user_id":"1234567890123456789n"/, 'the 64-bit numeric id, exact');
    const url = await newDb();
    load(`--pg ${url}`, [`${d}/all.jsonl`]);
    sameTables(await pgTables(url, GAME_TABLES), want, '--pg vs --db');
    const again = load(`--pg ${url}`, [`${d}/all.jsonl`]);
    assert.match(again.stderr, /events read: 0 new/);
    sameTables(await pgTables(url, GAME_TABLES), want, 'loaded twice');
    // a split, loaded in a random order with repeats
    const { pieces, runs } = plan(text, 3, 2);
    pieces.forEach((p, i) => fs.writeFileSync(`${d}/p${i}.jsonl`, p.join('\n') + (p.length ? '\n' : '')));
    const split = await newDb();
    for (const r of runs) load(`--pg ${split}`, r.map((i) => `${d}/p${i}.jsonl`));
    sameTables(await pgTables(split, GAME_TABLES), want, `split (loads ${JSON.stringify(runs)})`);
    // the pieces started at once: one load at a time (the advisory lock), the tables of one load
    const together = await newDb();
    const rs = await Promise.all(pieces.map((_p, i) => shAsync(`game-stats.sh --pg ${together} --timezones ${tz} ${d}/p${i}.jsonl`)));
    for (const r of rs) assert.ok(r.status === 0 || (r.status === 1 && /no event of this load could be used/.test(r.stderr)), r.stderr);
    sameTables(await pgTables(together, GAME_TABLES), want, 'pieces loaded at once');
    // the settings are kept: another --gap is refused, nothing written
    const r = sh(`game-stats.sh --pg ${url} --timezones ${tz} --gap 30 ${d}/p0.jsonl`);
    assert.is(r.status, 2, r.stderr);
    assert.match(r.stderr, /was loaded with other options or another timezones file/);
    sameTables(await pgTables(url, GAME_TABLES), want, 'after a refused load');
  });

  withReal(test)('game-stats.sh: the challenge sample with --pg gives the tables of --db', async () => {
    const G = path.join(real, 'nordeus-game');
    const d = tmpdir();
    const url = await newDb();
    run(`game-stats.sh --db ${d}/g.db --timezones ${G}/timezones.jsonl ${G}/events_test.jsonl`);
    run(`game-stats.sh --pg ${url} --timezones ${G}/timezones.jsonl ${G}/events_test.jsonl`);
    const want = sqliteTables(`${d}/g.db`, GAME_TABLES);
    assert.ok(want.registration_data.length > 0 && want.session_data.length > 0);
    sameTables(await pgTables(url, GAME_TABLES), want, 'sample: --pg vs --db');
  });

  // ---- insights.sh ----------------------------------------------------------------------------------
  const INS = ['dau', 'mau', 'power_users', 'retention', 'app_version_p95', 'dau_anomalies', 'device_performance', 'session_metrics'];

  test('insights.sh: --db and --pg give the same tables (stage_stats aside: its timings differ); twice = once; --pg refuses --incremental and --report', async () => {
    const d = tmpdir();
    run(`generate-insights --seed 4 --interactions 6000 --users 300 --out ${d}/g`);
    const files = fs.readdirSync(`${d}/g/interactions`).sort().map((f) => `${d}/g/interactions/${f}`).join(' ');
    const url = await newDb();
    run(`insights.sh --db ${d}/i.db --metadata ${d}/g/user_metadata.csv --cap-duration 600000 ${files}`);
    run(`insights.sh --pg ${url} --metadata ${d}/g/user_metadata.csv --cap-duration 600000 ${files}`);
    const want = sqliteTables(`${d}/i.db`, INS);
    for (const t of INS) assert.ok(want[t].length > 0, `${t} has rows`);
    sameTables(await pgTables(url, INS), want, 'insights --pg vs --db');
    run(`insights.sh --pg ${url} --metadata ${d}/g/user_metadata.csv --cap-duration 600000 ${files}`);
    sameTables(await pgTables(url, INS), want, 'insights --pg run twice');
    for (const bad of ['--incremental', `--report ${d}/r`]) {
      const r = sh(`insights.sh --pg ${url} ${bad} ${files}`);
      assert.is(r.status, 2, bad);
      assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    // the recipe's lock session connects as the tools do: `sslmode=prefer` (or PGSSLMODE) on a server
    // without TLS falls back to plain, as libpq; the lock's bare client failed ("cannot lock ...: The
    // server does not support SSL connections", or pg's SSL warning read as its answer; found by a review)
    const prefer = sh(`insights.sh --pg '${url}?sslmode=prefer' --metadata ${d}/g/user_metadata.csv --cap-duration 600000 ${files}`);
    assert.is(prefer.status, 0, prefer.stderr);
    assert.not.match(prefer.stderr, /cannot lock|Warning/);
    sameTables(await pgTables(url, INS), want, 'insights --pg ?sslmode=prefer');
    const env = sh(`PGSSLMODE=require insights.sh --pg '${url}?sslmode=prefer' --cap-duration 600000 ${files}`);
    assert.is(env.status, 0, env.stderr);
  });

  // ---- engagement.sh --------------------------------------------------------------------------------
  const ENG = ['activity_exit_facts', 'activity_engagement_daily', 'engagement_settings', 'activity_engagement_monthly', 'activity_completion_daily'];

  test('engagement.sh: --db and --pg give the same facts, cube and rollups; twice = once; two halves in either order = one load', async () => {
    const d = tmpdir();
    const L = hasReal ? path.join(real, 'lingokids') : null;
    let users = `${L}/users.json`, acts = `${L}/activities.json`;
    if (!hasReal) { run(`generate-lingokids --seed 3 --events 10 --out-users ${d}/users.json --out-activities ${d}/acts.json > /dev/null`); users = `${d}/users.json`; acts = `${d}/acts.json`; }
    const ev = run(`generate-lingokids --seed 22 --events 6000 --users ${users} --activities ${acts} --bad-lines 3`).stdout.trim().split('\n');
    fs.writeFileSync(`${d}/ev.json`, ev.join('\n') + '\n');
    const half = Math.floor(ev.length / 2);
    fs.writeFileSync(`${d}/a.json`, ev.slice(0, half).join('\n') + '\n');
    fs.writeFileSync(`${d}/b.json`, ev.slice(half).join('\n') + '\n');
    const side = `--users ${users} --activities ${acts} --tz Europe/Madrid`;
    run(`engagement.sh --db ${d}/e.db ${side} ${d}/ev.json`);
    const want = sqliteTables(`${d}/e.db`, ENG);
    assert.ok(want.activity_engagement_daily.length > 0);
    const url = await newDb();
    run(`engagement.sh --pg ${url} ${side} ${d}/ev.json`);
    sameTables(await pgTables(url, ENG), want, 'engagement --pg vs --db');
    run(`engagement.sh --pg ${url} ${side} ${d}/ev.json`);
    sameTables(await pgTables(url, ENG), want, 'engagement --pg loaded twice');
    const split = await newDb();
    run(`engagement.sh --pg ${split} ${side} ${d}/b.json`);
    run(`engagement.sh --pg ${split} ${side} ${d}/a.json`);
    sameTables(await pgTables(split, ENG), want, 'engagement --pg: the second half first');
    const r = sh(`engagement.sh --pg ${split} --users ${users} --activities ${acts} --tz UTC ${d}/a.json`);
    assert.is(r.status, 2, 'another --tz is refused');
    // many facts a cell (40 users, 5 activities, 20,000 events): the durations' sums to the last bit
    // (SQLite adds doubles with compensation, PostgreSQL without: 1231.257 against 1231.2569999999998)
    run(`generate-lingokids --seed 9 --events 0 --make-users 40 --make-activities 5 --out-users ${d}/u40.json --out-activities ${d}/a5.json > /dev/null`);
    fs.writeFileSync(`${d}/dense.json`, run(`generate-lingokids --seed 4 --events 20000 --users ${d}/u40.json --activities ${d}/a5.json`).stdout);
    const dense = `--users ${d}/u40.json --activities ${d}/a5.json`, TOP = ['activity_engagement_daily', 'activity_engagement_monthly', 'activity_top'];
    run(`engagement.sh --db ${d}/dense.db ${dense} ${d}/dense.json`);
    const denseUrl = await newDb();
    run(`engagement.sh --pg ${denseUrl} ${dense} ${d}/dense.json`);
    const got = await pgTables(denseUrl, TOP), want2 = sqliteTables(`${d}/dense.db`, TOP);
    for (const t of TOP) assert.is(got[t], want2[t], `engagement --pg vs --db, many facts a cell, exactly: table ${t}`);
  });

  test('query-postgres: the rows exact (BIGINT, NUMERIC, JSONB), DATE as text, booleans; csv and table; one statement, read only', async () => {
    const url = await newDb();
    const sql = "SELECT 9007199254740993::int8 AS big, 12345678901234567890.5::numeric AS num, DATE '2020-01-02' AS d, true AS ok, " +
      "'{\"id\":9223372036854775807,\"s\":\"7\"}'::jsonb AS j, 'NaN'::float8 AS f, NULL::text AS n, 'a,\"b\"' AS t";
    let r = sh(`query-postgres --url ${url} "${sql.replace(/"/g, '\\"')}"`);
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout, '{"big":9007199254740993,"num":12345678901234567890.5,"d":"2020-01-02","ok":true,"j":{"s":"7","id":9223372036854775807},"f":"NaN","n":null,"t":"a,\\"b\\""}\n');
    r = sh(`query-postgres --url ${url} --format csv "${sql.replace(/"/g, '\\"')}"`);
    assert.is(r.stdout, 'big,num,d,ok,j,f,n,t\n9007199254740993,12345678901234567890.5,2020-01-02,true,"{""s"":""7"",""id"":9223372036854775807}",NaN,,"a,""b"""\n');
    r = sh(`query-postgres --url ${url} --format table "SELECT 1 AS a, 'xy' AS b"`);
    assert.is(r.stdout, 'a  b\n-  --\n1  xy\n');
    r = sh(`query-postgres --url ${url} "CREATE TABLE x (a int)"`);
    assert.is(r.status, 2);
    assert.is(r.stderr, "query-postgres: query failed: cannot execute CREATE TABLE in a read-only transaction (try 'query-postgres --help')\n");
    r = sh(`query-postgres --url ${url} "SELECT 1; SELECT 2"`);
    assert.is(r.status, 2);
    r = sh(`query-postgres --url ${url} "SELECT 1/0"`);
    assert.is(r.status, 1);
    assert.is(r.stderr, 'query-postgres: error: query failed: division by zero\n');
    r = sh(`query-postgres --url postgres://u:secret@127.0.0.1:${server.port + 1}/x "SELECT 1"`);
    assert.is(r.status, 1);
    assert.match(r.stderr, /^query-postgres: error: connect ECONNREFUSED 127\.0\.0\.1:\d+\n$/);
  });

  test.run();
}
