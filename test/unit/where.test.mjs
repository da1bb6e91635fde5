// where: numbers compare exactly (against an independent BigInt oracle); the real bin over random
// records keeps exactly the lines the condition holds for (every line is read in full: no needle).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { root, sh, tmpdir } from '../helpers/sh.mjs';

const where = await import(path.join(root, 'dist/tools/where.js'));
const json = await import(path.join(root, 'dist/core/json.js'));

let seed = 2024;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = (a) => a[Math.floor(rnd() * a.length)];

// field values as raw JSON text: several spellings of one number, numeric strings, escapes that
// spell the same text another way, literals, long ids, objects
const RAW = ['10', '1e1', '10.0', '1.0E1', '100e-1', '"10"', '"\\u0031\\u0030"', '"1e1"', '9', '11', '10.5', '-10', '-0', '0', '0.0', '"0"',
  '1234567890123456789', '1234567890123456788', '"1234567890123456789"', '12345678901234567890e-1', '9007199254740993', '9007199254740992',
  '0.1', '0.10000000000000001', '1E400', '-1E400', '"abc"', '"\\u0061bc"', '"ab"', '"abcd"', '"ABC"', '"a|b"', '"é"', '"\\u00e9"', '"e\\u0301"',
  '"😀"', '"\\ud83d\\ude00"', '"\\uffff"', '""', '" "', 'true', 'false', 'null', '"true"', '"null"', '{"a":1}', '{ "a" : 1 }', '[1,2]', '"2024-03-01"', '"2024-03-15T10:00:00Z"', '"2024-04-01"'];
// values as a user writes them on the command line
const VALUES = ['10', '1e1', '10.0', '9.99', '1234567890123456789', '1234567890123456788', '9007199254740993', '0', '-0', '0.1', '0.10000000000000001', '1E400',
  'abc', 'ab', 'ABC', 'é', '😀', '\uffff', 'true', 'null', 'a\\|b', '2024-03-01', '2024-04', '{"a":1}', '10|abc', 'abc|é|1e1'];
const OPS = ['=', '!=', '<', '<=', '>', '>=', '~', '~*', '!~', '!~*'];
const REGEXES = ['^1', 'c$', '^a', 'b', '^$', '\\d{19}', 'é', '^(true|null)$', '1e'];

function records(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const parts = [];
    if (rnd() < 0.9) parts.push(`"x":${pick(RAW)}`);
    if (rnd() < 0.5) parts.push(`"y":${pick(RAW)}`);
    parts.push(`"i":${i}`);
    if (rnd() < 0.3) parts.push(`"s":${pick(RAW)}`);
    out.push(`{${parts.sort(() => rnd() - 0.5).join(rnd() < 0.2 ? ', ' : ',')}}`);
  }
  return out;
}
function condition() {
  const field = pick(['x', 'x', 'x', 'y', 's', 'missing']);
  const op = pick(OPS);
  const v = op.includes('~') ? pick(REGEXES) : pick(VALUES);
  if ((op === '<' || op === '<=' || op === '>' || op === '>=') && v.includes('|')) return `${field}${op}${v.split('|')[0].replace(/\\$/, '')}`;
  return `${field}${op}${v}`;
}

/** the tool's transform run in process: which lines does record() keep? */
function keeper(conds) {
  let kept = false;
  const ctx = { name: 'where', reject() { throw new Error('rejected'); }, count() {}, emitLine() { kept = true; }, warn() {} };
  const t = where.tool.create({ cond: conds }, ctx);
  const buf = (s) => Buffer.from(s, 'utf8');
  assert.is(t.needle, undefined, 'where reads every line in full');
  return {
    keeps(text) { kept = false; const b = buf(text); t.record({ buf: b, start: 0, end: b.length, file: '-', no: 1 }); return kept; },
  };
}

test('the real bin keeps exactly the lines record() keeps, and reads every line (no needle)', () => {
  const d = tmpdir();
  const lines = records(3000);
  fs.writeFileSync(`${d}/in.ndjson`, lines.join('\n') + '\n');
  const sets = [['x=10'], ['x=abc'], ['x=é'], ['x=true'], ['x=null'], ['x=1234567890123456789'], ['x=abc', 'y!=10'], ['s=a\\|b'], ['x=😀'], ['x=\uffff'], ['x={"a":1}']];
  for (let i = 0; i < 14; i++) sets.push(Array.from({ length: 1 + Math.floor(rnd() * 2) }, condition));
  let nonEmpty = 0;
  for (const conds of sets) {
    const k = keeper(conds);
    const want = lines.filter((l) => k.keeps(l));
    if (want.length) nonEmpty++;
    const quoted = conds.map((c) => `'${c.replace(/'/g, "'\\''")}'`).join(' ');
    const r = sh(`where ${quoted} -i ${d}/in.ndjson`);
    assert.is(r.status, 0, `${quoted}: ${r.stderr}`);
    assert.is(r.stdout, want.map((l) => l + '\n').join(''), quoted);
  }
  assert.ok(nonEmpty > 12, `${nonEmpty} of ${sets.length} condition sets kept something`);
});

test('record() decides as holds() does on the decoded values (= and != on text read from the bytes)', async () => {
  const { FieldReader } = await import(path.join(root, 'dist/core/fields.js'));
  const lines = records(2000);
  const sets = [['x=abc'], ['x!=abc'], ['x=é|abc'], ['x!=é|ab'], ['x=true'], ['x=null'], ['x='], ['x=😀'], ['s=a\\|b'], ['x=abc', 'y!=ab']];
  for (let i = 0; i < 40; i++) sets.push(Array.from({ length: 1 + Math.floor(rnd() * 2) }, condition));
  let checked = 0, kept = 0;
  for (const conds of sets) {
    const k = keeper(conds);
    const cs = conds.map(where.parseCondition);
    for (const l of lines) {
      const b = Buffer.from(l, 'utf8');
      const want = cs.every((c) => { const r = new FieldReader([c.path]); r.read(b, 0, b.length); return where.holds(c, r.value(0), () => r.raw(0)); });
      assert.is(k.keeps(l), want, `${conds.join(' ')} on ${l}`);
      checked++; if (want) kept++;
    }
  }
  assert.ok(kept > 1000 && kept < checked - 1000, `${kept} of ${checked} kept`);
});

// ---- exact numbers against an independent oracle: value = mantissa * 10^exp in BigInt
const oracle = (t) => {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(t);
  const frac = m[3] ?? '';
  return { m: BigInt(m[1] + m[2] + frac), e: Number(m[4] ?? 0) - frac.length };
};
const ocmp = (a, b) => {
  const x = oracle(a), y = oracle(b), e = Math.min(x.e, y.e);
  const p = x.m * 10n ** BigInt(x.e - e), q = y.m * 10n ** BigInt(y.e - e);
  return p < q ? -1 : p > q ? 1 : 0;
};
function randomNumber() {
  const digits = (n) => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join('');
  let int = digits(1 + Math.floor(rnd() * (rnd() < 0.3 ? 22 : 4))).replace(/^0+(?=\d)/, '');
  let t = (rnd() < 0.3 ? '-' : '') + int;
  if (rnd() < 0.4) t += '.' + digits(1 + Math.floor(rnd() * 20));
  if (rnd() < 0.3) t += pick(['e', 'E']) + pick(['', '+', '-']) + Math.floor(rnd() * 30);
  return t;
}

test('numbers compare exactly: random spellings against a BigInt oracle, and the same value spelled differently', () => {
  for (let i = 0; i < 5000; i++) {
    const a = randomNumber(), b = rnd() < 0.3 ? a : randomNumber();
    assert.ok(where.isJsonNumber(a), a);
    assert.is(json.compareDec(json.parseDec(a), json.parseDec(b)), ocmp(a, b), `${a} vs ${b}`);
  }
  const same = ['10', '1e1', '10.0', '1.0E1', '100e-1', '0.01e3', '10.000000000000000000000'];
  for (const a of same) for (const b of same) assert.is(json.compareDec(json.parseDec(a), json.parseDec(b)), 0, `${a} = ${b}`);
  assert.is(json.compareDec(json.parseDec('1234567890123456789'), json.parseDec('1234567890123456788')), 1);
  assert.is(json.compareDec(json.parseDec('-0'), json.parseDec('0.0e5')), 0);
  assert.is(json.compareDec(json.parseDec('1e99999999999999999999'), json.parseDec('1e99999999999999999998')), 1);
});

test('conditions: the operator is the first unescaped operator character; escapes and blanks', () => {
  const p = (t) => { const c = where.parseCondition(t); return [c.path, c.op, c.values]; };
  assert.equal(p('duration_ms>=100000'), ['duration_ms', '>=', ['100000']]);
  assert.equal(p('a\\>b=1'), ['a\\>b', '=', ['1']]);
  assert.equal(p('a\\.b!=x|y'), ['a\\.b', '!=', ['x', 'y']]);
  assert.equal(p(' x >= 5 '), ['x', '>=', ['5']]);
  assert.equal(p('x=a\\|b|c'), ['x', '=', ['a|b', 'c']]);
  assert.equal(p('x=C:\\dir'), ['x', '=', ['C:\\dir']]);
  assert.equal(p('x=\\=1'), ['x', '=', ['=1']]);
  assert.equal(p('x=\\ a\\ '), ['x', '=', [' a ']]);
  assert.equal(p('x='), ['x', '=', ['']]);
  assert.equal(p('x!~*^bot'), ['x', '!~*', ['^bot']]);
  for (const bad of ['x', '=1', 'x<5|6', 'x==1', 'x=>1', 'x<>1', 'x=~a', 'a!b=1', 'x<', 'x>.5', 'x<=5.', 'x~(', '  =1']) {
    assert.throws(() => where.parseCondition(bad), (e) => e.constructor.name === 'UsageError', bad);
  }
});

test('code point order for text: astral characters after U+FFFF-range ones, as UTF-8 bytes order them', () => {
  const texts = ['a', 'ab', 'b', 'é', '\uffff', '😀', '', 'Z', '\ue000'];
  for (const a of texts) for (const b of texts) {
    assert.is(where.compareText(a, b), Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))), `${a} vs ${b}`);
  }
});

test.run();
