// event-pipes --threads N: the same stdout, the same rejects (numbered as one thread numbers them),
// the same --stats counts and the same exit status as one thread, over inputs cut into many small
// pieces (EVENT_PIPES_PIECE_BYTES), with broken lines, for local stages, a partial stage (count-by)
// and stages that stay in the main thread.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { sh, tmpdir, real, hasReal, withReal } from '../helpers/sh.mjs';

const dir = tmpdir('ep-threads-');
const ga4 = path.join(dir, 'ga4.ndjson');
const mixed = path.join(dir, 'mixed.ndjson');
test('setup: generated GA4 lines, and a copy with broken lines spread through it', () => {
  assert.is(sh(`generate-ga4 --seed 11 --events 6000 --days 4 --out ${ga4}`).status, 0);
  const lines = fs.readFileSync(ga4, 'utf8').split('\n').filter(Boolean);
  const bad = ['{"v":[1 true]}', '{"event_name":"user_engagement","event_timestamp":"soon","user_pseudo_id":"x","engagement_time_msec":5000}', 'not json', '{"event_name":"user_engagement" "x":1}', '  '];
  const out = [];
  lines.forEach((l, i) => { out.push(l); if (i % 97 === 5) out.push(bad[i % bad.length]); });
  fs.writeFileSync(mixed, out.join('\n') + '\n');
});

const stderrSet = (t) => t.split('\n').filter(Boolean).map((l) => l.replace(/elapsed=\S+ rate=\S+ rec\/s \(\S+ MB\/s\)/, '')).sort().join('\n');

function same(chain, { env = {}, threads = [2, 3] } = {}) {
  const one = sh(`event-pipes ${chain}`, { env });
  // each number of threads with the main thread taking pieces too (the default), and 2 with workers only
  for (const [n, mainPieces] of [...threads.map((n) => [n, '1']), [2, '0']]) {
    const many = sh(`event-pipes --threads ${n} ${chain}`, { env: { EVENT_PIPES_PIECE_BYTES: '65536', EVENT_PIPES_MAIN_PIECES: mainPieces, ...env } });
    const how = `${n} threads${mainPieces === '0' ? ', workers only' : ''}: ${chain}`;
    assert.is(many.stdout, one.stdout, `stdout, ${how}`);
    assert.is(stderrSet(many.stderr), stderrSet(one.stderr), `stderr, ${how}`);
    assert.is(many.status, one.status, `status, ${how}`);
  }
  return one;
}

test('Sliide as one chain: local stages in threads, count-by partial in threads and merged', () => {
  const r = same(`filter-engaged ${mixed} --stats then to-local-date --tz America/Chicago --stats then count-by date -a 'u=distinct(user_pseudo_id)' -a 'n=count()' -a 'p=p50(event_server_timestamp_offset)' --stats`);
  assert.ok(r.stdout.split('\n').filter(Boolean).length >= 4, r.stdout);
  assert.match(r.stderr, /filter-engaged: .*malformed JSON/);
});

test('count-by whose aggregates all hand their states over as values (count, count_if, distinct): one table per group, one of pairs, and the move between them', () => {
  const trace = (chain, env = {}) => sh(`event-pipes --threads 2 ${chain} >/dev/null`, { env: { EVENT_PIPES_TRACE: '1', EVENT_PIPES_PIECE_BYTES: '65536', ...env } }).stderr;
  // many groups of few values (distinct in its table of pairs), with numbers, arrays and nulls as values
  const byUser = `where 'event_name!=x' -i ${mixed} then count-by user_pseudo_id -a 'e=distinct(event_name)' -a 'n=count()' -a 'k=count_if(event_params)' -a 'o=distinct(event_server_timestamp_offset)' -a 'p=distinct(event_params)' -a 'u=count(user_id)'`;
  const r = same(byUser);
  assert.ok(r.stdout.split('\n').filter(Boolean).length >= 64, 'enough groups for the table of pairs');
  assert.match(trace(byUser), /this thread's groups taken over[^]*states folded/, "this thread's groups taken over as they are, the worker's states folded into them as values");
  // few groups of many values (a table per group), and the same moved to pairs at 8 groups
  const byDay = `filter-engaged ${mixed} then to-local-date --tz UTC then count-by date event_name -a 'u=distinct(user_pseudo_id)' -a 'n=count()'`;
  same(byDay);
  same(byDay, { env: { EVENT_PIPES_DISTINCT_SETS: '8' } });
  // (the groups taken over may hold their values as pairs already, the worker's not yet, or the reverse)
  assert.match(trace(byDay, { EVENT_PIPES_DISTINCT_SETS: '8' }), /this thread's groups taken over[^]*states folded/);
  same(`where 'event_name!=x' -i ${mixed} then count-by event_name -a 'd=distinct(event_date)' -a 'u=distinct(user_pseudo_id)'`, { env: { EVENT_PIPES_DISTINCT_SETS: '2' } });
  // count-by --distinct (the recipe's pairs): its keys go over, no records come back
  const pairs = `filter-engaged ${mixed} then to-local-date --tz America/Chicago then count-by date user_pseudo_id --distinct`;
  const d = same(pairs);
  assert.ok(d.stdout.split('\n').filter(Boolean).length >= 64, d.stdout.slice(0, 200));
  assert.match(trace(pairs), /count-by --partial, merged here[^]*states folded/);
  // an aggregate without that form: the states go as --partial records, as before
  const p50 = `where 'event_name!=x' -i ${mixed} then count-by event_name -a 'u=distinct(user_pseudo_id)' -a 'p=p50(event_server_timestamp_offset)'`;
  same(p50);
  assert.not.match(trace(p50), /states folded|taken over/);
});

test('a join\'s side file with a bad line: reported once, at its own line, as one thread does; warnings under the stage that gave them', () => {
  const side = path.join(dir, 'side.ndjson');
  fs.writeFileSync(side, '{"event_name":"user_engagement","kind":"e","event_date":1}\nnot json\n{"event_name":"page_view","kind":"p"}\n');
  // join's "records already hold event_date" and count-by's "non-numeric values ignored" come from stages after the first
  const r = same(`where 'event_name!=x' -i ${mixed} then join --side ${side} --on event_name --fields kind,event_date then count-by kind -a 'n=count()' -a 's=sum(event_name)'`);
  assert.match(r.stderr, /join: .*side\.ndjson:2: malformed JSON/);
  assert.match(r.stderr, /join: 1 bad record skipped/);
  assert.match(r.stderr, /join: records already hold event_date/);
  assert.match(r.stderr, /count-by: s: non-numeric values ignored/);
  const strict = same(`where 'event_name!=x' -i ${mixed} then join --side ${side} --on event_name --fields kind --strict then count-by kind`);
  assert.is(strict.status, 1);
  assert.match(strict.stderr, /join: stopped at the first bad record \(--strict\)/);
});

test('a file named twice is read twice, each from its line 1 (its rejects were numbered on from the first reading); two stages of one tool each say their own lines (the second join\'s, the same text as the first\'s, were dropped)', () => {
  const d = path.join(dir, 'twice.ndjson'), side = path.join(dir, 'side-bad.ndjson');
  fs.writeFileSync(d, Array.from({ length: 3000 }, (_, i) => (i % 700 === 3 ? 'x' : JSON.stringify({ id: i % 5, v: i % 7 }))).join('\n') + '\n');
  fs.writeFileSync(side, '{"id":1,"p":"x"}\nnot json\n{"id":2,"q":"y"}\n');
  const r = same(`where 'v!=1' -i ${d} -i ${d} --max-reports 100`);
  assert.is(r.stderr.split('\n').filter((l) => l.includes(':4: malformed')).length, 2, r.stderr);
  same(`join --side ${side} --on id --fields p -i ${d} then join --side ${side} --on id --fields q`);
});

test('an input removed while the run reads the files before it: said by name, the others kept, exit 1, as one thread (the threads threw away every record: "error: ENOENT", nothing written; found by a review); removed after it was opened: read whole', () => {
  const big = path.join(dir, 'big-rm.ndjson'), small = path.join(dir, 'small.ndjson');
  fs.writeFileSync(big, Array.from({ length: 200000 }, (_, i) => JSON.stringify({ k: i % 997, pad: 'x'.repeat(60) })).join('\n') + '\n');
  fs.writeFileSync(small, '{"k":5000}\n{"k":5001}\n');
  const files = `-i ${big} -i ${big} -i ${big} -i ${dir}/gone.ndjson -i ${small}`;
  const chain = `where 'k!=-1' ${files} then count-by k`;
  fs.copyFileSync(small, `${dir}/gone.ndjson`);
  const all = sh(`event-pipes ${chain}`);
  assert.is(all.status, 0, all.stderr);
  const without = all.stdout.split('\n').filter(Boolean);
  // (the run is started, the file removed a moment later: before its turn it is said gone; after its
  // open it is read whole; either way the rest is written, never lost)
  for (const delay of ['0.1', '0.3']) {
    fs.copyFileSync(small, `${dir}/gone.ndjson`);
    const r = sh(`event-pipes --threads 2 ${chain} > ${dir}/o.txt 2> ${dir}/e.txt & sleep ${delay}; rm -f ${dir}/gone.ndjson; wait $!; echo $?`);
    const status = Number(r.stdout.trim()), err = fs.readFileSync(`${dir}/e.txt`, 'utf8'), got = fs.readFileSync(`${dir}/o.txt`, 'utf8');
    if (status === 1) {
      assert.is(err, `where: ${dir}/gone.ndjson: no such file\n`);
      // (its two records gone: k 5000 and 5001 counted once each, by small.ndjson)
      assert.equal(got.split('\n').filter(Boolean), without.map((l) => l.replace(/^(\{"k":500[01],"count":)2\}$/, '$11}')));
    } else {
      assert.is(status, 0, err);
      assert.is(got, all.stdout, err);
    }
  }
});

test('many small files under a low limit of open files (ulimit -n 96): no more files open than pieces in flight, the output that of one thread (this session\'s first version opened every file ahead of its pieces: EMFILE, nothing written)', () => {
  const d = path.join(dir, 'many');
  fs.mkdirSync(d, { recursive: true });
  const args = [];
  for (let i = 0; i < 300; i++) { fs.writeFileSync(`${d}/f${i}.ndjson`, `{"k":${i % 7}}\n{"k":${i % 5}}\n`); args.push(`-i ${d}/f${i}.ndjson`); }
  for (const chain of [`where 'k>=0' ${args.join(' ')} then count-by k`, `where 'k>=0' ${args.join(' ')}`]) {
    const one = sh(`event-pipes ${chain}`);
    const two = sh(`ulimit -n 96; event-pipes --threads 2 ${chain}`);
    assert.is(two.status, 0, two.stderr);
    assert.is(two.stdout, one.stdout);
    assert.ok(one.stdout.length > 0);
  }
});

test('a stage the threads cannot set up (a join\'s side file missing or over --max-side, a schema that is invalid): a usage error under that stage\'s name, exit 2, as in one thread (it was "a worker thread failed", exit 1, under the first tool\'s name)', () => {
  const d = path.join(dir, 'twice.ndjson'), schema = path.join(dir, 'bad-schema.json');
  fs.writeFileSync(schema, '{"type":"object","properties":{"id":{"type":"frob"}}}');
  for (const chain of [`join --side ${dir}/nosuch.ndjson --on id -i ${d}`, `where 'v!=1' -i ${d} then join --side ${dir}/side-bad.ndjson --on id --max-side 5`, `validate --schema ${schema} -i ${d}`]) {
    const r = same(chain);
    assert.is(r.status, 2, `${chain}: ${r.stderr}`);
  }
});

test('--stats-file after a --strict stop in a later input file: the first stage\'s bytes are the earlier files\' read to their ends, as one thread counts them (they were 0)', () => {
  const c0 = path.join(dir, 'c0.ndjson'), c1 = path.join(dir, 'c1.ndjson');
  const rows = Array.from({ length: 3000 }, (_, i) => (i === 2500 ? 'not json' : JSON.stringify({ id: i, v: i % 7 })));
  fs.writeFileSync(c0, rows.slice(0, 1000).join('\n') + '\n'); fs.writeFileSync(c1, rows.slice(1000).join('\n') + '\n');
  const figures = (n) => {
    const f = path.join(dir, `sf-${n}.json`); fs.rmSync(f, { force: true });
    sh(`event-pipes --threads ${n} where 'v!=1' -i ${c0} -i ${c1} --strict --stats-file ${f}`, { env: { EVENT_PIPES_PIECE_BYTES: '4096' } });
    const { bytes_in, in: n_in, out, rejected } = JSON.parse(fs.readFileSync(f, 'utf8'));
    return { bytes_in, n_in, out, rejected };
  };
  const one = figures(1);
  assert.is(one.bytes_in, fs.statSync(c0).size);
  assert.equal(figures(2), one);
});

test('a --strict stop in a second join\'s side file: the first join\'s side keys are in its figures, as in one thread (they were left out)', () => {
  const d = path.join(dir, 'twice.ndjson'), side2 = path.join(dir, 'side-repeat.ndjson');
  fs.writeFileSync(side2, '{"id":1,"p":"x"}\n{"id":1,"p":"y"}\n');
  const counters = (n) => {
    const f = path.join(dir, `sfj-${n}.json`); fs.rmSync(f, { force: true });
    const r = sh(`event-pipes --threads ${n} join --side ${side2} --on id --fields p -i ${d} --stats-file ${f} then join --side ${dir}/side-bad.ndjson --on id --fields q --strict`);
    assert.is(r.status, 1, r.stderr);
    return JSON.parse(fs.readFileSync(f, 'utf8').split('\n')[0]).counters;
  };
  assert.equal(counters(1), { 'side keys': 1 });
  assert.equal(counters(2), counters(1));
});

test('| head: the reader gone, a bad line further in the same piece is not reported and --strict does not stop: exit 0 quietly, as one thread (it said the line and exited 1)', () => {
  const h = path.join(dir, 'head.ndjson');
  fs.writeFileSync(h, Array.from({ length: 400000 }, (_, i) => (i === 50000 ? 'bad' : `{"id":${i}}`)).join('\n') + '\n');
  for (const n of [1, 2]) {
    const r = sh(`set -o pipefail; event-pipes --threads ${n} where 'id!=-1' -i ${h} --strict | head -n 3`);
    assert.is(r.stdout, '{"id":0}\n{"id":1}\n{"id":2}\n', `${n} threads`);
    assert.is(r.stderr, '', `${n} threads`);
    assert.is(r.status, 0, `${n} threads`);
  }
});

test('count-by\'s warning about its options is said once (the threads\' --partial copies said it again)', () => {
  const d = path.join(dir, 'twice.ndjson');
  const r = same(`count-by ${d} -i ${d}`);
  assert.is(r.stderr.split('\n').filter((l) => l.includes('is a key here')).length, 1, r.stderr);
});

test('warnings of the threads\' stages in their place among the bad records, as one thread says them (they came after their piece\'s), a set-up\'s too, also at a --strict stop', () => {
  const d = path.join(dir, 'twice.ndjson'), side2 = path.join(dir, 'side-repeat.ndjson');
  const w = path.join(dir, 'warn1.ndjson'), w2 = path.join(dir, 'warn2.ndjson');
  fs.writeFileSync(w, 'not json\n{"id":1,"v":1}\n');
  fs.writeFileSync(w2, '{"v":1,"name":"a"}\nnot json\n{"v":2,"name":"b"}\n');
  for (const chain of [`join --side ${side2} --on id --fields p -i ${w} -i ${d}`, `where 'v!=9' -i ${w2} -i ${d} then count-by v -a 's=sum(name)'`,
    `join --side ${side2} --on id --fields p -i ${d} then join --side ${dir}/side-bad.ndjson --on id --fields q --strict`]) {
    const run = (n) => sh(`event-pipes --threads ${n} ${chain}`, { env: { EVENT_PIPES_PIECE_BYTES: '4096' } });
    const one = run(1), two = run(2);
    assert.is(two.stderr, one.stderr, chain);
    assert.is(two.status, one.status, chain);
  }
});

test('only local stages: the records in input order; rejects numbered as one thread does (--max-reports 1000)', () => {
  same(`where event_name=user_engagement -i ${mixed} --max-reports 1000 then to-local-date --tz UTC --field event_timestamp --max-reports 1000`);
  same(`filter-engaged --check-all ${mixed} --max-reports 1000 then to-local-date --tz Asia/Kolkata --grain week --as week`);
});

test('a keyed stage after the local ones runs in the main thread, in order', () => {
  same(`to-local-date --tz UTC -i ${mixed} --max-reports 500 then dedupe --key user_pseudo_id,date then count-by date`);
  same(`where 'event_name!=x' -i ${mixed} then top --by event_server_timestamp_offset --n 5 --key user_pseudo_id`);
});

test('--strict stops at the first bad record of the input, whatever thread read it; --rejects files alike', () => {
  same(`where 'event_name!=x' -i ${mixed} --strict then count-by event_name`);
  const a = path.join(dir, 'r1.json'), b = path.join(dir, 'r2.json');
  sh(`event-pipes filter-engaged --check-all ${mixed} --rejects ${a} --rejects-format json then count-by event_name`);
  sh(`event-pipes --threads 2 filter-engaged --check-all ${mixed} --rejects ${b} --rejects-format json then count-by event_name`, { env: { EVENT_PIPES_PIECE_BYTES: '65536' } });
  assert.is(fs.readFileSync(b, 'utf8'), fs.readFileSync(a, 'utf8'));
  assert.ok(fs.readFileSync(a, 'utf8').split('\n').length > 20);
});

test('the plans: which stages run in threads (EVENT_PIPES_TRACE)', () => {
  const trace = (chain) => sh(`event-pipes --threads 2 ${chain} >/dev/null`, { env: { EVENT_PIPES_TRACE: '1', EVENT_PIPES_PIECE_BYTES: '65536' } }).stderr.split('\n').find((l) => /^event-pipes: \d+ threads/.test(l)) ?? '(one thread)';
  assert.match(trace(`filter-engaged ${mixed} then to-local-date then count-by date`), /2 threads over \d+ pieces: filter-engaged, to-local-date \(\+ count-by --partial, merged here\) in threads \(this one and 1 workers\); count-by here/);
  assert.match(trace(`where x!=1 -i ${mixed} then dedupe --key user_pseudo_id`), /where in threads \(this one and 1 workers\); dedupe here/);
  assert.match(trace(`count-by event_name -i ${mixed}`), /\(\+ count-by --partial, merged here\) in threads/);
  assert.is(trace(`dedupe --key user_pseudo_id -i ${mixed} then count-by event_name`), '(one thread)'); // no local first stage
  assert.is(trace(`where x!=1 < ${mixed}`), '(one thread)'); // stdin cannot be cut into pieces
});

test('the main thread takes pieces while it waits (the first ones while the workers start)', () => {
  const taken = (mainPieces) => {
    const r = sh(`event-pipes --threads 2 where x!=1 -i ${mixed} then count-by event_name >/dev/null`, { env: { EVENT_PIPES_TRACE: '1', EVENT_PIPES_PIECE_BYTES: '4096', EVENT_PIPES_MAIN_PIECES: mainPieces } });
    const m = /pieces taken by this thread: (\d+) of (\d+)/.exec(r.stderr);
    return m ? [Number(m[1]), Number(m[2])] : null;
  };
  const [here, all] = taken('1');
  assert.ok(all > 10, `many pieces (${all})`);
  assert.ok(here >= 1, `the main thread took ${here} of ${all}`);
  assert.is(taken('0')[0], 0);
});

test('the workers start as the process begins, before the chain is read (the chain is their first message); those not used end', () => {
  const started = (args, input = '') => {
    const r = sh(`event-pipes ${args} >/dev/null ${input}`, { env: { EVENT_PIPES_TRACE: '1', EVENT_PIPES_PIECE_BYTES: '65536' } });
    assert.is(r.status, 0, r.stderr);
    const m = /starting workers \((\d+) started ahead\)/.exec(r.stderr);
    return m ? Number(m[1]) : null;
  };
  const chain = `filter-engaged ${mixed} then to-local-date then count-by date`;
  assert.is(started(`--threads 2 ${chain}`), 1);
  assert.is(started(`--threads=3 ${chain}`), 2);
  // a keyed stage has one worker more (the main thread takes no pieces): one started then
  assert.is(started(`--threads 2 where x!=1 -i ${mixed} then final-action --key user_pseudo_id --time event_timestamp --on user_engagement --off page_view`), 1);
  // no threads after all: standard input, one piece; the workers started ahead end, the output is one thread's
  same(`where x!=1 < ${mixed}`);
  same(`where x!=1 -i ${ga4} then count-by event_name`, { env: { EVENT_PIPES_PIECE_BYTES: String(1 << 30) } });
  assert.is(started(`--threads 2 where x!=1`, `< ${mixed}`), null);
  // a file named but read from stdin after all (-i -): started for it, ended unused; none for a small file
  const r = sh(`event-pipes --threads 2 where x!=1 -i - -i ${mixed} > /dev/null < ${mixed}`, { env: { EVENT_PIPES_TRACE: '1', EVENT_PIPES_PIECE_BYTES: '65536' } });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stderr, /1 workers started ahead, ended unused/);
  const tiny = sh(`event-pipes --threads 8 where x!=1 -i ${mixed} > /dev/null`, { env: { EVENT_PIPES_TRACE: '1', EVENT_PIPES_PIECE_BYTES: String(1 << 30) } });
  assert.not.match(tiny.stderr, /[1-9]\d* (workers )?started ahead/);
});

test('several input files, a missing one, an empty one', () => {
  const empty = path.join(dir, 'empty.ndjson');
  fs.writeFileSync(empty, '');
  same(`filter-engaged ${ga4} ${empty} ${mixed} then to-local-date --tz UTC then count-by date`);
  const r = same(`filter-engaged ${ga4} ${dir}/missing.ndjson then count-by event_name`);
  assert.is(r.status, 1);
});

withReal(test)('the real Sliide sample: 11, 31 and 22 with any number of threads', () => {
  const r = same(`filter-engaged ${path.join(real, 'sliide/bq-results-sample-data.jsons')} then to-local-date --tz America/Chicago then count-by date -a 'n=distinct(user_pseudo_id)'`, { threads: [2, 4] });
  assert.is(r.stdout, '{"date":"2019-12-29","n":11}\n{"date":"2019-12-30","n":31}\n{"date":"2019-12-31","n":22}\n');
});

test('a --strict stop in a later piece: the --stats figures and the warnings of one thread stopped there (they were the threads\' stages\' totals of nothing: in=0 out=0)', () => {
  const deep = path.join(dir, 'deep.ndjson');
  const lines = fs.readFileSync(ga4, 'utf8').split('\n').filter(Boolean);
  lines.splice(3000, 0, '{"event_name":"user_engagement","event_timestamp":"soon","user_pseudo_id":"x","engagement_time_msec":5000}', 'not json');
  fs.writeFileSync(deep, lines.join('\n') + '\n');
  for (const chain of [
    `where 'event_name!=x' -i ${deep} --strict --stats then count-by event_name -a 's=sum(event_name)' --stats`,
    `filter-engaged ${deep} --check-all --stats then to-local-date --tz UTC --strict --stats then count-by date --stats`,
    `where 'event_name!=page_view' -i ${deep} --stats --strict then final-action --key user_pseudo_id --time event_timestamp --on user_engagement --off x --stats`,
  ]) {
    const r = same(chain);
    assert.is(r.status, 1, chain);
    assert.match(r.stderr, /: stats: in=[1-9]\d{3}/, chain);
  }
});

test('a join\'s side keys are counted once in --stats (each thread\'s copy of join loads the side file: their counts were summed)', () => {
  const side = path.join(dir, 'side.ndjson');
  for (const strict of ['', '--strict']) {
    const r = same(`where 'event_name!=x' -i ${mixed} ${strict} --stats then join --side ${side} --on event_name --fields kind --stats`);
    assert.match(r.stderr, /join: stats: in=\d+ out=\d+ rejected=1 side keys=2 /);
  }
});

test('a --strict stop in a stage of the main thread (dedupe), in a later piece: the threads\' stages\' --stats are those of one thread stopped there (they said in=0 out=0)', () => {
  const dup = path.join(dir, 'dup.ndjson');
  const lines = fs.readFileSync(ga4, 'utf8').split('\n').filter(Boolean);
  lines.splice(3000, 0, lines[5]);
  fs.writeFileSync(dup, lines.join('\n') + '\n');
  for (const chain of [
    `where 'event_name!=x' -i ${dup} --stats then dedupe --key event_timestamp,user_pseudo_id,event_name,event_server_timestamp_offset --reject-duplicates --strict --stats`,
    `where 'event_name!=x' -i ${dup} --stats then to-local-date --tz UTC --stats then fork [ dedupe --key event_timestamp,user_pseudo_id,event_name,event_server_timestamp_offset --reject-duplicates --strict then save ${path.join(dir, 'dup-a.ndjson')} ] [ count-by date then save ${path.join(dir, 'dup-b.ndjson')} ]`,
  ]) {
    const r = same(chain);
    assert.is(r.status, 1, chain);
    assert.match(r.stderr, /where: stats: in=[1-9]\d{3} /, chain);
  }
});

test('--stats-file after a --strict stop: each stage\'s figures, the bytes it read too, are those of one thread (the stages after the first said bytes_in 0)', () => {
  const deep = path.join(dir, 'deep.ndjson');
  const figures = (threads) => {
    const f = path.join(dir, `sf-${threads}.json`);
    fs.rmSync(f, { force: true });
    const r = sh(`event-pipes --threads ${threads} where 'event_name!=x' -i ${deep} --stats-file ${f} --strict then to-local-date --tz UTC --stats-file ${f} then count-by date --stats-file ${f}`, { env: { EVENT_PIPES_PIECE_BYTES: '65536' } });
    assert.is(r.status, 1);
    return fs.readFileSync(f, 'utf8').replace(/"elapsed_s":[^,]*,/g, '').replaceAll(f, 'FILE');
  };
  const one = figures(1);
  assert.match(one, /"tool":"to-local-date","in":\d{4},.*"bytes_in":[1-9]/);
  assert.is(figures(2), one);
});

test('under an address-space limit (ulimit -v) that leaves no room for a worker: one thread, said, the same output (a worker aborted the whole process, status 133) (found by a review)', () => {
  const f = path.join(dir, 'limit.ndjson');
  fs.writeFileSync(f, Array.from({ length: 20000 }, (_, i) => JSON.stringify({ event_name: i % 3 ? 'a' : 'b', i })).join('\n') + '\n');
  const cmd = `event-pipes --threads 2 where event_name=a -i ${f} then count-by event_name`;
  const free = sh(cmd, { env: { EVENT_PIPES_PIECE_BYTES: '65536' } });
  assert.is(free.status, 0, free.stderr);
  const r = sh(`ulimit -v 1300000; ${cmd}`, { env: { EVENT_PIPES_PIECE_BYTES: '65536' } });
  if (r.status === 133 || /Fatal process OOM/.test(r.stderr) && r.status !== 0) assert.unreachable(`the limit aborted the run: ${r.stderr}`);
  if (/node: .*(memory|OOM)|Cannot allocate/i.test(r.stderr) && r.status !== 0) return console.log('  (this machine\'s Node does not start under 1.3 GB: skipped)');
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, free.stdout);
  assert.match(r.stderr, /^where: --threads 2: the address-space limit \(ulimit -v\) leaves room for 1 thread/);
});

test.run();
