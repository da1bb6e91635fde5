// The generators' output: a failure to write it is said and exits 1 (a full disk gave exit 0 and a file
// cut mid-line); `| head` ends them quietly; --out FILE is written under a temporary name and renamed
// when whole, so a failure leaves the old file as it was and nothing beside it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { root, sh, tmpdir } from '../helpers/sh.mjs';

const full = fs.existsSync('/dev/full') ? test : test.skip;

full('stdout that cannot take the output (/dev/full): said, exit 1, for each generator', () => {
  for (const g of ['generate-ga4 --events 5000', 'generate-loco --events 5000', 'generate-lingokids --events 5000']) {
    const r = sh(`${g} > /dev/full`);
    assert.is(r.status, 1, `${g}: ${r.stderr}`);
    assert.match(r.stderr, /^generate-\w+: cannot write the output: no space left on the device\n$/, g);
  }
});

test('| head: quiet, exit 0', () => {
  const r = sh('set -o pipefail; generate-ga4 --events 50000 | head -c 100 > /dev/null');
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stderr, '');
});

test('--out FILE: whole or not at all; a file that cannot be written leaves the old one and no part file', () => {
  const d = tmpdir();
  let r = sh(`generate-loco --events 300 --out ${d}/a.ndjson`);
  assert.is(r.status, 0, r.stderr);
  assert.is(fs.readFileSync(`${d}/a.ndjson`, 'utf8').trim().split('\n').length, 300);
  fs.writeFileSync(`${d}/old.ndjson`, 'old\n');
  fs.mkdirSync(`${d}/ro`); fs.writeFileSync(`${d}/ro/old.ndjson`, 'old\n'); fs.chmodSync(`${d}/ro`, 0o555);
  r = sh(`generate-loco --events 300 --out ${d}/ro/old.ndjson`);
  fs.chmodSync(`${d}/ro`, 0o755);
  if (process.getuid?.() !== 0) { // (root writes in a read-only folder)
    assert.is(r.status, 1, r.stderr);
    assert.is(fs.readFileSync(`${d}/ro/old.ndjson`, 'utf8'), 'old\n');
  }
  if (fs.existsSync('/dev/full')) { // (a device named by --out is written as it is: never a file renamed over it)
    r = sh('generate-loco --events 3000 --out /dev/full');
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr, /cannot write \/dev\/full: no space left on the device/);
    assert.ok(fs.statSync('/dev/full').isCharacterDevice());
    assert.equal(fs.readdirSync('/dev').filter((f) => f.endsWith('.tmp')), []);
  }
  // a link: its target written, the link kept
  fs.mkdirSync(`${d}/real`); fs.writeFileSync(`${d}/real/t.ndjson`, 'old\n'); fs.symlinkSync('real/t.ndjson', `${d}/l.ndjson`);
  r = sh(`generate-loco --events 10 --out ${d}/l.ndjson`);
  assert.is(r.status, 0, r.stderr);
  assert.ok(fs.lstatSync(`${d}/l.ndjson`).isSymbolicLink());
  assert.is(fs.readFileSync(`${d}/real/t.ndjson`, 'utf8').trim().split('\n').length, 10);
  assert.equal(fs.readdirSync(d).filter((f) => f.endsWith('.tmp')), []);
  assert.equal(fs.readdirSync(`${d}/ro`).filter((f) => f.endsWith('.tmp')), []);
});

test('a signal while the file is written: no part file left, no file made', async () => {
  const d = tmpdir();
  const { spawn } = await import('node:child_process');
  const p = spawn(path.join(root, 'scripts', 'generate-ga4'), ['--events', '3000000', '--out', `${d}/big.ndjson`], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 700));
  p.kill('SIGTERM');
  const code = await new Promise((r) => p.on('close', (c, sig) => r(sig ?? c)));
  assert.is(code, 'SIGTERM');
  assert.equal(fs.readdirSync(d), []);
});

test('every seed its own stream (--seed 0 gave the bytes of --seed 2654435769); generate-ga4 --users 0 or --days 0 refused as the other generators refuse a count of 0 (it was one user, in silence)', () => {
  const a = sh('generate-ga4 --events 20 --seed 0'), b = sh('generate-ga4 --events 20 --seed 2654435769');
  assert.is(a.status, 0, a.stderr); assert.is(b.status, 0, b.stderr);
  assert.is.not(a.stdout, b.stdout);
  assert.is(a.stdout, sh('generate-ga4 --events 20 --seed 0').stdout);
  for (const c of ['users', 'days']) {
    const r = sh(`generate-ga4 --${c} 0 --events 3`);
    assert.is(r.status, 2, c);
    assert.is(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^generate-ga4: --${c} takes 1 or more \\(got 0\\)`));
  }
});

test('a closed standard output is said, exit 1, as the bins say it (the generators were plain node scripts: Node put /dev/null in its place, every line lost, exit 0)', () => {
  for (const g of ['generate-ga4', 'generate-lingokids', 'generate-loco']) { // (generate-insights writes a folder)
    const r = sh(`${g} --events 5 >&-`);
    assert.is(r.status, 1, `${g}: ${r.stderr}`);
    assert.match(r.stderr, /not open for writing \(closed\?\)/, g);
  }
});

test.run();
