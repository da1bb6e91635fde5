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
  for (const env of [{}, { EVENT_PIPES_TRUST: '0' }]) {
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

test('--strict in a later stage stops the chain like the pipeline (stdout and status; upstream reports depend on timing in a pipeline)', () => {
  const stages = [`where 'g!=zzz' -i ${odd}`, 'to-local-date --field k --strict', 'count-by g'];
  const pipe = sh(stages.join(' | ')), chain = sh(`event-pipes ${stages.join(' then ')}`);
  assert.is(chain.stdout, pipe.stdout);
  assert.is(chain.status, 1);
  assert.is(pipe.status, 1);
  assert.match(chain.stderr, /to-local-date: -:1: bad k: .*\nto-local-date: stopped at the first bad record \(--strict\)/);
});

test.run();
