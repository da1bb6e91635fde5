// load-postgres: load-sqlite's semantics on PostgreSQL (the README's load-postgres section says where
// they differ): upsert NDJSON records by key with INSERT ... ON CONFLICT DO UPDATE of the columns a
// record carries, only when a value changed. The work is the loader core's (src/core/loader.ts) over the
// PostgreSQL driver (src/core/postgres.ts: COPY into a staging table, one upsert per run of rows); this
// file is the command line, with the loader options every loader tool shares.
import fs from 'node:fs';
import { checkLoaderOptions, LOADER_OPTIONS, loaderTransform } from '../core/loader.js';
import type { LoaderToolOptions } from '../core/loader.js';
import { pgDialect, PgDriver, pgUrlProblem } from '../core/postgres.js';
import type { Tool } from '../core/tool.js';

export interface LoadPostgresOptions extends LoaderToolOptions { url?: string }

export const tool: Tool<LoadPostgresOptions> = {
  name: 'load-postgres',
  summary: 'Upsert NDJSON records into a PostgreSQL table by key (COPY into a staging table, ON CONFLICT DO UPDATE), creating or widening the table; idempotent, transactional, with counts.',
  usage: 'load-postgres [--url URL] --table NAME [--key COL[,COL]] [options] [FILE...]',
  examples: [
    ["count-by date -a 'n=count()' -i ev.ndjson | load-postgres --url postgres://etl@db.internal:5432/analytics --table daily --key date", 'upsert daily counts'],
    ["load-postgres --url postgres://etl@localhost/analytics --table pairs --key date,user_id --on-conflict ignore --atomic --post-sql @refresh.sql < pairs.ndjson", 'load a side table and refresh a derived one in the same transaction (the temp table loaded_keys holds the keys loaded)'],
  ],
  options: {
    url: { type: 'string', describe: 'postgres://USER@HOST:PORT/DB; without it the PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD variables as libpq reads them (a password is better kept in PGPASSWORD or ~/.pgpass than in the URL)' },
    ...LOADER_OPTIONS,
    'post-sql': { ...LOADER_OPTIONS['post-sql'], describe: 'SQL (or @FILE) run after the last batch in the same transaction; the temp table loaded_keys has the loaded keys' },
    'busy-timeout': { ...LOADER_OPTIONS['busy-timeout'], describe: 'ms to wait for a lock another transaction holds (lock_timeout: a row being written, the table being altered), then exit 1 with nothing of the transaction written' },
  },
  check(o) {
    // (the loader's temporary tables come first in PostgreSQL's search for a name: a table so named could
    // not be loaded, every run failing with a missing column; load-sqlite names its main table apart)
    const post = () => { try { return o.postSql?.startsWith('@') ? fs.readFileSync(o.postSql.slice(1), 'utf8') : o.postSql ?? ''; } catch { return ''; } };
    const own = /^ep_stage_\d+$/.test(o.table) || (o.table === 'loaded_keys' && /loaded_keys/i.test(post()));
    if (own) return `--table ${o.table}: the name of one of the loader's own temporary tables here: load into another name`;
    return pgUrlProblem(o.url) ?? checkLoaderOptions(o, pgDialect);
  },
  create(o, ctx) {
    return loaderTransform(o, ctx, () => new PgDriver({ url: o.url, table: o.table, lockTimeoutMs: o.busyTimeout }));
  },
};
export default tool;
