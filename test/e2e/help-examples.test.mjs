// Help that can be trusted, for every tool in the registry and every recipe in scripts/:
//  - every example of every --help (tools, recipes, generators, cron-run and `event-pipes --help`)
//    is accepted by `bash -n` and RUN as pasted in a sandbox folder holding small fixture files of
//    the names the examples use (built here from ../shared/data/real and the generators): it must
//    exit 0, print no stack trace, and leave something real (stdout, or new files that parse: NDJSON
//    lines, a SQLite database with rows, a Parquet file, an SVG or HTML page). A server example
//    (a tool with --port) is started, the other examples of its help (curl) are run against it, and
//    it is stopped. An example needing a program that is not installed is reported loudly (only its
//    syntax checked); load-postgres, query-postgres and the recipes' --pg examples need a PostgreSQL
//    server and are reported the same way (test/e2e/postgres-recipes.test.mjs runs those recipes).
//  - tools' --help at COLUMNS 80, 100 and 200: no line break inside a word (the words of every
//    rendering are the same, and each is a word of the tool's own texts or of yargs' labels), and no
//    line wider than the width unless it is one unbreakable word.
//  - recipes: --help and -h exit 0 and change nothing (the package's data/ folder included), a
//    usage error is one line with the hint and exit 2, help lines fit 100 columns, the second line
//    of each *.sh is the summary `event-pipes list` shows after the tools.
// Every run is started up front, a few at a time (most of the cost is process start-up); each test
// awaits its own results.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { hasReal, real, root, sh, tmpdir } from '../helpers/sh.mjs';

const { registry, loadTool } = await import(`${root}/dist/tools/index.js`);
const runner = await import(`${root}/dist/core/runner.js`);
const tools = [];
for (const name of Object.keys(registry)) tools.push(await loadTool(name));

const PATH = `${root}/bin:${root}/scripts:${process.env.PATH}`;
const env = (extra = {}) => {
  const e = { ...process.env, PATH };
  delete e.COLUMNS;
  return { ...e, ...extra };
};

// ---------------------------------------------------------------------------------------------------
// helpers

/** bash -o pipefail -c CMD, asynchronously (several at a time), stdin empty */
function run(cmd, { cwd = root, extraEnv = {}, timeout = 180000 } = {}) {
  return new Promise((resolve) => {
    const p = spawn('bash', ['-o', 'pipefail', '-c', cmd], { cwd, env: env(extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', timedOut = false;
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    // (the kill comes 5 s after the timeout: a timer late because this process was busy with
    // synchronous work fires before the exit it waited for is read, and took a quick command that had
    // ended long before, a --help, for one that timed out)
    let grace;
    const timer = setTimeout(() => { grace = setTimeout(() => { timedOut = true; p.kill('SIGKILL'); }, 5000); }, timeout);
    p.on('close', (status) => { clearTimeout(timer); clearTimeout(grace); resolve({ status: timedOut ? 'timed out' : status, stdout, stderr }); });
  });
}

/** fn() when one of the few slots is free (a promise of its result; a failure is kept for the test that awaits it) */
const SLOTS = 4;
let busy = 0;
const waiting = [];
function later(fn) {
  const p = new Promise((resolve, reject) => {
    const go = () => { busy++; Promise.resolve().then(fn).then(resolve, reject).finally(() => { busy--; waiting.shift()?.(); }); };
    if (busy < SLOTS) go(); else waiting.push(go);
  });
  p.catch(() => {});
  return p;
}

/** the Examples section of a help text as [{cmd, what}]: `  CMD` lines (continued by a trailing ` \`), `      what` lines */
function helpExamples(text) {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^Examples?:\s*$/.test(l));
  if (start < 0) return [];
  const out = [];
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i];
    if (l.trim() === '') { if (out.length) break; continue; }
    if (/^ {2}\S/.test(l)) {
      let cmd = l.slice(2);
      while (cmd.endsWith(' \\') && i + 1 < lines.length) cmd = `${cmd.slice(0, -2)} ${lines[++i].trim()}`;
      out.push({ cmd, what: '' });
    } else if (/^ {3,}\S/.test(l) && out.length) out[out.length - 1].what = `${out[out.length - 1].what} ${l.trim()}`.trim();
    else break;
  }
  return out;
}

/** the words of a command line as the shell splits them (quotes kept) */
function shellWords(line) {
  const out = [];
  let cur = '', quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) { if (c === quote) quote = ''; cur += c; continue; }
    if (c === "'" || c === '"') { quote = c; cur += c; continue; }
    if (c === '\\') { cur += c + (line[++i] ?? ''); continue; }
    if (/\s/.test(c)) { if (cur) out.push(cur); cur = ''; continue; }
    cur += c;
  }
  if (cur) out.push(cur);
  return out;
}

/** the programs a command line starts (the first word of each pipeline stage) */
function programs(cmd) {
  const stages = [];
  let cur = '', quote = '';
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i];
    if (quote) { if (c === quote) quote = ''; cur += c; continue; }
    if (c === "'" || c === '"') { quote = c; cur += c; continue; }
    if (c === '\\') { cur += c + (cmd[++i] ?? ''); continue; }
    if (c === '|' || c === ';' || c === '&') { stages.push(cur); cur = ''; continue; }
    cur += c;
  }
  stages.push(cur);
  return stages.map((s) => s.trim().split(/\s+/).find((w) => w && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w))).filter((w) => w && !/^[<>]/.test(w));
}

const ours = new Set([...Object.keys(registry), 'event-pipes', ...fs.readdirSync(`${root}/scripts`)]);
const installed = (prog) => spawnSync('bash', ['-c', `command -v ${prog}`], { env: env() }).status === 0;

/** path -> size:mtime of every file under dir */
function snapshot(dir) {
  const out = new Map();
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else { const s = fs.statSync(p); out.set(path.relative(dir, p), `${s.size}:${s.mtimeMs}`); }
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}
const changed = (before, after) => [...after.keys()].filter((k) => before.get(k) !== after.get(k));

/** a file an example wrote: it must hold something real, as its kind says; returns a problem or '' */
function checkOutput(file) {
  const text = () => fs.readFileSync(file, 'utf8');
  if (/-(wal|shm|journal)$|\.lock$/.test(file) || fs.statSync(file).size === 0) return '';
  if (/\.(ndjson|jsonl)$/.test(file) || /\.json$/.test(file)) {
    const t = text();
    try { JSON.parse(t); return ''; } catch { /* JSON lines */ }
    const ls = t.split('\n').filter((l) => l.trim());
    for (const [i, l] of ls.entries()) { try { JSON.parse(l); } catch { return `line ${i + 1} is not JSON: ${l.slice(0, 80)}`; } }
    return ls.length ? '' : 'no records';
  }
  if (/\.db$/.test(file)) {
    const db = new Database(file, { readonly: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) => r.name);
      const rows = tables.reduce((n, t) => n + db.prepare(`SELECT count(*) AS n FROM "${t}"`).get().n, 0);
      return rows > 0 ? '' : 'a database without rows';
    } finally { db.close(); }
  }
  if (/\.parquet$/.test(file)) {
    const b = fs.readFileSync(file);
    return b.subarray(0, 4).toString() === 'PAR1' && b.subarray(-4).toString() === 'PAR1' ? '' : 'not a Parquet file';
  }
  if (/\.svg$/.test(file)) return /<svg[\s>]/.test(text()) ? '' : 'not an SVG';
  if (/\.html$/.test(file)) return /<html[\s>]/i.test(text()) ? '' : 'not an HTML page';
  return '';
}

const STACK = /^\s+at .+(:\d+:\d+\)?|\(node:.+\))$/m;

/**
 * Run one example as pasted in a fresh copy of the fixtures; returns a list of problems ([] = fine).
 * A program not installed, or a PostgreSQL example (no server here), is reported loudly and only checked by bash -n.
 */
async function runExample(where, cmd, { fixtures, port } = {}) {
  const problems = [];
  const syntax = spawnSync('bash', ['-n', '-c', cmd], { encoding: 'utf8' });
  if (syntax.status !== 0) return [`${where}: bash -n rejects \`${cmd}\`: ${syntax.stderr.trim()}`];
  for (const prog of programs(cmd)) {
    if (prog.startsWith('scripts/') && ours.has(prog.slice(8))) continue;
    if (ours.has(prog)) { if (!installed(prog)) problems.push(`${where}: ${prog} is not on PATH`); continue; }
    if (!installed(prog)) { loud(`${where}: \`${cmd}\` not run: ${prog} is not installed (syntax checked)`); return problems; }
  }
  if (problems.length) return problems;
  if (programs(cmd).some((p) => p === 'load-postgres' || p === 'query-postgres') || /\s--pg\s/.test(cmd)) { loud(`${where}: \`${cmd}\` not run: it needs the PostgreSQL server it names (syntax checked)`); return []; }
  if (!fixtures) { loud(`${where}: \`${cmd}\` not run: ../shared/data/real is missing, no fixtures (syntax checked)`); return []; }
  const dir = tmpdir('ep-example-');
  copyFixtures(fixtures, dir, cmd);
  // an example of a recipe run from the package folder (scripts/NAME.sh) finds it there
  if (/(^|[|;&]\s*)scripts\//.test(cmd)) fs.symlinkSync(`${root}/scripts`, `${dir}/scripts`);
  const before = snapshot(dir);
  const line = port && port !== 5000 ? cmd.replaceAll('5000', String(port)) : cmd;
  const r = await run(line, { cwd: dir, extraEnv: { EVENT_PIPES_LOCK_DIR: dir } });
  if (r.status !== 0) problems.push(`${where}: \`${cmd}\` exited ${r.status}: ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  if (STACK.test(r.stderr)) problems.push(`${where}: \`${cmd}\` printed a stack trace: ${r.stderr.trim().slice(0, 400)}`);
  const outs = changed(before, snapshot(dir));
  for (const f of outs) { const p = checkOutput(path.join(dir, f)); if (p) problems.push(`${where}: \`${cmd}\` wrote ${f}: ${p}`); }
  const wrote = outs.filter((f) => !/-(wal|shm|journal)$|\.lock$/.test(f) && fs.statSync(path.join(dir, f)).size > 0);
  if (r.stdout.trim() === '' && wrote.length === 0) problems.push(`${where}: \`${cmd}\` printed nothing and wrote no file`);
  if (/^curl /.test(cmd)) {  // an API answer: JSON, and not an error
    try { const j = JSON.parse(r.stdout); if (j && typeof j === 'object' && 'error' in j) problems.push(`${where}: \`${cmd}\` answered an error: ${r.stdout.trim()}`); } catch { problems.push(`${where}: \`${cmd}\` answered no JSON: ${r.stdout.slice(0, 200)}`); }
  }
  if (problems.length === 0) fs.rmSync(dir, { recursive: true, force: true });
  return problems;
}

/** copy the fixtures a command names (a name in it, or matched by one of its glob words; a database with its -wal and -shm) */
function copyFixtures(from, to, cmd) {
  const globs = shellWords(cmd).filter((w) => /[*?]/.test(w))
    .map((w) => new RegExp(`^${w.split('/')[0].replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`));
  for (const name of fs.readdirSync(from)) {
    const base = name.replace(/-(wal|shm)$|\.lock$/, '');
    if (cmd.includes(base) || globs.some((g) => g.test(base))) fs.cpSync(path.join(from, name), path.join(to, name), { recursive: true, preserveTimestamps: true });
  }
}

const notices = [];
function loud(message, kind = 'NOT RUN') { notices.push(message); console.log(`\n  !! ${kind}: ${message}`); }

// ---------------------------------------------------------------------------------------------------
// the fixtures: small files of the names the examples use, built from the real samples and the
// generators (nothing of the real data is kept in the repository)

function buildFixtures() {
  if (!hasReal) return null;
  const F = tmpdir('ep-fixtures-');
  const R = real;
  const step = (script) => {
    const r = sh(script, { cwd: F });
    if (r.status !== 0) throw new Error(`fixture step failed (${r.status}): ${script}\n${r.stderr}`);
    return r;
  };
  // Sliide (GA4 export): the sample as an export, gzipped, its engaged events with their US/Central
  // date (ev.ndjson), the recipe's database and table, (date, user) pairs and a refresh script
  step(`cp ${R}/sliide/bq-results-sample-data.jsons events.ndjson && gzip -c events.ndjson > export.json.gz
        cp ${R}/sliide/user_engagement.examples.json .
        filter-engaged events.ndjson | to-local-date --tz America/Chicago > ev.ndjson
        active-users.sh --quiet --db analytics.db events.ndjson 2> /dev/null
        query-sqlite --db analytics.db 'SELECT date, active_user_count FROM active_user_table ORDER BY date' > daily.ndjson
        count-by --distinct date user_id=user_pseudo_id -i ev.ndjson > pairs.ndjson`);
  fs.writeFileSync(`${F}/refresh.sql`, [
    'CREATE TABLE IF NOT EXISTS daily_users (date TEXT PRIMARY KEY, users INTEGER NOT NULL);',
    'INSERT INTO daily_users (date, users)',
    '  SELECT date, count(*) FROM pairs WHERE date IN (SELECT date FROM temp.loaded_keys) GROUP BY date',
    '  ON CONFLICT (date) DO UPDATE SET users = excluded.users;', ''].join('\n'));
  // Lingokids: the real users and activities, raw events generated against them, a small cube
  step(`cp ${R}/lingokids/users.json ${R}/lingokids/activities.json .
        generate-lingokids --seed 1 --events 2000 --users users.json --activities activities.json --out events.json
        where name=activity_exit -i events.json | to-local-date --field occurred_at \\
          | count-by date activity_id=data.activity_id -a 'plays=count()' -a 'completed_plays=count_if(data.completed)' \\
              -a 'total_duration_s=sum(data.duration)' > cube.ndjson`);
  // Loco: the real likes and unlikes and schema files, generated watch events (the watch file is not
  // public), and the steps of the recipe (final.ndjson, ratios.ndjson, merged.ndjson, reel_interest.ndjson)
  step(`cp ${R}/loco/reel_liked_data ${R}/loco/reel_unliked_data ${R}/loco/*_schema.json .
        generate-loco --seed 3 --events 3000 | where event_name=reel_watched > reel_watched_data
        final-action reel_liked_data reel_unliked_data > final.ndjson
        watch-ratio reel_watched_data > ratios.ndjson 2> /dev/null
        merge-keys -k user_uid,reel_uid final.ndjson ratios.ndjson > merged.ndjson
        reel-interest < merged.ndjson > reel_interest.ndjson`);
  // follow/unfollow toggles (final-action's generic example): the real likes as follows of the streamer
  const follows = ['reel_liked_data', 'reel_unliked_data'].flatMap((f) => fs.readFileSync(`${F}/${f}`, 'utf8').split('\n').filter(Boolean).map((l) => {
    const e = JSON.parse(l);
    return JSON.stringify({ event_name: e.event_name === 'reel_liked' ? 'follow' : 'unfollow', account: e.user_uid, item: e.streamer_uid, ts: e.timestamp });
  }));
  fs.writeFileSync(`${F}/follows.ndjson`, follows.join('\n') + '\n');
  // the game: the challenge's test events and timezones, the recipe's database, stored match events
  // read back from it, sessions of the first half of the pings and the pings of the second half
  step(`cp ${R}/nordeus-game/events_test.jsonl events.jsonl && cp ${R}/nordeus-game/timezones.jsonl .
        game-stats.sh --db game.db --timezones timezones.jsonl events.jsonl 2> /dev/null
        query-sqlite --db game.db 'SELECT * FROM game_match_events ORDER BY match_id, event_id' > stored.ndjson
        head -n 24 events.jsonl | where event_type=session_ping | sessionize --gap 60 > stored-sessions.ndjson
        tail -n +25 events.jsonl | where event_type=session_ping \\
          | count-by --distinct user_id=event_data.user_id session_start=event_timestamp > new-pings.ndjson`);
  // Insights: the seed's generator; all interactions in one CSV (with a burst: July's rows again on
  // 2023-06-15, an unusual day for anomalies), two daily files (a bad row in the second), a TSV,
  // NDJSON, partitions part-*, the dau table of insights.db, and two weeks of daily files under
  // interactions/ with the user metadata for the recipe
  step(`generate-insights --seed 7 --interactions 6000 --users 600 --out gen
        { cat gen/interactions/*.csv | awk 'NR == 1 || !/^user_id,/'
          cat gen/interactions/date=2023-07-*.csv | grep -v '^user_id,' | sed -E 's/,2023-07-[0-9]{2} /,2023-06-15 /'
        } > user_interactions.csv
        cp gen/interactions/date=2023-03-01.csv day1.csv && cp gen/interactions/date=2023-03-02.csv day2.csv
        echo 'u000042,2023-03-02 10:00:00,page_view,p000042,twelve seconds,7.1.0' >> day2.csv
        tr ',' '\\t' < day1.csv > interactions.tsv
        from-csv --types duration_ms=int,app_version=string user_interactions.csv > interactions.ndjson
        to-local-date --field timestamp -i interactions.ndjson > dated.ndjson && split -n l/4 -d --additional-suffix=.ndjson dated.ndjson part- && rm dated.ndjson
        to-local-date --field timestamp -i interactions.ndjson | count-by date -a 'active_users=distinct(user_id)' \\
          | load-sqlite --db insights.db --table dau --key date 2> /dev/null
        mkdir interactions && cp gen/interactions/date=2023-03-0*.csv gen/interactions/date=2023-03-1[0-4].csv interactions/ && cp gen/user_metadata.csv .
        rm -r gen`);
  return F;
}

const fixtures = buildFixtures();
if (!fixtures) console.log('\n  !! ../shared/data/real is missing: examples are only checked by bash -n');

// ---------------------------------------------------------------------------------------------------
// tools

/** every word the help of a tool may show: its own texts, its options' names, descriptions, defaults, choices and yargs' labels */
function vocabulary(tool) {
  const texts = [tool.name, tool.usage, tool.summary, 'Options:', 'Examples:', '\\', 'print the version and exit'];
  const all = { version: { type: 'boolean' }, ...tool.options, ...runner.sharedOptions(tool) };
  for (const [name, o] of Object.entries(all)) {
    const aliases = o.alias === undefined ? [] : [].concat(o.alias);
    texts.push(name.length === 1 ? `-${name}` : `--${name}`, ...aliases.map((a) => (a.length === 1 ? `-${a},` : `--${a},`)), o.describe ?? '', o.group ?? '');
    texts.push(o.array ? '[array]' : o.type ? `[${o.type}]` : '', o.demandOption ? '[required]' : '');
    if (o.default !== undefined) texts.push(`[default: ${JSON.stringify(o.default)}]`);
    if (o.choices) texts.push(`[choices: ${o.choices.map((c) => JSON.stringify(c)).join(', ')}]`);
  }
  for (const [cmd, what] of tool.examples) texts.push(cmd, what);
  return new Set(texts.join(' ').split(/\s+/).filter(Boolean));
}

const words = (text) => text.split(/\s+/).filter((w) => w && w !== '\\').sort();
const WIDTHS = [80, 100, 200];

/** the examples of a server tool (one with --port): start the server example, run the others against it, stop it */
async function runServerExamples(tool, serverAt) {
  const cmds = tool.examples.map(([cmd]) => cmd);
  const cmd = cmds[serverAt];
  const syntax = spawnSync('bash', ['-n', '-c', cmd], { encoding: 'utf8' });
  if (syntax.status !== 0) return [`${tool.name}: bash -n rejects \`${cmd}\`: ${syntax.stderr.trim()}`];
  if (!fixtures) { loud(`${tool.name}: \`${cmd}\` not run: ../shared/data/real is missing, no fixtures (syntax checked)`); return []; }
  const port = await freePort(5000);
  if (port !== 5000) console.log(`\n  note: port 5000 is taken here; ${tool.name}'s examples run with ${port}`);
  const dir = tmpdir('ep-server-');
  fs.cpSync(fixtures, dir, { recursive: true });
  const server = spawn('bash', ['-c', `exec ${cmd.replaceAll('5000', String(port))}`], { cwd: dir, env: env(), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const up = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 20000);
    server.stderr.on('data', (d) => { err += d; if (/listening on/.test(err)) { clearTimeout(timer); resolve(true); } });
    server.on('exit', () => { clearTimeout(timer); resolve(false); });
  });
  const problems = [];
  if (!up) problems.push(`${tool.name}: \`${cmd}\` did not start: ${err.trim()}`);
  else for (const [i, c] of cmds.entries()) if (i !== serverAt) problems.push(...await runExample(tool.name, c, { fixtures, port }));
  const code = await new Promise((resolve) => {
    if (server.exitCode !== null || server.signalCode !== null) resolve(server.exitCode ?? server.signalCode);
    else { server.once('exit', (c, sig) => resolve(c ?? sig)); server.kill('SIGTERM'); }
  });
  if (up && code !== 0) problems.push(`${tool.name}: \`${cmd}\` stopped by SIGTERM exited ${code}: ${err.trim()}`);
  fs.rmSync(dir, { recursive: true, force: true });
  return problems;
}

function freePort(want) {
  const tryPort = (p) => new Promise((resolve) => {
    const s = net.createServer().once('error', () => resolve(null)).listen(p, '127.0.0.1', () => { const got = s.address().port; s.close(() => resolve(got)); });
  });
  return tryPort(want).then((p) => p ?? tryPort(0));
}

// the runs, started now: every tool's --help at each width and its examples
const toolRuns = new Map(tools.map((tool) => {
  const helps = WIDTHS.map((c) => later(() => run(`${tool.name} --help`, { extraEnv: { COLUMNS: String(c) } })));
  const serverAt = tool.options.port ? tool.examples.findIndex(([c]) => programs(c)[0] === tool.name) : -1;
  const examples = serverAt >= 0 ? later(() => runServerExamples(tool, serverAt))
    : Promise.all(tool.examples.map(([cmd]) => later(() => runExample(tool.name, cmd, { fixtures })))).then((ps) => ps.flat());
  examples.catch(() => {});
  return [tool.name, { helps, examples }];
}));

for (const tool of tools) {
  test(`${tool.name} --help at COLUMNS 80, 100, 200: lines break only between words and fit the width`, async () => {
    const helps = await Promise.all(toolRuns.get(tool.name).helps);
    const vocab = vocabulary(tool);
    helps.forEach((h, i) => {
      const at = `${tool.name} --help at COLUMNS=${WIDTHS[i]}`;
      assert.is(h.status, 0, `${at}: ${h.stderr}`);
      assert.is(h.stderr, '', at);
      assert.equal(words(h.stdout), words(helps[0].stdout), `${at}: other words than at COLUMNS=80 (a word broken or glued)`);
      for (const [n, l] of h.stdout.split('\n').entries()) {
        for (const w of l.split(/\s+/).filter(Boolean)) assert.ok(vocab.has(w), `${at}, line ${n + 1}: '${w}' is no word of the help's texts (a word broken or glued): ${l}`);
        // wider than the width (at most 110) only when the line is one word that cannot be broken (a long quoted argument)
        if ([...l].length > Math.min(110, WIDTHS[i])) assert.is(shellWords(l.replace(/ \\$/, '')).length, 1, `${at}, line ${n + 1} is ${[...l].length} columns wide: ${l}`);
      }
    });
    // the examples shown are the tool's, whole, in order
    const shown = helpExamples(helps[0].stdout);
    assert.equal(shown.map((e) => e.cmd), tool.examples.map(([cmd]) => cmd), `${tool.name}: the examples in --help`);
    assert.equal(shown.map((e) => e.what), tool.examples.map(([, what]) => what.split(/\s+/).join(' ')), `${tool.name}: the examples' descriptions in --help`);
  });

  test(`${tool.name}: every example of --help runs as pasted`, async () => {
    assert.ok(tool.examples.length > 0, 'a tool has examples');
    const problems = await toolRuns.get(tool.name).examples;
    assert.equal(problems, [], problems.join('\n'));
  });
}

const umbrella = later(() => run('event-pipes --help')).then(async (h) => ({
  h, list: await later(() => run('event-pipes list')),
  problems: (await Promise.all(helpExamples(h.stdout).map(({ cmd }) => later(() => runExample('event-pipes', cmd, { fixtures }))))).flat(),
}));
umbrella.catch(() => {});

test('event-pipes --help: its example runs as pasted; list shows the tools, then the recipes with their summaries', async () => {
  const { h, list: l, problems } = await umbrella;
  assert.is(h.status, 0);
  assert.ok(helpExamples(h.stdout).length > 0, 'event-pipes --help has an example');
  assert.equal(problems, [], problems.join('\n'));
  const list = l.stdout.split('\n');
  const lastTool = Math.max(...tools.map((t) => list.findIndex((x) => x.startsWith(`  ${t.name.padEnd(22)} ${t.summary}`))));
  assert.ok(tools.every((t) => list.some((x) => x.startsWith(`  ${t.name.padEnd(22)} ${t.summary}`))), 'event-pipes list shows every tool with its summary');
  const recipesAt = list.findIndex((x) => /^Recipes/.test(x));
  assert.ok(recipesAt > lastTool, 'the recipes come after the tools');
  for (const f of fs.readdirSync(`${root}/scripts`).filter((f) => f.endsWith('.sh'))) {
    const summary = fs.readFileSync(`${root}/scripts/${f}`, 'utf8').split('\n')[1].replace(/^#\s*/, '');
    assert.ok(summary.length > 10 && summary.length <= 80, `${f}: the second line is a one-line summary of at most 80 characters: ${summary}`);
    assert.ok(list.indexOf(`  ${f.slice(0, -3).padEnd(22)} ${summary}`) > recipesAt, `event-pipes list shows ${f} with its summary`);
  }
});

// ---------------------------------------------------------------------------------------------------
// recipes: every executable of scripts/ but sync-bins.mjs (a development command that rewrites bin/
// from the registry, run by npm run sync-bins)

const recipes = fs.readdirSync(`${root}/scripts`).filter((f) => {
  const st = fs.statSync(`${root}/scripts/${f}`);
  return st.isFile() && (st.mode & 0o111) !== 0 && f !== 'sync-bins.mjs';
}).sort();

/** NAME --help, -h (and event-pipes NAME --help) and a usage error, in a copy of the fixtures, with what they changed */
async function recipeHelp(name) {
  const dir = tmpdir('ep-recipe-help-');
  if (fixtures) fs.cpSync(fixtures, dir, { recursive: true, preserveTimestamps: true });
  const before = snapshot(dir), data = snapshot(`${root}/data`);
  const helps = [await run(`${name} --help`, { cwd: dir }), await run(`${name} -h`, { cwd: dir })];
  const recipe = name.endsWith('.sh') ? name.slice(0, -3) : '';
  if (recipe && !registry[recipe]) helps.push(await run(`event-pipes ${recipe} --help`, { cwd: dir }));
  const changedByHelp = changed(before, snapshot(dir)), dataChanged = changed(data, snapshot(`${root}/data`));
  const bad = await run(`${name} --no-such-option`, { cwd: dir });
  const changedByBad = changed(before, snapshot(dir));
  fs.rmSync(dir, { recursive: true, force: true });
  return { helps, changedByHelp, dataChanged, bad, changedByBad };
}

const recipeRuns = new Map(recipes.map((name) => {
  const help = later(() => recipeHelp(name));
  const examples = help.then(({ helps }) => Promise.all(helpExamples(helps[0].stdout).map(({ cmd }) => later(() => runExample(name, cmd, { fixtures })))))
    .then((ps) => ps.flat());
  examples.catch(() => {});
  return [name, { help, examples }];
}));

test('the recipes found: the *.sh recipes, cron-run and the generators', () => {
  for (const f of ['active-users.sh', 'engagement.sh', 'game-stats.sh', 'insights.sh', 'reel-interest.sh', 'demo.sh', 'cron-run', 'generate-ga4'])
    assert.ok(recipes.includes(f), f);
});

for (const name of recipes) {
  const re = name.replace('.', '\\.');
  test(`${name}: --help exits 0 and changes nothing; a usage error is one line, exit 2; help lines fit 100 columns`, async () => {
    const { helps, changedByHelp, dataChanged, bad, changedByBad } = await recipeRuns.get(name).help;
    for (const h of helps) {
      assert.is(h.status, 0, `${name} --help: ${h.stderr}`);
      assert.is(h.stderr, '', `${name} --help prints on stdout only`);
      assert.is(h.stdout, helps[0].stdout, 'the same help by --help, -h and event-pipes');
    }
    const recipe = name.endsWith('.sh') ? name.slice(0, -3) : '';
    if (recipe && registry[recipe]) {  // event-pipes NAME runs the tool of that name (src/cli.ts): the help must say how to run the recipe
      loud(`event-pipes ${recipe} runs the tool ${recipe}, not scripts/${name}: this recipe cannot be run through event-pipes`, 'NOTE');
      assert.ok(helps[0].stdout.includes(`scripts/${name}`), `${name} --help says to run it as scripts/${name}`);
    }
    assert.match(helps[0].stdout, new RegExp(`^usage: ${re}\\b`));
    assert.equal(changedByHelp, [], `${name} --help changed files in its folder`);
    assert.equal(dataChanged, [], `${name} --help changed the package's data/`);
    for (const [n, l] of helps[0].stdout.split('\n').entries()) {
      assert.ok([...l].length <= 100, `${name} --help line ${n + 1} is wider than 100 columns: ${l}`);
      assert.not.match(l, /\t/, `${name} --help line ${n + 1} has a tab`);
    }
    assert.is(bad.status, 2, `${name} --no-such-option: ${bad.stderr}`);
    assert.match(bad.stderr, new RegExp(`^${re}: [^\\n]*\\(try '${re} --help'\\)\\n$`), `one line with the hint: ${bad.stderr}`);
    assert.equal(changedByBad, [], `${name} with a usage error changed files`);
  });

  test(`${name}: every example of --help runs as pasted`, async () => {
    const { helps } = await recipeRuns.get(name).help;
    const shown = helpExamples(helps[0].stdout);
    const usage = /^usage: (.*)$/m.exec(helps[0].stdout)?.[1].trim();
    if (usage === name) assert.equal(shown, [], `${name} takes no arguments: nothing to show`);
    else assert.ok(shown.length > 0, `${name} --help has examples`);
    for (const { cmd, what } of shown) assert.ok(what, `${name}: the example \`${cmd}\` says what it does`);
    const problems = await recipeRuns.get(name).examples;
    assert.equal(problems, [], problems.join('\n'));
  });
}

test('demo.sh takes no arguments: anything else is refused before it runs', async () => {
  const r = await run('demo.sh --quick');
  assert.is(r.status, 2);
  assert.match(r.stderr, /^demo\.sh: takes no arguments/);
});

test.after(() => {
  if (notices.length) console.log(`\n  !! ${notices.length} notice(s): see the !! lines above`);
  if (fixtures) fs.rmSync(fixtures, { recursive: true, force: true });
});

test.run();
