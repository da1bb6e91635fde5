// watch-ratio keys its sums by the key fields' canonical tokens as bytes: one group per key whatever
// its spelling (an escaped "\u00e9" and a raw "é", 1 and 1.0), output ordered by the tokens' bytes,
// each key written as its canonical token. Random keys with non-ASCII text, escapes and numbers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/watch-ratio', import.meta.url));
let seed = 3;
const rnd = (n) => { seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff; return (seed >>> 8) % n; };
const pick = (a) => a[rnd(a.length)];
/** the exact sum of doubles rounded once (Shewchuk's msum with math.fsum's rounding): a pair's sums do
 *  not depend on the order of its events */
const fsum = (xs) => {
  const p = [];
  for (let x of xs) {
    let i = 0;
    for (let y of p) { if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x]; const hi = x + y, lo = y - (hi - x); if (lo) p[i++] = lo; x = hi; }
    p.length = i; p.push(x);
  }
  let n = p.length, hi = n ? p[--n] : 0, lo = 0;
  while (n > 0) { const x = hi, y = p[--n]; hi = x + y; lo = y - (hi - x); if (lo) break; }
  if (n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0))) { const y = lo * 2, x = hi + y; if (y === x - hi) hi = x; }
  return hi;
};
// spellings of one key and the canonical token it has
const KEYS = [['"é"', '"é"'], ['"\\u00e9"', '"é"'], ['"日本"', '"日本"'], ['"a"', '"a"'], ['"a\\"b"', '"a\\"b"'], ['1', '1'], ['1.0', '1'],
  ['"ab"', '"ab"'], ['"a b"', '"a b"'], ['"z"', '"z"'], ['10', '10'], ['"\\u0041"', '"A"']];

test('one group per canonical key, in the order of its bytes', () => {
  const lines = [], sums = new Map();
  for (let i = 0; i < 4000; i++) {
    const [u, cu] = pick(KEYS), [r, cr] = pick(KEYS);
    const w = rnd(50), d = 10 + rnd(5) * 10;
    lines.push(`{"event_name":"reel_watched","user_uid":${u},"reel_uid":${r},"origin_platform":"ios","app_version":"3.1.0","reel_watch_duration":${w},"reel_duration":${d},"replay_count":0}`);
    const k = cu + '\u0001' + cr;
    const g = sums.get(k) ?? { cu, cr, n: 0, total: [], ratio: [], d, mixed: false };
    if (g.n && g.d !== d) g.mixed = true;
    g.n++; g.total.push(w); g.ratio.push(w / d); sums.set(k, g);
  }
  const got = spawnSync(bin, [], { input: lines.join('\n') + '\n', encoding: 'utf8' });
  assert.is(got.status, 0, got.stderr);
  const want = [...sums.entries()].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map(([, g]) => `{"user_uid":${g.cu},"reel_uid":${g.cr},"watched_ratio":${g.mixed ? fsum(g.ratio) : fsum(g.total) / g.d},"watch_events":${g.n}}`);
  assert.is(got.stdout, want.join('\n') + '\n');
});

test.run();
