// query-sqlite: run a read-only SQL query against a SQLite file and print the rows as NDJSON (default),
// an aligned table or CSV. For scripts and checks; it opens the database read-only. Rows are read as
// arrays and printed by core/result-rows.ts (columns of one name, BLOBs, infinite REALs: see there).
import { batched, printRows } from '../core/result-rows.js';
import { dbFileKind, openDb } from '../core/sqlite.js';
import { UsageError } from '../core/tool.js';
import type { Tool } from '../core/tool.js';
import type { Options } from 'yargs';
import type { InputOptions, OptionsOf } from '../core/options.js';

const options = {
  db: { type: 'string', demandOption: true, describe: 'SQLite database file (opened read-only)' },
  format: { choices: ['ndjson', 'table', 'csv'], default: 'ndjson', describe: 'output format' },
} as const satisfies Record<string, Options>;

export type QuerySqliteOptions = OptionsOf<typeof options> & { files: string[] } & { sql: string[] };

export const tool: Tool<QuerySqliteOptions> = {
  name: 'query-sqlite',
  summary: 'Run read-only SQL on a SQLite database and print the rows as NDJSON, a table or CSV (64-bit integers exact).',
  usage: 'query-sqlite --db FILE SQL',
  positional: { name: 'sql', describe: 'the query', demand: true },
  noInput: true,
  readsNothing: true,
  examples: [
    ["query-sqlite --db analytics.db --format table 'SELECT * FROM active_user_table ORDER BY date'", 'print the Sliide table'],
  ],
  options,
  create(o, ctx) {
    return {
      record() { /* no input */ },
      async end() {
        // (a query wrong as written is a usage error, exit 2; a database that cannot be read, is locked
        // past the wait, or fails while the rows come, exit 1: the run failed, --help cannot help)
        let db;
        const kind = dbFileKind(o.db);
        if (kind === 'folder') throw new UsageError(`--db ${o.db} is a folder`);
        if (kind === 'missing') throw new Error(`cannot open ${o.db}: no such file`);
        try { db = openDb(o.db, { readonly: true }); } catch (err) { throw new Error(`cannot open ${o.db}: ${why(err)}`); }
        try {
          let stmt;
          try { stmt = db.prepare(o.sql.join(' ')).safeIntegers(true); } catch (err) {
            if ((err as { code?: string }).code === 'SQLITE_ERROR') throw new UsageError(`query failed: ${(err as Error).message}`);
            throw new Error(`${o.db}: ${why(err)}`);
          }
          if (!stmt.reader) throw new UsageError('only queries that return rows are allowed');
          const columns = stmt.columns().map((c) => c.name);
          // (the rows printed as they come: all of them held first took ~360 bytes a row, and | head
          // waited for the last)
          try { await printRows(ctx, o.format, columns, batched(stmt.raw(true).iterate() as Iterable<unknown[]>)); } catch (err) {
            if ((err as { code?: string }).code?.startsWith('SQLITE_')) throw new Error(`query failed: ${why(err)}`);
            throw err;
          }
        } finally { db.close(); }
      },
    };
  },
};
export default tool;

/** SQLite's message, and what to do where it misleads: a database in WAL mode (as the loaders leave it)
 *  opened read-only needs its folder writable for the -shm file */
function why(err: unknown): string {
  const e = err as Error & { code?: string };
  if (e.code === 'SQLITE_READONLY' || e.code === 'SQLITE_CANTOPEN' && /readonly|read-only/.test(e.message)) {
    return `${e.message} (a database in WAL mode, as load-sqlite leaves it, is read through files beside it: its folder must be writable by this user, or the database copied where it is)`;
  }
  if (e.code === 'SQLITE_BUSY') return `${e.message} (another process held the database past the 10 s wait)`;
  return e.message;
}
