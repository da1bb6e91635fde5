// PostgreSQL for the loader (src/core/loader.ts): its Dialect (names, types, values as COPY text) and
// its Driver (staging by COPY, one upsert statement per run of rows, savepoints for refused rows).
//
// Names: quoted everywhere, so matched exactly ("Name" and "name" are two columns; a --schema written
// without quotes has folded its names to lower case); at most 63 bytes (longer names would be cut).
// Types of created columns: BIGINT (integers), NUMERIC (integers beyond 64 bits, numbers beyond a
// double), DOUBLE PRECISION, BOOLEAN, DATE (YYYY-MM-DD strings), JSONB (objects, arrays), TEXT.
//
// Values travel as COPY text into a staging table of TEXT columns and reach the table's types by a cast
// in the upsert, so a 64-bit integer is its exact digits all the way (never a double), and a value the
// type refuses fails in the upsert where a savepoint can isolate its row. By the column's base type:
// - integer types: integers within the type's range (booleans 1/0); a fraction or a number out of
//   range is a rejected record before anything is sent;
// - NUMERIC: numbers as their exact JSON text; DOUBLE PRECISION/REAL: numbers (a number beyond the
//   type rejected); BOOLEAN: true/false (and 1/0);
// - text types: strings as they are, numbers as their JSON text, booleans true/false, objects and
//   arrays as JSON text; JSON/JSONB: every value as JSON (a string as a JSON string);
// - any other type (DATE, TIMESTAMPTZ, UUID, enums...): the value's text, read by the type;
// - a string holding U+0000 is rejected (PostgreSQL text cannot hold it); JSON null is SQL NULL.
//
// A batch: rows are split into runs (one statement shape each; a key seen again in the batch starts a
// later run, so repeated keys apply in input order as row-by-row upserts would); the batch is COPYed
// into pg_temp.ep_stage_W (r run, n row in run, c1..cW TEXT), then per run one
//   INSERT INTO t AS ep_t (cols) SELECT casts FROM stage WHERE r = R ORDER BY key
//   ON CONFLICT (key) DO UPDATE SET c = excluded.c, ... WHERE (ep_t.c, ...) IS DISTINCT FROM (excluded.c, ...)
//   RETURNING (xmax = 0)
// inside `WITH ep_i AS (...) SELECT count(*) FILTER (WHERE ins), count(*) FROM ep_i`, under a savepoint:
// returned rows with xmax = 0 were inserted, the others updated, and the rows not returned were
// unchanged; one row of counts comes back, not a row per record (a run's counts are exact; within a
// run they are given to its rows in order). Rows go in key order, so concurrent loaders take row locks in one order and do not deadlock.
// A run the database refuses (a constraint, a value its type cannot read, a trigger's exception:
// SQLSTATE classes 22 and 23, P0001, 54000) is rolled back to its savepoint and retried in halves, down
// to single rows: each refused row is one rejected record, the others load.
//
// The pg client runs in a worker thread. The runner calls record() synchronously and yields to the
// event loop only between input chunks, so a client on the main thread would see its replies only
// there, and the input would queue in memory ahead of the database. Instead, a write and a commit
// return a promise while the worker and the server work, and the main thread goes on reading and
// parsing the next batch (the two overlap). A reply is taken as soon as it is there: while one waits,
// the reader yields to the event loop after the chunk in hand (input.ts wantTurns), so the server is not
// left idle behind a megabyte of parsing. When the loader says records pile up (backpressure) the
// calls wait for the worker (Atomics.wait) before returning, so at most about three batches and one
// input chunk are held. Begin, write and commit return promises; the other calls (the catalog, DDL)
// wait: they are short (DDL returns a promise while another load of this process has a transaction
// open, see inTxn).
import os from 'node:os';
import { isMainThread, MessageChannel, receiveMessageOnPort, Worker, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { wantTurns } from './input.js';
import { workerRoom } from './prestart.js';
import { UsageError } from './tool.js';
import { BigNum, canonicalNumber, doubleOf, parseDec } from './json.js';
import { INSERTED, JsonText, LockTimeout, RecordError, REFUSED, UNCHANGED, UPDATED, blankTrim as blank } from './loader.js';
import type { BatchResult, Column, Dialect, Driver, Kind, Row, Value, WriteSpec } from './loader.js';

/** A table column as read from the catalog: `type` with its modifier (character varying(10)),
 *  `cast` without it (character varying), `base` the base type's name (int8, text, jsonb, ...). */
export interface PgColumn extends Column { cast?: string; base?: string }

const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** why a name cannot be a table or column name, or undefined when it can */
/** the sslmode values libpq knows */
const SSLMODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** the sslmode of a connection as libpq takes it: the URL's, else PGSSLMODE's */
function sslmodeOf(u: URL | undefined): { mode: string | undefined; fromEnv: boolean } {
  const given = u?.searchParams.get('sslmode') ?? undefined;
  return given !== undefined ? { mode: given, fromEnv: false } : { mode: process.env.PGSSLMODE || undefined, fromEnv: true };
}

/** what is wrong with a --url (or, without one, PGSSLMODE) before any connection, or undefined: the
 *  tools' checks (a usage error; load-postgres' was found in its worker, exit 1) */
export function pgUrlProblem(url: string | undefined): string | undefined {
  let u: URL | undefined;
  if (url !== undefined) {
    try { u = new URL(url); } catch { /* below */ }
    // (the URL itself is not repeated: it may hold a password)
    if (!u || !['postgres:', 'postgresql:', 'socket:'].includes(u.protocol)) return '--url takes postgres://USER@HOST:PORT/DB';
  }
  return badMode(sslmodeOf(u));
}
const badMode = ({ mode, fromEnv }: { mode: string | undefined; fromEnv: boolean }) =>
  mode !== undefined && !SSLMODES.includes(mode) ? `${fromEnv ? 'PGSSLMODE=' : 'sslmode='}${mode} is not one of ${SSLMODES.join(', ')}` : undefined;

/**
 * A connected pg client for URL, with libpq's meanings where pg's differ:
 * - `sslmode` as libpq reads it (pg takes prefer, require and verify-ca for verify-full, with a
 *   9-line warning: `?sslmode=require` against a managed server's private CA failed where psql
 *   connects): `require` encrypts without checking the certificate (with `sslrootcert`, as
 *   verify-ca), `prefer` and `allow` try TLS and connect without it when the server has none; an
 *   unknown mode is a usage error (pg took it silently);
 * - the password from `~/.pgpass` (or PGPASSFILE) as libpq finds it, read here: pg's own lookup
 *   prints a deprecation warning on every run (cron mail) and goes in pg 9;
 * - without a user in the URL, PGUSER or USER, the system's name for this process's user, as libpq
 *   asks the system (pg had none: "no PostgreSQL user name specified" under env -i or systemd).
 */
export async function pgConnect(url: string | undefined, applicationName: string, prepare?: (client: import('pg').Client) => void): Promise<import('pg').Client> {
  const pg = (await import('pg')).default;
  let u: URL | undefined;
  try { u = url === undefined ? undefined : new URL(url); } catch { /* pg says what is wrong with it */ }
  const { mode, fromEnv } = sslmodeOf(u);
  const bad = badMode({ mode, fromEnv });
  if (bad !== undefined) throw new UsageError(bad);
  // (a Unix socket carries no TLS: libpq connects over it whatever the mode; pg tried TLS there)
  const socket = u?.protocol === 'socket:' || (u?.searchParams.get('host') ?? u?.hostname ?? '').startsWith('/') || (u === undefined && (process.env.PGHOST ?? '').startsWith('/'));
  const fallback = !socket && (mode === 'prefer' || mode === 'allow');
  let connectionString = url;
  // PGSSLMODE as the URL's sslmode (pg read it with its own meanings: require checked the certificate,
  // prefer failed on a server without TLS); without a URL, one of nothing but it (pg takes the host,
  // user, database from the PG* variables then, as without any)
  if (mode !== undefined && (fromEnv || socket)) { u ??= new URL('postgresql://'); u.searchParams.set('sslmode', socket ? 'disable' : mode); }
  if (u && mode !== undefined && !u.searchParams.has('uselibpqcompat')) {
    if (mode === 'allow' && !socket) u.searchParams.set('sslmode', 'prefer');
    u.searchParams.set('uselibpqcompat', 'true');
    connectionString = u.toString();
  }
  if (!pg.defaults.user && !process.env.PGUSER) { try { pg.defaults.user = os.userInfo().username; } catch { /* no entry for this uid */ } }
  const password = async (p: { host: string; port: number; database: string; user: string }): Promise<string | undefined> => {
    const pgpass = (await import('pgpass')).default;
    const found = await new Promise<string | undefined>((resolve) => pgpass({ host: p.host, port: p.port, database: p.database, user: p.user }, resolve));
    // (none anywhere: said as libpq says it, not as pg's "SASL: SCRAM-SERVER-FIRST-MESSAGE: client
    // password must be a string")
    if (found === undefined) throw new Error('no password supplied: the server asks for one (give it in PGPASSWORD or ~/.pgpass)');
    return found;
  };
  const open = async (cs: string | undefined) => {
    // (ssl: false over a socket: a socket: URL's parameters are not read by pg, which took PGSSLMODE then)
    const client = new pg.Client({ connectionString: cs, application_name: applicationName, ...(socket ? { ssl: false } : {}) });
    // (a password in the URL or PGPASSWORD is pg's to send; else the function, asked only when the
    // server wants one: set on the client, as the URL's empty password overrides the constructor's)
    // (and a `password` parameter of the URL, as libpq takes it: the function overrode it)
    if (!u?.password && !u?.searchParams.get('password') && !process.env.PGPASSWORD) (client as unknown as { password: unknown }).password = password;
    prepare?.(client);
    try { await client.connect(); } catch (err) {
      // (its socket ended: refused for want of a password, the client's socket stayed open until the
      // server's authentication_timeout, a minute, and the run with it)
      (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
      throw err;
    }
    return client;
  };
  try { return await open(connectionString); } catch (err) {
    if (!fallback || !/does not support SSL/i.test((err as Error).message ?? '')) throw err;
    const plain = new URL(connectionString!);
    plain.searchParams.set('sslmode', 'disable');
    return open(plain.toString());
  }
}

export function badName(name: string): string | undefined {
  if (name.length === 0) return 'empty';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'a control character';
  if (!isWellFormed(name)) return 'not valid Unicode (a lone surrogate)';
  if (Buffer.byteLength(name) > 63) return 'longer than 63 bytes (PostgreSQL cuts longer names)';
  return undefined;
}

/** the names PostgreSQL gives every table's system columns (a column of the name cannot be made) */
const SYSTEM_COLUMNS: ReadonlySet<string> = new Set(['tableoid', 'xmin', 'cmin', 'xmax', 'cmax', 'ctid']);

export const quoteIdent = (name: string) => '"' + name.replace(/"/g, '""') + '"';

const shown = (name: string) => (/^[\x20-\x7e]+$/.test(name) ? name : JSON.stringify(name));

const TYPES: Record<Kind, string> = { boolean: 'BOOLEAN', integer: 'BIGINT', bigint: 'NUMERIC', real: 'DOUBLE PRECISION', date: 'DATE', text: 'TEXT', json: 'JSONB' };

/** the base type name of a column (from the catalog; else from a declared type such as BIGINT) */
function baseOf(c: PgColumn): string {
  if (c.base) return c.base;
  const t = c.type.toLowerCase().replace(/\(.*$/, '').trim();
  const names: Record<string, string> = {
    bigint: 'int8', integer: 'int4', int: 'int4', smallint: 'int2', 'double precision': 'float8', real: 'float4',
    boolean: 'bool', 'character varying': 'varchar', varchar: 'varchar', character: 'bpchar', char: 'bpchar', decimal: 'numeric',
  };
  return names[t] ?? t;
}

/**
 * A key column's COPY text to a text that is the same when PostgreSQL reads the same value (load-postgres
 * tells repeated keys in a batch by it): text types as they are; numbers by their exact decimal (floats
 * by their double); uuid without hyphens or braces, in lower case; booleans as t or f; a timestamp or a
 * timestamptz with an offset as its instant; char(n) without its trailing blanks; other types, and
 * forms not read here (a timestamptz without an offset, NaN), by their text. Undefined when the text
 * cannot be read as the type at all (the server refuses it; it goes in a run of its own, in order).
 */
function keyText(base: string): (t: string) => string | undefined {
  switch (base) {
    case 'text': case 'varchar': case 'name': return (t) => t;
    // (the text the one writer wrote: a value's JSON as it writes it, so one value is one text but for
    // an object's member order or a number's digits kept as given, 1.0 and 1, which jsonb takes as one)
    case 'json': case 'jsonb': return (t) => t;
    case 'bpchar': return (t) => t.replace(/ +$/, '');
    case 'int2': case 'int4': case 'int8': case 'numeric': case 'float4': case 'float8': case 'oid': {
      const float = base === 'float4' || base === 'float8';
      return (t) => {
        const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(blank(t));
        if (m === null || (m[2] === '' && (m[3] ?? '') === '')) return t; // (NaN, Infinity: by their text)
        const whole = m[2].replace(/^0+(?=\d)/, '') || '0'; // ("007" is 7, "0" stays)
        const text = `${m[1] === '-' ? '-' : ''}${whole}${m[3] ? `.${m[3]}` : ''}${m[4] !== undefined ? `e${m[4]}` : ''}`;
        if (float) { const x = base === 'float4' ? Math.fround(Number(text)) : Number(text); return Number.isNaN(x) ? undefined : String(x); }
        return canonicalNumber(text);
      };
    }
    case 'uuid': return (t) => { const h = blank(t).replace(/^\{|\}$/g, '').replace(/-/g, '').toLowerCase(); return /^[0-9a-f]{32}$/.test(h) ? h : undefined; };
    case 'bool': return (t) => {
      const v = blank(t).toLowerCase();
      if (v === '1' || (v.length > 0 && ('true'.startsWith(v) || 'yes'.startsWith(v))) || v === 'on') return 't';
      if (v === '0' || (v.length > 0 && ('false'.startsWith(v) || 'no'.startsWith(v))) || v === 'off') return 'f';
      return undefined;
    };
    case 'date': return (t) => t; // (the ISO form the tools write; another is told by its text)
    case 'timestamp': case 'timestamptz': {
      const tz = base === 'timestamptz';
      return (t) => {
        const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(t);
        if (m === null || (tz && m[8] === undefined) || (!tz && m[8] !== undefined)) return t; // (a timestamptz without an offset: the session's zone reads it, the same for all: by its text)
        let ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
        if (m[8] !== undefined && m[8] !== 'Z') { const o = m[8].replace(':', ''); ms -= (o[0] === '-' ? -1 : 1) * (+o.slice(1, 3) * 60 + +(o.slice(3) || '0')) * 60000; }
        return Number.isNaN(ms) ? t : `${ms}.${(m[7] ?? '').padEnd(6, '0')}`;
      };
    }
    default: return (t) => t; // (an enum, inet, ...: by its text, as one spelling of each value is usual)
  }
}

// ---- values as COPY text ----

const NULL_FIELD = '\\N';
const COPY_SPECIAL = /[\\\n\r\t\u0000]/;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** a string as one field of COPY's text format; a NUL is refused */
function field(s: string, name: string): string {
  if (!COPY_SPECIAL.test(s)) return s;
  if (s.includes('\u0000')) throw new RecordError('bad string', `${shown(name)}: holds U+0000, which PostgreSQL text cannot hold`);
  return s.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c]);
}

/** does JSON text hold an escaped lone surrogate (\ud800 without its low half, or a low half alone)?
 *  jsonb refuses it, as "Unicode low surrogate must follow a high surrogate" whichever half it lacks */
function loneSurrogateEscape(t: string): boolean {
  const unit = (i: number) => (t.charCodeAt(i) === 92 && (t.charCodeAt(i + 1) | 32) === 117 ? parseInt(t.slice(i + 2, i + 6), 16) : -1);
  for (let i = t.indexOf('\\'); i >= 0 && i < t.length; i = t.indexOf('\\', i)) {
    const u = unit(i);
    if (u < 0) { i += 2; continue; } // another escape (\\ too): past it
    if (u >= 0xdc00 && u <= 0xdfff) return true;
    if (u >= 0xd800 && u <= 0xdbff) {
      const low = unit(i + 6);
      if (!(low >= 0xdc00 && low <= 0xdfff)) return true;
      i += 12;
    } else i += 6;
  }
  return false;
}

/** the escape \u0000 in JSON text (not preceded by an escaping backslash): jsonb refuses it */
const JSON_NUL = /(?:^|[^\\])(?:\\\\)*\\u0000/;

const INT_RANGE: Record<string, [bigint, bigint]> = {
  int2: [-(2n ** 15n), 2n ** 15n - 1n], int4: [-(2n ** 31n), 2n ** 31n - 1n], int8: [-(2n ** 63n), 2n ** 63n - 1n],
};

const kindName = (v: Value) => (v instanceof JsonText ? (v.text.startsWith('[') ? 'an array' : 'an object') : v instanceof BigNum ? 'number' : typeof v);
/** a decimal past a double's digits whose double is a whole number within 2^53 (1.0000000000000001) is
 *  that integer, as when its line is read without its digits kept (which another field of the record
 *  decides: a number for a text or JSON column keeps them) */
const wholeDouble = (v: Value): Value => {
  if (!(v instanceof BigNum)) return v;
  const x = doubleOf(v.raw);
  return x !== undefined && Number.isSafeInteger(x) ? x : v;
};

/** a date as PostgreSQL writes one: YYYY-MM-DD (more digits for a year past 9999), a day of its month
 *  (proleptic Gregorian: year 1 BC, astronomical 0, is a leap year), ` BC` after it, or infinity */
function pgDate(v: string): boolean {
  if (/^-?infinity$/i.test(v)) return true;
  const m = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/.exec(v);
  if (m === null) return false;
  const year = m[4] ? 1 - Number(m[1]) : Number(m[1]), month = Number(m[2]), day = Number(m[3]);
  if (m[4] ? Number(m[1]) === 0 || Number(m[1]) > 4713 : Number(m[1]) > 5874897) return false; // (no year 0 BC; PostgreSQL's range)
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days;
}

function wrongType(v: Value, name: string, type: string): never {
  throw new RecordError('wrong type', `${shown(name)}: ${kindName(v)} for column type ${type}`);
}

function jsonField(v: Value, name: string, binary: boolean): string {
  if (v === null) return NULL_FIELD;
  if (typeof v === 'string') {
    if (binary && v.includes('\u0000')) throw new RecordError('bad string', `${shown(name)}: holds U+0000, which jsonb cannot hold`);
    return field(JSON.stringify(v), name);
  }
  if (v instanceof JsonText) {
    if (binary && JSON_NUL.test(v.text)) throw new RecordError('bad string', `${shown(name)}: holds U+0000, which jsonb cannot hold`);
    // (a string inside it with a lone surrogate: said as a top-level string's is, not as the server's
    // "database: ... low surrogate must follow a high surrogate" of a lone high one)
    if (binary && loneSurrogateEscape(v.text)) throw new RecordError('bad string', `${shown(name)}: a string or name inside it is not valid Unicode (a lone surrogate), which jsonb cannot hold`);
    return field(v.text, name);
  }
  return String(v);
}

export const pgDialect: Dialect = {
  fold: (name) => name,
  badName,
  badColumn: (name) => (SYSTEM_COLUMNS.has(name) ? 'the name of a PostgreSQL system column' : undefined),
  maxColumns: 1600, // (MaxHeapAttributeNumber)
  name: 'PostgreSQL',
  typeFor: (kind) => TYPES[kind],
  exactNumbers: true,
  numberDigits(column) {
    const base = baseOf(column as PgColumn);
    return base in INT_RANGE ? 'whole' : base === 'float4' || base === 'float8' || base === 'bool' ? 'none' : 'all';
  },
  encoder(column) {
    const type = column.type || 'text';
    const base = baseOf(column as PgColumn);
    switch (base) {
      case 'json':
      case 'jsonb': {
        const binary = base === 'jsonb';
        return (v, name) => jsonField(v, name, binary);
      }
      case 'int2':
      case 'int4':
      case 'int8': {
        const [lo, hi] = INT_RANGE[base];
        const [nlo, nhi] = [Number(lo), Number(hi)];
        return (v, name) => {
          v = wholeDouble(v);
          if (typeof v === 'number') {
            if (!Number.isInteger(v)) throw new RecordError('wrong type', `${shown(name)}: ${v} is not an integer (column type ${type})`);
            if (Number.isSafeInteger(v) && v >= nlo && v <= nhi) return String(v);
          }
          if (v === null) return NULL_FIELD;
          if (typeof v === 'string') return field(v, name);
          if (typeof v === 'boolean') return v ? '1' : '0';
          if (typeof v === 'bigint' && v >= lo && v <= hi) return v.toString();
          if (typeof v === 'number' && v >= nlo && v <= nhi) return BigInt(v).toString(); // 2^53 and up: exact digits
          if (v instanceof BigNum) { // a decimal past a double's digits (a whole one came as an integer)
            const d = parseDec(v.raw);
            if (BigInt(d.digits.length) > d.exp) throw new RecordError('wrong type', `${shown(name)}: ${v.raw} is not an integer (column type ${type})`);
          }
          if (typeof v === 'number' || typeof v === 'bigint' || v instanceof BigNum) {
            throw new RecordError('out of range', `${shown(name)}: ${String(v)} does not fit column type ${type}`);
          }
          return wrongType(v, name, type);
        };
      }
      case 'numeric':
        return (v, name) => {
          if (v === null) return NULL_FIELD;
          if (typeof v === 'string') return field(v, name);
          if (typeof v === 'boolean') return v ? '1' : '0';
          if (v instanceof JsonText) return wrongType(v, name, type);
          return String(v);
        };
      case 'float4':
      case 'float8': {
        const single = base === 'float4';
        return (v, name) => {
          if (v === null) return NULL_FIELD;
          if (typeof v === 'string') return field(v, name);
          if (typeof v === 'boolean') return v ? '1' : '0';
          if (v instanceof JsonText) return wrongType(v, name, type);
          const d = typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : doubleOf(v.raw);
          if (d === undefined || (single && d !== 0 && (!Number.isFinite(Math.fround(d)) || Math.fround(d) === 0))) {
            throw new RecordError('out of range', `${shown(name)}: ${String(v)} does not fit column type ${type}`);
          }
          return String(v); // the exact text: the server rounds it once
        };
      }
      case 'bool':
        return (v, name) => {
          if (v === null) return NULL_FIELD;
          if (typeof v === 'boolean') return v ? 't' : 'f';
          if (typeof v === 'string') return field(v, name);
          v = wholeDouble(v);
          if ((typeof v === 'number' || typeof v === 'bigint') && (v == 0 || v == 1)) return v == 1 ? 't' : 'f';
          return wrongType(v, name, type);
        };
      // (a DATE takes YYYY-MM-DD alone: PostgreSQL's reading of other text dropped a time and its offset,
      // "2024-01-01T23:59:59-05:00" a day early in UTC, and read "today" as the load's day, so that a
      // load run twice gave two tables; infinity and -infinity are dates of its own, kept)
      case 'date':
        return (v, name) => {
          if (v === null) return NULL_FIELD;
          if (typeof v !== 'string') return wrongType(v, name, type);
          if (pgDate(v)) return v;
          throw new RecordError('wrong type', `${shown(name)}: ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)} is no date YYYY-MM-DD (column type ${type})`);
        };
      case 'timestamp':
      case 'timestamptz':
        return (v, name) => {
          if (v === null) return NULL_FIELD;
          // (now, today, tomorrow and yesterday are read at the load's time: a reload gave another table)
          if (typeof v === 'string' && /(^|[^a-z])(now|today|tomorrow|yesterday)($|[^a-z])/i.test(v)) {
            throw new RecordError('wrong type', `${shown(name)}: ${JSON.stringify(v)} is read at the time of the load (column type ${type}): give the time it stands for`);
          }
          if (typeof v === 'string') return field(v, name);
          if (v instanceof JsonText) return field(v.text, name);
          return String(v);
        };
      default: // text types and every other type (read by the type's input function)
        return (v, name) => {
          if (v === null) return NULL_FIELD;
          if (typeof v === 'string') return field(v, name);
          if (v instanceof JsonText) return field(v.text, name);
          return String(v);
        };
    }
  },
};

// ---- what crosses to the worker ----

interface PgConfig {
  /** connection URL; absent: the PG* environment variables, as libpq */
  url?: string;
  /** the table the loader writes (its schema version is watched) */
  table: string;
  /** lock_timeout for every statement, ms */
  lockTimeoutMs: number;
}

interface WireSpec {
  id: number;
  table: string;
  columns: { name: string; cast: string; base: string }[];
  keyIndex: number[];
  onConflict: 'update' | 'ignore';
  keepKeys: boolean;
}

interface WireBatch {
  /** staging width (the widest run) */
  width: number;
  /** COPY text: r, n, c1..cW per row, runs in order */
  text: string;
  runs: { spec: number; count: number }[];
  /** statement shapes not sent before */
  specs: WireSpec[];
}

interface WireResult { outcomes: Uint8Array; errors: [number, string][] }

interface WireError { message: string; code?: string; lock?: boolean }

// ---- the driver the loader calls (main thread), a proxy of the worker's ----

const WORKER_ROLE = 'event-pipes postgres driver';

/** the drivers of this process with a transaction open. While another one has, a call that may wait
 *  for a lock (DDL, a write, a commit) never blocks the thread: the lock may be that transaction's,
 *  whose commit needs this thread (two library streams creating one table waited for each other until
 *  --busy-timeout, and one failed) */
const inTxn = new Set<PgDriver>();

/** the loader's Driver for PostgreSQL: a pg client in a worker thread; begin, write and commit return
 *  a promise unless the loader's queue is long, the other calls return once the worker answered */
export class PgDriver implements Driver {
  readonly dialect = pgDialect;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly specIds = new WeakMap<WriteSpec, number>();
  private nextSpec = 1;
  private seq = 0;
  private closed = false;
  private versionAtBegin: string | undefined;
  /** finish calls before returning (until the loader says how its queue stands: always) */
  private pressed: () => boolean = () => true;
  /** the call whose promise is out (0: none) */
  private awaited = 0;
  private readonly unwant: () => void;

  /** connects (throws the connection's error as one line) */
  constructor(config: PgConfig) {
    // (a thread V8 cannot reserve room for aborts the process, status 133: said instead, exit 1; the
    // client's heap stays small: no room kept beyond the thread's own)
    if (workerRoom(600 << 20, 0) < 1) throw new Error('the address-space limit (ulimit -v) leaves no room for the PostgreSQL client\'s thread (~0.6 GB): raise it');
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(new URL(import.meta.url), {
      workerData: { role: WORKER_ROLE, port: port2, flag: this.flag.buffer, config },
      transferList: [port2],
      stdout: true, stderr: true, // the worker says nothing; its replies are messages
    });
    this.worker.unref();
    // while a call's reply has arrived and waits for the event loop, the reader yields sooner
    this.unwant = wantTurns(() => this.awaited !== 0 && Atomics.load(this.flag, 0) === this.awaited);
    try {
      this.call('connect');
    } catch (err) {
      this.shutDown();
      throw err;
    }
  }

  backpressure(pressed: () => boolean): void { this.pressed = pressed; }

  settle(): void {
    const seq = this.awaited;
    if (seq === 0 || this.othersInTxn()) return;
    for (let done; (done = Atomics.load(this.flag, 0)) !== seq;) Atomics.wait(this.flag, 0, done);
  }

  /** send a call; returns its number (the worker stores the number of the call it answered in flag) */
  private post(method: string, args: unknown[]): number {
    if (this.closed) throw new Error('the database connection is closed');
    this.versionAtBegin = undefined; // good for the call right after begin only
    const seq = this.seq = (this.seq + 1) | 0;
    this.port.postMessage({ seq, method, args });
    return seq;
  }

  /** a call that returns once the worker answered */
  private call<T>(method: string, ...args: unknown[]): T {
    const seq = this.post(method, args);
    for (let done; (done = Atomics.load(this.flag, 0)) !== seq;) Atomics.wait(this.flag, 0, done);
    const got = receiveMessageOnPort(this.port);
    if (!got) throw new Error('the database worker went away');
    return answer<T>(got.message);
  }

  /** a call that returns a promise (the main thread reads on meanwhile), unless the loader's queue is
   *  long (and no other driver of this process has a transaction open: inTxn): then it returns once
   *  answered */
  private callSoon<T>(method: string, ...args: unknown[]): T | Promise<T> {
    if (this.pressed() && !this.othersInTxn()) return this.call(method, ...args);
    return this.callLater(method, ...args);
  }

  /** a call that returns a promise */
  private callLater<T>(method: string, ...args: unknown[]): Promise<T> {
    this.awaited = this.post(method, args);
    return new Promise<T>((resolve, reject) => {
      this.port.ref(); // the reply keeps the process alive
      this.port.once('message', (message) => {
        this.awaited = 0;
        this.port.unref();
        try { resolve(answer<T>(message)); } catch (err) { reject(err); }
      });
    });
  }

  /** has another driver of this process a transaction open (inTxn)? */
  private othersInTxn(): boolean { return inTxn.size > (inTxn.has(this) ? 1 : 0); }

  /** a DDL call: it waits for the table's locks, so it returns once answered unless another driver of
   *  this process has a transaction open (inTxn) */
  private callDdl<T>(method: string, ...args: unknown[]): T | Promise<T> {
    return this.othersInTxn() ? this.callLater(method, ...args) : this.call(method, ...args);
  }

  private shutDown(): void {
    inTxn.delete(this);
    this.closed = true;
    this.unwant();
    this.port.close();
    void this.worker.terminate();
  }

  columns(table: string): PgColumn[] { return this.call('columns', table); }
  slotsUsed(table: string): number { return this.call('slotsUsed', table); }

  /** the version read with BEGIN (one round trip for both), else a fresh one */
  schemaVersion(): string {
    const v = this.versionAtBegin;
    this.versionAtBegin = undefined;
    return v ?? this.call('schemaVersion');
  }

  exec(sql: string): void | Promise<void> { return this.callDdl('exec', sql); }
  createTable(table: string, columns: Column[], key: string[]): string | undefined | Promise<string | undefined> { return this.callDdl('createTable', table, columns, key); }
  addColumn(table: string, column: Column): void | Promise<void> { return this.callDdl('addColumn', table, column); }
  createKeysTable(key: Column[]): void { this.call('createKeysTable', key); }
  begin(): void | Promise<void> {
    inTxn.add(this);
    const got = this.callSoon<string>('begin');
    if (got instanceof Promise) return got.then((v) => { this.versionAtBegin = v; });
    this.versionAtBegin = got;
  }

  commit(): void | Promise<void> {
    const got = this.callSoon<void>('commit');
    if (!(got instanceof Promise)) { inTxn.delete(this); return; }
    return got.finally(() => { inTxn.delete(this); });
  }

  rollback(): void {
    inTxn.delete(this);
    if (!this.closed) this.call('rollback');
  }

  close(): void {
    if (this.closed) return;
    try { this.call('close'); } finally { this.shutDown(); }
  }

  write(rows: readonly Row[]): BatchResult | Promise<BatchResult> {
    const { batch, order } = this.wire(rows);
    const got = this.callSoon<WireResult>('write', batch);
    return got instanceof Promise ? got.then((g) => this.outcomes(rows, order, g)) : this.outcomes(rows, order, got);
  }

  private outcomes(rows: readonly Row[], order: Int32Array, got: WireResult): BatchResult {
    const outcomes = new Uint8Array(rows.length);
    const errors: (string | undefined)[] = [];
    for (let p = 0; p < order.length; p++) outcomes[order[p]] = got.outcomes[p];
    for (const [p, message] of got.errors) errors[order[p]] = message;
    return { outcomes, errors };
  }

  /** the batch as COPY text in runs: a run per statement shape and per how often its key came before
   *  in the batch (without a key: per stretch of records of one shape). A key is told again by its value
   *  as the column's type reads it (keyText: "01" and "1" in a BIGINT key, a uuid in upper and lower
   *  case, are one key, which was put in one run and applied in key order, not in the input's); a key
   *  whose text the type cannot read (a uuid of 31 digits: the server refuses it) goes in a run after
   *  every record before it, and the records after it in runs after it, so that it applies in order */
  private wire(rows: readonly Row[]): { batch: WireBatch; order: Int32Array } {
    const generations: Map<WriteSpec, number[]>[] = [];
    const seen = new Map<string, number>();
    let stretch = -1, last: WriteSpec | undefined, floor = 0;
    for (let i = 0; i < rows.length; i++) {
      const { spec, values } = rows[i];
      let g: number;
      const k = spec.keyIndex;
      if (k.length) {
        const texts = this.keyTexts(spec);
        let key: string | undefined = '';
        for (let j = 0; j < k.length && key !== undefined; j++) {
          const part = texts[j](values[k[j]] as string);
          key = part === undefined ? undefined : j === 0 ? part : key + '\t' + part;
        }
        if (key === undefined) { g = Math.max(floor, generations.length); floor = g + 1; } // (after all before it; all after it after it)
        else { g = Math.max(seen.get(key) ?? 0, floor); seen.set(key, g + 1); }
      } else { // plain inserts keep the input's order: one run per stretch of one shape
        if (spec !== last) { stretch++; last = spec; }
        g = stretch;
      }
      const runs = generations[g] ?? (generations[g] = new Map());
      const run = runs.get(spec);
      if (run) run.push(i); else runs.set(spec, [i]);
    }
    const specs: WireSpec[] = [];
    const runs: WireBatch['runs'] = [];
    let text = '';
    const order = new Int32Array(rows.length);
    let width = 0;
    for (const gen of generations) for (const spec of gen.keys()) width = Math.max(width, spec.columns.length);
    const pad = Array.from({ length: width + 1 }, (_, k) => '\t\\N'.repeat(k));
    let p = 0;
    for (const gen of generations) {
      for (const [spec, members] of gen) {
        const r = runs.length;
        runs.push({ spec: this.specId(spec, specs), count: members.length });
        const fill = pad[width - spec.columns.length];
        for (let n = 0; n < members.length; n++) {
          const values = rows[members[n]].values as string[];
          text += r + '\t' + n + '\t' + values.join('\t') + fill + '\n';
          order[p++] = members[n];
        }
      }
    }
    return { batch: { width, text, runs, specs }, order };
  }

  /** per key column of a statement shape, its COPY text to the text of its value (keyText) */
  private readonly keyTextOf = new Map<WriteSpec, ((t: string) => string | undefined)[]>();
  private keyTexts(spec: WriteSpec): ((t: string) => string | undefined)[] {
    let f = this.keyTextOf.get(spec);
    if (f === undefined) { f = spec.keyIndex.map((j) => keyText(baseOf(spec.columns[j] as PgColumn))); this.keyTextOf.set(spec, f); }
    return f;
  }

  private specId(spec: WriteSpec, fresh: WireSpec[]): number {
    let id = this.specIds.get(spec);
    if (id === undefined) {
      id = this.nextSpec++;
      this.specIds.set(spec, id);
      fresh.push({
        id, table: spec.table, keyIndex: [...spec.keyIndex], onConflict: spec.onConflict, keepKeys: spec.keepKeys,
        columns: spec.columns.map((c) => ({ name: c.name, cast: (c as PgColumn).cast ?? c.type, base: baseOf(c as PgColumn) })),
      });
    }
    return id;
  }
}

/** a reply from the worker: its result, or its error thrown */
function answer<T>(message: unknown): T {
  const reply = message as { result?: T; error?: WireError };
  if (reply.error) {
    const text = reply.error.message.replace(/\s*\n\s*/g, ' ');
    if (reply.error.lock) throw new LockTimeout(text);
    throw Object.assign(new Error(text), { code: reply.error.code });
  }
  return reply.result as T;
}

// ---- the worker: a pg client doing what the calls ask ----

/** SQLSTATEs of a row's own values: data exceptions, integrity constraints, a trigger's RAISE, a value
 *  too big for an index; 21000 is a set that touches one row twice (halving separates the two) */
const rowError = (code: unknown) => typeof code === 'string' && (/^2[23]/.test(code) || code === 'P0001' || code === '54000' || code === '21000');

/** types without an equality or ordering operator: compared as text */
const TEXT_COMPARED = new Set(['json', 'xml', 'point', 'line', 'lseg', 'box', 'path', 'polygon', 'circle']);

interface SpecSql {
  spec: WireSpec;
  /** INSERT ... SELECT ... FROM <stage> WHERE <where> ...; RETURNING */
  insert(stage: string, where: string): string;
  /** the loaded keys of the same rows, or '' */
  keys(stage: string, where: string): string;
  /** how the statement's result counts */
  counting: 'returning' | 'inserted';
}

function specSql(spec: WireSpec): SpecSql {
  const T = quoteIdent(spec.table);
  const q = spec.columns.map((c) => quoteIdent(c.name));
  const e = spec.columns.map((c, i) => (c.base === 'text' ? `c${i + 1}` : `c${i + 1}::${c.cast}`));
  const cmp = (expr: string, i: number) => (TEXT_COMPARED.has(spec.columns[i].base) ? `(${expr})::text` : expr);
  const keyCols = spec.keyIndex.map((i) => q[i]);
  const nonKey = q.map((_c, i) => i).filter((i) => !spec.keyIndex.includes(i));
  const orderBy = keyCols.length ? spec.keyIndex.map((i) => cmp(e[i], i)).join(', ') : 'n';
  let tail = '';
  let counting: SpecSql['counting'] = 'inserted';
  if (keyCols.length) {
    counting = 'returning';
    if (spec.onConflict === 'ignore' || nonKey.length === 0) tail = ` ON CONFLICT (${keyCols.join(', ')}) DO NOTHING RETURNING true AS ins`;
    else {
      const row = (alias: string) => nonKey.map((i) => cmp(`${alias}.${q[i]}`, i)).join(', ');
      tail = ` ON CONFLICT (${keyCols.join(', ')}) DO UPDATE SET ${nonKey.map((i) => `${q[i]} = excluded.${q[i]}`).join(', ')}` +
        ` WHERE (${row('ep_t')}) IS DISTINCT FROM (${row('excluded')}) RETURNING (xmax = 0) AS ins`;
    }
  }
  const keyNames = spec.keyIndex.map((i) => q[i]).join(', ');
  const keyExprs = spec.keyIndex.map((i) => e[i]).join(', ');
  return {
    spec, counting,
    insert: (stage, where) => {
      const insert = `INSERT INTO ${T} AS ep_t (${q.join(', ')}) SELECT ${e.join(', ')} FROM ${stage} WHERE ${where} ORDER BY ${orderBy}${tail}`;
      // the counts come back as one row, not a row per record
      return counting === 'returning' ? `WITH ep_i AS (${insert}) SELECT count(*) FILTER (WHERE ins), count(*) FROM ep_i` : insert;
    },
    keys: (stage, where) => (spec.keepKeys && keyCols.length
      ? `INSERT INTO pg_temp.loaded_keys (${keyNames}) SELECT ${keyExprs} FROM ${stage} WHERE ${where} ON CONFLICT DO NOTHING` : ''),
  };
}

type PgClient = import('pg').Client;
type QueryResult = import('pg').QueryResult;

class PgWorkerDriver {
  private client!: PgClient;
  private copyFrom!: (sql: string) => import('pg-copy-streams').CopyStreamQuery;
  private broken: Error | undefined;
  private readonly specs = new Map<number, SpecSql>();
  /** staging tables made in this session, and those known empty (both forgotten on rollback, which
   *  may undo a creation or a TRUNCATE) */
  private staged = new Set<number>();
  private empty = new Set<number>();
  private inTxn = false;

  async connect(): Promise<void> {
    const copy = await import('pg-copy-streams');
    this.copyFrom = (copy as unknown as { default?: typeof copy }).default?.from ?? copy.from;
    this.client = await pgConnect(this.config.url, 'event-pipes load-postgres', (client) => {
      client.on('error', (err) => { this.broken = err; });
      client.on('notice', () => { /* CREATE ... IF NOT EXISTS notices */ });
    });
    const client = this.client;
    await client.query(`SET lock_timeout = ${Math.max(1, Math.round(this.config.lockTimeoutMs))}`);
  }

  private async q(sql: string, values?: unknown[]): Promise<QueryResult> {
    if (this.broken) throw this.broken;
    return this.client.query(sql, values);
  }

  /** the results of a text of several statements (rows as arrays) */
  private async multi(sql: string): Promise<QueryResult[]> {
    if (this.broken) throw this.broken;
    const r = await this.client.query({ text: sql, rowMode: 'array' }) as QueryResult | QueryResult[];
    return Array.isArray(r) ? r : [r];
  }

  async columns(table: string): Promise<PgColumn[]> {
    const r = await this.q(`SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, format_type(a.atttypid, NULL) AS cast,
        coalesce(b.typname, t.typname) AS base
      FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
      LEFT JOIN pg_catalog.pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, [quoteIdent(table)]);
    return r.rows as PgColumn[];
  }

  /** the table's columns, dropped ones too: PostgreSQL counts them toward its 1600 */
  async slotsUsed(table: string): Promise<number> {
    const r = await this.q('SELECT count(*)::int AS n FROM pg_catalog.pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0', [quoteIdent(table)]);
    return (r.rows[0] as { n: number }).n;
  }

  /** the table's oid and columns as one text (another writer may create or alter the table) */
  private readonly versionSql: string;

  constructor(private readonly config: PgConfig) {
    this.versionSql = `SELECT coalesce((SELECT c.oid::text || ' ' || coalesce((SELECT string_agg(a.attname || ':' || a.atttypid || ':' || a.atttypmod, ',' ORDER BY a.attnum)
      FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')
    FROM pg_catalog.pg_class c WHERE c.oid = to_regclass(${literal(quoteIdent(config.table))})), '')`;
  }

  async schemaVersion(): Promise<string> {
    const [r] = await this.multi(this.versionSql);
    return r.rows[0][0] as string;
  }

  async exec(sql: string): Promise<void> { await this.q(sql); }

  /** two loaders creating one table: the second waits for the first's commit (an advisory lock: two
   *  CREATEs at once would collide in the catalog), then finds the table and creates nothing */
  async createTable(table: string, columns: Column[], key: string[]): Promise<string | undefined> {
    const name = quoteIdent(table);
    await this.q(`SELECT pg_advisory_xact_lock(hashtext('event-pipes create ' || $1))`, [name]);
    const keys = new Set(key);
    const defs = columns.map((c) => `${quoteIdent(c.name)} ${c.type}${keys.has(c.name) ? ' NOT NULL' : ''}`).join(', ');
    const pk = key.length ? `, PRIMARY KEY (${key.map(quoteIdent).join(', ')})` : '';
    await this.q(`CREATE TABLE IF NOT EXISTS ${name} (${defs}${pk})`);
    // created by this transaction, or found (IF NOT EXISTS reads the catalog afresh; to_regclass
    // before it could answer from a cache older than the other loader's commit)
    const mine = await this.q(`SELECT c.xmin::text = (txid_current() % 4294967296)::text AS mine FROM pg_catalog.pg_class c WHERE c.oid = to_regclass($1)`, [name]);
    return mine.rows[0]?.mine ? defs : undefined;
  }

  async addColumn(table: string, column: Column): Promise<void> {
    await this.q(`ALTER TABLE ${quoteIdent(table)} ADD COLUMN IF NOT EXISTS ${quoteIdent(column.name)} ${column.type}`);
  }

  async createKeysTable(key: Column[]): Promise<void> {
    const names = key.map((c) => quoteIdent(c.name));
    await this.q(`DROP TABLE IF EXISTS pg_temp.loaded_keys; CREATE TEMP TABLE loaded_keys (${key.map((c, i) => `${names[i]} ${c.type || 'text'}`).join(', ')}, PRIMARY KEY (${names.join(', ')}))`);
  }

  /** BEGIN, and the schema version in the same round trip */
  async begin(): Promise<string> {
    const [, version] = await this.multi(`BEGIN; ${this.versionSql}`);
    this.inTxn = true;
    return version.rows[0][0] as string;
  }

  async commit(): Promise<void> {
    const r = await this.q('COMMIT');
    this.inTxn = false;
    // COMMIT of a transaction the server had aborted answers ROLLBACK without an error
    if (r.command !== 'COMMIT') throw new Error('the server rolled the transaction back');
  }

  async rollback(): Promise<void> {
    this.staged.clear();
    this.empty.clear();
    if (!this.inTxn || this.broken) return;
    this.inTxn = false;
    await this.q('ROLLBACK');
  }

  async close(): Promise<void> {
    if (this.broken) return;
    await this.client.end();
  }

  async write(batch: WireBatch): Promise<WireResult> {
    for (const s of batch.specs) this.specs.set(s.id, specSql(s));
    const W = batch.width;
    const stage = `pg_temp.ep_stage_${W}`;
    const truncate = `TRUNCATE ${stage}`;
    let before = '';
    if (!this.staged.has(W)) {
      const cols = Array.from({ length: W }, (_, i) => `c${i + 1} text`).join(', ');
      before = `CREATE TEMP TABLE IF NOT EXISTS ep_stage_${W} (r int, n int${cols ? ', ' + cols : ''}); `;
      this.staged.add(W);
    }
    if (!this.empty.has(W)) before += truncate;
    if (before) await this.q(before);
    this.empty.delete(W);
    await this.copy(`COPY ${stage} FROM STDIN`, batch.text);
    const total = batch.runs.reduce((a, r) => a + r.count, 0);
    const out: WireResult = { outcomes: new Uint8Array(total), errors: [] };
    let at = 0;
    let indexed = false;
    for (let r = 0; r < batch.runs.length; r++) {
      const run = batch.runs[r];
      const sql = this.specs.get(run.spec)!;
      const last = r === batch.runs.length - 1;
      try {
        // the last run empties the stage for the next batch in the same round trip
        this.tally(out, at, run.count, await this.part(sql, stage, `r = ${r}`, last ? truncate : ''));
        if (last) this.empty.add(W);
      } catch (err) {
        if (!rowError((err as { code?: unknown }).code)) throw err;
        if (!indexed) { await this.q(`CREATE INDEX ep_stage_${W}_rn ON ${stage} (r, n)`); indexed = true; }
        await this.halves(sql, stage, r, 0, run.count, at, out, err as Error);
      }
      at += run.count;
    }
    if (indexed) await this.q(`DROP INDEX pg_temp.ep_stage_${W}_rn`); // it would slow the next COPY
    return out;
  }

  /** one statement over some staged rows under a savepoint; returns [inserted, updated] */
  private async part(sql: SpecSql, stage: string, where: string, then = ''): Promise<[number, number]> {
    const keys = sql.keys(stage, where);
    const text = `SAVEPOINT ep_part; ${sql.insert(stage, where)}; ${keys ? keys + '; ' : ''}RELEASE SAVEPOINT ep_part${then ? '; ' + then : ''}`;
    let results: QueryResult[];
    try {
      results = await this.multi(text);
    } catch (err) {
      if (!this.broken) await this.q('ROLLBACK TO SAVEPOINT ep_part; RELEASE SAVEPOINT ep_part');
      throw err;
    }
    const ins = results[1];
    if (sql.counting === 'inserted') return [ins.rowCount ?? 0, 0];
    const [inserted, written] = (ins.rows as unknown as unknown[][])[0].map(Number);
    return [inserted, written - inserted];
  }

  /** a refused run, retried in halves down to single rows (each refused row: its message) */
  private async halves(sql: SpecSql, stage: string, r: number, lo: number, hi: number, at: number, out: WireResult, first?: Error): Promise<void> {
    if (first === undefined) {
      try {
        this.tally(out, at + lo, hi - lo, await this.part(sql, stage, `r = ${r} AND n >= ${lo} AND n < ${hi}`));
        return;
      } catch (err) {
        if (!rowError((err as { code?: unknown }).code)) throw err;
        first = err as Error;
      }
    }
    if (hi - lo === 1) {
      out.outcomes[at + lo] = REFUSED;
      out.errors.push([at + lo, describeRowError(first)]);
      return;
    }
    const mid = lo + ((hi - lo) >> 1);
    await this.halves(sql, stage, r, lo, mid, at, out);
    await this.halves(sql, stage, r, mid, hi, at, out);
  }

  private tally(out: WireResult, from: number, count: number, [inserted, updated]: [number, number]): void {
    for (let i = 0; i < count; i++) out.outcomes[from + i] = i < inserted ? INSERTED : i < inserted + updated ? UPDATED : UNCHANGED;
  }

  private copy(sql: string, text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const stream = this.client.query(this.copyFrom(sql));
      stream.on('finish', resolve);
      stream.on('error', reject);
      stream.end(text);
    });
  }
}

/** a SQL string literal (an E'' string: the same whatever standard_conforming_strings says) */
const literal = (s: string) => `E'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/** a refused row's message: the server's, with the key of a unique violation */
function describeRowError(err: Error): string {
  const detail = (err as { detail?: unknown }).detail;
  // (a key's conflict, and the why of a value refused: "invalid input syntax for type json" said nothing
  // of a lone surrogate nested in it; not the failing row, whose line is the reject's)
  return typeof detail === 'string' && detail.length < 300 && !detail.startsWith('Failing row contains') ? `${err.message} (${detail.replace(/\.$/, '')})` : err.message;
}

/** an error as one line for the main thread (pg's, a socket's, an AggregateError of several addresses) */
function toWire(err: unknown, config: PgConfig): WireError {
  const e = err as Error & { code?: unknown; errors?: Error[] };
  let message = e instanceof Error ? e.message : String(err);
  if (!message && Array.isArray(e.errors)) message = e.errors.map((x) => x.message).join('; ');
  if (!message) message = String(e.code ?? 'unknown error');
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code === '55P03') {
    return { message: `database is locked: another transaction held a lock longer than --busy-timeout (${config.lockTimeoutMs} ms)`, code, lock: true };
  }
  return { message, code };
}

function serve(data: { port: MessagePort; flag: SharedArrayBuffer; config: PgConfig }): void {
  const { port, config } = data;
  const flag = new Int32Array(data.flag);
  const driver = new PgWorkerDriver(config);
  let pending = 0; // the call in progress
  const reply = (message: { result?: unknown; error?: WireError }) => {
    const seq = pending;
    pending = 0;
    port.postMessage(message);
    Atomics.store(flag, 0, seq);
    Atomics.notify(flag, 0);
  };
  const fail = (err: unknown) => { if (pending) reply({ error: toWire(err, config) }); };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  port.on('message', async ({ seq, method, args }: { seq: number; method: string; args: unknown[] }) => {
    pending = seq;
    try {
      const result = await (driver as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method](...args);
      reply({ result });
    } catch (err) {
      reply({ error: toWire(err, config) });
    }
  });
  // the main thread closes its end after 'close': this end closes with it and the worker ends
}

if (!isMainThread && workerData?.role === WORKER_ROLE) serve(workerData);
