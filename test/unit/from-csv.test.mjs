// from-csv as a strict, lossless RFC 4180 reader under the project's bad-record policy: csv-spectrum
// style conformance cases (our own data), the defects of the issue as regressions (a stray quote cost
// the whole file; a missing file stopped the run; mixed LF/CRLF leaked "\r"; 1E400 became Infinity; a
// BOM broke line 1; --delimiter '' exited 1), every kind of bad record with its line, --rejects and
// --strict, and three properties: a reference writer's random tables read back equal, the inference
// rule against an independent oracle, and the byte reader giving the same records however the input
// is chunked.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { sh, tmpdir, lines } from '../helpers/sh.mjs';
import { CsvScanner, fieldText } from '../../dist/core/csv.js';

let seed = 4180;
const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];

/** stdout as records, after checking that every line is one JSON value without NaN/Infinity */
function records(stdout) {
  if (stdout === '') return [];
  assert.ok(stdout.endsWith('\n'), 'output ends with a newline');
  return stdout.slice(0, -1).split('\n').map((l) => {
    assert.not.match(l, /(?<![\w"])(NaN|-?Infinity)(?![\w"])/, `no NaN/Infinity token: ${l}`);
    return JSON.parse(l);
  });
}
const fromCsv = (args, input, opts = {}) => sh(`from-csv ${args}`, { input, ...opts });

// ---- conformance, in the spirit of csv-spectrum (each case written here) ----
const spectrum = [
  ['comma_in_quotes', 'first,last,address,city,zip\nJohn,Doe,120 any st.,"Anytown, WW",08123\n',
    [{ first: 'John', last: 'Doe', address: '120 any st.', city: 'Anytown, WW', zip: '08123' }]],
  ['empty', 'a,b,c\n1,"",""\n2,3,4\n', [{ a: 1, b: '', c: '' }, { a: 2, b: 3, c: 4 }]],
  ['empty_crlf', 'a,b,c\r\n1,"",""\r\n2,3,4\r\n', [{ a: 1, b: '', c: '' }, { a: 2, b: 3, c: 4 }]],
  ['empty unquoted is null', 'a,b,c\n1,,\n', [{ a: 1, b: null, c: null }]],
  ['escaped_quotes', 'a,b\n1,"ha ""ha"" ha"\n3,4\n', [{ a: 1, b: 'ha "ha" ha' }, { a: 3, b: 4 }]],
  ['json', 'key,val\n1,"{""type"": ""Point"", ""coordinates"": [102.0, 0.5]}"\n',
    [{ key: 1, val: '{"type": "Point", "coordinates": [102.0, 0.5]}' }]],
  ['newlines', 'a,b,c\n1,2,3\n"Once upon \na time",5,6\n7,8,9\n',
    [{ a: 1, b: 2, c: 3 }, { a: 'Once upon \na time', b: 5, c: 6 }, { a: 7, b: 8, c: 9 }]],
  ['newlines_crlf', 'a,b,c\r\n1,2,3\r\n"Once upon \r\na time",5,6\r\n7,8,9\r\n',
    [{ a: 1, b: 2, c: 3 }, { a: 'Once upon \r\na time', b: 5, c: 6 }, { a: 7, b: 8, c: 9 }]],
  ['quotes_and_newlines', 'a,b\n1,"ha \n""ha"" \nha"\n3,4\n', [{ a: 1, b: 'ha \n"ha" \nha' }, { a: 3, b: 4 }]],
  ['simple', 'a,b,c\n1,2,3\n', [{ a: 1, b: 2, c: 3 }]],
  ['simple_crlf', 'a,b,c\r\n1,2,3\r\n', [{ a: 1, b: 2, c: 3 }]],
  ['utf8', 'a,b,c\n1,2,3\n4,5,ʤ\n', [{ a: 1, b: 2, c: 3 }, { a: 4, b: 5, c: 'ʤ' }]],
  ['location with leading zeros', 'zip,code\n"01234",007\n', [{ zip: '01234', code: '007' }]],
  ['delimiter in quotes, quoted header', '"x,y","say ""hi"""\n"1,2","a\tb"\n', [{ 'x,y': '1,2', 'say "hi"': 'a\tb' }]],
  ['last line without terminator', 'a,b\n1,"x"', [{ a: 1, b: 'x' }]],
  ['last line ends in a lone CR', 'a,b\r\n1,2\r', [{ a: 1, b: 2 }]],
  ['blank lines skipped (LF and CRLF)', '\na,b\n\n1,2\r\n\r\n\n3,4\n\n', [{ a: 1, b: 2 }, { a: 3, b: 4 }]],
  ['trailing delimiter is an empty last field', 'a,b\n1,\n', [{ a: 1, b: null }]],
  ['a quoted field of CR, LF, CRLF kept as is', 'a\n"\r|\n|\r\n"\n', [{ a: '\r|\n|\r\n' }]],
  ['backslashes and control characters escaped', 'a\n"\\ \x01 \x1f \t"\n', [{ a: '\\ \x01 \x1f \t' }]],
  ['unicode beyond the BMP', 'a,😀\n"中文","😀😀"\n', [{ a: '中文', '😀': '😀😀' }]],
];
for (const [name, csv, want] of spectrum) {
  test(`conformance: ${name}`, () => {
    const r = fromCsv('', csv);
    assert.is(r.stderr, '');
    assert.is(r.status, 0);
    assert.equal(records(r.stdout), want);
  });
}

// ---- the issue's defects ----
const rows = (n, bad) => ['id,h,x', ...Array.from({ length: n }, (_, i) => (i + 1 === bad ? `${bad},5'3" tall,x` : `${i + 1},h${i + 1},x`))].join('\n') + '\n';

test('one stray quote costs its row only: 1,000 rows, row 500 bad, from a file and from stdin', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/a.csv`, rows(1000, 500));
  for (const [cmd, label] of [[`from-csv ${d}/a.csv`, `${d}/a.csv`], [`from-csv < ${d}/a.csv`, '-']]) {
    const r = sh(cmd);
    assert.is(r.status, 0, r.stderr);
    const out = records(r.stdout);
    assert.is(out.length, 999);
    assert.equal(out.map((o) => o.id), Array.from({ length: 1000 }, (_, i) => i + 1).filter((i) => i !== 500));
    assert.match(r.stderr, `from-csv: ${label}:501: stray quote: `);
    assert.match(r.stderr, 'from-csv: 1 bad record skipped (stray quote: 1)');
  }
});

test('100,000 rows: reading goes on after the bad row; an unclosed quote in a quote-free file costs one line', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/big.csv`, rows(100000, 50000));
  let r = sh(`from-csv ${d}/big.csv | wc -l`);
  assert.is(r.stdout.trim(), '99999');
  // `"` opening a field that never closes: the rest of the file is read, line by line
  fs.writeFileSync(`${d}/open.csv`, rows(100000, 0).replace('\n700,h700,x\n', '\n700,"h700,x\n'));
  r = sh(`from-csv ${d}/open.csv`);
  const out = records(r.stdout);
  assert.is(out.length, 99999);
  assert.is(out[699].id, 701);
  assert.match(r.stderr, /:701: unclosed quote: the quoted field 2 is not closed by the end of the input, found on line 100001/);
  // the opening quote pairs with a later one: still one line lost
  fs.writeFileSync(`${d}/pair.csv`, rows(1000, 0).replace('\n10,h10,x\n', '\n10,"h10,x\n').replace('\n900,h900,x\n', '\n900,"h""900",x\n'));
  r = sh(`from-csv ${d}/pair.csv`);
  const ids = records(r.stdout).map((o) => o.id);
  assert.is(ids.length, 999);
  assert.ok(!ids.includes(10) && ids.includes(11) && ids.includes(900));
  assert.match(r.stderr, ':11: text after closing quote: "h\\"\\"900\\",x" after the closing quote of field 2, found on line 901 (a quote opened on line 11 may be stray: line 11 is rejected alone, reading resumes on line 12)\n');
});

test('insights.sh: one stray quote no longer deletes that day from dau', () => {
  const d = tmpdir();
  sh(`generate-insights --seed 5 --interactions 3000 --users 500 --out ${d}/data`);
  const dir = `${d}/data/interactions`;
  const days = fs.readdirSync(dir).sort().slice(10, 13); // three partitions keep the recipe quick
  const day = days[1];
  const file = `${dir}/${day}`;
  const text = fs.readFileSync(file, 'utf8').trim().split('\n');
  const users = new Set(text.slice(1).map((l) => l.split(',')[0]));
  fs.appendFileSync(file, `u999999,${text[1].split(',')[1]},page_view,p1,500,5'3" tall\n`);
  const r = sh(`scripts/insights.sh --db ${d}/i.db ${days.map((f) => `${dir}/${f}`).join(' ')}`);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, 'stray quote');
  const date = day.slice(5, 15);
  assert.equal(lines(sh(`query-sqlite --db ${d}/i.db "SELECT active_users FROM dau WHERE date = '${date}'"`).stdout), [{ active_users: users.size }]);
});

test('--shard K/N:COLUMN: N runs split the rows by key, each row and each bad row in exactly one run', () => {
  const d = tmpdir();
  const rows = ['user_id,v'];
  for (let i = 0; i < 400; i++) rows.push(`${i % 3 === 0 ? `"u${i % 37}"` : `u${i % 37}`},${i}`);
  rows.push('"u""q",1', '"u""q",2', 'u5,notanumber', 'u6,"stray', 'u7', ',9');
  fs.writeFileSync(`${d}/a.csv`, rows.join('\n') + '\n');
  fs.writeFileSync(`${d}/b.csv`, 'v,user_id\n1,u5\n2,u8\n');
  const whole = sh(`from-csv --types v=int ${d}/a.csv ${d}/b.csv`);
  const runs = [0, 1, 2].map((k) => sh(`from-csv --types v=int --shard ${k}/3:user_id ${d}/a.csv ${d}/b.csv`));
  for (const r of runs) assert.is(r.status, 0, r.stderr);
  const got = runs.flatMap((r) => records(r.stdout));
  assert.equal(got.map((x) => JSON.stringify(x)).sort(), records(whole.stdout).map((x) => JSON.stringify(x)).sort());
  // every key in one run only (quoted or not, doubled quotes undone), and every run holds some
  const owner = new Map();
  runs.forEach((r, k) => { const xs = records(r.stdout); assert.ok(xs.length > 0); for (const x of xs) { assert.ok((owner.get(x.user_id) ?? k) === k, String(x.user_id)); owner.set(x.user_id, k); } });
  assert.ok(owner.has('u"q'));
  // the bad rows (a bad value, a stray quote, a short row): each reported by one run, the total as one run
  const reports = runs.flatMap((r) => r.stderr.split('\n').filter((l) => /\/a\.csv:\d+: /.test(l)));
  assert.equal(reports.sort(), whole.stderr.split('\n').filter((l) => /\/a\.csv:\d+: /.test(l)).sort());
  assert.is(reports.length, 3);
  // usage
  const bad = sh('from-csv --shard 2/2:user_id /dev/null');
  assert.is(bad.status, 2);
  assert.match(bad.stderr, '--shard takes K/N:COLUMN');
});

test('a missing file among several is reported, the others are read, exit 1 at the end; each file has its own header', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/a.csv`, 'a,b\n1,2\n');
  fs.writeFileSync(`${d}/b.csv`, 'x\r\n"y"\r\n');
  const r = sh(`from-csv ${d}/a.csv ${d}/missing.csv ${d}/b.csv - < ${d}/a.csv`);
  assert.is(r.status, 1);
  assert.equal(records(r.stdout), [{ a: 1, b: 2 }, { x: 'y' }, { a: 1, b: 2 }]);
  assert.is(r.stderr, `from-csv: ${d}/missing.csv: no such file\n`);
});

test('mixed LF and CRLF in a quoted file: no "\\r" in any value, no merged rows', () => {
  const csv = '"id","v"\r\n"1","10"\n"2","20"\r\n"3","a\r\nb"\n"4","30"\n5,40\r\n6,"x"';
  const r = fromCsv('--no-infer', csv);
  assert.is(r.stderr, '');
  assert.equal(records(r.stdout), [{ id: '1', v: '10' }, { id: '2', v: '20' }, { id: '3', v: 'a\r\nb' }, { id: '4', v: '30' }, { id: '5', v: '40' }, { id: '6', v: 'x' }]);
});

test('no NaN, Infinity or lossy number: a cell is a number only when it is a JSON number with a finite double, as its exact text', () => {
  const cells = ['1E400', '-1e999', 'Infinity', '-Infinity', 'NaN', '0x10', '1_000', ' 12', '12 ', '+5', '.5', '5.', '007', '00', '-', '1e', '1.5e+', '--1', '9'.repeat(309)];
  const nums = ['0', '-0', '1.50', '1e5', '2.5E-3', '-1e-400', '12345678901234567890', '9'.repeat(308), '1.7976931348623157e308'];
  const csv = 'v\n' + [...cells, ...nums].join('\n') + '\n';
  const r = fromCsv('', csv);
  assert.is(r.status, 0, r.stderr);
  const out = r.stdout.trim().split('\n');
  assert.equal(out, [...cells.map((c) => `{"v":${JSON.stringify(c)}}`), ...nums.map((c) => `{"v":${c}}`)]);
  records(r.stdout);
});

test('a UTF-8 BOM at the start is skipped (file and stdin); elsewhere it is data', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/bom.csv`, '\ufeffid,name\r\n1,a\r\n');
  for (const cmd of [`from-csv ${d}/bom.csv`, `from-csv < ${d}/bom.csv`]) {
    const r = sh(cmd);
    assert.is(r.stderr, '');
    assert.equal(records(r.stdout), [{ id: 1, name: 'a' }]);
  }
  assert.equal(records(fromCsv('', 'a\n\ufeffx\n').stdout), [{ a: '\ufeffx' }]);
});

test('usage errors exit 2 with one line: empty, multi-character, quote, newline or non-ASCII delimiter; --tsv against --delimiter', () => {
  for (const arg of [`--delimiter ''`, '--delimiter ";;"', `--delimiter '"'`, `--delimiter $'\\n'`, '--delimiter §', '--tsv --delimiter ";"', '--max-record-bytes 10', '--types x=number']) {
    const r = fromCsv(arg, 'a\n1\n');
    assert.is(r.status, 2, arg);
    assert.is(r.stdout, '');
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^from-csv: .*\(try 'from-csv --help'\)\n$/);
  }
  assert.equal(records(fromCsv(`--delimiter '\\t'`, 'a\tb\n1\t"x\ty"\n').stdout), [{ a: 1, b: 'x\ty' }]);
  assert.equal(records(fromCsv('--tsv', 'a\tb\n1\t2\n').stdout), [{ a: 1, b: 2 }]);
  assert.equal(records(fromCsv('--delimiter ";"', 'a;b\n"1;2";3,4\n').stdout), [{ a: '1;2', b: '3,4' }]);
});

// ---- bad records: reported where they start, counted by reason, skipped, kept raw ----
test('each kind of bad record: its line (and last line), reason, raw text in --rejects (raw and json), the rest read', () => {
  const d = tmpdir();
  const csv = [
    'id,name,n', //                 1
    '1,ok,1', //                    2
    '2,5\'3" tall,1', //            3  stray quote
    '3,"x"y,1', //                  4  text after closing quote
    '4,a\rb,1', //                  5  stray CR
    '5,two', //                     6  wrong number of fields
    '6,"multi', //                  7  wrong number of fields, lines 7-8
    'line",1,extra',
    '7,"é",abc', //                 9  bad value (n=int)
    '8,\xff,1', //                  10 invalid UTF-8
    '9,ok,9', //                    11
    '10,"never closed,1', //        12 unclosed quote
    '11,ok,11', //                  13
  ].join('\n') + '\n';
  fs.writeFileSync(`${d}/in.csv`, Buffer.concat(csv.split(/(\xff)/).map((p) => Buffer.from(p, p === '\xff' ? 'latin1' : 'utf8'))));
  const r = sh(`from-csv --types n=int --rejects ${d}/rej.csv ${d}/in.csv`);
  assert.is(r.status, 0, r.stderr);
  assert.equal(records(r.stdout).map((o) => o.id), [1, 9, 11]);
  const f = `${d}/in.csv`;
  assert.is(r.stderr, [
    `from-csv: ${f}:3: stray quote: '"' inside the unquoted field 2 (a field with quotes must be quoted whole, its quotes doubled)`,
    `from-csv: ${f}:4: text after closing quote: "y,1" after the closing quote of field 2`,
    `from-csv: ${f}:5: stray CR: a CR not followed by LF in field 2 (a CR belongs inside quotes or before LF)`,
    `from-csv: ${f}:6: wrong number of fields: 2 instead of 3`,
    `from-csv: ${f}:7: wrong number of fields: 4 instead of 3 (record on lines 7-8)`,
    `from-csv: ${f}:9: bad value: n="abc" is not int`,
    `from-csv: ${f}:10: invalid UTF-8: the row holds bytes that are not UTF-8`,
    `from-csv: ${f}:12: unclosed quote: the quoted field 2 is not closed by the end of the input, found on line 13 (a quote opened on line 12 may be stray: line 12 is rejected alone, reading resumes on line 13)`,
    `from-csv: 8 bad records skipped (wrong number of fields: 2, stray quote: 1, text after closing quote: 1, stray CR: 1, bad value: 1, invalid UTF-8: 1, unclosed quote: 1); raw lines in ${d}/rej.csv`,
  ].join('\n') + '\n');
  // the raw text of each bad record (all its lines; invalid bytes as U+FFFD)
  assert.is(fs.readFileSync(`${d}/rej.csv`, 'utf8'), ['2,5\'3" tall,1', '3,"x"y,1', '4,a\rb,1', '5,two', '6,"multi\nline",1,extra', '7,"é",abc', '8,\ufffd,1', '10,"never closed,1'].join('\n') + '\n');
  const j = sh(`from-csv --types n=int --rejects ${d}/rej.json --rejects-format json ${d}/in.csv`);
  assert.is(j.status, 0);
  const rej = lines(fs.readFileSync(`${d}/rej.json`, 'utf8'));
  assert.equal(rej.map((x) => [x.line, x.reason]), [[3, 'stray quote'], [4, 'text after closing quote'], [5, 'stray CR'], [6, 'wrong number of fields'], [7, 'wrong number of fields'], [9, 'bad value'], [10, 'invalid UTF-8'], [12, 'unclosed quote']]);
  assert.is(rej[4].raw, '6,"multi\nline",1,extra');
  assert.is(rej[0].file, f);
  // --strict: the records before the first bad one, then exit 1
  const s = sh(`from-csv --strict --types n=int ${d}/in.csv`);
  assert.is(s.status, 1);
  assert.equal(records(s.stdout), [{ id: 1, name: 'ok', n: 1 }]);
  assert.is(s.stderr, `from-csv: ${f}:3: stray quote: '"' inside the unquoted field 2 (a field with quotes must be quoted whole, its quotes doubled)\nfrom-csv: stopped at the first bad record (--strict)\n`);
});

test('--max-record-bytes: a longer line is rejected (its first bytes kept) and skipped; a quote still open after it costs one line', () => {
  const d = tmpdir();
  const long = 'x'.repeat(5000);
  fs.writeFileSync(`${d}/l.csv`, `a,b\n1,${long}\n2,"${long}"\n3,"open\n4,y\n5,z\n`);
  const r = sh(`from-csv --max-record-bytes 1024 --rejects ${d}/rej.json --rejects-format json ${d}/l.csv`);
  assert.equal(records(r.stdout), [{ a: 4, b: 'y' }, { a: 5, b: 'z' }]);
  const rej = lines(fs.readFileSync(`${d}/rej.json`, 'utf8'));
  assert.equal(rej.map((x) => [x.line, x.reason, x.raw.length]), [[2, 'record too long', 1024], [3, 'record too long', 1024], [4, 'unclosed quote', 7]]);
  assert.equal(records(sh(`from-csv ${d}/l.csv`).stdout).map((o) => o.a), [1, 2, 4, 5]); // the 16 MiB default reads them
});

test('header: names trimmed; an empty name becomes column_N, a repeated one NAME_2 (never a name the header has); reported once', () => {
  const r = fromCsv('', ' a ,a,,b,a,column_3,a_2\n1,2,3,4,5,6,7\n');
  assert.is(r.status, 0);
  assert.equal(records(r.stdout), [{ a: 1, a_3: 2, column_3_2: 3, b: 4, a_4: 5, column_3: 6, a_2: 7 }]);
  assert.is(r.stderr, 'from-csv: -:1: header: column 2 repeats "a": "a_3"; column 3 has no name: "column_3_2"; column 5 repeats "a": "a_4"\n');
  // a header that cannot be read makes the file unreadable; the next file is read
  const d = tmpdir();
  fs.writeFileSync(`${d}/bad.csv`, 'a,b"\n1,2\n');
  fs.writeFileSync(`${d}/ok.csv`, 'a\n1\n');
  const u = sh(`from-csv ${d}/bad.csv ${d}/ok.csv`);
  assert.is(u.status, 1);
  assert.equal(records(u.stdout), [{ a: 1 }]);
  assert.match(u.stderr, `from-csv: ${d}/bad.csv:1: cannot read the header (stray quote: `);
});

test('declared types: int, float, bool, date, string; a value that does not fit is a bad record', () => {
  const csv = 'i,f,b,d,s\n' + [
    '12345678901234567890123,1.50,YES,2024-02-29,007',
    '-3,.5,no,2024-01-01,',
    '0,5.,1,2024-01-01,""',
    '1,+1e3,False,2024-01-01,x',
    '"",,,,1E400',
    '007,1,true,2024-01-01,x', //  int with leading zeros
    '1.0,1,true,2024-01-01,x', //  int with a fraction
    '1,NaN,true,2024-01-01,x',
    '1,1E400,true,2024-01-01,x',
    '1,1,maybe,2024-01-01,x',
    '1,1,true,2023-02-29,x',
  ].join('\n') + '\n';
  const r = fromCsv('--types i=int,f=float,b=bool,d=date,s=string', csv);
  assert.is(r.status, 0);
  assert.is(r.stdout.split('\n')[0], '{"i":12345678901234567890123,"f":1.50,"b":true,"d":"2024-02-29","s":"007"}');
  assert.equal(records(r.stdout), [
    { i: 12345678901234567890123, f: 1.5, b: true, d: '2024-02-29', s: '007' },
    { i: -3, f: 0.5, b: false, d: '2024-01-01', s: null },
    { i: 0, f: 5, b: true, d: '2024-01-01', s: '' },
    { i: 1, f: 1000, b: false, d: '2024-01-01', s: 'x' },
    { i: null, f: null, b: null, d: null, s: '1E400' },
  ]);
  assert.match(r.stderr, ':7: bad value: i="007" is not int\n');
  assert.match(r.stderr, ':8: bad value: i="1.0" is not int\n');
  assert.match(r.stderr, ':9: bad value: f="NaN" is not float\n');
  assert.match(r.stderr, ':10: bad value: f="1E400" is not float (beyond the range of a double)\n');
  assert.match(r.stderr, ':11: bad value: b="maybe" is not bool\n');
  assert.match(r.stderr, ':12: bad value: d="2023-02-29" is not date\n');
  // --no-infer: undeclared columns stay text
  assert.equal(records(fromCsv('--no-infer --types n=int', 'n,m\n1,2\n').stdout), [{ n: 1, m: '2' }]);
  // a declared column no header has is worth a word
  assert.match(fromCsv('--types nope=int', 'a\n1\n').stderr, 'from-csv: --types names no column of the input: nope\n');
});

test('gzip input is read transparently (file and stdin)', () => {
  const d = tmpdir();
  fs.writeFileSync(`${d}/a.csv.gz`, zlib.gzipSync('a,b\n1,"x,\ny"\n'));
  for (const cmd of [`from-csv ${d}/a.csv.gz`, `from-csv < ${d}/a.csv.gz`]) assert.equal(records(sh(cmd).stdout), [{ a: 1, b: 'x,\ny' }]);
});

// ---- properties ----
const pieces = ['a', 'Z', ' ', '  x', '"', '""', ',', ';', '\t', '\r', '\n', '\r\n', 'é', '中文', '😀', '\\', '{"j":[1,2]}', '0', '12', 'null', 'line\nbreak'];
const randomText = () => { let s = ''; const n = Math.floor(rnd() * 5); for (let i = 0; i < n; i++) s += pick(pieces); return s; };

/** a reference CSV writer: quotes a field when it must (or at random), doubles its quotes; null is an empty unquoted field */
function writeCsv(header, table, delim = ',') {
  const cell = (v) => (v === null ? '' : v === '' || rnd() < 0.3 || /["\r\n]/.test(v) || v.includes(delim) ? `"${v.replaceAll('"', '""')}"` : v);
  const rowsText = [header, ...table].map((r) => r.map(cell).join(delim));
  return rowsText.map((r, i) => r + (i === rowsText.length - 1 && rnd() < 0.5 ? '' : pick(['\n', '\r\n']))).join('');
}

test('round trip: random tables written by a reference writer come back with the same values (file > 128 KiB and stdin)', () => {
  const d = tmpdir();
  for (const delim of [',', ';', '\t']) {
    const ncol = 2 + Math.floor(rnd() * 5);
    const header = Array.from({ length: ncol }, (_, i) => `h${i}${pick(['', ',', '"', 'é', '😀', ' x', '\nx'])}`);
    const table = Array.from({ length: 4000 }, () => Array.from({ length: ncol }, () => (rnd() < 0.1 ? null : randomText())));
    const csv = writeCsv(header, table, delim);
    fs.writeFileSync(`${d}/t.csv`, csv);
    assert.ok(csv.length > 1 << 17 || delim !== ',', `${csv.length} bytes`);
    const want = table.map((r) => Object.fromEntries(r.map((v, i) => [header[i], v])));
    for (const cmd of [`from-csv --no-infer --delimiter '${delim === '\t' ? '\\t' : delim}' ${d}/t.csv`, `cat ${d}/t.csv | from-csv --no-infer --delimiter '${delim === '\t' ? '\\t' : delim}'`]) {
      const r = sh(cmd);
      assert.is(r.stderr, '', cmd);
      assert.equal(records(r.stdout), want, cmd);
    }
  }
});

test('inference against an oracle: the exact text of a JSON number with a finite double, else the string', () => {
  const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
  const cells = ['0', '-0', '7', '007', '1.5', '1.50', '.5', '5.', '-1e3', '1E+3', '1e400', '-1E-400', '0x1F', '1_0', ' 1', '1 ', '+1', 'NaN', 'Infinity', '-', '', '1e', '12345678901234567890', '9'.repeat(320), 'abc', '1,5', '"1"'];
  const table = Array.from({ length: 500 }, () => [pick(cells), pick(cells), pick(cells)]);
  const quoted = table.map((r) => r.map((v) => v !== '' && (rnd() < 0.5 || /[",]/.test(v))));
  const csv = 'a,b,c\n' + table.map((r, i) => r.map((v, j) => (quoted[i][j] ? `"${v.replaceAll('"', '""')}"` : v)).join(',')).join('\n') + '\n';
  const r = fromCsv('', csv);
  assert.is(r.stderr, '');
  const expect = table.map((r, i) => '{' + r.map((v, j) => `"${'abc'[j]}":` + (v === '' ? 'null' : JSON_NUMBER.test(v) && Number.isFinite(Number(v)) ? v : JSON.stringify(v))).join(',') + '}');
  assert.equal(r.stdout.split('\n').slice(0, -1), expect);
  records(r.stdout);
});

test('the byte reader gives the same records however the input is chunked (good and bad input, small limits)', () => {
  const bits = ['a', 'b', ',', '"', '""', '\n', '\r\n', '\r', 'é', '😀', ' ', 'xyz', '12', '\xff'];
  const read = (buf, size, max, initial) => {
    const out = [];
    const sink = {
      record(r) { out.push(['R', r.line, r.endLine, r.utf8, r.buf.toString('latin1', r.start, r.end), ...Array.from({ length: r.count }, (_, i) => r.quoted[i] + ':' + fieldText(r, i))].join('|')); },
      malformed(m) { out.push(['M', m.line, m.problem, m.buf.toString('latin1', m.start, m.end)].join('|')); },
    };
    const sc = new CsvScanner(44, sink, max, initial);
    for (let i = 0; i < buf.length;) { const n = size(); sc.push(buf.subarray(i, i + n)); i += n; }
    sc.end();
    return out.join('\n');
  };
  for (let t = 0; t < 2000; t++) {
    let s = '';
    for (let i = Math.floor(rnd() * 60); i > 0; i--) s += pick(bits);
    const buf = Buffer.concat(s.split(/(\xff)/).map((p) => Buffer.from(p, p === '\xff' ? 'latin1' : 'utf8')));
    const max = rnd() < 0.5 ? 1 << 20 : 1 + Math.floor(rnd() * 30);
    const whole = read(buf, () => Math.max(1, buf.length), max, 64);
    for (const size of [() => 1, () => 1 + Math.floor(rnd() * 7)]) assert.is(read(buf, size, max, 2), whole, JSON.stringify(s));
  }
});

test.run();
