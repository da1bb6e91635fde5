// The execution modes against each other over seeded awkward input: a shell pipeline of the bins, one
// chain, the chain with --threads 2 over 64 KiB pieces, and the JavaScript JSON walk (EVENT_PIPES_SCAN=js)
// give the same stdout bytes, --rejects files, stderr lines (their order aside), --stats figures and exit
// status. The input mixes records with broken lines (truncated, trailing bytes, bad escapes, raw control
// characters, invalid UTF-8, non-objects), escaped spellings of names and values, duplicate keys, 64-bit
// ids and numbers a double cannot hold, a BOM, CRLF ends, blank lines, a line longer than a piece and
// no newline at the end. (A larger version of this ran during a review: scratch only.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { sh, tmpdir } from '../helpers/sh.mjs';

const dir = tmpdir('ep-modes-');
let seed = 20261205;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = (a) => a[Math.floor(rnd() * a.length)];
const input = path.join(dir, 'in.ndjson');

test('setup: seeded records with awkward lines', () => {
  const nums = ['12345678901234567890', '1E400', '-0', '0.10000000000000001', '0.1', '99999999999999999999999.5', '2.5', '17', '"42"', '"abc"', 'null', '[1]'];
  const ids = ['"u1"', '"u2"', '"\\u00fc3"', '"u\\u0031"', '12345678901234567890', '12345678901234567891', '7', '"7"', 'null', '"\\ud800"'];
  const out = [Buffer.from([0xef, 0xbb, 0xbf])];
  for (let i = 0; i < 1000; i++) {
    const t = 1700000000 + Math.floor(rnd() * 86400 * 9);
    const f = [
      `"event_id":${pick([String(i % 300), `"${i}"`, String(1234567890123456780n + BigInt(i % 40))])}`,
      `"event_name":${pick(['"user_engagement"', '"user_engagement"', '"page_view"', '"user_\\u0065ngagement"', 'null'])}`,
      `"event_timestamp":${pick([String(t * 1e6 + i), `"${t}000000"`, String(t), '"soon"', `"2023-11-1${i % 9}T0${i % 7}:30:00Z"`])}`,
      `"user_pseudo_id":${pick(ids)}`,
      `"engagement_time_msec":${pick(['5000', '"5000"', '100', '2999.999', '"0x1388"', '1E400'])}`,
      `"v":${pick(nums)}`,
      `"country":${pick(['"DE"', '"\\u00e9t\\u00e9"', '"日本"', '"a\\"b"'])}`,
      `"w":${pick(['0.1', '0.7', '1e-3', '99999999999999999999999.5', '12345678901234567891', '3', '-2.25'])}`,
    ];
    if (rnd() < 0.05) f.unshift(`"user_pseudo_id":${pick(ids)}`); // a duplicate key: the last one wins
    let line = '{' + f.join(pick([',', ' , '])) + '}';
    const r = rnd();
    if (r < 0.02) line = line.slice(0, Math.floor(rnd() * line.length));
    else if (r < 0.04) line += pick([' x', '}']);
    else if (r < 0.06) line = line.replace('"DE"', '"D\\xE"');
    else if (r < 0.07) line = line.replace('"DE"', '"D\tE"');
    else if (r < 0.08) line = pick(['[1]', '3', 'not json', '{']);
    else if (r < 0.09) line = line.replace('"v"', '"\\u0076"');
    if (i === 500) line = line.replace('}', `,"pad":"${'p'.repeat(70000)}"}`); // longer than a piece
    out.push(r > 0.09 && r < 0.095 ? Buffer.concat([Buffer.from(line.slice(0, 5)), Buffer.from([0xff]), Buffer.from(line.slice(5))]) : Buffer.from(line));
    out.push(Buffer.from(rnd() < 0.05 ? '\r\n' : rnd() < 0.03 ? '\n\n' : '\n'));
  }
  fs.writeFileSync(input, Buffer.concat(out).subarray(0, -1)); // no newline at the end
  assert.ok(fs.statSync(input).size > 3 * 65536);
});

const norm = (text, tag) => text.split('\n').filter(Boolean).map((l) => l.replace(/elapsed=\S+ rate=\S+ rec\/s \(\S+ MB\/s\)/, '').replaceAll(`-${tag}-`, '-X-')).sort().join('\n');

/** the chain's stages (arrays of words, the first reads `input`) in each mode: all the same */
function same(stages, { pipeline = true } = {}) {
  const q = (w) => `'${w.replace(/'/g, `'\\''`)}'`;
  const modes = [
    ['chain', {}], ['threads', { EVENT_PIPES_PIECE_BYTES: '65536' }], ['js', { EVENT_PIPES_SCAN: 'js' }],
    ['threadsjs', { EVENT_PIPES_PIECE_BYTES: '65536', EVENT_PIPES_SCAN: 'js' }], ...(pipeline ? [['pipe', {}]] : []),
  ];
  const runs = modes.map(([tag, env]) => {
    const words = stages.map((st, k) => [...st, '--stats', '--rejects', path.join(dir, `rej-${tag}-${k}`), ...(k === 0 ? ['-i', input] : [])]);
    const cmd = tag === 'pipe' ? words.map((w) => w.map(q).join(' ')).join(' | ')
      : `event-pipes ${tag.startsWith('threads') ? '--threads 2 ' : ''}${words.map((w) => w.map(q).join(' ')).join(' then ')}`;
    const r = sh(cmd, { env });
    const rejects = stages.map((_, k) => { const f = path.join(dir, `rej-${tag}-${k}`); const b = fs.existsSync(f) ? fs.readFileSync(f, 'latin1') : null; fs.rmSync(f, { force: true }); return b; });
    return { tag, cmd, ...r, stderr: norm(r.stderr, tag), rejects };
  });
  const [one] = runs;
  for (const r of runs.slice(1)) {
    assert.is(r.stdout, one.stdout, `stdout: ${r.cmd}`);
    assert.is(r.stderr, one.stderr, `stderr: ${r.cmd}`);
    assert.is(r.status, one.status, `status: ${r.cmd}`);
    assert.equal(r.rejects, one.rejects, `rejects: ${r.cmd}`);
  }
  return one;
}

test('filter-engaged, to-local-date, count-by with sums of floats and 64-bit integers', () => {
  const r = same([['filter-engaged'], ['to-local-date', '--tz', 'America/Chicago'],
    ['count-by', 'date', '-a', 'u=distinct(user_pseudo_id)', '-a', 's=sum(v)', '-a', 'mx=max(v)', '-a', 'p=p50(v)', '-a', 'sw=sum(w)', '-a', 'qw=sumsq(w)', '-a', 'aw=avg(w)']]);
  assert.is(r.status, 0);
  assert.ok(r.stdout.split('\n').length > 5, r.stdout);
  assert.match(r.stderr, /filter-engaged: .*malformed JSON/);
});

test('where, to-local-date, dedupe and a --max-reject-rate that fails the run', () => {
  const r = same([['where', 'v>=10', '--max-reject-rate', '0.01'], ['to-local-date', '--tz', 'Asia/Kolkata', '--grain', 'week'], ['dedupe', '--key', 'event_id,user_pseudo_id']]);
  assert.is(r.status, 1);
});

test('--strict in a stage in threads and in a stage of the main thread (chains only: a pipeline\'s stop differs on purpose)', () => {
  assert.is(same([['where', 'country!=x', '--strict'], ['count-by', 'user_pseudo_id', '-a', 's=sum(v)']], { pipeline: false }).status, 1);
  const r = same([['where', 'country!=x'], ['to-local-date', '--tz', 'UTC'], ['dedupe', '--key', 'event_id', '--reject-duplicates', '--strict']], { pipeline: false });
  assert.is(r.status, 1);
  assert.match(r.stderr, /dedupe: stopped at the first bad record/);
});

test.run();
