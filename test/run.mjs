#!/usr/bin/env node
// The test command (npm test): every uvu test file under test/ (unit tests per tool, the case folders
// in test/cases run against the real bins, end-to-end pipelines), then one plain closing line
// "N passed, N failed" so CI shows a run that tested nothing. Everything runs with TMPDIR set to a
// private directory, removed at the end (the tests, the tools and the recipes under test make their
// temporary files there: a run left gigabytes in /tmp before); EVENT_PIPES_KEEP_TMP=1 keeps it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pattern = process.argv[2] ?? '\\.test\\.mjs$';
const uvu = path.join(root, 'node_modules', 'uvu', 'bin.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'event-pipes-test-'));
fs.chmodSync(tmp, 0o755); // (other users the tests run servers as reach their files in it)
const keep = Boolean(process.env.EVENT_PIPES_KEEP_TMP);
const cleanUp = () => {
  if (keep) process.stderr.write(`test/run.mjs: the temporary files are kept in ${tmp}\n`);
  else fs.rmSync(tmp, { recursive: true, force: true });
};
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { child.kill(sig); cleanUp(); process.exit(128 + os.constants.signals[sig]); });
const child = spawn(process.execPath, [uvu, 'test', pattern], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, TMPDIR: tmp } });
let text = '';
child.stdout.on('data', (d) => { text += d; process.stdout.write(d); });
child.on('close', (code) => {
  cleanUp();
  const plain = text.replace(/\x1b\[[0-9;]*m/g, '');
  const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(plain)?.[1] ?? 0);
  // (uvu's Total leaves out the skipped tests, and counts those a failing test.before kept from running,
  // which it does not say: both are in total - passed)
  const failed = Math.max(total - passed, code === 0 ? 0 : 1);
  process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  process.exitCode = failed > 0 || total === 0 ? 1 : 0;
});
