// The WebAssembly SIMD walk may answer only when the JavaScript walk (walkObject) gives the same answer:
// the line is valid by JSON's grammar, with the same end and the same value span for every wanted key. Held to that on the real sample lines, on
// generated GA4 lines, on random JSON of every shape, and on tens of thousands of mutations of them
// (bytes dropped, inserted, swapped, lines cut), both for lines copied into its memory and for lines
// scanned in place inside an input chunk with other bytes after them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { memberSpans, walkObject } from '../../dist/core/fields.js';

/** the line's {...} span without surrounding blanks, or -1 when it is not framed as an object */
function lineObject(b, start, end) {
  let s = start, e = end;
  while (s < e && (b[s] === 32 || b[s] === 9 || b[s] === 13)) s++;
  while (e > s && (b[e - 1] === 32 || b[e - 1] === 9 || b[e - 1] === 13)) e--;
  return b[s] === 123 && b[e - 1] === 125 && e - s >= 2 ? { s, e } : -1;
}
import { TopScan, UNSURE, simdScan, chunkBuffer, releaseChunk, LineSplit } from '../../dist/core/simd-scan.js';

import { root, real, sh, tmpdir } from '../helpers/sh.mjs';

let seed = 977;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = (a) => a[Math.floor(rnd() * a.length)];

const linesOf = (file) => fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim());

function generatedGa4() {
  const out = path.join(tmpdir('scan-'), 'ga4.ndjson');
  assert.is(sh(`generate-ga4 --seed 5 --events 3000 --out ${out}`).status, 0);
  return linesOf(out);
}

const scalars = ['null', 'true', 'false', '0', '-0', '12', '-3.5', '1e5', '2E-3', '1.5e+7', '"x"', '""', '"a b"', '"é"', '12345678901234567890'];
function json(depth) {
  const r = rnd();
  if (depth > 3 || r < 0.4) return pick(scalars);
  const ws = () => pick(['', '', '', ' ', '  ']);
  if (r < 0.7) return `[${ws()}${Array.from({ length: Math.floor(rnd() * 4) }, () => json(depth + 1)).join(`${ws()},${ws()}`)}${ws()}]`;
  return `{${ws()}${Array.from({ length: Math.floor(rnd() * 4) }, () => `"${pick(['a', 'b', 'key', 'value', 'x'])}"${ws()}:${ws()}${json(depth + 1)}`).join(`${ws()},${ws()}`)}${ws()}}`;
}
function randomObject() {
  const ws = () => pick(['', '', ' ']);
  const n = Math.floor(rnd() * 6);
  const members = Array.from({ length: n }, () => `"${pick(['a', 'b', 'event_name', 'user_id', 'ts', 'x y'])}"${ws()}:${ws()}${json(0)}`);
  return `{${ws()}${members.join(`${ws()},${ws()}`)}${ws()}}`;
}

const BYTES = ['"', '\\', '{', '}', '[', ']', ',', ':', ' ', '\t', '\x01', 'n', 'u', 'l', 't', 'f', '1', '-', '.', 'e', '+', 'x', 'é'];
function mutate(text) {
  const b = Buffer.from(text);
  const at = Math.floor(rnd() * b.length);
  switch (Math.floor(rnd() * 5)) {
    case 0: return Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    case 1: return Buffer.concat([b.subarray(0, at), Buffer.from(pick(BYTES)), b.subarray(at)]);
    case 2: { const c = Buffer.from(b); c[at] = Buffer.from(pick(BYTES))[0]; return c; }
    case 3: { const c = Buffer.from(b); const j = Math.floor(rnd() * b.length); [c[at], c[j]] = [c[j], c[at]]; return c; }
    default: return b.subarray(0, Math.max(1, at)); // cut
  }
}

/** the wanted keys for a line: all its own top-level keys, look-alikes of one and absent ones (few
 * distinct sets: each scanner keeps its keys in the walk's memory for good) */
function keysFor(text) {
  let own = [];
  try { const v = JSON.parse(text); if (v && typeof v === 'object' && !Array.isArray(v)) own = Object.keys(v).sort(); } catch { /* mutated */ }
  const keys = new Set(['absent', 'event_name', 'user_id', 'a', 'x y', ...own]);
  if (own.length) { keys.add(own[0].slice(0, -1) || 'q'); keys.add(own[0] + '_extra'); }
  return [...keys].map((k) => Buffer.from(k));
}

const scanners = new Map();
const scannerFor = (keys) => {
  const id = keys.map(String).join('\u0000');
  if (!scanners.has(id)) scanners.set(id, TopScan.create(keys));
  return scanners.get(id);
};

let sure = 0, unsure = 0;
/** compare both walks on one line placed at b[s, e) */
function check(b, s, e, keys, label) {
  const obj = lineObject(b, s, e);
  if (typeof obj === 'number') return;
  const n = keys.length;
  const js = new Int32Array(n), je = new Int32Array(n), ws = new Int32Array(n), we = new Int32Array(n);
  const expected = walkObject(b, obj.s, obj.e, keys, js, je);
  const scanner = scannerFor(keys);
  assert.ok(scanner, 'a scanner for these keys');
  const got = scanner.scan(b, obj.s, obj.e, ws, we);
  if (got === UNSURE) { unsure++; return; }
  sure++;
  assert.is(got, expected, `end: ${label}: ${b.toString('utf8', s, e).slice(0, 300)}`);
  for (let k = 0; k < n; k++) {
    assert.is(ws[k], js[k], `start of ${keys[k]}: ${label}: ${b.toString('utf8', s, e).slice(0, 300)}`);
    if (js[k] >= 0) assert.is(we[k], je[k], `end of ${keys[k]}: ${label}`);
  }
  // a valid line read as trusted (an earlier stage of a chain read it): the spans alone, the same ones
  const ts = new Int32Array(n), te = new Int32Array(n);
  if (scanner.scan(b, obj.s, obj.e, ts, te, true) === UNSURE) return;
  trustedSure++;
  for (let k = 0; k < n; k++) {
    assert.is(ts[k], js[k], `trusted start of ${keys[k]}: ${label}: ${b.toString('utf8', s, e).slice(0, 300)}`);
    if (js[k] >= 0) assert.is(te[k], je[k], `trusted end of ${keys[k]}: ${label}`);
  }
}
let trustedSure = 0;

test('the SIMD walk is built and in use', () => {
  assert.ok(simdScan, 'dist/core/scan.wasm loads (npm run build)');
});

const corpus = [];
test('real and generated lines: the same answers, and the SIMD walk answers for nearly all of them', () => {
  corpus.push(...linesOf(path.join(real, 'sliide/bq-results-sample-data.jsons')));
  corpus.push(...linesOf(path.join(real, 'nordeus-game/events_test.jsonl')).slice(0, 2000));
  corpus.push(...generatedGa4());
  for (let i = 0; i < 3000; i++) corpus.push(randomObject());
  sure = 0; unsure = 0;
  trustedSure = 0;
  for (const text of corpus) { const b = Buffer.from(text); check(b, 0, b.length, keysFor(text), 'whole'); }
  assert.ok(sure > 0.97 * corpus.length, `sure for ${sure} of ${corpus.length}`);
  assert.ok(trustedSure > 0.9 * sure, `the trusted walk answered for ${trustedSure} of ${sure}`);
});

test('mutated lines: whenever the SIMD walk answers, it is the JavaScript answer', () => {
  sure = 0; unsure = 0;
  let n = 0;
  for (let round = 0; round < 6; round++) {
    for (const text of corpus) {
      let b = mutate(text);
      if (rnd() < 0.3) b = mutate(b.toString('latin1'));
      check(b, 0, b.length, keysFor(text), 'mutated');
      n++;
    }
  }
  // the mutations that stay valid (or only look valid to a structural walk) are answered, not refused
  if (process.env.SCAN_TEST_VERBOSE) console.log({ sure, unsure, n });
  assert.ok(sure > n / 4 && unsure > n / 10, `sure ${sure}, unsure ${unsure} of ${n}`);
});

test('lines scanned in place inside an input chunk, with other bytes after them', () => {
  const chunk = chunkBuffer(1 << 17);
  try {
    assert.ok(chunk.buffer !== Buffer.alloc(1).buffer);
    sure = 0;
    for (let i = 0; i < corpus.length; i++) {
      const line = Buffer.from(corpus[i]);
      const after = Buffer.from(pick(['"\\"}]{[\x01', '    ', '"', corpus[(i + 1) % corpus.length]]));
      if (line.length + after.length > chunk.length) continue;
      const at = Math.floor(rnd() * Math.min(4096, chunk.length - line.length - after.length));
      line.copy(chunk, at);
      after.copy(chunk, at + line.length);
      check(chunk, at, at + line.length, keysFor(corpus[i]), 'in place');
    }
    assert.ok(sure > 0.97 * corpus.length, `sure for ${sure}`);
  } finally {
    releaseChunk(chunk);
  }
});

test('deep nesting, long lines and literal runs', () => {
  const keys = [Buffer.from('a'), Buffer.from('b')];
  for (const depth of [1, 255, 256, 257, 300]) {
    for (const text of [`{"a":${'['.repeat(depth)}${']'.repeat(depth)},"b":1}`, `{"a":${'{"x":'.repeat(depth)}1${'}'.repeat(depth)}}`]) {
      const b = Buffer.from(text);
      check(b, 0, b.length, keys, `depth ${depth}`);
    }
  }
  for (const lit of ['nulltrue', '1-2', 'truefalse', '1.2.3', '00', '-', '1e', 'nul', 'fals', 'tru', 'null1', '.5', '+1', '1E+', 'NaN']) {
    for (const text of [`{"a":${lit}}`, `{"a":[${lit}],"b":2}`, `{"b":{"c":${lit}},"a":[1,${lit}]}`]) {
      const b = Buffer.from(text);
      check(b, 0, b.length, keys, lit);
    }
  }
  const long = `{"a":"${'x'.repeat(200000)}","b":[${Array.from({ length: 20000 }, (_, i) => i).join(',')}]}`;
  const b = Buffer.from(long);
  sure = 0;
  check(b, 0, b.length, keys, 'long');
  assert.is(sure, 1);
});

test('objects inside a line (scanNested, FieldReader\'s nested paths): whenever the SIMD walk answers, it is memberSpans\' answer', () => {
  // every object value at any depth of the valid lines (real, generated and random ones, and objects
  // with escaped, repeated and look-alike names), scanned where it lies in its line
  const nestedScanners = new Map();
  const nestedFor = (keys) => {
    const id = keys.map(String).join('\u0000');
    if (!nestedScanners.has(id)) nestedScanners.set(id, TopScan.create(keys, true));
    return nestedScanners.get(id);
  };
  const extra = [];
  for (let i = 0; i < 400; i++) {
    const inner = randomObject();
    extra.push(`{"a":${inner},"context":{"os":{"name":"iOS","version":"14.2"},"app":{"version":"7.41.0"}},"b":[${inner}]}`);
  }
  extra.push('{"data":{"activity_id":"x","activity_id":"y","\\u0061ctivity_id":"z"}}', '{"data":{"a\\"b":1,"a":{"a":2}}}', '{"d":{ "k" : "v" , "k2":{}}}');
  let nSure = 0, nAll = 0;
  const visit = (b, s, e) => { // the object b[s, e): compare, then its members' objects
    let own = [];
    try { own = Object.keys(JSON.parse(b.toString('utf8', s, e))); } catch { return; }
    const keys = [...new Set(['absent', 'a', 'name', 'version', ...own, ...own.map((k) => k + '_')])].slice(0, 64).map((k) => Buffer.from(k));
    const js = new Int32Array(keys.length), je = new Int32Array(keys.length), ws = new Int32Array(keys.length), we = new Int32Array(keys.length);
    memberSpans(b, s, e, keys, js, je);
    const scanner = nestedFor(keys);
    assert.ok(scanner, 'a nested scanner for these keys');
    nAll++;
    if (scanner.scanNested(b, s, e, ws, we) !== UNSURE) {
      nSure++;
      for (let k = 0; k < keys.length; k++) {
        assert.is(ws[k], js[k], `start of ${keys[k]}: ${b.toString('utf8', s, e).slice(0, 300)}`);
        if (js[k] >= 0) assert.is(we[k], je[k], `end of ${keys[k]}: ${b.toString('utf8', s, e).slice(0, 300)}`);
      }
    }
    for (let k = 0; k < keys.length; k++) if (js[k] >= 0 && b[js[k]] === 123) visit(b, js[k], je[k]);
  };
  for (const text of [...corpus, ...extra]) {
    // in place inside a chunk of the walk's memory (other bytes after the line), and as a plain buffer
    const plain = Buffer.from(text), obj = lineObject(plain, 0, plain.length);
    if (typeof obj === 'number') continue;
    const chunk = chunkBuffer(plain.length + 100);
    plain.copy(chunk, 0); chunk.fill(0x7b, plain.length);
    visit(plain, obj.s, obj.e);
    visit(chunk, obj.s, obj.e);
    releaseChunk(chunk);
  }
  assert.ok(nSure > 0.9 * nAll && nAll > 10000, `sure for ${nSure} of ${nAll}`);
});

test('the pipeline gives the same bytes with either walk (EVENT_PIPES_SCAN=js)', () => {
  const file = path.join(real, 'sliide/bq-results-sample-data.jsons');
  const out = (cmd, env = {}) => sh(cmd, { env }).stdout;
  const local = `filter-engaged < "${file}" | to-local-date --tz America/Chicago`;
  const count = `${local} | count-by date -a 'n=distinct(user_pseudo_id)'`;
  assert.ok(out(local).split('\n').length > 50);
  assert.is(out(local), out(local, { EVENT_PIPES_SCAN: 'js' }));
  assert.ok(out(count).split('\n').length > 3);
  assert.is(out(count), out(count, { EVENT_PIPES_SCAN: 'js' }));
  // nested paths (the SIMD walk of each member's object): generated Lingokids events (with bad lines)
  // on the real users and activities, and the game's events
  const L = path.join(real, 'lingokids'), lk = path.join(tmpdir('scan-'), 'lk.ndjson');
  assert.is(sh(`generate-lingokids --seed 8 --events 4000 --bad-lines 20 --users ${L}/users.json --activities ${L}/activities.json --out ${lk}`).status, 0);
  const each = `count-by --each event_id os=context.os.name v=context.os.version app=context.app.version a=data.activity_id c=data.collection_id -a 'd=sum(data.duration)' -a 'k=count_if(data.completed)' -i "${lk}" 2>&1`;
  assert.ok(out(each).split('\n').length > 3000);
  assert.is(out(each), out(each, { EVENT_PIPES_SCAN: 'js' }));
  const game = `count-by event_type c=event_data.country u=event_data.user_id o=event_data.device_os t=event_data.type -i "${path.join(real, 'nordeus-game/events_test.jsonl')}" 2>&1`;
  assert.ok(out(game).split('\n').length > 10);
  assert.is(out(game), out(game, { EVENT_PIPES_SCAN: 'js' }));
});

test('the SIMD line splitter: every newline, and exactly the lines holding the needle or a backslash', () => {
  const needle = Buffer.from('"user_engagement"');
  const parts = ['"user_engagement"', '"user_engagemen"', 'user_engagement', '"user_engagement_extra"', '\\', 'x', '"', '{"a":1}', 'g', 'm', '   ', '\r'];
  const chunk = chunkBuffer(1 << 17);
  try {
    for (let round = 0; round < 200; round++) {
      const lines = Array.from({ length: 1 + Math.floor(rnd() * 60) }, () => Array.from({ length: Math.floor(rnd() * 8) }, () => pick(parts)).join(pick(['', ' ', '"x":'])));
      const text = Buffer.from(lines.join('\n') + (rnd() < 0.5 ? '\n' : ''));
      const length = Math.min(text.length, chunk.length);
      text.copy(chunk, 0, 0, length);
      const view = chunk.subarray(0, length);
      const split = LineSplit.create(round % 5 === 0 ? undefined : needle, view);
      assert.ok(split && split.accepts(view));
      const from = Math.floor(rnd() * Math.min(10, length));
      const n = split.split(view, from);
      // the reference: indexOf per line
      let s = from, k = 0;
      for (;;) {
        const nl = view.indexOf(10, s);
        if (nl < 0 || nl >= length) break;
        assert.ok(k < n, `newline ${k} found`);
        assert.is(split.lineEnd(k, from), nl);
        const line = view.subarray(s, nl);
        if (round % 5 !== 0) assert.is(split.candidate(k), line.includes(needle) || line.includes(92), line.toString());
        s = nl + 1; k++;
      }
      assert.is(n, k);
    }
  } finally {
    releaseChunk(chunk);
  }
});

test('needles and lines across the 128 KiB read boundary: the same lines kept as with the JavaScript reader', () => {
  const file = path.join(tmpdir('split-'), 'edge.ndjson');
  const line = (ms, pad) => `{"event_name":"user_engagement","pad":"${'p'.repeat(pad)}","engagement_time_msec":${ms},"user_pseudo_id":"u${pad}","event_timestamp":"1583914934382858"}`;
  const at = line(0, 0).indexOf('"user_engagement"');
  const out = [];
  let size = 0;
  const filler = (n) => { const l = `{"f":"${'p'.repeat(n - 9)}"}\n`; out.push(l); size += l.length; };
  // chunk boundary k: the needle starts k - 1 bytes before it (straddling it for k = 2..17)
  for (let k = 1; k <= 26; k++) {
    const start = k * 131072 - (k - 1) - at;
    while (start - size > 1100) filler(1000);
    filler(start - size);
    const l = line(k % 4 ? 5000 : 100, k) + (k % 5 ? '\n' : '\r\n');
    out.push(l); size += l.length;
  }
  fs.writeFileSync(file, out.join('') + line(4000, 3)); // no newline at the end
  const kept = (env = {}) => sh(`filter-engaged ${file}`, { env }).stdout;
  const a = kept();
  assert.is(a.split('\n').length - 1, 21); // 26 lines at the boundaries, 6 of them under 3000 ms, and the last line
  assert.is(a, kept({ EVENT_PIPES_SCAN: 'js' }));
});

test('one splitter per needle: any number of input files never exhausts the kernel\'s memory', () => {
  const sample = Buffer.from('{"event_name":"user_engagement"}\n');
  const first = LineSplit.create(Buffer.from('"user_engagement"'), sample);
  assert.ok(first);
  for (let i = 0; i < 20000; i++) assert.is(LineSplit.create(Buffer.from('"user_engagement"'), sample), first);
  assert.ok(LineSplit.create(Buffer.from('"other"'), sample));
});

test('tools on broken input: the same output, the same rejects and messages with either walk', () => {
  const file = path.join(tmpdir('broken-'), 'mixed.ndjson');
  const lines = [];
  for (let i = 0; i < 4000; i++) {
    const text = corpus[i % corpus.length];
    lines.push(rnd() < 0.3 ? mutate(text).toString('latin1') : text);
  }
  fs.writeFileSync(file, lines.map((l) => l.replace(/\n/g, ' ')).join('\n') + '\n', 'latin1');
  for (const cmd of [
    `to-local-date --tz America/Chicago --max-reports 100000 ${file}`,
    `count-by event_name event_type -a 'n=distinct(user_pseudo_id)' --max-reports 100000 -i ${file}`,
    `filter-engaged --max-reports 100000 ${file}`,
  ]) {
    const a = sh(cmd, { encoding: 'latin1' }), b = sh(cmd, { encoding: 'latin1', env: { EVENT_PIPES_SCAN: 'js' } });
    assert.ok(a.stderr.includes('bad record'), cmd + ': ' + a.stderr.slice(-300)); // the file does hold broken lines
    assert.is(a.status, b.status, cmd);
    assert.is(a.stdout, b.stdout, cmd);
    assert.is(a.stderr, b.stderr, cmd);
  }
});

test.run();
