// Worker threads started ahead: `event-pipes --threads N ...` (and a tool with its own --threads, such
// as final-action) starts its workers (worker.ts) as its very first step, before it loads the rest of
// its code and reads its arguments, so that their start (a Node environment and the modules, ~70-90
// ms each) overlaps the main thread's; the chain comes to them in their first message (parallel.ts).
// They do not keep the process alive (unref) and are ended when the chain runs in one thread after all
// (standard input, gzip, small files with auto): only time is at stake, never the output.
import { Worker } from 'node:worker_threads';
import fs from 'node:fs';
import os from 'node:os';

const started: Worker[] = [];
/** a started worker's failure before it was taken (said when it is taken) */
export const startErrors = new WeakMap<Worker, Error>();

function start(n: number, argv: string[]): void {
  for (let i = 0; i < n; i++) {
    const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: { argv } });
    w.unref();
    w.on('error', (e) => { startErrors.set(w, e); });
    started.push(w);
  }
}

/** the value of --threads in ARGV (the first one), or undefined */
function threadsOf(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return undefined;
    if (a === '--threads') return argv[i + 1];
    if (a.startsWith('--threads=')) return a.slice(10);
  }
  return undefined;
}

/** `event-pipes ARGV`: start its N - 1 workers when ARGV begins with --threads N (N >= 2) or auto (the
 *  main thread is one of the N; a keyed stage's one more is made when the chain is read) */
export function prestart(argv: string[]): void {
  const a = argv[0];
  if (a !== '--threads' && !a?.startsWith('--threads=')) return;
  const v = threadsOf(argv);
  const n = v === 'auto' ? os.availableParallelism() : Number(v);
  if (Number.isInteger(n) && n >= 2 && n <= 256) start(n - 1, argv);
}

/** a keyed tool with its own --threads (final-action: N workers, the main thread takes no pieces),
 *  run as its own command: its workers when --threads says N >= 2, or auto (the default) on a machine
 *  of two cores or more when the words of ARGV that are files hold 16 MiB or more (what the tool
 *  decides once it has read its arguments; a guess here costs time only) */
export function prestartKeyed(argv: string[]): void {
  const v = threadsOf(argv) ?? 'auto';
  let n: number;
  if (v === 'auto') {
    if (os.availableParallelism() < 2) return;
    let bytes = 0;
    for (const w of argv) {
      if (w.startsWith('-')) continue;
      try { const st = fs.statSync(w); if (st.isFile()) bytes += st.size; } catch { /* not a file */ }
    }
    if (bytes < 16 << 20) return;
    n = 2;
  } else n = Number(v);
  if (Number.isInteger(n) && n >= 2 && n <= 256) start(n, argv);
}

/** the workers started ahead, taken (each still unref'd: the taker refs it) */
export function takeStarted(): Worker[] { return started.splice(0); }

/** end the workers started ahead that no one took (the chain runs in one thread) */
export function dropStarted(): void { for (const w of started.splice(0)) void w.terminate(); }
