// final-action reads most lines many a call (the compiled reading, EventScan in core/simd-scan.ts) and
// the rest one at a time: with it (the default) and without it (EVENT_PIPES_BATCH=0), the same stdout,
// stderr (rejects and their line numbers), --stats, --rejects file and exit status, on lines made to
// sit on every edge of what it reads (times of 15 and 16 digits, quoted, signed, with fractions; keys
// that are numbers, null, empty, non-ASCII, escaped; actions escaped, other, missing; blanks, CRLF,
// a byte order mark, blank lines, invalid UTF-8, lines longer than its room, duplicate members,
// malformed lines), over files of several chunks, in one thread and in several with small pieces.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { sh, tmpdir } from '../helpers/sh.mjs';

const dir = tmpdir('ep-fa-batch-');
let seed = 4242;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = (a) => a[Math.floor(rnd() * a.length)];

const users = ['"U1"', '"U2"', '"é"', '""', '"e\\u0301"', '"U\\"q"', '7', '-7', '7.0', '1e2', 'null', 'true', '{"a":1}', '"ж日"', '12345678901234567890'];
const times = ['1700000000', '"1700000000"', '1700000001', '0', '"0"', '00', '"007"', '123456789012345', '1234567890123456', '1700000000000000001',
  '-5', '"-5"', '1700000000.5', '1.7e9', '" 1700000000"', 'null', '"soon"', '9', '"1700000002"', '1700000002'];
const actions = ['"reel_liked"', '"reel_unliked"', '"reel_liked"', '"reel_unliked"', '"reel_watched"', '"reel_\\u006ciked"', '1', 'null', '""', '"follow"'];

/** one random line (most of them plain events; 1 in 4 bent some way) */
function line() {
  const user = rnd() < 0.75 ? pick(users.slice(0, 3)) : pick(users);
  const reel = rnd() < 0.8 ? `"r${Math.floor(rnd() * 30)}"` : pick(['5', '"r\\u0031"', 'null', '"r 1"']);
  const time = rnd() < 0.75 ? `${1700000000 + Math.floor(rnd() * 4)}` : pick(times);
  const act = rnd() < 0.8 ? pick(actions.slice(0, 5)) : pick(actions);
  const members = [`"event_name":${act}`, `"timestamp":${time}`, `"user_uid":${user}`, `"reel_uid":${reel}`];
  const r = rnd();
  if (r < 0.03) members.splice(Math.floor(rnd() * 4), 1); // a member missing
  else if (r < 0.06) members.push(`"user_uid":${pick(users)}`); // a member twice (the last one counts)
  else if (r < 0.09) members.push(`"extra":{"a":[1,2,{"b":"}"}]}`);
  else if (r < 0.11) members.reverse();
  let text = `{${members.join(rnd() < 0.05 ? ' , ' : ',')}}`;
  const b = rnd();
  if (b < 0.02) text = ` ${text}`;
  else if (b < 0.04) text = `${text}\t`;
  else if (b < 0.06) text = `${text}\r`;
  else if (b < 0.07) text = '';
  else if (b < 0.08) text = '   ';
  else if (b < 0.09) text = text.slice(0, -1); // malformed
  else if (b < 0.1) text = text.replace(':', ' : ');
  else if (b < 0.105) text = `{"pad":"${'x'.repeat(40000)}",${text.slice(1)}`; // longer than the room of a call
  return text;
}

function file(name, n, { bom = false, badUtf8 = false } = {}) {
  const parts = [];
  for (let i = 0; i < n; i++) parts.push(Buffer.from(line() + '\n'));
  if (badUtf8) parts.splice(Math.floor(n / 2), 0, Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d, 0x0a]));
  const f = path.join(dir, name);
  fs.writeFileSync(f, Buffer.concat([bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), ...parts]));
  return f;
}

const stderrOf = (t) => t.replace(/elapsed=\S+ rate=\S+ rec\/s \(\S+ MB\/s\)/g, '');
let files;
test('setup: random files of plain and bent lines', () => {
  files = [file('a.ndjson', 300), file('b.ndjson', 6000, { bom: true }), file('c.ndjson', 9000, { badUtf8: true })];
  assert.ok(fs.statSync(files[2]).size > 3 * (1 << 17), 'several chunks');
});

/** the command with and without many lines a call: the same everything */
function same(cmd, env = {}) {
  const rej = path.join(dir, 'rejects');
  const run = (batch) => {
    fs.rmSync(rej, { force: true });
    const r = sh(cmd.replaceAll('REJ', rej), { env: { ...env, EVENT_PIPES_BATCH: batch } });
    return { ...r, rejects: fs.existsSync(rej) ? fs.readFileSync(rej, 'latin1') : null };
  };
  const one = run('0'), many = run('1');
  assert.is(many.stdout, one.stdout, `stdout: ${cmd}`);
  assert.is(stderrOf(many.stderr), stderrOf(one.stderr), `stderr: ${cmd}`);
  assert.is(many.status, one.status, `status: ${cmd}`);
  assert.is(many.rejects, one.rejects, `rejects: ${cmd}`);
  return many;
}

test('one thread: the same output, rejects, figures and status with and without batches', () => {
  for (const f of files) {
    const r = same(`final-action --threads 1 --stats --rejects REJ --keep-time ${f}`);
    assert.ok(r.stdout.length > 0 && /rejected/.test(r.stderr), 'events kept and lines rejected');
    same(`final-action --threads 1 --max-reports 100000 ${f}`);
    same(`final-action --threads 1 --key reel_uid --on reel_liked --on follow --off reel_unliked --off "" --stats ${f}`);
    same(`final-action --threads 1 --key user_uid,reel_uid,event_name --stats ${f}`);
    same(`final-action --threads 1 --strict ${f}`);
    same(`cat ${f} | final-action --stats --keep-time`);
  }
});

test('threads, pieces of 4 KiB, folds every 50 events: the same', () => {
  for (const f of files) {
    same(`final-action --threads 2 --stats --rejects REJ --keep-time --max-reports 100000 ${f}`, { EVENT_PIPES_PIECE_BYTES: '4096', EVENT_PIPES_FOLD_AT: '50' });
    same(`event-pipes --threads 2 final-action --stats ${f} then count-by liked`, { EVENT_PIPES_PIECE_BYTES: '4096' });
  }
});

test('plain lines: --stats counts every line and the other events', () => {
  const f = path.join(dir, 'plain.ndjson');
  const rows = [];
  for (let i = 0; i < 5000; i++) rows.push(`{"event_name":"${i % 3 ? 'reel_liked' : 'reel_watched'}","timestamp":${1700000000 + (i % 7)},"user_uid":"U${i % 50}","reel_uid":"r${i % 9}"}`);
  fs.writeFileSync(f, rows.join('\n') + '\n');
  const r = same(`final-action --threads 1 --stats ${f}`);
  assert.match(r.stderr, /stats: in=5000 out=300 rejected=0 other events=1667 keys=300/);
  assert.is(r.stdout.trim().split('\n').length, 300);
});

test('the action table keeps its own bytes after a line read the usual way (whose reader places its keys next)', () => {
  // (keys k, ts, event_name: 69 bytes of key table, so the action table starts 3 bytes past its share;
  // its last token's bytes were overwritten by the reader's keys placed after it: "Z" became another action)
  const f = path.join(dir, 'align.ndjson');
  fs.writeFileSync(f, '{"k":"a","ts":1,"event_name":"Z"}\n{"ts":2,"event_name":"Z"}\n{"k":"b","ts":3,"event_name":"Z"}\n');
  const r = same(`final-action --threads 1 --key k --time ts --off Z --stats ${f}`);
  assert.is(r.stdout, '{"k":"a","liked":false,"unliked":true}\n{"k":"b","liked":false,"unliked":true}\n');
  assert.match(r.stderr, /stats: in=3 out=2 rejected=1 keys=2 /);
});

test.run();
