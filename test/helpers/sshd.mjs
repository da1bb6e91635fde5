// A private OpenSSH server for the --hosts tests: Debian's sshd started as a plain process by the test
// (sshd -D -f CONFIG), key-only, on a free high port of loopback addresses (127.0.0.1 and 127.0.0.2:
// two "hosts"), with its own host key and authorized key in a temporary directory, stopped by stop()
// (call it in an after hook: it runs when a test failed too; and on exit as a last resort).
//
// The sessions get HOME=<dir>/home (an empty home: the user's own shell start-up files, e.g. a slow
// ~/.bashrc, are not read) and a PATH with this node. With `hide: [DIR, ...]` the server runs in a
// private mount namespace (unshare -m) where each DIR is an empty tmpfs: its "host" cannot see those
// paths, as a remote machine would not (the inputs of the test; or the toolkit, for a host lacking it).
// Client side: an ssh config (port, key, no host-key prompts, connection sharing) so that GNU
// parallel's --sshlogin can use it: login(address) = 'ssh -F <dir>/ssh_config root@127.0.0.2'.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const SSHD = ['/usr/sbin/sshd', '/usr/bin/sshd'].find((p) => fs.existsSync(p)) ?? '';
const has = (cmd) => spawnSync('bash', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;

/** what the --hosts tests need here: '' when all is there, else what is missing (Debian packages) */
export function missing() {
  const need = [];
  if (!SSHD || !has('ssh') || !has('ssh-keygen')) need.push('openssh-server (sshd, ssh, ssh-keygen)');
  if (!has('parallel')) need.push('parallel (GNU parallel)');
  if (!has('rsync')) need.push('rsync (parallel --transferfile/--return)');
  if (!has('perl')) need.push('perl (GNU parallel)');
  return need.join(', ');
}

/** can this process make a private mount namespace (to hide paths from a "host")? */
let nsOk;
export function canHide() {
  if (nsOk === undefined) {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ep-ns-'));
    nsOk = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=64k none '${d}'`], { encoding: 'utf8' }).status === 0;
    fs.rmSync(d, { recursive: true, force: true });
  }
  return nsOk;
}

const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer();
  s.on('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

const connects = (host, port) => new Promise((resolve) => {
  const c = net.connect({ host, port });
  c.once('connect', () => { c.destroy(); resolve(true); });
  c.once('error', () => resolve(false));
});

const user = os.userInfo().username;
const live = new Set();
process.on('exit', () => { for (const s of live) s.kill(); });

/**
 * Start a private sshd. Options: addresses (default ['127.0.0.1', '127.0.0.2']), hide (paths made
 * empty for its sessions; needs canHide()). Returns { port, dir, config, key, home, login(address,
 * { jobs, ssh }), ssh(address, command) (runs a command there, returns {status, stdout, stderr}),
 * loginDir (the session's working directory: parallel's --workdir ... lives under it), stop() }.
 */
export async function startSshd({ addresses = ['127.0.0.1', '127.0.0.2'], hide = [] } = {}) {
  const why = missing();
  if (why) throw new Error(`cannot start sshd: missing ${why}`);
  if (hide.length && !canHide()) throw new Error('cannot hide paths: no private mount namespace (unshare -m) here');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ep-sshd-'));
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  const keygen = (f) => {
    const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'event-pipes-test', '-f', f], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ssh-keygen: ${r.stderr}`);
  };
  keygen(path.join(dir, 'host_key'));
  keygen(path.join(dir, 'user_key'));
  fs.copyFileSync(path.join(dir, 'user_key.pub'), path.join(dir, 'authorized_keys'));
  fs.chmodSync(path.join(dir, 'authorized_keys'), 0o600);
  // sshd refuses to start without its privilege separation directory when run as root
  if (process.getuid?.() === 0) fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const envPath = [...new Set([path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'])].join(':');

  let child, port, lastErr = '';
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    const config = path.join(dir, 'sshd_config');
    fs.writeFileSync(config, [
      `Port ${port}`,
      ...addresses.map((a) => `ListenAddress ${a}`),
      `HostKey ${dir}/host_key`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      'PubkeyAuthentication yes', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password', 'UsePAM no', 'StrictModes no',
      'X11Forwarding no', 'AllowTcpForwarding no', 'PrintMotd no',
      'MaxStartups 64', 'MaxSessions 64', 'LogLevel ERROR',
      `PidFile ${dir}/sshd.pid`,
      `SetEnv HOME=${home} PATH=${envPath}`,
      '',
    ].join('\n'));
    const t = spawnSync(SSHD, ['-t', '-f', config], { encoding: 'utf8' });
    if (t.status !== 0) throw new Error(`sshd -t: ${t.stderr}`);
    const cmd = hide.length
      ? ['unshare', ['--mount', '--propagation', 'private', 'sh', '-c',
        `${hide.map((h) => `mount -t tmpfs -o size=1m,mode=755 none '${h}' || exit 1; `).join('')}exec '${SSHD}' -D -e -f '${config}'`]]
      : [SSHD, ['-D', '-e', '-f', config]];
    const c = spawn(cmd[0], cmd[1], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '', exited = false;
    c.stderr.on('data', (d) => { err += d; });
    c.on('exit', () => { exited = true; });
    for (let i = 0; i < 100 && !exited; i++) {
      const up = await Promise.all(addresses.map((a) => connects(a, port)));
      if (up.every(Boolean)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const up = !exited && (await Promise.all(addresses.map((a) => connects(a, port)))).every(Boolean);
    if (up) { child = c; child.errText = () => err; } else { lastErr = err; if (!exited) c.kill(); }
  }
  if (!child) throw new Error(`sshd did not start: ${lastErr}`);
  live.add(child);

  const config = path.join(dir, 'ssh_config');
  fs.writeFileSync(config, [
    `Host ${addresses.join(' ')}`,
    `  Port ${port}`,
    `  User ${user}`,
    `  IdentityFile ${dir}/user_key`,
    '  IdentitiesOnly yes',
    '  StrictHostKeyChecking no',
    '  UserKnownHostsFile /dev/null',
    '  LogLevel ERROR',
    '  BatchMode yes',
    '  ConnectTimeout 10',
    '  ControlMaster auto',
    `  ControlPath ${dir}/cm-%C`,
    '  ControlPersist 60',
    '',
  ].join('\n'));
  const login = (address, { jobs, ssh = 'ssh' } = {}) => `${jobs ? `${jobs}/` : ''}${ssh} -F ${config} ${user}@${address}`;
  const ssh = (address, command) => {
    const r = spawnSync('ssh', ['-F', config, `${user}@${address}`, command], { encoding: 'utf8', timeout: 60000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const pwd = ssh(addresses[0], 'pwd');
  if (pwd.status !== 0) { child.kill(); live.delete(child); throw new Error(`ssh to the private sshd failed: ${pwd.stderr}${child.errText()}`); }

  const stop = () => {
    if (!live.has(child)) return;
    // the shared connections first (their masters are ssh processes of ours), then the sessions the
    // server forked (its children, by pid), then the server
    for (const a of addresses) spawnSync('ssh', ['-F', config, '-O', 'exit', `${user}@${a}`], { stdio: 'ignore', timeout: 10000 });
    const kids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try { return fs.readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1] === String(child.pid); } catch { return false; }
    });
    for (const k of kids) { try { process.kill(Number(k), 'SIGTERM'); } catch { /* gone */ } }
    child.kill('SIGTERM');
    live.delete(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { port, dir, config, key: path.join(dir, 'user_key'), home, user, addresses, login, ssh, loginDir: pwd.stdout.trim(), stop, stderr: () => child.errText() };
}
