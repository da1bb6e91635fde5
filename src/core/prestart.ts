// Worker threads started ahead: `event-pipes --threads N ...` starts its N - 1 workers (worker.ts) as its
// very first step, before it loads the rest of its code and reads the chain, so that their start (a
// Node environment, the modules, ~70-90 ms) overlaps the main thread's; the chain comes to them in
// their first message (parallel.ts). They do not keep the process alive (unref) and are ended when the
// chain runs in one thread after all (standard input, gzip, small files with auto).
import { Worker } from 'node:worker_threads';
import os from 'node:os';

const started: Worker[] = [];
/** a started worker's failure before it was taken (said when it is taken) */
export const startErrors = new WeakMap<Worker, Error>();

/** start the workers `event-pipes ARGV` will use, when ARGV begins with --threads N (N >= 2) or auto */
export function prestart(argv: string[]): void {
  const a = argv[0];
  if (a !== '--threads' && !a?.startsWith('--threads=')) return;
  const v = a.includes('=') ? a.slice(10) : argv[1];
  const n = v === 'auto' ? os.availableParallelism() : Number(v);
  if (!Number.isInteger(n) || n < 2 || n > 256) return;
  for (let i = 0; i < n - 1; i++) {
    const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: { argv } });
    w.unref();
    w.on('error', (e) => { startErrors.set(w, e); });
    started.push(w);
  }
}

/** the workers started ahead, taken (each still unref'd: the taker refs it) */
export function takeStarted(): Worker[] { return started.splice(0); }

/** end the workers started ahead that no one took (the chain runs in one thread) */
export function dropStarted(): void { for (const w of started.splice(0)) void w.terminate(); }
