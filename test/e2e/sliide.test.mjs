// End to end: the Sliide recipe (scripts/active-users.sh) and the bare pipeline, on the real sample in
// ../shared/data/real/sliide and on hand-made adversarial events (DST days, the 3 s boundary,
// look-alike event names, numbers as strings, bad lines), with re-runs and overlapping loads.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { hasReal, lines, real, sh, tmpdir, withReal } from '../helpers/sh.mjs';

const sample = path.join(real, 'sliide', 'bq-results-sample-data.jsons');
const table = (db) => lines(sh(`query-sqlite --db ${db} 'SELECT date, active_user_count FROM active_user_table ORDER BY date'`).stdout);

/** a GA4-shaped line */
function ev({ name = 'user_engagement', us, user, ms, msAs = 'int' }) {
  const value = msAs === 'int' ? { int_value: String(ms) } : msAs === 'double' ? { double_value: ms } : { string_value: String(ms) };
  return JSON.stringify({
    event_date: '20200308', event_timestamp: String(us), event_name: name,
    event_params: [{ key: 'ga_session_id', value: { int_value: '1583650000' } }, { key: 'engagement_time_msec', value }],
    user_pseudo_id: user,
  });
}
const us = (iso) => BigInt(Date.parse(iso)) * 1000n;

withReal(test)('real sample: 11, 31, 22 active users on 2019-12-29..31 (US/Central), the published answer', () => {
  const dir = tmpdir();
  const r = sh(`scripts/active-users.sh --db ${dir}/a.db ${sample}`);
  assert.is(r.status, 0, r.stderr);
  assert.equal(table(`${dir}/a.db`), [
    { date: '2019-12-29', active_user_count: 11 },
    { date: '2019-12-30', active_user_count: 31 },
    { date: '2019-12-31', active_user_count: 22 },
  ]);
  assert.match(r.stdout, /2019-12-30\s+31/);
});

withReal(test)('real sample: --threads 2 (64 KiB pieces, the sample cut in ~12) gives the tables of --threads 1, with the bad lines counted once; --threads x is a usage error', () => {
  const dir = tmpdir();
  // the sample with two bad lines in the middle of it
  sh(`head -600 ${sample} > ${dir}/s.jsons; echo '{"event_name": broken' >> ${dir}/s.jsons; echo '[1]' >> ${dir}/s.jsons; tail -n +601 ${sample} >> ${dir}/s.jsons`);
  const run = (t, db) => sh(`scripts/active-users.sh --quiet --threads ${t} --db ${dir}/${db} ${dir}/s.jsons`, { env: { EVENT_PIPES_PIECE_BYTES: '65536', EVENT_PIPES_TRACE: '1' } });
  const one = run(1, 'one.db'), two = run(2, 'two.db');
  assert.is(one.status, 0, one.stderr); assert.is(two.status, 0, two.stderr);
  assert.match(two.stderr, /event-pipes: 2 threads over \d+ pieces/);
  assert.not.match(one.stderr, /threads over/);
  const pairs = (db) => sh(`query-sqlite --db ${dir}/${db} 'SELECT * FROM active_user_pairs ORDER BY date, user_pseudo_id'`).stdout;
  assert.equal(table(`${dir}/two.db`), table(`${dir}/one.db`));
  assert.is(pairs('two.db'), pairs('one.db'));
  assert.equal(table(`${dir}/two.db`).map((r) => r.active_user_count), [11, 31, 22]);
  const bad = (r) => r.stderr.split('\n').filter((l) => /^filter-engaged: .*:\d+: /.test(l)).sort();
  assert.is(bad(one).length, 2, one.stderr);
  assert.equal(bad(two), bad(one));
  const u = sh(`scripts/active-users.sh --quiet --threads x --db ${dir}/x.db ${dir}/s.jsons`);
  assert.is(u.status, 2); assert.match(u.stderr, /--threads takes a number of threads or auto/);
});

withReal(test)('real sample: the bare pipeline of the README gives the same counts', () => {
  const r = sh(`filter-engaged < ${sample} | to-local-date --tz America/Chicago | count-by date -a 'active_user_count=distinct(user_pseudo_id)'`);
  assert.is(r.status, 0, r.stderr);
  assert.equal(lines(r.stdout), [
    { date: '2019-12-29', active_user_count: 11 },
    { date: '2019-12-30', active_user_count: 31 },
    { date: '2019-12-31', active_user_count: 22 },
  ]);
});

withReal(test)('real sample: re-running and loading overlapping halves give the counts of one load', () => {
  const dir = tmpdir();
  sh(`head -700 ${sample} > ${dir}/a.jsons; tail -600 ${sample} > ${dir}/b.jsons`);
  for (const f of ['a.jsons', 'b.jsons', 'a.jsons', 'b.jsons']) assert.is(sh(`scripts/active-users.sh --quiet --db ${dir}/x.db ${dir}/${f}`).status, 0);
  const once = tmpdir();
  sh(`scripts/active-users.sh --quiet --db ${once}/y.db ${sample}`);
  assert.equal(table(`${dir}/x.db`), table(`${once}/y.db`));
  assert.equal(table(`${dir}/x.db`).map((r) => r.active_user_count), [11, 31, 22]);
});

test('DST days in America/Chicago: local midnight moves with the offset, distinct users, 2999/3000 ms', () => {
  const events = [
    ev({ us: us('2020-03-08T05:59:59Z'), user: 'a', ms: 3000 }), // 23:59:59 CST Mar 7
    ev({ us: us('2020-03-08T06:00:00Z'), user: 'b', ms: 3000 }), // 00:00 CST Mar 8
    ev({ us: us('2020-03-09T04:59:59Z'), user: 'c', ms: 5000 }), // 23:59:59 CDT Mar 8
    ev({ us: us('2020-03-09T05:00:00Z'), user: 'd', ms: 5000 }), // 00:00 CDT Mar 9 (a fixed -6 says Mar 8)
    ev({ us: us('2020-03-09T05:30:00Z'), user: 'd', ms: 4000 }), // same user, same day: once
    ev({ us: us('2020-03-08T12:00:00Z'), user: 'e', ms: 2999 }), // below the threshold
    ev({ us: us('2020-03-08T12:00:00Z'), user: 'f', ms: 3000, msAs: 'double' }),
    ev({ us: us('2020-03-08T12:00:00Z'), user: 'g', ms: 3000, msAs: 'string' }),
    ev({ name: 'user_engagement_extra', us: us('2020-03-08T12:00:00Z'), user: 'h', ms: 9000 }),
    ev({ name: 'User_Engagement', us: us('2020-03-08T12:00:00Z'), user: 'i', ms: 9000 }),
    ev({ us: us('2020-11-01T04:59:59Z'), user: 'j', ms: 3000 }), // 23:59:59 CDT Oct 31
    ev({ us: us('2020-11-01T05:00:00Z'), user: 'k', ms: 3000 }), // 00:00 CDT Nov 1
    ev({ us: us('2020-11-01T06:30:00Z'), user: 'l', ms: 3000 }), // 01:30 CDT Nov 1
    ev({ us: us('2020-11-01T07:30:00Z'), user: 'l', ms: 3000 }), // 01:30 CST Nov 1 (repeated hour)
    ev({ us: us('2020-11-02T05:30:00Z'), user: 'm', ms: 3000 }), // 23:30 CST Nov 1 (a fixed -5 says Nov 2)
    ev({ us: us('2020-11-02T06:00:00Z'), user: 'n', ms: 3000 }), // 00:00 CST Nov 2
    '{"event_name":"user_engagement","event_timestamp":"158365',   // truncated mid-stream
    'not json at all',
  ].join('\n') + '\n';
  const dir = tmpdir();
  fs.writeFileSync(`${dir}/ev.ndjson`, events);
  const r = sh(`scripts/active-users.sh --quiet --db ${dir}/d.db ${dir}/ev.ndjson`);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /2 bad records skipped/);
  assert.equal(table(`${dir}/d.db`), [
    { date: '2020-03-07', active_user_count: 1 },
    { date: '2020-03-08', active_user_count: 4 }, // b c f g
    { date: '2020-03-09', active_user_count: 1 }, // d
    { date: '2020-10-31', active_user_count: 1 }, // j
    { date: '2020-11-01', active_user_count: 3 }, // k l m
    { date: '2020-11-02', active_user_count: 1 }, // n
  ]);
});

test('a partial day loaded first and the rest later gives the full-day count', () => {
  const dir = tmpdir();
  const day = [1, 2, 3, 4, 5].map((i) => ev({ us: us(`2020-06-01T1${i}:00:00Z`), user: `u${i % 3}`, ms: 4000 }));
  fs.writeFileSync(`${dir}/morning.ndjson`, day.slice(0, 2).join('\n') + '\n');
  fs.writeFileSync(`${dir}/evening.ndjson`, day.slice(1).join('\n') + '\n');
  sh(`scripts/active-users.sh --quiet --db ${dir}/p.db ${dir}/morning.ndjson`);
  assert.equal(table(`${dir}/p.db`), [{ date: '2020-06-01', active_user_count: 2 }]);
  sh(`scripts/active-users.sh --quiet --db ${dir}/p.db ${dir}/evening.ndjson`);
  assert.equal(table(`${dir}/p.db`), [{ date: '2020-06-01', active_user_count: 3 }]);
});

test('64-bit user ids that differ only past 2^53 stay distinct', () => {
  const dir = tmpdir();
  const a = '{"event_name":"user_engagement","event_timestamp":1591000000000000,"engagement_time_msec":5000,"user_pseudo_id":9007199254740993}';
  const b = a.replace('9007199254740993', '9007199254740992');
  fs.writeFileSync(`${dir}/ids.ndjson`, [a, b, a].join('\n') + '\n');
  const r = sh(`filter-engaged ${dir}/ids.ndjson | to-local-date --tz America/Chicago | count-by date -a 'n=distinct(user_pseudo_id)'`);
  assert.equal(lines(r.stdout), [{ date: '2020-06-01', n: 2 }]);
  const pass = sh(`filter-engaged ${dir}/ids.ndjson | to-local-date --tz UTC`).stdout.split('\n')[0];
  assert.is(pass, a.slice(0, -1) + ',"date":"2020-06-01"}');
});

test('event_timestamp is read as microseconds: a seconds-sized or nanoseconds-sized value is not re-read in another unit but refused, said with the unit it looks like (a seconds-sized one was a day in 1970 in silence)', () => {
  const dir = tmpdir();
  fs.writeFileSync(`${dir}/units.ndjson`, [
    ev({ us: 1583863200n, user: 'small', ms: 5000 }), // 1970-01-01T00:26:23Z in microseconds: seconds of 2020, refused
    ev({ us: -1000000n, user: 'neg', ms: 5000 }), // one second before the epoch: 1969-12-31 in Chicago
    ev({ us: 9223372036854775807n, user: 'huge', ms: 5000 }), // year 294247 in microseconds: refused
    ev({ us: us('2020-03-10T18:00:00Z'), user: 'ok', ms: 5000 }),
  ].join('\n') + '\n');
  const r = sh(`scripts/active-users.sh --quiet --db ${dir}/u.db ${dir}/units.ndjson`);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /2 bad records skipped/);
  assert.match(r.stderr, /epoch 1583863200 read as us is a time in 1970 \(it looks like s\)/);
  assert.equal(table(`${dir}/u.db`), [
    { date: '1969-12-31', active_user_count: 1 },
    { date: '2020-03-10', active_user_count: 1 },
  ]);
});

test('--rejects FILE: every step\'s refused records as JSON lines, step by step, the same with --threads 2; a run that fails keeps the last file (a first one leaves none); not with --hosts (found by a review: no recipe but game-stats kept its bad records)', () => {
  const dir = tmpdir();
  const t = us('2020-03-10T18:00:00Z');
  const rows = [ev({ us: t, user: 'a', ms: 5000 }), '{"event_name":"user_engagement","broken', ev({ us: t, user: '', ms: 5000 }),
    ev({ us: 1583863200n, user: 'b', ms: 5000 }), ev({ us: t, user: 'c', ms: 5000 })];
  // (padding lines so that --threads 2 with small pieces splits the file)
  const pad = Array.from({ length: 3000 }, (_, i) => ev({ name: 'screen_view', us: t + BigInt(i), user: `p${i}`, ms: 0 }));
  fs.writeFileSync(`${dir}/day.ndjson`, [...pad, ...rows, ...pad].join('\n') + '\n');
  const runs = {};
  for (const threads of [1, 2]) {
    const r = sh(`scripts/active-users.sh --quiet --threads ${threads} --db ${dir}/t${threads}.db --rejects ${dir}/rej${threads}.ndjson ${dir}/day.ndjson`, { env: { EVENT_PIPES_PIECE_BYTES: '65536' } });
    assert.is(r.status, 0, r.stderr);
    // (each step's summary names the recipe's file, not the run's own part of it, gone at its end)
    const named = [...r.stderr.matchAll(/JSON records in (\S+)/g)].map((m) => m[1]);
    assert.equal(named, [`${dir}/rej${threads}.ndjson`, `${dir}/rej${threads}.ndjson`, `${dir}/rej${threads}.ndjson`]);
    runs[threads] = fs.readFileSync(`${dir}/rej${threads}.ndjson`, 'utf8');
    assert.equal(table(`${dir}/t${threads}.db`), [{ date: '2020-03-10', active_user_count: 2 }]);
  }
  assert.is(runs[2], runs[1], '--threads 2 writes the same file');
  const got = lines(runs[1]);
  assert.equal(got.map((x) => [x.file.endsWith('day.ndjson') ? 'day' : x.file, x.reason]), [['day', 'malformed JSON'], ['-', 'empty user_pseudo_id'], ['-', 'bad event_timestamp']]);
  assert.is(got[0].line, 3002);
  assert.is(got[0].raw, rows[1]);
  assert.is(got[1].raw, rows[2]);
  // a run that fails (a database that is no SQLite file) keeps the last file; a first one leaves none
  fs.writeFileSync(`${dir}/junk.db`, Buffer.alloc(5000, 7));
  let r = sh(`scripts/active-users.sh --quiet --db ${dir}/junk.db --rejects ${dir}/rej1.ndjson ${dir}/day.ndjson`);
  assert.is(r.status, 1, r.stderr);
  assert.is(fs.readFileSync(`${dir}/rej1.ndjson`, 'utf8'), runs[1]);
  r = sh(`scripts/active-users.sh --quiet --db ${dir}/junk.db --rejects ${dir}/new.ndjson ${dir}/day.ndjson`);
  assert.is(r.status, 1, r.stderr);
  assert.not.ok(fs.existsSync(`${dir}/new.ndjson`));
  // a run that refused every record fails, and its file says why
  fs.writeFileSync(`${dir}/bad.ndjson`, 'bad\n' + rows[1] + '\n');
  r = sh(`scripts/active-users.sh --quiet --db ${dir}/b.db --rejects ${dir}/rej1.ndjson ${dir}/bad.ndjson`);
  assert.is(r.status, 1, r.stderr);
  assert.equal(lines(fs.readFileSync(`${dir}/rej1.ndjson`, 'utf8')).map((x) => [x.line, x.reason, x.raw]), [[1, 'malformed JSON', 'bad'], [2, 'malformed JSON', rows[1]]]);
  // a FILE the run reads or writes, one holding anything but refused records (a forgotten argument:
  // `--rejects day1 day2`), or `-`, is refused before anything runs (a review: the records replaced them)
  fs.copyFileSync(`${dir}/day.ndjson`, `${dir}/day1.ndjson`);
  for (const [args, why] of [[`--rejects ${dir}/day1.ndjson ${dir}/day.ndjson`, /holds something other than refused records/],
    [`--rejects ${dir}/day.ndjson ${dir}/day.ndjson`, /which this run reads or writes/], [`--rejects ${dir}/b.db ${dir}/day.ndjson`, /which this run reads or writes/],
    [`--rejects - ${dir}/day.ndjson`, /--rejects takes a file, not -/]]) {
    r = sh(`scripts/active-users.sh --quiet --db ${dir}/b.db ${args}`);
    assert.is(r.status, 2, args);
    assert.match(r.stderr, why, args);
  }
  assert.ok(fs.readFileSync(`${dir}/day1.ndjson`).equals(fs.readFileSync(`${dir}/day.ndjson`)), 'the input left as it was');
  r = sh(`scripts/active-users.sh --quiet --db ${dir}/h.db --hosts : --rejects ${dir}/h.ndjson ${dir}/day.ndjson`);
  assert.is(r.status, 2);
  assert.match(r.stderr, /--rejects is kept by a run on this machine only \(not with --hosts\)/);
});

test('an engaged event whose user_pseudo_id is empty or null is no user: it is counted as a bad record, not as one more active user', () => {
  const dir = tmpdir();
  const t = us('2020-03-10T18:00:00Z');
  fs.writeFileSync(`${dir}/anon.ndjson`, [
    ev({ us: t, user: 'real', ms: 5000 }),
    ev({ us: t, user: '', ms: 5000 }),
    ev({ us: t + 1n, user: '', ms: 5000 }),
    ev({ us: t, user: null, ms: 5000 }),
  ].join('\n') + '\n');
  const r = sh(`scripts/active-users.sh --quiet --db ${dir}/n.db ${dir}/anon.ndjson`);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /3 bad records skipped/);
  assert.equal(table(`${dir}/n.db`), [{ date: '2020-03-10', active_user_count: 1 }]);
});


test('every recipe refuses a missing or folder input before anything runs: one line, exit 1, no database made (a missing file failed a recipe half way: insights.sh said fourteen outputs not written, game-stats.sh made its database first)', () => {
  const d = tmpdir();
  // (a record each in the users and activities, a country in the timezones: an empty one is refused first)
  fs.writeFileSync(`${d}/u.json`, '[{"user_id":"u1"}]'); fs.writeFileSync(`${d}/a.json`, '[{"activity_id":"a1"}]'); fs.writeFileSync(`${d}/tz.jsonl`, '{"country":"US","timezone":"America/New_York"}\n');
  const recipes = [
    ['active-users.sh', `--db ${d}/x.db`], ['engagement.sh', `--db ${d}/x.db --users ${d}/u.json --activities ${d}/a.json`],
    ['game-stats.sh', `--db ${d}/x.db --timezones ${d}/tz.jsonl`], ['insights.sh', `--db ${d}/x.db`], ['reel-interest.sh', `--out ${d}/o --db ${d}/x.db`]];
  fs.mkdirSync(`${d}/folder`);
  for (const [recipe, args] of recipes) {
    for (const [file, why] of [['gone.ndjson', 'no such file'], ['folder', 'it is a folder']]) {
      const r = sh(`scripts/${recipe} ${args} ${d}/${file}`);
      assert.is(r.status, 1, `${recipe} ${file}: ${r.stderr}`);
      assert.is(r.stderr, `${recipe}: ${d}/${file}: ${why} (nothing was run)\n`, `${recipe} ${file}`);
      assert.not.ok(fs.existsSync(`${d}/x.db`), `${recipe}: no database made`);
      assert.not.ok(fs.existsSync(`${d}/o`), `${recipe}: no output folder made`);
    }
  }
});
test.run();
