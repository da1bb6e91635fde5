// The package as a user gets it: `npm pack`, `npm install -g --prefix DIR` of the tarball, then the
// commands and the library used from another directory. Slow (npm builds better-sqlite3's native
// addon from source where no prebuilt binary can be fetched): one install for all the checks.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { root, real, hasReal, tmpdir, withReal } from '../helpers/sh.mjs';

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const registry = fs.readFileSync(path.join(root, 'src/tools/index.ts'), 'utf8');
const tools = [...registry.matchAll(/^\s*'([a-z0-9-]+)': \(\) => import/gm)].map((m) => m[1]);
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });

test('every registered tool has a bin file and a package.json "bin" entry (scripts/sync-bins.mjs --check)', () => {
  const r = run(process.execPath, [path.join(root, 'scripts/sync-bins.mjs'), '--check']);
  assert.is(r.status, 0, r.stderr);
  for (const t of tools) assert.is(pkg.bin[t], `bin/${t}`, t);
  const generators = fs.readdirSync(path.join(root, 'scripts')).filter((f) => f.startsWith('generate-'));
  assert.ok(generators.length >= 4, generators.join());
  for (const g of generators) assert.is(pkg.bin[g], `scripts/${g}`, g);
  assert.is(Object.keys(pkg.bin).length, tools.length + 1 + generators.length); // + event-pipes, the generators
  assert.is(pkg.scripts.prepack, 'npm run build', 'the tarball is built from the sources being packed');
  assert.ok(fs.existsSync(path.join(root, 'LICENSE')) && fs.existsSync(path.join(root, 'CHANGELOG.md')));
});

const dir = tmpdir('ep-pkg-');
let tarball, prefix;

test('npm pack: dist, the commands, the recipes, README, LICENSE and CHANGELOG; no tests, bench or CI', () => {
  const r = run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--json'], { cwd: root });
  assert.is(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout)[0];
  tarball = path.join(dir, info.filename);
  const files = info.files.map((f) => f.path);
  for (const must of ['dist/api.js', 'dist/api.d.ts', 'dist/core/scan.wasm', 'dist/core/sort.wasm', 'dist/cli.js', 'bin/event-pipes', 'bin/count-by',
    'scripts/active-users.sh', 'scripts/sql/active-users.schema.sql', 'README.md', 'LICENSE', 'CHANGELOG.md', 'package.json', 'data/ga4-sample.ndjson.gz']) {
    assert.ok(files.includes(must), `${must} in the tarball`);
  }
  for (const t of tools) assert.ok(files.includes(`bin/${t}`), `bin/${t}`);
  const not = (f) => /^(test|bench|\.ci|src|data|docs)\//.test(f) && f !== 'data/ga4-sample.ndjson.gz'; // (the demo's sample: the demo is listed)
  assert.not.ok(files.some(not), files.filter(not).join(' '));
});

test('npm install -g --prefix DIR of the tarball: a pipeline, a chain, a load and every --version from another directory', () => {
  prefix = path.join(dir, 'prefix');
  const r = run('npm', ['install', '-g', '--prefix', prefix, tarball, '--no-audit', '--no-fund'], { cwd: dir, timeout: 20 * 60 * 1000 });
  assert.is(r.status, 0, r.stdout + r.stderr);
  const bin = path.join(prefix, 'bin');
  const env = { ...process.env, PATH: `${bin}:/usr/bin:/bin` }; // the installed commands only
  const work = tmpdir('ep-user-');
  const sh = (script) => run('bash', ['-o', 'pipefail', '-c', script], { cwd: work, env });
  for (const t of ['event-pipes', ...tools]) {
    const v = sh(`${t} --version`);
    assert.is(v.status, 0, `${t}: ${v.stderr}`);
    assert.match(v.stdout, new RegExp(`^${t === 'event-pipes' ? 'event-pipes' : t} ${pkg.version.replace(/\./g, '\\.')}`));
  }
  if (hasReal) {
    const sample = path.join(real, 'sliide/bq-results-sample-data.jsons');
    const p = sh(`filter-engaged ${sample} | to-local-date --tz America/Chicago | count-by date -a 'n=distinct(user_pseudo_id)'`);
    assert.is(p.stdout, '{"date":"2019-12-29","n":11}\n{"date":"2019-12-30","n":31}\n{"date":"2019-12-31","n":22}\n', p.stderr);
    const c = sh(`event-pipes filter-engaged ${sample} then to-local-date --tz America/Chicago then count-by date -a 'n=distinct(user_pseudo_id)'`);
    assert.is(c.stdout, p.stdout, c.stderr);
    const l = sh(`event-pipes active-users --db a.db --quiet ${sample} && query-sqlite --db a.db 'SELECT sum(active_user_count) AS n FROM active_user_table'`);
    assert.is(l.stdout, '{"n":64}\n', l.stderr);
  }
  // the generators are on PATH too: their --help examples run as pasted (they were no command at all)
  const g = sh('generate-loco --seed 3 --events 50 | where event_name=reel_watched | count-by event_name');
  assert.match(g.stdout, /^\{"event_name":"reel_watched","count":\d+\}\n$/, g.stderr);
  // the demo the installed command lists: on the sample shipped with it, into the current directory
  const demo = sh('event-pipes demo');
  assert.is(demo.status, 0, demo.stderr);
  assert.match(demo.stdout, /idempotent/);
  assert.ok(fs.existsSync(path.join(work, 'event-pipes-demo/data/out/analytics.db')), 'the demo wrote into the current directory');
  assert.not.ok(fs.existsSync(path.join(prefix, 'lib/node_modules/event-pipes/data/out')), 'nothing written in the package folder');
  const q = sh(`printf '{"k":1}\\n{"k":1}\\n' | load-sqlite --db t.db -t t -k k 2>&1 && query-sqlite --db t.db 'SELECT count(*) AS n FROM t'`);
  assert.match(q.stdout, /\{"n":1\}/, q.stderr); // the native addon was built and loads
});

withReal(test)('the installed library: import { createStream } from "event-pipes" gives the same answer', () => {
  const app = tmpdir('ep-app-');
  fs.mkdirSync(path.join(app, 'node_modules'));
  fs.symlinkSync(path.join(prefix, 'lib/node_modules/event-pipes'), path.join(app, 'node_modules/event-pipes'));
  fs.writeFileSync(path.join(app, 'main.mjs'), `
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createStream, objects } from 'event-pipes';
const rows = [];
await pipeline(fs.createReadStream(${JSON.stringify(path.join(real, 'sliide/bq-results-sample-data.jsons'))}),
  createStream('filter-engaged'), createStream('to-local-date', ['--tz', 'America/Chicago']),
  createStream('count-by', ['date', '-a', 'n=distinct(user_pseudo_id)']), objects(),
  async function* (src) { for await (const r of src) rows.push(r.n); });
console.log(rows.join(','));
`);
  const r = run(process.execPath, ['main.mjs'], { cwd: app });
  assert.is(r.stdout.trim(), '11,31,22', r.stderr);
  assert.ok(fs.existsSync(path.join(prefix, 'lib/node_modules/event-pipes/dist/api.d.ts')), 'type declarations installed');
  // the declarations as a strict TypeScript project of a user reads them (with @types/node, as any
  // Node library's): the events' types are what the events give ('stats': plain objects and the tool)
  fs.writeFileSync(path.join(app, 'types.ts'), `
import { createStream, objects, type Stats, type RejectInfo } from 'event-pipes';
const s = createStream('where', ['a>0']);
s.on('stats', (x: Stats) => { const n: number = x.reasons['malformed JSON'] ?? 0; const t: string = x.tool; console.log(n, t, x.counters['kept'] ?? 0, x.in + x.out); });
s.on('reject', (r: RejectInfo) => { console.log(r.line, r.reason, r.raw); });
s.pipe(objects());
`);
  fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: {
    strict: true, exactOptionalPropertyTypes: true, module: 'nodenext', moduleResolution: 'nodenext', noEmit: true, skipLibCheck: false,
    typeRoots: [path.join(root, 'node_modules/@types')], types: ['node'] }, files: ['types.ts'] }));
  const tsc = run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app });
  assert.is(tsc.status, 0, tsc.stdout + tsc.stderr);
});

test.run();
