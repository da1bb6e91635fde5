// The Insights recipe: dau, mau, power_users, app_version_p95 and retention checked against an
// independent computation from the CSV files; --jobs 2 gives the same tables as --jobs 1.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { lines, root, sh, tmpdir } from '../helpers/sh.mjs';

const q = (db, sql) => lines(sh(`query-sqlite --db ${db} "${sql}"`).stdout);
const monday = (d) => { const t = new Date(d + 'T00:00:00Z'); t.setUTCDate(t.getUTCDate() - ((t.getUTCDay() + 6) % 7)); return t.toISOString().slice(0, 10); };
const weeksBetween = (a, b) => Math.round((Date.parse(b) - Date.parse(a)) / (7 * 86400000));

test('tables equal an independent computation; --jobs 2 equals --jobs 1', () => {
  const d = tmpdir();
  sh(`generate-insights --seed 3 --interactions 30000 --users 3000 --out ${d}/data`);
  // a few heavy users, so that sessions have several actions: their rows are appended to a partition
  fs.appendFileSync(`${d}/data/interactions/date=2023-03-01.csv`, Array.from({ length: 200 }, (_, i) => `u000042,2023-03-01 ${String(8 + Math.floor(i / 20)).padStart(2, '0')}:${String((i * 3) % 60).padStart(2, '0')}:00,page_view,p1,${1000 + i},6.0.${i % 3}`).join('\n') + '\n');
  const files = fs.readdirSync(`${d}/data/interactions`).map((f) => `${d}/data/interactions/${f}`);
  const rows = files.flatMap((f) => fs.readFileSync(f, 'utf8').trim().split('\n').slice(1).map((l) => {
    const [user_id, timestamp, action_type, , duration_ms, app_version] = l.split(',');
    return { user_id, date: timestamp.slice(0, 10), t: Date.parse(timestamp.replace(' ', 'T') + 'Z') / 1000, action_type, duration_ms: Number(duration_ms), app_version };
  }));
  for (const jobs of [1, 2]) {
    const r = sh(`scripts/insights.sh --db ${d}/j${jobs}.db --jobs ${jobs} --metadata ${d}/data/user_metadata.csv --report ${d}/report${jobs} ${d}/data/interactions/*.csv`);
    assert.is(r.status, 0, r.stderr);
  }
  const db = `${d}/j2.db`;
  for (const t of ['dau ORDER BY date', 'mau ORDER BY month', 'power_users ORDER BY rank', 'app_version_p95 ORDER BY app_version', 'retention ORDER BY cohort_week, week_offset', 'session_metrics', 'device_performance ORDER BY device_type']) {
    assert.equal(q(db, `SELECT * FROM ${t}`), q(`${d}/j1.db`, `SELECT * FROM ${t}`), t);
  }
  // dau / mau
  const distinct = (key) => { const m = new Map(); for (const r of rows) { const k = key(r); (m.get(k) ?? m.set(k, new Set()).get(k)).add(r.user_id); } return m; };
  const dau = distinct((r) => r.date), mau = distinct((r) => r.date.slice(0, 7));
  assert.equal(q(db, 'SELECT date, active_users FROM dau ORDER BY date'), [...dau].sort().map(([date, s]) => ({ date, active_users: s.size })));
  assert.equal(q(db, 'SELECT month, active_users FROM mau ORDER BY month'), [...mau].sort().map(([month, s]) => ({ month, active_users: s.size })));
  // power users: ceil(1% of active users) by total duration, ties by user_id
  const tot = new Map();
  for (const r of rows) tot.set(r.user_id, (tot.get(r.user_id) ?? 0) + r.duration_ms);
  const ranked = [...tot].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, Math.ceil(tot.size / 100));
  assert.equal(q(db, 'SELECT user_id, total_duration_ms, rank FROM power_users ORDER BY rank'), ranked.map(([user_id, t], i) => ({ user_id, total_duration_ms: t, rank: i + 1 })));
  // p95 per app version over page views, numpy's linear rule
  const byV = new Map();
  for (const r of rows) if (r.action_type === 'page_view') (byV.get(r.app_version) ?? byV.set(r.app_version, []).get(r.app_version)).push(r.duration_ms);
  const ours = new Map(q(db, 'SELECT * FROM app_version_p95').map((x) => [x.app_version, x]));
  assert.is(ours.size, byV.size);
  for (const [v, xs] of byV) {
    xs.sort((a, b) => a - b);
    const h = (xs.length - 1) * 0.95, lo = Math.floor(h), hi = Math.min(lo + 1, xs.length - 1);
    const want = xs[lo] + (h - lo) * (xs[hi] - xs[lo]);
    assert.is(ours.get(v).n, xs.length);
    assert.ok(Math.abs(ours.get(v).p95_duration_ms - want) < 1e-6, `${v}: ${ours.get(v).p95_duration_ms} vs ${want}`);
  }
  // retention: cohort = Monday of the first active week; last 6 months of cohorts
  const first = new Map(), weeks = new Map();
  for (const r of rows) {
    const w = monday(r.date);
    if (!first.has(r.user_id) || w < first.get(r.user_id)) first.set(r.user_id, w);
    (weeks.get(r.user_id) ?? weeks.set(r.user_id, new Set()).get(r.user_id)).add(w);
  }
  const lastWeek = monday([...dau.keys()].sort().pop());
  const since = new Date(Date.parse(lastWeek) - 25 * 7 * 86400000).toISOString().slice(0, 10);
  const size = new Map(), kept = new Map();
  for (const [u, c] of first) {
    if (c < since) continue;
    size.set(c, (size.get(c) ?? 0) + 1);
    for (const w of weeks.get(u)) { const k = `${c}|${weeksBetween(c, w)}`; kept.set(k, (kept.get(k) ?? 0) + 1); }
  }
  const ret = q(db, 'SELECT * FROM retention ORDER BY cohort_week, week_offset');
  assert.is(new Set(ret.map((x) => x.cohort_week)).size, size.size);
  for (const x of ret) {
    assert.is(x.cohort_size, size.get(x.cohort_week), x.cohort_week);
    assert.is(x.retained_users, kept.get(`${x.cohort_week}|${x.week_offset}`) ?? 0, `${x.cohort_week}+${x.week_offset}`);
    assert.ok(Math.abs(x.retention_rate - x.retained_users / x.cohort_size) < 1e-12);
  }
  assert.ok(q(db, 'SELECT count(*) AS n FROM stage_stats')[0].n > 0);
  // the report: figures in words and four charts
  const report = fs.readFileSync(`${d}/report2/report.md`, 'utf8');
  assert.match(report, new RegExp(`\\*\\*Active users\\*\\*: ${dau.size} days`));
  for (const f of ['dau.svg', 'retention.svg', 'p95.svg', 'devices.svg']) assert.match(fs.readFileSync(`${d}/report2/${f}`, 'utf8'), /^<svg [^>]*>.*<\/svg>\n$/s);
  // device type vs performance: the first metadata row of a user wins; eta squared from the groups
  const device = new Map();
  for (const l of fs.readFileSync(`${d}/data/user_metadata.csv`, 'utf8').trim().split('\n').slice(1)) { const [u, , , dev] = l.split(','); if (!device.has(u)) device.set(u, dev); }
  const byDev = new Map();
  for (const r of rows) { const dev = device.get(r.user_id); if (dev) (byDev.get(dev) ?? byDev.set(dev, []).get(dev)).push(r.duration_ms); }
  const dp = new Map(q(db, 'SELECT * FROM device_performance').map((x) => [x.device_type, x]));
  assert.is(dp.size, byDev.size);
  let N = 0, S = 0, SS = 0;
  for (const [dev, xs] of byDev) {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.is(dp.get(dev).n, xs.length);
    assert.ok(Math.abs(dp.get(dev).mean_duration_ms - mean) < 1e-6);
    N += xs.length; S += xs.reduce((a, b) => a + b, 0); SS += xs.reduce((a, b) => a + b * b, 0);
  }
  const grand = S / N;
  const between = [...byDev.values()].reduce((a, xs) => a + xs.length * (xs.reduce((p, c) => p + c, 0) / xs.length - grand) ** 2, 0);
  const eta = q(db, 'SELECT eta_squared FROM device_performance_effect')[0].eta_squared;
  assert.ok(Math.abs(eta - between / (SS - S * S / N)) < 1e-9, `${eta}`);
  assert.is(q(db, 'SELECT count(*) AS n FROM dau_anomalies')[0].n, dau.size);
  // sessions: a gap over 30 minutes between a user's interactions starts a new session
  const times = new Map();
  for (const r of rows) (times.get(r.user_id) ?? times.set(r.user_id, []).get(r.user_id)).push(r.t);
  let sessions = 0, dur = 0;
  for (const ts of times.values()) {
    ts.sort((a, b) => a - b);
    let start = ts[0];
    for (let i = 1; i <= ts.length; i++) if (i === ts.length || ts[i] - ts[i - 1] > 1800) { sessions++; dur += ts[i - 1] - start; start = ts[i]; }
  }
  const sm = q(db, 'SELECT * FROM session_metrics')[0];
  assert.equal([sm.sessions, sm.users], [sessions, times.size]);
  assert.ok(Math.abs(sm.avg_duration_s - dur / sessions) < 1e-9);
  assert.ok(Math.abs(sm.avg_actions_per_session - rows.length / sessions) < 1e-9);
});

test('a shard whose rows were all rejected: the run goes on with the others; nothing kept by any: exit 1', () => {
  const d = tmpdir();
  const head = 'user_id,timestamp,action_type,page_id,duration_ms,app_version\n';
  // u1 hashes to shard 1 of 2, u2 to shard 0 (from-csv --shard 1/2:user_id keeps u1's rows)
  fs.writeFileSync(`${d}/some.csv`, head + 'u1,2023-01-01 00:00:00,view,p1,bad,1.0\nu2,2023-01-01 00:01:00,view,p1,100,1.0\n');
  fs.writeFileSync(`${d}/none.csv`, head + 'u1,2023-01-01 00:00:00,view,p1,bad,1.0\nu2,2023-01-01 00:01:00,view,p1,bad,1.0\n');
  assert.is(sh(`from-csv --shard 1/2:user_id ${d}/some.csv --types duration_ms=int | wc -l`).stdout.trim(), '0', 'u1 is shard 1\'s');
  const r = sh(`insights.sh --db ${d}/a.db --jobs 2 ${d}/some.csv`);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /from-csv: .*some\.csv:2: bad value: duration_ms="bad" is not int/);
  assert.match(r.stderr, /every record of this part was rejected \(1 of 1\)/);
  assert.equal(lines(sh(`query-sqlite --db ${d}/a.db 'SELECT date, active_users FROM dau'`).stdout), [{ date: '2023-01-01', active_users: 1 }]);
  const none = sh(`insights.sh --db ${d}/b.db --jobs 2 ${d}/none.csv`);
  assert.is(none.status, 1);
  assert.match(none.stderr, /insights\.sh: every interaction read was rejected: nothing kept/);
  assert.is(sh(`insights.sh --db ${d}/c.db --jobs 1 ${d}/none.csv`).status, 1);
});

test('--rejects FILE: every step\'s refused rows (a malformed CSV row, a row without a user, a bad timestamp, a bad metadata line) as JSON lines, each once whatever --jobs, the raw CSV row kept byte for byte; a run that kept nothing writes them too, exit 1; not with --incremental (usage error); the file refused when it is an input (found missing by a review: only insights.sh had no --rejects)', () => {
  const d = tmpdir();
  const head = 'user_id,timestamp,action_type,page_id,duration_ms,app_version\n';
  fs.writeFileSync(`${d}/day.csv`, head + 'u1,2023-01-01 00:00:00,view,p1,100,1.0\nu2,2023-01-01 00:01:00,"x"y,p1,5,1.0\n,2023-01-01 00:02:00,view,p1,5,1.0\nu3,not-a-time,view,p1,5,1.0\nu4,2023-01-02 00:00:00,edit,p2,7,1.1\n');
  fs.writeFileSync(`${d}/meta.csv`, 'user_id,device_type\nu1,ios\nbad"line\nu4,android\n');
  const want = [
    ['day.csv', 'text after closing quote', 'u2,2023-01-01 00:01:00,"x"y,p1,5,1.0'],
    ['-', 'null user_id', null],
    ['-', 'bad timestamp', null],
    ['meta.csv', 'stray quote', 'bad"line'],
  ];
  const tables = [];
  for (const jobs of [1, 2, 3]) {
    const r = sh(`insights.sh --db ${d}/j${jobs}.db --jobs ${jobs} --metadata ${d}/meta.csv --rejects ${d}/rej${jobs}.json ${d}/day.csv`);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`JSON records in ${d}/rej${jobs}\\.json`));
    const got = lines(fs.readFileSync(`${d}/rej${jobs}.json`, 'utf8'));
    assert.equal(got.map((x) => [x.file.replace(/.*\//, ''), x.reason, x.file === '-' ? null : x.raw]), want, `--jobs ${jobs}`);
    assert.match(got[1].raw, /"user_id":null/); assert.match(got[2].raw, /"timestamp":"not-a-time"/);
    tables.push(q(`${d}/j${jobs}.db`, 'SELECT * FROM dau ORDER BY date'));
  }
  assert.equal(tables[1], tables[0]); assert.equal(tables[2], tables[0]);
  // a run that kept nothing: its refused rows written all the same, exit 1
  fs.writeFileSync(`${d}/none.csv`, head + 'u1,bad,view,p1,5,1.0\n');
  const none = sh(`insights.sh --db ${d}/n.db --rejects ${d}/none.json ${d}/none.csv`);
  assert.is(none.status, 1);
  assert.equal(lines(fs.readFileSync(`${d}/none.json`, 'utf8')).map((x) => x.reason), ['bad timestamp']);
  const inc = sh(`insights.sh --incremental --db ${d}/i.db --rejects ${d}/x.json ${d}/day.csv`);
  assert.is(inc.status, 2);
  assert.match(inc.stderr, /--rejects goes without --incremental and --hosts/);
  const self = sh(`insights.sh --db ${d}/s.db --rejects ${d}/day.csv ${d}/day.csv`);
  assert.is(self.status, 2, self.stderr);
  assert.ok(fs.readFileSync(`${d}/day.csv`, 'utf8').startsWith(head), 'the input left as it was');
});

test('user ids are strings (the seed\'s type): 1, 1e0, 1.0 and 10E-1, -0 and 0.0 are six users (they were one user, and one, as numbers); every --jobs gives the same tables', () => {
  const d = tmpdir();
  const head = 'user_id,timestamp,action_type,page_id,duration_ms,app_version\n';
  fs.writeFileSync(`${d}/a.csv`, head + ['1,2023-01-02 00:00:00', '1e0,2023-01-02 00:10:00', '2,2023-01-02 00:00:00', '1.0,2023-01-02 00:20:00',
    '-0,2023-01-03 00:00:00', '0.0,2023-01-03 00:05:00', '10E-1,2023-01-09 00:00:00'].map((l) => `${l},page_view,p1,100,1.0`).join('\n') + '\n');
  const tables = (jobs) => {
    const r = sh(`insights.sh --db ${d}/j${jobs}.db --jobs ${jobs} ${d}/a.csv`);
    assert.is(r.status, 0, r.stderr);
    return ['session_metrics', 'dau ORDER BY date', 'mau', 'retention ORDER BY cohort_week, week_offset', 'power_users ORDER BY rank'].map((t) => q(`${d}/j${jobs}.db`, `SELECT * FROM ${t}`));
  };
  const one = tables(1);
  assert.equal(one[0].map((r) => [r.sessions, r.users]), [[7, 7]]); // every id a user of its own, one session each
  assert.equal(one[1], [{ date: '2023-01-02', active_users: 4 }, { date: '2023-01-03', active_users: 2 }, { date: '2023-01-09', active_users: 1 }]);
  assert.equal(one[4].map((r) => r.user_id), ['-0']); // (ceil(1 % of 7): one; every total 100, the tie by user_id as text)
  for (const jobs of [2, 3]) assert.equal(tables(jobs), one, `--jobs ${jobs}`);
});

test('the metadata join matches user ids as text, as the tables count them: 7.0 and 7e0 do not get the device of 7, 007 gets its own (by value, join\'s default, 7.0 and 7e0 were user 7 there, and four users in dau) (found by a review)', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/meta.csv`, 'user_id,join_date,country,device_type,subscription_type\n7,2022-01-15,US,Android Phone,free\n007,2022-01-15,US,Mac,free\n');
  fs.writeFileSync(`${d}/i.csv`, 'user_id,timestamp,action_type,page_id,duration_ms,app_version\n' +
    ['7,100', '007,200', '7.0,400', '7e0,800'].map((x) => { const [u, ms] = x.split(','); return `${u},2023-07-01 10:00:00,page_view,p1,${ms},5.7.3`; }).join('\n') + '\n');
  for (const args of ['--jobs 2', '--jobs 1', '--incremental']) {
    const db = `${d}/${args.replace(/\W/g, '')}.db`;
    const r = sh(`insights.sh --db ${db} ${args} --metadata ${d}/meta.csv ${d}/i.csv`);
    assert.is(r.status, 0, r.stderr);
    assert.equal(q(db, 'SELECT device_type, n, sum_duration_ms FROM device_performance ORDER BY device_type'),
      [{ device_type: 'Android Phone', n: 1, sum_duration_ms: 100 }, { device_type: 'Mac', n: 1, sum_duration_ms: 200 }], args);
    assert.equal(q(db, 'SELECT active_users FROM dau'), [{ active_users: 4 }], args);
  }
});

test('the loads wait for the database\'s lock (DB.lock, as --incremental and the other recipes): two runs at once replaced the tables in turn, a mix of both (found by a review)', () => {
  const d = tmpdir();
  sh(`generate-insights --seed 4 --interactions 2000 --users 300 --out ${d}/data`);
  // a holder of the lock that writes a mark just before it lets go: the run ends after the mark
  const r = sh(`(flock 9; echo locked > ${d}/held; sleep 2; echo released > ${d}/mark) 9>> ${d}/l.db.lock &
    while [ ! -e ${d}/held ]; do sleep 0.05; done
    insights.sh --db ${d}/l.db --jobs 2 ${d}/data/interactions/*.csv; s=$?; cat ${d}/mark; wait; exit $s`);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, 'released\n', 'the run loaded after the lock was let go');
  assert.ok(q(`${d}/l.db`, 'SELECT count(*) AS n FROM dau')[0].n > 0);
});

test('a table that cannot be loaded: the others are, its load says why, the run exits 1 naming it', () => {
  const d = tmpdir();
  sh(`generate-insights --seed 4 --interactions 2000 --users 300 --out ${d}/data`);
  const v = new Database(`${d}/v.db`); v.exec('CREATE VIEW power_users AS SELECT 1 AS user_id'); v.close();
  const r = sh(`insights.sh --db ${d}/v.db --jobs 2 ${d}/data/interactions/*.csv`);
  assert.is(r.status, 1, r.stderr);
  // (every row refused by the view: nothing kept, and the replace's DELETE not run on it either)
  assert.match(r.stderr, /load-sqlite: -:1: unknown column .*\n(.*\n)*load-sqlite: every record read was rejected \(\d+ of \d+\): nothing kept\n/);
  assert.match(r.stderr, /insights\.sh: loading failed: power_users\n/);
  // the messages of the loads in the tables' order, whichever finished first
  const order = [...r.stderr.matchAll(/load-sqlite: (\w+): inserted/g)].map((m) => m[1]);
  assert.equal(order, ['dau', 'mau', 'app_version_p95', 'dau_anomalies', 'retention', 'power_users', 'session_metrics', 'device_performance']);
  assert.ok(q(`${d}/v.db`, 'SELECT count(*) AS n FROM dau')[0].n > 0);
});

test('the seed\'s rules on edge cases: durations missing, a day nobody came, files with no interaction (found by a review against the seed)', () => {
  const d = tmpdir();
  const head = 'user_id,timestamp,action_type,page_id,duration_ms,app_version\n';
  // iPad: 100, 200 and two rows without a duration; Mac: 300, 400 (eta squared 0.8 over the four durations)
  const rows = ['a1,2023-03-01 10:00:00,page_view,p1,100,5.0.0', 'a1,2023-03-01 10:01:00,page_view,p1,200,5.0.0', 'a1,2023-03-01 10:02:00,page_view,p1,,5.0.0',
    'a1,2023-03-01 10:03:00,page_view,p1,,5.0.0', 'b1,2023-03-01 10:00:00,page_view,p1,300,5.0.0', 'b1,2023-03-01 10:01:00,page_view,p1,400,5.0.0'];
  // ten users a day from 03-02 to 03-20, none on 03-16
  for (let day = 2; day <= 20; day++) if (day !== 16) for (let u = 0; u < 10; u++) rows.push(`c${u},2023-03-${String(day).padStart(2, '0')} 12:00:00,click,p2,50,5.0.1`);
  fs.writeFileSync(`${d}/a.csv`, head + rows.join('\n') + '\n');
  fs.writeFileSync(`${d}/meta.csv`, 'user_id,join_date,country,device_type,subscription_type\na1,2023-01-01,ES,iPad,free\nb1,2023-01-01,ES,Mac,free\n');
  const r = sh(`insights.sh --db ${d}/a.db --metadata ${d}/meta.csv ${d}/a.csv`);
  assert.is(r.status, 0, r.stderr);
  assert.is(q(`${d}/a.db`, 'SELECT eta_squared FROM device_performance_effect')[0].eta_squared, 0.8);
  assert.equal(q(`${d}/a.db`, "SELECT device_type, n FROM device_performance WHERE device_type IN ('iPad', 'Mac') ORDER BY 1"), [{ device_type: 'Mac', n: 2 }, { device_type: 'iPad', n: 2 }]);
  assert.equal(q(`${d}/a.db`, "SELECT n FROM app_version_p95 WHERE app_version = '5.0.0'"), [{ n: 4 }]);
  assert.equal(q(`${d}/a.db`, "SELECT date, active_users, anomaly FROM dau_anomalies WHERE date BETWEEN '2023-03-15' AND '2023-03-17'"),
    [{ date: '2023-03-15', active_users: 10, anomaly: 0 }, { date: '2023-03-16', active_users: 0, anomaly: 1 }, { date: '2023-03-17', active_users: 10, anomaly: 0 }]);
  // a header alone, or a file that is no interactions file: exit 1, the tables left as they were
  fs.writeFileSync(`${d}/empty.csv`, head);
  fs.writeFileSync(`${d}/garbage.json`, 'garbage\n1\n');
  for (const [f, why] of [['empty.csv', /insights\.sh: no interaction in 1 file\(s\): the tables are left as they were/], ['garbage.json', /from-csv: .*garbage\.json:1: the header has no column "user_id", "timestamp", "action_type", "duration_ms", "app_version" \(--require\): file skipped/]]) {
    for (const jobs of [1, 2]) {
      const e = sh(`insights.sh --db ${d}/a.db --jobs ${jobs} ${d}/${f}`);
      assert.is(e.status, 1, `${f}, --jobs ${jobs}`);
      assert.match(e.stderr, why);
      assert.is(q(`${d}/a.db`, 'SELECT count(*) AS n FROM dau')[0].n, 19);
    }
  }
});

test('rows without a user_id are rejected, in no table: not a power user, not a page view, not a cohort member (found by a review against the seed)', () => {
  const d = tmpdir();
  const head = 'user_id,timestamp,action_type,page_id,duration_ms,app_version\n';
  const rows = Array.from({ length: 100 }, (_, i) => `u${String(i).padStart(3, '0')},2023-05-01 10:00:00,page_view,p1,${1000 + i},5.0.0`);
  rows.push(',2023-05-01 10:00:00,page_view,p1,999999,5.0.0', '"",2023-05-01 11:00:00,page_view,p1,999999,5.0.0');
  fs.writeFileSync(`${d}/a.csv`, head + rows.join('\n') + '\n');
  for (const [db, how] of [['j1', '--jobs 1'], ['j2', '--jobs 2'], ['inc', '--incremental']]) {
    const r = sh(`insights.sh --db ${d}/${db}.db ${how} ${d}/a.csv`);
    assert.is(r.status, 0, r.stderr);
    // ceil(1% of the 100 users): one row, the largest total, rank 1
    assert.equal(q(`${d}/${db}.db`, 'SELECT user_id, total_duration_ms, rank FROM power_users'), [{ user_id: 'u099', total_duration_ms: 1099, rank: 1 }], db);
    assert.equal(q(`${d}/${db}.db`, 'SELECT n FROM app_version_p95'), [{ n: 100 }], db);
    assert.equal(q(`${d}/${db}.db`, 'SELECT cohort_size FROM retention'), [{ cohort_size: 100 }], db);
    assert.equal(q(`${d}/${db}.db`, 'SELECT users FROM session_metrics'), [{ users: 100 }], db);
  }
});

test('an interaction without an app_version is not in the p95 per version, a user whose device type is empty not in the device comparison (as one absent from the metadata): no row rejected at the load', () => {
  const d = tmpdir();
  const head = 'user_id,timestamp,action_type,page_id,duration_ms,app_version\n';
  fs.writeFileSync(`${d}/a.csv`, head + ['u1,2023-05-01 10:00:00,page_view,p1,100,5.0.0', 'u2,2023-05-01 11:00:00,page_view,p1,200,', 'u3,2023-05-01 12:00:00,page_view,p1,300,""', 'u4,2023-05-01 12:00:00,page_view,p1,400,5.0.0'].join('\n') + '\n');
  fs.writeFileSync(`${d}/meta.csv`, 'user_id,device_type\nu1,ios\nu2,\nu3,""\n'); // (u4: absent)
  for (const [db, how] of [['j1', '--jobs 1'], ['j2', '--jobs 2'], ['inc', '--incremental']]) {
    const r = sh(`insights.sh --db ${d}/${db}.db ${how} --metadata ${d}/meta.csv ${d}/a.csv`);
    assert.is(r.status, 0, r.stderr);
    assert.not.match(r.stderr, /missing key|rejected=[1-9]/, db);
    assert.equal(q(`${d}/${db}.db`, 'SELECT app_version, n FROM app_version_p95'), [{ app_version: '5.0.0', n: 2 }], db);
    assert.equal(q(`${d}/${db}.db`, 'SELECT device_type, n FROM device_performance'), [{ device_type: 'ios', n: 1 }], db);
    assert.equal(q(`${d}/${db}.db`, 'SELECT sum(active_users) AS n FROM dau'), [{ n: 4 }], db);
  }
});

test('a duration_ms beyond a Long (the seed\'s type) is a bad row: the power users are ranked without it (found by a review against the seed)', () => {
  const d = tmpdir();
  const head = 'user_id,timestamp,action_type,page_id,duration_ms,app_version\n';
  const rows = Array.from({ length: 100 }, (_, i) => `u${String(i).padStart(3, '0')},2023-05-01 10:00:00,page_view,p1,${1000 + i},5.0.0`);
  rows.push('u050,2023-05-01 10:05:00,page_view,p1,99999999999999999999,5.0.0');
  fs.writeFileSync(`${d}/a.csv`, head + rows.join('\n') + '\n');
  for (const [db, how] of [['j2', '--jobs 2'], ['inc', '--incremental']]) {
    const r = sh(`insights.sh --db ${d}/${db}.db ${how} ${d}/a.csv`);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /validate: .*duration_ms out of range: 99999999999999999999/);
    assert.equal(q(`${d}/${db}.db`, 'SELECT user_id, total_duration_ms, rank FROM power_users'), [{ user_id: 'u099', total_duration_ms: 1099, rank: 1 }], db);
    assert.equal(q(`${d}/${db}.db`, 'SELECT n FROM app_version_p95'), [{ n: 100 }], db);
  }
});

test('power users: the cut taken from the first K of each shard\'s users (count-by --order-by) is the cut over all users, with ties across shards at the cut and users without a duration', () => {
  const d = tmpdir();
  const head = 'user_id,timestamp,action_type,page_id,duration_ms,app_version\n';
  // 300 users: totals in few distinct values (many ties, spread over the shards), 12 users whose every
  // duration_ms is empty (a total of null: not ranked, not counted in the P%)
  const rows = [];
  for (let i = 0; i < 300; i++) {
    const u = `u${String((i * 7919) % 1000).padStart(3, '0')}`;
    rows.push(`${u},2023-05-01 10:00:00,page_view,p1,${i < 12 ? '' : 100 * (1 + (i % 9))},5.0.0`);
    if (i % 3 === 0 && i >= 12) rows.push(`${u},2023-05-02 10:00:00,edit,p1,${100 * (i % 4)},5.0.0`);
  }
  fs.writeFileSync(`${d}/a.csv`, head + rows.join('\n') + '\n');
  fs.writeFileSync(`${d}/a.csv.gz`, zlib.gzipSync(fs.readFileSync(`${d}/a.csv`)));
  const tot = new Map();
  for (const l of rows) { const [u, , , , ms] = l.split(','); if (ms !== '') tot.set(u, (tot.get(u) ?? 0) + Number(ms)); }
  const ranked = [...tot].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  for (const pct of ['1', '7.5', '33.3', '100']) {
    const want = ranked.slice(0, Math.ceil((tot.size * Number(pct)) / 100)).map(([user_id, t], i) => ({ user_id, total_duration_ms: t, rank: i + 1 }));
    for (const jobs of [1, 2, 3]) {
      const r = sh(`insights.sh --db ${d}/p${pct}-${jobs}.db --jobs ${jobs} --top-percent ${pct} ${d}/a.csv`);
      assert.is(r.status, 0, r.stderr);
      assert.equal(q(`${d}/p${pct}-${jobs}.db`, 'SELECT user_id, total_duration_ms, rank FROM power_users ORDER BY rank'), want, `--top-percent ${pct} --jobs ${jobs}`);
    }
    // (each shard writes its first L users, L = ceil(P% of the files' bytes / 7), a bound of the users: at
    // 1 % fewer than a shard's users; a gzip file gives no bound, and every user is written)
    const r = sh(`insights.sh --db ${d}/p${pct}-gz.db --jobs 2 --top-percent ${pct} ${d}/a.csv.gz`);
    assert.is(r.status, 0, r.stderr);
    assert.equal(q(`${d}/p${pct}-gz.db`, 'SELECT user_id, total_duration_ms, rank FROM power_users ORDER BY rank'), want, `--top-percent ${pct} gzip`);
    const written = (db) => q(db, "SELECT sum(records_out) AS n FROM stage_stats WHERE tool = 'count-by' AND argv LIKE '%user_id%total_duration_ms%'")[0].n;
    assert.is(written(`${d}/p${pct}-gz.db`), 300, 'gzip: every user written');
    const l = Math.ceil((Number(pct) * fs.statSync(`${d}/a.csv`).size) / 700);
    assert.is(written(`${d}/p${pct}-2.db`), pct === '1' ? 2 * l : 300, `L = ${l} users a shard`);
  }
});

test('an input that is no plain file (a pipe) is read by one shard, said: with two shards each got some of its rows in silence (found this session)', () => {
  const d = tmpdir();
  const head = 'user_id,timestamp,action_type,page_id,duration_ms,app_version\n';
  const rows = Array.from({ length: 3000 }, (_, i) => `u${i % 700},2023-05-0${1 + (i % 9)} 10:00:00,page_view,p1,${i},5.0.0\n`).join('');
  fs.writeFileSync(`${d}/a.csv`, head + rows);
  assert.is(sh(`insights.sh --db ${d}/f.db --jobs 2 ${d}/a.csv`).status, 0);
  const r = sh(`insights.sh --db ${d}/p.db --jobs 2 <(cat ${d}/a.csv)`);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /insights\.sh: \/dev\/fd\/\d+ is no plain file \(a pipe\?\): every shard reads every file, so this run is one shard \(--jobs 1\)/);
  for (const t of ['dau', 'power_users', 'retention', 'session_metrics']) assert.equal(q(`${d}/p.db`, `SELECT * FROM ${t} ORDER BY 1, 2`), q(`${d}/f.db`, `SELECT * FROM ${t} ORDER BY 1, 2`), t);
});

test('the combination (scripts/lib/insights-combine.mjs): a step that fails is said by name after the tool\'s own messages, the others still run, exit 1', () => {
  const d = tmpdir();
  const w = (f, lines) => fs.writeFileSync(`${d}/${f}`, lines.map((x) => JSON.stringify(x)).join('\n') + '\n');
  w('0.users', [{ user_id: 'u2', total_duration_ms: 9 }, { user_id: 'u1', total_duration_ms: 5 }]);
  w('1.users', [{ user_id: 'u3', total_duration_ms: 9 }, { user_id: 'u4', total_duration_ms: null }]);
  w('0.sess', [{ all_users: null, not_a_state: 1 }]); // (no _state: count-by --merge rejects it)
  w('0.mau', [{ month: '2023-05-01', active_users: 2 }]); w('1.mau', [{ month: '2023-05-01', active_users: 1 }]);
  w('0.p95', []); w('0.dev', []);
  fs.writeFileSync(`${d}/stats.ndjson`, '');
  const r = sh(`node scripts/lib/insights-combine.mjs --work ${d} --top 50 --stats ${d}/stats.ndjson -- sess -a 'sessions=count()' ';;' dev -a 'n=count()' ';;' p95 -a 'n=count()'`);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, /count-by: .*not a partial state[\s\S]*insights\.sh: the sessions step failed/);
  // (power users: ceil(50% of the 3 users with a total) = 2, from the first 2 lines of each part; mau summed)
  assert.equal(lines(fs.readFileSync(`${d}/power_users.ndjson`, 'utf8')), [{ user_id: 'u2', total_duration_ms: 9, rank: 1 }, { user_id: 'u3', total_duration_ms: 9, rank: 2 }]);
  assert.equal(lines(fs.readFileSync(`${d}/mau.ndjson`, 'utf8')), [{ month: '2023-05', active_users: 3 }]);
  // --wait: nothing before "go" on stdin, nothing at all when stdin ends without it; then the loads
  // (load ARGS: scripts/lib/load-tables.mjs's) after the steps, none when a step failed
  w('0.sess', [{ all_users: null, _state: { sessions: 2 } }]);
  w('0.dau', [{ date: '2023-05-01', active_users: 2 }]);
  assert.is(sh(`echo '{"user_id":"u1","date":"2023-05-01"}' | retention --user user_id --date date > ${d}/0.ret`).status, 0);
  for (const f of ['power_users', 'mau']) fs.rmSync(`${d}/${f}.ndjson`);
  const cmd = `node scripts/lib/insights-combine.mjs --wait --work ${d} --top 50 --stats ${d}/stats.ndjson -- sess -a 'sessions=count()' ';;' dev -a 'n=count()' ';;' p95 -a 'n=count()' ';;' load --name R mau:month:${d}/mau.ndjson -- --db ${d}/t.db`;
  const stopped = sh(`${cmd} < /dev/null`);
  assert.is(stopped.status, 0, stopped.stderr);
  assert.is(stopped.stderr, '');
  assert.not.ok(fs.existsSync(`${d}/mau.ndjson`) || fs.existsSync(`${d}/t.db`), 'nothing done without go');
  // shards said done ("done K": their parts merged as they come) and stdin ending without go: nothing
  const said = sh(`printf 'done 1\\ndone 0\\n' | ${cmd}`);
  assert.is(said.status, 0, said.stderr);
  assert.is(said.stderr, '');
  assert.not.ok(fs.existsSync(`${d}/mau.ndjson`) || fs.existsSync(`${d}/t.db`), 'nothing done without go');
  const go = sh(`printf 'done 1\\ngo\\n' | ${cmd}`);
  assert.is(go.status, 0, go.stderr);
  assert.equal(lines(sh(`query-sqlite --db ${d}/t.db 'SELECT month, active_users FROM mau'`).stdout), [{ month: '2023-05', active_users: 3 }]);
  assert.match(go.stderr, /load-sqlite: mau: inserted=1 /);
  assert.equal(lines(fs.readFileSync(`${d}/power_users.ndjson`, 'utf8')), [{ user_id: 'u2', total_duration_ms: 9, rank: 1 }, { user_id: 'u3', total_duration_ms: 9, rank: 2 }]);
  fs.rmSync(`${d}/t.db`);
  assert.is(sh(`echo go | ${cmd}`).status, 0, 'go alone: every part at go');
  assert.equal(lines(sh(`query-sqlite --db ${d}/t.db 'SELECT month, active_users FROM mau'`).stdout), [{ month: '2023-05', active_users: 3 }]);
  w('0.sess', [{ all_users: null, not_a_state: 1 }]);
  const bad = sh(`echo go | ${cmd.replace('t.db', 'u.db')}`);
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /insights\.sh: the sessions step failed/);
  assert.not.ok(fs.existsSync(`${d}/u.db`), 'no load after a failed step');
});

test('a shard that fails stops the run: said once, exit 1, the tables as they were, no process of the run left behind', () => {
  const d = tmpdir();
  const head = 'user_id,timestamp,action_type,page_id,duration_ms,app_version\n';
  const rows = Array.from({ length: 2000 }, (_, i) => `u${i},2023-05-01 10:00:00,page_view,p1,100,5.0.0\n`).join('');
  fs.writeFileSync(`${d}/a.csv`, head + rows);
  assert.is(sh(`insights.sh --db ${d}/x.db --jobs 2 ${d}/a.csv`).status, 0);
  fs.writeFileSync(`${d}/b.csv`, 'user_id,timestamp,action_type\nu1,2023-05-02 10:00:00,page_view\n'); // (no duration_ms: from-csv --require fails)
  for (const jobs of [1, 2, 3]) {
    const r = sh(`insights.sh --db ${d}/x.db --jobs ${jobs} ${d}/a.csv ${d}/b.csv`);
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr, /from-csv: .*b\.csv:1: the header has no column "duration_ms"/);
    if (jobs > 1) assert.is(r.stderr.split('insights.sh: a shard failed').length, 2, r.stderr);
    assert.not.match(r.stderr, /ENOENT|cannot|Terminated/, 'the shards stopped end before their folder goes, quietly');
    assert.equal(q(`${d}/x.db`, 'SELECT date, active_users FROM dau'), [{ date: '2023-05-01', active_users: 2000 }], `--jobs ${jobs}`);
    assert.is(sh(`pgrep -f '[${d[0]}]${d.slice(1)}' || true`).stdout, '', 'no process of the run is left'); // (the bracket: not this shell's own command line)
  }
});

test('a shard that fails after the combination started (the other shard done): exit 1, the combination stopped too, nothing of the run left behind (found by a review)', async () => {
  const d = tmpdir();
  const head = 'user_id,timestamp,action_type,page_id,duration_ms,app_version\n';
  // u1's rows are shard 1's (a long shard), u2's one row shard 0's (done at once: the combination starts)
  fs.writeFileSync(`${d}/a.csv`, head + 'u2,2023-05-01 10:00:00,page_view,p1,100,5.0.0\n' + 'u1,2023-05-01 10:00:00,page_view,p1,100,5.0.0\n'.repeat(400000));
  assert.is(sh(`from-csv --shard 1/2:user_id ${d}/a.csv | head -1 | wc -l`).stdout.trim(), '1', 'u1 is shard 1\'s');
  const { spawn } = await import('node:child_process');
  const env = { ...process.env, PATH: `${root}/bin:${root}/scripts:${process.env.PATH}` };
  const p = spawn('insights.sh', ['--db', `${d}/x.db`, '--jobs', '2', `${d}/a.csv`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (c) => { err += c; });
  const ended = new Promise((ok) => p.on('exit', (code) => ok(code)));
  const pat = `'[${d[0]}]${d.slice(1)}'`;
  let combined = false;
  for (let i = 0; i < 200 && !combined; i++) { await new Promise((r) => setTimeout(r, 50)); combined = sh(`pgrep -f 'insights-combine.mjs.*'${pat}`).stdout !== ''; }
  assert.ok(combined, 'the combination started while shard 1 ran');
  const shard = sh(`pgrep -f 'shard 1/2:user_id.*'${pat}`).stdout.trim().split('\n')[0];
  assert.ok(shard, 'shard 1 still running');
  sh(`kill -KILL ${shard}`);
  assert.is(await ended, 1, err);
  assert.match(err, /insights\.sh: a shard failed/);
  // (at once: the run waits for what it stopped before it ends)
  assert.is(sh(`pgrep -f ${pat} || true`).stdout, '', 'no process of the run is left');
  assert.not.ok(fs.existsSync(`${d}/x.db`) && q(`${d}/x.db`, "SELECT name FROM sqlite_master WHERE name = 'dau'").length > 0, 'no table loaded');
});

test('a --metadata file without user_id and device_type columns is refused before anything runs: exit 1, the tables as they were (found by a review against the seed)', () => {
  const d = tmpdir();
  const head = 'user_id,timestamp,action_type,page_id,duration_ms,app_version\n';
  fs.writeFileSync(`${d}/a.csv`, head + 'u1,2023-05-01 10:00:00,page_view,p1,100,5.0.0\n');
  fs.writeFileSync(`${d}/meta.csv`, '\ufeffuser_id,join_date,country,device_type,subscription_type\r\nu1,2022-01-01,US,iPad,free\r\n');
  for (const how of ['--jobs 2', '--incremental']) {
    const db = `${d}/${how.slice(2, 5)}.db`;
    const r = sh(`insights.sh --db ${db} ${how} --metadata ${d}/meta.csv ${d}/a.csv`);
    assert.is(r.status, 0, r.stderr);
    const wrong = sh(`insights.sh --db ${db} ${how} --metadata ${d}/a.csv ${d}/a.csv`); // an interactions file given as the metadata
    assert.is(wrong.status, 1, wrong.stderr);
    assert.match(wrong.stderr, /insights\.sh: --metadata .*a\.csv: its header has no user_id or no device_type column \(nothing was run\)/);
    assert.equal(q(db, 'SELECT device_type, n FROM device_performance'), [{ device_type: 'iPad', n: 1 }], how);
  }
  // (a plain header is read by the recipe itself, a quoted one by from-csv: the same answers)
  // (found by a review: bash's read drops NUL bytes, so a UTF-16 header spelled the names)
  const utf16 = (t, bom) => Buffer.concat([Buffer.from(bom ? [0xff, 0xfe] : []), Buffer.from(t, 'utf16le')]);
  for (const [header, ok] of [['user_id,device_type', true], ['"user_id","device_type"', true], ['"x,user_id,device_type"', false],
    ['device_type,x,user_id', true], ['user_ids,device_type', false], ['user_id,"device_type', false], ['', false],
    ['user_id,device_type\r', true], ['user_id,a\r,device_type', false], [utf16('user_id,device_type\n'), false], [utf16('id,user_id,device_type\n', true), false]]) {
    // (a row of as many cells as the header has: a metadata file none of whose rows can be read fails the run)
    fs.writeFileSync(`${d}/m.csv`, typeof header !== 'string' ? header : header ? `${header}\n${header === 'device_type,x,user_id' ? 'iPad,0,u1' : 'u1,iPad'}\n` : '');
    const r = sh(`insights.sh --db ${d}/m.db --jobs 2 --metadata ${d}/m.csv ${d}/a.csv`);
    assert.is(r.status, ok ? 0 : 1, `${JSON.stringify(String(header))}: ${r.stderr}`);
  }
});

test('a shard whose rows validate or to-local-date rejected all: the run goes on, every --jobs gives the same tables (found by a review against the seed)', () => {
  const d = tmpdir();
  const head = 'user_id,timestamp,action_type,page_id,duration_ms,app_version\n';
  // one good row of one user, a row without a user_id and one with a bad timestamp: with 2 or 3 shards
  // some shard holds only a rejected row, whichever the user
  for (const u of ['u1', 'u2', 'u3', 'u4']) {
    fs.writeFileSync(`${d}/${u}.csv`, head + `${u},2023-05-01 10:00:00,page_view,p1,100,5.0.0\n,2023-05-01 10:00:00,page_view,p1,100,5.0.0\n${u}x,garbage,page_view,p1,100,5.0.0\n`);
    const tables = (jobs) => {
      const r = sh(`insights.sh --db ${d}/${u}-${jobs}.db --jobs ${jobs} ${d}/${u}.csv`);
      assert.is(r.status, 0, `${u} --jobs ${jobs}: ${r.stderr}`);
      return ['dau', 'power_users', 'app_version_p95', 'session_metrics', 'retention'].map((t) => q(`${d}/${u}-${jobs}.db`, `SELECT * FROM ${t}`));
    };
    const one = tables(1);
    assert.equal(one[0], [{ date: '2023-05-01', active_users: 1 }]);
    for (const jobs of [2, 3]) assert.equal(tables(jobs), one, `${u} --jobs ${jobs}`);
  }
  // nothing kept by any shard: exit 1, the tables as they were
  fs.writeFileSync(`${d}/none.csv`, head + ',2023-05-01 10:00:00,page_view,p1,100,5.0.0\nu1,garbage,page_view,p1,100,5.0.0\n');
  for (const jobs of [2, 3]) {
    const r = sh(`insights.sh --db ${d}/u1-1.db --jobs ${jobs} ${d}/none.csv`);
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr, /insights\.sh: every interaction read was rejected: nothing kept/);
    assert.equal(q(`${d}/u1-1.db`, 'SELECT * FROM dau'), [{ date: '2023-05-01', active_users: 1 }]);
  }
});

test('a run without --metadata empties device_performance (it kept the last run\'s, which --report showed as this one\'s); a gzip, empty, missing or not plain --metadata is refused before anything runs, and so is a missing or folder input; usage errors for --session-gap 0, --top-percent past 100, --report naming a file (found by a review)', () => {
  const d = tmpdir();
  const head = 'user_id,timestamp,action_type,page_id,duration_ms,app_version\n';
  fs.writeFileSync(`${d}/a.csv`, head + 'u1,2023-05-01 10:00:00,page_view,p1,100,5.0.0\nu2,2023-05-01 11:00:00,edit,p1,200,5.0.1\n');
  fs.writeFileSync(`${d}/m.csv`, 'user_id,device_type\nu1,iPad\nu2,Mac\n');
  const db = `${d}/x.db`;
  let r = sh(`insights.sh --db ${db} --metadata ${d}/m.csv ${d}/a.csv`);
  assert.is(r.status, 0, r.stderr);
  assert.is(q(db, 'SELECT count(*) AS n FROM device_performance')[0].n, 2);
  r = sh(`insights.sh --db ${db} --report ${d}/rep ${d}/a.csv`);
  assert.is(r.status, 0, r.stderr);
  assert.equal(q(db, 'SELECT * FROM device_performance'), []);
  assert.not.match(fs.readFileSync(`${d}/rep/report.md`, 'utf8'), /[Dd]evice/);
  // a gzip metadata file's header is checked too (through gzip); the right one is read
  fs.writeFileSync(`${d}/nodev.csv.gz`, zlib.gzipSync('user_id,join_date\nu1,2022-01-01\n'));
  fs.writeFileSync(`${d}/m.csv.gz`, zlib.gzipSync(fs.readFileSync(`${d}/m.csv`)));
  fs.writeFileSync(`${d}/empty.csv`, '');
  r = sh(`insights.sh --db ${db} --metadata ${d}/m.csv.gz ${d}/a.csv`);
  assert.is(r.status, 0, r.stderr);
  const before = q(db, 'SELECT * FROM device_performance ORDER BY device_type');
  assert.is(before.length, 2);
  for (const [file, why] of [['nodev.csv.gz', 'its header has no user_id or no device_type column, or it is no gzip CSV'], ['empty.csv', 'an empty file \\(no header row\\)'],
    ['missing.csv', 'no such file'], ['.', 'it is a folder'], ['/dev/null', 'not a plain file \\(each part of the run reads it\\)']]) {
    const path = file.startsWith('/') ? file : `${d}/${file}`;
    r = sh(`insights.sh --db ${db} --metadata ${path} ${d}/a.csv`);
    assert.is(r.status, 1, `${file}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^insights\\.sh: --metadata ${path.replace(/[.]/g, '\\.')}: ${why} \\(nothing was run\\)\\n$`), file);
    assert.equal(q(db, 'SELECT * FROM device_performance ORDER BY device_type'), before, file);
  }
  // a missing or folder input: one line, before anything runs (each shard said its seven outputs not written)
  for (const [file, why] of [['gone.csv', 'no such file'], ['.', 'it is a folder']]) {
    for (const mode of ['--jobs 2', '--incremental']) {
      r = sh(`insights.sh --db ${db} ${mode} ${d}/a.csv ${d}/${file}`);
      assert.is(r.status, 1, `${file} ${mode}: ${r.stderr}`);
      assert.is(r.stderr, `insights.sh: ${d}/${file}: ${why} (nothing was run)\n`, `${file} ${mode}`);
    }
  }
  assert.equal(q(db, 'SELECT * FROM device_performance ORDER BY device_type'), before);
  fs.writeFileSync(`${d}/afile`, '');
  for (const [args, msg] of [['--session-gap 0', /--session-gap takes a whole number of seconds, 1 or more/], ['--top-percent 150', /--top-percent takes a number from 0 to 100/],
    [`--report ${d}/afile`, /--report .*afile: a file, not a folder/], ['--incremental --session-gap 00', /--session-gap takes/]]) {
    r = sh(`insights.sh --db ${d}/u.db ${args} ${d}/a.csv`);
    assert.is(r.status, 2, `${args}: ${r.stderr}`);
    assert.match(r.stderr, msg, args);
  }
});

test('an app version whose page views have no duration is in no row (the load failed on its NULL p95, exit 1 when it was the only version), a user without one no bad record of top\'s; the report draws and counts a day nobody came and escapes a version in its table (found by a review)', () => {
  const d = tmpdir();
  const head = 'user_id,timestamp,action_type,page_id,duration_ms,app_version\n';
  fs.writeFileSync(`${d}/nodur.csv`, head + 'u1,2023-03-01 10:00:00,page_view,p1,,9.9.9\n');
  let r = sh(`insights.sh --db ${d}/n.db ${d}/nodur.csv`);
  assert.is(r.status, 0, r.stderr);
  assert.not.match(r.stderr, /constraint|failed/);
  assert.equal(q(`${d}/n.db`, 'SELECT * FROM app_version_p95'), []);
  // a user without a duration beside one with: no power user candidate, no "bad record" of top's
  fs.writeFileSync(`${d}/nodur2.csv`, head + 'u1,2023-03-01 10:00:00,page_view,p1,,9.9.9\nu2,2023-03-01 10:00:00,page_view,p1,5,5.0.0\n');
  r = sh(`insights.sh --db ${d}/n2.db ${d}/nodur2.csv`);
  assert.is(r.status, 0, r.stderr);
  assert.not.match(r.stderr, /top: |bad record/);
  assert.equal(q(`${d}/n2.db`, 'SELECT user_id, total_duration_ms FROM power_users'), [{ user_id: 'u2', total_duration_ms: 5 }]);
  assert.equal(q(`${d}/n2.db`, 'SELECT app_version, n FROM app_version_p95'), [{ app_version: '5.0.0', n: 1 }]);
  // 40 days of 20 users each, one day of nobody, versions with Markdown and HTML in their names
  const rows = [];
  for (let day = 1; day <= 40; day++) {
    if (day === 30) continue;
    const date = new Date(Date.UTC(2023, 0, day)).toISOString().slice(0, 10);
    for (let u = 0; u < 20; u++) rows.push(`u${u},${date} 10:00:00,page_view,p1,${100 + u},${u % 2 ? '5|0 <b>x</b> & y' : '1.0'}`);
  }
  fs.writeFileSync(`${d}/days.csv`, head + rows.join('\n') + '\n');
  r = sh(`insights.sh --db ${d}/r.db --report ${d}/rep ${d}/days.csv`);
  assert.is(r.status, 0, r.stderr);
  const flagged = q(`${d}/r.db`, 'SELECT date FROM dau_anomalies WHERE anomaly = 1 ORDER BY date').map((x) => x.date);
  assert.ok(flagged.includes('2023-01-30'), String(flagged));
  const md = fs.readFileSync(`${d}/rep/report.md`, 'utf8');
  assert.match(md, /Active users\*\*: 40 days; 20 a day on average; 1 unusual day flagged \(2023-01-30\)\./);
  assert.ok(md.includes('| 5\\|0 &lt;b&gt;x&lt;/b&gt; &amp; y | 390 | '), md);
  const svg = fs.readFileSync(`${d}/rep/dau.svg`, 'utf8');
  assert.match(svg, /2023-01-30/);
});

test.run();
