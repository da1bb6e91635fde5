// Exact quantiles over merged states: a state is written sorted and a merge keeps each as a run, whose
// ranks are found by binary searches (kthOfRuns). Checked against one sorted array of every value
// (random runs with repeats, -0, infinities, empty runs), and through count-by: partial states of any
// split, merged (nested merges too), give the one-pass answer; unsorted hand-made states still merge.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kthOfRuns, quantileOf, quantileOfRuns } from '../../dist/core/aggregates.js';
import { sh } from '../helpers/sh.mjs';

let seed = 97;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const value = () => {
  const r = rnd();
  if (r < 0.02) return r < 0.01 ? Infinity : -Infinity;
  if (r < 0.05) return r < 0.035 ? -0 : 0;
  if (r < 0.5) return Math.floor(rnd() * 20); // (repeats)
  return (rnd() - 0.5) * 1e6;
};

test('kthOfRuns and quantileOfRuns equal the ranks of one sorted array', () => {
  for (let t = 0; t < 400; t++) {
    const m = rnd() < 0.1 ? 30 : 1 + Math.floor(rnd() * 5); // (30: past RUNS_MAX, one array)
    const runs = Array.from({ length: m }, () => Float64Array.from({ length: Math.floor(rnd() * (rnd() < 0.2 ? 3 : 60)) }, value).sort());
    const all = Float64Array.from(runs.flatMap((r) => [...r])).sort();
    if (all.length === 0) { assert.is(quantileOfRuns(runs, 0.5), null); continue; }
    for (let k = 0; k < all.length; k++) assert.ok(Object.is(kthOfRuns(runs, k) + 0, all[k] + 0), `rank ${k} of ${all.length} in ${m} runs`);
    for (const q of [0, 0.05, 0.5, 0.95, 0.99, 1, rnd()]) {
      const a = quantileOfRuns(runs, q), b = quantileOf(all, q);
      assert.ok(Object.is(a, b) || (a === 0 && b === 0), `q ${q}: ${a} against ${b}`);
    }
  }
});

test('count-by: exact quantiles through partial states of any split and nested merges equal one pass', () => {
  const rows = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ g: i % 3, v: Math.round((rnd() - 0.3) * (i % 3 === 2 ? 10 : 1e5)) }));
  const A = "-a 'n=count()' -a 'q50=p50(v)' -a 'q95=p95(v)' -a 'q=quantile(v, 0.333)'";
  const one = sh(`count-by g ${A}`, { input: rows.join('\n') + '\n' }).stdout;
  for (const parts of [2, 3, 7]) {
    const cut = Array.from({ length: parts }, (_, p) => rows.filter((_r, i) => (i * 7919) % parts === p).join('\n') + '\n');
    const states = cut.map((c) => sh(`count-by g --partial ${A}`, { input: c }).stdout);
    for (const st of states) for (const l of st.trim().split('\n')) {
      const s = JSON.parse(l)._state.q50;
      if (Array.isArray(s)) for (let i = 1; i < s.length; i++) assert.ok(s[i - 1] <= s[i], 'a state is written sorted');
    }
    assert.is(sh(`count-by g --merge ${A}`, { input: states.join('') }).stdout, one, `${parts} parts merged`);
    // merged in two levels: the first half's states merged to a state, then with the rest
    const half = sh(`count-by g --merge --partial ${A}`, { input: states.slice(0, parts >> 1).join('') }).stdout;
    assert.is(sh(`count-by g --merge ${A}`, { input: half + states.slice(parts >> 1).join('') }).stdout, one, `${parts} parts, nested`);
  }
  // many states of disjoint values in value order (hourly shards of a growing id): one array and a
  // selection past a few runs (the binary searches took rounds in proportion to the runs: 40,000
  // one-value states 49 s), the same answer
  const many = Array.from({ length: 3000 }, (_, i) => `{"g":1,"_state":{"q":[${2 * i},${2 * i + 1}]}}`).join('\n') + '\n';
  const all = Float64Array.from({ length: 6000 }, (_, i) => i);
  assert.is(sh("count-by g --merge -a 'q=p95(v)'", { input: many }).stdout, `{"g":1,"q":${quantileOf(all, 0.95)}}\n`);
  // a hand-made state out of order, beside sorted and counted ones
  const hand = '{"g":1,"_state":{"q":[5,1,3]}}\n{"g":1,"_state":{"q":[2,4]}}\n{"g":1,"_state":{"q":{"values":[0,6],"counts":[60,4]}}}\n';
  const vals = [5, 1, 3, 2, 4, ...Array(60).fill(0), ...Array(4).fill(6)];
  const want = quantileOf(Float64Array.from(vals).sort(), 0.95);
  assert.is(sh("count-by g --merge -a 'q=p95(v)'", { input: hand }).stdout, `{"g":1,"q":${want}}\n`);
});

test.run();
