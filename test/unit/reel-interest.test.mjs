// reel-interest reads the fields from the line's bytes: its output and rejects must be those of the
// rule applied to the decoded record and written by the one writer (random records: keys of every
// JSON kind, escaped strings, likes as booleans and strings, ratios as numbers, numeric strings, null,
// numbers a double cannot hold, and the wrong kinds).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BigNum, parseJson, stringify } from '../../dist/core/json.js';
import { isInterested } from '../../dist/tools/reel-interest.js';

const bin = fileURLToPath(new URL('../../bin/reel-interest', import.meta.url));
let seed = 5;
const rnd = (n) => { seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff; return (seed >>> 8) % n; };
const pick = (a) => a[rnd(a.length)];
const KEYS = ['"u1"', '"a\\u0042"', '12345678901234567', '7', '1.50', 'null', '{"x" : [1, 2]}', '"é"', '-0', 'true'];
const BOOLS = ['true', 'false', '"true"', '"tr\\u0075e"', 'null', '1', '"x"'];
const RATIOS = ['0.5', '0.7', '0.6', '"0.65"', '""', 'null', '1e400', 'true', '[0.9]', '{}', '"abc"', '0.5454545454545454', '7E-1'];

test('the rule on the decoded record, written by the writer', () => {
  const lines = [];
  for (let i = 0; i < 3000; i++) {
    const m = [];
    if (rnd(10)) m.push(`"user_uid":${pick(KEYS)}`);
    if (rnd(10)) m.push(`"reel_uid" : ${pick(KEYS)}`);
    if (rnd(2)) m.push(`"liked":${pick(BOOLS)}`);
    if (rnd(2)) m.push(`"unliked":${pick(BOOLS)}`);
    if (rnd(4)) m.push(`"watched_ratio":${pick(RATIOS)}`);
    if (rnd(3) === 0) m.push(`"other":${pick(KEYS)}`);
    for (let j = m.length - 1; j > 0; j--) { const k = rnd(j + 1); [m[j], m[k]] = [m[k], m[j]]; }
    lines.push(`{${m.join(',')}}`);
  }
  const got = spawnSync(bin, ['--threshold', '0.6'], { input: lines.join('\n') + '\n', encoding: 'utf8' });
  const want = [], errs = [];
  lines.forEach((l, i) => {
    const r = parseJson(l);
    const missing = ['user_uid', 'reel_uid'].find((k) => r[k] === undefined || r[k] === null);
    if (missing) { errs.push(`reel-interest: -:${i + 1}: missing ${missing}`); return; }
    const bool = (v) => v === true || v === 'true';
    const liked = bool(r.liked), unliked = bool(r.unliked);
    const ratio = typeof r.watched_ratio === 'number' ? r.watched_ratio : r.watched_ratio == null ? null : Number(r.watched_ratio);
    if (ratio !== null && !Number.isFinite(ratio)) { errs.push(`reel-interest: -:${i + 1}: bad watched_ratio: ${r.watched_ratio instanceof BigNum ? r.watched_ratio.raw : JSON.stringify(r.watched_ratio)}`); return; }
    want.push(stringify({ user_uid: r.user_uid, reel_uid: r.reel_uid, liked, unliked, watched_ratio: ratio, is_interested: isInterested(liked, unliked, ratio, 0.6) }));
  });
  assert.is(got.stdout, want.join('\n') + '\n');
  const shown = got.stderr.split('\n').filter((x) => /^reel-interest: -:\d+:/.test(x));
  assert.equal(shown, errs.slice(0, shown.length));
  assert.ok(shown.length >= 10, 'the first diagnostics are shown');
});

test.run();
