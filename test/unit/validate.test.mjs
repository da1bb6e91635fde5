// validate's byte path (rules on fields reached through objects, no --coerce, no --schema: the fields
// found in the line, decoded only where a rule needs the value) against its decoding path (forced here
// by a rule on a path with an array index that no record has): the same records kept, the same
// rejections with the same reasons and details, on random records of every kind of value.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sh } from '../helpers/sh.mjs';

let seed = 1234;
const rnd = (n) => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) % n; }; // xorshift32
const VALUES = ['null', '""', '"x"', '"A"', '"\\u0041"', '"5"', '" 5 "', '"1."', '".5"', '"é"', '1', '0', '-3', '100', '101', '1.5', '2.0', '1e2', '-0',
  '12345678901234567', '1E400', '1e-400', 'true', 'false', '{}', '{"c":1}', '[]', '[1,"x"]', '"true"', '"0"'];
const pick = () => VALUES[rnd(VALUES.length)];
function record() {
  const m = [];
  if (rnd(10)) m.push(`"a":${pick()}`);
  const b = rnd(6);
  if (b === 0) m.push(`"b":${pick()}`);
  else if (b > 1) { const inner = []; if (rnd(8)) inner.push(`"c":${pick()}`); if (!rnd(5)) inner.push(`"c":${pick()}`); if (!rnd(4)) inner.push(`"d":${pick()}`); m.push(`"b":{${inner.join(',')}}`); }
  if (!rnd(10)) m.push(`"a":${pick()}`); // a repeated name: the last one counts
  if (rnd(3)) m.push(`"e":${pick()}`);
  return `{${m.join(rnd(4) ? ',' : ' , ')}}`;
}

test('the byte path and the decoding path agree on every rule', () => {
  const lines = Array.from({ length: 6000 }, record);
  lines.push('[1,2]', '"s"', '{"a":1', '{"a":1,}', '', '{"b":{"c":"x"},"a":7}');
  const input = lines.join('\n') + '\n';
  const rules = [
    "--require a,b.c --non-empty",
    "--type a=integer --type b.c=string --type e=number",
    "--type a=boolean --type b=object --type e=array --type b.c=number",
    "--enum a='1|x|A|true|12345678901234567|[object Object]' --enum b.c='x|5| 5 |é'",
    "--range a=0..100 --range b.c=-1..1.5 --range e=..0",
    "--require b.d --type a=number --enum e='x|1' --range a=1..",
    "--type a.length=number --range e.length=0..9", // (an array's length is no member: both paths say so)
    "--coerce --require e --enum a='1|x|5' --range b.c=0..5", // (--coerce changes only what a --type converts)
  ];
  let kept = 0, rejected = 0;
  for (const r of rules) {
    const fast = sh(`validate ${r} --max-reports 100000`, { input });
    const slow = sh(`validate ${r} --type zz.0=string --max-reports 100000`, { input });
    assert.is(fast.stdout, slow.stdout, r);
    assert.is(fast.stderr, slow.stderr, r);
    assert.is(fast.status, slow.status, r);
    kept += fast.stdout.split('\n').length - 1;
    rejected += fast.stderr.split('\n').length - 1;
  }
  assert.ok(kept > 3000 && rejected > 3000, `both outcomes are exercised (${kept} kept, ${rejected} report lines)`);
});

test.run();
