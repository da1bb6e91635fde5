// sessionize's figures: (without --sorted) the sessions and the keys it made sessions of, which the
// Insights recipe sums across shards instead of a distinct(user_id) over the sessions: the two must agree.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { lines, sh, tmpdir } from '../helpers/sh.mjs';

let seed = 11;
const rnd = (n) => { seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff; return (seed >>> 8) % n; };

test('the keys counted are the distinct users of the sessions written (nulls, missing keys and bad times rejected; escaped spellings one key), also with --end/--pings', () => {
  const d = tmpdir();
  const ids = ['"u1"', '"u2"', '"\\u0075\\u0031"', '7', '7.0', '"7"', 'null', '"é"', '"\\u00e9"', '"u3"'];
  const rows = [];
  for (let i = 0; i < 3000; i++) {
    const k = rnd(12);
    const t = rnd(20) === 0 ? '"soon"' : String(1700000000 + rnd(100000));
    rows.push(k === 10 ? `{"t":${t}}` : k === 11 ? `{"user_id":"x${rnd(500)}","t":${t}}` : `{"user_id":${ids[k]},"t":${t}}`);
    if (rnd(10) === 0) rows.push(`{"user_id":"y${rnd(50)}","t":${1700000000 + rnd(1000)},"end":${1700001000 + rnd(1000)},"n":${1 + rnd(5)}}`);
  }
  fs.writeFileSync(`${d}/in.ndjson`, rows.join('\n') + '\n');
  for (const extra of ['', '--end end --pings n']) {
    const r = sh(`sessionize --key user_id --time t --gap 600 ${extra} --stats-file ${d}/st.ndjson < ${d}/in.ndjson > ${d}/out.ndjson`);
    assert.is(r.status, 0, r.stderr);
    const st = lines(fs.readFileSync(`${d}/st.ndjson`, 'utf8')).pop();
    const out = lines(fs.readFileSync(`${d}/out.ndjson`, 'utf8'));
    assert.is(st.counters.sessions, out.length);
    const c = sh(`count-by all_users=none -a 'users=distinct(user_id)' < ${d}/out.ndjson`);
    assert.is(c.status, 0, c.stderr);
    const users = lines(c.stdout)[0].users;
    assert.is(st.counters.keys, users, extra);
    // and by hand: the distinct non-null ids (a number and its text apart, escaped spellings alike) of
    // the rows with a usable time
    const want = new Set();
    for (const l of rows) { const o = JSON.parse(l); if (o.user_id != null && typeof o.t === 'number') want.add(typeof o.user_id + ':' + o.user_id); }
    assert.is(users, want.size);
    assert.ok(users > 200, `${users} users`);
  }
  // --sorted keeps open sessions only: no count of keys
  const r = sh(`sessionize --key user_id --time t --sorted --stats-file ${d}/st2.ndjson`, { input: '{"user_id":"a","t":1}\n{"user_id":"b","t":2}\n' });
  assert.is(r.status, 0, r.stderr);
  assert.not.ok('keys' in lines(fs.readFileSync(`${d}/st2.ndjson`, 'utf8'))[0].counters);
});

test.run();
