// The loader core shared by the database sinks (load-sqlite, load-postgres): batching,
// record -> row conversion (column names, values, type inference, JSON columns), key checks, the counts,
// --alter, --on-conflict, --post-sql with the loaded keys, --atomic, the transaction policy, and the
// line between a bad record (rejected, reported, never costing another record) and a failure of the
// run (the open transaction rolled back, one line, exit 1). A database is reached through a small
// Driver (connection, transactions, statements) and its Dialect (names, types, value encoding);
// src/core/sqlite.ts implements both for SQLite, src/core/postgres.ts for PostgreSQL.
//
// Transaction policy:
// - every transaction takes the write lock up front (Driver.begin: SQLite BEGIN IMMEDIATE, waiting up
//   to the busy timeout); a lock not obtained is a failure of the run, never a bad record;
// - without --atomic each batch is one transaction, and the last batch, --post-sql and the commit are
//   one; with --atomic the whole load and --post-sql are one transaction, begun at the first batch;
// - any failure of the run rolls the open transaction back: with --atomic nothing is written, without
//   it the batches committed before stay; with --atomic an input that could not be read
//   (ToolContext.inputFailed), or a step before the load in a chain that fails the run (too many
//   rejects: ToolContext.upstreamFails), means nothing is committed; a load whose own rejections fail
//   the run (every record, or more than --max-reject-rate: ToolContext.rejectsFail) commits neither its
//   last batch nor --post-sql.
// Per-record isolation: each record is checked and converted before anything is bound (names, keys,
// nesting, numbers the column cannot hold); a record the database still refuses (NOT NULL, CHECK,
// UNIQUE, FOREIGN KEY, a STRICT type) is reported by the driver for that row alone (SQLite undoes just
// the failing statement; PostgreSQL retries a refused set in halves under savepoints down to the row).
import fs from 'node:fs';
import type { Options } from 'yargs';
import { BigNum, NUMBER as NUMBER_TEXT, canonicalNumber, doubleOf, isWellFormed, parseDigits, stringify } from './json.js';
import { blankList, listOption } from './options.js';
import { UsageError } from './tool.js';
import type { Line, ToolContext, Transform } from './tool.js';
import { loopWhileWaiting, wakeReaders } from './input.js';

export type MaybePromise<T> = T | Promise<T>;

/** A column as the database declares it (type: the declared type text, '' for none). */
export interface Column { name: string; type: string }

/** A JSON value after the record checks: objects and arrays become JsonText; integers within 64 bits
 *  that came as BigNum become bigint; BigNum stays only for numbers beyond int64 or a double. */
export type Value = null | boolean | number | bigint | string | BigNum | JsonText;

/** A nested value (object or array) as exact JSON text (BigNum digits kept). */
export class JsonText { constructor(readonly text: string) {} }

/** Dialect.numberDigits */
export type Digits = 'all' | 'whole' | 'none';

/** What a value is, for the declared type of a column created or added for it. */
export type Kind = 'boolean' | 'integer' | 'bigint' | 'real' | 'date' | 'text' | 'json';

/** A record-level problem: the record is rejected with this reason (counted per reason) and detail. */
export class RecordError extends Error {
  constructor(readonly reason: string, readonly detail: string) { super(`${reason}: ${detail}`); }
}

/** The write lock could not be had within the busy timeout (a failure of the run). */
export class LockTimeout extends Error {}

/** A failure of the run with the stage it happened in (e.g. "--post-sql: no such table: x"). */
export class RunFailure extends Error {}

export interface Dialect {
  /** the key two spellings of one column share (SQLite: ASCII case folded; quoted PostgreSQL: itself) */
  fold(name: string): string;
  /** why a name cannot be a column or table name here, or undefined when it can */
  badName(name: string): string | undefined;
  /** why a name cannot be a column's (beyond badName: PostgreSQL's system columns), or undefined */
  badColumn(name: string): string | undefined;
  /** the most columns a table has here, and the database's name as said in a rejection */
  readonly maxColumns: number;
  readonly name: string;
  /** the declared type of a column created or added for values of this kind */
  typeFor(kind: Kind): string;
  /** a column of numbers a double cannot all hold (an integer past 2^53 beside fractions, a decimal
   *  of more digits than a double keeps) is made of the exact kind (bigint: PostgreSQL NUMERIC), not
   *  a double's, which rounded 9007199254740993 to ...992 in silence; SQLite keeps REAL (its TEXT
   *  would compare numbers as text) */
  readonly exactNumbers?: boolean;
  /** which numbers for a column of this declared type must be the decimal the line wrote, not the
   *  double JSON.parse made of it (json.ts parseDigits): 'all' where a number is stored as its text
   *  (PostgreSQL NUMERIC and text types, SQLite TEXT); 'whole' where it is stored as an integer (a
   *  double past 2^53 came from a decimal such as 12345678901234567.0: the integer it is, or a fraction
   *  refused); 'none' where it is stored as a double */
  numberDigits(column: Column): Digits;
  /** the value -> bind value conversion for a column of this declared type; throws RecordError for a
   *  value the column cannot hold exactly (e.g. an integer beyond 64 bits for an INTEGER column) */
  encoder(column: Column): (v: Value, name: string) => unknown;
}

/** One statement shape: the columns a group of records carries, in table order. */
export interface WriteSpec {
  readonly table: string;
  readonly columns: readonly Column[];
  /** positions of the key columns in `columns` ([] = plain inserts) */
  readonly keyIndex: readonly number[];
  readonly onConflict: 'update' | 'ignore';
  /** also record each written key in the loaded-keys table */
  readonly keepKeys: boolean;
}

export interface Row { spec: WriteSpec; values: unknown[] }

export const INSERTED = 0, UPDATED = 1, UNCHANGED = 2, REFUSED = 3;

export interface BatchResult {
  /** per row: INSERTED, UPDATED, UNCHANGED or REFUSED */
  outcomes: Uint8Array;
  /** per REFUSED row: the database's message */
  errors: (string | undefined)[];
}

/**
 * A database connection as the loader uses it. Methods may return promises (a network database);
 * the loader awaits once per call, so a synchronous driver (SQLite) costs nothing per row.
 */
export interface Driver {
  readonly dialect: Dialect;
  /** the table's columns in table order; [] when it does not exist */
  columns(table: string): MaybePromise<Column[]>;
  /** the column places the table uses toward the database's most (PostgreSQL: dropped columns too);
   *  without it, its columns */
  slotsUsed?(table: string): MaybePromise<number>;
  /** a value that changes whenever the schema changes (another writer may alter the table between
   *  our transactions) */
  schemaVersion(): MaybePromise<number | string>;
  /** run SQL text (--schema, --post-sql) */
  exec(sql: string): MaybePromise<void>;
  /** CREATE TABLE for these columns (key columns NOT NULL + PRIMARY KEY); returns the column list
   *  as declared, for the "created table" note, or undefined when another writer created the table
   *  first (nothing created: the loader reads the table's columns) */
  createTable(table: string, columns: Column[], key: string[]): MaybePromise<string | undefined>;
  addColumn(table: string, column: Column): MaybePromise<void>;
  /** (re)create the temp table loaded_keys with these columns, empty */
  createKeysTable(key: Column[]): MaybePromise<void>;
  /** begin a transaction holding the write lock (waiting as configured); LockTimeout when it cannot */
  begin(): MaybePromise<void>;
  commit(): MaybePromise<void>;
  /** roll back the open transaction, if any */
  rollback(): MaybePromise<void>;
  /** write rows in order (upsert by spec; with spec.keepKeys also into loaded_keys); a row the
   *  database refuses for its own values is REFUSED with its message and costs no other row; anything
   *  else throws (a failure of the run). SQLite runs one statement per row. A set-based driver (e.g.
   *  PostgreSQL: COPY a run of rows of one spec into a staging table, then one INSERT ... SELECT ...
   *  ON CONFLICT ... RETURNING for the counts, keys repeated within a run split into runs) goes back to
   *  row-by-row under savepoints for a batch in which the database refused something. */
  write(rows: readonly Row[]): MaybePromise<BatchResult>;
  close(): MaybePromise<void>;
  /** for a driver that writes row by row in this process (SQLite): the most records it is given at
   *  once while the table has every column (no --alter), however large --batch is; the transactions
   *  stay --batch records. Records wait for their write as objects: 10,000 of them outlive the young
   *  generation and cost the collector (load-sqlite --atomic of Lingokids' 882k facts, 5 rounds
   *  alternated: 6.91-7.18 -> 6.38-6.62 s with 1,000, GC 625 -> 111 ms). Undefined: --batch records a
   *  write. */
  readonly writeUnit?: number;
  /** for a driver whose calls may return promises: the loader says when records pile up behind the
   *  call in progress (the runner calls record() synchronously and yields only between input chunks,
   *  so a promise settles at the next chunk at the earliest); while `pressed()` is true the driver
   *  should finish its calls before returning, so that the queue drains */
  backpressure?(pressed: () => boolean): void;
  /** (a driver whose calls run elsewhere: load-postgres' worker) wait, blocking, for the call under way
   *  to be answered: the loader asks while records pile up, so that the input is not read ahead of a
   *  database that does not answer (a lock held: the whole input was read into memory) */
  settle?(): void;
}

export interface LoaderOptions {
  table: string;
  /** key column names ([] = plain inserts) */
  key: string[];
  alter: boolean;
  batch: number;
  onConflict: 'update' | 'ignore';
  atomic: boolean;
  /** SQL text run first, in its own transaction */
  schemaSql?: string;
  /** SQL text run after the last batch, in its transaction, with temp.loaded_keys */
  postSql?: string;
  /** --flush-after: ms the first record of a batch may wait; then the batch is committed short of
   *  --batch records (not with --atomic) */
  flushAfterMs?: number;
}

/** Where a record came from, for its rejection. */
export interface Where { file: string; no: number; raw: string | RawLine }

/** a record's input line as bytes, decoded only when the record is reported (most never are) */
export class RawLine {
  constructor(readonly buf: Buffer, readonly start: number, readonly end: number) {}
  toString(): string { return this.buf.toString('utf8', this.start, this.end); }
}

/** the input lines of the records waiting for their batch, copied into blocks of bytes (no string per
 *  line: 0.5 s of 6 on 882k 330-byte facts); a block is let go with the last record that holds it */
export class RawLines {
  private block = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  /** a copy of b[s, e) */
  keep(b: Buffer, s: number, e: number): RawLine {
    const n = e - s;
    if (this.used + n > this.block.length) { this.block = Buffer.allocUnsafe(Math.max(1 << 20, n)); this.used = 0; }
    const at = this.used;
    b.copy(this.block, at, s, e);
    this.used += n;
    return new RawLine(this.block, at, at + n);
  }
}

export interface LoaderEvents {
  reject(where: Where, reason: string, detail: string): void;
  /** a note on stderr (created table, added columns), given once its transaction committed */
  note(message: string): void;
  /** an input could not be read (with --atomic nothing is committed) */
  inputFailed(): boolean;
  /** a step before the load (in a chain) fails the run: with --atomic nothing is committed */
  upstreamFails(): boolean;
  /** this load's own rejections fail the run (every record, or more than --max-reject-rate): its last
   *  transaction (the last batch and --post-sql; with --atomic all of it) is rolled back */
  rejectsFail(): boolean;
}

export interface Counts { inserted: number; updated: number; unchanged: number }

/** JSON columns are nested at most this deep (SQLite's JSON functions refuse deeper text). */
export const MAX_DEPTH = 1000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INTEGER_TEXT = /^-?(?:0|[1-9]\d*)$/;
const INT64_MIN = -(2n ** 63n), INT64_MAX = 2n ** 63n - 1n;

/** the text without the ASCII blanks a database skips around a number (SQLite and PostgreSQL alike:
 *  "\u00a07" is no number to either) */
export function blankTrim(v: string): string {
  let s = 0, e = v.length;
  while (s < e && isAsciiBlank(v.charCodeAt(s))) s++;
  while (e > s && isAsciiBlank(v.charCodeAt(e - 1))) e--;
  return s === 0 && e === v.length ? v : v.slice(s, e);
}
const isAsciiBlank = (c: number) => c === 32 || (c >= 9 && c <= 13);

/** the name as shown in a detail: plain when printable, else JSON-quoted */
const show = (name: string) => (/^[\x20-\x7e]*$/.test(name) && name !== '' ? name : JSON.stringify(name));


/** A string value: refused when it is not valid Unicode. */
function checkString(s: string, name: string): string {
  if (!isWellFormed(s)) throw new RecordError('bad string', `${show(name)}: not valid Unicode (a lone surrogate)`);
  return s;
}

/** An object or array value: checked (depth, numbers) and written as exact JSON text. */
function jsonText(v: object, name: string): JsonText {
  walk(v, 1, name);
  return new JsonText(stringify(v));
}

function walk(x: unknown, depth: number, name: string): void {
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new RecordError('bad number', `${show(name)}: not a finite number`);
  } else if (x instanceof BigNum) {
    if (!NUMBER_TEXT.test(x.raw)) throw new RecordError('bad number', `${show(name)}: ${JSON.stringify(x.raw)}`);
  } else if (x !== null && typeof x === 'object') {
    if (depth > MAX_DEPTH) throw new RecordError('nested too deep', `${show(name)}: more than ${MAX_DEPTH} levels`);
    if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i++) walk(x[i], depth + 1, name);
    } else {
      for (const k in x) walk((x as Record<string, unknown>)[k], depth + 1, name);
    }
  }
}

/** A record's value after the checks (throws RecordError). */
export function normalize(v: unknown, name: string): Value {
  switch (typeof v) {
    case 'string': return checkString(v, name);
    case 'number':
      if (!Number.isFinite(v)) throw new RecordError('bad number', `${show(name)}: not a finite number`);
      // a whole number of 2^53 or more written short (1e16, 2.5e17) is that integer exactly (a token of
      // more digits than a double holds comes as a BigNum): within 64 bits an integer, so a column of
      // them and 64-bit ids is INTEGER (it was REAL, and the ids in it rounded)
      if (!Number.isSafeInteger(v) && Number.isInteger(v) && v >= -9223372036854775808 && v < 9223372036854775808) return BigInt(v);
      return v;
    case 'boolean': return v;
    case 'bigint': return v >= INT64_MIN && v <= INT64_MAX ? v : new BigNum(v.toString());
    case 'undefined': return null;
    default:
      if (v === null) return null;
      if (v instanceof BigNum) {
        if (!NUMBER_TEXT.test(v.raw)) throw new RecordError('bad number', `${show(name)}: ${JSON.stringify(v.raw)}`);
        // a whole decimal (12345678901234567.0, 1.2345678901234567e16) is the integer it equals
        const t = INTEGER_TEXT.test(v.raw) ? v.raw : canonicalNumber(v.raw);
        if (!INTEGER_TEXT.test(t)) return v;
        const b = BigInt(t);
        return b >= INT64_MIN && b <= INT64_MAX ? b : t === v.raw ? v : new BigNum(t);
      }
      return jsonText(v as object, name);
  }
}

/** The kind of a checked value (undefined for null). */
export function kindOf(v: Value): Kind | undefined {
  if (v === null) return undefined;
  switch (typeof v) {
    case 'boolean': return 'boolean';
    case 'number': return Number.isSafeInteger(v) ? 'integer' : 'real';
    case 'bigint': return 'integer';
    case 'string': return DATE.test(v) ? 'date' : 'text';
    // a number a double cannot hold (beyond int64, 1E400, 1e-400) makes a column of exact text
    default: return v instanceof JsonText ? 'json' : INTEGER_TEXT.test(v.raw) || doubleOf(v.raw) === undefined ? 'bigint' : 'real';
  }
}

/** a column to be made, as the values of a batch say: its kind, and whether a number a double cannot
 *  hold was among them (wideNumber) */
interface Gathered { name: string; kind: Kind | undefined; wide: boolean }

/** a number a double does not hold exactly: an integer past 2^53, or a decimal kept as written */
function wideNumber(v: Value): boolean {
  return typeof v === 'bigint' ? v > 9007199254740992n || v < -9007199254740992n : v instanceof BigNum;
}

/** The kind of a column holding values of kinds a and b. */
export function mergeKinds(a: Kind | undefined, b: Kind | undefined): Kind | undefined {
  if (a === undefined || a === b) return b;
  if (b === undefined) return a;
  const numeric: Kind[] = ['boolean', 'integer', 'bigint', 'real'];
  if (numeric.includes(a) && numeric.includes(b)) {
    // the widest: bigint (exact digits) over real over integer over boolean
    for (const k of ['bigint', 'real', 'integer'] as Kind[]) if (a === k || b === k) return k;
  }
  return 'text';
}

/** A record's key list, checked once per distinct list. */
interface Shape {
  names: string[];
  /** the record-level problem of these names (bad name, two names for one column) */
  bad?: RecordError;
  /** for each key column: the index of its name in `names`, or -1 */
  keyAt: number[];
  /** resolved against the table's columns of generation `gen`: */
  gen: number;
  /** table column index per name (-1: the table has no such column) */
  target: number[];
  /** per name: its column's numberDigits ('all' for a column to come), for Loader.mayRound */
  digits: Digits[];
  /** names without a table column */
  missing: string[];
  spec?: WriteSpec & { encoders: ((v: Value, name: string) => unknown)[] };
  /** for each name: its position in spec.columns */
  pos: number[];
  /** pos is 0, 1, 2, ... */
  inOrder: boolean;
}

/** A record on its way: checked (shape, checked values) before the lock is taken, then converted to
 *  a Row (spec, values) for the driver, or failed. */
/** the record of a held line (none: it is reported, never written) */
const NO_RECORD: Record<string, unknown> = Object.freeze({});

/** why a record is refused (a RecordError, or a held line's plain reason: no Error made per bad line) */
interface Refusal { readonly reason: string; readonly detail: string }

interface Pending extends Where {
  rec: Record<string, unknown>;
  /** a line the stage rejected before it was a record (Loader.hold): reported with the batch's refusals
   *  (its own Item: no other object made for it) */
  held?: boolean;
  /** (a held line) said already */
  said?: boolean;
  fail?: Refusal;
}

interface Item extends Pending {
  shape: Shape;
  checked: Value[];
  fail?: Refusal;
  spec?: WriteSpec;
  values?: unknown[];
  /** index in the batch's rows */
  row: number;
}

const sameNames = (a: string[], b: string[]) => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/**
 * Loads records into one table through a Driver. add() queues a record and writes a full batch
 * (batches are written one after another, in order); finish() writes the rest, runs --post-sql and
 * commits. A failure of the run makes the next add() or finish() throw.
 */
export class Loader {
  /** committed figures (the records refused are the stage's count: ToolContext.rejected) */
  readonly totals: Counts = { inserted: 0, updated: 0, unchanged: 0 };
  private readonly txn = { inserted: 0, updated: 0, unchanged: 0 };
  private readonly d: Dialect;
  private pending: Pending[] = [];
  /** records of the current --batch handed to flush() (its transaction, without --atomic) */
  private inBatch = 0;
  /** the records of a write put off to the next one of its batch (the table went away: see flush) */
  private held: Pending[] = [];
  /** the current batch's refused records, reported when its last write is done (as when a batch was
   *  one write: a failure of the run before drops them) */
  private refusals: Item[] = [];
  private queue: Promise<void> = Promise.resolve();
  /** records in batches queued and not yet written */
  private queued = 0;
  private failure: unknown;
  private reporting = false;
  private inTxn = false;
  private committed = false;
  private notes: string[] = [];
  private columns: Column[] = [];
  private byFold = new Map<string, number>();
  /** per column: Dialect.numberDigits */
  private digits: Digits[] = [];
  private gen = 0;
  private schemaSeen: number | string | undefined;
  private keyFolds: string[];
  private keyIndex: number[] = [];
  private keysTable = false;
  private shapes = new Map<string, Shape>();
  private lastShape: Shape | undefined;
  private specs = new Map<string, Shape['spec']>();
  /** the table's column places toward the database's most (Driver.slotsUsed) */
  private slots = 0;

  constructor(private readonly driver: Driver, private readonly o: LoaderOptions, private readonly events: LoaderEvents) {
    this.d = driver.dialect;
    const bad = [o.table, ...o.key].map((n, k) => [n, this.d.badName(n) ?? (k > 0 ? this.d.badColumn(n) : undefined)] as const).find(([, why]) => why);
    if (bad) throw new UsageError(`bad name ${JSON.stringify(bad[0])}: ${bad[1]}`);
    this.keyFolds = o.key.map((k) => this.d.fold(k));
    if (new Set(this.keyFolds).size !== this.keyFolds.length) throw new UsageError(`--key names one column twice: ${o.key.join(', ')}`);
    driver.backpressure?.(() => this.piledUp());
    // a write queued is a chain of promises, run when the reader lets the event loop turn; over a pipe
    // fed now and then (tail -f | load-sqlite --batch 1) a blocking read would hold a full batch back
    // until the next data or the end, and a --flush-after timer could not fire: while a full batch's
    // commit is queued or the timer runs, the reader's waits leave the event loop free (input.ts
    // loopWhileWaiting). Held weakly: a loader whose run stopped without finish(), in a program of the
    // library API, is not kept alive by the registry.
    const me = new WeakRef(this);
    const unloop = loopWhileWaiting(() => { const l = me.deref(); if (l === undefined) { unloop(); return false; } return l.ends > 0 || l.flushTimer !== null; });
    this.unloop = unloop;
  }
  /** --flush-after: the timer of the batch begun (cleared when it fills, or at the end) */
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  /** full batches queued whose commit is not done */
  private ends = 0;
  /** unregister from the reader (at the end, a failed start, an abort) */
  private readonly unloop: () => void;

  /** run --schema, read the table */
  async start(): Promise<void> {
    try {
      if (this.o.schemaSql !== undefined) {
        await this.driver.begin();
        this.inTxn = true;
        await this.stage('--schema', () => this.driver.exec(this.o.schemaSql!));
        await this.driver.commit();
        this.inTxn = false;
      }
      await this.loadColumns();
    } catch (err) {
      const failure = this.describe(err);
      this.unloop();
      await this.rollbackQuietly();
      try { await this.driver.close(); } catch { /* the failure is what is reported */ }
      throw failure;
    }
  }

  /** do records pile up behind the database (more than three batches queued or begun)? */
  private piledUp(): boolean { return this.queued + this.pending.length > 3 * this.o.batch; }

  /** has a batch failed (the next add() or finish() throws it)? */
  get failed(): boolean { return this.failure !== undefined; }

  /** queue a record (an object); throws the failure of an earlier batch */
  add(rec: Record<string, unknown>, file: string, no: number, raw: string | RawLine): void {
    if (this.failure !== undefined) throw this.failure;
    if (this.aborted) throw new RunFailure('the run stopped');
    this.push({ rec, file, no, raw });
  }

  /** a line the stage rejected before it was a record (not JSON, not an object, too long): queued in its
   *  place, to be reported with the refusals of its batch in line order (they are known when the batch
   *  is written); false when it is to be reported at once (the run failed or stopped, or this is the
   *  batch's report itself) */
  hold(file: string, no: number, raw: string | Uint8Array, reason: string, detail: string | undefined): boolean {
    if (this.reporting || this.failure !== undefined || this.aborted || this.finishing) return false;
    const bytes = typeof raw === 'string' ? raw : this.heldRaws.keep(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), 0, raw.byteLength);
    const p: Pending = { rec: NO_RECORD, file, no, raw: bytes, held: true, said: false, fail: { reason, detail: detail ?? '' } };
    this.heldLines.push(p);
    this.push(p);
    return true;
  }
  /** the held lines in line order, from heldFrom on not yet said (said all at once if the run fails) */
  private heldLines: Pending[] = [];
  private heldFrom = 0;
  private readonly heldRaws = new RawLines();
  /** the records (not held lines) in `pending`: they fill a batch (a bad line does not) */
  private pendingRecords = 0;

  /** the held lines not yet said, said now in line order (the run failed: their batches are not
   *  written, and as read they were said before the failure) */
  private sayHeld(): void {
    const lines = this.heldLines;
    this.heldLines = [];
    this.reporting = true;
    try {
      for (let i = this.heldFrom; i < lines.length; i++) if (!lines[i].said) this.events.reject(lines[i], lines[i].fail!.reason, lines[i].fail!.detail);
    } catch { /* (a --strict stop: said already) */ }
    this.heldFrom = 0;
  }

  private push(p: Pending): void {
    if (this.o.flushAfterMs !== undefined && this.flushTimer === null) {
      // the batch's first record: it waits at most --flush-after for the batch to fill
      this.flushTimer = setTimeout(() => { this.flushTimer = null; this.endBatch(); }, this.o.flushAfterMs);
      this.flushTimer.unref();
    }
    this.pending.push(p);
    if (p.held) return; // (a bad line fills no batch, and waits for nothing)
    this.pendingRecords++;
    // records pile up while the database does not answer (a lock held elsewhere): wait for it here,
    // which holds the reader too (the queued steps call the driver, and so wait, only as they run)
    if (this.driver.settle !== undefined && this.piledUp()) this.driver.settle();
    // a write of the batch's records, or of fewer (Driver.writeUnit) when they cannot change the table:
    // it exists (a new table's column types come from a whole --batch) and no column is added (--alter
    // types a column from the records of its write); either way the batches end where they did
    const unit = this.driver.writeUnit !== undefined && !this.o.alter && this.columns.length > 0 ? this.driver.writeUnit : this.o.batch;
    if (this.pendingRecords >= Math.min(unit, this.o.batch - this.inBatch)) {
      const items = this.pending, n = this.pendingRecords;
      this.pending = [];
      this.pendingRecords = 0;
      this.inBatch += n;
      const batchEnd = this.inBatch >= this.o.batch;
      if (batchEnd) this.inBatch = 0;
      this.enqueue(() => this.flush(items, false, batchEnd), n);
      if (batchEnd) {
        this.ends++; this.queue = this.queue.then(() => { this.ends--; }); // (after its step, done or not)
        this.stopFlushTimer();
      }
    }
  }

  /** (--flush-after) end the batch begun, short of --batch records: its records written and committed */
  private endBatch(): void {
    if (this.failure !== undefined || this.finishing || (this.pending.length === 0 && this.inBatch === 0)) return;
    const items = this.pending, n = this.pendingRecords;
    this.pending = [];
    this.pendingRecords = 0;
    this.inBatch = 0;
    this.enqueue(() => this.flush(items, false, true), n);
    this.ends++; this.queue = this.queue.then(() => { this.ends--; });
  }
  private stopFlushTimer(): void {
    if (this.flushTimer !== null) { clearTimeout(this.flushTimer); this.flushTimer = null; }
  }
  private finishing = false;

  /** the run stopped before its end (a library stream stopped or destroyed), as the command line stops:
   *  the full batches already queued are written and committed, the records of the batch begun are
   *  not, then the open transaction is rolled back and the database closed (a finish() under way does
   *  not commit: its last batch and --post-sql are rolled back) */
  abort(): Promise<void> {
    if (this.aborted) return this.queue;
    this.aborted = this.finishing = true;
    this.stopFlushTimer();
    this.unloop();
    this.pending = [];
    this.pendingRecords = 0;
    this.queue = this.queue.then(async () => {
      await this.rollbackQuietly();
      try { await this.driver.close(); } catch { /* closed already, after a failure */ }
    });
    return this.queue;
  }
  private aborted = false;


  /** write the rest, run --post-sql, commit; returns the totals. Throws the failure of the run. */
  async finish(): Promise<Counts> {
    this.finishing = true;
    this.stopFlushTimer();
    const items = this.pending, n = this.pendingRecords;
    this.pending = [];
    this.pendingRecords = 0;
    this.enqueue(() => this.flush(items, true), n);
    await this.queue;
    this.unloop();
    if (this.failure !== undefined) throw this.failure;
    await this.driver.close();
    return this.totals;
  }

  private enqueue(step: () => Promise<void>, records: number): void {
    this.queued += records;
    this.queue = this.queue.then(async () => {
      try {
        if (this.failure !== undefined) return;
        await step();
      } catch (err) {
        const stop = this.reporting || this.aborted; // (a --strict stop in a report, a stream stopped)
        const strict = this.reporting && !this.aborted;
        this.failure = this.describe(err);
        if (!stop) this.sayHeld();
        await this.rollbackQuietly();
        // (a --strict stop: what stays is said, as a failure's message says it; it went unsaid)
        if (strict && !this.o.atomic && this.committed) {
          this.events.note(`${this.o.table}: the batch of the bad record rolled back; batches committed before stay (inserted=${this.totals.inserted} updated=${this.totals.updated} unchanged=${this.totals.unchanged})`);
        }
        try { await this.driver.close(); } catch { /* the failure is what is reported */ }
        wakeReaders(); // (said now, not when the next record comes)
      } finally {
        this.queued -= records;
      }
    });
  }

  private async rollbackQuietly(): Promise<void> {
    if (!this.inTxn) return;
    this.inTxn = false;
    this.notes = [];
    this.held = [];
    this.refusals = [];
    this.txn.inserted = this.txn.updated = this.txn.unchanged = 0;
    try { await this.driver.rollback(); } catch { /* the transaction is gone either way */ }
  }

  /** the one-line message of a failure (an error raised by the reject callback, e.g. --strict's, as it is) */
  private describe(err: unknown): unknown {
    if (this.reporting) return err;
    const msg = err instanceof Error ? err.message : String(err);
    const written = this.o.atomic || !this.committed ? 'nothing written'
      : `batches committed before stay (inserted=${this.totals.inserted} updated=${this.totals.updated} unchanged=${this.totals.unchanged})`;
    if (err instanceof LockTimeout) return new Error(`${msg}; ${written}`);
    return new Error(`load failed, ${written}: ${msg}`);
  }

  /** run a step, naming it in its failure */
  private async stage<T>(what: string, step: () => MaybePromise<T>): Promise<T> {
    try { return await step(); } catch (err) {
      if (err instanceof LockTimeout) throw err;
      throw new RunFailure(`${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async loadColumns(): Promise<void> {
    this.columns = await this.driver.columns(this.o.table);
    this.slots = this.driver.slotsUsed && this.columns.length > 0 ? await this.driver.slotsUsed(this.o.table) : this.columns.length;
    this.schemaSeen = await this.driver.schemaVersion();
    this.byFold = new Map();
    this.columns.forEach((c, i) => { const f = this.d.fold(c.name); if (!this.byFold.has(f)) this.byFold.set(f, i); });
    this.digits = this.columns.map((c) => this.d.numberDigits(c));
    this.gen++;
    this.specs.clear();
    if (this.columns.length === 0) { this.keyIndex = []; return; }
    this.keyIndex = this.keyFolds.map((f, i) => {
      const at = this.byFold.get(f);
      if (at === undefined) throw new RunFailure(`table ${this.o.table} has no column ${this.o.key[i]} (--key)`);
      return at;
    });
    if (this.wantsKeys() && this.keyIndex.length && !this.keysTable) {
      await this.driver.createKeysTable(this.keyIndex.map((i) => this.columns[i]));
      this.keysTable = true;
    }
  }

  /** the loaded keys are kept (a row more per record) only for a --post-sql that reads loaded_keys */
  private wantsKeys(): boolean { return this.o.postSql !== undefined && /loaded_keys/i.test(this.o.postSql); }

  private async begin(): Promise<void> {
    await this.driver.begin();
    this.inTxn = true;
    // another writer may have created or altered the table since we looked
    if ((await this.driver.schemaVersion()) !== this.schemaSeen) await this.loadColumns();
  }

  private async commit(): Promise<void> {
    await this.driver.commit();
    this.inTxn = false;
    this.committed = true;
    this.totals.inserted += this.txn.inserted; this.totals.updated += this.txn.updated; this.totals.unchanged += this.txn.unchanged;
    this.txn.inserted = this.txn.updated = this.txn.unchanged = 0;
    const notes = this.notes;
    this.notes = [];
    for (const n of notes) this.events.note(n);
  }

  /** write records (a batch, or part of one: batchEnd says whether it ends one) */
  private async flush(batch: Pending[], last: boolean, batchEnd = last): Promise<void> {
    if (this.held.length) { batch = this.held.concat(batch); this.held = []; }
    const items = batch.map((p) => this.check(p)); // no database work: before the lock is taken
    if (this.o.atomic && this.events.inputFailed()) throw new RunFailure('an input could not be read (--atomic)');
    let rows: Item[] = [];
    let result: BatchResult | undefined;
    if (items.some((it) => !it.fail)) {
      if (!this.inTxn) await this.begin();
      if (this.columns.length === 0) {
        // no table, though this write was sized for one (another writer dropped it since): its records
        // wait for the rest of their batch, the new table's types coming from all of it
        if (!batchEnd) { this.held = batch; return; }
        await this.createTable(items);
      }
      await this.addColumns(items);
      for (const it of items) if (!it.fail) this.toRow(it);
      rows = items.filter((it) => !it.fail);
      rows.forEach((r, i) => { r.row = i; });
      if (rows.length) result = await this.driver.write(rows as Row[]);
    }
    this.tally(items, result);
    if (batchEnd) this.report();
    // a load whose own rejections fail the run keeps nothing of its last transaction: its "nothing kept"
    // holds for a --post-sql too (a replace's DELETE of the keys not loaded); the run exits 1 as before
    if (last && this.events.rejectsFail()) { await this.rollbackQuietly(); return; }
    if (last && this.o.postSql !== undefined) {
      if (!this.inTxn) await this.begin();
      if (!this.keysTable && this.o.key.length && this.wantsKeys()) { // no table and no record: the keys table, empty
        await this.driver.createKeysTable(this.o.key.map((name) => ({ name, type: '' })));
        this.keysTable = true;
      }
      await this.stage('--post-sql', () => this.driver.exec(this.o.postSql!));
    }
    if (last && this.o.atomic && this.events.inputFailed()) throw new RunFailure('an input could not be read (--atomic)');
    if (last && this.o.atomic && this.events.upstreamFails()) throw new RunFailure('a step before the load fails the run (--atomic)');
    if (this.inTxn && (last || (!this.o.atomic && batchEnd))) {
      if (this.aborted && last) throw new RunFailure('the run stopped'); // (a finish() under way when stopped: rolled back)
      await this.commit();
    }
  }

  /** the shape of a key list (cached: records of one source share it) */
  private shapeOf(names: string[]): Shape {
    const last = this.lastShape;
    if (last && sameNames(last.names, names)) return last;
    const sig = names.join('\u0000');
    let s = this.shapes.get(sig);
    if (s && !sameNames(s.names, names)) s = undefined; // ["a\u0000b"] and ["a", "b"] share a signature
    if (!s) {
      s = { names, keyAt: [], gen: -1, target: [], digits: [], missing: [], pos: [], inOrder: false };
      // ({}: no column to write; a row of nulls says nothing)
      if (names.length === 0) s.bad = new RecordError('empty record', 'no fields to load');
      const seen = new Map<string, string>();
      if (names.length > this.d.maxColumns) s.bad = this.tooWide(names.length);
      for (const n of names) {
        const why = this.d.badName(n) ?? this.d.badColumn(n);
        if (why) { s.bad = new RecordError('bad column name', `${JSON.stringify(n)}: ${why}`); break; }
        const f = this.d.fold(n);
        const other = seen.get(f);
        if (other !== undefined) { s.bad = new RecordError('duplicate column', `${show(other)} and ${show(n)} name one column`); break; }
        seen.set(f, n);
      }
      const at = new Map([...seen.values()].map((n) => [this.d.fold(n), names.indexOf(n)]));
      s.keyAt = this.keyFolds.map((f) => at.get(f) ?? -1);
      if (this.shapes.size > 10000) this.shapes.clear(); // records with ever-new keys: keep memory bounded
      if (!this.shapes.has(sig)) this.shapes.set(sig, s);
    }
    this.lastShape = s;
    return s;
  }

  /** the checks that need no database: names, keys, values */
  private check(p: Pending): Item {
    if (p.held) return p as Item; // (its fail set: tally and report read only that and its place)
    const names = Object.keys(p.rec);
    const shape = this.shapeOf(names);
    const it: Item = { rec: p.rec, file: p.file, no: p.no, raw: p.raw, shape, checked: new Array(names.length), fail: undefined, spec: undefined, values: undefined, row: -1 };
    try {
      if (shape.bad) throw shape.bad;
      for (let k = 0; k < shape.keyAt.length; k++) {
        const at = shape.keyAt[k];
        const v = at < 0 ? undefined : p.rec[names[at]];
        if (v === undefined || v === null) throw new RecordError('missing key', this.o.key[k]);
        if (typeof v === 'object' && !(v instanceof BigNum)) throw new RecordError('bad key', `${this.o.key[k]}: ${Array.isArray(v) ? 'an array' : 'an object'}`);
      }
      if (this.normalizeAll(it)) {
        // its line read again, when it has such a decimal (json.ts parseDigits: most lines have none)
        const r = typeof p.raw === 'string' ? new RawLine(Buffer.from(p.raw), 0, Buffer.byteLength(p.raw)) : p.raw;
        const again = parseDigits(r.buf, r.start, r.end);
        if (again !== undefined) { it.rec = p.rec = again; this.normalizeAll(it); }
      }
    } catch (err) {
      if (!(err instanceof RecordError)) throw err;
      it.fail = err;
    }
    return it;
  }

  /** the record's values checked (normalize); returns whether one may be a decimal its double rounded
   *  that is to be stored exactly: a number for a column of Dialect.numberDigits 'all' (or one to come:
   *  no table yet, --alter), a number not a safe integer for a 'whole' one, an object or array. A record
   *  of numbers for numeric columns costs nothing more (a look at its line would: 0.3 us a 170-byte
   *  record, 0.8 with a double's 17 digits) */
  private normalizeAll(it: Item): boolean {
    const rec = it.rec, names = it.shape.names, checked = it.checked;
    this.targets(it.shape);
    const digits = it.shape.digits;
    let may = false;
    for (let i = 0; i < names.length; i++) {
      const v = rec[names[i]];
      if (typeof v === 'number') may ||= digits[i] === 'all' || (digits[i] === 'whole' && !Number.isSafeInteger(v));
      else if (v !== null && typeof v === 'object' && !(v instanceof BigNum)) may = true;
      checked[i] = normalize(v, names[i]);
    }
    return may;
  }

  /** a record with more fields than a table has columns here (or that would make its table so) */
  private tooWide(n: number): RecordError {
    return new RecordError('too many columns', `the table would have ${n} columns; a ${this.d.name} table has at most ${this.d.maxColumns}`);
  }

  /** the columns of a batch's records (in order) that `cols` (by fold) lacks go into it, their kinds
   *  merged with the values'; a record that would take `cols` past `base` + its size beyond the
   *  database's most columns is rejected alone (its columns not taken) */
  private gather(items: Item[], cols: Map<string, Gathered>, base: number, wanted: (it: Item, i: number) => boolean): void {
    for (const it of items) {
      if (it.fail) continue;
      const names = it.shape.names;
      let more = 0;
      for (let i = 0; i < names.length; i++) if (wanted(it, i) && !cols.has(this.d.fold(names[i]))) more++;
      if (base + cols.size + more > this.d.maxColumns) { it.fail = this.tooWide(base + cols.size + more); continue; }
      for (let i = 0; i < names.length; i++) {
        if (!wanted(it, i)) continue;
        const f = this.d.fold(names[i]);
        const c = cols.get(f), v = it.checked[i], wide = wideNumber(v);
        if (c) { c.kind = mergeKinds(c.kind, kindOf(v)); c.wide ||= wide; } else cols.set(f, { name: names[i], kind: kindOf(v), wide });
      }
    }
  }

  /** the declared type of a column made for the values gathered */
  private typeOf(c: Gathered): string {
    return this.d.typeFor(c.kind === 'real' && c.wide && this.d.exactNumbers ? 'bigint' : c.kind ?? 'text');
  }

  /** the table from the first batch: key columns first, then the names in order of appearance */
  private async createTable(items: Item[]): Promise<void> {
    const cols = new Map<string, Gathered>();
    for (let k = 0; k < this.o.key.length; k++) cols.set(this.keyFolds[k], { name: this.o.key[k], kind: undefined, wide: false });
    this.gather(items, cols, 0, () => true);
    const columns = [...cols.values()].map((c) => ({ name: c.name, type: this.typeOf(c) }));
    const declared = await this.stage(`creating table ${this.o.table}`, () => this.driver.createTable(this.o.table, columns, this.o.key));
    if (declared !== undefined) this.notes.push(`created table ${this.o.table} (${declared})`);
    await this.loadColumns();
  }

  /** columns the table lacks: added with --alter (types from this batch's values), else the records are rejected */
  private async addColumns(items: Item[]): Promise<void> {
    const add = new Map<string, Gathered>();
    const adding: Item[] = [];
    for (const it of items) {
      if (it.fail) continue;
      const shape = it.shape;
      this.targets(shape);
      if (shape.missing.length === 0) continue;
      if (!this.o.alter) { it.fail = new RecordError('unknown column (use --alter to add it)', shape.missing.join(', ')); continue; }
      adding.push(it);
    }
    this.gather(adding, add, this.slots, (it, i) => it.shape.target[i] < 0);
    if (add.size === 0) return;
    for (const c of add.values()) {
      await this.stage(`adding column ${c.name}`, () => this.driver.addColumn(this.o.table, { name: c.name, type: this.typeOf(c) }));
    }
    this.notes.push(`added column(s) ${[...add.values()].map((c) => c.name).join(', ')} to ${this.o.table}`);
    await this.loadColumns();
  }

  /** the table column of each of the shape's names (-1: none), for the current columns */
  private targets(shape: Shape): number[] {
    if (shape.gen !== this.gen) {
      shape.target = shape.names.map((n) => this.byFold.get(this.d.fold(n)) ?? -1);
      shape.digits = shape.target.map((t) => (t < 0 ? 'all' : this.digits[t]));
      shape.missing = shape.names.filter((_n, i) => shape.target[i] < 0);
      shape.spec = undefined;
      shape.gen = this.gen;
    }
    return shape.target;
  }

  /** the row of a checked record: its columns' statement shape and its values encoded for them */
  private toRow(it: Item): void {
    const shape = it.shape;
    this.targets(shape);
    if (!shape.spec) this.specFor(shape);
    const spec = shape.spec!;
    const n = shape.names.length;
    // the record's values in table order (encoded in place when the record has the table's order)
    const values = shape.inOrder ? it.checked as unknown[] : new Array(n);
    try {
      for (let i = 0; i < n; i++) {
        const p = shape.pos[i];
        values[p] = spec.encoders[p](it.checked[i], shape.names[i]);
      }
    } catch (err) {
      if (!(err instanceof RecordError)) throw err;
      it.fail = err;
      return;
    }
    it.spec = spec;
    it.values = values;
  }

  private specFor(shape: Shape): void {
    const cols = [...shape.target].sort((a, b) => a - b);
    const sig = cols.join(',');
    let spec = this.specs.get(sig);
    if (!spec) {
      const columns = cols.map((i) => this.columns[i]);
      spec = {
        table: this.o.table, columns, onConflict: this.o.onConflict,
        keyIndex: this.keyIndex.map((k) => cols.indexOf(k)),
        keepKeys: this.keysTable,
        encoders: columns.map((c) => this.d.encoder(c)),
      };
      this.specs.set(sig, spec);
    }
    shape.spec = spec;
    shape.pos = shape.target.map((t) => cols.indexOf(t));
    shape.inOrder = shape.pos.every((p, i) => p === i);
  }

  /** counts, and the refused records kept for report() (in record order) */
  private tally(items: Item[], result: BatchResult | undefined): void {
    for (const it of items) {
      if (it.fail) { this.refuse(it, it.fail.reason, it.fail.detail); continue; }
      switch (result!.outcomes[it.row]) {
        case INSERTED: this.txn.inserted++; break;
        case UPDATED: this.txn.updated++; break;
        case UNCHANGED: this.txn.unchanged++; break;
        default: this.refuse(it, 'database', result!.errors[it.row] ?? 'refused');
      }
    }
  }

  private refuse(it: Item, reason: string, detail: string): void {
    if (it.fail === undefined) it.fail = { reason, detail }; // (the database's refusal)
    this.refusals.push(it);
  }

  /** the batch's refused records: counted and reported (with --strict the first one stops the run) */
  private report(): void {
    const refusals = this.refusals;
    this.refusals = [];
    this.reporting = true; // (left so when a report throws: describe() passes a --strict stop on as it is)
    for (const r of refusals) {
      this.events.reject(r, r.fail!.reason, r.fail!.detail);
      r.said = true;
      // (a library stream destroyed from its 'reject' handler: nothing after that line is written, as
      // when the line was said as read; the batch's write is rolled back and the batches after it, read
      // already, are not written)
      if (this.aborted) throw new RunFailure('the run stopped');
    }
    this.reporting = false;
    // (the held lines said: let go of them)
    const lines = this.heldLines;
    while (this.heldFrom < lines.length && lines[this.heldFrom].said) this.heldFrom++;
    if (this.heldFrom === lines.length) { this.heldLines = []; this.heldFrom = 0; } else if (this.heldFrom > 1024) { lines.splice(0, this.heldFrom); this.heldFrom = 0; }
  }
}

// ---- The command line every database sink shares (load-sqlite, load-postgres): the options besides
// where the database is, their checks, and the transform that feeds the Loader. ----

export interface LoaderToolOptions {
  table: string; key: string[]; schema?: string; alter: boolean; batch: number;
  onConflict: 'update' | 'ignore'; postSql?: string; atomic: boolean; busyTimeout: number; flushAfter?: number;
}

/** the options of a loader tool after its database option (a tool may reword a description) */
export const LOADER_OPTIONS: Record<string, Options> = {
  table: { alias: 't', type: 'string', demandOption: true, describe: 'target table' },
  key: { alias: 'k', type: 'string', array: true, default: [], describe: 'primary-key column(s), comma-separated or repeated; none = plain inserts' },
  schema: { type: 'string', describe: 'SQL file run first (CREATE TABLE IF NOT EXISTS ...); else the table is created from inferred types' },
  alter: { type: 'boolean', default: false, describe: 'add columns the table lacks (ALTER TABLE ADD COLUMN); without it such records are rejected' },
  batch: { type: 'number', default: 10000, describe: 'records per transaction' },
  'flush-after': { type: 'number', describe: 'seconds the first record of a batch may wait: then the batch is committed short of --batch records (a live input: tail -F ... | load-sqlite --flush-after 5; a new table then takes its columns from a batch cut short: give --schema, or --alter); default: a batch is committed when full, and at the end' },
  'on-conflict': { choices: ['update', 'ignore'], default: 'update', describe: 'update: changed columns are updated; ignore: existing rows are kept' },
  'post-sql': { type: 'string', describe: 'SQL (or @FILE) run after the last batch in the same transaction; temp.loaded_keys has the loaded keys' },
  atomic: { type: 'boolean', default: false, describe: 'the whole load (and --post-sql) in one transaction: all or nothing (nothing when an input cannot be read or, in a chain, a step before fails the run)' },
  'busy-timeout': { type: 'number', default: 10000, describe: 'ms to wait for the write lock held by another writer (then exit 1, nothing of the transaction written)' },
};

/** the checks of LOADER_OPTIONS (a message for a usage error, or undefined); normalizes o.key */
export function checkLoaderOptions(o: LoaderToolOptions, d: Pick<Dialect, 'badName' | 'badColumn' | 'fold'>): string | undefined {
  const blank = blankList('key', o.key, 'a column');
  if (blank) return blank;
  o.key = listOption(o.key);
  if (!(o.batch >= 1) || !Number.isInteger(o.batch)) return '--batch takes a positive integer';
  if (o.flushAfter !== undefined && !(o.flushAfter > 0 && o.flushAfter <= 86400)) return '--flush-after takes a number of seconds (more than 0, at most 86400)';
  if (o.flushAfter !== undefined && o.atomic) return '--flush-after goes without --atomic (the whole load is one transaction)';
  if (!(o.busyTimeout >= 0)) return '--busy-timeout takes a number of milliseconds (0 or more)';
  for (const n of [o.table, ...o.key]) { const why = d.badName(n) ?? (n !== o.table || o.key.includes(n) ? d.badColumn(n) : undefined); if (why) return `bad name ${JSON.stringify(n)}: ${why}`; }
  // (before the database is opened: names it folds alike too, u,U in SQLite, which made its file)
  if (new Set(o.key.map(d.fold)).size !== o.key.length) return `--key names one column twice: ${o.key.join(', ')}`;
  // (--schema "$SCHEMA" with SCHEMA empty: not the option left out, which would infer the table's types)
  if (o.schema === '') return '--schema needs a file name';
  // (a folder, or a file it cannot read: said of the option, as a missing file is, not an EISDIR at the end)
  const unreadable = (option: string, f: string) => {
    let st: fs.Stats;
    try { st = fs.statSync(f); } catch { return `${option} file not found: ${f}`; }
    if (st.isDirectory()) return `${option} ${f} is a folder: give the SQL file`;
    try { fs.accessSync(f, fs.constants.R_OK); } catch (err) { return `${option} ${f} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`; }
    return undefined;
  };
  if (o.schema) { const u = unreadable('--schema', o.schema); if (u) return u; }
  if (o.postSql?.startsWith('@')) { const u = unreadable('--post-sql', o.postSql.slice(1)); if (u) return u; }
  return undefined;
}

/** --post-sql takes SQL text or @FILE */
const sqlText = (s: string) => (s.startsWith('@') ? fs.readFileSync(s.slice(1), 'utf8') : s);

/**
 * The transform of a loader tool: opens the driver in init(), hands each record to the Loader, and
 * prints the committed counts at the end (`TABLE: inserted=… updated=… unchanged=… rejected=…`).
 */
export function loaderTransform(o: LoaderToolOptions, ctx: ToolContext, open: () => MaybePromise<Driver>): Transform {
  let loader: Loader;
  const raws = new RawLines();
  return {
    async init() {
      const driver = await open();
      loader = new Loader(driver, {
        table: o.table, key: o.key, alter: o.alter, batch: o.batch, onConflict: o.onConflict, atomic: o.atomic,
        flushAfterMs: o.flushAfter === undefined ? undefined : Math.max(1, Math.round(o.flushAfter * 1000)),
        schemaSql: o.schema ? fs.readFileSync(o.schema, 'utf8') : undefined,
        postSql: o.postSql === undefined ? undefined : sqlText(o.postSql),
      }, {
        reject: (w, reason, detail) => ctx.rejectAt(w.file, w.no, typeof w.raw === 'string' ? w.raw : w.raw.buf.subarray(w.raw.start, w.raw.end), reason, detail || undefined),
        note: (m) => ctx.warn(m),
        inputFailed: () => ctx.inputFailed(),
        upstreamFails: () => ctx.upstreamFails(),
        rejectsFail: () => ctx.rejectsFail(),
      });
      await loader.start();
    },
    record(line: Line) {
      const rec = ctx.parse(line);
      if (rec === undefined) return;
      if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) return ctx.reject(line, 'not a JSON object');
      loader.add(rec, line.file, line.no, raws.keep(line.buf, line.start, line.cr ? line.end + 1 : line.end)); // (--rejects keeps the line as read: its CR too)
    },
    abort() { return loader?.abort(); },
    holdReject: (file, no, raw, reason, detail) => loader?.hold(file, no, raw, reason, detail) === true,
    failed: () => loader?.failed === true,
    async end() {
      const c = await loader.finish();
      ctx.count('inserted', c.inserted); ctx.count('updated', c.updated); ctx.count('unchanged', c.unchanged);
      // (rejected: every record this stage refused, also the lines never handed to record(): not one
      // JSON object, too long, not UTF-8)
      ctx.warn(`${o.table}: inserted=${c.inserted} updated=${c.updated} unchanged=${c.unchanged} rejected=${ctx.rejected()}`);
    },
  };
}
