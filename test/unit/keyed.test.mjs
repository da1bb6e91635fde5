// core/keyed against plain JavaScript: ByteKeys slots and their byte order (Buffer.compare), PairSet
// against a Set of joined pairs, the key ranges of threads (sampleKeys, splitKeys, rangeOf).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ByteKeys, KeyLog, PairSet, gatherRange, jsSortKeys, orderAddress, rangedLog, rangeOf, rangesOf, sampleKeys, sharedCopy, sortKeys, splitKeys, wasmSortKeys } from '../../dist/core/keyed.js';

let seed = 7;
const rnd = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };

test('ByteKeys (and ByteKeys.tiny(), its key blocks doubling from 512 bytes): one slot per distinct key; sorted() is byte order, shorter first on a common prefix', () => {
  // keys around the 8- and 16-byte prefix boundaries, with zero bytes (padding must not tie them), shared prefixes
  const alphabet = [0, 1, 2, 34, 97, 98, 127, 128, 255];
  for (const [count, maxLen, tiny] of [[5000, 20], [20000, 40], [3000, 9], [1, 3], [0, 0], [20000, 40, true], [300, 700, true], [17, 5, true]]) {
    const keys = tiny ? ByteKeys.tiny() : new ByteKeys(), seen = new Map();
    for (let i = 0; i < count; i++) {
      const stem = rnd(3) === 0 ? [34, 117, 49, 50, 51, 52, 53, 54, 55, 56, 57, 48, 49, 50, 51, 52].slice(0, rnd(17)) : [];
      const len = rnd(maxLen + 1);
      const bytes = stem.concat(Array.from({ length: len }, () => alphabet[rnd(1 + rnd(alphabet.length))]));
      const b = Buffer.from([7, 7, ...bytes, 7]); // the key is b[2, length - 1)
      const slot = keys.slot(b, 2, b.length - 1);
      const text = Buffer.from(bytes).toString('latin1');
      if (seen.has(text)) assert.is(slot, seen.get(text), 'the same key, the same slot');
      else { assert.is(slot, seen.size, 'new keys get the next slot'); seen.set(text, slot); }
    }
    assert.is(keys.size, seen.size);
    const order = [...keys.sorted()];
    const want = [...seen.keys()].map((t) => Buffer.from(t, 'latin1')).sort(Buffer.compare).map((b) => seen.get(b.toString('latin1')));
    assert.equal(order, want);
    for (const [text, slot] of seen) assert.is(keys.text(slot), text);
  }
});

test('PairSet: add() says whether the pair is new; forEach gives each pair once in insertion order', () => {
  const set = new PairSet(), ref = new Set(), order = [];
  for (let i = 0; i < 200_000; i++) {
    const x = rnd(5000), y = rnd(300) - 150;
    const k = `${x},${y}`;
    assert.is(set.add(x, y), !ref.has(k));
    if (!ref.has(k)) { ref.add(k); order.push(k); }
  }
  const got = [];
  set.forEach((x, y) => got.push(`${x},${y}`));
  assert.equal(got, order);
  assert.is(set.size, ref.size);
});

test('key ranges: rangeOf follows byte order (a key after another is in the same range or a later one), splits from samples', () => {
  for (const [count, parts, logs] of [[3000, 2, 2], [5000, 3, 3], [40, 4, 1], [0, 2, 2], [500, 2, 1]]) {
    const all = [], ls = [];
    for (let l = 0; l < logs; l++) {
      const log = new KeyLog();
      for (let i = 0; i < count; i++) {
        const b = Buffer.from(`"U${rnd(50)}"\x01"r${rnd(7)}"`.repeat(1 + rnd(2)), 'latin1');
        log.add(b, 0, b.length); all.push(b);
      }
      ls.push(log);
    }
    const splits = splitKeys(ls.map((l) => sampleKeys(l, 64)), parts);
    assert.ok(splits.n <= parts - 1);
    const sorted = all.slice().sort(Buffer.compare);
    let last = 0;
    const used = new Set();
    for (const b of sorted) {
      const j = rangeOf(splits, b, 0, b.length);
      assert.ok(j >= last && j <= splits.n, `range ${j} after ${last}`);
      last = j; used.add(j);
    }
    if (count >= 500) assert.is(used.size, parts, 'every range gets keys');
  }
});

test('rangesOf: the range rangeOf gives every key (keys shorter than eight bytes, zero bytes, ties on eight bytes)', () => {
  const alphabet = [0, 1, 34, 48, 49, 255];
  for (const [count, parts] of [[4000, 2], [4000, 5], [300, 9], [10, 1]]) {
    const log = new KeyLog(), samples = new KeyLog();
    for (let i = 0; i < count; i++) {
      const bytes = (rnd(2) ? [34, 85, 49, 50] : []).concat(Array.from({ length: rnd(14) }, () => alphabet[rnd(rnd(3) ? 3 : alphabet.length)]));
      log.add(Buffer.from(bytes), 0, bytes.length);
      if (rnd(8) === 0) samples.add(Buffer.from(bytes), 0, bytes.length);
    }
    const splits = splitKeys([sampleKeys(samples, 64)], parts);
    const out = new Uint8Array(count).fill(99);
    rangesOf(splits, log.arena, log.offs, log.lens, count, out);
    for (let i = 0; i < count; i++) {
      const want = rangeOf(splits, log.arena, log.offs[i], log.offs[i] + log.lens[i]);
      if (out[i] !== want) assert.unreachable(`key ${i}: ${out[i]} against ${want}`);
    }
    if (parts > 1 && count > 1000) assert.ok(new Set(out).size > 1, 'several ranges');
  }
});

test('key ranges read in the threads\' logs: rangedLog shares a log with its ranges, gatherRange takes exactly the events of a range; sortKeys over several arenas is byte order, dup marks repeats', () => {
  for (const [count, logsN] of [[3000, 2], [2000, 3], [0, 2], [1, 1]]) {
    const logs = [], events = [];
    for (let l = 0; l < logsN; l++) {
      const log = new KeyLog(true);
      assert.ok(log.arena.buffer instanceof SharedArrayBuffer && log.offs.buffer instanceof SharedArrayBuffer);
      const nums = new Float64Array(count), tags = new Uint8Array(count), ranges = new Uint8Array(count);
      for (let i = 0; i < count; i++) {
        // keys around the 16-byte prefix the radix passes see, sharing long prefixes across logs
        const b = Buffer.from(`"U${rnd(40)}"\x01"r${rnd(5)}"` + 'x'.repeat(rnd(3) * 9) + (rnd(2) ? String(rnd(9)) : ''), 'latin1');
        log.add(b, 0, b.length);
        nums[i] = rnd(1000); tags[i] = 1 + rnd(2); ranges[i] = rnd(3);
        events.push({ key: b, num: nums[i], tag: tags[i], range: ranges[i] });
      }
      const shared = rangedLog(count, log.arena, log.offs, log.lens, nums, tags, ranges, 3);
      for (const x of [shared.keys, shared.offs, shared.lens, shared.nums, shared.tags, shared.ranges, shared.counts]) assert.ok(x.buffer instanceof SharedArrayBuffer);
      assert.ok(shared.offs === log.offs && shared.keys === log.arena, 'the shared log as it is, not copied');
      assert.equal([...shared.counts], [0, 1, 2].map((r) => ranges.filter((x) => x === r).length));
      logs.push(shared);
    }
    for (let part = 0; part < 3; part++) {
      const g = gatherRange(logs, part);
      const want = events.filter((e) => e.range === part);
      assert.is(g.n, want.length);
      const got = [];
      for (let k = 0; k < g.n; k++) got.push({ key: Buffer.from(g.keys[g.from[k]].subarray(g.offs[k], g.offs[k] + g.lens[k])), num: g.nums[k], tag: g.tags[k], range: part });
      assert.equal(got, want, 'the events of the range, in log order');
      const dup = new Uint8Array(g.n), order = sortKeys(g.keys[0], g.offs, g.lens, g.n, dup, g.from, g.keys);
      const keys = [...order].map((k) => got[k].key);
      assert.equal(keys.map((b) => b.toString('latin1')), got.map((e) => e.key).sort(Buffer.compare).map((b) => b.toString('latin1')));
      keys.forEach((b, k) => assert.is(dup[k], k > 0 && b.equals(keys[k - 1]) ? 1 : 0));
    }
  }
});

test('sortKeys: byte order with 16-bit digits too (from 64K keys on), dup marks repeats', () => {
  const alphabet = [0, 1, 2, 34, 48, 49, 57, 85, 114, 128, 200, 255];
  for (const count of [70000, 65536, 65535]) {
    const log = new KeyLog();
    for (let i = 0; i < count; i++) {
      // a shared stem (uniform first bytes: passes skipped), then bytes around the 8- and 16-byte boundaries
      const stem = rnd(4) ? [34, 85] : [];
      const bytes = stem.concat(Array.from({ length: rnd(22) }, () => alphabet[rnd(alphabet.length)]));
      log.add(Buffer.from(bytes), 0, bytes.length);
    }
    const dup = new Uint8Array(count), order = log.order(dup);
    const key = (k) => log.arena.subarray(log.offs[k], log.offs[k] + log.lens[k]);
    const got = [...order].map((k) => key(k).toString('latin1'));
    const want = Array.from({ length: count }, (_, k) => Buffer.from(key(k))).sort(Buffer.compare).map((b) => b.toString('latin1'));
    assert.equal(got, want);
    got.forEach((t, k) => { if (dup[k] !== (k > 0 && t === got[k - 1] ? 1 : 0)) assert.unreachable(`dup at ${k}`); });
  }
});

test('sortKeys: runs sharing eight bytes (long ones, sorted apart; short ones in place) ordered by the bytes after, ties within twenty bytes by length, beyond by the rest; one arena or several', () => {
  // keys of a few 8-byte stems (runs of thousands) and many (runs of 1-300), then bytes around the 16-
  // and 20-byte words from a small alphabet with zero bytes (a key ending inside a word ties its padding)
  const alphabet = [0, 1, 34, 48, 49, 255];
  // (`one`: every key shares the stem, one run, e.g. (date, user) keys of one month)
  for (const [count, arenasN, one] of [[20000, 1], [6000, 3], [40000, 1, true], [3000, 2, true]]) {
    const logs = Array.from({ length: arenasN }, () => new KeyLog(arenasN > 1));
    const where = [];
    for (let i = 0; i < count; i++) {
      const stem = one || rnd(2) ? [34, 85, 49, 50, 51, 52, 34, 1] : [34, 85, 55, rnd(40), rnd(3), 56, 34, 1];
      const bytes = stem.concat(Array.from({ length: rnd(24) }, () => alphabet[rnd(rnd(3) ? 2 : alphabet.length)]));
      const l = rnd(arenasN);
      where.push([l, logs[l].size]);
      logs[l].add(Buffer.from(bytes), 0, bytes.length);
    }
    const from = new Uint8Array(count), offs = new Int32Array(count), lens = new Int32Array(count);
    where.forEach(([l, k], i) => { from[i] = l; offs[i] = logs[l].offs[k]; lens[i] = logs[l].lens[k]; });
    const arenas = logs.map((g) => g.arena);
    const dup = new Uint8Array(count);
    const order = arenasN > 1 ? sortKeys(arenas[0], offs, lens, count, dup, from, arenas) : sortKeys(arenas[0], offs, lens, count, dup);
    const key = (i) => Buffer.from(arenas[from[i]].subarray(offs[i], offs[i] + lens[i])).toString('latin1');
    const got = [...order].map(key);
    const want = Array.from({ length: count }, (_, i) => Buffer.from(key(i), 'latin1')).sort(Buffer.compare).map((b) => b.toString('latin1'));
    assert.equal(got, want);
    got.forEach((t, k) => { if (dup[k] !== (k > 0 && t === got[k - 1] ? 1 : 0)) assert.unreachable(`dup at ${k}`); });
  }
});

test('sharedCopy: a typed array in shared memory as it is, else its first n elements copied there', () => {
  const s = new Int32Array(new SharedArrayBuffer(16)); s[1] = 5;
  assert.is(sharedCopy(s, 2), s);
  const x = Float64Array.from([1.5, 2.5, 3.5]), y = sharedCopy(x, 2);
  assert.ok(y instanceof Float64Array && y.buffer instanceof SharedArrayBuffer);
  assert.equal([...y.subarray(0, 2)], [1.5, 2.5]);
  x[0] = 9; assert.is(y[0], 1.5, 'a copy');
});

test('ByteKeys.find: the slot of a key added before, -1 for any other, and nothing added', () => {
  const k = new ByteKeys();
  const keys = Array.from({ length: 20000 }, (_, i) => Buffer.from(`"u${i}"`));
  keys.forEach((b, i) => assert.is(k.slot(b, 0, b.length), i));
  const probe = Buffer.from('xx"u123"yy');
  assert.is(k.find(probe, 2, 8), 123);
  assert.is(k.find(probe, 2, 7), -1); // a prefix
  assert.is(k.find(Buffer.from('"u20000"'), 0, 8), -1);
  assert.is(k.find(Buffer.from(''), 0, 0), -1);
  for (let i = 0; i < 20000; i += 997) assert.is(k.find(keys[i], 0, keys[i].length), i);
  assert.is(k.size, 20000);
});


test('ByteKeys: keys of zero and 255 bytes, every length around 4, 8, 12 and 16 MiB: find and slot agree, across rehashes', () => {
  const k = new ByteKeys(false, true), all = [];
  for (const fill of [0, 255, 34]) for (let n = 0; n <= 17; n++) for (const last of [0, 1, 255]) {
    const b = Buffer.alloc(n + 2, fill); b[0] = 9; b[n + 1] = 9; // the key is b[1, n + 1)
    if (n > 0) b[n] = last;
    all.push(b);
  }
  const text = (b) => b.subarray(1, b.length - 1).toString('latin1'), slots = new Map();
  for (const b of all) {
    const t = text(b), before = k.find(b, 1, b.length - 1);
    assert.is(before, slots.has(t) ? slots.get(t) : -1, `find before, length ${b.length - 2}`);
    const s = k.slot(b, 1, b.length - 1);
    if (!slots.has(t)) { assert.is(s, slots.size); slots.set(t, s); } else assert.is(s, slots.get(t));
  }
  for (const b of all) assert.is(k.find(b, 1, b.length - 1), slots.get(text(b)), 'after every rehash');
  for (const [t, s] of slots) assert.is(k.text(s), t);
  assert.is(k.size, slots.size);
  // keys of 16 MiB and more: told apart by length and bytes
  const big = new ByteKeys(), L = 0xffffff, huge = Buffer.alloc(L + 2, 97);
  const a = big.slot(huge, 0, L), b = big.slot(huge, 0, L + 1), c = big.slot(huge, 0, L + 2);
  assert.equal([a, b, c], [0, 1, 2]);
  huge[L] = 98;
  assert.is(big.find(huge, 0, L + 1), -1);
  assert.is(big.slot(huge, 0, L), 0);
  assert.is(big.slot(huge, 1, L + 2), 3);
});

test('ByteKeys over several blocks (keys past 1 MiB): one slot per key, text, find, sorted() in byte order', () => {
  const keys = new ByteKeys(), seen = new Map();
  let x = 12345; // (the high bits of a xorshift: the low bits of the LCG above repeat too soon here)
  const r = (n) => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return (x >>> 8) % n; };
  for (let i = 0; i < 30000; i++) {
    const len = 1 + r(r(4) === 0 ? 700 : 60);
    const b = Buffer.from(Array.from({ length: len }, () => [0, 1, 34, 97, 98, 200, 255][r(7)]));
    const slot = keys.slot(b, 0, b.length), text = b.toString('latin1');
    if (seen.has(text)) assert.is(slot, seen.get(text)); else { assert.is(slot, seen.size); seen.set(text, slot); }
  }
  assert.ok(keys.keyArena(0) !== keys.keyArena(keys.size - 1), 'the keys lie in more than one block');
  for (const [text, slot] of seen) {
    assert.is(keys.text(slot), text);
    const b = Buffer.from(text, 'latin1');
    assert.is(keys.find(b, 0, b.length), slot);
    assert.is(keys.keyArena(slot).toString('latin1', keys.keyStart(slot), keys.keyStart(slot) + keys.keyLength(slot)), text);
  }
  assert.is(keys.find(Buffer.from('not there'), 0, 9), -1);
  const want = [...seen.keys()].map((t) => Buffer.from(t, 'latin1')).sort(Buffer.compare).map((b) => seen.get(b.toString('latin1')));
  assert.equal([...keys.sorted()], want);
});

test('ByteKeys.gather: the keys of the slots given, in their order, across several arena blocks', () => {
  const keys = new ByteKeys();
  const texts = [];
  for (let i = 0; i < 120000; i++) { const t = `user-${(i * 7919) % 120000}-${'x'.repeat(i % 23)}`; texts.push(t); keys.slot(Buffer.from(t), 0, Buffer.byteLength(t)); }
  const order = keys.sorted();
  const at = keys.gather(order);
  assert.ok(new Set(at.blk).size > 1, 'keys in more than one block');
  for (let k = 0; k < order.length; k++) {
    const [a, s, e] = keys.bytes(order[k]);
    assert.is(at.arenas[at.blk[k]].toString('latin1', at.offs[k], at.offs[k] + at.lens[k]), a.toString('latin1', s, e));
  }
  assert.is(order.length, new Set(texts).size);
});

test('sortKeys compiled and in JavaScript: byte order, equal keys in input order, dup marks repeats; keys sharing twenty bytes ordered by the rest; long runs; one arena or several', () => {
  const wasm = process.env.EVENT_PIPES_SORT !== 'js'; // (set: the compiled sort is off, sortKeys is jsSortKeys)
  assert.is(wasmSortKeys(new Uint8Array(1), new Int32Array(1), new Int32Array(1), 1) !== null, wasm, 'dist/core/sort.wasm is built and loads');
  const alphabet = [0, 1, 34, 48, 49, 57, 85, 255];
  // [count, arenas, shape]: 'mixed' stems and lengths 0..44 (many share twenty bytes and are longer);
  // 'run': every key shares eight bytes (a long run: 8-bit digits under 64K keys, 16-bit from 64K);
  // 'few': a few distinct keys, each many times
  for (const [count, arenasN, shape] of [[3000, 1, 'mixed'], [2047, 2, 'mixed'], [70000, 2, 'mixed'], [5000, 1, 'run'], [70000, 1, 'run'], [9000, 3, 'few'], [1, 1, 'mixed']]) {
    const logs = Array.from({ length: arenasN }, () => new KeyLog(arenasN > 1));
    const where = [];
    const few = Array.from({ length: 7 }, (_, i) => Buffer.from(`"U${i}"\x01"r${'x'.repeat(i * 5)}"`, 'latin1'));
    for (let i = 0; i < count; i++) {
      let b;
      if (shape === 'few') b = few[rnd(few.length)];
      else {
        const stem = shape === 'run' ? [34, 85, 49, 50, 51, 52, 34, 1] : rnd(3) === 0 ? [34, 85, 49, 50, 51, 52, 34, 1, 34, 114, 55, 55, 55, 55, 55, 55, 55, 55, 55, 55] : [];
        b = Buffer.from(stem.concat(Array.from({ length: rnd(shape === 'run' ? 30 : 25) }, () => alphabet[rnd(rnd(3) ? 3 : alphabet.length)])));
      }
      const l = rnd(arenasN);
      where.push([l, logs[l].size]);
      logs[l].add(b, 0, b.length);
    }
    const from = new Uint8Array(count), offs = new Int32Array(count), lens = new Int32Array(count);
    where.forEach(([l, k], i) => { from[i] = l; offs[i] = logs[l].offs[k]; lens[i] = logs[l].lens[k]; });
    const arenas = logs.map((g) => g.arena);
    const key = (i) => Buffer.from(arenas[from[i]].subarray(offs[i], offs[i] + lens[i]));
    const keys = Array.from({ length: count }, (_, i) => key(i));
    const want = Array.from({ length: count }, (_, i) => i).sort((x, y) => Buffer.compare(keys[x], keys[y]) || x - y);
    for (const [name, sort] of [['wasm', wasmSortKeys], ['js', jsSortKeys], ['sortKeys', sortKeys]].filter(([name]) => wasm || name !== 'wasm')) {
      const dup = new Uint8Array(count);
      const order = arenasN > 1 ? sort(arenas[0], offs, lens, count, dup, from, arenas) : sort(arenas[0], offs, lens, count, dup);
      const got = [...order];
      if (got.some((x, k) => x !== want[k])) assert.unreachable(`${name} ${shape} ${count}: not byte order (ties in input order) at ${got.findIndex((x, k) => x !== want[k])}`);
      for (let k = 0; k < count; k++) if (dup[k] !== (k > 0 && keys[got[k]].equals(keys[got[k - 1]]) ? 1 : 0)) assert.unreachable(`${name} ${shape} ${count}: dup at ${k}`);
    }
  }
});

test('the compiled sort past 2 GiB of its memory (~59.6M keys): the order is found where sortWords left it (ORDER read as an unsigned address)', async () => {
  if (process.env.EVENT_PIPES_SORT === 'js') return;
  const fs = await import('node:fs');
  const w = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(new URL('../../dist/core/sort.wasm', import.meta.url))), { env: { abort() { throw new Error('abort'); } } }).exports;
  // wasmSortKeys' layout for n keys, placed as it is for ~60M keys (the pages not written are never touched)
  const n = 2048, BASE = 2 ** 31 + 65536, at = (k) => BASE + 4 * n * k;
  try { w.memory.grow(Math.ceil((at(10) + 4 * 65537 + n + 8 - w.memory.buffer.byteLength) / 65536)); } catch { return; /* (no room for 2 GiB here) */ }
  const buf = w.memory.buffer, u = (k) => new Uint32Array(buf, at(k), n);
  // keys sharing their first two bytes (as JSON strings do): one radix pass fewer, the order in the last spare array
  const w0 = u(0), w1 = u(1), ln = u(5), src = u(6);
  for (let i = 0; i < n; i++) { w0[i] = 0x22550000 | (Math.imul(i, 40503) & 0xffff); w1[i] = Math.imul(i, 2654435761) >>> 0; ln[i] = 8; src[i] = i; }
  const want = Array.from({ length: n }, (_, i) => i).sort((x, y) => w0[x] - w0[y] || w1[x] - w1[y] || x - y);
  w.sortWords(n, at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7), at(8), at(9), at(10), at(10) + 4 * 65537);
  assert.ok(orderAddress(w) >= 2 ** 31);
  assert.equal([...new Uint32Array(buf, orderAddress(w), n)], want);
});

test.run();
