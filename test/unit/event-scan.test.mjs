// The compiled reading of a keyed log's lines (EventScan, many lines a call, through the input
// splitter's LineSink.batch): it reads the plain lines itself and hands every other one back, in
// order and numbered, to line(); its events are those of FieldReader.read on the same lines.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Splitter } from '../../dist/core/input.js';
import { FieldReader } from '../../dist/core/fields.js';
import { chunkBuffer, releaseChunk, simdScan } from '../../dist/core/simd-scan.js';

const ON = 1, OFF = 2;
const fields = ['user_uid', 'reel_uid', 'timestamp', 'event_name'];
const actions = [{ token: Buffer.from('"like"'), kind: ON }, { token: Buffer.from('"unlike"'), kind: OFF }];

/** split `text` (one chunk, read into the walk's memory) with a sink that reads batches: what each way took */
function run(text) {
  const reader = new FieldReader(fields), scan = reader.eventScan(actions);
  const got = { batched: [], others: 0, one: [] };
  const sink = {
    batch(split, from, start, k0, n) {
      let k = k0;
      do {
        const j = split.events(scan, from, start, k, n);
        let off = 0;
        for (let q = 0; q < scan.count; q++) {
          got.batched.push([scan.keys.toString('latin1', off, off + scan.lens[q]), scan.times[q], scan.kinds[q]]);
          off += scan.lens[q];
        }
        assert.is(off, scan.used);
        got.others += scan.others;
        if (j > k) start = split.lineEnd(j - 1, from) + 1;
        k = j;
      } while (scan.full && k < n);
      return k;
    },
    line(l) { got.one.push([l.no, l.buf.toString('latin1', l.start, l.end)]); },
    skipped() { throw new Error('no needle here'); },
    tooLong() { throw new Error('not too long'); },
    invalid(l) { got.one.push([l.no, 'invalid']); },
  };
  const chunk = chunkBuffer(1 << 17);
  try {
    const b = Buffer.from(text);
    assert.ok(b.length <= chunk.length);
    b.copy(chunk);
    const sp = new Splitter('-', undefined, sink);
    sp.chunk(chunk.subarray(0, b.length), () => false);
    sp.finish();
    got.lines = sp.line.no;
  } finally { releaseChunk(chunk); }
  return got;
}

test('the SIMD walk is there (the build made dist/core/scan.wasm)', () => {
  assert.ok(simdScan);
  assert.ok(new FieldReader(fields).eventScan(actions) !== null);
  assert.is(new FieldReader(['a.b', 'c', 'd', 'e']).eventScan(actions), null, 'a nested path: one line at a time');
});

test('plain lines are read many a call; the others come to line() with their numbers', () => {
  const plain = (i) => `{"event_name":"like","timestamp":${i},"user_uid":"P","reel_uid":"p${i}"}`;
  const bent = [
    ['{"user_uid":"é","reel_uid":"r2","timestamp":"17","event_name":"unlike","x":[1,{"y":"}"}]}', ['"\xc3\xa9"\x01"r2"', 17, OFF]],
    ['{"event_name":"view","timestamp":1,"user_uid":"U1","reel_uid":"r1"}', 'other'], // another action: counted
    ['{"event_name":"view"}', 'other'], // another action, nothing else: counted (as record() counts it)
    ['{"event_name":"like","timestamp":0,"user_uid":"U1","reel_uid":"r1"}\r', ['"U1"\x01"r1"', 0, ON]], // CRLF
    ['{"event_name":"like","timestamp":123456789012345,"user_uid":"a","user_uid":"b","reel_uid":""}', ['"b"\x01""', 123456789012345, ON]], // the last member counts
    ['', null], // blank: the usual way (skipped there)
    ['{"event_name":"like","timestamp":1.5,"user_uid":"U1","reel_uid":"r1"}', 'one'], // a fraction
    [' {"event_name":"like","timestamp":2,"user_uid":"U1","reel_uid":"r1"}', 'one'], // a blank before
    ['{"event_name":"like","timestamp":1234567890123456,"user_uid":"U1","reel_uid":"r1"}', 'one'], // 16 digits
    ['{"event_name":"like","timestamp":3,"user_uid":7,"reel_uid":"r1"}', 'one'], // a number key
    ['{"event_name":"li\\u006be","timestamp":3,"user_uid":"U","reel_uid":"r1"}', 'one'], // an escape
    ['{"event_name":"like","timestamp":"007","user_uid":"U","reel_uid":"r1"}', 'one'], // a leading zero
    ['{"event_name":"like","timestamp":-3,"user_uid":"U","reel_uid":"r1"}', 'one'], // a sign
    ['{"event_name":"like","timestamp":3,"user_uid":"U"}', 'one'], // a key missing
    ['{"event_name":null,"timestamp":3,"user_uid":"U","reel_uid":"r"}', 'one'], // not a string
    ['{"event_name":1,"timestamp":3,"user_uid":"U","reel_uid":"r"}', 'one'], // not a string
    ['{"event_name":"like","timestamp":3,"user_uid":"U","reel_uid":"r",}', 'one'], // malformed
    ['{"event_name":"like","timestamp":3,"user_uid":"U","reel_uid":"r"', 'one'], // malformed
  ];
  // each bent line between plain ones (a batch then starts at a plain line: no pause)
  const lines = [], batched = [], one = [];
  let others = 0;
  bent.forEach(([text, what], i) => {
    lines.push(plain(i)); batched.push(['"P"\x01' + `"p${i}"`, i, ON]);
    lines.push(text);
    if (what === 'other') others++;
    else if (what === 'one') one.push(lines.length);
    else if (what !== null) batched.push(what);
  });
  lines.push(plain(99)); batched.push(['"P"\x01"p99"', 99, ON]);
  const got = run(lines.join('\n') + '\n');
  assert.equal(got.batched, batched);
  assert.is(got.others, others);
  assert.equal(got.one.map(([no]) => no), one);
  assert.equal(got.one.map(([, text]) => text), one.map((no) => lines[no - 1]));
  assert.is(got.lines, lines.length);
});

test('after a line it could not read at the start of a batch, the next lines go the usual way for a while', () => {
  const lines = ['', '{"event_name":"like","timestamp":1,"user_uid":"a","reel_uid":"b"}', '{"event_name":"like","timestamp":2,"user_uid":"a","reel_uid":"b"}'];
  const got = run(lines.join('\n') + '\n');
  assert.equal(got.batched, []);
  assert.equal(got.one.map(([no]) => no), [2, 3]);
});

test('a batch holds at most its room (1024 events, 32 KiB of keys): the next call reads on, none lost', () => {
  for (const [n, pad] of [[1500, 0], [300, 300]]) {
    const lines = [];
    for (let i = 0; i < n; i++) lines.push(`{"event_name":"${i % 2 ? 'like' : 'unlike'}","timestamp":${i},"user_uid":"u${'x'.repeat(pad)}","reel_uid":"r${i}"}`);
    const got = run(lines.join('\n') + '\n');
    assert.is(got.one.length, 0);
    assert.equal(got.batched, lines.map((_l, i) => [`"u${'x'.repeat(pad)}"\x01"r${i}"`, i, i % 2 ? ON : OFF]));
  }
});

test('a line longer than the room of a call goes the usual way', () => {
  const long = `{"event_name":"like","timestamp":1,"user_uid":"${'y'.repeat(40000)}","reel_uid":"r"}`;
  const got = run(['{"event_name":"like","timestamp":2,"user_uid":"z","reel_uid":"r"}', long, '{"event_name":"like","timestamp":3,"user_uid":"z","reel_uid":"r"}'].join('\n') + '\n');
  assert.equal(got.batched, [['"z"\x01"r"', 2, ON], ['"z"\x01"r"', 3, ON]]);
  assert.equal(got.one.map(([no, text]) => [no, text.length]), [[2, long.length]]);
});

test.run();
