// from-json: the handout's array and `jq .` output back to the sample's records; the grammar checked
// exactly as the core checks a line (the conformance corpus and generated mutants against the reference
// checker of test/helpers/json-grammar.mjs); the same answers however the input is cut into chunks;
// resynchronisation (one broken element never costs another, in every line-oriented layout, for every
// kind of mutation); errors with their lines and columns, --strict, --rejects, exit statuses; memory
// bounded by the largest element (the reader's buffer, and the bin's RSS on 50 MB inputs).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { sh, tmpdir, real, hasReal, withReal } from '../helpers/sh.mjs';
import { Generator, Mutator, parse, JsonError, VALUE_CASES, LINE_CASES, valueEqual } from '../helpers/json-grammar.mjs';
import { JsonStreamReader, compact } from '../../dist/core/json-stream.js';

const sliide = path.join(real, 'sliide');
const hasJq = sh('command -v jq').status === 0;

/** run the reader over `buf` cut into chunks of the given sizes (cycled); elements and errors in order */
function scan(buf, sizes = null, maxRecord = 1 << 20) {
  const out = [];
  const r = new JsonStreamReader({
    element(b, s, e, info) { out.push({ el: compact(b, s, e).toString('latin1'), object: info.object, line: info.line, column: info.column, index: info.index }); },
    bad(raw, line, reason, detail) { out.push({ bad: raw.toString('latin1'), line, reason, detail }); },
  }, maxRecord, 16);
  let at = 0, k = 0;
  while (at < buf.length) { const n = sizes ? sizes[k++ % sizes.length] : buf.length; r.push(buf.subarray(at, at + n)); at += n; }
  r.end();
  return out;
}
const els = (out) => out.filter((x) => x.el !== undefined);
const bads = (out) => out.filter((x) => x.bad !== undefined);
const ref = (buf) => { try { return { ok: true, v: parse(buf) }; } catch (e) { if (e instanceof JsonError) return { ok: false }; throw e; } };

/** pretty-print valid compact JSON (a latin1 string of its bytes) the way jq . does, from indent `base` */
function pretty(t, base = 0) {
  let out = '', d = base, i = 0;
  const nl = () => '\n' + '  '.repeat(d);
  while (i < t.length) {
    const c = t[i];
    if (c === '"') { let j = i + 1; while (t[j] !== '"') { if (t[j] === '\\') j++; j++; } out += t.slice(i, j + 1); i = j + 1; continue; }
    if (c === '{' || c === '[') { const close = c === '{' ? '}' : ']'; if (t[i + 1] === close) { out += c + close; i += 2; continue; } d++; out += c + nl(); i++; continue; }
    if (c === '}' || c === ']') { d--; out += nl() + c; i++; continue; }
    if (c === ',') { out += ',' + nl(); i++; continue; }
    if (c === ':') { out += ': '; i++; continue; }
    out += c; i++;
  }
  return out;
}
const fromJson = (args, input, opts = {}) => sh(`from-json ${args}`, { input, ...opts });

// ---- the handout ----

withReal(test)('the Sliide handout array gives its 75 records: byte for byte the sample\'s user_engagement lines', () => {
  const r = sh(`from-json ${sliide}/user_engagement.examples.json`);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
  const out = r.stdout.split('\n').slice(0, -1);
  assert.is(out.length, 75);
  const sample = fs.readFileSync(`${sliide}/bq-results-sample-data.jsons`, 'utf8').split('\n').filter((l) => l.includes('"event_name":"user_engagement"'));
  assert.equal(out, sample);
});

(hasJq ? withReal(test) : test.skip)('jq . of the 1,000-line sample | from-json: the 1,000 records back, equal in value and byte for byte', () => {
  const file = `${sliide}/bq-results-sample-data.jsons`;
  const r = sh(`jq . ${file} | from-json`);
  assert.is(r.status, 0, r.stderr);
  const out = r.stdout.split('\n').slice(0, -1);
  const orig = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  assert.is(out.length, 1000);
  // values (numbers exact), then bytes: jq keeps this sample's bytes (its INT64 values are strings)
  out.forEach((l, k) => assert.ok(valueEqual(parse(Buffer.from(orig[k])), parse(Buffer.from(l))), `record ${k + 1}`));
  assert.is(r.stdout, sh(`jq -c . ${file}`).stdout);
  assert.equal(out, orig);
  // the same from the handout's array pretty-printed
  const a = sh(`jq . ${sliide}/user_engagement.examples.json | from-json | md5sum; from-json ${sliide}/user_engagement.examples.json | md5sum`);
  const [x, y] = a.stdout.trim().split('\n');
  assert.is(x, y);
});

test('64-bit ids and numbers a double cannot hold stay exact through pretty-printed input (jq 1.6 would round them)', () => {
  const recs = ['{"id":12345678901234567890,"n":9007199254740993,"x":1E400,"y":1.50,"z":-0.0e-0}', '{"id":18446744073709551616,"s":"\\u00e9\\/\\"","k":[1e-400,0.10000000000000000001]}'];
  const r = fromJson('', recs.map((t) => pretty(t)).join('\n') + '\n');
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, recs.join('\n') + '\n');
});

// ---- layouts ----

test('concatenated documents without separators, whitespace and newlines everywhere, arrays of arrays', () => {
  const cases = [
    ['{"a":1}{"b":2}', ['{"a":1}', '{"b":2}']],
    ['{"a":1}\n\n  {"b":2} \t{"c":3}\r\n', ['{"a":1}', '{"b":2}', '{"c":3}']],
    [' [ \n{ "a" :\n1 , "b"\t: [ 1 ,2 ] } ,\r\n {"c":{ } } ] [{"d":null}]{"e":true}', ['{"a":1,"b":[1,2]}', '{"c":{}}', '{"d":null}', '{"e":true}']],
    ['[]\n[ ]\n{}', ['{}']],
    ['\x1e{"a":1}\n\x1e[{"b":2}]\n', ['{"a":1}', '{"b":2}']], // RFC 7464 (jq --seq)
    ['[{"a":"x y, z: {w}"} ,{"b":"\\"}"}]', ['{"a":"x y, z: {w}"}', '{"b":"\\"}"}']],
  ];
  for (const [input, want] of cases) {
    const r = fromJson('', input);
    assert.is(r.stderr, '', input);
    assert.is(r.status, 0);
    assert.equal(r.stdout.split('\n').slice(0, -1), want, input);
  }
});

test('NDJSON passes byte for byte (escapes, key order, duplicate keys, numbers as written); blanks inside a line are dropped', () => {
  const lines = ['{"a":1,"a":2,"z":"\\u00e9","b":1.50}', '{"event":"x","ts":1583665082481057,"big":123456789012345678901234567890}', '{}'];
  const r = fromJson('', lines.join('\n') + '\n');
  assert.is(r.stdout, lines.join('\n') + '\n');
  const r2 = fromJson('', '{ "a" : 1 ,\t"b":[ 1, "x y" ] }\r\n');
  assert.is(r2.stdout, '{"a":1,"b":[1,"x y"]}\n');
});

test('non-objects: rejected as "not a JSON object" with their position, or --wrap KEY', () => {
  const r = fromJson('', '[1, "x", {"a":1}, [2], null]\n3 "y"\n');
  assert.is(r.status, 0);
  assert.is(r.stdout, '{"a":1}\n');
  assert.is(r.stderr, [
    'from-json: -:1: not a JSON object: a number (element 1 of the array, column 2)',
    'from-json: -:1: not a JSON object: a string (element 2 of the array, column 5)',
    'from-json: -:1: not a JSON object: an array (element 4 of the array, column 19)',
    'from-json: -:1: not a JSON object: null (element 5 of the array, column 24)',
    'from-json: -:2: not a JSON object: a number (column 1)',
    'from-json: -:2: not a JSON object: a string (column 3)',
    'from-json: 6 bad records skipped (not a JSON object: 6)', ''].join('\n'));
  const w = fromJson('--wrap v', '[1, "x", {"a":1}, [2, {"b": 3}], null, 1E400]');
  assert.is(w.stdout, '{"v":1}\n{"v":"x"}\n{"a":1}\n{"v":[2,{"b":3}]}\n{"v":null}\n{"v":1E400}\n');
  assert.is(fromJson('', '[1,2]').status, 1, 'every record rejected: exit 1');
});

// ---- the grammar, as the core checks a line ----

test('conformance: every case and 20,000 generated texts and mutants, accepted exactly when the reference checker accepts an object', () => {
  const texts = [];
  for (const [, b] of VALUE_CASES) texts.push(Buffer.concat([Buffer.from('{"v":'), b, Buffer.from('}')]));
  for (const [name, b, kind] of LINE_CASES) if (kind !== 'blank' && name !== 'top_bom_not_at_input_start') texts.push(b); // a BOM at the input's start is skipped
  const g = new Generator(8259), m = new Mutator(8260);
  for (let k = 0; k < 10000; k++) {
    const t = Buffer.from(`{"v":${g.value()}, "w":\t${g.value()}}`, 'utf8');
    texts.push(t, m.mutate(t).buf);
  }
  texts.push(Buffer.from(`{"d":${g.deep(1022)}}`), Buffer.from(`{"d":${g.deep(1023)}}`)); // 1024 levels with the record, and 1025
  let accepted = 0, rejected = 0;
  for (const t of texts) {
    const want = ref(t);
    const out = scan(t);
    const one = out.length === 1 && out[0].el !== undefined && out[0].object;
    assert.is(one, want.ok && want.v instanceof Map, `${JSON.stringify(t.toString('latin1')).slice(0, 200)}: ${JSON.stringify(out).slice(0, 300)}`);
    if (one) {
      accepted++;
      assert.ok(valueEqual(want.v, parse(Buffer.from(out[0].el, 'latin1'))));
      assert.is(out[0].el, compact(t, 0, t.length).toString('latin1'));
    } else if (!want.ok) {
      rejected++;
      // invalid as one text: an error, unless it is several valid documents in a row (`{"a":1} {}`)
      if (bads(out).length === 0) {
        assert.ok(out.length > 1, `no error for ${JSON.stringify(t.toString('latin1')).slice(0, 200)}`);
        assert.is(out.map((x) => x.el).join(''), compact(t, 0, t.length).toString('latin1'));
        for (const x of out) assert.ok(ref(Buffer.from(x.el, 'latin1')).ok);
      }
    }
  }
  assert.ok(accepted > 5000 && rejected > 5000, `${accepted} accepted, ${rejected} rejected`);
});

test('the same elements, errors, lines and columns however the input is cut into chunks (every layout, valid and mutated)', () => {
  const g = new Generator(33), m = new Mutator(34);
  for (let k = 0; k < 400; k++) {
    const recs = Array.from({ length: 4 }, () => { const b = Buffer.from(`{"id":${k},"v":${g.value()},"w":${g.value()}}`); return compact(b, 0, b.length).toString('latin1'); });
    const layouts = [recs.join('\n'), '[\n' + recs.map((t) => '  ' + pretty(t, 1)).join(',\n') + '\n]', recs.map((t) => pretty(t)).join('\n'), '[' + recs.join(',') + ']', recs.join('')];
    for (const l of layouts) {
      let buf = Buffer.from(l, 'latin1');
      if (k % 2) buf = m.mutate(buf).buf;
      const whole = JSON.stringify(scan(buf, null, 2048));
      for (const sizes of [[1], [2, 7, 3], [100], [4000, 1]]) assert.is(JSON.stringify(scan(buf, sizes, 2048)), whole, `${JSON.stringify(buf.toString('latin1')).slice(0, 200)} in chunks of ${sizes}`);
    }
  }
});

// ---- resynchronisation ----

test('one broken element costs that element only: NDJSON, array of lines, pretty array, pretty documents, every kind of mutation', () => {
  const layouts = {
    ndjson: (rs) => rs.join('\n') + '\n',
    arrayLines: (rs) => '[\n' + rs.join(',\n') + '\n]\n',
    pretty: (rs) => '[\n' + rs.map((r) => '  ' + r).join(',\n') + '\n]\n',
    prettyDocs: (rs) => rs.join('\n') + '\n',
  };
  const g = new Generator(11), m = new Mutator(12);
  let tried = 0;
  for (let k = 0; k < 1200; k++) {
    const texts = Array.from({ length: 6 }, () => { const b = Buffer.from(`{"id":${k},"v":${g.value()},"w":${g.value()}}`); return compact(b, 0, b.length).toString('latin1'); });
    for (const [name, lay] of Object.entries(layouts)) {
      const form = texts.map((t) => (name.startsWith('pretty') ? pretty(t, name === 'pretty' ? 1 : 0).replace(/^ {2}/, '') : t));
      const at = 1 + (k % 4);
      const kind = Mutator.KINDS[k % Mutator.KINDS.length];
      const mu = m.mutate(Buffer.from(form[at], 'latin1'), kind);
      if (ref(mu.buf).ok) continue;
      const tail = mu.buf.toString('latin1');
      // valid JSON after a valid object (`{...} {}`, `{...} 1`) is more documents, not an error
      if (mu.kind === 'junk after value' && / (\{\}|1)$/.test(tail)) continue;
      const pieces = form.slice();
      pieces[at] = tail;
      const out = scan(Buffer.from(lay(pieces), 'latin1'));
      const got = els(out).map((x) => x.el);
      const before = texts.slice(0, at), after = texts.slice(at + 1);
      const what = `${name}/${mu.kind}: ${JSON.stringify(tail).slice(0, 200)}`;
      assert.equal(got.slice(0, before.length), before, what);
      assert.equal(got.slice(got.length - after.length), after, what);
      for (const x of got.slice(before.length, got.length - after.length)) assert.ok(ref(Buffer.from(x, 'latin1')).ok, what); // whatever else comes out is valid
      assert.ok(bads(out).length > 0, what);
      tried++;
    }
  }
  assert.ok(tried > 3000, String(tried));
});

test('within one line: a bad value, escape, number, literal, UTF-8 or a stray quote costs its element only', () => {
  const cases = [
    '{"b":NaN}', '{"b":"\\x"}', '{"b":012}', '{"b":tru}', '{"b":"x"y"}', '{"b":"say "hi" now"}', '{"a":"x,"b":2}', '{"b":"a\tb"}', '{"b":[1,,2]}', '{"b" 1}',
  ];
  for (const bad of cases) {
    for (const input of [`[{"a":1},${bad},{"c":3}]`, `{"a":1}${bad}{"c":3}`, `{"a":1} ${bad} {"c":3}`]) {
      const out = scan(Buffer.from(input, 'latin1'));
      assert.equal(els(out).map((x) => x.el), ['{"a":1}', '{"c":3}'], input);
      assert.is(bads(out).length, 1, `${input}: ${JSON.stringify(bads(out))}`);
      assert.is(bads(out)[0].bad, bad, input);
    }
  }
});

test('errors: line and column of the error, the element\'s first line, raw text in --rejects (json), --strict', () => {
  const d = tmpdir();
  const input = '[\n  {\n    "a": 1,\n    "b": [1, 2}\n  },\n  {\n    "c": "x\\q"\n  },\n  {\n    "d": 4\n  }\n]\n';
  const r = fromJson(`--rejects ${d}/bad.json --rejects-format json`, input);
  assert.is(r.status, 0);
  assert.is(r.stdout, '{"d":4}\n');
  assert.is(r.stderr, [
    "from-json: -:4: malformed JSON: unexpected '}' at column 15 (in the element from line 2)",
    'from-json: -:7: malformed JSON: bad escape in a string at column 12 (in the element from line 6)',
    'from-json: 2 bad records skipped (malformed JSON: 2); JSON records in ' + `${d}/bad.json`, ''].join('\n'));
  const rej = fs.readFileSync(`${d}/bad.json`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(rej.map((x) => [x.line, x.raw]), [[4, '{\n    "a": 1,\n    "b": [1, 2}\n  },'], [7, '{\n    "c": "x\\q"\n  },']]);
  const s = fromJson('--strict', '{"a":1}\n{"b":x}\n{"c":3}\n');
  assert.is(s.status, 1);
  assert.is(s.stdout, '{"a":1}\n');
  assert.match(s.stderr, "from-json: -:2: malformed JSON: expected a value but found 'x' at column 6\nfrom-json: stopped at the first bad record (--strict)\n");
});

test('truncated inputs and broken arrays: the elements before are kept, the damage reported once', () => {
  const cases = [
    ['[{"a":1},{"b":2', ['{"a":1}'], /-:1: malformed JSON: unexpected end of input \(the element is not closed\) at column 16\n/],
    ['[{"a":1},{"b":2},', ['{"a":1}', '{"b":2}'], /-:1: malformed JSON: unexpected end of input: the array opened on line 1 is not closed\n/],
    ['[{"a":1},]', ['{"a":1}'], /expected a value after ',' but found '\]' at column 10 \(a trailing comma\)/],
    ['{"a":1}\n{"b":"tr\n{"c":3}\n', ['{"a":1}', '{"c":3}'], /-:2: malformed JSON: control character in a string/],
    ['{"a":1}\n{"b":\n{"c":3}\n', ['{"a":1}', '{"c":3}'], /-:2: malformed JSON: the element from line 2 is not closed at the end of line 2, and line 3 starts the next one/],
    ['[{"a":1}\n{"b":2}\n{"c":3}\n', ['{"a":1}', '{"b":2}', '{"c":3}'], /the array opened on line 1 is not closed before line 2, which starts a new document/],
    ['[\n  {"a":1}\n  {"b":2},\n  {"c":3}\n]', ['{"a":1}', '{"c":3}'], /-:3: malformed JSON: expected ',' or '\]' after element 1 of the array but found '\{' at column 3/],
    ['ERROR: something [x] {y}\n{"ok":1}\n', ['{"ok":1}'], /-:1: malformed JSON: expected a JSON value but found 'E' at column 1\n/],
  ];
  for (const [input, want, err] of cases) {
    const r = fromJson('', input);
    assert.equal(r.stdout.split('\n').slice(0, -1), want, input);
    assert.match(r.stderr, err, input);
    assert.match(r.stderr, /1 bad record skipped/, input);
  }
});

test('inputs: files and stdin in turn, gzip, a BOM, a missing file (exit 1, the others read), | head exits 0, usage errors exit 2', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/a.json`, '\ufeff[{"a":1},\n{"a":2}]');
  fs.writeFileSync(`${d}/b.json.gz`, zlib.gzipSync('{"b":1}\n{"b":2}'));
  const r = sh(`from-json ${d}/a.json ${d}/missing.json ${d}/b.json.gz - < ${d}/a.json`);
  assert.is(r.status, 1);
  assert.is(r.stdout, '{"a":1}\n{"a":2}\n{"b":1}\n{"b":2}\n{"a":1}\n{"a":2}\n');
  assert.is(r.stderr, `from-json: ${d}/missing.json: no such file\n`);
  const big = '[' + Array.from({ length: 200000 }, (_, k) => `{"k":${k}}`).join(',') + ']';
  const h = sh('from-json | head -2', { input: big });
  assert.is(h.status, 0, h.stderr);
  assert.is(h.stdout, '{"k":0}\n{"k":1}\n');
  assert.is(h.stderr, '');
  for (const bad of ['--max-record-bytes 10', '--max-record-bytes x', "--wrap ''"]) {
    const u = sh(`from-json ${bad} < /dev/null`);
    assert.is(u.status, 2, bad);
    assert.match(u.stderr, /^from-json: .*\(try 'from-json --help'\)\n$/, bad);
  }
  assert.is(sh('from-json < /dev/null').status, 0);
});

// ---- memory ----

test('memory: the reader buffer stays the size of the largest element, not the input (50 MB array in 64 KiB pushes)', () => {
  const el = (k) => `{"k":${k},"s":"${'x'.repeat(200)}"}`;
  const parts = [];
  for (let k = 0; k < 240000; k++) parts.push(el(k));
  const input = Buffer.from('[' + parts.join(',\n') + ']');
  assert.ok(input.length > 50e6);
  let n = 0, maxCap = 0;
  const r = new JsonStreamReader({ element() { n++; }, bad() { throw new Error('no error expected'); } }, 4096);
  for (let at = 0; at < input.length; at += 1 << 16) {
    const { buf, at: o } = r.space(1 << 16);
    const c = input.copy(buf, o, at, Math.min(input.length, at + (1 << 16)));
    r.commit(c);
    maxCap = Math.max(maxCap, r.capacity());
  }
  r.end();
  assert.is(n, 240000);
  assert.ok(maxCap <= 1 << 18, `buffer grew to ${maxCap}`);
});

test('memory: the bin holds ~60 MB for a 50 MB array and for a 50 MB element over --max-record-bytes (rejected, the rest read)', () => {
  if (sh('test -x /usr/bin/time').status !== 0) return;
  const d = tmpdir();
  const els = Array.from({ length: 200000 }, (_, k) => `{"k":${k},"s":"${'y'.repeat(230)}"}`);
  fs.writeFileSync(`${d}/arr.json`, '[' + els.join(',') + ']');
  fs.writeFileSync(`${d}/one.json`, `[{"a":1},{"big":"${'x'.repeat(50 << 20)}"},{"c":3}]`);
  const a = sh(`/usr/bin/time -f %M from-json ${d}/arr.json 2>&1 >/dev/null`);
  assert.ok(Number(a.stdout.trim()) < 120000, `RSS ${a.stdout} KB`);
  const b = sh(`/usr/bin/time -f %M from-json --max-record-bytes 1048576 --rejects ${d}/rej ${d}/one.json 2>${d}/err`);
  const lines = b.stdout.trim().split('\n');
  assert.equal(lines.slice(0, 2), ['{"a":1}', '{"c":3}']);
  assert.ok(Number(fs.readFileSync(`${d}/err`, 'utf8').trim().split('\n').pop()) < 120000, 'RSS');
  assert.match(fs.readFileSync(`${d}/err`, 'utf8'), 'record too long: the element does not end within 1048576 bytes');
  assert.is(fs.statSync(`${d}/rej`).size, 1048576 + 1);
});

test.run();
