// count-by's output order against a reference sort: per key, null < booleans < numbers < strings, and
// strings by code point (UTF-8 bytes) whatever their escapes; plain-string keys take a faster path that
// must give the same order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sh } from '../helpers/sh.mjs';

let seed = 99;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const vals = [null, true, false, 0, -1, 2.5, 10, 1e21, 'a', 'ab', 'a b', 'a\tb', 'b', 'é', 'e\u0301', 'a"b', 'Z', '', ' ', '#', 'a\\b', '10', '9', '😀', '\uffff'];
const rank = (v) => (v === null ? 0 : typeof v === 'boolean' ? 1 : typeof v === 'number' ? 2 : 3);
const bytes = (s) => Buffer.from(s, 'utf8');
const cmpv = (a, b) => {
  const ra = rank(a), rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return 0;
  if (ra === 1) return (a ? 1 : 0) - (b ? 1 : 0);
  if (ra === 2) return a - b;
  return Buffer.compare(bytes(a), bytes(b));
};

test('groups come out in the documented key order (mixed types, escapes, plain strings)', () => {
  const lines = [];
  for (let i = 0; i < 4000; i++) {
    const k = vals[Math.floor(rnd() * vals.length)], j = vals[Math.floor(rnd() * vals.length)];
    lines.push(JSON.stringify({ k, j }));
  }
  // plain-only keys too (the fast path), interleaved with the others
  for (let i = 0; i < 2000; i++) lines.push(JSON.stringify({ k: `k${Math.floor(rnd() * 50)}`, j: `j${Math.floor(rnd() * 50)}` }));
  const r = sh('count-by k j', { input: lines.join('\n') + '\n' });
  assert.is(r.status, 0, r.stderr);
  const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(out.length > 1000, `${out.length} groups`);
  const want = [...out].sort((x, y) => cmpv(x.k, y.k) || cmpv(x.j, y.j));
  assert.equal(out.map((o) => [o.k, o.j]), want.map((o) => [o.k, o.j]));
});

test.run();
