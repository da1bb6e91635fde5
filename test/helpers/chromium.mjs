// Debian's chromium, headless, as the browser tests run it: a throwaway profile, no network (every host
// name fails to resolve, so a page that tried to fetch anything logs an error), console messages on
// stderr (--enable-logging=stderr: one "INFO:CONSOLE" line per message, uncaught exceptions and
// Content-Security-Policy refusals included).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** the chromium binary on PATH, or '' */
export const chromium = (() => {
  const r = spawnSync('bash', ['-c', 'command -v chromium'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
})();

/** run chromium headless on a local file with extra flags; returns {status, stdout, stderr} */
export function runChromium(file, flags) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'ep-chromium-'));
  try {
    const r = spawnSync(chromium, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--user-data-dir=${profile}`, '--host-resolver-rules=MAP * ~NOTFOUND',
      ...flags, pathToFileURL(file).href,
    ], { encoding: 'utf8', timeout: 120000, maxBuffer: 1 << 28 });
    if (r.error) throw r.error;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/** a 1000x700 screenshot of the page into `png`; returns the console lines the page logged */
export function screenshot(file, png) {
  const r = runChromium(file, ['--enable-logging=stderr', '--v=0', `--screenshot=${png}`, '--window-size=1000,700', '--hide-scrollbars']);
  if (r.status !== 0 || !fs.existsSync(png)) throw new Error(`chromium failed (status ${r.status}): ${r.stderr.slice(-2000)}`);
  return { console: r.stderr.split('\n').filter((l) => /:CONSOLE[:(]/.test(l)), stderr: r.stderr };
}

/** the page's DOM after its scripts ran */
export function dumpDom(file) {
  const r = runChromium(file, ['--dump-dom']);
  if (r.status !== 0) throw new Error(`chromium --dump-dom failed (status ${r.status}): ${r.stderr.slice(-2000)}`);
  return r.stdout;
}
