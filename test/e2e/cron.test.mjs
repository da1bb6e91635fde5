// scripts/cron-run: one run at a time, logs, loud failures.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { sh, tmpdir } from '../helpers/sh.mjs';

test('a failing job exits with its status and prints the log tail on stderr', () => {
  const dir = tmpdir();
  const r = sh(`cron-run job bash -c 'echo working; echo boom >&2; exit 3'`, { env: { EVENT_PIPES_LOG_DIR: dir, EVENT_PIPES_LOCK_DIR: dir } });
  assert.is(r.status, 3);
  assert.match(r.stderr, /job FAILED with status 3/);
  assert.match(r.stderr, /boom/);
  const log = fs.readFileSync(`${dir}/job.log`, 'utf8');
  assert.match(log, /start: bash/);
  assert.match(log, /end: status=3/);
});

test('a second run while the first holds the lock is skipped with status 75', () => {
  const dir = tmpdir();
  const env = { EVENT_PIPES_LOG_DIR: dir, EVENT_PIPES_LOCK_DIR: dir };
  const r = sh(`cron-run job sleep 2 & sleep 0.5; cron-run job echo second; s=$?; wait; exit $s`, { env });
  assert.is(r.status, 75);
  assert.match(r.stderr, /still holds/);
  assert.not.match(fs.readFileSync(`${dir}/job.log`, 'utf8'), /second/);
});

test('a successful job is silent on stdout and stderr', () => {
  const dir = tmpdir();
  const r = sh(`cron-run job echo fine`, { env: { EVENT_PIPES_LOG_DIR: dir, EVENT_PIPES_LOCK_DIR: dir } });
  assert.is(r.status, 0);
  assert.is(r.stdout + r.stderr, '');
  assert.match(fs.readFileSync(`${dir}/job.log`, 'utf8'), /fine\n.*end: status=0/);
});

test.run();
