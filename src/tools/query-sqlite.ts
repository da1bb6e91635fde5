// query-sqlite: run a read-only SQL query against a SQLite file and print the rows as NDJSON (default),
// an aligned table or CSV. For scripts and checks; it opens the database read-only.
import { BigNum, stringify } from '../core/json.js';
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

export const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
};

/** rows as an aligned text table (header, rule, rows) */
export function formatTable(rows: Record<string, unknown>[], columns: string[]): string {
  const cells = rows.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? 'NULL' : String(r[c]))));
  const width = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(width[i])).join('  ').trimEnd();
  return [line(columns), line(width.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

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
        let rows: Record<string, unknown>[], columns: string[];
        try {
          const stmt = db.prepare(o.sql.join(' ')).safeIntegers(true);
          if (!stmt.reader) throw new UsageError('only queries that return rows are allowed');
          columns = stmt.columns().map((c) => c.name);
          rows = (stmt.all() as Record<string, unknown>[]).map((r) => {
            for (const k of Object.keys(r)) {
              const v = r[k];
              if (typeof v === 'bigint') r[k] = v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : new BigNum(v.toString());
            }
            return r;
          });
        } catch (err) {
          if (err instanceof UsageError) throw err;
          throw new UsageError(`query failed: ${(err as Error).message}`);
        } finally { db.close(); }
        // (the rows written after the query: a stdout that cannot take them is the run's error, exit 1)
        if (o.format === 'table') ctx.emit(formatTable(rows, columns));
        else if (o.format === 'csv') { ctx.emit(columns.map(csvCell).join(',')); for (const r of rows) ctx.emit(columns.map((c) => csvCell(r[c])).join(',')); }
        else for (const r of rows) ctx.emit(stringify(r));
      },
    };
  },
};
export default tool;
