// RecordBatch (core/output.ts): records written in pieces go out only whole, in batches that end at a
// record's end and count their records, whatever the sizes (a record larger than the buffer, a buffer
// that fills in the middle of a record).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RecordBatch } from '../../dist/core/output.js';

function run(records, piece) {
  const batches = [];
  const out = new RecordBatch((b, s, e, n) => batches.push({ bytes: Buffer.from(b.subarray(s, e)), n }));
  for (const r of records) {
    for (let i = 0; i < r.length; i += piece) {
      if (i % (2 * piece) === 0) { const p = Buffer.from(r.slice(i, i + piece), 'latin1'); out.bytes(p, 0, p.length); } else out.latin1(r.slice(i, i + piece));
    }
    out.end();
  }
  out.flush();
  return batches;
}

test('whole records in every batch, counted, in order (a buffer full mid-record; a record beyond the buffer)', () => {
  const sizes = [[200_000, 900_000, 10], [100, 1_500_000, 5], [300_000, 300_000, 300_000, 700_000, 50], [1, 2, 3]];
  for (const sz of sizes) {
    const records = sz.map((n, k) => String.fromCharCode(97 + k).repeat(n));
    for (const piece of [7, 10_000, 65_536]) {
      const batches = run(records, piece);
      assert.is(Buffer.concat(batches.map((b) => b.bytes)).toString('latin1'), records.join('\n') + '\n', `sizes ${sz}, pieces of ${piece}`);
      for (const b of batches) {
        assert.is(b.bytes[b.bytes.length - 1], 10, 'a batch ends at a record end');
        assert.is(b.bytes.toString('latin1').split('\n').length - 1, b.n, 'its records counted');
      }
    }
  }
});

test('tokens: a composite key written with a head before each token, across a full buffer', () => {
  const heads = ['{"a":', ',"bb":', ',"c":'].map((h) => Buffer.from(h, 'latin1'));
  const batches = [];
  const out = new RecordBatch((b, s, e, n) => batches.push(Buffer.from(b.subarray(s, e))));
  const want = [];
  for (let i = 0; i < 30_000; i++) {
    const t = [`"u${i}"`, String(i * 7), i % 3 ? '"x"' : 'null'];
    const key = Buffer.from(t.join('\x01'), 'latin1'), pad = Buffer.concat([Buffer.from('zz'), key, Buffer.from('\x01')]);
    out.tokens(pad, 2, 2 + key.length, heads, 5 + 6 + 5); // (bytes around the key are not written)
    out.latin1('}'); out.end();
    want.push(`{"a":${t[0]},"bb":${t[1]},"c":${t[2]}}`);
  }
  out.flush();
  assert.ok(batches.length > 1, 'several batches');
  assert.is(Buffer.concat(batches).toString('latin1'), want.join('\n') + '\n');
});

test('number: every double written as String() writes it (safe integers digit by digit)', () => {
  const xs = [0, -0, 1, -1, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 999999999, 1e9, 1e9 + 1, 1e9 - 1, 1692384305,
    2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 123456789012345, 1.5, -0.25, 1e21, 1e-7, 4.5e15, 0.1 + 0.2, Number.MAX_VALUE, Number.MIN_VALUE];
  for (let k = 1; k < 9007199; k = Math.floor(k * 1.37) + 1) xs.push(k * 1e9 - 1, k * 1e9, k * 1e9 + 1, -(k * 1e9 - 1)); // around 1e9 steps
  let seed = 7;
  for (let i = 0; i < 20000; i++) { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; xs.push(Math.floor((seed / 2 ** 32) * 2 ** (seed % 54)) * (seed & 1 ? -1 : 1)); }
  const out = new RecordBatch(() => {});
  for (const x of xs) {
    out.pos = 0;
    out.number(x);
    assert.is(out.buf.toString('latin1', 0, out.pos), String(x), `${x}`);
  }
});


test('members: each batch carries its records\' value spans, right across a buffer full mid-record', () => {
  for (const sizes of [[10, 20, 30], [300_000, 900_000, 5, 700_000, 1_200_000, 3, 600_000, 600_000], [1_100_000, 2], [5, 6, 1_100_000, 4, 8, 2_500_000]]) {
    const batches = [];
    const out = new RecordBatch((b, s, e, n, walks) => batches.push({ bytes: Buffer.from(b.subarray(s, e)), n, names: walks?.names, spans: walks && Int32Array.from(walks.spans.subarray(0, 2 * walks.names.length * n)) }));
    out.members(['a', 'b']);
    const want = [];
    sizes.forEach((size, k) => {
      // (the buffer fills in a's text, or in b's after a's span was marked)
      const a = 'x'.repeat(k % 2 ? size : 3 + k), b = 'y'.repeat(k % 2 ? 3 + k : size);
      out.latin1('{"a":'); let at = out.at(); out.latin1(`"${a}"`); out.span(0, at);
      out.latin1(',"b":'); at = out.at(); out.latin1(`"${b}"`); out.span(1, at);
      out.latin1(',"c":'); out.number(k);
      out.latin1('}'); out.end();
      want.push([`"${a}"`, `"${b}"`]);
    });
    out.flush();
    let r = 0;
    for (const x of batches) {
      assert.equal(x.names, ['a', 'b']);
      let s = 0;
      for (let i = 0; i < x.n; i++, r++) {
        const e = x.bytes.indexOf(10, s);
        const rec = x.bytes.subarray(s, e);
        assert.is(rec.toString('latin1', x.spans[4 * i], x.spans[4 * i + 1]), want[r][0], `record ${r} a`);
        assert.is(rec.toString('latin1', x.spans[4 * i + 2], x.spans[4 * i + 3]), want[r][1], `record ${r} b`);
        s = e + 1;
      }
    }
    assert.is(r, sizes.length, 'every record in a batch');
  }
});

test('members(null): batches carry no spans', () => {
  const walks = [];
  const out = new RecordBatch((b, s, e, n, w) => walks.push(w));
  out.members(['a']); out.members(null);
  out.latin1('{"a":1}'); out.end(); out.flush();
  assert.equal(walks, [undefined]);
});

test.run();
