// join: a stream key written as a plain JSON string (no escape, not a number's text) is found on the
// side from its bytes; every other form (escapes, numbers and numeric strings, literals) by its key
// text: both give the side record keyText matches (1, 1.0 and "1" one key; "\u00e9" and "é" one key).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { sh, tmpdir } from '../helpers/sh.mjs';

test('plain-string keys and every other form find the same side records', () => {
  const dir = tmpdir('ep-join-keys-');
  const side = path.join(dir, 'side.ndjson');
  const sideRecs = [['u1', 'a'], ['12', 'b'], [7, 'c'], ['é', 'd'], ['q"x', 'e'], ['true', 'f'], ['', 'g'], ['u10', 'h'], ['-x', 'i'], ['u1', 'dup']];
  fs.writeFileSync(side, sideRecs.map(([k, v]) => JSON.stringify({ k, v })).join('\n') + '\n');
  const cases = [
    ['{"k":"u1"}', 'a'], ['{"k":"u\\u0031"}', 'a'], ['{"k":"u10"}', 'h'], ['{"k":"u100"}', null], ['{"k":"u"}', null],
    ['{"k":12}', 'b'], ['{"k":"12"}', 'b'], ['{"k":12.0}', 'b'], ['{"k":"7"}', 'c'], ['{"k":7}', 'c'],
    ['{"k":"é"}', 'd'], ['{"k":"\\u00e9"}', 'd'], ['{"k":"q\\"x"}', 'e'], ['{"k":true}', 'f'], ['{"k":"true"}', 'f'],
    ['{"k":""}', 'g'], ['{"k":"-x"}', 'i'], ['{"x":1}', null], ['{"k":null}', null], ['{"k":"u1"}', 'a'],
  ];
  const r = sh(`join --side ${side} --on k --fields v`, { input: cases.map(([l]) => l).join('\n') + '\n' });
  assert.is(r.status, 0, r.stderr);
  const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l).v);
  assert.equal(out, cases.map(([, v]) => v));
  const d = sh(`join --side ${side} --on k --fields v --unmatched drop`, { input: cases.map(([l]) => l).join('\n') + '\n' });
  assert.is(d.stdout.trim().split('\n').length, cases.filter(([, v]) => v !== null).length);
});

test.run();
