// A private PostgreSQL for the tests: Debian's postgresql package, initdb into a temporary directory
// (as the postgres user when run as root), pg_ctl start on 127.0.0.1 and a free port with the socket in
// that directory; stop() stops it and removes the directory (also run at process exit). `bindir` is
// undefined when PostgreSQL is not installed: the caller then says so loudly and skips.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const bindir = (() => {
  const base = '/usr/lib/postgresql';
  if (!fs.existsSync(base)) return undefined;
  const versions = fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(a) - Number(b));
  return versions.length ? path.join(base, versions.at(-1), 'bin') : undefined;
})();

export const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

/** a private server: { url, port, stop() } */
/** `ssl`: TLS on with a self-signed certificate made here; `password`: the postgres role's password,
 *  asked over TCP (scram-sha-256), the socket still trusted */
export async function startServer({ ssl = false, password } = {}) {
  const root = process.getuid() === 0;
  const dir = fs.mkdtempSync('/tmp/ep-pg-');
  let stopped = false;
  const as = (cmd, args) => {
    const r = root ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' }) : spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${path.basename(cmd)} failed (${r.status}): ${r.stderr || r.stdout || r.error}`);
    return r;
  };
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try { as(`${bindir}/pg_ctl`, ['-D', `${dir}/data`, '-m', 'fast', '-w', 'stop']); } catch { /* not started */ }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', stop); // the after hook's backstop
  if (root) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    if (id.status !== 0) throw new Error('running as root and there is no postgres user to run initdb as');
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout);
    fs.chownSync(dir, Number(id.stdout), gid);
  }
  const port = await freePort();
  as(`${bindir}/initdb`, ['-D', `${dir}/data`, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-locale']);
  let extra = '';
  if (ssl) {
    as('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=event-pipes-test',
      '-keyout', `${dir}/data/server.key`, '-out', `${dir}/data/server.crt`]);
    fs.chmodSync(`${dir}/data/server.key`, 0o600);
    extra += ' -c ssl=on';
  }
  if (password !== undefined) {
    // (the password set over the socket, trusted; TCP connections must give it)
    fs.writeFileSync(`${dir}/hba.conf`, 'local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n');
    if (root) fs.chownSync(`${dir}/hba.conf`, Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout), Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout));
    extra += ` -c hba_file=${dir}/hba.conf`;
  }
  as(`${bindir}/pg_ctl`, ['-D', `${dir}/data`, '-l', `${dir}/server.log`, '-w', '-t', '60',
    '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off${extra}`, 'start']);
  if (password !== undefined) as(`${bindir}/psql`, ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-qAtc', `ALTER ROLE postgres PASSWORD '${password}'`]);
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, stop };
}

