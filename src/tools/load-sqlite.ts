// load-sqlite: upsert NDJSON records into a SQLite table by key: INSERT ... ON CONFLICT DO NOTHING, then an UPDATE of the columns that changed (never
// REPLACE, which would wipe columns the record does not carry). The work is the loader core's
// (src/core/loader.ts: batches, checks, conversion, counts, transactions, bad record vs failure of the
// run, and the options and transform every loader tool shares) over the SQLite driver
// (src/core/sqlite.ts); this file is the command line. The rules are in the README's load-sqlite section.
import { checkLoaderOptions, LOADER_OPTIONS, loaderTransform } from '../core/loader.js';
import type { LoaderToolOptions } from '../core/loader.js';
import { sqliteDialect, SqliteDriver } from '../core/sqlite.js';
import type { Tool } from '../core/tool.js';
import { outputFolder } from '../core/options.js';

export interface LoadSqliteOptions extends LoaderToolOptions { db: string }

export const tool: Tool<LoadSqliteOptions> = {
  name: 'load-sqlite',
  sink: true,
  summary: 'Upsert NDJSON records into a SQLite table by key (insert, or update the columns that changed), creating or widening the table; idempotent, transactional, with counts.',
  usage: 'load-sqlite --db FILE --table NAME [--key COL[,COL]] [options] [FILE...]',
  examples: [
    ["count-by date -a 'n=count()' -i ev.ndjson | load-sqlite --db analytics.db --table daily --key date", 'upsert daily counts'],
    ["load-sqlite --db a.db --table pairs --key date,user_id --on-conflict ignore --atomic --post-sql @refresh.sql < pairs.ndjson", 'load a side table and refresh a derived one in the same transaction (temp.loaded_keys holds the keys loaded)'],
  ],
  options: {
    db: { type: 'string', demandOption: true, describe: 'SQLite database file (created if missing; WAL mode)' },
    ...LOADER_OPTIONS,
  },
  check: (o) => checkLoaderOptions(o, sqliteDialect) ?? (o.db !== ':memory:' && o.db !== '' ? outputFolder(o.db) : undefined),
  create(o, ctx) {
    return loaderTransform(o, ctx, () => {
      try { return new SqliteDriver(o.db, o.busyTimeout); } catch (err) { throw new Error(`cannot open ${o.db}: ${(err as Error).message}`); }
    });
  },
};
export default tool;
