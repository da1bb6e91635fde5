// Run shell pipelines against the real bins (bin/ first on PATH), as a user would.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const real = path.resolve(root, '../shared/data/real');
export const hasReal = fs.existsSync(real);
let missingSaid = false;
/** `withReal(test)('name', fn)`: a test that needs ../shared/data/real, skipped (counted as skipped,
 *  and said once on stderr) when it is missing, not passed without running */
export function withReal(test) {
  if (hasReal) return test;
  if (!missingSaid) { missingSaid = true; process.stderr.write(`\n!! ${real} is missing: the tests that read the real samples are skipped\n`); }
  return test.skip;
}

/** bash -c script; returns {status, stdout, stderr} (decoded as `encoding`: latin1 keeps every byte) */
export function sh(script, { input, cwd = root, env = {}, encoding = 'utf8' } = {}) {
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', script], {
    cwd, input, encoding, maxBuffer: 1 << 30,
    env: { ...process.env, PATH: `${root}/bin:${root}/scripts:${process.env.PATH}`, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const made = [];
/** a fresh directory under the temporary one, removed when the test process exits (EVENT_PIPES_KEEP_TMP=1
 *  keeps it to look at; npm test also runs everything in a private TMPDIR that it removes: test/run.mjs) */
export function tmpdir(prefix = 'ep-') {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (!process.env.EVENT_PIPES_KEEP_TMP) {
    if (made.length === 0) process.on('exit', () => { for (const m of made) try { fs.rmSync(m, { recursive: true, force: true }); } catch { /* (left behind) */ } });
    made.push(d);
  }
  return d;
}

/** NDJSON text -> array of objects */
export const lines = (text) => text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
