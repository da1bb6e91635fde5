// End to end: the Loco clip-interest recipe (scripts/reel-interest.sh) on the real like/unlike files and
// generated watch events, checked against an independent computation written here from the case
// study's rules; order independence; Parquet read back; the database table equal to the NDJSON.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { hasReal, lines, real, sh, tmpdir, withReal } from '../helpers/sh.mjs';

const liked = path.join(real, 'loco', 'reel_liked_data');
const unliked = path.join(real, 'loco', 'reel_unliked_data');

// ---- the reference: the case study's rules, written independently of the tools
const num = (v) => (v === null || v === undefined || v === '' || typeof v === 'boolean' ? NaN : Number(v));
const verLess = (a, b) => {
  const x = String(a).split('.').map(Number), y = String(b).split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) { const d = (x[i] ?? 0) - (y[i] ?? 0); if (d) return d < 0; }
  return false;
};
// the fields every watch event's rule reads; app_version (android) and replay_count (android < 2.3.0) below
const IMPORTANT = ['origin_platform', 'reel_watch_duration', 'reel_duration'];
function reference(events) {
  const pairs = new Map();
  const get = (e) => { const k = `${e.user_uid}|${e.reel_uid}`; if (!pairs.has(k)) pairs.set(k, { user_uid: e.user_uid, reel_uid: e.reel_uid, t: -Infinity, last: null, total: 0, dur: null, n: 0 }); return pairs.get(k); };
  for (const e of events) {
    if (e.user_uid == null || e.reel_uid == null) continue;
    if (e.event_name === 'reel_liked' || e.event_name === 'reel_unliked') {
      const t = num(e.timestamp);
      if (!Number.isFinite(t)) continue;
      const p = get(e);
      if (t > p.t || (t === p.t && e.event_name === 'reel_unliked')) { p.t = t; p.last = e.event_name; }
    } else if (e.event_name === 'reel_watched') {
      // "ignore the events where important fields are null": the fields the event's own rule reads
      if (IMPORTANT.some((f) => e[f] === null || e[f] === undefined)) continue;
      const platform = String(e.origin_platform ?? '').toLowerCase();
      const w = num(e.reel_watch_duration), d = num(e.reel_duration);
      if (!['android', 'ios'].includes(platform) || !(w >= 0) || !(d > 0)) continue;
      let total = w;
      if (platform === 'android') {
        if (e.app_version == null) continue;
        if (verLess(e.app_version, '2.3.0')) { const r = num(e.replay_count); if (!(r >= 0)) continue; if (r > 0) total = d * r + w; }
      }
      const p = get(e);
      p.total += total; p.dur = d; p.n++;
    }
  }
  return [...pairs.values()].map((p) => {
    const likedF = p.last === 'reel_liked', unlikedF = p.last === 'reel_unliked';
    const ratio = p.n ? p.total / p.dur : null;
    return { user_uid: p.user_uid, reel_uid: p.reel_uid, liked: likedF, unliked: unlikedF, watched_ratio: ratio, is_interested: unlikedF ? false : likedF ? true : ratio !== null && ratio > 0.6 };
  });
}
const byKey = (rows) => new Map(rows.map((r) => [`${r.user_uid}|${r.reel_uid}`, r]));

function compare(ours, want) {
  assert.is(ours.length, want.length, 'row count');
  const w = byKey(want);
  for (const r of ours) {
    const x = w.get(`${r.user_uid}|${r.reel_uid}`);
    assert.ok(x, `unexpected pair ${r.user_uid} ${r.reel_uid}`);
    assert.equal([r.liked, r.unliked, r.is_interested], [x.liked, x.unliked, x.is_interested], `${r.user_uid} ${r.reel_uid}`);
    if (x.watched_ratio === null) assert.is(r.watched_ratio, null);
    else assert.ok(Math.abs(r.watched_ratio - x.watched_ratio) < 1e-9, `ratio ${r.watched_ratio} vs ${x.watched_ratio}`);
    assert.equal(Object.keys(r), ['user_uid', 'reel_uid', 'liked', 'unliked', 'watched_ratio', 'is_interested']);
  }
}

withReal(test)('real like/unlike files: final actions equal the reference; watched_ratio null', () => {
  const d = tmpdir();
  const r = sh(`scripts/reel-interest.sh --out ${d}/out ${liked} ${unliked}`);
  assert.is(r.status, 0, r.stderr);
  const ours = lines(fs.readFileSync(`${d}/out/reel_interest.ndjson`, 'utf8'));
  const events = lines(fs.readFileSync(liked, 'utf8') + fs.readFileSync(unliked, 'utf8'));
  compare(ours, reference(events));
  assert.is(ours.length, 30);
  assert.is(ours.filter((x) => x.unliked).length, 1);
  assert.ok(ours.every((x) => x.watched_ratio === null));
});

test('generated watch events with every rule + real like/unlike, mixed in one file: reference, shuffle, Parquet, database', async () => {
  const d = tmpdir();
  sh(`scripts/generate-loco --seed 11 --events 6000 --users 80 --reels 60 > ${d}/gen.ndjson`);
  const extra = hasReal ? `${liked} ${unliked}` : '';
  sh(`cat ${d}/gen.ndjson ${extra} > ${d}/all.ndjson; shuf --random-source=${d}/gen.ndjson ${d}/all.ndjson > ${d}/shuffled.ndjson`);
  const r = sh(`scripts/reel-interest.sh --out ${d}/a --db ${d}/a.db ${d}/all.ndjson`);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /bad records skipped/); // the generator plants nulls and a 'web' platform
  const ours = lines(fs.readFileSync(`${d}/a/reel_interest.ndjson`, 'utf8'));
  compare(ours, reference(lines(fs.readFileSync(`${d}/all.ndjson`, 'utf8'))));
  assert.ok(ours.some((x) => x.is_interested && !x.liked) && ours.some((x) => !x.is_interested && !x.unliked));
  // the same events in another order, split across files: byte-identical output
  sh(`head -9000 ${d}/shuffled.ndjson > ${d}/p1; tail -n +9001 ${d}/shuffled.ndjson > ${d}/p2`);
  assert.is(sh(`scripts/reel-interest.sh --out ${d}/b ${d}/p2 ${d}/p1`).status, 0);
  assert.is(fs.readFileSync(`${d}/b/reel_interest.ndjson`, 'utf8'), fs.readFileSync(`${d}/a/reel_interest.ndjson`, 'utf8'));
  // Parquet: same rows and types
  const buf = fs.readFileSync(`${d}/a/reel_interest.parquet`);
  const rows = await parquetReadObjects({ file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) });
  assert.is(rows.length, ours.length);
  rows.forEach((row, i) => {
    assert.equal({ ...row }, ours[i]);
    assert.type(row.liked, 'boolean');
  });
  // database: the same rows (booleans as 0/1)
  const db = lines(sh(`query-sqlite --db ${d}/a.db 'SELECT * FROM reel_interest ORDER BY user_uid, reel_uid'`).stdout);
  const asDb = ours.map((x) => ({ ...x, liked: +x.liked, unliked: +x.unliked, is_interested: +x.is_interested }))
    .sort((a, b) => (a.user_uid + a.reel_uid < b.user_uid + b.reel_uid ? -1 : 1));
  assert.equal(db, asDb);
  // loading again changes nothing
  assert.match(sh(`scripts/reel-interest.sh --out ${d}/a --db ${d}/a.db ${d}/all.ndjson`).stderr, /inserted=0 updated=0 unchanged=\d+/);
});

test("a watch event with a null field its rule reads is ignored and reported; one whose null field its rule does not read counts (ios: app_version, replay_count; android >= 2.3.0: replay_count)", () => {
  const d = tmpdir();
  const w = (reel, extra) => JSON.stringify({ event_name: 'reel_watched', timestamp: 1, user_uid: 'u1', reel_uid: reel, origin_platform: 'ios', app_version: '5.7.9', reel_watch_duration: 90, reel_duration: 100, replay_count: 0, ...extra });
  fs.writeFileSync(`${d}/ev.ndjson`, [
    w('r1', { app_version: null }),                      // ios: app_version unused by the rule: counts
    w('r2', {}), w('r2', { reel_watch_duration: null }), // a null duration: ignored (every rule reads it)
    w('r3', { replay_count: null }),                     // ios: replay_count unused: counts
    w('r4', { origin_platform: 'android', app_version: '2.4.0', replay_count: null }), // >= 2.3.0: unused
    w('r5', { app_version: null }),
    JSON.stringify({ event_name: 'reel_liked', timestamp: 5, user_uid: 'u1', reel_uid: 'r5', app_version: null }), // a like: app_version not important
    w('r6', { origin_platform: 'android', app_version: null }),                   // android: which rule? ignored
    w('r7', { origin_platform: 'android', app_version: '2.2.0', replay_count: null }), // < 2.3.0 reads it: ignored
    w('r8', { reel_duration: null }),
  ].join('\n') + '\n');
  const r = sh(`scripts/reel-interest.sh --out ${d}/o ${d}/ev.ndjson`);
  assert.is(r.status, 0, r.stderr);
  const rows = lines(fs.readFileSync(`${d}/o/reel_interest.ndjson`, 'utf8'));
  assert.equal(rows.map((x) => [x.reel_uid, x.watched_ratio, x.liked, x.is_interested]), [
    ['r1', 0.9, false, true], ['r2', 0.9, false, true], ['r3', 0.9, false, true], ['r4', 0.9, false, true], ['r5', 0.9, true, true],
  ]);
  assert.match(r.stderr, /validate: .*null reel_watch_duration: 1, null reel_duration: 1|validate: .*null reel_duration: 1, null reel_watch_duration: 1/);
  assert.match(r.stderr, /watch-ratio: .*missing app_version: 1, missing replay_count: 1|watch-ratio: .*missing replay_count: 1, missing app_version: 1/);
  // the same reading as the reference
  const events = fs.readFileSync(`${d}/ev.ndjson`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  compare(rows, reference(events));
});

test('every watch event with a null important field: the likes still decide, exit 0 (the watch chain kept nothing: it failed the job)', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/ev.ndjson`, '{"event_name":"reel_liked","timestamp":5,"user_uid":"a","reel_uid":"r"}\n'
    + '{"event_name":"reel_watched","timestamp":5,"user_uid":"a","reel_uid":"r2","origin_platform":"ios","app_version":"1.0","reel_watch_duration":null,"reel_duration":10,"replay_count":0}\n');
  const r = sh(`scripts/reel-interest.sh --out ${d}/o --db ${d}/l.db ${d}/ev.ndjson`);
  assert.is(r.status, 0, r.stderr);
  assert.equal(lines(fs.readFileSync(`${d}/o/reel_interest.ndjson`, 'utf8')), [{ user_uid: 'a', reel_uid: 'r', liked: true, unliked: false, watched_ratio: null, is_interested: true }]);
  assert.match(r.stderr, /null reel_watch_duration: 1/);
});

test('every like and unlike rejected: the watch events still decide, exit 0, the rejected like kept by --rejects (one bad like failed the run, nothing written: found by a review); a file named -x.ndjson; --out naming a file is a usage error', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/-x.ndjson`, '{"event_name":"reel_liked","timestamp":null,"user_uid":"u","reel_uid":"r"}\n'
    + '{"event_name":"reel_watched","user_uid":"u","reel_uid":"r","origin_platform":"ios","reel_duration":10,"reel_watch_duration":5}\n'
    + '{"event_name":"reel_watched","user_uid":"w","reel_uid":"r","origin_platform":"android","app_version":2.10,"reel_duration":10,"reel_watch_duration":9,"replay_count":2}\n');
  const r = sh(`cd ${d} && ${process.cwd()}/scripts/reel-interest.sh --out o --db l.db --rejects rej.txt -- -x.ndjson`);
  assert.is(r.status, 0, r.stderr);
  assert.equal(lines(fs.readFileSync(`${d}/o/reel_interest.ndjson`, 'utf8')), [
    { user_uid: 'u', reel_uid: 'r', liked: false, unliked: false, watched_ratio: 0.5, is_interested: false },
    { user_uid: 'w', reel_uid: 'r', liked: false, unliked: false, watched_ratio: 0.9, is_interested: true }]);
  assert.equal(lines(fs.readFileSync(`${d}/rej.txt`, 'utf8')).map((x) => [x.reason, JSON.parse(x.raw).event_name]), [['no usable time', 'reel_liked']]);
  fs.writeFileSync(`${d}/afile`, '');
  const u = sh(`scripts/reel-interest.sh --out ${d}/afile ${d}/-x.ndjson`);
  assert.is(u.status, 2, u.stderr);
  assert.match(u.stderr, /^reel-interest\.sh: --out .*afile: a file, not a folder \(try/);
});

test('a run that decides no pair (every watch event rejected, no like; an empty file) kept nothing: exit 1, last night\'s files and table left as they were (they were emptied, exit 0: found by a review)', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/good.ndjson`, '{"event_name":"reel_liked","timestamp":5,"user_uid":"a","reel_uid":"r"}\n');
  fs.writeFileSync(`${d}/bad.ndjson`, '{"event_name":"reel_watched","timestamp":5,"user_uid":"a","reel_uid":"r2","origin_platform":"ios","app_version":"1.0","reel_watch_duration":null,"reel_duration":10,"replay_count":0}\n');
  fs.writeFileSync(`${d}/empty.ndjson`, '');
  let r = sh(`scripts/reel-interest.sh --out ${d}/o --db ${d}/l.db ${d}/good.ndjson`);
  assert.is(r.status, 0, r.stderr);
  const before = fs.readFileSync(`${d}/o/reel_interest.ndjson`, 'utf8'), parquet = fs.readFileSync(`${d}/o/reel_interest.parquet`);
  for (const f of ['bad.ndjson', 'empty.ndjson']) {
    r = sh(`scripts/reel-interest.sh --out ${d}/o --db ${d}/l.db ${d}/${f}`);
    assert.is(r.status, 1, `${f}: ${r.stderr}`);
    assert.match(r.stderr, /no \(user, reel\) pair came out of the input .*nothing kept/, f);
    assert.is(fs.readFileSync(`${d}/o/reel_interest.ndjson`, 'utf8'), before, f);
    assert.ok(fs.readFileSync(`${d}/o/reel_interest.parquet`).equals(parquet), f);
    assert.equal(fs.readdirSync(`${d}/o`).sort(), ['reel_interest.ndjson', 'reel_interest.parquet'], f);
  }
  assert.equal(lines(sh(`query-sqlite --db ${d}/l.db 'SELECT count(*) AS n FROM reel_interest'`).stdout), [{ n: 1 }]);
});

test('--rejects FILE: every step\'s refused events as JSON lines, step by step; a line that is no JSON kept once though both chains read it (a review: the recipe kept none)', () => {
  const d = tmpdir();
  const bad = ['{"broken', '{"event_name":"reel_liked","timestamp":1e30,"user_uid":"u","reel_uid":"r"}',
    '{"event_name":"reel_watched","timestamp":5,"user_uid":"u","reel_uid":"r2","origin_platform":"ios","app_version":"1.0","reel_watch_duration":null,"reel_duration":10,"replay_count":0}',
    '{"event_name":"reel_watched","timestamp":5,"user_uid":"u","reel_uid":"r3","origin_platform":"web","app_version":"1.0","reel_watch_duration":4,"reel_duration":10,"replay_count":0}'];
  fs.writeFileSync(`${d}/ev.ndjson`, ['{"event_name":"reel_unliked","timestamp":7,"user_uid":"u","reel_uid":"r"}', ...bad,
    '{"event_name":"REEL_LIKED","timestamp":9,"user_uid":"u","reel_uid":"r"}'].join('\n') + '\n');
  const r = sh(`scripts/reel-interest.sh --out ${d}/o --rejects ${d}/rej.ndjson ${d}/ev.ndjson`);
  assert.is(r.status, 0, r.stderr);
  // an event of another name is left out and counted (it went unsaid)
  assert.match(r.stderr, /reel-interest\.sh: 1 event of other names \(not reel_watched, reel_liked or reel_unliked\) left out/);
  const rej = lines(fs.readFileSync(`${d}/rej.ndjson`, 'utf8'));
  assert.equal(rej.map((x) => [x.reason, x.raw]), [['malformed JSON', bad[0]], ['no usable time', bad[1]], ['null reel_watch_duration', bad[2]], ['unknown platform', bad[3]]]);
  assert.is(rej[0].line, 2);
  // the like at 1e30 did not win: the real unlike decides
  assert.equal(lines(fs.readFileSync(`${d}/o/reel_interest.ndjson`, 'utf8')), [{ user_uid: 'u', reel_uid: 'r', liked: false, unliked: true, watched_ratio: null, is_interested: false }]);
});

test('standard input or a pipe is read by both chains (it was split between them: some events in one chain only, 1972 rows instead of 2010, exit 0: found by a review)', () => {
  const d = tmpdir();
  assert.is(sh(`generate-loco --seed 4 --events 6000 --out ${d}/ev.ndjson`).status, 0);
  let r = sh(`scripts/reel-interest.sh --out ${d}/file ${d}/ev.ndjson`);
  assert.is(r.status, 0, r.stderr);
  const want = fs.readFileSync(`${d}/file/reel_interest.ndjson`, 'utf8');
  for (const [how, cmd] of [['stdin', `scripts/reel-interest.sh --out ${d}/stdin - < ${d}/ev.ndjson`], ['pipe', `cat ${d}/ev.ndjson | scripts/reel-interest.sh --out ${d}/pipe -`],
    ['fifo', `scripts/reel-interest.sh --out ${d}/fifo <(cat ${d}/ev.ndjson)`]]) {
    r = sh(cmd);
    assert.is(r.status, 0, `${how}: ${r.stderr}`);
    assert.is(fs.readFileSync(`${d}/${how}/reel_interest.ndjson`, 'utf8'), want, how);
  }
});

test('an id sent as a number is its text: user_uid 1 and "1" are one user in the NDJSON, the Parquet file and the table (they were two rows in the files, one in the table, the last written) (found by a review)', async () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/ev.ndjson`, [
    '{"event_name":"reel_liked","timestamp":1682964233,"user_uid":1,"reel_uid":"r"}',
    '{"event_name":"reel_unliked","timestamp":1682964233,"user_uid":"1","reel_uid":"r"}', // (a tie: the unlike wins)
    '{"event_name":"reel_watched","timestamp":1682964233,"user_uid":2.50,"reel_uid":7,"origin_platform":"ios","reel_watch_duration":50,"reel_duration":60}',
    '{"event_name":"reel_liked","timestamp":1682964230,"user_uid":"2.50","reel_uid":"7"}',
  ].join('\n') + '\n');
  const r = sh(`scripts/reel-interest.sh --out ${d}/o --db ${d}/l.db ${d}/ev.ndjson`);
  assert.is(r.status, 0, r.stderr);
  const want = [{ user_uid: '1', reel_uid: 'r', liked: false, unliked: true, watched_ratio: null, is_interested: false },
    { user_uid: '2.50', reel_uid: '7', liked: true, unliked: false, watched_ratio: 50 / 60, is_interested: true }];
  assert.equal(lines(fs.readFileSync(`${d}/o/reel_interest.ndjson`, 'utf8')), want);
  const pb = fs.readFileSync(`${d}/o/reel_interest.parquet`);
  const pq = await parquetReadObjects({ file: pb.buffer.slice(pb.byteOffset, pb.byteOffset + pb.length) });
  assert.equal(pq.map((x) => [x.user_uid, x.reel_uid, x.liked, x.unliked]), want.map((x) => [x.user_uid, x.reel_uid, x.liked, x.unliked]));
  const db = lines(sh(`query-sqlite --db ${d}/l.db 'SELECT user_uid, reel_uid, liked, unliked FROM reel_interest ORDER BY user_uid'`).stdout);
  assert.equal(db, want.map((x) => ({ user_uid: x.user_uid, reel_uid: x.reel_uid, liked: x.liked ? 1 : 0, unliked: x.unliked ? 1 : 0 })));
});

test('a failing step is named, exits non-zero and leaves no half-written output', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/ev.ndjson`, '{"event_name":"reel_liked","timestamp":1,"user_uid":"u","reel_uid":"r"}\n');
  let r = sh(`scripts/reel-interest.sh --out ${d}/o ${d}/missing.ndjson`);
  assert.is(r.status, 1);
  assert.match(r.stderr, /^reel-interest\.sh: .*missing\.ndjson: no such file \(nothing was run\)\n$/);
  assert.not.ok(fs.existsSync(`${d}/o`), 'nothing was made');
  r = sh(`scripts/reel-interest.sh --out ${d}/o --db ${d} ${d}/ev.ndjson`); // a directory is no database
  assert.is.not(r.status, 0);
  assert.match(r.stderr, /step 'load-sqlite' failed/);
  assert.equal(fs.readdirSync(`${d}/o`).sort(), ['reel_interest.ndjson', 'reel_interest.parquet']);
  r = sh(`scripts/reel-interest.sh --out ${d}/o2 --threshold abc ${d}/ev.ndjson`); // checked before anything runs
  assert.is(r.status, 2);
  assert.match(r.stderr, /--threshold takes a number/);
  assert.not.ok(fs.existsSync(`${d}/o2`));
});

test.run();
