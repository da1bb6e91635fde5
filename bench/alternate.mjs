// bench/alternate.mjs: run a few commands in alternated rounds and report the best and median wall time
// of each (used by bench/jobs.mjs and bench/hosts.mjs, docs/SCALING.md). Round r runs the commands in a
// rotated order (starting at the r-th), so that a burst of load from other work on this shared machine
// does not always fall on the same command. A command that fails stops the bench with its stderr.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const env = { ...process.env, PATH: `${root}/bin:${root}/scripts:${process.env.PATH}` };
delete env.NODE_EXTRA_CA_CERTS;  // as bench/lib.sh: no tool makes a TLS connection

/** bash -c script under `env`; returns the wall seconds, or exits 1 with the command's stderr */
export function timed(script, { before } = {}) {
  if (before) before();
  const t0 = process.hrtime.bigint();
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', script], { cwd: root, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) {
    console.error(`bench: failed (exit ${r.status}): ${script}\n${r.stderr.split('\n').slice(-20).join('\n')}`);
    process.exit(1);
  }
  return s;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };

/**
 * commands: [{ name, script, before?, after? }] (after(name) is called once after each run, e.g. to
 * compare the answer). Returns [{ name, times, best, median }] and prints one line per run to stderr.
 */
export function alternate(commands, rounds) {
  const times = commands.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < commands.length; k++) {
      const i = (r + k) % commands.length;
      const c = commands[i];
      const s = timed(c.script, c);
      times[i].push(s);
      console.error(`round ${r + 1}/${rounds}  ${c.name.padEnd(28)} ${s.toFixed(2)} s  (load average ${os.loadavg()[0].toFixed(1)})`);
      if (c.after) c.after(c.name);
    }
  }
  return commands.map((c, i) => ({ name: c.name, times: times[i], best: Math.min(...times[i]), median: median(times[i]) }));
}

/** a Markdown table of alternate()'s results with the speed-up against the row named `base` */
export function table(results, base) {
  const b = results.find((r) => r.name === base);
  const out = ['| run | best s | median s | all runs s | speed-up vs ' + base + ' (best / median) |', '|---|---|---|---|---|'];
  for (const r of results) {
    out.push(`| ${r.name} | ${r.best.toFixed(2)} | ${r.median.toFixed(2)} | ${r.times.map((t) => t.toFixed(1)).join(', ')} | ${(b.best / r.best).toFixed(2)}x / ${(b.median / r.median).toFixed(2)}x |`);
  }
  return out.join('\n');
}
