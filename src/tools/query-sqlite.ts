// query-sqlite: run a read-only SQL query against a SQLite file and print the rows as NDJSON (default),
// an aligned table or CSV. For scripts and checks; it opens the database read-only. Rows are read as
// arrays and printed by core/result-rows.ts (columns of one name, BLOBs, infinite REALs: see there).
import { batched, printRows } from '../core/result-rows.js';
import { dbFileKind, openDb, sqliteProblem } from '../core/sqlite.js';
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
        try { db = openDb(o.db, { readonly: true }); } catch (err) { throw new Error(`cannot open ${o.db}: ${sqliteProblem(err)}`); }
        try {
          let stmt;
          try { stmt = db.prepare(o.sql.join(' ')).safeIntegers(true); } catch (err) {
            // (a query wrong as written: SQLite's syntax errors, and better-sqlite3's own, which have no code:
            // more than one statement, `?` without a value; they were said as the database's failure, exit 1)
            const code = (err as { code?: string }).code;
            if (code === 'SQLITE_ERROR' || (code === undefined && (err instanceof RangeError || err instanceof TypeError))) throw new UsageError(`query failed: ${(err as Error).message}`);
            throw new Error(`${o.db}: ${sqliteProblem(err)}`);
          }
          if (!stmt.reader) throw new UsageError('only queries that return rows are allowed');
          const columns = stmt.columns().map((c) => c.name);
          // (the rows printed as they come: all of them held first took ~360 bytes a row, and | head
          // waited for the last)
          try { await printRows(ctx, o.format, columns, batched(stmt.raw(true).iterate() as Iterable<unknown[]>)); } catch (err) {
            // (INSERT ... RETURNING returns rows too: on the read-only connection it was said as a folder
            // this user cannot write; a PRAGMA or EXPLAIN that SQLite calls not read-only still runs)
            if ((err as { code?: string }).code?.startsWith('SQLITE_READONLY') && !stmt.readonly && /^\s*(?:with\b[\s\S]*?\b)?(?:insert|update|delete|replace)\b/i.test(o.sql.join(' '))) {
              throw new UsageError('it reads only: a statement that writes (INSERT, UPDATE, DELETE ... RETURNING) is not run');
            }
            if ((err as { code?: string }).code?.startsWith('SQLITE_')) throw new Error(`query failed: ${sqliteProblem(err)}`);
            if ((err instanceof RangeError || err instanceof TypeError) && /parameter/i.test(err.message)) throw new UsageError(`query failed: ${err.message} (the query's ? or :name has no value here)`);
            throw err;
          }
        } finally { db.close(); }
      },
    };
  },
};
export default tool;
