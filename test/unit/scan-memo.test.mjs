// One walk per line in a chain (simd-scan.ts): a reader takes another stage's walk of a line only
// when it is of the very bytes it is given. Each test rewrites the bytes where a wrong take-over
// would go unnoticed otherwise, and checks the spans read are those of the bytes there now.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FieldReader } from '../../dist/core/fields.js';
import { enterLine, leaveLine, passOn, disarm, scanMark, memoTaken, simdScan } from '../../dist/core/simd-scan.js';

const a = { lineNo: 0, name: 'a' }, b = { lineNo: 0, name: 'b' }, c = { lineNo: 0, name: 'c' };
const upstream = new FieldReader(['x', 'y']), downstream = new FieldReader(['y', 'x']);
function line(x, y) { return Buffer.from(JSON.stringify({ x, y })); }

const run = simdScan ? test : test.skip; // (without the .wasm every read is the JavaScript walk)

run('a line handed on whole: the next reader takes the walk (and reads the right values)', () => {
  const buf = line('aaa', 'bbb'), before = memoTaken();
  const prev = enterLine(a);
  upstream.read(buf, 0, buf.length);
  passOn(buf, 0, buf.length, b);
  const prevB = enterLine(b);
  assert.ok(downstream.read(buf, 0, buf.length, true));
  assert.is(memoTaken(), before + 1, 'taken over');
  assert.equal([downstream.value(0), downstream.value(1)], ['bbb', 'aaa']);
  leaveLine(prevB); leaveLine(prev);
});

run('bytes rewritten in place and handed on by a stage that did not walk them: walked again', () => {
  const buf = line('aaa', 'bbb'), before = memoTaken();
  let prev = enterLine(a);
  upstream.read(buf, 0, buf.length); // a walks the first line
  leaveLine(prev);
  line('ccc', 'ddd').copy(buf); // the next line at the same place (a refilled input chunk)
  prev = enterLine(a);            // a holds it, hands it on without walking it
  passOn(buf, 0, buf.length, b);
  const prevB = enterLine(b);
  assert.ok(downstream.read(buf, 0, buf.length, true));
  assert.is(memoTaken(), before, 'not taken');
  assert.equal([downstream.value(0), downstream.value(1)], ['ddd', 'ccc']);
  leaveLine(prevB); leaveLine(prev);
});

run('a buffer a stage reuses for what it emits, walked by the next stage: not taken for the next record', () => {
  const buf = line('aaa', 'bbb'), before = memoTaken();
  const prev = enterLine(a);
  passOn(buf, 0, buf.length, b);
  let prevB = enterLine(b);
  downstream.read(buf, 0, buf.length, true); // b walks a's first record
  leaveLine(prevB);
  line('eee', 'fff').copy(buf);              // a rewrites its buffer and emits it again
  passOn(buf, 0, buf.length, b);
  prevB = enterLine(b);
  assert.ok(downstream.read(buf, 0, buf.length, true));
  assert.is(memoTaken(), before);
  assert.equal([downstream.value(0), downstream.value(1)], ['fff', 'eee']);
  leaveLine(prevB); leaveLine(prev);
});

run('edited or generated records (disarm), and a line given to another stage than the one it was handed to', () => {
  const buf = line('aaa', 'bbb'), before = memoTaken();
  let prev = enterLine(a);
  upstream.read(buf, 0, buf.length);
  passOn(buf, 0, buf.length, b);
  disarm();
  let prevB = enterLine(b);
  downstream.read(buf, 0, buf.length, true);
  leaveLine(prevB); leaveLine(prev);
  assert.is(memoTaken(), before, 'disarmed');
  prev = enterLine(a);
  upstream.read(buf, 0, buf.length);
  passOn(buf, 0, buf.length, b);
  prevB = enterLine(c); // handed to b, but c starts a line first
  downstream.read(buf, 0, buf.length, true);
  leaveLine(prevB); leaveLine(prev);
  assert.is(memoTaken(), before, 'another stage');
});

run('a fork: the same bytes to each branch, the first branch walks them, the next ones take it', () => {
  const buf = line('aaa', 'bbb'), before = memoTaken();
  const prev = enterLine(a);
  const since = scanMark();
  for (const branch of [b, c]) {
    passOn(buf, 0, buf.length, branch, since);
    const p = enterLine(branch);
    assert.ok(downstream.read(buf, 0, buf.length, true));
    assert.equal([downstream.value(0), downstream.value(1)], ['bbb', 'aaa']);
    leaveLine(p);
  }
  assert.is(memoTaken(), before + 1, 'the second branch took the first one\'s walk');
  // a walk made before the fork's mark of bytes rewritten since: not taken
  line('ggg', 'hhh').copy(buf);
  const later = scanMark();
  passOn(buf, 0, buf.length, b, later);
  const p = enterLine(b);
  downstream.read(buf, 0, buf.length, true);
  assert.equal([downstream.value(0), downstream.value(1)], ['hhh', 'ggg']);
  assert.is(memoTaken(), before + 1);
  leaveLine(p); leaveLine(prev);
});

test.run();
