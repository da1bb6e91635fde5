// The shared field reader against JSON.parse: random records, random paths, truncations.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FieldReader, canonicalToken, walkObject } from '../../dist/core/fields.js';
import { BigNum, parseJson, stringify } from '../../dist/core/json.js';
import fs from 'node:fs';
import path from 'node:path';
import { sh, tmpdir } from '../helpers/sh.mjs';

let seed = 12345;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = (a) => a[Math.floor(rnd() * a.length)];
const strings = ['', 'a', 'user_engagement', 'é€😀', 'quote"in', 'back\\slash', 'new\nline', '\u0001', 'key.with.dots', '}', '{', '[', ']', ',', ':'];
function value(depth) {
  const r = rnd();
  if (depth > 3 || r < 0.5) return pick([() => pick(strings), () => Math.floor(rnd() * 1e6), () => rnd() * 100 - 50, () => true, () => false, () => null, () => -0.5e-7])();
  if (r < 0.75) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
  return object(depth + 1);
}
function object(depth) {
  const o = {};
  const n = Math.floor(rnd() * 5);
  for (let i = 0; i < n; i++) o[pick(['a', 'b', 'c', 'event_name', 'é', 'x y'])] = value(depth);
  return o;
}
const get = (o, path) => path.reduce((c, k) => (c !== null && typeof c === 'object' && !Array.isArray(c) ? c[k] : undefined), o);

test('FieldReader agrees with JSON.parse on 3000 random records and paths', () => {
  const paths = ['a', 'b', 'event_name', 'a.b', 'c.a.b', 'é', 'x y', 'b.c'];
  const reader = new FieldReader(paths);
  for (let i = 0; i < 3000; i++) {
    const rec = object(0);
    const text = rnd() < 0.3 ? JSON.stringify(rec, null, rnd() < 0.5 ? 1 : undefined).replace(/\n/g, ' ') : JSON.stringify(rec);
    const buf = Buffer.from('xx' + text + '\n', 'utf8');
    assert.ok(reader.read(buf, 2, buf.length - 1), text);
    paths.forEach((p, k) => {
      const want = get(rec, p.split('.'));
      assert.equal(reader.value(k), want, `${p} in ${text}`);
      assert.is(reader.found(k), want !== undefined);
    });
  }
});

test('nested paths sharing objects, with repeated and escaped names: as JSON.parse reads them', () => {
  // (paths under one member are found in one walk of each object on the way: the last occurrence of a
  // name wins, a name spelled with escapes is the name it spells, a path through a non-object is absent)
  const paths = ['a.b', 'a.c', 'a.b.c', 'a.b.a', 'b', 'a', 'c.a.b', 'c.a.c', 'a.b.c.a', 'é.a'];
  const reader = new FieldReader(paths);
  const names = ['a', 'b', 'c', 'é', '\\u0061', '\\u0062', '\\u00e9', 'd'];
  const text = (depth) => {
    const r = rnd();
    if (depth > 3 || r < 0.25) return JSON.stringify(value(3));
    const n = Math.floor(rnd() * 5);
    return '{' + Array.from({ length: n }, () => `"${pick(names)}"${rnd() < 0.2 ? ' : ' : ':'}${text(depth + 1)}`).join(rnd() < 0.2 ? ' , ' : ',') + '}';
  };
  let nestedSeen = 0;
  for (let i = 0; i < 3000; i++) {
    const t = text(0);
    if (!t.startsWith('{')) continue;
    const rec = JSON.parse(t);
    const buf = Buffer.from(t);
    assert.ok(reader.read(buf, 0, buf.length), t);
    paths.forEach((p, k) => {
      const want = get(rec, p.split('.'));
      if (want !== undefined && p.includes('.')) nestedSeen++;
      assert.equal(reader.value(k), want, `${p} in ${t}`);
    });
  }
  assert.ok(nestedSeen > 500, `nested values found: ${nestedSeen}`);
});

test('truncated and broken lines are refused, never half-read', () => {
  const reader = new FieldReader(['a', 'b.c']);
  let refused = 0;
  for (let i = 0; i < 2000; i++) {
    const text = JSON.stringify({ a: value(0), b: { c: value(1) }, d: object(1) });
    const cut = text.slice(0, 1 + Math.floor(rnd() * (text.length - 2)));
    let valid = true;
    try { JSON.parse(cut); } catch { valid = false; }
    const ok = reader.read(Buffer.from(cut), 0, Buffer.byteLength(cut));
    if (!valid) { assert.not.ok(ok, cut); refused++; }
  }
  assert.ok(refused > 1900);
  for (const bad of ['{"a":1,}', '{"a":tru}', '{"a":1 "b":2}', '{"a":[1,2}', '{"a":"x}', '{a:1}', '{"a":1}}', '[1,2]', '"str"', '{"a":-}', '{"a":1.}', '{"a":1e}',
    // broken inside nested values, where the table-driven walk runs
    '{"a":[1,{"b":2]}', '{"a":{"b":[1,2}}', '{"a":[tru]}', '{"a":{"b":"x\\"}}', '{"a":[1,@]}', '{"a":{"b":nul}}',
    '{"d":{"e":[1,2]]},"a":1}', '{"d":[{"e":"\\\\\\"}],"a":1}', '{"a":[1.e5]}', '{"a":[-]}']) {
    assert.not.ok(reader.read(Buffer.from(bad), 0, bad.length), bad);
  }
});

test('last duplicate key wins, as with JSON.parse', () => {
  const r = new FieldReader(['a']);
  const t = '{"a":1,"b":2,"a":3}';
  r.read(Buffer.from(t), 0, t.length);
  assert.is(r.value(0), 3);
});

test('escaped keys are read in place and still match', () => {
  const r = new FieldReader(['event_name']);
  const t = '{"event\\u005fname":"user_engagement"}';
  assert.ok(r.read(Buffer.from(t), 0, t.length));
  assert.is(r.value(0), 'user_engagement');
});

test('canonical tokens: escapes resolved, numbers normalised, long integers exact', () => {
  const tok = (t) => canonicalToken(Buffer.from(t), 0, t.length);
  assert.is(tok('"\\u0041"'), tok('"A"'));
  assert.is(tok('1.0'), tok('1'));
  assert.is(tok('1e3'), '1000');
  assert.is(tok('12345678901234567890'), '12345678901234567890');
  assert.is.not(tok('9007199254740993'), tok('9007199254740992'));
  assert.is.not(tok('"1"'), tok('1'));
});

test('lossless JSON: integers beyond 2^53 round-trip exactly, strings untouched', () => {
  const t = '{"id":9007199254740993,"neg":-12345678901234567890,"s":"x 12345678901234567","f":1.5,"a":[9007199254740995]}';
  const v = parseJson(t);
  assert.ok(v.id instanceof BigNum);
  assert.is(v.id.raw, '9007199254740993');
  assert.is(v.s, 'x 12345678901234567');
  assert.is(stringify(v), t);
  assert.is(stringify({ n: 10n ** 20n }), '{"n":100000000000000000000}');
});

test('walkObject reports MALFORMED for a key without a value', () => {
  const b = Buffer.from('{"a":}');
  assert.ok(walkObject(b, 0, b.length, [Buffer.from('a')], new Int32Array(1), new Int32Array(1)) < 0);
});

test('a reader of no fields: a trusted line (valid by the chain) is taken as framed, an untrusted one is checked', () => {
  const r = new FieldReader([]);
  const good = Buffer.from('xx  {"a":[1,{"b":"\\""}],"c":null} yy');
  assert.ok(r.read(good, 2, good.length - 3, true));
  assert.is(good.toString('latin1', r.objStart, r.objEnd), '{"a":[1,{"b":"\\""}],"c":null}');
  assert.ok(r.read(good, 2, good.length - 3, false));
  const bad = Buffer.from('{"a":1,}');
  assert.not.ok(r.read(bad, 0, bad.length, false));
  assert.is(r.reason, 'malformed JSON');
  const arr = Buffer.from('[1]');
  assert.not.ok(r.read(arr, 0, arr.length, true)); // not framed as an object, trusted or not
  const tmp = tmpdir('ep-fields-');
  const ok = sh(`printf '{"a":1}\\n{"a":2,}\\n' | save ${path.join(tmp, 'saved.ndjson')}`);
  assert.match(ok.stderr, /malformed JSON/);
  assert.is(fs.readFileSync(path.join(tmp, 'saved.ndjson'), 'utf8'), '{"a":1}\n');
});

test('a broken line says where, as the byte column from 1: an object with text after it, an object cut short, another value (not JSON.parse\'s position in UTF-16 units from 0)', () => {
  const r = new FieldReader(['a']);
  for (const [line, error] of [
    ['{"a":"b"}x', "unexpected 'x' after the object at column 10"],
    ['  {"é":"b"} x ', "unexpected 'x' after the object at column 14"],
    ['{"a":1', 'unexpected end of line at column 7'],
    ['{broken', "expected a key or '}' but found 'b' at column 2"],
    ['"é" x', "expected '{' but found '\"' at column 1"], // (a line is one object: its first byte says so)
  ]) {
    const b = Buffer.from(line, 'utf8');
    assert.not.ok(r.read(b, 0, b.length), line);
    assert.is(r.reason, 'malformed JSON', line);
    assert.is(r.error, error, line);
  }
});

test('a line that is not an object says why as JSON.parse and the walk decide, also where the reader decides by its first character alone (a CSV row: no JSON.parse, whose exception cost ~15 us a line)', () => {
  const r = new FieldReader(['a']);
  // the reference: the reader's rules before the shortcut, written out with JSON.parse
  const FROM = /from-json/;
  const reference = (line) => {
    const t = line.trim();
    const parses = (x) => { try { JSON.parse(x); return true; } catch { return false; } };
    if (line.trimStart()[0] === '{') return null; // (an object, or said by the walk: other tests)
    if (parses(line)) return { reason: 'not a JSON object' };
    if (['{', '[', '}', ']', '},', '],', '{}', '[]', '{},', '[],'].includes(t) || /^"(?:[^"\\]|\\.)*"\s*:/.test(t) || (t.endsWith(',') && parses(t.slice(0, -1))) || t[0] === '[') return { reason: 'malformed JSON', error: FROM };
    const s = line.length - line.trimStart().length;
    return { reason: 'malformed JSON', error: `expected '{' but found ${s < line.length ? `'${line[s]}'` : 'end of line'} at column ${s + 1}` };
  };
  let n = 0;
  for (let c = 0x21; c < 0x7f; c++) {
    for (const pre of ['', '  ', '\t']) {
      for (const rest of ['', 'abc', ',x,1', ' 1', '"', '}', ',', '2,3', 'rue', 'ull', 'alse', 'x":1', 'e5', '.5', '0', '2 ,', 'rue ', 'rue,']) {
        const line = pre + String.fromCharCode(c) + rest;
        const want = reference(line);
        if (want === null) continue;
        const b = Buffer.from(line, 'latin1');
        assert.not.ok(r.read(b, 0, b.length), line);
        assert.is(r.reason, want.reason, line);
        if (want.error instanceof RegExp) assert.match(r.error, want.error, line);
        else if (want.error !== undefined) assert.is(r.error, want.error, line);
        n++;
      }
    }
  }
  assert.ok(n > 4000, `${n} lines`);
});

test.run();
