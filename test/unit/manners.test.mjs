// The Unix manners, for every tool in the registry: a bin of the same name, --help with a real example
// (exit 0), a usage error as one line with exit 2, a quiet exit 0 when the reader of its output goes
// away (| head), and a docs section in the README.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { registry } from '../../dist/tools/index.js';
import { spawn } from 'node:child_process';
import { root, sh, tmpdir } from '../helpers/sh.mjs';

const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

for (const name of Object.keys(registry)) {
  test(`${name}: bin, --help with an example, one-line usage error, README section`, async () => {
    const tool = (await registry[name]()).default;
    assert.is(tool.name, name);
    assert.ok(fs.existsSync(path.join(root, 'bin', name)), `bin/${name}`);
    assert.ok(tool.examples.length > 0);
    const help = sh(`${name} --help`);
    assert.is(help.status, 0);
    assert.match(help.stdout, /Examples:/);
    assert.match(help.stdout, new RegExp(tool.examples[0][0].split(' ')[0].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    const bad = sh(`${name} --no-such-option < /dev/null`);
    assert.is(bad.status, 2);
    assert.is(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, new RegExp(`^${name}: .*\\(try '${name} --help'\\)`));
    assert.match(bad.stderr, /unknown option --no-such-option /, 'the option as written');
    // an option that takes a value, given without one (last, or before another option): a usage error,
    // not a run without it (the parser leaves it unset)
    const valued = Object.entries(tool.options).filter(([, o]) => o.type === 'number' || o.type === 'string').map(([n]) => n);
    for (const opt of [...valued, ...(tool.noInput ? [] : ['max-reports'])]) {
      for (const tail of ['', ' --stats']) {
        const r = sh(`${name} --${opt}${tail} < /dev/null`);
        assert.is(r.status, 2, `${name} --${opt}${tail}: ${r.stderr}`);
        assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.match(r.stderr, new RegExp(`^${name}: --${opt} needs a value \\(try '${name} --help'\\)`));
      }
    }
    // the bin starts node without NODE_EXTRA_CA_CERTS (node would warn about a missing file, and
    // parse the bundle on every start where it exists)
    const certs = sh(`NODE_EXTRA_CA_CERTS=/nonexistent/ca.pem ${name} --no-such-option < /dev/null`);
    assert.is(certs.stderr, bad.stderr);
    assert.ok(readme.includes(`### ${name}\n`), `README section ### ${name}`);
  });
}

test('| head ends quietly with status 0 (EPIPE), for a pass-through tool and an aggregating one', () => {
  const gen = `awk 'BEGIN { for (i = 0; i < 300000; i++) printf "{\\"event_name\\":\\"user_engagement\\",\\"engagement_time_msec\\":5000,\\"event_timestamp\\":%d,\\"k\\":\\"u%d\\"}\\n", 1583600000 + i, i }'`;
  const dir = tmpdir('ep-head-');
  sh(`${gen} > ${dir}/in.ndjson`);
  for (const cmd of ['to-local-date --tz UTC', 'filter-engaged', 'count-by k', 'dedupe --key k']) {
    const r = sh(`${cmd} < ${dir}/in.ndjson | head -1`);
    assert.is(r.status, 0, `${cmd}: ${r.stderr}`);
    assert.is(r.stderr, '', cmd);
    assert.is(r.stdout.split('\n').length, 2, cmd);
  }
});

test('a non-blocking stdout (handed over so) with a slow reader loses nothing, and | head still ends with 0', () => {
  if (sh('command -v python3').status !== 0) return; // python3 sets O_NONBLOCK before exec'ing the tool
  const gen = `awk 'BEGIN { for (i = 0; i < 200000; i++) printf "{\\"event_timestamp\\":%d,\\"k\\":\\"u%d\\"}\\n", 1583600000 + i, i }'`;
  const dir = tmpdir('ep-nb-');
  sh(`${gen} > ${dir}/in.ndjson`);
  const nb = `python3 -c "import os,fcntl,sys; fcntl.fcntl(1, fcntl.F_SETFL, fcntl.fcntl(1, fcntl.F_GETFL) | os.O_NONBLOCK); os.execvp(sys.argv[1], sys.argv[1:])"`;
  const want = sh(`to-local-date --tz UTC < ${dir}/in.ndjson | md5sum`).stdout;
  const r = sh(`${nb} to-local-date --tz UTC < ${dir}/in.ndjson | (sleep 0.5; cat) | md5sum`);
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, want);
  const h = sh(`${nb} to-local-date --tz UTC < ${dir}/in.ndjson | (sleep 0.5; head -c 100) | wc -c`);
  assert.is(h.status, 0, h.stderr);
  assert.is(h.stdout.trim(), '100');
});

test('a --stats-file or --rejects that cannot be opened: one line naming it, exit 2, before any input is read (one tool, a chain, threads, a fork first)', () => {
  const d = tmpdir('ep-manners-'), input = path.join(d, 'in.ndjson');
  fs.writeFileSync(input, '{"a":1}\n{"a":2}\n');
  for (const [cmd, who] of [
    [`count-by a -i ${input} --stats-file ${d}/no/such/dir/s.ndjson`, 'count-by'],
    [`event-pipes where a=1 -i ${input} then count-by a --rejects ${d}/no/such/dir/r.txt`, 'count-by'],
    [`event-pipes --threads 2 where a=1 -i ${input} --stats-file ${d}/no/such/dir/s.ndjson then count-by a`, 'where'],
    [`event-pipes fork -i ${input} --rejects ${d}/no/such/dir/r.txt [ save ${d}/out.ndjson ]`, 'fork'],
  ]) {
    const r = sh(cmd);
    assert.is(r.status, 2, `${cmd}: ${r.stderr}`);
    assert.is(r.stdout, '', cmd);
    // (fork's hint names the command, event-pipes fork, as its other usage errors do)
    assert.match(r.stderr, new RegExp(`^${who}: cannot open --(stats-file|rejects) ${d}/no/such/dir/[a-z.]+: no such folder: ${d}/no/such/dir \\(try '${who === 'fork' ? 'event-pipes fork' : who} --help'\\)\n$`), cmd);
  }
  assert.not.ok(fs.existsSync(path.join(d, 'out.ndjson')), 'nothing written');
  const folder = sh(`where a=1 -i ${input} --rejects ${d}`); // (was: "EISDIR")
  assert.is(folder.status, 2, folder.stderr);
  assert.is(folder.stderr, `where: cannot open --rejects ${d}: it is a folder (try 'where --help')\n`);
  for (const rate of ['2', '-0.1']) { // a share of the records: 0 to 1
    const r = sh(`count-by a -i ${input} --max-reject-rate=${rate}`);
    assert.is(r.status, 2, r.stderr);
    assert.match(r.stderr, /^count-by: --max-reject-rate takes a share of the records read, from 0 to 1 /);
  }
  fs.rmSync(d, { recursive: true });
});

test('files written whole (save, to-parquet): a signal while the input is quiet stops the run at once and leaves no file, an earlier one untouched; a fork writing one file twice is a usage error', async () => {
  const dir = tmpdir('ep-signal-');
  const env = { ...process.env, PATH: `${path.join(root, 'bin')}:${process.env.PATH}` };
  for (const [tool, file] of [['save', 'out.ndjson'], ['to-parquet', 'out.parquet']]) {
    for (const sig of ['SIGTERM', 'SIGINT']) {
      const target = path.join(dir, file);
      fs.writeFileSync(target, 'EARLIER');
      // a producer that writes 2000 records, then waits: the tool is stopped while its input is quiet
      const p = spawn('bash', ['-c', `trap 'exit 0' TERM; for i in $(seq 2000); do echo "{\\"i\\":$i}"; done; sleep 30 & wait`], { env, stdio: ['ignore', 'pipe', 'ignore'] });
      const t = spawn(tool, [target], { env, stdio: ['pipe', 'ignore', 'pipe'] });
      p.stdout.pipe(t.stdin);
      let err = '';
      t.stderr.on('data', (d) => { err += d; });
      await new Promise((r) => setTimeout(r, 1500)); // (the records read, the tool waiting for more)
      const ended = new Promise((ok) => t.on('exit', (code, signal) => ok({ code, signal })));
      t.kill(sig);
      const r = await Promise.race([ended, new Promise((ok) => setTimeout(() => ok('still running'), 5000))]);
      p.kill('SIGTERM'); t.kill('SIGKILL');
      assert.equal(r, { code: null, signal: sig }, `${tool} stopped by ${sig}: ${err}`);
      assert.is(fs.readFileSync(target, 'utf8'), 'EARLIER', `${tool}: the earlier file untouched`);
      assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], `${tool}: no temporary file left`);
    }
  }
  const target = path.join(dir, 'twice.ndjson');
  fs.writeFileSync(target, 'EARLIER');
  const r = sh(`event-pipes fork [ where a=1 then save ${target} ] [ save ${target} ]`, { input: '{"a":1}\n' });
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, /^save: .*twice\.ndjson is written twice in this run \(try 'save --help'\)\n$/);
  assert.is(fs.readFileSync(target, 'utf8'), 'EARLIER');
});

test('a signal that comes while a chain that saves a file is busy (not waiting for input) is acted on before the file goes into place: no file, the status says the signal', async () => {
  const dir = tmpdir('ep-signal-busy-');
  const env = { ...process.env, PATH: `${path.join(root, 'bin')}:${process.env.PATH}` };
  fs.writeFileSync(path.join(dir, 'a.csv'), 'k,v\n' + 'x,1\n'.repeat(1000));
  for (const [chain, input] of [['from-csv a.csv fifo', 'k,v\ny,2\n'], ['count-by k -i a.ndjson -i fifo', '{"k":"y"}\n']]) {
    fs.writeFileSync(path.join(dir, 'a.ndjson'), '{"k":"x"}\n'.repeat(1000));
    const fifo = path.join(dir, 'fifo'), target = path.join(dir, 'out.ndjson');
    fs.rmSync(fifo, { force: true });
    assert.is(sh(`mkfifo ${fifo}`).status, 0);
    fs.writeFileSync(target, 'EARLIER');
    // the chain reads a.csv, then blocks opening the FIFO (a synchronous open: no turn of the event loop,
    // as in a long read of files); the signal comes then, and the FIFO's line after it
    const t = spawn('event-pipes', [...chain.split(' '), 'then', 'save', target], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    t.stderr.on('data', (d) => { err += d; });
    const ended = new Promise((ok) => t.on('exit', (code, signal) => ok({ code, signal })));
    await new Promise((r) => setTimeout(r, 1500));
    t.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    fs.writeFileSync(fifo, input);
    const r = await Promise.race([ended, new Promise((ok) => setTimeout(() => ok('still running'), 10000))]);
    t.kill('SIGKILL');
    assert.equal(r, { code: null, signal: 'SIGTERM' }, `${chain}: ${err}`);
    assert.is(fs.readFileSync(target, 'utf8'), 'EARLIER', `${chain}: the earlier file untouched`);
  }
});

test('a signal while a chain that saves a file reads many small files is acted on then, not at the end (the event loop turns every 1 MiB read, counted across files)', async () => {
  const dir = tmpdir('ep-signal-files-');
  const env = { ...process.env, PATH: `${path.join(root, 'bin')}:${process.env.PATH}` };
  const names = [];
  for (let i = 0; i < 300; i++) { names.push(`f${i}.csv`); fs.writeFileSync(path.join(dir, `f${i}.csv`), 'k,v\n' + `x${i},${'9'.repeat(110)}\n`.repeat(1000)); }
  assert.is(sh(`mkfifo ${dir}/fifo`).status, 0);
  const target = path.join(dir, 'out.ndjson');
  // 35 MB to read: the signal comes while they are read (or before: then it ends the run at once too);
  // without the turns, the run reads them all and waits for a writer of the FIFO, named last
  const t = spawn('event-pipes', ['from-csv', ...names, 'fifo', 'then', 'save', target], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  t.stderr.on('data', (d) => { err += d; });
  const ended = new Promise((ok) => t.on('exit', (code, signal) => ok({ code, signal })));
  await new Promise((r) => setTimeout(r, 300));
  t.kill('SIGTERM');
  const r = await Promise.race([ended, new Promise((ok) => setTimeout(() => ok('still running'), 10000))]);
  t.kill('SIGKILL');
  assert.equal(r, { code: null, signal: 'SIGTERM' }, err);
  assert.not.ok(fs.existsSync(target));
});

test('| head over many small files ends the run (the event loop turns every 1 MiB read, counted across files): a FIFO named last is never opened', () => {
  const dir = tmpdir('ep-head-files-');
  const names = [];
  for (let i = 0; i < 200; i++) {
    names.push(`f${i}.csv`); fs.writeFileSync(path.join(dir, `f${i}.csv`), 'k,v\n' + `x${i},${'9'.repeat(90)}\n`.repeat(1000));
    fs.writeFileSync(path.join(dir, `f${i}.ndjson`), `{"k":"x${i}","v":"${'9'.repeat(90)}"}\n`.repeat(1000));
  }
  assert.is(sh(`mkfifo ${dir}/fifo`).status, 0);
  // (without the turns the run reads every file, then waits for a writer of the FIFO: the timeout ends it)
  for (const cmd of [`from-csv ${names.join(' ')} fifo`, `event-pipes from-csv ${names.join(' ')} fifo then where k~x`,
    `where k~x ${names.map((n) => `-i ${n.replace('.csv', '.ndjson')}`).join(' ')} -i fifo`]) {
    const r = sh(`timeout 20 ${cmd} | head -1`, { cwd: dir });
    assert.is(r.status, 0, `${cmd.slice(0, 40)}: ${r.stderr}`);
    assert.is(r.stdout.split('\n').length, 2);
  }
});

test('--rejects keeps the raw lines byte for byte (invalid UTF-8, a CR before the LF, a NUL), in one thread and in threads; a join side file\'s bad lines too', () => {
  const dir = tmpdir('ep-rejects-');
  const bad = [Buffer.from('{"a":"\xff\xfe"}', 'latin1'), Buffer.from('{"a":1,}\r'), Buffer.from('{"a":"x\u0000y"}'), Buffer.from('[1]\r')];
  const good = Buffer.from('{"ok":1}');
  const input = path.join(dir, 'in.ndjson');
  const lines = [];
  for (let i = 0; i < 3000; i++) lines.push(i % 100 === 7 ? bad[(i / 100 | 0) % bad.length] : good);
  fs.writeFileSync(input, Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
  const want = Buffer.concat(lines.filter((l) => l !== good).flatMap((l) => [l, Buffer.from('\n')]));
  for (const [label, cmd] of [['one thread', 'where ok=1'], ['threads', 'event-pipes --threads 2 where ok=1']]) {
    const rej = path.join(dir, `${label.replace(' ', '-')}.rej`);
    const r = sh(`${cmd} --rejects ${rej} -i ${input} > /dev/null`, { env: { EVENT_PIPES_PIECE_BYTES: '4096' } });
    assert.is(r.status, 0, r.stderr);
    assert.ok(fs.readFileSync(rej).equals(want), `${label}: the rejected lines as read`);
  }
  const side = path.join(dir, 'side.ndjson');
  fs.writeFileSync(side, Buffer.concat([Buffer.from('{"user_id":1,"a":\n[1]\r\n'), Buffer.from('{"user_id":2,"x":"\xff"}\n', 'latin1')]));
  const rej = path.join(dir, 'side.rej');
  sh(`join --side ${side} --on user_id --rejects ${rej} > /dev/null`, { input: '{"user_id":1}\n' });
  assert.ok(fs.readFileSync(rej).equals(Buffer.concat([Buffer.from('{"user_id":1,"a":\n[1]\r\n'), Buffer.from('{"user_id":2,"x":"\xff"}\n', 'latin1')])), fs.readFileSync(rej, 'latin1'));
});

(fs.existsSync('/dev/full') ? test : test.skip)('a stdout that cannot take the output (a full disk): one line naming the error, exit 1 (the last bytes too, a query, a chain, --help)', () => {
  for (const cmd of ['where a=1', 'event-pipes where a=1 then count-by a', 'count-by a']) {
    const r = sh(`${cmd} > /dev/full`, { input: '{"a":1}\n' });
    assert.is(r.status, 1, `${cmd}: ${r.stderr}`);
    assert.match(r.stderr, /^[a-z-]+: error: cannot write standard output: no space left on the device\n$/, cmd);
  }
  const help = sh('where --help > /dev/full');
  assert.is(help.status, 1);
  assert.match(help.stderr, /^where: cannot write the help: no space left on the device\n$/);
  assert.not.match(help.stderr, /\n\s+at /);
  // the version and event-pipes' own help and list alike (they threw a stack trace), and quiet into | true
  for (const [cmd, what] of [['event-pipes --version', 'the version'], ['where --version', 'the version'], ['event-pipes --help', 'the help'], ['event-pipes list', 'the list']]) {
    const r = sh(`${cmd} > /dev/full`);
    assert.is(r.status, 1, cmd);
    assert.match(r.stderr, new RegExp(`^[a-z-]+: cannot write ${what}: no space left on the device\n$`), cmd);
    const q = sh(`set -o pipefail; ${cmd} | true`);
    assert.is(q.status, 0, `${cmd} | true: ${q.stderr}`);
    assert.is(q.stderr, '', cmd);
  }
});

test.run();
