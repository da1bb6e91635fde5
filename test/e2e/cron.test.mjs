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
  // a password holding @ runs to the last @ before the host, as the URL parser reads it (ss@ was logged)
  const r2 = sh(`cron-run job2 true postgres://etl:p@ss@db/x`, { env: { EVENT_PIPES_LOG_DIR: dir, EVENT_PIPES_LOCK_DIR: dir } });
  assert.is(r2.status, 0, r2.stderr);
  assert.match(fs.readFileSync(`${dir}/job2.log`, 'utf8'), /start: true postgres:\/\/etl:\*\*\*@db\/x\n/);
});

test('a log file that cannot be written (here a folder by its name; in cron, a log folder made by root for another user): one line, not run, exit 1 (bash\'s errors and "FAILED with status 1" were mailed)', () => {
  const dir = tmpdir();
  fs.mkdirSync(`${dir}/job.log`);
  const r = sh(`cron-run job touch ${dir}/ran`, { env: { EVENT_PIPES_LOG_DIR: dir, EVENT_PIPES_LOCK_DIR: dir } });
  assert.is(r.status, 1);
  assert.is(r.stderr, `cron-run: cannot write the log file ${dir}/job.log (permissions?); job not run\n`);
  assert.not.ok(fs.existsSync(`${dir}/ran`));
});

test('a lock that cannot be had for another reason than a run is said as it is, exit 1 (it was "previous run still holds", 75, every night); a lock file of another user still locks', () => {
  const dir = tmpdir();
  fs.writeFileSync(`${dir}/afile`, '');
  let r = sh(`cron-run job touch ${dir}/ran`, { env: { EVENT_PIPES_LOG_DIR: dir, EVENT_PIPES_LOCK_DIR: `${dir}/afile` } });
  assert.is(r.status, 1);
  assert.match(r.stderr, /cannot open the lock file .*afile\/job\.lock: no such folder/);
  fs.mkdirSync(`${dir}/locks/job.lock`, { recursive: true });
  r = sh(`cron-run job touch ${dir}/ran`, { env: { EVENT_PIPES_LOG_DIR: dir, EVENT_PIPES_LOCK_DIR: `${dir}/locks` } });
  assert.is(r.status, 1);
  assert.match(r.stderr, /job\.lock: not a plain file; not run/);
  assert.not.match(r.stderr, /still holds/);
  assert.not.ok(fs.existsSync(`${dir}/ran`));
  // a lock file made before and now read-only to this user (a run by hand as root left it in /tmp)
  fs.writeFileSync(`${dir}/ro.lock`, '');
  fs.chmodSync(`${dir}/ro.lock`, 0o444);
  r = sh(`cron-run ro touch ${dir}/ran`, { env: { EVENT_PIPES_LOG_DIR: dir, EVENT_PIPES_LOCK_DIR: dir } });
  assert.is(r.status, 0, r.stderr);
  assert.ok(fs.existsSync(`${dir}/ran`));
});

test('something the command leaves running does not hold the next run off (the lock is not inherited)', () => {
  const dir = tmpdir();
  const env = { EVENT_PIPES_LOG_DIR: dir, EVENT_PIPES_LOCK_DIR: dir };
  let r = sh(`cron-run job bash -c 'sleep 3 > /dev/null 2>&1 & echo started'`, { env });
  assert.is(r.status, 0, r.stderr);
  r = sh(`cron-run job echo second`, { env });
  assert.is(r.status, 0, r.stderr);
  assert.match(fs.readFileSync(`${dir}/job.log`, 'utf8'), /second/);
});

test('run by hand from a terminal, a command that reads the terminal fails at once, as under cron (it was stopped: cron-run hung with the lock held)', () => {
  if (sh('command -v script').status !== 0) return; // (util-linux's script gives the run a terminal)
  const dir = tmpdir();
  fs.writeFileSync(`${dir}/t.sh`, `cron-run tty bash -c 'read -r x < /dev/tty; echo "read: $?"'; echo "status $?"\ncron-run stdin bash -c 'read -r x; echo "stdin: $?"'; echo "status $?"\n`);
  const t0 = Date.now();
  const r = sh(`timeout 20 script -qec "bash ${dir}/t.sh" /dev/null`, { env: { EVENT_PIPES_LOG_DIR: dir, EVENT_PIPES_LOCK_DIR: dir } });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.ok(Date.now() - t0 < 15000);
  assert.match(fs.readFileSync(`${dir}/tty.log`, 'utf8'), /read: 1/);
  assert.match(fs.readFileSync(`${dir}/stdin.log`, 'utf8'), /stdin: 1/);
});

test.run();
