// reel-interest reads the fields from the line's bytes: its output and rejects must be those of the
// rule applied to the decoded record and written by the one writer (random records: keys of every
// JSON kind, escaped strings, likes as booleans, 1/0 and strings, ratios as numbers, numeric strings,
// null, numbers a double cannot hold, and the wrong kinds: rejected).
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
  const lines = [], ratioTok = [];
  for (let i = 0; i < 3000; i++) {
    const m = [];
    if (rnd(10)) m.push(`"user_uid":${pick(KEYS)}`);
    if (rnd(10)) m.push(`"reel_uid" : ${pick(KEYS)}`);
    if (rnd(2)) m.push(`"liked":${pick(BOOLS)}`);
    if (rnd(2)) m.push(`"unliked":${pick(BOOLS)}`);
    if (rnd(4)) { ratioTok[i] = pick(RATIOS); m.push(`"watched_ratio":${ratioTok[i]}`); }
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
    // (README: true/false, 1/0 and their strings; null or missing false; anything else a bad value)
    const bool = (v) => (v === true || v === 'true' || v === 1 || v === '1' ? true
      : v === false || v === 'false' || v === 0 || v === '0' || v == null ? false : undefined);
    const shown = (v) => (v instanceof BigNum ? v.raw : JSON.stringify(v));
    const liked = bool(r.liked), unliked = bool(r.unliked);
    if (liked === undefined) { errs.push(`reel-interest: -:${i + 1}: bad liked: ${shown(r.liked)}`); return; }
    if (unliked === undefined) { errs.push(`reel-interest: -:${i + 1}: bad unliked: ${shown(r.unliked)}`); return; }
    // (a number, or a string holding one; a number is written as it came)
    const w = r.watched_ratio;
    const ratio = typeof w === 'number' ? w : w == null ? null : w instanceof BigNum ? Number(w.raw)
      : typeof w === 'string' && /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(w.trim()) ? Number(w) : NaN;
    if (ratio !== null && !Number.isFinite(ratio)) { errs.push(`reel-interest: -:${i + 1}: bad watched_ratio: ${shown(w)}`); return; }
    const written = ratio === null ? null : typeof w === 'string' ? ratio : new BigNum(ratioTok[i]);
    want.push(stringify({ user_uid: r.user_uid, reel_uid: r.reel_uid, liked, unliked, watched_ratio: written, is_interested: isInterested(liked, unliked, ratio, 0.6) }));
  });
  assert.is(got.stdout, want.join('\n') + '\n');
  const shown = got.stderr.split('\n').filter((x) => /^reel-interest: -:\d+:/.test(x));
  assert.equal(shown, errs.slice(0, shown.length));
  assert.ok(shown.length >= 10, 'the first diagnostics are shown');
});

test.run();
