// stats-api as a user runs it: a real server process over a database loaded with the bins, real HTTP
// clients. UUIDs match whatever the case of their hex digits, other ids as loaded; SIGTERM and SIGINT stop the server
// promptly with status 0 even while clients hold keep-alive connections, half-sent requests or silent
// sockets open.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { root, sh, tmpdir } from '../helpers/sh.mjs';

const LOWER = '52d65a1b-8012-934e-001b-19e6ba3cdc0e';
const STORED_UPPER = 'C4BF11BF-F279-5235-0CB3-023072CE1456'; // stored so by some other loader

function database(db = `${tmpdir()}/g.db`) {
  const schema = path.join(root, 'scripts/sql/game.schema.sql');
  const load = (table, key, rows) => {
    const r = sh(`load-sqlite --db ${db} --table ${table} --key ${key} --schema ${schema}`, { input: rows.map((x) => JSON.stringify(x)).join('\n') + '\n' });
    assert.is(r.status, 0, r.stderr);
  };
  load('registration_data', 'user_id', [
    { user_id: LOWER, country: 'US', registration_date_local_timezone: '2024-10-09 11:27:35', registration_date_utc: '2024-10-09 15:27:35', device: 'iOS' },
    { user_id: STORED_UPPER, country: 'DE', registration_date_local_timezone: '2024-10-09 10:00:00', registration_date_utc: '2024-10-09 08:00:00', device: 'Web' },
    { user_id: 'Abc-123456', country: 'JP', registration_date_local_timezone: '2024-10-09 09:00:00', registration_date_utc: '2024-10-09 00:00:00', device: 'Android' },
  ]);
  load('session_data', 'user_id,date', [
    { user_id: LOWER, date: '2024-10-09', session_count: 2, time_spent_in_game: 780 },
    { user_id: STORED_UPPER, date: '2024-10-10', session_count: 1, time_spent_in_game: 60 },
    { user_id: 'Abc-123456', date: '2024-10-11', session_count: 3, time_spent_in_game: 90 },
  ]);
  load('match_data', 'user_id,date', [{ user_id: LOWER, date: '2024-10-09', total_duration: 113, total_points_home: 3, total_points_away: 0 }]);
  return db;
}

function start(db) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(root, 'bin', 'stats-api'), '--db', db, '--port', '0', '--today', '2024-10-12'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`no start: ${err}`)); }, 10000);
    p.stderr.on('data', (d) => {
      err += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
      if (m && !p.port) { p.port = Number(m[1]); clearTimeout(timer); resolve(p); }
    });
    p.exited = new Promise((ok) => p.on('exit', (code, signal) => ok({ code, signal, stderr: err })));
    p.on('exit', () => { clearTimeout(timer); reject(new Error(`exited: ${err}`)); });
  });
}

function get(port, pathname, agent) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: pathname, agent }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(body) }));
    }).on('error', reject);
  });
}

test('user_id is matched whatever the case of its hex digits; the answer names the stored id', async () => {
  const p = await start(database());
  try {
    const want = await get(p.port, `/api/user-stats?user_id=${LOWER}`);
    assert.is(want.status, 200);
    assert.is(want.json.number_of_sessions, 2);
    for (const id of [LOWER.toUpperCase(), '52D65a1b-8012-934E-001b-19e6BA3cdc0e']) {
      const r = await get(p.port, `/api/user-stats?user_id=${id}`);
      assert.is(r.status, 200, id);
      assert.equal(r.json, want.json, id);
    }
    assert.is((await get(p.port, `/api/user-stats?user_id=${LOWER.toUpperCase()}&date=2024-10-09`)).json.total_points_won_home, 3);
    // an id stored in upper case is found by its lowercase form, and its sessions with it
    const up = await get(p.port, `/api/user-stats?user_id=${STORED_UPPER.toLowerCase()}`);
    assert.is(up.status, 200);
    assert.equal([up.json.user_id, up.json.country, up.json.number_of_sessions, up.json.time_spent_in_game], [STORED_UPPER, 'DE', 1, 60]);
    // unknown stays 404, malformed stays 400
    const none = await get(p.port, '/api/user-stats?user_id=AAAAAAAA-0000-0000-0000-000000000000');
    assert.equal([none.status, none.json.user_id], [404, 'aaaaaaaa-0000-0000-0000-000000000000']);
    // an id that is no UUID (the loader takes any: the challenge's example shows "123456") is found as
    // loaded, in its own case only; an unknown one is 404, one with a control character or too long 400
    const other = await get(p.port, '/api/user-stats?user_id=Abc-123456');
    assert.equal([other.status, other.json.user_id, other.json.country, other.json.number_of_sessions], [200, 'Abc-123456', 'JP', 3]);
    assert.is((await get(p.port, '/api/user-stats?user_id=abc-123456')).status, 404);
    assert.is((await get(p.port, `/api/user-stats?user_id=${LOWER}x`)).status, 404);
    assert.is((await get(p.port, '/api/user-stats?user_id=a%01b')).status, 400);
    assert.is((await get(p.port, `/api/user-stats?user_id=${'a'.repeat(257)}`)).status, 400);
  } finally { p.kill('SIGKILL'); }
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  test(`${signal} stops it promptly with status 0 while clients hold connections open`, async () => {
    const p = await start(database());
    const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 60000 });
    const sockets = [];
    try {
      // a keep-alive client that got its answer and keeps the connection
      assert.is((await get(p.port, '/health', agent)).status, 200);
      assert.is(agent.freeSockets[Object.keys(agent.freeSockets)[0]]?.length, 1, 'an idle keep-alive connection is held');
      // a client that sent half a request, and one that connected and says nothing
      const half = net.connect(p.port, '127.0.0.1');
      await new Promise((ok) => half.on('connect', ok));
      half.write('GET /health HTTP/1.1\r\nHost: x\r\n');
      const silent = net.connect(p.port, '127.0.0.1');
      await new Promise((ok) => silent.on('connect', ok));
      sockets.push(half, silent);
      for (const s of sockets) s.on('error', () => {});
      await new Promise((ok) => setTimeout(ok, 100));
      const t0 = Date.now();
      p.kill(signal);
      const end = await Promise.race([p.exited, new Promise((ok) => setTimeout(() => ok(null), 5000))]);
      const ms = Date.now() - t0;
      assert.ok(end, `still running 5 s after ${signal}`);
      assert.equal([end.code, end.signal], [0, null], end.stderr);
      assert.ok(ms < 3000, `${ms} ms to stop`);
      assert.match(end.stderr, new RegExp(`${signal}: stopping`));
      // nothing listens any more
      const refused = await new Promise((ok) => { const s = net.connect(p.port, '127.0.0.1'); s.on('connect', () => { s.destroy(); ok(false); }); s.on('error', () => ok(true)); });
      assert.ok(refused, 'the port no longer accepts connections');
    } finally {
      for (const s of sockets) s.destroy();
      agent.destroy();
      p.kill('SIGKILL');
    }
  });
}

test('started before the first load (a database without the tables): 503 until a load creates them, then the answers', async () => {
  const d = tmpdir(), db = `${d}/g.db`;
  fs.writeFileSync(db, ''); // (an empty database file, as a service's start may find it)
  const p = await start(db);
  try {
    const early = await get(p.port, `/api/user-stats?user_id=${LOWER}`);
    assert.equal([early.status, early.json.error], [503, 'no data loaded yet: the database has no game-stats tables']);
    assert.is((await get(p.port, '/api/game-stats')).status, 503);
    assert.is((await get(p.port, '/health')).status, 200);
    assert.is((await get(p.port, `/api/user-stats?user_id=${LOWER}&date=2024-99-01`)).status, 503); // (nothing to answer from yet)
    database(db); // (the loads, while the server runs)
    const later = await get(p.port, `/api/user-stats?user_id=${LOWER}`);
    assert.equal([later.status, later.json.number_of_sessions], [200, 2]);
    assert.is((await get(p.port, '/api/game-stats')).json.active_users, 3);
  } finally { p.kill('SIGKILL'); }
});

test('a first load under way (its keys staged, the tables created, no settings yet): 503, not an empty game and 404s; then the answers', async () => {
  const db = database();
  const Database = (await import(path.join(root, 'node_modules/better-sqlite3/lib/index.js'))).default;
  const w = new Database(db);
  w.prepare('INSERT INTO game_stage_keys (event_id, event_type) VALUES (1, ?)').run('registration');
  const p = await start(db);
  try {
    const early = await get(p.port, `/api/user-stats?user_id=${LOWER}`);
    assert.equal([early.status, early.json.error], [503, 'no data loaded yet: the first load is under way']);
    assert.is((await get(p.port, '/api/game-stats')).status, 503);
    w.transaction(() => { // (the load's last transaction: the settings with the rows, the stage emptied)
      w.prepare("INSERT INTO game_settings (name, value) VALUES ('gap', '30')").run();
      w.prepare('DELETE FROM game_stage_keys').run();
    })();
    assert.equal((await get(p.port, `/api/user-stats?user_id=${LOWER}`)).json.number_of_sessions, 2);
    assert.is((await get(p.port, '/api/game-stats')).json.active_users, 3);
  } finally { w.close(); p.kill('SIGKILL'); }
});

test('start-up: an empty --host, a stray argument, a missing or folder --db are usage errors; a busy port exit 1; another address than loopback said', async () => {
  const db = database();
  const run = (args) => sh(`stats-api --db ${args}`);
  for (const [args, msg] of [[`${db} --host ''`, /--host is empty/], [`${db} extra.json`, /reads no input \(got 'extra\.json'\)/],
    [`${db}.missing`, /no such database: .*g\.db\.missing \(a server started before the first load needs the file/], [`${path.dirname(db)}`, /is a folder/]]) {
    const r = run(args);
    assert.is(r.status, 2, `${args}: ${r.stderr}`);
    assert.match(r.stderr, msg);
    assert.is(r.stderr.trim().split('\n').length, 1);
  }
  const p = await start(db);
  try {
    const busy = run(`${db} --port ${p.port}`);
    assert.is(busy.status, 1, busy.stderr);
    assert.match(busy.stderr, `stats-api: error: cannot listen on 127.0.0.1:${p.port}: the port is in use`);
    assert.not.match(busy.stderr, /--help/);
  } finally { p.kill('SIGKILL'); }
  const wide = spawn(process.execPath, [path.join(root, 'bin', 'stats-api'), '--db', db, '--port', '0', '--host', '0.0.0.0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  wide.stderr.on('data', (d) => { err += d; });
  for (let i = 0; i < 100 && !/network/.test(err); i++) await new Promise((r) => setTimeout(r, 50));
  wide.kill('SIGKILL');
  assert.match(err, /listening on http:\/\/0\.0\.0\.0:\d+\nstats-api: serving every network interface: the API is reachable from the network/);
});

test('idle keep-alive connections alone: the stop takes no grace period', async () => {
  const p = await start(database());
  const agent = new http.Agent({ keepAlive: true });
  try {
    await Promise.all([1, 2, 3].map(() => get(p.port, `/api/user-stats?user_id=${LOWER}`, agent)));
    const t0 = Date.now();
    p.kill('SIGTERM');
    const end = await p.exited;
    assert.is(end.code, 0, end.stderr);
    assert.ok(Date.now() - t0 < 800, `${Date.now() - t0} ms`);
  } finally { agent.destroy(); p.kill('SIGKILL'); }
});

test('an answer reads one snapshot: a load committing while requests come in never shows half of it', async () => {
  const db = database();
  const p = await start(db);
  // a writer process commits two states in turn, each changing session_data and match_data together
  const writer = spawn(process.execPath, ['-e', `
    const Database = require(${JSON.stringify(path.join(root, 'node_modules/better-sqlite3'))});
    const db = new Database(process.argv[1]); db.pragma('busy_timeout = 10000');
    const put = db.transaction((k) => {
      db.prepare('UPDATE session_data SET session_count = ? WHERE user_id = ?').run(2 + 2 * k, process.argv[2]);
      db.prepare('UPDATE match_data SET total_points_home = ? WHERE user_id = ?').run(3 + 3 * k, process.argv[2]);
    });
    const until = Date.now() + 2500;
    for (let i = 0; Date.now() < until; i++) put(i % 2);
    put(0);`, db, LOWER], { stdio: ['ignore', 'ignore', 'inherit'] });
  const done = new Promise((ok) => writer.on('exit', ok));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  try {
    let finished = false, torn = [], n = 0;
    done.then(() => { finished = true; });
    while (!finished) {
      const rs = await Promise.all([1, 2, 3, 4].map(() => get(p.port, `/api/user-stats?user_id=${LOWER}`, agent)));
      for (const r of rs) {
        n++;
        const pair = `${r.json.number_of_sessions}/${r.json.total_points_won_home}`;
        if (pair !== '2/3' && pair !== '4/6') torn.push(pair);
      }
    }
    assert.ok(n > 100, `only ${n} requests`);
    assert.equal(torn.slice(0, 5), [], `${torn.length} of ${n} answers mixed two states`);
  } finally { agent.destroy(); writer.kill('SIGKILL'); p.kill('SIGKILL'); }
});

test('a first load between its tables and its staged keys: 503, not an empty game for the rest of the load (found by a review: the tables came first, a request then took the database for loaded)', async () => {
  const db = `${tmpdir()}/race.db`;
  const Database = (await import(path.join(root, 'node_modules/better-sqlite3/lib/index.js'))).default;
  const w = new Database(db);
  w.exec(fs.readFileSync(path.join(root, 'scripts/sql/game.schema.sql'), 'utf8')); // (the tables, as the stage's transaction makes them)
  const p = await start(db);
  try {
    assert.is((await get(p.port, '/api/game-stats')).status, 503);
    w.prepare('INSERT INTO game_stage_keys (event_id, event_type, user_id) VALUES (1, \'registration\', \'u1\')').run();
    assert.is((await get(p.port, '/api/game-stats')).status, 503);
    w.exec("INSERT INTO game_settings VALUES ('gap', '60'); DELETE FROM game_stage_keys; INSERT INTO session_data (user_id, date, session_count, time_spent_in_game) VALUES ('u1', '2024-10-09', 1, 60)");
    const r = await get(p.port, '/api/game-stats?date=2024-10-09');
    assert.is(r.status, 200);
    assert.is(r.json.number_of_sessions, 1);
  } finally { p.kill(); w.close(); }
});

test('a database made anew under its name (removed and loaded again, or renamed over it) is answered from at the next request (the old file answered, 200, until a restart); a file gone is 503', async () => {
  const d = tmpdir(), db = database(`${d}/g.db`);
  const p = await start(db);
  try {
    assert.is((await get(p.port, '/api/game-stats')).json.active_users, 3);
    for (const f of fs.readdirSync(d)) fs.rmSync(`${d}/${f}`);
    const gone = await get(p.port, '/health');
    assert.equal([gone.status, gone.json.error], [503, `the database file ${db} is gone`]);
    assert.is((await get(p.port, '/api/game-stats')).status, 503);
    // a new database with one user only, renamed over the name
    const other = `${tmpdir()}/n.db`;
    const r = sh(`load-sqlite --db ${other} --table session_data --key user_id,date --schema ${path.join(root, 'scripts/sql/game.schema.sql')}`, { input: '{"user_id":"u1","date":"2024-10-09","session_count":1,"time_spent_in_game":5}\n' });
    assert.is(r.status, 0, r.stderr);
    fs.renameSync(other, db);
    const now = await get(p.port, '/api/game-stats');
    assert.equal([now.status, now.json.active_users], [200, 1]);
    assert.is((await get(p.port, '/health')).status, 200);
    // a file that is no database renamed over it (a half-copied file): /health 503, not "ok" while every
    // other route answered 500 (a review)
    fs.writeFileSync(`${d}/junk`, 'garbage\n');
    fs.renameSync(`${d}/junk`, db);
    const junk = await get(p.port, '/health');
    assert.equal([junk.status, junk.json.error], [503, 'the database cannot be read: file is not a database']);
  } finally { p.kill('SIGKILL'); }
});

test('a request meeting a lock on a rollback-journal database: 503 with Retry-After after a short wait, and other routes not held for the loaders\' 10 s', async () => {
  const db = database();
  sh(`node -e 'new (require(process.argv[1]))(process.argv[2]).pragma("journal_mode = DELETE")' ${path.join(root, 'node_modules/better-sqlite3')} ${db}`);
  const p = await start(db);
  const holder = spawn(process.execPath, ['-e', `
    const Database = require(${JSON.stringify(path.join(root, 'node_modules/better-sqlite3'))});
    const db = new Database(${JSON.stringify(db)});
    db.exec('BEGIN EXCLUSIVE; DELETE FROM game_settings WHERE 0');
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); process.exit(0); }, 4000);
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise((ok) => holder.stdout.once('data', ok));
    const t0 = Date.now();
    const busy = await get(p.port, '/api/game-stats');
    assert.is(busy.status, 503);
    assert.match(busy.json.error, /busy/);
    assert.ok(Date.now() - t0 < 2500, `answered after ${Date.now() - t0} ms`);
    await new Promise((ok) => holder.on('exit', ok));
    assert.is((await get(p.port, '/api/game-stats')).status, 200);
  } finally { p.kill('SIGKILL'); holder.kill('SIGKILL'); }
});

test('HTTP edges answered in JSON: CONNECT 405 (the connection was dropped), no Host or two of them 400 (Node answered the first without a body, took the second), /health with a parameter 400', async () => {
  const p = await start(database());
  const raw = (text) => new Promise((resolve, reject) => {
    const c = net.connect(p.port, '127.0.0.1', () => c.end(text));
    let got = '';
    c.on('data', (d) => { got += d; });
    c.on('end', () => resolve(got));
    c.on('error', reject);
  });
  try {
    const connect = await raw('CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n');
    assert.match(connect, /^HTTP\/1\.1 405 /);
    assert.match(connect, /\{"error":"only GET"\}$/);
    const noHost = await raw('GET /health HTTP/1.1\r\nConnection: close\r\n\r\n');
    assert.match(noHost, /^HTTP\/1\.1 400 /);
    assert.match(noHost, /\{"error":"no Host header"\}$/);
    const http10 = await raw('GET /health HTTP/1.0\r\n\r\n'); // (HTTP/1.0 has no Host: a load balancer's check)
    assert.match(http10, /^HTTP\/1\.1 200 /);
    const twoHosts = await raw('GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n');
    assert.match(twoHosts, /^HTTP\/1\.1 400 /);
    assert.match(twoHosts, /more than one Host header/);
    const health = await get(p.port, '/health?x=1');
    assert.is(health.status, 400);
    assert.is((await get(p.port, '/health')).status, 200);
  } finally { p.kill('SIGKILL'); }
});

test.run();
