// One walk per line in a chain (simd-scan.ts): random chains over random compact records (the SIMD
// walk reads them, so walks are taken over), each run with the take-over on and off
// (EVENT_PIPES_SCAN_MEMO=0): the same stdout, the same saved branch outputs, the same reports and
// exit status. Stages pass lines on whole (where, dedupe, validate, clip under its cap), edit them
// (to-local-date, join, clip), or aggregate (count-by); forks hand the same record to each branch.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { sh, tmpdir } from '../helpers/sh.mjs';

const dir = tmpdir('ep-memo-');
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (a) => a[Math.floor(rnd() * a.length)];
const data = path.join(dir, 'in.ndjson'), side = path.join(dir, 'side.ndjson');

test('setup: compact records (fields in any order, some missing, some repeated keys, a few broken lines)', () => {
  const out = [];
  for (let i = 0; i < 3000; i++) {
    const m = [`"id":${Math.floor(rnd() * 800)}`, `"g":"${pick(['a', 'b', 'c', 'dd'])}"`, `"ts":${1700000000 + Math.floor(rnd() * 9e6)}`,
      `"n":${pick(['1', '25', '-3', '7.5', '100000'])}`, `"u":"u${Math.floor(rnd() * 50)}"`, `"o":{"g":"${pick(['x', 'y'])}","id":${i}}`];
    const kept = m.filter(() => rnd() > 0.08).sort(() => rnd() - 0.5);
    if (rnd() < 0.05) kept.push(`"g":"${pick(['a', 'z'])}"`); // a repeated key: the last one counts
    let l = `{${kept.join(',')}}`;
    if (rnd() < 0.01) l = l.slice(0, -3); // broken
    out.push(l);
  }
  fs.writeFileSync(data, out.join('\n') + '\n');
  fs.writeFileSync(side, Array.from({ length: 50 }, (_, i) => `{"u":"u${i}","tier":"${pick(['gold', 'free'])}","g":"side${i % 3}"}`).join('\n') + '\n');
});

const passing = () => pick([`where 'g!=c'`, `where 'n>0'`, 'dedupe --key id', 'dedupe --key u,g', 'validate --require id,g', `where 'o.g=x'`]);
const editing = () => pick(['to-local-date --field ts --tz Europe/Berlin --as day', `join --side ${side} --on u --fields tier,g --prefix s_`,
  'clip --field n --max 20', 'to-local-date --field ts --tz UTC --as g']); // (the last one writes over g)
const aggregate = () => pick(['count-by g', 'count-by day g', 'count-by s_tier', `count-by g -a 'n=sum(n)' -a 'u=distinct(u)'`, 'count-by o.g id']);
const stage = () => (rnd() < 0.5 ? passing() : editing());

function run(chain, memo) {
  const files = [1, 2, 3].map((k) => path.join(dir, `b${k}.ndjson`));
  for (const f of files) fs.rmSync(f, { force: true });
  const r = sh(`event-pipes ${chain}`, { env: { EVENT_PIPES_SCAN_MEMO: memo } });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status, saved: files.map((f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null)) };
}

test('random chains and forks: the same with and without taking walks over', () => {
  for (let t = 0; t < 24; t++) {
    const n = 1 + Math.floor(rnd() * 3);
    const stages = [`${stage()} -i ${data}`];
    for (let k = 1; k < n; k++) stages.push(stage());
    let chain = stages.join(' then ');
    if (rnd() < 0.5) {
      const branches = [1, 2, 3].slice(0, 2 + Math.floor(rnd() * 2)).map((k) => {
        const inner = Array.from({ length: Math.floor(rnd() * 3) }, stage);
        return `[ ${[...inner, aggregate(), `save ${path.join(dir, `b${k}.ndjson`)}`].join(' then ')} ]`;
      });
      chain += ` then fork ${branches.join(' ')}`;
    } else chain += ` then ${aggregate()}`;
    const on = run(chain, '1'), off = run(chain, '0');
    assert.is(on.stdout, off.stdout, `stdout: ${chain}`);
    assert.equal(on.saved, off.saved, `branches: ${chain}`);
    assert.is(on.stderr, off.stderr, `stderr: ${chain}`);
    assert.is(on.status, off.status, `status: ${chain}`);
    assert.ok(on.stdout.length > 0 || on.saved.some((s) => s), `some output: ${chain}`);
  }
});

test.run();
