// final-action's RecordWriter (constant pieces stored four bytes at a time) against records built
// with JSON.stringify: key names and on/off names of every length mod 4, one to three key fields,
// --keep-time, batches handed over or kept, across many batch boundaries; keys (copied four bytes at a
// time) in several arenas.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { RecordWriter, TAG_ON, TAG_OFF } from '../../dist/tools/final-action.js';

let seed = 11;
const rnd = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };

test('RecordWriter: the same bytes as JSON.stringify, batches of whole records', () => {
  const names = ['k', 'ab', 'abc', 'abcd', 'user_uid', 'a.reel_uid', 'ééx'];
  for (let round = 0; round < 24; round++) {
    const nk = 1 + rnd(3);
    const key = Array.from({ length: nk }, (_, i) => names[rnd(names.length)] + i);
    const o = { key, onAs: 'o'.repeat(1 + rnd(6)), offAs: 'f'.repeat(1 + rnd(7)), keepTime: rnd(2) === 1 };
    const handOver = rnd(2) === 1;
    const out = [];
    let records = 0, spare;
    const w = new RecordWriter(o, handOver, (b, end, n) => {
      const text = b.toString('utf8', 0, end);
      assert.ok(end === 0 || text.endsWith('\n'), 'whole records');
      assert.is(text.split('\n').length - 1, n);
      out.push(text); records += n;
      if (handOver) { const back = spare; spare = Buffer.from(b); return back; }
      return undefined;
    });
    const want = [];
    const count = 30000 + rnd(3000);
    // keys in one to three arenas taken in turns at random (views at an offset in their memory)
    const arenas = Array.from({ length: 1 + rnd(3) }, (_, i) => new Uint8Array(new ArrayBuffer(count * 200 + i), i));
    const used = arenas.map(() => 0), views = arenas.map((x) => new DataView(x.buffer, x.byteOffset, x.byteLength));
    for (let r = 0; r < count; r++) {
      const toks = Array.from({ length: nk }, () => rnd(3) === 0 ? String(rnd(100000)) : JSON.stringify('v'.repeat(rnd(40)) + rnd(1000)));
      const bytes = Buffer.from(toks.join('\x01'), 'latin1');
      const j = rnd(arenas.length), arena = arenas[j], ks = used[j];
      arena.set(bytes, ks); used[j] += bytes.length;
      const kind = 1 + rnd(2), t = 1700000000 + rnd(1000);
      w.put(arena, ks, used[j], kind === 1 ? TAG_ON : TAG_OFF, t, views[j]); // (an event's tag: its kind, and what its time's double lost)
      const rec = {};
      key.forEach((k, i) => { rec[k.split('.').pop()] = JSON.parse(toks[i]); });
      rec[o.onAs] = kind === 1; rec[o.offAs] = kind === 2;
      if (o.keepTime) rec.final_action_at = t;
      want.push(JSON.stringify(rec));
    }
    w.flush();
    assert.is(records, count);
    assert.ok(out.length > 2, 'several batches');
    assert.is(out.join(''), want.join('\n') + '\n');
  }
});

test('final-action where code from strings is disallowed: the same output (the writer falls back to a loop)', () => {
  const lines = [];
  for (let i = 0; i < 3000; i++) lines.push(JSON.stringify({ event_name: rnd(3) ? 'reel_liked' : 'reel_unliked', timestamp: 1700000000 + rnd(50), user_uid: `U${rnd(40)}`, reel_uid: `r${rnd(90)}` }));
  const input = lines.join('\n') + '\n', bin = new URL('../../bin/final-action', import.meta.url).pathname;
  const plain = spawnSync('node', [bin, '--keep-time'], { input, encoding: 'utf8' });
  const strict = spawnSync('node', ['--disallow-code-generation-from-strings', bin, '--keep-time'], { input, encoding: 'utf8' });
  assert.is(plain.status, 0); assert.is(strict.status, 0, strict.stderr);
  assert.ok(plain.stdout.split('\n').length > 100, plain.stdout.slice(0, 200));
  assert.is(strict.stdout, plain.stdout);
});

test.run();
