// count-by --partial / --merge: partitions aggregated in parallel and merged give the answer of one
// process, exactly, for every aggregate; merges can be nested.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lines, sh, tmpdir } from '../helpers/sh.mjs';

test('4 partitions in parallel (xargs -P 2), merged: equal to one process; a two-level merge too', () => {
  const d = tmpdir();
  sh(`generate-ga4 --seed 4 --events 20000 --users 3000 --out ${d}/all.ndjson && split -n l/4 -d ${d}/all.ndjson ${d}/part-`);
  const A = `-a 'n=count()' -a 'u=distinct(user_pseudo_id)' -a 's=sum(event_server_timestamp_offset)' -a 'm=avg(event_server_timestamp_offset)' -a 'lo=min(user_pseudo_id)' -a 'hi=max(event_server_timestamp_offset)' -a 'q=p95(event_server_timestamp_offset)' -a 'med=quantile(event_server_timestamp_offset, 0.5)'`;
  const keys = 'event_name version';
  const one = sh(`count-by ${keys} ${A} -i ${d}/all.ndjson`);
  assert.is(one.status, 0, one.stderr);
  const merged = sh(`ls ${d}/part-* | xargs -P 2 -I{} sh -c "count-by ${keys} --partial ${A.replace(/"/g, '\\"')} -i {} > {}.partial" && cat ${d}/part-*.partial | count-by ${keys} --merge ${A}`);
  assert.is(merged.status, 0, merged.stderr);
  assert.is(merged.stdout, one.stdout);
  assert.ok(one.stdout.split('\n').length > 20);
  const nested = sh(`(cat ${d}/part-00.partial ${d}/part-01.partial | count-by ${keys} --merge --partial ${A}; cat ${d}/part-02.partial ${d}/part-03.partial) | count-by ${keys} --merge ${A}`);
  assert.is(nested.stdout, one.stdout);
});

test('sketches: approx_distinct within its error bound (and merged exactly), approx_quantile within 1 % of rank', () => {
  const d = tmpdir();
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const rows = Array.from({ length: 120000 }, (_, i) => ({ g: i % 3, u: `user${Math.floor(rnd() * 90000)}`, v: Math.round(rnd() ** 2 * 1e6) }));
  sh(`cat > ${d}/all.ndjson`, { input: rows.map((r) => JSON.stringify(r)).join('\n') + '\n' });
  sh(`head -50000 ${d}/all.ndjson > ${d}/a; tail -n +50001 ${d}/all.ndjson > ${d}/b`);
  const A = `-a 'au=approx_distinct(u)' -a 'ap=approx_quantile(v, 0.9)'`;
  const one = lines(sh(`count-by g ${A} -i ${d}/all.ndjson`).stdout);
  const merged = lines(sh(`(count-by g --partial ${A} -i ${d}/a; count-by g --partial ${A} -i ${d}/b) | count-by g --merge ${A}`).stdout);
  for (const g of [0, 1, 2]) {
    const mine = rows.filter((r) => r.g === g);
    const exact = new Set(mine.map((r) => r.u)).size;
    assert.ok(Math.abs(one[g].au - exact) / exact < 0.065, `HLL ${one[g].au} vs ${exact}`); // 4 standard errors
    assert.is(merged[g].au, one[g].au); // register max: the merge is exact
    const vs = mine.map((r) => r.v).sort((a, b) => a - b);
    for (const est of [one[g].ap, merged[g].ap]) {
      const rank = vs.filter((x) => x <= est).length / vs.length;
      assert.ok(Math.abs(rank - 0.9) < 0.01, `t-digest rank ${rank}`);
    }
  }
});

test('--merge refuses records that are not partial states', () => {
  const r = sh(`echo '{"k":1,"n":3}' | count-by k --merge -a 'n=count()'`);
  assert.match(r.stderr, /not a partial state/);
  assert.is(r.stdout, '');
});

test.run();
