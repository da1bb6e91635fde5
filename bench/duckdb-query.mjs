// node bench/duckdb-query.mjs "SQL" [threads]: rows as NDJSON on stdout, elapsed (with start-up) on stderr.
import { DuckDBInstance } from '@duckdb/node-api';
const t0 = performance.now();
const db = await DuckDBInstance.create(':memory:', { threads: process.argv[3] ?? '2' });
const con = await db.connect();
const reader = await con.runAndReadAll(process.argv[2]);
for (const row of reader.getRowObjectsJson()) process.stdout.write(JSON.stringify(row) + '\n');
process.stderr.write(`duckdb: ${((performance.now() - t0) / 1000).toFixed(3)} s\n`);
