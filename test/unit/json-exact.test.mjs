// parseJson's cheap check (which lines go to the exact decoder) must never miss a number that plain
// JSON.parse would alter: on random texts, parseJson equals the exact decoding of every number token,
// with hex ids, digit runs and exponents inside strings and as numbers. stringify() writes a value as
// JSON.stringify does whatever else the record holds (toJSON, a cycle a TypeError, quickly).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { root } from '../helpers/sh.mjs';
import { parseJson, stringify, BigNum, numberOf, compareCodePoints } from '../../dist/core/json.js';

let seed = 7;
const rnd = (n) => { seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff; return (seed >>> 8) % n; };
const digits = (n) => { let s = String(1 + rnd(9)); for (let i = 1; i < n; i++) s += rnd(10); return s; };
function number() {
  const k = rnd(8);
  if (k === 0) return digits(1 + rnd(25));                                  // integers, some past 2^53
  if (k === 1) return `${digits(1 + rnd(4))}e${rnd(2) ? '-' : '+'}${digits(3)}`; // 3-digit exponents
  if (k === 2) return `${rnd(10)}.${digits(1 + rnd(20))}E${rnd(400)}`;
  if (k === 3) return `0.${'0'.repeat(rnd(20))}${digits(1 + rnd(5))}`;
  if (k === 4) return `-${digits(1 + rnd(17))}`;
  if (k === 5) return `${digits(2)}e0${digits(3)}`;
  if (k === 6 && rnd(4) === 0) return rnd(2) ? `0.${'0'.repeat(320 + rnd(20))}${digits(2)}` : `${digits(300 + rnd(20))}.${digits(2)}`;
  if (k === 6) return `${rnd(10)}.${digits(15 + rnd(3))}`; // a double written out in full
  if (rnd(3) === 0) { // integers of 16 digits or more written with a fraction or an exponent, and their neighbours
    const j = rnd(4);
    if (j === 0) return `${rnd(2) ? '-' : ''}${digits(14 + rnd(8))}.${rnd(2) ? '0' : digits(1 + rnd(3))}`;
    if (j === 1) return `${digits(1)}.${digits(14 + rnd(8))}e${rnd(2) ? '+' : ''}${13 + rnd(8)}`;
    if (j === 2) return `${digits(10 + rnd(14))}e${rnd(2) ? '-' : ''}${rnd(12)}`;
    return `${digits(16 + rnd(6))}.${digits(1 + rnd(4))}e-${rnd(8)}`;
  }
  return String(rnd(100000) / 8);
}
function text() {
  const k = rnd(4);
  if (k === 0) return `"${Array.from({ length: 8 }, () => '0123456789abcdef'[rnd(16)]).join('')}e${digits(3)}${'-,]} '[rnd(5)]}${digits(3)}"`;
  if (k === 1) return `"${digits(1 + rnd(20))}"`;
  return number();
}
test('numbers JSON.parse would alter are always decoded exactly', () => {
  for (let i = 0; i < 20000; i++) {
    const fields = Array.from({ length: 1 + rnd(5) }, (_, j) => `"f${j}":${rnd(3) ? text() : `[${text()}, ${text()}]`}`);
    const t = `{${fields.join(rnd(2) ? ',' : ' , ')}}`;
    const got = parseJson(t);
    // every number in the result: a BigNum holds the token itself; a double must be the token's own value
    const walk = (v) => {
      if (v instanceof BigNum) { assert.ok(numberOf(v.raw) instanceof BigNum, `${v.raw} kept as text but a double holds it (${t})`); return; }
      if (Array.isArray(v)) return v.forEach(walk);
      if (v && typeof v === 'object') return Object.values(v).forEach(walk);
      if (typeof v === 'number') assert.ok(Number.isFinite(v), `a non-finite double from ${t}`);
    };
    walk(got);
    // and the numbers the exact decoder keeps as text are kept as text here
    const tokens = t.replace(/"(?:[^"\\]|\\.)*"/g, '""').match(/-?\d[\d.eE+-]*/g) ?? [];
    const kept = tokens.filter((x) => numberOf(x) instanceof BigNum);
    for (const x of kept) assert.ok(stringify(got).includes(x), `${x} not kept exactly in ${stringify(got)} (from ${t})`);
  }
});

test('each number alone: kept as text exactly when a double would not hold it', () => {
  for (let i = 0; i < 20000; i++) {
    const t = number();
    const forms = [[`{"x":${t}}`, (v) => v.x], [`[${t}]`, (v) => v[0]], [t, (v) => v], [`{"a":{"b":[1.5, ${t}]}}`, (v) => v.a.b[1]]];
    for (const [text, at] of forms) {
      const x = at(parseJson(text));
      if (numberOf(t) instanceof BigNum) assert.ok(x instanceof BigNum && x.raw === t, `${t} in ${text}: got ${x}`);
      else assert.is(x, Number(t), `${t} in ${text}`);
    }
  }
});

test('hex ids with an "e" and three digits are plain strings', () => {
  assert.equal(parseJson('{"id":"9f3e456a","n":1}'), { id: '9f3e456a', n: 1 });
  assert.ok(parseJson('{"x":1e400}').x instanceof BigNum);
  assert.ok(parseJson('{"x":1e-400 }').x instanceof BigNum);
  assert.ok(parseJson('[1E+400]')[0] instanceof BigNum);
  assert.ok(parseJson('12345678901234567') instanceof BigNum);
});

test('an integer of 16 digits or more written with a fraction or an exponent keeps its digits (it was its double: 12345678901234567890.0 became 12345678901234567000)', () => {
  for (const t of ['12345678901234567890.0', '1.2345678901234567890e19', '-12345678901234567890.5', '1234567890123456.789', '123456789012345678901234.5e-5', '1.2345678901234567890E+19']) {
    const v = parseJson(`{"x":${t}}`).x;
    assert.ok(v instanceof BigNum && v.raw === t, `${t}: got ${v}`);
    assert.is(stringify({ x: v }), `{"x":${t}}`);
  }
  // a double that holds it, or a decimal below 1e15: a number as before
  for (const [t, n] of [['1234567890123456.5', 1234567890123456.5], ['10000000000000000.0', 1e16], ['1e16', 1e16], ['0.10000000000000001', 0.1], ['123456789.123456789', 123456789.123456789]]) assert.is(parseJson(`[${t}]`)[0], n, t);
});

test('stringify: a value is written as JSON.stringify writes it, with or without a bigint or BigNum beside it', () => {
  const keyed = { toJSON(key) { return `key ${key}`; } };
  const values = [new Date(Date.UTC(2020, 0, 2)), Buffer.from([0, 255]), new Uint8Array([1, 2]), keyed, new Map([[1, 2]]),
    new Number(3), new String('s'), new Boolean(false), undefined, () => 1, Symbol('x'), NaN, -Infinity, -0,
    { toJSON() { return undefined; } }, { toJSON() { return { nested: new Date(0) }; } }, [undefined, () => 1, keyed], { a: undefined, b: keyed }];
  for (const v of values) {
    const what = typeof v === 'symbol' ? 'a symbol' : String(typeof v === 'function' ? 'a function' : JSON.stringify(v));
    assert.is(stringify({ v, n: 1n }), JSON.stringify({ v, n: 1 }), `in an object beside a bigint: ${what}`);
    assert.is(stringify([v, new BigNum('12345678901234567890')]), JSON.stringify([v, 1]).replace(/1]$/, '12345678901234567890]'), `in an array beside a BigNum: ${what}`);
    assert.is(stringify({ v }), JSON.stringify({ v }), `alone: ${what}`);
  }
  const shared = { x: 1 };
  assert.is(stringify({ a: shared, b: [shared], n: 2n }), '{"a":{"x":1},"b":[{"x":1}],"n":2}', 'a part met twice is no cycle');
});

test('stringify: a cycle is a TypeError as JSON.stringify gives, at once (also through fromObjects())', () => {
  // in a child process: the cycle used to hang the walk forever
  const script = `
    const { stringify, BigNum } = await import('${root}/dist/core/json.js');
    const { fromObjects } = await import('${root}/dist/api.js');
    const { Readable } = await import('node:stream');
    const { pipeline } = await import('node:stream/promises');
    const self = { a: 1 }; self.self = self;
    const viaArray = { n: 1n, xs: [] }; viaArray.xs.push({ back: viaArray });
    let deep = { big: new BigNum('12345678901234567890') }; const bottom = deep;
    for (let i = 0; i < 1000; i++) deep = { next: deep, i };
    bottom.loop = deep;
    for (const [name, v] of [['self', self], ['via an array, beside a bigint', viaArray], ['1000 deep', deep]]) {
      try { stringify(v); console.log(name + ': no error'); } catch (e) { console.log(name + ': ' + e.constructor.name + ': ' + e.message.split('\\n')[0]); }
    }
    try { await pipeline(Readable.from([self]), fromObjects(), async function* (s) { for await (const x of s); }); console.log('fromObjects: no error'); }
    catch (e) { console.log('fromObjects: ' + e.constructor.name + ': ' + e.message.split('\\n')[0]); }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10000 });
  assert.is(r.error?.code, undefined, 'ended within 10 s');
  assert.is(r.stdout, ['self', 'via an array, beside a bigint', '1000 deep', 'fromObjects'].map((n) => `${n}: TypeError: Converting circular structure to JSON\n`).join(''), r.stderr);
});

test('compareCodePoints is code point order on random strings, lone surrogates (valid JSON escapes) included', () => {
  const parts = ['a', 'z', '\u00e9', '\ud7ff', '\ue000', '\uffff', '\ufffd', '\ud83d\ude00', '\ud800\udc00', '\udbff\udfff', '\ud800', '\udfff', '\udc00', ''];
  const points = (s) => { const o = []; for (let i = 0; i < s.length;) { const c = s.codePointAt(i); o.push(c); i += c > 0xffff ? 2 : 1; } return o; };
  const ref = (a, b) => { const x = points(a), y = points(b); for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1; return Math.sign(x.length - y.length); };
  const mk = () => { let s = ''; for (let n = rnd(4); n > 0; n--) s += parts[rnd(parts.length)]; return s; };
  for (let t = 0; t < 20000; t++) { const a = mk(), b = mk(); assert.is(Math.sign(compareCodePoints(a, b)), ref(a, b), JSON.stringify([a, b])); }
  // (a lone low surrogate is U+DFFF: below U+E000 and U+1F600, where UTF-16 order put it above both)
  assert.is(compareCodePoints('\udfff', '\ud83d\ude00'), -1);
  assert.is(compareCodePoints('\udfff', '\ue000'), -1);
});

test.run();
