// merge-keys keeps each member's text instead of decoding records: its output must be exactly what
// decoding every record, merging them per key (a later field wins, in the earlier one's place) and
// writing the merged objects with the one writer gives. Random records with integer-like names,
// escapes, nested values with spaces, numbers in every form, repeated names and defaults.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseJson, stringify } from '../../dist/core/json.js';

const bin = fileURLToPath(new URL('../../bin/merge-keys', import.meta.url));
let seed = 11;
const rnd = (n) => { seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff; return (seed >>> 8) % n; };
const pick = (a) => a[rnd(a.length)];
const NAMES = ['a', 'b', 'liked', '2', '10', '0', 'x y', 'caf\\u00e9', 'é', 'n\\"q', '4294967295', '01'];
const VALUES = ['1', '-0', '1.50', '1e2', '1E+400', '12345678901234567', '0.5454545454545454', '-3', 'true', 'false', 'null',
  '"s"', '"a\\u0041\\n"', '"é"', '[1, 2 ,{"k" : 1.0}]', '{ "z" : [ ] , "y" : "\\/" }', '{}', '[]', '3.0', '1234567890123456'];

test('the output is decode, merge, write', () => {
  for (let round = 0; round < 60; round++) {
    // (even rounds with defaults; odd ones without, and with many keys seen once, whose records are
    // written as their bytes when those are already the writer's: canonical ones and near misses)
    const plain = round % 2 === 1;
    const lines = [];
    for (let i = 0; i < 40; i++) {
      const members = [`"u":"${plain ? `k${rnd(30)}` : pick(['k1', 'k2', 'k3'])}"`];
      const gap = () => (plain && rnd(8) ? '' : pick(['', ' ']));
      for (let j = rnd(5); j > 0; j--) members.push(`"${pick(NAMES)}"${gap()}:${gap()}${pick(VALUES)}`);
      if (plain && rnd(4) === 0) members.reverse(); // (the key not first)
      lines.push(`{${members.join(plain && rnd(8) ? ',' : pick([',', ' , ']))}}`);
    }
    if (plain) { // records of keys seen once, each one step from the writer's bytes, and some at it
      const near = ['{"u":"s1","a" :1}', '{"u":"s2", "a":1}', '{"u":"s3","a": 1}', '{"u":"s4","a":1 }', '{ "u":"s5"}', '{"u":"s6","2":1,"a":2}',
        '{"u":"s7","a":1,"a":2}', '{"u":"s8","a":"x\\ny"}', '{"u":"s9","a":1.50}', '{"u":"s10","a":[]}', '{"u":"s11","caf\\u00e9":1}', '{"u":"s12","a":-0}',
        '{"u":"s13","a":1,"b":"é","c":true,"d":null,"e":0.5}', '{"u":"s14"}', '{"u":"s15","01":1,"4294967295":2}', '{"u":"s16","a":{}}'];
      lines.push(...near);
    }
    const defaults = plain ? [] : ['liked=false', 'b=null'];
    const got = spawnSync(bin, ['--key', 'u', ...defaults.flatMap((d) => ['--default', d])], { input: lines.join('\n') + '\n', encoding: 'utf8' });
    assert.is(got.status, 0, got.stderr);
    const want = [];
    const keyed = new Map(); // by the key's token, which merge-keys sorts by
    for (const l of lines) {
      const rec = parseJson(l), t = stringify(rec.u);
      if (!keyed.has(t)) keyed.set(t, rec); else Object.assign(keyed.get(t), rec);
    }
    for (const t of [...keyed.keys()].sort()) {
      const rec = keyed.get(t);
      if (!plain && rec.liked === undefined) rec.liked = false;
      if (!plain && rec.b === undefined) rec.b = null;
      want.push(stringify(rec));
    }
    assert.is(got.stdout, want.join('\n') + '\n');
  }
});

test('keys in the order of their canonical tokens\' bytes (strings by UTF-8 bytes, then numbers as text, literals); a null or missing key is rejected', () => {
  const pairs = [['"b"', 'x'], ['"a"', 'y'], ['"\\u00e9"', 'x'], ['"é"', 'x'], ['"ab"', 'x'], ['10', 'y'], ['9', 'x'], ['-1', 'y'], ['true', 'x'], ['"a"', 'y'], ['1.0', 'x'], ['"a"', 'xy']];
  const lines = pairs.map(([u, v], i) => `{"u":${u},"v":"${v}","i":${i}}`);
  lines.push('{"v":"x","i":99}', '{"u":null,"v":"x","i":98}');
  const got = spawnSync(bin, ['--key', 'u,v'], { input: lines.join('\n') + '\n', encoding: 'utf8' });
  assert.is(got.status, 0, got.stderr);
  const out = got.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(out.map((r) => [r.u, r.v, r.i]), [['a', 'xy', 11], ['a', 'y', 9], ['ab', 'x', 4], ['b', 'x', 0], ['é', 'x', 3], [-1, 'y', 7], [1, 'x', 10], [10, 'y', 5], [9, 'x', 6], [true, 'x', 8]]);
  assert.is((got.stderr.match(/:\d+: missing u/g) ?? []).length, 2, got.stderr);
});

test.run();
