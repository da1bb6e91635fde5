// One walk per line in a chain (simd-scan.ts): a reader takes another stage's walk of a line only
// when it is of the very bytes it is given. Each test rewrites the bytes where a wrong take-over
// would go unnoticed otherwise, and checks the spans read are those of the bytes there now.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FieldReader, Members, walkObject } from '../../dist/core/fields.js';
import { enterLine, leaveLine, passOn, disarm, scanMark, memoTaken, simdScan, editedWalk, walkMoved } from '../../dist/core/simd-scan.js';

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

run('a reader that checks every line by the grammar (not trusting it) walks it itself', () => {
  const buf = line('aaa', 'bbb'), before = memoTaken();
  const prev = enterLine(a);
  upstream.read(buf, 0, buf.length);
  passOn(buf, 0, buf.length, b);
  const prevB = enterLine(b);
  assert.ok(downstream.read(buf, 0, buf.length, false));
  assert.is(memoTaken(), before);
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

run('a line copied elsewhere whole (a fork puts it in the walk\'s memory): the walk moves with it', () => {
  const buf = Buffer.from('  ' + line('aaa', 'bbb').toString() + '  '), copy = Buffer.alloc(buf.length + 10, 0x20), before = memoTaken();
  const prev = enterLine(a);
  upstream.read(buf, 0, buf.length);
  buf.copy(copy, 7, 0, buf.length);
  walkMoved(buf, 0, buf.length, copy, 7);
  buf.fill(0x20); // the old place is reused: only the copy counts now
  passOn(copy, 7, 7 + buf.length, b);
  const p = enterLine(b);
  assert.ok(downstream.read(copy, 7, 7 + buf.length, true));
  assert.is(memoTaken(), before + 1);
  assert.equal([downstream.value(0), downstream.value(1)], ['bbb', 'aaa']);
  leaveLine(p); leaveLine(prev);
});

// an edited record: the walk of the line moved to it, or dropped where it cannot be known
const reader = new FieldReader(['x', 'y', 'd', 'o']); // (every reader's keys are walked for)
function edited(text, edits) {
  // (the reader trusts the record, as a chain's next stage does: only such a reader takes a walk)
  const buf = Buffer.from(text), parts = [];
  let at = 0;
  for (const ed of edits) { parts.push(buf.subarray(at, ed.from), Buffer.from(ed.text)); at = ed.to; }
  parts.push(buf.subarray(at));
  const out = Buffer.concat(parts);
  const prev = enterLine(a);
  upstream.read(buf, 0, buf.length);
  const kept = editedWalk(buf, 0, buf.length, edits, out, 0, out.length, walkObject, b);
  const before = memoTaken(), p = enterLine(b);
  assert.ok(reader.read(out, 0, out.length, true), `valid: ${out}`);
  const got = [0, 1, 2, 3].map((k) => (reader.found(k) ? reader.value(k) : undefined));
  leaveLine(p); leaveLine(prev);
  const want = JSON.parse(out.toString()); // what a walk of the whole record gives
  assert.equal(got, [want.x, want.y, want.d, want.o], `values: ${out}`);
  assert.is(memoTaken() - before, kept ? 1 : 0);
  return kept;
}
const at = (t, s) => t.indexOf(s);

run('edits: members appended or put first, values replaced whole: the walk moves with them', () => {
  const t = '{"x":"aaa","o":{"x":1},"y":"bbb"}';
  assert.ok(edited(t, [{ from: t.length - 1, to: t.length - 1, text: ',"d":"2020-01-01"' }]), 'appended');
  assert.ok(edited(t, [{ from: 1, to: 1, text: '"d":7,' }]), 'put first');
  assert.ok(edited(t, [{ from: at(t, '"aaa"'), to: at(t, '"aaa"') + 5, text: '"a much longer value"' }]), 'a value replaced');
  assert.ok(edited(t, [{ from: at(t, '"aaa"'), to: at(t, '"aaa"') + 5, text: '1' }, { from: t.length - 1, to: t.length - 1, text: ',"x":"again","d":null' }]), 'replaced, then written again at the end: the last wins');
  const u = '{"x":"aaa","zq":{"x":1},"y":"bbb"}'; // (no reader wants zq)
  assert.ok(edited(u, [{ from: at(u, '1}'), to: at(u, '1}') + 1, text: '[2,3]' }]), 'a value inside a value no reader wants');
});

run('members a stage prepared (their names and value spans known): the walk moves without walking them', () => {
  const t = '{"x":"aaa","o":{"x":1},"y":"bbb"}';
  const withComma = (m) => ({ from: t.length - 1, to: t.length - 1, text: m.comma, bytes: m.bytes, names: m.names, spans: m.spans });
  // wanted names among others, values with multi-byte characters before them (byte offsets, not characters)
  const m = new Members(['zz', 'd', 'q', 'x'], ['"é€😀"', '"2020-01-01"', '[1,{"d":2}]', '"ünï"']);
  assert.ok(edited(t, [withComma(m)]), 'appended: d and x found (x the last occurrence)');
  assert.ok(edited(t, [withComma(new Members(['zz', 'q'], ['1', '"\\"d\\":"']))]), 'no wanted name: nothing to find, spans kept');
  const first = new Members(['d', 'y'], ['"ä"', '5']);
  assert.ok(edited(t, [{ from: 1, to: 1, text: first.text + ',', bytes: Buffer.from(first.text + ','), names: first.names, spans: first.spans0 }]), 'put first: y written again later in the line wins');
  const e = '{}', m0 = new Members(['x', 'd'], ['"😀"', 'null']);
  const prev = enterLine(a);
  upstream.read(Buffer.from(e), 0, 2);
  leaveLine(prev);
  assert.ok(edited(e, [{ from: 1, to: 1, text: m0.text, bytes: m0.bytes.subarray(1), names: m0.names, spans: m0.spans0 }]), 'into an empty object');
});

run('one field added by FieldReader.edit (its name and value span given): the walk moves with it', () => {
  const adder = new FieldReader(['x', 'd']);
  for (const t of ['{"x":"aaa","o":{"x":1},"y":"bbb"}', '{}', '{ }']) {
    for (const text of ['"2020-01-01"', '"ünï€😀"', '{"d":1,"x":2}']) {
      const buf = Buffer.from(t);
      assert.ok(adder.read(buf, 0, buf.length));
      const ed = adder.edit(1, text, {});
      assert.ok(ed.names && ed.spans, 'names and spans given');
      assert.ok(edited(t, [{ ...ed }]), `${t} + d=${text}`);
    }
  }
});

run('edits the walk cannot follow: dropped, and the record walked again', () => {
  const t = '{"x":"aaa","o":{"x":1},"y":"bbb"}';
  assert.not.ok(edited(t, [{ from: 1, to: 4, text: '"d"' }]), 'a key renamed');
  assert.not.ok(edited(t, [{ from: at(t, '1}') + 1, to: at(t, '1}') + 1, text: ',"y":2' }]), 'members written inside a wanted value');
  const u = '{"x":"aaa","zq":{"x":1},"y":"bbb"}';
  assert.not.ok(edited(u, [{ from: at(u, '1}') + 1, to: at(u, '1}') + 1, text: ',"d":5' }]), 'members written inside a value no reader wants');
  assert.not.ok(edited(t, [{ from: at(t, '"aaa"') + 4, to: at(t, '"aaa"') + 4, text: 'zz' }]), 'a wanted value cut into');
  assert.not.ok(edited(t, [{ from: at(t, '1}'), to: at(t, '1}') + 1, text: '[2,3]' }]), 'within a wanted value (o)');
  assert.not.ok(edited('{"x":1,"y":2}', [{ from: 6, to: 6, text: '0' }]), 'a wanted value extended at its end');
  assert.not.ok(edited(t, [{ from: at(t, ',"y"'), to: t.length - 1, text: '' }]), 'a wanted member deleted');
  // (found in review) edits the walk must not follow even where no wanted member is touched
  const v = '{"x":1,"zq":2,"y":3}';
  assert.not.ok(edited(v, [{ from: at(v, '"zq"'), to: at(v, '"zq"') + 4, text: '"d"' }]), 'a key no reader wants renamed to a wanted one');
  assert.not.ok(edited(v, [{ from: at(v, '2'), to: at(v, '2') + 1, text: '2,"d":9' }]), 'a value written with members after it');
  assert.not.ok(edited(v, [{ from: 5, to: 6, text: '11' }, { from: 5, to: 6, text: '22' }]), 'two edits of one span');
  assert.not.ok(edited(v, [{ from: at(v, '3'), to: at(v, '3') + 1, text: '4' }, { from: at(v, '2'), to: at(v, '2') + 1, text: '5' }]), 'edits out of order');
});

test.run();
