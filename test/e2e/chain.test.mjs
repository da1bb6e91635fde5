// event-pipes A then B ...: the same stdout, rejects (stderr), stats counts and exit status as the
// shell pipeline A | B ... (with pipefail), over generated GA4 lines, Lingokids events and records
// of every JSON shape (escapes, blanks, deep nesting, numbers beyond a double); and the stages after
// the first, which read their lines the light way (an earlier stage checked them), give the same as
// when they check every line in full (EVENT_PIPES_TRUST=0).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { sh, tmpdir } from '../helpers/sh.mjs';

const dir = tmpdir('ep-chain-');
const ga4 = path.join(dir, 'ga4.ndjson'), odd = path.join(dir, 'odd.ndjson');
let seed = 99;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (a) => a[Math.floor(rnd() * a.length)];

test('setup: generated GA4 lines with broken ones, and records of every shape', () => {
  assert.is(sh(`generate-ga4 --seed 21 --events 3000 --days 3 --bad-lines 30 --out ${ga4}`).status, 0);
  const values = ['1', '-0', '1.5e3', '12345678901234567890', '1E400', '"a\\"b"', '"\\u00e9\\ud83d\\ude00"', '"tab\\there"', 'true', 'null',
    '[1, [2, [3, {"a" : "}"}]]]', '{ "k\\u0041" : [ ] , "b" : { } }', '"{\\"not\\":\\"json\\"}"', '"x"'];
  const lines = [];
  for (let i = 0; i < 4000; i++) {
    const ws = () => pick(['', '', ' ', '\t']);
    const members = [`"id"${ws()}:${ws()}${i}`, `"k"${ws()}:${ws()}${pick(values)}`, `"g"${ws()}:${ws()}"${pick(['a', 'b', 'c'])}"`, `"ts"${ws()}:${ws()}${1577600000 + i * 3600}`];
    if (rnd() < 0.3) members.push(`"n\\u0061me"${ws()}:${ws()}${pick(values)}`);
    if (rnd() < 0.05) members.push(`"v":[1 true]`); // broken
    lines.push(`${ws()}{${ws()}${members.sort(() => rnd() - 0.5).join(`${ws()},${ws()}`)}${ws()}}${ws()}`);
  }
  fs.writeFileSync(odd, lines.join('\n') + '\n');
});

const norm = (t) => t.split('\n').filter(Boolean).map((l) => l.replace(/elapsed=\S+ rate=\S+ rec\/s \(\S+ MB\/s\)/, '')).sort().join('\n');
function same(stages) {
  const pipe = sh(stages.join(' | '));
  // and with each stage walking its lines itself (EVENT_PIPES_SCAN_MEMO=0: no walk taken over)
  for (const env of [{}, { EVENT_PIPES_TRUST: '0' }, { EVENT_PIPES_SCAN_MEMO: '0' }]) {
    const chain = sh(`event-pipes ${stages.join(' then ')}`, { env });
    assert.is(chain.stdout, pipe.stdout, `stdout ${JSON.stringify(env)}: ${stages.join(' | ')}`);
    assert.is(norm(chain.stderr), norm(pipe.stderr), `stderr ${JSON.stringify(env)}: ${stages.join(' | ')}`);
    assert.is(chain.status, pipe.status, `status: ${stages.join(' | ')}`);
  }
  return pipe;
}

test('Sliide: filter-engaged then to-local-date then count-by', () => {
  const r = same([`filter-engaged ${ga4} --stats`, 'to-local-date --tz America/Chicago --stats', "count-by date -a 'u=distinct(user_pseudo_id)' --stats"]);
  assert.ok(r.stdout.length > 0);
});

test('records of every shape through filters, edits and aggregates', () => {
  same([`where 'g!=c' -i ${odd} --max-reports 100`, 'to-local-date --field ts --tz UTC --as day', 'clip --field id --max 3000', 'count-by day k --stats']);
  same([`to-local-date --field ts --tz Asia/Kolkata -i ${odd} --max-reports 100`, 'where g=a', 'dedupe --key k', 'top --by id --n 7 --key id']);
  same([`validate --require id -i ${odd} --max-reports 100`, 'count-by name', "where 'count>0'"]);
  same([`dedupe --key id -i ${odd}`, 'join --side ' + odd + ' --on id --fields g --prefix side_', 'count-by side_g g']);
});

test('a line handed on whole is walked once: the next stages and the branches of a fork take the walk', () => {
  const run = (chain, env = {}) => {
    const r = sh(`event-pipes ${chain} > ${dir}/out.ndjson`, { env: { EVENT_PIPES_TRACE: '1', ...env } });
    const saved = ['out', 'b1', 'b2', 'b3'].map((f) => fs.existsSync(`${dir}/${f}.ndjson`) ? fs.readFileSync(`${dir}/${f}.ndjson`, 'utf8') : '');
    for (const f of ['out', 'b1', 'b2', 'b3']) fs.rmSync(`${dir}/${f}.ndjson`, { force: true });
    return { taken: Number(/walks of a line taken over by the next stage: (\d+)/.exec(r.stderr)?.[1] ?? -1), saved, stderr: norm(r.stderr.replace(/.*walks of a line.*\n/, '')), status: r.status };
  };
  // (generated GA4 lines are compact: the SIMD walk reads them; blanks and escapes go the JavaScript way)
  const lines = fs.readFileSync(ga4, 'utf8').split('\n').filter(Boolean).length;
  const straight = `dedupe --key user_pseudo_id,event_timestamp -i ${ga4} then where event_name!=zz then count-by event_name`;
  const on = run(straight), off = run(straight, { EVENT_PIPES_SCAN_MEMO: '0' });
  assert.ok(on.taken > lines * 1.5, `where and count-by take dedupe's walk (${on.taken} for ${lines} lines)`);
  assert.is(off.taken, 0);
  assert.equal(on.saved, off.saved);
  // a fork: every branch gets the same bytes; the first branch's reader walks them, the others take it;
  // branches that edit and filter before they read
  const fork = `dedupe --key user_pseudo_id,event_timestamp -i ${ga4} then fork [ count-by event_name then save ${dir}/b1.ndjson ]` +
    ` [ to-local-date --tz Asia/Kolkata then count-by date user_pseudo_id then save ${dir}/b2.ndjson ]` +
    ` [ where event_name=session_start then to-local-date --tz UTC then count-by date then save ${dir}/b3.ndjson ]`;
  const fOn = run(fork), fOff = run(fork, { EVENT_PIPES_SCAN_MEMO: '0' });
  // (the first branch takes dedupe's walk; to-local-date finds the GA4 timestamp without a walk;
  // the third branch's where takes the first branch's walk: ~2 per line, ~1 without the fork rule)
  assert.ok(fOn.taken > lines * 1.8, `the later branches take the first one's walk (${fOn.taken} for ${lines} lines)`);
  assert.is(fOff.taken, 0);
  assert.equal(fOn.saved, fOff.saved);
  assert.ok(fOn.saved.slice(1).every((t) => t.length > 0));
  assert.is(fOn.stderr, fOff.stderr);
  assert.is(fOn.status, fOff.status);
});

test('--strict in a later stage stops the chain like the pipeline (stdout and status; upstream reports depend on timing in a pipeline)', () => {
  const stages = [`where 'g!=zzz' -i ${odd}`, 'to-local-date --field k --strict', 'count-by g'];
  const pipe = sh(stages.join(' | ')), chain = sh(`event-pipes ${stages.join(' then ')}`);
  assert.is(chain.stdout, pipe.stdout);
  assert.is(chain.status, 1);
  assert.is(pipe.status, 1);
  assert.match(chain.stderr, /to-local-date: -:1: bad k: .*\nto-local-date: stopped at the first bad record \(--strict\)/);
});

test("an option's value is its own whatever it is: files named then, [ and ], and -i - (stdin), in a chain, a branch and before a fork", () => {
  const d = tmpdir('ep-names-');
  const recs = '{"k":"a","n":1}\n{"k":"b","n":2}\n{"k":"a","n":3}\n';
  for (const f of ['then', '[', ']']) fs.writeFileSync(path.join(d, f), recs);
  const want = '{"k":"a","count":2}\n{"k":"b","count":1}\n';
  const run = (cmd, input) => { const r = sh(cmd, { cwd: d, input }); assert.is(r.status, 0, `${cmd}: ${r.stderr}`); return r.stdout; };
  assert.is(run("event-pipes where n!=0 -i then then count-by k"), want);
  assert.is(run("event-pipes where n!=0 -i '[' then count-by k"), want);
  assert.is(run("event-pipes where n!=0 --input ']' then count-by k"), want);
  assert.is(run('event-pipes where n!=0 -i - then count-by k', recs), want);
  assert.is(run('count-by k -i -', recs), want); // (the "-" was taken for a key field)
  // after a lone --, a word is a positional even when it reads like an option: then is the chain's
  assert.is(run('event-pipes count-by -- -a then to-csv', '{"-a":1}\n{"-a":1}\n'), '-a,count\n1,2\n');
  run("event-pipes fork -i '[' [ count-by k then save f1.ndjson ] [ where k=a --stats-file then then save f2.ndjson ]");
  assert.is(fs.readFileSync(path.join(d, 'f1.ndjson'), 'utf8'), want);
  assert.is(fs.readFileSync(path.join(d, 'f2.ndjson'), 'utf8'), '{"k":"a","n":1}\n{"k":"a","n":3}\n');
  assert.match(fs.readFileSync(path.join(d, 'then'), 'utf8'), /"tool":"where"/, 'the stats went to the file named then');
  run("event-pipes where n!=0 -i '[' then fork [ count-by k then save f3.ndjson ] [ where n=2 --stats-file ']' then save f4.ndjson ]");
  assert.is(fs.readFileSync(path.join(d, 'f3.ndjson'), 'utf8'), want);
  assert.is(fs.readFileSync(path.join(d, 'f4.ndjson'), 'utf8'), '{"k":"b","n":2}\n');
  assert.match(fs.readFileSync(path.join(d, ']'), 'utf8'), /"tool":"where"/, "the branch's value ']' is a file");
});

test.run();
