// node bench/gen-game.mjs OUT [EVENTS] [SEED]: a game event stream of about EVENTS lines (default
// 1,000,000) for the game-stats bench, built from the challenge's rules like test/helpers/game.mjs's
// generator but at scale: per user a registration (some invalid, some repeated earlier or later), sessions
// of pings 1-60 s apart (61 s or more between sessions), and matches between registered players (some
// unfinished, without a start, with a third event, with players that differ, goals on the start, no
// goals on the finish, negative goals, a player against themself, a player never validly registered);
// plus events of an unknown type, outside the season, without event_data, exact repeat deliveries and
// a few truncated lines. In time order with a little disorder; deterministic by SEED.
import fs from 'node:fs';

const args = process.argv.slice(2);
const usage = 'usage: node bench/gen-game.mjs OUT [EVENTS] [SEED] (default data/game.ndjson 1000000 3)';
if (args.some((a) => a.startsWith('-'))) { // (--help was taken for OUT: a 185 MB file named --help)
  const help = args.includes('--help') || args.includes('-h');
  (help ? process.stdout : process.stderr).write(usage + '\n');
  process.exit(help ? 0 : 2);
}
const [out = 'data/game.ndjson', eventsArg = '1000000', seedArg = '3'] = args;
const target = Number(eventsArg);
if (!Number.isSafeInteger(target) || target < 1 || !/^\d+$/.test(seedArg)) { process.stderr.write(`gen-game: EVENTS takes a whole number, 1 or more, SEED 0 or more\n${usage}\n`); process.exit(2); }
let s = Number(seedArg) >>> 0 || 1;
const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
const pick = (a) => a[Math.floor(next() * a.length)];
const hex = (n) => Array.from({ length: n }, () => '0123456789abcdef'[int(0, 15)]).join('');
const uuid = () => `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;

const SEASON = [1728259200, 1730678399]; // 2024-10-07 00:00:00 .. 2024-11-03 23:59:59 UTC
const countries = ['US', 'JP', 'DE', 'IT'], devices = ['iOS', 'Android', 'Web'];
const ev = [];
let id = 1;
const add = (type, t, data) => { ev.push({ event_id: id++, event_type: type, event_timestamp: t, event_data: data }); };

const users = Math.max(10, Math.round(target / 31));
const registered = [];
for (let i = 0; i < users; i++) {
  const u = uuid();
  const t = SEASON[0] + int(0, 20 * 86400);
  const k = next();
  if (k < 0.005) add('registration', t, { country: 'Mars', user_id: u, device_os: 'iOS' });          // never validly registered
  else if (k < 0.01) add('registration', t, { country: 'US', user_id: u, device_os: 'ENIAC' });
  else if (k < 0.013) add('registration', t, { country: '', user_id: u, device_os: 'Web' });
  else {
    add('registration', t, { country: pick(countries), user_id: u, device_os: pick(devices) });
    registered.push(u);
    if (next() < 0.1) add('registration', t + int(1, 5000), { country: pick(countries), user_id: u, device_os: pick(devices) }); // a later second one
    if (next() < 0.05) add('registration', t - int(1, 5000), { country: pick(countries), user_id: u, device_os: pick(devices) }); // an earlier one
  }
  // sessions: pings 1..60 s apart; 61 s or more between sessions
  let p = t + int(60, 4000);
  for (let n = int(1, 7), j = 0; j < n && p < SEASON[1]; j++) {
    for (let m = int(1, 12), q = 0; q < m; q++) {
      add('session_ping', p, { user_id: u, type: q === 0 ? 'session_start' : '' });
      if (q < m - 1) p += int(1, 60);
    }
    p += j === 0 ? 61 : int(61, 200000);
  }
}
// matches between registered players
let mid = 0;
const matches = Math.round(target * 0.09);
for (let k = 0; k < matches; k++) {
  const home = pick(registered); let away = pick(registered);
  const start = SEASON[0] + int(0, 27 * 86400), dur = int(30, 900), hg = int(0, 6), ag = int(0, 6);
  const m = `m-${mid++}-${hex(6)}`, x = next();
  if (x < 0.005) away = home;                                                    // a player against themself
  else if (x < 0.01) away = uuid();                                              // never registered
  const startData = { match_id: m, home_user_id: home, away_user_id: away, home_goals_scored: null, away_goals_scored: null };
  const finish = { match_id: m, home_user_id: home, away_user_id: away, home_goals_scored: hg, away_goals_scored: ag };
  if (x >= 0.01 && x < 0.02) { add('match', start, startData); continue; }      // unfinished
  if (x >= 0.02 && x < 0.03) { add('match', start + dur, finish); continue; }   // a finish without its start
  if (x >= 0.03 && x < 0.04) startData.home_goals_scored = 1;                   // goals on the start
  if (x >= 0.04 && x < 0.05) finish.away_goals_scored = null;                   // a finish without goals
  if (x >= 0.05 && x < 0.055) finish.home_goals_scored = -1;                    // negative goals
  if (x >= 0.055 && x < 0.065) finish.away_user_id = pick(registered);          // the players differ
  add('match', start, startData);
  add('match', start + dur, finish);
  if (x >= 0.065 && x < 0.075) add('match', start + dur + 5, { ...finish });    // a third event
}
// noise
const noise = Math.round(target * 0.002);
for (let k = 0; k < noise; k++) {
  add('purchase', SEASON[0] + int(0, 27 * 86400), { user_id: pick(registered) });
  add('session_ping', SEASON[1] + int(1, 86400), { user_id: pick(registered), type: '' });             // after the season
  ev.push({ event_id: id++, event_type: 'session_ping', event_timestamp: SEASON[0] + int(0, 27 * 86400) }); // no event_data
}
// time order with a little disorder, repeat deliveries, truncated lines
ev.sort((a, b) => a.event_timestamp - b.event_timestamp || a.event_id - b.event_id);
for (let k = 0; k + 3 < ev.length; k++) if (next() < 0.1) [ev[k], ev[k + 3]] = [ev[k + 3], ev[k]];
const fd = fs.openSync(out, 'w');
let buf = '';
const recent = [];
for (const e of ev) {
  let line = JSON.stringify(e);
  if (next() < 0.0001) line = line.slice(0, int(5, line.length - 3));            // a broken line
  buf += line + '\n';
  recent.push(line); if (recent.length > 100) recent.shift();
  if (next() < 0.01) buf += pick(recent) + '\n';                                // a repeat delivery
  if (buf.length > 1 << 20) { fs.writeSync(fd, buf); buf = ''; }
}
fs.writeSync(fd, buf);
fs.closeSync(fd);
