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

test('a run stopped by a signal (timeout around the cron line) stops its command, logs the end and says so; only this run\'s lines are shown', () => {
  const dir = tmpdir();
  const env = { EVENT_PIPES_LOG_DIR: dir, EVENT_PIPES_LOCK_DIR: dir };
  sh(`cron-run job bash -c 'echo an earlier run; exit 0'`, { env });
  const mark = `${dir}/still-running`;
  const r = sh(`timeout 1 cron-run job bash -c 'echo working; sleep 3; touch ${mark}'; s=$?; sleep 3; exit $s`, { env });
  assert.is(r.status, 124); // (timeout's)
  assert.match(r.stderr, /job FAILED with status 143/);
  assert.match(r.stderr, /working/);
  assert.not.match(r.stderr, /an earlier run/);
  assert.match(fs.readFileSync(`${dir}/job.log`, 'utf8'), /working\n.*end: stopped by SIGTERM/);
  assert.not.ok(fs.existsSync(mark), 'the command was stopped with cron-run');
});

test('a password in a URL of the command is logged as ***', () => {
  const dir = tmpdir();
  const r = sh(`cron-run job true --pg postgres://etl:S3CRET@db.internal:5432/analytics`, { env: { EVENT_PIPES_LOG_DIR: dir, EVENT_PIPES_LOCK_DIR: dir } });
  assert.is(r.status, 0, r.stderr);
  const log = fs.readFileSync(`${dir}/job.log`, 'utf8');
  assert.match(log, /start: true --pg postgres:\/\/etl:\*\*\*@db\.internal:5432\/analytics/);
  assert.not.match(log, /S3CRET/);
});

test.run();
