// to-csv: its output read back by an RFC 4180 parser written here (independent of core/csv.ts) and by
// from-csv, compared value by value with the records; the CSV round trip from-csv | to-csv on tricky
// data (byte for byte); columns in first-seen order across records, also through the temporary file of
// rows; --fields with dotted paths, --tsv, --delimiter, --crlf, --no-header; numbers as written; bad
// records and exit statuses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { root, sh, tmpdir, lines, withReal } from '../helpers/sh.mjs';
import { rng } from '../helpers/json-grammar.mjs';

/** RFC 4180 (section 2) read strictly: records of fields; CRLF or LF ends a record (--crlf or not) */
function readCsv(text, delim = ',') {
  const rows = [];
  let i = 0, row = [], field = '', quoted = false;
  const endField = () => { row.push(quoted ? { q: field } : field); field = ''; quoted = false; };
  while (i < text.length) {
    const c = text[i];
    if (field === '' && !quoted && c === '"' ) {
      quoted = true; i++;
      for (;;) {
        if (i >= text.length) throw new Error('unclosed quote');
        if (text[i] === '"') { if (text[i + 1] === '"') { field += '"'; i += 2; continue; } i++; break; }
        field += text[i++];
      }
      const n = text[i];
      if (n !== undefined && n !== delim && n !== '\n' && n !== '\r') throw new Error(`text after a closing quote at ${i}`);
      continue;
    }
    if (c === delim) { endField(); i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { endField(); rows.push(row); row = []; i += 2; continue; }
    if (c === '\n') { endField(); rows.push(row); row = []; i++; continue; }
    if (c === '"' || c === '\r') throw new Error(`stray ${JSON.stringify(c)} at ${i}`);
    field += c; i++;
  }
  if (field !== '' || quoted || row.length) { endField(); rows.push(row); }
  return rows;
}
/** a parsed field as text ("" quoted and unquoted empty alike), and whether it was quoted */
const text = (f) => (typeof f === 'string' ? f : f.q);

/** what a JSON value must become as a cell's text (independent of the tool: from the value's JSON text) */
function expected(raw) {
  if (raw === undefined || raw === 'null') return '';
  if (raw[0] === '"') return JSON.parse(raw);
  return raw.replace(/\s+(?=(?:[^"\\]|\\.|"(?:[^"\\]|\\.)*")*$)/g, ''); // numbers and literals as written; objects/arrays without blanks
}

const toCsv = (args, input) => sh(`to-csv ${args}`, { input });

// ---- random records read back ----

const STRINGS = ['plain', 'a,b', 'say "hi"', 'line\nbreak', 'cr\rhere', 'crlf\r\nx', '', ' spaced ', '中文 😀', 'tab\there', '"', ',', 'é', '\\back\\', '=1+2', 'null', '007', '1e5'];
const NUMBERS = ['0', '-1', '1.50', '12345678901234567890', '-9223372036854775808', '1E400', '2.5e-3', '1e5'];
function randomRecords(seed, n) {
  const r = rng(seed);
  const keys = ['id', 'name', 'note', 'n', 'flag', 'nested', 'late_a', 'late_b'];
  const out = [];
  for (let k = 0; k < n; k++) {
    const members = [];
    for (const key of keys) {
      if (key.startsWith('late') && k < n / 2) continue; // fields first seen late
      if (r.chance(0.2)) continue; // missing
      const t = r.int(6);
      let v;
      if (t === 0) v = JSON.stringify(r.pick(STRINGS));
      else if (t === 1) v = r.pick(NUMBERS);
      else if (t === 2) v = r.pick(['true', 'false', 'null']);
      else if (t === 3) v = r.pick(['{"a": 1, "b": "x, y"}', '[1, "two", null]', '{}', '[]', '{"q":"say \\"hi\\""}']);
      else v = JSON.stringify(r.pick(STRINGS) + k);
      members.push([key, v]);
    }
    if (r.chance(0.3)) members.reverse(); // key order differs between records
    out.push(members);
  }
  return out;
}
const line = (members) => '{' + members.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ') + '}';

test('random records: read back by an independent RFC 4180 parser, every cell as expected, columns in first-seen order', () => {
  for (const [seed, args, delim] of [[1, '', ','], [2, '--crlf', ','], [3, '--tsv', '\t'], [4, "--delimiter ';'", ';']]) {
    const recs = randomRecords(seed, 300);
    const r = toCsv(args, recs.map(line).join('\n') + '\n');
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stderr, '');
    if (args === '--crlf') assert.not.match(r.stdout.replace(/\r\n/g, ''), /^[^"]*\n/); // every row ends with CRLF
    const rows = readCsv(r.stdout, delim);
    const order = [];
    for (const m of recs) for (const [k] of m) if (!order.includes(k)) order.push(k);
    assert.equal(rows[0].map(text), order);
    assert.is(rows.length, recs.length + 1);
    recs.forEach((m, k) => {
      const want = order.map((c) => expected(m.find(([key]) => key === c)?.[1]));
      assert.equal(rows[k + 1].map(text), want, `record ${k + 1}: ${line(m)}`);
      // empty string and null stay apart: "" is quoted, null and missing are empty unquoted
      order.forEach((c, j) => {
        const v = m.find(([key]) => key === c)?.[1];
        if (v === '""') assert.equal(rows[k + 1][j], { q: '' });
        if (v === undefined || v === 'null') assert.is(rows[k + 1][j], '');
      });
    });
  }
});

test('from-csv reads to-csv back: the records (strings kept as text with --no-infer; with inference, as it reads them)', () => {
  const recs = randomRecords(5, 200);
  const input = recs.map(line).join('\n') + '\n';
  const r = sh('to-csv | from-csv --no-infer', { input });
  assert.is(r.status, 0, r.stderr);
  const back = lines(r.stdout);
  const order = Object.keys(back[0]);
  recs.forEach((m, k) => {
    for (const c of order) {
      const v = m.find(([key]) => key === c)?.[1];
      assert.is(back[k][c], v === undefined || v === 'null' ? null : expected(v), `record ${k + 1} ${c}`);
    }
  });
  // the numbers come back exactly with inference on (64-bit ids too)
  const n = sh('to-csv | from-csv', { input: '{"id":12345678901234567890,"x":1.50,"s":"007"}\n' });
  assert.is(n.stdout, '{"id":12345678901234567890,"x":1.50,"s":"007"}\n');
});

test('CSV round trip: from-csv | to-csv gives back the same bytes for tricky data (comma and tab, LF and --crlf)', () => {
  // cells as a CSV writer quotes them when it must (null: an empty field; '' the empty string)
  const table = [
    ['id', 'name', 'note', 'n', 'empty', 'uni'],
    ['1', 'a,b', 'say "hi"\nthere', '007', '', '中文 😀'],
    ['2', null, 'x\r\ny', '1.50', null, 'tab\there'],
    ['3', ' lead', 'a"b', '12345678901234567890', '', 'é'],
    ['4', 'plain', 'quote " and, comma', '-0', null, '\r'],
  ];
  for (const delim of [',', '\t']) {
    for (const eol of ['\n', '\r\n']) {
      const cell = (v) => (v === null ? '' : v === '' ? '""' : v.includes(delim) || /["\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
      const csv = table.map((r) => r.map(cell).join(delim)).join(eol) + eol;
      const opt = (delim === '\t' ? '--tsv ' : '') + (eol === '\r\n' ? '--crlf' : '');
      const r = sh(`from-csv ${delim === '\t' ? '--tsv' : ''} | to-csv ${opt}`, { input: csv });
      assert.is(r.status, 0, r.stderr);
      assert.is(r.stdout, csv, `${JSON.stringify(delim)} ${JSON.stringify(eol)}`);
    }
  }
});

test('--fields: dotted paths, order, missing fields empty, streaming (header even with no input), a warning for a field no record has', () => {
  const input = '{"a":1,"ctx":{"os":{"name":"iOS"},"v":[1, 2]},"b":"x"}\n{"b":"y","ctx":{"os":"flat"}}\n{"a.b":"dot"}\n';
  const r = toCsv('--fields b,ctx.os.name,ctx.v,a,a\\\\.b,zz', input);
  assert.is(r.stdout, 'b,ctx.os.name,ctx.v,a,a.b,zz\nx,iOS,"[1,2]",1,,\ny,,,,,\n,,,,dot,\n');
  assert.is(r.stderr, 'to-csv: --fields names no field of the input: zz (empty columns)\n');
  assert.is(toCsv('--fields a,b', '').stdout, 'a,b\n');
  assert.is(toCsv('--fields a,b --no-header', '{"b":2}\n').stdout, ',2\n');
  assert.is(toCsv('--fields a --tsv', '{"a":"x\\ty"}\n{"a":""}\n{"b":1}\n').stdout, 'a\n"x\ty"\n""\n""\n');
});

test('--fields streams: a row is out while the input is still open (--line-buffered)', async () => {
  const child = spawn(`${root}/bin/to-csv`, ['--fields', 'a', '--line-buffered'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const closed = new Promise((r) => child.on('close', r));
  try {
    child.stdin.write('{"a":1}\n');
    const t0 = Date.now();
    while (out !== 'a\n1\n' && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    assert.is(out, 'a\n1\n');
  } finally {
    child.stdin.end('{"a":2}\n');
    await closed;
  }
  assert.is(out, 'a\n1\n2\n');
});

test('without --fields: every top-level field in first-seen order, through the temporary file of rows beyond 32 MiB', () => {
  const d = tmpdir();
  // 45 MB: early records have a,b; a late field c appears at the end; repeated keys: the last wins
  sh(`awk 'BEGIN { for (i = 0; i < 300000; i++) printf "{\\"b\\":\\"%0120d\\",\\"a\\":%d}\\n", i, i; print "{\\"c\\":\\"late\\",\\"a\\":1,\\"a\\":2}" }' > ${d}/in.ndjson`);
  assert.ok(fs.statSync(`${d}/in.ndjson`).size > 40e6);
  const r = sh(`to-csv ${d}/in.ndjson > ${d}/out.csv`, { env: { TMPDIR: d } });
  assert.is(r.status, 0, r.stderr);
  const out = fs.readFileSync(`${d}/out.csv`, 'utf8').split('\n');
  assert.is(out[0], 'b,a,c');
  assert.is(out[1], `${'0'.repeat(120)},0,`);
  assert.is(out[300000], `${String(299999).padStart(120, '0')},299999,`);
  assert.is(out[300001], ',2,late');
  assert.is(out.length, 300003);
  assert.equal(fs.readdirSync(d).sort(), ['in.ndjson', 'out.csv'], 'no temporary file left');
});

test('bad records: not JSON objects (the core\'s reasons), a lone surrogate (bad string); every record rejected exits 1; usage errors exit 2', () => {
  const r = toCsv('', '{"a":1}\n[1]\n{"a":"\\ud800","b":"new"}\n{"a":"\\ud83d\\ude00"}\n{"a":2\n');
  assert.is(r.status, 0);
  assert.is(r.stdout, 'a\n1\n😀\n');
  const err = r.stderr.split('\n');
  assert.is(err[0], 'to-csv: -:2: not a JSON object: a JSON array (from-json reads such files)');
  assert.is(err[1], 'to-csv: -:3: bad string: a string holds an escaped lone surrogate (\\uD800-\\uDFFF without its pair): it has no UTF-8 form');
  assert.match(err[2], /^to-csv: -:5: malformed JSON: /);
  assert.is(err[3], 'to-csv: 3 bad records skipped (not a JSON object: 1, bad string: 1, malformed JSON: 1)');
  assert.is(err.length, 5);
  assert.is(toCsv('', 'x\n').status, 1);
  // a field name with a lone surrogate: no UTF-8 form either (two such names were one header cell)
  const k = toCsv('', '{"a":1}\n{"\\ud800":1,"\\udc00":2}\n{"a":"\\ud83d\\ude00","b":3}\n');
  assert.is(k.stdout, 'a,b\n1,\n😀,3\n');
  assert.is(k.stderr.split('\n')[0], 'to-csv: -:2: bad string: a field name holds an escaped lone surrogate (\\uD800-\\uDFFF without its pair): it has no UTF-8 form');
  for (const bad of ["--delimiter ''", '--delimiter ab', "--delimiter '\"'", '--tsv --delimiter ";"']) {
    const u = sh(`to-csv ${bad} < /dev/null`);
    assert.is(u.status, 2, bad);
    assert.match(u.stderr, /^to-csv: .*\(try 'to-csv --help'\)\n$/, bad);
  }
});

withReal(test)('the Sliide examples: 75 rows of 12 columns; nested arrays as their JSON text; ids and timestamps as written', () => {
  const r = sh('from-json ../shared/data/real/sliide/user_engagement.examples.json | to-csv');
  const rows = readCsv(r.stdout);
  assert.is(rows.length, 76);
  assert.ok(rows.every((x) => x.length === 12));
  const params = rows[1][rows[0].indexOf('event_params')];
  assert.match(text(params), /^\[\{"key":"ga_session_id","value":\{"int_value":"1577709107"\}\}/);
  assert.is(text(rows[1][rows[0].indexOf('event_timestamp')]), '1577709647247003');
});

test.run();
