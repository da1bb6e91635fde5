// gzip input, member by member (core/gzip.ts), through both readers (the line reader of the NDJSON
// tools, `where`; the own-input reader of from-csv and from-json), from a file, a redirected stdin and a
// pipe: concatenated members, zero padding, a text file appended to a .gz (every record of the gzip data
// kept, the rest said with its size, exit 1: Node's Gunzip dropped its last ~128 KiB), truncated data,
// damaged trailers, every optional header field (compared with GNU gzip's reading of the same bytes).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { sh, tmpdir } from '../helpers/sh.mjs';
import { MAX_HEADER, gzipHeaderLength } from '../../dist/core/gzip.js';

const hasGzip = sh('command -v gzip').status === 0;
const lines = (n, f = (k) => `{"a":${k}}`) => Array.from({ length: n }, (_, k) => f(k) + '\n').join('');
const N = 60000; // ~0.7 MB of lines: more than one 128 KiB output chunk
const text = lines(N);

/** the three ways a file reaches a tool */
const ways = (tool, file) => [`${tool} ${file}`, `${tool} < ${file}`, `cat ${file} | ${tool}`];

/** every tool and way over `file`: stdout's lines, stderr and the status */
function all(file, check) {
  for (const [tool, arg] of [["where 'a>=0'", '-i'], ['from-json', ''], ['from-csv', '']]) {
    const csv = tool === 'from-csv';
    for (const cmd of ways(tool, csv ? file.replace(/\.gz$/, '.csv.gz') : file)) {
      const c = arg && cmd.startsWith(`${tool} /`) ? cmd.replace(tool, `${tool} ${arg}`) : cmd;
      const r = sh(c);
      check(r, c);
    }
  }
}

/** write NAME.gz (NDJSON lines) and NAME.csv.gz (the same values as CSV) from a maker of gzip bytes */
function both(d, name, make) {
  const csv = 'a\n' + Array.from({ length: N }, (_, k) => `${k}\n`).join('');
  fs.writeFileSync(`${d}/${name}.gz`, make(text));
  fs.writeFileSync(`${d}/${name}.csv.gz`, make(csv));
  return `${d}/${name}.gz`;
}
const wantLines = (n = N) => Array.from({ length: n }, (_, k) => `{"a":${k}}`); // (from-csv reads the numbers as numbers)
/** the same lines (said as the first difference: uvu's diff of 60,000 lines takes minutes) */
function same(got, want, msg) {
  if (got.length === want.length && got.every((l, k) => l === want[k])) return;
  const k = got.findIndex((l, i) => l !== want[i]);
  assert.unreachable(`${msg}: ${got.length} lines against ${want.length}; first difference at ${k}: ${got[k]} against ${want[k]}`);
}

test('a header is read with its optional fields; bytes that are not one are refused', () => {
  const base = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
  assert.is(gzipHeaderLength(Buffer.from(base)), 10);
  assert.is(gzipHeaderLength(Buffer.from(base.slice(0, 9))), -1);
  const fields = Buffer.from([0x1f, 0x8b, 8, 4 | 8 | 16 | 2, 0, 0, 0, 0, 0, 3, 3, 0, 1, 2, 3, 0x6e, 0x61, 0, 0x63, 0]);
  const all = Buffer.concat([fields, Buffer.from([zlib.crc32(fields) & 0xff, (zlib.crc32(fields) >> 8) & 0xff])]);
  assert.is(gzipHeaderLength(all), all.length);
  for (let k = 0; k < all.length; k++) assert.is(gzipHeaderLength(all.subarray(0, k)), -1, `cut at ${k}`);
  // each optional field alone, cut at every byte (bgzip's header: FEXTRA only; a header cut inside its
  // extra field was taken as whole, the rest of the field inflated as data)
  const bgzf = Buffer.from([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, 0x42, 0x43, 2, 0, 0x1b, 0]);
  assert.is(gzipHeaderLength(bgzf), 18);
  for (let k = 0; k < bgzf.length; k++) assert.is(gzipHeaderLength(bgzf.subarray(0, k)), -1, `bgzf cut at ${k}`);
  for (const flg of [8, 16]) {
    const h = Buffer.from([0x1f, 0x8b, 8, flg, 0, 0, 0, 0, 0, 3, 0x61, 0x62, 0]);
    assert.is(gzipHeaderLength(h), 13);
    for (let k = 0; k < h.length; k++) assert.is(gzipHeaderLength(h.subarray(0, k)), -1, `flag ${flg} cut at ${k}`);
  }
  const hc = Buffer.from([0x1f, 0x8b, 8, 2, 0, 0, 0, 0, 0, 3]);
  const hcrc = Buffer.concat([hc, Buffer.from([zlib.crc32(hc) & 0xff, (zlib.crc32(hc) >> 8) & 0xff])]);
  assert.is(gzipHeaderLength(hcrc), 12);
  for (let k = 0; k < hcrc.length; k++) assert.is(gzipHeaderLength(hcrc.subarray(0, k)), -1, `fhcrc cut at ${k}`);
  assert.throws(() => gzipHeaderLength(Buffer.from([0x1f, 0x8c])), /incorrect header check/);
  assert.throws(() => gzipHeaderLength(Buffer.from([0x7b])), /incorrect header check/);
  assert.throws(() => gzipHeaderLength(Buffer.from([0x1f, 0x8b, 7])), /unknown compression method/);
  assert.throws(() => gzipHeaderLength(Buffer.from([0x1f, 0x8b, 8, 0x20, 0, 0, 0, 0, 0, 3])), /unknown header flags/);
  // FHCRC checked (GNU gzip, pigz and Node refuse a wrong one)
  const bad = Buffer.from(all); bad[all.length - 1] ^= 1;
  assert.throws(() => gzipHeaderLength(bad), /header crc mismatch/);
  // a name without its end: not searched for ever (it was, read again with every chunk: quadratic)
  const long = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 3]), Buffer.alloc(MAX_HEADER, 0x78)]);
  assert.is(gzipHeaderLength(long.subarray(0, MAX_HEADER)), -1);
  assert.throws(() => gzipHeaderLength(long), /gzip header longer than/);
});

test('one member, members concatenated, zero padding: every record, exit 0', () => {
  const d = tmpdir();
  const cases = {
    one: (t) => zlib.gzipSync(t),
    members: (t) => Buffer.concat([zlib.gzipSync(t.slice(0, 1000)), zlib.gzipSync(t.slice(1000, 400000)), zlib.gzipSync(''), zlib.gzipSync(t.slice(400000))]),
    padded: (t) => Buffer.concat([zlib.gzipSync(t), Buffer.alloc(5000)]),
    paddedBetween: (t) => Buffer.concat([zlib.gzipSync(t.slice(0, 3000)), Buffer.alloc(7), zlib.gzipSync(t.slice(3000))]),
    // a member a line (`gzip >>` a line at a time: inflated at once where a member ends within the
    // bytes at hand, by a stream where it goes on past them), and members of every size between
    tiny: (t) => Buffer.concat(t.split(/(?<=\n)/).map((l) => zlib.gzipSync(l))),
    mixed: (t) => { const out = []; for (let at = 0, n = 1; at < t.length; at += n, n = (n * 7 + 13) % 300000) out.push(zlib.gzipSync(t.slice(at, at + n))); return Buffer.concat(out); },
  };
  for (const [name, make] of Object.entries(cases)) {
    all(both(d, name, make), (r, cmd) => {
      assert.is(r.stderr, '', cmd);
      assert.is(r.status, 0, cmd);
      same(r.stdout.split('\n').slice(0, -1), wantLines(), cmd);
    });
  }
});

test('every optional header field (FEXTRA, FNAME, FCOMMENT, FHCRC) is skipped, as GNU gzip reads it', () => {
  const d = tmpdir();
  const make = (t) => {
    const plain = zlib.gzipSync(t);
    const head = Buffer.from([0x1f, 0x8b, 8, 4 | 8 | 16 | 2, 0, 0, 0, 0, 0, 3]);
    const extra = Buffer.from([5, 0, 0x41, 0x42, 3, 0, 0x7a]);
    const name = Buffer.from('events.ndjson\0'), comment = Buffer.from('a comment\0');
    const fields = Buffer.concat([head, extra, name, comment]);
    const hcrc = Buffer.alloc(2); hcrc.writeUInt16LE(zlib.crc32(fields) & 0xffff);
    return Buffer.concat([fields, hcrc, plain.subarray(10)]);
  };
  const file = both(d, 'fields', make);
  if (hasGzip) assert.is(sh(`gzip -dc ${file}`).stdout, text, 'gzip reads the crafted header');
  all(file, (r, cmd) => {
    assert.is(r.stderr, '', cmd);
    assert.is(r.status, 0, cmd);
    same(r.stdout.split('\n').slice(0, -1), wantLines(), cmd);
  });
});

test('a text file appended to a .gz: every record of the gzip data kept, the rest said with its size, exit 1', () => {
  const d = tmpdir();
  const tail = '{"not":"read"}\n';
  const file = both(d, 'junk', (t) => Buffer.concat([zlib.gzipSync(t), Buffer.from(tail)]));
  all(file, (r, cmd) => {
    assert.is(r.status, 1, cmd);
    same(r.stdout.split('\n').slice(0, -1), wantLines(), cmd);
    assert.match(r.stderr, new RegExp(`: trailing garbage after the gzip data: ${tail.length} bytes from byte \\d+ ignored\\n$`), cmd);
    assert.is(r.stderr.split('\n').length, 2, cmd);
  });
  if (hasGzip) assert.match(sh(`gzip -dc ${file} | wc -l`).stdout, new RegExp(`^${N}\\b`), 'GNU gzip keeps as many');
  // later inputs are read still
  fs.writeFileSync(`${d}/one.gz`, zlib.gzipSync(text));
  const r = sh(`where -i ${file} -i ${d}/one.gz 'a>=0'`);
  assert.is(r.status, 1);
  assert.is(r.stdout.split('\n').length - 1, N * 2);
});

test('truncated data and damaged trailers: what was inflated kept, zlib\'s words, exit 1', () => {
  const d = tmpdir();
  const good = zlib.gzipSync(text);
  const damaged = {
    truncated: [good.subarray(0, Math.floor(good.length / 2)), /: unexpected end of file\n/],
    noTrailer: [good.subarray(0, good.length - 8), /: unexpected end of file\n/],
    halfTrailer: [good.subarray(0, good.length - 3), /: unexpected end of file\n/],
    crc: [Buffer.concat([good.subarray(0, good.length - 8), Buffer.from([1, 2, 3, 4]), good.subarray(good.length - 4)]), /: incorrect data check\n/],
    size: [Buffer.concat([good.subarray(0, good.length - 4), Buffer.from([1, 2, 3, 4])]), /: incorrect length check\n/],
    headerOnly: [good.subarray(0, 6), /: unexpected end of file\n/],
  };
  for (const [name, [bytes, err]] of Object.entries(damaged)) {
    fs.writeFileSync(`${d}/${name}.gz`, bytes);
    for (const cmd of ways("where 'a>=0'", `${d}/${name}.gz`).map((c) => c.replace(`where 'a>=0' ${d}`, `where 'a>=0' -i ${d}`))) {
      const r = sh(cmd);
      assert.is(r.status, 1, cmd);
      assert.match(r.stderr, err, cmd);
      const got = r.stdout.split('\n').slice(0, -1);
      // the records before the damage, in order, none made up
      same(got, wantLines(got.length), cmd);
      if (name !== 'truncated' && name !== 'headerOnly') assert.is(got.length, N, cmd);
    }
  }
});

test('| head ends quietly over a large gzip input, from a file and a pipe', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/big.gz`, zlib.gzipSync(lines(400000), { level: 1 }));
  for (const cmd of [`where -i ${d}/big.gz 'a>=0' | head -2`, `{ cat ${d}/big.gz || true; } | where 'a>=0' | head -2`, `from-json ${d}/big.gz | head -2`, `{ cat ${d}/big.gz || true; } | from-json | head -2`]) {
    const r = sh(cmd); // (pipefail: the tool's status, not only head's)
    assert.is(r.status, 0, cmd);
    assert.is(r.stdout, '{"a":0}\n{"a":1}\n', cmd);
    assert.is(r.stderr, '', cmd);
  }
});

test('the last record without its newline is kept when an error follows the data (trailing garbage, a bad trailer, a cut): as `gzip -dc | tool` has it; a CSV row so is a cut record unless the data was whole', () => {
  const d = tmpdir();
  const body = '{"a":1}\n{"a":2}', csv = 'a\n1\n2';
  const good = zlib.gzipSync(body), goodCsv = zlib.gzipSync(csv);
  const cases = {
    junk: (g) => Buffer.concat([g, Buffer.from('junk\n')]),
    crc: (g) => Buffer.concat([g.subarray(0, g.length - 8), Buffer.from([1, 2, 3, 4]), g.subarray(g.length - 4)]),
    cut: (g) => g.subarray(0, g.length - 3),
  };
  for (const [name, make] of Object.entries(cases)) {
    fs.writeFileSync(`${d}/${name}.gz`, make(good));
    fs.writeFileSync(`${d}/${name}.csv.gz`, make(goodCsv));
    for (const cmd of [`where 'a>0' -i ${d}/${name}.gz`, `where 'a>0' < ${d}/${name}.gz`, `cat ${d}/${name}.gz | where 'a>0'`, `from-json ${d}/${name}.gz`,
      `from-csv ${d}/${name}.csv.gz`, `cat ${d}/${name}.csv.gz | from-csv`]) {
      const r = sh(cmd);
      assert.is(r.status, 1, cmd);
      if (cmd.includes('from-csv') && name !== 'junk') {
        // (a CSV row does not say it is whole: `2` may be `2345` cut; after the data's own end, junk,
        // it is whole)
        assert.is(r.stdout, '{"a":1}\n', `${cmd}: ${r.stderr}`);
        assert.match(r.stderr, /:3: cut record: the input failed before the end of this record\n/, cmd);
        continue;
      }
      assert.is(r.stdout, '{"a":1}\n{"a":2}\n', `${cmd}: ${r.stderr}`);
      assert.is(r.stderr.split('\n').length, 2, `${cmd}: one line, the input's failure: ${r.stderr}`);
    }
  }
});

test('damaged deflate data: every record zlib inflates before it finds the damage is kept (zlib\'s last step was dropped with the error: up to 128 KiB of records, all of a small file)', () => {
  const d = tmpdir();
  for (const n of [600, 60000]) {
    const data = Buffer.from(lines(n, (k) => `{"a":${k},"p":"${(k * 2654435761 % 2 ** 32).toString(16).repeat(k % 7 + 1)}"}`));
    const gz = zlib.gzipSync(data, { level: 6 });
    // the first byte from the middle whose flip zlib finds damaged within a few KiB, and what it had
    // inflated before it found it (its output fed 16 bytes at a time: the most zlib gives)
    let flipped = null, before = 0;
    for (let i = Math.floor(gz.length / 2); i < gz.length - 8 && flipped === null; i++) {
      const x = Buffer.from(gz); x[i] ^= 0xff;
      const inf = zlib.inflateRawSync(x.subarray(10, i), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      let out = inf.length;
      try { zlib.inflateRawSync(x.subarray(10, Math.min(x.length - 8, i + 4000)), { finishFlush: zlib.constants.Z_SYNC_FLUSH }); continue; } catch { /* damaged: found */ }
      for (let k = i + 16; k <= Math.min(x.length - 8, i + 4000); k += 16) {
        try { out = zlib.inflateRawSync(x.subarray(10, k), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).length; } catch { break; }
      }
      flipped = x; before = inf.length; // (what zlib inflated from the bytes before the flip: intact; after it zlib may write garbage before it finds the damage)
      assert.ok(out >= before);
    }
    assert.ok(flipped !== null, 'a damaging flip found');
    fs.writeFileSync(`${d}/z${n}.gz`, flipped);
    // the whole lines of what zlib inflated from the bytes before the flip
    const intact = data.subarray(0, before).toString('latin1').split('\n').length - 1;
    for (const cmd of [`where 'a>=0' -i ${d}/z${n}.gz`, `cat ${d}/z${n}.gz | where 'a>=0'`, `from-json ${d}/z${n}.gz`]) {
      const r = sh(cmd, { encoding: 'latin1' });
      assert.is(r.status, 1, cmd);
      assert.match(r.stderr, /z\d+\.gz: invalid|-: invalid/, cmd);
      const got = r.stdout.split('\n').slice(0, -1);
      const want = data.toString('latin1').split('\n').slice(0, got.length);
      let same = 0; while (same < got.length && got[same] === want[same]) same++;
      assert.ok(same >= intact, `${cmd}: ${same} intact lines, zlib inflated ${intact} before the flipped byte`);
    }
  }
});

test('bgzip-style members (a FEXTRA-only header each) through a pipe written in small pieces: every record (a header cut in its extra field lost the rest)', () => {
  const d = tmpdir();
  const member = (t) => {
    const data = Buffer.from(t), body = zlib.deflateRawSync(data);
    const head = Buffer.from([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, 0x42, 0x43, 2, 0, 0, 0]);
    head.writeUInt16LE(Math.min(0xffff, head.length + body.length + 7), 16);
    const tail = Buffer.alloc(8); tail.writeUInt32LE(zlib.crc32(data) >>> 0, 0); tail.writeUInt32LE(data.length, 4);
    return Buffer.concat([head, body, tail]);
  };
  const parts = [];
  for (let at = 0; at < text.length; at += 20000) parts.push(member(text.slice(at, at + 20000)));
  parts.push(member(''));
  fs.writeFileSync(`${d}/b.gz`, Buffer.concat(parts));
  // (each piece written after the last was read: the reader's reads end where the pieces do)
  const writer = `node -e "const b=require('fs').readFileSync(process.argv[1]);let i=0;const w=()=>{if(i<b.length)process.stdout.write(b.subarray(i,i+=4014),()=>setTimeout(w,1))};w()" ${d}/b.gz`;
  for (const cmd of [`${writer} | where 'a>=0'`, `${writer} | from-json`, `where -i ${d}/b.gz 'a>=0'`]) {
    const r = sh(cmd);
    assert.is(r.stderr, '', cmd);
    assert.is(r.status, 0, cmd);
    same(r.stdout.split('\n').slice(0, -1), wantLines(), cmd);
  }
});

test('a run that stops itself (--strict) over a gzip pipe whose writer goes quiet ends then, not when the writer writes again or ends', () => {
  const d = tmpdir();
  // the writer: a gzip member's first lines, flushed, then nothing for 60 s (it is killed after the tool)
  fs.writeFileSync(`${d}/w.cjs`, `const zlib = require('zlib'); const g = zlib.createGzip(); g.pipe(process.stdout);
g.write('{"a":1}\\nbad\\n{"a":2}\\n'); g.flush(zlib.constants.Z_SYNC_FLUSH); setTimeout(() => g.end(), 60000);`);
  // (timeout's 124 would say the tool waited for the writer)
  for (const tool of [`where --strict 'a>0'`, `event-pipes where --strict 'a>0' then count-by a`, `count-by a --strict`]) {
    const r = sh(`rm -f ${d}/p; mkfifo ${d}/p; node ${d}/w.cjs > ${d}/p 2> /dev/null & w=$!; timeout 20 ${tool} < ${d}/p; st=$?; kill $w; echo "status $st"`);
    assert.match(r.stdout, /status 1\n$/, `${tool}: ${r.stdout} ${r.stderr}`);
    assert.match(r.stderr, /-:2: malformed JSON/, tool);
  }
});

test.run();
