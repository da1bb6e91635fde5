// SQLite for the loader and the readers (query-sqlite, stats-api, the insights report): opening with
// WAL and a busy timeout, identifier quoting, and the loader's Dialect and Driver (src/core/loader.ts).
//
// Values by the column's type affinity (https://sqlite.org/datatype3.html, section 3.1), so that what
// is stored is what the JSON said:
// - TEXT (CHAR, CLOB, TEXT): a number is stored as its JSON text ("7", never "7.0"), a big integer as
//   its exact digits;
// - INTEGER, NUMERIC (e.g. DATE), REAL: numbers as numbers; an integer within 64 bits binds as an
//   integer (BigInt past 2^53); an integer beyond 64 bits is refused for INTEGER and NUMERIC columns
//   (SQLite would turn its text into an approximate REAL) and approximated for REAL columns;
// - none (BLOB or no declared type): integers as integers, other numbers as REAL, integers beyond 64
//   bits as the text of their digits;
// - everywhere: booleans 0/1, strings as text, objects and arrays as JSON text with exact numbers.
// Column names are matched as SQLite matches them: ignoring ASCII case ("A" and "a" are one column).
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { BigNum, compareDec, decInt, doubleOf, parseDec } from './json.js';
import type { Dec } from './json.js';
import { INSERTED, JsonText, LockTimeout, RecordError, REFUSED, UNCHANGED, UPDATED, blankTrim } from './loader.js';
import type { BatchResult, Column, Dialect, Driver, Kind, Row, Value, WriteSpec } from './loader.js';

export type DB = Database.Database;

const PAUSE = new Int32Array(new SharedArrayBuffer(4)); // a blocking sleep (Atomics.wait)

/** what a database path names, for a reader's message before SQLite's ("unable to open database
 *  file", "disk I/O error" for a folder) */
export function dbFileKind(file: string): 'file' | 'folder' | 'missing' {
  try { return fs.statSync(file).isDirectory() ? 'folder' : 'file'; } catch { return 'missing'; }
}

export function openDb(file: string, opts: { readonly?: boolean; busyTimeoutMs?: number } = {}): DB {
  const db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  try {
    const timeout = Math.max(0, Math.floor(opts.busyTimeoutMs ?? 10000));
    db.pragma(`busy_timeout = ${timeout}`);
    if (!opts.readonly) {
      // readers never block the loader, nor it them. Switching a new file to WAL can answer "database
      // is locked" at once, without SQLite's busy handler, while another connection opens it too (two
      // loaders starting on one new database): retried here until the busy timeout
      const until = Date.now() + timeout;
      for (;;) {
        try { db.pragma('journal_mode = WAL'); break; } catch (err) {
          if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= until) throw err;
          Atomics.wait(PAUSE, 0, 0, 10);
        }
      }
      db.pragma('synchronous = NORMAL');
    }
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** why a name cannot be a table or column name, or undefined when it can */
export function badName(name: string): string | undefined {
  if (name.length === 0) return 'empty';
  // (characters, not UTF-16 units: a name of 100 emoji was refused as longer than 128 characters)
  if (name.length > 128 && [...name].length > 128) return 'longer than 128 characters';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'a control character';
  if (!(name as unknown as { isWellFormed(): boolean }).isWellFormed()) return 'not valid Unicode (a lone surrogate)';
  return undefined;
}

/** `(a OR b OR ...)` as a balanced tree of ORs: SQLite's parser refuses an expression more than 1000
 *  deep (SQLITE_MAX_EXPR_DEPTH), which a chain of the comparisons of 1,000 columns is; the tree of a
 *  table's 2,000 is 12 deep. The terms are evaluated left to right as in the chain. */
export function anyOf(terms: string[]): string {
  if (terms.length <= 8) return `(${terms.join(' OR ')})`;
  const half = terms.length >> 1;
  return `(${anyOf(terms.slice(0, half))} OR ${anyOf(terms.slice(half))})`;
}

/** "name" with embedded quotes doubled; refuses what is not a sensible column/table name */
export function quoteIdent(name: string): string {
  const why = badName(name);
  if (why) throw new Error(`bad identifier ${JSON.stringify(name)}: ${why}`);
  return '"' + name.replace(/"/g, '""') + '"';
}

/** SQLite compares identifiers ignoring ASCII case only */
const foldAscii = (name: string) => (/[A-Z]/.test(name) ? name.replace(/[A-Z]+/g, (s) => s.toLowerCase()) : name);

export type Affinity = 'TEXT' | 'INTEGER' | 'REAL' | 'NUMERIC' | 'BLOB';

/** a declared type's affinity, by SQLite's rules in their order */
export function affinity(type: string): Affinity {
  const t = type.toUpperCase();
  if (t.includes('INT')) return 'INTEGER';
  if (t.includes('CHAR') || t.includes('CLOB') || t.includes('TEXT')) return 'TEXT';
  if (t === '' || t.includes('BLOB')) return 'BLOB';
  if (t.includes('REAL') || t.includes('FLOA') || t.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}

// (a column made for dates is TEXT: a DATE column has NUMERIC affinity, under which a later string such
// as "00123" or "1.50" would be stored as the number 123 or 1.5)
const TYPES: Record<Kind, string> = { boolean: 'INTEGER', integer: 'INTEGER', bigint: 'TEXT', real: 'REAL', date: 'TEXT', text: 'TEXT', json: 'TEXT' };
const INTEGER_TEXT = /^-?\d+$/;
const shown = (name: string) => (/^[\x20-\x7e]+$/.test(name) ? name : JSON.stringify(name));

/** an exact-text number (beyond int64 or a double) where the column wants a number */
function numberFor(v: BigNum, name: string, type: string, aff: Affinity): number {
  if (INTEGER_TEXT.test(v.raw) && aff !== 'REAL') {
    throw new RecordError('out of range', `${shown(name)}: ${v.raw} does not fit a 64-bit integer (column type ${type || 'none'}; a TEXT column keeps the digits)`);
  }
  const n = doubleOf(v.raw);
  if (n === undefined) throw new RecordError('out of range', `${shown(name)}: ${v.raw} does not fit a double (column type ${type || 'none'}; a TEXT column keeps the exact text)`);
  return n;
}

/** a string where the column wants a number (INTEGER, NUMERIC): SQLite makes the text of an integer
 *  beyond 64 bits (an INT64-as-string id past its range) an approximate REAL, which would merge
 *  distinct ids: refused as the number is (a TEXT column keeps the digits). A decimal text of more than
 *  15 significant digits goes through a REAL too ("12345678901234567.0" became 12345678901234568): a
 *  whole one within 64 bits is bound as that integer, exactly; one its double holds exactly
 *  ("3.141592653589793", "0.30000000000000004") as it is; any other is refused. Any other text as it is
 *  (SQLite's affinity may make it a number of the same value: "007" 7) */
function textFor(v: string, name: string, type: string): string | bigint {
  const m = INTEGER_LITERAL.exec(v);
  if (m !== null) {
    if (m[1].length > 18) { // (18 digits always fit)
      const n = BigInt(m[0].trim());
      if (n > INT64_MAX || n < INT64_MIN) throw new RecordError('out of range', `${shown(name)}: "${v.trim()}" does not fit a 64-bit integer (column type ${type || 'none'}; a TEXT column keeps the digits)`);
    }
    return v;
  }
  const d = realLiteral(v);
  if (d === undefined) return v;
  beyondDouble(v, name, type);
  if (d.digits.length <= 15) return v; // (a double holds 15 significant digits)
  // a whole number (its exponent past its digits) within 64 bits
  if (d.exp >= BigInt(d.digits.length)) {
    const n = decInt(d);
    if (n !== undefined && n <= INT64_MAX && n >= INT64_MIN) return n;
  } else {
    // a fraction its double holds exactly as written: stored as it says
    const x = Number(v.trim());
    if (Number.isFinite(x) && compareDec(parseDec(String(x).replace('e+', 'e')), d) === 0) return v;
  }
  throw new RecordError('out of range', `${shown(name)}: "${v.trim()}" has more digits than a double holds: SQLite would store it rounded (column type ${type || 'none'}; a TEXT column keeps the text)`);
}
/** a string where the column wants a REAL: the double SQLite would store for a numeric text, bound as
 *  that (as the text, the reload's IS NOT compared it unequal to the stored double: counted updated
 *  every time), any other text as it is */
function realFor(v: string, name: string, type: string): string | number {
  return literal(v) === null ? v : beyondDouble(v, name, type);
}
/** the double of a numeric text, refused when it is none (SQLite stored "1e400" as Inf, "1e-400" as 0,
 *  where the same values as JSON numbers are refused: nothing writes Infinity) */
function beyondDouble(v: string, name: string, type: string): number {
  const t = blankTrim(v), x = doubleOf(t);
  if (x !== undefined) return x;
  throw new RecordError('out of range', `${shown(name)}: "${t}" does not fit a double (column type ${type || 'none'}; a TEXT column keeps the text)`);
}
/** the parts of a text SQLite reads as a number (blanks around, a sign, `5.`, `.5`, an exponent), or null */
function literal(v: string): RegExpExecArray | null {
  const r = REAL_LITERAL.exec(blankTrim(v)); // (trimmed, then one pass: blanks on both sides of the pattern made it quadratic)
  return r === null || (r[2] === '' && (r[3] ?? '') === '') ? null : r;
}
/** such a text's exact decimal, or undefined */
function realLiteral(v: string): Dec | undefined {
  const r = literal(v);
  return r === null ? undefined : parseDec(`${r[1] === '-' ? '-' : ''}${r[2] || '0'}${r[3] ? `.${r[3]}` : ''}${r[4] !== undefined ? `e${r[4]}` : ''}`);
}
/** SQLite's integer literal as text turns into a number (blanks around, a sign): the digits in [1] */
const INTEGER_LITERAL = /^[\t\n\v\f\r ]*[+-]?(\d+)[\t\n\v\f\r ]*$/;
/** and its real literal (trimmed): sign [1], integer digits [2], fraction digits [3], exponent [4] */
const REAL_LITERAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const INT64_MAX = 2n ** 63n - 1n, INT64_MIN = -(2n ** 63n);

export const sqliteDialect: Dialect = {
  fold: foldAscii,
  badName,
  badColumn: () => undefined,
  maxColumns: 2000, // (SQLITE_MAX_COLUMN: better-sqlite3 keeps SQLite's default)
  name: 'SQLite',
  typeFor: (kind) => TYPES[kind],
  numberDigits(column) {
    const aff = affinity(column.type);
    return aff === 'TEXT' ? 'all' : aff === 'REAL' ? 'none' : 'whole'; // (INTEGER, NUMERIC, none: integers as integers)
  },
  encoder(column) {
    const type = column.type;
    const aff = affinity(type);
    const common = (v: Value): unknown => (v === null || typeof v === 'string' ? v : typeof v === 'boolean' ? (v ? 1n : 0n) : (v as JsonText).text);
    switch (aff) {
      case 'TEXT':
        return (v) => (typeof v === 'number' ? String(v) : typeof v === 'bigint' || v instanceof BigNum ? String(v) : common(v));
      case 'INTEGER':
      case 'REAL':
        // SQLite stores an integral double in an INTEGER column as an integer; a REAL column gets the
        // double a 64-bit integer is stored as (bound exact, 9007199254740993 never equalled the stored
        // 9007199254740992.0: every reload counted it updated)
        return (v, name) => (typeof v === 'number' ? v : typeof v === 'bigint' ? (aff === 'REAL' ? Number(v) : v) : v instanceof BigNum ? numberFor(v, name, type, aff)
          : typeof v === 'string' ? (aff === 'INTEGER' ? textFor(v, name, type) : realFor(v, name, type)) : common(v));
      case 'NUMERIC':
        return (v, name) => (typeof v === 'number' ? (Number.isSafeInteger(v) ? BigInt(v) : v) : typeof v === 'bigint' ? v
          : v instanceof BigNum ? numberFor(v, name, type, aff) : typeof v === 'string' ? textFor(v, name, type) : common(v));
      default:
        return (v) => (typeof v === 'number' ? (Number.isSafeInteger(v) ? BigInt(v) : v) : typeof v === 'bigint' ? v
          : v instanceof BigNum ? (INTEGER_TEXT.test(v.raw) ? v.raw : doubleOf(v.raw) ?? v.raw) : common(v));
    }
  },
};

interface Statements {
  /** the insert: a conflict on the key does nothing (changes 0), so a new row costs one statement */
  insert: Database.Statement;
  /** (a key and other columns, not --on-conflict ignore) after a conflict: the row's other columns
   *  set, when one differs (IS NOT, so NULLs compare), bound as [others, key, others] */
  update: Database.Statement | null;
  others: number[];
  /** (the same, on a table with triggers or a collation: see plainTable) the upsert, after a look-up
   *  that tells an update from an insert, as the loader always did */
  upsert: Database.Statement | null;
  exists: Database.Statement | null;
  /** --post-sql reads temp.loaded_keys: the key of each row written */
  keys: boolean;
}

/** errors that belong to the row's own values: constraints (NOT NULL, CHECK, UNIQUE, FOREIGN KEY,
 *  STRICT types, RAISE(ABORT) in a trigger), a type mismatch, a value too big */
export function recordError(err: unknown): string | undefined {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  if (code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH' || code === 'SQLITE_TOOBIG') return (err as Error).message;
  return undefined;
}

const isBusy = (err: unknown) => String((err as { code?: unknown }).code ?? '').startsWith('SQLITE_BUSY');

/** The write transactions of this process's loaders on one database file take turns here, waiting
 *  without blocking the thread. SQLite's busy handler waits by sleeping the thread (better-sqlite3 is
 *  synchronous): a loader waiting so for the lock of another loader of this process (two library
 *  streams, two branches of a fork) held up the very thread that was to commit it, until
 *  --busy-timeout, and then failed. Other processes are waited for by SQLite, as before. */
class Turns {
  private held = false;
  private readonly waiting: (() => void)[] = [];
  /** the turn now (true), or false when another loader of this process has it */
  take(): boolean { return this.held ? false : (this.held = true); }
  /** a promise of the turn within ms; rejects with LockTimeout after that */
  wait(ms: number, timeout: () => LockTimeout): Promise<void> {
    return new Promise((resolve, reject) => {
      const next = () => { clearTimeout(timer); resolve(); };
      const timer = setTimeout(() => { this.waiting.splice(this.waiting.indexOf(next), 1); reject(timeout()); }, ms);
      this.waiting.push(next);
    });
  }
  /** the turn handed to the next loader waiting, if any */
  give(): void {
    const next = this.waiting.shift();
    if (next) next(); else this.held = false;
  }
}
const turnsByFile = new Map<string, Turns>();

/** The loader's driver for one SQLite database file (better-sqlite3: synchronous, so no call awaits). */
export class SqliteDriver implements Driver {
  readonly dialect = sqliteDialect;
  /** (Driver.writeUnit; 250-2,000 alike on the Lingokids facts; EVENT_PIPES_SQLITE_WRITE_UNIT for the
   *  tests that compare it with whole batches) */
  readonly writeUnit = Number(process.env.EVENT_PIPES_SQLITE_WRITE_UNIT) || 1000;
  private readonly db: DB;
  private readonly statements = new WeakMap<WriteSpec, Statements>();
  private keysInsert: Database.Statement | null = null;
  /** the keys of keysAt rows a statement (a statement a row cost about as much as the row's own
   *  insert: 0.85 against 0.2 s for a million keys) */
  private keysInsertMany: Database.Statement | null = null;
  private keysWidth = 0;
  private keysAt = 0;

  /** this process's turns on the file (Turns), and whether this loader has the turn */
  private readonly turns: Turns;
  private myTurn = false;

  constructor(readonly file: string, private readonly busyTimeoutMs: number) {
    this.db = openDb(file, { busyTimeoutMs });
    if (this.db.memory) this.turns = new Turns(); // (a database of this connection alone)
    else {
      const real = fs.realpathSync(file); // (one file however it is named)
      let turns = turnsByFile.get(real);
      if (!turns) turnsByFile.set(real, turns = new Turns());
      this.turns = turns;
    }
    // a load touches pages all over the table and its indexes (and --post-sql often reads them all
    // again): a page cache of up to 256 MiB (grown only as used) instead of SQLite's 2 MiB saves
    // re-reading them through the OS; temp B-trees (loaded_keys, sorts) stay in memory
    this.db.pragma('cache_size = -262144');
    this.db.pragma('temp_store = MEMORY');
  }

  columns(table: string): Column[] {
    return (this.db.prepare(`PRAGMA table_info(${quoteIdent(table)})`).all() as { name: string; type: string }[])
      .map((c) => ({ name: c.name, type: c.type }));
  }

  schemaVersion(): number { return this.db.pragma('schema_version', { simple: true }) as number; }

  exec(sql: string): void { this.db.exec(sql); }

  createTable(table: string, columns: Column[], key: string[]): string {
    const keys = new Set(key.map(foldAscii));
    const defs = columns.map((c) => `${quoteIdent(c.name)} ${c.type}${keys.has(foldAscii(c.name)) ? ' NOT NULL' : ''}`).join(', ');
    const pk = key.length ? `, PRIMARY KEY (${key.map(quoteIdent).join(', ')})` : '';
    this.db.exec(`CREATE TABLE IF NOT EXISTS ${quoteIdent(table)} (${defs}${pk})`);
    return defs;
  }

  addColumn(table: string, column: Column): void {
    this.db.exec(`ALTER TABLE ${quoteIdent(table)} ADD COLUMN ${quoteIdent(column.name)} ${column.type}`);
  }

  createKeysTable(key: Column[]): void {
    const names = key.map((c) => quoteIdent(c.name));
    // (WITHOUT ROWID: an INTEGER key is not the rowid then, so it takes what the table's column took,
    // e.g. "x" where the table is WITHOUT ROWID too, as the column's affinity allows)
    this.db.exec(`DROP TABLE IF EXISTS temp.loaded_keys; CREATE TEMP TABLE loaded_keys (${key.map((c, i) => `${names[i]} ${c.type}`.trimEnd()).join(', ')}, PRIMARY KEY (${names.join(', ')})) WITHOUT ROWID`);
    const row = `(${key.map(() => '?').join(', ')})`;
    this.keysInsert = this.db.prepare(`INSERT OR IGNORE INTO temp.loaded_keys VALUES ${row}`);
    this.keysWidth = key.length;
    this.keysAt = Math.max(1, Math.floor(4096 / key.length)); // (SQLite takes up to 32766 values a statement)
    this.keysInsertMany = this.db.prepare(`INSERT OR IGNORE INTO temp.loaded_keys VALUES ${Array(this.keysAt).fill(row).join(', ')}`);
  }

  begin(): void | Promise<void> {
    if (this.turns.take()) return this.beginNow();
    return this.turns.wait(Math.max(1, this.busyTimeoutMs), () => this.locked()).then(() => this.beginNow());
  }

  /** BEGIN with this process's turn: the write lock now (waiting for other processes up to the busy
   *  timeout), not at the first write */
  private beginNow(): void {
    this.myTurn = true;
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      this.endTurn();
      throw isBusy(err) ? this.locked() : err;
    }
  }

  private locked(): LockTimeout {
    return new LockTimeout(`database is locked: another writer held ${this.file} longer than --busy-timeout (${this.busyTimeoutMs} ms)`);
  }

  private endTurn(): void {
    if (this.myTurn) { this.myTurn = false; this.turns.give(); }
  }

  commit(): void {
    try { this.db.exec('COMMIT'); } catch (err) {
      if (isBusy(err)) throw new LockTimeout(`database is locked: the commit waited longer than --busy-timeout (${this.busyTimeoutMs} ms)`);
      throw err;
    }
    this.endTurn();
  }

  rollback(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
    this.endTurn();
  }

  close(): void {
    if (this.db.open) this.db.close();
    this.endTurn();
  }

  private prepare(spec: WriteSpec): Statements {
    let s = this.statements.get(spec);
    if (s) return s;
    const T = quoteIdent(spec.table);
    const q = spec.columns.map((c) => quoteIdent(c.name));
    const keyCols = spec.keyIndex.map((i) => q[i]);
    const keyList = keyCols.join(', ');
    const nonKey = q.filter((_c, i) => !spec.keyIndex.includes(i));
    const insert = `INSERT INTO ${T} (${q.join(', ')}) VALUES (${q.map(() => '?').join(', ')})`;
    const byKey = keyCols.map((c) => `${c} = ?`).join(' AND ');
    const others = spec.columns.map((_c, i) => i).filter((i) => !spec.keyIndex.includes(i));
    // (an upsert's DO UPDATE would cost a look-up per row to tell an update from an insert; this way a
    // new row is one statement, a row whose key is there two, as before. The same affinities and
    // collations apply: the column's, to the bound value, in SET and in the comparisons.)
    const updates = keyCols.length > 0 && spec.onConflict !== 'ignore' && nonKey.length > 0;
    const plain = !updates || this.plainTable(spec.table);
    const update = updates && plain
      ? `UPDATE ${T} SET ${nonKey.map((c) => `${c} = ?`).join(', ')} WHERE ${byKey}` +
        ` AND ${anyOf(nonKey.map((c) => `${c} IS NOT ?`))}`
      : null;
    const upsert = updates && !plain
      ? `${insert} ON CONFLICT (${keyList}) DO UPDATE SET ` +
        `${nonKey.map((c) => `${c} = excluded.${c}`).join(', ')} WHERE ${anyOf(nonKey.map((c) => `${T}.${c} IS NOT excluded.${c}`))}`
      : null;
    s = {
      insert: this.db.prepare(keyCols.length ? `${insert} ON CONFLICT (${keyList}) DO NOTHING` : insert),
      update: update === null ? null : this.db.prepare(update),
      others,
      upsert: upsert === null ? null : this.db.prepare(upsert),
      exists: upsert === null ? null : this.db.prepare(`SELECT 1 FROM ${T} WHERE ${byKey}`).pluck(),
      keys: spec.keepKeys && keyCols.length > 0,
    };
    this.statements.set(spec, s);
    return s;
  }

  /** may a conflict be followed by a plain UPDATE ... WHERE key = ? (the fast way)? Not when the table
   *  has triggers (its BEFORE INSERT trigger may veto a row, RAISE(IGNORE), and would run twice) or a
   *  collation anywhere in its or its indexes' SQL (the conflict found through a NOCASE index, the
   *  UPDATE's = would compare by the column's own): those load as they always did, a look-up and an
   *  upsert */
  private plainTable(table: string): boolean {
    const rows = this.db.prepare('SELECT type, sql FROM sqlite_master WHERE tbl_name = ? COLLATE NOCASE UNION ALL SELECT type, sql FROM sqlite_temp_master WHERE tbl_name = ? COLLATE NOCASE').all(table, table) as { type: string; sql: string | null }[];
    return !rows.some((r) => r.type === 'trigger' || /\bCOLLATE\b/i.test(r.sql ?? ''));
  }

  /** row by row: a failing statement is undone alone by SQLite (the transaction goes on), so a refused
   *  record costs no other record and needs no savepoint */
  write(rows: readonly Row[]): BatchResult {
    const outcomes = new Uint8Array(rows.length);
    const errors: (string | undefined)[] = [];
    let spec: WriteSpec | undefined;
    let s: Statements | undefined;
    const keys: unknown[] = []; // the keys of the rows written, keysAt rows a statement
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      if (row.spec !== spec) { spec = row.spec; s = this.prepare(spec); }
      const values = row.values;
      try {
        let outcome = INSERTED;
        if (s!.upsert) { // (a table with triggers or collations: the look-up, then the upsert)
          const keyIndex = spec.keyIndex, key: unknown[] = [];
          for (const k of keyIndex) key.push(values[k]);
          const existed = s!.exists!.get(key) !== undefined;
          outcome = s!.upsert.run(values).changes === 0 ? UNCHANGED : existed ? UPDATED : INSERTED;
        } else if (s!.insert.run(values).changes === 0) {
          outcome = UNCHANGED;
          if (s!.update) {
            const others = s!.others, keyIndex = spec.keyIndex, args: unknown[] = [];
            for (const k of others) args.push(values[k]);
            for (const k of keyIndex) args.push(values[k]);
            for (const k of others) args.push(values[k]);
            if (s!.update.run(args).changes !== 0) outcome = UPDATED;
          }
        }
        outcomes[i] = outcome;
        if (s!.keys) {
          for (const k of spec.keyIndex) keys.push(values[k]);
          if (keys.length === this.keysAt * this.keysWidth) { this.keysInsertMany!.run(keys); keys.length = 0; }
        }
      } catch (err) {
        const why = recordError(err);
        if (why === undefined) throw err;
        // ON CONFLICT ROLLBACK in the schema or RAISE(ROLLBACK) in a trigger end the transaction
        if (!this.db.inTransaction) throw new Error(`the database rolled back the whole transaction on one record (${why})`);
        outcomes[i] = REFUSED;
        errors[i] = why;
      }
    }
    for (let at = 0; at < keys.length; at += this.keysWidth) this.keysInsert!.run(keys.slice(at, at + this.keysWidth));
    return { outcomes, errors };
  }
}

/** SQLite's message, and what to do where it misleads: a database in WAL mode (as the loaders leave it)
 *  opened read-only needs its folder writable for the -shm file */
export function sqliteProblem(err: unknown): string {
  const e = err as Error & { code?: string };
  // (SQLITE_READONLY_DIRECTORY, better-sqlite3's extended code, is the usual one: a folder not writable)
  if (e.code?.startsWith('SQLITE_READONLY') || e.code === 'SQLITE_CANTOPEN' && /readonly|read-only/.test(e.message)) {
    return `${e.message} (a database in WAL mode, as load-sqlite leaves it, is read through files beside it: its folder must be writable by this user, or the database copied where it is)`;
  }
  if (e.code === 'SQLITE_BUSY') return `${e.message} (another process held the database past the 10 s wait)`;
  return e.message;
}
