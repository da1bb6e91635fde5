// load-sqlite: upsert NDJSON records into a SQLite table with INSERT ... ON CONFLICT DO UPDATE (never
// REPLACE, which would wipe columns the record does not carry). The work is the loader core's
// (src/core/loader.ts: batches, checks, conversion, counts, transactions, bad record vs failure of the
// run) over the SQLite driver (src/core/sqlite.ts); this file is the command line. The rules are in
// the README's load-sqlite section.
import fs from 'node:fs';
import { Loader } from '../core/loader.js';
import { badName, SqliteDriver } from '../core/sqlite.js';
import type { Line, Tool } from '../core/tool.js';
import { listOption } from '../core/options.js';

export interface LoadSqliteOptions {
  db: string; table: string; key: string[]; schema?: string; alter: boolean; batch: number;
  onConflict: 'update' | 'ignore'; postSql?: string; atomic: boolean; busyTimeout: number;
}

/** --post-sql takes SQL text or @FILE */
const sqlText = (s: string) => (s.startsWith('@') ? fs.readFileSync(s.slice(1), 'utf8') : s);

export const tool: Tool<LoadSqliteOptions> = {
  name: 'load-sqlite',
  sink: true,
  summary: 'Upsert NDJSON records into a SQLite table by key (ON CONFLICT DO UPDATE), creating or widening the table; idempotent, transactional, with counts.',
  usage: 'load-sqlite --db FILE --table NAME [--key COL[,COL]] [options] [FILE...]',
  examples: [
    ["count-by date -a 'n=count()' -i ev.ndjson | load-sqlite --db analytics.db --table daily --key date", 'upsert daily counts'],
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
    atomic: { type: 'boolean', default: false, describe: 'the whole load (and --post-sql) in one transaction: all or nothing (nothing when an input cannot be read)' },
    'busy-timeout': { type: 'number', default: 10000, describe: 'ms to wait for the write lock held by another writer (then exit 1, nothing of the transaction written)' },
  },
  check(o) {
    o.key = listOption(o.key);
    if (!(o.batch >= 1) || !Number.isInteger(o.batch)) return '--batch takes a positive integer';
    if (!(o.busyTimeout >= 0)) return '--busy-timeout takes a number of milliseconds (0 or more)';
    for (const n of [o.table, ...o.key]) { const why = badName(n); if (why) return `bad name ${JSON.stringify(n)}: ${why}`; }
    if (o.schema && !fs.existsSync(o.schema)) return `--schema file not found: ${o.schema}`;
    if (o.postSql?.startsWith('@') && !fs.existsSync(o.postSql.slice(1))) return `--post-sql file not found: ${o.postSql.slice(1)}`;
    return undefined;
  },
  create(o, ctx) {
    let loader: Loader;
    return {
      async init() {
        let driver: SqliteDriver;
        try { driver = new SqliteDriver(o.db, o.busyTimeout); } catch (err) { throw new Error(`cannot open ${o.db}: ${(err as Error).message}`); }
        loader = new Loader(driver, {
          table: o.table, key: o.key, alter: o.alter, batch: o.batch, onConflict: o.onConflict, atomic: o.atomic,
          schemaSql: o.schema ? fs.readFileSync(o.schema, 'utf8') : undefined,
          postSql: o.postSql === undefined ? undefined : sqlText(o.postSql),
        }, {
          reject: (w, reason, detail) => ctx.rejectAt(w.file, w.no, w.raw, reason, detail),
          note: (m) => ctx.warn(m),
          inputFailed: () => ctx.inputFailed(),
        });
        await loader.start();
      },
      record(line: Line) {
        const rec = ctx.parse(line);
        if (rec === undefined) return loader.countRejected();
        if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
          loader.countRejected();
          return ctx.reject(line, 'not a JSON object');
        }
        loader.add(rec, line.file, line.no, line.buf.toString('utf8', line.start, line.end));
      },
      async end() {
        const c = await loader.finish();
        ctx.count('inserted', c.inserted); ctx.count('updated', c.updated); ctx.count('unchanged', c.unchanged);
        ctx.warn(`${o.table}: inserted=${c.inserted} updated=${c.updated} unchanged=${c.unchanged} rejected=${c.rejected}`);
      },
    };
  },
};
export default tool;
