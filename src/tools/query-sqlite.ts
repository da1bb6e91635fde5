// query-sqlite: run a read-only SQL query against a SQLite file and print the rows as NDJSON (default),
// an aligned table or CSV. For scripts and checks; it opens the database read-only. Rows are read as
// arrays and printed by core/result-rows.ts (columns of one name, BLOBs, infinite REALs: see there).
import { printRows } from '../core/result-rows.js';
import { openDb } from '../core/sqlite.js';
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
      end() {
        let db;
        try { db = openDb(o.db, { readonly: true }); } catch (err) { throw new UsageError(`cannot open ${o.db}: ${(err as Error).message}`); }
        let rows: unknown[][], columns: string[];
        try {
          const stmt = db.prepare(o.sql.join(' ')).safeIntegers(true);
          if (!stmt.reader) throw new UsageError('only queries that return rows are allowed');
          columns = stmt.columns().map((c) => c.name);
          rows = stmt.raw(true).all() as unknown[][];
        } catch (err) {
          if (err instanceof UsageError) throw err;
          throw new UsageError(`query failed: ${(err as Error).message}`);
        } finally { db.close(); }
        // (the rows written after the query: a stdout that cannot take them is the run's error, exit 1)
        printRows(ctx, o.format, columns, rows);
      },
    };
  },
};
export default tool;
