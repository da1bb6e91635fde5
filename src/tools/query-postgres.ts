// query-postgres: query-sqlite's sibling for PostgreSQL. Runs one SQL query in a READ ONLY transaction
// (rolled back at the end) and prints the rows as NDJSON (default), an aligned table or CSV, as
// query-sqlite does. The connection is load-postgres' (--url, else the PG* variables and ~/.pgpass).
// Values are printed exactly: BIGINT as its digits (a number; beyond 2^53 still the exact digits),
// NUMERIC as its exact number text, DATE and timestamps as PostgreSQL writes them (never through a JS
// Date, so no time zone shift), JSON/JSONB as the JSON value itself (64-bit numbers exact), booleans
// true/false; NaN and infinities (which JSON cannot hold) as the strings "NaN", "Infinity", "-Infinity";
// the rest (BYTEA, columns of one name) as query-sqlite prints them (core/result-rows.ts).
// One statement only (the extended protocol refuses several); a query that returns no rows' shape
// (INSERT, SET...) is a usage error, and so is what the read-only transaction refuses.
import { BigNum, parseDigits, parseJson } from '../core/json.js';
import { compact, nestedDeeper } from '../core/json-stream.js';
import { pgConnect, pgUrlProblem } from '../core/postgres.js';
import { JsonCell, exactInteger, printRows } from '../core/result-rows.js';
import { UsageError } from '../core/tool.js';
import type { Tool } from '../core/tool.js';
import type { Options } from 'yargs';
import type { OptionsOf } from '../core/options.js';

const options = {
  url: { type: 'string', describe: 'postgres://USER@HOST:PORT/DB; without it the PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD variables as libpq reads them (as load-postgres)' },
  format: { choices: ['ndjson', 'table', 'csv'], default: 'ndjson', describe: 'output format' },
} as const satisfies Record<string, Options>;

export type QueryPostgresOptions = OptionsOf<typeof options> & { files: string[] } & { sql: string[] };

// type OIDs (pg_type.oid, fixed for the built-in types)
const INT8 = 20, NUMERIC = 1700, FLOAT4 = 700, FLOAT8 = 701, JSON_OID = 114, JSONB = 3802;
const DATE = 1082, TIMESTAMP = 1114, TIMESTAMPTZ = 1184, TIME = 1083, TIMETZ = 1266, INTERVAL = 1186;
const AS_TEXT = new Set([DATE, TIMESTAMP, TIMESTAMPTZ, TIME, TIMETZ, INTERVAL]);
const NOT_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);
// arrays of the types above: element by element as the type alone (pg's own parsers give int8[] as
// strings, round numeric[] to doubles and read date[] and timestamps[] into a JavaScript Date)
const ARRAY_OF = new Map([[1016, INT8], [1231, NUMERIC], [1021, FLOAT4], [1022, FLOAT8], [199, JSON_OID], [3807, JSONB],
  [1182, DATE], [1115, TIMESTAMP], [1185, TIMESTAMPTZ], [1183, TIME], [1270, TIMETZ], [1187, INTERVAL]]);

type PgTypes = { getTypeParser(oid: number, format: 'text'): unknown; arrayParser: { create(text: string, parse: (text: string) => unknown): { parse(): unknown } } };

/** the text PostgreSQL sends for a value of type `oid`, as the value printed */
function parserFor(oid: number, types: PgTypes): (text: string) => unknown {
  const element = ARRAY_OF.get(oid);
  if (element !== undefined) { const parse = parserFor(element, types); return (s) => types.arrayParser.create(s, parse).parse(); }
  if (oid === INT8) return exactInteger;
  if (oid === NUMERIC) return (s) => (NOT_FINITE.has(s) ? s : /^-?\d+$/.test(s) ? exactInteger(s) : new BigNum(s));
  if (oid === FLOAT4 || oid === FLOAT8) return (s) => (NOT_FINITE.has(s) ? s : Number(s));
  // (numbers exact: a decimal of more than 15 significant digits too, as the loaders stored it)
  if (oid === JSON_OID || oid === JSONB) {
    return (s) => {
      const b = Buffer.from(s, 'utf8');
      // (deeper than the writers walk: its text, compacted; PostgreSQL checked it is JSON)
      if (nestedDeeper(b, 1000)) return new JsonCell(undefined, compact(b, 0, b.length).toString('utf8'));
      return new JsonCell(parseDigits(b, 0, b.length) ?? parseJson(s));
    };
  }
  if (AS_TEXT.has(oid)) return (s) => s;
  return types.getTypeParser(oid, 'text') as (text: string) => unknown;
}

export const tool: Tool<QueryPostgresOptions> = {
  name: 'query-postgres',
  summary: 'Run one read-only SQL query on PostgreSQL and print the rows as NDJSON, a table or CSV (BIGINT and NUMERIC exact, dates as text); query-sqlite for PostgreSQL.',
  usage: 'query-postgres [--url URL] [--format ndjson|table|csv] SQL',
  positional: { name: 'sql', describe: 'the query', demand: true },
  noInput: true,
  readsNothing: true,
  examples: [
    ["query-postgres --url postgres://etl@db.internal/analytics --format table 'SELECT * FROM active_user_table ORDER BY date'", 'print the Sliide table'],
  ],
  options,
  check(o) {
    return pgUrlProblem(o.url);
  },
  create(o, ctx) {
    return {
      record() { /* no input */ },
      async end() {
        const pg = (await import('pg')).default;
        let client: import('pg').Client;
        try {
          client = await pgConnect(o.url, 'event-pipes query-postgres', (c) => {
            c.on('error', () => { /* the query's promise rejects */ });
            c.on('notice', () => { /* notices are not rows */ });
          });
        } catch (err) {
          if (err instanceof UsageError) throw err;
          throw new Error(oneLine(err)); // the URL is never repeated: it may hold a password
        }
        try {
          await client.query('BEGIN READ ONLY');
          type Result = { fields: { name: string }[]; rows: unknown[][]; command: string };
          const types = { getTypeParser: (oid: number) => parserFor(oid, pg.types as unknown as PgTypes) };
          // a query the server refuses as written (syntax, names, read-only) is a usage error, a failure
          // while it runs the run's
          const failed = (err: unknown): Error => {
            const code = (err as { code?: unknown }).code;
            // (a query with parameters, $1, that nothing here can give: 08P01 "bind message supplies 0 parameters")
            const params = code === '08P01' && /bind message supplies/.test((err as Error).message ?? '');
            return typeof code === 'string' && (/^42/.test(code) || code === '25006' || params) ? new UsageError(`query failed: ${oneLine(err)}`) : new Error(`query failed: ${oneLine(err)}`);
          };
          const run = async (text: string): Promise<Result> => {
            try { return await client.query({ text, rowMode: 'array', queryMode: 'extended', types } as never) as unknown as Result; } catch (err) { throw failed(err); }
          };
          // the rows through a cursor, FETCHed 10,000 at a time and printed as they come (all of them
          // held first took ~190 bytes a row, and | head waited for the last); a statement a cursor
          // cannot hold (SHOW, EXPLAIN, not a query) is run as it is
          const sql = o.sql.join(' ');
          let first: Result | null = null;
          await client.query('SAVEPOINT ep_cursor');
          let declared = true;
          try {
            await client.query({ text: `DECLARE ep_rows NO SCROLL CURSOR FOR ${sql}`, queryMode: 'extended' } as never);
          } catch (err) {
            if (!['42601', '0A000', '42P11', '34000'].includes((err as { code?: string }).code ?? '')) throw failed(err);
            await client.query('ROLLBACK TO SAVEPOINT ep_cursor');
            declared = false;
          }
          if (declared) first = await run('FETCH 10000 FROM ep_rows');
          const r = first ?? await run(sql);
          if (!r.fields.length) throw new UsageError('only queries that return rows are allowed');
          async function* batches(): AsyncGenerator<unknown[][]> {
            yield r.rows;
            if (first === null) return;
            for (let n = r.rows.length; n === 10000;) { const next = await run('FETCH 10000 FROM ep_rows'); n = next.rows.length; yield next.rows; }
          }
          await printRows(ctx, o.format, r.fields.map((f) => f.name), batches());
        } finally {
          try { await client.query('ROLLBACK'); } catch { /* the connection went: nothing to undo */ }
          await client.end().catch(() => undefined);
        }
      },
    };
  },
};
export default tool;

function oneLine(err: unknown): string {
  const e = err as Error & { errors?: Error[]; code?: unknown };
  let message = e instanceof Error ? e.message : String(err);
  if (!message && Array.isArray(e.errors)) message = e.errors.map((x) => x.message).join('; ');
  if (!message) message = String(e.code ?? 'unknown error');
  return message.replace(/\s*\n\s*/g, ' ');
}
