// The chart module (src/core/chart.ts): ticks, labels, dates, escaping, and two properties over random
// charts — the SVG is well-formed XML with one titled mark per point, and no line of the text chart is
// wider than asked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dayNumber, formatTick, naturalCompare, niceTicks, svgChart, textChart, textWidth, xmlEscape } from '../../dist/core/chart.js';
import { findAll, parseXml, textOf } from '../helpers/xml.mjs';

test('niceTicks: 1-2-5 steps that cover the range; whole steps for whole numbers', () => {
  assert.equal(niceTicks(0, 31, 4), { lo: 0, hi: 40, step: 10, ticks: [0, 10, 20, 30, 40] });
  assert.equal(niceTicks(0, 3, 5, true).ticks, [0, 1, 2, 3]);
  assert.equal(niceTicks(0, 3, 8).ticks, [0, 0.5, 1, 1.5, 2, 2.5, 3]);
  assert.equal(niceTicks(-0.3, 0.7, 5).ticks, [-0.4, -0.2, 0, 0.2, 0.4, 0.6, 0.8]);
  assert.equal(niceTicks(5, 5, 4).ticks, [0, 2, 4, 6]);
  let seed = 11;
  const rnd = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
  for (let k = 0; k < 2000; k++) {
    const scale = 10 ** Math.floor(rnd() * 16 - 8);
    const a = (rnd() - 0.5) * 100 * scale, b = a + rnd() * 100 * scale + scale / 1000;
    const count = 2 + Math.floor(rnd() * 10);
    const t = niceTicks(a, b, count);
    const m = t.step / 10 ** Math.floor(Math.log10(t.step) + 1e-9);
    assert.ok([1, 2, 5].some((x) => Math.abs(m - x) < 1e-6), `step ${t.step}`);
    assert.ok(t.lo <= a && t.hi >= b, `${a}..${b} in ${t.lo}..${t.hi}`);
    assert.ok(t.ticks.length >= 2 && t.ticks.length <= count * 2.5 + 2, `${t.ticks.length} ticks for ${count}`);
    for (let i = 1; i < t.ticks.length; i++) assert.ok(Math.abs(t.ticks[i] - t.ticks[i - 1] - t.step) < t.step * 1e-6);
  }
});

test('formatTick: separators, suffixes, decimals from the step, no "-0"', () => {
  assert.is(formatTick(12000, 1000, 20000), '12,000');
  assert.is(formatTick(2500000, 500000, 3e6), '2.5M');
  assert.is(formatTick(3e9, 1e9, 3e9), '3B');
  assert.is(formatTick(0.25, 0.25, 1), '0.25');
  assert.is(formatTick(-1500, 500, 2000), '-1,500');
  assert.is(formatTick(-0, 1, 1), '0');
  assert.is(formatTick(2024, 1, 2024, false), '2024');
  // from 1e15 on, and for steps below 1e-6, exponents ("1e+296T" and every tiny tick "0" before)
  assert.is(formatTick(2e307, 1e307, 1e308), '2e+307');
  assert.is(formatTick(2.5e16, 5e15, 3e16), '2.5e+16');
  assert.is(formatTick(-3e-15, 1e-15, 5e-15), '-3e-15');
  assert.is(formatTick(1.5e-9, 2.5e-10, 2e-9), '1.5e-9');
  assert.is(formatTick(1.25e-9, 2.5e-10, 2e-9), '1.25e-9');
  assert.is(formatTick(0, 1e-15, 5e-15), '0');
});

test('niceTicks and labels at any magnitude a chart takes (1e-300 to 1e300): distinct ticks, distinct labels', () => {
  // (ticks were rounded to at most 12 decimals: below 1e-12 every tick was 0, the axis one point)
  assert.equal(niceTicks(1e-15, 5e-15, 4).ticks, [1e-15, 2e-15, 3e-15, 4e-15, 5e-15]);
  let seed = 29;
  const rnd = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
  for (let k = 0; k < 3000; k++) {
    const scale = 10 ** Math.floor(rnd() * 590 - 300);
    const a = (rnd() - 0.5) * 10 * scale, b = a + rnd() * 10 * scale + scale / 1000;
    const t = niceTicks(a, b, 2 + Math.floor(rnd() * 10));
    assert.ok(Number.isFinite(t.hi - t.lo) && t.lo <= a && t.hi >= b, `${a}..${b} in ${t.lo}..${t.hi}`);
    const maxAbs = Math.max(Math.abs(t.lo), Math.abs(t.hi));
    const labels = t.ticks.map((v) => formatTick(v, t.step, maxAbs));
    assert.is(new Set(labels).size, labels.length, `${labels.join(' ')} for ${a}..${b}`);
    for (const [i, l] of labels.entries()) {
      if (!/e/.test(l)) continue;
      assert.ok(Math.abs(Number(l) - t.ticks[i]) <= t.step * 1e-6, `${l} for ${t.ticks[i]}`);
    }
  }
});

test('dates: only real calendar days make a time axis', () => {
  assert.is(dayNumber('1970-01-02'), 1);
  assert.is(dayNumber('2024-02-29'), 19782);
  // years 0001-0099 are dates of their own (Date.UTC read them as 1901-1999), and 0100-02-29 is none
  assert.is(dayNumber('0050-03-01'), -701206); // (Python: date(50, 3, 1) - date(1970, 1, 1))
  assert.is(dayNumber('0004-02-29'), -718008);
  assert.is(dayNumber('0100-02-29'), undefined);
  for (const s of ['2023-02-29', '2024-13-01', '2024-1-01', '2024-01-01T00:00:00Z', ' 2024-01-01']) assert.is(dayNumber(s), undefined, s);
  // one non-date among dates: categories (nothing is placed by guess)
  const svg = svgChart({ kind: 'bar', xLabel: 'd', series: [{ name: 'v', points: [{ x: '2024-01-01', y: 1 }, { x: '2024-02-30', y: 2 }] }] });
  assert.ok(findAll(parseXml(svg), (e) => e.name === 'text').map(textOf).includes('2024-02-30'));
});

test('naturalCompare: versions and numbered names in human order', () => {
  assert.equal(['1.10.0', '1.9.0', 'v10', 'v2', '1.9.10', '1.9.9', 'a', '01.9.0'].sort(naturalCompare), ['1.9.0', '01.9.0', '1.9.9', '1.9.10', '1.10.0', 'a', 'v2', 'v10']);
});

test('xmlEscape: markup escaped, characters XML forbids replaced, astral characters kept', () => {
  assert.is(xmlEscape(`<a href="x">&'`), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
  assert.is(xmlEscape('a\u0000b\u001bc\ud800d\udc00e\ufffe'), 'a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFD');
  assert.is(xmlEscape('tab\tnl\n🎉'), 'tab\tnl\n🎉');
});

test('random charts: the SVG is XML with a titled mark per point; text lines fit the width', () => {
  let seed = 5;
  const rnd = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
  const pick = (a) => a[Math.floor(rnd() * a.length)];
  const words = ['a', 'ios', 'android <&>', 'x'.repeat(40), '日本語のラベル', 'v1.10', '🎉', '"q"'];
  for (let k = 0; k < 150; k++) {
    const xkind = pick(['date', 'number', 'category']);
    const nS = 1 + Math.floor(rnd() * 4), n = Math.floor(rnd() * 60);
    const series = Array.from({ length: nS }, (_, s) => ({
      name: `${pick(words)} ${s}`,
      points: Array.from({ length: n }, () => {
        const x = xkind === 'date' ? new Date(Date.UTC(2024, 0, 1) + Math.floor(rnd() * 400) * 86400000).toISOString().slice(0, 10)
          : xkind === 'number' ? Math.round((rnd() - 0.3) * 10 ** Math.floor(rnd() * 6)) : pick(words) + Math.floor(rnd() * 5);
        return { x, y: Math.round((rnd() - 0.2) * 10 ** Math.floor(rnd() * 7)) / (rnd() < 0.3 ? 100 : 1) };
      }),
    }));
    const spec = { kind: pick(['line', 'bar']), title: pick([undefined, 'T <&>']), xLabel: 'x', yLabel: 'y', series, sortCategories: rnd() < 0.5 };
    const svg = parseXml(svgChart({ ...spec, width: 320 + Math.floor(rnd() * 900), height: 220 + Math.floor(rnd() * 500) }));
    const marks = findAll(svg, (e) => e.attrs.class === 'mark');
    assert.is(marks.length, nS * n, `case ${k}`);
    for (const m of marks) assert.is(m.children.filter((c) => typeof c !== 'string' && c.name === 'title').length, 1);
    // every coordinate is a finite number
    for (const e of findAll(svg, () => true)) for (const a of ['x', 'y', 'cx', 'cy', 'width', 'height', 'x1', 'x2', 'y1', 'y2']) {
      if (e.attrs[a] !== undefined) assert.ok(Number.isFinite(Number(e.attrs[a])), `case ${k}: ${e.name} ${a}=${e.attrs[a]}`);
    }
    const width = 30 + Math.floor(rnd() * 120);
    const text = textChart({ ...spec, width, height: 3 + Math.floor(rnd() * 20) });
    const wide = (s) => [...s].reduce((w, ch) => w + (/[\u3000-\u9fff\u{1F300}-\u{1FAFF}]/u.test(ch) ? 2 : 1), 0);
    for (const l of text.split('\n')) assert.ok(wide(l) <= width, `case ${k}: ${wide(l)} > ${width}: ${l}`);
  }
});

test('rotated category labels stay in the picture, the first of a long list too, with room for a font wider than the estimate (it began outside: found by a review)', () => {
  for (const n of [12, 40, 150]) {
    const points = Array.from({ length: n }, (_, i) => ({ x: `category number ${i} with a really long descriptive label`, y: (i % 23) - 5, xText: `category number ${i} with a really long descriptive label`, yText: String((i % 23) - 5) }));
    const svg = svgChart({ kind: 'bar', xLabel: 'c', yLabel: 'v', series: [{ name: 'v', yName: 'v', points }], width: 800, height: 400 });
    const rotated = [...svg.matchAll(/<text x="([\d.]+)" y="[\d.]+" font-size="11"[^>]*text-anchor="end" transform="rotate\(-45[^"]*"\s*>([^<]*)<\/text>/g)];
    assert.ok(rotated.length > 0, `${n}: rotated labels`);
    for (const [, x, label] of rotated) {
      const left = Number(x) - 1.15 * textWidth(label.replace(/&amp;/g, '&'), 11) * Math.SQRT1_2;
      assert.ok(left >= 0, `${n} categories: "${label}" begins at ${left.toFixed(1)}`);
    }
  }
});

test.run();
