#!/usr/bin/env node
// scripts/lib/insights-combine.mjs: the Insights recipe's shards combined by ONE process (the library
// API's streams: the same tools, options, messages and figures as the commands), where the combination
// as commands side by side started eight Node processes (~0.1 s of start-up each, on two cores) for
// ~0.3 s of work: 1.0-1.1 s of the run, now 0.6-0.8 s (1M interactions; timed between the shards' end
// and the loads' start, 2026-12-06).
//
//   node insights-combine.mjs --work DIR --top P --stats FILE [--metadata] [--wait]
//        -- sess AGG... ';;' dev AGG... ';;' p95 AGG... [';;' load ARGS...]
//
// Reads the shards' parts in DIR (K.users, K.sess, K.dau, K.mau, K.ret, K.p95, K.dev; K = 0, 1, ...) and
// writes the tables' files there: power_users, session_metrics (sessions.ndjson), dau, dau_anomalies, mau,
// retention, app_version_p95 and, with --metadata, device_performance. AGG: the aggregates of the
// partial states (-a NAME=op(field) ...), as the shards wrote them. top's and retention's figures are
// appended to --stats FILE, as the commands' --stats-file. `load ARGS...` (last): then the tables are
// loaded by this process, ARGS those of scripts/lib/load-tables.mjs (its loadTables), when every step
// was done. --wait: the lines "done K" on stdin say that shard K has ended (its partial states are
// merged then, the first shard's while the last still runs); nothing is written before the line "go"
// comes, and nothing at all when stdin ends without it (the recipe starts this process while its shards
// still run, so that Node's start-up and the modules' loading, ~0.2 s, overlap their work, says each
// shard done as it ends, and go once all are, or stops).
// Exit status: 0 done, 1 a step failed (said: "insights.sh: the STEP step failed", after the tool's own
// messages) or a load failed (said by the load).
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { createStream } from '../../dist/api.js';
import { ceilPercent } from '../../dist/core/options.js';
import { loadTables } from './load-tables.mjs';
import { firstLines, usersOf, withTotals } from './users-file.mjs';

const argv = process.argv.slice(2);
const usage = (m) => { process.stderr.write(`insights-combine.mjs: ${m}\n`); process.exit(2); };
let work = '', top = '', stats = '', metadata = false, wait = false;
const cut = argv.indexOf('--');
const own = cut < 0 ? argv : argv.slice(0, cut);
for (let i = 0; i < own.length; i++) {
  const a = own[i];
  if (a === '--work') work = own[++i];
  else if (a === '--top') top = own[++i];
  else if (a === '--stats') stats = own[++i];
  else if (a === '--metadata') metadata = true;
  else if (a === '--wait') wait = true;
  else usage(`unknown option ${a}`);
}
if (!work || !top || !stats) usage('--work, --top and --stats are needed');
// the aggregate lists after --: NAME AGG... separated by ';;'; then load ARGS... to the end
const aggs = {};
let loadArgs = null;
{
  let name = null;
  const rest = cut < 0 ? [] : argv.slice(cut + 1);
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === ';;') { name = null; continue; }
    if (name === null && a === 'load') { loadArgs = rest.slice(i + 1); break; }
    if (name === null) { name = a; aggs[name] = []; } else aggs[name].push(a);
  }
}
for (const n of ['sess', 'dev', 'p95']) if (!aggs[n]) usage(`no aggregates for ${n}`);

/** the parts of every shard with this suffix */
const parts = (suffix) => fs.readdirSync(work).filter((f) => f.endsWith(`.${suffix}`) && /^\d+\./.test(f))
  .sort().map((f) => path.join(work, f)); // (in the order of the shell's glob, $work/*.suffix)
/** the files' bytes, one after another (as cat) */
const cat = (files) => Readable.from((function* () { for (const f of files) yield fs.readFileSync(f); })());

// --wait: the recipe says on stdin "done K" as each shard K ends, then "go" once all have and the run
// goes on (without --wait: go already). The merges of the partial states take each shard's part as
// its shard ends (the first shard's while the last still runs, on the core it left free), and end
// their input at go alone (so no tool ends, nor writes its figures, in a run that stops).
let said = wait ? null : 'go'; // null (waiting), 'go', or 'end' (stdin ended without go)
const done = []; // the shards said done, in that order
// (every waiter shares the promise of the next line heard, made anew once it comes)
let heard = () => {};
let nextLine = new Promise((ok) => { heard = ok; });
const hear = () => { const h = heard; nextLine = new Promise((ok) => { heard = ok; }); h(); };
const next = () => nextLine;
if (wait) {
  let text = '';
  process.stdin.setEncoding('latin1');
  process.stdin.on('data', (c) => {
    text += c;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
      const l = text.slice(0, nl);
      text = text.slice(nl + 1);
      if (said !== null) continue;
      const m = /^done (\d+)$/.exec(l);
      if (m) done.push(Number(m[1]));
      else if (l === 'go') said = 'go';
      hear();
    }
  });
  process.stdin.on('end', () => { if (said === null) said = 'end'; hear(); });
}
/** (after go) */
const goSaid = async () => { while (said === null) await next(); return said === 'go'; };
/** each shard's part with this suffix (its bytes) as the shard is said done; at go the parts not given yet,
 *  in the glob's order (the merges are exact in any order: sums, counts, quantile values) */
async function* shardParts(suffix) {
  const given = new Set();
  for (;;) {
    while (given.size < done.length) {
      const k = done[given.size];
      given.add(k);
      const f = path.join(work, `${k}.${suffix}`);
      if (fs.existsSync(f)) yield fs.readFileSync(f);
    }
    if (said === 'go') break;
    if (said === 'end') await new Promise(() => {}); // (never: the process ends without go)
    await next();
  }
  for (const f of parts(suffix)) if (!given.has(Number(path.basename(f).split('.')[0]))) yield fs.readFileSync(f);
}

/** `input` through the tool's stream; its output bytes. The tool's messages go to `say` (stderr, as the
 *  command prints them); a failure throws after them. */
async function run(input, tool, args, say = (m) => process.stderr.write(`${m}\n`)) {
  const out = [];
  const stream = createStream(tool, args);
  stream.on('warning', say);
  await pipeline(input, stream, new Writable({ write(c, _e, cb) { out.push(c); cb(); } }));
  return Buffer.concat(out);
}
const put = (name, bytes) => fs.writeFileSync(path.join(work, name), bytes);
const st = ['--stats-file', stats];

// the merges of the shards' partial states, started at once (see shardParts); each step below takes its
// merge's result (a merge that failed: that step's failure)
let merges = null;
const merge = (suffix, args) => { const p = run(Readable.from(shardParts(suffix)), 'count-by', args); p.catch(() => {}); return p; };
const steps = {
  // power users: each shard's users come in top's order (total descending, then user_id: count-by
  // --order-by), and its users are its own, so the top K of all users are among the first K of each
  // shard's; K = ceil(P% of the users with a total), as top --percent counts (a total of null: no number,
  // which top rejects). top reads 2K lines instead of every user's (632k users: ~0.8 s -> ~0.2 s).
  async power() {
    const files = parts('users');
    // the users with a total: each shard's count-by --limit figures (its users less those without a
    // total); without --limit, each shard's lines less its null totals, which come last (no whole-file
    // string made and searched: 2 x 15 MB of users took ~0.1 s so, ~25 ms by native newline searches)
    let n = 0, limited = 0;
    for (const l of fs.readFileSync(stats, 'utf8').split('\n')) {
      if (!l.startsWith('{"tool":"count-by",')) continue;
      const r = JSON.parse(l);
      if (r.argv?.includes('--limit')) { limited++; n += (r.counters?.groups ?? 0) - (r.counters?.['no value'] ?? 0); }
    }
    if (limited !== files.length) { n = 0; for (const f of files) { const c = usersOf(f); n += c.lines - c.nulls; } }
    const k = ceilPercent(n, top);
    if (k === 0) { put('power_users.ndjson', ''); return; }
    put('power_users.ndjson', await run(Readable.from(files.map((f) => withTotals(firstLines(f, k)))), 'top', ['--by', 'total_duration_ms', '--n', String(k), '--key', 'user_id', ...st]));
  },
  // sessions: merged; the users a sum of the keys each shard's sessionize made sessions of (its line in
  // the run's figures: users of different shards are different)
  async sessions() {
    const merged = await merges.sess;
    let users = 0;
    for (const l of fs.readFileSync(stats, 'utf8').split('\n')) if (l.startsWith('{"tool":"sessionize",')) users += (JSON.parse(l).counters ?? {}).keys ?? 0;
    const out = [];
    for (const l of merged.toString('utf8').split('\n')) {
      if (!l) continue;
      const { all_users, sessions, ...rest } = JSON.parse(l);
      out.push(JSON.stringify({ all_users: 'all', sessions, users, ...rest, sessions_per_user: users ? sessions / users : null }) + '\n');
    }
    put('sessions.ndjson', out.join(''));
  },
  // dau (sums of the shards' distinct users), its anomalies, then retention: weekly cohorts of the last 6
  // months (26 weeks before the last week in the data: the Monday of the last date's week, less 25 weeks)
  async dau() {
    const dau = await merges.dau;
    put('dau.ndjson', dau);
    put('dau_anomalies.ndjson', await run(Readable.from([dau]), 'anomalies', ['--value', 'active_users', '--order', 'date', '--window', '14', '--fill', '0', '--all']));
    const last = /"date":"([^"]+)"/.exec(dau.toString('utf8').trimEnd().split('\n').pop() ?? '')?.[1];
    const since = new Date(`${last}T00:00:00Z`);
    since.setUTCDate(since.getUTCDate() - ((since.getUTCDay() + 6) % 7) - 7 * 25);
    put('retention.ndjson', await run(cat(parts('ret')), 'retention', ['--merge', '--since', since.toISOString().slice(0, 10), ...st]));
  },
  async mau() {
    const mau = await merges.mau;
    put('mau.ndjson', mau.toString('utf8').replace(/"month":"([0-9]{4}-[0-9]{2})-01"/g, '"month":"$1"'));
  },
  async p95() { put('app_version_p95.ndjson', await merges.p95); },
  async dev() { if (metadata) put('device_performance.ndjson', await merges.dev); },
};
if (wait) {
  // while the shards run: each tool's module loaded and the tool used once on a line of its own, so that
  // its first real use is not also its start (its options' parser, the SIMD walk's WebAssembly, code
  // not yet compiled); the load's module (SQLite's or PostgreSQL's driver) loaded
  const { registry } = await import('../../dist/tools/index.js');
  const loader = loadArgs?.[loadArgs.indexOf('--tool') + 1];
  await Promise.all([loader, 'to-table'].filter((t) => registry[t]).map((t) => registry[t]()));
  const line = '{"k":"a","x":1,"d":"2023-01-01"}\n';
  for (const [tool, args] of [['top', ['--by', 'x', '--n', '1']], ['count-by', ['k', '-a', 'n=count()', '-a', 'p=p95(x)']],
    ['retention', ['--user', 'k', '--date', 'd']], ['anomalies', ['--value', 'x', '--order', 'd']]]) {
    await run(Readable.from([line]), tool, args, () => {}).catch(() => {});
  }
  // and on more than one line: top on the first lines of a shard's users (a shard that has ended: its
  // file is in place), a row loaded into a database of its own, so that the code they run after the
  // last shard has run before (cold, top took ~0.1 s more, the loads ~0.07 s)
  const users = parts('users')[0];
  if (users) await run(Readable.from([firstLines(users, 4000)]), 'top', ['--by', 'total_duration_ms', '--n', '100', '--key', 'user_id'], () => {}).catch(() => {});
  if (loader === 'load-sqlite') {
    const db = path.join(work, 'warm.db');
    await run(Readable.from([line, line.replace('"a"', '"b"')]), 'load-sqlite', ['--db', db, '--table', 'warm', '--key', 'k', '--atomic', '--post-sql', 'DELETE FROM warm WHERE (k) NOT IN (SELECT k FROM loaded_keys)'], () => {}).catch(() => {});
    for (const f of fs.readdirSync(work)) if (f.startsWith('warm.db')) fs.rmSync(path.join(work, f), { force: true });
  }
}
merges = {
  sess: merge('sess', ['all_users', '--merge', ...aggs.sess]),
  dau: merge('dau', ['date', '-a', 'active_users=sum(active_users)']),
  mau: merge('mau', ['month', '-a', 'active_users=sum(active_users)']),
  p95: merge('p95', ['app_version', '--merge', ...aggs.p95]),
  dev: metadata ? merge('dev', ['device_type', '--merge', ...aggs.dev]) : null,
};
// until the recipe says go; nothing at all (nothing written) when stdin ends without it
if (!(await goSaid())) process.exit(0);
// one after another (one thread: the same time as side by side); every step is tried, a failure said
// after the step's own messages; no table is loaded unless every one could be computed (exit 1)
// (INSIGHTS_TIMES=1: each step's milliseconds on stderr, for docs/PERFORMANCE.md)
const times = process.env.INSIGHTS_TIMES === '1' ? [] : null;
let failed = false, t0 = performance.now();
const lap = (name) => { if (times) { const t = performance.now(); times.push(`${name} ${(t - t0).toFixed(0)}`); t0 = t; } };
for (const [name, step] of Object.entries(steps)) {
  try { await step(); } catch { process.stderr.write(`insights.sh: the ${name} step failed\n`); failed = true; }
  lap(name);
}
if (failed) process.exit(1);
if (loadArgs !== null) process.exitCode = await loadTables(loadArgs);
lap('loads');
if (times) process.stderr.write(`insights-combine.mjs: ms: ${times.join(', ')}\n`);
