// final-action over threads (--threads N, or event-pipes --threads N ... then final-action): the same
// stdout byte for byte, the same rejects (numbered as one thread numbers them), --stats counts, --rejects
// files and exit status as one thread, on random inputs with repeated keys, ties in time, other events
// and bad lines, cut into many small pieces (EVENT_PIPES_PIECE_BYTES) and folded often
// (EVENT_PIPES_FOLD_AT); and the answer itself checked against a plain fold of the events.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { sh, tmpdir } from '../helpers/sh.mjs';

const dir = tmpdir('ep-fa-threads-');
let seed = 12345;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = (a) => a[Math.floor(rnd() * a.length)];

/** events over `keys` (user, reel) pairs, times from a small range (many ties), a few bad lines */
function events(file, n, keys, { bad = true } = {}) {
  const users = ['U1', 'U2', 'u10', 'é', 'e\\u0301', '', 'U\\u0022q', '12345678901234567890', 'Z'];
  const out = [];
  for (let i = 0; i < n; i++) {
    const k = Math.floor(rnd() * keys);
    const user = JSON.stringify(users[k % users.length]).replace(/\\\\/g, '\\');
    const reel = k % 3 === 0 ? String(k) : JSON.stringify(`r${k}`); // numbers and strings
    const t = 1700000000 + Math.floor(rnd() * 5);
    const time = rnd() < 0.2 ? `"${t}"` : String(t);
    const ev = pick(['reel_liked', 'reel_unliked', 'reel_liked', 'reel_unliked', 'reel_watched']);
    out.push(`{"event_name":"${ev}","timestamp":${time},"user_uid":${user},"reel_uid":${reel}}`);
    if (bad && i % 211 === 7) out.push(pick(['not json', '{"event_name":"reel_liked","timestamp":"soon","user_uid":"a","reel_uid":"b"}', '{"event_name":"reel_unliked","timestamp":1}', '{"event_name":"reel_liked" "x":1}', '{"event_name":"reel_liked","timestamp":1e999,"user_uid":"a","reel_uid":"b"}']));
  }
  fs.writeFileSync(file, out.join('\n') + '\n');
}

const small = path.join(dir, 'small.ndjson'), many = path.join(dir, 'many.ndjson'), few = path.join(dir, 'few.ndjson');
test('setup: random inputs (ties, repeated keys, other events, bad lines)', () => {
  events(small, 3000, 40);
  events(many, 40000, 25000);
  events(few, 20000, 7, { bad: false });
});

const stderrOf = (t) => t.replace(/elapsed=\S+ rate=\S+ rec\/s \(\S+ MB\/s\)/g, '');

/** one thread against 2 and 3, pieces of `piece` bytes, folds every `foldAt` events */
function same(args, { piece = '4096', foldAt = ['', '7', '500'], threads = [2, 3], via = 'final-action' } = {}) {
  let one;
  for (const fold of foldAt) {
    const env = fold ? { EVENT_PIPES_FOLD_AT: fold } : {};
    const base = sh(`final-action --threads 1 ${args}`, { env });
    if (one === undefined) one = base;
    assert.is(base.stdout, one.stdout, `stdout, one thread, folding at ${fold}: ${args}`);
    for (const n of threads) {
      const cmd = via === 'final-action' ? `final-action --threads ${n} ${args}` : `event-pipes --threads ${n} final-action ${args}`;
      const r = sh(cmd, { env: { ...env, EVENT_PIPES_PIECE_BYTES: piece } });
      assert.is(r.stdout, base.stdout, `stdout, ${n} threads, folding at ${fold || 'default'}: ${args}`);
      assert.is(stderrOf(r.stderr), stderrOf(base.stderr), `stderr, ${n} threads: ${args}`);
      assert.is(r.status, base.status, `status, ${n} threads: ${args}`);
    }
  }
  return one;
}

test('the answer: a plain fold of the valid events (latest time; at a tie, off)', () => {
  const r = sh(`final-action --threads 2 --keep-time ${few}`, { env: { EVENT_PIPES_PIECE_BYTES: '4096', EVENT_PIPES_FOLD_AT: '5' } });
  const want = new Map();
  for (const l of fs.readFileSync(few, 'utf8').split('\n').filter(Boolean)) {
    const e = JSON.parse(l);
    if (e.event_name === 'reel_watched') continue;
    const key = JSON.stringify([e.user_uid, String(e.reel_uid)]), t = Number(e.timestamp), off = e.event_name === 'reel_unliked';
    const w = want.get(key);
    if (!w || t > w.t || (t === w.t && off)) want.set(key, { t, off });
  }
  const got = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.is(got.length, want.size);
  for (const g of got) {
    const w = want.get(JSON.stringify([g.user_uid, String(g.reel_uid)]));
    assert.ok(w, `unexpected key ${g.user_uid} ${g.reel_uid}`);
    assert.is(g.unliked, w.off);
    assert.is(g.final_action_at, w.t);
  }
});

test('threads 1, 2, 3: the same output, reports, --stats and status', () => {
  same(`--stats --max-reports 1000 ${small}`);
  same(`--keep-time --stats ${many}`, { foldAt: ['', '1000'] });
  same(`--keep-time ${few}`, { foldAt: ['', '3'] });
  same(`--key reel_uid,user_uid --on reel_unliked --off reel_liked --on-as un --off-as li --stats ${small}`);
  same(`--key user_uid --time timestamp -i ${many} --max-reports 3`, { foldAt: [''] });
});

test('via event-pipes --threads N, several files (an empty one), and in a chain', () => {
  const empty = path.join(dir, 'empty.ndjson');
  fs.writeFileSync(empty, '');
  same(`${small} ${empty} ${few} --stats`, { via: 'event-pipes' });
  const chain = (n) => sh(`event-pipes --threads ${n} where 'event_name!=reel_watched' -i ${many} --stats then final-action --stats then count-by liked --stats`, { env: { EVENT_PIPES_PIECE_BYTES: '8192' } });
  const one = chain(1), two = chain(2);
  assert.is(two.stdout, one.stdout);
  assert.is(stderrOf(two.stderr).split('\n').sort().join('\n'), stderrOf(one.stderr).split('\n').sort().join('\n'));
  assert.ok(one.stdout.includes('"liked":true'), one.stdout);
});

test('--rejects, --strict, a missing file: as one thread', () => {
  const a = path.join(dir, 'r1.json'), b = path.join(dir, 'r2.json');
  sh(`final-action --threads 1 --rejects ${a} --rejects-format json ${many} > /dev/null`);
  sh(`final-action --threads 2 --rejects ${b} --rejects-format json ${many} > /dev/null`, { env: { EVENT_PIPES_PIECE_BYTES: '4096' } });
  assert.is(fs.readFileSync(b, 'utf8'), fs.readFileSync(a, 'utf8'));
  assert.ok(fs.readFileSync(a, 'utf8').split('\n').length > 100);
  const r = same(`--strict ${many}`, { foldAt: [''] });
  assert.is(r.status, 1);
  assert.is(same(`${small} ${dir}/missing.ndjson`, { foldAt: [''] }).status, 1);
});

test('the plan: --threads N spreads a file over N threads; auto keeps a small file (or stdin) in one', () => {
  const trace = (cmd, env = {}) => sh(`${cmd} > /dev/null`, { env: { EVENT_PIPES_TRACE: '1', EVENT_PIPES_PIECE_BYTES: '4096', ...env } }).stderr.split('\n').find((l) => l.startsWith('event-pipes:')) ?? '(one thread)';
  assert.match(trace(`final-action --threads 2 ${small}`), /2 threads over \d+ pieces: {2}\(\+ final-action per key, key ranges merged in threads\) in threads; final-action here/);
  assert.is(trace(`final-action ${small}`, { EVENT_PIPES_PIECE_BYTES: '' }), '(one thread)'); // auto: under 16 MB
  assert.is(trace(`final-action --threads 2 < ${small}`), '(one thread)');
  // its workers start as the process begins (before the rest of it is loaded and its options read)
  const ahead = (cmd, env = {}) => /starting workers \((\d+) started ahead\)/.exec(sh(`${cmd} > /dev/null`, { env: { EVENT_PIPES_TRACE: '1', EVENT_PIPES_PIECE_BYTES: '4096', ...env } }).stderr)?.[1];
  assert.is(ahead(`final-action --threads 2 ${small}`), '2');
  assert.is(ahead(`final-action --threads=3 --key user_uid ${small}`), '3');
  assert.is(ahead(`final-action ${small}`), '2'); // auto: two workers for a file of two pieces or more (4 KiB pieces here)
  assert.is(ahead(`final-action ${small}`, { EVENT_PIPES_PIECE_BYTES: String(1 << 30) }), undefined); // one piece: one thread, none started
  const bad = sh(`final-action --threads two ${small}`);
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /--threads takes a number of threads or auto/);
});

test('ns epochs (16-20 digits) compared and written exactly, however their doubles tie (one thread and threads, folded often)', () => {
  // (times were doubles: 1700000000000000001 and ...000 tied, the unlike won; --keep-time wrote ...256 as ...300)
  const ns = path.join(dir, 'ns.ndjson'), lines = [];
  for (let i = 0; i < 12000; i++) {
    const k = Math.floor(rnd() * 60), big = k % 4 === 3; // some keys near 2^63 and past it
    const base = big ? 9223372036854775000n : k % 4 === 2 ? -9007199254741000n : 1700000000000000000n;
    const t = (base + BigInt(Math.floor(rnd() * 700))).toString();
    const ev = pick(['reel_liked', 'reel_unliked']);
    lines.push(`{"event_name":"${ev}","timestamp":${rnd() < 0.3 ? `"${t}"` : t},"user_uid":"u${k}","reel_uid":"r"}`);
  }
  fs.writeFileSync(ns, lines.join('\n') + '\n');
  const want = new Map();
  for (const l of lines) {
    const [, ev, t, u] = l.match(/"event_name":"(\w+)","timestamp":"?(-?\d+)"?,"user_uid":"(\w+)"/);
    const time = BigInt(t), off = ev === 'reel_unliked', w = want.get(u);
    if (!w || time > w.time || (time === w.time && off)) want.set(u, { time, off });
  }
  const one = same(`--keep-time ${ns}`, { foldAt: ['', '9'] });
  const got = one.stdout.trim().split('\n');
  assert.is(got.length, want.size);
  for (const l of got) {
    const [, u, liked, at] = l.match(/"user_uid":"(\w+)","reel_uid":"r","liked":(true|false),"unliked":(?:true|false),"final_action_at":(-?\d+)\}/);
    const w = want.get(u);
    assert.is(at, w.time.toString(), `the time of ${u}`);
    assert.is(liked === 'false', w.off, `the final action of ${u}`);
  }
});


test('a pipe on stdout stays blocking with threads: the merged batches are written from where they are, not copied through a stream (making the workers opened process.stdout, whose pipe handle switched fd 1 to non-blocking)', () => {
  if (!fs.existsSync('/proc/self/fdinfo/1')) return;
  const file = path.join(dir, 'stdout-flags.ndjson');
  events(file, 40000, 30000, { bad: false });
  // the reader waits 1 s, so the writer is still running (blocked on the full pipe) when its fd 1's
  // flags are read; O_NONBLOCK is 04000 (octal) in /proc's flags
  for (const cmd of [`final-action --threads 2 ${file}`, `event-pipes --threads 2 where event_name!=x -i ${file} then to-local-date --field timestamp --tz UTC`]) {
    const r = sh(`${cmd} > >(sleep 1; md5sum > ${dir}/sum.txt) & pid=$!; sleep 0.5; grep '^flags:' /proc/$pid/fdinfo/1; wait $pid`,
      { env: { EVENT_PIPES_PIECE_BYTES: '65536' } });
    assert.is(r.status, 0, r.stderr);
    const flags = parseInt(/flags:\s+([0-7]+)/.exec(r.stdout)?.[1] ?? 'x', 8);
    assert.ok(Number.isInteger(flags), `${cmd}: flags read (${r.stdout})`);
    assert.is(flags & 0o4000, 0, `${cmd}: fd 1 blocking (flags ${flags.toString(8)})`);
  }
});
test.run();
