#!/usr/bin/env node
// scripts/lib/load-tables.mjs: a recipe's finished tables loaded one after another by ONE process (the
// library API's load-sqlite or load-postgres streams: the same tool, the same messages and figures),
// where a load process per table cost ~0.1 s of Node start-up each, eight of them on two cores.
//
//   node load-tables.mjs --tool load-sqlite|load-postgres --name RECIPE [--replace] [--stats FILE]
//        [--stage-stats] TABLE:KEY[,KEY]:FILE... -- ARGS...
//
// Each TABLE is loaded from its FILE (NDJSON) by TOOL with ARGS (e.g. --db FILE --schema SQL --atomic),
// --table TABLE and --key KEY (none when KEY is empty); --replace: the table is replaced whole (rows
// whose key the file does not hold are deleted in the load's transaction, --post-sql). --stats FILE:
// each load's figures appended to FILE (--stats-file). Every load is tried; the messages of each are
// printed (stderr) after it, in the order given. When one failed: "RECIPE: loading failed: TABLE..."
// and exit 1. Else with --stage-stats: the lines of --stats FILE (every stage's figures of the run)
// are loaded as rows of the table stage_stats, and a summary per tool printed (stderr, as a table).
// Exit status: 0 done, 1 a load failed, 2 a usage error.
//
// The same as a function, for a process that does more (scripts/lib/insights-combine.mjs loads the
// tables it computed without a second Node start): `await loadTables(ARGS)` with the arguments above,
// the messages the same; it returns the exit status.
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { createStream } from '../../dist/api.js';

/** one load: the tool's stream fed from `input`; its messages, and whether it failed */
async function load(tool, args, input) {
  const said = [];
  const stream = createStream(tool, args);
  stream.on('warning', (m) => said.push(m));
  try {
    await pipeline(input, stream, new Writable({ write(_c, _e, cb) { cb(); } }));
    return { said, ok: true };
  } catch (e) {
    // (the stream says what stopped it as a warning, worded as the command words it; its error only
    // when nothing was said)
    if (said.length === 0) said.push(e.message.startsWith(`${tool}:`) ? e.message : `${tool}: ${e.message}`);
    return { said, ok: false };
  }
}

/** the loads of ARGS (as the command line's); the exit status */
export async function loadTables(argv) {
  const cut = argv.indexOf('--');
  const own = cut < 0 ? argv : argv.slice(0, cut), common = cut < 0 ? [] : argv.slice(cut + 1);
  let tool = 'load-sqlite', name = 'load-tables', replace = false, statsFile = '', stageStats = false;
  const specs = [];
  const usage = (m) => { process.stderr.write(`load-tables.mjs: ${m}\n`); return 2; };
  for (let i = 0; i < own.length; i++) {
    const a = own[i];
    if (a === '--tool') tool = own[++i];
    else if (a === '--name') name = own[++i];
    else if (a === '--replace') replace = true;
    else if (a === '--stats') statsFile = own[++i];
    else if (a === '--stage-stats') stageStats = true;
    else if (a.startsWith('-')) return usage(`unknown option ${a}`);
    else {
      const m = /^([A-Za-z_][A-Za-z0-9_]*):([A-Za-z0-9_,]*):(.+)$/.exec(a);
      if (!m) return usage(`not TABLE:KEY:FILE: ${a}`);
      specs.push({ table: m[1], key: m[2], file: m[3] });
    }
  }
  if (tool !== 'load-sqlite' && tool !== 'load-postgres') return usage('--tool is load-sqlite or load-postgres');
  if (stageStats && !statsFile) return usage('--stage-stats needs --stats FILE');

  const stats = statsFile ? ['--stats-file', statsFile] : [];
  const failed = [];
  for (const { table, key, file } of specs) {
    const args = [...common, '--table', table, ...stats];
    if (key) args.push('--key', key);
    if (replace && key) args.push('--post-sql', `DELETE FROM ${table} WHERE (${key}) NOT IN (SELECT ${key} FROM loaded_keys)`);
    let input;
    try { input = fs.createReadStream(file); await new Promise((ok, no) => input.once('open', ok).once('error', no)); }
    catch (e) { process.stderr.write(`${name}: ${table}: cannot read ${file}: ${e.message}\n`); failed.push(table); continue; }
    const { said, ok } = await load(tool, args, input);
    for (const m of said) process.stderr.write(`${m}\n`);
    if (!ok) failed.push(table);
  }
  if (failed.length) { process.stderr.write(`${name}: loading failed: ${failed.join(' ')}\n`); return 1; }

  if (stageStats) {
    // per stage of the run (the equivalent of Spark's accumulators and stage view), and the summary per tool
    const rows = fs.readFileSync(statsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const now = new Date().toISOString();
    const text = rows.map((r) => JSON.stringify({ run_at: now, tool: r.tool, records_in: r.in, records_out: r.out, rejected: r.rejected,
      reasons: JSON.stringify(r.reasons), counters: JSON.stringify(r.counters), elapsed_s: r.elapsed_s, bytes_in: r.bytes_in, argv: r.argv.join(' ') }) + '\n').join('');
    const { ok, said } = await load(tool, [...common, '--table', 'stage_stats'], Readable.from([text]));
    if (!ok) { for (const m of said) process.stderr.write(`${m}\n`); process.stderr.write(`${name}: loading failed: stage_stats\n`); return 1; }
    const by = new Map();
    for (const r of rows) {
      const t = by.get(r.tool) ?? { tool: r.tool, runs: 0, records_in: 0, rejected: 0, seconds: 0 };
      t.runs++; t.records_in += r.in; t.rejected += r.rejected; t.seconds += r.elapsed_s;
      by.set(r.tool, t);
    }
    const summary = [...by.values()].sort((a, b) => b.seconds - a.seconds || (a.tool < b.tool ? -1 : 1))
      .map((t) => JSON.stringify({ ...t, seconds: Math.round(t.seconds * 100) / 100 }) + '\n').join('');
    const out = [];
    await pipeline(Readable.from([summary]), createStream('to-table'), new Writable({ write(c, _e, cb) { out.push(c); cb(); } }));
    process.stderr.write(Buffer.concat(out));
  }
  return 0;
}

/** run as a command (not imported): this file is the script node was given */
const isMain = () => { try { return import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href; } catch { return false; } };
if (isMain()) process.exitCode = await loadTables(process.argv.slice(2));
