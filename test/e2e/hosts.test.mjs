// --hosts: the recipes' per-partition stage on other hosts through GNU parallel, tested for real over a
// private sshd (Debian's openssh-server, key-only, on a high port of 127.0.0.1 and 127.0.0.2: two
// "hosts", started and stopped by this file). The inputs live in a directory that the hosts cannot see
// (an empty tmpfs over it in the sshd's mount namespace), so every job reads the copy parallel sent
// with it. Checked: the tables of a run over the two hosts (and over `:` with one) are exactly those of
// a run without --hosts; nothing is left on the hosts; a host lacking the toolkit is named and nothing
// runs; a job whose connection is killed is retried elsewhere and the tables are still exact; a
// partition that fails everywhere leaves the database as it was, exit 1.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { hasReal, real, root, sh, tmpdir } from '../helpers/sh.mjs';
import { dumpAll } from '../helpers/incremental.mjs';
import { canHide, missing, startSshd } from '../helpers/sshd.mjs';

const lacking = missing();
if (lacking) {
  const msg = `hosts.test.mjs: SKIPPED, the --hosts tests cannot run here: missing ${lacking} (Debian packages openssh-server, parallel, rsync)`;
  console.error(`\n${'!'.repeat(msg.length)}\n${msg}\n${'!'.repeat(msg.length)}\n`);
  if (process.env.EVENT_PIPES_REQUIRE_SSHD) throw new Error(msg);
}
const it = lacking ? test.skip : test;

let sshd, bare, data, work;
const hidden = canHide();
let startError; // (a failed start said by every test: uvu swallows what test.before throws)
test.before(async () => {
  if (lacking) return;
  try { await start(); } catch (err) { startError = err; }
});
test.before.each(() => { if (startError) throw startError; });
async function start() {
  data = tmpdir('ep-hosts-data-');   // the inputs: not visible to the hosts (when namespaces work here)
  work = tmpdir('ep-hosts-work-');   // wrappers, logs, databases
  if (!hidden) console.error('hosts.test.mjs: no private mount namespace here: the hosts share this file system (inputs are still sent: jobs read them by relative names)');
  sshd = await startSshd({ hide: hidden ? [data] : [] });
  // a third host without the toolkit: this checkout hidden from it
  if (hidden) bare = await startSshd({ addresses: ['127.0.0.3'], hide: [data, root] });
}
test.after(() => { sshd?.stop(); bare?.stop(); });

const H1 = () => sshd.login('127.0.0.1', { jobs: 2 });
const H2 = () => sshd.login('127.0.0.2', { jobs: 2 });
// parallel sends a job's command to its host hex-encoded (perl -e GNU_Parallel_worker ... HEX): a job
// of hosts_run names _hosts_job (the toolkit check does not)
const JOB = `*GNU_Parallel_worker*${Buffer.from('_hosts_job').toString('hex')}*`;
/** an ssh wrapper that logs the partition jobs it carries (NAME.log) and the files sent with rsync
 *  (NAME.sent), one line each (the arguments), and runs ssh */
function loggingSsh(name) {
  const f = `${work}/${name}`;
  fs.writeFileSync(f, `#!/bin/bash
case "$*" in
  ${JOB}) echo "$*" | cut -c 1-200 >> '${f}.log' ;;
  *"rsync --server"*) case "$*" in *--sender*) ;; *) echo "$*" >> '${f}.sent' ;; esac ;;
esac
exec ssh "$@"
`, { mode: 0o755 });
  return f;
}
const count = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);
const jobsOn = (wrapper, address) => (fs.existsSync(`${wrapper}.log`) ? fs.readFileSync(`${wrapper}.log`, 'utf8').split('\n').filter((l) => l.includes(` ${address} `)).length : 0);
/** parallel's job directories on the hosts (under the session's login directory; `sshlogin` is the
 *  cache of the controlling parallel, which shares this file system) */
const leftOnHosts = () => {
  const r = sshd.ssh('127.0.0.2', 'ls -A .parallel/tmp 2>/dev/null; true');
  return r.stdout.split('\n').filter((l) => l && l !== 'sshlogin');
};

function ok(r, what) { assert.is(r.status, 0, `${what}: ${r.stderr}`); return r; }

// ---- Sliide: active-users.sh ----------------------------------------------------------------------

let sliideFiles, sliideLocal;
function sliideInputs() {
  if (sliideFiles) return sliideFiles;
  const parts = [];
  if (hasReal) {  // the real sample in two partitions (scattered lines: every day in both)
    const lines = fs.readFileSync(path.join(real, 'sliide', 'bq-results-sample-data.jsons'), 'utf8').trim().split('\n');
    for (let i = 0; i < 2; i++) parts.push(lines.filter((_, j) => j % 2 === i));
  }
  // a generated export over 4 days across the US DST switch, users active on several days, 3 broken
  // lines, in two contiguous runs (a day cut in the middle)
  const g = ok(sh('generate-ga4 --seed 5 --events 4000 --users 150 --days 4 --start 2020-03-06 --bad-lines 3'), 'generate-ga4').stdout.trim().split('\n');
  parts.push(g.slice(0, 1700), g.slice(1700));
  sliideFiles = parts.map((p, i) => {
    const f = `${data}/sliide-${i}.jsons`;
    fs.writeFileSync(f, p.join('\n') + '\n');
    return f;
  });
  // one partition gzipped, one empty
  ok(sh(`gzip -k ${sliideFiles[1]}`), 'gzip');
  sliideFiles[1] += '.gz';
  fs.writeFileSync(`${data}/sliide-empty.jsons`, '');
  sliideFiles.push(`${data}/sliide-empty.jsons`);
  const db = `${work}/sliide-local.db`;
  ok(sh(`active-users.sh --quiet --db ${db} ${sliideFiles.join(' ')}`), 'local run');
  sliideLocal = dumpAll(db);
  assert.equal(Object.keys(sliideLocal), ['active_user_pairs', 'active_user_table']);
  return sliideFiles;
}

it('active-users.sh --hosts: two ssh hosts give exactly the tables of a local run; inputs sent, nothing left there', () => {
  const files = sliideInputs();
  if (hidden) assert.is(sshd.ssh('127.0.0.2', `test -e ${files[0]}`).status, 1, 'the hosts cannot read the inputs here');
  const before = leftOnHosts();
  const w = loggingSsh('ssh-log');
  const hosts = `${sshd.login('127.0.0.1', { jobs: 1, ssh: w })},${sshd.login('127.0.0.2', { jobs: 1, ssh: w })}`;
  const db = `${work}/sliide-hosts.db`;
  const r = ok(sh(`active-users.sh --db ${db} --hosts '${hosts}' ${files.join(' ')}`), 'hosts run');
  assert.equal(dumpAll(db), sliideLocal);
  if (hasReal) assert.match(r.stdout, /2019-12-29\s+11\n2019-12-30\s+31\n2019-12-31\s+22/);
  assert.match(r.stderr, /bad records? skipped/, `the hosts' messages come through: ${r.stderr}`);
  assert.ok(jobsOn(w, '127.0.0.1') > 0 && jobsOn(w, '127.0.0.2') > 0, 'jobs ran on both hosts');
  assert.is(jobsOn(w, '127.0.0.1') + jobsOn(w, '127.0.0.2'), files.length, 'one job per partition');
  assert.is(count(`${w}.sent`), files.length, 'each input sent with its job');
  assert.equal(leftOnHosts(), before, 'no job directory left on the hosts');
});

it('active-users.sh --hosts @FILE (`:` beside an ssh host, N/, comments) --shared-storage --remote-path (relative): nothing sent, the same tables', () => {
  const files = sliideInputs().map((f) => {  // where the hosts can read them
    const g = `${work}/${path.basename(f)}`;
    fs.copyFileSync(f, g);
    return g;
  });
  const w = loggingSsh('ssh-shared');
  fs.writeFileSync(`${work}/hosts.txt`, `# the hosts of the test\n${sshd.login('127.0.0.2', { jobs: 2, ssh: w })}\n\n1/:\n`);
  const db = `${work}/sliide-file.db`;
  // --remote-path relative: from the home directory on each host (the private sshd's sessions get their
  // own; the run here gets the same HOME, so that `:` finds the toolkit at the same relative path)
  const rel = path.relative(sshd.home, root);
  ok(sh(`HOME=${sshd.home} active-users.sh --quiet --db ${db} --hosts @${work}/hosts.txt --shared-storage --remote-path ${rel} ${files.join(' ')}`), '@FILE');
  assert.equal(dumpAll(db), sliideLocal);
  assert.ok(count(`${w}.log`) > 0 && count(`${w}.log`) < files.length, 'jobs on the ssh host and here');
  assert.is(count(`${w}.sent`), 0, 'no file sent');
});

it('a host without the toolkit is named, nothing runs, nothing is loaded (exit 1)', () => {
  const files = sliideInputs();
  const db = `${work}/sliide-missing.db`;
  ok(sh(`active-users.sh --quiet --db ${db} ${files[0]}`), 'a first load');
  const before = dumpAll(db);
  // --remote-path where no host has it: each host named
  let r = sh(`active-users.sh --quiet --db ${db} --remote-path /nonexistent/event-pipes --hosts '${H1()},${H2()}' ${files.join(' ')}`);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`host ${H1().replace(/[.]/g, '\\.')} lacks the toolkit: no /nonexistent/event-pipes/bin/event-pipes`));
  assert.match(r.stderr, /root@127\.0\.0\.2 lacks the toolkit/);
  assert.match(r.stderr, /nothing was run/);
  assert.equal(dumpAll(db), before);
  // a host whose file system does not have this checkout (nor event-pipes on its PATH)
  if (bare) {
    r = sh(`active-users.sh --quiet --db ${db} --hosts '${H1()},${bare.login('127.0.0.3')}' ${files.join(' ')}`);
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr, /host ssh -F \S+ root@127\.0\.0\.3 lacks the toolkit: neither \S+\/bin\/event-pipes \(its path here\) nor event-pipes on its PATH/);
    assert.not.match(r.stderr, /127\.0\.0\.1 lacks/);
  }
  // a copy of the toolkit of the same version but other code (an older build deployed there): named,
  // nothing run (the version alone passed it, and its older validate gave other tables, exit 0; found
  // by a review)
  const other = `${work}/other-build`;
  fs.mkdirSync(other);
  for (const d of ['bin', 'dist', 'scripts']) fs.cpSync(path.join(root, d), path.join(other, d), { recursive: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(other, 'package.json'));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(other, 'node_modules'));
  fs.appendFileSync(path.join(other, 'dist', 'tools', 'validate.js'), '\n// another build\n');
  r = sh(`active-users.sh --quiet --db ${db} --remote-path ${other} --hosts '${H1()}' ${files.join(' ')}`);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, /the toolkit there is event-pipes \S+ \(build \d+-\d+\), here event-pipes \S+ \(build \d+-\d+\): install the same build/);
  assert.equal(dumpAll(db), before);
  // a host that cannot be reached
  r = sh(`active-users.sh --quiet --db ${db} --hosts '${H1()},ssh -o BatchMode=yes -p 1 root@127.0.0.2' ${files.join(' ')}`);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, /host ssh -o BatchMode=yes -p 1 root@127\.0\.0\.2 could not be reached or ran nothing: ssh: connect to host 127\.0\.0\.2 port 1/);
  assert.equal(dumpAll(db), before);
});

it('a job whose connection is killed mid-way is run again on the other host: the tables are still exact', () => {
  const files = sliideInputs();
  // kills the ssh carrying the first partition job it is given once the job's stage runs there (its
  // output file is open: the hosts share this machine's file system), exit 255 as ssh does when a
  // connection is lost; that connection is not shared, so the job dies with it
  const flaky = `${work}/flaky-ssh`;
  fs.writeFileSync(flaky, `#!/bin/bash
case "$*" in ${JOB})
  if mkdir '${work}/flaky.done' 2>/dev/null; then
    ssh -o ControlPath=none "$@" & pid=$!
    hex=""; for a in "$@"; do [[ $a =~ ^[0-9a-f]+$ ]] && hex+=$a; done
    dir=$(perl -e 'print pack("H*", $ARGV[0])' "$hex" | grep -a -o -m 1 '[.]parallel/tmp/[^/"]*-[0-9]*' | head -n 1)
    for i in $(seq 500); do compgen -G "${sshd.loginDir}/$dir/*.tmp.pairs" > /dev/null && break; sleep 0.02; done
    kill -9 $pid; wait $pid; echo "$i $dir" > '${work}/flaky.done/polls'; exit 255
  fi ;;
esac
exec ssh "$@"
`, { mode: 0o755 });
  const before = leftOnHosts();
  const db = `${work}/sliide-flaky.db`;
  const r = ok(sh(`active-users.sh --quiet --db ${db} --hosts '1/${flaky} -F ${sshd.config} root@127.0.0.2,${H1()}' ${files.join(' ')}`), 'flaky run');
  const [polls, dir] = fs.readFileSync(`${work}/flaky.done/polls`, 'utf8').trim().split(' ');
  assert.ok(dir && Number(polls) < 500, `the connection was killed while the job's stage ran (${polls} ${dir})`);
  assert.equal(dumpAll(db), sliideLocal);
  assert.equal(leftOnHosts(), before, `nothing left on the hosts (${r.stderr})`);
});

it('a partition that fails on every host: exit 1, it is named, the database is unchanged, nothing left there', () => {
  const files = sliideInputs();
  const bad = `${data}/broken.jsons.gz`;
  fs.writeFileSync(bad, Buffer.concat([fs.readFileSync(files[1]).subarray(0, 200), Buffer.from('not gzip any more')]));
  const db = `${work}/sliide-fail.db`;
  ok(sh(`active-users.sh --quiet --db ${db} ${files[0]}`), 'a first load');
  const before = dumpAll(db);
  const left = leftOnHosts();
  const r = sh(`active-users.sh --quiet --db ${db} --hosts '${H1()},${H2()}' ${bad} ${files.slice(0, 2).join(' ')}`);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`${bad.replace(/[.]/g, '\\.')} failed on .*, tried 2 times`));
  assert.match(r.stderr, /nothing was loaded/);
  assert.equal(dumpAll(db), before);
  assert.equal(leftOnHosts(), left);
  // usage: standard input cannot be sent; a bad --retries
  assert.is(sh(`active-users.sh --quiet --db ${db} --hosts : < ${files[0]}`).status, 2);
  assert.is(sh(`active-users.sh --quiet --db ${db} --hosts : --retries x ${files[0]}`).status, 2);
  assert.is(sh(`active-users.sh --quiet --db ${db} --hosts , ${files[0]}`).status, 2);
  const missingFile = sh(`active-users.sh --quiet --db ${db} --hosts : ${files[0]} ${data}/no-such-file.jsons`);
  assert.is(missingFile.status, 1);
  assert.match(missingFile.stderr, /no-such-file\.jsons: no such file \(nothing was run\)/);
  assert.equal(dumpAll(db), before);
});

it('the same host given twice (as is, or with another N/): checked once, the run ends with the tables of a local run', () => {
  const files = sliideInputs();
  const db = `${work}/sliide-twice.db`;
  // (the check used to wait for ever: parallel keeps one sshlogin of a spelling)
  const r = sh(`timeout 60 active-users.sh --quiet --db ${db} --hosts '${H1()},${sshd.login('127.0.0.1', { jobs: 1 })},:,1/:' ${files.join(' ')}`);
  assert.is(r.status, 0, r.stderr);
  assert.equal(dumpAll(db), sliideLocal);
});

it('a partition that fails while another runs on the other host: that job ends with its cleanup, nothing left there', () => {
  const files = sliideInputs();
  const bad = `${data}/broken-early.jsons.gz`;
  fs.writeFileSync(bad, Buffer.concat([fs.readFileSync(files[1]).subarray(0, 200), Buffer.from('not gzip any more')]));
  // the job of the good partition starts 3 s late (its input already sent): it is still running when
  // the bad one fails
  const slow = `${work}/slow-ssh`;
  fs.writeFileSync(slow, `#!/bin/bash
case "$*" in ${JOB})
  hex=""; for a in "$@"; do [[ $a =~ ^[0-9a-f]+$ ]] && hex+=$a; done
  perl -e 'print pack("H*", $ARGV[0])' "$hex" | grep -a -q broken-early || sleep 3 ;;
esac
exec ssh "$@"
`, { mode: 0o755 });
  const left = leftOnHosts();
  const db = `${work}/sliide-fail-early.db`;
  const r = sh(`active-users.sh --quiet --db ${db} --retries 1 --hosts '1/${slow} -F ${sshd.config} root@127.0.0.1,1/${slow} -F ${sshd.config} root@127.0.0.2' ${files[0]} ${bad}`);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, /broken-early\.jsons\.gz failed on .*, tried 1 times/);
  assert.is(fs.existsSync(db), false, 'nothing loaded');
  assert.equal(leftOnHosts(), left, 'no job directory (nor input) left on the hosts');
});

it('a run stopped by a signal while its jobs run (timeout: TERM to the group; Ctrl-C: INT): its job directories (inputs in them) are removed from the hosts, the database is unchanged', async () => {
  const files = sliideInputs();
  // the jobs wait 30 s once their inputs are on the host (a job's command comes after its transfer)
  const slow = `${work}/stalled-ssh`;
  fs.writeFileSync(slow, `#!/bin/bash
case "$*" in ${JOB}) sleep 30 ;; esac
exec ssh "$@"
`, { mode: 0o755 });
  for (const sig of ['SIGTERM', 'SIGINT']) {
    const db = `${work}/sliide-stopped-${sig}.db`;
    ok(sh(`active-users.sh --quiet --db ${db} ${files[0]}`), 'a first load');
    const before = dumpAll(db), left = leftOnHosts();
    const p = spawn('bash', ['-c', `exec active-users.sh --quiet --db ${db} --hosts '2/${slow} -F ${sshd.config} root@127.0.0.2' ${files.join(' ')}`],
      { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PATH: `${root}/bin:${root}/scripts:${process.env.PATH}` } });
    let err = ''; p.stderr.on('data', (d) => { err += d; });
    const ended = new Promise((resolve) => p.on('close', (code, signal) => resolve({ code, signal })));
    let sent = [];
    for (let i = 0; i < 300 && sent.length < 2; i++) { await new Promise((r) => setTimeout(r, 100)); sent = leftOnHosts().filter((d) => !left.includes(d)); }
    assert.ok(sent.length >= 1, `the inputs were sent (${err})`);
    process.kill(-p.pid, sig); // (to its process group, as timeout and a terminal do)
    const { code, signal } = await ended;
    assert.ok(signal === sig || code === 128 + (sig === 'SIGTERM' ? 15 : 2), `${sig}: ended by it (${code} ${signal}) ${err}`);
    assert.equal(leftOnHosts(), left, `${sig}: nothing left on the host (${sent.join(' ')} were there)`);
    assert.equal(dumpAll(db), before);
  }
});

// ---- Lingokids: engagement.sh ---------------------------------------------------------------------

it('engagement.sh --hosts: the facts of each partition made on the two hosts (users and activities sent along) give every table of a local run', () => {
  const d = data;
  ok(sh(`generate-lingokids --seed 9 --events 0 --make-users 40 --make-activities 8 --out-users ${d}/users.json --out-activities ${d}/acts.json`), 'world');
  const ev = ok(sh(`generate-lingokids --seed 4 --events 1500 --users ${d}/users.json --activities ${d}/acts.json --bad-lines 3`), 'events').stdout.trim().split('\n');
  // three partitions: every third line (every day in each), the last also with every 40th line of the
  // others (late duplicates across partitions, beside the generator's own duplicate deliveries)
  const files = [0, 1, 2].map((i) => {
    const f = `${d}/lingo-${i}.json`;
    fs.writeFileSync(f, ev.filter((_, j) => j % 3 === i || (i === 2 && j % 40 === 0)).join('\n') + '\n');
    return f;
  });
  const opts = `--users ${d}/users.json --activities ${d}/acts.json --tz America/New_York`;
  ok(sh(`engagement.sh --db ${work}/lingo-local.db ${opts} --out ${work}/lingo-local ${files.join(' ')}`), 'local');
  const local = dumpAll(`${work}/lingo-local.db`);
  assert.ok(local.activity_exit_facts.split('\n').length > 1000);
  const ids = ev.map((l) => { try { return JSON.parse(l).event_id; } catch { return null; } }).filter(Boolean);
  assert.ok(ids.length - new Set(ids).size > 10, 'duplicate deliveries');
  const before = leftOnHosts();
  const r = ok(sh(`engagement.sh --db ${work}/lingo-hosts.db ${opts} --out ${work}/lingo-hosts --stats-file ${work}/lingo.stats --hosts '${H1()},${H2()}' ${files.join(' ')}`), 'hosts');
  assert.equal(dumpAll(`${work}/lingo-hosts.db`), local);
  assert.ok(fs.readFileSync(`${work}/lingo-hosts/activity_engagement_daily.parquet`).equals(fs.readFileSync(`${work}/lingo-local/activity_engagement_daily.parquet`)), 'Parquet');
  assert.match(r.stderr, /bad records? skipped/);
  // --stats-file: each partition's steps (as run on its host), then the load
  const stats = fs.readFileSync(`${work}/lingo.stats`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.is(stats.filter((s) => s.tool === 'dedupe').length, files.length);
  const lineCount = files.reduce((a, f) => a + fs.readFileSync(f, 'utf8').trim().split('\n').length, 0);
  assert.is(stats.filter((s) => s.tool === 'where').reduce((a, s) => a + s.in, 0), lineCount, 'every line of every partition read');
  assert.is(stats.at(-1).tool, 'load-sqlite');
  assert.equal(leftOnHosts(), before);
});

// ---- Insights: insights.sh ------------------------------------------------------------------------

it('insights.sh --hosts (with and without --incremental): the partitions\' states made on the two hosts (the metadata sent along) give every table of a local run', () => {
  const d = data;
  ok(sh(`generate-insights --seed 6 --interactions 3000 --users 200 --out ${d}/ins`), 'generate-insights');
  const files = fs.readdirSync(`${d}/ins/interactions`).filter((f) => /2023-0[1-3]-0[1-3]\.csv$/.test(f)).sort().map((f) => `${d}/ins/interactions/${f}`);
  // metadata for every user (the generator's ids rarely meet) and a session across midnight
  const users = new Set(files.flatMap((f) => fs.readFileSync(f, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',')[0])));
  fs.writeFileSync(`${d}/ins-meta.csv`, ['user_id,join_date,country,device_type,subscription_type', ...[...users].sort().map((u, i) => `${u},2022-01-01,US,${['iPhone', 'Mac', 'Windows'][i % 3]},free`)].join('\n') + '\n');
  fs.appendFileSync(files[0], 'u000001,2023-01-01 23:55:00,page_view,p1,1000,5.0.0\n');
  fs.appendFileSync(files[1], 'u000001,2023-01-02 00:05:00,page_view,p1,2000,5.0.0\n');
  const opts = `--metadata ${d}/ins-meta.csv`;
  ok(sh(`insights.sh --db ${work}/ins-local.db ${opts} ${files.join(' ')}`), 'local');
  const T = ['dau', 'mau', 'power_users', 'retention', 'app_version_p95', 'device_performance', 'device_performance_effect', 'dau_anomalies', 'session_metrics'];
  const local = dumpAll(`${work}/ins-local.db`);
  const same = (db, what) => { const got = dumpAll(db); for (const t of T) assert.is(got[t], local[t], `${what}: ${t}`); };
  const before = leftOnHosts();
  const w = loggingSsh('ssh-insights');
  const hosts = `${sshd.login('127.0.0.1', { jobs: 2, ssh: w })},${sshd.login('127.0.0.2', { jobs: 2, ssh: w })}`;
  ok(sh(`insights.sh --db ${work}/ins-hosts.db ${opts} --hosts '${hosts}' ${files.join(' ')}`), 'hosts');
  same(`${work}/ins-hosts.db`, '--hosts');
  assert.ok(jobsOn(w, '127.0.0.1') > 0 && jobsOn(w, '127.0.0.2') > 0, 'jobs ran on both hosts');
  assert.is(jobsOn(w, '127.0.0.1') + jobsOn(w, '127.0.0.2'), files.length, 'one job per partition');
  assert.ok(fs.readFileSync(`${w}.sent`, 'utf8').includes('ins-meta.csv') || count(`${w}.sent`) >= files.length, 'inputs (and the metadata) sent');
  // incremental over the hosts, in two batches (the second repeats a partition of the first)
  ok(sh(`insights.sh --incremental --db ${work}/ins-inc.db ${opts} --hosts '${H1()},${H2()}' ${files.slice(0, 4).join(' ')}`), 'hosts, first batch');
  ok(sh(`insights.sh --incremental --db ${work}/ins-inc.db ${opts} --hosts '${H1()},${H2()}' ${files.slice(3).join(' ')}`), 'hosts, second batch');
  same(`${work}/ins-inc.db`, '--hosts --incremental');
  // inputs of one file name in two folders (eu/day.csv, us/day.csv): without --incremental each is a
  // partition of its own, as in a local run (they were refused as one partition key, exit 2)
  fs.mkdirSync(`${d}/eu`); fs.mkdirSync(`${d}/us`);
  fs.copyFileSync(files[0], `${d}/eu/day.csv`); fs.copyFileSync(files[1], `${d}/us/day.csv`);
  ok(sh(`insights.sh --db ${work}/ins-name-local.db ${opts} ${d}/eu/day.csv ${d}/us/day.csv`), 'local, one file name twice');
  ok(sh(`insights.sh --db ${work}/ins-name-hosts.db ${opts} --hosts '${H1()},${H2()}' ${d}/eu/day.csv ${d}/us/day.csv`), 'hosts, one file name twice');
  const nameLocal = dumpAll(`${work}/ins-name-local.db`), nameHosts = dumpAll(`${work}/ins-name-hosts.db`);
  for (const t of T) assert.is(nameHosts[t], nameLocal[t], `one file name twice: ${t}`);
  assert.match(nameLocal.dau, /2023/, 'the tables hold rows');
  assert.equal(leftOnHosts(), before, 'nothing left on the hosts');
  // a host without the toolkit: named, nothing stored
  const r = sh(`insights.sh --incremental --db ${work}/ins-inc.db ${opts} --remote-path /nonexistent/event-pipes --hosts '${H1()}' ${files[0]}`);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, /lacks the toolkit/);
  same(`${work}/ins-inc.db`, 'after a refused run');
});

it('--help of the recipes documents --hosts and its options', () => {
  for (const s of ['active-users.sh', 'engagement.sh', 'insights.sh']) {
    const h = sh(`${s} --help`);
    assert.is(h.status, 0);
    for (const o of ['--hosts', '@FILE', 'sshlogin', '--remote-path', '--retries', '--shared-storage', ':']) assert.ok(h.stdout.includes(o), `${s}: ${o}`);
  }
});

it('Ctrl-C (SIGINT to the run\'s process group): the run ends of the signal, not "a partition failed" (GNU parallel exits 255 on it, and no INT trap ran: the jobs\' directories stayed on the hosts); a file whose name holds a line break is refused (found by a review)', async () => {
  const d = tmpdir('ep-hosts-int-');
  const line = fs.readFileSync(sliideInputs()[0], 'utf8');
  // (300 partitions one at a time: the run is stopped while its jobs run, whatever the machine's speed;
  // started as a process group of its own by node, as a terminal starts a job: a shell's background
  // job ignores SIGINT, which the run would then ignore too)
  for (let i = 0; i < 300; i++) fs.writeFileSync(`${d}/p${String(i).padStart(3, '0')}.jsons`, line);
  const files = fs.readdirSync(d).filter((f) => f.endsWith('.jsons')).map((f) => `${d}/${f}`);
  const child = spawn(path.join(root, 'scripts', 'active-users.sh'), ['--quiet', '--db', `${d}/i.db`, '--hosts', '1/:', ...files],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PATH: `${root}/bin:${process.env.PATH}` } });
  let err = '';
  child.stderr.on('data', (x) => { err += x; });
  const ended = new Promise((ok) => child.on('close', (code, signal) => ok({ code, signal })));
  for (let k = 0; k < 600 && !/_hosts_job/.test(sh("pgrep -af '[_]hosts_job' || true").stdout); k++) await new Promise((ok) => setTimeout(ok, 100));
  await new Promise((ok) => setTimeout(ok, 500));
  process.kill(-child.pid, 'SIGINT');
  const { code, signal } = await ended;
  assert.ok(code === 130 || signal === 'SIGINT', `ended by SIGINT: ${code} ${signal}\n${err}`);
  assert.not.match(err, /a partition failed/);
  assert.not.ok(fs.existsSync(`${d}/i.db`) && fs.statSync(`${d}/i.db`).size > 0 && /inserted=[1-9]/.test(err), 'nothing loaded');
  fs.writeFileSync(`${d}/a\nb.jsons`, line);
  const nl = sh(`active-users.sh --quiet --db ${d}/n.db --hosts '1/:' '${d}/a\nb.jsons'`);
  assert.is(nl.status, 2, nl.stderr);
  assert.match(nl.stderr, /a file whose name holds a line break cannot be sent to the hosts/);
});

test.run();
