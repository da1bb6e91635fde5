// Game-stats test data: a stream generated from the challenge's rules with every awkward case in it,
// an independent computation of its three tables from the rules (the oracle), and dumps of a database.
import Database from 'better-sqlite3';
import { lines } from './sh.mjs';

export const SEASON = [1728259200, 1730678399]; // 2024-10-07 00:00:00 .. 2024-11-03 23:59:59 UTC
const BIG_ID = '1234567890123456789'; // a 19-digit numeric user id: must survive exactly

/** a deterministic generator (LCG) */
export function rng(seed) {
  let s = seed >>> 0 || 1;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return { next, int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), pick: (a) => a[Math.floor(next() * a.length)] };
}

/**
 * Events (one JSON text a line, in time order with a little disorder) for `users` players: valid,
 * duplicate (earlier one delivered later) and invalid registrations, a late registration, sessions
 * with gaps of exactly 60 and 61 s and across midnight, matches finished, unfinished, broken, of
 * unregistered players; duplicate deliveries, malformed lines, events out of the season.
 */
export function generateGame(seed, users = 14) {
  const r = rng(seed);
  const ev = [];
  let id = 1000;
  const add = (type, t, data) => { const e = { event_id: id++, event_type: type, event_timestamp: t, event_data: data }; ev.push(e); return e; };
  const uid = (i) => (i === 3 ? 'BIG' : `u${String(i).padStart(2, '0')}-${(seed * 7919 + i * 104729).toString(16)}`);
  const ids = Array.from({ length: users }, (_, i) => uid(i));
  const t0 = SEASON[0] + r.int(0, 5) * 86400;
  const countries = ['US', 'JP', 'DE', 'IT'], devices = ['iOS', 'Android', 'Web'];
  const regTime = new Map();
  ids.forEach((u, i) => {
    const t = t0 + r.int(0, 3 * 86400);
    if (i === 0) { add('registration', t, { country: 'Mars', user_id: u, device_os: 'iOS' }); return; } // never validly registered
    if (i === 1) { add('registration', SEASON[1] + 100, { country: 'IT', user_id: u, device_os: 'iOS' }); return; } // after the season
    add('registration', t, { country: r.pick(countries), user_id: u, device_os: r.pick(devices) });
    regTime.set(u, t);
    if (i % 4 === 2) add('registration', t + r.int(1, 5000), { country: r.pick(countries), user_id: u, device_os: r.pick(devices) }); // a later second registration
    if (i % 5 === 4) add('registration', t - r.int(1, 5000), { country: r.pick(countries), user_id: u, device_os: r.pick(devices) }); // an earlier one, delivered later
    if (i === 5) add('registration', t + 10, { country: 'US', user_id: u, device_os: 'ENIAC' });
  });
  // sessions: pings 1..60 s apart, gaps of 61 s and more between sessions (and exactly 60 / 61 once)
  for (const u of ids) {
    let t = (regTime.get(u) ?? t0) + r.int(60, 4000);
    for (let s = 0, n = r.int(1, 4); s < n; s++) {
      for (let p = 0, m = r.int(1, 9); p < m; p++) {
        add('session_ping', t, { user_id: u, type: p === 0 ? 'session_start' : '' });
        if (p < m - 1) t += p === 3 ? 60 : r.int(1, 60); // 60 s apart: still the same session
      }
      t += s === 0 ? 61 : r.int(61, 30000); // 61 s: a new one
    }
  }
  const midnight = t0 + 3 * 86400; // a session across midnight counts on the day it started
  for (let k = -3; k <= 3; k++) add('session_ping', midnight + 40 * k, { user_id: ids[4], type: '' });
  // matches
  let mid = 0;
  const match = (home, away, start, dur, hg, ag, opts = {}) => {
    const m = `m${seed}-${mid++}`;
    if (!opts.noStart) add('match', start, { match_id: m, home_user_id: home, away_user_id: away, home_goals_scored: opts.startGoals ?? null, away_goals_scored: null });
    if (!opts.noFinish) add('match', start + dur, { match_id: m, home_user_id: home, away_user_id: opts.otherAway ?? away, home_goals_scored: hg, away_goals_scored: ag });
    if (opts.third) add('match', start + dur + 5, { match_id: m, home_user_id: home, away_user_id: away, home_goals_scored: hg, away_goals_scored: ag });
  };
  const reg = ids.filter((u) => regTime.has(u));
  for (let k = 0; k < 3 * users; k++) {
    const [h, a] = [r.pick(reg), r.pick(reg)];
    if (h === a) continue;
    match(h, a, t0 + r.int(0, 6 * 86400), r.int(30, 600), r.int(0, 5), r.int(0, 5));
  }
  const [a, b, c] = reg;
  match(a, b, t0 + 5000, 100, 2, 1, { noFinish: true });                 // unfinished
  match(a, b, t0 + 6000, 100, 2, 1, { noStart: true });                  // a finish without its start
  match(a, b, t0 + 7000, 100, 1, 1, { third: true });                    // three events
  match(a, b, t0 + 8000, 100, 1, 0, { otherAway: c });                   // the players differ
  match(a, b, t0 + 9000, 100, 3, 3, { startGoals: 1 });                  // goals on the start
  match(a, b, t0 + 10000, 100, null, 2);                                 // a finish without goals
  match(a, ids[0], t0 + 11000, 100, 0, 4);                               // a player never validly registered
  match(ids[3], a, t0 + 12000, 300, 4, 4);                               // the 64-bit numeric id
  match(a, b, midnight - 30, 90, 0, 1);                                  // across midnight: the start's day
  // the late registration: a user whose only registration comes after their pings and a match
  const late = `late-${seed}`;
  add('session_ping', t0 + 20000, { user_id: late, type: '' });
  add('session_ping', t0 + 20050, { user_id: late, type: '' });
  match(late, a, t0 + 20010, 200, 5, 0);
  add('registration', t0 + 4 * 86400, { country: 'JP', user_id: late, device_os: 'Web' });
  // noise
  add('purchase', t0 + 100, {});
  add('session_ping', SEASON[0] - 10, { user_id: a, type: '' });
  ev.push({ event_id: id++, event_type: 'session_ping', event_timestamp: t0 + 200 }); // no event_data
  // time order with a little disorder, then duplicate deliveries and a broken line
  ev.sort((x, y) => x.event_timestamp - y.event_timestamp || x.event_id - y.event_id);
  for (let k = 0; k < ev.length; k++) if (r.next() < 0.1 && k + 3 < ev.length) [ev[k], ev[k + 3]] = [ev[k + 3], ev[k]];
  const text = ev.map((e) => JSON.stringify(e).replaceAll('"BIG"', BIG_ID));
  for (let k = 0; k < 6; k++) { const at = r.int(0, text.length - 1); text.splice(r.int(at, text.length), 0, text[at]); }
  text.splice(r.int(0, text.length), 0, '{"event_id": 424242, "event_type": "session_pi');
  return text;
}

/** the three tables of the given lines (one load) computed from the rules, rows sorted like dump() */
export function oracle(text, countries = ['US', 'JP', 'DE', 'IT'], gap = 60) {
  const seen = new Set(), events = [];
  for (const l of text) {
    let e;
    try { e = JSON.parse(l.replace(/"user_id":(\d{16,})/g, '"user_id":"#$1"').replace(/"(home|away)_user_id":(\d{16,})/g, '"$1_user_id":"#$2"')); } catch { continue; }
    if (e.event_id === undefined || e.event_id === null || seen.has(e.event_id)) continue;
    seen.add(e.event_id);
    const t = e.event_timestamp;
    if (!Number.isInteger(e.event_id) || !Number.isInteger(t) || t < SEASON[0] || t > SEASON[1] || !['registration', 'session_ping', 'match'].includes(e.event_type)) continue;
    if (e.event_data === null || typeof e.event_data !== 'object' || Array.isArray(e.event_data)) continue;
    events.push(e);
  }
  const idOut = (u) => (typeof u === 'string' && u.startsWith('#') ? u.slice(1) : u); // the tables hold ids as text
  const winner = new Map();
  for (const e of events.filter((x) => x.event_type === 'registration')) {
    const d = e.event_data;
    if (!d.user_id || !countries.includes(d.country) || !['iOS', 'Android', 'Web'].includes(d.device_os)) continue;
    const w = winner.get(d.user_id);
    if (!w || e.event_timestamp < w.event_timestamp || (e.event_timestamp === w.event_timestamp && e.event_id < w.event_id)) winner.set(d.user_id, e);
  }
  const day = (t) => new Date(t * 1000).toISOString().slice(0, 10);
  const stamp = (t) => new Date(t * 1000).toISOString().slice(0, 19).replace('T', ' ');
  const registration = [...winner.values()].map((e) => ({ user_id: String(idOut(e.event_data.user_id)), country: e.event_data.country, registration_date_utc: stamp(e.event_timestamp), device: e.event_data.device_os }));
  const pings = new Map();
  for (const e of events.filter((x) => x.event_type === 'session_ping' && winner.has(x.event_data.user_id))) {
    const u = e.event_data.user_id;
    (pings.get(u) ?? pings.set(u, []).get(u)).push(e.event_timestamp);
  }
  const sessions = new Map();
  for (const [u, ts] of pings) {
    ts.sort((x, y) => x - y);
    let start = ts[0], last = ts[0];
    const close = () => { const k = `${idOut(u)}\u0000${day(start)}`; const s = sessions.get(k) ?? { user_id: String(idOut(u)), date: day(start), session_count: 0, time_spent_in_game: 0 }; s.session_count++; s.time_spent_in_game += last - start; sessions.set(k, s); };
    for (const t of ts.slice(1)) { if (t - last > gap) { close(); start = t; } last = t; }
    close();
  }
  const byMatch = new Map();
  for (const e of events.filter((x) => x.event_type === 'match')) {
    const d = e.event_data;
    if (d.match_id == null || d.home_user_id == null || d.away_user_id == null) continue;
    const goal = (g) => g === null || g === undefined || (Number.isInteger(g) && g >= 0);
    if (!goal(d.home_goals_scored) || !goal(d.away_goals_scored)) continue;
    if (!winner.has(d.home_user_id) || !winner.has(d.away_user_id)) continue;
    (byMatch.get(d.match_id) ?? byMatch.set(d.match_id, []).get(d.match_id)).push(e);
  }
  const matches = new Map();
  const credit = (u, date, dur, ph, pa) => { const k = `${idOut(u)}\u0000${date}`; const m = matches.get(k) ?? { user_id: String(idOut(u)), date, total_duration: 0, total_points_home: 0, total_points_away: 0 }; m.total_duration += dur; m.total_points_home += ph; m.total_points_away += pa; matches.set(k, m); };
  for (const evs of byMatch.values()) {
    if (evs.length !== 2) continue;
    const [s, f] = evs.sort((x, y) => x.event_timestamp - y.event_timestamp);
    const S = s.event_data, F = f.event_data;
    if (S.home_user_id !== F.home_user_id || S.away_user_id !== F.away_user_id || S.home_user_id === S.away_user_id) continue;
    if (S.home_goals_scored != null || S.away_goals_scored != null || F.home_goals_scored == null || F.away_goals_scored == null) continue;
    const hg = F.home_goals_scored, ag = F.away_goals_scored, dur = f.event_timestamp - s.event_timestamp, date = day(s.event_timestamp);
    credit(S.home_user_id, date, dur, hg > ag ? 3 : hg === ag ? 1 : 0, 0);
    credit(S.away_user_id, date, dur, 0, ag > hg ? 3 : hg === ag ? 1 : 0);
  }
  const sort = (rows) => rows.sort((x, y) => (x.user_id < y.user_id ? -1 : x.user_id > y.user_id ? 1 : x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
  return { registration: sort(registration), sessions: sort([...sessions.values()]), matches: sort([...matches.values()]) };
}

/** every table of a game database (the three tables and the state kept for later loads), sorted */
export const TABLES = ['registration_data', 'session_data', 'match_data', 'game_registrations', 'game_sessions',
  'game_match_events', 'game_match_waiting', 'game_match_points', 'game_events', 'game_settings', 'game_stage_keys', 'game_stage_rows'];
export function dump(file, tables = TABLES) {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const out = {};
    for (const t of tables) {
      const rows = db.prepare(`SELECT * FROM ${t} ORDER BY ${t === 'game_events' ? 1 : '1, 2'}`).safeIntegers(true).all();
      out[t] = rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : `${v}n`) : v)) + '\n').join('');
    }
    return out;
  } finally { db.close(); }
}
export const rows = (text) => lines(text);
