// Records a stage writes whole with their members known (from-csv's rows, sessionize's sessions) hand
// the next stage of a chain their values' spans instead of a walk (RecordBatch.members, simd-scan.ts
// generatedWalk). Against the shell pipeline of the same tools: random chains over CSV files of awkward
// headers and cells (doubled quotes, escapes JSON needs, empty cells, repeated and non-ASCII names, a
// name with a quote: no spans given, typed columns, bad rows, files of different headers in one run)
// and over sessions (--as plain, non-ASCII and with a quote): the chain's stdout, with the take-over on
// and off, is the pipeline's; and the spans are taken (EVENT_PIPES_TRACE counts the take-overs).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { sh, tmpdir } from '../helpers/sh.mjs';

const dir = tmpdir('ep-genwalk-');
let seed = 41;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (a) => a[Math.floor(rnd() * a.length)];
const two = (n) => String(n).padStart(2, '0');

// cells: plain, numbers, empty, quoted with commas, doubled quotes, a newline, control bytes JSON escapes,
// non-ASCII, a backslash
const cell = () => pick(['u1', 'u2', 'u3', 'é', 'x y', '', '12', '-3.5', '007', '1e3', '"a,b"', '"say ""hi"""', '"two\nlines"', 'tab\there', 'back\\slash', 'ü€😀', '2023-11-05T10:00:00Z', 'null', 'true']);
const headers = [
  ['user', 'ts', 'g', 'n', 'é'],
  ['g', 'user', 'user', 'ts', 'n'], // a repeated name (from-csv names the second user_2)
  ['n', '"q""uote"', 'user', 'ts', 'g'], // a name with a quote: its rows go without spans
  ['ts', 'g', 'user'],
];
const files = [];
test('setup', () => {
  headers.forEach((h, f) => {
    const rows = [h.join(',')];
    for (let i = 0; i < 400; i++) {
      const row = h.map((name) => {
        if (name === 'ts') return rnd() < 0.1 ? cell() : `2023-11-${two(1 + Math.floor(rnd() * 28))}T${two(Math.floor(rnd() * 24))}:${pick(['00', '30', '59'])}:00Z`;
        if (name === 'user') return rnd() < 0.05 ? '' : `u${Math.floor(rnd() * 30)}`;
        if (name === 'n') return pick(['1', '25', '-3', '7.5', '', 'x']);
        return cell();
      });
      if (rnd() < 0.02) row.pop(); // a bad row (too few fields)
      rows.push(row.join(','));
    }
    const file = path.join(dir, `in${f}.csv`);
    fs.writeFileSync(file, rows.join(rnd() < 0.5 ? '\n' : '\r\n') + '\n');
    files.push(file);
  });
});

// stages after from-csv: ones that pass lines on, edit them, read them, aggregate
const stage = () => pick([
  `where 'user!=null'`, `where 'n>0'`, `where 'g!=é'`, 'validate --require user', 'dedupe --key user,g',
  'to-local-date --field ts --tz Europe/Berlin --as day', 'to-local-date --field ts --tz UTC --grain day,month --as d,m',
  'count-by g', 'count-by user -a total=sum(n)', `count-by 'é' user_2`, 'clip --field n --max 5',
]);
const types = () => pick(['', '--types n=float', '--types g=string,n=string', '--no-infer']);

function both(first, rest, { input = '', expectTaken = false } = {}) {
  const chain = `event-pipes ${first}${rest.map((s) => ` then ${s}`).join('')}`;
  const pipe = [first, ...rest].join(' | ');
  const p = sh(`${pipe} 2>/dev/null; echo "exit $?"`, { cwd: dir, input });
  const c = sh(`${chain} 2>/dev/null; echo "exit $?"`, { cwd: dir, input });
  const off = sh(`${chain} 2>/dev/null; echo "exit $?"`, { cwd: dir, input, env: { EVENT_PIPES_SCAN_MEMO: '0' } });
  assert.is(c.stdout, p.stdout, `chain = pipeline: ${chain}`);
  assert.is(off.stdout, p.stdout, `chain without take-over = pipeline: ${chain}`);
  if (expectTaken) {
    const t = sh(`${chain} 2>&1 >/dev/null | grep 'taken over'`, { cwd: dir, input, env: { EVENT_PIPES_TRACE: '1' } });
    const n = Number(/: (\d+)/.exec(t.stdout)?.[1] ?? 0);
    assert.ok(n > 0, `walks taken over in ${chain}: ${t.stdout}`);
  }
}

test('from-csv then stages = from-csv | stages, over awkward headers and cells', () => {
  for (let k = 0; k < 40; k++) {
    const ins = files.filter(() => rnd() < 0.6);
    const from = `from-csv ${types()} ${(ins.length ? ins : [files[0]]).map((f) => path.basename(f)).join(' ')}`;
    const rest = Array.from({ length: 1 + Math.floor(rnd() * 3) }, stage);
    both(from, rest);
  }
});

test('from-csv rows with plain names: the next stage takes their spans (and gets what a walk gets)', () => {
  both('from-csv in0.csv', [`where 'user!=null'`, `where 'n>=1'`], { expectTaken: true });
  both('from-csv --types n=float in0.csv in3.csv', ['to-local-date --field ts --tz UTC --as day', 'count-by day user'], { expectTaken: true });
  both('from-csv in1.csv', [`count-by user user_2 -a 'x=sum(n)'`], { expectTaken: true });
  // (a name with a quote: no spans, walked as before)
  both('from-csv in2.csv', [`where 'user!=null'`, 'count-by user']);
  // (a fork after from-csv: the branches take the spans in turn)
  const f = sh(`event-pipes from-csv in0.csv in3.csv then fork [ count-by g then save a.ndjson ] [ where 'user!=null' then save b.ndjson ] && cat a.ndjson b.ndjson`, { cwd: dir });
  const p = sh(`from-csv in0.csv in3.csv 2>/dev/null | count-by g && from-csv in0.csv in3.csv 2>/dev/null | where 'user!=null'`, { cwd: dir });
  assert.is(f.stdout, p.stdout, 'fork branches = pipelines');
});

test('sessionize then stages = sessionize | stages (--as plain, non-ASCII, with a quote)', () => {
  const pings = [];
  for (let i = 0; i < 3000; i++) pings.push(JSON.stringify({ u: pick([`u${Math.floor(rnd() * 50)}`, 'é', 'x"y', 7, 12.5]), t: 1700000000 + Math.floor(rnd() * 20000) + pick(['', '.25', '.5']) * 1 }));
  const input = pings.join('\n') + '\n';
  for (const as of ['user_id', 'ключ', 'a"b']) {
    const s = `sessionize --key u --time t --gap 300 --as '${as}'`;
    both(s, [`count-by all=none -a 'n=count()' -a 'd=avg(duration_s)' -a 'p=p95(duration_s)' -a 'k=sum(pings)'`], { input, expectTaken: as !== 'a"b' });
    both(s, [`where 'pings>1'`, `count-by '${as}' -a 'n=count()'`], { input });
    both(s, ['to-local-date --field session_start --tz UTC --as day', `where 'duration_s>60'`], { input });
  }
});

test.run();
