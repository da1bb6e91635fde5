// scripts/lib/insights-db.mjs: the database side of `insights.sh --incremental` (sourced logic in
// scripts/lib/insights-incremental.sh). Each partition (an input file, keyed by its name or
// --partition-key) leaves states in the database:
//   insights_state(kind, key, partition, line)   count-by --partial lines (kinds dau, mau, users, p95,
//                                                dev), keyed by the group's key token
//   insights_part_weeks(partition, user, week)   the ISO weeks (Mondays) each user was active in
//   insights_part_sessions(partition, user, session_start, session_end, pings)
//                                                the partition's sessions (sessionize), merged across
//                                                partitions by sessionize --end/--pings
// A partition fed again replaces its rows. The keys whose states changed are kept in insights_touched
// until their tables are recomputed (a run that fails in between leaves them to the next run), and
// per-user derivatives are maintained for the touched users: insights_user_weeks (the distinct active
// weeks), insights_cohort_counts (users per cohort week and week offset: a user's contribution is taken
// out before their weeks change and put back after), insights_user_totals, insights_sessions and,
// over every session, insights_session_durations / insights_session_totals (taken out and put back the same way).
// User ids and other keys are kept as their exact JSON tokens (TEXT), so they go back out unchanged.
// Every look-up of the touched keys or users is driven from them (CROSS JOIN fixes SQLite's join order):
// left to itself, the planner scanned the big tables (a million states, weeks) and probed the few
// touched keys, which made a batch's cost grow with the history.
//
//   node insights-db.mjs apply DB LIST SETTINGS   LIST: partition<TAB>file<TAB>dir lines; one transaction
//   node insights-db.mjs dump DB DIR              the touched keys' states (count-by --merge input) and sessions
//   node insights-db.mjs store DB DIR PERCENT     the touched users' merged totals and sessions stored, stale rows
//                                                 dropped; power_users' candidates, session_metrics and the
//                                                 retention rows written out
//   node insights-db.mjs finish DB STATS          the run's figures into stage_stats; the touched keys forgotten
//   node insights-db.mjs copy-tables FROM DB      the result tables of FROM replace those of DB (one transaction)
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantileOf } from '../../dist/core/aggregates.js';
import { ceilPercent } from '../../dist/core/options.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const me = 'insights.sh';
const KINDS = ['dau', 'mau', 'users', 'p95', 'dev'];
export const TABLES = ['dau', 'mau', 'power_users', 'retention', 'app_version_p95', 'device_performance', 'dau_anomalies', 'session_metrics'];
// the table and key column each kind's merged states load into
const TARGET = { dau: ['dau', 'date'], mau: ['mau', 'month'], p95: ['app_version_p95', 'app_version'], dev: ['device_performance', 'device_type'] };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS insights_settings (setting TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS insights_partitions (partition TEXT PRIMARY KEY, file TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS insights_state (kind TEXT NOT NULL, key TEXT NOT NULL, partition TEXT NOT NULL, line TEXT NOT NULL,
  PRIMARY KEY (kind, key, partition)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS insights_state_partition ON insights_state (partition);
CREATE TABLE IF NOT EXISTS insights_part_weeks (partition TEXT NOT NULL, user TEXT NOT NULL, week TEXT NOT NULL,
  PRIMARY KEY (partition, user, week)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS insights_part_weeks_user ON insights_part_weeks (user);
CREATE TABLE IF NOT EXISTS insights_part_sessions (partition TEXT NOT NULL, user TEXT NOT NULL, session_start INTEGER NOT NULL,
  session_end INTEGER NOT NULL, pings INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS insights_part_sessions_partition ON insights_part_sessions (partition);
CREATE INDEX IF NOT EXISTS insights_part_sessions_user ON insights_part_sessions (user);
CREATE TABLE IF NOT EXISTS insights_touched (kind TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (kind, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS insights_user_weeks (user TEXT NOT NULL, week TEXT NOT NULL, PRIMARY KEY (user, week)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS insights_user_weeks_week ON insights_user_weeks (week);
CREATE TABLE IF NOT EXISTS insights_cohort_counts (cohort_week TEXT NOT NULL, week_offset INTEGER NOT NULL, users INTEGER NOT NULL,
  PRIMARY KEY (cohort_week, week_offset)) WITHOUT ROWID;
-- each user's total duration (its exact token, and as the double top ranks by)
CREATE TABLE IF NOT EXISTS insights_user_totals (user TEXT PRIMARY KEY, total TEXT NOT NULL, total_num REAL NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS insights_user_totals_num ON insights_user_totals (total_num);
CREATE TABLE IF NOT EXISTS insights_sessions (user TEXT NOT NULL, session_start INTEGER NOT NULL, session_end INTEGER NOT NULL,
  duration_s INTEGER NOT NULL, pings INTEGER NOT NULL, PRIMARY KEY (user, session_start)) WITHOUT ROWID;
-- over every session: how many last each number of seconds, and the totals (sessions, users with
-- sessions, their seconds and pings), kept up to date with the touched users' sessions: session_metrics
-- from them (its quantiles from the counts) costs what the batch changed, not the number of sessions
CREATE TABLE IF NOT EXISTS insights_session_durations (duration_s INTEGER PRIMARY KEY, sessions INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS insights_session_totals (total TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`;

// (a usage error, exit 2, with the recipe's hint as every usage error has it)
const fail = (msg, code = 1) => { process.stderr.write(`${me}: ${msg}${code === 2 ? ` (try '${me} --help')` : ''}\n`); process.exit(code); };
const open = (file) => { const db = new Database(file); db.pragma('journal_mode = WAL'); db.pragma('busy_timeout = 60000'); return db; };

/** the token of the first field of a line written as {"NAME":TOKEN,"NEXT":...}: a string token cannot
 *  hold `,"NEXT":` (its quotes are escaped), so the first one ends it */
function token(line, next) {
  const s = line.indexOf(':') + 1, e = line.indexOf(`,"${next}":`, s);
  if (s <= 0 || e < 0) throw new Error(`unexpected line: ${line.slice(0, 200)}`);
  return line.slice(s, e);
}
const lines = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);
const DAY = 86400000;
/** the Monday (YYYY-MM-DD) of a date's ISO week */
function monday(date) {
  const days = Date.parse(date + 'T00:00:00Z') / DAY;
  if (!Number.isInteger(days)) throw new Error(`bad date ${date}`);
  return new Date((days - ((((days + 3) % 7) + 7) % 7)) * DAY).toISOString().slice(0, 10);
}
const weeksBetween = (a, b) => Math.round((Date.parse(b) - Date.parse(a)) / (7 * DAY));

function schema(db) {
  db.exec(fs.readFileSync(path.join(here, '..', 'sql', 'insights.schema.sql'), 'utf8'));
  db.exec(SCHEMA);
}

/** settings the states depend on: a database fed with others is refused (exit 2) */
function checkSettings(db, want, store = true) {
  const isNew = !db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'insights_state'").get();
  if (isNew && db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'dau'").get() && db.prepare('SELECT 1 FROM dau LIMIT 1').get()) {
    fail('the database holds tables of a run without --incremental (no partition states): feed every partition with --incremental into a new database', 2);
  }
  schema(db);
  const have = Object.fromEntries(db.prepare('SELECT setting, value FROM insights_settings').all().map((r) => [r.setting, r.value]));
  // (states stored before user ids were read as text held numbers: merged with text ids, each such user
  // was counted twice, 7 and "7")
  if (!isNew && want.user_ids !== undefined && !('user_ids' in have) && db.prepare('SELECT 1 FROM insights_state LIMIT 1').get()) {
    fail('the database\'s states were made by an earlier version of the recipe, which read user ids as numbers (this one reads them as text, as the seed types them): feed every partition again into a new database', 2);
  }
  const diff = Object.keys(want).filter((k) => k in have && have[k] !== want[k]);
  if (diff.length) fail(`the database's states were made with ${diff.map((k) => `${k} ${have[k] || '(none)'}`).join(', ')}, not ${diff.map((k) => want[k] || '(none)').join(', ')}: use the same options or a new database`, 2);
  const ins = db.prepare('INSERT INTO insights_settings (setting, value) VALUES (?, ?) ON CONFLICT (setting) DO NOTHING');
  // (stored with the first partition: a run of no file on a new database stored the defaults, and the
  // real first batch, with --metadata say, was refused as made with other settings)
  if (store) for (const [k, v] of Object.entries(want)) ins.run(k, v);
}

function apply(dbFile, listFile, settingsJson) {
  const parts = lines(listFile).map((l) => { const [partition, file, dir] = l.split('\t'); return { partition, file, dir }; });
  const db = open(dbFile);
  const run = db.transaction(() => {
    checkSettings(db, JSON.parse(settingsJson), parts.length > 0);
    // (each partition's results are in its folder: one not there is a failure, never a partition of no
    // rows, which a missing file of it was read as)
    for (const p of parts) if (!p.dir || !fs.existsSync(p.dir) || !fs.statSync(p.dir).isDirectory()) fail(`the results of partition ${p.partition} are not in ${p.dir}`);
    db.exec('CREATE TEMP TABLE IF NOT EXISTS tu (user TEXT PRIMARY KEY) WITHOUT ROWID; DELETE FROM temp.tu;');
    const touch = db.prepare('INSERT OR IGNORE INTO insights_touched (kind, key) VALUES (?, ?)');
    const tu = db.prepare('INSERT OR IGNORE INTO temp.tu (user) VALUES (?)');
    // 1. what the partitions held before: those keys and users are touched
    for (const p of parts) {
      db.prepare('INSERT OR IGNORE INTO insights_touched (kind, key) SELECT kind, key FROM insights_state WHERE partition = ?').run(p.partition);
      db.prepare('INSERT OR IGNORE INTO temp.tu (user) SELECT user FROM insights_part_weeks WHERE partition = ?').run(p.partition);
      db.prepare('INSERT OR IGNORE INTO temp.tu (user) SELECT user FROM insights_part_sessions WHERE partition = ?').run(p.partition);
    }
    // 2. the new states, read before anything changes (a broken file fails the transaction)
    const fresh = parts.map((p) => {
      const st = [];
      for (const kind of KINDS) for (const l of lines(path.join(p.dir, kind))) st.push([kind, token(l, '_state'), l]);
      const weeks = new Set();
      for (const l of lines(path.join(p.dir, 'days'))) weeks.add(token(l, 'date') + '\t' + monday(JSON.parse(l.slice(l.indexOf(',"date":') + 8, -1))));
      const sess = lines(path.join(p.dir, 'sess')).map((l) => { const u = token(l, 'session_start'); const r = JSON.parse('{' + l.slice(l.indexOf('"session_start":'))); return [u, r.session_start, r.session_end, r.pings]; });
      return { ...p, st, weeks, sess };
    });
    for (const p of fresh) { for (const w of p.weeks) tu.run(w.slice(0, w.indexOf('\t'))); for (const s of p.sess) tu.run(s[0]); }
    // 3. the touched users' cohort contributions out (their weeks as stored now)
    const contrib = (sign) => {
      const delta = new Map();
      let user = null, first = null;
      for (const r of db.prepare('SELECT w.user, w.week FROM temp.tu t CROSS JOIN insights_user_weeks w ON w.user = t.user ORDER BY t.user, w.week').iterate()) {
        if (r.user !== user) { user = r.user; first = r.week; }
        const k = first + '\t' + weeksBetween(first, r.week);
        delta.set(k, (delta.get(k) ?? 0) + sign);
      }
      const up = db.prepare('INSERT INTO insights_cohort_counts (cohort_week, week_offset, users) VALUES (?, ?, ?) ON CONFLICT (cohort_week, week_offset) DO UPDATE SET users = users + excluded.users');
      for (const [k, n] of delta) { const [c, o] = k.split('\t'); up.run(c, Number(o), n); }
    };
    contrib(-1);
    // 4. the partitions' rows replaced
    const del = ['insights_state', 'insights_part_weeks', 'insights_part_sessions', 'insights_partitions'].map((t) => db.prepare(`DELETE FROM ${t} WHERE partition = ?`));
    const insState = db.prepare('INSERT INTO insights_state (kind, key, partition, line) VALUES (?, ?, ?, ?)');
    const insWeek = db.prepare('INSERT INTO insights_part_weeks (partition, user, week) VALUES (?, ?, ?)');
    const insSess = db.prepare('INSERT INTO insights_part_sessions (partition, user, session_start, session_end, pings) VALUES (?, ?, ?, ?, ?)');
    const insPart = db.prepare('INSERT INTO insights_partitions (partition, file) VALUES (?, ?)');
    for (const p of fresh) {
      for (const d of del) d.run(p.partition);
      insPart.run(p.partition, p.file);
      for (const [kind, key, l] of p.st) { insState.run(kind, key, p.partition, l); touch.run(kind, key); }
      for (const w of p.weeks) { const i = w.indexOf('\t'); insWeek.run(p.partition, w.slice(0, i), w.slice(i + 1)); }
      for (const s of p.sess) insSess.run(p.partition, ...s);
    }
    // 5. the touched users' weeks from all their partitions, and their contributions back in
    db.exec(`DELETE FROM insights_user_weeks WHERE user IN (SELECT user FROM temp.tu);
      INSERT OR IGNORE INTO insights_user_weeks (user, week) SELECT p.user, p.week FROM temp.tu t CROSS JOIN insights_part_weeks p ON p.user = t.user;`);
    contrib(1);
    db.exec(`DELETE FROM insights_cohort_counts WHERE users = 0;
      INSERT OR IGNORE INTO insights_touched (kind, key) SELECT 'sess', user FROM temp.tu;`);
  });
  run.immediate();
  db.close();
}


const cmd = process.argv[2];
const args = process.argv.slice(3);
const write = (file, iter, fn) => {
  const fd = fs.openSync(file, 'w');
  let buf = '';
  for (const r of iter) { buf += fn(r) + '\n'; if (buf.length > 1 << 20) { fs.writeSync(fd, buf); buf = ''; } }
  if (buf) fs.writeSync(fd, buf);
  fs.closeSync(fd);
};

/** the touched keys' stored states, by kind, into DIR/KIND (count-by --merge input; the mau keys as
 *  YYYY-MM), and the touched users' stored sessions into DIR/stretches (sessionize input) */
function dump(dbFile, dir) {
  const db = open(dbFile);
  const q = db.prepare('SELECT s.line FROM insights_touched t CROSS JOIN insights_state s ON s.kind = t.kind AND s.key = t.key WHERE t.kind = ? ORDER BY t.key, s.partition').pluck();
  for (const kind of KINDS) write(path.join(dir, kind), q.iterate(kind), kind === 'mau' ? (l) => l.replace(/^\{"month":"(\d{4}-\d{2})-01"/, '{"month":"$1"') : (l) => l);
  write(path.join(dir, 'stretches'), db.prepare("SELECT s.user, s.session_start, s.session_end, s.pings FROM insights_touched t JOIN insights_part_sessions s ON s.user = t.key WHERE t.kind = 'sess' ORDER BY s.user, s.session_start").raw().iterate(),
    (r) => `{"user_id":${r[0]},"session_start":${r[1]},"session_end":${r[2]},"pings":${r[3]}}`);
  db.close();
}

/** DIR/totals (count-by --merge of the touched users' sums) and DIR/sessions (sessionize of their
 *  stretches) stored; the table rows of touched keys left without states dropped; then every user's
 *  the candidates of power_users into DIR/top-candidates (and how many to keep into DIR/top-n), session_metrics into DIR/session-metrics, the retention rows into DIR/retention */
function store(dbFile, dir, percent) {
  const db = open(dbFile);
  const up = db.prepare('INSERT INTO insights_user_totals (user, total, total_num) VALUES (?, ?, ?) ON CONFLICT (user) DO UPDATE SET total = excluded.total, total_num = excluded.total_num');
  const ins = db.prepare('INSERT INTO insights_sessions (user, session_start, session_end, duration_s, pings) VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    // (a user whose interactions all have no duration has no total, null: not stored, so not counted
    // among the users of the percentage nor ranked, as the run without --incremental; the failed NOT NULL
    // wedged every later run)
    const drop = db.prepare('DELETE FROM insights_user_totals WHERE user = ?');
    for (const l of lines(path.join(dir, 'totals'))) {
      const t = l.slice(l.indexOf(',"total_duration_ms":') + 21, -1), user = token(l, 'total_duration_ms');
      if (t === 'null') drop.run(user); else up.run(user, t, Number(t));
    }
    db.exec("DELETE FROM insights_user_totals WHERE user IN (SELECT key FROM insights_touched t WHERE kind = 'users' AND NOT EXISTS (SELECT 1 FROM insights_state s WHERE s.kind = 'users' AND s.key = t.key))");
    // the touched users' sessions replaced, their share of the duration counts and totals taken out and put back
    const dur = new Map(), tot = { sessions: 0, users: 0, duration_s: 0, pings: 0 };
    const share = (sign) => {
      let user = null;
      for (const r of db.prepare("SELECT s.user, s.duration_s, s.pings FROM insights_touched t JOIN insights_sessions s ON s.user = t.key WHERE t.kind = 'sess'").iterate()) {
        if (r.user !== user) { user = r.user; tot.users += sign; }
        dur.set(r.duration_s, (dur.get(r.duration_s) ?? 0) + sign);
        tot.sessions += sign; tot.duration_s += sign * r.duration_s; tot.pings += sign * r.pings;
      }
    };
    share(-1);
    db.exec("DELETE FROM insights_sessions WHERE user IN (SELECT key FROM insights_touched WHERE kind = 'sess')");
    for (const l of lines(path.join(dir, 'sessions'))) { const r = JSON.parse('{' + l.slice(l.indexOf('"session_start":'))); ins.run(token(l, 'session_start'), r.session_start, r.session_end, r.duration_s, r.pings); }
    share(1);
    const upDur = db.prepare('INSERT INTO insights_session_durations (duration_s, sessions) VALUES (?, ?) ON CONFLICT (duration_s) DO UPDATE SET sessions = sessions + excluded.sessions');
    for (const [d, n] of dur) if (n) upDur.run(d, n);
    db.exec('DELETE FROM insights_session_durations WHERE sessions = 0');
    const upTot = db.prepare('INSERT INTO insights_session_totals (total, value) VALUES (?, ?) ON CONFLICT (total) DO UPDATE SET value = value + excluded.value');
    for (const [k, v] of Object.entries(tot)) upTot.run(k, v);
    for (const [kind, [table, col]] of Object.entries(TARGET)) {
      const keyExpr = kind === 'mau' ? 'substr(json_extract(t.key, \'$\'), 1, 7)' : 'json_extract(t.key, \'$\')';
      db.prepare(`DELETE FROM ${table} WHERE ${col} IN (SELECT ${keyExpr} FROM insights_touched t WHERE t.kind = ? AND NOT EXISTS (SELECT 1 FROM insights_state s WHERE s.kind = t.kind AND s.key = t.key))`).run(kind);
    }
  }).immediate();
  // power_users: `top --percent P` keeps the first ceil(P% of the users) by total (ties by user id); the
  // users whose total reaches the k-th largest are all it can keep: they go to `top --n k`, the same rows
  const users = db.prepare('SELECT count(*) FROM insights_user_totals').pluck().get();
  const k = ceilPercent(users, percent);
  const kth = k > 0 ? db.prepare('SELECT total_num FROM insights_user_totals ORDER BY total_num DESC LIMIT 1 OFFSET ?').pluck().get(k - 1) : null;
  write(path.join(dir, 'top-candidates'), kth === null ? [] : db.prepare('SELECT user, total FROM insights_user_totals INDEXED BY insights_user_totals_num WHERE total_num >= ? ORDER BY user').raw().iterate(kth),
    (r) => `{"user_id":${r[0]},"total_duration_ms":${r[1]}}`);
  fs.writeFileSync(path.join(dir, 'top-n'), `${k}\n`);
  // session_metrics as count-by computes it over every session (count, distinct users, the means as
  // exact sum / count, the quantiles by numpy's rule), from the duration counts and the totals
  const t = Object.fromEntries(db.prepare('SELECT total, value FROM insights_session_totals').raw().all());
  const metrics = [];
  if (t.sessions > 0) {
    const n = t.sessions, counts = db.prepare('SELECT duration_s, sessions FROM insights_session_durations ORDER BY duration_s').raw().all();
    const at = (i) => { let c = 0; for (const [d, k] of counts) { c += k; if (i < c) return d; } throw new Error('insights_session_durations does not add up'); };
    const q = (p) => { const h = (n - 1) * p, lo = Math.floor(h), hi = Math.min(lo + 1, n - 1); return quantileOf({ length: n, [lo]: at(lo), [hi]: at(hi) }, p); };
    metrics.push({ all_users: 'all', sessions: n, users: t.users, avg_duration_s: t.duration_s / n, p50_duration_s: q(0.5), p95_duration_s: q(0.95),
      avg_actions_per_session: t.pings / n, sessions_per_user: t.users ? n / t.users : null });
  }
  write(path.join(dir, 'session-metrics'), metrics, (r) => JSON.stringify(r));
  // retention as `retention --since` over every (user, date): cohort = the Monday of a user's first
  // active week; cohorts from 25 weeks before the last week; offsets 0 .. the last week
  const rows = [];
  const last = db.prepare('SELECT max(date) FROM dau').pluck().get();
  if (last) {
    const lastWeek = monday(last);
    const since = new Date(Date.parse(lastWeek) - 25 * 7 * DAY).toISOString().slice(0, 10);
    const counts = new Map();
    for (const r of db.prepare('SELECT cohort_week, week_offset, users FROM insights_cohort_counts WHERE cohort_week >= ?').iterate(since)) counts.set(r.cohort_week + '\t' + r.week_offset, r.users);
    for (const { cohort_week: c, users: n } of db.prepare('SELECT cohort_week, users FROM insights_cohort_counts WHERE cohort_week >= ? AND week_offset = 0 ORDER BY cohort_week').all(since)) {
      for (let k = 0; k <= weeksBetween(c, lastWeek); k++) {
        const r = counts.get(c + '\t' + k) ?? 0;
        rows.push({ cohort_week: c, week_offset: k, cohort_size: n, retained_users: r, retention_rate: r / n });
      }
    }
  }
  write(path.join(dir, 'retention'), rows, (r) => JSON.stringify(r));
  db.close();
}

/** the run's stage figures into stage_stats, and the touched keys forgotten (every table is recomputed) */
function finish(dbFile, statsFile) {
  const db = open(dbFile);
  const now = new Date().toISOString();
  const ins = db.prepare('INSERT INTO stage_stats (run_at, tool, records_in, records_out, rejected, reasons, counters, elapsed_s, bytes_in, argv) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const l of lines(statsFile)) {
      const r = JSON.parse(l);
      ins.run(now, r.tool, r.in ?? null, r.out ?? null, r.rejected ?? null, JSON.stringify(r.reasons), JSON.stringify(r.counters), r.elapsed_s ?? null, r.bytes_in ?? null, (r.argv ?? []).join(' '));
    }
    db.exec('DELETE FROM insights_touched');
  }).immediate();
  db.close();
}

try {
  if (cmd === 'apply') apply(args[0], args[1], args[2]);
  else if (cmd === 'dump') dump(args[0], args[1]);
  else if (cmd === 'store') store(args[0], args[1], Number(args[2]));
  else if (cmd === 'finish') finish(args[0], args[1]);
  else if (cmd === 'copy-tables') {
    const from = args[0], db = open(args[1]);
    db.exec(fs.readFileSync(path.join(here, '..', 'sql', 'insights.schema.sql'), 'utf8'));
    db.prepare('ATTACH DATABASE ? AS scratch').run(from);
    db.transaction(() => {
      for (const t of TABLES) db.exec(`DELETE FROM main.${t}; INSERT INTO main.${t} SELECT * FROM scratch.${t};`);
      db.exec('INSERT INTO main.stage_stats SELECT * FROM scratch.stage_stats');
    }).immediate();
  } else fail(`insights-db.mjs: unknown command ${cmd}`, 2);
} catch (err) {
  fail(err.message);
}
