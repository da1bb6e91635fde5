#!/usr/bin/env node
// bench/jobs.mjs: scripts/insights.sh with --jobs 1 against --jobs 2 on generated data (docs/SCALING.md).
//   node bench/jobs.mjs [INTERACTIONS (default 1000000)] [ROUNDS (default 3)]
// Generates bench/data/insights-N/ once (scripts/generate-insights --seed 1, N interactions, N/10
// users, one CSV per day of 2023), then runs the two commands alternated, each into its own database,
// and checks after every run that the tables (all but stage_stats, which holds run times) are those
// of the first run. Prints a Markdown table: best and median wall seconds, speed-up against --jobs 1.
import fs from 'node:fs';
import path from 'node:path';
import { alternate, root, table, timed } from './alternate.mjs';
import { dumpAll } from '../test/helpers/incremental.mjs';

const n = Number(process.argv[2] ?? 1000000);
const rounds = Number(process.argv[3] ?? 3);
if (!(n > 0) || !(rounds > 0)) { console.error('usage: node bench/jobs.mjs [INTERACTIONS] [ROUNDS]'); process.exit(2); }
const data = path.join(root, 'bench/data', `insights-${n}`);
if (!fs.existsSync(path.join(data, 'user_metadata.csv'))) {
  const s = timed(`generate-insights --seed 1 --interactions ${n} --users ${Math.max(1, Math.round(n / 10))} --out ${data}.tmp && rm -rf ${data} && mv ${data}.tmp ${data}`);
  console.error(`generated ${data} in ${s.toFixed(1)} s`);
}
const files = fs.readdirSync(path.join(data, 'interactions')).filter((f) => f.endsWith('.csv')).sort();
const bytes = files.reduce((a, f) => a + fs.statSync(path.join(data, 'interactions', f)).size, 0);
timed(`cat ${data}/interactions/*.csv ${data}/user_metadata.csv > /dev/null`);  // the page cache

const work = fs.mkdtempSync(path.join(root, 'bench/data', 'jobs-run-'));
let first;
const same = (db) => {
  const t = dumpAll(db);
  delete t.stage_stats;
  if (!first) first = t;
  else if (JSON.stringify(t) !== JSON.stringify(first)) { console.error(`bench: ${db} holds other tables than the first run's`); process.exit(1); }
};
const cmd = (jobs) => {
  const db = path.join(work, `jobs-${jobs}.db`);
  return {
    name: `--jobs ${jobs}`,
    before() { for (const x of ["", "-wal", "-shm"]) fs.rmSync(db + x, { force: true }); },
    script: `insights.sh --db ${db} --jobs ${jobs} --metadata ${data}/user_metadata.csv ${data}/interactions/*.csv 2> /dev/null`,
    after() { same(db); },
  };
};
try {
  const results = alternate([cmd(1), cmd(2)], rounds);
  console.log(`insights.sh on ${n} interactions (${files.length} daily CSV files, ${(bytes / 1e6).toFixed(0)} MB) with --metadata, ${rounds} alternated rounds; the tables identical in every run\n`);
  console.log(table(results, '--jobs 1'));
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
