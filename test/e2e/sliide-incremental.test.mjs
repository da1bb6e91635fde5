// The Sliide recipe (scripts/active-users.sh) is incremental and idempotent: any split of its input,
// loaded in any order, with repeats, gives the tables of one load (active_user_table and the pairs kept
// for later loads, compared whole). Checked on the real sample and on generated exports spanning
// several days, with users active on several of them, across a DST switch (America/Chicago and, with
// --tz, Europe/London), with broken lines.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { hasReal, real, sh, tmpdir, withReal } from '../helpers/sh.mjs';
import { dumpAll, plan } from '../helpers/incremental.mjs';

const sample = path.join(real, 'sliide', 'bq-results-sample-data.jsons');

function load(db, files, tz) {
  const r = sh(`active-users.sh --quiet --db ${db} --tz ${tz} ${files.join(' ')}`);
  assert.is(r.status, 0, r.stderr);
}

/** one load of `text`, then for each seed a split loaded by the plan: every table equal to one load's */
function splitsEqualOneLoad(name, text, { tz, seeds, k }) {
  const d = tmpdir();
  fs.writeFileSync(`${d}/all.jsons`, text.join('\n') + '\n');
  load(`${d}/one.db`, [`${d}/all.jsons`], tz);
  const one = dumpAll(`${d}/one.db`);
  assert.equal(Object.keys(one), ['active_user_pairs', 'active_user_table']);
  for (const seed of seeds) {
    const { pieces, runs, how } = plan(text, seed, k);
    pieces.forEach((p, i) => fs.writeFileSync(`${d}/${seed}-${i}.jsons`, p.join('\n') + (p.length ? '\n' : '')));
    const db = `${d}/split-${seed}.db`;
    for (const run of runs) load(db, run.map((i) => `${d}/${seed}-${i}.jsons`), tz);
    const got = dumpAll(db);
    for (const t of Object.keys(one)) assert.is(got[t], one[t], `${name}, seed ${seed} (${how}, loads ${JSON.stringify(runs)}): table ${t}`);
  }
  return one;
}

withReal(test)('real sample: random splits, random orders, repeats give the tables of one load (11, 31, 22)', () => {
  const text = fs.readFileSync(sample, 'utf8').trim().split('\n');
  const one = splitsEqualOneLoad('sample', text, { tz: 'America/Chicago', seeds: [1, 2, 3], k: 3 });
  assert.is(one.active_user_table, [
    '{"date":"2019-12-29","active_user_count":11}', '{"date":"2019-12-30","active_user_count":31}', '{"date":"2019-12-31","active_user_count":22}',
  ].join('\n'));
  assert.is(one.active_user_pairs.split('\n').length, 11 + 31 + 22);
});

/** a generated export: `events` lines over `days` days from `start`, few users (so most are active on
 *  several days), three broken lines */
function generated(seed, start, days, events = 3000, users = 120) {
  const r = sh(`generate-ga4 --seed ${seed} --events ${events} --users ${users} --days ${days} --start ${start} --bad-lines 3`);
  assert.is(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n');
}

test('generated export across the US DST switch (America/Chicago): splits in any order with repeats equal one load', () => {
  const text = generated(5, '2020-03-06', 4);
  const one = splitsEqualOneLoad('ga4 Chicago', text, { tz: 'America/Chicago', seeds: [11, 12], k: 4 });
  const days = one.active_user_table.split('\n').map((l) => JSON.parse(l));
  assert.equal(days.map((x) => x.date), ['2020-03-05', '2020-03-06', '2020-03-07', '2020-03-08', '2020-03-09']);
  // users active on several days: the per-day counts add up to more than the distinct users
  const pairs = one.active_user_pairs.split('\n').map((l) => JSON.parse(l).user_pseudo_id);
  assert.ok(pairs.length > new Set(pairs).size + 100, `${pairs.length} pairs, ${new Set(pairs).size} users`);
});

test('generated export across the UK DST switch with --tz Europe/London: splits in any order with repeats equal one load', () => {
  const text = generated(6, '2020-03-27', 4);
  const one = splitsEqualOneLoad('ga4 London', text, { tz: 'Europe/London', seeds: [21], k: 3 });
  assert.match(one.active_user_table, /"date":"2020-03-29"/);
});

test('an input cut short (a truncated .gz) fails the run and loads nothing, the tables as they were; the whole file then loads', () => {
  const d = tmpdir();
  const text = sh('generate-ga4 --seed 8 --events 20000 --users 300 --days 3').stdout;
  fs.writeFileSync(`${d}/all.jsons`, text);
  sh(`gzip -c ${d}/all.jsons > ${d}/all.jsons.gz`);
  const gz = fs.readFileSync(`${d}/all.jsons.gz`);
  fs.writeFileSync(`${d}/cut.jsons.gz`, gz.subarray(0, Math.floor(gz.length / 2)));
  load(`${d}/db`, [`${d}/all.jsons`], 'UTC');
  const before = dumpAll(`${d}/db`);
  const r = sh(`active-users.sh --quiet --db ${d}/cut.db --tz UTC ${d}/cut.jsons.gz`);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, /unexpected end of file[\s\S]*nothing written/);
  const empty = sh(`query-sqlite --db ${d}/cut.db --format csv 'SELECT count(*) AS n FROM active_user_pairs'`);
  assert.ok(empty.status !== 0 || empty.stdout === 'n\n0\n', `pairs of a cut input were loaded: ${empty.stdout}`);
  load(`${d}/cut.db`, [`${d}/all.jsons.gz`], 'UTC');
  assert.equal(dumpAll(`${d}/cut.db`), before);
});

test('--help exits 0, documents every option and the incremental model, and touches nothing', () => {
  const d = tmpdir();
  const h = sh(`active-users.sh --help --db ${d}/a.db`);
  assert.is(h.status, 0, h.stderr);
  for (const o of ['--db', '--tz', '--min-ms', '--require-param', '--quiet', '--help', 'active_user_pairs', 'incremental']) assert.ok(h.stdout.includes(o), o);
  assert.not.ok(fs.existsSync(`${d}/a.db`));
  assert.is(sh('active-users.sh --no-such-option').status, 2);
  assert.is(sh('active-users.sh').status, 2);
});

test.run();
