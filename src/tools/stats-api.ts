// stats-api: a small read-only HTTP API over the game-stats database (node:http: two GET routes need no
// framework, and node:http has no dependencies to audit and answers >2,000 requests/s here).
//   GET /api/user-stats?user_id=ID[&date=YYYY-MM-DD]   GET /api/game-stats[?date=YYYY-MM-DD]   GET /health
// Parameters are validated before any query (400 JSON on a malformed user_id or date), an unknown user
// is 404, SQL uses bound parameters only, the database is opened read-only, and it binds 127.0.0.1.
// A user_id that is a UUID is matched case-insensitively (RFC 9562: UUIDs are compared as 128-bit values;
// the hex digits may come in either case); any other id (the loader takes any, the challenge's example
// answer shows "123456") as it is. SIGTERM/SIGINT stop it promptly with status 0: no new
// connections, idle keep-alive ones closed at once, a request in progress given a short grace.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { dbFileKind, openDb, sqliteProblem } from '../core/sqlite.js';
import type { DB } from '../core/sqlite.js';
import { daysBetween, isValidDate } from '../core/time.js';
import { UsageError } from '../core/tool.js';
import type { Tool } from '../core/tool.js';
import type { Options } from 'yargs';
import type { InputOptions, OptionsOf } from '../core/options.js';

const options = {
  db: { type: 'string', demandOption: true, describe: 'the database written by scripts/game-stats.sh (opened read-only)' },
  port: { type: 'number', default: 5000, describe: 'TCP port (0: any free port, printed on stderr)' },
  host: { type: 'string', default: '127.0.0.1', describe: 'address to bind (another than a loopback one serves the network: said on stderr)' },
  today: { type: 'string', describe: 'the date days_since_last_login counts to when no date is given (default: today, UTC): from the last day with a session before it' },
} as const satisfies Record<string, Options>;

export type StatsApiOptions = OptionsOf<typeof options> & { files: string[] };

/** how long a request waits for a lock on the database (a rollback-journal database being written):
 *  SQLite waits in the one thread every request is answered in, so briefly, then 503 with Retry-After
 *  (it waited the loaders' 10 s, every route, /health too, held, then answered 500) */
const BUSY_MS = 200;

/** how long a connection with a request in progress may take to finish once a stop is asked for */
const STOP_GRACE_MS = 1000;

/** x to two decimals as Python's round(x, 2) gives it (the challenge's API): toFixed's nearest, and at
 *  an exact tie the even one, where toFixed takes the larger. A tie is x * 100 ending in exactly .5: x a
 *  multiple of 1/8 with an odd count of eighths (12.125), as 8x, exact, says */
function round2(x: number): number {
  const k = 8 * x;
  if (!Number.isInteger(k) || k % 2 === 0) return Number(x.toFixed(2));
  const lo = Math.floor(12.5 * k); // (x * 100 = 12.5k, half-way between lo and lo + 1)
  return (lo % 2 === 0 ? lo : lo + 1) / 100;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** the longest user_id asked for, and what no id holds */
const ID_MAX = 256, CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export const tool: Tool<StatsApiOptions> = {
  name: 'stats-api',
  summary: 'Read-only HTTP API over the game-stats SQLite database: /api/user-stats and /api/game-stats, JSON answers, 400/404 on bad input.',
  usage: 'stats-api --db FILE [--port 5000] [--host 127.0.0.1] [--today YYYY-MM-DD]',
  noInput: true,
  readsNothing: true,
  examples: [
    ['stats-api --db game.db --port 5000', 'serve the tables of scripts/game-stats.sh (Ctrl-C stops it); then, from another terminal:'],
    ['curl -sG http://127.0.0.1:5000/api/user-stats -d user_id=52d65a1b-8012-934e-001b-19e6ba3cdc0e -d date=2024-10-09', "a user's figures on a day"],
    ["curl -s 'http://127.0.0.1:5000/api/game-stats?date=2024-10-09'", "the day's figures for the whole game"],
  ],
  options,
  check(o) {
    const stray = o.files.find((f) => f !== '-'); // (no file given: ['-'])
    if (stray !== undefined) return `stats-api reads no input (got '${stray}'): give the database with --db`;
    if (o.host.trim() === '') return '--host is empty: give an address to bind (127.0.0.1, the default, serves this machine only)';
    if (!(Number.isInteger(o.port) && o.port >= 0 && o.port <= 65535)) return `--port takes a TCP port, 0 to 65535 (got ${o.port})`;
    return o.today !== undefined && !isValidDate(o.today) ? '--today takes YYYY-MM-DD' : undefined;
  },
  create(o, ctx) {
    let db: DB;
    const kind = dbFileKind(o.db);
    if (kind === 'folder') throw new UsageError(`--db ${o.db} is a folder`);
    if (kind === 'missing') throw new UsageError(`no such database: ${o.db} (a server started before the first load needs the file: create it empty, \`: > ${o.db}\`)`);
    try { db = openDb(o.db, { readonly: true, busyTimeoutMs: BUSY_MS }); } catch (err) { throw new UsageError(`cannot open ${o.db}: ${(err as Error).message}`); }
    // the file served: a database made anew under the name (removed and loaded again, as a load with
    // other settings asks; or renamed over it) is opened in its place at the next request (the old
    // file's answers went on, 200, and /health said ok, until a restart)
    const idOf = (st: fs.Stats) => `${st.dev}:${st.ino}`;
    let served = idOf(fs.statSync(o.db));
    const prepareAll = () => ({
      user: db.prepare('SELECT user_id, country, registration_date_local_timezone FROM registration_data WHERE user_id = @id'),
      // the ids as stored in another case (only on a miss; by game.schema.sql's index on the ids without
      // case, else a scan)
      userAnyCase: db.prepare('SELECT user_id, country, registration_date_local_timezone FROM registration_data WHERE user_id = @id COLLATE NOCASE ORDER BY user_id LIMIT 1'),
      sessions: db.prepare('SELECT coalesce(sum(session_count), 0) AS n, coalesce(sum(time_spent_in_game), 0) AS t FROM session_data WHERE user_id = @id AND (@date IS NULL OR date = @date)'),
      // (the last day with a session before the day asked about, or before today: a session on that day
      // is not a "last login" to count from; the challenge's own API reads it so, and its example shows
      // 1 day beside that day's 2 sessions)
      lastLogin: db.prepare('SELECT max(date) AS last FROM session_data WHERE user_id = @id AND date < @date'),
      points: db.prepare('SELECT coalesce(sum(total_points_home), 0) AS home, coalesce(sum(total_points_away), 0) AS away, coalesce(sum(total_duration), 0) AS d FROM match_data WHERE user_id = @id AND (@date IS NULL OR date = @date)'),
      game: db.prepare('SELECT count(DISTINCT user_id) AS active, coalesce(sum(session_count), 0) AS sessions FROM session_data WHERE (@date IS NULL OR date = @date)'),
      // (the users with the most points only: every user's sum taken to JavaScript cost seconds a
      // million users, blocking every other request)
      best: db.prepare('WITH t AS MATERIALIZED (SELECT user_id, sum(total_points_home + total_points_away) AS p FROM match_data WHERE (@date IS NULL OR date = @date) GROUP BY user_id) '
        + 'SELECT user_id, p FROM t WHERE p = (SELECT max(p) FROM t) ORDER BY user_id'),
    });
    // a first load under way: no settings yet (written in the load's last transaction, with the tables'
    // rows) and its keys staged, or no rows at all (the tables are made when the keys are staged, but
    // before they come: a request in between found no keys, took the database for loaded and answered
    // an empty game until the load ended: a review). A database loaded otherwise (without the recipe's
    // settings, with rows) is loaded as it is.
    const firstLoad = (): boolean => {
      try {
        return (db.prepare('SELECT NOT EXISTS (SELECT 1 FROM game_settings) AND (EXISTS (SELECT 1 FROM game_stage_keys) OR NOT (EXISTS (SELECT 1 FROM registration_data) '
          + 'OR EXISTS (SELECT 1 FROM session_data) OR EXISTS (SELECT 1 FROM match_data))) AS busy').get() as { busy: number }).busy === 1;
      } catch (err) {
        if (noTables(err)) return false;
        throw err;
      }
    };
    // a database not loaded yet (a server started before the first load, as a service may be): 503
    // until a load creates the tables, then the answers (a table missing for another reason: the same)
    const noTables = (err: unknown) => /^no such table/.test((err as Error).message ?? '');
    let q: ReturnType<typeof prepareAll> | null = null, loaded = false;
    const named = (err: unknown) => new Error(`${o.db}: ${sqliteProblem(err)}`); // (SQLite's "file is not a database" names no file)
    try { q = prepareAll(); } catch (err) {
      if (!noTables(err)) throw named(err);
      ctx.warn(`${o.db} has no game-stats tables yet: the API answers 503 until a load (game-stats.sh) creates them`);
    }
    const ready = (): boolean => {
      if (q === null) {
        try { q = prepareAll(); } catch (err) { if (noTables(err)) return false; throw err; }
      }
      return loaded || (loaded = !firstLoad());
    };
    const NOT_LOADED = { error: 'no data loaded yet: the database has no game-stats tables' };
    const LOADING = { error: 'no data loaded yet: the first load is under way' };
    /** runs the reads of one answer in one read transaction (one snapshot of the database) */
    const inTransaction = () => db.transaction(<T>(read: () => T): T => read()) as <T>(read: () => T) => T;
    let snapshot = inTransaction();
    /** the file under the name still the one open, else the new one opened (undefined), or why not */
    const current = (): string | undefined => {
      let st: fs.Stats;
      try { st = fs.statSync(o.db); } catch { return `the database file ${o.db} is gone`; }
      if (idOf(st) === served) return undefined;
      let next;
      try { next = openDb(o.db, { readonly: true, busyTimeoutMs: BUSY_MS }); } catch (err) { return `cannot open the new ${o.db}: ${(err as Error).message}`; }
      db.close();
      db = next; served = idOf(st); q = null; loaded = false; snapshot = inTransaction();
      ctx.warn(`${o.db} was made anew: answering from the new file`);
      return undefined;
    };
    const today = () => o.today ?? new Date().toISOString().slice(0, 10);
    const send = (res: http.ServerResponse, status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
      res.end(text);
    };
    /** one value of a parameter or an error message */
    const param = (u: URLSearchParams, name: string, required: boolean): string | null | { error: string } => {
      const all = u.getAll(name);
      if (all.length > 1) return { error: `give ${name} once` };
      if (all.length === 0) return required ? { error: `${name} is required` } : null;
      // (an empty value is an error, not the parameter left out: date= gave the whole season's figures)
      if (all[0] === '') return { error: required ? `${name} is required` : `${name} is empty: give a value or leave it out` };
      return all[0];
    };
    /** a parameter the route does not take (a misspelt date= answered for the whole season), or none */
    const unknownParam = (u: URLSearchParams, known: string[]): { error: string } | undefined => {
      for (const name of u.keys()) if (!known.includes(name)) return { error: `unknown parameter ${name}: this route takes ${known.join(', ') || 'none'}` };
      return undefined;
    };
    const dateParam = (u: URLSearchParams) => {
      const d = param(u, 'date', false);
      if (d !== null && typeof d === 'string' && (d.length !== 10 || !isValidDate(d))) return { error: 'date must be a calendar date YYYY-MM-DD' };
      return d;
    };
    const ROUTES = ['/api/user-stats', '/api/game-stats', '/health'];
    const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
      let url: URL;
      try { url = new URL(req.url ?? '/', 'http://x'); } catch { return send(res, 400, { error: 'malformed URL' }); }
      if (!ROUTES.includes(url.pathname)) return send(res, 404, { error: 'no such route', routes: ['/api/user-stats?user_id=&date=', '/api/game-stats?date=', '/health'] });
      if (req.method !== 'GET' && req.method !== 'HEAD') { res.setHeader('allow', 'GET, HEAD'); return send(res, 405, { error: 'only GET' }); }
      // (RFC 9112 3.2: an HTTP/1.1 request with no Host, or any with more than one, is answered 400;
      // Node's own answer to a missing one had no JSON body, and a second one was taken)
      let hosts = 0;
      for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i].toLowerCase() === 'host') hosts++;
      if (hosts > 1 || (hosts === 0 && req.httpVersion !== '1.0')) return send(res, 400, { error: hosts === 0 ? 'no Host header' : 'more than one Host header' }); // (HTTP/1.0 has no Host: a load balancer's health check)
      const u = url.searchParams;
      const gone = current();
      if (gone !== undefined) { res.setHeader('retry-after', '5'); return send(res, 503, { error: gone }); }
      const known = url.pathname === '/api/user-stats' ? ['user_id', 'date'] : url.pathname === '/api/game-stats' ? ['date'] : [];
      const unknown = unknownParam(u, known);
      if (unknown) return send(res, 400, unknown);
      if (url.pathname === '/health') {
        // (the file read, not only found: one that is no database, a half-copied file renamed into place,
        // was "ok" while every other route answered 500)
        try { db.prepare('SELECT count(*) AS n FROM sqlite_master').get(); } catch (err) {
          if ((err as { code?: string }).code === 'SQLITE_BUSY') throw err; // (503 "busy", below)
          ctx.warn(`error: ${o.db}: ${sqliteProblem(err)}`);
          res.setHeader('retry-after', '5');
          return send(res, 503, { error: `the database cannot be read: ${(err as Error).message}` });
        }
        return send(res, 200, { ok: true });
      }
      if (!ready()) return send(res, 503, q === null ? NOT_LOADED : LOADING);
      const qs = q!;
      if (url.pathname === '/api/user-stats') {
        let id = param(u, 'user_id', true);
        const date = dateParam(u);
        if (id !== null && typeof id === 'object') return send(res, 400, id);
        if (date !== null && typeof date === 'object') return send(res, 400, date);
        if ((id as string).length > ID_MAX || CONTROL.test(id as string)) return send(res, 400, { error: `user_id must be a UUID or an id as loaded (at most ${ID_MAX} characters, no control characters)` });
        // a UUID's canonical form is lowercase (what the recipe stores); another spelling in the database
        // is found too, and its stored form keys the other tables. Any other id is matched as it is.
        const uuid = UUID.test(id as string), given = uuid ? (id as string).toLowerCase() : id as string;
        type User = { user_id: string; country: string; registration_date_local_timezone: string };
        // (the queries read one snapshot: a load committing between them must not mix its tables' states)
        const read = snapshot(() => {
          const user = (qs.user.get({ id: given }) ?? (uuid ? qs.userAnyCase.get({ id: given }) : undefined)) as User | undefined;
          if (!user) return undefined;
          const uid = user.user_id;
          return {
            user,
            s: qs.sessions.get({ id: uid, date }) as { n: number; t: number },
            last: (qs.lastLogin.get({ id: uid, date: date ?? today() }) as { last: string | null }).last,
            p: qs.points.get({ id: uid, date }) as { home: number; away: number; d: number },
          };
        });
        if (!read) return send(res, 404, { error: 'unknown user', user_id: given });
        const { user, s, last, p } = read;
        id = user.user_id;
        return send(res, 200, {
          user_id: id, country: user.country,
          days_since_last_login: last === null ? null : daysBetween(last, (date as string | null) ?? today()),
          registration_date_local_timezone: user.registration_date_local_timezone,
          number_of_sessions: s.n, time_spent_in_game: s.t,
          total_points_won_home: p.home, total_points_won_away: p.away,
          percentage_time_spent_in_match: s.t > 0 ? round2((p.d / s.t) * 100) : 0,
        });
      }
      if (url.pathname === '/api/game-stats') {
        const date = dateParam(u);
        if (date !== null && typeof date === 'object') return send(res, 400, date);
        const { g, best } = snapshot(() => ({
          g: qs.game.get({ date }) as { active: number; sessions: number },
          best: qs.best.all({ date }) as { user_id: string; p: number }[],
        }));
        const top = best.map((b) => b.user_id);
        return send(res, 200, {
          date: date ?? null, active_users: g.active, number_of_sessions: g.sessions,
          avg_sessions_for_users: g.active ? g.sessions / g.active : null,
          user_with_most_points: top[0] ?? null, users_with_most_points: top, most_points: best[0]?.p ?? null,
        });
      }
      return send(res, 404, { error: 'no such route' }); // (not reached: the routes are checked first)
    };
    return {
      record() { /* no input */ },
      end() {
        return new Promise<void>((resolve, reject) => {
          let stopping = false;
          const server = http.createServer({ requireHostHeader: false }, (req, res) => {
            if (stopping) res.shouldKeepAlive = false; // answer, then close: the server is going away
            try { handle(req, res); } catch (err) {
              if (res.headersSent) return;
              // (a lock held past BUSY_MS: a rollback-journal database being written; the recipe's are WAL)
              if ((err as { code?: string }).code === 'SQLITE_BUSY') { res.setHeader('retry-after', '1'); send(res, 503, { error: 'the database is busy (locked by a writer): try again' }); return; }
              ctx.warn(`error: ${(err as Error).message}`); send(res, 500, { error: 'internal error' });
            }
          });
          server.keepAliveTimeout = 5000;
          // (CONNECT, which node:http hands to this event only: 405 as every other method, not a dropped connection)
          server.on('connect', (_req, socket: net.Socket) => {
            const body = JSON.stringify({ error: 'only GET' });
            socket.end(`HTTP/1.1 405 Method Not Allowed\r\nallow: GET, HEAD\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
          });
          // a request line and headers beyond Node's limit (16 KiB): a JSON answer as every other error
          // (Node's own was a bare 431 without a body)
          server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
            if (!socket.writable) return socket.destroy();
            const [status, text] = err.code === 'HPE_HEADER_OVERFLOW' ? ['431 Request Header Fields Too Large', 'the request line and headers are too long (at most 16 KiB)'] : ['400 Bad Request', 'malformed request'];
            const body = JSON.stringify({ error: text });
            socket.end(`HTTP/1.1 ${status}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
          });
          server.on('error', (err: NodeJS.ErrnoException) => {
            // a busy port is no usage error (exit 1, no --help hint); an address that is not this machine's is
            if (err.code === 'EADDRINUSE') reject(new Error(`cannot listen on ${o.host}:${o.port}: the port is in use (another server, or --port 0 for any free one)`));
            else reject(new UsageError(`cannot listen on ${o.host}:${o.port}: ${err.message}`));
          });
          server.listen(o.port, o.host, () => {
            const a = server.address() as net.AddressInfo;
            const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
            ctx.warn(`listening on http://${host}:${a.port}`);
            // (the default binds the loopback address only; any other serves whoever reaches this machine)
            const loopback = a.address === '::1' || a.address.startsWith('127.') || a.address.startsWith('::ffff:127.');
            if (!loopback) ctx.warn(a.address === '0.0.0.0' || a.address === '::' ? 'serving every network interface: the API is reachable from the network, without authentication' : `serving ${a.address}: the API is reachable from that network, without authentication`);
          });
          // A stop: no new connections; idle keep-alive connections closed now (a client holding one
          // must not keep the process alive), and those with a request in progress (or connected but
          // silent) closed after a short grace. Status 0: the stop was asked for.
          const stop = (signal: string) => {
            if (stopping) return;
            stopping = true;
            ctx.warn(`${signal}: stopping`);
            server.close(() => { db.close(); resolve(); });
            server.closeIdleConnections();
            setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS).unref();
          };
          process.once('SIGTERM', () => stop('SIGTERM'));
          process.once('SIGINT', () => stop('SIGINT'));
        });
      },
    };
  },
};
export default tool;
