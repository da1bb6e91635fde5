// insights.sh --incremental: partitions (daily CSV files) fed in any order, in any number of batches,
// with repeats and with a partition first fed wrong and then fed right, give the tables of one
// non-incremental run over everything (every table and view compared whole). Checked on two real
// samples turned into interaction files (Lingokids activity events, 31 days; the game's session pings,
// 28 days, sessions across midnight) and on generate-insights output (with a heavy user and a session
// across midnight added).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { hasReal, real, sh, tmpdir, withReal } from '../helpers/sh.mjs';
import { dumpAll, rng } from '../helpers/incremental.mjs';

const TABLES = ['dau', 'mau', 'power_users', 'retention', 'app_version_p95', 'device_performance', 'device_performance_effect', 'dau_anomalies', 'session_metrics'];
const HEAD = 'user_id,timestamp,action_type,page_id,duration_ms,app_version';
const csvField = (v) => (/[",\r\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

/** rows [{user_id, timestamp, action_type, page_id, duration_ms, app_version}] -> DIR/date=D.csv, one file a day */
function writeDays(dir, rows) {
  fs.mkdirSync(dir, { recursive: true });
  const byDay = new Map();
  for (const r of rows) { const d = r.timestamp.slice(0, 10); (byDay.get(d) ?? byDay.set(d, []).get(d)).push(r); }
  for (const [d, rs] of byDay) fs.writeFileSync(`${dir}/date=${d}.csv`, [HEAD, ...rs.map((r) => [r.user_id, r.timestamp, r.action_type, r.page_id, r.duration_ms, r.app_version].map(csvField).join(','))].join('\n') + '\n');
  return [...byDay.keys()].sort().map((d) => `${dir}/date=${d}.csv`);
}

function run(args) {
  const r = sh(`insights.sh ${args}`);
  assert.is(r.status, 0, `insights.sh ${args}\n${r.stderr}`);
  return r;
}

/**
 * One non-incremental run over `files`, then for each seed: the files shuffled and cut into batches
 * at random places, fed with --incremental, plus a repeat (a partition fed again in a later batch) and
 * a correction (a wrong version of a partition, under the same file name, fed before the right one).
 * Every table equal to the one run's.
 */
function batchesEqualOneRun(name, files, { seeds, opts = '', jobs = 2 }) {
  const d = tmpdir();
  run(`--db ${d}/one.db ${opts} ${files.join(' ')}`);
  const one = dumpAll(`${d}/one.db`);
  for (const t of TABLES) assert.ok(one[t] !== undefined, `${name}: table ${t}`);
  for (const seed of seeds) {
    const r = rng(seed);
    const order = r.shuffle([...files]);
    const cuts = [...new Set(Array.from({ length: r.int(1, 3) }, () => r.int(1, order.length - 1)))].sort((a, b) => a - b);
    const at = [0, ...cuts, order.length];
    const batches = at.slice(0, -1).map((a, i) => order.slice(a, at[i + 1]));
    // a repeat: a partition of the first batch fed again with the last
    const again = r.pick(batches[0]);
    batches[batches.length - 1].push(again);
    // a correction: a wrong version of a partition (half its rows and the rows of another day, under its
    // file name) fed in its own run somewhere before the right one
    const target = r.pick(files.filter((f) => f !== again));
    const other = r.pick(files.filter((f) => f !== target));
    const wrongDir = `${d}/wrong-${seed}`;
    fs.mkdirSync(wrongDir, { recursive: true });
    const tl = fs.readFileSync(target, 'utf8').trim().split('\n'), ol = fs.readFileSync(other, 'utf8').trim().split('\n');
    fs.writeFileSync(`${wrongDir}/${path.basename(target)}`, [HEAD, ...tl.slice(1, 1 + Math.ceil((tl.length - 1) / 2)), ...ol.slice(1)].join('\n') + '\n');
    const runs = [...batches];
    runs.splice(r.int(0, batches.findIndex((b) => b.includes(target))), 0, [`${wrongDir}/${path.basename(target)}`]);
    const db = `${d}/inc-${seed}.db`;
    runs.forEach((b, i) => run(`--incremental --db ${db} --jobs ${i % 2 ? 1 : jobs} ${opts} ${b.join(' ')}`));
    const got = dumpAll(db);
    const plan = runs.map((b) => b.map((f) => (f.startsWith(wrongDir) ? `wrong:${path.basename(f)}` : path.basename(f).slice(5, -4))).join(' ')).join(' | ');
    for (const t of TABLES) assert.is(got[t], one[t], `${name}, seed ${seed}, runs ${plan}: table ${t}`);
  }
  return { d, one };
}

withReal(test)('real Lingokids activity events as 31 daily partitions: batches in any order, repeats, a correction = one run', () => {
  const events = fs.readFileSync(path.join(real, 'lingokids', 'derived_facundoroot_duckdb', 'intermediate_activity_events_enriched.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const rows = events.map((e) => ({ user_id: e.user_id, timestamp: e.occurred_at.slice(0, 19), action_type: e.activity_type === 'game' ? 'page_view' : e.activity_type,
    page_id: e.activity_id, duration_ms: Math.round(e.duration_seconds * 1000), app_version: e.app_version }));
  const files = writeDays(`${tmpdir()}/lingokids`, rows);
  assert.is(files.length, 31);
  const { one } = batchesEqualOneRun('lingokids', files, { seeds: [1] });
  assert.is(one.dau.split('\n').length, 31);
  assert.match(one.retention, /"week_offset":4/);
});

withReal(test)('real game session pings as 28 daily partitions (sessions across midnight): batches = one run', () => {
  const pings = fs.readFileSync(path.join(real, 'nordeus-game', 'derived_rbojan2000_curated', 'session_ping.jsonl'), 'utf8').trim().split('\n')
    .map((l) => { try { return JSON.parse(l); } catch { return null; } }).filter((p) => p && p.user_id && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(p.session_timestamp));
  const rows = pings.map((p) => ({ user_id: p.user_id, timestamp: p.session_timestamp, action_type: p.type || 'page_view', page_id: `e${p.event_id}`, duration_ms: 60000 + (p.event_id % 997), app_version: `1.${p.event_id % 3}` }));
  const files = writeDays(`${tmpdir()}/game`, rows);
  assert.is(files.length, 28);
  const { d } = batchesEqualOneRun('game pings', files, { seeds: [7], opts: '--session-gap 120' });
  // sessions that span midnight are one session: some stored session starts on one day and ends on the next
  const db = `${d}/inc-7.db`;
  const across = sh(`query-sqlite --db ${db} "SELECT count(*) AS n FROM insights_sessions WHERE date(session_start, 'unixepoch') <> date(session_end, 'unixepoch')"`);
  assert.ok(JSON.parse(across.stdout).n > 0, across.stdout);
});

test('generate-insights output (heavy user, session across midnight, --metadata, --cap-duration, --top-percent): batches = one run', () => {
  const d = tmpdir();
  sh(`generate-insights --seed 5 --interactions 6000 --users 300 --out ${d}/data`);
  // metadata for every user (the generator's ids rarely meet), a heavy user and a session across midnight
  const meta = ['user_id,join_date,country,device_type,subscription_type'];
  const devices = ['iPhone', 'iPad', 'Android Phone', 'Android Tablet', 'Windows', 'Mac'];
  const users = new Set();
  const dir = `${d}/data/interactions`;
  const pick = fs.readdirSync(dir).filter((f) => /-(01|15)\.csv$/.test(f)).map((f) => `${dir}/${f}`); // 2 days a month
  for (const f of pick) for (const l of fs.readFileSync(f, 'utf8').trim().split('\n').slice(1)) users.add(l.split(',')[0]);
  [...users].sort().forEach((u, i) => meta.push(`${u},2022-01-01,US,${devices[i % 6]},free`));
  fs.writeFileSync(`${d}/meta.csv`, meta.join('\n') + '\n');
  fs.appendFileSync(`${dir}/date=2023-03-01.csv`, Array.from({ length: 60 }, (_, i) => `u000042,2023-03-01 ${String(8 + Math.floor(i / 20)).padStart(2, '0')}:${String((i * 3) % 60).padStart(2, '0')}:00,page_view,p1,${1000 + i},6.0.${i % 3}`).join('\n') + '\n');
  fs.appendFileSync(`${dir}/date=2023-06-15.csv`, 'u000042,2023-06-15 23:50:00,edit,p2,500000,6.0.1\n');
  fs.appendFileSync(`${dir}/date=2023-06-16.csv`, 'u000042,2023-06-16 00:10:00,edit,p2,7000,6.0.1\n');
  const files = [...new Set([...pick, `${dir}/date=2023-06-15.csv`, `${dir}/date=2023-06-16.csv`])];
  const opts = `--metadata ${d}/meta.csv --cap-duration 250000 --top-percent 5`;
  const { one } = batchesEqualOneRun('generated', files, { seeds: [3], opts, jobs: 1 });
  assert.ok(one.device_performance.split('\n').length === 6, one.device_performance);
});

test('users whose interactions have no duration (empty duration_ms) in some or all partitions: batches = one run', () => {
  // u1: no duration anywhere (no total: not a power user, not among the users counted for the
  // percentage); u2: none in one partition, some in another; the others with durations. The recompute
  // failed on u1 (NOT NULL total_num) and every later --incremental run of the database with it
  const rows = [];
  const day = (i) => `2023-07-${String(1 + i).padStart(2, '0')}`;
  for (let i = 0; i < 6; i++) {
    rows.push({ user_id: 'u1', timestamp: `${day(i)} 10:00:00`, action_type: 'page_view', page_id: 'p1', duration_ms: '', app_version: '5.7.3' });
    rows.push({ user_id: 'u2', timestamp: `${day(i)} 11:00:00`, action_type: 'page_view', page_id: 'p1', duration_ms: i % 2 ? '' : 100 * i + 7, app_version: '5.7.3' });
    for (let u = 3; u < 9; u++) rows.push({ user_id: `u${u}`, timestamp: `${day(i)} 1${u}:00:00`, action_type: 'click', page_id: 'p2', duration_ms: u * 10 + i, app_version: '5.8.0' });
  }
  const files = writeDays(`${tmpdir()}/nodur`, rows);
  const { one } = batchesEqualOneRun('empty durations', files, { seeds: [2, 5], opts: '--top-percent 30' });
  assert.not.match(one.power_users, /"u1"/);
  assert.is(one.power_users.split('\n').length, 3, one.power_users); // ceil(30 % of the 7 users with a total)
  // the first partition alone: u1 without a total, and a later run on that database
  const d = tmpdir();
  run(`--incremental --db ${d}/a.db --top-percent 30 ${files[0]}`);
  run(`--incremental --db ${d}/a.db --top-percent 30 ${files.slice(1).join(' ')}`);
  const got = dumpAll(`${d}/a.db`);
  for (const t of TABLES) assert.is(got[t], one[t], `first partition, then the rest: table ${t}`);
});

test('a batch with --jobs 2 equals --jobs 1; usage errors; a database of another kind or other settings is refused', () => {
  const d = tmpdir();
  sh(`generate-insights --seed 8 --interactions 800 --users 80 --out ${d}/data`);
  const files = fs.readdirSync(`${d}/data/interactions`).slice(0, 6).map((f) => `${d}/data/interactions/${f}`);
  run(`--incremental --db ${d}/a.db --jobs 1 ${files.join(' ')}`);
  run(`--incremental --db ${d}/b.db --jobs 2 ${files.join(' ')}`);
  const a = dumpAll(`${d}/a.db`), b = dumpAll(`${d}/b.db`);
  for (const t of TABLES) assert.is(b[t], a[t], t);
  // the states themselves are the same, whatever the order and --jobs
  for (const t of ['insights_state', 'insights_part_weeks', 'insights_part_sessions', 'insights_user_weeks', 'insights_cohort_counts', 'insights_user_totals', 'insights_sessions']) assert.is(b[t], a[t], t);
  // the same partition key twice in a run; --partition-key with several files
  assert.is(sh(`insights.sh --incremental --db ${d}/a.db ${files[0]} ${files[0]}`).status, 2);
  assert.is(sh(`insights.sh --incremental --db ${d}/a.db --partition-key x ${files[0]} ${files[1]}`).status, 2);
  assert.is(sh(`insights.sh --db ${d}/a.db --partition-key x ${files[0]}`).status, 2);
  // other settings than the stored states' -> exit 2, nothing changed
  const r = sh(`insights.sh --incremental --db ${d}/a.db --session-gap 60 ${files[0]}`);
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /session_gap 1800/);
  assert.equal(dumpAll(`${d}/a.db`).dau, a.dau);
  // a database written by a run without --incremental is refused (its tables have no states), and the
  // other way round
  run(`--db ${d}/full.db ${files.join(' ')}`);
  assert.is(sh(`insights.sh --incremental --db ${d}/full.db ${files[0]}`).status, 2);
  const back = sh(`insights.sh --db ${d}/a.db ${files.join(' ')}`);
  assert.is(back.status, 2, back.stderr);
  // --partition-key: a file under another name replaces the partition of that name
  fs.copyFileSync(files[1], `${d}/today.csv`);
  run(`--incremental --db ${d}/a.db --partition-key ${path.basename(files[1])} ${d}/today.csv`);
  assert.equal(dumpAll(`${d}/a.db`).dau, a.dau);
  // no files: the tables recomputed from the states (what a failed run leaves to the next)
  run(`--incremental --db ${d}/a.db`);
  assert.equal(dumpAll(`${d}/a.db`).power_users, a.power_users);
  // states stored before user ids were read as text (no user_ids setting, as the earlier version left
  // them) are refused: merged with text ids, a numeric id was two users
  const bdb = new Database(`${d}/b.db`); bdb.exec("DELETE FROM insights_settings WHERE setting = 'user_ids'"); bdb.close();
  const old = sh(`insights.sh --incremental --db ${d}/b.db ${files[0]}`);
  assert.is(old.status, 2, old.stderr);
  assert.match(old.stderr, /made by an earlier version of the recipe, which read user ids as numbers/);
  assert.equal(dumpAll(`${d}/b.db`).dau, b.dau);
});

test('a --metadata file with bad lines: each said once and counted once in stage_stats, by a run of two shards and by an incremental batch of several partitions; the tables as without them (found in the thirty-fourth session)', () => {
  const d = tmpdir();
  sh(`generate-insights --seed 4 --interactions 1500 --users 120 --out ${d}/data`);
  const files = fs.readdirSync(`${d}/data/interactions`).slice(0, 5).map((f) => `${d}/data/interactions/${f}`);
  const users = new Set();
  for (const f of files) for (const l of fs.readFileSync(f, 'utf8').trim().split('\n').slice(1)) users.add(l.split(',')[0]);
  const good = ['user_id,join_date,country,device_type,subscription_type', ...[...users].sort().map((u, i) => `${u},2022-01-01,US,${['iPhone', 'Mac', 'Windows'][i % 3]},free`)];
  fs.writeFileSync(`${d}/good.csv`, good.join('\n') + '\n');
  // a stray quote (line 3) and a row without a user_id (line 6)
  const bad = [...good.slice(0, 2), 'x,"y', ...good.slice(2, 4), ',2022-01-01,US,Mac,free', ...good.slice(4)];
  fs.writeFileSync(`${d}/bad.csv`, bad.join('\n') + '\n');
  const said = (stderr) => stderr.split('\n').filter((l) => l.startsWith('join: ')).sort();
  const joinRejected = (db) => new Database(db, { readonly: true }).prepare("SELECT sum(rejected) AS n FROM stage_stats WHERE tool = 'join'").get().n;
  for (const [mode, opts] of [['shards', '--jobs 2'], ['incremental', '--incremental --jobs 2']]) {
    const ok = run(`${opts} --db ${d}/good-${mode}.db --metadata ${d}/good.csv ${files.join(' ')}`);
    assert.equal(said(ok.stderr), [], mode);
    const r = run(`${opts} --db ${d}/bad-${mode}.db --metadata ${d}/bad.csv ${files.join(' ')}`);
    assert.equal(said(r.stderr), [
      `join: ${d}/bad.csv:3: unclosed quote: the quoted field 2 is not closed by the end of the input, found on line ${bad.length} (a quote opened on line 3 may be stray: line 3 is rejected alone, reading resumes on line 4)`,
      `join: ${d}/bad.csv:6: side record without user_id`,
      'join: 2 bad records skipped (unclosed quote: 1, side record without user_id: 1)',
    ].sort(), `${mode}: ${r.stderr}`);
    assert.is(joinRejected(`${d}/bad-${mode}.db`), 2, mode);
    const a = dumpAll(`${d}/good-${mode}.db`), b = dumpAll(`${d}/bad-${mode}.db`);
    for (const t of TABLES) assert.is(b[t], a[t], `${mode}: ${t}`);
  }
  // a side file of which no record can be used: the incremental batch fails before its partitions, said once
  fs.writeFileSync(`${d}/none.csv`, 'user_id,device_type\n"x\n');
  const none = sh(`insights.sh --incremental --db ${d}/none.db --metadata ${d}/none.csv ${files.join(' ')}`);
  assert.is(none.status, 1, none.stderr);
  assert.is(none.stderr.split('\n').filter((l) => l.includes('none of its records could be used')).length, 1, none.stderr);
  assert.match(none.stderr, /insights\.sh: --metadata .*none\.csv cannot be used \(said above\): nothing was loaded/);
});

test('found in the thirty-fourth session: a name with a tab refused (its rows were stored as none, exit 0); power_users of no row (--top-percent 0, no duration) empties the table (every batch failed on top --n 0); --cap-duration 0100 is 100; a run of no file on a new database stores no settings; a run without --incremental checks for states again under the lock', () => {
  const d = tmpdir();
  sh(`generate-insights --seed 6 --interactions 600 --users 50 --out ${d}/data`);
  const files = fs.readdirSync(`${d}/data/interactions`).slice(0, 4).map((f) => `${d}/data/interactions/${f}`);
  fs.mkdirSync(`${d}/tab`);
  fs.copyFileSync(files[0], `${d}/tab/a\tb.csv`);
  for (const args of [`--incremental --db ${d}/t.db '${d}/tab/a\tb.csv'`, `--incremental --db ${d}/t.db --partition-key $'a\\tb' ${files[0]}`, `--hosts 2/: --db ${d}/t.db '${d}/tab/a\tb.csv'`]) {
    const r = sh(`insights.sh ${args}`);
    assert.is(r.status, 2, `${args}: ${r.stderr}`);
    assert.match(r.stderr, /a tab or a line break/);
  }
  assert.not.ok(fs.existsSync(`${d}/t.db`));
  // power_users empty: the incremental batches equal one run
  run(`--top-percent 0 --db ${d}/p0.db ${files.join(' ')}`);
  run(`--incremental --top-percent 0 --db ${d}/p0i.db ${files.slice(0, 2).join(' ')}`);
  run(`--incremental --top-percent 0 --db ${d}/p0i.db ${files.slice(2).join(' ')}`);
  const one = dumpAll(`${d}/p0.db`), inc = dumpAll(`${d}/p0i.db`);
  for (const t of TABLES) assert.is(inc[t], one[t], `--top-percent 0: ${t}`);
  assert.is(one.power_users, '');
  // --cap-duration with a leading zero: the same states and tables as without it
  run(`--incremental --cap-duration 0300000 --db ${d}/c.db ${files[0]}`);
  run(`--incremental --cap-duration 300000 --db ${d}/c.db ${files[1]}`);
  run(`--cap-duration 0300000 --db ${d}/cf.db ${files.slice(0, 2).join(' ')}`);
  const c = dumpAll(`${d}/c.db`), cf = dumpAll(`${d}/cf.db`);
  for (const t of TABLES) assert.is(c[t], cf[t], `--cap-duration 0300000: ${t}`);
  // a cap past 2^63: by its text (bash's arithmetic made it -1, every total -1; found by the late review)
  run(`--cap-duration 018446744073709551615 --db ${d}/big.db ${files.join(' ')}`);
  run(`--db ${d}/nocap.db ${files.join(' ')}`);
  assert.is(dumpAll(`${d}/big.db`).power_users, dumpAll(`${d}/nocap.db`).power_users);
  // no file on a new database: nothing stored, and the first batch takes its own settings
  run(`--incremental --db ${d}/n.db`);
  run(`--incremental --session-gap 60 --db ${d}/n.db ${files[0]}`);
  // the states looked for again once the lock is had: a batch that stored states while this run waited
  // for the lock (here: a state table made while a holder kept the lock) is not overwritten by it
  run(`--db ${d}/race.db ${files[0]}`);
  const r = sh(`( flock 9; : > ${d}/held; sleep 60 ) 9>> ${d}/race.db.lock & holder=$!
    while [ ! -e ${d}/held ]; do sleep 0.1; done
    insights.sh --db ${d}/race.db ${files.join(' ')} & run=$!
    for i in $(seq 600); do pgrep -x flock > /dev/null && break; sleep 0.1; done
    echo '{"partition":"p","kind":"dau","key":"k","state":"{}"}' | load-sqlite --db ${d}/race.db -t insights_state -k partition,kind,key 2> /dev/null
    kill $holder; wait $run; echo "status $?"`);
  assert.match(r.stdout, /status 2/, r.stderr);
  assert.match(r.stderr, /holds partition states/);
  assert.is(dumpAll(`${d}/race.db`).dau, dumpAll(`${d}/p0.db`).dau.split('\n').filter((l) => l.includes(path.basename(files[0]).slice(5, 15))).join('\n'));
});

test.run();
