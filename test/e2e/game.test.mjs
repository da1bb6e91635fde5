// End to end: the game-stats recipe and stats-api. The challenge sample's own expected figures by real
// HTTP requests; the dirty rows of the realistic stream rebuilt from the other team's curated split,
// each rejected for the right reason; hostile query strings; a bounded load test on 127.0.0.1.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { hasReal, lines, real, root, sh, tmpdir, withReal } from '../helpers/sh.mjs';

const G = path.join(real, 'nordeus-game');

/** start stats-api on a free port; resolves {port, stop} */
function startApi(db, extra = []) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(root, 'bin', 'stats-api'), '--db', db, '--port', '0', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => { p.kill(); reject(new Error(`no start: ${err}`)); }, 10000);
    p.stderr.on('data', (d) => {
      err += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
      if (m) { clearTimeout(timer); resolve({ port: Number(m[1]), stop: () => new Promise((ok) => { p.once('exit', ok); p.kill('SIGTERM'); }) }); }
    });
    p.on('exit', (code) => { clearTimeout(timer); reject(new Error(`exited ${code}: ${err}`)); });
  });
}
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function get(port, pathname) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: pathname, agent }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => { let json; try { json = JSON.parse(body); } catch { json = body; } resolve({ status: res.statusCode, json, type: res.headers['content-type'] }); });
    }).on('error', reject);
  });
}

withReal(test)("the challenge's sample: both endpoints give the figures of the challenge's own tests", async () => {
  const d = tmpdir();
  const r = sh(`scripts/game-stats.sh --db ${d}/g.db --timezones ${G}/timezones.jsonl ${G}/events_test.jsonl`);
  assert.is(r.status, 0, r.stderr);
  const api = await startApi(`${d}/g.db`, ['--today', '2024-10-12']);
  try {
    const u = await get(api.port, '/api/user-stats?user_id=52d65a1b-8012-934e-001b-19e6ba3cdc0e');
    assert.is(u.status, 200);
    assert.equal(u.json, {
      user_id: '52d65a1b-8012-934e-001b-19e6ba3cdc0e', country: 'US', days_since_last_login: 3,
      registration_date_local_timezone: '2024-10-09 11:27:35', number_of_sessions: 2, time_spent_in_game: 780,
      total_points_won_home: 3, total_points_won_away: 0, percentage_time_spent_in_match: 14.49,
    });
    // with a date: the last day with a session before it (the challenge's API; its example shows 1 day
    // beside that day's 2 sessions), none here: null
    const day = await get(api.port, '/api/user-stats?user_id=52d65a1b-8012-934e-001b-19e6ba3cdc0e&date=2024-10-09');
    assert.is(day.json.days_since_last_login, null);
    assert.is(day.json.number_of_sessions, 2);
    assert.is(day.json.percentage_time_spent_in_match, 14.49);
    const other = await get(api.port, '/api/user-stats?user_id=52d65a1b-8012-934e-001b-19e6ba3cdc0e&date=2024-10-10');
    assert.equal([other.json.number_of_sessions, other.json.time_spent_in_game, other.json.total_points_won_home, other.json.days_since_last_login], [0, 0, 0, 1]);
    assert.is(other.json.percentage_time_spent_in_match, 0); // (no time in the game that day: 0, as the challenge's API)
    const g = await get(api.port, '/api/game-stats');
    assert.equal([g.json.active_users, g.json.number_of_sessions, g.json.user_with_most_points], [3, 5, '52d65a1b-8012-934e-001b-19e6ba3cdc0e']);
    assert.ok(Math.abs(g.json.avg_sessions_for_users - 5 / 3) < 1e-9);
    assert.is((await get(api.port, '/api/game-stats?date=2024-10-09')).json.active_users, 3);
    assert.is((await get(api.port, '/api/game-stats?date=2024-10-10')).json.active_users, 0);
  } finally { await api.stop(); }
});

withReal(test)('hostile and malformed requests get 400/404/405 JSON, reach SQL only as bound parameters and never crash the server', async () => {
  const d = tmpdir();
  sh(`scripts/game-stats.sh --db ${d}/g.db --timezones ${G}/timezones.jsonl ${G}/events_test.jsonl`);
  const api = await startApi(`${d}/g.db`);
  try {
    const cases = [
      ["/api/user-stats?user_id=1'%20OR%201=1--", 404], ['/api/user-stats', 400], ['/api/user-stats?user_id=', 400],
      ['/api/user-stats?user_id=52d65a1b-8012-934e-001b-19e6ba3cdc0e&user_id=x', 400],
      ['/api/user-stats?user_id=52d65a1b-8012-934e-001b-19e6ba3cdc0e&date=2024-13-01', 400],
      ['/api/user-stats?user_id=52d65a1b-8012-934e-001b-19e6ba3cdc0e&date=2024-10-09%27;DROP%20TABLE%20session_data;--', 400],
      ['/api/user-stats?user_id=00000000-0000-0000-0000-000000000000', 404], [`/api/user-stats?user_id=${'a'.repeat(5000)}`, 400],
      ['/api/user-stats?user_id=%E2%9C%93%F0%9F%98%80', 404], ['/api/user-stats?user_id=%ZZ', 404], ['/api/user-stats?user_id=a%0Ab', 400], ['/api/game-stats?date=yesterday', 400],
      ['/nope', 404], ['/api/../etc/passwd', 404],
      // a parameter the route does not take, or an empty date: 400 (they answered for the whole season)
      ['/api/game-stats?date[]=1', 400], ['/api/user-stats?user_id=52d65a1b-8012-934e-001b-19e6ba3cdc0e&dat=2024-10-09', 400],
      ['/api/user-stats?user_id=52d65a1b-8012-934e-001b-19e6ba3cdc0e&date=', 400], ['/api/game-stats?date=', 400],
      [`/api/game-stats?date=2024-10-09&x=${'a'.repeat(20000)}`, 431], // (Node's bare 431 had no body)
    ];
    for (const [p, status] of cases) {
      const r = await get(api.port, p);
      assert.is(r.status, status, p);
      assert.match(r.type, /application\/json/);
      assert.type(r.json, 'object');
    }
    const post = await new Promise((ok) => { const req = http.request({ host: '127.0.0.1', port: api.port, path: '/api/game-stats', method: 'POST' }, (res) => { res.resume(); ok([res.statusCode, res.headers.allow]); }); req.end('x'); });
    assert.equal(post, [405, 'GET, HEAD']); // a 405 names the methods allowed (RFC 9110 15.5.6: MUST)
    const nowhere = await new Promise((ok) => { const req = http.request({ host: '127.0.0.1', port: api.port, path: '/nope', method: 'OPTIONS' }, (res) => { res.resume(); ok(res.statusCode); }); req.end(); });
    assert.is(nowhere, 404); // (a path that does not exist, whatever the method: it was 405)
    assert.is((await get(api.port, '/health')).status, 200); // still up, tables intact
    assert.is((await get(api.port, '/api/game-stats')).json.number_of_sessions, 5);
  } finally { await api.stop(); }
});

withReal(test)('bounded load test: 32 connections for 3 s, zero errors (the rate printed) (3 s, 32 connections, 127.0.0.1)', async () => {
  const d = tmpdir();
  sh(`scripts/game-stats.sh --db ${d}/g.db --timezones ${G}/timezones.jsonl ${G}/events_test.jsonl`);
  const api = await startApi(`${d}/g.db`);
  try {
    const paths = ['/api/user-stats?user_id=52d65a1b-8012-934e-001b-19e6ba3cdc0e&date=2024-10-09', '/api/game-stats', '/api/user-stats?user_id=cdb30706-5cc9-a1c0-058c-242b96206470'];
    let ok = 0, bad = 0, i = 0;
    const until = Date.now() + 3000;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (Date.now() < until) {
        const r = await get(api.port, paths[i++ % paths.length]).catch(() => ({ status: 0 }));
        if (r.status === 200) ok++; else bad++;
      }
    }));
    const rate = ok / ((performance.now() - t0) / 1000);
    console.log(`  load: ${ok} requests in 3 s = ${Math.round(rate)} req/s, ${bad} errors`);
    assert.is(bad, 0);
    assert.ok(ok > 0, 'requests answered'); // the rate is a figure, not a bar: speed is checked by bench/, never by a timed test
  } finally { await api.stop(); }
});

withReal(test)('the realistic stream rebuilt from the curated split: every dirty row rejected for the right reason', () => {
  const d = tmpdir();
  const C = path.join(G, 'derived_rbojan2000_curated');
  const ts = (s) => Date.parse(s.replace(' ', 'T') + 'Z') / 1000;
  const ev = [];
  for (const r of lines(fs.readFileSync(`${C}/registration.jsonl`, 'utf8'))) ev.push({ event_id: r.event_id, event_type: 'registration', event_timestamp: ts(r.registration_timestamp), event_data: { country: r.country, user_id: r.user_id, device_os: r.device_os } });
  for (const r of lines(fs.readFileSync(`${C}/session_ping.jsonl`, 'utf8'))) ev.push({ event_id: r.event_id, event_type: 'session_ping', event_timestamp: ts(r.session_timestamp), event_data: { user_id: r.user_id, type: r.type } });
  for (const r of lines(fs.readFileSync(`${C}/match.jsonl`, 'utf8'))) ev.push({ event_id: r.event_id, event_type: 'match', event_timestamp: ts(r.match_timestamp), event_data: { match_id: r.match_id, home_user_id: r.home_user_id, away_user_id: r.away_user_id, home_goals_scored: r.home_goals_scored, away_goals_scored: r.away_goals_scored } });
  ev.sort((a, b) => a.event_id - b.event_id);
  const text = ev.map((e) => JSON.stringify(e));
  // planted: duplicate deliveries, an unknown type, a match whose finish lacks goals, a broken line
  const m = ev.find((e) => e.event_type === 'match' && e.event_data.home_goals_scored === null);
  text.push(text[10], text[500], JSON.stringify({ event_id: 99001, event_type: 'purchase', event_timestamp: 1728500000, event_data: {} }),
    JSON.stringify({ event_id: 99002, event_type: 'match', event_timestamp: 1728500000, event_data: { ...m.event_data, match_id: 'planted' } }),
    JSON.stringify({ event_id: 99003, event_type: 'match', event_timestamp: 1728500100, event_data: { ...m.event_data, match_id: 'planted' } }), '{"event_id": 99004, "event_ty');
  fs.writeFileSync(`${d}/events.jsonl`, text.join('\n') + '\n');
  const r = sh(`scripts/game-stats.sh --db ${d}/g.db --timezones ${G}/timezones.jsonl --rejects ${d}/rejects.ndjson ${d}/events.jsonl`);
  assert.is(r.status, 0, r.stderr);
  const rejects = lines(fs.readFileSync(`${d}/rejects.ndjson`, 'utf8'));
  const reasonOf = (id) => rejects.filter((x) => x.raw.includes(`"event_id":${id},`)).map((x) => x.reason);
  assert.equal(reasonOf(2379), ['event_data.country not allowed']);          // country "Mars"
  assert.equal(reasonOf(18348), ['event_data.device_os not allowed']);       // device "ENIAC"
  assert.equal(reasonOf(42536), ['event_timestamp out of range']);           // registration after the season
  assert.equal(reasonOf(99001), ['event_type not allowed']);
  assert.equal(reasonOf(99002), ['match finish lacks goals']);
  assert.ok(rejects.some((x) => x.reason === 'duplicate' && x.raw === text[10]) && rejects.some((x) => x.reason === 'duplicate' && x.raw === text[500]));
  assert.ok(rejects.some((x) => x.reason === 'malformed JSON' && x.raw.startsWith('{"event_id": 99004')));
  // the user of the bad registrations never registered validly: their pings are rejected as unregistered
  const unregistered = rejects.filter((x) => x.reason === 'no match in side file');
  assert.ok(unregistered.length > 0 && unregistered.every((x) => /243f27de-910b-11ef-b3d1-bafd2d38177c|"user_id":"[^"]+"/.test(x.raw)));
  assert.match(r.stderr, /rejected events by reason/);
  // the counts by reason on stderr are the rejects file's
  const said = new Map([...r.stderr.matchAll(/^\s+(\d+) (.+)$/gm)].map((m) => [m[2], Number(m[1])]));
  const counted = new Map();
  for (const x of rejects) counted.set(x.reason, (counted.get(x.reason) ?? 0) + 1);
  assert.equal(said, counted);
  // every valid registration is there, once
  const regs = lines(sh(`query-sqlite --db ${d}/g.db 'SELECT count(*) AS n, count(DISTINCT user_id) AS u FROM registration_data'`).stdout)[0];
  assert.is(regs.n, regs.u);
  assert.is(regs.n, ev.filter((e) => e.event_type === 'registration').length - 3);
  // loading twice changes nothing
  const before = sh(`query-sqlite --db ${d}/g.db 'SELECT * FROM session_data ORDER BY 1, 2'`).stdout;
  sh(`scripts/game-stats.sh --db ${d}/g.db --timezones ${G}/timezones.jsonl ${d}/events.jsonl`);
  assert.is(sh(`query-sqlite --db ${d}/g.db 'SELECT * FROM session_data ORDER BY 1, 2'`).stdout, before);
});

withReal(test)('sessionize: --sorted (memory of open sessions only) equals the unsorted mode; shuffled input gives the same sessions', () => {
  const d = tmpdir();
  const C = path.join(G, 'derived_rbojan2000_curated');
  const pings = lines(fs.readFileSync(`${C}/session_ping.jsonl`, 'utf8'))
    .map((r) => ({ event_id: r.event_id, event_type: 'session_ping', event_timestamp: Date.parse(r.session_timestamp.replace(' ', 'T') + 'Z') / 1000, event_data: { user_id: r.user_id, type: r.type } }))
    .sort((a, b) => a.event_timestamp - b.event_timestamp || a.event_id - b.event_id);
  fs.writeFileSync(`${d}/p.ndjson`, pings.map((x) => JSON.stringify(x)).join('\n') + '\n');
  const sorted = sh(`sessionize --sorted < ${d}/p.ndjson | sort`).stdout;
  assert.is(sh(`sessionize < ${d}/p.ndjson | sort`).stdout, sorted);
  assert.is(sh(`shuf --random-source=${d}/p.ndjson ${d}/p.ndjson | sessionize | sort`).stdout, sorted);
  // an independent count: a new session wherever a user's gap exceeds 60 s
  const last = new Map();
  let sessions = 0;
  for (const p of pings) { const u = p.event_data.user_id, t = p.event_timestamp; if (!last.has(u) || t - last.get(u) > 60) sessions++; last.set(u, t); }
  assert.is(sorted.trim().split('\n').length, sessions);
  // out of order input in --sorted mode is reported, not silently mis-sessionized
  const r = sh(`printf '%s\\n' '{"event_timestamp":100,"event_data":{"user_id":"a"}}' '{"event_timestamp":50,"event_data":{"user_id":"a"}}' | sessionize --sorted`);
  assert.match(r.stderr, /out of time order/);
});

withReal(test)('the rejects file is the same bytes run after run (200k generated events with every rule broken)', () => {
  // each tool has its own rejects file, joined in step order: two tools of one pipeline writing one
  // file interleaved their lines by timing (this failed then)
  const d = tmpdir();
  sh(`node bench/gen-game.mjs ${d}/ev.ndjson 200000 5`);
  const run = (k) => {
    const r = sh(`scripts/game-stats.sh --db ${d}/g${k}.db --timezones ${G}/timezones.jsonl --rejects ${d}/rej${k}.ndjson ${d}/ev.ndjson`);
    assert.is(r.status, 0, r.stderr);
    return fs.readFileSync(`${d}/rej${k}.ndjson`, 'utf8');
  };
  const first = run(1);
  assert.ok(first.split('\n').length > 5000);
  assert.is(run(2), first);
});

withReal(test)('--rejects: a file that cannot be written fails before anything runs; one the disk cannot hold, or /dev/full, fails the run after the load (exit 1, said, no cut file); last night\'s is kept by a run that fails (found by a review)', () => {
  const d = tmpdir();
  const bogus = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ event_id: 900000 + i, event_type: 'bogus', event_timestamp: 1728300000, event_data: {} }));
  fs.writeFileSync(`${d}/mix.jsonl`, fs.readFileSync(`${G}/events_test.jsonl`, 'utf8').split('\n').slice(0, 50).join('\n') + '\n' + bogus.join('\n') + '\n');
  const run = (db, rej, file = `${d}/mix.jsonl`) => sh(`scripts/game-stats.sh --db ${d}/${db} --timezones ${G}/timezones.jsonl --rejects ${rej} ${file}`);
  let r = run('a.db', `${d}/rej.ndjson`);
  assert.is(r.status, 0, r.stderr);
  assert.is(lines(fs.readFileSync(`${d}/rej.ndjson`, 'utf8')).length, 3000);
  // a run that fails keeps the last rejects file as it was (it was emptied first)
  r = run('b.db', `${d}/rej.ndjson`, `${d}/nosuch.jsonl`);
  assert.is(r.status, 1);
  assert.is(lines(fs.readFileSync(`${d}/rej.ndjson`, 'utf8')).length, 3000);
  // a folder that is not there: before anything runs
  r = run('c.db', `${d}/no/such/rej.ndjson`);
  assert.is(r.status, 1);
  assert.match(r.stderr, /cannot write --rejects .*no\/such\/rej\.ndjson; nothing loaded/);
  assert.not.ok(fs.existsSync(`${d}/c.db`));
  // a first run that fails after that check leaves no empty rejects file behind (its check made it)
  fs.writeFileSync(`${d}/junk.db`, Buffer.alloc(5000, 7));
  r = run('junk.db', `${d}/first.ndjson`);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, /file is not a database/);
  assert.not.ok(fs.existsSync(`${d}/first.ndjson`), 'the empty file made by the check is gone');
  // ... and so does the target a dangling link named (the link is left as it was)
  fs.symlinkSync('target.ndjson', `${d}/dangling.ndjson`);
  r = run('junk.db', `${d}/dangling.ndjson`);
  assert.is(r.status, 1, r.stderr);
  assert.not.ok(fs.existsSync(`${d}/target.ndjson`), 'the target made by the check is gone');
  assert.ok(fs.lstatSync(`${d}/dangling.ndjson`).isSymbolicLink());
  // a link: its target written (the link was replaced by a file, the target left as it was), its mode kept
  fs.mkdirSync(`${d}/real`); fs.writeFileSync(`${d}/real/rej.ndjson`, '{"file":"old","line":1,"reason":"x","detail":null,"raw":"old"}\n'); fs.chmodSync(`${d}/real/rej.ndjson`, 0o600);
  fs.symlinkSync('real/rej.ndjson', `${d}/link.ndjson`);
  r = run('d.db', `${d}/link.ndjson`);
  assert.is(r.status, 0, r.stderr);
  assert.ok(fs.lstatSync(`${d}/link.ndjson`).isSymbolicLink());
  assert.is(lines(fs.readFileSync(`${d}/real/rej.ndjson`, 'utf8')).length, 3000);
  assert.is(fs.statSync(`${d}/real/rej.ndjson`).mode & 0o777, 0o600);
  assert.equal(fs.readdirSync(`${d}/real`), ['rej.ndjson']);
  // a device that takes nothing: the load is committed, the run says so and exits 1 (it said "no event rejected", 0)
  if (fs.existsSync('/dev/full')) {
    r = run('e.db', '/dev/full');
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr, /the load is committed, but its rejected events could not be written to --rejects \/dev\/full/);
    assert.match(r.stderr, /3000 event_type not allowed/);
    assert.ok(fs.statSync('/dev/full').isCharacterDevice(), '/dev/full left as it was');
  }
});

withReal(test)('without --rejects, the steps\' summaries name no file (their files are the run\'s own, gone at its end); with it, the FILE given (found in the thirty-fourth session)', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/ev.jsonl`, fs.readFileSync(`${G}/events_test.jsonl`, 'utf8') + '{"bad\n{"event_id": 99999991}\n');
  const r = sh(`scripts/game-stats.sh --db ${d}/g.db --timezones ${G}/timezones.jsonl ${d}/ev.jsonl`);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /dedupe: 1 bad record skipped \(malformed JSON: 1; 0 shown\)\n/);
  assert.match(r.stderr, /validate: 1 bad record skipped/);
  assert.not.match(r.stderr, /records in/, 'no file named');
  assert.match(r.stderr, /give --rejects FILE to keep the details/);
  const k = sh(`scripts/game-stats.sh --db ${d}/k.db --timezones ${G}/timezones.jsonl --rejects ${d}/kept.ndjson ${d}/ev.jsonl`);
  assert.is(k.status, 0, k.stderr);
  assert.match(k.stderr, new RegExp(`dedupe: 1 bad record skipped \\(malformed JSON: 1; 0 shown\\); JSON records in ${d}/kept.ndjson\n`));
  assert.is(lines(fs.readFileSync(`${d}/kept.ndjson`, 'utf8')).length, 2);
});

withReal(test)('event ids up to the 64-bit bounds are valid (2^63-1 and -2^63 load, once), one past them is out of range', () => {
  const d = tmpdir();
  const reg = (id, u) => `{"event_id": ${id}, "event_type": "registration", "event_timestamp": 1728463546, "event_data": {"country": "DE", "user_id": "${u}", "device_os": "iOS"}}`;
  fs.writeFileSync(`${d}/ids.jsonl`, [reg('9223372036854775807', 'max'), reg('-9223372036854775808', 'min'), reg('9223372036854775000', 'near'),
    reg('9223372036854775808', 'over'), reg('-9223372036854775809', 'under')].join('\n') + '\n');
  const load = () => sh(`scripts/game-stats.sh --db ${d}/i.db --timezones ${G}/timezones.jsonl --rejects ${d}/rej.ndjson ${d}/ids.jsonl`);
  let r = load();
  assert.is(r.status, 0, r.stderr);
  const users = () => lines(sh(`query-sqlite --db ${d}/i.db 'SELECT user_id FROM registration_data ORDER BY user_id'`).stdout).map((x) => x.user_id);
  assert.equal(users(), ['max', 'min', 'near']);
  assert.equal(fs.readFileSync(`${d}/rej.ndjson`, 'utf8').trim().split('\n').map((l) => JSON.parse(l).reason), ['event_id out of range', 'event_id out of range']);
  r = load(); // again: every id a duplicate, the tables unchanged
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /3 loaded before/);
  assert.equal(users(), ['max', 'min', 'near']);
});

withReal(test)('a review against the challenge: the timezones file checked up front (a zone that is none lost its registrations in silence, an empty one read them as UTC, a file of no country refused them all, exit 0); an empty season a usage error; a load of which no event could be used writes nothing, so the corrected file loads (it committed every id: the rerun loaded nothing, exit 0); a ping of an empty user_id rejected', () => {
  const d = tmpdir(), T = path.join(G, 'timezones.jsonl'), E = path.join(G, 'events_test.jsonl');
  const tz = fs.readFileSync(T, 'utf8');
  for (const [extra, said] of [['{"country": "XX", "timezone": "Mars/Olympus"}\n', /:\d+: country "XX": unknown time zone "Mars\/Olympus"/],
    ['{"country": "XX", "timezone": ""}\n', /:\d+: country "XX" has no timezone/], ['{"country": "YY"}\n', /:\d+: country "YY" has no timezone/]]) {
    fs.writeFileSync(`${d}/tz.jsonl`, tz + extra);
    const r = sh(`game-stats.sh --db ${d}/bad.db --timezones ${d}/tz.jsonl ${E}`);
    assert.is(r.status, 2, r.stderr);
    assert.match(r.stderr, said);
    assert.not.ok(fs.existsSync(`${d}/bad.db`), 'nothing written');
  }
  fs.writeFileSync(`${d}/none.jsonl`, '');
  let r = sh(`game-stats.sh --db ${d}/bad.db --timezones ${d}/none.jsonl ${E}`);
  assert.is(r.status, 2); assert.match(r.stderr, /holds no country/);
  r = sh(`game-stats.sh --db ${d}/bad.db --timezones ${T} --season-start 1730678399 --season-end 1728259200 ${E}`);
  assert.is(r.status, 2); assert.match(r.stderr, /an empty season/);
  assert.not.ok(fs.existsSync(`${d}/bad.db`), 'nothing written');
  // a day exported in ms by mistake: no event usable, exit 1, nothing loaded; the corrected file then loads
  const head3 = fs.readFileSync(E, 'utf8').split('\n').slice(0, 3);
  fs.writeFileSync(`${d}/ms.ndjson`, head3.map((l) => l.replace(/"event_timestamp": (\d+)/, '"event_timestamp": $1000')).join('\n') + '\n');
  fs.writeFileSync(`${d}/fixed.ndjson`, head3.join('\n') + '\n');
  r = sh(`game-stats.sh --db ${d}/g.db --timezones ${T} ${d}/ms.ndjson`);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, /no event of this load could be used: nothing was loaded/);
  r = sh(`game-stats.sh --db ${d}/g.db --timezones ${T} ${d}/fixed.ndjson`);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /3 events read: 3 new, 0 loaded before/);
  const regs = head3.filter((l) => JSON.parse(l).event_type === 'registration').length;
  assert.ok(regs > 0);
  assert.equal(lines(sh(`query-sqlite --db ${d}/g.db 'SELECT count(*) AS n FROM registration_data'`).stdout), [{ n: regs }]);
  // a ping of an empty user_id: rejected as a registration of one is (it waited for good for a registration that could never come)
  fs.writeFileSync(`${d}/uid.ndjson`, '{"event_id": 90, "event_type": "session_ping", "event_timestamp": 1728475000, "event_data": {"user_id": ""}}\n');
  r = sh(`game-stats.sh --db ${d}/g.db --timezones ${T} --rejects ${d}/rej.ndjson ${d}/uid.ndjson`);
  assert.equal(lines(fs.readFileSync(`${d}/rej.ndjson`, 'utf8')).map((x) => x.reason), ['empty event_data.user_id']);
  assert.equal(lines(sh(`query-sqlite --db ${d}/g.db "SELECT count(*) AS n FROM game_sessions WHERE user_id = ''"`).stdout), [{ n: 0 }]);
  // a first load of an empty file stores no settings: a later load with another --gap is taken (the late review)
  fs.writeFileSync(`${d}/empty.ndjson`, '');
  assert.is(sh(`game-stats.sh --db ${d}/e.db --timezones ${T} ${d}/empty.ndjson`).status, 0);
  r = sh(`game-stats.sh --db ${d}/e.db --timezones ${T} --gap 90 ${d}/fixed.ndjson`);
  assert.is(r.status, 0, r.stderr);
  assert.equal(lines(sh(`query-sqlite --db ${d}/e.db "SELECT value FROM game_settings WHERE name = 'gap'"`).stdout), [{ value: '90' }]);
});

test.run();
