// count-by's output order against a reference sort: per key, null < booleans < numbers < strings, and
// strings by code point (UTF-8 bytes) whatever their escapes; plain-string keys take a faster path that
// must give the same order.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sh } from '../helpers/sh.mjs';
import { HyperLogLog } from '../../dist/core/sketches.js';
const run = sh;

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


test('runs of one key (the group of the record before is reused) and keys that change in length or one byte', () => {
  // keys in runs and alternating, prefixes of each other (12 then 1: a token that begins the one before), long keys (past the remembered key's 256
  // bytes), composite keys whose joined bytes differ in the second field only, null and absent keys
  const long = 'L'.repeat(300), long2 = 'L'.repeat(299) + 'M';
  const seq = ['a', 'a', 'ab', 'ab', 'a', 'b', 'b', 'b', 'ba', long, long, long2, long, null, null, undefined, 'a', '', '', 'a', 12, 12, 1, 1, 123];
  const lines = [], want = new Map(), sums = new Map();
  seq.forEach((k, i) => {
    for (const j of ['x', 'x', 'y']) {
      lines.push(JSON.stringify(k === undefined ? { j, n: i } : { k, j, n: i }));
      const key = JSON.stringify([k ?? null, j]);
      want.set(key, (want.get(key) ?? 0) + 1);
      sums.set(key, (sums.get(key) ?? 0) + i);
    }
  });
  const r = sh(`count-by k j -a 'c=count()' -a 's=sum(n)'`, { input: lines.join('\n') + '\n' });
  assert.is(r.status, 0, r.stderr);
  const got = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(got.length, want.size);
  for (const g of got) {
    const key = JSON.stringify([g.k, g.j]);
    assert.is(g.c, want.get(key), key);
    assert.is(g.s, sums.get(key), key);
  }
  const one = sh(`count-by k -a 'c=count()'`, { input: lines.join('\n') + '\n' });
  const counts = Object.fromEntries(one.stdout.trim().split('\n').map((l) => JSON.parse(l)).map((g) => [String(g.k), g.c]));
  assert.equal(counts, { null: 9, '': 6, a: 15, ab: 6, b: 9, ba: 3, [long]: 9, [long2]: 3, 1: 6, 12: 6, 123: 3 });
});


test('plain-string keys only (sorted as bytes where they lie) over several key blocks; records across batch ends', () => {
  // ~3 MB of keys: ByteKeys starts new blocks past 1 MiB; the output batches (RecordBatch) flush past
  // 256 KiB, so records are cut into several batches; keys of one and two tokens, prefixes of each other
  const lines = [], want = new Map();
  for (let i = 0; i < 12000; i++) {
    const k = `u${Math.floor(rnd() * 6000)}` + 'x'.repeat(Math.floor(rnd() * 3) * 120), j = `d${Math.floor(rnd() * 3)}`;
    lines.push(JSON.stringify({ k, j, v: i }));
    const key = JSON.stringify([k, j]);
    want.set(key, (want.get(key) ?? 0) + i);
  }
  const r = sh(`count-by k j -a 's=sum(v)'`, { input: lines.join('\n') + '\n' });
  assert.is(r.status, 0, r.stderr);
  const got = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(got.length, want.size);
  const sorted = [...got].sort((x, y) => cmpv(x.k, y.k) || cmpv(x.j, y.j));
  assert.equal(got.map((o) => [o.k, o.j]), sorted.map((o) => [o.k, o.j]));
  for (const g of got) assert.is(g.s, want.get(JSON.stringify([g.k, g.j])));
  // one key alone: the same order and sums
  const one = sh(`count-by k`, { input: lines.join('\n') + '\n' });
  const ks = one.stdout.trim().split('\n').map((l) => JSON.parse(l).k);
  assert.equal(ks, [...new Set(lines.map((l) => JSON.parse(l).k))].sort((x, y) => cmpv(x, y)));
});

test('keys led by a whole number (event ids: a packed numeric sort, then the comparator among equal numbers)', () => {
  for (const big of [false, true]) {
    const lines = [];
    for (let i = 0; i < 5000; i++) {
      // small ids with ties, ids near 2^32 and 10^12 - 1 (the packed sort's halves); with big, one id past
      // 10^12 (the comparator for all)
      const k = [Math.floor(rnd() * 60), 4294967296 + Math.floor(rnd() * 3), 999999999999, 0][Math.floor(rnd() * 4)];
      lines.push(JSON.stringify({ k, j: vals[Math.floor(rnd() * vals.length)] }));
    }
    if (big) lines.push('{"k":1000000000000,"j":"x"}');
    const r = sh('count-by k j', { input: lines.join('\n') + '\n' });
    assert.is(r.status, 0, r.stderr);
    const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const want = [...out].sort((x, y) => cmpv(x.k, y.k) || cmpv(x.j, y.j));
    assert.equal(out.map((o) => [o.k, o.j]), want.map((o) => [o.k, o.j]));
    assert.ok(out.length > 500, `${out.length} groups`);
  }
});

test('keys of a plain string then a number (a user and a time): ordered by the number within a user, whatever its form', () => {
  const lines = [];
  const nums = [0, -0, 5, -5, 12, 9, 1700000000, 1700000000.5, 12345678901234567, 1e21, -1e-7, 3];
  for (let i = 0; i < 6000; i++) {
    const u = `user-${Math.floor(rnd() * 40)}`, t = nums[Math.floor(rnd() * nums.length)] + (rnd() < 0.5 ? Math.floor(rnd() * 1000) : 0);
    lines.push(`{"u":"${u}","t":${JSON.stringify(t)},"x":${i}}`);
  }
  lines.push('{"u":"user-1","t":"7","x":1}', '{"u":"user-1","t":null,"x":1}', '{"u":"user-1","t":-0,"x":1}', '{"u":"user-1","t":0.0,"x":1}');
  const r = sh(`count-by u t -a 'n=count()'`, { input: lines.join('\n') + '\n' });
  assert.is(r.status, 0, r.stderr);
  const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  const want = [...out].sort((x, y) => cmpv(x.u, y.u) || cmpv(x.t, y.t));
  assert.equal(out.map((o) => [o.u, o.t]), want.map((o) => [o.u, o.t]));
  assert.ok(out.length > 1000, `${out.length} groups`);
});

test('--each: one row per record, in input order, each the row a group of that record alone would give; record numbers in warnings; usage errors', () => {
  const lines = [];
  for (let i = 0; i < 9000; i++) { // (more than one set of columns: 4096 records a set)
    const k = vals[Math.floor(rnd() * vals.length)], v = vals[Math.floor(rnd() * vals.length)];
    lines.push(JSON.stringify({ id: i, k, d: { v, w: rnd() < 0.5 ? String(i) : i * 0.5 } }));
    if (i % 1000 === 7) lines.push('{"id": bad}');
  }
  const aggs = "-a 'n=count()' -a 'c=count_if(d.v)' -a 's=sum(d.w)' -a 'u=distinct(d.v)' -a 'hi=max(d.w)' -a 'p=p95(d.w)'";
  const each = sh(`count-by --each k id v=d.v ${aggs} --stats`, { input: lines.join('\n') + '\n' });
  assert.is(each.status, 0, each.stderr);
  const rows = each.stdout.trim().split('\n');
  assert.is(rows.length, 9000);
  assert.equal(rows.map((r) => JSON.parse(r).id), [...Array(9000).keys()], 'input order');
  assert.ok(/stats: in=9009 out=9000 rejected=9 groups=9000/.test(each.stderr), each.stderr);
  // the same rows as grouping by a key that is unique per record (the id), sorted by it
  const grouped = sh(`count-by k id v=d.v ${aggs}`, { input: lines.join('\n') + '\n' });
  assert.is(grouped.status, 0, grouped.stderr);
  assert.equal([...rows].sort(), grouped.stdout.trim().split('\n').sort());
  for (const bad of ['--partial', '--merge', '--distinct']) assert.is(sh(`count-by --each k ${bad}`, { input: '' }).status, 2, `--each with ${bad} is a usage error`);
  // a warning names the output record by its number, past the first set of columns too
  const big = Array.from({ length: 9000 }, (_, i) => JSON.stringify({ id: i, v: i === 5000 ? '1e400' : 1 })).join('\n') + '\n';
  const w = sh("count-by --each id -a 's=sum(v)'", { input: big });
  assert.is(w.stdout.trim().split('\n')[5000], '{"id":5000,"s":null}');
  assert.match(w.stderr, /s: the value of output record 5001 is beyond the double range/);
});

test('distinct() against grouping by the value (--distinct): spellings of one value, escapes, nested values, long tokens, nulls; --partial + --merge the same; hand-made states', () => {
  // the distinct values of a group are kept as bytes (group number + canonical token): checked against
  // the other path that canonicalises values, count-by's own keys
  const long = 'x'.repeat(300), nested = [{ a: 1, b: [1, 'y'] }, { b: [1, 'y'], a: 1 }];
  const spell = [['1', '1.0', '1e0', '10e-1'], ['"A"', '"\\u0041"'], ['"é"', '"\\u00e9"'], ['9007199254740993'], ['9007199254740992'],
    ['null'], ['true'], ['""'], [JSON.stringify(long)], [JSON.stringify(long + 'é')], ['{"a":1,"b":[1,"y"]}', '{ "a" : 1.0, "b" : [ 1, "\\u0079" ] }'], ['{"b":[1,"y"],"a":1}'], ['[1,2]'], ['"😀"'], ['-0.5', '-5e-1']];
  void nested;
  const lines = [];
  for (let i = 0; i < 30000; i++) {
    const g = Math.floor(rnd() * 700), c = spell[Math.floor(rnd() * spell.length)], v = c[Math.floor(rnd() * c.length)];
    lines.push(rnd() < 0.05 ? `{"g":${g}}` : `{"g":${g},"v":${v}}`);
  }
  const input = lines.join('\n') + '\n';
  const got = new Map(sh("count-by g -a 'n=distinct(v)'", { input }).stdout.trim().split('\n').map((l) => { const r = JSON.parse(l); return [r.g, r.n]; }));
  const want = new Map();
  for (const l of sh('count-by g v --distinct', { input }).stdout.trim().split('\n')) {
    const r = JSON.parse(l);
    if (!want.has(r.g)) want.set(r.g, 0);
    if (r.v !== null && r.v !== undefined) want.set(r.g, want.get(r.g) + 1);
  }
  assert.equal([...got].sort((a, b) => a[0] - b[0]), [...want].sort((a, b) => a[0] - b[0]));
  assert.ok([...got.values()].some((n) => n >= 10), 'groups with many values');
  // in three parts, merged: the same answer and the same states
  const parts = [0, 1, 2].map((k) => lines.filter((_l, i) => i % 3 === k).join('\n') + '\n');
  const partial = parts.map((p) => sh("count-by g --partial -a 'n=distinct(v)'", { input: p }).stdout).join('');
  const merged = sh("count-by g --merge -a 'n=distinct(v)'", { input: partial }).stdout;
  assert.is(merged, sh("count-by g -a 'n=distinct(v)'", { input }).stdout);
  const states = sh("count-by g --merge --partial -a 'n=distinct(v)'", { input: partial }).stdout;
  assert.is(states, sh("count-by g --partial -a 'n=distinct(v)'", { input }).stdout);
  const st = JSON.parse(states.split('\n')[0])._state.n;
  assert.equal(st, [...st].sort(), 'a state is sorted');
  assert.ok(st.every((t) => typeof t === 'string' && t !== 'null'));
  // states written by hand: any strings, each itself ('€' and '¬' share a low byte; '' and '\u0000a')
  const hand = ['"€"', '"¬"', '""', '"\\u0000a"', '"a"'].map((t, i) => `{"g":1,"_state":{"n":[${t}${i % 2 ? ',"a"' : ''}]}}`).join('\n') + '\n';
  assert.is(sh("count-by g --merge -a 'n=distinct(v)'", { input: hand }).stdout, '{"g":1,"n":5}\n');
  assert.equal(JSON.parse(sh("count-by g --merge --partial -a 'n=distinct(v)'", { input: hand }).stdout)._state.n, ['', '\u0000a', 'a', '¬', '€']);
});

test('distinct() keeps a table per group while groups are few and not small, else one table of pairs: both layouts, and the move from one to the other, give the counts of --distinct and the same states', () => {
  // a value of many kinds (spellings of one value included), or one of `wide` user ids
  const kinds = ['1', '1.0', '"A"', '"\\u0041"', '"é"', '"\\u00e9"', 'null', 'true', '"😀"', '[1,2]', '{"a":1}', '""', '"a\\"b"'];
  const make = (n, groups, order, wide) => {
    const lines = [];
    for (let i = 0; i < n; i++) {
      const g = order === 'runs' ? Math.floor((i / n) * groups) : Math.floor(rnd() * groups);
      const v = rnd() < 0.3 ? kinds[Math.floor(rnd() * kinds.length)] : `"u${Math.floor(rnd() * wide)}"`;
      lines.push(rnd() < 0.03 ? `{"g":${g}}` : `{"g":${g},"v":${v}}`);
    }
    return lines;
  };
  const layouts = [
    ['40 groups in runs (a table each throughout)', make(20000, 40, 'runs', 3000)],
    ['40 groups interleaved (a table each throughout)', make(20000, 40, 'random', 3000)],
    ['300 groups of ~4 values (small: moved to pairs at the 64th group)', make(1200, 300, 'runs', 50)],
    ['300 groups of ~80 values in runs, at most 200 tables (a table each, moved to pairs at the 200th group)', make(300 * 96, 300, 'runs', 1e6), '200'],
  ];
  for (const [what, lines, most] of layouts) {
    const env = most ? { env: { EVENT_PIPES_DISTINCT_SETS: most } } : {};
    const sh = (cmd, o) => run(cmd, { ...o, ...env });
    const input = lines.join('\n') + '\n';
    const got = sh("count-by g -a 'n=distinct(v)'", { input }).stdout;
    const want = new Map();
    for (const l of sh('count-by g v --distinct', { input }).stdout.trim().split('\n')) {
      const r = JSON.parse(l);
      if (!want.has(r.g)) want.set(r.g, 0);
      if (r.v !== null && r.v !== undefined) want.set(r.g, want.get(r.g) + 1);
    }
    assert.is(got, [...want].sort((a, b) => a[0] - b[0]).map(([g, n]) => JSON.stringify({ g, n })).join('\n') + '\n', what);
    const parts = [0, 1].map((k) => lines.filter((_l, i) => i % 2 === k).join('\n') + '\n');
    const partial = parts.map((p) => sh("count-by g --partial -a 'n=distinct(v)'", { input: p }).stdout).join('');
    assert.is(sh("count-by g --merge -a 'n=distinct(v)'", { input: partial }).stdout, got, `${what}: --partial + --merge`);
    assert.is(sh("count-by g --merge --partial -a 'n=distinct(v)'", { input: partial }).stdout, sh("count-by g --partial -a 'n=distinct(v)'", { input }).stdout, `${what}: states`);
  }
});

test('--merge: a state of the wrong shape is a bad record (line, reason), never folded in part, never a crash', () => {
  const A = "-a 'n=count()' -a 's=sum(x)' -a 'd=distinct(x)' -a 'h=approx_distinct(x)' -a 't=approx_quantile(x,0.5)' -a 'q=p95(x)' -a 'm=max(x)'";
  const good = sh(`count-by k --partial ${A}`, { input: '{"k":1,"x":3}\n{"k":1,"x":4}\n{"k":2,"x":5}\n' }).stdout.split('\n').filter(Boolean);
  const st = JSON.parse(good[0]);
  // each aggregate's state broken in turn, the others left good; and states missing or not objects
  const breaks = { n: ['7', -1, 1.5, null], s: [{ s: 'x', n: 1 }, { s: 1 }, 3, { s: 1, n: -2 }], d: ['a', [1], {}], h: ['AAAA', 5, '!!!!'],
    t: [[[1]], [[1, 0]], 'x', [[1, 'w']]], q: [5, [1, 'a'], [null], 'x'] };
  const bad = [];
  for (const [name, values] of Object.entries(breaks)) for (const v of values) bad.push(JSON.stringify({ k: 1, _state: { ...st._state, [name]: v } }));
  const { _state: { m: _m, ...noMax } } = st;
  bad.push(JSON.stringify({ k: 1, _state: noMax }), '{"k":1,"_state":[]}', '{"k":1,"_state":"x"}', '{"k":3,"_state":{}}');
  const input = [good[0], ...bad, good[1]].join('\n') + '\n';
  const r = sh(`count-by k --merge --max-reports 100 ${A}`, { input });
  assert.is(r.status, 0, r.stderr);
  // the good states alone, merged: the same output (no bad state counted, no group of a bad record: k 3)
  assert.is(r.stdout, sh(`count-by k --merge ${A}`, { input: good.join('\n') + '\n' }).stdout);
  assert.ok(!r.stdout.includes('"k":3'));
  assert.match(r.stderr, new RegExp(`${bad.length} bad records skipped \\(not a partial state: ${bad.length}\\)$`, "m"));
  assert.match(r.stderr, /-:2: not a partial state: _state\.n is not a count/);
  assert.match(r.stderr, /no state of m in _state/);
  // --strict stops at the first, exit 1
  const s2 = sh(`count-by k --merge --strict ${A}`, { input });
  assert.is(s2.status, 1);
  assert.match(s2.stderr, /-:2: not a partial state/);
});

test('exact quantiles by selection equal those of a sorted copy (numpy linear), on runs of equal values and any order', async () => {
  const { selectKth, quantileOfAny, quantileOf } = await import('../../dist/core/aggregates.js');
  let z = 7;
  const r = () => ((z = (z * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (const n of [1, 2, 3, 5, 17, 100, 1000, 4097]) {
    for (const kind of ['random', 'few', 'sorted', 'reversed', 'equal']) {
      const v = Float64Array.from({ length: n }, (_, i) => kind === 'random' ? r() * 1e6 - 5e5 : kind === 'few' ? Math.floor(r() * 3) : kind === 'sorted' ? i : kind === 'reversed' ? n - i : 4);
      const sorted = Float64Array.from(v).sort();
      for (const q of [0, 0.05, 0.5, 0.9, 0.95, 0.99, 1]) assert.is(quantileOfAny(Float64Array.from(v), q), quantileOf(sorted, q), `${kind} n=${n} q=${q}`);
      const k = Math.floor(r() * n), a = Float64Array.from(v);
      assert.is(selectKth(a, k), sorted[k]);
      for (let i = 0; i < n; i++) assert.ok(i < k ? a[i] <= a[k] : i > k ? a[i] >= a[k] : true, `${kind} n=${n}: partitioned at ${k}`);
    }
  }
});

test('--partial then --merge = one pass for quantiles of 16+ digit integers and of values beyond a double (states keep them exactly)', () => {
  for (const x of ['1000000000000000', '9007199254740993', '1e20', '"12345678901234567"', '1682925088000000', '1e400', '-1e400', '"1e400"']) {
    for (const a of ['m=p50(x)', 'm=p95(x)', 'm=quantile(x,0.9)', 'm=approx_quantile(x,0.5)']) {
      const rows = [`{"k":"a","x":${x}}`, '{"k":"a","x":1}', '{"k":"a","x":7}', `{"k":"b","x":${x}}`];
      const one = sh(`count-by k -a '${a}'`, { input: rows.join('\n') + '\n' }).stdout;
      const parts = [rows.slice(0, 1), rows.slice(1)].map((p) => sh(`count-by k --partial -a '${a}'`, { input: p.join('\n') + '\n' }).stdout).join('');
      const merged = sh(`count-by k --merge -a '${a}'`, { input: parts });
      assert.is(merged.status, 0, `${x} ${a}: ${merged.stderr}`);
      assert.is(merged.stdout, one, `${x} ${a}`);
    }
  }
});

test('exact quantiles: values that repeat are a counted state ({"values","counts"}); --partial then --merge = one pass, mixed with value lists, whatever the cut; a bad counted state is a bad record', () => {
  let z = 11;
  const r = () => ((z = (z * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const A = "-a 'a=p50(x)' -a 'b=p95(x)' -a 'c=quantile(x,0.1)' -a 'n=count(x)'";
  // per group: few distinct values (counted), many (a list), few with -0 (a list), 1e400 and 16+ digits among few
  const pick = { few: () => Math.floor(r() * 5) * 2, many: () => r() * 1000, zero: () => (r() < 0.5 ? '-0' : Math.floor(r() * 3)),
    big: () => ['1e400', '-1e400', '9007199254740993', '3'][Math.floor(r() * 4)] };
  const rows = [];
  for (let i = 0; i < 3000; i++) { const k = Object.keys(pick)[i % 4]; rows.push(`{"k":"${k}","x":${pick[k]()}}`); }
  const one = sh(`count-by k ${A}`, { input: rows.join('\n') + '\n' }).stdout;
  const whole = sh(`count-by k --partial ${A}`, { input: rows.join('\n') + '\n' }).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const st = (k) => whole.find((o) => o.k === k)._state;
  assert.equal(st('few').a, { values: [0, 2, 4, 6, 8], counts: st('few').a.counts });
  assert.is(st('few').a.counts.reduce((x, y) => x + y, 0), 750);
  assert.ok(Array.isArray(st('many').a) && st('many').a.length === 750, 'distinct values: the list');
  assert.ok(Array.isArray(st('zero').a), '-0 among them: the list');
  for (const cuts of [[1500], [1, 2999], [700, 1400, 2100]]) {
    const parts = [];
    let from = 0;
    for (const c of [...cuts, rows.length]) { parts.push(rows.slice(from, c)); from = c; }
    const states = parts.map((p) => sh(`count-by k --partial ${A}`, { input: p.join('\n') + '\n' }).stdout).join('');
    const merged = sh(`count-by k --merge ${A}`, { input: states });
    assert.is(merged.status, 0, merged.stderr);
    assert.is(merged.stdout, one, `cut at ${cuts}`);
    // merges nest (a counted state from states)
    const again = sh(`count-by k --merge --partial ${A} | count-by k --merge ${A}`, { input: states });
    assert.is(again.stdout, one, `nested, cut at ${cuts}`);
  }
  // a counted state --partial could not have written: a bad record, never folded in part
  const good = JSON.stringify({ k: 'few', _state: st('few') });
  const bad = [{ values: [2, 1], counts: [1, 1] }, { values: [1, 1], counts: [1, 1] }, { values: [1, 2], counts: [1, 0] },
    { values: [1, 2], counts: [1] }, { values: [1, 'x'], counts: [1, 1] }, { values: [1], counts: [1.5] }, { values: [1], counts: [1], more: 1 },
    { values: [1] }, { counts: [1] }, { values: [1, 2], counts: [1, 2] }, { values: ['MINUS_ZERO', 1], counts: [100, 100] },
    { values: Array.from({ length: 20 }, (_, i) => i), counts: [45, ...Array(19).fill(1)] }, { values: [1], counts: [2 ** 32] }].map((q) => JSON.stringify({ k: 'few', _state: { ...st('few'), a: q } }).replace('"MINUS_ZERO"', '-0'));
  const m = sh(`count-by k --merge --max-reports 100 ${A}`, { input: [good, ...bad].join('\n') + '\n' });
  assert.is(m.status, 0, m.stderr);
  assert.is(m.stdout, sh(`count-by k --merge ${A}`, { input: good + '\n' }).stdout);
  assert.match(m.stderr, new RegExp(`${bad.length} bad records skipped \\(not a partial state: ${bad.length}\\)`));
  assert.match(m.stderr, /exact quantile values: an array of numbers, or \{"values":\[\.\.\.\],"counts":\[\.\.\.\]\}/);
});

test('--order-by: whole values (packed with their rank, sorted natively) and others (the comparator) give the reference order: value, then key, null last; ascending and descending', () => {
  let z = 5;
  const r = () => ((z = (z * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const kinds = {
    whole: () => Math.floor(r() * 40) - 20, // (ties, negatives, zero)
    big: () => Math.floor(r() * 3) * 2 ** 50, // (beyond the packing: the comparator)
    frac: () => Math.floor(r() * 20) / 4,
    mixed: () => (r() < 0.2 ? null : Math.floor(r() * 10)),
  };
  for (const [kind, gen] of Object.entries(kinds)) {
    const rows = [];
    for (let i = 0; i < 3000; i++) { const v = gen(); rows.push(JSON.stringify(v === null ? { k: `u${Math.floor(r() * 800)}` } : { k: `u${Math.floor(r() * 800)}`, x: v })); }
    for (const dir of ['', ':desc']) {
      const out = sh(`count-by k -a 's=sum(x)' --order-by s${dir}`, { input: rows.join('\n') + '\n' });
      assert.is(out.status, 0, out.stderr);
      const got = out.stdout.trim().split('\n').map((l) => JSON.parse(l));
      const byKey = sh(`count-by k -a 's=sum(x)'`, { input: rows.join('\n') + '\n' }).stdout.trim().split('\n').map((l) => JSON.parse(l));
      const want = byKey.map((o, i) => ({ o, i })).sort((a, b) => {
        const x = a.o.s, y = b.o.s;
        if (x === null || y === null) return x === null && y === null ? a.i - b.i : x === null ? 1 : -1;
        return x !== y ? (dir ? y - x : x - y) : a.i - b.i;
      }).map((e) => e.o);
      assert.equal(got, want, `${kind}${dir}`);
    }
  }
});

test('approx_quantile: infinite values a t-digest folds into one centroid give a state --merge takes (Infinity - Infinity made it null)', () => {
  const rows = [];
  for (let i = 0; i < 1000; i++) rows.push(`{"k":"a","v":${i}}`);
  for (let i = 0; i < 10; i++) rows.push('{"k":"a","v":1e400}');
  const input = rows.join('\n') + '\n';
  const A = "-a 'aq=approx_quantile(v,0.5)' -a 'hi=approx_quantile(v,1)'";
  const one = sh(`count-by k ${A}`, { input });
  const partial = sh(`count-by k --partial ${A}`, { input }).stdout;
  assert.not.match(partial, /null/);
  const merged = sh(`count-by k --merge ${A}`, { input: partial });
  assert.is(merged.status, 0, merged.stderr);
  assert.is(merged.stdout, one.stdout);
});

test('approx_distinct keeps its stated 1.6 % standard error over the whole range, unbiased past 2.5 x 4096 registers (the classic switch from linear counting had +2.4 % there)', () => {
  let seed = 11;
  for (const n of [1000, 8000, 10240, 11000, 12500, 40000]) {
    const trials = n > 20000 ? 20 : 60;
    let sum = 0, sq = 0;
    for (let t = 0; t < trials; t++) {
      const h = new HyperLogLog(), base = (seed++) * 1e7;
      for (let i = 0; i < n; i++) h.add('u' + (base + i).toString(36));
      const e = (h.estimate() - n) / n; sum += e; sq += e * e;
    }
    const mean = sum / trials, rms = Math.sqrt(sq / trials);
    assert.ok(Math.abs(mean) < 0.006, `${n}: mean error ${(100 * mean).toFixed(2)} %`);
    assert.ok(rms < 0.02, `${n}: rms error ${(100 * rms).toFixed(2)} %`);
  }
  assert.is(new HyperLogLog().estimate(), 0);
  const one = new HyperLogLog(); one.add('x'); one.add('x');
  assert.is(one.estimate(), 1);
});

test.run();
