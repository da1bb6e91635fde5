// One walk per line in a chain, over the edits tools make (simd-scan.ts editedWalk): random records
// (non-ASCII names and values, {} and { }, repeated and escaped names, blanks), edited as join and
// to-local-date edit them (FieldReader.edit, appendEdit with Members or a string, edits, and edits mixed
// with an append), one Edit object reused for every kind in turn (nothing left over from an earlier
// call may count): the next reader, taking the moved walk, reads what JSON.parse reads in the record.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FieldReader, Members, walkObject } from '../../dist/core/fields.js';
import { enterLine, leaveLine, memoTaken, simdScan, editedWalk } from '../../dist/core/simd-scan.js';

const run = simdScan ? test : test.skip; // (without the .wasm every read is the JavaScript walk)

let seed = 4242;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = (a) => a[Math.floor(rnd() * a.length)];
const A = { lineNo: 0 }, B = { lineNo: 0 };
const KEYS = ['x', 'y', 'd', 'é', 'ü€', 'o', 'zz', 'q'];
const ESCAPED = ['\\u0064', '\\u00e9', '\\u0078']; // d, é, x spelled with escapes
const OTHER = ['w', 'dd', 'xé']; // names no reader wants
const WANTED = ['x', 'y', 'd', 'é', 'ü€', 'o', 'q'];
const up = new FieldReader(['x', 'y', 'zz']);
const adder = new FieldReader(['x', 'd', 'é', 'ü€', 'q']);
const down = new FieldReader(WANTED);
const value = () => pick(['1', '"aaa"', '"é€😀"', 'null', '{"x":1,"d":"ü"}', '[1,"ä"]', '"2020-01-01"', '""', '{}', 'true', '"\\"d\\":"']);
function record() {
  if (rnd() < 0.1) return pick(['{}', '{ }', '{"x":1}', '{"x":1 }', '{ "x":1}']);
  const ws = () => (rnd() < 0.1 ? ' ' : '');
  const key = () => (rnd() < 0.1 ? `"${pick(ESCAPED)}"` : JSON.stringify(pick(KEYS)));
  return '{' + ws() + Array.from({ length: Math.floor(rnd() * 6) }, () => `${key()}${ws()}:${ws()}${value()}`).join(ws() + ',' + ws()) + ws() + '}';
}
const names = () => Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick([...KEYS, ...OTHER]));
const shown = (v) => (v === undefined ? 'absent' : JSON.stringify(v));

run('edits of every kind through one reused Edit object: the moved walk reads what JSON.parse reads', () => {
  const ed = {}; // (the tools keep one per stage)
  let kept = 0;
  for (let i = 0; i < 6000; i++) {
    const t = record(), buf = Buffer.from(t);
    const prev = enterLine(A);
    up.read(buf, 0, buf.length, true);
    adder.read(buf, 0, buf.length, true);
    const absent = [0, 1, 2, 3, 4].filter((k) => !adder.found(k));
    let edits;
    switch (Math.floor(rnd() * 6)) {
      case 0: edits = [adder.edit(Math.floor(rnd() * 5), value(), ed)]; break;
      case 1: { const n = names(); edits = [adder.appendEdit(new Members(n, n.map(value)), ed)]; break; }
      case 2: edits = [adder.appendEdit((rnd() < 0.3 ? `"${pick(ESCAPED)}"` : JSON.stringify(pick([...KEYS, ...OTHER]))) + ':' + value(), ed)]; break;
      case 3: { const ks = [...new Set(names().map(() => Math.floor(rnd() * 5)))]; edits = adder.edits(ks, ks.map(value)); break; }
      default: { // values replaced in place, and members appended in the same pass
        const ks = [0, 1, 2, 3, 4].filter((k) => adder.found(k) && rnd() < 0.6), n = names();
        const add = absent.length && rnd() < 0.5 ? adder.edit(pick(absent), value(), ed) : adder.appendEdit(new Members(n, n.map(value)), ed);
        edits = [...adder.edits(ks, ks.map(value)), add];
      }
    }
    const parts = [];
    let at = 0;
    for (const e of edits) {
      if (e.bytes !== undefined) assert.ok(e.bytes.equals(Buffer.from(e.text)), `the bytes are the text's: ${e.text}`);
      parts.push(buf.subarray(at, e.from), Buffer.from(e.text)); at = e.to;
    }
    parts.push(buf.subarray(at));
    const out = Buffer.concat(parts), text = out.toString();
    const want = JSON.parse(text);
    const moved = editedWalk(buf, 0, buf.length, edits, out, 0, out.length, walkObject, B);
    if (moved) kept++;
    const before = memoTaken(), p = enterLine(B);
    assert.ok(down.read(out, 0, out.length, true), text);
    const got = WANTED.map((_n, k) => shown(down.found(k) ? down.value(k) : undefined));
    leaveLine(p); leaveLine(prev);
    assert.is(memoTaken() - before, moved ? 1 : 0);
    assert.equal(got, WANTED.map((n) => shown(Object.hasOwn(want, n) ? want[n] : undefined)), `${t} -> ${text}`);
  }
  assert.ok(kept > 3000, `walks moved: ${kept}`);
});

test.run();
