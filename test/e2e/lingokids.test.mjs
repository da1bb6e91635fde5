// End to end: the Lingokids engagement recipe on raw events generated against the real users and
// activities, checked against an independent computation written here; subscription boundaries;
// duplicates; unknown ids; rollup views equal to sums of the daily table; a cross-check with another
// team's derived table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import path from 'node:path';
import { hasReal, lines, real, sh, tmpdir, withReal } from '../helpers/sh.mjs';

const L = path.join(real, 'lingokids');
const q = (db, sql) => lines(sh(`query-sqlite --db ${db} "${sql}"`).stdout);

// ---- reference: the rules, written independently of the tools
const ms = (s) => (s == null ? null : Date.parse(s.replace(' ', 'T').slice(0, 23) + 'Z'));
function status(u, t) {
  if (!u) return null;
  const [ts, te, ss, se] = [ms(u.trial_start_at), ms(u.trial_end_at), ms(u.subscription_start_at), ms(u.subscription_expire_at)];
  if (se !== null && t >= se) return 'lapsed';
  if (ss !== null && t >= ss) return 'subscribed';
  if (te !== null && t >= te) return 'lapsed';
  if (ts !== null && t >= ts) return 'trial';
  return 'free';
}
function reference(events, users, activities, keyOf) {
  const U = new Map(users.map((u) => [u.user_id, u])), A = new Map(activities.map((a) => [a.activity_id, a]));
  const seen = new Set(), out = new Map();
  for (const e of events) {
    if (!e || e.name !== 'activity_exit' || seen.has(e.event_id)) continue;
    seen.add(e.event_id);
    const u = U.get(e.user_id), a = A.get(e.data.activity_id), t = ms(e.occurred_at);
    const k = keyOf({ date: e.occurred_at.slice(0, 10), country: u?.country_code ?? null, status: status(u, t), type: a?.type ?? null, activity: e.data.activity_id });
    const r = out.get(k) ?? { plays: 0, completed: 0, secs: 0 };
    r.plays++; r.completed += e.data.completed ? 1 : 0; r.secs += e.data.duration;
    out.set(k, r);
  }
  return out;
}
const isoMonday = (d) => { const t = new Date(d + 'T00:00:00Z'); t.setUTCDate(t.getUTCDate() - ((t.getUTCDay() + 6) % 7)); return t.toISOString().slice(0, 10); };
const parseLines = (text) => text.split('\n').filter((l) => l.trim()).map((l) => { try { return JSON.parse(l); } catch { return null; } });

withReal(test)('generated raw events on the real users/activities: month x country x status x type and ISO week x activity equal the reference', () => {
  const d = tmpdir();
  sh(`scripts/generate-lingokids --seed 21 --events 30000 --users ${L}/users.json --activities ${L}/activities.json --bad-lines 4 > ${d}/ev.json`);
  const r = sh(`scripts/engagement.sh --db ${d}/c.db --users ${L}/users.json --activities ${L}/activities.json --out ${d}/out ${d}/ev.json`);
  assert.is(r.status, 0, r.stderr);
  const events = parseLines(fs.readFileSync(`${d}/ev.json`, 'utf8'));
  const broken = events.filter((e) => e === null).length;
  assert.ok(broken >= 3);
  assert.match(r.stderr, new RegExp(`${broken} bad records? skipped \\(malformed JSON: ${broken}\\)`));
  const users = lines(fs.readFileSync(`${L}/users.json`, 'utf8')), acts = lines(fs.readFileSync(`${L}/activities.json`, 'utf8'));
  assert.ok(events.length - new Set(events.filter(Boolean).map((e) => e.event_id)).size > 300, 'the input has duplicate deliveries');

  const byMonth = reference(events, users, acts, (x) => [x.date.slice(0, 7) + '-01', x.country, x.status, x.type].join('|'));
  const ours = q(`${d}/c.db`, 'SELECT period_start, country, subscription_status, activity_type, sum(plays) p, sum(completed_plays) c, sum(total_duration_s) s FROM activity_engagement_monthly GROUP BY 1, 2, 3, 4');
  assert.is(ours.length, byMonth.size);
  for (const o of ours) {
    const w = byMonth.get([o.period_start, o.country, o.subscription_status, o.activity_type].join('|'));
    assert.ok(w, JSON.stringify(o));
    assert.equal([o.p, o.c], [w.plays, w.completed]);
    assert.ok(Math.abs(o.s - w.secs) < 1e-6);
  }
  const byWeek = reference(events, users, acts, (x) => [isoMonday(x.date), x.activity].join('|'));
  const weekly = q(`${d}/c.db`, 'SELECT period_start, activity_id, sum(plays) p, sum(completed_plays) c, sum(total_duration_s) s FROM activity_engagement_weekly GROUP BY 1, 2');
  assert.is(weekly.length, byWeek.size);
  for (const o of weekly) {
    const w = byWeek.get([o.period_start, o.activity_id].join('|'));
    assert.ok(w && o.p === w.plays && o.c === w.completed && Math.abs(o.s - w.secs) < 1e-6, JSON.stringify(o));
  }
  // unknown users and activities keep their events with null dimensions
  assert.ok(q(`${d}/c.db`, 'SELECT count(*) n FROM activity_engagement_daily WHERE country IS NULL AND subscription_status IS NULL')[0].n > 0);
  assert.ok(q(`${d}/c.db`, 'SELECT count(*) n FROM activity_engagement_daily WHERE activity_type IS NULL')[0].n > 0);
  // rollups are sums of the daily table
  for (const v of ['weekly', 'monthly', 'yearly']) {
    assert.equal(q(`${d}/c.db`, `SELECT sum(plays) p, sum(completed_plays) c, round(sum(total_duration_s), 6) s FROM activity_engagement_${v}`),
      q(`${d}/c.db`, 'SELECT sum(plays) p, sum(completed_plays) c, round(sum(total_duration_s), 6) s FROM activity_engagement_daily'));
  }
  // loading the same events again leaves the same cube; Parquet export present
  const before = sh(`query-sqlite --db ${d}/c.db 'SELECT * FROM activity_engagement_daily ORDER BY 1,2,3,4,5,6,7,8,9,10'`).stdout;
  sh(`scripts/engagement.sh --db ${d}/c.db --users ${L}/users.json --activities ${L}/activities.json ${d}/ev.json`);
  assert.is(sh(`query-sqlite --db ${d}/c.db 'SELECT * FROM activity_engagement_daily ORDER BY 1,2,3,4,5,6,7,8,9,10'`).stdout, before);
  assert.ok(fs.statSync(`${d}/out/activity_engagement_daily.parquet`).size > 1000);
  // top activities and completion views answer
  const top = q(`${d}/c.db`, 'SELECT activity_id, plays, rank_by_plays FROM activity_top ORDER BY rank_by_plays LIMIT 1')[0];
  assert.is(top.rank_by_plays, 1);
});

withReal(test)('the facts are sorted by id with sort: one that fails (a full disk) stops the run with exit 1 and loads nothing; a second load of the same file changes nothing', () => {
  const d = tmpdir();
  sh(`scripts/generate-lingokids --seed 5 --events 3000 --users ${L}/users.json --activities ${L}/activities.json > ${d}/ev.json`);
  fs.mkdirSync(`${d}/bin`);
  fs.writeFileSync(`${d}/bin/sort`, '#!/bin/sh\necho "sort: write failed: No space left on device" >&2\nexit 2\n', { mode: 0o755 });
  const run = (env = {}) => sh(`scripts/engagement.sh --db ${d}/f.db --users ${L}/users.json --activities ${L}/activities.json ${d}/ev.json`, { env });
  const bad = run({ PATH: `${d}/bin:${process.env.PATH}` });
  assert.is(bad.status, 1, bad.stderr);
  assert.match(bad.stderr, /engagement\.sh: sorting the facts failed .*nothing loaded/);
  assert.not.ok(fs.existsSync(`${d}/f.db`) && q(`${d}/f.db`, "SELECT count(*) AS n FROM sqlite_master WHERE name = 'activity_exit_facts'")[0].n > 0 && q(`${d}/f.db`, 'SELECT count(*) AS n FROM activity_exit_facts')[0].n > 0, 'no fact loaded');
  const ok = run();
  assert.is(ok.status, 0, ok.stderr);
  const facts = q(`${d}/f.db`, 'SELECT count(*) AS n FROM activity_exit_facts')[0].n;
  assert.ok(facts > 1000);
  const ids = lines(sh(`query-sqlite --db ${d}/f.db 'SELECT event_id FROM activity_exit_facts ORDER BY event_id'`).stdout).map((r) => r.event_id);
  assert.is(new Set(ids).size, ids.length);
  const again = run();
  assert.is(again.status, 0, again.stderr);
  assert.is(q(`${d}/f.db`, 'SELECT count(*) AS n FROM activity_exit_facts')[0].n, facts);
});

test('subscription boundaries: exactly at trial start, trial end (no subscription), subscription start and expiry', () => {
  const d = tmpdir();
  const users = [
    { user_id: 'u1', children_ids: ['c1'], country_code: 'es', registration_at: '2021-01-01 00:00:00.000000', trial_start_at: '2021-01-02 00:00:00.000000', trial_end_at: '2021-01-09 00:00:00.000000', subscription_start_at: '2021-01-09 00:00:00.000000', subscription_expire_at: '2021-02-08 00:00:00.000000' },
    { user_id: 'u2', children_ids: ['c2'], country_code: 'es', registration_at: '2021-01-01 00:00:00.000000', trial_start_at: '2021-01-02 00:00:00.000000', trial_end_at: '2021-01-09 00:00:00.000000' },
  ];
  fs.writeFileSync(`${d}/users.json`, users.map((u) => JSON.stringify(u)).join('\n') + '\n');
  fs.writeFileSync(`${d}/acts.json`, JSON.stringify([{ activity_id: 'a', name: 'A', type: 'game', subtype: null }]));
  const ev = (id, user, at) => JSON.stringify({ event_id: id, name: 'activity_exit', occurred_at: at, user_id: user, child_id: 'c', data: { activity_id: 'a', source: 'x', duration: 1, completed: true, collection_id: '', loading_time: 0 }, context: { device: {}, os: { name: 'iOS', version: '14' }, app: { version: '7.41.0', build: '1' } } });
  const evs = [
    ev('1', 'u1', '2021-01-01 23:59:59.999'), ev('2', 'u1', '2021-01-02 00:00:00.000'), ev('3', 'u1', '2021-01-08 23:59:59.999'),
    ev('4', 'u1', '2021-01-09 00:00:00.000'), ev('5', 'u1', '2021-02-07 23:59:59.999'), ev('6', 'u1', '2021-02-08 00:00:00.000'),
    ev('7', 'u2', '2021-01-08 23:59:59.999'), ev('8', 'u2', '2021-01-09 00:00:00.000'), ev('8', 'u2', '2021-01-09 00:00:00.000'),
  ];
  fs.writeFileSync(`${d}/ev.json`, evs.join('\n') + '\n');
  const r = sh(`scripts/engagement.sh --db ${d}/b.db --users ${d}/users.json --activities ${d}/acts.json ${d}/ev.json`);
  assert.is(r.status, 0, r.stderr);
  const rows = q(`${d}/b.db`, 'SELECT date, subscription_status s, sum(plays) p FROM activity_engagement_daily GROUP BY 1, 2 ORDER BY 1, 2');
  assert.equal(rows, [
    { date: '2021-01-01', s: 'free', p: 1 }, { date: '2021-01-02', s: 'trial', p: 1 }, { date: '2021-01-08', s: 'trial', p: 2 },
    { date: '2021-01-09', s: 'lapsed', p: 1 }, { date: '2021-01-09', s: 'subscribed', p: 1 },
    { date: '2021-02-07', s: 'subscribed', p: 1 }, { date: '2021-02-08', s: 'lapsed', p: 1 },
  ]);
});

test('the first good delivery counts: one rejected (a bad occurred_at) does not hide a later one, events of other names take no id; one load, --hosts and two loads agree', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/users.json`, JSON.stringify({ user_id: 'u1', children_ids: [], country_code: 'es', registration_at: '2021-01-01 00:00:00.000000' }) + '\n');
  fs.writeFileSync(`${d}/acts.json`, JSON.stringify({ activity_id: 'a', name: 'A', type: 'game', subtype: null }) + '\n');
  const ev = (id, at, name = 'activity_exit', duration = 1) => JSON.stringify({ event_id: id, name, occurred_at: at, user_id: 'u1', child_id: 'c', data: { activity_id: 'a', source: 'x', duration, completed: true, collection_id: '', loading_time: 0 }, context: { device: {}, os: { name: 'iOS', version: '14' }, app: { version: '7.41.0', build: '1' } } });
  // 1: a bad time, then good; 2: another event's id, then an activity_exit; 3: delivered twice; 4: bad in
  // the first file, good in the second; 5: a broken line in the first file, then good in the second
  fs.writeFileSync(`${d}/a.json`, [ev('1', 'yesterday', 'activity_exit', 7), ev('1', '2021-01-05 10:00:00.000'), ev('2', '2021-01-05 11:00:00.000', 'activity_start'),
    ev('2', '2021-01-06 10:00:00.000'), ev('3', '2021-01-06 11:00:00.000', 'activity_exit', 2), ev('3', '2021-01-06 11:00:00.000', 'activity_exit', 2),
    ev('4', '2021-13-01 10:00:00.000'), ev('5', '2021-01-07 10:00:00.000').slice(0, -3),
    // an empty or null event_id is no event's id: a bad record each (an empty one was loaded as a fact,
    // and the second taken for its duplicate: a review)
    ev('', '2021-01-05 12:00:00.000'), ev('', '2021-01-05 13:00:00.000'), ev(null, '2021-01-05 14:00:00.000'),
    // 6: a string no database stores (a lone surrogate: load-sqlite refused it after dedupe had dropped
    // the good second delivery, the event lost: a review), then good
    ev('6', '2021-01-07 11:00:00.000').replace('"collection_id":""', '"collection_id":"x\\ud800"'), ev('6', '2021-01-07 11:30:00.000'),
    // 7: such a string in a member no fact stores (the device's model): loaded (a check of the whole event
    // refused it: the late review)
    ev('7', '2021-01-08 09:00:00.000').replace('"device":{}', '"device":{"model":"x\\ud800"}')].join('\n') + '\n');
  fs.writeFileSync(`${d}/b.json`, [ev('4', '2021-01-07 10:00:00.000'), ev('5', '2021-01-07 12:00:00.000'), ev('1', '2021-01-08 10:00:00.000')].join('\n') + '\n');
  const opts = `--users ${d}/users.json --activities ${d}/acts.json`;
  const facts = (db) => q(db, 'SELECT event_id, date, duration_s FROM activity_exit_facts ORDER BY event_id');
  const cube = (db) => q(db, 'SELECT date, plays, total_duration_s FROM activity_engagement_daily ORDER BY date');
  const want = [{ event_id: '1', date: '2021-01-05', duration_s: 1 }, { event_id: '2', date: '2021-01-06', duration_s: 1 },
    { event_id: '3', date: '2021-01-06', duration_s: 2 }, { event_id: '4', date: '2021-01-07', duration_s: 1 }, { event_id: '5', date: '2021-01-07', duration_s: 1 },
    { event_id: '6', date: '2021-01-07', duration_s: 1 }, { event_id: '7', date: '2021-01-08', duration_s: 1 }];
  for (const [db, how] of [['one', `--rejects ${d}/rej.ndjson`], ['hosts', '--hosts :']]) {
    const r = sh(`scripts/engagement.sh --db ${d}/${db}.db ${how} ${opts} ${d}/a.json ${d}/b.json`);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /bad records? skipped/);
    assert.match(r.stderr, /validate: 4 bad records skipped \(empty event_id: 2, null event_id: 1, bad string: 1\)/, db);
    assert.equal(facts(`${d}/${db}.db`), want, db);
  }
  // --rejects: each step's refused events, step by step (a review: no recipe but game-stats kept them)
  const rej = lines(fs.readFileSync(`${d}/rej.ndjson`, 'utf8'));
  assert.equal(rej.map((x) => [path.basename(x.file), x.line, x.reason]), [['a.json', 8, 'malformed JSON'],
    ['-', 1, 'bad occurred_at'], ['-', 6, 'bad occurred_at'], ['-', 5, 'empty event_id'], ['-', 6, 'empty event_id'], ['-', 7, 'null event_id'], ['-', 8, 'bad string']]);
  assert.is(rej[0].raw, ev('5', '2021-01-07 10:00:00.000').slice(0, -3));
  assert.is(sh(`scripts/engagement.sh --db ${d}/x.db --hosts : --rejects ${d}/r2.ndjson ${opts} ${d}/a.json`).status, 2);
  for (const f of ['a', 'b']) assert.is(sh(`scripts/engagement.sh --db ${d}/two.db ${opts} ${d}/${f}.json`).status, 0);
  assert.equal(facts(`${d}/two.db`), want, 'two loads');
  assert.equal(cube(`${d}/one.db`), [{ date: '2021-01-05', plays: 1, total_duration_s: 1 }, { date: '2021-01-06', plays: 2, total_duration_s: 3 }, { date: '2021-01-07', plays: 3, total_duration_s: 3 }, { date: '2021-01-08', plays: 1, total_duration_s: 1 }]);
  for (const db of ['hosts', 'two']) assert.equal(cube(`${d}/${db}.db`), cube(`${d}/one.db`), db);
});

test('a review\'s findings: --stats-file naming an input or a file of other content refused (a forgotten argument appended the figures to day 1\'s events); an empty gzipped users file refused; ids joined as text ("100" is not "1e2"); usage mistakes said by the recipe before anything runs; an empty first load pins no zone', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/users.json`, JSON.stringify({ user_id: 'u1', children_ids: [], country_code: 'es', registration_at: '2021-01-01 00:00:00.000000' }) + '\n');
  fs.writeFileSync(`${d}/acts.json`, [{ activity_id: '7', name: 'A', type: 'song', subtype: null }, { activity_id: '1e2', name: 'B', type: 'book', subtype: null }].map((x) => JSON.stringify(x)).join('\n') + '\n');
  const ev = (id, act) => JSON.stringify({ event_id: id, name: 'activity_exit', occurred_at: '2021-01-05 10:00:00.000', user_id: 'u1', child_id: 'c', data: { activity_id: act, source: 'x', duration: 1, completed: true, collection_id: '', loading_time: 0 }, context: { device: {}, os: { name: 'iOS', version: '14' }, app: { version: '7.41.0', build: '1' } } });
  fs.writeFileSync(`${d}/day1.json`, [ev('1', '7'), ev('2', '100'), ev('3', '7.00')].join('\n') + '\n');
  fs.writeFileSync(`${d}/day2.json`, ev('4', '7') + '\n');
  const day1 = fs.readFileSync(`${d}/day1.json`, 'utf8');
  const opts = `--users ${d}/users.json --activities ${d}/acts.json`;
  let r = sh(`scripts/engagement.sh --db ${d}/s.db ${opts} --stats-file ${d}/day1.json ${d}/day2.json`);
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /--stats-file .*day1\.json holds something other than figures/);
  r = sh(`scripts/engagement.sh --db ${d}/s.db ${opts} --stats-file ${d}/users.json ${d}/day2.json`);
  assert.is(r.status, 2, r.stderr);
  assert.is(fs.readFileSync(`${d}/day1.json`, 'utf8'), day1);
  assert.not.ok(fs.existsSync(`${d}/s.db`), 'nothing loaded');
  // ids as text: "100" and "7.00" are no catalogue activity (they took "1e2"'s and "7"'s types)
  r = sh(`scripts/engagement.sh --db ${d}/t.db ${opts} --stats-file ${d}/figures.ndjson ${d}/day1.json`);
  assert.is(r.status, 0, r.stderr);
  assert.equal(q(`${d}/t.db`, 'SELECT event_id, activity_type FROM activity_exit_facts ORDER BY event_id'), [{ event_id: '1', activity_type: 'song' }, { event_id: '2', activity_type: null }, { event_id: '3', activity_type: null }]);
  assert.match(r.stderr, /2 of 3 activity_exit events matched no activity/);
  // an empty users file, gzipped (a failed export): refused as the plain one is
  fs.writeFileSync(`${d}/empty.json.gz`, zlib.gzipSync(''));
  r = sh(`scripts/engagement.sh --db ${d}/g.db --users ${d}/empty.json.gz --activities ${d}/acts.json ${d}/day2.json`);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, /--users .*empty\.json\.gz holds no record/);
  // usage mistakes: the recipe's own one line, exit 2 (or 1 for a missing file), before anything runs
  for (const [args, status, said] of [[`--db --users ${d}/users.json --activities ${d}/acts.json`, 2, /--db needs a value, not the option --users/],
    [`--db ${d}/u.db ${opts} --tz Mars/Base`, 2, /^engagement\.sh: unknown time zone 'Mars\/Base'.*\(try 'engagement\.sh --help'\)\n$/],
    [`--db ${d}/u.db --users ${d}/nope.json --activities ${d}/acts.json`, 1, /^engagement\.sh: --users .*nope\.json: no such file \(nothing was run\)\n$/],
    [`--db ${d}/u.db ${opts} --out ${d}/day2.json`, 2, /--out .*day2\.json: a file, not a folder/]]) {
    const u = sh(`scripts/engagement.sh ${args} ${d}/day2.json`);
    assert.is(u.status, status, `${args}: ${u.stderr}`);
    assert.match(u.stderr, said, args);
    assert.not.ok(fs.existsSync(`${d}/u.db`), args);
  }
  // a first load that stored no fact pins no zone: a later load with another --tz is taken
  fs.writeFileSync(`${d}/none.json`, '');
  assert.is(sh(`scripts/engagement.sh --db ${d}/e.db ${opts} ${d}/none.json`).status, 0);
  r = sh(`scripts/engagement.sh --db ${d}/e.db ${opts} --tz Europe/Madrid ${d}/day2.json`);
  assert.is(r.status, 0, r.stderr);
  assert.equal(q(`${d}/e.db`, "SELECT value FROM engagement_settings WHERE setting = 'tz'"), [{ value: 'Europe/Madrid' }]);
});

test('huge durations: the sums neither overflow (the load failed with "integer overflow", every retry too) nor clamp (1e300 became 9223372036854.775)', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/users.json`, JSON.stringify({ user_id: 'u1', children_ids: [], country_code: 'es', registration_at: '2021-01-01 00:00:00.000000' }) + '\n');
  fs.writeFileSync(`${d}/acts.json`, JSON.stringify([{ activity_id: 'a', name: 'A', type: 'game', subtype: null }, { activity_id: 'b', name: 'B', type: 'game', subtype: null }]));
  const ev = (id, act, day, duration) => JSON.stringify({ event_id: id, name: 'activity_exit', occurred_at: `2021-01-${day} 10:00:00.000`, user_id: 'u1', child_id: 'c', data: { activity_id: act, source: 'x', duration, completed: true, collection_id: '', loading_time: 0 }, context: { device: {}, os: { name: 'iOS', version: '14' }, app: { version: '7.41.0', build: '1' } } });
  // a: 1e13 s twice on one day (1e19 us each: over 2^63 when summed as integers), b: 1e300 s, and a day of ordinary ones
  const evs = [ev('1', 'a', '04', 1e13), ev('2', 'a', '04', 1e13), ev('3', 'b', '05', 1e300), ev('4', 'a', '06', 0.1), ev('5', 'a', '06', 0.2), ev('6', 'a', '07', 5e12), ev('7', 'a', '08', 5e12)];
  fs.writeFileSync(`${d}/ev.json`, evs.join('\n') + '\n');
  const r = sh(`scripts/engagement.sh --db ${d}/h.db --users ${d}/users.json --activities ${d}/acts.json ${d}/ev.json`);
  assert.is(r.status, 0, r.stderr);
  assert.equal(q(`${d}/h.db`, 'SELECT date, activity_id, plays, total_duration_s FROM activity_engagement_daily ORDER BY 1'), [
    { date: '2021-01-04', activity_id: 'a', plays: 2, total_duration_s: 2e13 }, { date: '2021-01-05', activity_id: 'b', plays: 1, total_duration_s: 1e300 },
    { date: '2021-01-06', activity_id: 'a', plays: 2, total_duration_s: 0.3 }, { date: '2021-01-07', activity_id: 'a', plays: 1, total_duration_s: 5e12 },
    { date: '2021-01-08', activity_id: 'a', plays: 1, total_duration_s: 5e12 }]);
  // the rollups add daily rows that fit as integers one by one but not together (5e12 s + 5e12 s, the same ISO week)
  assert.equal(q(`${d}/h.db`, "SELECT period_start, plays, total_duration_s FROM activity_engagement_weekly WHERE activity_id = 'a' ORDER BY 1"),
    [{ period_start: '2021-01-04', plays: 6, total_duration_s: 3e13 + 0.3 }]);
  assert.equal(q(`${d}/h.db`, "SELECT activity_id, total_duration_s, rank_by_duration FROM activity_top ORDER BY 1"),
    [{ activity_id: 'a', total_duration_s: 3e13 + 0.3, rank_by_duration: 2 }, { activity_id: 'b', total_duration_s: 1e300, rank_by_duration: 1 }]);
  for (const v of ['monthly', 'yearly']) assert.is(q(`${d}/h.db`, `SELECT sum(plays) AS p FROM activity_engagement_${v}`)[0].p, 7);
});

test('a negative duration is no time played: kept in its fact as sent, left out of total_duration_s (the play counts), said on stderr (found by a review against the seed)', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/users.json`, JSON.stringify({ user_id: 'u1', children_ids: [], country_code: 'es', registration_at: '2021-01-01 00:00:00.000000' }) + '\n');
  fs.writeFileSync(`${d}/acts.json`, JSON.stringify([{ activity_id: 'a', name: 'A', type: 'game', subtype: null }]));
  const ev = (id, duration) => `{"event_id":"${id}","name":"activity_exit","occurred_at":"2021-01-04 10:00:00.000","user_id":"u1","data":{"activity_id":"a","duration":${duration},"completed":true,"collection_id":""},"context":{"os":{"name":"iOS","version":"14"},"app":{"version":"7.41.0"}}}`;
  fs.writeFileSync(`${d}/ev.json`, [ev('1', '96.5'), ev('2', '-5'), ev('3', '-0'), ev('4', '-0.5e1'), ev('5', '10'), ev('6', 'null')].join('\n') + '\n');
  const r = sh(`scripts/engagement.sh --db ${d}/n.db --users ${d}/users.json --activities ${d}/acts.json ${d}/ev.json`);
  assert.is(r.status, 0, r.stderr);
  assert.equal(q(`${d}/n.db`, 'SELECT plays, total_duration_s FROM activity_engagement_daily'), [{ plays: 6, total_duration_s: 106.5 }]);
  assert.equal(q(`${d}/n.db`, "SELECT event_id, duration_s FROM activity_exit_facts WHERE duration_s < 0 ORDER BY 1"), [{ event_id: '2', duration_s: -5 }, { event_id: '4', duration_s: -5 }]);
  assert.match(r.stderr, /engagement\.sh: 2 of the activity_exit events in these files have a negative data\.duration: not counted as time played/);
  // a database loaded before the rule (no durations setting; its cube summed them): the next load
  // recomputes every day once, a repeat of a loaded file too
  const db = new Database(`${d}/n.db`);
  db.exec("DELETE FROM engagement_settings WHERE setting = 'durations'; UPDATE activity_engagement_daily SET total_duration_s = 96.5");
  db.close();
  const again = sh(`scripts/engagement.sh --db ${d}/n.db --users ${d}/users.json --activities ${d}/acts.json ${d}/ev.json`);
  assert.is(again.status, 0, again.stderr);
  assert.equal(q(`${d}/n.db`, 'SELECT plays, total_duration_s FROM activity_engagement_daily'), [{ plays: 6, total_duration_s: 106.5 }]);
  assert.equal(q(`${d}/n.db`, "SELECT value FROM engagement_settings WHERE setting = 'durations'"), [{ value: 'negative not counted' }]);
});

test('a malformed line in the users or activities file fails the run (exit 1, nothing loaded): its facts would keep a null country, status or type for good', () => {
  const d = tmpdir();
  const users = [{ user_id: 'u1', children_ids: [], country_code: 'es', registration_at: '2021-01-01 00:00:00.000000' }, { user_id: 'u2', children_ids: [], country_code: 'mx', registration_at: '2021-01-01 00:00:00.000000' }];
  fs.writeFileSync(`${d}/users.json`, users.map((u) => JSON.stringify(u)).join('\n') + '\n');
  fs.writeFileSync(`${d}/cut-users.json`, JSON.stringify(users[0]) + '\n' + JSON.stringify(users[1]).slice(0, 40) + '\n'); // a copy cut short
  fs.writeFileSync(`${d}/acts.json`, JSON.stringify({ activity_id: 'a', name: 'A', type: 'game', subtype: null }) + '\n');
  fs.writeFileSync(`${d}/bad-acts.json`, '{"activity_id": "a", "name": "A", "type": "game", "subtype": null\n');
  const ev = (id, user) => JSON.stringify({ event_id: id, name: 'activity_exit', occurred_at: '2021-01-05 10:00:00.000', user_id: user, child_id: 'c', data: { activity_id: 'a', source: 'x', duration: 1, completed: true, collection_id: '', loading_time: 0 }, context: { device: {}, os: { name: 'iOS', version: '14' }, app: { version: '7.41.0', build: '1' } } });
  fs.writeFileSync(`${d}/ev.json`, [ev('1', 'u1'), ev('2', 'u2')].join('\n') + '\n');
  const facts = () => (fs.existsSync(`${d}/s.db`) && q(`${d}/s.db`, "SELECT count(*) AS n FROM sqlite_master WHERE name = 'activity_exit_facts'")[0].n ? q(`${d}/s.db`, 'SELECT count(*) AS n FROM activity_exit_facts')[0].n : 0);
  for (const [u, a, file] of [['cut-users.json', 'acts.json', 'cut-users.json:2'], ['users.json', 'bad-acts.json', 'bad-acts.json:1']]) {
    const r = sh(`scripts/engagement.sh --db ${d}/s.db --users ${d}/${u} --activities ${d}/${a} ${d}/ev.json`);
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr, file);
    assert.is(facts(), 0, 'nothing loaded');
  }
  const ok = sh(`scripts/engagement.sh --db ${d}/s.db --users ${d}/users.json --activities ${d}/acts.json ${d}/ev.json`);
  assert.is(ok.status, 0, ok.stderr);
  assert.equal(q(`${d}/s.db`, 'SELECT country, activity_type, plays FROM activity_engagement_daily ORDER BY 1'), [{ country: 'es', activity_type: 'game', plays: 1 }, { country: 'mx', activity_type: 'game', plays: 1 }]);
});

test('an empty users or activities file (a failed export) fails the run, nothing loaded; events whose user or activity is not in them are counted on stderr, with --hosts too', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/users.json`, JSON.stringify({ user_id: 'u1', children_ids: [], country_code: 'es', registration_at: '2021-01-01 00:00:00.000000' }) + '\n');
  fs.writeFileSync(`${d}/acts.json`, JSON.stringify({ activity_id: 'a', name: 'A', type: 'game', subtype: null }) + '\n');
  fs.writeFileSync(`${d}/empty.json`, '');
  fs.writeFileSync(`${d}/empty-array.json`, '[\n]\n');
  const ev = (id, user, act) => JSON.stringify({ event_id: id, name: 'activity_exit', occurred_at: '2021-01-05 10:00:00.000', user_id: user, child_id: 'c', data: { activity_id: act, source: 'x', duration: 1, completed: true, collection_id: '', loading_time: 0 }, context: { device: {}, os: { name: 'iOS', version: '14' }, app: { version: '7.41.0', build: '1' } } });
  fs.writeFileSync(`${d}/ev.json`, [ev('1', 'u1', 'a'), ev('2', 'u2', 'a'), ev('3', 'u3', 'b')].join('\n') + '\n');
  for (const [u, a, what] of [['empty.json', 'acts.json', '--users'], ['users.json', 'empty-array.json', '--activities']]) {
    const r = sh(`scripts/engagement.sh --db ${d}/e.db --users ${d}/${u} --activities ${d}/${a} ${d}/ev.json`);
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr, `${what} ${d}/${u === 'empty.json' ? u : a} holds no record`);
    assert.is(fs.existsSync(`${d}/e.db`), false, 'nothing loaded');
  }
  for (const hosts of ['', '--hosts :']) {
    const r = sh(`scripts/engagement.sh --db ${d}/e${hosts ? 'h' : ''}.db ${hosts} --users ${d}/users.json --activities ${d}/acts.json ${d}/ev.json`);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, `engagement.sh: 2 of 3 activity_exit events matched no user in ${d}/users.json: their country and subscription status are unknown`);
    assert.match(r.stderr, `engagement.sh: 1 of 3 activity_exit events matched no activity in ${d}/acts.json: their activity type is unknown`);
  }
  const all = sh(`scripts/engagement.sh --db ${d}/e.db --users ${d}/users.json --activities ${d}/acts.json ${d}/ev.json --stats-file ${d}/st.ndjson`);
  assert.is(all.status, 0, all.stderr);
  assert.match(all.stderr, '2 of 3 activity_exit events matched no user'); // (this run's figures, read from the user's --stats-file)
});

withReal(test)("cross-check with the other team's derived table: same plays per (day, country, OS, app, status, type, collection)", () => {
  const d = tmpdir();
  const derived = lines(fs.readFileSync(`${L}/derived_facundoroot_duckdb/intermediate_activity_events_enriched.jsonl`, 'utf8'));
  // rebuild raw activity_exit events from their flattened rows (fields they dropped are filled with placeholders)
  const raw = derived.map((e) => JSON.stringify({ event_id: e.event_id, name: 'activity_exit', occurred_at: e.occurred_at, user_id: e.user_id, child_id: null,
    data: { activity_id: e.activity_id, source: null, duration: e.duration_seconds, completed: e.completed_flag, collection_id: e.collection_id, loading_time: null },
    context: { device: {}, os: { name: e.os_name, version: e.os_version }, app: { version: e.app_version, build: null } } }));
  fs.writeFileSync(`${d}/raw.json`, raw.join('\n') + '\n');
  assert.is(sh(`scripts/engagement.sh --db ${d}/x.db --users ${L}/users.json --activities ${L}/activities.json ${d}/raw.json`).status, 0);
  const theirs = lines(fs.readFileSync(`${L}/derived_facundoroot_duckdb/activity_engagement_metrics.jsonl`, 'utf8'));
  const ours = q(`${d}/x.db`, 'SELECT date, country, os_name, os_version, app_version, subscription_status, activity_type, collection_id, sum(plays) p, sum(total_duration_s) s, CAST(sum(completed_plays) AS REAL) / sum(plays) r FROM activity_engagement_daily GROUP BY 1, 2, 3, 4, 5, 6, 7, 8');
  const key = (x) => [x.date, x.country ?? x.country_code, x.os_name, x.os_version, x.app_version, x.subscription_status, x.activity_type, x.collection_id].join('|');
  const mine = new Map(ours.map((o) => [key(o), o]));
  let same = 0;
  const differ = [];
  for (const t of theirs) {
    const o = mine.get(key(t));
    if (o && o.p === t.activities_played && Math.abs(o.s - t.total_time_spent) < 1e-6 && Math.abs(o.r - t.completion_rate) <= 0.0005 + 1e-9) same++;
    else differ.push(t);
  }
  // every group matches (their completion_rate is rounded to 3 decimals: 0.3125 shows as 0.313)
  assert.is(ours.reduce((n, o) => n + o.p, 0), derived.length);
  assert.is(differ.length, 0, differ.length ? `${same} of ${theirs.length} groups equal; first difference: ${JSON.stringify(differ[0])} ours: ${JSON.stringify(mine.get(key(differ[0])))}` : "");
  console.log(`  cross-check: ${same} of ${theirs.length} groups equal`);
});

test.run();
