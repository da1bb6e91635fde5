// `... then fork [ CHAIN ] [ CHAIN ]`: one read feeding several chains, each ending in a file or a
// table; the same files and tables as one pipeline per branch; nested forks; with threads; usage
// errors for a fork in the wrong place. And `save`: a file appears only when complete.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { sh, tmpdir } from '../helpers/sh.mjs';

const dir = tmpdir('ep-fork-');
const ga4 = path.join(dir, 'ga4.ndjson');
const read = (f) => fs.readFileSync(path.join(dir, f), 'utf8');
test('setup', () => {
  assert.is(sh(`generate-ga4 --seed 3 --events 4000 --days 3 --bad-lines 20 --out ${ga4}`).status, 0);
});

test('each branch writes what its own pipeline writes; rejects and stats per stage as in the pipelines', () => {
  const r = sh(`event-pipes filter-engaged ${ga4} --stats then to-local-date --tz America/Chicago then fork `
    + `[ count-by date -a 'u=distinct(user_pseudo_id)' then save a.ndjson ] `
    + `[ where 'date>=2020-03-06' then count-by date user_pseudo_id --distinct then load-sqlite --db t.db -t pairs -k date,user_pseudo_id ] `
    + `[ to-local-date --tz UTC --grain week --as week then fork [ count-by week then save b.ndjson ] [ save all.ndjson ] ]`, { cwd: dir });
  assert.is(r.status, 0, r.stderr);
  const base = `filter-engaged ${ga4} | to-local-date --tz America/Chicago`;
  assert.is(read('a.ndjson'), sh(`${base} | count-by date -a 'u=distinct(user_pseudo_id)'`, { cwd: dir }).stdout);
  assert.is(read('b.ndjson'), sh(`${base} | to-local-date --tz UTC --grain week --as week | count-by week`, { cwd: dir }).stdout);
  assert.is(read('all.ndjson'), sh(`${base} | to-local-date --tz UTC --grain week --as week`, { cwd: dir }).stdout);
  const pairs = sh(`query-sqlite --db t.db 'SELECT count(*) AS n FROM pairs'`, { cwd: dir }).stdout;
  const want = sh(`${base} | where 'date>=2020-03-06' | count-by date user_pseudo_id --distinct | wc -l`, { cwd: dir }).stdout.trim();
  assert.is(pairs, `{"n":${want}}\n`);
  assert.match(r.stderr, /filter-engaged: .*bad records? skipped/);
  assert.match(r.stderr, /filter-engaged: stats: in=\d+/);
  assert.is(r.stdout, '', 'nothing on stdout: every branch writes somewhere');
});

test('with --threads 2: the same files', () => {
  const r = sh(`event-pipes --threads 2 filter-engaged ${ga4} then to-local-date --tz America/Chicago then fork [ count-by date -a 'u=distinct(user_pseudo_id)' then save a2.ndjson ] [ save all2.ndjson ]`,
    { cwd: dir, env: { EVENT_PIPES_PIECE_BYTES: '65536' } });
  assert.is(r.status, 0, r.stderr);
  assert.is(read('a2.ndjson'), read('a.ndjson'));
  assert.is(read('all2.ndjson'), sh(`filter-engaged ${ga4} | to-local-date --tz America/Chicago`).stdout);
});

test('records assembled in the SIMD walk\'s memory (a fork\'s, a link\'s): long ones, escapes, many branches', () => {
  // short records, ones longer than the 64 KiB scratch buffers, ones with escapes; edited by to-local-date
  // (assembled by the fork) or passed on whole (copied there once); sixteen links that assemble records
  // use up the scratch memory, so the later ones take buffers of their own: the same files either way
  const f = path.join(dir, 'mixed.ndjson');
  const lines = [];
  for (let i = 0; i < 300; i++) {
    const pad = i % 50 === 7 ? 'x'.repeat(70000 + i) : i % 10 === 3 ? 'q\\"'.repeat(i) : 'y'.repeat(i % 13);
    lines.push(JSON.stringify({ id: `u${i % 17}`, t: `2024-01-0${1 + (i % 9)}T0${i % 10}:00:00Z`, pad, n: i }));
  }
  fs.writeFileSync(f, lines.join('\n') + '\n');
  const branches = (tag) => Array.from({ length: 16 }, (_, k) => `[ to-local-date --field t --tz UTC --as d${k} then count-by id d${k} -a 's=sum(n)' -a 'l=max(pad)' then save ${tag}${k}.ndjson ]`).join(' ');
  for (const [tag, head] of [['e', `to-local-date --field t --tz UTC -i ${f}`], ['w', `where 'n>=0' -i ${f}`]]) {
    const r = sh(`event-pipes ${head} then fork ${branches(tag)} [ save ${tag}all.ndjson ] [ where 'pad!=' then save ${tag}pad.ndjson ]`, { cwd: dir });
    assert.is(r.status, 0, r.stderr);
    const base = head;
    assert.is(read(`${tag}all.ndjson`), sh(base, { cwd: dir }).stdout);
    assert.is(read(`${tag}pad.ndjson`), sh(`${base} | where 'pad!='`, { cwd: dir }).stdout);
    for (let k = 0; k < 16; k++) {
      const want = sh(`${base} | to-local-date --field t --tz UTC --as d${k} | count-by id d${k} -a 's=sum(n)' -a 'l=max(pad)'`, { cwd: dir }).stdout;
      assert.ok(want.length > 1000);
      assert.is(read(`${tag}${k}.ndjson`), want, `${tag} branch ${k}`);
    }
  }
});

test('usage errors (exit 2, nothing run): a branch that ends on stdout, anything after a fork, a branch that starts with a fork, no branches, a bad option of a fork that starts the chain', () => {
  for (const chain of [`where x=1 -i ${ga4} then fork [ count-by x ]`, `where x=1 -i ${ga4} then fork [ save ${dir}/x ] then count-by x`,
    `where x=1 -i ${ga4} then fork [ fork [ save ${dir}/x ] [ save ${dir}/x ] ]`, `where x=1 -i ${ga4} then fork`, `where x=1 -i ${ga4} then fork [ save ${dir}/x`,
    `fork --no-such-option -i ${ga4} [ save ${dir}/x ]`, `fork -i ${ga4}`, `fork -i ${ga4} [ count-by x ]`]) {
    const r = sh(`event-pipes ${chain}`);
    assert.is(r.status, 2, chain);
    assert.match(r.stderr, /^(event-pipes|fork): .*\(try 'event-pipes( fork)? --help'\)\n$/, chain);
  }
  for (const h of ['fork --help', 'fork --stats -h', `fork -i ${ga4} --help [ save ${dir}/x ]`]) { // the fork's own usage and input options
    const r = sh(`event-pipes ${h}`);
    assert.is(r.status, 0, h);
    assert.match(r.stdout, /^event-pipes fork \[-i FILE\]/, h);
    assert.match(r.stdout, /--strict/, h);
  }
  assert.not.ok(fs.existsSync(path.join(dir, 'x')));
});

test('a chain that starts with fork: the input (files, else stdin) into every branch, each bad line reported once as the fork\'s; --strict, --rejects, --stats', () => {
  const r = sh(`event-pipes fork -i ${ga4} --rejects ff-rejects.txt --stats [ count-by event_name then save ff-names.ndjson ] `
    + `[ filter-engaged then to-local-date --tz America/Chicago then count-by date -a 'u=distinct(user_pseudo_id)' then save ff-a.ndjson ] [ save ff-all.ndjson ]`, { cwd: dir });
  assert.is(r.status, 0, r.stderr);
  const ref = sh(`save ff-ref.ndjson -i ${ga4}`, { cwd: dir });
  assert.is(ref.status, 0, ref.stderr);
  const all = read('ff-ref.ndjson'); // (the valid records, as they came: save checks each line too)
  const nbad = Number(/: (\d+) bad records? skipped/.exec(ref.stderr)[1]);
  assert.ok(nbad > 10, ref.stderr);
  assert.ok(all.split('\n').length > 3000);
  assert.is(read('ff-all.ndjson'), all);
  assert.is(read('ff-names.ndjson'), sh(`count-by event_name -i ${ga4}`).stdout);
  assert.is(read('ff-a.ndjson'), read('a.ndjson'), 'the same as the chain that reads the file with filter-engaged');
  const bad = r.stderr.split('\n').filter((l) => /^fork: .*ga4.ndjson:\d+: /.test(l));
  assert.is(bad.length, 10, 'the bad lines reported once, by the fork (the first 10, as every stage)');
  assert.match(r.stderr, new RegExp(`^fork: ${nbad} bad records skipped `, 'm'));
  assert.not.match(r.stderr, /^(count-by|filter-engaged|save): .*ga4.ndjson:\d+/m, 'the branches never see a bad line');
  assert.is(read('ff-rejects.txt').split('\n').filter(Boolean).length, nbad);
  assert.match(r.stderr, new RegExp(`^fork: stats: in=\\d+ out=\\d+ rejected=${nbad} `, 'm'));
  // stdin, and --strict: the first bad line stops the run, and no branch's file appears
  const s = sh(`event-pipes fork [ save ff-stdin.ndjson ]`, { cwd: dir, input: fs.readFileSync(ga4) });
  assert.is(s.status, 0, s.stderr);
  assert.is(read('ff-stdin.ndjson'), all);
  const st = sh(`event-pipes fork --strict [ save ff-strict.ndjson ]`, { cwd: dir, input: fs.readFileSync(ga4) });
  assert.is(st.status, 1);
  assert.match(st.stderr, /^fork: stopped at the first bad record \(--strict\)$/m);
  assert.not.ok(fs.existsSync(path.join(dir, 'ff-strict.ndjson')));
});

test('a run that fails before the sink (an input missing, too many rejects upstream) keeps nothing: save, to-parquet, load-sqlite --atomic, in a chain, a fork, with threads, after a fork that starts the chain', () => {
  const old = 'the file before\n';
  const sinks = (p) => `[ save ${p}.ndjson ] [ to-parquet ${p}.parquet ] [ load-sqlite --db ${p}.db --table t --atomic ]`;
  const runs = [
    [`event-pipes where event_name!=x -i ${ga4} -i ${dir}/no-such.ndjson then fork ${sinks('up1')}`, 'up1'],
    [`event-pipes where event_name!=x -i ${ga4} --max-reject-rate 0.001 then to-local-date --tz UTC then fork ${sinks('up2')}`, 'up2'],
    [`event-pipes --threads 2 where event_name!=x -i ${ga4} --max-reject-rate 0.001 then fork ${sinks('up3')}`, 'up3'],
    [`event-pipes fork -i ${ga4} -i ${dir}/no-such.ndjson ${sinks('up4')}`, 'up4'],
    [`event-pipes where event_name!=x -i ${ga4} --max-reject-rate 0.001 then save up5.ndjson`, 'up5'],
  ];
  for (const [cmd, p] of runs) {
    fs.writeFileSync(path.join(dir, `${p}.ndjson`), old);
    const r = sh(cmd, { cwd: dir, env: { EVENT_PIPES_PIECE_BYTES: '65536' } });
    assert.is(r.status, 1, `${cmd}: ${r.stderr}`);
    assert.is(read(`${p}.ndjson`), old, `${cmd}: the earlier file stays`);
    assert.not.ok(fs.existsSync(path.join(dir, `${p}.parquet`)), cmd);
    // (load-sqlite --atomic commits nothing when an input could not be read or a step before it
    // rejected past its --max-reject-rate; the load's own rejects set its exit status alone)
    if (cmd.includes('load-sqlite')) {
      const n = sh(`query-sqlite --db ${p}.db "SELECT count(*) AS n FROM sqlite_master WHERE name = 't'"`, { cwd: dir }).stdout;
      assert.is(n, '{"n":0}\n', `${cmd}: no table written`);
    }
  }
  // and the same chains that do not fail write everything
  const ok = sh(`event-pipes where event_name!=x -i ${ga4} then fork ${sinks('up6')}`, { cwd: dir });
  assert.is(ok.status, 0, ok.stderr);
  assert.ok(read('up6.ndjson').length > 100000);
  assert.ok(fs.existsSync(path.join(dir, 'up6.parquet')));
});

test('save: the file appears only when the run succeeds; --append adds; a failed run keeps the old file', () => {
  const f = path.join(dir, 's.ndjson');
  fs.writeFileSync(f, 'old\n');
  let r = sh(`printf '{"a":1}\\n{"a":2}\\n' | save ${f}`);
  assert.is(r.status, 0, r.stderr);
  assert.is(fs.readFileSync(f, 'utf8'), '{"a":1}\n{"a":2}\n');
  r = sh(`printf '{"a":3}\\n' | save --append ${f}`);
  assert.is(fs.readFileSync(f, 'utf8'), '{"a":1}\n{"a":2}\n{"a":3}\n');
  r = sh(`printf '{"a":4}\\nbroken\\n' | save --strict ${f}`);
  assert.is(r.status, 1);
  assert.is(fs.readFileSync(f, 'utf8'), '{"a":1}\n{"a":2}\n{"a":3}\n', 'a strict stop keeps the old file');
  r = sh(`printf 'broken\\n' | save ${f}`);
  assert.is(r.status, 1, 'every record rejected');
  assert.is(fs.readFileSync(f, 'utf8'), '{"a":1}\n{"a":2}\n{"a":3}\n');
  assert.is(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')).length, 0, 'no temporary file left');
});

test('save, to-parquet and plot --out into a FIFO or through a symbolic link: written there, never replaced by a plain file', () => {
  const d = tmpdir('ep-fifo-');
  for (const [cmd, ext] of [['save', 'nd'], ['to-parquet', 'parquet'], ['plot --x a --y a --format svg --out', 'svg']]) {
    const fifo = path.join(d, `p.${ext}`);
    assert.is(sh(`mkfifo ${fifo}`).status, 0);
    const r = sh(`(cat ${fifo} > ${d}/got.${ext} &) ; echo '{"a":1}' | ${cmd} ${fifo}; sleep 0.2`);
    assert.is(r.status, 0, r.stderr);
    assert.ok(fs.lstatSync(fifo).isFIFO(), `${cmd}: the FIFO is still a FIFO`);
    assert.ok(fs.statSync(`${d}/got.${ext}`).size > 0, `${cmd}: the reader got the output`);
    fs.symlinkSync(path.join(d, `real.${ext}`), path.join(d, `link.${ext}`));
    assert.is(sh(`echo '{"a":1}' | ${cmd} ${d}/link.${ext}`).status, 0);
    assert.ok(fs.lstatSync(path.join(d, `link.${ext}`)).isSymbolicLink(), `${cmd}: the link stays a link`);
    assert.ok(fs.statSync(path.join(d, `real.${ext}`)).size > 0, `${cmd}: the file it points to was written`);
  }
  assert.equal(fs.readdirSync(d).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
});

test.run();
