// Stages of one in-process run that key their records by the same field (a fork's count-by, retention
// and sessionize by a user id) share one key table (core/keyed.ts SharedKeyTables, KeyView): the same
// output bytes as each stage with its own table (EVENT_PIPES_SHARED_KEYS=0) and as the shell pipelines
// of the same tools, on keys of every kind (strings with escapes, numbers, 16+ digit integers, long
// keys, null and missing keys), past one block of key bytes (1 MiB), with filters before some branches
// (each stage writes the keys it saw, not the others').
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { sh, tmpdir } from '../helpers/sh.mjs';

const dir = tmpdir('ep-shared-keys-');
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const key = (i) => {
  const r = rnd();
  if (r < 0.02) return null;
  if (r < 0.03) return undefined; // (no field)
  if (r < 0.1) return i % 977; // a number
  if (r < 0.12) return 12345678901234567890n; // (written as a 20-digit integer below)
  if (r < 0.15) return `k\\u00e9\\"${i % 331}`; // escapes (the canonical token differs from the text)
  if (r < 0.2) return `long-${'x'.repeat(40)}-${i % 1500}`;
  return `u${Math.floor(rnd() * 60000)}`;
};
test('setup: 120k records, ~60k keys (more than 1 MiB of key bytes)', () => {
  const out = [];
  for (let i = 0; i < 120000; i++) {
    const k = key(i), day = 1 + Math.floor(rnd() * 28);
    const rec = { v: Math.floor(rnd() * 1000), d: `2024-02-${String(day).padStart(2, '0')}`, t: 1706745600 + day * 86400 + Math.floor(rnd() * 7200), x: i % 3 };
    let text = JSON.stringify(rec);
    if (k !== undefined) text = text.replace('{', `{"k":${typeof k === 'bigint' ? k.toString() : typeof k === 'string' && k.includes('\\') ? `"${k}"` : JSON.stringify(k)},`);
    out.push(text);
  }
  fs.writeFileSync(path.join(dir, 'in.ndjson'), out.join('\n') + '\n');
});

const branches = (p) => `[ count-by k -a 'n=count()' -a 's=sum(v)' then save ${p}a ] `
  + `[ count-by k -a 's=sum(v)' --order-by s:desc --limit 100 then save ${p}b ] `
  + `[ retention --user k --date d then save ${p}c ] `
  + `[ sessionize --key k --time t --gap 600 then save ${p}d ] `
  + `[ where x=1 then count-by k -a 'n=count()' then save ${p}e ] `
  + `[ where x=2 then sessionize --key k --time t --gap 600 then save ${p}f ] `
  + `[ count-by k --partial -a 'q=p95(v)' then save ${p}g ]`;

test('shared tables: the same files as tables of their own, and as the pipelines', () => {
  const on = sh(`event-pipes fork -i in.ndjson ${branches('on.')}`, { cwd: dir });
  assert.is(on.status, 0, on.stderr);
  const off = sh(`event-pipes fork -i in.ndjson ${branches('off.')}`, { cwd: dir, env: { EVENT_PIPES_SHARED_KEYS: '0' } });
  assert.is(off.status, 0, off.stderr);
  assert.is(on.stderr, off.stderr, 'the same messages');
  for (const f of 'abcdefg') {
    const a = fs.readFileSync(path.join(dir, `on.${f}`), 'utf8');
    assert.ok(a.length > 0, `branch ${f} wrote records`);
    assert.is(a, fs.readFileSync(path.join(dir, `off.${f}`), 'utf8'), `branch ${f}`);
  }
  const pipe = {
    a: "count-by k -a 'n=count()' -a 's=sum(v)'", c: 'retention --user k --date d',
    d: 'sessionize --key k --time t --gap 600', e: "where x=1 | count-by k -a 'n=count()'",
  };
  for (const [f, cmd] of Object.entries(pipe)) assert.is(fs.readFileSync(path.join(dir, `on.${f}`), 'utf8'), sh(`cat in.ndjson | ${cmd}`, { cwd: dir }).stdout, `branch ${f} as its pipeline`);
});

test('a chain whose stages key by the same field one after the other: the same output', () => {
  const a = sh("event-pipes count-by k -a 'n=count()' -i in.ndjson then count-by k -a 'm=max(n)'", { cwd: dir });
  const b = sh("count-by k -a 'n=count()' < in.ndjson | count-by k -a 'm=max(n)'", { cwd: dir });
  assert.is(a.status, 0, a.stderr);
  assert.is(a.stdout, b.stdout);
});

test.run();
