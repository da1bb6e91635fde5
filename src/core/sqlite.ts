// SQLite helpers shared by the loader and the readers (stats-api, scripts): opening with WAL and a
// busy timeout, identifier quoting, value binding, column type inference.
import Database from 'better-sqlite3';
import { BigNum } from './json.js';

export type DB = Database.Database;

export function openDb(file: string, opts: { readonly?: boolean; busyTimeoutMs?: number } = {}): DB {
  const db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 10000))}`);
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL'); // readers never block the loader, nor it them
    db.pragma('synchronous = NORMAL');
  }
  return db;
}

/** "name" with embedded quotes doubled; refuses what is not a sensible column/table name */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.length > 128 || /[\u0000-\u001f]/.test(name)) throw new Error(`bad identifier ${JSON.stringify(name)}`);
  return '"' + name.replace(/"/g, '""') + '"';
}

export const PLAIN_IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** a JSON value as a SQLite bind value */
export function bindValue(v: unknown): string | number | bigint | null | Buffer {
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'bigint') return v;
  if (v instanceof BigNum) return BigInt(v.raw);
  return JSON.stringify(v, (_k, x) => (x instanceof BigNum ? Number(x.raw) : x));
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** declared SQLite type for a set of JSON values */
export function inferType(values: unknown[]): string {
  let kind = '';
  for (const v of values) {
    if (v === null || v === undefined) continue;
    const k = typeof v === 'boolean' ? 'INTEGER'
      : v instanceof BigNum || (typeof v === 'number' && Number.isInteger(v)) ? 'INTEGER'
      : typeof v === 'number' ? 'REAL'
      : typeof v === 'string' && DATE.test(v) ? 'DATE'
      : 'TEXT';
    if (kind === '' || kind === k) kind = k;
    else if ((kind === 'INTEGER' && k === 'REAL') || (kind === 'REAL' && k === 'INTEGER')) kind = 'REAL';
    else kind = 'TEXT';
  }
  return kind || 'TEXT';
}

export function tableColumns(db: DB, table: string): string[] {
  return (db.prepare(`PRAGMA table_info(${quoteIdent(table)})`).all() as { name: string }[]).map((c) => c.name);
}
