// count-by's sums: integer sums exact beyond 2^53 (against a BigInt oracle), the same through
// --partial/--merge in any partitioning (nested merges too), overflow never a silent null, bad
// aggregate arguments a usage error (exit 2).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { lines, sh, tmpdir } from '../helpers/sh.mjs';

let seed = 53;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = (a) => a[Math.floor(rnd() * a.length)];
const MAX = 2n ** 53n - 1n;

/** an integer as JSON text: small ones, ones near 2^53, 64-bit ids, and numeric strings of them */
function randomInt() {
  const kind = rnd();
  let b;
  if (kind < 0.4) b = BigInt(Math.floor(rnd() * 2000) - 1000);
  else if (kind < 0.7) b = MAX - BigInt(Math.floor(rnd() * 1000));
  else b = BigInt(Math.floor(rnd() * 2 ** 31)) * BigInt(Math.floor(rnd() * 2 ** 31)) + BigInt(Math.floor(rnd() * 1e6));
  if (rnd() < 0.3) b = -b;
  return { b, text: rnd() < 0.2 ? `"${b}"` : String(b) };
}

test('integer sums and sums of squares are exact (BigInt oracle); partial states merged in any partitioning give the one-pass answer', () => {
  const d = tmpdir();
  const rows = [], want = new Map();
  for (let i = 0; i < 3000; i++) {
    const g = `g${Math.floor(rnd() * 12)}`, { b, text } = randomInt();
    rows.push(`{"g":"${g}","v":${text}}`);
    const w = want.get(g) ?? { s: 0n, q: 0n, n: 0 };
    w.s += b; w.q += b * b; w.n++;
    want.set(g, w);
  }
  // a group whose sum crosses 2^53 and comes back, and one that never leaves the double range
  rows.push('{"g":"back","v":9007199254740991}', '{"g":"back","v":9007199254740991}', '{"g":"back","v":-9007199254740991}');
  want.set('back', { s: MAX, q: 3n * MAX * MAX, n: 3 });
  fs.writeFileSync(`${d}/all.ndjson`, rows.join('\n') + '\n');
  const A = `-a 's=sum(v)' -a 'q=sumsq(v)' -a 'm=avg(v)' -a 'n=count()'`;
  const one = sh(`count-by g ${A} -i ${d}/all.ndjson`);
  assert.is(one.status, 0, one.stderr);
  assert.is(one.stderr, '');
  const out = one.stdout.trim().split('\n');
  assert.is(out.length, want.size);
  for (const line of out) {
    const g = /"g":"([^"]+)"/.exec(line)[1], w = want.get(g);
    // compare the written tokens (JSON.parse would round them)
    assert.is(/"s":(-?\d+)/.exec(line)[1], String(w.s), `sum of ${g}`);
    assert.is(/"q":(-?\d+)/.exec(line)[1], String(w.q), `sum of squares of ${g}`);
  }
  assert.ok([...want.values()].filter((w) => w.s > MAX || w.s < -MAX).length >= 5, 'several sums beyond 2^53');
  // three random partitionings, merged flat and nested
  for (let p = 0; p < 3; p++) {
    const parts = [[], [], [], []];
    for (const r of rows) parts[Math.floor(rnd() * 4)].push(r);
    parts.forEach((x, i) => fs.writeFileSync(`${d}/p${i}`, x.join('\n') + (x.length ? '\n' : '')));
    const flat = sh(`for i in 0 1 2 3; do count-by g --partial ${A} -i ${d}/p$i; done | count-by g --merge ${A}`);
    assert.is(flat.status, 0, flat.stderr);
    assert.is(flat.stdout, one.stdout, `partitioning ${p}`);
    const nested = sh(`(cat ${d}/p0 ${d}/p1 | count-by g --partial ${A}; for i in 2 3; do count-by g --partial ${A} -i ${d}/p$i; done | count-by g --merge --partial ${A}) | count-by g --merge ${A}`);
    assert.is(nested.stdout, one.stdout, `nested merge ${p}`);
  }
});

test('a float group stays floating through a merge; an overflowing sum is null with a warning naming the record, in one pass and merged', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/a`, ['{"g":"f","v":0.5}', '{"g":"f","v":9007199254740991}', '{"g":"o","v":1e308}', '{"g":"z","v":1}'].join('\n') + '\n');
  fs.writeFileSync(`${d}/b`, ['{"g":"f","v":9007199254740991}', '{"g":"o","v":1e308}', '{"g":"o","v":-1}'].join('\n') + '\n');
  const A = `-a 's=sum(v)'`;
  const one = sh(`cat ${d}/a ${d}/b | count-by g ${A}`);
  const merged = sh(`(count-by g --partial ${A} -i ${d}/a; count-by g --partial ${A} -i ${d}/b) | count-by g --merge ${A}`);
  for (const r of [one, merged]) {
    assert.is(r.status, 0, r.stderr);
    // (the exact sum 18014398509481982.5 rounded once; added left to right in doubles it was ...984)
    assert.equal(lines(r.stdout), [{ g: 'f', s: 18014398509481982 }, { g: 'o', s: null }, { g: 'z', s: 1 }]);
    assert.is(r.stderr, 'count-by: s: the value of output record 2 is beyond the double range (+-1.8e308): written as null\n');
  }
  // the partial state says so (a null sum alone would read as "no values")
  assert.match(sh(`cat ${d}/a ${d}/b | count-by g --partial ${A}`).stdout, /"g":"o","_state":\{"s":\{"s":null,"n":3,"float":true,"overflow":true,"wide":\d+\}/);
});

test('a floating sum that passes beyond the double range part-way and comes back has its value, in any order and however cut; the mean of a sum beyond it is exact', () => {
  const d = tmpdir();
  const rows = ['{"g":"back","v":1e308}', '{"g":"back","v":1e308}', '{"g":"back","v":-1e308}', '{"g":"back","v":0.5}',
    '{"g":"max","v":1.7976931348623157e308}', '{"g":"max","v":1.7976931348623157e308}',
    '{"g":"tiny","v":1e308}', '{"g":"tiny","v":1e308}', '{"g":"tiny","v":-1e308}', '{"g":"tiny","v":-1e308}', '{"g":"tiny","v":1e-320}',
    '{"g":"int","v":1e308}', '{"g":"int","v":"179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368"}', '{"g":"int","v":-1e308}'];
  fs.writeFileSync(`${d}/all.ndjson`, rows.join('\n') + '\n');
  fs.writeFileSync(`${d}/rev.ndjson`, [...rows].reverse().join('\n') + '\n');
  const A = `-a 's=sum(v)' -a 'm=avg(v)'`;
  const one = sh(`count-by g ${A} -i ${d}/all.ndjson`);
  assert.is(one.status, 0, one.stderr);
  // (Python: float(sum(map(Fraction, values))); the integer is 1.7976931348623157e308's exact value)
  assert.equal(lines(one.stdout), [{ g: 'back', s: 1e308, m: 2.5e307 }, { g: 'int', s: 1.7976931348623157e308, m: 5.992310449541053e307 },
    { g: 'max', s: null, m: 1.7976931348623157e308 }, { g: 'tiny', s: 1e-320, m: 2e-321 }]);
  assert.is(one.stderr, 'count-by: s: the value of output record 3 is beyond the double range (+-1.8e308): written as null\n');
  assert.is(sh(`count-by g ${A} -i ${d}/rev.ndjson`).stdout, one.stdout, 'reversed');
  rows.forEach((r, i) => fs.appendFileSync(`${d}/p${i % 3}`, r + '\n'));
  const merged = sh(`for i in 0 1 2; do count-by g --partial ${A} -i ${d}/p$i; done | count-by g --merge ${A}`);
  assert.is(merged.stdout, one.stdout, 'merged');
  assert.is(merged.stderr, one.stderr, 'merged');
});

test('bad aggregate arguments are usage errors (exit 2, one line), before any input is read', () => {
  for (const a of ['x=quantile(v,2)', 'x=quantile(v)', 'x=quantile(v, -0.1)', 'x=approx_quantile(v, 1.5)', 'x=sum(v, 3)', 'x=p95(v, 0.5)', 'x=quantile(v, 1e)']) {
    const r = sh(`count-by k -a '${a}' -i /nonexistent/file`);
    assert.is(r.status, 2, `${a}: ${r.stderr}`);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^count-by: .*\(try 'count-by --help'\)\n$/);
  }
  assert.is(sh(`echo '{"k":1,"v":2}' | count-by k -a 'x=quantile(v, 0.5)' -a 'y=approx_quantile(v,1)'`).status, 0);
});

test('a floating sum is the exact sum of the values rounded once: the same bytes whatever the order of the values and the cut of the input (--partial/--merge, --threads)', () => {
  const d = tmpdir();
  const rows = [];
  for (let i = 0; i < 10; i++) rows.push('{"g":"tenth","v":0.1}');
  rows.push('{"g":"big","v":1e100}', '{"g":"big","v":1}', '{"g":"big","v":-1e100}');
  // floats of all sizes, 64-bit integers and small ones mixed
  const vals = ['99999999999999999999999.5', '0.1', '-0.3', '1e-5', '12345678901234567891', '7', '-9007199254740993', '2.5e-300'];
  for (let i = 0; i < 12000; i++) rows.push(`{"g":"m${i % 5}","v":${rnd() < 0.5 ? pick(vals) : String((rnd() - 0.3) * 10 ** Math.floor(rnd() * 25))}}`);
  fs.writeFileSync(`${d}/all.ndjson`, rows.join('\n') + '\n');
  fs.writeFileSync(`${d}/rev.ndjson`, [...rows].reverse().join('\n') + '\n');
  const A = `-a 's=sum(v)' -a 'q=sumsq(v)' -a 'm=avg(v)'`;
  const one = sh(`count-by g ${A} -i ${d}/all.ndjson`);
  assert.is(one.status, 0, one.stderr);
  const got = Object.fromEntries(lines(one.stdout).map((r) => [r.g, r.s]));
  assert.is(got.tenth, 1); // (added in order as doubles: 0.9999999999999999)
  assert.is(got.big, 1); // (0)
  assert.is(sh(`count-by g ${A} -i ${d}/rev.ndjson`).stdout, one.stdout, 'reversed');
  const parts = [[], [], []];
  for (const r of rows) parts[Math.floor(rnd() * 3)].push(r);
  parts.forEach((x, i) => fs.writeFileSync(`${d}/p${i}`, x.join('\n') + '\n'));
  assert.is(sh(`for i in 0 1 2; do count-by g --partial ${A} -i ${d}/p$i; done | count-by g --merge ${A}`).stdout, one.stdout, 'partial states merged');
  assert.is(sh(`(count-by g --partial ${A} -i ${d}/p2; cat ${d}/p0 ${d}/p1 | count-by g --partial ${A} | count-by g --merge --partial ${A}) | count-by g --merge ${A}`).stdout, one.stdout, 'nested merge');
  const thr = sh(`event-pipes --threads 2 where 'g!=x' -i ${d}/all.ndjson then count-by g ${A}`, { env: { EVENT_PIPES_PIECE_BYTES: '65536' } });
  assert.is(thr.stdout, one.stdout, '--threads 2 over small pieces');
});

test('avg of a floating sum is the mean of its value whether or not the sum came near the edge of the double range part-way (which depends on the order)', () => {
  const d = tmpdir();
  // 8.4e306 twice is past 2^1020: in this order the group's sum is kept exact as a BigInt part-way, in
  // the other never; the sum is the same (1.134364244112401), and so is its mean (Python:
  // float(Fraction(float(sum(map(Fraction, values)))) / 6); the exact mean, float(sum / 6), is ...687)
  const A = '8.426686569667106e+306', tail = ['1.134364244112401', '8.80632917539329e-17'];
  const orders = [[A, A, `-${A}`, `-${A}`, ...tail], [A, `-${A}`, A, `-${A}`, ...tail]];
  for (const vs of orders) {
    fs.writeFileSync(`${d}/in`, vs.map((v) => `{"g":1,"v":${v}}`).join('\n') + '\n');
    const r = sh(`count-by g -a 's=sum(v)' -a 'm=avg(v)' -i ${d}/in`);
    assert.is(r.status, 0, r.stderr);
    assert.equal(lines(r.stdout), [{ g: 1, s: 1.134364244112401, m: 0.18906070735206684 }], vs.join(' '));
  }
});

test('avg of integers beyond 2^53 is the double nearest the exact mean (rounded once), never outside the values', () => {
  // oracle: of the doubles around the truncated quotient, the one nearest p/q exactly (ties to the even
  // mantissa); means beyond 2^60, so the doubles there are whole numbers
  const nearest = (p, q) => {
    let best = null, bestNum = 0n, bestDen = 1n;
    const c = Number(p / q);
    const buf = new DataView(new ArrayBuffer(8));
    const step = (x, d) => { buf.setFloat64(0, x); buf.setBigUint64(0, buf.getBigUint64(0) + BigInt(d)); return buf.getFloat64(0); };
    for (const x of [step(c, -1), c, step(c, 1)]) {
      const dist = p - BigInt(x) * q, num = dist < 0n ? -dist : dist; // |p/q - x| = num / q
      if (best === null || num < bestNum || (num === bestNum && (() => { buf.setFloat64(0, x); return (buf.getBigUint64(0) & 1n) === 0n; })())) { best = x; bestNum = num; }
    }
    return best;
  };
  const groups = [], input = [];
  for (let g = 0; g < 400; g++) {
    const n = 2 + Math.floor(rnd() * 6), vs = [];
    for (let i = 0; i < n; i++) vs.push((2n ** 60n + BigInt(Math.floor(rnd() * 2 ** 30)) * BigInt(Math.floor(rnd() * 2 ** 30))) * (g % 2 ? -1n : 1n));
    if (g === 0) vs.splice(0, n, 9007199254740993n, 9007199254740994n); // (2^53 + 1 and + 2: was 2^53, below both)
    vs.forEach((v) => input.push(`{"g":${g},"v":${v}}`));
    groups.push(vs);
  }
  const out = sh(`count-by g -a 'a=avg(v)'`, { input: input.join('\n') + '\n' }).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l.replace(/"a":(-?\d+)/, '"a":"$1"')));
  groups.forEach((vs, g) => {
    const sum = vs.reduce((a, b) => a + b, 0n), q = BigInt(vs.length);
    const want = sum % q === 0n && sum / q <= MAX && sum / q >= -MAX ? Number(sum / q) : sum % q === 0n ? sum / q : nearest(sum, q);
    if (typeof want === 'bigint') assert.is(out[g].a, String(want), `group ${g}`);
    else assert.is(Number(out[g].a), want, `group ${g}`); // (written as String(double) writes it)
  });
  assert.is(out[0].a, '9007199254740994');
});

test.run();
