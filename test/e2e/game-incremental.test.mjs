// The game recipe is incremental and idempotent: any split of its input, loaded in any order, with
// repeats, gives the tables of one load (and the same state for later loads). Checked on the challenge's
// sample and on streams generated from the rules with every awkward case (whose one-load tables are
// also computed independently from the rules), plus the two regressions of the issue and the refusals.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { hasReal, lines, real, sh, tmpdir, withReal } from '../helpers/sh.mjs';
import { TABLES, dump, generateGame, oracle, rng } from '../helpers/game.mjs';

const G = path.join(real, 'nordeus-game');
const TZ = path.join(G, 'timezones.jsonl');
const load = (db, files, extra = '') => {
  const r = sh(`game-stats.sh --db ${db} --timezones ${TZ} ${extra} ${files.join(' ')}`);
  assert.is(r.status, 0, r.stderr);
  return r;
};

/** split `text` (lines) into k random pieces (each line to a random piece, order kept), then a load
 *  plan: every piece once in a random order, some again, and sometimes two pieces in one load */
function plan(text, seed, k) {
  const r = rng(seed);
  const pieces = Array.from({ length: k }, () => []);
  for (const l of text) pieces[r.int(0, k - 1)].push(l);
  const order = pieces.map((_, i) => i).sort(() => r.next() - 0.5);
  const runs = order.map((i) => [i]);
  runs.splice(r.int(1, runs.length), 0, [r.pick(order)]);          // a repeat of a whole piece
  if (k > 2) { const [x] = runs.splice(r.int(0, runs.length - 1), 1); runs[r.int(0, runs.length - 1)].push(...x); } // two files in one load
  return { pieces, runs };
}

function splitEqualsOneLoad(name, text, seeds, k, oneDb) {
  const d = tmpdir();
  fs.writeFileSync(`${d}/all.jsonl`, text.join('\n') + '\n');
  if (!oneDb) load((oneDb = `${d}/one.db`), [`${d}/all.jsonl`]);
  const one = dump(oneDb);
  assert.ok(one.session_data.length > 0 && one.match_data.length > 0, 'the one load has sessions and matches');
  for (const seed of seeds) {
    const { pieces, runs } = plan(text, seed, k);
    pieces.forEach((p, i) => fs.writeFileSync(`${d}/${seed}-${i}.jsonl`, p.join('\n') + (p.length ? '\n' : '')));
    const db = `${d}/split-${seed}.db`;
    for (const run of runs) load(db, run.map((i) => `${d}/${seed}-${i}.jsonl`));
    const got = dump(db);
    for (const t of TABLES) assert.is(got[t], one[t], `${name}, seed ${seed} (loads ${JSON.stringify(runs)}): table ${t}`);
  }
  return { d, one };
}

// one load of the challenge sample, shared by the tests below (each copies it before changing it)
let sampleDb;
const sampleCopy = (d) => { for (const x of ['', '-wal', '-shm']) if (fs.existsSync(sampleDb + x)) fs.copyFileSync(sampleDb + x, `${d}/g.db${x}`); return `${d}/g.db`; };

withReal(test)('the challenge sample: random splits in random orders with repeats give the tables of one load', () => {
  sampleDb = `${tmpdir()}/one.db`;
  load(sampleDb, [`${G}/events_test.jsonl`]);
  const text = fs.readFileSync(`${G}/events_test.jsonl`, 'utf8').trim().split('\n');
  splitEqualsOneLoad('sample', text, [11], 3, sampleDb);
});

withReal(test)('generated streams (every rule, awkward cases): one load equals the rules; random splits equal one load', () => {
  for (const [seed, k] of [[1, 4], [2, 3]]) {
    const text = generateGame(seed);
    const { one } = splitEqualsOneLoad(`generated ${seed}`, text, [100 + seed], k);
    const want = oracle(text);
    const reg = lines(one.registration_data).map(({ user_id, country, registration_date_utc, device }) => ({ user_id, country, registration_date_utc, device }));
    assert.equal(reg, want.registration, 'registration_data');
    assert.equal(lines(one.session_data), want.sessions, 'session_data');
    assert.equal(lines(one.match_data), want.matches, 'match_data');
    assert.ok(one.registration_data.includes('"user_id":"1234567890123456789"'), 'the 19-digit id is exact');
  }
});

withReal(test)('regression: the sample, then its first 30 lines again, changes nothing (was: 2 sessions / 780 s -> 1 / 180 s)', () => {
  const d = tmpdir();
  sh(`head -30 ${G}/events_test.jsonl > ${d}/head.jsonl`);
  sampleCopy(d);
  const before = dump(`${d}/g.db`);
  const r = load(`${d}/g.db`, [`${d}/head.jsonl`], `--rejects ${d}/rejects.ndjson`);
  assert.equal(dump(`${d}/g.db`), before);
  const day = lines(sh(`query-sqlite --db ${d}/g.db "SELECT * FROM session_data WHERE user_id = '52d65a1b-8012-934e-001b-19e6ba3cdc0e'"`).stdout);
  assert.equal(day, [{ user_id: '52d65a1b-8012-934e-001b-19e6ba3cdc0e', date: '2024-10-09', session_count: 2, time_spent_in_game: 780 }]);
  // the repeats are reported as duplicates of the earlier load, with their own file and line
  const rejects = lines(fs.readFileSync(`${d}/rejects.ndjson`, 'utf8'));
  assert.is(rejects.length, 30);
  assert.ok(rejects.every((x, i) => x.reason === 'duplicate' && x.file === `${d}/head.jsonl` && x.line === i + 1));
  assert.match(r.stderr, /30 duplicate/);
});

withReal(test)('regression: the sample as two halves: the second rejects nothing for want of the first; the match across them is scored', () => {
  const d = tmpdir();
  sh(`head -24 ${G}/events_test.jsonl > ${d}/a.jsonl; tail -n +25 ${G}/events_test.jsonl > ${d}/b.jsonl`); // the match starts in a, finishes in b
  load(`${d}/ab.db`, [`${d}/a.jsonl`]);
  load(`${d}/ab.db`, [`${d}/b.jsonl`], `--rejects ${d}/b-rejects.ndjson`);
  assert.is(fs.readFileSync(`${d}/b-rejects.ndjson`, 'utf8'), '', 'the second half rejects nothing');
  const one = dump(sampleDb);
  assert.equal(dump(`${d}/ab.db`), one);
  assert.match(one.match_data, /"user_id":"52d65a1b-8012-934e-001b-19e6ba3cdc0e","date":"2024-10-09","total_duration":113,"total_points_home":3/);
});

withReal(test)('a 19-digit numeric user id across loads: registered in the first, more pings and the match finish in the second', () => {
  const d = tmpdir();
  const uuid = '52d65a1b-8012-934e-001b-19e6ba3cdc0e', big = '1234567890123456789';
  fs.writeFileSync(`${d}/all.jsonl`, fs.readFileSync(`${G}/events_test.jsonl`, 'utf8').replaceAll(`"${uuid}"`, big));
  sh(`head -24 ${d}/all.jsonl > ${d}/a.jsonl; tail -n +25 ${d}/all.jsonl > ${d}/b.jsonl`);
  load(`${d}/ab.db`, [`${d}/a.jsonl`]);
  load(`${d}/ab.db`, [`${d}/b.jsonl`]);
  const got = dump(`${d}/ab.db`), one = dump(sampleDb);
  for (const t of ['registration_data', 'session_data', 'match_data']) {
    const want = one[t].replaceAll(uuid, big).split('\n').sort().join('\n'); // the tables hold ids as text: the same rows, sorted anew
    assert.is(got[t].split('\n').sort().join('\n'), want, t);
  }
  assert.match(got.session_data, /"user_id":"1234567890123456789","date":"2024-10-09","session_count":2,"time_spent_in_game":780/);
  assert.match(got.game_registrations, /"user_id":"1234567890123456789n"/); // the state keeps the exact integer
});

withReal(test)('an event whose event_id is a numeric string (rejected) leaves no id seen: a later load\'s event of that number counts, as in one load (it was a duplicate: the registration, and the user\'s sessions, lost; found by a review)', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/P.jsonl`, '{"event_id": "21", "event_type": "session_ping", "event_timestamp": 1728259250, "event_data": {"user_id": "uq"}}\n');
  fs.writeFileSync(`${d}/Q.jsonl`, '{"event_id": 21, "event_type": "registration", "event_timestamp": 1728259210, "event_data": {"country": "US", "user_id": "uq", "device_os": "iOS"}}\n');
  load(`${d}/one.db`, [`${d}/P.jsonl`, `${d}/Q.jsonl`]);
  const r = sh(`game-stats.sh --db ${d}/two.db --timezones ${TZ} ${d}/P.jsonl`);
  assert.is(r.status, 1, r.stderr); // (its only event rejected: nothing of this load could be used)
  load(`${d}/two.db`, [`${d}/Q.jsonl`]);
  assert.equal(dump(`${d}/two.db`), dump(`${d}/one.db`));
  assert.match(dump(`${d}/one.db`).registration_data, /"uq"/);
});

test('--help documents every option and changes nothing; other options or an old database are refused (exit 2)', () => {
  const d = tmpdir();
  const h = sh(`game-stats.sh --help --db ${d}/g.db`);
  assert.is(h.status, 0);
  for (const o of ['--db', '--timezones', '--rejects', '--season-start', '--season-end', '--gap', '--help']) assert.ok(h.stdout.includes(o), o);
  assert.not.ok(fs.existsSync(`${d}/g.db`));
  assert.is(sh('game-stats.sh --db x.db').status, 2);
  assert.is(sh(`game-stats.sh --db ${d}/g.db --timezones /dev/null --gap 0 x.jsonl`).status, 2);
  if (!hasReal) return;
  sampleCopy(d);
  const before = dump(`${d}/g.db`);
  const gap = sh(`game-stats.sh --db ${d}/g.db --timezones ${TZ} --gap 90 ${G}/events_test.jsonl`);
  assert.is(gap.status, 2);
  assert.match(gap.stderr, /other options or another timezones file/);
  sh(`head -2 ${TZ} > ${d}/tz.jsonl`);
  assert.is(sh(`game-stats.sh --db ${d}/g.db --timezones ${d}/tz.jsonl ${G}/events_test.jsonl`).status, 2);
  assert.equal(dump(`${d}/g.db`), before);
  // a database of the earlier recipe (the three tables, no state): refused, not silently mixed
  sh(`cp ${d}/g.db ${d}/old.db && node -e "const D=require('better-sqlite3');const db=new D('${d}/old.db');db.exec('DROP TABLE game_settings')"`);
  const old = sh(`game-stats.sh --db ${d}/old.db --timezones ${TZ} ${G}/events_test.jsonl`);
  assert.is(old.status, 2);
  assert.match(old.stderr, /non-incremental/);
});

test.run();
