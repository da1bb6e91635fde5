// node duckdb-run.mjs [--threads N] [--db FILE] (SQLFILE... | -e SQL) [NAME=VALUE ...]
// Runs the statements of the SQLFILEs, one after another (or -e SQL), in DuckDB through its node API, each {{NAME}} replaced by
// VALUE (single quotes doubled: the placeholders stand inside SQL string literals), and prints the rows
// of the last statement as NDJSON on stdout. --threads: DuckDB's worker threads (default 2); --db: a
// database file (default: in memory). The bench starts it without NODE_EXTRA_CA_CERTS, like our bins.
import fs from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const args = process.argv.slice(2);
let threads = '2', db = ':memory:', sql;
const vars = {};
while (args.length) {
  const a = args.shift();
  if (a === '--threads') threads = args.shift();
  else if (a === '--db') db = args.shift();
  else if (a === '-e') sql = args.shift();
  else if (a.includes('=')) { const i = a.indexOf('='); vars[a.slice(0, i)] = a.slice(i + 1); }
  else sql = (sql === undefined ? '' : sql + '\n') + fs.readFileSync(a, 'utf8'); // (several files: run in order)
}
if (sql === undefined) { console.error('usage: node duckdb-run.mjs [--threads N] [--db FILE] (SQLFILE... | -e SQL) [NAME=VALUE ...]'); process.exit(2); }
sql = sql.replace(/\{\{(\w+)\}\}/g, (_, k) => {
  if (!(k in vars)) { console.error(`duckdb-run: no value for {{${k}}}`); process.exit(2); }
  return vars[k].replaceAll("'", "''");
});
const instance = await DuckDBInstance.create(db, { threads });
const con = await instance.connect();
const reader = await con.runAndReadAll(sql);
let out = '';
for (const row of reader.getRowObjectsJson()) {
  out += JSON.stringify(row) + '\n';
  if (out.length > 1 << 16) { fs.writeSync(1, out); out = ''; }
}
if (out) fs.writeSync(1, out);
con.closeSync();
instance.closeSync?.();
