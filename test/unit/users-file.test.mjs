// scripts/lib/users-file.mjs (the Insights combination's power-users step) against the whole-file
// string reading it replaced: the users with a total (lines less the null totals), and the first k
// lines, on random users files with long lines (past the 64 KiB tail and the 256 KiB reads), null
// totals last, empty files.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { firstLines, usersOf, withTotals } from '../../scripts/lib/users-file.mjs';

let seed = 3;
const rnd = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };

test('usersOf and firstLines read what the whole file as a string says', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'users-file-')), file = path.join(dir, '0.users');
  try {
    for (let t = 0; t < 200; t++) {
      const lines = [], nn = rnd(3) === 0 ? 0 : rnd(2000), nulls = rnd(4) === 0 ? rnd(50) : 0;
      for (let i = 0; i < nn; i++) lines.push(JSON.stringify({ user_id: 'u' + 'x'.repeat(rnd(5) === 0 ? rnd(100000) : rnd(10)) + i, total_duration_ms: 1e6 - i }));
      for (let i = 0; i < nulls; i++) lines.push(JSON.stringify({ user_id: 'n' + 'y'.repeat(rnd(5) === 0 ? rnd(200000) : rnd(10)) + i, total_duration_ms: null }));
      const text = lines.map((l) => `${l}\n`).join('');
      fs.writeFileSync(file, text);
      const c = usersOf(file);
      assert.is(c.lines, lines.length, 'lines');
      assert.is(c.nulls, nulls, 'null totals');
      const k = 1 + rnd(lines.length + 5);
      assert.is(firstLines(file, k).toString(), lines.slice(0, k).map((l) => `${l}\n`).join(''), `first ${k} lines`);
    }
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('withTotals drops the last lines that hold a null total, and no other', () => {
  const line = (u, t) => JSON.stringify({ user_id: u, total_duration_ms: t }) + '\n';
  for (const [lines, keep] of [[[], 0], [[line('a', 5)], 1], [[line('a', null)], 0], [[line('a', 5), line('b', null), line('c', null)], 1],
    [[line('a', 5), line('b', 4)], 2], [[line('a', null), line('b', 3)], 2], [[line('total_duration_ms":null', 2)], 1]]) {
    const buf = Buffer.from(lines.join(''));
    assert.is(withTotals(buf).toString(), lines.slice(0, keep).join(''), lines.join(''));
  }
});

test.run();
