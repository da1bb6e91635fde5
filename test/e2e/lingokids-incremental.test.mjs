// The Lingokids recipe (scripts/engagement.sh) is incremental and idempotent: any split of its input
// (within days and across days), loaded in any order, with repeats and with duplicates of events of
// earlier loads, gives the tables of one load: the event facts kept for later loads, the daily cube, the
// rollup views and the Parquet export, compared whole. Plus the two regressions of the issue (a day in
// two files; a duplicate in a later file), the refusals and --help.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { hasReal, lines, real, sh, tmpdir, withReal } from '../helpers/sh.mjs';
import { dumpAll, plan } from '../helpers/incremental.mjs';

const L = path.join(real, 'lingokids');
const TABLES = ['activity_completion_daily', 'activity_engagement_daily', 'activity_engagement_monthly', 'activity_engagement_weekly',
  'activity_engagement_yearly', 'activity_exit_dirty_dates', 'activity_exit_facts', 'activity_top', 'engagement_settings'];

function load(db, files, { users, acts, extra = '' }) {
  const r = sh(`engagement.sh --db ${db} --users ${users} --activities ${acts} ${extra} ${files.join(' ')}`);
  assert.is(r.status, 0, r.stderr);
  return r;
}
const q = (db, sql) => lines(sh(`query-sqlite --db ${db} "${sql}"`).stdout);

/** one load of `text`, then for each seed a split loaded by the plan (the last load writes Parquet):
 *  every table and view, and the Parquet file, equal to one load's */
function splitsEqualOneLoad(name, text, { seeds, k, users, acts, extra = '' }) {
  const d = tmpdir();
  fs.writeFileSync(`${d}/all.json`, text.join('\n') + '\n');
  load(`${d}/one.db`, [`${d}/all.json`], { users, acts, extra: `${extra} --out ${d}/one` });
  const one = dumpAll(`${d}/one.db`);
  assert.equal(Object.keys(one), TABLES);
  assert.is(one.activity_exit_dirty_dates, '');
  for (const seed of seeds) {
    const { pieces, runs, how } = plan(text, seed, k);
    pieces.forEach((p, i) => fs.writeFileSync(`${d}/${seed}-${i}.json`, p.join('\n') + (p.length ? '\n' : '')));
    const db = `${d}/split-${seed}.db`;
    runs.forEach((run, j) => load(db, run.map((i) => `${d}/${seed}-${i}.json`), { users, acts, extra: j === runs.length - 1 ? `${extra} --out ${d}/${seed}` : extra }));
    const got = dumpAll(db);
    for (const t of TABLES) assert.is(got[t], one[t], `${name}, seed ${seed} (${how}, loads ${JSON.stringify(runs)}): ${t}`);
    assert.ok(fs.readFileSync(`${d}/${seed}/activity_engagement_daily.parquet`).equals(fs.readFileSync(`${d}/one/activity_engagement_daily.parquet`)), `${name}, seed ${seed}: Parquet`);
  }
  return { d, one };
}

/** generated users and activities (so this runs without the real samples too): few of them, so that
 *  cube rows gather several events (sums of several durations) */
function world() {
  const d = tmpdir();
  const r = sh(`generate-lingokids --seed 9 --events 0 --make-users 40 --make-activities 8 --out-users ${d}/users.json --out-activities ${d}/acts.json`);
  assert.is(r.status, 0, r.stderr);
  return { users: `${d}/users.json`, acts: `${d}/acts.json` };
}
/** generated events (duplicate deliveries, unknown users and activities, 3 broken lines); with `narrow`,
 *  most events get one OS, app version and collection, so that cube rows gather several events */
const generate = (seed, events, { users, acts }, narrow = false) => {
  const r = sh(`generate-lingokids --seed ${seed} --events ${events} --users ${users} --activities ${acts} --bad-lines 3`);
  assert.is(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').map((l) => {
    if (!narrow) return l;
    try {
      const e = JSON.parse(l);
      if (e.event_id.charCodeAt(0) % 7 === 0) return l; // by the event, so a duplicate delivery stays an exact copy
      Object.assign(e.context, { os: { name: 'iOS', version: '14.2' }, app: { version: '7.41.0', build: '4457' } });
      e.data.collection_id = '';
      return JSON.stringify(e);
    } catch { return l; } // a broken line stays broken
  });
};
const valid = (l) => { try { return JSON.parse(l); } catch { return null; } };

test('generated events: splits within and across days, in any order, with repeats and late duplicates, give the tables of one load', () => {
  const w = world();
  const text = generate(4, 2000, w, true);
  const ids = text.map(valid).filter(Boolean).map((e) => e.event_id);
  assert.ok(ids.length - new Set(ids).size > 20, 'the input has duplicate deliveries');
  const { one } = splitsEqualOneLoad('generated', text, { seeds: [1, 2], k: 3, ...w });
  const days = lines(one.activity_engagement_daily);
  assert.ok(new Set(days.map((x) => x.date)).size >= 28, 'a month of days');
  assert.ok(days.filter((x) => x.plays > 1).length > 100, 'rows of several events');
  assert.ok(days.some((x) => x.subscription_status === null) && days.some((x) => x.activity_type === null), 'unknown users and activities kept');
});

withReal(test)('real users and activities, days cut by --tz America/New_York: random splits equal one load', () => {
  const w = { users: `${L}/users.json`, acts: `${L}/activities.json` };
  const text = generate(8, 1500, w);
  const { one } = splitsEqualOneLoad('real', text, { seeds: [3], k: 3, ...w, extra: '--tz America/New_York' });
  assert.match(one.activity_engagement_daily, /"date":"2020-12-31"/); // the first UTC hours of 2021 are 2020 in New York
  assert.match(one.engagement_settings, /"setting":"tz","value":"America\/New_York"/);
});

test('regression: days split across two files keep both parts; a duplicate in a later file counts once; a repeat changes nothing; concurrent loads', () => {
  const w = world();
  const d = tmpdir();
  const day = generate(5, 600, w).filter((l) => valid(l)?.name === 'activity_exit' && valid(l).occurred_at.startsWith('2021-01-1'));
  const unique = [...new Map(day.map((l) => [valid(l).event_id, l])).values()];
  assert.ok(unique.length > 40);
  const half = Math.floor(unique.length / 2);
  fs.writeFileSync(`${d}/a.json`, unique.slice(0, half).join('\n') + '\n');
  fs.writeFileSync(`${d}/b.json`, [...unique.slice(half), unique[0], unique[1]].join('\n') + '\n'); // two events of a.json again
  const plays = () => q(`${d}/x.db`, 'SELECT sum(plays) AS p FROM activity_engagement_daily')[0].p;
  load(`${d}/x.db`, [`${d}/a.json`], w);
  assert.is(plays(), half);
  const b = load(`${d}/x.db`, [`${d}/b.json`], w);
  assert.is(plays(), unique.length, 'was: the second file replaced the days it carries');
  assert.match(b.stderr, new RegExp(`inserted=${unique.length - half} updated=0 unchanged=2 `));
  // a repeat adds no fact, marks no day and leaves every table as it was
  const before = dumpAll(`${d}/x.db`);
  const again = load(`${d}/x.db`, [`${d}/b.json`, `${d}/a.json`], w);
  assert.match(again.stderr, new RegExp(`inserted=0 updated=0 unchanged=${unique.length} `));
  assert.equal(dumpAll(`${d}/x.db`), before);
  // two loads at once into one database: they take turns (the lock), and give the same tables
  const both = sh(`for f in a b; do engagement.sh --db ${d}/z.db --users ${w.users} --activities ${w.acts} ${d}/$f.json 2> /dev/null & done; wait -n && wait -n`);
  assert.is(both.status, 0, both.stderr);
  assert.equal(dumpAll(`${d}/z.db`), before);
});

test('only the days that got new facts are recomputed (a repeat none); a database made with the earlier dirty-dates trigger loads alike', () => {
  const w = world();
  const d = tmpdir();
  const ev = [...new Map(generate(7, 800, w).map(valid).filter((e) => e && e.name === 'activity_exit').map((e) => [e.event_id, e])).values()];
  const dayOf = (e) => e.occurred_at.slice(0, 10);
  const days = [...new Set(ev.map(dayOf))].sort();
  assert.ok(days.length >= 10, 'several days');
  // a day in the middle (not the last: its rows' rowids would come back alike) with events before the late ones
  const late = days.find((x, i) => i > 0 && i < days.length - 1 && ev.filter((e) => dayOf(e) === x).length >= 4), extra = ev.filter((e) => dayOf(e) === late).slice(0, 2), rest = ev.filter((e) => !extra.includes(e));
  fs.writeFileSync(`${d}/rest.json`, rest.map((e) => JSON.stringify(e)).join('\n') + '\n');
  fs.writeFileSync(`${d}/late.json`, [...extra, rest[0], rest[rest.length - 1]].map((e) => JSON.stringify(e)).join('\n') + '\n'); // two of rest again
  const rows = (db) => new Map(q(db, 'SELECT rowid AS r, date FROM activity_engagement_daily ORDER BY rowid').map((x) => [x.r, x.date]));
  load(`${d}/x.db`, [`${d}/rest.json`], w);
  const first = rows(`${d}/x.db`);
  load(`${d}/x.db`, [`${d}/rest.json`], w);
  assert.equal(rows(`${d}/x.db`), first, 'a repeat recomputes no cube row (same rowids)');
  load(`${d}/x.db`, [`${d}/late.json`], w);
  const after = rows(`${d}/x.db`);
  const moved = new Set([...first].filter(([r, date]) => after.get(r) !== date).map(([, date]) => date));
  assert.equal([...moved], [late], 'only the day with new facts is recomputed (the days of the repeated two are not)');
  // the same loads into a database with the trigger of earlier versions: the trigger is dropped, the tables are the same
  load(`${d}/old.db`, [`${d}/rest.json`], w);
  const db = new Database(`${d}/old.db`);
  db.exec(`CREATE TRIGGER activity_exit_facts_dirty AFTER INSERT ON activity_exit_facts BEGIN
    INSERT OR IGNORE INTO activity_exit_dirty_dates (date) VALUES (NEW.date); END`);
  db.close();
  load(`${d}/old.db`, [`${d}/late.json`], w);
  assert.equal(q(`${d}/old.db`, "SELECT name FROM sqlite_master WHERE type = 'trigger'"), []);
  const one = tmpdir();
  load(`${one}/one.db`, [`${d}/rest.json`, `${d}/late.json`], w);
  assert.equal(dumpAll(`${d}/old.db`), dumpAll(`${one}/one.db`));
  assert.equal(dumpAll(`${d}/x.db`), dumpAll(`${one}/one.db`));
  // the same loads into a database whose facts have the earlier layout (event_id the primary key, an
  // index on date; now they are stored by date): it keeps it, and the tables are the same
  load(`${d}/layout.db`, [`${d}/rest.json`], w);
  const ldb = new Database(`${d}/layout.db`);
  const cols = ldb.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').pluck().all('activity_exit_facts');
  assert.is(ldb.prepare("SELECT count(*) FROM pragma_table_info('activity_exit_facts') WHERE pk > 0").pluck().get(), 2, 'a new database stores its facts by (date, event_id)');
  ldb.exec(`BEGIN; ALTER TABLE activity_exit_facts RENAME TO facts_new;
    CREATE TABLE activity_exit_facts (event_id TEXT NOT NULL PRIMARY KEY, date DATE NOT NULL, country TEXT, os_name TEXT, os_version TEXT,
      app_version TEXT, subscription_status TEXT, activity_id TEXT, activity_type TEXT, activity_subtype TEXT, collection_id TEXT,
      completed INTEGER NOT NULL, duration_s REAL) WITHOUT ROWID;
    CREATE INDEX activity_exit_facts_by_date ON activity_exit_facts (date);
    INSERT INTO activity_exit_facts (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM facts_new; DROP TABLE facts_new; COMMIT;`);
  ldb.close();
  load(`${d}/layout.db`, [`${d}/late.json`], w);
  assert.equal(q(`${d}/layout.db`, "SELECT name FROM pragma_table_info('activity_exit_facts') WHERE pk > 0"), [{ name: 'event_id' }], 'the earlier layout is kept');
  assert.equal(dumpAll(`${d}/layout.db`), dumpAll(`${one}/one.db`));
});

test('--help exits 0, documents every option and the incremental model, and creates nothing', () => {
  const d = tmpdir();
  const h = sh(`engagement.sh --help --db ${d}/e.db`);
  assert.is(h.status, 0, h.stderr);
  for (const o of ['--db', '--users', '--activities', '--out', '--tz', '--input-tz', '--stats-file', '--help', 'activity_exit_facts', 'incremental', 'bytes'])
    assert.ok(h.stdout.includes(o), o);
  assert.not.ok(fs.existsSync(`${d}/e.db`));
  assert.is(sh('engagement.sh --no-such-option').status, 2);
  assert.is(sh(`engagement.sh --db ${d}/e.db`).status, 2);
  assert.not.ok(fs.existsSync(`${d}/e.db`));
});

test('another --tz or --input-tz than the first load, or a database of the earlier recipe: refused (exit 2), nothing changed', () => {
  const w = world();
  const d = tmpdir();
  fs.writeFileSync(`${d}/ev.json`, generate(6, 300, w).join('\n') + '\n');
  load(`${d}/x.db`, [`${d}/ev.json`], w);
  const before = dumpAll(`${d}/x.db`);
  for (const extra of ['--tz Europe/Madrid', '--input-tz Europe/Madrid']) {
    const r = sh(`engagement.sh --db ${d}/x.db --users ${w.users} --activities ${w.acts} ${extra} ${d}/ev.json`);
    assert.is(r.status, 2, extra);
    assert.match(r.stderr, /another --tz or --input-tz/);
  }
  assert.equal(dumpAll(`${d}/x.db`), before);
  // the earlier recipe kept only the cube: its days cannot be recomputed from facts it never kept
  const old = new Database(`${d}/old.db`);
  old.exec("CREATE TABLE activity_engagement_daily (date DATE NOT NULL, country TEXT, plays INTEGER NOT NULL); INSERT INTO activity_engagement_daily VALUES ('2021-01-05', 'es', 3)");
  old.close();
  const r = sh(`engagement.sh --db ${d}/old.db --users ${w.users} --activities ${w.acts} ${d}/ev.json`);
  assert.is(r.status, 2);
  assert.match(r.stderr, /non-incremental/);
  assert.equal(q(`${d}/old.db`, "SELECT name FROM sqlite_master WHERE type = 'table'"), [{ name: 'activity_engagement_daily' }]);
});

test.run();
