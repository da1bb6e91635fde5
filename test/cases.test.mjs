// Miller-style regression cases: test/cases/<tool>/<NNNN>/{cmd,input,expout,experr,status}.
// cmd is a shell line run in the case folder with bin/ on PATH and `input` on stdin; stdout must equal
// expout; experr (when present) must equal stderr; status (when present) the exit code (else 0). Each
// runs with TMPDIR a directory of its own, removed at the end (what a cmd makes with mktemp goes too).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { root, sh, tmpdir } from './helpers/sh.mjs';

const base = path.join(root, 'test', 'cases');
for (const tool of fs.readdirSync(base).sort()) {
  for (const id of fs.readdirSync(path.join(base, tool)).sort()) {
    const dir = path.join(base, tool, id);
    const read = (f) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : undefined);
    test(`case ${tool}/${id}: ${read('cmd').trim().split('\n')[0].slice(0, 80)}`, () => {
      // (a misspelt expected file, exp-err or status.txt, would drop its check in silence)
      const odd = fs.readdirSync(dir).filter((f) => /^(exp|stat)/i.test(f) && !['expout', 'experr', 'status'].includes(f));
      assert.equal(odd, [], 'files that look like expected results but are not named expout, experr or status');
      const input = read('input') ?? '';
      const r = sh(read('cmd'), { input, cwd: dir, env: { TMPDIR: tmpdir('ep-case-') } });
      assert.is(r.stdout, read('expout') ?? '', 'stdout');
      const experr = read('experr');
      if (experr !== undefined) assert.is(r.stderr, experr, 'stderr');
      assert.is(r.status, Number((read('status') ?? '0').trim()), `exit status (stderr: ${r.stderr})`);
    });
  }
}
test.run();
