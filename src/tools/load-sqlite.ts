// load-sqlite: upsert NDJSON records into a SQLite table with INSERT ... ON CONFLICT DO UPDATE (never
// REPLACE, which would wipe columns the record does not carry). Batches run in transactions, so a
// failing batch leaves the database as it was; counts of inserted/updated/unchanged/rejected go to stderr.
import fs from 'node:fs';
import { bindValue, inferType, openDb, quoteIdent, tableColumns } from '../core/sqlite.js';
import type { DB } from '../core/sqlite.js';
import { UsageError } from '../core/tool.js';
import type { Line, Tool } from '../core/tool.js';
import { listOption } from '../core/options.js';

export interface LoadSqliteOptions {
  db: string; table: string; key: string[]; schema?: string; alter: boolean; batch: number;
  onConflict: 'update' | 'ignore'; postSql?: string; atomic: boolean; busyTimeout: number;
}

interface Pending { rec: Record<string, unknown>; file: string; no: number; raw: string }

/** --post-sql takes SQL text or @FILE */
const sqlText = (s: string) => (s.startsWith('@') ? fs.readFileSync(s.slice(1), 'utf8') : s);

export const tool: Tool<LoadSqliteOptions> = {
  name: 'load-sqlite',
  summary: 'Upsert NDJSON records into a SQLite table by key (ON CONFLICT DO UPDATE), creating or widening the table; idempotent, transactional, with counts.',
  usage: 'load-sqlite --db FILE --table NAME [--key COL[,COL]] [options] [FILE...]',
  examples: [
    ['count-by date -a n=count() -i ev.ndjson | load-sqlite --db analytics.db --table daily --key date', 'upsert daily counts'],
    ["load-sqlite --db a.db --table pairs --key date,user_id --on-conflict ignore --atomic --post-sql @refresh.sql < pairs.ndjson", 'load a side table and refresh a derived one in the same transaction (temp.loaded_keys holds the keys loaded)'],
  ],
  options: {
    db: { type: 'string', demandOption: true, describe: 'SQLite database file (created if missing; WAL mode)' },
    table: { alias: 't', type: 'string', demandOption: true, describe: 'target table' },
    key: { alias: 'k', type: 'string', array: true, default: [], describe: 'primary-key column(s), comma-separated or repeated; none = plain inserts' },
    schema: { type: 'string', describe: 'SQL file run first (CREATE TABLE IF NOT EXISTS ...); else the table is created from inferred types' },
    alter: { type: 'boolean', default: false, describe: 'add columns the table lacks (ALTER TABLE ADD COLUMN); without it such records are rejected' },
    batch: { type: 'number', default: 10000, describe: 'records per transaction' },
    'on-conflict': { choices: ['update', 'ignore'], default: 'update', describe: 'update: changed columns are updated; ignore: existing rows are kept' },
    'post-sql': { type: 'string', describe: 'SQL (or @FILE) run after the last batch in the same transaction; temp.loaded_keys has the loaded keys' },
    atomic: { type: 'boolean', default: false, describe: 'the whole load (and --post-sql) in one transaction: all or nothing' },
    'busy-timeout': { type: 'number', default: 10000, describe: 'ms to wait for a lock held by another writer' },
  },
  check(o) {
    o.key = listOption(o.key);
    if (!(o.batch >= 1)) return '--batch takes a positive number';
    if (o.schema && !fs.existsSync(o.schema)) return `--schema file not found: ${o.schema}`;
    if (o.postSql?.startsWith('@') && !fs.existsSync(o.postSql.slice(1))) return `--post-sql file not found: ${o.postSql.slice(1)}`;
    return undefined;
  },
  create(o, ctx) {
    const table = o.table;
    quoteIdent(table);
    let db: DB;
    try { db = openDb(o.db, { busyTimeoutMs: o.busyTimeout }); } catch (err) { throw new UsageError(`cannot open ${o.db}: ${(err as Error).message}`); }
    if (o.schema) db.exec(fs.readFileSync(o.schema, 'utf8'));
    let columns = tableColumns(db, table);
    const counts = { inserted: 0, updated: 0, unchanged: 0 };
    let pending: Pending[] = [];
    const stmts = new Map<string, { exists: any; upsert: any; key: any }>();
    const T = quoteIdent(table);
    const keyCols = o.key;
    const keyList = keyCols.map(quoteIdent).join(', ');
    let keysTable = false;

    const ensureTable = (batch: Pending[]) => {
      if (columns.length > 0) return;
      const names: string[] = [...keyCols];
      for (const p of batch) for (const k of Object.keys(p.rec)) if (!names.includes(k)) names.push(k);
      const defs = names.map((n) => `${quoteIdent(n)} ${inferType(batch.map((p) => p.rec[n]))}${keyCols.includes(n) ? ' NOT NULL' : ''}`);
      const pk = keyCols.length ? `, PRIMARY KEY (${keyList})` : '';
      db.exec(`CREATE TABLE IF NOT EXISTS ${T} (${defs.join(', ')}${pk})`);
      columns = tableColumns(db, table);
      ctx.warn(`created table ${table} (${defs.join(', ')})`);
    };

    const statementsFor = (cols: string[]) => {
      const sig = cols.join('\u0001');
      let s = stmts.get(sig);
      if (s) return s;
      const q = cols.map(quoteIdent);
      const insert = `INSERT INTO ${T} (${q.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
      const nonKey = cols.filter((c) => !keyCols.includes(c)).map(quoteIdent);
      let sql = insert;
      if (keyCols.length) {
        if (o.onConflict === 'ignore' || nonKey.length === 0) sql += ` ON CONFLICT (${keyList}) DO NOTHING`;
        else sql += ` ON CONFLICT (${keyList}) DO UPDATE SET ${nonKey.map((c) => `${c} = excluded.${c}`).join(', ')}` +
          ` WHERE ${nonKey.map((c) => `${T}.${c} IS NOT excluded.${c}`).join(' OR ')}`;
      }
      const where = keyCols.map((k) => `${quoteIdent(k)} = ?`).join(' AND ');
      s = {
        upsert: db.prepare(sql),
        exists: keyCols.length ? db.prepare(`SELECT 1 FROM ${T} WHERE ${where}`).pluck() : null,
        key: keysTable ? db.prepare(`INSERT OR IGNORE INTO temp.loaded_keys VALUES (${keyCols.map(() => '?').join(', ')})`) : null,
      };
      stmts.set(sig, s);
      return s;
    };

    const writeBatch = (batch: Pending[]) => {
      ensureTable(batch);
      if (!keysTable && keyCols.length) {
        db.exec(`CREATE TEMP TABLE IF NOT EXISTS loaded_keys (${keyList}, PRIMARY KEY (${keyList}))`);
        keysTable = true;
        stmts.clear();
      }
      for (const p of batch) {
        const cols = Object.keys(p.rec);
        const missingKey = keyCols.find((k) => p.rec[k] === undefined || p.rec[k] === null);
        if (missingKey) { ctx.rejectAt(p.file, p.no, p.raw, 'missing key', missingKey); continue; }
        const unknown = cols.filter((c) => !columns.includes(c));
        if (unknown.length) {
          if (!o.alter) { ctx.rejectAt(p.file, p.no, p.raw, 'unknown column (use --alter to add it)', unknown.join(', ')); continue; }
          for (const c of unknown) db.exec(`ALTER TABLE ${T} ADD COLUMN ${quoteIdent(c)} ${inferType([p.rec[c]])}`);
          columns = tableColumns(db, table);
          stmts.clear();
          ctx.warn(`added column(s) ${unknown.join(', ')} to ${table}`);
        }
        const s = statementsFor(cols);
        const values = cols.map((c) => bindValue(p.rec[c]));
        const keyValues = keyCols.map((k) => bindValue(p.rec[k]));
        try {
          const existed = s.exists ? s.exists.get(...keyValues) !== undefined : false;
          const changes = s.upsert.run(...values).changes;
          if (s.key) s.key.run(...keyValues);
          if (!existed) counts.inserted += changes;
          else if (changes) counts.updated++;
          else counts.unchanged++;
        } catch (err) {
          ctx.rejectAt(p.file, p.no, p.raw, 'database', (err as Error).message);
        }
      }
    };

    const runPost = () => { if (o.postSql) db.exec(sqlText(o.postSql)); };
    const inTransaction = (fn: () => void) => db.transaction(fn)();
    if (o.atomic) db.exec('BEGIN IMMEDIATE');

    const flush = () => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      if (o.atomic) writeBatch(batch); else inTransaction(() => writeBatch(batch));
    };

    return {
      record(line: Line) {
        const rec = ctx.parse(line);
        if (rec === undefined) return;
        if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) return ctx.reject(line, 'not a JSON object');
        pending.push({ rec, file: line.file, no: line.no, raw: line.buf.toString('utf8', line.start, line.end) });
        if (pending.length >= o.batch) flush();
      },
      end() {
        try {
          flush();
          if (o.atomic) { runPost(); db.exec('COMMIT'); } else inTransaction(runPost);
        } catch (err) {
          if (db.inTransaction) db.exec('ROLLBACK');
          db.close();
          throw new Error(`load failed, ${o.atomic ? 'nothing' : 'the failing batch not'} written: ${(err as Error).message}`);
        }
        db.close();
        ctx.count('inserted', counts.inserted); ctx.count('updated', counts.updated); ctx.count('unchanged', counts.unchanged);
        ctx.warn(`${table}: inserted=${counts.inserted} updated=${counts.updated} unchanged=${counts.unchanged}`);
      },
    };
  },
};
export default tool;
