// One walk per line in a chain, against the shell pipeline: random chains of stages that append members
// (join's and to-local-date's prepared Members, one field by FieldReader.edit, subscription-status),
// replace values, pass lines on whole, and read nested paths (o.p.q, p.q: one walk per object on the
// way), over records with non-ASCII names and values, {} and { }, repeated and escaped names, fields a
// stage adds already there, blanks: the chain's stdout (take-over on and off) is the pipeline's, run
// one tool at a time through files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { sh, tmpdir } from '../helpers/sh.mjs';

const dir = tmpdir('ep-memo-pipe-');
let seed = 29;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (a) => a[Math.floor(rnd() * a.length)];
const data = path.join(dir, 'in.ndjson'), side = path.join(dir, 'side.ndjson');
const two = (n) => String(n).padStart(2, '0');
const iso = () => `2023-11-${two(1 + Math.floor(rnd() * 28))}T${two(Math.floor(rnd() * 24))}:${pick(['00', '30', '59'])}:00${pick(['Z', '', '+05:30', '.123Z'])}`;
const str = () => JSON.stringify(pick(['a', 'b', 'c', 'é', 'ü€😀', 'x y', '', 'dd', 'ñ"q']));

test('setup', () => {
  const out = [];
  for (let i = 0; i < 1500; i++) {
    if (rnd() < 0.03) { out.push(pick(['{}', '{ }', '{"u":"u1"}', '{"ts":1700000000}', '{"ts":1700000000 }', '{ "u":"u2","ts":1700000100}'])); continue; }
    const m = [`"id":${Math.floor(rnd() * 300)}`, `"g":${str()}`, `"ts":${pick([1700000000 + Math.floor(rnd() * 2e6), `"${iso()}"`])}`,
      `"n":${pick(['1', '25', '-3', '7.5', '"9"'])}`, `"u":"u${Math.floor(rnd() * 40)}"`,
      `"o":{"g":${str()},"id":${i},"p":${pick(['{"q":1}', '{"q":"é"}', 'null', '[1]', '"s"', '{"q":1,"q":2}', '{"\\u0071":3}'])}}`,
      `"é":${str()}`, `"occurred_at":"${iso()}"`, `"registration_at":"2023-10-0${1 + Math.floor(rnd() * 9)}T00:00:00Z"`,
      `"trial_start_at":${pick(['null', '"2023-11-05T00:00:00Z"'])}`];
    const kept = m.filter(() => rnd() > 0.15).sort(() => rnd() - 0.5);
    if (rnd() < 0.08) kept.push(`"g":${str()}`); // a repeated name: the last one counts
    if (rnd() < 0.05) kept.push('"day":"old"'); // fields stages add, already there
    if (rnd() < 0.05) kept.push('"s_tier":"bronze"');
    if (rnd() < 0.04) kept.push('"d1":"pre","w1":1');
    if (rnd() < 0.03) kept.push('"\\u0067":"esc"'); // g spelled with an escape
    if (rnd() < 0.03) kept.push('"o":{"g":"late"}');
    let l = `{${kept.join(',')}}`;
    if (rnd() < 0.03) l = l.replace(/,/g, ' , ').replace('{', '{ ');
    out.push(l);
  }
  fs.writeFileSync(data, out.join('\n') + '\n');
  fs.writeFileSync(side, Array.from({ length: 30 }, (_, i) => JSON.stringify({ u: `u${i}`, tier: pick(['gold', 'free', 'ü€']), g: pick(['side', 'é😀', 'x']), 'é': pick(['ñ', 1, null]), p: { q: i } })).join('\n') + '\n');
});

const passing = () => pick([`where 'g!=c'`, `where 'n>0'`, 'dedupe --key o.g,o.id', 'validate --require id,g', `where 'o.g!=é'`, `where 'o.p.q!=1'`, `where 'é!=a'`]);
// each editing stage, with stages that read what it wrote (they take the walk moved over its edits)
const editing = () => pick([
  ['to-local-date --field ts --tz Europe/Berlin --as day', `where 'day>=2023-11-10'`, 'count-by day g'],
  [`join --side ${side} --on u --fields tier,g --prefix s_`, `where 's_tier!=free' 's_g!=x'`, 'count-by s_tier s_g'],
  ['to-local-date --field ts --tz UTC --grain day,week --as d1,w1', `where 'd1>=2023-11-10' 'w1!=x'`, 'count-by d1 w1'],
  ['to-local-date --field ts --tz Asia/Kolkata --grain day,month --as é,g', `where 'é>=2023-11-10' 'g!=x'`, 'count-by é g'],
  [`join --side ${side} --on u --fields é,p`, `where 'p.q>=3' 'é!=ñ'`, 'count-by é p.q'],
  ['subscription-status', `where 'subscription_status!=free'`, 'count-by subscription_status g'],
  ['to-local-date --field ts --tz UTC --as é', `where 'é>=2023-11-15'`, 'count-by é'],
  [`join --side ${side} --on o.id=p.q --fields tier`, `where 'tier!=free'`, 'count-by tier o.p.q'],
  ['to-local-date --field ts --tz UTC --as g', `where 'g>=2023-11-15'`, 'count-by g'],
  ['clip --field n --max 20', `where 'n>5'`, 'count-by n'],
]);

test('random chains: the pipeline\'s output, with and without taking walks over', () => {
  let some = 0;
  for (let t = 0; t < 12; t++) {
    const stages = [];
    if (rnd() < 0.4) stages.push(passing());
    const steps = 1 + Math.floor(rnd() * 3);
    let end = null;
    for (let k = 0; k < steps; k++) {
      const [edit, reader, aggregate] = editing();
      stages.push(edit);
      if (rnd() < 0.7) stages.push(reader); else if (rnd() < 0.5) stages.push(passing());
      end = aggregate;
    }
    if (rnd() < 0.5) stages.push(end);
    const chain = `event-pipes ${stages[0]} -i ${data}` + stages.slice(1).map((s) => ` then ${s}`).join('');
    let from = data;
    stages.forEach((s, k) => { const to = path.join(dir, `p${k}.ndjson`); sh(`${s} < ${from} > ${to}`); from = to; });
    const want = fs.readFileSync(from, 'utf8');
    for (const memo of ['1', '0']) assert.is(sh(chain, { env: { EVENT_PIPES_SCAN_MEMO: memo } }).stdout, want, `${chain} (EVENT_PIPES_SCAN_MEMO=${memo})`);
    if (want.length > 0) some++;
  }
  assert.ok(some >= 8, `chains with output: ${some}`);
});

test.run();
